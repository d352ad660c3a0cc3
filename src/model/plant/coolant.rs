//! Coolant properties (facility and technology loops).
//!
//! Constant properties at 30 °C, the middle of the facility water window (25-45 °C). Over that
//! window PG25's density changes by under 1 % and its heat capacity by under 1 %
//! (REFERENCE §3.1: 1019.2 → 1011.6 kg/m³ and 3.94 → 3.97 kJ/kg·K from 30 to 45 °C), so the
//! temperature dependence is left out: it would make the loop energy `ρ·V·c_p·T` non-linear
//! and the energy account harder to close exactly, for a sub-percent effect.
//!
//! Source: Airedale DeltaChill chiller manual, glycol design data (REFERENCE §3.1) \[S\].

/// A heat-transfer liquid with constant properties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coolant {
    /// Preset name (`"water"`, `"pg25"`), or `"custom"`.
    pub name: &'static str,
    /// Density, kg/m³.
    pub density_kg_m3: f64,
    /// Specific heat capacity at constant pressure, J/(kg·K).
    pub cp_j_kg_k: f64,
    /// Freezing point, °C (informational: used for warnings, not in the physics).
    pub freezing_point_c: f64,
}

impl Coolant {
    /// Names of the built-in presets, in listing order.
    pub const NAMES: [&'static str; 2] = ["water", "pg25"];

    /// Water at 30 °C: ρ 995.6 kg/m³, c_p 4180 J/kg·K \[S\] (REFERENCE §3.1).
    pub fn water() -> Self {
        Self { name: "water", density_kg_m3: 995.6, cp_j_kg_k: 4180.0, freezing_point_c: 0.0 }
    }

    /// 25 % propylene glycol in water at 30 °C: ρ 1019.2 kg/m³, c_p 3940 J/kg·K, freezes at
    /// −9.6 °C \[S\] (REFERENCE §3.1).
    pub fn pg25() -> Self {
        Self { name: "pg25", density_kg_m3: 1019.2, cp_j_kg_k: 3940.0, freezing_point_c: -9.6 }
    }

    /// The preset called `name` (case-insensitive, surrounding spaces ignored), or `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "water" => Some(Self::water()),
            "pg25" => Some(Self::pg25()),
            _ => None,
        }
    }

    /// Volumetric heat capacity ρ·c_p, J/(m³·K).
    pub fn volumetric_heat_capacity_j_m3_k(&self) -> f64 {
        self.density_kg_m3 * self.cp_j_kg_k
    }

    /// One line for `fjord presets`: the numbers, the source and the confidence tag.
    pub fn describe(&self) -> String {
        format!(
            "{:<6} density {:.1} kg/m3, cp {:.0} J/kg.K at 30 C, freezes at {:.1} C  [S] \
             Airedale DeltaChill manual glycol tables (REFERENCE 3.1)",
            self.name, self.density_kg_m3, self.cp_j_kg_k, self.freezing_point_c
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_name_match_reference() {
        let w = Coolant::from_name("water").unwrap();
        assert_eq!(w.density_kg_m3, 995.6);
        assert_eq!(w.cp_j_kg_k, 4180.0);
        let g = Coolant::from_name(" PG25 ").unwrap();
        assert_eq!(g.density_kg_m3, 1019.2);
        assert_eq!(g.cp_j_kg_k, 3940.0);
        assert!(Coolant::from_name("brine").is_none());
        for n in Coolant::NAMES {
            let c = Coolant::from_name(n).unwrap();
            assert_eq!(c.name, n);
            assert!(c.describe().contains(n));
        }
    }

    #[test]
    fn pg25_flow_per_kw_matches_reference_check() {
        // REFERENCE §3.2: PG25 at ΔT 10 K needs 1.49 L/min per kW.
        let g = Coolant::pg25();
        let lpm_per_kw = 1000.0 / (g.volumetric_heat_capacity_j_m3_k() * 10.0) * 1000.0 * 60.0;
        assert!((lpm_per_kw - 1.49).abs() < 0.01, "{lpm_per_kw}");
    }
}
