//! Coolant distribution units: the technology cooling loop (TCS) of a block of racks, its
//! pump, and the liquid-to-liquid heat exchanger to the facility water (FWS).
//!
//! # Model (per CDU, per step Δt)
//! * The TCS loop is one lumped, well-mixed water mass `C = ρ·c_p·V` at the supply
//!   temperature `T` (rack manifolds, CDU and piping; REFERENCE §2.6 puts its time constant
//!   at minutes). Racks return at `T + Q_liq/(ṁ c_p)`.
//! * Heat in: `Q_in = Q_liquid + W_pump` (all pump work becomes heat in the water).
//! * Heat exchanger, counter-flow ε-NTU with `NTU = UA/C_min`, `C_r = C_min/C_max`
//!   (REFERENCE §3.4); its most heat at full facility flow is
//!   `Q_max = ε·C_min·(T_ret − T_fws) = a·(T − T₀)`, `a = ε·C_min`, `T₀ = T_fws − Q_in/(ṁ c_p)`.
//!   UA is sized so that at design heat, design flows and `T_fws = T_set − cdu_approach_k`
//!   the exchanger carries exactly the design heat.
//! * Control: the facility-side valve holds `T` at the setpoint with a first-order response
//!   (time constant τ_c). Three exact trajectories over the step: controlled
//!   `T_ctl = T_set + (T − T_set)·e^(−Δt/τ_c)`; full valve (linear ODE
//!   `C dT/dt = Q_in − a(T − T₀)`, exact exponential); valve shut `T + Q_in Δt/C`. The new
//!   temperature is the controlled one clamped between the other two, so the loop follows
//!   its setpoint within capacity and warms when it cannot — stable for any Δt.
//! * The heat passed to the facility water is whatever closes the energy account exactly:
//!   `Q_hx = Q_in − C·(T' − T)/Δt`.
//! * Pump: affinity laws, `W = W_design·n³` at speed n = flow fraction (system curve
//!   Δp ∝ Q²), `W_design = V̇·Δp/η` (REFERENCE §3.6). A failed pump gives no flow: the heat
//!   stays in the loop (Q_hx = 0) and the racks warm.

use crate::units::SafeClamp;
/// One CDU's design constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CduDesign {
    /// Loop heat capacity (J/K).
    pub c_j_k: f64,
    /// TCS mass flow at design (kg/s).
    pub tcs_flow_kg_s: f64,
    /// Facility-side mass flow at design (kg/s).
    pub fws_flow_kg_s: f64,
    /// Coolant heat capacity (J/(kg·K)).
    pub cp_j_kg_k: f64,
    /// UA of the heat exchanger (W/K).
    pub ua_w_k: f64,
    /// Pump electrical power at design flow (W).
    pub pump_design_w: f64,
}

impl CduDesign {
    /// Sizes a CDU for `design_heat_w` with the given flows, approach and loop volume.
    #[allow(clippy::too_many_arguments)]
    pub fn size(
        design_heat_w: f64,
        tcs_flow_kg_s: f64,
        fws_design_dt_k: f64,
        cp: f64,
        density: f64,
        volume_m3: f64,
        approach_k: f64,
        head_pa: f64,
        pump_eff: f64,
    ) -> Self {
        let fws_flow_kg_s = design_heat_w / (cp * fws_design_dt_k);
        let c_tcs = tcs_flow_kg_s * cp;
        let c_fws = fws_flow_kg_s * cp;
        let (c_min, c_max) = (c_tcs.min(c_fws), c_tcs.max(c_fws));
        // At design: T_ret − T_fws = approach + design rise on the TCS side.
        let rise = design_heat_w / c_tcs.max(1e-9);
        let eps = (design_heat_w / (c_min * (approach_k + rise))).min(0.999);
        let ua_w_k = counterflow_ntu(eps, c_min / c_max) * c_min;
        let pump_design_w = tcs_flow_kg_s / density * head_pa / pump_eff;
        CduDesign { c_j_k: density * cp * volume_m3, tcs_flow_kg_s, fws_flow_kg_s, cp_j_kg_k: cp, ua_w_k, pump_design_w }
    }
}

/// Counter-flow effectiveness for NTU and capacity ratio `cr`.
pub fn counterflow_effectiveness(ntu: f64, cr: f64) -> f64 {
    if ntu <= 0.0 {
        return 0.0;
    }
    if (1.0 - cr).abs() < 1e-6 {
        ntu / (1.0 + ntu)
    } else {
        let e = (-ntu * (1.0 - cr)).exp();
        (1.0 - e) / (1.0 - cr * e)
    }
}

