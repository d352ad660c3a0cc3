//! The engine: owns the state tables and the order of the stages.
//!
//! State lives in flat tables: per-GPU state in blocks of racks ([`Block`], structure of
//! arrays), per-rack results and accumulators, per-CDU loop temperatures, the facility plant
//! and the supply. Kernels are the free functions of [`crate::model`]; the engine holds the
//! parameters, scratch buffers and counters.
//!
//! # One step ([`Engine::step`]), in this order
//! 1. **Workload** — each job's shares of idle, checkpoint and run time over the step.
//! 2. **Events** — which faults and changes are active at the step's start.
//! 3. **Caps** — the site power limit (power-cap events, supply shortfall) becomes a per-GPU
//!    cap by an integral controller on the last step's facility power.
//! 4. **GPUs and racks** (parallel over blocks of racks) — per rack: utilisation per job
//!    segment, the GPU kernel against the rack's coolant supply temperature, rack overhead,
//!    PSU losses, heat split into liquid and air.
//! 5. **Reduction** — racks folded in order into CDU and site totals (deterministic).
//! 6. **CDUs** — each technology loop against the facility water.
//! 7. **Plant** — facility water, dry coolers, chiller, heat reuse, air side.
//! 8. **Electrical chain** — IT, losses, facility power, PUE.
//! 9. **Supply** — dispatch of sources and battery against facility power.
//! 10. **Record** — step values to the recorder, summary accumulators, energy account.
//!
//! Coupling between stages is explicit in time: the GPUs see the coolant temperature of the
//! previous step's CDU stage, the CDUs see the previous step's facility water.
//! Determinism: every per-rack sum is computed in a fixed order inside the rack, and racks
//! are folded sequentially, so results are bit-identical for any thread count.

pub mod run;

use crate::model::cdu::{self, CduDesign};
use crate::model::electrical;
use crate::model::gpu::{self, GpuState, KernelParams, SegmentInput};
use crate::model::workload::{JobRuntime, JobStep, RackCache};
use crate::output::recorder::StepValues;
use crate::rng::{normal, Stream};
use crate::scenario::{EventKind, Scenario};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One job's share of a rack: GPUs `[lo, hi)` of the rack.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    /// First GPU within the rack.
    pub lo: usize,
    /// One past the last GPU within the rack.
    pub hi: usize,
    /// Job index, or `None` for idle GPUs.
    pub job: Option<usize>,
    /// Rack index within the job.
    pub rack_in_job: usize,
}

/// Per-rack results of one step.
#[derive(Debug, Clone, Copy, Default)]
pub struct RackStep {
    /// GPU board power (W).
    pub gpu_w: f64,
    /// Rack input power, PSU included (W).
    pub it_w: f64,
    /// Heat into the cold plates (W).
    pub q_liquid_w: f64,
    /// Heat to air (W).
    pub q_air_w: f64,
    /// Σ GPU temperatures (°C).
    pub temp_sum_c: f64,
    /// Max GPU temperature (°C).
    pub temp_max_c: f64,
    /// Min GPU temperature (°C) (not folded into CDU sums).
    pub temp_min_c: f64,
    /// Σ GPU temperature change (K).
    pub dtemp_sum_k: f64,
    /// GPUs throttling.
    pub throttled: f64,
    /// GPUs shut down.
    pub offline: f64,
    /// Delivered compute (GPU units).
    pub compute: f64,
    /// Demanded compute (GPU units).
    pub demand: f64,
    /// GPU power burnt by power smoothing (W).
    pub burn_w: f64,
}

impl RackStep {
    /// An empty per-CDU sum (no rack folded in yet).
    fn empty_sum() -> Self {
        RackStep { temp_max_c: f64::MIN, ..Default::default() }
    }

    /// Adds rack `rs` to this per-CDU sum (the fields the CDU rows carry).
    #[inline]
    fn fold(&mut self, rs: &RackStep) {
        self.gpu_w += rs.gpu_w;
        self.it_w += rs.it_w;
        self.q_liquid_w += rs.q_liquid_w;
        self.q_air_w += rs.q_air_w;
        self.temp_sum_c += rs.temp_sum_c;
        self.temp_max_c = self.temp_max_c.max(rs.temp_max_c);
        self.throttled += rs.throttled;
        self.offline += rs.offline;
        self.compute += rs.compute;
        self.demand += rs.demand;
        self.burn_w += rs.burn_w;
    }
}

/// Per-rack accumulators for `racks.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RackAcc {
    /// ∫ mean GPU temperature dt (°C·s).
    pub temp_int: f64,
    /// Max GPU temperature (°C).
    pub temp_max_c: f64,
    /// IT energy (J).
    pub energy_j: f64,
    /// Throttled GPU-seconds.
    pub throttled_gpu_s: f64,
    /// GPU-seconds offline.
    pub offline_gpu_s: f64,
}

/// A block of consecutive racks and their GPUs' state.
#[derive(Debug, Clone)]
pub struct Block {
    /// First rack.
    pub first_rack: usize,
    /// Racks in the block.
    pub racks: usize,
    /// GPU state, `racks × gpus_per_rack` long.
    pub gpus: GpuState,
    /// Cap level currently written into `gpus.cap_w` (W).
    pub cap_level_w: f32,
    /// Accumulators, one per rack.
    pub acc: Vec<RackAcc>,
    /// Workload values kept between steps, one per rack (inference-noise knots, training `W`).
    pub workload_cache: Vec<RackCache>,
    /// Scratch: this step's kernel segments (utilisation-driven ones, in rack order).
    seg_jobs: Vec<gpu::SegmentJob>,
    /// Scratch: their sums.
    seg_sums: Vec<gpu::SegmentSums>,
    /// Scratch: each rack's coolant temperature at the plates this step (°C).
    coolant_c: Vec<f64>,
    /// Scratch: the utilisation of each rack of a training job this step (pass 0).
    train_util: Vec<f64>,
    /// The CDUs whose racks all lie in this block (fixed when the blocks are cut).
    whole_cdus: std::ops::Range<usize>,
    /// This step's sums of those CDUs, in CDU order.
    cdu_sums: Vec<RackStep>,
    /// The block's GPU temperature histogram after a step that closes a record window: bins
    /// `hist_lo..hist_lo + hist.len()` (those its temperatures can fall in), the rest empty.
    hist: Vec<u32>,
    hist_lo: usize,
}

/// Read-only per-step inputs of the parallel stage.
struct StepCtx<'a> {
    kp: &'a KernelParams,
    t0: f64,
    t1: f64,
    dt: f64,
    jobs: &'a [JobRuntime],
    job_steps: &'a [JobStep],
    /// Per job: step-mean target powers of a power replay (empty for other jobs).
    replay: &'a [Vec<f32>],
    segments: &'a [Vec<Segment>],
    cdu_of_rack: &'a [u32],
    cdu_supply_c: &'a [f64],
    /// Per-rack extra plate resistance of starved (or over-fed) cold plates (K/W).
    rack_extra_r: &'a [f64],
    /// The GPUs' thermal resistance r_th (K/W).
    r_th_k_per_w: f64,
    /// True in the first step (no rack temperatures yet).
    first_step: bool,
    /// True when this step closes a record window: the blocks count the temperature histogram.
    count_hist: bool,
    gpus_per_rack: usize,
    overhead_w: f64,
    psu: electrical::Psu,
    capture: f64,
    /// C_th/Δt (W/K), for the heat the GPUs store over the step.
    c_th_per_dt: f64,
    /// 1/gpus_per_rack.
    inv_gpr: f64,
    cap_level_w: f32,
    /// Rise above the coolant of the hottest-running GPU at full power (K).
    max_rise_k: f64,
    /// Centres of the racks' leakage cubics.
    leak_table: &'a gpu::LeakTable,
}

/// A block of the parallel stage's queue and its racks' results, until a thread takes it.
type QueuedBlock<'a> = std::sync::Mutex<Option<(&'a mut Block, &'a mut [RackStep])>>;

/// Sets its flag when dropped while a panic unwinds out of a block (then the thread spinning
/// for the blocks stops waiting).
struct PanicFlag<'a>(&'a AtomicBool);

