//! Air-side cooling: fan coils / fan walls / rear-door heat exchangers on the facility water.
//!
//! The rack heat not caught by cold plates (plus PSU losses) is blown through water coils fed
//! from the facility water. Fan power comes from the air volume needed to carry the heat:
//! `V̇ = q_air / (ρ_air · c_p,air · ΔT_air)`, `P_fan = V̇ · Δp / η_fan`, i.e. a constant
//! `W/W` ratio `Δp / (ρ c_p ΔT η)`. Defaults: ΔT_air 12 K, Δp 400 Pa (coil + filter +
//! distribution), η 0.6 (fan + motor + VFD) \[E\] → ≈ 0.046 W of fan power per W of air heat,
//! or ≈ 0.7 % of IT for a 15 % air share. REFERENCE §4.4's PUE budget allows 1–2 % of IT for
//! this, which would need about twice the pressure or half the ΔT — the defaults sit at the
//! low end; the ratio can be set directly with [`AirSide::with_fan_w_per_w`].
//!
//! Assumptions: the air temperature rise is held constant (airflow follows heat), and the
//! pressure rise too (fan walls hold a constant plenum pressure), so the fan power is
//! proportional to the air heat — no cube-law saving at part load (conservative). Server
//! internal fans are IT load and are not here. All fan power ends up as heat in the air and
//! hence in the facility water.

/// Density of air near 25 °C at sea level, kg/m³ \[S\].
const AIR_DENSITY_KG_M3: f64 = 1.18;
/// Specific heat of air, J/(kg·K) \[S\].
const AIR_CP_J_KG_K: f64 = 1006.0;

/// The air-side cooling units, as one aggregate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AirSide {
    /// Air temperature rise across the IT equipment / coil, K. Default 12 \[E\].
    pub air_dt_k: f64,
    /// Fan total pressure rise, Pa. Default 400 \[E\].
    pub fan_pressure_pa: f64,
    /// Fan wire-to-air efficiency, fraction. Default 0.6 \[E\].
    pub fan_eff_frac: f64,
}

impl Default for AirSide {
    fn default() -> Self {
        Self { air_dt_k: 12.0, fan_pressure_pa: 400.0, fan_eff_frac: 0.6 }
    }
}

impl AirSide {
    /// Air-side units with a given fan-power ratio `w_per_w` (W of fan per W of air heat),
    /// expressed through the pressure rise at the default ΔT and efficiency.
    pub fn with_fan_w_per_w(w_per_w: f64) -> Self {
        let d = Self::default();
        Self { fan_pressure_pa: w_per_w * AIR_DENSITY_KG_M3 * AIR_CP_J_KG_K * d.air_dt_k * d.fan_eff_frac, ..d }
    }

    /// Fan power per unit of air heat, W/W (0 for nonsensical parameters).
    pub fn fan_w_per_w(&self) -> f64 {
        let r = self.fan_pressure_pa / (AIR_DENSITY_KG_M3 * AIR_CP_J_KG_K * self.air_dt_k * self.fan_eff_frac);
        if r.is_finite() && r > 0.0 {
            r
        } else {
            0.0
        }
    }

    /// Fan electrical power for `q_air_w` of air-side heat, W (negative or NaN heat → 0).
    pub fn fan_power_w(&self, q_air_w: f64) -> f64 {
        if q_air_w.is_finite() && q_air_w > 0.0 {
            q_air_w * self.fan_w_per_w()
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fan_ratio_from_physics() {
        let a = AirSide::default();
        let want = 400.0 / (1.18 * 1006.0 * 12.0 * 0.6);
        assert!((a.fan_w_per_w() - want).abs() < 1e-15);
        assert!((a.fan_w_per_w() - 0.047).abs() < 0.002);
        assert!((a.fan_power_w(30e6) - 30e6 * want).abs() < 1e-6);
        assert_eq!(a.fan_power_w(-1.0), 0.0);
        assert_eq!(a.fan_power_w(f64::NAN), 0.0);
        assert!((AirSide::with_fan_w_per_w(0.03).fan_w_per_w() - 0.03).abs() < 1e-15);
        let broken = AirSide { air_dt_k: 0.0, ..a };
        assert_eq!(broken.fan_power_w(1e6), 0.0);
    }
}
