//! The facility side of the engine (stage 7): builds the plant of [`super::plant`] from the
//! scenario's `[cooling]` block and steps it. The plant takes the heat the CDUs pass to the
//! facility water and the air-side heat, and returns the facility water temperature the
//! CDUs see next step, every heat flow and the cooling electricity.
//!
//! Sizing (`[cooling.heat_rejection]`): dry coolers are sized by [`PlantSizing`] for the
//! site's design heat (all GPUs at TDP) so that at `design_ambient_c`, with every fan at full
//! speed, the water leaves `design_approach_k` above the air (default approach 10 K, the median
//! of 6,730 dry coolers, REFERENCE §4.1; default design ambient: setpoint − approach). The
//! setpoint itself is only the controller's target, so a sweep of setpoints keeps the plant. `units`, `ua_per_unit_kw_per_k`, `rated_fan_power_kw` and
//! `rated_air_flow_kg_s` override the sized values one by one.

use super::plant::chiller::Chiller;
use super::plant::coolant::Coolant;
use super::plant::heat_reuse::HeatReuse;
use super::plant::{self, HeatRejectionKind, PlantInputs, PlantParams, PlantSizing, PlantState};
use crate::scenario::Scenario;

/// One plant step's outputs (W, °C).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlantOut {
    /// FWS supply (°C).
    pub fws_supply_c: f64,
    /// FWS return (°C).
    pub fws_return_c: f64,
    /// Heat rejected to the air (W).
    pub heat_rejected_w: f64,
    /// Heat delivered to reuse (W).
    pub heat_reused_w: f64,
    /// Cooling electricity counted in facility power (W), CDU pumps excluded.
    pub cooling_power_w: f64,
    /// FWS pumps (W).
    pub fws_pump_power_w: f64,
    /// Dry-cooler fans (W).
    pub fan_power_w: f64,
    /// Dry-cooler fan speed.
    pub fan_speed_frac: f64,
    /// Air-side fans (W).
    pub air_side_fan_power_w: f64,
    /// Chiller cooling (W).
    pub chiller_cooling_w: f64,
    /// Chiller electricity (W).
    pub chiller_power_w: f64,
    /// Heat-pump electricity (W, not in PUE).
    pub heat_pump_power_w: f64,
    /// Work that became heat in the plant (W): pumps, air-side fans, compressor, heat pump.
    pub work_in_w: f64,
    /// FWS flow over its design flow.
    pub fws_flow_frac: f64,
}

/// The facility plant: parameters and state.
pub struct Plant {
    /// Parameters.
    pub params: PlantParams,
    /// State.
    pub state: PlantState,
    /// Facility-water flow fraction at the settled start.
    pub initial_flow_frac: f64,
}

