//! Parameters of `[cooling]`: the rack side (coolant, cold-plate capture, technology loops,
//! CDUs, pumps), the facility water loop, and the blocks of its components —
//! `[cooling.heat_rejection]` ([`Rejection`]), `[cooling.chiller]` ([`ChillerSpec`]) and
//! `[cooling.heat_reuse]` ([`HeatReuseSpec`]). Each has its defaults (REFERENCE §3-§4, §9),
//! the physical range of every key and its cross-checks.

use super::{chiller::Chiller, heat_reuse::HeatReuse};
use crate::scenario::check::{fill_from, hint, ranges, Diagnostics, KeyError};
use crate::scenario::raw::{ChillerBlock, CoolingBlock, HeatRejectionBlock, HeatReuseBlock};

/// Known coolants: (name, density kg/m³, c_p J/(kg·K), source).
pub const COOLANTS: &[(&str, f64, f64, &str)] = &[
    ("pg25", 1019.2, 3940.0, "[S] Airedale DeltaChill glycol tables, 30 °C (REFERENCE §3.1)"),
    ("water", 995.6, 4180.0, "[S] Airedale DeltaChill tables, 30 °C (REFERENCE §3.1)"),
];

/// Heat rejection kinds.
pub const REJECTION_KINDS: &[&str] = &["ideal", "dry_coolers", "cooling_tower", "adiabatic_dry_coolers", "fjord_water"];

/// Rack-side cooling and facility plant settings (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct Cooling {
    /// Coolant name.
    pub coolant: String,
    /// Coolant density (kg/m³).
    pub density_kg_m3: f64,
    /// Coolant heat capacity (J/(kg·K)).
    pub cp_j_kg_k: f64,
    /// Share of rack heat into cold plates.
    pub liquid_capture_frac: f64,
    /// TCS supply setpoint (°C).
    pub tcs_supply_setpoint_c: f64,
    /// FWS supply setpoint (°C).
    pub fws_supply_setpoint_c: f64,
    /// Number of CDUs.
    pub cdus: u32,
    /// Design cold-plate flow per kW of liquid heat (L/min/kW).
    pub flow_lpm_per_kw: f64,
    /// Water volume of each CDU's technology loop (m³).
    pub tcs_volume_m3: f64,
    /// CDU approach at design (K).
    pub cdu_approach_k: f64,
    /// CDU supply-temperature control time constant (s).
    pub cdu_control_tau_s: f64,
    /// TCS pump head at design flow (Pa).
    pub tcs_pump_head_pa: f64,
    /// Pump wire-to-water efficiency at design.
    pub pump_efficiency_frac: f64,
    /// FWS water volume (m³).
    pub fws_volume_m3: f64,
    /// FWS design temperature rise (K).
    pub fws_design_dt_k: f64,
    /// FWS pump head at design flow (Pa).
    pub fws_pump_head_pa: f64,
    /// FWS minimum flow fraction.
    pub fws_min_flow_frac: f64,
    /// Air-side fan power per W of air heat.
    pub air_side_fan_w_per_w: f64,
    /// Heat rejection.
    pub rejection: Rejection,
    /// Trim chiller.
    pub chiller: Option<ChillerSpec>,
    /// Heat reuse.
    pub heat_reuse: Option<HeatReuseSpec>,
    /// Loop networks (`[cooling.hydraulics]`).
    pub hydraulics: crate::model::hydraulics::HydraulicsParams,
}

/// Heat rejection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// One of [`REJECTION_KINDS`].
    pub kind: String,
    /// Dry cooler units.
    pub units: u32,
    /// UA per unit at rated airflow (W/K).
    pub ua_per_unit_w_k: f64,
    /// Fan power per unit at full speed (W).
    pub rated_fan_power_w: f64,
    /// Air mass flow per unit at full speed (kg/s).
    pub rated_air_flow_kg_s: f64,
    /// UA ∝ airflow^exponent.
    pub ua_air_exponent: f64,
    /// Minimum fan speed.
    pub min_fan_speed_frac: f64,
    /// Design ambient for sizing (°C).
    pub design_ambient_c: f64,
    /// Design approach (K).
    pub design_approach_k: f64,
    /// What the bank rejects to (air, wet bulb, pre-cooled air, fjord water) and its water use.
    pub sink: crate::model::plant_side::Sink,
}

