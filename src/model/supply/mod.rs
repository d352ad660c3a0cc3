//! Power supply of the site: the sources that feed the facility and the dispatch that
//! balances them against the facility's demand every engine step.
//!
//! Owns: one model per source ([`hydro`], [`wind`], [`solar`], [`gas`], [`grid`],
//! [`battery`]), the per-step merit-order [`dispatch`] (with the battery's optional
//! grid-ramp smoothing) and the streaming power-swing metrics of [`swing`].
//!
//! Conventions: every quantity is `f64` with its unit in the name (`_mw`, `_mwh`, `_s`,
//! `_frac`, `_m_s`, `_g_per_kwh`); power is positive when a source delivers it to the site
//! (the battery is positive when discharging). Time `t_s` is seconds since the scenario start,
//! which is taken to be UTC midnight-aligned for day boundaries (see [`hydro`]).
//!
//! Invariants: no I/O (the CSV parser of [`grid`] takes text, not a path to open), no clock,
//! no randomness; every function is deterministic and total — non-finite or negative inputs
//! are sanitised (documented per item) instead of panicking.

pub mod battery;
pub mod dispatch;
pub mod gas;
pub mod grid;
pub mod hydro;
pub mod params;
pub mod solar;
pub mod swing;
pub mod wind;

pub use self::battery::{BatteryParams, BatteryState};
pub use self::dispatch::{available_supply_mw, dispatch, DispatchInput, DispatchResult, Shortfall, SupplyParams, SupplyState, SupplyTotals};
pub use self::gas::{GasParams, GasState};
pub use self::grid::{GridParams, HourlySeries};
pub use self::hydro::{HydroParams, HydroState, ReservoirParams};
pub use self::solar::{plane_of_array_w_m2, SolarParams};
pub use self::swing::{BandShare, ChannelSwing, SwingMeter, SwingSummary};
pub use self::wind::WindParams;

/// Seconds in an hour: converts `MW × s` to `MWh`.
pub const SECONDS_PER_HOUR: f64 = 3600.0;

/// Seconds in a (UTC) day: the period of the hydro daily energy budget.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Largest power or energy a limit may take (MW or MWh); `+inf` limits are replaced by it so
/// that no `inf − inf` can produce a NaN. 1e12 MW is "unlimited" for any site.
pub const UNLIMITED: f64 = 1e12;

/// The feasible output range of a dispatchable source for one step, in MW (`lo_mw ≤ hi_mw`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Least output the source can give this step (MW).
    pub lo_mw: f64,
    /// Most output the source can give this step (MW).
    pub hi_mw: f64,
}

impl Band {
    /// Clamps `mw` into the band.
    pub fn clamp(&self, mw: f64) -> f64 {
        if mw.is_nan() {
            return self.lo_mw;
        }
        mw.max(self.lo_mw).min(self.hi_mw)
    }
}

/// A non-negative, finite value: NaN and negatives become 0, `+inf` becomes [`UNLIMITED`].
fn nonneg(x: f64) -> f64 {
    if x > 0.0 {
        x.min(UNLIMITED)
    } else {
        0.0
    }
}

