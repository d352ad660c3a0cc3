//! The rejection-kind dispatch: one plant step. Sanitise the inputs, set the loop's flow and
//! heat load ([`LoopStep`]), let the heat-rejection kind advance the loop node (one `match`
//! arm per kind), then close the step's energy account.
//!
//! A new kind is a variant of [`HeatRejectionKind`], its model in a file of its own (beside
//! `dry_cooler.rs`), and one arm here calling a function of the shape of
//! [`super::dry_coolers::reject`]: `fn(&PlantParams, &mut PlantState, &LoopStep, &mut
//! Energies) -> u32` that advances `state.fws_supply_c` over `ls.dt_s`, adds every heat and
//! work flow of the step to the [`Energies`] (so that `C·ΔT` = in − out closes), and returns
//! the sub-steps it used.

use super::account::{clean_inputs, close_step, Energies, LoopStep, PlantInputs, PlantOutputs, PlantState};
use super::{dry_coolers, finite_or, ideal, HeatRejectionKind, PlantParams};

/// Advances the plant by `inputs.dt_s` and returns what it did (see the module docs).
pub fn step(params: &PlantParams, state: &mut PlantState, inputs: &PlantInputs) -> PlantOutputs {
    let inp = clean_inputs(state, inputs);
    state.last_ambient_c = inp.ambient_c;
    state.fan_pi.gains = params.fan_controller;
    if !state.fws_supply_c.is_finite() {
        state.fws_supply_c = finite_or(params.fws_supply_setpoint_c, 25.0);
    }

    let ls = LoopStep::new(params, &inp, inputs.dry_coolers_offline);
    let t0 = state.fws_supply_c;

    // Accumulated energies over the step, J.
    let mut e = Energies::default();
    let substeps = match params.kind {
        HeatRejectionKind::Ideal => ideal::reject(params, state, &ls, &mut e),
        HeatRejectionKind::DryCoolers => dry_coolers::reject(params, state, &ls, &mut e),
    };
    close_step(state, &ls, &e, t0, substeps, inp.sanitized)
}
