//! Psychrometrics for evaporative heat rejection: wet-bulb temperature, latent heat of
//! vaporisation, humidity ratio.
//!
//! # Equations
//! * Saturation vapour pressure over water: Magnus form `e_s(T) = 611.2·exp(17.62·T/(243.12+T))`
//!   Pa (WMO-No. 8, *Guide to Instruments and Methods of Observation*, 2018, Annex 4.B) \[S\].
//! * Wet bulb (ventilated psychrometer, WMO-No. 8 Annex 4.B):
//!   `e = e_s(T_w) − 6.53·10⁻⁴·(1 + 0.000944·T_w)·p·(T − T_w)`, solved for `T_w` by bisection
//!   between the dew point and the dry bulb (the left side rises monotonically in `T_w`),
//!   with `e = e_s(T_d)` the vapour pressure from the dew point \[S\].
//! * Latent heat of vaporisation of water `h_fg(T) = 2.501·10⁶ − 2361·T` J/kg (T in °C,
//!   linear fit to steam tables 0–60 °C, within 0.1 %; Rogers & Yau, *A Short Course in Cloud
//!   Physics*, 1989, Table 2.1) \[S\].
//! * Humidity ratio `w = 0.622·e/(p − e)` kg/kg dry air \[S\].

/// Saturation vapour pressure over water (Pa) at `t_c`.
pub fn saturation_pa(t_c: f64) -> f64 {
    611.2 * (17.62 * t_c / (243.12 + t_c)).exp()
}

/// Wet-bulb temperature (°C) of air at `dry_bulb_c` with dew point `dew_point_c` and pressure
/// `pressure_pa` (non-finite pressure: 101 325 Pa). Never above the dry bulb nor below the dew point.
pub fn wet_bulb_c(dry_bulb_c: f64, dew_point_c: f64, pressure_pa: f64) -> f64 {
    if !dry_bulb_c.is_finite() {
        return dry_bulb_c;
    }
    let td = if dew_point_c.is_finite() { dew_point_c.min(dry_bulb_c) } else { dry_bulb_c - 10.0 };
    let p = if pressure_pa.is_finite() && pressure_pa > 1e4 { pressure_pa } else { 101_325.0 };
    let e = saturation_pa(td);
    let f = |tw: f64| saturation_pa(tw) - 6.53e-4 * (1.0 + 0.000944 * tw) * p * (dry_bulb_c - tw) - e;
    let (mut lo, mut hi) = (td - 1.0, dry_bulb_c);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (0.5 * (lo + hi)).clamp(td, dry_bulb_c)
}

/// Latent heat of vaporisation of water (J/kg) at `t_c`.
pub fn latent_heat_j_kg(t_c: f64) -> f64 {
    2.501e6 - 2361.0 * t_c.clamp(-20.0, 100.0)
}

/// Humidity ratio (kg water / kg dry air) at vapour pressure `e_pa` and pressure `p_pa`.
pub fn humidity_ratio(e_pa: f64, p_pa: f64) -> f64 {
    0.622 * e_pa / (p_pa - e_pa).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wet_bulb_matches_psychrometric_chart_points() {
        // Saturated air: wet bulb = dry bulb = dew point.
        assert!((wet_bulb_c(20.0, 20.0, 101_325.0) - 20.0).abs() < 1e-6);
        // 35 °C, 40 % RH at sea level: chart wet bulb ≈ 23.9 °C (ASHRAE chart; Stull 2011 gives 23.9).
        let td = {
            let e = 0.40 * saturation_pa(35.0);
            let g = (e / 611.2).ln();
            243.12 * g / (17.62 - g)
        };
        let tw = wet_bulb_c(35.0, td, 101_325.0);
        assert!((tw - 23.9).abs() < 0.3, "{tw}");
        // 20 °C, 50 % RH: ≈ 13.8 °C.
        let e = 0.5 * saturation_pa(20.0);
        let g = (e / 611.2).ln();
        let tw = wet_bulb_c(20.0, 243.12 * g / (17.62 - g), 101_325.0);
        assert!((tw - 13.8).abs() < 0.3, "{tw}");
    }

    #[test]
    fn latent_heat_matches_steam_tables() {
        // Steam tables: 2453.5 kJ/kg at 20 °C, 2406.0 at 40 °C.
        assert!((latent_heat_j_kg(20.0) / 2453.5e3 - 1.0).abs() < 1e-3);
        assert!((latent_heat_j_kg(40.0) / 2406.0e3 - 1.0).abs() < 1e-3);
    }
}
