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
//! The cost of a sub-step is the bank conductance `K(y)`, evaluated once for the sub-step and
//! a few times by the feed-forward, which inverts `K(y)·(T_set + a − T_amb) = q_lagged` for
//! `y` (`control::Capacity`). Within a step the flow, `c_p` and units online are fixed, so
//! `K` is taken over the index with the bank's constants and the actuators' logarithms
//! hoisted ([`super::dry_cooler::BankConductance`]: `ln NTU` from sums of logarithms, its two
//! powers as two `exp`; equal to the direct `powf` form to 2e-15 relative, tested ≤ 1e-13).
//! The feed-forward starts from the last sub-step's root (whose `K` it keeps) with the last
//! secant slope `dK/dy` and stops when the Newton correction is ≤ 1e-9 of the index range
//! (within 2e-9 of a bisection, tested), safeguarded by the bracket its evaluations prove and
//! by Illinois regula falsi after 8 steps: ~1.2 evaluations of `K` per sub-step instead of
//! ~7. At the 60 s step that makes the plant ~32 k instructions per step (~19 sub-steps),
//! from ~150 k. The sub-step rule keeps its `2·ṁc_p/C` term even without a chiller or heat
//! reuse: dropping it there (~13 instead of ~19 sub-steps, −26 % instructions) widened the
//! worst 60 s vs 1 s gap of `long_steps_stay_stable_and_agree_with_short_ones` from 0.048 to
//! 0.082 K (the held controller's error grows with the sub-step), so it stays.
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
//! # Layout
//! * this file — the parameters ([`PlantParams`], [`PlantSizing`], [`HeatRejectionKind`]);
//! * [`account`] — the loop: state, inputs and outputs, the flow and heat load of a step
//!   ([`account::LoopStep`]) and the step's energy account ([`account::Energies`]);
//! * [`dispatch`] — [`step`]: one `match` arm per heat-rejection kind;
//! * [`control`] — the capacity index: actuator sequence and feed-forward;
//! * one file per kind: [`ideal`], [`dry_coolers`] (sub-steps, PI, valve, fans, chiller).
//!
//! Invariants: no I/O, no clock, no randomness; same inputs give the same bits. No input makes
//! it panic; non-finite or negative inputs are replaced (see [`PlantOutputs::inputs_sanitized`]).

pub mod account;
pub mod control;
pub mod dispatch;
pub mod dry_coolers;
pub mod ideal;

pub use account::{PlantInputs, PlantOutputs, PlantState};
pub use control::{CHILLER_MIN_RUN_S, FEEDFORWARD_LAG_S};
pub use dispatch::step;

use super::air_side::AirSide;
use super::chiller::Chiller;
use super::coolant::Coolant;
use super::dry_cooler::{DryCoolerBank, DryCoolerDesign};
use super::heat_reuse::HeatReuse;
#[cfg(test)]
use super::pi::Pi;
use super::pi::{Action, PiGains};
use super::pump::Pump;
use crate::units::{finite_or, finite_pos};

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
        let q_it = finite_pos(s.design_heat_w, 200e6);
        let setpoint = finite_or(s.fws_supply_setpoint_c, 25.0);
        let coolant =
            Coolant { density_kg_m3: finite_pos(s.coolant.density_kg_m3, 1000.0), cp_j_kg_k: finite_pos(s.coolant.cp_j_kg_k, 4180.0), ..s.coolant };
        let dt_k = finite_pos(s.fws_design_dt_k, 10.0);
        let approach = finite_pos(s.approach_k, 10.0);
        let air = AirSide::default();
        let air_frac = if s.air_frac.is_finite() { s.air_frac.clamp(0.0, 1.0) } else { 0.15 };
        let rho_cp = coolant.density_kg_m3 * coolant.cp_j_kg_k;
        // Heat into the water at design: IT + air-side fans + FWS pumps (two passes for the pump).
        let q1 = q_it * (1.0 + air_frac * air.fan_w_per_w());
        let head = finite_pos(s.fws_pump_head_pa, 150e3);
        let mut pump = Pump::new(q1 / (rho_cp * dt_k), head);
        let q2 = q1 + pump.design_power_w();
        pump.design_flow_m3_s = q2 / (rho_cp * dt_k);
        let q_water = q1 + pump.design_power_w();
        let units = (q_water / finite_pos(s.unit_heat_w, 2e6)).ceil().clamp(1.0, 1e6) as u32;
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
        let volume = finite_pos(s.fws_volume_m3_per_mw, 2.0) * q_it / 1e6;
        let c = rho_cp * volume;
        let t_cl = finite_pos(s.control_time_s, 60.0);
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
        finite_pos(self.fws_pump.design_flow_m3_s * self.coolant.density_kg_m3, 0.0)
    }
}

#[cfg(test)]
mod tests;