/// Plant parameters for a scenario.
pub fn params_for(sc: &Scenario) -> PlantParams {
    let c = &sc.cooling;
    let coolant = Coolant::from_name(&c.coolant).unwrap_or_else(Coolant::pg25);
    let design_heat_w = sc.it_capacity_w();
    let r = &c.rejection;
    // Sized so that at the design ambient, with every fan at full speed, the design heat
    // leaves the coolers `design_approach_k` above the air; the setpoint is a control target.
    let mut sizing = PlantSizing::new(design_heat_w, r.design_ambient_c + r.design_approach_k, coolant);
    sizing.approach_k = r.design_approach_k;
    sizing.fws_design_dt_k = c.fws_design_dt_k;
    sizing.fws_pump_head_pa = c.fws_pump_head_pa;
    sizing.air_frac = 1.0 - c.liquid_capture_frac;
    if r.units > 0 {
        sizing.unit_heat_w = design_heat_w * 1.03 / f64::from(r.units);
    }
    // Kind-specific design power: tower fans, fjord intake pumps (W per W of heat).
    match &r.sink {
        Sink::Tower(_) => sizing.fan_w_per_w_th = super::plant::cooling_tower::FAN_W_PER_W,
        Sink::Fjord(f) => sizing.fan_w_per_w_th = f.pump_w_per_w(),
        Sink::Air | Sink::Adiabatic(_) => {}
    }
    let mut p = PlantParams::from_sizing(&sizing);
    if let Sink::Fjord(f) = &r.sink {
        // The plate exchanger's second stream is sea water with its own design rise.
        let b = p.dry_coolers;
        let q_water = b.rated_fan_power_w * f64::from(b.units) / sizing.fan_w_per_w_th.max(1e-12);
        let design = super::plant::dry_cooler::DryCoolerDesign {
            heat_w: q_water,
            approach_k: r.design_approach_k,
            ambient_design_c: r.design_ambient_c,
            water_dt_k: c.fws_design_dt_k,
            // The bank's "air" stream becomes the sea water: its capacity rate is heat / rise.
            air_dt_k: f.seawater_rise_k,
            units: b.units,
            fan_w_per_w_th: sizing.fan_w_per_w_th,
        };
        if let Some(bank) = super::plant::dry_cooler::DryCoolerBank::design_for(&design, p.coolant.cp_j_kg_k) {
            p.dry_coolers = bank;
        }
    }
    p.fws_supply_setpoint_c = c.fws_supply_setpoint_c;
    p.kind = if r.kind == "ideal" { HeatRejectionKind::Ideal } else { HeatRejectionKind::DryCoolers };
    if r.units > 0 {
        p.dry_coolers.units = r.units;
    }
    if r.ua_per_unit_w_k > 0.0 {
        p.dry_coolers.ua_rated_w_k = r.ua_per_unit_w_k;
    }
    if r.rated_fan_power_w > 0.0 {
        p.dry_coolers.rated_fan_power_w = r.rated_fan_power_w;
    }
    if r.rated_air_flow_kg_s > 0.0 {
        p.dry_coolers.rated_air_flow_kg_s = r.rated_air_flow_kg_s;
    }
    p.dry_coolers.ua_air_exponent = r.ua_air_exponent;
    p.dry_coolers.min_fan_speed_frac = r.min_fan_speed_frac;
    p.fws_volume_m3 = c.fws_volume_m3;
    p.fws_min_flow_frac = c.fws_min_flow_frac;
    p.fws_pump.wire_to_water_eff_frac = c.pump_efficiency_frac;
    p.air_side = plant::air_side::AirSide::with_fan_w_per_w(c.air_side_fan_w_per_w);
    // Re-tune the fan controller to the actual loop mass (sizing used m³ per MW).
    let scale = p.fws_volume_m3 / (sizing.fws_volume_m3_per_mw * design_heat_w / 1e6).max(1e-9);
    p.fan_controller.kp *= scale;
    p.chiller = c.chiller.as_ref().map(|ch| Chiller {
        capacity_w: ch.capacity_w,
        eta_ii_frac: ch.eta_ii_frac,
        evaporator_approach_k: ch.evaporator_approach_k,
        condenser_approach_k: ch.condenser_approach_k,
        ..Chiller::new(ch.capacity_w)
    });
    p.heat_reuse = c.heat_reuse.as_ref().map(|h| HeatReuse {
        capacity_w: h.capacity_w,
        dh_supply_c: h.dh_supply_c,
        dh_return_c: h.dh_return_c,
        hx_approach_k: h.hx_approach_k,
        hp_eta_frac: h.hp_eta_frac,
        ..HeatReuse::new(h.capacity_w)
    });
    p
}

impl Plant {
    /// Builds the plant, settled for `initial_heat_w` at the start's ambient.
    pub fn new(sc: &Scenario, initial_heat_w: f64, ambient_c: f64) -> Self {
        let params = params_for(sc);
        let air = 1.0 - sc.cooling.liquid_capture_frac;
        let inputs = PlantInputs {
            q_cdu_w: initial_heat_w * (1.0 - air),
            q_air_w: initial_heat_w * air,
            ambient_c,
            dt_s: 10.0,
            dry_coolers_offline: 0,
            fws_pump_available_frac: 1.0,
            fws_pump_power_w: None,
        };
        let state = PlantState::settled(&params, &inputs, 6.0 * 3600.0);
        let q_design = params.fws_design_flow_kg_s() * params.coolant.cp_j_kg_k * params.fws_design_dt_k;
        let initial_flow_frac = if q_design > 0.0 { (initial_heat_w / q_design).max(params.fws_min_flow_frac).min(1.0) } else { 1.0 };
        Plant { params, state, initial_flow_frac }
    }

