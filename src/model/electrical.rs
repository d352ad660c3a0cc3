//! The electrical chain: rack PSUs, UPS/transformers/distribution, facility base load.
//!
//! * Rack PSU efficiency follows a load-dependent curve shaped like 80 PLUS Titanium
//!   (REFERENCE §5: 0.90 @10 %, 0.94 @20 %, 0.96 @50 %, 0.955 @70 %, 0.91 @100 %),
//!   piecewise linear in the load fraction x = P_out/P_rated and scaled so its peak equals
//!   `power.psu_efficiency_frac`. PSU input = P_out/η(x); the loss lands in the rack as heat.
//! * IT power (SPEC §4) = Σ rack PSU inputs. The feed to IT passes UPS, transformers and
//!   distribution at `distribution_efficiency_frac`; cooling and base loads pass transformers
//!   only, at `mechanical_efficiency_frac`. Their losses are `electrical_loss` (heat in
//!   electrical rooms, removed by room ventilation and outside the liquid energy account).
//! * facility = IT/η_d + (cooling + base)/η_m; PUE = facility/IT.

pub mod params;

/// The PSU curve's points (load fraction, efficiency) before scaling; peak 0.96.
const CURVE: [(f64, f64); 6] = [(0.0, 0.80), (0.1, 0.90), (0.2, 0.94), (0.5, 0.96), (0.7, 0.955), (1.0, 0.91)];

/// PSU efficiency at load fraction `x` for a curve whose peak is `peak_eff`.
///
/// ```
/// use fjord::model::electrical::psu_efficiency;
/// assert!((psu_efficiency(0.5, 0.96) - 0.96).abs() < 1e-12); // the Titanium peak at half load
/// assert!(psu_efficiency(0.1, 0.96) < psu_efficiency(0.5, 0.96));
/// ```
pub fn psu_efficiency(x: f64, peak_eff: f64) -> f64 {
    (curve_at(x.clamp(0.0, 1.2)) * (peak_eff / 0.96)).clamp(0.05, 1.0)
}

/// The curve's slopes, one per segment (computed at compile time).
const SLOPES: [f64; 5] = {
    let mut s = [0.0; 5];
    let mut i = 0;
    while i < 5 {
        s[i] = (CURVE[i + 1].1 - CURVE[i].1) / (CURVE[i + 1].0 - CURVE[i].0);
        i += 1;
    }
    s
};

/// The unscaled curve at load fraction `x` in [0, 1.2]: linear between its points, flat at
/// its last value beyond full load.
fn curve_at(x: f64) -> f64 {
    if x > 1.0 {
        return CURVE[5].1;
    }
    for i in 0..5 {
        if x <= CURVE[i + 1].0 {
            return CURVE[i].1 + SLOPES[i] * (x - CURVE[i].0);
        }
    }
    CURVE[5].1
}

/// A rack's PSUs: nameplate and peak efficiency, with the reciprocals the per-step
/// [`Psu::input_w`] multiplies by (it runs once per rack and step).
#[derive(Debug, Clone, Copy)]
pub struct Psu {
    inv_rated_w: f64,
    scale: f64,
}

impl Psu {
    /// PSUs of nameplate `rated_w` (W) whose efficiency curve peaks at `peak_eff`.
    pub fn new(rated_w: f64, peak_eff: f64) -> Self {
        Psu { inv_rated_w: 1.0 / rated_w, scale: peak_eff / 0.96 }
    }

    /// PSU input power (W) for DC output `out_w`: `out / η(out/rated)`.
    #[inline]
    pub fn input_w(&self, out_w: f64) -> f64 {
        if out_w <= 0.0 {
            return 0.0;
        }
        out_w / (curve_at((out_w * self.inv_rated_w).clamp(0.0, 1.2)) * self.scale).clamp(0.05, 1.0)
    }
}

/// Facility-level electrical totals (W).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FacilityPower {
    /// Upstream losses (W).
    pub electrical_loss_w: f64,
    /// Everything the site draws (W).
    pub facility_w: f64,
}

/// Facility power from IT, cooling and base loads.
pub fn facility(it_w: f64, cooling_w: f64, base_w: f64, dist_eff: f64, mech_eff: f64) -> FacilityPower {
    let it_in = it_w / dist_eff;
    let mech_in = (cooling_w + base_w) / mech_eff;
    FacilityPower { electrical_loss_w: it_in - it_w + mech_in - cooling_w - base_w, facility_w: it_in + mech_in }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn psu_curve_matches_titanium_points() {
        assert!((psu_efficiency(0.1, 0.96) - 0.90).abs() < 1e-12);
        assert!((psu_efficiency(0.5, 0.96) - 0.96).abs() < 1e-12);
        assert!((psu_efficiency(1.0, 0.96) - 0.91).abs() < 1e-12);
        assert!((psu_efficiency(0.35, 0.96) - 0.95).abs() < 1e-12);
        assert!((psu_efficiency(0.5, 0.94) - 0.94).abs() < 1e-12);
        assert!(Psu::new(2000.0, 0.96).input_w(1000.0) > 1000.0);
    }
    #[test]
    fn facility_is_it_over_efficiency_plus_mechanical() {
        let f = facility(100e6, 5e6, 1e6, 0.98, 0.99);
        assert!((f.facility_w - (100e6 / 0.98 + 6e6 / 0.99)).abs() < 1e-3);
        assert!((f.facility_w - 100e6 - 6e6 - f.electrical_loss_w).abs() < 1e-3);
    }
}
