//! The facility-water loop of one step: its state, what goes in and out, the flow and heat
//! load of the step ([`LoopStep`]: flow follows load, pumps and air-side fans heat the water)
//! and the energy account ([`Energies`] summed by the heat-rejection kind, closed into
//! [`PlantOutputs`] and the running totals of [`PlantState`] by `close_step`).

use super::super::pi::Pi;
use super::{finite_or, finite_pos, PlantParams, MAX_INPUT};
use crate::units::SafeClamp;

/// Evolving state of the plant (owned by the engine's plant table).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantState {
    /// FWS supply (loop node) temperature, °C.
    pub fws_supply_c: f64,
    /// Fan/valve controller (its gains are refreshed from the parameters every step).
    pub fan_pi: Pi,
    /// Whether the trim chiller is running (it then holds the fans at full speed).
    pub chiller_on: bool,
    /// Seconds since the chiller last started (anti-short-cycle timer).
    pub chiller_run_s: f64,
    /// Last ambient seen, °C (stands in for a non-finite ambient input).
    pub last_ambient_c: f64,
    /// Heat into the cooling plant so far (see [`PlantOutputs::heat_in_w`]), J.
    pub heat_in_j: f64,
    /// Heat out of the cooling plant so far (rejected + reused), J.
    pub heat_out_j: f64,
    /// Change of stored heat so far, J.
    pub stored_heat_j: f64,
    /// Heat delivered to district heating so far, J.
    pub heat_reused_j: f64,
    /// Cooling electricity so far (counted in facility power), J.
    pub cooling_energy_j: f64,
    /// Heat-pump electricity so far (not facility power), J.
    pub heat_pump_energy_j: f64,
    /// Steps taken.
    pub steps: u64,
    /// Heat seen by the feed-forward (W): the load through a first-order lag of
    /// [`FEEDFORWARD_LAG_S`](super::FEEDFORWARD_LAG_S) (heat meters, VFD ramps).
    pub feedforward_heat_w: f64,
    /// The last sub-step's feed-forward capacity index (NaN before the first): the warm start
    /// of the next solve.
    pub feedforward_index: f64,
}

impl PlantState {
    /// A plant at its setpoint with the controller at mid index (valve open, fans at minimum).
    pub fn new(params: &PlantParams) -> Self {
        let t = finite_or(params.fws_supply_setpoint_c, 25.0);
        Self {
            fws_supply_c: t,
            fan_pi: Pi::new(params.fan_controller, 0.0),
            chiller_on: false,
            chiller_run_s: 0.0,
            last_ambient_c: t - 10.0,
            heat_in_j: 0.0,
            heat_out_j: 0.0,
            stored_heat_j: 0.0,
            heat_reused_j: 0.0,
            cooling_energy_j: 0.0,
            heat_pump_energy_j: 0.0,
            steps: 0,
            feedforward_heat_w: f64::NAN,
            feedforward_index: f64::NAN,
        }
    }

    /// A plant settled under constant `inputs`: simulated for `settle_s` (at most 30 days) in
    /// steps of at most 60 s from [`PlantState::new`], then its energy counters reset. Useful to
    /// start a run without a start-up transient. Deterministic.
    pub fn settled(params: &PlantParams, inputs: &PlantInputs, settle_s: f64) -> Self {
        let mut s = Self::new(params);
        let total = finite_or(settle_s, 0.0).clamp(0.0, 30.0 * 86400.0);
        let n = (total / 60.0).ceil();
        if n >= 1.0 {
            let i = PlantInputs { dt_s: total / n, ..*inputs };
            for _ in 0..n as u32 {
                super::step(params, &mut s, &i);
            }
        }
        // The physical state of the settled plant, the counters of a new one.
        Self {
            fws_supply_c: s.fws_supply_c,
            fan_pi: s.fan_pi,
            chiller_on: s.chiller_on,
            chiller_run_s: s.chiller_run_s,
            last_ambient_c: s.last_ambient_c,
            ..Self::new(params)
        }
    }

