//! The control of the dry-cooler plant: the capacity index `y` sequenced over the coil
//! bypass valve and the fans (equal-percentage, see the module docs of [`super`]), the
//! feed-forward of the load to `y`, and the chiller's timers.

use super::super::dry_cooler::BankConductance;
use super::{finite_or, PlantParams};

/// Time constant of the feed-forward's view of the load, s \[E\]: heat meters and fan VFD
/// ramps take tens of seconds, so load steps still move the water temperature briefly.
pub const FEEDFORWARD_LAG_S: f64 = 10.0;

/// Shortest run of the trim chiller once started, s \[E\] (anti-short-cycle timers are
/// typically 5-15 minutes).
pub const CHILLER_MIN_RUN_S: f64 = 600.0;

/// The capacity-index split `y_b`, in (0, 1).
pub(super) fn split(p: &PlantParams) -> f64 {
    finite_or(p.fan_sequence_split_frac, 0.5).clamp(0.05, 0.95)
}

/// The actuator sequence of the capacity index: `w = w_min^{1 − y/y_b}` below the split,
/// `s = s_min^{(1 − y)/(1 − y_b)}` above it, each as `exp` of its logarithm (`ln w_min`,
/// `ln s_min` taken once), which the conductance then uses as well.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sequence {
    yb: f64,
    ln_w_min: f64,
    s_min: f64,
    ln_s_min: f64,
}

/// Actuator positions at one capacity index: the coil water fraction `w`, the fan speed
/// command `s` and their logarithms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Position {
    pub w: f64,
    pub ln_w: f64,
    pub s: f64,
    pub ln_s: f64,
}

impl Sequence {
    pub(super) fn new(p: &PlantParams) -> Self {
        let w_min = finite_or(p.coil_min_flow_frac, 0.01).clamp(1e-6, 1.0);
        let s_min = finite_or(p.dry_coolers.min_fan_speed_frac, 0.1).clamp(0.05, 1.0);
        Self { yb: split(p), ln_w_min: w_min.ln(), s_min, ln_s_min: s_min.ln() }
    }

    /// The actuators at capacity index `y` (clamped to [0, 1]; NaN → 0).
    pub(super) fn at(&self, y: f64) -> Position {
        let y = finite_or(y, 0.0).clamp(0.0, 1.0);
        if y < self.yb {
            let ln_w = self.ln_w_min * (1.0 - y / self.yb);
            Position { w: ln_w.exp(), ln_w, s: self.s_min, ln_s: self.ln_s_min }
        } else {
            let ln_s = self.ln_s_min * ((1.0 - y) / (1.0 - self.yb));
            Position { w: 1.0, ln_w: 0.0, s: ln_s.exp(), ln_s }
        }
    }
}

/// Actuator positions for capacity index `y`: (coil water fraction, fan speed command), by
/// `powf` (the direct form of [`Sequence::at`], the reference of the tests).
#[cfg(test)]
pub(super) fn actuators(p: &PlantParams, y: f64) -> (f64, f64) {
    let yb = split(p);
    let w_min = finite_or(p.coil_min_flow_frac, 0.01).clamp(1e-6, 1.0);
    let s_min = finite_or(p.dry_coolers.min_fan_speed_frac, 0.1).clamp(0.05, 1.0);
    let y = finite_or(y, 0.0).clamp(0.0, 1.0);
    if y < yb {
        (w_min.powf(1.0 - y / yb), s_min)
    } else {
        (1.0, s_min.powf((1.0 - y) / (1.0 - yb)))
    }
}

/// The bank's conductance as a function of the capacity index over one plant step (fixed
/// flow, `c_p`, units online), and the feed-forward solve on it.
#[derive(Debug, Clone)]
pub(super) struct Capacity {
    seq: Sequence,
    bank: BankConductance,
    /// Conductance evaluations so far (for tests and measurement).
    pub evals: u64,
}

impl Capacity {
    /// The capacity curve at total water flow `m` (kg/s), `cp` and `units_online`.
    pub(super) fn new(p: &PlantParams, m: f64, cp: f64, units_online: u32) -> Self {
        Self { seq: Sequence::new(p), bank: p.dry_coolers.conductance_curve(m, cp, units_online), evals: 0 }
    }

    /// The actuators at index `y`.
    pub(super) fn position(&self, y: f64) -> Position {
        self.seq.at(y)
    }

    /// The bank conductance (W/K) with the actuators at `a`.
    pub(super) fn conductance_at(&mut self, a: &Position) -> f64 {
        self.evals += 1;
        self.bank.conductance_w_k(a.w, a.ln_w, a.s, a.ln_s)
    }

