//! Tests of the facility plant.
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

/// Plain bisection to 2^-40 of the range: the reference the fast solve must match.
fn bisect(p: &PlantParams, q_w: f64, dt_k: f64, m: f64, cp: f64, units: u32, y_max: f64) -> f64 {
    let k_at = |y: f64| {
        let (w, s) = super::control::actuators(p, y);
        p.dry_coolers.conductance_w_k(w * m, cp, s, units)
    };
    let k_needed = q_w / dt_k;
    if k_at(y_max) <= k_needed {
        return y_max;
    }
    let (mut lo, mut hi) = (0.0, y_max);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if k_at(mid) < k_needed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[test]
fn feedforward_index_matches_bisection_and_inverts_the_conductance() {
    let p = narvik();
    let units = p.dry_coolers.units;
    let cp = 3900.0;
    let m = 400.0;
    let k_full = {
        let (w, s) = super::control::actuators(&p, 1.0);
        p.dry_coolers.conductance_w_k(w * m, cp, s, units)
    };
    let mut checked = 0;
    for i in 1..200 {
        // Heat from a whisper to beyond full capacity, across a 10 K difference.
        let q = k_full * 10.0 * (i as f64 / 150.0).powi(2);
        let y = super::control::feedforward_index(&p, q, 10.0, m, cp, units, 1.0, f64::NAN);
        let y_ref = bisect(&p, q, 10.0, m, cp, units, 1.0);
        assert!((y - y_ref).abs() < 2e-9, "q {q}: {y} vs bisection {y_ref}");
        // Warm starts near the root, off by a bracket or more, and at the ends give it too.
        for guess in [y_ref + 0.003, y_ref - 0.009, y_ref + 0.2, 0.5, 1e-9, 0.999_999] {
            let yw = super::control::feedforward_index(&p, q, 10.0, m, cp, units, 1.0, guess);
            assert!((yw - y_ref).abs() < 2e-9, "q {q}, guess {guess}: {yw} vs bisection {y_ref}");
        }
        if y > 0.0 && y < 1.0 {
            let (w, s) = super::control::actuators(&p, y);
            let k = p.dry_coolers.conductance_w_k(w * m, cp, s, units);
            assert!((k * 10.0 / q - 1.0).abs() < 1e-6, "q {q}: k(y)·ΔT = {}", k * 10.0);
            checked += 1;
        }
    }
    assert!(checked > 100);
    assert_eq!(super::control::feedforward_index(&p, 0.0, 10.0, m, cp, units, 1.0, 0.5), 0.0);
    assert_eq!(super::control::feedforward_index(&p, 1e300, 10.0, m, cp, units, 1.0, 0.5), 1.0);
}

#[test]
fn feedforward_over_substeps_reuses_the_last_root_and_slope() {
    // Sub-steps as the plant makes them: one capacity curve per step (flow fixed), the heat
    // through the feed-forward lag towards a new load, the last root as the guess. Every
    // root within 2e-9 of bisection, and few evaluations of K per solve.
    let p = narvik();
    let units = p.dry_coolers.units;
    let cp = 3900.0;
    let mut y = f64::NAN;
    let (mut solves, mut evals) = (0u64, 0u64);
    let mut lagged = 60.0 * MW;
    for step in 0..400 {
        let t = f64::from(step);
        // Load and ambient wander; every 50th step a jump of the load.
        let load = if step % 50 == 25 { 200.0 * MW } else { (120.0 + 60.0 * (t / 37.0).sin()) * MW };
        let dt_k = 25.0 + 10.0 * (t / 90.0).cos();
        let m = 2500.0 + 1500.0 * (t / 61.0).sin();
        let mut cap = super::control::Capacity::new(&p, m, cp, units);
        for _ in 0..19 {
            lagged = load + (lagged - load) * (-3.2_f64 / super::FEEDFORWARD_LAG_S).exp();
            y = cap.feedforward(lagged, dt_k, 1.0, y);
            let y_ref = bisect(&p, lagged, dt_k, m, cp, units, 1.0);
            assert!((y - y_ref).abs() < 2e-9, "step {step}: {y} vs bisection {y_ref}");
            solves += 1;
        }
        evals += cap.evals;
    }
    let per_solve = evals as f64 / solves as f64;
    assert!(per_solve <= 1.5, "{per_solve} evaluations of K per solve (1.18 measured)");
    // Jumps across the whole range, and the ends, from one curve: the safeguards.
    let mut cap = super::control::Capacity::new(&p, 3000.0, cp, units);
    let k_full = cap.conductance(1.0);
    let mut y = 0.5;
    for i in 0..300 {
        let q = k_full * 20.0 * [1e-4, 0.9, 0.02, 1.3, 0.4, 1e-9, 0.999_999_999][i % 7] * (1.0 + 1e-3 * f64::from(i as u32));
        y = cap.feedforward(q, 20.0, 1.0, y);
        let y_ref = bisect(&p, q, 20.0, 3000.0, cp, units, 1.0);
        assert!((y - y_ref).abs() < 2e-9, "q {q}: {y} vs bisection {y_ref}");
        assert!((0.0..=1.0).contains(&y));
    }
    // A lower top of the range, and one beyond the actuators' (K flat above 1).
    for y_max in [0.7, 1.5] {
        for q in [0.2 * k_full * 20.0, 0.99 * k_full * 20.0, 2.0 * k_full * 20.0] {
            let y = cap.feedforward(q, 20.0, y_max, 0.5);
            let y_ref = bisect(&p, q, 20.0, 3000.0, cp, units, y_max);
            assert!((y - y_ref).abs() < 2e-9 * y_max || (y_ref >= 1.0 && y == y_max), "y_max {y_max}, q {q}: {y} vs {y_ref}");
        }
    }
}
