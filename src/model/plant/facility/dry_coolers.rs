//! `HeatRejectionKind::DryCoolers`: the loop node against the dry-cooler bank
//! ([`super::super::dry_cooler`]), in sub-steps, with the PI and feed-forward on the
//! capacity index ([`super::control`]), the coil bypass valve, the fans, the optional heat
//! reuse and the trim chiller; the exact exponential update of the node (see the module docs
//! of [`super`]).

use super::account::{Energies, LoopStep, PlantState};
use super::control::{Capacity, CHILLER_MIN_RUN_S, FEEDFORWARD_LAG_S};
use super::{finite_or, finite_pos, PlantParams, LOOP_GAIN_PER_INDEX, MAX_SUBSTEPS};

/// Advances the loop over the step in sub-steps; returns how many.
pub fn reject(params: &PlantParams, state: &mut PlantState, ls: &LoopStep, e: &mut Energies) -> u32 {
    let LoopStep { dt_s: dt, cp, c_node, t_amb, m, mc, q_in, units_online, .. } = *ls;
    // The bank's conductance over the capacity index at this step's flow.
    let mut cap = Capacity::new(params, m, cp, units_online);
    let n = substeps(params, state, &mut cap, dt, c_node, mc, q_in, t_amb);
    let h = dt / f64::from(n);
    // The feed-forward lag's decay over one sub-step.
    let lag = (-h / FEEDFORWARD_LAG_S).exp();
    if dt > 0.0 {
        for _ in 0..n {
            substep(params, state, &mut cap, e, h, lag, c_node, cp, m, q_in, t_amb, units_online);
        }
    }
    n
}

/// Number of sub-steps for a step of `dt` (≥ 1; more for long steps or fast loops).
#[allow(clippy::too_many_arguments)]
fn substeps(p: &PlantParams, state: &PlantState, cap: &mut Capacity, dt: f64, c_node: f64, mc: f64, q_in: f64, t_amb: f64) -> u32 {
    if dt <= 0.0 {
        return 1;
    }
    let g = &p.fan_controller;
    let kp = finite_or(g.kp, 0.0).abs();
    let k_full = cap.conductance(1.0);
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
/// `lag` is `e^{−h/FEEDFORWARD_LAG_S}`.
#[allow(clippy::too_many_arguments)]
fn substep(
    p: &PlantParams,
    state: &mut PlantState,
    cap: &mut Capacity,
    e: &mut Energies,
    h: f64,
    lag: f64,
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
    state.feedforward_heat_w = q_now + (lagged - q_now) * lag;
    let y_ff = if p.feedforward { cap.feedforward(state.feedforward_heat_w, t_set + a - t_amb, y_max, state.feedforward_index) } else { 0.0 };
    state.feedforward_index = y_ff;
    // The trim's limits follow the feed-forward so the sum stays in [0, y_max] and the
    // integral cannot wind up beyond what the actuators can do.
    state.fan_pi.gains.out_min = -y_ff;
    state.fan_pi.gains.out_max = y_max - y_ff;
    let y = if state.chiller_on { state.fan_pi.hold_at(y_max - y_ff) + y_ff } else { y_ff + state.fan_pi.update(t0 - t_set, h) };
    let act = cap.position(y);
    let (w, s_cmd) = (act.w, act.s);

    // Dry coolers: conductance held over the sub-step; bypassed if the air is not colder.
    let coils_on = mc > 0.0 && units_online > 0 && t_dci0 > t_amb;
    let mut k = if coils_on { cap.conductance_at(&act) } else { 0.0 };
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
