//! Trim chiller with an air-cooled condenser.
//!
//! Model: reversed Carnot with a second-law efficiency \[E\] (REFERENCE §4.2):
//! `COP = η_II · T_evap / (T_cond − T_evap)` (kelvin), clamped to [`min_cop`, `max_cop`];
//! `T_evap = T_chilled,leaving − evaporator_approach_k`,
//! `T_cond = T_ambient + condenser_approach_k` (air-cooled condenser);
//! compressor power `W = q / COP`; the condenser rejects `q + W` to the ambient air.
//!
//! Worked example (REFERENCE §4.2 \[D\]): T_evap 20 °C, T_cond 45 °C → Carnot 11.7, COP ≈ 5.9
//! at η_II = 0.5.
//!
//! Assumptions: capacity does not fall with ambient (real air-cooled chillers lose ~1 %/K
//! above their rating point — not modelled) \[E\]; no part-load COP curve; the compressor work
//! goes to the condenser air, not to the facility water.
//!
//! [`min_cop`]: Chiller::min_cop
//! [`max_cop`]: Chiller::max_cop

use crate::units::SafeClamp;
/// 0 °C in kelvin.
const KELVIN: f64 = 273.15;

/// An air-cooled trim chiller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chiller {
    /// Cooling capacity (heat taken from the facility water), W.
    pub capacity_w: f64,
    /// Second-law efficiency η_II, fraction of reversed-Carnot COP. Default 0.5 \[E\].
    pub eta_ii_frac: f64,
    /// Evaporating temperature below the chilled-water leaving temperature, K. Default 3 \[E\].
    pub evaporator_approach_k: f64,
    /// Condensing temperature above ambient (air-cooled condenser), K. Default 10 \[E\].
    pub condenser_approach_k: f64,
    /// Lowest COP (very high lift). Default 1.5 \[E\].
    pub min_cop: f64,
    /// Highest COP (tiny lift; real machines top out). Default 12 \[E\].
    pub max_cop: f64,
}

impl Chiller {
    /// A chiller of `capacity_w` with the default efficiency and approaches.
    pub fn new(capacity_w: f64) -> Self {
        Self { capacity_w, eta_ii_frac: 0.5, evaporator_approach_k: 3.0, condenser_approach_k: 10.0, min_cop: 1.5, max_cop: 12.0 }
    }

    /// COP at evaporating `t_evap_c` and condensing `t_cond_c`, clamped to
    /// [`min_cop`, `max_cop`]. A non-positive lift gives `max_cop`; NaN gives `min_cop`.
    ///
    /// [`min_cop`]: Chiller::min_cop
    /// [`max_cop`]: Chiller::max_cop
    pub fn cop(&self, t_evap_c: f64, t_cond_c: f64) -> f64 {
        let lo = if self.min_cop.is_finite() && self.min_cop > 0.0 { self.min_cop } else { 1.0 };
        let hi = if self.max_cop.is_finite() && self.max_cop >= lo { self.max_cop } else { lo };
        let lift = t_cond_c - t_evap_c;
        if lift.is_nan() || !self.eta_ii_frac.is_finite() {
            return lo;
        }
        if lift <= 0.0 {
            return hi;
        }
        let cop = self.eta_ii_frac * (t_evap_c + KELVIN) / lift;
        if cop.is_nan() {
            lo
        } else {
            cop.safe_clamp(lo, hi)
        }
    }

    /// COP when producing chilled water leaving at `t_leaving_c` with ambient air at `ambient_c`.
    pub fn cop_at(&self, t_leaving_c: f64, ambient_c: f64) -> f64 {
        self.cop(t_leaving_c - self.evaporator_approach_k, ambient_c + self.condenser_approach_k)
    }

    /// Cooling delivered, compressor power and condenser heat (W) for a cooling demand
    /// `demand_w` (clamped to [0, capacity]) at `cop`.
    pub fn run(&self, demand_w: f64, cop: f64) -> ChillerOutput {
        let cap = if self.capacity_w.is_finite() { self.capacity_w.max(0.0) } else { 0.0 };
        let q = if demand_w.is_nan() { 0.0 } else { demand_w.safe_clamp(0.0, cap) };
        let cop = if cop.is_finite() && cop > 0.0 { cop } else { 1.0 };
        let w = q / cop;
        ChillerOutput { cooling_w: q, power_w: w, condenser_heat_w: q + w, cop }
    }
}

/// What a chiller does in one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChillerOutput {
    /// Heat taken from the water, W.
    pub cooling_w: f64,
    /// Compressor electrical power, W.
    pub power_w: f64,
    /// Heat rejected to ambient by the condenser (`cooling + power`), W.
    pub condenser_heat_w: f64,
    /// COP used.
    pub cop: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_worked_example() {
        let c = Chiller::new(1e6);
        let carnot = (20.0 + KELVIN) / 25.0;
        assert!((carnot - 11.7).abs() < 0.05);
        let cop = c.cop(20.0, 45.0);
        assert!((cop - 0.5 * carnot).abs() < 1e-12);
        assert!((cop - 5.9).abs() < 0.05, "{cop}");
        // Leaving water 23 °C, ambient 35 °C → evap 20, cond 45: the same point.
        assert_eq!(c.cop_at(23.0, 35.0), cop);
    }

    #[test]
    fn clamps_and_power() {
        let c = Chiller::new(1e6);
        assert_eq!(c.cop(20.0, 20.0), 12.0);
        assert_eq!(c.cop(20.0, 10.0), 12.0);
        assert_eq!(c.cop(-20.0, 120.0), 1.5);
        assert_eq!(c.cop(f64::NAN, 45.0), 1.5);
        let out = c.run(2e6, 5.0);
        assert_eq!(out.cooling_w, 1e6);
        assert_eq!(out.power_w, 2e5);
        assert_eq!(out.condenser_heat_w, 1.2e6);
        assert_eq!(c.run(-5.0, 5.0).cooling_w, 0.0);
        assert_eq!(c.run(f64::NAN, f64::NAN).power_w, 0.0);
    }
}
