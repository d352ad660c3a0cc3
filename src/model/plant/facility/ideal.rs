//! `HeatRejectionKind::Ideal`: the supply held exactly at its setpoint, all heat leaving
//! with no fan or chiller power (pumps, air-side fans and heat reuse still act); a boundary
//! condition for rack-side studies.

use super::account::{Energies, LoopStep, PlantState};
use super::PlantParams;

/// Advances the loop over the step: the supply jumps to the setpoint, what the heat reuse
/// does not take is rejected, `C·ΔT` included. One sub-step.
pub fn reject(params: &PlantParams, state: &mut PlantState, ls: &LoopStep, e: &mut Energies) -> u32 {
    let LoopStep { dt_s: dt, cp, c_node, t_set, m, q_in, rise, .. } = *ls;
    let t0 = state.fws_supply_c;
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
    1
}
