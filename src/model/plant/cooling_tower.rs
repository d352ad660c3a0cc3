//! Open evaporative cooling tower on the facility water (`kind = "cooling_tower"`).
//!
//! # Model
//! * Heat transfer (Braun, Klein & Mitchell, "Effectiveness models for cooling towers and
//!   cooling coils", ASHRAE Transactions 95(2), 1989) \[S\]: the tower is a heat exchanger
//!   between the water and an air stream whose capacity rate is `ṁ_a·c_s`,
//!   `c_s = dh_sat/dT` (the saturated-air enthalpy slope), driven by the difference between
//!   the water and the entering air's **wet bulb**. fjord reuses the dry-cooler bank's ε-NTU
//!   machinery ([`super::dry_cooler`]) with the wet bulb as the sink temperature and an
//!   equivalent air flow (`c_s` at design folded into the rated flow); fan power ∝ speed³.
//! * Sizing: at the design wet bulb and full fans the water leaves `approach_k` above it.
//!   Default approach 5 K (median of open wet towers, Energies 2023 16(9) 3661, REFERENCE
//!   §4.1) \[S\]; fan power 0.015 W per W of heat at design (0.012–0.021, same source) \[S\].
//! * Water (per second):
//!   - evaporation `E = f_lat·Q/h_fg(T)`, `Q` the heat the tower rejects, `h_fg` at the water
//!     temperature; default `f_lat` = 1 — all heat leaves as latent heat, the industry
//!     rule of thumb (1 % of the circulating flow per 5.6 K of range, SPX Cooling
//!     Technologies, *Cooling Tower Fundamentals*, 2nd ed., 2009) and an upper bound (the
//!     sensible share is 10–25 % in warm weather) \[S2\];
//!   - drift `D = d·ṁ_circ`, default `d` = 0.001 % of the circulating flow (modern drift
//!     eliminators 0.0005–0.001 %, CTI / US EPA AP-42 §13.4) \[S2\];
//!   - blowdown `B = max(0, E/(N − 1) − D)` for `N` cycles of concentration, default 5
//!     (3–7 typical, US EPA *WaterSense at Work*, 2012, "Cooling Towers") \[S2\];
//!   - make-up `M = E + D + B`: the water the site draws (what WUE counts).

use crate::model::psychro;

/// Tower water parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoolingTower {
    /// Share of the rejected heat that leaves as latent heat (evaporation). Default 1.0.
    pub latent_frac: f64,
    /// Drift, fraction of the circulating flow. Default 1e-5.
    pub drift_frac: f64,
    /// Cycles of concentration. Default 5.
    pub cycles_of_concentration: f64,
}

/// Water flows of a tower, kg/s.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TowerWater {
    /// Evaporation.
    pub evaporation_kg_s: f64,
    /// Drift.
    pub drift_kg_s: f64,
    /// Blowdown.
    pub blowdown_kg_s: f64,
}

impl TowerWater {
    /// Make-up water (kg/s).
    pub fn makeup_kg_s(&self) -> f64 {
        self.evaporation_kg_s + self.drift_kg_s + self.blowdown_kg_s
    }
}

/// Default approach to the wet bulb (K).
pub const APPROACH_K: f64 = 5.0;
/// Default fan power per W of heat at design.
pub const FAN_W_PER_W: f64 = 0.015;

impl Default for CoolingTower {
    fn default() -> Self {
        CoolingTower { latent_frac: 1.0, drift_frac: 1e-5, cycles_of_concentration: 5.0 }
    }
}

impl CoolingTower {
    /// The tower's sink temperature: the wet bulb (°C).
    pub fn sink_c(dry_bulb_c: f64, dew_point_c: f64, pressure_pa: f64) -> f64 {
        psychro::wet_bulb_c(dry_bulb_c, dew_point_c, pressure_pa)
    }

    /// Water use while rejecting `heat_w` from water at `water_c` circulating at `flow_kg_s`.
    pub fn water(&self, heat_w: f64, water_c: f64, flow_kg_s: f64) -> TowerWater {
        let q = heat_w.max(0.0);
        let e = self.latent_frac * q / psychro::latent_heat_j_kg(water_c);
        let d = self.drift_frac * flow_kg_s.max(0.0);
        let b = (e / (self.cycles_of_concentration - 1.0).max(1e-6) - d).max(0.0);
        TowerWater { evaporation_kg_s: e, drift_kg_s: d, blowdown_kg_s: b }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaporation_is_heat_over_latent_heat() {
        let t = CoolingTower::default();
        let w = t.water(10e6, 30.0, 240.0);
        let want = 10e6 / 2.43e6;
        assert!((w.evaporation_kg_s / want - 1.0).abs() < 0.01, "{}", w.evaporation_kg_s);
        // Blowdown from the cycles: B + D = E/(N−1).
        assert!(((w.blowdown_kg_s + w.drift_kg_s) - w.evaporation_kg_s / 4.0).abs() < 1e-12);
        assert!((w.makeup_kg_s() - (w.evaporation_kg_s * 1.25)).abs() < 1e-12);
        assert_eq!(t.water(0.0, 30.0, 240.0).evaporation_kg_s, 0.0);
    }
}
