//! Hydropower: a dispatchable source with a capacity, a ramp limit, an optional technical
//! minimum, and optional energy limits (a daily budget and/or a reservoir).
//!
//! # Model
//! Each step of length `dt` (hours `dt_h = dt / 3600`) the output `P` may take any value in a
//! band computed by [`HydroParams::band`]:
//!
//! * **Capacity and outages.** `P ≤ P_cap · a`, where `a = hydro_availability_frac` comes from
//!   the `hydro_outage` event (an outage of fraction `f` gives `a = 1 − f`). A drop of
//!   available capacity below the present output is a *trip*: the output falls at once, not
//!   at the ramp rate (protection opens breakers in well under a second).
//! * **Ramp.** `|P − P_prev| ≤ r · dt`, `r = ramp_mw_per_min / 60`. Once spinning, a hydro unit
//!   is limited mainly by penstock pressure transients (water hammer) to tens of per cent of
//!   rating per minute (REFERENCE §7.3, [S2]/[E]); the default 60 MW/min on a 260 MW plant is
//!   23 %/min [E].
//! * **Technical minimum.** `P ≥ min_mw`, approached from below at the ramp rate when the unit
//!   starts. Energy limits override it (a unit out of water shuts down).
//! * **Energy.** With `R` the energy still available this step (the rest of today's budget,
//!   and/or the reservoir content plus this step's inflow, whichever is smaller) the output is
//!   limited so that the unit can still ramp down to zero *at its ramp rate* before `R` is
//!   used up: `P·dt_h + P²/(2·r_h) ≤ R` (`r_h` = ramp in MW per hour), i.e.
//!   `P ≤ 2R / (dt_h + sqrt(dt_h² + 2R/r_h))`. The continuous ramp-down energy `P²/(2 r_h)`
//!   bounds the stepped one from above, so the reserve always suffices and running out of
//!   water never forces a step faster than the ramp limit. Without a ramp limit this is the
//!   plain `P ≤ R/dt_h`. The budget is spread by this rule only: the unit runs as demand asks
//!   until it must start to ramp down (it does not know tomorrow's demand).
//! * **Daily budget.** `daily_energy_mwh` is counted per UTC day `floor(t_s / 86400)` of the
//!   step's start time and resets at midnight (the scenario start is taken as UTC-aligned by
//!   the caller's `t_s`).
//! * **Reservoir.** Content `E` (MWh of electricity it can still produce, i.e. head and
//!   turbine efficiency folded in [E]) follows `E ← min(E + (inflow − P)·dt_h, E_max)`; water
//!   above `E_max` spills (counted in [`HydroState::spilled_mwh`]). The reserve rule ignores
//!   future inflow (conservative).

use super::{frac_or, governed_band, governor_band_mw, nonneg, step_s, Agc, Band, SECONDS_PER_DAY, SECONDS_PER_HOUR};

/// A hydro reservoir expressed as electrical energy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReservoirParams {
    /// Usable content when full, as the electricity it can produce (MWh). Default 0.
    pub energy_mwh: f64,
    /// Natural inflow, as the electrical power it represents (MW). Default 0.
    pub inflow_mw: f64,
    /// Content at the start of the run as a share of `energy_mwh`. Default 0.5 [E].
    pub initial_frac: f64,
}

impl Default for ReservoirParams {
    fn default() -> Self {
        Self { energy_mwh: 0.0, inflow_mw: 0.0, initial_frac: 0.5 }
    }
}

/// Parameters of the hydro supply (one aggregate plant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HydroParams {
    /// Rated output (MW). Default 0 (no hydro).
    pub capacity_mw: f64,
    /// Largest change of output per minute, up or down (MW/min). Default 60 [E]
    /// (REFERENCE §7.3: tens of % of rating per minute).
    pub ramp_mw_per_min: f64,
    /// Largest decrease per minute (MW/min) when it differs from `ramp_mw_per_min`, e.g. a
    /// governor shedding load faster than the plant may pick it up; `None` = symmetric.
    pub ramp_down_mw_per_min: Option<f64>,
    /// Governor (primary-response) band as a share of capacity: output may deviate this far
    /// from the ramp-limited set point within a step, the set point itself moving at most
    /// the ramp. Default 0 (output = set point: the plain ramp limit).
    pub governor_band_frac: f64,
    /// Technical minimum output while running (MW). Default 0.
    pub min_mw: f64,
    /// Energy the plant may deliver per UTC day (MWh); `None` = unlimited. Default `None`.
    pub daily_energy_mwh: Option<f64>,
    /// Optional reservoir that limits energy; `None` = unlimited water. Default `None`.
    pub reservoir: Option<ReservoirParams>,
}