/// Trim chiller settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ChillerSpec {
    /// Cooling capacity (W).
    pub capacity_w: f64,
    /// Second-law efficiency.
    pub eta_ii_frac: f64,
    /// Evaporator approach (K).
    pub evaporator_approach_k: f64,
    /// Condenser approach above ambient (K).
    pub condenser_approach_k: f64,
}

/// Heat reuse settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatReuseSpec {
    /// Heat delivered to district heating at most (W).
    pub capacity_w: f64,
    /// District heating supply (°C).
    pub dh_supply_c: f64,
    /// District heating return (°C).
    pub dh_return_c: f64,
    /// Heat-exchanger approach (K).
    pub hx_approach_k: f64,
    /// Heat-pump share of Carnot COP.
    pub hp_eta_frac: f64,
}

ranges! {
    /// Ranges of `[cooling]` and its blocks.
    RANGES;
    range!(CAPTURE, "cooling.liquid_capture_frac", 0.0, 1.0, "a fraction", "share of rack heat taken by cold plates (~0.85)");
    range!(TCS_SET, "cooling.tcs_supply_setpoint_c", 5.0, 70.0, "a temperature (°C)", "liquid to the racks: 17-45 °C in ASHRAE W17-W45");
    range!(FWS_SET, "cooling.fws_supply_setpoint_c", 2.0, 70.0, "a temperature (°C)", "below the TCS supply by the CDU approach");
    range!(CDUS, "cooling.cdus", 1.0, 5e7, "a number of CDUs", "one serves a contiguous block of racks; at most one per rack");
    range!(FLOW, "cooling.flow_lpm_per_kw", 0.2, 10.0, "a flow (L/min per kW)", "cold plates take ~1.5 L/min/kW (OCP)");
    range!(TCS_VOLUME, "cooling.tcs_volume_m3", 0.01, 1000.0, "a volume (m³)", "one CDU's loop holds ~0.08 m³ per rack");
    range!(CDU_APPROACH, "cooling.cdu_approach_k", 0.5, 20.0, "a temperature difference (K)", "plate exchangers reach 2-5 K");
    range!(CDU_TAU, "cooling.cdu_control_tau_s", 1.0, 3600.0, "a time constant (s)", "a valve loop settles in seconds to minutes");
    range!(TCS_HEAD, "cooling.tcs_pump_head_kpa", 0.0, 2000.0, "a pressure (kPa)", "a CDU pump gives 100-300 kPa");
    range!(PUMP_EFF, "cooling.pump_efficiency_frac", 0.1, 1.0, "a fraction", "wire-to-water efficiency (~0.65)");
    range!(FWS_VOLUME, "cooling.fws_volume_m3", 0.1, 1e6, "a volume (m³)", "~2 m³ of facility water per MW of IT");
    range!(FWS_DT, "cooling.fws_design_dt_k", 1.0, 40.0, "a temperature difference (K)", "facility water rises ~10 K");
    range!(FWS_HEAD, "cooling.fws_pump_head_kpa", 0.0, 2000.0, "a pressure (kPa)", "a facility pump gives 100-300 kPa");
    range!(FWS_MIN_FLOW, "cooling.fws_min_flow_frac", 0.0, 1.0, "a fraction", "of design flow");
    range!(AIR_FAN, "cooling.air_side_fan_w_per_w", 0.0, 0.5, "a ratio (W/W)", "fan coils draw ~0.05 W per W of air heat");
    range!(UNITS, "cooling.heat_rejection.units", 0.0, 1e6, "a number of units", "0 sizes the plant for the design heat");
    range!(UA, "cooling.heat_rejection.ua_per_unit_kw_per_k", 0.0, 10_000.0, "a UA (kW/K)", "a ~2 MW dry cooler has a few hundred kW/K; 0 = sized");
    range!(FAN_KW, "cooling.heat_rejection.rated_fan_power_kw", 0.0, 1000.0, "a power (kW)", "a unit's fans draw tens of kW; 0 = sized");
    range!(AIR_FLOW, "cooling.heat_rejection.rated_air_flow_kg_s", 0.0, 10_000.0, "an air flow (kg/s)", "a unit moves a few hundred kg/s; 0 = sized");
    range!(UA_EXP, "cooling.heat_rejection.ua_air_exponent", 0.0, 2.0, "an exponent", "UA ∝ airflow^0.5-0.8");
    range!(MIN_FAN, "cooling.heat_rejection.min_fan_speed_frac", 0.0, 1.0, "a fraction", "of full fan speed");
    range!(DESIGN_AMB, "cooling.heat_rejection.design_ambient_c", -50.0, 60.0, "a temperature (°C)", "the hottest air the plant is sized for");
    range!(DESIGN_APPROACH, "cooling.heat_rejection.design_approach_k", 1.0, 40.0, "a temperature difference (K)", "dry coolers: median 10 K");
    range!(CH_CAP, "cooling.chiller.capacity_mw", 0.0, 1e5, "a power (MW)", "cooling capacity");
    range!(CH_ETA, "cooling.chiller.eta_ii_frac", 0.05, 1.0, "a fraction of the reversed-Carnot COP", "real chillers reach ~0.5");
    range!(CH_EVAP, "cooling.chiller.evaporator_approach_k", 0.0, 30.0, "a temperature difference (K)", "~3 K");
    range!(CH_COND, "cooling.chiller.condenser_approach_k", 0.0, 40.0, "a temperature difference (K)", "~10 K above ambient");
    range!(HR_CAP, "cooling.heat_reuse.capacity_mw", 0.0, 1e5, "a power (MW)", "heat the network takes at most");
    range!(HR_SUPPLY, "cooling.heat_reuse.dh_supply_c", 20.0, 150.0, "a temperature (°C)", "district heating supplies 50-120 °C");
    range!(HR_RETURN, "cooling.heat_reuse.dh_return_c", 5.0, 140.0, "a temperature (°C)", "below dh_supply_c");
    range!(HR_APPROACH, "cooling.heat_reuse.hx_approach_k", 0.0, 30.0, "a temperature difference (K)", "~5 K");
    range!(HR_ETA, "cooling.heat_reuse.hp_eta_frac", 0.05, 1.0, "a fraction of the Carnot COP", "heat pumps reach ~0.5");
}

