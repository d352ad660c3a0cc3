//! Solar position and clear-sky irradiance.
//!
//! # Solar position
//! NOAA Solar Calculator equations (after Meeus, *Astronomical Algorithms*, 1991), accurate
//! to about ±0.01° in declination and a few seconds in the equation of time for years
//! 1800–2100 — comfortably better than the Spencer (1971) Fourier series:
//! * Julian century `T = (JD − 2451545)/36525`, with `JD = unix_s/86400 + 2440587.5`.
//! * Geometric mean longitude `L0`, mean anomaly `M`, orbital eccentricity `e`, equation
//!   of centre `C`, apparent longitude `λ = L0 + C − 0.00569 − 0.00478·sin Ω`,
//!   corrected obliquity `ε`.
//! * Declination `δ = asin(sin ε · sin λ)`.
//! * Equation of time (minutes) `E = 4·deg(y·sin 2L0 − 2e·sin M + 4ey·sin M·cos 2L0
//!   − ½y²·sin 4L0 − 1.25e²·sin 2M)` with `y = tan²(ε/2)`.
//! * True solar time `TST = UTC minutes of day + E + 4·longitude_deg`, hour angle
//!   `H = TST/4 − 180°`.
//! * Elevation `h = asin(sin φ sin δ + cos φ cos δ cos H)`; azimuth clockwise from north
//!   `A = atan2(−sin H, tan δ cos φ − sin φ cos H)`.
//!
//! The returned elevation is **geometric** (no atmospheric refraction), the convention of
//! REFERENCE §6.3's noon-elevation row (45.0° / 21.5° / −1.9° at 68.44° N). Refraction
//! lifts the apparent sun by ~0.5° at the horizon; sunrise/sunset by the usual −0.833°
//! criterion is `elevation_deg > -0.833`.
//!
//! # Clear-sky irradiance
//! * GHI: Haurwitz (1945) model, `GHI = 1098·sin h·exp(−0.057/sin h)` W/m², as
//!   evaluated by Reno, Hansen & Stein (Sandia SAND2012-2389) — one of the best simple
//!   models for GHI.
//! * DNI: Meinel & Meinel (1976) / Laue (1970) form `DNI = 1353·0.7^(AM^0.678)` W/m² with
//!   the Kasten & Young (1989) relative air mass `AM`.
//! * DHI: closure `DHI = max(0, GHI − DNI·sin h)`.
//!
//! Assumptions: sea-level, average turbidity, no Earth–Sun distance correction (±3.3 %),
//! flat horizon. All irradiances are zero for `h ≤ 0`.

use std::f64::consts::PI;

/// Position of the sun in the local horizontal frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SunPosition {
    /// Geometric elevation above the horizon, degrees (negative below the horizon).
    pub elevation_deg: f64,
    /// Azimuth, degrees clockwise from true north in [0, 360) (90 = east, 180 = south).
    pub azimuth_deg: f64,
}

/// Solar constant used by the Meinel DNI model, W/m² (the model's original value).
pub const MEINEL_SOLAR_CONSTANT_W_M2: f64 = 1353.0;

/// Solar declination (degrees) and equation of time (minutes) at `unix_s`
/// (NOAA equations, see the module documentation).
pub fn declination_and_equation_of_time(unix_s: f64) -> (f64, f64) {
    let jd = unix_s / 86_400.0 + 2_440_587.5;
    let t = (jd - 2_451_545.0) / 36_525.0;
    let l0_deg = (280.466_46 + t * (36_000.769_83 + 0.000_303_2 * t)).rem_euclid(360.0);
    let m_deg = 357.529_11 + t * (35_999.050_29 - 0.000_153_7 * t);
    let e = 0.016_708_634 - t * (0.000_042_037 + 0.000_000_126_7 * t);
    let m = m_deg.to_radians();
    let c_deg = m.sin() * (1.914_602 - t * (0.004_817 + 0.000_014 * t)) + (2.0 * m).sin() * (0.019_993 - 0.000_101 * t) + (3.0 * m).sin() * 0.000_289;
    let true_long_deg = l0_deg + c_deg;
    let omega = (125.04 - 1_934.136 * t).to_radians();
    let lambda = (true_long_deg - 0.005_69 - 0.004_78 * omega.sin()).to_radians();
    let eps0_deg = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.000_59 - t * 0.001_813))) / 60.0) / 60.0;
    let eps = (eps0_deg + 0.002_56 * omega.cos()).to_radians();
    let decl = (eps.sin() * lambda.sin()).clamp(-1.0, 1.0).asin();
    let y = (eps / 2.0).tan().powi(2);
    let l0 = l0_deg.to_radians();
    let eot_rad = y * (2.0 * l0).sin() - 2.0 * e * m.sin() + 4.0 * e * y * m.sin() * (2.0 * l0).cos()
        - 0.5 * y * y * (4.0 * l0).sin()
        - 1.25 * e * e * (2.0 * m).sin();
    (decl.to_degrees(), 4.0 * eot_rad.to_degrees())
}