impl Drop for PanicFlag<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// The engine.
pub struct Engine {
    /// The scenario.
    pub sc: Scenario,
    /// Keep the pool's other workers spinning through the serial stages (see
    /// [`Engine::set_spin_wait`]); `None` = let them sleep.
    spin: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    kp: KernelParams,
    /// Centres of the racks' leakage cubics ([`gpu::LeakLocal`]).
    leak_table: gpu::LeakTable,
    /// GPU blocks.
    pub blocks: Vec<Block>,
    /// Per-rack results of the last step.
    pub rack_step: Vec<RackStep>,
    /// Job segments per rack.
    pub segments: Vec<Vec<Segment>>,
    /// Jobs.
    pub jobs: Vec<JobRuntime>,
    job_steps: Vec<JobStep>,
    /// Per job: step-mean target powers of a power replay (empty for other jobs).
    replay: Vec<Vec<f32>>,
    /// CDU of each rack.
    pub cdu_of_rack: Vec<u32>,
    cdu_design: Vec<CduDesign>,
    /// Each CDU's exponentials while its flows hold (`cdu::CduCache`).
    cdu_cache: Vec<cdu::CduCache>,
    /// Scratch: this step's sums of this engine's CDUs (stage 5).
    cdu_part: Vec<RackStep>,
    /// TCS supply temperature per CDU (°C).
    pub cdu_supply_c: Vec<f64>,
    cdu_return_c: Vec<f64>,
    cdu_q_liquid_w: Vec<f64>,
    /// Loop networks (pressures, flows, pump power).
    pub hyd: crate::model::hydraulics::Hydraulics,
    /// Extra junction-to-supply resistance per rack from its flow (K/W).
    rack_extra_r: Vec<f64>,
    /// ∫ rack flow dt (kg) and the smallest rack flow (kg/s), per rack.
    pub rack_flow_acc: Vec<(f64, f64)>,
    /// The plant's last facility flow over its design flow.
    fws_demand_frac: f64,
    /// Facility plant.
    pub plant: crate::model::plant_side::Plant,
    /// Supply side.
    pub supply: crate::model::supply_side::SupplySide,
    weather: Box<dyn crate::model::weather::WeatherSource>,
    /// The next step's weather, sampled beside this step's blocks: (its time's bits, sample).
    weather_next: Option<(u64, crate::model::weather::WeatherSample)>,
    /// Steps taken.
    pub step_index: u64,
    /// The step count after which the blocks' histograms were counted (see
    /// [`Engine::temp_histogram`]).
    hist_step: Option<u64>,
    /// This engine's CDUs that no block holds whole (their racks span two blocks, or none):
    /// folded in stage 5.
    split_cdus: Vec<usize>,
    /// The racks' PSUs.
    psu: electrical::Psu,
    /// Current site GPU cap level (W per GPU; +∞ = none).
    pub cap_level_w: f64,
    /// R·P of the hottest-running GPU at TDP and throttle-temperature leakage (K).
    max_rise_k: f64,
    last: StepValues,
    /// Energy and metric accumulators.
    pub acc: crate::engine::run::Accumulators,
    /// The CDUs whose racks this engine steps (all of them in one process; a contiguous
    /// share under MPI, see `crate::mpi`).
    pub own_cdus: std::ops::Range<usize>,
    /// Racks of `own_cdus` (global indices).
    pub own_racks: std::ops::Range<usize>,
    /// Site-wide inputs of the current step (stage 2), for [`Engine::step_global`].
    site: SiteStep,
    /// Per-CDU sums of the step, [`CDU_FIELDS`] values per CDU, every CDU in order: this
    /// engine fills its own CDUs' rows (stages 4-6); under MPI the other rows arrive from the
    /// other ranks before stage 7 ([`Engine::step_global`]).
    pub cdu_rows: Vec<f64>,
}

/// Weather and site-wide events of one step.
#[derive(Debug, Clone, Copy)]
struct SiteStep {
    weather: crate::model::weather::WeatherSample,
    ambient_c: f64,
    heat_wave_k: f64,
    coolers_out: u32,
    hydro_avail: f64,
    hs: crate::model::hydraulics::HydroStep,
}

/// Values per CDU row of [`Engine::cdu_rows`]: the rack sums of [`RackStep`] (GPU power, IT
/// power, heat to liquid and to air, Σ and max GPU temperature, throttled, offline, compute,
/// demand, smoothing burn), then the CDU stage (heat through the exchanger, pump power,
/// flow × supply, flow × return, flow, supply temperature).
pub const CDU_FIELDS: usize = 17;

/// First rack of CDU `c` (CDUs are contiguous blocks of racks).
pub fn cdu_first_rack(c: usize, racks: usize, cdus: usize) -> usize {
    c * racks / cdus.max(1)
}

/// Manufacturing power factor of GPU `id` (same draw wherever the GPU is stepped).
fn gpu_factor(seed: u64, var: f64, id: u64) -> f32 {
    (1.0 + var * normal(seed, Stream::GpuFactor, id, 0).clamp(-3.0, 3.0)) as f32
}

/// Racks per block: blocks of about 6,912 GPUs (~190 kB of state, well inside a core's L2),
/// their number rounded up to a multiple of `threads` so every worker gets the same share
/// of racks in the parallel stage (15 blocks on 2 threads left one worker a block behind).
/// The result does not depend on it.
pub fn block_racks(racks: usize, gpus_per_rack: usize, threads: usize) -> usize {
    let target_gpus = 6912usize;
    let racks = racks.max(1);
    let n_min = (racks * gpus_per_rack.max(1)).div_ceil(target_gpus).max(1);
    let threads = threads.clamp(1, racks);
    let n = n_min.div_ceil(threads) * threads;
    racks.div_ceil(n).max(1)
}

/// Where the blocks of `own_racks` start (and, last, where the racks end). Where every CDU
/// has at most `per_block` racks and there are at least as many CDUs as blocks of `per_block`
/// racks, the blocks are cut at CDU boundaries, the CDUs shared out evenly (the same number of
/// blocks, each CDU folded inside its block: no serial fold of CDUs split between blocks);
/// otherwise every `per_block` racks. The cut changes no result (sums are folded rack by rack
/// in the same order either way).
pub fn block_cuts(own_racks: std::ops::Range<usize>, own_cdus: std::ops::Range<usize>, racks: usize, cdus: usize, per_block: usize) -> Vec<usize> {
    let per_block = per_block.max(1);
    let n_racks = own_racks.len();
    let nb = n_racks.div_ceil(per_block).max(1);
    let nc = own_cdus.len();
    let largest = own_cdus.clone().map(|c| cdu_first_rack(c + 1, racks, cdus) - cdu_first_rack(c, racks, cdus)).max().unwrap_or(0);
    let mut cuts: Vec<usize> = if nc >= nb && largest <= per_block && n_racks > 0 {
        (0..nb).map(|i| cdu_first_rack(own_cdus.start + i * nc / nb, racks, cdus)).collect()
    } else {
        own_racks.clone().step_by(per_block).collect()
    };
    cuts.dedup();
    cuts.push(own_racks.end);
    cuts.dedup();
    cuts
}

/// The engine stage (numbered as in [`Engine::step`]) that produces a recorded quantity.
pub fn stage_of(column: &str) -> (u8, &'static str) {
    const STAGES: [(u8, &str, &[&str]); 6] = [
        (2, "weather and events", &["ambient_c"]),
        (4, "GPUs and racks", &["gpu_", "it_power", "throttled", "compute_delivered", "heat_to_liquid", "heat_to_air", "gpus_offline"]),
        (6, "CDUs", &["tcs_"]),
        (7, "plant", &["fws_", "heat_rejected", "heat_reused", "dry_cooler", "air_side", "chiller", "heat_pump", "cooling_power"]),
        (8, "electrical chain", &["electrical_loss", "facility_power", "pue"]),
        (9, "supply", &["hydro", "wind", "solar", "grid_", "battery", "curtailed", "unserved", "gas_", "net_draw", "dispatchable", "ramp"]),
    ];
    STAGES.iter().find(|(_, _, prefixes)| prefixes.iter().any(|p| column.starts_with(p))).map_or((10, "recorder"), |(n, name, _)| (*n, *name))
}

/// The first quantity (earliest engine stage) of a step that is not a finite number, if any.
pub fn first_non_finite(v: &StepValues) -> Option<(&'static str, f64)> {
    StepValues::NAMES.iter().zip(v.values()).filter(|(_, x)| !x.is_finite()).min_by_key(|(name, _)| stage_of(name).0).map(|(name, x)| (*name, x))
}

impl Engine {
    /// Advances one step like [`Engine::step`] and quarantines a non-finite state: if any
    /// recorded quantity is NaN or infinite, returns an error (exit 1) naming the time, the
    /// engine stage and the quantity, so no file is written from broken numbers.
    pub fn try_step(&mut self) -> crate::Result<StepValues> {
        let t_s = self.step_index as f64 * self.sc.step_s;
        let v = self.step();
        finite_step(t_s, v)
    }
}

/// `v`, the values of the step that began at `t_s`, or the error of [`Engine::try_step`] if
/// one of them is not finite.
pub fn finite_step(t_s: f64, v: StepValues) -> crate::Result<StepValues> {
    let Some((name, x)) = first_non_finite(&v) else {
        return Ok(v);
    };
    let (n, stage) = stage_of(name);
    Err(crate::FjordError::Other(format!(
        "the simulation broke down at t = {} s: `{name}` became {x} in stage {n} ({stage}); \
         the scenario's numbers are beyond what the models can integrate (look for extreme values); nothing was written",
        crate::output::recorder::fmt_num(t_s)
    )))
}

impl Engine {
    /// Builds the state tables for a resolved scenario (every rack in this process).
    pub fn new(sc: Scenario) -> crate::Result<Self> {
        let cdus = sc.cooling.cdus as usize;
        Engine::new_part(sc, 0..cdus)
    }

