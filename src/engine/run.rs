//! Running a scenario end to end: the step loop, the recorder, the energy account and the
//! run folder (`timeseries.csv`, `summary.json`, `summary.md`, `racks.csv`, `ramps.csv`,
//! `scenario.resolved.toml`).

use super::{cdu_first_rack, Engine, RackAcc, RackStep, CDU_FIELDS};
use crate::error::{FjordError, Result};
use crate::model::plant_side::PlantOut;
use crate::model::supply::swing::SwingMeter;
use crate::model::supply::DispatchResult;
use crate::output::monthly::{Monthly, MONTHLY_MIN_DURATION_S};
use crate::output::recorder::{fmt_num, Recorder, StepValues};
use crate::output::runfolder::{Kind, RunFolder};
use crate::output::summary::Summary;
use crate::scenario::Scenario;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Run-long accumulators (SI, f64), fed once per step.
#[derive(Debug, Clone, Default)]
pub struct Accumulators {
    /// Steps.
    pub steps: u64,
    /// Water drawn for heat rejection (m³).
    pub water_m3: f64,
    /// Simulated seconds.
    pub time_s: f64,
    /// IT energy (J).
    pub it_j: f64,
    /// GPU energy (J).
    pub gpu_j: f64,
    /// Facility energy (J).
    pub facility_j: f64,
    /// Cooling energy (J).
    pub cooling_j: f64,
    /// Upstream electrical losses (J).
    pub loss_j: f64,
    /// Peak facility power (W).
    pub peak_facility_w: f64,
    /// Max GPU temperature (°C).
    pub gpu_temp_max_c: f64,
    /// Throttled GPU-seconds.
    pub throttled_gpu_s: f64,
    /// Offline GPU-seconds.
    pub offline_gpu_s: f64,
    /// Delivered compute (GPU-s).
    pub compute: f64,
    /// Demanded compute (GPU-s).
    pub demand: f64,
    /// Energy by source (J).
    pub hydro_j: f64,
    /// Wind (J).
    pub wind_j: f64,
    /// Solar (J).
    pub solar_j: f64,
    /// Gas (J).
    pub gas_j: f64,
    /// Grid import (J).
    pub grid_import_j: f64,
    /// Grid export (J).
    pub grid_export_j: f64,
    /// Battery discharge (J).
    pub battery_out_j: f64,
    /// Battery charge (J).
    pub battery_in_j: f64,
    /// Curtailed (J).
    pub curtailed_j: f64,
    /// Unserved (J).
    pub unserved_j: f64,
    /// Hydro/gas output above demand that could not ramp down (J, part of curtailed).
    pub dispatchable_excess_j: f64,
    /// CO₂ (kg).
    pub carbon_kg: f64,
    /// Supply balance residual, max |MW|.
    pub supply_balance_max_mw: f64,
    /// Heat into the cooling system (J): IT heat plus pump, fan-coil and compressor work.
    pub heat_in_j: f64,
    /// Heat out (J): rejected and reused.
    pub heat_out_j: f64,
    /// Reused heat (J).
    pub heat_reused_j: f64,
    /// GPU energy burnt by power smoothing (J).
    pub smoothing_burn_j: f64,
    /// Heat-pump electricity (J).
    pub heat_pump_j: f64,
    /// Chiller electricity (J).
    pub chiller_j: f64,
    /// Seconds with the chiller running.
    pub chiller_s: f64,
    /// Seconds with dry-cooler fans at full speed.
    pub fans_full_s: f64,
    /// Max FWS supply (°C).
    pub fws_supply_max_c: f64,
    /// Max TCS supply (°C).
    pub tcs_supply_max_c: f64,
    /// Power-swing meter.
    pub swing: Option<SwingMeter>,
    /// Net draw of the previous step (MW).
    pub prev_net_mw: Option<f64>,
}

