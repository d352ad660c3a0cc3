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
}

/// The facility plant: parameters and state.
pub struct Plant {
    /// Parameters.
    pub params: PlantParams,
    /// State.
    pub state: PlantState,
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
    let mut p = PlantParams::from_sizing(&sizing);
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
        };
        let state = PlantState::settled(&params, &inputs, 6.0 * 3600.0);
        Plant { params, state }
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

    /// One step.
    pub fn step(&mut self, q_cdu_w: f64, q_air_w: f64, ambient_c: f64, dt_s: f64, coolers_out: u32) -> PlantOut {
        let inputs = PlantInputs { q_cdu_w, q_air_w, ambient_c, dt_s, dry_coolers_offline: coolers_out, fws_pump_available_frac: 1.0 };
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
        }
    }
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
