//! SPEC §6 / STYLE §5: the same scenario and seed give byte-identical outputs with 1 thread
//! and with many.

use crate::util::{crate_dir, hydro_supply, pump_failure, run_ok, scenario, scenario_table, TestDir};
use fjord::engine::Engine;

/// 200 racks of 72: three blocks of racks, so the blocks are shared among threads. Mixed
/// jobs with partial racks, per-GPU spread, a supply with a cap event and a pump failure.
fn scenario_text() -> String {
    scenario_table("10m", "1s", "10s")
        + r#"seed = 7

[cluster]
gpu = "gb300"
racks = 200
gpus_per_rack = 72
power_variation_frac = 0.05

[[workload.jobs]]
name = "train"
kind = "training"
gpus = 7000
iteration_s = 5.0
mtbf = "3m"
restart_s = 60.0

[[workload.jobs]]
name = "serve"
kind = "inference"
gpus = 5000

[[workload.jobs]]
name = "batch"
kind = "constant"
gpus = 1000
utilization_frac = 0.9

[cooling]
cdus = 10
"# + &hydro_supply(30.0, 20.0)
        + r#"grid = { import_limit_mw = 5.0, carbon_g_per_kwh = 30.0 }
battery = { energy_mwh = 2.0, power_mw = 2.0 }
"# + &pump_failure("2m", "3m", 3)
        + r#"
[[events]]
at = "6m"
duration = "2m"
kind = "power_cap"
cap_mw = 18.0
"#
}

/// summary.json without the timing keys.
fn summary_without_timing(dir: &std::path::Path) -> String {
    let mut s = crate::util::summary(dir);
    for k in fjord::engine::run::TIMING_KEYS {
        assert!(s.remove(*k).is_some(), "summary.json lacks `{k}`");
    }
    serde_json::to_string_pretty(&s).expect("json")
}

#[test]
fn thread_count_does_not_change_outputs() {
    let dir = TestDir::new("determinism");
    let path = dir.write("many.toml", &scenario_text());
    // The test is only meaningful if the racks are split into several blocks.
    let sc = scenario(&scenario_text(), dir.path());
    let blocks = Engine::new(sc).expect("engine").blocks.len();
    assert!(blocks >= 3, "only {blocks} blocks: the threads would not share work");

    let mut first: Option<(std::path::PathBuf, String)> = None;
    for threads in ["1", "2", "3"] {
        let out = dir.join(&format!("t{threads}"));
        run_ok(&path, &out, &["--threads", threads]);
        let sum = summary_without_timing(&out);
        match &first {
            None => first = Some((out, sum)),
            Some((base, base_sum)) => {
                for f in ["timeseries.csv", "racks.csv", "ramps.csv"] {
                    let a = std::fs::read(base.join(f)).expect("read");
                    let b = std::fs::read(out.join(f)).expect("read");
                    assert!(a == b, "{f} differs between 1 and {threads} threads");
                }
                assert_eq!(base_sum, &sum, "summary.json differs at {threads} threads");
            }
        }
    }
    // The scenario did exercise the interesting paths.
    let s = crate::util::summary(&dir.join("t1"));
    // The pump failure starved its racks (issue 12: they lose flow and throttle).
    assert!(crate::util::metric(&s, "throttled_gpu_hours") > 0.0);
    assert!(s.get("job_failures").and_then(|v| v.as_u64()).unwrap_or(0) >= 1);
}

/// Two runs of the quickstart with the default pool are identical too (no hidden state,
/// no time-dependent seeding).
#[test]
fn repeated_runs_are_identical() {
    let dir = TestDir::new("repeat");
    let q = crate_dir().join("scenarios/quickstart.toml");
    run_ok(&q, &dir.join("a"), &[]);
    run_ok(&q, &dir.join("b"), &[]);
    for f in ["timeseries.csv", "racks.csv", "scenario.resolved.toml"] {
        let a = std::fs::read(dir.join("a").join(f)).expect("read");
        let b = std::fs::read(dir.join("b").join(f)).expect("read");
        assert!(a == b, "{f} differs between two identical runs");
    }
    assert_eq!(summary_without_timing(&dir.join("a")), summary_without_timing(&dir.join("b")));
}

