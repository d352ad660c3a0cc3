//! Site battery (BESS): power and energy limits, state-of-charge window, losses, and the
//! parameters of its optional grid-ramp smoothing mode (run by [`super::dispatch`]).
//!
//! # Model
//! Power `P` is measured at the battery's AC terminals, positive when discharging. With
//! round-trip efficiency `η_rt`, losses are split symmetrically, `η = sqrt(η_rt)` each way [E]
//! (real systems lose a little more in the inverter at low power and add auxiliary/HVAC
//! loads; not modelled):
//! * charging at `P_ch`: stored energy rises by `η · P_ch · dt_h`, loss `(1 − η) · P_ch · dt_h`;
//! * discharging at `P_dis`: stored energy falls by `P_dis · dt_h / η`,
//!   loss `(1/η − 1) · P_dis · dt_h`.
//!
//! So `charged − discharged − loss = ΔSoC · E` exactly. The state of charge stays in
//! `[soc_min, soc_max]` (defaults 5–95 % [E], a common usable window for Li-ion): the most
//! the battery can discharge in a step is `min(P_rated, (SoC − SoC_min)·E·η / dt_h)` and
//! charge `min(P_rated, (SoC_max − SoC)·E / (η·dt_h))`. No self-discharge, no degradation,
//! no temperature effects [E].
//!
//! Equivalent full cycles = throughput / (2·E) with throughput = charged + discharged energy
//! at the terminals and `E` the nominal energy (one convention among several).

use super::{frac_or, nonneg, step_s, SECONDS_PER_HOUR};
use crate::units::SafeClamp;

/// Parameters of the site battery.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatteryParams {
    /// Nominal energy (MWh). Default 0 (no battery).
    pub energy_mwh: f64,
    /// Rated power, charging or discharging (MW). Default 0.
    pub power_mw: f64,
    /// Round-trip efficiency at the AC terminals (fraction). Default 0.9 [E] (Li-ion 0.85–0.92).
    pub round_trip_efficiency_frac: f64,
    /// Lowest state of charge (fraction of `energy_mwh`). Default 0.05 [E].
    pub soc_min_frac: f64,
    /// Highest state of charge (fraction). Default 0.95 [E].
    pub soc_max_frac: f64,
    /// State of charge at the start (fraction, clamped into the window). Default 0.5.
    pub initial_soc_frac: f64,
    /// Grid-ramp smoothing: largest allowed step-to-step change of the net draw on the supply
    /// connections (MW/s); `None` = no smoothing. Default `None`.
    pub max_grid_ramp_mw_per_s: Option<f64>,
    /// Smoothing mode: state of charge the battery drifts back to (fraction). Default 0.5.
    pub target_soc_frac: f64,
    /// Smoothing mode: time constant of the drift back to `target_soc_frac` (s). Default 900
    /// [E] — slow next to the 1–10 s swings it absorbs, fast next to hours-long checkpoint and
    /// diurnal trends.
    pub soc_recovery_s: f64,
}

impl Default for BatteryParams {
    fn default() -> Self {
        Self {
            energy_mwh: 0.0,
            power_mw: 0.0,
            round_trip_efficiency_frac: 0.9,
            soc_min_frac: 0.05,
            soc_max_frac: 0.95,
            initial_soc_frac: 0.5,
            max_grid_ramp_mw_per_s: None,
            target_soc_frac: 0.5,
            soc_recovery_s: 900.0,
        }
    }
}

/// State of the battery carried between steps. Energies are at the AC terminals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatteryState {
    /// State of charge (fraction of nominal energy).
    pub soc_frac: f64,
    /// Energy taken in while charging since the start (MWh).
    pub charged_mwh: f64,
    /// Energy delivered while discharging since the start (MWh).
    pub discharged_mwh: f64,
    /// Conversion losses since the start (MWh).
    pub loss_mwh: f64,
    /// `charged_mwh + discharged_mwh` (MWh).
    pub throughput_mwh: f64,
    /// Nominal energy the cycles are counted against (MWh), copied from the parameters.
    pub nominal_energy_mwh: f64,
}