    /// Builds an engine that steps only the racks of CDUs `own_cdus`; plant, supply and
    /// every scenario-wide table are still built whole (each MPI rank runs them alike).
    pub fn new_part(sc: Scenario, own_cdus: std::ops::Range<usize>) -> crate::Result<Self> {
        let weather = weather_source(&sc)?;
        let kp = KernelParams::new(&sc.gpu, sc.step_s);
        let racks = sc.racks as usize;
        let gpr = sc.gpus_per_rack as usize;
        // Job placement: whole racks in declaration order.
        let mut failures: Vec<Vec<f64>> = vec![Vec::new(); sc.jobs.len()];
        for e in &sc.events {
            if let EventKind::JobFailure { job } = e.kind {
                failures[job].push(e.at_s);
            }
        }
        let mut jobs = Vec::new();
        let mut next_rack = 0;
        for (i, j) in sc.jobs.iter().enumerate() {
            let rt = JobRuntime::new(j.clone(), i, next_rack, gpr, sc.seed, sc.start_unix_s, sc.duration_s, &failures[i])
                .with_curve(sc.utilization_exponent);
            next_rack += rt.racks;
            jobs.push(rt);
        }
        let mut segments = vec![Vec::new(); racks];
        for (r, seg) in segments.iter_mut().enumerate() {
            let job = jobs.iter().find(|j| r >= j.first_rack && r < j.first_rack + j.racks);
            match job {
                Some(j) => {
                    let in_job = r - j.first_rack;
                    let n = if in_job + 1 == j.racks { j.gpus_in_last_rack } else { gpr };
                    seg.push(Segment { lo: 0, hi: n, job: Some(j.index), rack_in_job: in_job });
                    if n < gpr {
                        seg.push(Segment { lo: n, hi: gpr, job: None, rack_in_job: 0 });
                    }
                }
                None => seg.push(Segment { lo: 0, hi: gpr, job: None, rack_in_job: 0 }),
            }
        }
        // GPU blocks (of this engine's racks).
        let n_cdus = sc.cooling.cdus as usize;
        let own_racks = cdu_first_rack(own_cdus.start, racks, n_cdus)..cdu_first_rack(own_cdus.end, racks, n_cdus);
        let per_block = block_racks(racks, gpr, rayon::current_num_threads());
        let t_init = sc.cooling.tcs_supply_setpoint_c as f32;
        let seed = sc.seed;
        let var = sc.power_variation_frac;
        let mut blocks = Vec::new();
        let cuts = block_cuts(own_racks.clone(), own_cdus.clone(), racks, n_cdus, per_block);
        for w in cuts.windows(2) {
            let (r0, n) = (w[0], w[1] - w[0]);
            let base = r0 * gpr;
            // Factors drawn in parallel (each a pure function of the GPU id; Box-Muller's
            // ln and cos for 100k GPUs, ~4 % of start-up's instructions).
            let factors: Vec<f32> = (0..n * gpr).into_par_iter().map(|i| gpu_factor(seed, var, (base + i) as u64)).collect();
            let gpus = GpuState::new(n * gpr, t_init, |i| factors[i]);
            // CDU c's racks are cdu_first_rack(c)..cdu_first_rack(c + 1); those wholly inside
            // this block are folded by it (a CDU with no racks goes to the block its place is in).
            let whole = |c: usize| {
                let (lo, hi) = (cdu_first_rack(c, racks, n_cdus), cdu_first_rack(c + 1, racks, n_cdus));
                lo >= r0 && hi <= r0 + n && lo < r0 + n
            };
            let c0 = own_cdus.clone().find(|&c| whole(c)).unwrap_or(own_cdus.end);
            let c1 = (c0..own_cdus.end).find(|&c| !whole(c)).unwrap_or(own_cdus.end);
            blocks.push(Block {
                first_rack: r0,
                racks: n,
                gpus,
                cap_level_w: f32::INFINITY,
                acc: vec![RackAcc { temp_max_c: f64::MIN, ..Default::default() }; n],
                workload_cache: vec![RackCache::default(); n],
                seg_jobs: Vec::new(),
                seg_sums: Vec::new(),
                coolant_c: vec![0.0; n],
                train_util: vec![0.0; n],
                whole_cdus: c0..c1,
                cdu_sums: Vec::new(),
                hist: Vec::new(),
                hist_lo: 0,
            });
        }
        let split_cdus: Vec<usize> = own_cdus.clone().filter(|c| !blocks.iter().any(|b: &Block| b.whole_cdus.contains(c))).collect();
        // CDUs: contiguous blocks of racks, sized for the design liquid heat.
        let co = &sc.cooling;
        let cdus = co.cdus as usize;
        let mut cdu_of_rack = vec![0u32; racks];
        let mut cdu_design = Vec::with_capacity(cdus);
        let rack_design_liquid_w = co.liquid_capture_frac * sc.rack_design_w();
        let rack_flow_kg_s = rack_design_liquid_w / 1000.0 * co.flow_lpm_per_kw / 60.0 / 1000.0 * co.density_kg_m3;
        for c in 0..cdus {
            let lo = c * racks / cdus;
            let hi = (c + 1) * racks / cdus;
            for x in &mut cdu_of_rack[lo..hi] {
                *x = c as u32;
            }
            let n = (hi - lo) as f64;
            cdu_design.push(CduDesign::size(
                rack_design_liquid_w * n,
                rack_flow_kg_s * n,
                co.fws_design_dt_k,
                co.cp_j_kg_k,
                co.density_kg_m3,
                co.tcs_volume_m3,
                co.cdu_approach_k,
                co.tcs_pump_head_pa,
                co.pump_efficiency_frac,
            ));
        }
        // The plant starts settled for ~80 % of design heat at the start's weather.
        let site_weather0 = weather.sample(sc.start_unix_s);
        let ambient0 = site_weather0.dry_bulb_c + sc.heat_wave_k;
        let mut f_max = blocks.iter().flat_map(|b| b.gpus.factor.iter()).fold(0f32, |a, &f| a.max(f));
        if own_racks != (0..racks) {
            // The fast path's bound must not depend on how racks are split over processes.
            let outside = |ids: std::ops::Range<usize>| ids.into_par_iter().map(|id| gpu_factor(seed, var, id as u64)).reduce(|| 0f32, f32::max);
            f_max = f_max.max(outside(0..own_racks.start * gpr)).max(outside(own_racks.end * gpr..racks * gpr));
        }
        let g = &sc.gpu;
        let max_rise_k = g.r_th_k_per_w
            * g.tdp_w.max(g.power_floor_frac * g.tdp_w)
            * f64::from(f_max)
            * gpu::leak_mult(g.leakage_frac, g.leakage_per_k, g.throttle_c - g.leakage_ref_c)
            * 1.001;
        let plant = crate::model::plant_side::Plant::new(&sc, 0.8 * sc.it_capacity_w(), ambient0);
        let fws_demand0 = crate::model::plant_side::initial_fws_flow_frac(&plant);
        let hyd = crate::model::hydraulics::Hydraulics::new(&crate::model::hydraulics::HydraulicsDesign {
            params: co.hydraulics.clone(),
            racks_per_cdu: (0..cdus).map(|c| (c + 1) * racks / cdus - c * racks / cdus).collect(),
            rack_flow_kg_s,
            // The facility loop also feeds the air-side coils: its design flow is the plant's.
            cdu_fws_flow_kg_s: plant.params.fws_design_flow_kg_s() / cdus as f64,
            density_kg_m3: co.density_kg_m3,
            tcs_head_pa: co.tcs_pump_head_pa,
            fws_head_pa: co.fws_pump_head_pa,
        });
        let supply = crate::model::supply_side::SupplySide::new(&sc)?;
        let n_jobs = jobs.len();
        let replay = jobs.iter().map(|j| vec![0f32; j.replay_len()]).collect();
        Ok(Engine {
            leak_table: gpu::LeakTable::new(&sc.gpu, &kp),
            kp,
            blocks,
            rack_step: vec![RackStep::default(); own_racks.len()],
            segments,
            jobs,
            job_steps: vec![JobStep::default(); n_jobs],
            replay,
            cdu_of_rack,
            cdu_cache: vec![cdu::CduCache::default(); cdus],
            cdu_part: Vec::new(),
            cdu_design,
            cdu_supply_c: vec![co.tcs_supply_setpoint_c; cdus],
            cdu_return_c: vec![co.tcs_supply_setpoint_c; cdus],
            cdu_q_liquid_w: vec![0.0; cdus],
            hyd,
            rack_extra_r: vec![0.0; racks],
            rack_flow_acc: vec![(0.0, f64::INFINITY); racks],
            fws_demand_frac: fws_demand0,
            plant,
            supply,
            weather,
            weather_next: None,
            step_index: 0,
            hist_step: None,
            split_cdus,
            psu: electrical::Psu::new(sc.power.psu_rated_w, sc.power.psu_efficiency_frac),
            cap_level_w: f64::INFINITY,
            max_rise_k,
            spin: None,
            last: StepValues::default(),
            acc: crate::engine::run::Accumulators {
                swing: Some(crate::model::supply::swing::SwingMeter::new(sc.step_s, (sc.it_capacity_w() * 1e-6 / sc.step_s.min(1.0)).max(1.0))),
                ..Default::default()
            },
            own_cdus,
            own_racks,
            cdu_rows: vec![0.0; n_cdus * CDU_FIELDS],
            site: SiteStep {
                weather: site_weather0,
                ambient_c: ambient0,
                heat_wave_k: sc.heat_wave_k,
                coolers_out: 0,
                hydro_avail: 1.0,
                hs: crate::model::hydraulics::HydroStep::default(),
            },
            sc,
        })
    }

    /// Total GPUs.
    pub fn gpus(&self) -> u64 {
        self.sc.gpus()
    }

    /// Coolant temperatures at rack `r` after the last step (°C), for the rack series:
    /// inlet = its CDU's TCS supply; outlet from the rack's energy balance
    /// Q_liquid = ṁ_rack·c_p·(T_out − T_in), with ṁ_rack the rack's flow from the last
    /// hydraulic solve (`hyd.rack_flow_kg_s`, so a stuck valve or fouled plate shows); with no
    /// flow through the rack (stopped pump, closed valve), the CDU's return temperature.
    pub fn rack_coolant_c(&self, r: usize) -> (f64, f64) {
        let c = self.cdu_of_rack[r] as usize;
        let inlet = self.cdu_supply_c[c];
        let m = self.hyd.rack_flow_kg_s[r];
        let cp = self.cdu_design[c].cp_j_kg_k;
        let outlet = if m > 0.0 && cp > 0.0 { inlet + self.rack_step[r].q_liquid_w / (m * cp) } else { self.cdu_return_c[c] };
        (inlet, outlet)
    }