    /// The bank conductance (W/K) at index `y`.
    pub(super) fn conductance(&mut self, y: f64) -> f64 {
        let a = self.seq.at(y);
        self.conductance_at(&a)
    }

    /// The capacity index in [0, `y_max`] whose coil conductance `k(y)` rejects `q_w` across
    /// `dt_k` (coil inlet minus ambient): `k(y)·dt_k = q_w`. `k` is continuous and monotone in
    /// `y`, so the root is bracketed on [0, `y_max`]; it is found by regula falsi with the
    /// Illinois modification (superlinear, ~6-10 evaluations of `k` against 41 for plain
    /// bisection to the same width), stopped when the bracket is narrower than
    /// [`FEEDFORWARD_TOL`]·`y_max` or `k` matches to 1e-12 relative. 0 when nothing needs
    /// rejecting, `y_max` when even full capacity falls short.
    ///
    /// `guess` (the last sub-step's index, NaN for none) warm-starts the solve: when the root lies
    /// within ±[`FEEDFORWARD_WARM`]·`y_max` of it (the usual case, as the heat moves little between
    /// sub-steps), that bracket is searched instead (two evaluations to check it, then ~3).
    pub(super) fn feedforward(&mut self, q_w: f64, dt_k: f64, y_max: f64, guess: f64) -> f64 {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(q_w) || !positive(dt_k) || !self.bank.conducts() {
            return 0.0;
        }
        let k_needed = q_w / dt_k;
        let warm = if guess.is_finite() && guess > 0.0 && guess < y_max {
            let (lo, hi) = ((guess - FEEDFORWARD_WARM * y_max).max(0.0), (guess + FEEDFORWARD_WARM * y_max).min(y_max));
            let (f_lo, f_hi) = (self.eval(lo) - k_needed, self.eval(hi) - k_needed);
            (f_lo < 0.0 && f_hi > 0.0).then_some((lo, hi, f_lo, f_hi))
        } else {
            None
        };
        let (lo, hi, f_lo, f_hi) = match warm {
            Some(b) => b,
            None => {
                let f_hi = self.eval(y_max) - k_needed;
                if f_hi <= 0.0 {
                    return y_max;
                }
                let f_lo = self.eval(0.0) - k_needed;
                if f_lo >= 0.0 {
                    return 0.0;
                }
                (0.0, y_max, f_lo, f_hi)
            }
        };
        self.illinois(k_needed, (lo, f_lo), (hi, f_hi), FEEDFORWARD_TOL * y_max)
    }

    /// `K` at index `y`, counted.
    fn eval(&mut self, y: f64) -> f64 {
        self.conductance(y)
    }

    /// Regula falsi with the Illinois modification on a bracket `f(lo) < 0 < f(hi)`, down to a
    /// width of `tol` or `|f| ≤ 1e-12·k_needed`.
    fn illinois(&mut self, k_needed: f64, (mut lo, mut f_lo): (f64, f64), (mut hi, mut f_hi): (f64, f64), tol: f64) -> f64 {
        let mut side = 0i8;
        for _ in 0..100 {
            if hi - lo <= tol {
                break;
            }
            // The secant through the bracket's ends, kept inside it.
            let mut y = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
            if !(y > lo && y < hi) {
                y = 0.5 * (lo + hi);
            }
            let fy = self.eval(y) - k_needed;
            if fy.abs() <= 1e-12 * k_needed {
                return y;
            }
            if fy < 0.0 {
                (lo, f_lo) = (y, fy);
                // Illinois: the end kept twice in a row has its value halved.
                if side == -1 {
                    f_hi *= 0.5;
                }
                side = -1;
            } else {
                (hi, f_hi) = (y, fy);
                if side == 1 {
                    f_lo *= 0.5;
                }
                side = 1;
            }
        }
        (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
    }
}

/// The capacity index in [0, `y_max`] whose coil conductance rejects `q_w` across `dt_k` at
/// total flow `m` (see [`Capacity::feedforward`]; a one-off solve, `guess` NaN for none).
#[allow(clippy::too_many_arguments)]
#[cfg(test)]
pub(super) fn feedforward_index(p: &PlantParams, q_w: f64, dt_k: f64, m: f64, cp: f64, units_online: u32, y_max: f64, guess: f64) -> f64 {
    Capacity::new(p, m, cp, units_online).feedforward(q_w, dt_k, y_max, guess)
}

/// Tolerance of [`Capacity::feedforward`], a fraction of `y_max`: the PI controller trims
/// around the feed-forward, so 1e-9 of the index range is far below what moves the plant.
pub(super) const FEEDFORWARD_TOL: f64 = 1e-9;

/// Half-width (a fraction of `y_max`) of the warm-start bracket of [`Capacity::feedforward`].
pub(super) const FEEDFORWARD_WARM: f64 = 0.01;