/// Sun position seen from (`latitude_deg` north-positive, `longitude_deg` east-positive)
/// at UTC time `unix_s`. Latitude is clamped to [−90, 90]; non-finite inputs give a sun
/// far below the horizon (elevation −90°, azimuth 0°) rather than NaN.
pub fn sun_position(latitude_deg: f64, longitude_deg: f64, unix_s: f64) -> SunPosition {
    if !(latitude_deg.is_finite() && longitude_deg.is_finite() && unix_s.is_finite()) {
        return SunPosition { elevation_deg: -90.0, azimuth_deg: 0.0 };
    }
    let (decl_deg, eot_min) = declination_and_equation_of_time(unix_s);
    let minutes_utc = (unix_s / 60.0).rem_euclid(1_440.0);
    let tst_min = (minutes_utc + eot_min + 4.0 * longitude_deg).rem_euclid(1_440.0);
    let hour_angle = (tst_min / 4.0 - 180.0).to_radians();
    let phi = latitude_deg.clamp(-90.0, 90.0).to_radians();
    let delta = decl_deg.to_radians();
    let sin_h = (phi.sin() * delta.sin() + phi.cos() * delta.cos() * hour_angle.cos()).clamp(-1.0, 1.0);
    let az = (-hour_angle.sin()).atan2(delta.tan() * phi.cos() - phi.sin() * hour_angle.cos());
    let mut azimuth_deg = az.to_degrees().rem_euclid(360.0);
    if azimuth_deg >= 360.0 {
        azimuth_deg = 0.0;
    }
    SunPosition { elevation_deg: sin_h.asin().to_degrees(), azimuth_deg }
}

/// Kasten & Young (1989) relative optical air mass for a solar elevation in degrees
/// (`AM = 1/(cos z + 0.50572·(96.07995° − z)^−1.6364)`, z = zenith angle); `None` when
/// the sun is at or below the horizon.
pub fn air_mass(elevation_deg: f64) -> Option<f64> {
    if !(elevation_deg.is_finite() && elevation_deg > 0.0) {
        return None;
    }
    let z_deg = 90.0 - elevation_deg.min(90.0);
    Some(1.0 / (z_deg.to_radians().cos() + 0.505_72 * (96.079_95 - z_deg).powf(-1.636_4)))
}

/// Clear-sky global horizontal irradiance, W/m² (Haurwitz:
/// `1098·sin h·exp(−0.057/sin h)`), 0 with the sun at or below the horizon.
pub fn clear_sky_ghi_w_m2(elevation_deg: f64) -> f64 {
    if !(elevation_deg.is_finite() && elevation_deg > 0.0) {
        return 0.0;
    }
    let s = elevation_deg.min(90.0).to_radians().sin();
    1098.0 * s * (-0.057 / s).exp()
}

/// Clear-sky direct normal irradiance, W/m² (Meinel: `1353·0.7^(AM^0.678)` with the
/// Kasten–Young air mass), 0 with the sun at or below the horizon.
pub fn clear_sky_dni_w_m2(elevation_deg: f64) -> f64 {
    match air_mass(elevation_deg) {
        Some(am) => MEINEL_SOLAR_CONSTANT_W_M2 * 0.7_f64.powf(am.powf(0.678)),
        None => 0.0,
    }
}

