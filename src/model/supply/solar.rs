//! Photovoltaic power from irradiance and air temperature.
//!
//! # Model
//! `P = P_dc · (G / 1000 W/m²) · derate · (1 + γ (T_cell − 25 °C))`, clipped to
//! `[0, P_dc]`, where
//! * `G` is the irradiance on the module plane (W/m²). The engine may pass global horizontal
//!   irradiance (GHI) directly — a flat array, an acceptable first model that under-states
//!   tilted arrays at high latitude — or transpose GHI/DNI/DHI to a fixed tilt first with
//!   [`plane_of_array_w_m2`] (isotropic sky, Liu & Jordan 1960).
//! * `derate = 0.86` lumps inverter (~97–98 %), soiling, mismatch, wiring and availability
//!   losses [E] (PVWatts-style default of ~14 % system losses).
//! * `γ = −0.004 /K`, typical of crystalline silicon [E] (datasheets: −0.0035 to −0.0045).
//! * Cell temperature from the NOCT model: `T_cell = T_amb + (NOCT − 20) / 800 · G`,
//!   NOCT = 45 °C [E] (datasheet range 42–48 °C; wind cooling is not modelled).
//! * The DC/AC ratio, inverter clipping below `P_dc`, snow cover and shading by Narvik's
//!   mountains (REFERENCE §6.3) are not modelled [E].

use super::nonneg;
use crate::units::SafeClamp;

/// Parameters of the PV plant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolarParams {
    /// DC peak rating at 1000 W/m² and 25 °C cell temperature (MW). Default 0 (no PV).
    pub capacity_mw: f64,
    /// System derate for inverter, soiling, mismatch and wiring (fraction). Default 0.86 [E].
    pub derate_frac: f64,
    /// Power temperature coefficient (1/K). Default −0.004 [E].
    pub temp_coeff_per_k: f64,
    /// Nominal operating cell temperature at 800 W/m², 20 °C air (°C). Default 45 [E].
    pub noct_c: f64,
}

impl Default for SolarParams {
    fn default() -> Self {
        Self { capacity_mw: 0.0, derate_frac: 0.86, temp_coeff_per_k: -0.004, noct_c: 45.0 }
    }
}

impl SolarParams {
    /// Cell temperature (°C) at plane irradiance `g_w_m2` and air temperature `ambient_c`.
    pub fn cell_temperature_c(&self, g_w_m2: f64, ambient_c: f64) -> f64 {
        let noct = if self.noct_c.is_finite() { self.noct_c } else { 45.0 };
        let amb = if ambient_c.is_finite() { ambient_c } else { 25.0 };
        amb + (noct - 20.0) / 800.0 * nonneg(g_w_m2).min(2000.0)
    }

    /// Power the plant can deliver (MW) at plane-of-array irradiance `plane_w_m2` (or GHI for
    /// a flat array) and air temperature `ambient_c`. NaN irradiance reads as 0, NaN air
    /// temperature as 25 °C.
    pub fn available_mw(&self, plane_w_m2: f64, ambient_c: f64) -> f64 {
        let g = nonneg(plane_w_m2).min(2000.0);
        if g <= 0.0 {
            return 0.0;
        }
        let cap = nonneg(self.capacity_mw);
        let derate = if self.derate_frac.is_nan() { 0.86 } else { self.derate_frac.clamp(0.0, 1.0) };
        let gamma = if self.temp_coeff_per_k.is_finite() { self.temp_coeff_per_k } else { -0.004 };
        let t_cell = self.cell_temperature_c(g, ambient_c);
        let temp_factor = (1.0 + gamma * (t_cell - 25.0)).max(0.0);
        (cap * g / 1000.0 * derate * temp_factor).safe_clamp(0.0, cap)
    }
}

/// Irradiance on a fixed tilted plane (W/m²) by the isotropic-sky transposition
/// (Liu & Jordan 1960):
/// `G_poa = DNI·max(cos θ, 0) + DHI·(1 + cos β)/2 + GHI·ρ·(1 − cos β)/2`, with the angle of
/// incidence `cos θ = sin(e)·cos β + cos(e)·sin β·cos(A_sun − A_surf)`.
///
/// Angles in degrees: `sun_elevation_deg` above the horizon, azimuths clockwise from north
/// (a south-facing array has `surface_azimuth_deg = 180`), `tilt_deg` from horizontal.
/// `albedo_frac` ~0.2 for grass, 0.6–0.8 for snow [E]. Beam irradiance is dropped when the
/// sun is below the horizon. NaN inputs read as 0.
#[allow(clippy::too_many_arguments)]
pub fn plane_of_array_w_m2(
    ghi_w_m2: f64,
    dni_w_m2: f64,
    dhi_w_m2: f64,
    sun_elevation_deg: f64,
    sun_azimuth_deg: f64,
    tilt_deg: f64,
    surface_azimuth_deg: f64,
    albedo_frac: f64,
) -> f64 {
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let e = finite(sun_elevation_deg).to_radians();
    let beta = finite(tilt_deg).clamp(0.0, 90.0).to_radians();
    let daz = (finite(sun_azimuth_deg) - finite(surface_azimuth_deg)).to_radians();
    let cos_theta = e.sin() * beta.cos() + e.cos() * beta.sin() * daz.cos();
    let beam = if e > 0.0 { nonneg(dni_w_m2) * cos_theta.max(0.0) } else { 0.0 };
    let sky = nonneg(dhi_w_m2) * (1.0 + beta.cos()) / 2.0;
    let ground = nonneg(ghi_w_m2) * finite(albedo_frac).clamp(0.0, 1.0) * (1.0 - beta.cos()) / 2.0;
    beam + sky + ground
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_conditions_give_derated_capacity() {
        let s = SolarParams {
            capacity_mw: 100.0,
            noct_c: 20.0, // cell at air temperature
            ..SolarParams::default()
        };
        assert!((s.available_mw(1000.0, 25.0) - 86.0).abs() < 1e-9);
    }

    #[test]
    fn heat_reduces_output_and_night_is_zero() {
        let s = SolarParams { capacity_mw: 100.0, ..SolarParams::default() };
        assert!(s.available_mw(800.0, 40.0) < s.available_mw(800.0, 0.0));
        assert_eq!(s.available_mw(0.0, 10.0), 0.0);
        assert_eq!(s.available_mw(f64::NAN, f64::NAN), 0.0);
    }

    #[test]
    fn horizontal_plane_is_ghi_and_tilt_helps_low_sun() {
        let flat = plane_of_array_w_m2(300.0, 600.0, 100.0, 20.0, 180.0, 0.0, 180.0, 0.2);
        // GHI = DNI sin e + DHI = 600·0.342 + 100 = 305 ≈ 300 supplied: flat POA = beam + sky.
        assert!((flat - (600.0 * 20f64.to_radians().sin() + 100.0)).abs() < 1e-9);
        let tilted = plane_of_array_w_m2(300.0, 600.0, 100.0, 20.0, 180.0, 60.0, 180.0, 0.2);
        assert!(tilted > flat);
        let night = plane_of_array_w_m2(0.0, 500.0, 0.0, -5.0, 180.0, 30.0, 180.0, 0.2);
        assert_eq!(night, 0.0);
    }
}