impl BatteryParams {
    /// One-way efficiency `sqrt(η_rt)`; `η_rt` is clamped to [0.01, 1] (NaN → 0.9).
    pub fn one_way_efficiency_frac(&self) -> f64 {
        let rte = if self.round_trip_efficiency_frac.is_nan() { 0.9 } else { self.round_trip_efficiency_frac.clamp(0.01, 1.0) };
        rte.sqrt()
    }

    /// The usable state-of-charge window `(min, max)`, sanitised so that `min ≤ max`.
    pub fn soc_window(&self) -> (f64, f64) {
        let lo = frac_or(self.soc_min_frac, 0.05);
        let hi = frac_or(self.soc_max_frac, 0.95).max(lo);
        (lo, hi)
    }

    /// Whether the battery can do anything at all (positive energy and power).
    pub fn is_present(&self) -> bool {
        nonneg(self.energy_mwh) > 0.0 && nonneg(self.power_mw) > 0.0
    }

    /// Smoothing limit (MW/s) if smoothing is on and the battery exists.
    pub fn smoothing_ramp_mw_per_s(&self) -> Option<f64> {
        match self.max_grid_ramp_mw_per_s {
            Some(r) if self.is_present() && !r.is_nan() => Some(nonneg(r)),
            _ => None,
        }
    }

    /// Most the battery can discharge over a step of `dt_s` (MW, ≥ 0).
    pub fn max_discharge_mw(&self, state: &BatteryState, dt_s: f64) -> f64 {
        if !self.is_present() {
            return 0.0;
        }
        let (lo, _) = self.soc_window();
        let avail = nonneg(state.soc_frac - lo) * nonneg(self.energy_mwh);
        let dt_h = step_s(dt_s) / SECONDS_PER_HOUR;
        let energy_limit = if dt_h > 0.0 { avail * self.one_way_efficiency_frac() / dt_h } else { super::UNLIMITED };
        nonneg(self.power_mw).min(energy_limit)
    }

    /// Most the battery can charge over a step of `dt_s` (MW, ≥ 0, at the terminals).
    pub fn max_charge_mw(&self, state: &BatteryState, dt_s: f64) -> f64 {
        if !self.is_present() {
            return 0.0;
        }
        let (_, hi) = self.soc_window();
        let room = nonneg(hi - state.soc_frac) * nonneg(self.energy_mwh);
        let dt_h = step_s(dt_s) / SECONDS_PER_HOUR;
        let energy_limit = if dt_h > 0.0 { room / (self.one_way_efficiency_frac() * dt_h) } else { super::UNLIMITED };
        nonneg(self.power_mw).min(energy_limit)
    }
}

impl BatteryState {
    /// Fresh state at the initial state of charge (clamped into the window).
    pub fn new(params: &BatteryParams) -> Self {
        let (lo, hi) = params.soc_window();
        Self {
            soc_frac: frac_or(params.initial_soc_frac, 0.5).safe_clamp(lo, hi),
            charged_mwh: 0.0,
            discharged_mwh: 0.0,
            loss_mwh: 0.0,
            throughput_mwh: 0.0,
            nominal_energy_mwh: nonneg(params.energy_mwh),
        }
    }

    /// Stored energy (MWh).
    pub fn stored_mwh(&self) -> f64 {
        self.soc_frac * self.nominal_energy_mwh
    }

    /// Equivalent full cycles so far: throughput / (2 · nominal energy); 0 without a battery.
    pub fn equivalent_full_cycles(&self) -> f64 {
        if self.nominal_energy_mwh > 0.0 {
            self.throughput_mwh / (2.0 * self.nominal_energy_mwh)
        } else {
            0.0
        }
    }

