//! Control and balancing valves: flow coefficient, position and authority.
//!
//! # Equations
//! * Flow coefficient (IEC 60534-2-1, for water): `Q[m³/h] = K_v·√(Δp[bar]/(ρ/ρ_w))`.
//! * Inherent characteristic, modified equal-percentage: `K_v(x) = K_vs·(R^(x−1) − (1−x)/R)`,
//!   `x` the position in [0, 1], rangeability `R` default 50 \[E\] (equal-percentage globe and
//!   characterised ball valves are rated 50:1 to 100:1, e.g. Belimo CCV data sheets); the
//!   linear correction makes the valve shut tight at `x = 0` (`K_v = 0`) while keeping the
//!   equal-percentage shape elsewhere.
//! * Authority `a = Δp_valve,open / (Δp_valve,open + Δp_rest of the branch)` at design flow.
//!   A valve is sized from it: `Δp_valve = a/(1 − a)·Δp_rest`, then `K_vs` from the design flow.
//!   Default 0.5 \[S2\] (the common design rule: authority at least 0.5 for good control,
//!   ASHRAE Handbook — HVAC Systems and Equipment, ch. 47 "Valves"; 0.25 the usual minimum).

/// A valve on a branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Valve {
    /// Flow coefficient fully open (m³/h at 1 bar, water).
    pub kvs_m3_h: f64,
    /// Rangeability of the equal-percentage characteristic.
    pub rangeability: f64,
}

impl Valve {
    /// Sizes a valve for `design_flow_m3_s` with authority `authority_frac` against the rest of
    /// its branch losing `rest_dp_pa` at design flow; `rel_density` = ρ/ρ_water.
    pub fn sized(design_flow_m3_s: f64, rest_dp_pa: f64, authority_frac: f64, rel_density: f64) -> Self {
        let a = authority_frac.clamp(0.01, 0.99);
        let dp_valve = a / (1.0 - a) * rest_dp_pa;
        let kvs = 3600.0 * design_flow_m3_s / (dp_valve / 1e5 / rel_density).sqrt();
        Valve { kvs_m3_h: kvs, rangeability: 50.0 }
    }

    /// Pressure drop of the open valve at `q` (Pa).
    pub fn open_dp_pa(&self, q_m3_s: f64, rel_density: f64) -> f64 {
        1e5 * rel_density * (3600.0 * q_m3_s / self.kvs_m3_h).powi(2)
    }

    /// Flow coefficient at position `x` (m³/h); 0 when shut.
    pub fn kv_m3_h(&self, x: f64) -> f64 {
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        let x = x.min(1.0);
        let r = self.rangeability;
        (self.kvs_m3_h * (r.powf(x - 1.0) - (1.0 - x) / r)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizing_gives_the_authority_and_characteristic_is_monotone() {
        let v = Valve::sized(0.003, 60e3, 0.5, 1.0);
        // Authority 0.5: the open valve loses as much as the rest of the branch.
        assert!((v.open_dp_pa(0.003, 1.0) - 60e3).abs() < 1e-6);
        assert_eq!(v.kv_m3_h(0.0), 0.0);
        assert!((v.kv_m3_h(1.0) - v.kvs_m3_h).abs() < 1e-12);
        let mut last = 0.0;
        for i in 1..=100 {
            let k = v.kv_m3_h(f64::from(i) / 100.0);
            assert!(k > last);
            last = k;
        }
    }
}