    /// Heat stored in GPUs, TCS loops and plant relative to 0 °C (J); in one process.
    pub fn stored_heat_j(&self) -> f64 {
        self.stored_heat_j_from(&self.gpu_temp_sums_by_cdu())
    }

    /// Σ GPU temperature per CDU (°C), every CDU in order; 0 for CDUs this engine does not
    /// step. GPUs are summed rack by rack, racks in order, so the sums do not depend on how
    /// racks are split into blocks or processes.
    pub fn gpu_temp_sums_by_cdu(&self) -> Vec<f64> {
        let gpr = self.sc.gpus_per_rack as usize;
        let mut sums = vec![0.0; self.cdu_design.len()];
        for b in &self.blocks {
            for k in 0..b.racks {
                let rack: f64 = b.gpus.temp_c[k * gpr..(k + 1) * gpr].iter().map(|&t| f64::from(t)).sum();
                sums[self.cdu_of_rack[b.first_rack + k] as usize] += rack;
            }
        }
        sums
    }

    /// [`Engine::stored_heat_j`] from the per-CDU GPU temperature sums of every CDU.
    pub fn stored_heat_j_from(&self, gpu_temp_sums_by_cdu: &[f64]) -> f64 {
        let c = f64::from(self.kp.c_j_per_k);
        let gpu: f64 = gpu_temp_sums_by_cdu.iter().sum::<f64>() * c;
        let tcs: f64 = self.cdu_design.iter().zip(&self.cdu_supply_c).map(|(d, t)| d.c_j_k * t).sum();
        gpu + tcs + self.plant.stored_heat_j()
    }