macro_rules! get {
    ($opt:expr, $default:expr) => {
        crate::scenario::check::dflt(&mut $opt, $default)
    };
}

/// Fills `[cooling]` for a cluster of `racks` racks.
pub fn fill_defaults(co: &mut CoolingBlock, racks: u32) -> Result<(), KeyError> {
    let coolant = co.coolant.get_or_insert_with(|| "pg25".to_string()).clone();
    if !COOLANTS.iter().any(|c| c.0 == coolant) {
        let names: Vec<&str> = COOLANTS.iter().map(|c| c.0).collect();
        let hint = hint(&coolant, &names);
        return Err(("cooling.coolant".into(), format!("unknown coolant \"{coolant}\"{hint}; expected one of {}", names.join(", "))));
    }
    get!(co.liquid_capture_frac, 0.85);
    let tcs = get!(co.tcs_supply_setpoint_c, 35.0);
    get!(co.fws_supply_setpoint_c, tcs - 5.0);
    let cdus = get!(co.cdus, racks.div_ceil(20).max(1));
    get!(co.flow_lpm_per_kw, 1.5);
    let racks_per_cdu = f64::from(racks) / f64::from(cdus.max(1));
    get!(co.tcs_volume_m3, (0.08 * racks_per_cdu * 1000.0).round() / 1000.0);
    get!(co.cdu_approach_k, 3.0);
    get!(co.cdu_control_tau_s, 30.0);
    get!(co.tcs_pump_head_kpa, 200.0);
    get!(co.pump_efficiency_frac, 0.65);
    get!(co.fws_volume_m3, (2.0 * racks as f64 * 0.14).round().max(1.0));
    get!(co.fws_design_dt_k, 10.0);
    get!(co.fws_pump_head_kpa, 150.0);
    get!(co.fws_min_flow_frac, 0.3);
    get!(co.air_side_fan_w_per_w, 0.046);
    let pump_eff = co.pump_efficiency_frac.unwrap_or(0.65);
    crate::model::hydraulics::params::fill(co.hydraulics.get_or_insert_with(Default::default), pump_eff);
    let hr = co.heat_rejection.get_or_insert_with(Default::default);
    let kind = hr.kind.get_or_insert_with(|| "dry_coolers".to_string()).clone();
    let fws_set = co.fws_supply_setpoint_c.unwrap_or(30.0);
    Rejection::fill_defaults(hr, fws_set);
    if let Some(ch) = co.chiller.as_mut() {
        ChillerSpec::fill_defaults(ch);
    }
    if let Some(h) = co.heat_reuse.as_mut() {
        HeatReuseSpec::fill_defaults(h);
    }
    if !REJECTION_KINDS.contains(&kind.as_str()) {
        let hint = hint(&kind, REJECTION_KINDS);
        return Err((
            "cooling.heat_rejection.kind".into(),
            format!("unknown heat rejection \"{kind}\"{hint}; expected one of {}", REJECTION_KINDS.join(", ")),
        ));
    }
    Ok(())
}