/// Inverse of [`counterflow_effectiveness`]: the NTU giving effectiveness `eps`.
pub fn counterflow_ntu(eps: f64, cr: f64) -> f64 {
    if (1.0 - cr).abs() < 1e-6 {
        eps / (1.0 - eps)
    } else {
        ((eps - 1.0) / (eps * cr - 1.0)).ln() / (cr - 1.0)
    }
}

/// Result of one CDU step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CduStep {
    /// New TCS supply temperature (°C).
    pub supply_c: f64,
    /// Mixed TCS return temperature (°C).
    pub return_c: f64,
    /// Heat passed to the facility water (W, mean over the step).
    pub q_hx_w: f64,
    /// Pump electrical power (W).
    pub pump_w: f64,
}

/// Advances one CDU by `dt_s`. `flow_frac` is the TCS pump speed (0 = failed);
/// `q_liquid_w` the rack heat into the loop; `t_fws_c` the facility supply temperature.
/// Pump power by the cube law from the design point; facility flow at design.
#[allow(clippy::too_many_arguments)]
pub fn step(d: &CduDesign, t_c: f64, setpoint_c: f64, tau_s: f64, q_liquid_w: f64, flow_frac: f64, t_fws_c: f64, dt_s: f64) -> CduStep {
    let pump_w = d.pump_design_w * flow_frac.powi(3);
    let flows = Flows { tcs_kg_s: d.tcs_flow_kg_s * flow_frac, fws_kg_s: d.fws_flow_kg_s, pump_w };
    step_with(d, t_c, setpoint_c, tau_s, q_liquid_w, flows, t_fws_c, dt_s)
}

/// The loop's flows and pump power for one step, from the hydraulic network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flows {
    /// TCS mass flow (kg/s; 0 = no pump running).
    pub tcs_kg_s: f64,
    /// Facility-side mass flow through the HX (kg/s).
    pub fws_kg_s: f64,
    /// TCS pump electric power (W), all of it heat in the loop.
    pub pump_w: f64,
}

/// [`step`] with the flows and pump power given (by [`crate::model::hydraulics`]).
#[allow(clippy::too_many_arguments)]
pub fn step_with(d: &CduDesign, t_c: f64, setpoint_c: f64, tau_s: f64, q_liquid_w: f64, flows: Flows, t_fws_c: f64, dt_s: f64) -> CduStep {
    step_cached(d, &mut CduCache::default(), t_c, setpoint_c, tau_s, q_liquid_w, flows, t_fws_c, dt_s)
}

/// The exponentials of one CDU's step, kept while their inputs stay bitwise the same (the
/// flows settle and stay; the step and the control time constant do not change): the heat
/// exchanger's `ε·C_min` and `e^(−ε·C_min·Δt/C)`, and the control decay `e^(−Δt/τ)`, keyed on
/// the bits of every input they depend on (the design's too). A cache, empty by default:
/// results are the same bits with or without it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CduCache {
    key: Option<[u64; 7]>,
    a_w_k: f64,
    full_decay: f64,
    ctl_decay: f64,
}