impl Accumulators {
    /// Adds one step; returns |ramp| of the net draw (MW/s).
    pub fn add_step(&mut self, v: &StepValues, tot: &RackStep, dt: f64, cdu_pump_w: f64, po: &PlantOut, sup: &DispatchResult) -> f64 {
        let mw = 1e6 * dt;
        self.steps += 1;
        self.time_s += dt;
        self.it_j += v.it_power_mw * mw;
        self.gpu_j += v.gpu_power_mw * mw;
        self.facility_j += v.facility_power_mw * mw;
        self.cooling_j += v.cooling_power_mw * mw;
        self.loss_j += v.electrical_loss_mw * mw;
        self.peak_facility_w = self.peak_facility_w.max(v.facility_power_mw * 1e6);
        self.gpu_temp_max_c = if self.steps == 1 { v.gpu_temp_max_c } else { self.gpu_temp_max_c.max(v.gpu_temp_max_c) };
        self.throttled_gpu_s += tot.throttled * dt;
        self.offline_gpu_s += tot.offline * dt;
        self.compute += tot.compute * dt;
        self.demand += tot.demand * dt;
        self.hydro_j += sup.hydro_mw * mw;
        self.wind_j += sup.wind_delivered_mw * mw;
        self.solar_j += sup.solar_delivered_mw * mw;
        self.gas_j += sup.gas_mw * mw;
        self.grid_import_j += sup.grid_import_mw * mw;
        self.grid_export_j += sup.grid_export_mw * mw;
        self.battery_out_j += sup.battery_mw.max(0.0) * mw;
        self.battery_in_j += (-sup.battery_mw).max(0.0) * mw;
        self.curtailed_j += sup.curtailed_mw * mw;
        self.unserved_j += sup.unserved_mw * mw;
        self.dispatchable_excess_j += sup.dispatchable_excess_mw * mw;
        self.carbon_kg += sup.carbon_kg();
        self.supply_balance_max_mw = self.supply_balance_max_mw.max(sup.balance_error_mw().abs());
        self.heat_in_j += (tot.it_w + cdu_pump_w + po.work_in_w) * dt;
        self.heat_out_j += (po.heat_rejected_w + po.heat_reused_w) * dt;
        self.heat_reused_j += po.heat_reused_w * dt;
        self.water_m3 += v.water_m3_per_h / 3600.0 * dt;
        self.smoothing_burn_j += tot.burn_w * dt;
        self.heat_pump_j += po.heat_pump_power_w * dt;
        self.chiller_j += po.chiller_power_w * dt;
        if po.chiller_cooling_w > 1.0 {
            self.chiller_s += dt;
        }
        if po.fan_speed_frac >= 0.999 {
            self.fans_full_s += dt;
        }
        self.fws_supply_max_c = if self.steps == 1 { v.fws_supply_c } else { self.fws_supply_max_c.max(v.fws_supply_c) };
        // The hottest CDU loop (a loop whose pump failed drops out of the flow-weighted mean).
        self.tcs_supply_max_c = if self.steps == 1 { v.tcs_supply_max_c } else { self.tcs_supply_max_c.max(v.tcs_supply_max_c) };
        if let Some(s) = self.swing.as_mut() {
            s.push(sup.net_draw_mw, v.facility_power_mw);
        }
        let ramp = self.prev_net_mw.map_or(0.0, |p| (sup.net_draw_mw - p).abs() / dt);
        self.prev_net_mw = Some(sup.net_draw_mw);
        ramp
    }
}

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads (None = all cores).
    pub threads: Option<usize>,
    /// Plots and report page in this format (None = no plots).
    pub plots: Option<crate::plot::ImageFormat>,
    /// Also write `timeseries.parquet` (`--parquet`).
    pub parquet: bool,
    /// Write `racks_timeseries.parquet`, one row per rack per record window (`--series racks`).
    pub rack_series: bool,
    /// Keep the pool's workers spinning through the serial stages ([`Engine::set_spin_wait`]);
    /// set by [`run`] when it builds the run's own pool (never under a sweep).
    pub spin_wait: bool,
}

/// What a finished run returns.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The run folder.
    pub dir: PathBuf,
    /// The summary.
    pub summary: Summary,
}

/// The most worker threads `--threads` takes: far more than any machine fjord runs on has
/// cores (each thread costs a stack; 100,000 of them exhaust memory before the run starts).
pub const MAX_THREADS: usize = 1024;

/// Refuses a `--threads` value outside 1..=[`MAX_THREADS`] (bad input, exit 2).
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(n) if n == 0 || n > MAX_THREADS => {
            Err(FjordError::bad("--threads", None, "", format!("expected 1 to {MAX_THREADS} threads (the cap), found {n}")))
        }
        _ => Ok(()),
    }
}

/// Builds a dedicated thread pool (`--threads N`) or the default one.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    check_threads(threads)?;
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build().map_err(|e| FjordError::Other(format!("cannot start worker threads: {e}")))
}

