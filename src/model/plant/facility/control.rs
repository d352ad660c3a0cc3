//! The control of the dry-cooler plant: the capacity index `y` sequenced over the coil
//! bypass valve and the fans (equal-percentage, see the module docs of [`super`]), the
//! feed-forward of the load to `y`, and the chiller's timers.

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

/// Actuator positions for capacity index `y`: (coil water fraction, fan speed command).
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

/// The capacity index in [0, `y_max`] whose coil conductance `k(y)` rejects `q_w` across
/// `dt_k` (coil inlet minus ambient): `k(y)·dt_k = q_w`. `k` is continuous and monotone in
/// `y`, so the root is bracketed on [0, `y_max`]; it is found by regula falsi with the
/// Illinois modification (superlinear, ~6-10 evaluations of `k`, each four `pow` and two
/// `exp`, against 41 for plain bisection to the same width), stopped when the bracket is
/// narrower than [`FEEDFORWARD_TOL`]·`y_max` or `k` matches to 1e-12 relative. 0 when nothing
/// needs rejecting, `y_max` when even full capacity falls short.
///
/// `guess` (the last sub-step's index, NaN for none) warm-starts the solve: when the root lies
/// within ±[`FEEDFORWARD_WARM`]·`y_max` of it (the usual case, as the heat moves little between
/// sub-steps), that bracket is searched instead (two evaluations to check it, then ~3).
#[allow(clippy::too_many_arguments)]
pub(super) fn feedforward_index(p: &PlantParams, q_w: f64, dt_k: f64, m: f64, cp: f64, units_online: u32, y_max: f64, guess: f64) -> f64 {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(q_w) || !positive(dt_k) || !positive(m) || units_online == 0 {
        return 0.0;
    }
    let k_needed = q_w / dt_k;
    let f = |y: f64| {
        let (w, s) = actuators(p, y);
        p.dry_coolers.conductance_w_k(w * m, cp, s, units_online) - k_needed
    };
    let warm = if guess.is_finite() && guess > 0.0 && guess < y_max {
        let (lo, hi) = ((guess - FEEDFORWARD_WARM * y_max).max(0.0), (guess + FEEDFORWARD_WARM * y_max).min(y_max));
        let (f_lo, f_hi) = (f(lo), f(hi));
        (f_lo < 0.0 && f_hi > 0.0).then_some((lo, hi, f_lo, f_hi))
    } else {
        None
    };
    let (mut lo, mut hi, mut f_lo, mut f_hi) = match warm {
        Some(b) => b,
        None => {
            let f_hi = f(y_max);
            if f_hi <= 0.0 {
                return y_max;
            }
            let f_lo = f(0.0);
            if f_lo >= 0.0 {
                return 0.0;
            }
            (0.0, y_max, f_lo, f_hi)
        }
    };
    let mut side = 0i8;
    for _ in 0..100 {
        if hi - lo <= FEEDFORWARD_TOL * y_max {
            break;
        }
        // The secant through the bracket's ends, kept inside it.
        let mut y = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        if !(y > lo && y < hi) {
            y = 0.5 * (lo + hi);
        }
        let fy = f(y);
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

/// Bracket width (a fraction of `y_max`) at which [`feedforward_index`] stops: the PI
/// controller trims around the feed-forward, so 1e-9 of the index range is far below what
/// moves the plant.
pub(super) const FEEDFORWARD_TOL: f64 = 1e-9;

/// Half-width (a fraction of `y_max`) of the warm-start bracket of [`feedforward_index`].
pub(super) const FEEDFORWARD_WARM: f64 = 0.01;