/// Clear-sky diffuse horizontal irradiance, W/m², by closure
/// `max(0, GHI − DNI·sin h)` of the two models above.
pub fn clear_sky_dhi_w_m2(elevation_deg: f64) -> f64 {
    if !(elevation_deg.is_finite() && elevation_deg > 0.0) {
        return 0.0;
    }
    let s = (elevation_deg.min(90.0) * PI / 180.0).sin();
    (clear_sky_ghi_w_m2(elevation_deg) - clear_sky_dni_w_m2(elevation_deg) * s).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::super::calendar::parse_utc;
    use super::*;

    const NARVIK: (f64, f64) = (68.44, 17.43);
    const ABILENE: (f64, f64) = (32.41, -99.68);

    fn t(s: &str) -> f64 {
        parse_utc(s).expect("test time")
    }

    /// Maximum elevation over a UTC day sampled each minute, and its azimuth.
    fn day_max(lat: f64, lon: f64, day: &str) -> SunPosition {
        let t0 = t(day);
        (0..1440).map(|m| sun_position(lat, lon, t0 + 60.0 * f64::from(m))).fold(SunPosition { elevation_deg: -1e9, azimuth_deg: 0.0 }, |a, b| {
            if b.elevation_deg > a.elevation_deg {
                b
            } else {
                a
            }
        })
    }

    fn day_min_elev(lat: f64, lon: f64, day: &str) -> f64 {
        let t0 = t(day);
        (0..1440).map(|m| sun_position(lat, lon, t0 + 60.0 * f64::from(m)).elevation_deg).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn narvik_noon_elevations_match_reference_6_3() {
        let (lat, lon) = NARVIK;
        let jun = day_max(lat, lon, "2026-06-21");
        assert!((jun.elevation_deg - 45.0).abs() < 0.2, "{jun:?}");
        assert!((jun.azimuth_deg - 180.0).abs() < 1.0, "{jun:?}");
        let mar = day_max(lat, lon, "2026-03-20");
        assert!((mar.elevation_deg - 21.5).abs() < 0.5, "{mar:?}");
        let dec = day_max(lat, lon, "2026-12-21");
        assert!(dec.elevation_deg < 0.0, "{dec:?}");
        assert!((dec.elevation_deg + 1.9).abs() < 0.2, "{dec:?}");
    }

    #[test]
    fn midnight_sun_and_polar_night_at_narvik() {
        let (lat, lon) = NARVIK;
        assert!(day_min_elev(lat, lon, "2026-06-21") > 0.0);
        // Mid-January: the sun rises briefly (day length ~2.6 h mid-month per §6.3).
        assert!(day_max(lat, lon, "2026-01-15").elevation_deg > 0.0);
        // Mid-December: polar night, even allowing for refraction.
        assert!(day_max(lat, lon, "2026-12-15").elevation_deg < -0.833);
    }

    #[test]
    fn abilene_solstice_and_solar_noon_time() {
        let (lat, lon) = ABILENE;
        let jun = day_max(lat, lon, "2026-06-21");
        // 90 − 32.41 + 23.44 = 81.03°.
        assert!((jun.elevation_deg - 81.0).abs() < 0.2, "{jun:?}");
        // Local solar noon near 12:00 + 99.68/15 h UTC = 18:39 UTC (EoT ≈ −1.8 min on 21 June).
        let noon = t("2026-06-21T18:40:30Z");
        let p = sun_position(lat, lon, noon);
        assert!((p.azimuth_deg - 180.0).abs() < 2.0, "{p:?}");
        // Morning sun is in the east, afternoon in the west.
        let am = sun_position(lat, lon, noon - 4.0 * 3600.0);
        let pm = sun_position(lat, lon, noon + 4.0 * 3600.0);
        assert!(am.azimuth_deg > 45.0 && am.azimuth_deg < 135.0, "{am:?}");
        assert!(pm.azimuth_deg > 225.0 && pm.azimuth_deg < 315.0, "{pm:?}");
    }

    #[test]
    fn equation_of_time_and_declination_known_values() {
        // Early November: EoT ≈ +16.4 min; mid-February ≈ −14.2 min (standard tables).
        let (_, eot_nov) = declination_and_equation_of_time(t("2026-11-03T12:00:00Z"));
        assert!((eot_nov - 16.4).abs() < 0.3, "{eot_nov}");
        let (_, eot_feb) = declination_and_equation_of_time(t("2026-02-11T12:00:00Z"));
        assert!((eot_feb + 14.2).abs() < 0.3, "{eot_feb}");
        let (d, _) = declination_and_equation_of_time(t("2026-06-21T12:00:00Z"));
        assert!((d - 23.44).abs() < 0.02, "{d}");
    }

    #[test]
    fn clear_sky_irradiance_is_physical() {
        assert_eq!(clear_sky_ghi_w_m2(-5.0), 0.0);
        assert_eq!(clear_sky_dni_w_m2(0.0), 0.0);
        assert_eq!(clear_sky_ghi_w_m2(f64::NAN), 0.0);
        // Zenith sun: Haurwitz 1098·e^−0.057 ≈ 1037 W/m², Meinel 1353·0.7 ≈ 947 W/m².
        assert!((clear_sky_ghi_w_m2(90.0) - 1037.2).abs() < 1.0);
        assert!((clear_sky_dni_w_m2(90.0) - 947.1).abs() < 1.0);
        let mut prev = 0.0;
        for e in 1..=90 {
            let e = f64::from(e);
            let g = clear_sky_ghi_w_m2(e);
            let b = clear_sky_dni_w_m2(e);
            let d = clear_sky_dhi_w_m2(e);
            assert!(g > prev, "GHI must rise with elevation");
            prev = g;
            assert!(b < MEINEL_SOLAR_CONSTANT_W_M2 && g < 1361.0);
            assert!(d >= 0.0 && d <= g, "diffuse must lie in [0, GHI] at {e}");
            if e >= 10.0 {
                // Clear skies: diffuse is a minor part of GHI once the sun is up.
                assert!(d < 0.5 * g, "diffuse fraction too high at {e}");
            }
        }
    }
}