/// Runs `sc` into the run folder `dest`, calling `progress(steps_done, steps_total)`
/// now and then. The folder appears only when the run is complete.
pub fn run(sc: Scenario, dest: &Path, opts: &RunOptions, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<RunResult> {
    if rayon::current_thread_index().is_some() && opts.threads.is_none() {
        // Already inside a pool (a sweep): share it.
        return run_in_pool(sc, dest, opts, progress);
    }
    let pool = thread_pool(opts.threads)?;
    let opts = RunOptions { spin_wait: true, ..opts.clone() };
    pool.install(|| run_in_pool(sc, dest, &opts, progress))
}

fn run_in_pool(sc: Scenario, dest: &Path, opts: &RunOptions, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<RunResult> {
    run_with_peers(sc, dest, opts, progress, &mut Alone)
}

/// The other processes of a run split over MPI ranks (`crate::mpi`): [`Alone`] when there
/// are none. Every method but the first three is collective: all processes call it in the
/// same order.
pub trait Peers {
    /// This process's index (0 = the root, which writes the run folder and prints).
    fn rank(&self) -> usize;
    /// Number of processes.
    fn size(&self) -> usize;
    /// The CDUs process `p` steps, of `cdus` (contiguous, in order).
    fn cdus_of(&self, p: usize, cdus: usize) -> std::ops::Range<usize> {
        p * cdus / self.size()..(p + 1) * cdus / self.size()
    }
    /// Every process reports how its last phase went; an error anywhere becomes an error
    /// everywhere (each process keeps its own error if it has one).
    fn agree(&mut self, r: Result<()>) -> Result<()>;
    /// Fills in `v` the parts other processes own: process `p` owns `v[part(p)]` (one
    /// collective). `failed` tells the others this process has failed; the call returns an
    /// error if any process has.
    fn fill(&mut self, v: &mut [f64], part: &dyn Fn(usize) -> std::ops::Range<usize>, failed: bool) -> Result<()>;
    /// Adds the counts of every process into `h` on the root.
    fn sum_counts(&mut self, h: &mut [u64]) -> Result<()>;
}

/// One process: nothing to exchange.
pub struct Alone;

impl Peers for Alone {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn agree(&mut self, r: Result<()>) -> Result<()> {
        r
    }
    fn fill(&mut self, _: &mut [f64], _: &dyn Fn(usize) -> std::ops::Range<usize>, _: bool) -> Result<()> {
        Ok(())
    }
    fn sum_counts(&mut self, _: &mut [u64]) -> Result<()> {
        Ok(())
    }
}

/// Values per rack gathered at the end of a distributed run (the fields of `RackAcc`).
const RACK_FIELDS: usize = 5;

/// Runs `phase` on the processes for which `mine` is true and agrees on its outcome with
/// all: each failing process keeps its own error, the others get a short one.
fn agreed<T>(peers: &mut dyn Peers, mine: bool, phase: impl FnOnce() -> Result<T>) -> Result<Option<T>> {
    let r = if mine { Some(phase()) } else { None };
    let status = match &r {
        Some(Err(e)) => Err(FjordError::Other(e.to_string())),
        _ => Ok(()),
    };
    match (peers.agree(status), r) {
        (_, Some(Err(e))) => Err(e),
        (Err(e), _) => Err(e),
        (Ok(()), Some(Ok(v))) => Ok(Some(v)),
        (Ok(()), None) => Ok(None),
    }
}

/// The run loop for one process of a run split over `peers` (the whole run with [`Alone`]).
/// Every process steps the racks of its CDUs; the per-CDU rows are exchanged once a step,
/// folded in CDU order, and plant, supply and accumulators run alike in every process; the
/// root alone writes the run folder. Non-root processes return `dest` and the summary
/// without writing anything.
pub fn run_with_peers(
    sc: Scenario,
    dest: &Path,
    opts: &RunOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
    peers: &mut dyn Peers,
) -> Result<RunResult> {
    let root = peers.rank() == 0;
    let cdus = sc.cooling.cdus as usize;
    let racks = sc.racks as usize;
    let parts: Vec<std::ops::Range<usize>> = (0..peers.size()).map(|p| peers.cdus_of(p, cdus)).collect();
    let own = parts[peers.rank()].clone();
    // The destination is checked and claimed before any work, so a bad --out fails at once.
    let folder = agreed(peers, root, || RunFolder::create(dest, Kind::Run))?;
    let mut engine = agreed(peers, true, || Engine::new_part(sc, own))?.ok_or_else(|| FjordError::Other("no engine".into()))?;
    engine.set_spin_wait(opts.spin_wait);
    let ts_path = folder.as_ref().map(|f| f.file("timeseries.csv")).unwrap_or_default();
    let mut rec = agreed(peers, root, || {
        let file = std::fs::File::create(&ts_path).map_err(|e| FjordError::io(&ts_path, e))?;
        Recorder::new(BufWriter::new(file), engine.sc.start_unix_s).map_err(|e| FjordError::io(&ts_path, e))
    })?;
    // What each process owns of the per-CDU rows, per-CDU sums and per-rack records.
    let rows_of = |p: usize| parts[p].start * CDU_FIELDS..parts[p].end * CDU_FIELDS;
    let cdus_of = |p: usize| parts[p].clone();
    let racks_of = |p: usize| cdu_first_rack(parts[p].start, racks, cdus) * RACK_FIELDS..cdu_first_rack(parts[p].end, racks, cdus) * RACK_FIELDS;
    let mut gpu_sums = engine.gpu_temp_sums_by_cdu();
    peers.fill(&mut gpu_sums, &cdus_of, false)?;
    let stored0 = engine.stored_heat_j_from(&gpu_sums);
    let total = engine.sc.steps();
    // Per-rack series (`--series racks`, single process only: main refuses it under mpirun).
    let racks_path = folder.as_ref().map(|f| f.file("racks_timeseries.parquet")).unwrap_or_default();
    let mut rack_series = match (opts.rack_series && root, folder.as_ref()) {
        (true, Some(_)) => Some(crate::output::parquet::RackSeries::create(&racks_path, &engine.cdu_of_rack)?),
        _ => None,
    };
    let gpus_per_rack = f64::from(engine.sc.gpus_per_rack).max(1.0);
    let qs = [0.05, 0.25, 0.5, 0.75, 0.95];
    let t_start = std::time::Instant::now();
    let report_every = (total / 500).max(1);
    let mut monthly = (engine.sc.duration_s > MONTHLY_MIN_DURATION_S).then(|| Monthly::new(engine.supply.modelled()));
    let mut failure: Option<FjordError> = None;
    // A step's row goes to the recorder while the next step's GPU blocks run (beside them, on
    // this thread: the writing and the window's formatting leave the serial path between
    // steps); the last step's after the loop. With the per-rack series, which reads the
    // engine, every step is recorded at once as before.
    let mut pending: Option<(f64, StepValues, bool)> = None;
    let record =
        |rec: &mut Option<Recorder<BufWriter<std::fs::File>>>, failure: &mut Option<FjordError>, (t_s, v, window_end): (f64, StepValues, bool)| {
            if let (Some(r), None) = (rec.as_mut(), &*failure) {
                r.push(t_s, &v);
                if window_end {
                    if let Err(e) = r.flush() {
                        *failure = Some(FjordError::io(&ts_path, e));
                    }
                }
            }
        };
    for k in 0..total {
        if let Some(m) = monthly.as_mut() {
            m.before_step(engine.sc.start_unix_s + k as f64 * engine.sc.step_s, &engine.acc);
        }
        engine.step_local_with(&mut || {
            if let Some(p) = pending.take() {
                record(&mut rec, &mut failure, p);
            }
        });
        if let Err(e) = peers.fill(&mut engine.cdu_rows, &rows_of, failure.is_some()) {
            return Err(failure.unwrap_or(e));
        }
        let t_s = k as f64 * engine.sc.step_s;
        let mut v = crate::engine::finite_step(t_s, engine.step_global())?;
        if let Some(m) = monthly.as_mut() {
            m.after_step(&v);
        }
        let window_end = engine.closes_record_window(k);
        if window_end {
            let mut h = engine.temp_histogram();
            peers.sum_counts(&mut h)?;
            let p = crate::engine::temp_percentiles_of(&h, &qs);
            v.gpu_temp_p05_c = p[0];
            v.gpu_temp_p25_c = p[1];
            v.gpu_temp_p50_c = p[2];
            v.gpu_temp_p75_c = p[3];
            v.gpu_temp_p95_c = p[4];
        }
        match rack_series.as_mut() {
            None => pending = Some((t_s, v, window_end)),
            Some(rs) => {
                record(&mut rec, &mut failure, (t_s, v, window_end));
                if failure.is_none() {
                    let e = &engine;
                    rs.push(t_s, |r| {
                        let st = &e.rack_step[r];
                        let (inlet_c, outlet_c) = e.rack_coolant_c(r);
                        crate::output::parquet::RackSample {
                            power_w: st.it_w,
                            gpu_temp_mean_c: st.temp_sum_c / gpus_per_rack,
                            gpu_temp_max_c: st.temp_max_c,
                            throttled_frac: st.throttled / gpus_per_rack,
                            inlet_c,
                            outlet_c,
                            flow_kg_s: e.hyd.rack_flow_kg_s[r],
                        }
                    });
                    if window_end {
                        if let Err(e) = rs.flush() {
                            failure = Some(e);
                        }
                    }
                }
            }
        }
        if k % report_every == 0 {
            progress(k, total);
        }
    }
    if let Some(p) = pending.take() {
        record(&mut rec, &mut failure, p);
    }
    engine.set_spin_wait(false);
    let wall_s = t_start.elapsed().as_secs_f64();
    progress(total, total);
    let mut gpu_sums = engine.gpu_temp_sums_by_cdu();
    peers.fill(&mut gpu_sums, &cdus_of, failure.is_some())?;
    let stored1 = engine.stored_heat_j_from(&gpu_sums);
    let mut accs = vec![0.0; racks * RACK_FIELDS];
    for (i, a) in engine.rack_accs().iter().enumerate() {
        let r = engine.own_racks.start + i;
        accs[r * RACK_FIELDS..(r + 1) * RACK_FIELDS].copy_from_slice(&[a.temp_int, a.temp_max_c, a.energy_j, a.throttled_gpu_s, a.offline_gpu_s]);
    }
    peers.fill(&mut accs, &racks_of, failure.is_some())?;
    let mut summary = summarise(&engine, stored1 - stored0, wall_s);
    let months = monthly.map(|m| m.finish(&engine.acc));
    if let Some(months) = &months {
        summary.value("monthly", crate::output::monthly::json(months));
    }
    let broken = summary.non_finite_metrics();
    if !broken.is_empty() {
        let shown: Vec<&str> = broken.iter().take(3).map(String::as_str).collect();
        return Err(FjordError::Other(format!(
            "summary metric{} {} came out as no finite number (the scenario's numbers are beyond what the models can integrate); nothing was written",
            if broken.len() > 1 { "s" } else { "" },
            shown.join(", ")
        )));
    }
    let written = agreed(peers, root, || {
        if let Some(e) = failure {
            return Err(e);
        }
        let (Some(folder), Some(rec)) = (folder, rec) else {
            return Err(FjordError::Other("the root process has no run folder".into()));
        };
        let mut w = rec.into_inner();
        w.flush().map_err(|e| FjordError::io(&ts_path, e))?;
        drop(w);
        if let Some(rs) = rack_series {
            rs.close()?;
        }
        if opts.parquet {
            crate::output::parquet::timeseries_from_csv(&ts_path, &folder.file("timeseries.parquet"))?;
        }
        if let Some(months) = &months {
            folder.write("monthly.csv", &crate::output::monthly::csv(months))?;
        }
        folder.write("summary.json", &summary.to_json())?;
        folder.write("summary.md", &summary_md(&engine, &summary))?;
        let rack_accs: Vec<RackAcc> = accs
            .chunks_exact(RACK_FIELDS)
            .map(|a| RackAcc { temp_int: a[0], temp_max_c: a[1], energy_j: a[2], throttled_gpu_s: a[3], offline_gpu_s: a[4] })
            .collect();
        folder.write("racks.csv", &racks_csv(&engine, &rack_accs))?;
        folder.write("events.csv", &events_csv(&engine))?;
        folder.write("scenario.resolved.toml", &crate::scenario::resolved_toml(&engine.sc))?;
        if let Some(s) = &engine.acc.swing {
            let mut t = String::from("ramp_mw_per_s,count\n");
            for (c, n) in s.histogram() {
                t.push_str(&format!("{},{n}\n", fmt_num(c)));
            }
            folder.write("ramps.csv", &t)?;
        }
        if let Some(fmt) = opts.plots {
            // The GPU state (~3 MB per 100k GPUs) is not needed for the charts and the report:
            // freed first, so the run's peak memory is the larger of the two phases, not their sum.
            drop(std::mem::take(&mut engine.blocks));
            let plots = crate::plot::plot_run(&folder.tmp, fmt)?;
            crate::plot::write_report_as(&folder.tmp, &folder.name(), &plots)?;
        }
        folder.commit()
    })?;
    Ok(RunResult { dir: written.unwrap_or_else(|| dest.to_path_buf()), summary })
}

/// The summary metrics of a finished engine.
pub fn summarise(e: &Engine, stored_change_j: f64, wall_s: f64) -> Summary {
    let a = &e.acc;
    let mwh = 1.0 / 3.6e9;
    let mut s = Summary::default();
    s.text("scenario_name", &e.sc.name);
    s.num("it_energy_mwh", a.it_j * mwh);
    s.num("gpu_energy_mwh", a.gpu_j * mwh);
    s.num("facility_energy_mwh", a.facility_j * mwh);
    s.num("pue", if a.it_j > 0.0 { a.facility_j / a.it_j } else { 0.0 });
    s.num("peak_facility_power_mw", a.peak_facility_w * 1e-6);
    let sw = a.swing.as_ref().map(|m| m.summary());
    s.num("max_ramp_mw_per_s", sw.as_ref().map_or(0.0, |x| x.net_draw.max_ramp_mw_per_s));
    s.num("max_ramp_mw_per_min", sw.as_ref().map_or(0.0, |x| x.net_draw.max_ramp_mw_per_min));
    s.num("max_facility_ramp_mw_per_s", sw.as_ref().map_or(0.0, |x| x.facility.max_ramp_mw_per_s));
    s.num("max_facility_ramp_mw_per_min", sw.as_ref().map_or(0.0, |x| x.facility.max_ramp_mw_per_min));
    s.num("max_minute_swing_mw", sw.as_ref().map_or(0.0, |x| x.net_draw.max_minute_swing_mw));
    s.num("mean_minute_swing_mw", sw.as_ref().map_or(0.0, |x| x.net_draw.mean_minute_swing_mw));
    s.num("ramp_p50_mw_per_s", sw.as_ref().map_or(0.0, |x| x.ramp_p50_mw_per_s));
    s.num("ramp_p99_mw_per_s", sw.as_ref().map_or(0.0, |x| x.ramp_p99_mw_per_s));
    match sw.as_ref().and_then(|x| x.band) {
        Some(b) => {
            s.num("swing_band_share_frac", b.share_frac);
            s.num("swing_band_high_hz", b.high_hz);
        }
        None => s.text("swing_band_share_frac", "n/a (step > 5 s or run < 100 s)"),
    }
    s.num("gpu_temp_max_c", a.gpu_temp_max_c);
    s.num("throttled_gpu_hours", a.throttled_gpu_s / 3600.0);
    s.num("offline_gpu_hours", a.offline_gpu_s / 3600.0);
    // f32 per-GPU sums can exceed the f64 demand by rounding: clamp to 1.
    s.num("compute_delivered_frac", if a.demand > 0.0 { (a.compute / a.demand).min(1.0) } else { 1.0 });
    let supplied = a.hydro_j + a.wind_j + a.solar_j + a.gas_j + a.grid_import_j;
    let renewable = if e.supply.modelled() { a.hydro_j + a.wind_j + a.solar_j } else { 0.0 };
    s.num("renewable_frac", if supplied > 0.0 { renewable / supplied } else { 0.0 });
    s.num("grid_import_mwh", a.grid_import_j * mwh);
    s.num("grid_export_mwh", a.grid_export_j * mwh);
    s.num("hydro_mwh", a.hydro_j * mwh);
    s.num("wind_mwh", a.wind_j * mwh);
    s.num("solar_mwh", a.solar_j * mwh);
    s.num("gas_mwh", a.gas_j * mwh);
    s.num("carbon_t", a.carbon_kg / 1000.0);
    s.num("heat_reused_mwh", a.heat_reused_j * mwh);
    s.num("water_m3", a.water_m3);
    // The Green Grid's WUE: litres of site water per kWh of IT energy.
    s.num("wue_l_per_kwh", if a.it_j > 0.0 { a.water_m3 * 1000.0 / (a.it_j / 3.6e6) } else { 0.0 });
    s.num("unserved_mwh", a.unserved_j * mwh);
    s.num("curtailed_mwh", a.curtailed_j * mwh);
    s.num("dispatchable_excess_mwh", a.dispatchable_excess_j * mwh);
    if let Some(st) = e.supply.state.as_ref() {
        if e.supply.params.as_ref().is_some_and(|p| p.grid.price_series.is_some()) {
            // Σ (import − export) × price × Δt, in the currency of the price file.
            s.num("grid_cost", st.totals.grid_cost);
            s.num("energy_cost", st.totals.grid_cost);
            let cur = e.sc.supply.as_ref().and_then(|sp| sp.block.grid.as_ref()).and_then(|g| g.currency.clone()).unwrap_or_default();
            if !cur.is_empty() {
                s.text("energy_cost_currency", &cur);
            }
        }
        s.num("battery_cycles", st.battery.equivalent_full_cycles());
        s.num("battery_loss_mwh", st.battery.loss_mwh);
    } else {
        s.num("battery_cycles", 0.0);
        s.num("battery_loss_mwh", 0.0);
    }
    s.num("supply_balance_max_error_mw", a.supply_balance_max_mw);
    s.num("gpu_smoothing_energy_mwh", a.smoothing_burn_j * mwh);
    s.num("cooling_energy_mwh", a.cooling_j * mwh);
    s.num("electrical_loss_mwh", a.loss_j * mwh);
    s.num("ppue_cooling", if a.it_j > 0.0 { (a.it_j + a.cooling_j) / a.it_j } else { 0.0 });
    s.num("ere", if a.it_j > 0.0 { (a.facility_j - a.heat_reused_j) / a.it_j } else { 0.0 });
    s.num("chiller_hours", a.chiller_s / 3600.0);
    s.num("chiller_energy_mwh", a.chiller_j * mwh);
    s.num("heat_pump_energy_mwh", a.heat_pump_j * mwh);
    s.num("dry_cooler_full_fan_hours", a.fans_full_s / 3600.0);
    s.num("fws_supply_max_c", a.fws_supply_max_c);
    s.num("tcs_supply_max_c", a.tcs_supply_max_c);
    let err = (a.heat_in_j - a.heat_out_j - stored_change_j) / a.heat_in_j.max(1.0);
    s.num("energy_balance_error_frac", err.abs());
    s.num("heat_in_mwh", a.heat_in_j * mwh);
    s.num("heat_out_mwh", a.heat_out_j * mwh);
    s.num("heat_stored_change_mwh", stored_change_j * mwh);
    s.int("job_failures", e.jobs.iter().map(|j| j.failures as u64).sum());
    s.num("throttle_c", e.sc.gpu.throttle_c);
    s.num("shutdown_c", e.sc.gpu.shutdown_c);
    s.int("gpus", e.gpus());
    s.int("racks", u64::from(e.sc.racks));
    s.int("steps", a.steps);
    s.num("step_s", e.sc.step_s);
    s.num("wall_s", wall_s);
    s.num("gpu_steps_per_s", if wall_s > 0.0 { e.gpus() as f64 * a.steps as f64 / wall_s } else { 0.0 });
    s
}

/// Metrics that vary between identical runs (excluded from determinism checks).
pub const TIMING_KEYS: &[&str] = &["wall_s", "gpu_steps_per_s"];

fn summary_md(e: &Engine, s: &Summary) -> String {
    let g = |k: &str| s.get_f64(k).unwrap_or(f64::NAN);
    let mut t = format!("# {}\n\n", e.sc.name);
    t.push_str(&format!(
        "{} GPUs ({} racks of {} × {}), {} simulated at a {} step.\n\n",
        e.gpus(),
        e.sc.racks,
        e.sc.gpus_per_rack,
        e.sc.gpu_name,
        crate::units::format_duration(e.sc.duration_s),
        crate::units::format_duration(e.sc.step_s)
    ));
    if !e.supply.modelled() {
        t.push_str("**Supply:** no `[supply]` block — the site draws from an unlimited grid connection (grid import = facility power; carbon not assessed).\n\n");
    }
    t.push_str("| metric | value |\n|---|---|\n");
    let rows: &[(&str, &str, &str)] = &[
        ("IT energy", "it_energy_mwh", "MWh"),
        ("Facility energy", "facility_energy_mwh", "MWh"),
        ("PUE", "pue", ""),
        ("Peak facility power", "peak_facility_power_mw", "MW"),
        ("Cooling energy", "cooling_energy_mwh", "MWh"),
        ("Chiller hours", "chiller_hours", "h"),
        ("Heat reused", "heat_reused_mwh", "MWh"),
        ("ERE", "ere", ""),
        ("Water (heat rejection)", "water_m3", "m³"),
        ("WUE", "wue_l_per_kwh", "L/kWh"),
        ("Max GPU temperature", "gpu_temp_max_c", "°C"),
        ("Throttled GPU-hours", "throttled_gpu_hours", "h"),
        ("Compute delivered", "compute_delivered_frac", ""),
        ("Max ramp (net draw)", "max_ramp_mw_per_s", "MW/s"),
        ("Max ramp over 1 min", "max_ramp_mw_per_min", "MW/min"),
        ("Renewable share", "renewable_frac", ""),
        ("Grid import", "grid_import_mwh", "MWh"),
        ("Carbon", "carbon_t", "t CO₂"),
        ("Unserved", "unserved_mwh", "MWh"),
        ("Curtailed", "curtailed_mwh", "MWh"),
        ("Energy balance error", "energy_balance_error_frac", ""),
        ("Speed", "gpu_steps_per_s", "GPU-steps/s"),
    ];
    for (label, key, unit) in rows {
        t.push_str(&format!("| {label} | {} {unit} |\n", fmt_sig(g(key))));
    }
    t.push_str(&format!("\nJob failures: {}. Full metrics in `summary.json`.\n", s.get("job_failures").and_then(|v| v.as_u64()).unwrap_or(0)));
    if let Some(months) = s.get("monthly").and_then(|v| v.as_array()) {
        t.push_str("\n## Months (UTC; `monthly.csv`)\n\n| month | facility MWh | IT MWh | PUE | peak MW | chiller h | heat reused MWh | renewable | t CO₂ | throttled GPU-h | max GPU °C |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for m in months {
            let n = |k: &str| fmt_sig(m.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN));
            t.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                m.get("month").and_then(|v| v.as_str()).unwrap_or("?"),
                n("facility_energy_mwh"),
                n("it_energy_mwh"),
                n("pue"),
                n("peak_facility_power_mw"),
                n("chiller_hours"),
                n("heat_reused_mwh"),
                n("renewable_frac"),
                n("carbon_t"),
                n("throttled_gpu_hours"),
                n("gpu_temp_max_c")
            ));
        }
    }
    t
}

