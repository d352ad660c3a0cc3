//! Fjord (sea) water cooling (`kind = "fjord_water"`): the facility water gives its heat to
//! sea water drawn from depth through titanium plate heat exchangers; the sea water returns
//! to the fjord. No fresh water is consumed.
//!
//! # Model
//! * Intake temperature by month, `intake_temp_c[month]`. Default 8 °C all year: deep
//!   intakes (≥ 100 m) in Norwegian fjords see an almost constant 8 °C — Green Mountain
//!   (Rennesøy, Boknafjord: "a steady supply of water at 8 °C", Data Center Knowledge,
//!   20 Dec 2011) and Lefdal Mine (Nordfjord, "year-round seawater at 8 °C" from ~500 m,
//!   norwaytoday.info 2017; operator pages) \[S2\]. Surface water swings 4–12 °C
//!   (REFERENCE §6.1), so shallow intakes need their own table.
//! * Plate heat exchanger: the dry-cooler bank's ε-NTU machinery ([`super::dry_cooler`]) with
//!   the intake temperature as the sink and the sea-water flow in place of the air flow
//!   (capacity rate `ṁ_sw·c_p,sw`, `c_p,sw` = 3 990 J/(kg·K) \[S\]); conductance ∝ flow^0.7
//!   on the sea-water film \[E\]. Sized so that at the warmest month's intake, full sea-water
//!   flow holds the facility setpoint at design heat with a sea-water rise of 12 K (Green
//!   Mountain: in at ~8 °C, out at ~20 °C, REFERENCE §9) \[S\].
//! * Intake pumps on VFDs: power `ρ·g·H·Q/η` at design (head default 100 kPa: intake pipe
//!   and exchanger, no lift for halls at or below sea level as at Lefdal \[E\]; η 0.65 wire to
//!   water, REFERENCE §3.6), ∝ speed³ below (friction-only system) — the bank's "fan".
//! * Water: none consumed (WUE 0).

/// Sea-water heat capacity (J/(kg·K)) at ~8 °C, 35 g/kg \[S\] (TEOS-10).
pub const SEAWATER_CP_J_KG_K: f64 = 3990.0;
/// Sea-water density (kg/m³) \[S\].
pub const SEAWATER_DENSITY_KG_M3: f64 = 1027.0;

/// Fjord-water parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FjordWater {
    /// Intake temperature by month, Jan..Dec (°C).
    pub intake_temp_c: [f64; 12],
    /// Intake pump head at design flow (Pa).
    pub intake_head_pa: f64,
    /// Sea-water temperature rise at design (K).
    pub seawater_rise_k: f64,
    /// Intake pump wire-to-water efficiency.
    pub pump_efficiency_frac: f64,
}

impl Default for FjordWater {
    fn default() -> Self {
        FjordWater { intake_temp_c: [8.0; 12], intake_head_pa: 100e3, seawater_rise_k: 12.0, pump_efficiency_frac: 0.65 }
    }
}

impl FjordWater {
    /// Intake temperature (°C) in `month` (1-12).
    pub fn intake_c(&self, month: u32) -> f64 {
        self.intake_temp_c[(month.clamp(1, 12) - 1) as usize]
    }

    /// The warmest month's intake (°C): the design sink.
    pub fn design_intake_c(&self) -> f64 {
        self.intake_temp_c.iter().copied().fold(f64::MIN, f64::max)
    }

    /// Intake pump power per W of heat at design: `Δp/(ρ·c_p·ΔT·η)`.
    pub fn pump_w_per_w(&self) -> f64 {
        self.intake_head_pa / (SEAWATER_DENSITY_KG_M3 * SEAWATER_CP_J_KG_K * self.seawater_rise_k * self.pump_efficiency_frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pump_power_is_rho_g_h_q_over_eta() {
        let f = FjordWater::default();
        // 100 MW at 12 K rise: Q = 1e8/(1027·3990·12) m³/s; P = Q·Δp/η.
        let q = 1e8 / (1027.0 * 3990.0 * 12.0);
        assert!((f.pump_w_per_w() * 1e8 - q * 100e3 / 0.65).abs() < 1e-6);
        assert_eq!(f.intake_c(7), 8.0);
        assert_eq!(f.design_intake_c(), 8.0);
    }
}