/// [`step_with`] reusing `cache` (see [`CduCache`]).
#[allow(clippy::too_many_arguments)]
pub fn step_cached(
    d: &CduDesign,
    cache: &mut CduCache,
    t_c: f64,
    setpoint_c: f64,
    tau_s: f64,
    q_liquid_w: f64,
    flows: Flows,
    t_fws_c: f64,
    dt_s: f64,
) -> CduStep {
    let pump_w = flows.pump_w;
    let q_in = q_liquid_w + pump_w;
    let none = t_c + q_in * dt_s / d.c_j_k;
    let m = flows.tcs_kg_s;
    if m <= 0.0 || flows.fws_kg_s <= 0.0 {
        let ret = if m > 0.0 { none + q_in / (m * d.cp_j_kg_k) } else { none };
        return CduStep { supply_c: none, return_c: ret, q_hx_w: 0.0, pump_w };
    }
    let c_tcs = m * d.cp_j_kg_k;
    let key = [m.to_bits(), flows.fws_kg_s.to_bits(), dt_s.to_bits(), tau_s.to_bits(), d.ua_w_k.to_bits(), d.cp_j_kg_k.to_bits(), d.c_j_k.to_bits()];
    if cache.key != Some(key) {
        let c_fws = flows.fws_kg_s * d.cp_j_kg_k;
        let (c_min, c_max) = (c_tcs.min(c_fws), c_tcs.max(c_fws));
        let eps = counterflow_effectiveness(d.ua_w_k / c_min, c_min / c_max);
        let a = eps * c_min;
        *cache = CduCache { key: Some(key), a_w_k: a, full_decay: (-a * dt_s / d.c_j_k).exp(), ctl_decay: (-dt_s / tau_s).exp() };
    }
    let a = cache.a_w_k;
    let t0 = t_fws_c - q_in / c_tcs;
    let t_inf = t0 + q_in / a;
    let full = t_inf + (t_c - t_inf) * cache.full_decay;
    let ctl = setpoint_c + (t_c - setpoint_c) * cache.ctl_decay;
    let lo = full.min(none);
    let t_new = ctl.safe_clamp(lo, none);
    let q_hx_w = q_in - d.c_j_k * (t_new - t_c) / dt_s;
    CduStep { supply_c: t_new, return_c: t_new + q_in / c_tcs, q_hx_w, pump_w }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn design() -> CduDesign {
        // 20 racks x 110 kW of liquid heat, 1.5 L/min/kW, PG25.
        let heat = 20.0 * 110e3;
        let flow = heat / 1000.0 * 1.5 / 60.0 * 1.0192;
        CduDesign::size(heat, flow, 10.0, 3940.0, 1019.2, 1.6, 3.0, 200e3, 0.65)
    }
    #[test]
    fn effectiveness_inverse_round_trips() {
        for cr in [0.0, 0.3, 0.9, 1.0] {
            for eps in [0.2, 0.6, 0.9] {
                let ntu = counterflow_ntu(eps, cr);
                assert!((counterflow_effectiveness(ntu, cr) - eps).abs() < 1e-9);
            }
        }
        // Cr = 0: 1 − e^(−NTU).
        assert!((counterflow_effectiveness(2.0, 0.0) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
    }
    #[test]
    fn cached_step_gives_the_same_bits() {
        // Flows that hold, change, stop and return; a cache kept across all the steps.
        let d = design();
        let mut cache = CduCache::default();
        let mut t = 40.0;
        for k in 0..400 {
            let speed = match k / 50 {
                0 | 1 => 1.0,
                2 => 0.7,
                3 => 0.0,
                4 => 0.7,
                _ => 1.0 + 1e-12 * (k % 3) as f64,
            };
            let flows = Flows { tcs_kg_s: d.tcs_flow_kg_s * speed, fws_kg_s: d.fws_flow_kg_s * if k % 97 == 5 { 0.5 } else { 1.0 }, pump_w: 900.0 };
            let q = 2.0e6 + 1e4 * (k % 7) as f64;
            let dt = if k > 300 { 2.0 } else { 1.0 };
            let plain = step_with(&d, t, 35.0, 30.0, q, flows, 31.0, dt);
            let cached = step_cached(&d, &mut cache, t, 35.0, 30.0, q, flows, 31.0, dt);
            for (a, b) in [(plain.supply_c, cached.supply_c), (plain.return_c, cached.return_c), (plain.q_hx_w, cached.q_hx_w)] {
                assert_eq!(a.to_bits(), b.to_bits(), "step {k}");
            }
            t = plain.supply_c;
        }
    }

    #[test]
    fn holds_setpoint_at_design_and_balances_energy() {
        let d = design();
        let mut t = 40.0;
        let q = 20.0 * 110e3;
        let mut last = CduStep::default();
        for _ in 0..3000 {
            last = step(&d, t, 35.0, 30.0, q, 1.0, 30.0, 1.0);
            t = last.supply_c;
        }
        assert!((t - 35.0).abs() < 1e-6);
        assert!((last.q_hx_w - q - last.pump_w).abs() / q < 1e-6);
    }
    #[test]
    fn design_capacity_at_design_approach() {
        // With T_fws = T_set − approach, the CDU just holds its setpoint at design heat.
        let d = design();
        let q = 20.0 * 110e3 - d.pump_design_w;
        let mut t = 35.0;
        for _ in 0..5000 {
            t = step(&d, t, 35.0, 30.0, q, 1.0, 32.0, 1.0).supply_c;
        }
        assert!((t - 35.0).abs() < 0.05, "{t}");
        // 2 K warmer facility water: the loop warms by ~2 K.
        let mut t2 = 35.0;
        for _ in 0..5000 {
            t2 = step(&d, t2, 35.0, 30.0, q, 1.0, 34.0, 1.0).supply_c;
        }
        assert!((t2 - 37.0).abs() < 0.1, "{t2}");
    }
    #[test]
    fn failed_pump_heats_loop_at_q_over_c() {
        let d = design();
        let s = step(&d, 35.0, 35.0, 30.0, 1e6, 0.0, 30.0, 10.0);
        assert!((s.supply_c - (35.0 + 1e6 * 10.0 / d.c_j_k)).abs() < 1e-9);
        assert_eq!(s.q_hx_w, 0.0);
        assert_eq!(s.pump_w, 0.0);
    }
    #[test]
    fn huge_steps_stay_bounded() {
        let d = design();
        let s = step(&d, 35.0, 35.0, 30.0, 5e6, 1.0, 30.0, 3600.0);
        assert!(s.supply_c.is_finite() && s.supply_c < 200.0);
    }
}