/// A fraction in [0, 1]; NaN becomes `default`.
fn frac_or(x: f64, default: f64) -> f64 {
    if x.is_nan() {
        default
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// A usable step length in seconds: NaN, infinite and negative steps become 0 (nothing moves).
fn step_s(dt_s: f64) -> f64 {
    if dt_s.is_finite() && dt_s > 0.0 {
        dt_s
    } else {
        0.0
    }
}

/// Time constant of the automatic generation control that moves a governed unit's set point
/// toward its mean output (s) \[E\]: the governor serves the swings, AGC the level.
pub const AGC_TIME_S: f64 = 60.0;

/// The automatic generation control of a governed unit (gas, hydro): the ramp-limited set
/// point and the output's moving mean it steers toward. The governor band serves the swings
/// around the set point ([`governed_band`]), AGC the level.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Agc {
    /// Ramp-limited set point (MW); equals the output without a governor band.
    pub setpoint_mw: f64,
    /// Moving mean of the output that automatic generation control steers toward (MW).
    pub follow_mw: f64,
}

impl Agc {
    /// A unit settled at `output_mw`.
    pub fn at(output_mw: f64) -> Self {
        Self { setpoint_mw: output_mw, follow_mw: output_mw }
    }

    /// After the unit delivered `p_mw` over `dt_s`: `follow_mw` tracks the output's moving mean
    /// over [`AGC_TIME_S`], the set point moves toward it at most `up`/`down` MW per second,
    /// and never ends further than the governor band ([`governor_band_mw`] of `band_frac`)
    /// from the output (a trip drags it along). With no band the set point is the output.
    fn step(&mut self, p_mw: f64, up_mw_s: f64, down_mw_s: f64, band_frac: f64, cap_mw: f64, dt_s: f64) {
        let dt = step_s(dt_s);
        let g = nonneg(governor_band_mw(band_frac, cap_mw));
        let p = nonneg(p_mw);
        let follow = if self.follow_mw.is_finite() { self.follow_mw + (p - self.follow_mw) * (1.0 - (-dt / AGC_TIME_S).exp()) } else { p };
        let sp = nonneg(self.setpoint_mw);
        let toward = follow.min(sp + nonneg(up_mw_s) * dt).max(sp - nonneg(down_mw_s) * dt);
        (self.setpoint_mw, self.follow_mw) = (toward.max(p - g).min(p + g).min(nonneg(cap_mw)), follow);
    }
}

/// The governor band of a unit of `cap_mw` (MW): `band_frac` (clamped to [0, 1]) of capacity.
fn governor_band_mw(band_frac: f64, cap_mw: f64) -> f64 {
    nonneg(band_frac).min(1.0) * nonneg(cap_mw)
}

/// Output band of a unit with a governor: the ramp-limited set point `sp` may move `up_mw` /
/// `down_mw` within `[min_mw, max_mw]` ([`ramp_band`]), and the output may deviate up to
/// `band_mw` either side of wherever the set point can be (primary response acts in seconds,
/// the set point follows at the ramp rate). `band_mw = 0` gives [`ramp_band`] exactly.
fn governed_band(sp_mw: f64, up_mw: f64, down_mw: f64, band_mw: f64, min_mw: f64, max_mw: f64) -> Band {
    let sb = ramp_band(sp_mw, up_mw, down_mw, min_mw, max_mw);
    let g = nonneg(band_mw);
    if g <= 0.0 {
        return sb;
    }
    let hi = (sb.hi_mw + g).min(nonneg(max_mw)).max(sb.hi_mw);
    let lo = (sb.lo_mw - g).max(nonneg(min_mw).min(sb.lo_mw)).max(0.0).min(hi);
    Band { lo_mw: lo, hi_mw: hi }
}

/// Ramp-limited band around `prev_mw` for a step that may move `up_mw` up and
/// `down_mw` down, within
/// `[min_mw, max_mw]`.
///
/// * `hi = min(max, prev + up)`.
/// * `lo = max(prev − down, min)`, but never above `prev + up`: a unit below its minimum
///   (starting up) climbs to it at the ramp rate rather than jumping.
/// * If `max < prev − down` (a trip or an outage), `lo = hi = max`: the drop is immediate,
///   not ramp-limited.
fn ramp_band(prev_mw: f64, up_mw: f64, down_mw: f64, min_mw: f64, max_mw: f64) -> Band {
    let prev = nonneg(prev_mw);
    let up = nonneg(up_mw);
    let down = nonneg(down_mw);
    let max = nonneg(max_mw);
    let min = nonneg(min_mw);
    let hi = max.min(prev + up);
    let lo = (prev - down).max(min).min(prev + up).min(hi).max(0.0);
    Band { lo_mw: lo, hi_mw: hi }
}