impl Default for HydroParams {
    fn default() -> Self {
        Self {
            capacity_mw: 0.0,
            ramp_mw_per_min: 60.0,
            ramp_down_mw_per_min: None,
            governor_band_frac: 0.0,
            min_mw: 0.0,
            daily_energy_mwh: None,
            reservoir: None,
        }
    }
}

/// State of the hydro plant carried between steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HydroState {
    /// Output during the last step (MW).
    pub output_mw: f64,
    /// Energy delivered so far in the UTC day `day_index` (MWh).
    pub energy_used_today_mwh: f64,
    /// UTC day (`floor(t_s / 86400)`) that `energy_used_today_mwh` belongs to.
    pub day_index: i64,
    /// Reservoir content (MWh of electricity); `None` without a reservoir.
    pub reservoir_mwh: Option<f64>,
    /// Water spilled because the reservoir was full, as electrical energy (MWh).
    pub spilled_mwh: f64,
    /// Energy delivered since the start (MWh).
    pub energy_mwh: f64,
    /// Set point and output mean of the automatic generation control.
    pub agc: Agc,
}

/// UTC day index of a time; non-finite times map to day 0.
fn day_of(t_s: f64) -> i64 {
    if t_s.is_finite() {
        (t_s / SECONDS_PER_DAY).floor() as i64
    } else {
        0
    }
}

impl HydroParams {
    /// Ramp limit in MW per second (non-negative).
    pub fn ramp_mw_per_s(&self) -> f64 {
        nonneg(self.ramp_mw_per_min) / 60.0
    }

    /// Largest decrease per second (MW/s).
    pub fn ramp_down_mw_per_s(&self) -> f64 {
        self.ramp_down_mw_per_min.map_or_else(|| self.ramp_mw_per_s(), |r| nonneg(r) / 60.0)
    }

    /// Energy still available for a step starting at `t_s` of length `dt_s` (MWh):
    /// the smaller of the day's remaining budget and reservoir content plus the step's
    /// inflow; `None` when neither limit is configured.
    pub fn remaining_energy_mwh(&self, state: &HydroState, t_s: f64, dt_s: f64) -> Option<f64> {
        let dt_h = step_s(dt_s) / SECONDS_PER_HOUR;
        let mut remaining: Option<f64> = None;
        if let Some(budget) = self.daily_energy_mwh {
            let used = if day_of(t_s) == state.day_index { nonneg(state.energy_used_today_mwh) } else { 0.0 };
            remaining = Some(nonneg(nonneg(budget) - used));
        }
        if let (Some(res), Some(content)) = (self.reservoir, state.reservoir_mwh) {
            let avail = nonneg(content) + nonneg(res.inflow_mw) * dt_h;
            remaining = Some(remaining.map_or(avail, |r| r.min(avail)));
        }
        remaining
    }

    /// Feasible output band for the step `[t_s, t_s + dt_s)` given the present state and the
    /// availability fraction (1 = no outage; NaN is read as 1). See the module doc for the
    /// rules.
    pub fn band(&self, state: &HydroState, t_s: f64, dt_s: f64, availability_frac: f64) -> Band {
        let dt = step_s(dt_s);
        let dt_h = dt / SECONDS_PER_HOUR;
        let cap = nonneg(self.capacity_mw) * frac_or(availability_frac, 1.0);
        let ramp_s = self.ramp_mw_per_s();
        let g = governor_band_mw(self.governor_band_frac, self.capacity_mw);
        let mut band = governed_band(state.agc.setpoint_mw, ramp_s * dt, self.ramp_down_mw_per_s() * dt, g, self.min_mw, cap);
        if let Some(r) = self.remaining_energy_mwh(state, t_s, dt_s) {
            // The reserve for ramping down before the budget runs out uses the down ramp.
            let limit = energy_limited_mw(r, dt_h, self.ramp_down_mw_per_s() * SECONDS_PER_HOUR);
            band.hi_mw = band.hi_mw.min(limit);
            band.lo_mw = band.lo_mw.min(band.hi_mw);
        }
        band
    }
}

/// Largest output `P` with `P·dt_h + P²/(2·ramp_h) ≤ remaining` (see the module doc).
fn energy_limited_mw(remaining_mwh: f64, dt_h: f64, ramp_mw_per_h: f64) -> f64 {
    let r = nonneg(remaining_mwh);
    if r <= 0.0 {
        return 0.0;
    }
    if dt_h <= 0.0 {
        return super::UNLIMITED;
    }
    if ramp_mw_per_h <= 0.0 {
        // A unit that cannot ramp cannot ramp down early either: plain energy limit.
        return r / dt_h;
    }
    2.0 * r / (dt_h + (dt_h * dt_h + 2.0 * r / ramp_mw_per_h).sqrt())
}