    /// FWS supply temperature (°C).
    pub fn supply_c(&self) -> f64 {
        self.state.fws_supply_c
    }

    /// Heat stored in the facility water relative to 0 °C (J).
    pub fn stored_heat_j(&self) -> f64 {
        if self.params.kind == HeatRejectionKind::Ideal {
            return 0.0;
        }
        self.params.fws_heat_capacity_j_k() * self.state.fws_supply_c
    }

    /// One step. `fws_pump_w` and `fws_available_frac` come from the facility loop's network.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        q_cdu_w: f64,
        q_air_w: f64,
        ambient_c: f64,
        dt_s: f64,
        coolers_out: u32,
        fws_pump_w: f64,
        fws_available_frac: f64,
    ) -> PlantOut {
        let inputs = PlantInputs {
            q_cdu_w,
            q_air_w,
            ambient_c,
            dt_s,
            dry_coolers_offline: coolers_out,
            fws_pump_available_frac: fws_available_frac,
            fws_pump_power_w: Some(fws_pump_w),
        };
        let o = plant::step(&self.params, &mut self.state, &inputs);
        PlantOut {
            fws_supply_c: o.fws_supply_c,
            fws_return_c: o.fws_return_c,
            heat_rejected_w: o.heat_rejected_w,
            heat_reused_w: o.heat_reused_w,
            cooling_power_w: o.cooling_power_w,
            fws_pump_power_w: o.fws_pump_power_w,
            fan_power_w: o.fan_power_w,
            fan_speed_frac: o.fan_speed_frac,
            air_side_fan_power_w: o.air_side_fan_power_w,
            chiller_cooling_w: o.chiller_cooling_w,
            chiller_power_w: o.chiller_power_w,
            heat_pump_power_w: o.heat_pump_power_w,
            work_in_w: o.heat_in_w - q_cdu_w - q_air_w,
            fws_flow_frac: o.fws_flow_kg_s / self.params.fws_design_flow_kg_s().max(1e-12),
        }
    }
}

/// The facility-water flow fraction of a freshly settled plant (the plant's flow follows
/// its load: heat over design heat, within the minimum flow and 1).
pub fn initial_fws_flow_frac(p: &Plant) -> f64 {
    p.initial_flow_frac
}

/// Heat the plant can reject at its design ambient with every fan at full speed, plus the
/// chiller (W); `ideal` = unlimited.
pub fn rejection_capacity_w(sc: &Scenario) -> f64 {
    if sc.cooling.rejection.kind == "ideal" {
        return f64::INFINITY;
    }
    let p = params_for(sc);
    let flow = p.fws_design_flow_kg_s();
    let t_in = sc.cooling.fws_supply_setpoint_c + sc.cooling.fws_design_dt_k;
    let (q, _) = p.dry_coolers.heat_rejected_w(t_in, flow, p.coolant.cp_j_kg_k, sc.cooling.rejection.design_ambient_c, 1.0, p.dry_coolers.units);
    q + p.chiller.map_or(0.0, |c| c.capacity_w)
}

/// What the facility's heat rejection bank rejects to, and the water it uses. Every kind but
/// `ideal` is the same ε-NTU bank with fan (or intake-pump) control ([`super::plant`]); the
/// kinds differ in their sink temperature, sizing defaults and water use (see
/// [`super::plant::cooling_tower`], [`super::plant::adiabatic`], [`super::plant::fjord_water`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sink {
    /// Dry bulb (dry coolers; also `ideal`, where the sink is not used).
    Air,
    /// Wet bulb, evaporating water.
    Tower(super::plant::cooling_tower::CoolingTower),
    /// Pre-cooled air above a switch-over temperature.
    Adiabatic(super::plant::adiabatic::AdiabaticPrecooler),
    /// Fjord intake temperature by month.
    Fjord(super::plant::fjord_water::FjordWater),
}