    /// Energy-balance residual so far over the heat that entered: `(in − out − stored) / in`
    /// (0 before any heat entered).
    pub fn balance_residual_frac(&self) -> f64 {
        if self.heat_in_j > 0.0 {
            (self.heat_in_j - self.heat_out_j - self.stored_heat_j) / self.heat_in_j
        } else {
            0.0
        }
    }
}

/// What the engine hands the plant each step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantInputs {
    /// Heat passed by the CDUs into the facility water, W.
    pub q_cdu_w: f64,
    /// Air-side heat (rack heat not on cold plates, PSU losses) taken by the air coils, W.
    pub q_air_w: f64,
    /// Ambient dry-bulb temperature, °C.
    pub ambient_c: f64,
    /// Step length, s.
    pub dt_s: f64,
    /// Dry-cooler units out of service.
    pub dry_coolers_offline: u32,
    /// Available FWS pumping, fraction of design flow (1 = all pumps healthy).
    pub fws_pump_available_frac: f64,
    /// FWS pump electricity from the hydraulic network's operating point (W); `None` uses
    /// the built-in pump curve `PlantParams::fws_pump`.
    pub fws_pump_power_w: Option<f64>,
}

/// What the plant did during one step: temperatures at the step's end, flows as step means.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlantOutputs {
    /// FWS supply temperature at the end of the step, °C (what the CDUs see next step).
    pub fws_supply_c: f64,
    /// FWS return temperature at the end of the step, °C (supply + load heat / (ṁ c_p)).
    pub fws_return_c: f64,
    /// FWS mass flow, kg/s.
    pub fws_flow_kg_s: f64,
    /// Heat into the cooling plant: CDU + air-side heat + air-side fans + FWS pumps + chiller
    /// compressor + heat pump, W.
    pub heat_in_w: f64,
    /// Heat out of the cooling plant: `heat_rejected_w + heat_reused_w`, W.
    pub heat_out_w: f64,
    /// Heat rejected to the ambient air: dry coolers + chiller condenser, W.
    pub heat_rejected_w: f64,
    /// Heat delivered to district heating (water heat + heat-pump work), W.
    pub heat_reused_w: f64,
    /// Heat taken out of the facility water by the heat reuse, W.
    pub heat_reuse_from_fws_w: f64,
    /// Heat from the water to the air in the dry coolers, W (negative only in rare
    /// transients where the air is warmer than the coil water within a sub-step).
    pub dry_cooler_heat_w: f64,
    /// Heat taken out of the water by the chiller evaporator, W.
    pub chiller_cooling_w: f64,
    /// Chiller compressor electricity, W.
    pub chiller_power_w: f64,
    /// Chiller COP over the step (cooling / power; 0 when off).
    pub chiller_cop: f64,
    /// Heat-pump electricity for heat reuse, W (not facility power, not in PUE).
    pub heat_pump_power_w: f64,
    /// Heat-pump heating COP over the step (delivered / power; 0 when off or direct).
    pub heat_pump_cop: f64,
    /// Dry-cooler fan electricity, W.
    pub fan_power_w: f64,
    /// Air-side fan electricity, W.
    pub air_side_fan_power_w: f64,
    /// FWS pump electricity, W.
    pub fws_pump_power_w: f64,
    /// Cooling electricity counted in facility power: dry-cooler fans + FWS pumps + chiller +
    /// air-side fans (not the heat pump), W.
    pub cooling_power_w: f64,
    /// Dry-cooler fan speed, fraction (step mean; 0 when the coils are bypassed).
    pub fan_speed_frac: f64,
    /// Fraction of the FWS flow sent through the coils (step mean; 0 in `Ideal`).
    pub coil_flow_frac: f64,
    /// Controller output (capacity index) at the end of the step.
    pub capacity_index_frac: f64,
    /// Dry-cooler units in service.
    pub dry_coolers_online: u32,
    /// Heat stored in the FWS loop during the step, J (`C·ΔT`).
    pub stored_heat_change_j: f64,
    /// Internal sub-steps used.
    pub substeps: u32,
    /// True if any input was non-finite or out of range and was replaced.
    pub inputs_sanitized: bool,
}

