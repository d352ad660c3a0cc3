//! Centrifugal pumps: head–flow and efficiency curves, the affinity laws, and groups of
//! identical pumps in parallel (N duty + standby).
//!
//! # Equations (one pump, speed `s` as a fraction of design speed)
//! * Head at speed 1: `Δp₁(q) = Δp₀ − c·q²`, a parabola through the shut-off head
//!   `Δp₀ = shutoff_head_frac·Δp_d` and the best-efficiency (design) point `(q_d, Δp_d)`,
//!   so `c = (Δp₀ − Δp_d)/q_d²`. Default shut-off head 1.2 × design head \[E\] (radial
//!   centrifugal pumps: 110–130 % of the BEP head, Grundfos *Pump Handbook* §1.1).
//! * Affinity laws (fixed impeller, speed `s`): `q ∝ s`, `Δp ∝ s²`, `P ∝ s³` \[S\]; applied to
//!   the curve: `Δp(q, s) = s²·Δp₁(q/s) = s²·Δp₀ − c·q²`.
//! * Hydraulic efficiency at speed 1: `η₁(x) = η_bep·x·(2 − x)`, `x = q/q_d` (a parabola,
//!   zero at shut-off, `η_bep` at the BEP); by the affinity laws the same at `x = q/(s·q_d)`.
//! * Electric power `P = ρ·g·H·Q/(η_pump·η_motor·η_VFD) = Δp·q/(η_pump·η_motor·η_VFD)`;
//!   with the parabola, `Δp·q/η₁ = Δp·s·q_d/(η_bep·(2 − x))`, finite at shut-off (a pump
//!   running against a shut valve still draws power). Defaults `η_pump = 0.70`,
//!   `η_motor = 0.95`, `η_VFD = 0.97` (REFERENCE §3.6, 0.65 wire-to-water at the BEP) \[E\];
//!   motor and drive efficiencies are taken constant over the load range \[E\].
//! * A group of `m` identical pumps running in parallel at the same speed shares the flow:
//!   `Δp_group(Q) = Δp(Q/m, s)`, `P_group = m·P(Q/m, s)`.
//!
//! Assumption: all pump work becomes heat in the pumped liquid (canned or liquid-cooled
//! motors; conservative for an air-cooled motor).

/// One pump's curves at design speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PumpCurve {
    /// Flow at the best-efficiency point, design speed (m³/s).
    pub design_flow_m3_s: f64,
    /// Pressure rise at the best-efficiency point, design speed (Pa).
    pub design_head_pa: f64,
    /// Shut-off head over design head. Default 1.2 \[E\].
    pub shutoff_head_frac: f64,
    /// Hydraulic efficiency at the BEP. Default 0.70 \[E\].
    pub bep_efficiency_frac: f64,
    /// Motor efficiency. Default 0.95 \[E\].
    pub motor_efficiency_frac: f64,
    /// Variable-speed drive efficiency. Default 0.97 \[E\].
    pub vfd_efficiency_frac: f64,
}

impl PumpCurve {
    /// A pump with its BEP at (`design_flow_m3_s`, `design_head_pa`) and default curves.
    pub fn new(design_flow_m3_s: f64, design_head_pa: f64) -> Self {
        PumpCurve {
            design_flow_m3_s,
            design_head_pa,
            shutoff_head_frac: 1.2,
            bep_efficiency_frac: 0.70,
            motor_efficiency_frac: 0.95,
            vfd_efficiency_frac: 0.97,
        }
    }

    /// Shut-off head at design speed (Pa).
    pub fn shutoff_head_pa(&self) -> f64 {
        self.shutoff_head_frac * self.design_head_pa
    }

    /// Curve coefficient `c` (Pa/(m³/s)²).
    pub fn curve_coeff(&self) -> f64 {
        (self.shutoff_head_pa() - self.design_head_pa) / (self.design_flow_m3_s * self.design_flow_m3_s)
    }

    /// Pressure rise at flow `q` (m³/s) and speed `s`, and its derivative in `q`.
    pub fn head_pa(&self, q: f64, s: f64) -> (f64, f64) {
        let c = self.curve_coeff();
        (s * s * self.shutoff_head_pa() - c * q * q.abs(), -2.0 * c * q.abs())
    }