/// Four significant digits for people.
pub fn fmt_sig(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-4..9).contains(&mag) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - mag).max(0) as usize;
    format!("{v:.decimals$}")
}

fn racks_csv(e: &Engine, accs: &[RackAcc]) -> String {
    let mut t = String::from("rack,cdu,job,gpu_temp_mean_c,gpu_temp_max_c,energy_mwh,throttled_gpu_s,offline_gpu_s,flow_kg_s_mean,flow_kg_s_min\n");
    let dur = e.acc.time_s.max(1e-9);
    for (r, a) in accs.iter().enumerate() {
        let job = e.segments[r].iter().find_map(|s| s.job).map(|j| e.jobs[j].job.name.clone()).unwrap_or_else(|| "idle".into());
        t.push_str(&format!(
            "{r},{},{job},{},{},{},{},{},{},{}\n",
            e.cdu_of_rack[r],
            fmt_num(a.temp_int / dur),
            fmt_num(a.temp_max_c),
            fmt_num(a.energy_j / 3.6e9),
            fmt_num(a.throttled_gpu_s),
            fmt_num(a.offline_gpu_s),
            fmt_num(e.rack_flow_acc[r].0 / dur),
            fmt_num(if e.rack_flow_acc[r].1.is_finite() { e.rack_flow_acc[r].1 } else { 0.0 })
        ));
    }
    t
}