/// Inputs after sanitising.
pub(super) struct Clean {
    pub(super) q_cdu_w: f64,
    pub(super) q_air_w: f64,
    pub(super) ambient_c: f64,
    pub(super) dt_s: f64,
    pub(super) avail_frac: f64,
    pub(super) pump_w: Option<f64>,
    pub(super) sanitized: bool,
}

pub(super) fn clean_inputs(state: &PlantState, i: &PlantInputs) -> Clean {
    let mut sanitized = false;
    let mut heat = |x: f64| {
        if x.is_finite() && (0.0..=MAX_INPUT).contains(&x) {
            x
        } else if x > MAX_INPUT {
            sanitized = true;
            MAX_INPUT
        } else {
            sanitized = true;
            0.0
        }
    };
    let q_cdu_w = heat(i.q_cdu_w);
    let q_air_w = heat(i.q_air_w);
    let dt_s = heat(i.dt_s);
    let ambient_c = if i.ambient_c.is_finite() {
        i.ambient_c
    } else {
        sanitized = true;
        finite_or(state.last_ambient_c, 15.0)
    };
    let avail_frac = if i.fws_pump_available_frac.is_nan() {
        sanitized = true;
        1.0
    } else {
        if !(0.0..=1.0).contains(&i.fws_pump_available_frac) {
            sanitized = true;
        }
        i.fws_pump_available_frac.clamp(0.0, 1.0)
    };
    let pump_w = i.fws_pump_power_w.filter(|w| w.is_finite() && *w >= 0.0);
    Clean { q_cdu_w, q_air_w, ambient_c, dt_s, avail_frac, pump_w, sanitized }
}

/// The loop during one step, as every heat-rejection kind sees it: the flow follows the load
/// and the pumps and air-side fans heat the water (held over the step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopStep {
    /// Step length, s.
    pub dt_s: f64,
    /// Coolant specific heat, J/(kg·K).
    pub cp: f64,
    /// Thermal mass of the loop node, J/K.
    pub c_node: f64,
    /// Supply setpoint, °C.
    pub t_set: f64,
    /// Ambient dry-bulb, °C.
    pub t_amb: f64,
    /// FWS mass flow, kg/s.
    pub m: f64,
    /// FWS capacity rate `ṁ·c_p`, W/K.
    pub mc: f64,
    /// Heat into the water: CDUs, air side, air-side fans and FWS pumps, W.
    pub q_in: f64,
    /// Supply-to-return rise `q_in/(ṁ·c_p)`, K (0 without flow).
    pub rise: f64,
    /// FWS pump electricity, W.
    pub pump_w: f64,
    /// Air-side fan electricity, W.
    pub air_fan_w: f64,
    /// Dry-cooler units in service.
    pub units_online: u32,
}

impl LoopStep {
    /// The loop's flow and heat load for a step with sanitised inputs `inp`.
    pub(super) fn new(params: &PlantParams, inp: &Clean, dry_coolers_offline: u32) -> Self {
        let cp = finite_pos(params.coolant.cp_j_kg_k, 4180.0);
        let c_node = params.fws_heat_capacity_j_k();
        let t_set = finite_or(params.fws_supply_setpoint_c, 25.0);
        let t_amb = inp.ambient_c;
        let dt = inp.dt_s;

        // Flow follows load; pumps and air-side fans heat the water.
        let air_fan_w = params.air_side.fan_power_w(inp.q_air_w);
        let q_load = inp.q_cdu_w + inp.q_air_w + air_fan_w;
        let m_design = params.fws_design_flow_kg_s();
        let q_design = m_design * cp * finite_pos(params.fws_design_dt_k, 10.0);
        let f_min = finite_or(params.fws_min_flow_frac, 0.3).max(finite_or(params.fws_pump.min_speed_frac, 0.0)).clamp(0.0, 1.0);
        let f_load = if q_design > 0.0 { q_load / q_design } else { 1.0 };
        let flow_frac = f_load.safe_clamp(f_min, 1.0).min(inp.avail_frac);
        let (m, pump_w) = if flow_frac > 0.0 && m_design > 0.0 {
            (flow_frac * m_design, inp.pump_w.unwrap_or_else(|| params.fws_pump.power_w(flow_frac)))
        } else {
            (0.0, 0.0)
        };
        let mc = m * cp;
        let q_in = q_load + pump_w;
        let rise = if mc > 0.0 { q_in / mc } else { 0.0 };

        let units_online = params.dry_coolers.units_online(dry_coolers_offline);
        Self { dt_s: dt, cp, c_node, t_set, t_amb, m, mc, q_in, rise, pump_w, air_fan_w, units_online }
    }
}

