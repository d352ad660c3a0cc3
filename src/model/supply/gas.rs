//! On-site gas turbines (the Abilene counterpoint): a dispatchable source with a capacity,
//! a ramp limit in per cent of rating per minute, a technical minimum, and a CO2 intensity.
//!
//! # Model
//! Each step `|P − P_prev| ≤ ramp_frac_per_min · P_cap · dt / 60` and
//! `min_mw ≤ P ≤ P_cap` (the minimum is approached from below at the ramp rate when the
//! fleet starts). Emissions are `P · dt_h · carbon_g_per_kwh` kg (1 MWh × 1 g/kWh = 1 kg).
//!
//! Sources: ramp 20 %/min for an industrial frame gas turbine (aeroderivative ~50 %/min,
//! CCGT ~10 %/min, reciprocating engines > 100 %/min), Wärtsilä comparison page, REFERENCE
//! §7.3 [S2]. Intensity 550 g/kWh for simple cycle: heat rate ~9–11 MJ/kWh × 56 g CO2/MJ,
//! REFERENCE §7.4 [D]/[E]. Start-up times, part-load heat-rate penalties and unit commitment
//! (several discrete turbines) are not modelled [E]: the fleet is one continuous unit.

use super::{governed_band, governor_band_mw, nonneg, step_s, Agc, Band, SECONDS_PER_HOUR};

/// Parameters of the on-site gas turbine fleet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GasParams {
    /// Rated output of the fleet (MW). Default 0 (no gas).
    pub capacity_mw: f64,
    /// Largest change of output per minute as a share of `capacity_mw` (1/min). Default 0.2
    /// (industrial frame GT, REFERENCE §7.3 [S2]).
    pub ramp_frac_per_min: f64,
    /// Largest decrease per minute as a share of capacity (1/min) when it differs from
    /// `ramp_frac_per_min` (governor load shedding); `None` = symmetric.
    pub ramp_down_frac_per_min: Option<f64>,
    /// Governor (primary-response) band as a share of capacity around the ramp-limited set
    /// point (see the hydro model). Default 0.
    pub governor_band_frac: f64,
    /// Technical minimum output (MW). Default 0.
    pub min_mw: f64,
    /// CO2 intensity of the electricity produced (g/kWh). Default 550 (simple cycle, [D]/[E]).
    pub carbon_g_per_kwh: f64,
}

impl Default for GasParams {
    fn default() -> Self {
        Self { capacity_mw: 0.0, ramp_frac_per_min: 0.2, ramp_down_frac_per_min: None, governor_band_frac: 0.0, min_mw: 0.0, carbon_g_per_kwh: 550.0 }
    }
}

/// State of the gas fleet carried between steps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GasState {
    /// Output during the last step (MW).
    pub output_mw: f64,
    /// Energy delivered since the start (MWh).
    pub energy_mwh: f64,
    /// CO2 emitted since the start (kg).
    pub carbon_kg: f64,
    /// Set point and output mean of the automatic generation control.
    pub agc: Agc,
}

impl GasParams {
    /// Ramp limit in MW per second (non-negative).
    pub fn ramp_mw_per_s(&self) -> f64 {
        nonneg(self.ramp_frac_per_min) * nonneg(self.capacity_mw) / 60.0
    }

    /// Feasible output band for a step of `dt_s` seconds given the present state.
    pub fn band(&self, state: &GasState, dt_s: f64) -> Band {
        let g = governor_band_mw(self.governor_band_frac, self.capacity_mw);
        governed_band(
            state.agc.setpoint_mw,
            self.ramp_mw_per_s() * step_s(dt_s),
            self.ramp_down_mw_per_s() * step_s(dt_s),
            g,
            self.min_mw,
            self.capacity_mw,
        )
    }

    /// Largest decrease per second (MW/s).
    pub fn ramp_down_mw_per_s(&self) -> f64 {
        self.ramp_down_frac_per_min.map_or_else(|| self.ramp_mw_per_s(), |f| nonneg(f) * nonneg(self.capacity_mw) / 60.0)
    }

    /// CO2 emitted by `output_mw` over `dt_s` seconds (kg).
    pub fn carbon_kg(&self, output_mw: f64, dt_s: f64) -> f64 {
        nonneg(output_mw) * step_s(dt_s) / SECONDS_PER_HOUR * nonneg(self.carbon_g_per_kwh)
    }
}

impl GasState {
    /// State with the fleet running at `output_mw` (clamped to `[0, capacity]`).
    pub fn new(params: &GasParams, output_mw: f64) -> Self {
        let out = nonneg(output_mw).min(nonneg(params.capacity_mw));
        Self { output_mw: out, energy_mwh: 0.0, carbon_kg: 0.0, agc: Agc::at(out) }
    }

    /// Records that the fleet delivered `output_mw` for `dt_s` seconds (the value should come
    /// from [`GasParams::band`]; it is not re-checked).
    pub fn commit(&mut self, params: &GasParams, dt_s: f64, output_mw: f64) {
        let p = nonneg(output_mw);
        self.energy_mwh += p * step_s(dt_s) / SECONDS_PER_HOUR;
        self.carbon_kg += params.carbon_kg(p, dt_s);
        self.output_mw = p;
        self.agc.step(p, params.ramp_mw_per_s(), params.ramp_down_mw_per_s(), params.governor_band_frac, params.capacity_mw, dt_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_a_fraction_of_capacity_per_minute() {
        let p = GasParams { capacity_mw: 350.0, ..GasParams::default() };
        let s = GasState::new(&p, 100.0);
        let b = p.band(&s, 60.0);
        assert!((b.hi_mw - 170.0).abs() < 1e-9 && (b.lo_mw - 30.0).abs() < 1e-9);
    }

    #[test]
    fn one_mwh_at_550_g_is_550_kg() {
        let p = GasParams::default();
        assert!((p.carbon_kg(1.0, 3600.0) - 550.0).abs() < 1e-9);
    }
}
