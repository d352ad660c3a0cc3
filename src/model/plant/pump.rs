//! Variable-speed circulation pump on a quadratic system curve.
//!
//! Equations:
//! * affinity laws (fixed geometry, speed `n`): `Q ∝ n`, `Δp ∝ n²`, `P_hyd ∝ n³` \[S\];
//! * system curve `Δp = Δp_design · f²` with `f = Q / Q_design` (turbulent, no static head,
//!   no constant differential-pressure setpoint) \[E\], so the pump rides the curve and
//!   `P_hyd = Q_design · Δp_design · f³`;
//! * wire-to-water efficiency (hydraulic × motor × VFD) falls off at part load:
//!   `η(f) = η_low + (η_bep − η_low) · f·(2 − f)`, equal to `η_bep` (0.65) at the best
//!   efficiency point `f = 1` and tending to `η_low` (0.45) as `f → 0` \[E\]
//!   (REFERENCE §3.6: ~0.70 × 0.95 × 0.97 ≈ 0.65 at BEP, 0.4–0.55 at low part load);
//! * electrical power `P = P_hyd / η(f)`.
//!
//! Assumption: all pump work ends up as heat in the pumped liquid (motor losses too, for a
//! canned or water-cooled motor; for an air-cooled motor ~5 % would go to the room — ignored,
//! conservatively). The plant adds `power_w` to the loop's heat input.
//!
//! The pump runs no slower than `min_speed_frac` (motor cooling, VFD limits) unless stopped.

use crate::units::{finite_or, finite_pos, SafeClamp};
/// One pumping station (the duty pumps of a loop treated as one variable-speed pump).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pump {
    /// Volume flow at the design point, m³/s.
    pub design_flow_m3_s: f64,
    /// Pressure rise at the design point, Pa (equals the loop's pressure drop there).
    pub design_head_pa: f64,
    /// Wire-to-water efficiency at the best-efficiency (design) point, fraction. Default 0.65 \[E\].
    pub wire_to_water_eff_frac: f64,
    /// Wire-to-water efficiency approached at very low flow, fraction. Default 0.45 \[E\].
    pub low_flow_eff_frac: f64,
    /// Lowest running speed as a fraction of design speed. Default 0.2 \[E\].
    pub min_speed_frac: f64,
}

impl Pump {
    /// A pump with the default efficiencies (0.65 at BEP, 0.45 at low flow) and a 0.2 minimum
    /// speed, for the given design point.
    pub fn new(design_flow_m3_s: f64, design_head_pa: f64) -> Self {
        Self { design_flow_m3_s, design_head_pa, wire_to_water_eff_frac: 0.65, low_flow_eff_frac: 0.45, min_speed_frac: 0.2 }
    }

    /// Wire-to-water efficiency at flow fraction `flow_frac` (clamped to [0, 1.5]), fraction.
    pub fn efficiency_frac(&self, flow_frac: f64) -> f64 {
        let f = if flow_frac.is_nan() { 0.0 } else { flow_frac.clamp(0.0, 1.5) };
        let bep = finite_or(self.wire_to_water_eff_frac, 0.65).clamp(0.05, 1.0);
        let low = finite_or(self.low_flow_eff_frac, bep).safe_clamp(0.05, bep);
        (low + (bep - low) * f * (2.0 - f)).max(0.05)
    }

    /// Electrical power at the design point, W.
    pub fn design_power_w(&self) -> f64 {
        self.power_w(1.0)
    }

    /// Electrical power at flow fraction `flow_frac` of design, W. `flow_frac ≤ 0` (or NaN)
    /// means stopped (0 W); a positive fraction below `min_speed_frac` is raised to it (the
    /// pump cannot turn slower; the extra flow recirculates). Clamped to 1.5 × design.
    pub fn power_w(&self, flow_frac: f64) -> f64 {
        if flow_frac.is_nan() || flow_frac <= 0.0 {
            return 0.0;
        }
        let f = flow_frac.max(finite_or(self.min_speed_frac, 0.0).clamp(0.0, 1.0)).min(1.5);
        let p_hyd = self.design_flow_m3_s * self.design_head_pa * f * f * f;
        finite_pos(p_hyd / self.efficiency_frac(f), 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_power_is_q_dp_over_eta() {
        let p = Pump::new(5.0, 150e3);
        assert!((p.design_power_w() - 5.0 * 150e3 / 0.65).abs() < 1e-6);
    }

    #[test]
    fn affinity_cube_law_with_efficiency_falloff() {
        let p = Pump::new(1.0, 100e3);
        let p1 = p.power_w(1.0);
        let p05 = p.power_w(0.5);
        // Hydraulic power falls as f³; efficiency at f=0.5 is 0.45 + 0.2·0.75 = 0.60.
        let want = 1.0 * 100e3 * 0.125 / 0.60;
        assert!((p05 - want).abs() < 1e-6, "{p05} vs {want}");
        assert!(p05 > p1 * 0.125, "part-load efficiency loss must raise power above f³");
        assert!((p.efficiency_frac(1.0) - 0.65).abs() < 1e-12);
        assert!((p.efficiency_frac(0.0) - 0.45).abs() < 1e-12);
    }

    #[test]
    fn min_speed_and_guards() {
        let p = Pump::new(1.0, 100e3);
        assert_eq!(p.power_w(0.0), 0.0);
        assert_eq!(p.power_w(f64::NAN), 0.0);
        assert_eq!(p.power_w(0.05), p.power_w(0.2));
        assert!(p.power_w(f64::INFINITY).is_finite());
        let broken = Pump::new(f64::NAN, 100e3);
        assert_eq!(broken.power_w(1.0), 0.0);
    }
}
