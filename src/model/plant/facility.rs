//! The facility cooling plant: facility water loop (FWS), its pumps, dry coolers with fan
//! control, optional trim chiller, optional heat reuse, and the air-side coils.
//!
//! # What flows in and out
//! Inputs each step ([`PlantInputs`]): the heat the CDUs pass into the facility water
//! `q_cdu`, the air-side heat `q_air`, the ambient dry-bulb, the step length and the
//! availability of dry coolers and pumps. Outputs ([`PlantOutputs`]): FWS temperatures and
//! flow and every heat and power flow, as means over the step, plus the change of stored heat.
//!
//! # Physics
//! * **Lumped loop.** The whole FWS water volume `V` is one well-mixed node at the supply
//!   header temperature `T` (thermal mass `C = ρ·V·c_p`, e.g. 400 m³ for 200 MW \[E\]). Pipes,
//!   coils and the return have no separate mass: the return is `T_r = T + q_load/(ṁ·c_p)`.
//! * **Flow follows load**: `ṁ = clamp(q_load / (c_p·ΔT_design), f_min·ṁ_design, ṁ_design)`,
//!   capped by the available pumping fraction. The pump power ([`super::pump`]) and the
//!   air-side fan power ([`super::air_side`]) are added to the water as heat.
//! * **Chain on the return** (in flow order): heat reuse takes heat first (up to its
//!   capacity and never below the supply setpoint, [`super::heat_reuse`]); then the dry
//!   coolers `q_dc = K·(T_dc,in − T_amb)` with the bank conductance `K = Σ ε·C_min`
//!   ([`super::dry_cooler`]); then the trim chiller cools what is left towards the setpoint.
//!   Energy of the node: `C·dT/dt = q_load − q_reuse − q_dc − q_chiller`.
//! * **Controls.** A PI controller on `T − T_set` (direct action) drives a capacity index
//!   `y ∈ [0, 1]` sequenced over two actuators with an equal-percentage characteristic (so
//!   the loop gain `d ln K / dy` stays roughly constant from winter to summer):
//!   for `y < y_b` the fans sit at their minimum speed and a three-way valve sends only a
//!   fraction `w = w_min^{1 − y/y_b}` of the water through the coils (the rest bypasses); for
//!   `y ≥ y_b` all water goes through the coils and the fans run at
//!   `s = s_min^{(1 − y)/(1 − y_b)}`. When the air is not colder than the water entering the
//!   coils, the valve bypasses them entirely (fans stop) rather than let them heat the water.
//!   The chiller starts only when the PI output is at its top (fans at full speed, or coils
//!   bypassed because the air is too warm): it then cools the water leaving the coils to the
//!   setpoint, within its capacity (a leaving-water-temperature controller), rejecting
//!   `q + W` through its air-cooled condenser ([`super::chiller`]). While it runs the fans
//!   are held at full speed (the PI in tracking mode); it stops when the coils alone bring
//!   the water to the setpoint, and the PI then resumes from full speed.
//!
//! # Numerics
//! The step is split into `n` equal sub-steps, `n` chosen from the step and the loop's
//! fastest rates (at most `max_substep_s`, 10 s by default; one sub-step at the usual 1 s).
//! In each sub-step the controller output, the fans, the valve, the chiller duty and the
//! heat-reuse duty are held (zero-order hold, evaluated at the sub-step start) and the node,
//! linear in `T` with the dry coolers (`K` does not depend on temperature), is integrated
//! exactly: `T(h) = T∞ + (T0 − T∞)·e^{−Kh/C}`. Heat flows over the sub-step are evaluated at
//! the exact mean temperature `T̄ = T∞ + (T0 − T∞)·(1 − e^{−x})/x`, `x = Kh/C`, so
//! `C·ΔT = h·(inputs − outputs)` holds to rounding: the energy account closes exactly, and the
//! update is stable for any step. The explicit parts (controller, chiller, reuse) are kept
//! well inside their stability limit by the sub-step choice.
//!
//! # Energy account (per step, see [`PlantOutputs`])
//! `(q_cdu + q_air + air-side fans + FWS pumps + chiller compressor + heat pump)·dt =
//!  (heat_rejected + heat_reused)·dt + stored_heat_change_j`, where `heat_rejected` = dry
//! coolers + chiller condenser (`q + W`) and `heat_reused` is the heat delivered to district
//! heating (water heat + heat-pump work).
//!
//! `HeatRejectionKind::Ideal` holds the supply exactly at its setpoint and rejects all heat
//! with no fan or chiller power (pumps, air-side fans and heat reuse still act); a boundary
//! condition for rack-side studies.
//!
//! Invariants: no I/O, no clock, no randomness; same inputs give the same bits. No input makes
//! it panic; non-finite or negative inputs are replaced (see [`PlantOutputs::inputs_sanitized`]).

use super::air_side::AirSide;
use super::chiller::Chiller;
use super::coolant::Coolant;
use super::dry_cooler::{DryCoolerBank, DryCoolerDesign};
use super::heat_reuse::HeatReuse;
use super::pi::{Action, Pi, PiGains};
use super::pump::Pump;

/// Upper bound of `d ln K / dy` of the actuator sequence, used for tuning and sub-stepping.
const LOOP_GAIN_PER_INDEX: f64 = 5.0;
/// Most sub-steps per step.
const MAX_SUBSTEPS: u32 = 1000;
/// Largest heat (W) or step (s) accepted; larger inputs are clamped and flagged.
const MAX_INPUT: f64 = 1e15;
/// Smallest thermal mass used, J/K (a loop of ~0.25 L of water), so no division by zero.
const MIN_CAPACITY_J_K: f64 = 1e3;

/// How the facility water rejects its heat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatRejectionKind {
    /// Supply held exactly at its setpoint; all heat leaves with no fan or chiller power.
    Ideal,
    /// Dry coolers with fan control, plus the optional chiller and heat reuse.
    DryCoolers,
}

