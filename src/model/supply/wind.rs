//! Wind power from the 10 m wind speed of the weather model.
//!
//! # Model
//! * **Hub height.** Power-law shear `v_hub = v_10 · (h_hub / 10 m)^α`, α = 0.14 by default
//!   (the 1/7 law for open terrain; real α ranges ~0.1 over sea to ~0.3 over rough or
//!   mountainous terrain such as Narvik's [E]).
//! * **Power curve** (generic, per unit of capacity):
//!   `0` below cut-in; `(v³ − v_ci³) / (v_r³ − v_ci³)` between cut-in and rated (cubic, from
//!   the kinetic power `½ρAv³` with a constant power coefficient [E]); `1` from rated up to and
//!   including cut-out; `0` above cut-out (storm shut-down, no restart hysteresis [E]).
//!   Defaults 3 / 12 / 25 m/s are typical of modern 3–6 MW turbines [E].
//! * Not modelled [E]: air density (cold Narvik air is ~10 % denser than 15 °C standard air),
//!   wake and electrical losses, turbine availability, gusts within a weather hour, direction.
//!   `wind.capacity_mw` is therefore best read as the farm's net deliverable rating.

use super::nonneg;

/// Parameters of the wind farm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindParams {
    /// Rated output of the farm (MW). Default 0 (no wind).
    pub capacity_mw: f64,
    /// Hub height (m). Default 100.
    pub hub_height_m: f64,
    /// Hub wind speed where generation starts (m/s). Default 3.
    pub cut_in_m_s: f64,
    /// Hub wind speed where the farm reaches its rating (m/s). Default 12.
    pub rated_m_s: f64,
    /// Hub wind speed above which turbines shut down (m/s). Default 25.
    pub cut_out_m_s: f64,
    /// Power-law shear exponent α (dimensionless). Default 0.14 (1/7 law).
    pub shear_exponent: f64,
}

impl Default for WindParams {
    fn default() -> Self {
        Self { capacity_mw: 0.0, hub_height_m: 100.0, cut_in_m_s: 3.0, rated_m_s: 12.0, cut_out_m_s: 25.0, shear_exponent: 0.14 }
    }
}

/// Reference height of weather-station wind speeds (m).
pub const REFERENCE_HEIGHT_M: f64 = 10.0;

impl WindParams {
    /// Hub-height wind speed from the 10 m speed (m/s); NaN or negative speeds read as 0.
    pub fn hub_speed_m_s(&self, wind_10m_m_s: f64) -> f64 {
        let v = nonneg(wind_10m_m_s);
        let h = if self.hub_height_m > 0.0 && self.hub_height_m.is_finite() { self.hub_height_m } else { REFERENCE_HEIGHT_M };
        let alpha = if self.shear_exponent.is_finite() { self.shear_exponent } else { 0.14 };
        let out = v * (h / REFERENCE_HEIGHT_M).powf(alpha);
        if out.is_finite() {
            out
        } else {
            0.0
        }
    }

    /// Share of capacity delivered at a hub-height speed (0–1), from the power curve.
    pub fn power_curve_frac(&self, hub_m_s: f64) -> f64 {
        let v = nonneg(hub_m_s);
        let ci = nonneg(self.cut_in_m_s);
        let r = nonneg(self.rated_m_s).max(ci);
        let co = nonneg(self.cut_out_m_s).max(r);
        if v > co || v < ci {
            0.0
        } else if v >= r {
            1.0
        } else {
            let span = r.powi(3) - ci.powi(3);
            if span > 0.0 {
                ((v.powi(3) - ci.powi(3)) / span).clamp(0.0, 1.0)
            } else {
                1.0
            }
        }
    }

    /// Power the farm can deliver with a 10 m wind speed of `wind_10m_m_s` (MW).
    pub fn available_mw(&self, wind_10m_m_s: f64) -> f64 {
        nonneg(self.capacity_mw) * self.power_curve_frac(self.hub_speed_m_s(wind_10m_m_s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn farm() -> WindParams {
        WindParams {
            capacity_mw: 100.0,
            hub_height_m: 10.0, // no shear: hub speed = 10 m speed
            ..WindParams::default()
        }
    }

    #[test]
    fn below_cut_in_is_zero() {
        assert_eq!(farm().available_mw(2.9), 0.0);
        assert_eq!(farm().available_mw(0.0), 0.0);
    }

    #[test]
    fn rated_and_above_is_capacity_until_cut_out() {
        let f = farm();
        assert_eq!(f.available_mw(12.0), 100.0);
        assert_eq!(f.available_mw(20.0), 100.0);
        assert_eq!(f.available_mw(25.0), 100.0);
    }

    #[test]
    fn above_cut_out_is_zero() {
        assert_eq!(farm().available_mw(25.1), 0.0);
    }

    #[test]
    fn monotone_between_cut_in_and_rated() {
        let f = farm();
        let mut prev = 0.0;
        for k in 0..=900 {
            let v = 3.0 + k as f64 * 0.01;
            let p = f.available_mw(v);
            assert!(p >= prev, "not monotone at {v}");
            prev = p;
        }
        assert!(f.available_mw(7.5) > 0.0 && f.available_mw(7.5) < 100.0);
    }

    #[test]
    fn shear_raises_hub_speed() {
        let f = WindParams::default();
        let v = f.hub_speed_m_s(5.0);
        assert!((v - 5.0 * 10f64.powf(0.14)).abs() < 1e-12);
        assert!(f.hub_speed_m_s(f64::NAN) == 0.0);
    }
}