/// Issue 11: engines that each step a share of the CDUs (as MPI ranks do), with their
/// per-CDU rows exchanged every step, give the whole engine's step values bit for bit, and
/// the same per-CDU GPU temperature sums, histograms and per-rack records. Runs without MPI.
#[test]
fn cdu_partitions_reproduce_the_whole_engine() {
    let dir = TestDir::new("partition");
    let sc = scenario(&scenario_text(), dir.path());
    let cdus = sc.cooling.cdus as usize;
    let mut whole = Engine::new(sc.clone()).expect("engine");
    // Three uneven parts (10 CDUs: 0..3, 3..4, 4..10), one of them a single CDU.
    let mut parts: Vec<Engine> = [0..3, 3..4, 4..cdus].into_iter().map(|r| Engine::new_part(sc.clone(), r).expect("part")).collect();
    let width = fjord::engine::CDU_FIELDS;
    for _ in 0..300 {
        let v = whole.step();
        for p in parts.iter_mut() {
            p.step_local();
        }
        let mut rows = vec![0.0; cdus * width];
        for p in &parts {
            let own = p.own_cdus.start * width..p.own_cdus.end * width;
            rows[own.clone()].copy_from_slice(&p.cdu_rows[own]);
        }
        for p in parts.iter_mut() {
            p.cdu_rows.copy_from_slice(&rows);
            let vp = p.step_global();
            assert_eq!(format!("{vp:?}"), format!("{v:?}"), "a part's step values differ at step {}", p.step_index);
        }
    }
    let add = |f: &dyn Fn(&Engine) -> Vec<f64>| parts.iter().map(f).fold(vec![0.0; cdus], |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect());
    assert_eq!(add(&|e| e.gpu_temp_sums_by_cdu()), whole.gpu_temp_sums_by_cdu());
    let hist: Vec<u64> =
        parts.iter().map(|e| e.temp_histogram()).fold(vec![0; fjord::engine::TEMP_HIST_BINS], |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect());
    assert_eq!(hist, whole.temp_histogram());
    // The histogram the blocks counted in the parallel stage of a window's last step is the
    // one counted afresh from the state.
    assert_eq!(whole.step_index % 10, 0);
    assert_eq!(whole.temp_histogram(), whole.temp_histogram_now());
    let racks: Vec<String> = parts.iter().flat_map(|e| e.rack_accs()).map(|a| format!("{a:?}")).collect();
    assert_eq!(racks, whole.rack_accs().iter().map(|a| format!("{a:?}")).collect::<Vec<_>>());
    // The single-CDU part carried the pump failure (its racks lost flow): the exchange moved
    // more than idle rows.
    let mins: Vec<f64> = whole.rack_flow_acc.iter().map(|a| a.1).collect();
    let (lo, hi) = (mins.iter().copied().fold(f64::INFINITY, f64::min), mins.iter().copied().fold(0.0, f64::max));
    assert!(lo < 0.5 * hi, "pump failure not seen: rack flow minima {lo} .. {hi} kg/s");
    // A step that closes no window (10 s windows, 301 steps) counts afresh: still the same.
    whole.step();
    assert_eq!(whole.temp_histogram(), whole.temp_histogram_now());
}

/// The workers' spin-wait (`fjord run` in its own pool) and the sleeping default (a sweep)
/// step the same numbers: stepped side by side in one 2-thread pool, with and without it.
#[test]
fn spinning_workers_do_not_change_a_step() {
    let dir = TestDir::new("spin");
    let sc = scenario(&scenario_text(), dir.path());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    pool.install(|| {
        let mut spin = Engine::new(sc.clone()).expect("engine");
        let mut sleep = Engine::new(sc).expect("engine");
        spin.set_spin_wait(true);
        for k in 0..240 {
            let (a, b) = (spin.step(), sleep.step());
            assert!(a.values().iter().zip(b.values()).all(|(x, y)| x.to_bits() == y.to_bits()), "step {k}: {a:?} vs {b:?}");
        }
        spin.set_spin_wait(false);
    });
}