/// Parameters of the facility plant (SI units; see [`PlantParams::sized_for`] for defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantParams {
    /// Heat rejection model.
    pub kind: HeatRejectionKind,
    /// Facility water (FWS) coolant.
    pub coolant: Coolant,
    /// FWS supply temperature setpoint, °C.
    pub fws_supply_setpoint_c: f64,
    /// FWS water volume (thermal mass), m³. Default 2 m³ per MW of design heat \[E\].
    pub fws_volume_m3: f64,
    /// FWS supply-to-return temperature rise at design flow and design heat, K. Default 10 \[E\].
    pub fws_design_dt_k: f64,
    /// Lowest FWS flow, fraction of design flow. Default 0.3 \[E\].
    pub fws_min_flow_frac: f64,
    /// FWS pumps (design flow from the design heat and ΔT; head 150 kPa \[E\]).
    pub fws_pump: Pump,
    /// Dry-cooler bank.
    pub dry_coolers: DryCoolerBank,
    /// Optional trim chiller.
    pub chiller: Option<Chiller>,
    /// Optional heat reuse to district heating.
    pub heat_reuse: Option<HeatReuse>,
    /// Air-side coils and fans.
    pub air_side: AirSide,
    /// Fan/valve controller gains (error = supply − setpoint, K; output = capacity index).
    pub fan_controller: PiGains,
    /// Capacity index `y_b` where the valve is fully open and the fans start to speed up.
    /// Default 0.5.
    pub fan_sequence_split_frac: f64,
    /// Smallest fraction of the water sent through the coils at index 0. Default 0.01.
    pub coil_min_flow_frac: f64,
    /// Longest internal sub-step, s. Default 10.
    pub max_substep_s: f64,
    /// Feed-forward of the (lagged) load to the capacity index, with the PI as a trim.
    /// Default true; false leaves the PI alone (its output is then the index).
    pub feedforward: bool,
}

/// Design inputs for [`PlantParams::from_sizing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantSizing {
    /// IT heat at design (liquid + air), W.
    pub design_heat_w: f64,
    /// FWS supply setpoint, °C.
    pub fws_supply_setpoint_c: f64,
    /// FWS coolant.
    pub coolant: Coolant,
    /// Dry-cooler approach at design (leaving water − ambient), K; the design ambient is
    /// `setpoint − approach`. Default 10 \[S\] (Energies 2023 median).
    pub approach_k: f64,
    /// FWS ΔT at design, K. Default 10 \[E\].
    pub fws_design_dt_k: f64,
    /// FWS volume per MW of design heat, m³/MW. Default 2 \[E\] (400 m³ for 200 MW).
    pub fws_volume_m3_per_mw: f64,
    /// FWS pump head at design, Pa. Default 150 kPa \[E\] → ≈ 0.6 % of IT.
    pub fws_pump_head_pa: f64,
    /// Share of IT heat that goes to air at design. Default 0.15 \[E\].
    pub air_frac: f64,
    /// Heat per dry-cooler unit at design, W. Default 2 MW \[E\].
    pub unit_heat_w: f64,
    /// Dry-cooler fan power at design per unit heat, W/W. Default 0.02 \[E\].
    pub fan_w_per_w_th: f64,
    /// Target closed-loop time constant of the fan control, s (integral time 3× this).
    /// Default 60 \[E\].
    pub control_time_s: f64,
}

impl PlantSizing {
    /// Defaults for a site of `design_heat_w` with the given setpoint and coolant.
    pub fn new(design_heat_w: f64, fws_supply_setpoint_c: f64, coolant: Coolant) -> Self {
        Self {
            design_heat_w,
            fws_supply_setpoint_c,
            coolant,
            approach_k: 10.0,
            fws_design_dt_k: 10.0,
            fws_volume_m3_per_mw: 2.0,
            fws_pump_head_pa: 150e3,
            air_frac: 0.15,
            unit_heat_w: 2e6,
            fan_w_per_w_th: 0.02,
            control_time_s: 60.0,
        }
    }

    /// Highest ambient, °C, at which the dry coolers alone hold the setpoint at design heat.
    pub fn design_ambient_c(&self) -> f64 {
        self.fws_supply_setpoint_c - self.approach_k
    }
}

impl PlantParams {
    /// Defensible defaults for a site with `design_heat_w` of IT heat (see [`PlantSizing::new`]):
    /// dry coolers that hold `fws_supply_setpoint_c` at full fans up to an ambient 10 K below it.
    /// No chiller, no heat reuse.
    pub fn sized_for(design_heat_w: f64, fws_supply_setpoint_c: f64, coolant: Coolant) -> Self {
        Self::from_sizing(&PlantSizing::new(design_heat_w, fws_supply_setpoint_c, coolant))
    }