/// Energies accumulated over the sub-steps of one step, J (speeds and fractions in s).
#[derive(Default)]
pub struct Energies {
    /// Heat from the water to the air in the dry coolers (or what the kind rejects), J.
    pub dc_j: f64,
    /// Heat taken out of the water by the chiller evaporator, J.
    pub ch_cool_j: f64,
    /// Chiller compressor electricity, J.
    pub ch_power_j: f64,
    /// Heat taken out of the water by the heat reuse, J.
    pub reuse_water_j: f64,
    /// Heat delivered to district heating, J.
    pub delivered_j: f64,
    /// Heat-pump electricity, J.
    pub hp_j: f64,
    /// Heat-rejection fan electricity, J.
    pub fan_j: f64,
    /// Fan speed × time, s.
    pub fan_speed_s: f64,
    /// Coil water fraction × time, s.
    pub coil_frac_s: f64,
}

/// Closes the step's energy account: step means of the energies `e` (summed by the
/// heat-rejection kind from the supply temperature `t0` at the step's start), the stored heat
/// `C·ΔT`, and the running totals of `state`.
pub(super) fn close_step(state: &mut PlantState, ls: &LoopStep, e: &Energies, t0: f64, substeps: u32, sanitized: bool) -> PlantOutputs {
    let LoopStep { dt_s: dt, c_node, m, q_in, rise, pump_w, air_fan_w, units_online, .. } = *ls;
    let mut out = PlantOutputs {
        fws_flow_kg_s: m,
        air_side_fan_power_w: air_fan_w,
        fws_pump_power_w: pump_w,
        dry_coolers_online: units_online,
        inputs_sanitized: sanitized,
        substeps,
        capacity_index_frac: state.fan_pi.output,
        ..Default::default()
    };

    let t1 = state.fws_supply_c;
    let du = c_node * (t1 - t0);
    let per_s = |x: f64| if dt > 0.0 { x / dt } else { 0.0 };
    out.fws_supply_c = t1;
    out.fws_return_c = t1 + rise;
    out.stored_heat_change_j = du;
    out.dry_cooler_heat_w = per_s(e.dc_j);
    out.chiller_cooling_w = per_s(e.ch_cool_j);
    out.chiller_power_w = per_s(e.ch_power_j);
    out.chiller_cop = if e.ch_power_j > 0.0 { e.ch_cool_j / e.ch_power_j } else { 0.0 };
    out.heat_reuse_from_fws_w = per_s(e.reuse_water_j);
    out.heat_reused_w = per_s(e.delivered_j);
    out.heat_pump_power_w = per_s(e.hp_j);
    out.heat_pump_cop = if e.hp_j > 0.0 { e.delivered_j / e.hp_j } else { 0.0 };
    out.fan_power_w = per_s(e.fan_j);
    out.fan_speed_frac = per_s(e.fan_speed_s);
    out.coil_flow_frac = per_s(e.coil_frac_s);
    out.heat_rejected_w = out.dry_cooler_heat_w + out.chiller_cooling_w + out.chiller_power_w;
    out.heat_in_w = if dt > 0.0 { q_in + out.chiller_power_w + out.heat_pump_power_w } else { 0.0 };
    out.heat_out_w = out.heat_rejected_w + out.heat_reused_w;
    out.cooling_power_w = if dt > 0.0 { out.fan_power_w + pump_w + out.chiller_power_w + air_fan_w } else { 0.0 };

    state.heat_in_j += out.heat_in_w * dt;
    state.heat_out_j += out.heat_out_w * dt;
    state.stored_heat_j += du;
    state.heat_reused_j += e.delivered_j;
    state.cooling_energy_j += out.cooling_power_w * dt;
    state.heat_pump_energy_j += e.hp_j;
    state.steps += 1;
    out
}
