//! Parameters of `[supply]`: defaults of every source, the battery and the shortfall policy
//! (REFERENCE §7-§8; estimates flagged in `fjord presets`), the range of every key and the
//! cross-checks (hydro minimum below capacity, wind speeds in order, battery state-of-charge
//! window). The supply models read the filled block ([`SupplySpec`]).

use super::{BatteryParams, GasParams, GridParams, HydroParams, ReservoirParams, Shortfall, SolarParams, SupplyParams, WindParams};
use crate::scenario::check::{fill_from, hint, ranges, Diagnostics, KeyError};
use crate::scenario::raw::SupplyBlock;

/// Supply settings (resolved mirror of `[supply]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SupplySpec {
    /// The filled block.
    pub block: SupplyBlock,
    /// The source models' parameters, as checked (series and profiles apart).
    pub params: SupplyParams,
    /// Grid CO₂ intensity series (g/kWh), from `carbon_file`.
    pub carbon_series: Option<super::grid::HourlySeries>,
    /// Grid price series (currency per MWh), from `price_file`.
    pub price_series: Option<super::grid::HourlySeries>,
    /// Wind output profile, from `supply.wind.profile_file`.
    pub wind_profile: Option<Profile>,
    /// Solar output profile, from `supply.solar.profile_file`.
    pub solar_profile: Option<Profile>,
}

/// A measured or modelled output profile of wind or solar.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Values on the scenario time line.
    pub series: super::grid::HourlySeries,
    /// True: values in MW; false: a fraction of the nameplate `capacity_mw`.
    pub mw: bool,
}

/// Shortfall policies.
pub const SHORTFALL: &[&str] = &["cap_gpus", "unserved"];