    /// Runs the battery at `battery_mw` (positive = discharging) for `dt_s` seconds, first
    /// clamped to the step's limits; returns the power actually applied (MW).
    pub fn apply(&mut self, params: &BatteryParams, battery_mw: f64, dt_s: f64) -> f64 {
        let p = if battery_mw.is_nan() { 0.0 } else { battery_mw };
        let p = p.min(params.max_discharge_mw(self, dt_s)).max(-params.max_charge_mw(self, dt_s));
        let dt_h = step_s(dt_s) / SECONDS_PER_HOUR;
        let e = nonneg(params.energy_mwh);
        if e <= 0.0 || dt_h <= 0.0 || p == 0.0 {
            // No energy moves over a zero-length step (or without a battery, where p is 0).
            return p;
        }
        let eta = params.one_way_efficiency_frac();
        let (lo, hi) = params.soc_window();
        if p > 0.0 {
            let out = p * dt_h;
            self.discharged_mwh += out;
            self.loss_mwh += out * (1.0 / eta - 1.0);
            self.soc_frac = (self.soc_frac - out / eta / e).safe_clamp(lo, hi);
            self.throughput_mwh += out;
        } else {
            let inp = -p * dt_h;
            self.charged_mwh += inp;
            self.loss_mwh += inp * (1.0 - eta);
            self.soc_frac = (self.soc_frac + inp * eta / e).safe_clamp(lo, hi);
            self.throughput_mwh += inp;
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bess() -> BatteryParams {
        BatteryParams { energy_mwh: 10.0, power_mw: 20.0, ..BatteryParams::default() }
    }

    #[test]
    fn account_closes_and_soc_stays_in_window() {
        let p = bess();
        let mut s = BatteryState::new(&p);
        let soc0 = s.soc_frac;
        // Alternate long charges and discharges that hit both limits.
        for k in 0..400 {
            let req = if (k / 50) % 2 == 0 { -25.0 } else { 25.0 };
            s.apply(&p, req, 60.0);
            assert!(s.soc_frac >= 0.05 - 1e-12 && s.soc_frac <= 0.95 + 1e-12);
        }
        let lhs = s.charged_mwh - s.discharged_mwh - s.loss_mwh;
        let rhs = (s.soc_frac - soc0) * p.energy_mwh;
        assert!((lhs - rhs).abs() < 1e-9 * s.throughput_mwh, "{lhs} vs {rhs}");
        assert!(s.equivalent_full_cycles() > 1.0);
    }

    #[test]
    fn round_trip_loses_the_round_trip_efficiency() {
        let p = bess();
        let mut s = BatteryState::new(&p);
        s.apply(&p, -3.0, 3600.0); // 3 MWh in
        let stored = (s.soc_frac - 0.5) * 10.0;
        assert!((stored - 3.0 * 0.9f64.sqrt()).abs() < 1e-12);
        // Discharge all of it back: 3·0.9 MWh out.
        let mut out = 0.0;
        while s.soc_frac > 0.5 + 1e-12 {
            let room = (s.soc_frac - 0.5) * 10.0 * 0.9f64.sqrt();
            out += s.apply(&p, room.min(3.0), 3600.0);
        }
        assert!((out - 2.7).abs() < 1e-9, "{out}");
    }

    #[test]
    fn limits_respect_power_and_energy() {
        let p = bess();
        let s = BatteryState { soc_frac: 0.06, ..BatteryState::new(&p) };
        // 0.01 · 10 MWh · sqrt(0.9) over 1 h.
        assert!((p.max_discharge_mw(&s, 3600.0) - 0.1 * 0.9f64.sqrt()).abs() < 1e-12);
        assert_eq!(p.max_discharge_mw(&s, 1.0), 20.0);
        let none = BatteryParams::default();
        assert_eq!(none.max_charge_mw(&BatteryState::new(&none), 1.0), 0.0);
        assert_eq!(BatteryState::new(&none).equivalent_full_cycles(), 0.0);
    }
}
