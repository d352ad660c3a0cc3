//! Adiabatic dry coolers (`kind = "adiabatic_dry_coolers"`): dry coolers whose inlet air is
//! pre-cooled by evaporation (wetted pads or sprays) when it is warm.
//!
//! # Model
//! * Below the switch-over dry bulb the units run dry (as [`super::dry_cooler`]). Above it,
//!   the air reaches the coil at `T_in = T_db − η_sat·(T_db − T_wb)` (direct evaporative
//!   cooling; saturation efficiency `η_sat`) \[S\]. Default `η_sat` = 0.85: 100–150 mm
//!   cellulose pads at 2–2.5 m/s face velocity give 80–90 % (Munters CELdek 7090 data) \[S2\];
//!   REFERENCE §4.1 quotes a vendor example ~6 K above the wet bulb when wetted \[E\].
//!   Default switch-over 25 °C \[E\] (vendors wet the pads from roughly 20–28 °C to save fan
//!   power and water).
//! * The coil sees `T_in` as its ambient; everything else is the dry-cooler model (same ε-NTU
//!   bank, fan law, control).
//! * Water evaporated: the air's sensible cooling becomes latent heat,
//!   `E = ṁ_air·c_p,air·(T_db − T_in)/h_fg(T_in)` with `ṁ_air` the fans' air flow; pad bleed
//!   and overflow (typically 10–30 % more, vendor-dependent) are not counted \[E\].

use crate::model::psychro;

/// Pre-cooling parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdiabaticPrecooler {
    /// Saturation efficiency of the pads. Default 0.85.
    pub saturation_efficiency_frac: f64,
    /// Dry bulb above which the pads are wetted (°C). Default 25.
    pub switch_over_c: f64,
}

impl Default for AdiabaticPrecooler {
    fn default() -> Self {
        AdiabaticPrecooler { saturation_efficiency_frac: 0.85, switch_over_c: 25.0 }
    }
}

impl AdiabaticPrecooler {
    /// Air temperature at the coil (°C).
    pub fn coil_inlet_c(&self, dry_bulb_c: f64, wet_bulb_c: f64) -> f64 {
        if dry_bulb_c > self.switch_over_c {
            dry_bulb_c - self.saturation_efficiency_frac * (dry_bulb_c - wet_bulb_c).max(0.0)
        } else {
            dry_bulb_c
        }
    }

    /// Water evaporated (kg/s) cooling `air_kg_s` of air from `dry_bulb_c` to `coil_inlet_c`.
    pub fn evaporation_kg_s(&self, air_kg_s: f64, dry_bulb_c: f64, coil_inlet_c: f64) -> f64 {
        let dt = (dry_bulb_c - coil_inlet_c).max(0.0);
        air_kg_s.max(0.0) * super::dry_cooler::AIR_CP_J_KG_K * dt / psychro::latent_heat_j_kg(coil_inlet_c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_only_above_switch_over_and_water_balances_the_sensible_drop() {
        let a = AdiabaticPrecooler::default();
        assert_eq!(a.coil_inlet_c(20.0, 12.0), 20.0);
        let t = a.coil_inlet_c(38.0, 22.0);
        assert!((t - (38.0 - 0.85 * 16.0)).abs() < 1e-12);
        let e = a.evaporation_kg_s(100.0, 38.0, t);
        // Energy: latent heat taken = sensible heat given up by the air.
        assert!((e * psychro::latent_heat_j_kg(t) - 100.0 * 1006.0 * (38.0 - t)).abs() < 1e-6);
        assert_eq!(a.evaporation_kg_s(100.0, 20.0, 20.0), 0.0);
    }
}