ranges! {
    /// Ranges of `[supply]`.
    RANGES;
    range!(H_CAP, "supply.hydro.capacity_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW, far above any site");
    range!(H_RAMP, "supply.hydro.ramp_mw_per_min", 0.0, 1e6, "a ramp (MW/min)", "hydro units ramp tens of % per minute");
    range!(H_RAMP_DOWN, "supply.hydro.ramp_down_mw_per_min", 0.0, 1e6, "a ramp (MW/min)", "defaults to ramp_mw_per_min");
    range!(H_BAND, "supply.hydro.governor_band_frac", 0.0, 1.0, "a fraction of capacity", "0 = output follows its set point");
    range!(H_MIN, "supply.hydro.min_mw", 0.0, 1e6, "a power (MW)", "at most supply.hydro.capacity_mw");
    range!(H_DAILY, "supply.hydro.daily_energy_mwh", 0.0, 1e9, "an energy (MWh)", "0 = no daily budget");
    range!(H_RES, "supply.hydro.reservoir_mwh", 0.0, 1e12, "an energy (MWh)", "0 = no reservoir");
    range!(H_INFLOW, "supply.hydro.inflow_mw", 0.0, 1e6, "a power (MW)", "reservoir inflow");
    range!(H_RES_INIT, "supply.hydro.reservoir_initial_frac", 0.0, 1.0, "a fraction", "of the reservoir, at the start");
    range!(W_CAP, "supply.wind.capacity_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(W_HUB, "supply.wind.hub_height_m", 1.0, 500.0, "a height (m)", "hubs stand 80-160 m high");
    range!(W_CUT_IN, "supply.wind.cut_in_m_s", 0.0, 100.0, "a wind speed (m/s)", "cut_in < rated <= cut_out; typically 3 m/s");
    range!(W_RATED, "supply.wind.rated_m_s", 0.0, 100.0, "a wind speed (m/s)", "cut_in < rated <= cut_out; typically 12 m/s");
    range!(W_CUT_OUT, "supply.wind.cut_out_m_s", 0.0, 100.0, "a wind speed (m/s)", "cut_in < rated <= cut_out; typically 25 m/s");
    range!(W_SHEAR, "supply.wind.shear_exponent", 0.0, 1.0, "an exponent", "wind shear; 1/7 over open land");
    range!(S_CAP, "supply.solar.capacity_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(S_DERATE, "supply.solar.derate_frac", 0.0, 1.0, "a fraction", "inverter, wiring and soiling losses (~0.86)");
    range!(S_TEMP, "supply.solar.temp_coeff_per_k", -0.05, 0.0, "a coefficient (1/K)", "silicon loses ~0.4 %/K");
    range!(G_CAP, "supply.gas.capacity_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(G_RAMP, "supply.gas.ramp_frac_per_min", 0.0, 100.0, "a fraction of capacity per minute", "frame turbines ~0.2/min");
    range!(G_RAMP_DOWN, "supply.gas.ramp_down_frac_per_min", 0.0, 100.0, "a fraction of capacity per minute", "defaults to the ramp up");
    range!(G_BAND, "supply.gas.governor_band_frac", 0.0, 1.0, "a fraction of capacity", "0 = output follows its set point");
    range!(G_MIN, "supply.gas.min_mw", 0.0, 1e6, "a power (MW)", "minimum stable load");
    range!(G_CARBON, "supply.gas.carbon_g_per_kwh", 0.0, 5000.0, "a carbon intensity (g/kWh)", "simple cycle ~550, coal ~1000");
    range!(GR_IMPORT, "supply.grid.import_limit_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(GR_EXPORT, "supply.grid.export_limit_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(GR_CARBON, "supply.grid.carbon_g_per_kwh", 0.0, 5000.0, "a carbon intensity (g/kWh)", "grids range ~10-1000");
    range!(B_ENERGY, "supply.battery.energy_mwh", 0.0, 1e7, "an energy (MWh)", "the largest batteries hold a few GWh");
    range!(B_POWER, "supply.battery.power_mw", 0.0, 1e6, "a power (MW)", "up to 1 TW");
    range!(B_RTE, "supply.battery.round_trip_efficiency_frac", 0.1, 1.0, "a fraction", "lithium-ion ~0.85-0.9");
    range!(B_SOC_MIN, "supply.battery.soc_min_frac", 0.0, 1.0, "a fraction", "below soc_max_frac");
    range!(B_SOC_MAX, "supply.battery.soc_max_frac", 0.0, 1.0, "a fraction", "above soc_min_frac");
    range!(B_SOC_INIT, "supply.battery.initial_soc_frac", 0.0, 1.0, "a fraction", "within [soc_min_frac, soc_max_frac]");
    range!(B_RAMP, "supply.battery.max_grid_ramp_mw_per_s", 0.0, 1e6, "a ramp (MW/s)", "0 = no ramp smoothing");
}

macro_rules! get {
    ($opt:expr, $default:expr) => {
        crate::scenario::check::dflt(&mut $opt, $default)
    };
}

impl SupplySpec {
    /// Fills `[supply]` (REFERENCE §7-§8; estimates flagged in `fjord presets`).
    pub fn fill_defaults(sup: &mut SupplyBlock) -> Result<(), KeyError> {
        // Every default is the source model's own (its value and source documented there).
        let d = SupplyParams::default();
        let h = sup.hydro.get_or_insert_with(Default::default);
        fill_from!(h, d.hydro; capacity_mw, ramp_mw_per_min);
        get!(h.ramp_down_mw_per_min, h.ramp_mw_per_min.unwrap_or_default());
        fill_from!(h, d.hydro; governor_band_frac, min_mw);
        let w = sup.wind.get_or_insert_with(Default::default);
        fill_from!(w, d.wind; capacity_mw, hub_height_m, cut_in_m_s, rated_m_s, cut_out_m_s, shear_exponent);
        let so = sup.solar.get_or_insert_with(Default::default);
        fill_from!(so, d.solar; capacity_mw, derate_frac, temp_coeff_per_k);
        let g = sup.gas.get_or_insert_with(Default::default);
        fill_from!(g, d.gas; capacity_mw, ramp_frac_per_min);
        get!(g.ramp_down_frac_per_min, g.ramp_frac_per_min.unwrap_or_default());
        fill_from!(g, d.gas; governor_band_frac, min_mw, carbon_g_per_kwh);
        for (name, b) in [
            ("wind", sup.wind.as_mut().map(|w| (&w.profile_file, &mut w.profile_unit))),
            ("solar", sup.solar.as_mut().map(|w| (&w.profile_file, &mut w.profile_unit))),
        ] {
            if let Some((Some(_), unit)) = b {
                let u = unit.get_or_insert_with(|| "capacity_frac".to_string()).clone();
                if u != "capacity_frac" && u != "mw" {
                    let hint = hint(&u, &["capacity_frac", "mw"]);
                    return Err((format!("supply.{name}.profile_unit"), format!("unknown unit \"{u}\"{hint}; expected capacity_frac or mw")));
                }
            }
        }
        let gr = sup.grid.get_or_insert_with(Default::default);
        let align = gr.align.get_or_insert_with(|| "calendar".to_string()).clone();
        if crate::telemetry::series::Align::parse(&align).is_none() {
            let hint = hint(&align, &["calendar", "day_of_year"]);
            return Err(("supply.grid.align".into(), format!("unknown alignment \"{align}\"{hint}; expected calendar or day_of_year")));
        }
        fill_from!(gr, d.grid; import_limit_mw, export_limit_mw, carbon_g_per_kwh);
        let b = sup.battery.get_or_insert_with(Default::default);
        fill_from!(b, d.battery; energy_mwh, power_mw, round_trip_efficiency_frac, soc_min_frac, soc_max_frac, initial_soc_frac);
        get!(b.max_grid_ramp_mw_per_s, 0.0);
        let mode = sup.on_shortfall.get_or_insert_with(|| "cap_gpus".to_string()).clone();
        if !SHORTFALL.contains(&mode.as_str()) {
            let hint = hint(&mode, SHORTFALL);
            return Err(("supply.on_shortfall".into(), format!("unknown policy \"{mode}\"{hint}; expected cap_gpus or unserved")));
        }
        Ok(())
    }

    /// Checks a filled `[supply]` block (see [`Self::fill_defaults`]) and builds the source models' parameters from it
    /// (the series and profiles are read afterwards, see `scenario::resolve`).
    pub fn resolve(sup: &SupplyBlock, d: &mut Diagnostics) -> Self {
        let or0 = |v: Option<f64>| Some(v.unwrap_or(0.0));
        let h = sup.hydro.clone().unwrap_or_default();
        let cap = d.num(&H_CAP, or0(h.capacity_mw));
        let ramp_mw_per_min = d.num(&H_RAMP, or0(h.ramp_mw_per_min));
        d.num(&H_RAMP_DOWN, or0(h.ramp_down_mw_per_min));
        let governor_band_frac = d.num(&H_BAND, or0(h.governor_band_frac));
        let hmin = d.num(&H_MIN, or0(h.min_mw));
        if hmin > cap {
            d.error("supply.hydro.min_mw", "expected at most supply.hydro.capacity_mw");
        }
        d.num(&H_DAILY, or0(h.daily_energy_mwh));
        d.num(&H_RES, or0(h.reservoir_mwh));
        let inflow_mw = d.num(&H_INFLOW, or0(h.inflow_mw));
        let initial_frac = d.num(&H_RES_INIT, Some(h.reservoir_initial_frac.unwrap_or(0.5)));
        let hydro = HydroParams {
            capacity_mw: cap,
            ramp_mw_per_min,
            ramp_down_mw_per_min: h.ramp_down_mw_per_min,
            governor_band_frac,
            min_mw: hmin,
            daily_energy_mwh: h.daily_energy_mwh.filter(|v| *v > 0.0),
            reservoir: h.reservoir_mwh.filter(|v| *v > 0.0).map(|energy_mwh| ReservoirParams { energy_mwh, inflow_mw, initial_frac }),
        };
        let w = sup.wind.clone().unwrap_or_default();
        let capacity_mw = d.num(&W_CAP, or0(w.capacity_mw));
        let hub_height_m = d.num(&W_HUB, w.hub_height_m);
        let ci = d.num(&W_CUT_IN, w.cut_in_m_s);
        let ra = d.num(&W_RATED, w.rated_m_s);
        let co = d.num(&W_CUT_OUT, w.cut_out_m_s);
        if !(0.0 <= ci && ci < ra && ra <= co) {
            d.error("supply.wind.rated_m_s", format!("expected cut_in < rated <= cut_out, found {ci}, {ra}, {co}"));
        }
        let shear_exponent = d.num(&W_SHEAR, w.shear_exponent);
        let wind = WindParams { capacity_mw, hub_height_m, cut_in_m_s: ci, rated_m_s: ra, cut_out_m_s: co, shear_exponent };
        let so = sup.solar.clone().unwrap_or_default();
        let solar = SolarParams {
            capacity_mw: d.num(&S_CAP, or0(so.capacity_mw)),
            derate_frac: d.num(&S_DERATE, so.derate_frac),
            temp_coeff_per_k: d.num(&S_TEMP, so.temp_coeff_per_k),
            ..SolarParams::default()
        };
        let g = sup.gas.clone().unwrap_or_default();
        let gas = GasParams {
            capacity_mw: d.num(&G_CAP, or0(g.capacity_mw)),
            ramp_frac_per_min: d.num(&G_RAMP, g.ramp_frac_per_min),
            ramp_down_frac_per_min: {
                d.num(&G_RAMP_DOWN, g.ramp_down_frac_per_min);
                g.ramp_down_frac_per_min
            },
            governor_band_frac: d.num(&G_BAND, or0(g.governor_band_frac)),
            min_mw: d.num(&G_MIN, or0(g.min_mw)),
            carbon_g_per_kwh: d.num(&G_CARBON, or0(g.carbon_g_per_kwh)),
        };
        let gr = sup.grid.clone().unwrap_or_default();
        let grid = GridParams {
            import_limit_mw: d.num(&GR_IMPORT, or0(gr.import_limit_mw)),
            export_limit_mw: d.num(&GR_EXPORT, or0(gr.export_limit_mw)),
            carbon_g_per_kwh: d.num(&GR_CARBON, or0(gr.carbon_g_per_kwh)),
            ..GridParams::default()
        };
        let b = sup.battery.clone().unwrap_or_default();
        let energy_mwh = d.num(&B_ENERGY, or0(b.energy_mwh));
        let power_mw = d.num(&B_POWER, or0(b.power_mw));
        let round_trip_efficiency_frac = d.num(&B_RTE, b.round_trip_efficiency_frac);
        let lo = d.num(&B_SOC_MIN, b.soc_min_frac);
        let hi = d.num(&B_SOC_MAX, b.soc_max_frac);
        if lo >= hi {
            d.error("supply.battery.soc_max_frac", format!("expected above soc_min_frac ({lo}), found {hi}"));
        }
        let init = d.num(&B_SOC_INIT, b.initial_soc_frac);
        if init < lo || init > hi {
            d.error("supply.battery.initial_soc_frac", format!("expected within [soc_min_frac, soc_max_frac] = [{lo}, {hi}], found {init}"));
        }
        d.num(&B_RAMP, or0(b.max_grid_ramp_mw_per_s));
        let battery = BatteryParams {
            energy_mwh,
            power_mw,
            round_trip_efficiency_frac,
            soc_min_frac: lo,
            soc_max_frac: hi,
            initial_soc_frac: init,
            max_grid_ramp_mw_per_s: b.max_grid_ramp_mw_per_s.filter(|v| *v > 0.0),
            ..BatteryParams::default()
        };
        let on_shortfall = if sup.on_shortfall.as_deref() == Some("unserved") { Shortfall::Unserved } else { Shortfall::CapGpus };
        SupplySpec {
            block: sup.clone(),
            params: SupplyParams { hydro, wind, solar, gas, grid, battery, on_shortfall },
            carbon_series: None,
            price_series: None,
            wind_profile: None,
            solar_profile: None,
        }
    }
}
