//! Criterion benchmarks of the hot paths, reported as GPU-steps per second.
//!
//! * `gpu_kernel/{1k,10k,100k}`: the GPU kernel alone, one thread, over a [`GpuState`] taken
//!   as 72-GPU rack segments in one [`fjord::model::gpu::step_segments`] call, as an engine
//!   block does (whole racks: 1,008, 10,008 and 100,008 GPUs); `_safe`: the fast path (no
//!   throttle arithmetic), `_local`: the fast path with the leakage exponential as each rack's
//!   cubic, as the engine runs where a rack's GPUs lie within a few kelvin of each other. GB300 parameters from `scenarios/stargate-norway.toml`,
//!   step 1 s, utilisation 0.8, coolant 35 °C, caps inactive, job running.
//! * `engine_step/100k/{default_pool,1_thread}`: one full [`Engine::step`] of the Stargate
//!   Norway scenario (100,008 GPUs), in a rayon pool of the default size and in a 1-thread
//!   pool.
//! * `engine_run/100k/{step_10s,step_60s}`: one simulated hour of Stargate Norway at a 10 s
//!   and a 60 s step (360 and 60 [`Engine::step`] calls, default pool), as annual runs use;
//!   reported per GPU-step.
//!
//! Run: `cargo bench --bench engine` (filter with e.g. `cargo bench --bench engine -- gpu_kernel`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fjord::engine::{run::thread_pool, Engine};
use fjord::model::gpu::{step_segments, GpuState, KernelParams, LeakTable, SegmentInput, SegmentJob, SegmentSums};
use fjord::scenario::Scenario;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// GPUs per rack segment (NVL72), as in the engine.
const RACK_GPUS: usize = 72;

/// The full-scale scenario (100,008 GB300 GPUs, 1 s step).
fn stargate() -> Scenario {
    stargate_with(&[])
}

/// The full-scale scenario with `--set` overrides.
fn stargate_with(sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stargate-norway.toml");
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    fjord::scenario::load(&path, &sets).expect("scenarios/stargate-norway.toml loads")
}

/// One step of every GPU in `st` as the engine's blocks take it: the 72-GPU rack segments of
/// `jobs` in one [`step_segments`] call; returns the summed board power (W).
fn kernel_pass(kp: &KernelParams, jobs: &[SegmentJob], st: &mut GpuState, out: &mut [SegmentSums]) -> f64 {
    step_segments(kp, jobs, st, out);
    out.iter().map(|o| o.power_w).sum()
}

fn gpu_kernel(c: &mut Criterion) {
    let sc = stargate();
    assert_eq!(sc.gpu_name, "gb300", "the benchmark expects the gb300 preset");
    assert_eq!(sc.step_s, 1.0, "the benchmark expects a 1 s step");
    let kp = KernelParams::new(&sc.gpu, sc.step_s);
    let inp = SegmentInput { util: 0.8, coolant_c: 35.0, job_active: true, caps_active: false, thermal_safe: false, leak: None };
    let mut g = c.benchmark_group("gpu_kernel");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    // `thermal_safe: false` runs the throttle arithmetic; the `_safe` cases the fast path
    // the engine takes when no GPU of a rack can reach the throttle temperature (the usual case).
    // The `_local` cases take the fast path with the leakage exponential as each rack's cubic
    // (`LeakLocal`, built from the settled racks' temperature range), as the engine does where
    // a rack's GPUs lie within a few kelvin of each other; the others use `fast_exp2`.
    let safe = SegmentInput { thermal_safe: true, ..inp };
    let table = LeakTable::new(&sc.gpu, &kp);
    let cases = [
        ("1k", 14usize, inp),
        ("10k", 139, inp),
        ("100k", 1389, inp),
        ("10k_safe", 139, safe),
        ("100k_safe", 1389, safe),
        ("10k_local", 139, safe),
        ("100k_local", 1389, safe),
    ];
    for (label, racks, inp) in cases {
        let n = racks * RACK_GPUS;
        // ±3 % part-to-part spread, deterministic.
        let mut st = GpuState::new(n, 35.0, |i| 1.0 + 0.03 * ((i % 13) as f32 / 6.0 - 1.0));
        let mut jobs: Vec<SegmentJob> = (0..n).step_by(RACK_GPUS).map(|lo| SegmentJob { inp, lo, hi: lo + RACK_GPUS }).collect();
        let mut out = vec![SegmentSums::default(); jobs.len()];
        // Settle near the steady state so the timed steps are typical ones.
        for _ in 0..60 {
            kernel_pass(&kp, &jobs, &mut st, &mut out);
        }
        if label.ends_with("_local") {
            let (lo, hi) = st.temp_c.iter().fold((f32::MAX, f32::MIN), |(l, h), &t| (l.min(t), h.max(t)));
            let leak = table.local(f64::from(lo), f64::from(hi)).expect("the settled racks' range takes the cubic");
            jobs.iter_mut().for_each(|j| j.inp.leak = Some(leak));
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::from_parameter(label), |b| b.iter(|| black_box(kernel_pass(&kp, black_box(&jobs), &mut st, &mut out))));
    }
    g.finish();
}

fn engine_step(c: &mut Criterion) {
    let mut e = Engine::new(stargate()).expect("engine builds");
    let n = e.gpus();
    let mut g = c.benchmark_group("engine_step/100k");
    g.sample_size(20).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(5)).throughput(Throughput::Elements(n));
    for (label, threads) in [("default_pool", None), ("1_thread", Some(1))] {
        let pool = thread_pool(threads).expect("thread pool");
        pool.install(|| {
            // As `fjord run` does in its own pool: the workers spin through the serial stages.
            e.set_spin_wait(true);
            for _ in 0..5 {
                black_box(e.step());
            }
        });
        // The timed loop runs inside the pool (criterion's handle is not `Send`, so the
        // whole batch of steps is installed at once and timed there).
        g.bench_function(label, |b| {
            b.iter_custom(|iters| {
                pool.install(|| {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(e.step());
                    }
                    t.elapsed()
                })
            })
        });
    }
    g.finish();
}

fn engine_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_run/100k");
    g.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(8));
    let pool = thread_pool(None).expect("thread pool");
    for (label, step_s) in [("step_10s", 10u64), ("step_60s", 60)] {
        let sc = stargate_with(&[&format!("scenario.step={step_s}s"), "scenario.record_every=60s"]);
        let steps = 3600 / step_s;
        g.throughput(Throughput::Elements(sc.gpus() * steps));
        // A fresh engine per hour so every sample simulates the same first hour.
        g.bench_function(label, |b| {
            b.iter_custom(|iters| {
                pool.install(|| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        let mut e = Engine::new(sc.clone()).expect("engine builds");
                        e.set_spin_wait(true);
                        let t = Instant::now();
                        for _ in 0..steps {
                            black_box(e.step());
                        }
                        spent += t.elapsed();
                        e.set_spin_wait(false);
                    }
                    spent
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, gpu_kernel, engine_step, engine_run);
criterion_main!(benches);