    /// Hydraulic efficiency at flow `q` and speed `s` (affinity: a function of `q/s`).
    pub fn efficiency_frac(&self, q: f64, s: f64) -> f64 {
        if s <= 0.0 {
            return 0.0;
        }
        let x = (q / (s * self.design_flow_m3_s)).clamp(0.0, 1.95);
        self.bep_efficiency_frac * x * (2.0 - x)
    }

    /// Electric power (W) at flow `q` (m³/s, ≥ 0) and speed `s`:
    /// `Δp·q/(η_pump·η_motor·η_VFD)`, 0 when stopped.
    pub fn power_w(&self, q: f64, s: f64) -> f64 {
        if s <= 0.0 {
            return 0.0;
        }
        let q = q.max(0.0);
        let x = (q / (s * self.design_flow_m3_s)).min(1.95);
        let dp = self.head_pa(q, s).0.max(0.0);
        let drive = self.motor_efficiency_frac * self.vfd_efficiency_frac;
        // Δp·q/η₁ with η₁ = η_bep·x·(2−x), written without the 0/0 at shut-off.
        let p = dp * s * self.design_flow_m3_s / (self.bep_efficiency_frac * (2.0 - x)) / drive;
        if p.is_finite() {
            p
        } else {
            0.0
        }
    }
}

/// Identical pumps in parallel: `installed` of them, `running` at `speed_frac`.
#[derive(Debug, Clone, PartialEq)]
pub struct PumpGroup {
    /// One pump's curves.
    pub curve: PumpCurve,
    /// Pumps installed (duty + standby).
    pub installed: u32,
    /// Pumps running now.
    pub running: u32,
    /// Speed of the running pumps (fraction of design speed).
    pub speed_frac: f64,
}

impl PumpGroup {
    /// Pressure rise of the group at total flow `q` (Pa) and its derivative.
    pub fn head_pa(&self, q: f64) -> (f64, f64) {
        let m = f64::from(self.running.max(1));
        let (h, d) = self.curve.head_pa(q / m, self.speed_frac);
        (h, d / m)
    }

    /// Electric power of the group at total flow `q` (W).
    pub fn power_w(&self, q: f64) -> f64 {
        if self.running == 0 {
            return 0.0;
        }
        let m = f64::from(self.running);
        m * self.curve.power_w(q / m, self.speed_frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bep_power_is_q_dp_over_wire_to_water_efficiency() {
        let c = PumpCurve::new(0.01, 200e3);
        let (dp, _) = c.head_pa(0.01, 1.0);
        assert!((dp - 200e3).abs() < 1e-6);
        let eta = 0.70 * 0.95 * 0.97;
        assert!((c.power_w(0.01, 1.0) - 0.01 * 200e3 / eta).abs() < 1e-6);
        assert!((c.efficiency_frac(0.01, 1.0) - 0.70).abs() < 1e-12);
    }

    #[test]
    fn affinity_laws_hold_on_the_curve() {
        // Similar points (q/s fixed): Δp ∝ s², P ∝ s³, η unchanged.
        let c = PumpCurve::new(0.02, 150e3);
        for &(q1, s) in &[(0.02, 0.6), (0.013, 0.8), (0.005, 0.45)] {
            let (h1, _) = c.head_pa(q1, 1.0);
            let (hs, _) = c.head_pa(q1 * s, s);
            assert!((hs - h1 * s * s).abs() < 1e-9 * h1, "head");
            let p1 = c.power_w(q1, 1.0);
            let ps = c.power_w(q1 * s, s);
            assert!((ps - p1 * s * s * s).abs() < 1e-9 * p1, "power {ps} vs {}", p1 * s * s * s);
            assert!((c.efficiency_frac(q1 * s, s) - c.efficiency_frac(q1, 1.0)).abs() < 1e-12);
        }
    }

    #[test]
    fn shutoff_power_is_finite_and_stopped_pump_draws_nothing() {
        let c = PumpCurve::new(0.01, 200e3);
        let p0 = c.power_w(0.0, 1.0);
        assert!(p0 > 0.0 && p0.is_finite());
        assert_eq!(c.power_w(0.01, 0.0), 0.0);
        let g = PumpGroup { curve: c, installed: 3, running: 2, speed_frac: 1.0 };
        assert!((g.power_w(0.02) - 2.0 * c.power_w(0.01, 1.0)).abs() < 1e-9);
        assert!((g.head_pa(0.02).0 - 200e3).abs() < 1e-6);
    }
}
