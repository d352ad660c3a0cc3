//! Proportional-integral controller with output limits and anti-windup.
//!
//! Parallel form `u = Kp·e' + I`, `I ← I + (Kp/Ti)·e'·dt`, where `e' = +e` for
//! [`Action::Direct`] (output rises with the error) and `−e` for [`Action::Reverse`]. The
//! integral is stored in output units, so changing gains does not bump the output.
//!
//! Anti-windup by conditional integration: the integral advances towards a limit only until
//! `Kp·e' + I` reaches that limit (never beyond, and not at all once there), and it is always
//! kept within the output limits; so a saturated controller leaves saturation as soon as the
//! error changes sign. Explicit (forward Euler) in time; the caller keeps `dt` well
//! below the closed-loop time constant (the facility plant sub-steps to do so).
//!
//! Deterministic: plain arithmetic, no hidden state beyond `integral` and `output`.
//! Non-finite errors or time steps hold the last output.

use crate::units::SafeClamp;
/// Direction of the control action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A positive error raises the output (e.g. error = supply − setpoint → more cooling).
    Direct,
    /// A positive error lowers the output.
    Reverse,
}

/// Tuning and limits of a PI controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiGains {
    /// Proportional gain, output units per unit of error (e.g. 1/K).
    pub kp: f64,
    /// Integral time, s (`f64::INFINITY` disables integral action).
    pub ti_s: f64,
    /// Lower output limit.
    pub out_min: f64,
    /// Upper output limit.
    pub out_max: f64,
    /// Direct or reverse action.
    pub action: Action,
}

impl Default for PiGains {
    /// `kp = 0.02`, `ti_s = 600`, output in [0, 1], direct action \[E\].
    fn default() -> Self {
        Self { kp: 0.02, ti_s: 600.0, out_min: 0.0, out_max: 1.0, action: Action::Direct }
    }
}

/// A PI controller: its gains and its state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pi {
    /// Tuning and limits.
    pub gains: PiGains,
    /// Integral term, in output units.
    pub integral: f64,
    /// Last output.
    pub output: f64,
}

impl Pi {
    /// A controller whose integral (and output) start at `initial_output`, clamped to the limits.
    pub fn new(gains: PiGains, initial_output: f64) -> Self {
        let (lo, hi) = limits(&gains);
        let u0 = if initial_output.is_finite() { initial_output.safe_clamp(lo, hi) } else { lo };
        Self { gains, integral: u0, output: u0 }
    }

    /// Tracking mode: holds the output at `u` (clamped to the limits; NaN → lower limit) and
    /// sets the integral to match, so the controller resumes bumplessly from `u`.
    pub fn hold_at(&mut self, u: f64) -> f64 {
        let (lo, hi) = limits(&self.gains);
        let u = finite_clamp(u, lo, hi);
        self.integral = u;
        self.output = u;
        u
    }

    /// Advances the controller by `dt_s` with `error` and returns the new output, within
    /// `[out_min, out_max]`. Non-finite or negative inputs hold the last output.
    pub fn update(&mut self, error: f64, dt_s: f64) -> f64 {
        let g = self.gains;
        let (lo, hi) = limits(&g);
        if !error.is_finite() || !dt_s.is_finite() || dt_s < 0.0 {
            self.output = finite_clamp(self.output, lo, hi);
            return self.output;
        }
        let e = match g.action {
            Action::Direct => error,
            Action::Reverse => -error,
        };
        let kp = if g.kp.is_finite() { g.kp } else { 0.0 };
        let ki = if g.ti_s.is_finite() && g.ti_s > 0.0 { kp / g.ti_s } else { 0.0 };
        let p = kp * e;
        let i_old = finite_clamp(self.integral, lo, hi);
        let i_new = i_old + ki * e * dt_s;
        // Conditional integration: the integral may move towards saturation only as far as
        // the output reaching its limit (so a saturated output sits exactly at the limit).
        let i = if i_new > i_old { i_new.min((hi - p).max(i_old)) } else { i_new.max((lo - p).min(i_old)) };
        self.integral = finite_clamp(i, lo, hi);
        let u = finite_clamp(p + self.integral, lo, hi);
        // Snap rounding residue (I = limit − P does not add back exactly) onto the limits.
        let tol = 1e-12 * (1.0 + hi.abs().max(lo.abs()));
        self.output = if hi - u <= tol {
            hi
        } else if u - lo <= tol {
            lo
        } else {
            u
        };
        self.output
    }
}