    /// Whether the pool's other workers spin through the serial stages (the plant, the
    /// supply, the record, the next step's stages 1-3) instead of going to sleep. A worker that
    /// sleeps must be woken when the parallel stage starts, which on a virtual machine costs
    /// microseconds per step (an idle virtual CPU is halted); a spinning one joins at once.
    /// Only for an engine that owns its pool: under a sweep the workers have other cases' work
    /// to do; and only when the pool has no more threads than the machine has cores for this
    /// process (spinners on an oversubscribed machine would take cores from the serial stages).
    /// The results do not depend on it.
    pub fn set_spin_wait(&mut self, on: bool) {
        self.stop_spinners();
        let threads = rayon::current_num_threads();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.spin = (on && threads > 1 && threads <= cores).then(|| std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)));
    }

    /// Starts the spinners (one per other worker) of [`Engine::set_spin_wait`]; they stop when
    /// [`Engine::stop_spinners`] is called, after [`SPIN_LIMIT`] at the latest, or at once if
    /// they run on the thread that started them (it may pick them up while it waits).
    fn start_spinners(&self) {
        let Some(flag) = &self.spin else { return };
        flag.store(false, std::sync::atomic::Ordering::Release);
        let me = rayon::current_thread_index();
        for _ in 1..rayon::current_num_threads() {
            let flag = flag.clone();
            rayon::spawn(move || {
                if rayon::current_thread_index() == me {
                    return;
                }
                let t0 = std::time::Instant::now();
                while !flag.load(std::sync::atomic::Ordering::Acquire) {
                    for _ in 0..64 {
                        std::hint::spin_loop();
                    }
                    if t0.elapsed() > SPIN_LIMIT {
                        break;
                    }
                }
            });
        }
    }

    fn stop_spinners(&self) {
        if let Some(flag) = &self.spin {
            flag.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Advances one step; returns its values.
    pub fn step(&mut self) -> StepValues {
        self.step_local();
        self.step_global()
    }

    /// Stages 1-6 for this engine's racks and CDUs: fills their rows of
    /// [`Engine::cdu_rows`]. Under MPI the rows of the other CDUs must be filled in before
    /// [`Engine::step_global`].
    pub fn step_local(&mut self) {
        self.step_local_with(&mut || {});
    }

    /// [`Engine::step_local`] with `side` run beside the GPU blocks (on this thread, whose
    /// share of the blocks the other workers then take): serial work of the caller's that
    /// does not touch the engine, such as recording the last step.
    pub fn step_local_with(&mut self, side: &mut (dyn FnMut() + Send)) {
        let sc = &self.sc;
        let dt = sc.step_s;
        let t0 = self.step_index as f64 * dt;
        let t1 = t0 + dt;
        let unix = sc.start_unix_s + t0;

        // Wake the pool's idle workers now: they spin for a while before sleeping again, so the
        // serial stages 1-3 hide their wake-up and they are ready when stage 4 starts.
        if rayon::current_num_threads() > 1 && self.spin.is_none() {
            rayon::spawn(|| {});
        }
        // 1. Workload.
        for ((js, j), table) in self.job_steps.iter_mut().zip(&self.jobs).zip(&mut self.replay) {
            *js = j.job_step(t0, t1);
            if !table.is_empty() {
                // Power replay: the step's targets; the equivalent utilisation feeds the cap stage.
                let mean_w = j.fill_replay(js, t0, t1, sc.gpu.idle_w, table);
                let busy = (1.0 - js.idle_frac).max(1e-9);
                let run_w = (mean_w - js.idle_frac * sc.gpu.idle_w) / busy;
                js.base_util = ((run_w - sc.gpu.idle_w) / (sc.gpu.tdp_w - sc.gpu.idle_w).max(1.0)).clamp(0.0, 1.0);
            }
        }

        // 2. Events active at t0.
        let hyd = &mut self.hyd;
        hyd.reset_inputs();
        let mut heat_wave_k = sc.heat_wave_k;
        let mut coolers_out = 0u32;
        let mut hydro_avail = 1.0f64;
        let mut site_cap_w: Option<f64> = None;
        for e in &sc.events {
            if t0 + 1e-9 >= e.at_s && t0 < e.at_s + e.duration_s {
                match e.kind {
                    EventKind::CduPumpFailure { cdu } => hyd.inputs_mut().cdu_running[cdu as usize] = 0,
                    EventKind::ValveStuck { rack, position_frac } => hyd.inputs_mut().rack_position[rack as usize] = position_frac,
                    EventKind::PumpTrip { cdu, standby_start_s } => {
                        // One duty pump out; a standby (if any is left) runs after the delay.
                        let (tcs_standby, fws_standby) = (hyd.params.tcs_standby_pumps, hyd.params.fws_standby_pumps);
                        let (running, standby) = match cdu {
                            Some(c) => (&mut hyd.inputs_mut().cdu_running[c as usize], tcs_standby),
                            None => (&mut hyd.fws_running, fws_standby),
                        };
                        if !(standby > 0 && t0 + 1e-9 >= e.at_s + standby_start_s) {
                            *running = running.saturating_sub(1);
                        }
                    }
                    EventKind::Fouling { .. } => {}
                    EventKind::HeatWave { offset_k } => heat_wave_k += offset_k,
                    EventKind::DryCoolerOutage { units } => coolers_out += units,
                    EventKind::HydroOutage { fraction } => hydro_avail *= 1.0 - fraction,
                    EventKind::PowerCap { cap_w } => site_cap_w = Some(site_cap_w.map_or(cap_w, |c: f64| c.min(cap_w))),
                    EventKind::JobFailure { .. } => {}
                }
            }
        }
        // Fouling builds up over its event and stays (quantised to 0.1 % to limit re-solves).
        for e in &sc.events {
            if let EventKind::Fouling { rack, resistance_factor } = e.kind {
                if t0 + 1e-9 >= e.at_s {
                    let x = if e.duration_s.is_finite() && e.duration_s > 0.0 { ((t0 - e.at_s) / e.duration_s).clamp(0.0, 1.0) } else { 1.0 };
                    let f = 1.0 + (resistance_factor - 1.0) * x;
                    hyd.inputs_mut().rack_fouling[rack as usize] *= (f * 1000.0).round() / 1000.0;
                }
            }
        }
        // 2b. Hydraulics: solved only when an input or a pump speed changed.
        let mut hs = hyd.step_tcs(dt);
        let gpr = sc.gpus_per_rack as usize;
        if hyd.flows_changed {
            let m_design = hyd.rack_design_kg_s / gpr as f64;
            for (r, x) in self.rack_extra_r.iter_mut().enumerate() {
                *x = crate::model::hydraulics::plate_extra_k_per_w(
                    sc.gpu.r_th_k_per_w,
                    hyd.params.plate_convective_frac,
                    sc.cooling.cp_j_kg_k,
                    m_design,
                    hyd.rack_flow_kg_s[r] / gpr as f64,
                );
            }
        }
        let weather = match self.weather_next.take() {
            Some((at, w)) if at == unix.to_bits() => w,
            _ => self.weather.sample(unix),
        };
        let ambient_c = weather.dry_bulb_c + heat_wave_k;
        self.site = SiteStep { weather, ambient_c, heat_wave_k, coolers_out, hydro_avail, hs };

        // 3. Caps: the site limit from events and the supply, as a per-GPU cap level.
        let supply_limit_w = self.supply.limit_w(t0, dt, &weather, hydro_avail, self.last.facility_power_mw * 1e6);
        let limit_w = match (site_cap_w, supply_limit_w) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.cap_level_w = match limit_w {
            None => f64::INFINITY,
            Some(limit) => {
                // Per-GPU demand of each job this step (utilisation known from stage 1).
                let mut groups: Vec<(f64, f64)> = Vec::with_capacity(self.jobs.len() + 1);
                let mut in_jobs = 0.0;
                for (j, js) in self.jobs.iter().zip(&self.job_steps) {
                    groups.push((f64::from(j.job.gpus), j.rack_util(js, 0, j.first_rack, t0, t1)));
                    in_jobs += f64::from(j.job.gpus);
                }
                groups.push(((sc.gpus() as f64 - in_jobs).max(0.0), 0.0));
                cap_level(&self.last, &groups, sc, limit)
            }
        };

        // Does this step close a record window (the recorder then asks for percentiles)?
        let count_hist = self.closes_record_window(self.step_index);
        self.hist_step = count_hist.then_some(self.step_index + 1);
        // 4. GPUs and racks, in parallel over blocks.
        let ctx = StepCtx {
            kp: &self.kp,
            t0,
            t1,
            dt,
            jobs: &self.jobs,
            job_steps: &self.job_steps,
            replay: &self.replay,
            segments: &self.segments,
            cdu_of_rack: &self.cdu_of_rack,
            cdu_supply_c: &self.cdu_supply_c,
            rack_extra_r: &self.rack_extra_r,
            r_th_k_per_w: sc.gpu.r_th_k_per_w,
            first_step: self.step_index == 0,
            count_hist,
            gpus_per_rack: sc.gpus_per_rack as usize,
            overhead_w: sc.rack_overhead_w,
            psu: self.psu,
            capture: sc.cooling.liquid_capture_frac,
            c_th_per_dt: sc.gpu.c_th_j_per_k / dt,
            inv_gpr: 1.0 / f64::from(sc.gpus_per_rack.max(1)),
            cap_level_w: self.cap_level_w as f32,
            max_rise_k: self.max_rise_k,
            leak_table: &self.leak_table,
        };
        self.stop_spinners();
        // Each block's racks' results (blocks may differ in size).
        let mut outs: Vec<&mut [RackStep]> = Vec::with_capacity(self.blocks.len());
        let mut rest = &mut self.rack_step[..];
        for b in &self.blocks {
            let (mine, others) = std::mem::take(&mut rest).split_at_mut(b.racks);
            outs.push(mine);
            rest = others;
        }
        let (hyd, fws_demand_frac, blocks, flow_acc) = (&mut self.hyd, self.fws_demand_frac, &mut self.blocks, &mut self.rack_flow_acc);
        let (weather_src, weather_next) = (&self.weather, &mut self.weather_next);
        let unix_next = sc.start_unix_s + (self.step_index + 1) as f64 * dt;
        // The blocks as a queue taken from both ends: this thread steps them from the first
        // on, the others from the last back, until they meet (so each keeps stepping about the
        // same blocks, whose state stays in its cache; who steps which block changes no
        // result). Where the engine owns its pool ([`Engine::set_spin_wait`]) this thread then
        // spins until every block is done, so it leaves the stage as soon as the last block
        // ends (rayon's own wait yields to the system between checks: ~2 µs a step here);
        // under a sweep it waits as rayon does, free to take other cases' work.
        let n_blocks = blocks.len();
        let queue: Vec<QueuedBlock<'_>> = blocks.iter_mut().zip(outs).map(|x| std::sync::Mutex::new(Some(x))).collect();
        let ends = std::sync::Mutex::new((0usize, n_blocks));
        let (done, failed) = (AtomicUsize::new(0), AtomicBool::new(false));
        let work = |from_front: bool| loop {
            let i = {
                let mut e = ends.lock().unwrap_or_else(|e| e.into_inner());
                if e.0 >= e.1 {
                    break;
                }
                if from_front {
                    e.0 += 1;
                    e.0 - 1
                } else {
                    e.1 -= 1;
                    e.1
                }
            };
            let slot = &queue[i];
            let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            let (b, out) = taken.expect("each block is taken once");
            // A block that panics releases the spinning thread (the panic then reaches the join).
            let _guard = PanicFlag(&failed);
            step_block(&ctx, b, out);
            done.fetch_add(1, Ordering::Release);
        };
        // The facility loop's hydraulics (they feed stage 6 and the plant, not the GPUs) run
        // beside the blocks, on this thread, which then joins the blocks.
        let others = rayon::current_num_threads().saturating_sub(1);
        let spin = self.spin.is_some();
        rayon::join(
            || {
                side();
                // Other serial work the blocks do not need rides along: the racks' flow
                // statistics and the next step's weather (a pure function of time).
                for (a, m) in flow_acc.iter_mut().zip(&hyd.rack_flow_kg_s) {
                    a.0 += m * dt;
                    a.1 = a.1.min(*m);
                }
                *weather_next = Some((unix_next.to_bits(), weather_src.sample(unix_next)));
                hyd.step_fws(dt, fws_demand_frac, &mut hs);
                work(true);
                while spin && done.load(Ordering::Acquire) < n_blocks && !failed.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            },
            || (0..others).into_par_iter().for_each(|_| work(false)),
        );
        self.site.hs = hs;

        // 5. Reduction, racks in order within each CDU (per-CDU rows). Each block has folded
        // the CDUs whose racks all lie in it (the same additions in the same order); the CDUs
        // split between two blocks are folded here.
        let mut part = std::mem::take(&mut self.cdu_part);
        part.clear();
        part.resize(self.own_cdus.len(), RackStep::empty_sum());
        for b in &self.blocks {
            part[b.whole_cdus.start - self.own_cdus.start..b.whole_cdus.end - self.own_cdus.start].copy_from_slice(&b.cdu_sums);
        }
        let (racks_all, cdus_all) = (sc.racks as usize, sc.cooling.cdus as usize);
        for &c in &self.split_cdus {
            let racks = cdu_first_rack(c, racks_all, cdus_all)..cdu_first_rack(c + 1, racks_all, cdus_all);
            for rs in &self.rack_step[racks.start - self.own_racks.start..racks.end - self.own_racks.start] {
                part[c - self.own_cdus.start].fold(rs);
            }
        }

        // 6. CDUs (this engine's), each against last step's facility water.
        let co = &sc.cooling;
        let t_fws = self.plant.supply_c();
        for (c, t) in self.own_cdus.clone().zip(&part) {
            self.cdu_q_liquid_w[c] = t.q_liquid_w;
            let flows = cdu::Flows {
                tcs_kg_s: self.hyd.cdu_flow_kg_s[c],
                fws_kg_s: self.cdu_design[c].fws_flow_kg_s * hs.fws_available_frac,
                pump_w: self.hyd.tcs[c].pump_power_w,
            };
            let s = cdu::step_cached(
                &self.cdu_design[c],
                &mut self.cdu_cache[c],
                self.cdu_supply_c[c],
                co.tcs_supply_setpoint_c,
                co.cdu_control_tau_s,
                self.cdu_q_liquid_w[c],
                flows,
                t_fws,
                dt,
            );
            self.cdu_supply_c[c] = s.supply_c;
            self.cdu_return_c[c] = s.return_c;
            let m = self.hyd.cdu_flow_kg_s[c];
            let row = [
                t.gpu_w,
                t.it_w,
                t.q_liquid_w,
                t.q_air_w,
                t.temp_sum_c,
                t.temp_max_c,
                t.throttled,
                t.offline,
                t.compute,
                t.demand,
                t.burn_w,
                s.q_hx_w,
                s.pump_w,
                m * s.supply_c,
                m * s.return_c,
                m,
                s.supply_c,
            ];
            self.cdu_rows[c * CDU_FIELDS..(c + 1) * CDU_FIELDS].copy_from_slice(&row);
        }
        self.cdu_part = part;
    }

    /// Stages 5 (across CDUs), 7-10 from the rows of every CDU in [`Engine::cdu_rows`]:
    /// CDUs folded in order, plant, electrical chain, supply, record. Runs alike in every MPI
    /// rank, so each holds the same plant, supply and accumulators.
    pub fn step_global(&mut self) -> StepValues {
        self.start_spinners();
        let sc = &self.sc;
        let dt = sc.step_s;
        let t0 = self.step_index as f64 * dt;
        let SiteStep { weather, ambient_c, heat_wave_k, coolers_out, hydro_avail, hs } = self.site;
        let unix = sc.start_unix_s + t0;
        let mut tot = RackStep { temp_max_c: f64::MIN, ..Default::default() };
        let (mut q_hx, mut pump_w, mut sup_w, mut ret_w, mut flow_w) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (c, row) in self.cdu_rows.chunks_exact(CDU_FIELDS).enumerate() {
            tot.gpu_w += row[0];
            tot.it_w += row[1];
            tot.q_liquid_w += row[2];
            tot.q_air_w += row[3];
            tot.temp_sum_c += row[4];
            tot.temp_max_c = tot.temp_max_c.max(row[5]);
            tot.throttled += row[6];
            tot.offline += row[7];
            tot.compute += row[8];
            tot.demand += row[9];
            tot.burn_w += row[10];
            q_hx += row[11];
            pump_w += row[12];
            sup_w += row[13];
            ret_w += row[14];
            flow_w += row[15];
            self.cdu_supply_c[c] = row[16];
        }
        let (tcs_supply_c, tcs_return_c) = if flow_w > 0.0 {
            (sup_w / flow_w, ret_w / flow_w)
        } else {
            let n = self.cdu_supply_c.len() as f64;
            let m = self.cdu_supply_c.iter().sum::<f64>() / n;
            (m, m)
        };

        // 7. Plant.
        let sink = &sc.cooling.rejection.sink;
        let sink_c = crate::model::plant_side::sink_c(sink, &weather, heat_wave_k, unix);
        let po = self.plant.step(q_hx, tot.q_air_w, sink_c, dt, coolers_out, hs.fws_pump_w, hs.fws_available_frac);
        let water_kg_s = crate::model::plant_side::water_kg_s(sink, &self.plant, &po, ambient_c, sink_c);
        self.fws_demand_frac = po.fws_flow_frac;

        // 8. Electrical chain.
        let cooling_w = pump_w + po.cooling_power_w;
        let fac = electrical::facility(
            tot.it_w,
            cooling_w,
            sc.power.facility_base_w,
            sc.power.distribution_efficiency_frac,
            sc.power.mechanical_efficiency_frac,
        );

        // 9. Supply.
        let sup = self.supply.dispatch(t0, dt, &weather, hydro_avail, fac.facility_w);

        // 10. Record.
        let n_gpus = self.gpus() as f64;
        let mw = 1e-6;
        let v = StepValues {
            it_power_mw: tot.it_w * mw,
            gpu_power_mw: tot.gpu_w * mw,
            cooling_power_mw: cooling_w * mw,
            electrical_loss_mw: fac.electrical_loss_w * mw,
            facility_power_mw: fac.facility_w * mw,
            pue: if tot.it_w > 0.0 { fac.facility_w / tot.it_w } else { 0.0 },
            ambient_c,
            fws_supply_c: po.fws_supply_c,
            fws_return_c: po.fws_return_c,
            tcs_supply_c,
            tcs_return_c,
            tcs_supply_max_c: self.cdu_supply_c.iter().copied().fold(f64::MIN, f64::max),
            gpu_temp_mean_c: tot.temp_sum_c / n_gpus,
            gpu_temp_max_c: tot.temp_max_c,
            throttled_gpu_frac: tot.throttled / n_gpus,
            heat_to_liquid_mw: tot.q_liquid_w * mw,
            heat_rejected_mw: po.heat_rejected_w * mw,
            heat_reused_mw: po.heat_reused_w * mw,
            hydro_mw: sup.hydro_mw,
            wind_mw: sup.wind_mw,
            solar_mw: sup.solar_mw,
            grid_import_mw: sup.grid_import_mw,
            battery_mw: sup.battery_mw,
            battery_soc_frac: sup.battery_soc_frac,
            curtailed_mw: sup.curtailed_mw,
            unserved_mw: sup.unserved_mw,
            compute_delivered_frac: if tot.demand > 0.0 { (tot.compute / tot.demand).min(1.0) } else { 1.0 },
            gas_mw: sup.gas_mw,
            grid_export_mw: sup.grid_export_mw,
            heat_to_air_mw: tot.q_air_w * mw,
            tcs_pump_power_mw: pump_w * mw,
            fws_pump_power_mw: po.fws_pump_power_w * mw,
            dry_cooler_fan_power_mw: po.fan_power_w * mw,
            dry_cooler_fan_speed_frac: po.fan_speed_frac,
            air_side_fan_power_mw: po.air_side_fan_power_w * mw,
            chiller_load_mw: po.chiller_cooling_w * mw,
            chiller_power_mw: po.chiller_power_w * mw,
            heat_pump_power_mw: po.heat_pump_power_w * mw,
            gpus_offline: tot.offline,
            gpu_cap_w: if self.cap_level_w.is_finite() { self.cap_level_w } else { 0.0 },
            facility_power_max_mw: fac.facility_w * mw,
            net_draw_mw: sup.net_draw_mw,
            ramp_mw_per_s_max: 0.0,
            gpu_smoothing_burn_mw: tot.burn_w * mw,
            dispatchable_excess_mw: sup.dispatchable_excess_mw,
            tcs_flow_kg_s: hs.tcs_flow_kg_s,
            tcs_pump_head_kpa: hs.tcs_head_pa * 1e-3,
            tcs_rack_dp_kpa: hs.tcs_rack_dp_pa * 1e-3,
            rack_flow_min_kg_s: hs.rack_flow_min_kg_s,
            fws_flow_kg_s: hs.fws_flow_kg_s,
            fws_pump_head_kpa: hs.fws_head_pa * 1e-3,
            hydraulic_solves: f64::from(hs.solves),
            heat_sink_c: sink_c,
            water_m3_per_h: water_kg_s / 1000.0 * 3600.0,
            wue_l_per_kwh: if tot.it_w > 0.0 { water_kg_s / (tot.it_w / 3.6e6) } else { 0.0 },
            ..Default::default()
        };
        let mut v = v;
        v.ramp_mw_per_s_max = self.acc.add_step(&v, &tot, dt, pump_w, &po, &sup);
        self.last = v;
        self.step_index += 1;
        self.last
    }

    /// Per-rack accumulators in rack order.
    pub fn rack_accs(&self) -> Vec<RackAcc> {
        self.blocks.iter().flat_map(|b| b.acc.iter().copied()).collect()
    }

    /// Percentiles of GPU temperatures (°C) from a 0.05 K histogram of every 4th GPU
    /// (a fixed, deterministic sample; the exact maximum is tracked separately).
    pub fn temp_percentiles(&self, qs: &[f64]) -> Vec<f64> {
        temp_percentiles_of(&self.temp_histogram(), qs)
    }

    /// The histogram behind [`Engine::temp_percentiles`] for this engine's GPUs: GPUs whose
    /// global index is a multiple of 4, in [`TEMP_HIST_BINS`] bins of 0.05 K from −20 °C.
    /// Counts add across MPI ranks. After a step that closes a record window the blocks have
    /// counted it already, in the parallel stage while their temperatures were in cache;
    /// otherwise it is counted now ([`Engine::temp_histogram_now`]; the same counts).
    pub fn temp_histogram(&self) -> Vec<u64> {
        if self.hist_step != Some(self.step_index) {
            return self.temp_histogram_now();
        }
        let mut h = vec![0u64; TEMP_HIST_BINS];
        for b in &self.blocks {
            for (a, n) in h[b.hist_lo..].iter_mut().zip(&b.hist) {
                *a += u64::from(*n);
            }
        }
        h
    }

    /// True when step `k` (0-based) closes a record window: every `record_every / step`-th
    /// step, and the last one.
    pub fn closes_record_window(&self, k: u64) -> bool {
        let per_window = (self.sc.record_every_s / self.sc.step_s).round().max(1.0) as u64;
        (k + 1).is_multiple_of(per_window) || k + 1 == self.sc.steps()
    }

    /// [`Engine::temp_histogram`] counted from the GPU state as it is now.
    pub fn temp_histogram_now(&self) -> Vec<u64> {
        let gpr = self.sc.gpus_per_rack as usize;
        let hists: Vec<Vec<u32>> = self
            .blocks
            .par_iter()
            .map(|b| {
                let mut h = vec![0u32; TEMP_HIST_BINS];
                count_temps(&mut h, 0, &b.gpus.temp_c, b.first_rack * gpr);
                h
            })
            .collect();
        let mut h = vec![0u64; TEMP_HIST_BINS];
        for hb in &hists {
            for (a, b) in h.iter_mut().zip(hb) {
                *a += u64::from(*b);
            }
        }
        h
    }
}

/// Adds the GPUs of `temps` whose global index (`first_gpu` + position) is a multiple of 4
/// to the histogram `h` ([`TEMP_HIST_BINS`] bins of 0.05 K from −20 °C).
/// `h` holds bins `lo..lo + h.len()`, which must include every sampled GPU's.
fn count_temps(h: &mut [u32], lo: usize, temps: &[f32], first_gpu: usize) {
    let bin = temp_bin;
    let sampled = &temps[((4 - first_gpu % 4) % 4).min(temps.len())..];
    // Eight samples at a time, so their bins are computed side by side (one vector division
    // instead of eight); the same operations on each sample, the same counts.
    let mut chunks = sampled.chunks_exact(32);
    for c in &mut chunks {
        let bins: [u32; 8] = std::array::from_fn(|k| c[4 * k]).map(bin);
        for i in bins {
            h[i as usize - lo] += 1;
        }
    }
    for &t in chunks.remainder().iter().step_by(4) {
        h[bin(t) as usize - lo] += 1;
    }
}

/// The histogram bin of temperature `t` (°C): 0.05 K bins from −20 °C, the ends clamped, NaN
/// in bin 0. Monotone in `t`. (`u32`, so eight of them vectorise.)
#[inline(always)]
fn temp_bin(t: f32) -> u32 {
    ((t - TEMP_HIST_LO_C) / TEMP_HIST_W_K).clamp(0.0, (TEMP_HIST_BINS - 1) as f32) as u32
}

/// Longest a spinner of [`Engine::set_spin_wait`] waits for the parallel stage (then its
/// worker sleeps as usual).
pub const SPIN_LIMIT: std::time::Duration = std::time::Duration::from_millis(2);

/// Bins of the GPU temperature histogram.
pub const TEMP_HIST_BINS: usize = 4000;
const TEMP_HIST_LO_C: f32 = -20.0;
const TEMP_HIST_W_K: f32 = 0.05;

/// Percentiles (°C) of a GPU temperature histogram ([`Engine::temp_histogram`]).
pub fn temp_percentiles_of(h: &[u64], qs: &[f64]) -> Vec<f64> {
    let total: u64 = h.iter().sum();
    qs.iter()
        .map(|q| {
            let target = (q * total as f64).ceil().max(1.0) as u64;
            let mut c = 0;
            for (i, n) in h.iter().enumerate() {
                c += n;
                if c >= target {
                    return f64::from(TEMP_HIST_LO_C) + (i as f64 + 0.5) * f64::from(TEMP_HIST_W_K);
                }
            }
            f64::NAN
        })
        .collect()
}

/// The per-GPU power cap (W) that makes the site fit under `limit` (facility power, W), by
/// feed-forward water-filling:
/// * GPU budget `B = (limit − F_other)/m`, where `F_other = F_prev − m·G_prev` is the last
///   step's facility power not due to GPUs and `m = (1 + cooling share)/(η_psu·η_dist)` the
///   marginal facility watts per GPU watt;
/// * each job's GPUs would draw `d = L(T̄)·(P_idle + (P_tdp − P_idle)·u)` this step
///   (utilisation from the workload stage, leakage at the last mean GPU temperature);
/// * the cap `L` solves `Σ_groups n·min(d, L) = B` (GPUs below the cap keep their power).
///
/// A budget that covers every GPU's demand gives no cap (+∞). The cap never
/// goes below idle power: what idle GPUs still overdraw is left to the supply (unserved).
fn cap_level(last: &StepValues, groups: &[(f64, f64)], sc: &Scenario, limit: f64) -> f64 {
    let g = &sc.gpu;
    let prev_fac = last.facility_power_mw * 1e6;
    let prev_gpu = last.gpu_power_mw * 1e6;
    let prev_it = last.it_power_mw * 1e6;
    let cooling_share = if prev_it > 0.0 { last.cooling_power_mw * 1e6 / prev_it } else { 0.03 };
    let m = (1.0 + cooling_share) / (sc.power.psu_efficiency_frac * sc.power.distribution_efficiency_frac);
    let other = if prev_fac > 0.0 { prev_fac - m * prev_gpu } else { sc.power.facility_base_w };
    let budget = (limit - other) / m;
    let t_mean = if last.gpu_temp_mean_c > 0.0 { last.gpu_temp_mean_c } else { g.leakage_ref_c };
    let lm = crate::model::gpu::leak_mult(g.leakage_frac, g.leakage_per_k, t_mean - g.leakage_ref_c);
    let mut d: Vec<(f64, f64)> = groups.iter().filter(|(n, _)| *n > 0.0).map(|&(n, u)| (lm * (g.idle_w + (g.tdp_w - g.idle_w) * u), n)).collect();
    let total: f64 = d.iter().map(|(p, n)| p * n).sum();
    if total <= budget {
        return f64::INFINITY;
    }
    // Water-filling: raise L through the sorted demands.
    d.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut below = 0.0; // power of groups fully under the cap
    let mut remaining: f64 = d.iter().map(|(_, n)| n).sum();
    for &(p, n) in &d {
        let level = (budget - below) / remaining;
        if level <= p {
            return level.max(g.idle_w * lm);
        }
        below += p * n;
        remaining -= n;
    }
    f64::INFINITY
}

/// Stage 4 for one block: GPUs and rack heat ([`step_block_impl`], built for AVX2 where the
/// CPU has it: the per-rack passes then use its instructions; no FMA, so the same bits).
fn step_block(ctx: &StepCtx<'_>, b: &mut Block, out: &mut [RackStep]) {
    #[cfg(target_arch = "x86_64")]
    if gpu::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time).
        return unsafe { step_block_avx2(ctx, b, out) };
    }
    step_block_impl(ctx, b, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn step_block_avx2(ctx: &StepCtx<'_>, b: &mut Block, out: &mut [RackStep]) {
    step_block_impl(ctx, b, out)
}

#[inline(always)]
fn step_block_impl(ctx: &StepCtx<'_>, b: &mut Block, out: &mut [RackStep]) {
    let gpr = ctx.gpus_per_rack;
    if b.cap_level_w.to_bits() != ctx.cap_level_w.to_bits() {
        b.gpus.cap_w.iter_mut().for_each(|c| *c = ctx.cap_level_w);
        b.cap_level_w = ctx.cap_level_w;
    }
    // Pass 0: the training jobs' rack utilisations, a job's racks of this block at a time
    // (one straight loop each, vectorised; a rack holds at most one job).
    for (j, job) in ctx.jobs.iter().enumerate() {
        let lo = job.first_rack.max(b.first_rack);
        let hi = (job.first_rack + job.racks).min(b.first_rack + b.racks);
        if lo < hi && job.is_training() {
            let out = &mut b.train_util[lo - b.first_rack..hi - b.first_rack];
            job.training_utils(&ctx.job_steps[j], lo - job.first_rack, ctx.t0, ctx.t1, out);
        }
    }
    // Pass 1: each rack's coolant temperature, fast-path flag and segment utilisations.
    // Racks are independent here, so their divisions overlap instead of stalling between
    // kernel calls.
    b.seg_jobs.clear();
    for (k, prev) in out.iter().enumerate().take(b.racks) {
        let r = b.first_rack + k;
        let t_cool = ctx.cdu_supply_c[ctx.cdu_of_rack[r] as usize];
        // Series resistances r_th + ΔR: the plate's extra drop is the share ΔR/(r_th + ΔR) of
        // the junction-to-supply difference (last step's rack mean GPU temperature), so the
        // kernel's heat to the coolant is (T − T_c)/(r_th + ΔR) — exact at steady state, never
        // negative while the GPUs are warmer than the coolant, stable for any step.
        let x = ctx.rack_extra_r[r];
        let offset_k = if x == 0.0 || ctx.first_step { 0.0 } else { x / (ctx.r_th_k_per_w + x) * (prev.temp_sum_c / gpr as f64 - t_cool) };
        b.coolant_c[k] = t_cool + offset_k;
        let coolant = b.coolant_c[k];
        // Fast path: nothing in this rack can reach the throttle temperature this step.
        let thermal_safe = prev.throttled == 0.0
            && prev.offline == 0.0
            && prev.temp_max_c < ctx.kp.release_c as f64
            && prev.temp_max_c < ctx.kp.shutdown_c as f64
            && coolant + ctx.max_rise_k < f64::from(ctx.kp.throttle_c)
            // The leakage exponent's range (the kernel then skips its clamp): the start
            // temperatures are last step's, whose extremes the rack step carries.
            && !ctx.first_step
            && prev.temp_min_c >= ctx.kp.exp_lo_c
            && prev.temp_max_c <= ctx.kp.exp_hi_c;
        // The leakage multiplier as a cubic about the middle of the start temperatures
        // (last step's extremes), where they lie close enough together.
        let leak = if ctx.first_step { None } else { ctx.leak_table.local(prev.temp_min_c, prev.temp_max_c) };
        for seg in &ctx.segments[r] {
            if seg.job.is_some_and(|j| ctx.jobs[j].replay_gpus().is_some()) {
                continue;
            }
            let (util, active) = match seg.job {
                Some(j) => {
                    let js = &ctx.job_steps[j];
                    let job = &ctx.jobs[j];
                    let u = if job.is_training() {
                        b.train_util[k]
                    } else {
                        job.rack_util_cached(js, seg.rack_in_job, r, ctx.t0, ctx.t1, &mut b.workload_cache[k])
                    };
                    (u, js.run_frac + js.ckpt_frac > 0.0)
                }
                None => (0.0, false),
            };
            let inp = SegmentInput {
                util: util as f32,
                coolant_c: coolant as f32,
                job_active: active,
                caps_active: ctx.cap_level_w.is_finite(),
                thermal_safe,
                leak,
            };
            b.seg_jobs.push(gpu::SegmentJob { inp, lo: k * gpr + seg.lo, hi: k * gpr + seg.hi });
        }
    }
    // Pass 2: the kernel over every segment of the block in one call.
    b.seg_sums.resize(b.seg_jobs.len(), gpu::SegmentSums::default());
    gpu::step_segments(ctx.kp, &b.seg_jobs, &mut b.gpus, &mut b.seg_sums);
    // Pass 3: rack sums in segment order (power-replay segments run their own kernel here).
    let mut next = b.seg_sums.iter();
    for (k, slot) in out.iter_mut().enumerate().take(b.racks) {
        let r = b.first_rack + k;
        let mut rs = RackStep { temp_max_c: f64::MIN, ..Default::default() };
        let (mut max32, mut min32) = (f32::MIN, f32::MAX);
        for seg in &ctx.segments[r] {
            let base = k * gpr;
            // The sums are read in place (a copy through the stack stalled on store forwarding).
            let replay_sums;
            let s: &gpu::SegmentSums = match seg.job.and_then(|j| ctx.jobs[j].replay_gpus().map(|n| (j, n))) {
                Some((j, n)) => {
                    let coolant = b.coolant_c[k];
                    let inp = crate::model::gpu_replay::ReplayInput {
                        targets_w: &ctx.replay[j],
                        n,
                        first_gpu_in_job: seg.rack_in_job * gpr,
                        coolant_c: coolant as f32,
                        caps_active: ctx.cap_level_w.is_finite(),
                    };
                    replay_sums = crate::model::gpu_replay::step_segment(ctx.kp, inp, b.gpus.slices(base + seg.lo..base + seg.hi));
                    &replay_sums
                }
                None => next.next().expect("one sum per kernel segment"),
            };
            rs.gpu_w += s.power_w;
            rs.temp_sum_c += s.temp_c;
            rs.dtemp_sum_k += s.dtemp_k;
            max32 = max32.max(s.temp_max_c);
            min32 = min32.min(s.temp_min_c);
            rs.throttled += s.throttled;
            rs.offline += s.offline;
            rs.compute += s.compute;
            rs.demand += s.demand;
            rs.burn_w += s.burn_w;
        }
        rs.temp_max_c = f64::from(max32);
        rs.temp_min_c = f64::from(min32);
        *slot = rs;
    }
    // Rack power and heat in a pass of their own (independent from rack to rack, so they
    // overlap; reciprocals taken once per step instead of a division per rack).
    for (k, rs) in out.iter_mut().enumerate().take(b.racks) {
        // The trays of thermally shut-down GPUs power off with them: the rack's non-GPU load
        // (CPUs, NICs, switches) falls in proportion to the GPUs offline.
        let overhead_w = ctx.overhead_w * (1.0 - rs.offline * ctx.inv_gpr);
        let out_w = rs.gpu_w + overhead_w;
        rs.it_w = ctx.psu.input_w(out_w);
        // Heat leaving the GPUs into their plates over the step, plus overhead and PSU loss.
        let gpu_heat_w = rs.gpu_w - ctx.c_th_per_dt * rs.dtemp_sum_k;
        let heat_w = gpu_heat_w + overhead_w + (rs.it_w - out_w);
        rs.q_liquid_w = ctx.capture * heat_w;
        rs.q_air_w = heat_w - rs.q_liquid_w;
        let a = &mut b.acc[k];
        a.temp_int += rs.temp_sum_c * ctx.inv_gpr * ctx.dt;
        a.temp_max_c = a.temp_max_c.max(rs.temp_max_c);
        a.energy_j += rs.it_w * ctx.dt;
        a.throttled_gpu_s += rs.throttled * ctx.dt;
        a.offline_gpu_s += rs.offline * ctx.dt;
    }
    // The sums of the CDUs whose racks all lie in this block, racks in order (stage 5 folds
    // the CDUs split between blocks).
    b.cdu_sums.clear();
    let mut k = 0;
    for c in b.whole_cdus.clone() {
        let mut t = RackStep::empty_sum();
        // Racks of the CDU split off at the block's start come first.
        while k < b.racks && (ctx.cdu_of_rack[b.first_rack + k] as usize) < c {
            k += 1;
        }
        while k < b.racks && ctx.cdu_of_rack[b.first_rack + k] as usize == c {
            t.fold(&out[k]);
            k += 1;
        }
        b.cdu_sums.push(t);
    }
    if ctx.count_hist {
        // Only the bins between the block's coldest and hottest GPU can be hit (`temp_bin` is
        // monotone): fewer to clear here and to add in `temp_histogram`. All of them if a
        // temperature is NaN (it counts in bin 0, and no minimum sees it).
        let racks = &out[..b.racks];
        let (lo, hi) = if racks.iter().all(|rs| rs.temp_sum_c.is_finite()) {
            let t_min = racks.iter().fold(f64::INFINITY, |m, rs| m.min(rs.temp_min_c));
            let t_max = racks.iter().fold(f64::NEG_INFINITY, |m, rs| m.max(rs.temp_max_c));
            if t_min <= t_max {
                (temp_bin(t_min as f32) as usize, temp_bin(t_max as f32) as usize)
            } else {
                (0, 0)
            }
        } else {
            (0, TEMP_HIST_BINS - 1)
        };
        b.hist.clear();
        b.hist.resize(hi + 1 - lo, 0);
        b.hist_lo = lo;
        count_temps(&mut b.hist, lo, &b.gpus.temp_c, b.first_rack * gpr);
    }
}

/// The weather source of a scenario: a synthetic climate or an EPW file.
pub fn weather_source(sc: &crate::scenario::Scenario) -> crate::Result<Box<dyn crate::model::weather::WeatherSource>> {
    use crate::scenario::WeatherSpec;
    match &sc.weather {
        WeatherSpec::Climate(name) => {
            let c = crate::model::weather::Climate::from_name(name)
                .ok_or_else(|| crate::FjordError::bad("scenario", None, "site.climate", format!("unknown climate {name}")))?;
            Ok(Box::new(crate::model::weather::SyntheticWeather::new(c, sc.seed, sc.latitude_deg, sc.longitude_deg)))
        }
        WeatherSpec::File(path) => {
            let w = crate::model::epw::EpwWeather::from_path(path)
                .map_err(|e| sc.side_file_error("site.weather_file", &e.path, (e.line > 0).then_some(e.line), &e.message))?;
            Ok(Box::new(w))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{block_cuts, block_racks, cdu_first_rack, count_temps, temp_bin, TEMP_HIST_BINS, TEMP_HIST_LO_C, TEMP_HIST_W_K};

    #[test]
    fn histogram_counts_every_fourth_gpu_like_the_plain_loop() {
        // Temperatures across and beyond the bins, NaN included; every offset and length.
        let temps: Vec<f32> = (0..1000)
            .map(|i| match i % 97 {
                0 => f32::NAN,
                1 => -1e30,
                2 => 1e30,
                _ => -40.0 + 0.173 * i as f32,
            })
            .collect();
        // Counted into a window of bins that holds every sample: the same counts there.
        let finite = &temps[200..290];
        let (t_lo, t_hi) = finite.iter().fold((f32::MAX, f32::MIN), |(a, b), &t| (a.min(t), b.max(t)));
        let (lo, hi) = (temp_bin(t_lo) as usize, temp_bin(t_hi) as usize);
        assert!(lo > 0 && hi > lo + 100, "{lo} {hi}");
        let mut window = vec![0u32; hi + 1 - lo];
        count_temps(&mut window, lo, finite, 1);
        let mut full = vec![0u32; TEMP_HIST_BINS];
        count_temps(&mut full, 0, finite, 1);
        assert_eq!(&full[lo..=hi], &window[..]);
        assert_eq!(full.iter().sum::<u32>(), window.iter().sum::<u32>());
        for first_gpu in 0..8 {
            for len in [0, 1, 3, 31, 32, 33, 64, 100, 999, 1000] {
                let mut fast = vec![0u32; TEMP_HIST_BINS];
                count_temps(&mut fast, 0, &temps[..len], first_gpu);
                let mut plain = vec![0u32; TEMP_HIST_BINS];
                for (j, &t) in temps[..len].iter().enumerate() {
                    if (first_gpu + j) % 4 == 0 {
                        let i = ((t - TEMP_HIST_LO_C) / TEMP_HIST_W_K).clamp(0.0, (TEMP_HIST_BINS - 1) as f32) as usize;
                        plain[i] += 1;
                    }
                }
                assert_eq!(fast, plain, "first GPU {first_gpu}, {len} GPUs");
            }
        }
    }

    #[test]
    fn blocks_are_cut_at_cdu_boundaries_where_the_cdus_allow() {
        // (racks, CDUs, own CDUs, threads): stargate-norway on 1, 2 and 4 threads, an MPI
        // rank's share, CDUs larger than a block, one CDU, fewer CDUs than blocks.
        let cases = [
            (1389, 70, 0..70, 2),
            (1389, 70, 0..70, 1),
            (1389, 70, 0..70, 4),
            (1389, 70, 23..47, 2),
            (200, 2, 0..2, 2),
            (200, 1, 0..1, 1),
            (300, 5, 0..5, 8),
        ];
        for (racks, cdus, own, threads) in cases {
            let per = block_racks(racks, 72, threads);
            let own_racks = cdu_first_rack(own.start, racks, cdus)..cdu_first_rack(own.end, racks, cdus);
            let cuts = block_cuts(own_racks.clone(), own.clone(), racks, cdus, per);
            let label = format!("{racks} racks, {cdus} CDUs, own {own:?}, {threads} threads");
            // The cuts cover the racks in order, no block empty, as many blocks as rack cuts give.
            assert_eq!((cuts[0], *cuts.last().unwrap()), (own_racks.start, own_racks.end), "{label}");
            assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{label}: {cuts:?}");
            assert_eq!(cuts.len() - 1, own_racks.len().div_ceil(per), "{label}");
            let largest = own.clone().map(|c| cdu_first_rack(c + 1, racks, cdus) - cdu_first_rack(c, racks, cdus)).max().unwrap();
            let aligned = cuts.iter().all(|&r| (0..=cdus).any(|c| cdu_first_rack(c, racks, cdus) == r));
            if largest <= per && own.len() >= cuts.len() - 1 {
                // Every CDU inside one block, blocks within a CDU of the even share.
                assert!(aligned, "{label}: {cuts:?}");
                assert!(cuts.windows(2).all(|w| w[1] - w[0] <= per + largest), "{label}: {cuts:?}");
            } else {
                assert_eq!(cuts, own_racks.clone().step_by(per).chain([own_racks.end]).collect::<Vec<_>>(), "{label}");
            }
        }
        // stargate-norway on two threads: 16 blocks, each of whole CDUs (4 or 5, 79-100 racks).
        let cuts = block_cuts(0..1389, 0..70, 1389, 70, block_racks(1389, 72, 2));
        assert_eq!(cuts.len(), 17);
        assert!(cuts.windows(2).all(|w| (79..=100).contains(&(w[1] - w[0]))), "{cuts:?}");
        // No racks, no blocks.
        assert_eq!(block_cuts(5..5, 3..3, 10, 6, 4), vec![5]);
    }

    #[test]
    fn blocks_split_evenly_among_threads_and_fit_l2() {
        for (racks, gpr) in [(1389usize, 72usize), (200, 72), (1, 8), (10_000, 8), (7, 72), (3000, 32)] {
            for threads in [1usize, 2, 3, 4, 8] {
                let per = block_racks(racks, gpr, threads);
                let blocks = racks.div_ceil(per);
                // No block much above the ~6,912-GPU target (one rack of rounding).
                assert!(per * gpr <= 6912 + gpr || per == 1, "{racks}x{gpr}, {threads} threads: {per} racks a block");
                // Every thread gets a block, and the racks split evenly: the largest share
                // is at most one block's worth above the smallest.
                if racks >= threads {
                    let shares: Vec<usize> =
                        (0..threads).map(|t| (0..blocks).filter(|b| b % threads == t).map(|b| per.min(racks - b * per)).sum()).collect();
                    let (lo, hi) = (shares.iter().min().unwrap(), shares.iter().max().unwrap());
                    assert!(hi - lo <= per, "{racks}x{gpr}, {threads} threads: shares {shares:?}");
                }
            }
        }
        // stargate-norway on two threads: 16 blocks of at most 87 racks, not 15 of 96.
        assert_eq!(1389usize.div_ceil(block_racks(1389, 72, 2)), 16);
    }
}
