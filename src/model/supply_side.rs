//! The supply side of the engine: builds the source models from `[supply]`, turns the
//! weather into wind and solar availability, dispatches every step and measures the power
//! swings. Without a `[supply]` block the site draws from an unlimited grid connection
//! (grid import = facility power, carbon not assessed).

use super::supply::{self, dispatch::DispatchInput, DispatchResult, Shortfall, SupplyParams, SupplyState};
use super::weather::WeatherSample;
use crate::error::Result;
use crate::scenario::Scenario;

/// The supply model, or the unlimited grid.
pub struct SupplySide {
    /// Parameters (None = unlimited grid connection).
    pub params: Option<SupplyParams>,
    /// State.
    pub state: Option<SupplyState>,
    latitude_deg: f64,
    longitude_deg: f64,
    start_unix_s: f64,
    tilt_deg: f64,
    /// This step's dispatch input (see `input`).
    input_cache: Option<DispatchInput>,
    /// Measured wind output (replaces the power curve on the weather's wind).
    wind_profile: Option<crate::model::supply::params::Profile>,
    /// Measured solar output (replaces the PV model on the weather's irradiance).
    solar_profile: Option<crate::model::supply::params::Profile>,
}

impl SupplySide {
    /// Builds the supply from the scenario.
    pub fn new(sc: &Scenario) -> Result<Self> {
        let mut out = SupplySide {
            params: None,
            state: None,
            latitude_deg: sc.latitude_deg,
            longitude_deg: sc.longitude_deg,
            start_unix_s: sc.start_unix_s,
            tilt_deg: sc.latitude_deg.abs().min(40.0),
            input_cache: None,
            wind_profile: None,
            solar_profile: None,
        };
        let Some(spec) = &sc.supply else {
            return Ok(out);
        };
        let mut p = spec.params.clone();
        p.grid.carbon_series = spec.carbon_series.clone();
        p.grid.price_series = spec.price_series.clone();
        out.wind_profile = spec.wind_profile.clone();
        out.solar_profile = spec.solar_profile.clone();
        out.params = Some(p);
        Ok(out)
    }

    /// The step's dispatch input: wind and solar availability from the weather and the sun
    /// at the site. Computed once per step (the cap stage and dispatch share it).
    fn input(&mut self, t_s: f64, dt_s: f64, w: &WeatherSample, hydro_avail: f64, demand_mw: f64) -> Option<DispatchInput> {
        let p = self.params.as_ref()?;
        if let Some(inp) = self.input_cache.filter(|i| i.t_s.to_bits() == t_s.to_bits()) {
            return Some(DispatchInput { demand_mw, ..inp });
        }
        let unix = self.start_unix_s + t_s;
        let sun = super::sun::sun_position(self.latitude_deg, self.longitude_deg, unix);
        let az = if self.latitude_deg >= 0.0 { 180.0 } else { 0.0 };
        let poa = supply::solar::plane_of_array_w_m2(w.ghi_w_m2, w.dni_w_m2, w.dhi_w_m2, sun.elevation_deg, sun.azimuth_deg, self.tilt_deg, az, 0.2);
        // A profile gives the output directly: MW, or a fraction of the nameplate.
        let from_profile = |pr: &Option<crate::model::supply::params::Profile>, cap_mw: f64| {
            pr.as_ref().and_then(|pr| pr.series.value_at(t_s).map(|v| if pr.mw { v.max(0.0) } else { v.clamp(0.0, 1.0) * cap_mw }))
        };
        let inp = DispatchInput {
            demand_mw,
            wind_avail_mw: from_profile(&self.wind_profile, p.wind.capacity_mw).unwrap_or_else(|| p.wind.available_mw(w.wind_speed_m_s)),
            solar_avail_mw: from_profile(&self.solar_profile, p.solar.capacity_mw).unwrap_or_else(|| p.solar.available_mw(poa, w.dry_bulb_c)),
            dt_s,
            t_s,
            hydro_availability_frac: hydro_avail,
            site_cap_mw: None,
        };
        self.input_cache = Some(inp);
        Some(inp)
    }

    /// With `on_shortfall = "cap_gpus"`, the most the supply can deliver this step (W),
    /// which the engine turns into GPU caps; `None` otherwise (and before the first step).
    pub fn limit_w(&mut self, t_s: f64, dt_s: f64, w: &WeatherSample, hydro_avail: f64, prev_facility_w: f64) -> Option<f64> {
        if self.params.as_ref()?.on_shortfall != Shortfall::CapGpus || self.state.is_none() {
            return None;
        }
        let inp = self.input(t_s, dt_s, w, hydro_avail, prev_facility_w * 1e-6)?;
        let (p, st) = (self.params.as_ref()?, self.state.as_ref()?);
        Some(supply::dispatch::available_supply_mw(p, st, &inp) * 1e6)
    }

    /// Dispatches the step against `facility_w`. Without a `[supply]` block the grid imports
    /// the facility power (demand = import = net draw, all else 0).
    pub fn dispatch(&mut self, t_s: f64, dt_s: f64, w: &WeatherSample, hydro_avail: f64, facility_w: f64) -> DispatchResult {
        let mw = facility_w * 1e-6;
        let (Some(inp), Some(p)) = (self.input(t_s, dt_s, w, hydro_avail, mw), self.params.as_ref()) else {
            return DispatchResult { demand_mw: mw, grid_import_mw: mw, net_draw_mw: mw, ..Default::default() };
        };
        let st = self.state.get_or_insert_with(|| SupplyState::new(p, t_s, mw));
        let mut r = supply::dispatch::dispatch(p, st, &inp);
        // No battery, no state of charge to report.
        if !(p.battery.energy_mwh > 0.0 && p.battery.power_mw > 0.0) {
            r.battery_soc_frac = 0.0;
        }
        r
    }

    /// True with a `[supply]` block.
    pub fn modelled(&self) -> bool {
        self.params.is_some()
    }
}

/// The supply's capacity (W): hydro, gas, wind and solar nameplate, grid import and battery
/// power; `None` without a `[supply]` block.
pub fn capacity_w(sc: &Scenario) -> Option<f64> {
    let b = &sc.supply.as_ref()?.block;
    let mw = b.hydro.as_ref().and_then(|h| h.capacity_mw).unwrap_or(0.0)
        + b.gas.as_ref().and_then(|h| h.capacity_mw).unwrap_or(0.0)
        + b.grid.as_ref().and_then(|h| h.import_limit_mw).unwrap_or(0.0)
        + b.battery.as_ref().and_then(|h| h.power_mw).unwrap_or(0.0);
    Some(mw * 1e6)
}