/// Writes the kind-specific defaults of `[cooling.heat_rejection]` (before the generic ones:
/// the approach and design ambient defaults depend on the kind).
pub fn fill_sink(kind: &str, hr: &mut crate::scenario::raw::HeatRejectionBlock, fws_set_c: f64) {
    use super::plant::{adiabatic::AdiabaticPrecooler, cooling_tower, fjord_water::FjordWater};
    match kind {
        "cooling_tower" => {
            let d = cooling_tower::CoolingTower::default();
            hr.design_approach_k.get_or_insert(cooling_tower::APPROACH_K);
            hr.latent_frac.get_or_insert(d.latent_frac);
            hr.drift_frac.get_or_insert(d.drift_frac);
            hr.cycles_of_concentration.get_or_insert(d.cycles_of_concentration);
        }
        "adiabatic_dry_coolers" => {
            let d = AdiabaticPrecooler::default();
            hr.saturation_efficiency_frac.get_or_insert(d.saturation_efficiency_frac);
            hr.switch_over_c.get_or_insert(d.switch_over_c);
        }
        "fjord_water" => {
            let d = FjordWater::default();
            let t = hr.intake_temp_c.get_or_insert_with(|| d.intake_temp_c.to_vec()).clone();
            hr.intake_head_kpa.get_or_insert(d.intake_head_pa / 1e3);
            hr.seawater_rise_k.get_or_insert(d.seawater_rise_k);
            let warmest = t.iter().copied().fold(f64::MIN, f64::max);
            if warmest.is_finite() {
                hr.design_ambient_c.get_or_insert(warmest);
                hr.design_approach_k.get_or_insert((fws_set_c - warmest).max(1.0));
            }
        }
        _ => {}
    }
}

use crate::scenario::check::{ranges, Range};

ranges! {
    /// Ranges of the kind-specific `[cooling.heat_rejection]` keys.
    SINK_RANGES;
    const S_LATENT_FRAC: Range =
        Range { key: "cooling.heat_rejection.latent_frac", lo: 0.5, hi: 1.0, what: "a share of the heat leaving as latent heat", why: "" };
    const S_DRIFT_FRAC: Range =
        Range { key: "cooling.heat_rejection.drift_frac", lo: 0.0, hi: 0.01, what: "a fraction of the circulating flow", why: "" };
    const S_CYCLES_OF_CONCENTRATION: Range = Range {
        key: "cooling.heat_rejection.cycles_of_concentration",
        lo: 1.5,
        hi: 50.0,
        what: "cycles of concentration (above 1: some water must be blown down)",
        why: "",
    };
    const S_SATURATION_EFFICIENCY_FRAC: Range =
        Range { key: "cooling.heat_rejection.saturation_efficiency_frac", lo: 0.0, hi: 1.0, what: "a saturation efficiency", why: "" };
    const S_SWITCH_OVER_C: Range = Range { key: "cooling.heat_rejection.switch_over_c", lo: -20.0, hi: 60.0, what: "a temperature (°C)", why: "" };
    const S_INTAKE_TEMP_C: Range =
        Range { key: "cooling.heat_rejection.intake_temp_c[]", lo: -2.0, hi: 35.0, what: "a sea-water temperature (°C)", why: "" };
    const S_INTAKE_HEAD_KPA: Range = Range { key: "cooling.heat_rejection.intake_head_kpa", lo: 1.0, hi: 2000.0, what: "a pump head (kPa)", why: "" };
    const S_SEAWATER_RISE_K: Range = Range { key: "cooling.heat_rejection.seawater_rise_k", lo: 1.0, hi: 30.0, what: "a temperature rise (K)", why: "" };
}