impl Cooling {
    /// Checks a filled `[cooling]` for a cluster of `racks` racks.
    pub fn resolve(co: &CoolingBlock, racks: u32, d: &mut Diagnostics) -> Self {
        let coolant = co.coolant.clone().unwrap_or_default();
        let (density_kg_m3, cp_j_kg_k) = match COOLANTS.iter().find(|c| c.0 == coolant) {
            Some(c) => (c.1, c.2),
            None => {
                d.error("cooling.coolant", format!("unknown coolant \"{coolant}\""));
                (f64::NAN, f64::NAN)
            }
        };
        let tcs = d.num(&TCS_SET, co.tcs_supply_setpoint_c);
        let fws = d.num(&FWS_SET, co.fws_supply_setpoint_c);
        if fws >= tcs {
            d.error(
                "cooling.fws_supply_setpoint_c",
                format!("expected below cooling.tcs_supply_setpoint_c ({tcs} °C), found {fws} °C: the CDU needs a positive approach"),
            );
        }
        let cdus = co.cdus.unwrap_or(0);
        if cdus == 0 || cdus > racks {
            d.error("cooling.cdus", format!("expected 1 to {racks} CDUs (one serves a contiguous block of racks), found {cdus}"));
        }
        let rejection = Rejection::resolve(&co.heat_rejection.clone().unwrap_or_default(), d);
        let chiller = co.chiller.as_ref().map(|ch| ChillerSpec::resolve(ch, d));
        let heat_reuse = co.heat_reuse.as_ref().map(|h| HeatReuseSpec::resolve(h, d));
        Cooling {
            coolant,
            density_kg_m3,
            cp_j_kg_k,
            liquid_capture_frac: d.num(&CAPTURE, co.liquid_capture_frac),
            tcs_supply_setpoint_c: tcs,
            fws_supply_setpoint_c: fws,
            cdus,
            flow_lpm_per_kw: d.num(&FLOW, co.flow_lpm_per_kw),
            tcs_volume_m3: d.num(&TCS_VOLUME, co.tcs_volume_m3),
            cdu_approach_k: d.num(&CDU_APPROACH, co.cdu_approach_k),
            cdu_control_tau_s: d.num(&CDU_TAU, co.cdu_control_tau_s),
            tcs_pump_head_pa: d.num(&TCS_HEAD, co.tcs_pump_head_kpa) * 1e3,
            pump_efficiency_frac: d.num(&PUMP_EFF, co.pump_efficiency_frac),
            fws_volume_m3: d.num(&FWS_VOLUME, co.fws_volume_m3),
            fws_design_dt_k: d.num(&FWS_DT, co.fws_design_dt_k),
            fws_pump_head_pa: d.num(&FWS_HEAD, co.fws_pump_head_kpa) * 1e3,
            fws_min_flow_frac: d.num(&FWS_MIN_FLOW, co.fws_min_flow_frac),
            air_side_fan_w_per_w: d.num(&AIR_FAN, co.air_side_fan_w_per_w),
            rejection,
            chiller,
            heat_reuse,
            hydraulics: match crate::model::hydraulics::params::resolve(&co.hydraulics.clone().unwrap_or_default()) {
                Ok(h) => h,
                Err((k, m)) => {
                    d.error(k, m);
                    crate::model::hydraulics::HydraulicsParams::default()
                }
            },
        }
    }
}

