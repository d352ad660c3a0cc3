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
/// flow, `c_p`, units online), and the feed-forward solve on it with what the step's earlier
/// solves learnt (the last root and the slope `dK/dy` there).
#[derive(Debug, Clone)]
pub(super) struct Capacity {
    seq: Sequence,
    bank: BankConductance,
    /// The last feed-forward index returned and `K` there (NaN: none yet).
    last_y: f64,
    last_k: f64,
    /// The last secant slope `dK/dy` seen by the solve, W/K per unit index (NaN: none yet).
    slope: f64,
    /// Conductance evaluations so far (for tests and measurement).
    pub evals: u64,
}

impl Capacity {
    /// The capacity curve at total water flow `m` (kg/s), `cp` and `units_online`.
    pub(super) fn new(p: &PlantParams, m: f64, cp: f64, units_online: u32) -> Self {
        Self {
            seq: Sequence::new(p),
            bank: p.dry_coolers.conductance_curve(m, cp, units_online),
            last_y: f64::NAN,
            last_k: f64::NAN,
            slope: f64::NAN,
            evals: 0,
        }
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

    /// The capacity index in [0, `y_max`] whose coil conductance `K(y)` rejects `q_w` across
    /// `dt_k` (coil inlet minus ambient): `K(y)·dt_k = q_w`. 0 when nothing needs rejecting,
    /// `y_max` when even full capacity falls short.
    ///
    /// `K` is continuous and increasing in `y`, and `ln K` nearly linear (the equal-percentage
    /// sequence), so the root is found by secant steps from `guess` (the last sub-step's
    /// index, NaN for none): the first from the slope `dK/dy` the step's last solve ended on
    /// (or, for a step's first solve, from a probe `10⁻³·y_max` towards the root), each next
    /// through the last two points. `K` at the guess is known when the guess is the last
    /// root (the usual case, within a step the flow does not change), so a sub-step whose
    /// heat moved little costs one or two evaluations of `K`. It stops when the Newton
    /// correction `|K(y) − K_needed| / (dK/dy)` is at most [`FEEDFORWARD_TOL`]·`y_max`, and
    /// returns that evaluated `y` (within ~1e-9·`y_max` of the root). Safeguards: every point
    /// stays inside the bracket the evaluations so far prove (`[0, y_max]` at first; a step
    /// beyond it goes to the bracket's end if that is `0` or `y_max` and not yet evaluated,
    /// else to the bracket's middle); after [`FEEDFORWARD_SECANT_STEPS`] steps without
    /// converging, regula falsi with the Illinois modification on the bracket finishes it.
    pub(super) fn feedforward(&mut self, q_w: f64, dt_k: f64, y_max: f64, guess: f64) -> f64 {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(q_w) || !positive(dt_k) || !self.bank.conducts() {
            return 0.0;
        }
        if y_max.is_nan() || y_max <= 0.0 {
            return y_max.min(0.0);
        }
        let k_needed = q_w / dt_k;
        let tol = FEEDFORWARD_TOL * y_max;
        // The bracket the evaluations prove: f(lo) < 0 < f(hi); NaN for the domain's ends
        // while they are not evaluated.
        let (mut lo, mut f_lo, mut hi, mut f_hi) = (0.0, f64::NAN, y_max, f64::NAN);
        let mut y = if guess.is_finite() { guess.clamp(0.0, y_max) } else { 0.5 * y_max };
        let mut fy = if y.to_bits() == self.last_y.to_bits() { self.last_k - k_needed } else { self.conductance(y) - k_needed };
        let mut slope = self.slope;
        for step in 0..=FEEDFORWARD_SECANT_STEPS {
            if fy < 0.0 {
                (lo, f_lo) = (y, fy);
            } else if fy > 0.0 {
                (hi, f_hi) = (y, fy);
            } else {
                return self.done(y, fy + k_needed);
            }
            // The ends of the range settle it when the root lies beyond them.
            if (y >= y_max && fy < 0.0) || (y <= 0.0 && fy > 0.0) {
                return self.done(y, fy + k_needed);
            }
            if slope > 0.0 && fy.abs() <= tol * slope {
                return self.done(y, fy + k_needed);
            }
            if step == FEEDFORWARD_SECANT_STEPS {
                break;
            }
            let mut y_new = if slope > 0.0 && slope.is_finite() {
                y - fy / slope
            } else if fy < 0.0 {
                y + FEEDFORWARD_PROBE * y_max
            } else {
                y - FEEDFORWARD_PROBE * y_max
            };
            if !(y_new > lo && y_new < hi) {
                y_new = if y_new >= hi && f_hi.is_nan() {
                    y_max
                } else if y_new <= lo && f_lo.is_nan() {
                    0.0
                } else {
                    0.5 * (lo + hi)
                };
            }
            if y_new == y {
                break;
            }
            let f_new = self.conductance(y_new) - k_needed;
            let s = (f_new - fy) / (y_new - y);
            if s > 0.0 && s.is_finite() {
                slope = s;
                self.slope = s;
            }
            (y, fy) = (y_new, f_new);
        }
        // Not converged: the bracket by regula falsi (Illinois); its unknown ends first.
        if f_hi.is_nan() {
            f_hi = self.conductance(y_max) - k_needed;
            if f_hi <= 0.0 {
                return self.done(y_max, f_hi + k_needed);
            }
        }
        if f_lo.is_nan() {
            f_lo = self.conductance(0.0) - k_needed;
            if f_lo >= 0.0 {
                return self.done(0.0, f_lo + k_needed);
            }
        }
        let y = self.illinois(k_needed, (lo, f_lo), (hi, f_hi), tol);
        self.last_y = f64::NAN;
        y
    }

    /// Remembers the root `y` with its conductance `k` (the next solve's start) and returns it.
    fn done(&mut self, y: f64, k: f64) -> f64 {
        (self.last_y, self.last_k) = (y, k);
        y
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
            let fy = self.conductance(y) - k_needed;
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

/// Secant steps of [`Capacity::feedforward`] before it falls back to regula falsi.
pub(super) const FEEDFORWARD_SECANT_STEPS: u32 = 8;

/// The probe (a fraction of `y_max`) that gives a step's first solve its slope.
pub(super) const FEEDFORWARD_PROBE: f64 = 1e-3;