/// `events.csv`: what happened and when — every scenario event and every interval in which a
/// job was down (random failure or `job_failure` event, including its restart time), sorted
/// by start. Columns: `start_s`, `end_s` (empty: to the end of the run), `kind`, `detail`.
fn events_csv(e: &Engine) -> String {
    let mut rows: Vec<(f64, f64, String, String)> = Vec::new();
    let end_of_run = e.acc.time_s;
    for ev in &e.sc.events {
        #[allow(unreachable_patterns)]
        let (kind, detail) = match &ev.kind {
            crate::scenario::EventKind::CduPumpFailure { cdu } => ("cdu_pump_failure", format!("CDU {cdu} pump stops")),
            crate::scenario::EventKind::DryCoolerOutage { units } => ("dry_cooler_outage", format!("{units} dry-cooler units off")),
            crate::scenario::EventKind::HydroOutage { fraction } => ("hydro_outage", format!("hydro capacity -{} %", fmt_num(fraction * 100.0))),
            crate::scenario::EventKind::JobFailure { job } => {
                ("job_failure", format!("job {} fails", e.jobs.get(*job).map_or("?", |j| j.job.name.as_str())))
            }
            crate::scenario::EventKind::HeatWave { offset_k } => ("heat_wave", format!("ambient +{} K", fmt_num(*offset_k))),
            crate::scenario::EventKind::PowerCap { cap_w } => ("power_cap", format!("site cap {} MW", fmt_num(cap_w / 1e6))),
            crate::scenario::EventKind::ValveStuck { rack, position_frac } => {
                ("valve_stuck", format!("rack {rack} valve stuck at {} % open", fmt_num(position_frac * 100.0)))
            }
            crate::scenario::EventKind::PumpTrip { cdu, standby_start_s } => {
                let lp = cdu.map_or_else(|| "facility-water loop".to_string(), |c| format!("CDU {c}"));
                ("pump_trip", format!("{lp} duty pump trips, standby (if any) starts after {} s", fmt_num(*standby_start_s)))
            }
            crate::scenario::EventKind::Fouling { rack, resistance_factor } => {
                let over =
                    if ev.duration_s.is_finite() && ev.duration_s > 0.0 { format!("over {} s", fmt_num(ev.duration_s)) } else { "at once".into() };
                ("fouling", format!("rack {rack} branch resistance rises to ×{} {over} and stays", fmt_num(*resistance_factor)))
            }
            _ => ("event", String::new()),
        };
        // A job failure is an instant (its down time is the `job_down` row); fouling stays, so
        // its row is an instant too (the detail says how long it builds up).
        let end = if kind == "job_failure" || kind == "fouling" { ev.at_s } else { ev.at_s + ev.duration_s };
        rows.push((ev.at_s, end, kind.to_string(), detail));
    }
    for j in &e.jobs {
        for &(a, b) in &j.down {
            if a < end_of_run {
                rows.push((a, b, "job_down".into(), format!("job {} down (failure and restart)", j.job.name)));
            }
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
    let mut t = String::from("start_s,end_s,kind,detail\n");
    for (a, b, kind, detail) in rows {
        let end = if b.is_finite() && b < end_of_run { fmt_num(b) } else { String::new() };
        t.push_str(&format!("{},{end},{kind},\"{}\"\n", fmt_num(a), detail.replace('"', "'")));
    }
    t
}

/// Convenience for tests and sweeps: run quietly.
pub fn run_quiet(sc: Scenario, dest: &Path, threads: Option<usize>) -> Result<RunResult> {
    run(sc, dest, &RunOptions { threads, ..RunOptions::default() }, &|_, _| {})
}