impl Rejection {
    /// Fills `[cooling.heat_rejection]`; the design ambient defaults to the FWS setpoint less
    /// the design approach.
    pub fn fill_defaults(hr: &mut HeatRejectionBlock, fws_setpoint_c: f64) {
        get!(hr.units, 0);
        get!(hr.ua_air_exponent, 0.7);
        get!(hr.min_fan_speed_frac, 0.1);
        let kind = hr.kind.clone().unwrap_or_default();
        crate::model::plant_side::fill_sink(&kind, hr, fws_setpoint_c);
        let approach = get!(hr.design_approach_k, 10.0);
        get!(hr.design_ambient_c, fws_setpoint_c - approach);
    }

    /// Checks a filled `[cooling.heat_rejection]` (omitted overrides stay 0 = sized).
    pub fn resolve(hr: &HeatRejectionBlock, d: &mut Diagnostics) -> Self {
        let zero = |v: Option<f64>| Some(v.unwrap_or(0.0));
        Rejection {
            kind: hr.kind.clone().unwrap_or_else(|| "dry_coolers".into()),
            units: d.whole(&UNITS, Some(hr.units.unwrap_or(0))),
            ua_per_unit_w_k: d.num(&UA, zero(hr.ua_per_unit_kw_per_k)) * 1e3,
            rated_fan_power_w: d.num(&FAN_KW, zero(hr.rated_fan_power_kw)) * 1e3,
            rated_air_flow_kg_s: d.num(&AIR_FLOW, zero(hr.rated_air_flow_kg_s)),
            ua_air_exponent: d.num(&UA_EXP, Some(hr.ua_air_exponent.unwrap_or(0.7))),
            min_fan_speed_frac: d.num(&MIN_FAN, Some(hr.min_fan_speed_frac.unwrap_or(0.1))),
            design_ambient_c: d.num(&DESIGN_AMB, Some(hr.design_ambient_c.unwrap_or(25.0))),
            design_approach_k: d.num(&DESIGN_APPROACH, Some(hr.design_approach_k.unwrap_or(10.0))),
            sink: crate::model::plant_side::resolve_sink(hr).unwrap_or_else(|(k, m)| {
                d.error(k, m);
                crate::model::plant_side::Sink::Air
            }),
        }
    }
}

impl ChillerSpec {
    /// Fills `[cooling.chiller]` with the chiller model's defaults (REFERENCE §4.2).
    pub fn fill_defaults(ch: &mut ChillerBlock) {
        get!(ch.capacity_mw, 0.0);
        fill_from!(ch, Chiller::new(0.0); eta_ii_frac, evaporator_approach_k, condenser_approach_k);
    }

    /// Checks a filled `[cooling.chiller]`.
    pub fn resolve(ch: &ChillerBlock, d: &mut Diagnostics) -> Self {
        ChillerSpec {
            capacity_w: d.num(&CH_CAP, ch.capacity_mw) * 1e6,
            eta_ii_frac: d.num(&CH_ETA, ch.eta_ii_frac),
            evaporator_approach_k: d.num(&CH_EVAP, ch.evaporator_approach_k),
            condenser_approach_k: d.num(&CH_COND, ch.condenser_approach_k),
        }
    }
}

impl HeatReuseSpec {
    /// Fills `[cooling.heat_reuse]` with the heat-reuse model's defaults (REFERENCE §9).
    pub fn fill_defaults(h: &mut HeatReuseBlock) {
        get!(h.capacity_mw, 0.0);
        fill_from!(h, HeatReuse::new(0.0); dh_supply_c, dh_return_c, hx_approach_k, hp_eta_frac);
    }

    /// Checks a filled `[cooling.heat_reuse]`.
    pub fn resolve(h: &HeatReuseBlock, d: &mut Diagnostics) -> Self {
        let s = HeatReuseSpec {
            capacity_w: d.num(&HR_CAP, h.capacity_mw) * 1e6,
            dh_supply_c: d.num(&HR_SUPPLY, h.dh_supply_c),
            dh_return_c: d.num(&HR_RETURN, h.dh_return_c),
            hx_approach_k: d.num(&HR_APPROACH, h.hx_approach_k),
            hp_eta_frac: d.num(&HR_ETA, h.hp_eta_frac),
        };
        if s.dh_return_c >= s.dh_supply_c {
            d.error("cooling.heat_reuse.dh_return_c", format!("expected below dh_supply_c ({} °C), found {}", s.dh_supply_c, s.dh_return_c));
        }
        s
    }
}