impl HydroState {
    /// State at `t_s` with the plant running at `output_mw` (clamped to `[0, capacity]`);
    /// use 0 for a cold start, or the expected demand for a plant already in service.
    pub fn new(params: &HydroParams, t_s: f64, output_mw: f64) -> Self {
        let reservoir_mwh = params.reservoir.map(|r| nonneg(r.energy_mwh) * frac_or(r.initial_frac, 0.5));
        let out = nonneg(output_mw).min(nonneg(params.capacity_mw));
        Self {
            output_mw: out,
            agc: Agc::at(out),
            energy_used_today_mwh: 0.0,
            day_index: day_of(t_s),
            reservoir_mwh,
            spilled_mwh: 0.0,
            energy_mwh: 0.0,
        }
    }

    /// Records that the plant delivered `output_mw` over `[t_s, t_s + dt_s)`: rolls the day
    /// over, books the energy against the budget, and updates the reservoir.
    /// `output_mw` should come from [`HydroParams::band`]; it is not re-checked here.
    pub fn commit(&mut self, params: &HydroParams, t_s: f64, dt_s: f64, output_mw: f64) {
        let p = nonneg(output_mw);
        let dt_h = step_s(dt_s) / SECONDS_PER_HOUR;
        let day = day_of(t_s);
        if day != self.day_index {
            self.day_index = day;
            self.energy_used_today_mwh = 0.0;
        }
        let e = p * dt_h;
        self.energy_used_today_mwh += e;
        self.energy_mwh += e;
        if let (Some(res), Some(content)) = (params.reservoir, self.reservoir_mwh) {
            let full = nonneg(res.energy_mwh);
            let next = nonneg(content + (nonneg(res.inflow_mw) - p) * dt_h);
            if next > full {
                self.spilled_mwh += next - full;
            }
            self.reservoir_mwh = Some(next.min(full));
        }
        self.output_mw = p;
        self.agc.step(p, params.ramp_mw_per_s(), params.ramp_down_mw_per_s(), params.governor_band_frac, params.capacity_mw, dt_s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plant() -> HydroParams {
        HydroParams { capacity_mw: 260.0, ramp_mw_per_min: 60.0, ..HydroParams::default() }
    }

    #[test]
    fn ramp_limits_the_band() {
        let p = plant();
        let s = HydroState::new(&p, 0.0, 100.0);
        let b = p.band(&s, 0.0, 1.0, 1.0);
        assert!((b.hi_mw - 101.0).abs() < 1e-12 && (b.lo_mw - 99.0).abs() < 1e-12);
    }

    #[test]
    fn outage_trips_output_immediately() {
        let p = plant();
        let s = HydroState::new(&p, 0.0, 250.0);
        // 50 % outage: 130 MW available, far below 250 − 1.
        let b = p.band(&s, 0.0, 1.0, 0.5);
        assert_eq!(b.hi_mw, 130.0);
        assert_eq!(b.lo_mw, 130.0);
    }

    #[test]
    fn start_up_climbs_to_minimum_at_ramp_rate() {
        let p = HydroParams { min_mw: 50.0, ..plant() };
        let s = HydroState::new(&p, 0.0, 0.0);
        let b = p.band(&s, 0.0, 10.0, 1.0);
        assert!((b.lo_mw - 10.0).abs() < 1e-12, "{b:?}");
    }

    #[test]
    fn daily_budget_is_respected_and_resets_at_midnight() {
        let p = HydroParams { daily_energy_mwh: Some(2000.0), ..plant() };
        let mut s = HydroState::new(&p, 0.0, 200.0);
        let dt = 10.0;
        let mut t = 0.0;
        let mut prev = s.output_mw;
        let mut max_used: f64 = 0.0;
        let mut first_after_midnight = None;
        while t < 1.5 * SECONDS_PER_DAY {
            let b = p.band(&s, t, dt, 1.0);
            let out = b.hi_mw; // greedy: always as much as allowed
            assert!((out - prev).abs() <= p.ramp_mw_per_s() * dt + 1e-9, "ramp at {t}");
            s.commit(&p, t, dt, out);
            max_used = max_used.max(s.energy_used_today_mwh);
            if t >= SECONDS_PER_DAY && first_after_midnight.is_none() {
                first_after_midnight = Some(s.energy_used_today_mwh);
            }
            prev = out;
            t += dt;
        }
        assert!(max_used <= 2000.0 + 1e-6, "used {max_used}");
        assert!(max_used > 1990.0, "budget should be nearly used: {max_used}");
        // After midnight the budget is fresh: the plant ramps up again.
        assert!(first_after_midnight.unwrap() < 1.0);
        assert!(s.energy_used_today_mwh > 1000.0);
    }

    #[test]
    fn reservoir_drains_and_spills() {
        let p = HydroParams { reservoir: Some(ReservoirParams { energy_mwh: 100.0, inflow_mw: 20.0, initial_frac: 1.0 }), ..plant() };
        let mut s = HydroState::new(&p, 0.0, 0.0);
        // Idle for an hour at full reservoir: all inflow spills.
        s.commit(&p, 0.0, 3600.0, 0.0);
        assert!((s.spilled_mwh - 20.0).abs() < 1e-9);
        // Run flat out: the reservoir is never overdrawn.
        for k in 0..2000 {
            let t = 3600.0 + k as f64;
            let b = p.band(&s, t, 1.0, 1.0);
            s.commit(&p, t, 1.0, b.hi_mw);
            assert!(s.reservoir_mwh.unwrap() >= 0.0);
        }
    }

    #[test]
    fn asymmetric_ramp_sheds_faster_than_it_picks_up() {
        let p = HydroParams { capacity_mw: 260.0, ramp_mw_per_min: 60.0, ramp_down_mw_per_min: Some(600.0), ..HydroParams::default() };
        let s = HydroState::new(&p, 0.0, 150.0);
        let b = p.band(&s, 0.0, 1.0, 1.0);
        assert!((b.hi_mw - 151.0).abs() < 1e-9, "up 1 MW/s: {b:?}");
        assert!((b.lo_mw - 140.0).abs() < 1e-9, "down 10 MW/s: {b:?}");
        let sym = HydroParams { ramp_down_mw_per_min: None, ..p };
        assert!((sym.band(&s, 0.0, 1.0, 1.0).lo_mw - 149.0).abs() < 1e-9);
    }

    #[test]
    fn governor_band_follows_fast_swings_while_the_set_point_ramps() {
        let p = HydroParams { capacity_mw: 200.0, ramp_mw_per_min: 6.0, governor_band_frac: 0.1, ..HydroParams::default() };
        let mut s = HydroState::new(&p, 0.0, 100.0);
        // A 15 MW jump is inside the 20 MW band: served at once.
        let b = p.band(&s, 0.0, 1.0, 1.0);
        assert!(b.hi_mw >= 115.0 && b.lo_mw <= 85.0, "{b:?}");
        s.commit(&p, 0.0, 1.0, 115.0);
        assert!((s.agc.setpoint_mw - 100.1).abs() < 1e-9, "set point ramps at 0.1 MW/s: {}", s.agc.setpoint_mw);
        // Held there, the set point keeps climbing at the ramp toward the output.
        for k in 1..=100 {
            s.commit(&p, f64::from(k), 1.0, 115.0);
        }
        assert!((s.agc.setpoint_mw - 110.1).abs() < 1e-6, "{}", s.agc.setpoint_mw);
        // Without a band the output is the set point: the plain ramp limit.
        let plain = HydroParams { governor_band_frac: 0.0, ..p };
        let s0 = HydroState::new(&plain, 0.0, 100.0);
        let b0 = plain.band(&s0, 0.0, 1.0, 1.0);
        assert!((b0.hi_mw - 100.1).abs() < 1e-9 && (b0.lo_mw - 99.9).abs() < 1e-9);
    }

    #[test]
    fn nonsense_inputs_do_not_panic() {
        let p = HydroParams {
            capacity_mw: f64::NAN,
            ramp_mw_per_min: -3.0,
            ramp_down_mw_per_min: Some(f64::NAN),
            governor_band_frac: f64::NAN,
            min_mw: f64::INFINITY,
            daily_energy_mwh: Some(f64::NAN),
            reservoir: Some(ReservoirParams { energy_mwh: f64::NAN, inflow_mw: f64::NEG_INFINITY, initial_frac: f64::NAN }),
        };
        let s = HydroState::new(&p, f64::NAN, f64::NAN);
        let b = p.band(&s, f64::NAN, f64::NAN, f64::NAN);
        assert!(b.lo_mw.is_finite() && b.hi_mw.is_finite() && b.lo_mw <= b.hi_mw);
    }
}