/// Checks the kind-specific keys of a filled `[cooling.heat_rejection]`.
pub fn resolve_sink(hr: &crate::scenario::raw::HeatRejectionBlock) -> Result<Sink, (String, String)> {
    use super::plant::{adiabatic::AdiabaticPrecooler, cooling_tower::CoolingTower, fjord_water::FjordWater};
    let key = |k: &str| format!("cooling.heat_rejection.{k}");
    let kind = hr.kind.as_deref().unwrap_or("dry_coolers");
    let only = |k: &str, present: bool, for_kind: &str| -> Result<(), (String, String)> {
        if present && kind != for_kind {
            return Err((key(k), format!("only a `{for_kind}` heat rejection takes `{k}` (this one is `{kind}`)")));
        }
        Ok(())
    };
    only("latent_frac", hr.latent_frac.is_some(), "cooling_tower")?;
    only("drift_frac", hr.drift_frac.is_some(), "cooling_tower")?;
    only("cycles_of_concentration", hr.cycles_of_concentration.is_some(), "cooling_tower")?;
    only("saturation_efficiency_frac", hr.saturation_efficiency_frac.is_some(), "adiabatic_dry_coolers")?;
    only("switch_over_c", hr.switch_over_c.is_some(), "adiabatic_dry_coolers")?;
    only("intake_temp_c", hr.intake_temp_c.is_some(), "fjord_water")?;
    only("intake_head_kpa", hr.intake_head_kpa.is_some(), "fjord_water")?;
    only("seawater_rise_k", hr.seawater_rise_k.is_some(), "fjord_water")?;
    Ok(match kind {
        "cooling_tower" => Sink::Tower(CoolingTower {
            latent_frac: S_LATENT_FRAC.check(hr.latent_frac)?,
            drift_frac: S_DRIFT_FRAC.check(hr.drift_frac)?,
            cycles_of_concentration: S_CYCLES_OF_CONCENTRATION.check(hr.cycles_of_concentration)?,
        }),
        "adiabatic_dry_coolers" => Sink::Adiabatic(AdiabaticPrecooler {
            saturation_efficiency_frac: S_SATURATION_EFFICIENCY_FRAC.check(hr.saturation_efficiency_frac)?,
            switch_over_c: S_SWITCH_OVER_C.check(hr.switch_over_c)?,
        }),
        "fjord_water" => {
            let t = hr.intake_temp_c.clone().unwrap_or_default();
            if t.len() != 12 {
                return Err((key("intake_temp_c"), format!("expected 12 monthly temperatures (Jan..Dec), found {}", t.len())));
            }
            let mut intake = [0.0; 12];
            for (i, v) in t.iter().enumerate() {
                intake[i] = S_INTAKE_TEMP_C.check(Some(*v))?;
            }
            Sink::Fjord(FjordWater {
                intake_temp_c: intake,
                intake_head_pa: S_INTAKE_HEAD_KPA.check(hr.intake_head_kpa)? * 1e3,
                seawater_rise_k: S_SEAWATER_RISE_K.check(hr.seawater_rise_k)?,
                ..FjordWater::default()
            })
        }
        _ => Sink::Air,
    })
}

/// The sink temperature (°C) the heat rejection bank sees: dry bulb, wet bulb, pre-cooled air
/// or fjord intake. `heat_wave_k` offsets the dry bulb at constant dew point.
pub fn sink_c(sink: &Sink, w: &super::weather::WeatherSample, heat_wave_k: f64, unix_s: f64) -> f64 {
    let db = w.dry_bulb_c + heat_wave_k;
    match sink {
        Sink::Air => db,
        Sink::Tower(_) => super::psychro::wet_bulb_c(db, w.dew_point_c, w.pressure_pa),
        Sink::Adiabatic(a) => a.coil_inlet_c(db, super::psychro::wet_bulb_c(db, w.dew_point_c, w.pressure_pa)),
        Sink::Fjord(f) => f.intake_c(super::calendar::civil_from_unix(unix_s).1),
    }
}

/// Water the site draws for heat rejection this step (kg/s): tower make-up, or adiabatic pad
/// evaporation; 0 for dry coolers, fjord water and `ideal`.
pub fn water_kg_s(sink: &Sink, plant: &Plant, po: &PlantOut, dry_bulb_c: f64, sink_c: f64) -> f64 {
    match sink {
        Sink::Tower(t) => {
            let flow = po.fws_flow_frac * plant.params.fws_design_flow_kg_s();
            t.water(po.heat_rejected_w, po.fws_return_c, flow).makeup_kg_s()
        }
        Sink::Adiabatic(a) => {
            let b = &plant.params.dry_coolers;
            let air = b.rated_air_flow_kg_s * f64::from(b.units) * po.fan_speed_frac;
            a.evaporation_kg_s(air, dry_bulb_c, sink_c)
        }
        Sink::Air | Sink::Fjord(_) => 0.0,
    }
}