/// Output limits in order (swapped if given reversed; NaN → [0, 1]).
fn limits(g: &PiGains) -> (f64, f64) {
    let lo = if g.out_min.is_finite() { g.out_min } else { 0.0 };
    let hi = if g.out_max.is_finite() { g.out_max } else { 1.0 };
    if lo <= hi {
        (lo, hi)
    } else {
        (hi, lo)
    }
}

/// `x` clamped to [lo, hi]; NaN → lo.
fn finite_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        lo
    } else {
        x.safe_clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_and_integral_terms() {
        let g = PiGains { kp: 0.1, ti_s: 100.0, ..Default::default() };
        let mut pi = Pi::new(g, 0.5);
        let u = pi.update(1.0, 10.0);
        // P 0.1, I 0.5 + 0.1/100·1·10 = 0.51.
        assert!((u - 0.61).abs() < 1e-12, "{u}");
        let mut rev = Pi::new(PiGains { action: Action::Reverse, ..g }, 0.5);
        assert!((rev.update(1.0, 10.0) - 0.39).abs() < 1e-12);
    }

    #[test]
    fn anti_windup_recovers_immediately() {
        let g = PiGains { kp: 0.1, ti_s: 10.0, ..Default::default() };
        let mut pi = Pi::new(g, 0.5);
        for _ in 0..10_000 {
            assert!(pi.update(50.0, 1.0) <= 1.0);
        }
        assert!(pi.integral <= 1.0);
        // One step of negative error must already leave saturation.
        let u = pi.update(-1.0, 1.0);
        assert!(u < 1.0, "{u}");
    }

    #[test]
    fn converges_on_first_order_plant_and_is_deterministic() {
        // Plant: y' = (K·u − y)/τ with K = 10, τ = 100 s; setpoint 4 → u* = 0.4.
        let run = || {
            let mut pi = Pi::new(PiGains { kp: 0.05, ti_s: 200.0, ..Default::default() }, 0.0);
            let mut y = 0.0_f64;
            for _ in 0..20_000 {
                let u = pi.update(4.0 - y, 1.0);
                y += (10.0 * u - y) / 100.0;
            }
            (y, pi.output)
        };
        let (y, u) = run();
        // Error sign: direct action with error = setpoint − y raises u when y is low.
        assert!((y - 4.0).abs() < 1e-6 && (u - 0.4).abs() < 1e-6, "{y} {u}");
        let (y2, u2) = run();
        assert_eq!((y.to_bits(), u.to_bits()), (y2.to_bits(), u2.to_bits()));
    }

    #[test]
    fn saturated_output_sits_exactly_at_the_limit_and_tracking_is_bumpless() {
        let mut pi = Pi::new(PiGains { kp: 0.1, ti_s: 100.0, ..Default::default() }, 0.9);
        for _ in 0..100 {
            pi.update(0.5, 1.0);
        }
        assert_eq!(pi.output, 1.0);
        assert_eq!(pi.hold_at(2.0), 1.0);
        assert_eq!(pi.integral, 1.0);
        // Zero error after tracking: the output stays where it was held.
        assert_eq!(pi.update(0.0, 1.0), 1.0);
    }

    #[test]
    fn bad_inputs_hold_output() {
        let mut pi = Pi::new(PiGains::default(), 0.3);
        assert_eq!(pi.update(f64::NAN, 1.0), 0.3);
        assert_eq!(pi.update(1.0, f64::INFINITY), 0.3);
        assert_eq!(pi.update(1.0, -1.0), 0.3);
        let mut bad = Pi::new(PiGains { kp: f64::NAN, out_min: 1.0, out_max: 0.0, ..Default::default() }, f64::NAN);
        let u = bad.update(1.0, 1.0);
        assert!((0.0..=1.0).contains(&u));
    }
}