    /// Plant parameters from a design point. Nonsensical inputs fall back to defaults
    /// (200 MW, 25 °C, 10 K) rather than fail.
    pub fn from_sizing(s: &PlantSizing) -> Self {
        let pos = |x: f64, d: f64| if x.is_finite() && x > 0.0 { x } else { d };
        let q_it = pos(s.design_heat_w, 200e6);
        let setpoint = if s.fws_supply_setpoint_c.is_finite() { s.fws_supply_setpoint_c } else { 25.0 };
        let coolant = Coolant { density_kg_m3: pos(s.coolant.density_kg_m3, 1000.0), cp_j_kg_k: pos(s.coolant.cp_j_kg_k, 4180.0), ..s.coolant };
        let dt_k = pos(s.fws_design_dt_k, 10.0);
        let approach = pos(s.approach_k, 10.0);
        let air = AirSide::default();
        let air_frac = if s.air_frac.is_finite() { s.air_frac.clamp(0.0, 1.0) } else { 0.15 };
        let rho_cp = coolant.density_kg_m3 * coolant.cp_j_kg_k;
        // Heat into the water at design: IT + air-side fans + FWS pumps (two passes for the pump).
        let q1 = q_it * (1.0 + air_frac * air.fan_w_per_w());
        let head = pos(s.fws_pump_head_pa, 150e3);
        let mut pump = Pump::new(q1 / (rho_cp * dt_k), head);
        let q2 = q1 + pump.design_power_w();
        pump.design_flow_m3_s = q2 / (rho_cp * dt_k);
        let q_water = q1 + pump.design_power_w();
        let units = (q_water / pos(s.unit_heat_w, 2e6)).ceil().clamp(1.0, 1e6) as u32;
        let design = DryCoolerDesign {
            heat_w: q_water,
            approach_k: approach,
            ambient_design_c: setpoint - approach,
            water_dt_k: dt_k,
            units,
            fan_w_per_w_th: if s.fan_w_per_w_th.is_finite() { s.fan_w_per_w_th.max(0.0) } else { 0.02 },
            ..Default::default()
        };
        let dry_coolers = DryCoolerBank::design_for(&design, coolant.cp_j_kg_k).unwrap_or(DryCoolerBank {
            units,
            ua_rated_w_k: 0.85 * q_water / (dt_k * f64::from(units)),
            rated_air_flow_kg_s: q_water / (8.0 * 1006.0 * f64::from(units)),
            rated_fan_power_w: 0.02 * q_water / f64::from(units),
            ua_air_exponent: 0.7,
            min_fan_speed_frac: 0.1,
            natural_ua_frac: 0.05,
        });
        let volume = pos(s.fws_volume_m3_per_mw, 2.0) * q_it / 1e6;
        let c = rho_cp * volume;
        let t_cl = pos(s.control_time_s, 60.0);
        let kp = c / (t_cl * LOOP_GAIN_PER_INDEX * q_water);
        Self {
            kind: HeatRejectionKind::DryCoolers,
            coolant,
            fws_supply_setpoint_c: setpoint,
            fws_volume_m3: volume,
            fws_design_dt_k: dt_k,
            fws_min_flow_frac: 0.3,
            fws_pump: pump,
            dry_coolers,
            chiller: None,
            heat_reuse: None,
            air_side: air,
            fan_controller: PiGains { kp, ti_s: 3.0 * t_cl, out_min: -1.0, out_max: 1.0, action: Action::Direct },
            fan_sequence_split_frac: 0.5,
            coil_min_flow_frac: 0.01,
            max_substep_s: 10.0,
            feedforward: true,
        }
    }

    /// Thermal mass of the FWS loop `ρ·V·c_p`, J/K (at least 1 kJ/K).
    pub fn fws_heat_capacity_j_k(&self) -> f64 {
        let c = self.fws_volume_m3 * self.coolant.density_kg_m3 * self.coolant.cp_j_kg_k;
        if c.is_finite() && c > MIN_CAPACITY_J_K {
            c
        } else {
            MIN_CAPACITY_J_K
        }
    }

    /// FWS design mass flow, kg/s (0 if the pump or coolant are nonsensical).
    pub fn fws_design_flow_kg_s(&self) -> f64 {
        let m = self.fws_pump.design_flow_m3_s * self.coolant.density_kg_m3;
        if m.is_finite() && m > 0.0 {
            m
        } else {
            0.0
        }
    }
}

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
    /// [`FEEDFORWARD_LAG_S`] (heat meters, VFD ramps).
    pub feedforward_heat_w: f64,
}

/// Time constant of the feed-forward's view of the load, s \[E\]: heat meters and fan VFD
/// ramps take tens of seconds, so load steps still move the water temperature briefly.
pub const FEEDFORWARD_LAG_S: f64 = 10.0;

/// Shortest run of the trim chiller once started, s \[E\] (anti-short-cycle timers are
/// typically 5-15 minutes).
pub const CHILLER_MIN_RUN_S: f64 = 600.0;

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
                step(params, &mut s, &i);
            }
        }
        Self {
            heat_in_j: 0.0,
            heat_out_j: 0.0,
            stored_heat_j: 0.0,
            heat_reused_j: 0.0,
            cooling_energy_j: 0.0,
            heat_pump_energy_j: 0.0,
            steps: 0,
            feedforward_heat_w: f64::NAN,
            ..s
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
    /// the built-in pump curve [`PlantParams::fws_pump`].
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
struct Clean {
    q_cdu_w: f64,
    q_air_w: f64,
    ambient_c: f64,
    dt_s: f64,
    avail_frac: f64,
    sanitized: bool,
}

fn clean_inputs(state: &PlantState, i: &PlantInputs) -> Clean {
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
    Clean { q_cdu_w, q_air_w, ambient_c, dt_s, avail_frac, sanitized }
}

/// Advances the plant by `inputs.dt_s` and returns what it did (see the module docs).
pub fn step(params: &PlantParams, state: &mut PlantState, inputs: &PlantInputs) -> PlantOutputs {
    let inp = clean_inputs(state, inputs);
    state.last_ambient_c = inp.ambient_c;
    state.fan_pi.gains = params.fan_controller;
    if !state.fws_supply_c.is_finite() {
        state.fws_supply_c = finite_or(params.fws_supply_setpoint_c, 25.0);
    }

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
    let flow_frac = f_load.clamp(f_min, 1.0).min(inp.avail_frac);
    let (m, pump_w) = if flow_frac > 0.0 && m_design > 0.0 {
        let w = inputs.fws_pump_power_w.filter(|w| w.is_finite() && *w >= 0.0).unwrap_or_else(|| params.fws_pump.power_w(flow_frac));
        (flow_frac * m_design, w)
    } else {
        (0.0, 0.0)
    };
    let mc = m * cp;
    let q_in = q_load + pump_w;
    let rise = if mc > 0.0 { q_in / mc } else { 0.0 };

    let units_online = params.dry_coolers.units_online(inputs.dry_coolers_offline);
    let t0 = state.fws_supply_c;
    let mut out = PlantOutputs {
        fws_flow_kg_s: m,
        air_side_fan_power_w: air_fan_w,
        fws_pump_power_w: pump_w,
        dry_coolers_online: units_online,
        inputs_sanitized: inp.sanitized,
        ..Default::default()
    };

    // Accumulated energies over the step, J.
    let mut e = Energies::default();

    match params.kind {
        HeatRejectionKind::Ideal => {
            let t_r = t_set + rise;
            let reuse = params.heat_reuse.map(|h| h.evaluate(t_r, m, cp, t_set)).unwrap_or_default();
            if dt > 0.0 {
                state.fws_supply_c = t_set;
                let du = c_node * (t_set - t0);
                e.reuse_water_j = reuse.heat_from_water_w * dt;
                e.delivered_j = reuse.heat_delivered_w * dt;
                e.hp_j = reuse.heat_pump_power_w * dt;
                e.dc_j = q_in * dt - e.reuse_water_j - du;
            }
            out.substeps = 1;
            out.capacity_index_frac = state.fan_pi.output;
            out.coil_flow_frac = 0.0;
        }
        HeatRejectionKind::DryCoolers => {
            let n = substeps(params, state, dt, c_node, mc, q_in, t_amb, units_online);
            let h = dt / f64::from(n);
            out.substeps = n;
            if dt > 0.0 {
                for _ in 0..n {
                    substep(params, state, &mut e, h, c_node, cp, m, q_in, t_amb, units_online);
                }
            }
            out.capacity_index_frac = state.fan_pi.output;
        }
    }

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
    if params.kind == HeatRejectionKind::DryCoolers {
        out.coil_flow_frac = per_s(e.coil_frac_s);
    }
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

/// Energies accumulated over the sub-steps of one step, J (speeds and fractions in s).
#[derive(Default)]
struct Energies {
    dc_j: f64,
    ch_cool_j: f64,
    ch_power_j: f64,
    reuse_water_j: f64,
    delivered_j: f64,
    hp_j: f64,
    fan_j: f64,
    fan_speed_s: f64,
    coil_frac_s: f64,
}

/// The capacity-index split `y_b`, in (0, 1).
fn split(p: &PlantParams) -> f64 {
    finite_or(p.fan_sequence_split_frac, 0.5).clamp(0.05, 0.95)
}

/// Actuator positions for capacity index `y`: (coil water fraction, fan speed command).
fn actuators(p: &PlantParams, y: f64) -> (f64, f64) {
    let yb = split(p);
    let w_min = finite_or(p.coil_min_flow_frac, 0.01).clamp(1e-6, 1.0);
    let s_min = finite_or(p.dry_coolers.min_fan_speed_frac, 0.1).clamp(0.05, 1.0);
    let y = finite_or(y, 0.0).clamp(0.0, 1.0);
    if y < yb {
        (w_min.powf(1.0 - y / yb), s_min)
    } else {
        (1.0, s_min.powf((1.0 - y) / (1.0 - yb)))
    }
}

/// Number of sub-steps for a step of `dt` (≥ 1; more for long steps or fast loops).
#[allow(clippy::too_many_arguments)]
fn substeps(p: &PlantParams, state: &PlantState, dt: f64, c_node: f64, mc: f64, q_in: f64, t_amb: f64, units_online: u32) -> u32 {
    if dt <= 0.0 {
        return 1;
    }
    let g = &p.fan_controller;
    let kp = finite_or(g.kp, 0.0).abs();
    let cp = finite_pos(p.coolant.cp_j_kg_k, 4180.0);
    let k_full = p.dry_coolers.conductance_w_k(mc / cp, cp, 1.0, units_online);
    let t_dci = state.fws_supply_c + if mc > 0.0 { q_in / mc } else { 0.0 };
    let q_scale = q_in.max(k_full * (t_dci - t_amb)).max(0.0);
    let ti = if g.ti_s.is_finite() && g.ti_s > 0.0 { g.ti_s } else { f64::INFINITY };
    // Rates of the explicit parts: controller through the coils, its integral, and the
    // zero-order-held chiller / heat reuse (each a conductance of at most ṁ·c_p).
    let rate = kp * LOOP_GAIN_PER_INDEX * q_scale / c_node + 1.0 / ti + 2.0 * mc / c_node;
    let max_h = finite_pos(p.max_substep_s, 10.0).min(if rate > 0.0 { 0.2 / rate } else { f64::INFINITY });
    let n = (dt / max_h).ceil();
    if n.is_finite() {
        n.clamp(1.0, f64::from(MAX_SUBSTEPS)) as u32
    } else {
        MAX_SUBSTEPS
    }
}

/// One sub-step of the dry-cooler plant: controller, actuators, reuse, chiller, exact node.
#[allow(clippy::too_many_arguments)]
fn substep(
    p: &PlantParams,
    state: &mut PlantState,
    e: &mut Energies,
    h: f64,
    c_node: f64,
    cp: f64,
    m: f64,
    q_in: f64,
    t_amb: f64,
    units_online: u32,
) {
    let t_set = finite_or(p.fws_supply_setpoint_c, 25.0);
    let t0 = state.fws_supply_c;
    let y_max = finite_or(p.fan_controller.out_max, 1.0);
    let chiller_usable = p.chiller.is_some() && m * cp > 0.0;
    if !chiller_usable {
        state.chiller_on = false;
    }
    let mc = m * cp;
    // Heat reuse on the return (held over the sub-step).
    let t_r = if mc > 0.0 { t0 + q_in / mc } else { t0 };
    let reuse = p.heat_reuse.map(|hr| hr.evaluate(t_r, m, cp, t_set)).unwrap_or_default();
    let q_reuse = reuse.heat_from_water_w;
    // Coil inlet offset above the node temperature: a = (q_in − q_reuse)/(ṁ c_p).
    let a = if mc > 0.0 { (q_in - q_reuse) / mc } else { 0.0 };
    let t_dci0 = t0 + a;

    // Feed-forward: the capacity index whose coil conductance would reject this sub-step's
    // heat with the water at the setpoint; the PI controller trims around it. While the
    // chiller runs the fans stay at full speed (controller in tracking mode).
    let q_now = q_in - q_reuse;
    let lagged = if state.feedforward_heat_w.is_finite() { state.feedforward_heat_w } else { q_now };
    state.feedforward_heat_w = q_now + (lagged - q_now) * (-h / FEEDFORWARD_LAG_S).exp();
    let y_ff = if p.feedforward { feedforward_index(p, state.feedforward_heat_w, t_set + a - t_amb, m, cp, units_online, y_max) } else { 0.0 };
    // The trim's limits follow the feed-forward so the sum stays in [0, y_max] and the
    // integral cannot wind up beyond what the actuators can do.
    state.fan_pi.gains.out_min = -y_ff;
    state.fan_pi.gains.out_max = y_max - y_ff;
    let y = if state.chiller_on { state.fan_pi.hold_at(y_max - y_ff) + y_ff } else { y_ff + state.fan_pi.update(t0 - t_set, h) };
    let (w, s_cmd) = actuators(p, y);

    // Dry coolers: conductance held over the sub-step; bypassed if the air is not colder.
    let coils_on = mc > 0.0 && units_online > 0 && t_dci0 > t_amb;
    let mut k = if coils_on { p.dry_coolers.conductance_w_k(w * m, cp, s_cmd, units_online) } else { 0.0 };
    if !(k.is_finite() && k * h / c_node > 1e-14) {
        k = 0.0;
    }
    let (fan_w, fan_s) =
        if k > 0.0 { (p.dry_coolers.fan_power_w(s_cmd, units_online), p.dry_coolers.effective_speed_frac(s_cmd)) } else { (0.0, 0.0) };

    // Trim chiller: starts at the top of the capacity index (or with the coils bypassed),
    // stops when the coils alone bring the water to the setpoint, but not before it has run
    // CHILLER_MIN_RUN_S (compressor anti-short-cycle timer); meanwhile it idles unloaded.
    let at_top = y >= y_max - 1e-9 || !coils_on;
    let chill = match p.chiller {
        Some(ch) if chiller_usable && (state.chiller_on || at_top) => {
            let t_chi0 = t_dci0 - k * (t_dci0 - t_amb) / mc;
            let demand = mc * (t_chi0 - t_set);
            let was_on = state.chiller_on;
            let want = demand > 0.0;
            state.chiller_on = want || (was_on && state.chiller_run_s < CHILLER_MIN_RUN_S);
            if state.chiller_on && !was_on {
                state.chiller_run_s = 0.0;
            }
            if state.chiller_on {
                state.chiller_run_s += h;
            }
            if want {
                ch.run(demand, ch.cop_at(t_set, t_amb))
            } else {
                Default::default()
            }
        }
        _ => Default::default(),
    };

    // Exact update of C·dT/dt = b − k·T.
    let b = q_in - q_reuse - chill.cooling_w - k * (a - t_amb);
    let (t1, t_mean) = if k > 0.0 {
        let t_inf = b / k;
        let x = k * h / c_node;
        let frac = -(-x).exp_m1(); // 1 − e^{−x}
        let phi = if x < 1e-8 { 1.0 - 0.5 * x } else { frac / x };
        (t0 + (t_inf - t0) * frac, t_inf + (t0 - t_inf) * phi)
    } else {
        let d = b * h / c_node;
        (t0 + d, t0 + 0.5 * d)
    };
    if t1.is_finite() {
        state.fws_supply_c = t1;
        // Mean dry-cooler heat: the node's energy change closes the account exactly.
        e.dc_j += k * (t_mean + a - t_amb) * h;
    } else {
        // Unreachable with sanitised inputs; keep the account closed regardless.
        e.dc_j += (q_in - q_reuse - chill.cooling_w) * h;
    }
    e.ch_cool_j += chill.cooling_w * h;
    e.ch_power_j += chill.power_w * h;
    e.reuse_water_j += q_reuse * h;
    e.delivered_j += reuse.heat_delivered_w * h;
    e.hp_j += reuse.heat_pump_power_w * h;
    e.fan_j += fan_w * h;
    e.fan_speed_s += fan_s * h;
    e.coil_frac_s += if coils_on { w * h } else { 0.0 };
}

/// The capacity index in [0, `y_max`] whose coil conductance `k(y)` rejects `q_w` across
/// `dt_k` (coil inlet minus ambient): `k(y)·dt_k = q_w`, by bisection (k is monotone in y).
/// 0 when nothing needs rejecting, `y_max` when even full capacity falls short.
fn feedforward_index(p: &PlantParams, q_w: f64, dt_k: f64, m: f64, cp: f64, units_online: u32, y_max: f64) -> f64 {
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if !positive(q_w) || !positive(dt_k) || !positive(m) || units_online == 0 {
        return 0.0;
    }
    let k_needed = q_w / dt_k;
    let k_at = |y: f64| {
        let (w, s) = actuators(p, y);
        p.dry_coolers.conductance_w_k(w * m, cp, s, units_online)
    };
    if k_at(y_max) <= k_needed {
        return y_max;
    }
    let (mut lo, mut hi) = (0.0, y_max);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if k_at(mid) < k_needed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `x` if finite, else `d`.
fn finite_or(x: f64, d: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        d
    }
}

/// `x` if finite and positive, else `d`.
fn finite_pos(x: f64, d: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::super::hx::crossflow_unmixed_effectiveness;
    use super::*;

    const MW: f64 = 1e6;

    fn narvik() -> PlantParams {
        PlantParams::sized_for(200.0 * MW, 25.0, Coolant::pg25())
    }

    fn inputs(q_it_w: f64, ambient_c: f64, dt_s: f64) -> PlantInputs {
        PlantInputs {
            q_cdu_w: 0.85 * q_it_w,
            q_air_w: 0.15 * q_it_w,
            ambient_c,
            dt_s,
            dry_coolers_offline: 0,
            fws_pump_available_frac: 1.0,
            fws_pump_power_w: None,
        }
    }

    /// Runs `secs` of constant inputs with step `dt`, returns the last output.
    fn run(p: &PlantParams, s: &mut PlantState, i: PlantInputs, secs: f64) -> PlantOutputs {
        let n = (secs / i.dt_s).round() as usize;
        let mut o = PlantOutputs::default();
        for _ in 0..n {
            o = step(p, s, &i);
        }
        o
    }

    fn frozen(p: &PlantParams, index: f64) -> (PlantParams, PlantState) {
        let mut p = *p;
        p.fan_controller.kp = 0.0;
        p.fan_controller.ti_s = f64::INFINITY;
        p.feedforward = false;
        let mut s = PlantState::new(&p);
        s.fan_pi = Pi::new(p.fan_controller, index);
        (p, s)
    }

    #[test]
    fn sized_plant_is_defensible() {
        let p = narvik();
        assert!((p.fws_volume_m3 - 400.0).abs() < 1e-9);
        let pump_frac = p.fws_pump.design_power_w() / (200.0 * MW);
        assert!(pump_frac > 0.003 && pump_frac < 0.008, "{pump_frac}");
        let fans = p.dry_coolers.fan_power_w(1.0, p.dry_coolers.units);
        assert!(fans > 0.019 * 200.0 * MW && fans < 0.022 * 200.0 * MW);
        assert!((100..=110).contains(&p.dry_coolers.units), "{}", p.dry_coolers.units);
    }

    #[test]
    fn energy_balance_closes_over_long_varied_run() {
        for kind in [HeatRejectionKind::DryCoolers, HeatRejectionKind::Ideal] {
            let mut p = PlantParams::sized_for(200.0 * MW, 32.0, Coolant::pg25());
            p.kind = kind;
            p.chiller = Some(Chiller::new(80.0 * MW));
            p.heat_reuse = Some(HeatReuse::new(30.0 * MW));
            let mut s = PlantState::new(&p);
            s.fws_supply_c = 30.0;
            let c = p.fws_heat_capacity_j_k();
            let t_start = s.fws_supply_c;
            let dts = [1.0, 0.1, 7.0, 60.0, 2.5];
            let (mut t, mut k) = (0.0_f64, 0usize);
            let (mut e_in, mut e_out, mut e_du, mut e_dc, mut e_ch, mut e_re) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            while t < 3.0 * 86400.0 {
                let dt = dts[(k / 50) % dts.len()];
                let day = (t / 86400.0 * std::f64::consts::TAU).sin();
                let fast = (t / 700.0).sin();
                let q = 200.0 * MW * (0.7 + 0.2 * day + 0.1 * fast);
                let mut i = inputs(q, 15.0 + 20.0 * day, dt);
                i.dry_coolers_offline = if (k / 3000) % 4 == 1 { 20 } else { 0 };
                let o = step(&p, &mut s, &i);
                // Per step: both the plant account and the water account close.
                let water = (i.q_cdu_w + i.q_air_w + o.air_side_fan_power_w + o.fws_pump_power_w
                    - o.heat_reuse_from_fws_w
                    - o.dry_cooler_heat_w
                    - o.chiller_cooling_w)
                    * dt;
                assert!((water - o.stored_heat_change_j).abs() <= 1e-9 * o.heat_in_w * dt);
                e_in += o.heat_in_w * dt;
                e_out += o.heat_out_w * dt;
                e_du += o.stored_heat_change_j;
                e_dc += o.dry_cooler_heat_w * dt;
                e_ch += o.chiller_cooling_w * dt;
                e_re += o.heat_reused_w * dt;
                t += dt;
                k += 1;
            }
            let resid = (e_in - e_out - e_du) / e_in;
            assert!(resid.abs() < 1e-9, "{kind:?}: residual {resid}");
            let du_state = c * (s.fws_supply_c - t_start);
            assert!((du_state - e_du).abs() < 1e-9 * e_in, "{kind:?}");
            assert!(s.balance_residual_frac().abs() < 1e-9);
            assert!(e_dc > 0.0 && e_re > 0.0, "{kind:?}: {e_dc} {e_re}");
            if kind == HeatRejectionKind::DryCoolers {
                assert!(e_ch > 0.0, "chiller must have run on the hot afternoons");
                assert!(e_du.abs() > 0.0);
            } else {
                assert_eq!(e_ch, 0.0);
                assert_eq!(s.fws_supply_c, 32.0);
            }
        }
    }

    #[test]
    fn dry_cooler_steady_state_matches_closed_form() {
        let (p, mut s) = frozen(&narvik(), 1.0);
        let o = run(&p, &mut s, inputs(150.0 * MW, 5.0, 5.0), 30_000.0);
        // Hand-built: per unit water and air capacity rates, NTU, Cr, ε (cross-flow unmixed).
        let b = p.dry_coolers;
        let n = f64::from(b.units);
        let cp = p.coolant.cp_j_kg_k;
        let c_w = o.fws_flow_kg_s / n * cp;
        let c_a = b.rated_air_flow_kg_s * 1006.0;
        let (cmin, cmax) = (c_w.min(c_a), c_w.max(c_a));
        let eps = crossflow_unmixed_effectiveness(b.ua_rated_w_k / cmin, cmin / cmax);
        let k = n * eps * cmin;
        let q_in = 150.0 * MW + o.air_side_fan_power_w + o.fws_pump_power_w;
        let t_want = 5.0 + q_in / k - q_in / (o.fws_flow_kg_s * cp);
        assert!((o.fws_supply_c - t_want).abs() < 1e-6, "{} vs {t_want}", o.fws_supply_c);
        assert!((o.dry_cooler_heat_w / q_in - 1.0).abs() < 1e-9);
        assert!((o.fan_speed_frac - 1.0).abs() < 1e-12);
    }

    #[test]
    fn step_response_time_constant_is_c_over_k() {
        let (p, mut s) = frozen(&narvik(), 1.0);
        // Above design heat the flow stays at design, so K is the same before and after.
        let o1 = run(&p, &mut s, inputs(220.0 * MW, 5.0, 1.0), 20_000.0);
        let t1 = o1.fws_supply_c;
        let m = o1.fws_flow_kg_s;
        let cp = p.coolant.cp_j_kg_k;
        let b = p.dry_coolers;
        let n = f64::from(b.units);
        let c_w = m / n * cp;
        let c_a = b.rated_air_flow_kg_s * 1006.0;
        let (cmin, cmax) = (c_w.min(c_a), c_w.max(c_a));
        let eps = crossflow_unmixed_effectiveness(b.ua_rated_w_k / cmin, cmin / cmax);
        let tau = p.fws_heat_capacity_j_k() / (n * eps * cmin);
        assert!(tau > 60.0 && tau < 600.0, "{tau}");
        let i2 = inputs(240.0 * MW, 5.0, 1.0);
        let t2 = run(&p, &mut s.clone(), i2, 20_000.0).fws_supply_c;
        let target = t1 + (1.0 - (-1.0_f64).exp()) * (t2 - t1);
        let mut time = 0.0;
        while s.fws_supply_c < target && time < 10_000.0 {
            step(&p, &mut s, &i2);
            time += 1.0;
        }
        assert!((time - tau).abs() <= 0.01 * tau + 1.0, "63 % at {time} s, tau {tau} s");
    }

    #[test]
    fn controller_holds_setpoint_when_capacity_allows() {
        for (q, ambient) in [(200.0, 0.0), (200.0, 10.0), (200.0, -20.0), (40.0, -25.0)] {
            let p = narvik();
            let mut s = PlantState::new(&p);
            let i = inputs(q * MW, ambient, 1.0);
            run(&p, &mut s, i, 4.0 * 3600.0);
            let (mut lo, mut hi): (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);
            let mut o = PlantOutputs::default();
            for _ in 0..3600 {
                o = step(&p, &mut s, &i);
                lo = lo.min(o.fws_supply_c);
                hi = hi.max(o.fws_supply_c);
            }
            assert!(lo > 24.8 && hi < 25.2, "{ambient} C: {lo}..{hi}");
            assert!(o.capacity_index_frac < 1.0, "{ambient} C: spare capacity expected");
            assert!(o.fan_power_w < 0.02 * 200.0 * MW);
            if q < 100.0 {
                assert!(o.coil_flow_frac < 0.5, "low load in deep winter needs the bypass valve");
            }
        }
    }

    #[test]
    fn warm_day_without_chiller_runs_full_fans_and_warms() {
        let p = narvik();
        for ambient in [20.0, 40.0] {
            let mut s = PlantState::new(&p);
            let o = run(&p, &mut s, inputs(200.0 * MW, ambient, 1.0), 12.0 * 3600.0);
            assert!(o.fan_speed_frac > 0.999, "{ambient} C: fans {}", o.fan_speed_frac);
            assert!(o.fws_supply_c > 25.5, "{ambient} C: supply {}", o.fws_supply_c);
            assert!(o.fws_supply_c > ambient, "heat only leaves to colder air");
            assert_eq!(o.chiller_cooling_w, 0.0);
        }
    }

    #[test]
    fn chiller_trims_on_hot_day_and_power_is_q_over_cop() {
        let mut p = PlantParams::sized_for(200.0 * MW, 32.0, Coolant::pg25());
        let ch = Chiller::new(150.0 * MW);
        p.chiller = Some(ch);
        for ambient in [30.0, 35.0] {
            let mut s = PlantState::new(&p);
            let i = inputs(200.0 * MW, ambient, 1.0);
            run(&p, &mut s, i, 8.0 * 3600.0);
            let mut o = PlantOutputs::default();
            for _ in 0..3600 {
                o = step(&p, &mut s, &i);
                assert!((o.fws_supply_c - 32.0).abs() < 0.2, "{ambient}: {}", o.fws_supply_c);
            }
            assert!(o.chiller_cooling_w > 1.0 * MW, "{ambient}: chiller must trim");
            assert!(o.chiller_cooling_w < ch.capacity_w);
            let cop = ch.cop_at(32.0, ambient);
            assert!((o.chiller_power_w - o.chiller_cooling_w / cop).abs() < 1e-6 * o.chiller_power_w);
            assert!((o.chiller_cop - cop).abs() < 1e-9);
            let condenser = o.heat_rejected_w - o.dry_cooler_heat_w;
            assert!((condenser - o.chiller_cooling_w - o.chiller_power_w).abs() < 1e-3);
            assert!(o.cooling_power_w >= o.chiller_power_w + o.fws_pump_power_w);
        }
    }

    #[test]
    fn dry_cooler_outage_raises_fans_then_supply() {
        let p = narvik();
        let settle = |offline: u32| {
            let mut s = PlantState::new(&p);
            let mut i = inputs(200.0 * MW, 10.0, 1.0);
            i.dry_coolers_offline = offline;
            run(&p, &mut s, i, 8.0 * 3600.0)
        };
        let base = settle(0);
        let some = settle(15);
        let most = settle(80);
        assert!(some.fan_speed_frac > base.fan_speed_frac + 0.05, "{} {}", base.fan_speed_frac, some.fan_speed_frac);
        assert!((some.fws_supply_c - 25.0).abs() < 0.2);
        assert_eq!(some.dry_coolers_online, p.dry_coolers.units - 15);
        assert!(most.fan_speed_frac > 0.999 && most.fws_supply_c > 26.0, "{most:?}");
        let none = settle(u32::MAX);
        assert_eq!(none.dry_coolers_online, 0);
        assert_eq!(none.dry_cooler_heat_w, 0.0);
    }

    #[test]
    fn settled_state_starts_without_transient() {
        let p = narvik();
        let i = inputs(150.0 * MW, 3.0, 1.0);
        let mut s = PlantState::settled(&p, &i, 86400.0);
        assert_eq!((s.heat_in_j, s.steps), (0.0, 0));
        for _ in 0..600 {
            let o = step(&p, &mut s, &i);
            assert!((o.fws_supply_c - 25.0).abs() < 0.01, "{}", o.fws_supply_c);
        }
    }

    #[test]
    fn same_inputs_same_bits() {
        let go = || {
            let mut p = narvik();
            p.chiller = Some(Chiller::new(50.0 * MW));
            p.heat_reuse = Some(HeatReuse::new(20.0 * MW));
            let mut s = PlantState::new(&p);
            let mut log = Vec::new();
            for k in 0..20_000 {
                let t = k as f64 * 3.0;
                let i = inputs(200.0 * MW * (0.8 + 0.2 * (t / 900.0).sin()), 12.0 + 15.0 * (t / 20_000.0).sin(), 3.0);
                log.push(format!("{:?}", step(&p, &mut s, &i)));
            }
            (log, format!("{s:?}"))
        };
        assert_eq!(go(), go());
    }

    #[test]
    fn long_steps_stay_stable_and_agree_with_short_ones() {
        let p = narvik();
        let drive = |t: f64, dt: f64| {
            let q = if t < 86400.0 { 200.0 * MW } else { 120.0 * MW };
            inputs(q, 5.0 + 10.0 * (t / 86400.0 * std::f64::consts::TAU).sin(), dt)
        };
        let mut s60 = PlantState::new(&p);
        let mut s1 = PlantState::new(&p);
        let mut worst_gap: f64 = 0.0;
        let mut late_dev: f64 = 0.0;
        let mut late_moves: f64 = 0.0;
        let mut last_y = s60.fan_pi.output;
        for k in 0..(3 * 1440) {
            let t = k as f64 * 60.0;
            let o60 = step(&p, &mut s60, &drive(t, 60.0));
            let mut o1 = PlantOutputs::default();
            for j in 0..60 {
                o1 = step(&p, &mut s1, &drive(t + j as f64, 1.0));
            }
            if t > 6.0 * 3600.0 {
                worst_gap = worst_gap.max((o60.fws_supply_c - o1.fws_supply_c).abs());
            }
            if t > 1.5 * 86400.0 {
                late_dev = late_dev.max((o60.fws_supply_c - 25.0).abs());
                late_moves = late_moves.max((o60.capacity_index_frac - last_y).abs());
            }
            last_y = o60.capacity_index_frac;
        }
        assert!(late_dev < 0.2, "dt 60 s: supply strays {late_dev} K");
        assert!(late_moves < 0.01, "dt 60 s: controller jumps {late_moves} per step");
        assert!(worst_gap < 0.2, "dt 60 s vs 1 s: {worst_gap} K apart");
    }

    #[test]
    fn ideal_holds_setpoint_with_no_fan_or_chiller_power() {
        let mut p = narvik();
        p.kind = HeatRejectionKind::Ideal;
        p.chiller = Some(Chiller::new(50.0 * MW));
        let mut s = PlantState::new(&p);
        let o = run(&p, &mut s, inputs(180.0 * MW, 40.0, 1.0), 600.0);
        assert_eq!(o.fws_supply_c, 25.0);
        assert_eq!(o.stored_heat_change_j, 0.0);
        assert_eq!((o.fan_power_w, o.chiller_power_w), (0.0, 0.0));
        assert!(o.fws_pump_power_w > 0.0);
        assert!((o.heat_rejected_w - o.heat_in_w).abs() < 1e-6);
        assert!(o.fws_return_c > o.fws_supply_c);
    }

    #[test]
    fn no_input_panics_and_bad_ones_are_flagged() {
        let mut p = narvik();
        p.chiller = Some(Chiller::new(50.0 * MW));
        p.heat_reuse = Some(HeatReuse::new(20.0 * MW));
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1e300];
        let mut s = PlantState::new(&p);
        for &x in &bad {
            for &y in &bad {
                let i = PlantInputs {
                    q_cdu_w: x,
                    q_air_w: y,
                    ambient_c: x,
                    dt_s: y,
                    dry_coolers_offline: 7,
                    fws_pump_available_frac: x,
                    fws_pump_power_w: None,
                };
                let o = step(&p, &mut s, &i);
                assert!(o.fws_supply_c.is_finite() && o.heat_in_w.is_finite(), "{i:?} -> {o:?}");
            }
        }
        let o = step(&p, &mut s, &PlantInputs { q_cdu_w: f64::NAN, ..inputs(1e8, 5.0, 1.0) });
        assert!(o.inputs_sanitized);
        let o = step(&p, &mut s, &inputs(1e8, 5.0, 1.0));
        assert!(!o.inputs_sanitized);
        // No pumping: the heat stays in the loop, nothing is rejected.
        let mut s = PlantState::new(&p);
        let mut i = inputs(1e8, 5.0, 1.0);
        i.fws_pump_available_frac = 0.0;
        let o = step(&p, &mut s, &i);
        assert_eq!((o.fws_flow_kg_s, o.dry_cooler_heat_w, o.fws_pump_power_w), (0.0, 0.0, 0.0));
        assert!((o.stored_heat_change_j - o.heat_in_w).abs() < 1e-6 * o.heat_in_w);
        // Degenerate parameters.
        let mut q = p;
        q.fws_volume_m3 = 0.0;
        q.fws_pump.design_flow_m3_s = f64::NAN;
        q.coolant.cp_j_kg_k = 0.0;
        q.fan_controller.kp = f64::NAN;
        q.fws_supply_setpoint_c = f64::NAN;
        let mut s = PlantState::new(&q);
        for dt in [0.1, 60.0] {
            let o = step(&q, &mut s, &inputs(1e8, 5.0, dt));
            assert!(o.fws_supply_c.is_finite() && o.stored_heat_change_j.is_finite(), "{o:?}");
        }
        assert!(s.balance_residual_frac().abs() < 1e-9);
        let _ = PlantParams::sized_for(f64::NAN, f64::NAN, Coolant { cp_j_kg_k: -1.0, ..Coolant::water() });
    }
}
