//! Parameters of `[[workload.jobs]]`: per-kind defaults (REFERENCE §8), the physical range
//! of every key, keys that belong to another kind refused, and the placement check (jobs take
//! whole racks in order of declaration).

use crate::scenario::check::{dur_s, hint, ranges, Diagnostics, KeyError, Range};
use crate::scenario::raw::{Dur, JobBlock};

/// What a job does.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Bulk-synchronous training.
    Training {
        /// Iteration period (s).
        iteration_s: f64,
        /// Share of an iteration in the compute phase.
        compute_frac: f64,
        /// Utilisation in the compute phase.
        compute_util: f64,
        /// Utilisation in the communication phase.
        comm_util: f64,
        /// Checkpoint period (s, 0 = none).
        checkpoint_every_s: f64,
        /// Checkpoint duration (s).
        checkpoint_s: f64,
        /// Utilisation while checkpointing.
        checkpoint_util: f64,
        /// Mean time between job-wide failures (s, 0 = none).
        mtbf_s: f64,
        /// Restart delay after a failure (s).
        restart_s: f64,
        /// Std-dev of the per-rack phase offset (s).
        phase_jitter_s: f64,
    },
    /// Inference serving with a daily cycle and noise.
    Inference {
        /// Mean utilisation.
        mean_util: f64,
        /// Amplitude of the daily cycle (fraction of utilisation).
        diurnal_amplitude: f64,
        /// Hour of the daily peak (UTC).
        peak_hour_utc: f64,
        /// Std-dev of the minute-scale noise (utilisation).
        noise: f64,
    },
    /// Constant utilisation.
    Constant {
        /// Utilisation.
        util: f64,
    },
    /// Replay of measured telemetry (utilisation or board power); each value holds until the
    /// next sample.
    Trace {
        /// The measured series, per measured GPU.
        data: std::sync::Arc<crate::telemetry::replay::TraceData>,
    },
}

/// One job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Name.
    pub name: String,
    /// GPUs requested.
    pub gpus: u32,
    /// Start time (s since scenario start).
    pub start_s: f64,
    /// Behaviour.
    pub kind: JobKind,
}

/// Job kinds.
pub const JOB_KINDS: &[&str] = &["training", "inference", "constant", "trace"];

ranges! {
    /// Ranges of a job.
    RANGES;
    const GPUS: Range = Range {
        key: "workload.jobs[].gpus",
        lo: 1.0,
        hi: 5e7,
        what: "a number of GPUs",
        why: "placed on whole racks; the jobs together fit in the cluster",
    };
    const ITERATION_S: Range = Range {
        key: "workload.jobs[].iteration_s",
        lo: 0.001,
        hi: 86_400.0,
        what: "an iteration period (s)",
        why: "large-model training iterates every 1-10 s (REFERENCE §8.6)",
    };
    const COMPUTE_FRAC: Range =
        Range { key: "workload.jobs[].compute_frac", lo: 0.0, hi: 1.0, what: "a fraction", why: "share of an iteration spent computing" };
    const COMPUTE_UTIL: Range = Range { key: "workload.jobs[].compute_utilization_frac", lo: 0.0, hi: 1.0, what: "a utilisation", why: "" };
    const COMM_UTIL: Range = Range { key: "workload.jobs[].comm_utilization_frac", lo: 0.0, hi: 1.0, what: "a utilisation", why: "" };
    const CHECKPOINT_S: Range =
        Range { key: "workload.jobs[].checkpoint_s", lo: 0.0, hi: 1e6, what: "a duration (s)", why: "shorter than checkpoint_every" };
    const CHECKPOINT_UTIL: Range = Range { key: "workload.jobs[].checkpoint_utilization_frac", lo: 0.0, hi: 1.0, what: "a utilisation", why: "" };
    const RESTART_S: Range =
        Range { key: "workload.jobs[].restart_s", lo: 0.0, hi: 1e7, what: "a duration (s)", why: "restart delay after a failure (minutes)" };
    const PHASE_JITTER_S: Range =
        Range { key: "workload.jobs[].phase_jitter_s", lo: 0.0, hi: 86_400.0, what: "a time (s)", why: "no longer than iteration_s" };
    const MEAN_UTIL: Range = Range { key: "workload.jobs[].mean_utilization_frac", lo: 0.0, hi: 1.0, what: "a utilisation", why: "" };
    const DIURNAL: Range = Range { key: "workload.jobs[].diurnal_amplitude_frac", lo: 0.0, hi: 1.0, what: "a fraction", why: "of the mean utilisation" };
    const PEAK_HOUR: Range = Range { key: "workload.jobs[].peak_hour_utc", lo: 0.0, hi: 24.0, what: "an hour", why: "of the day, UTC" };
    const NOISE: Range =
        Range { key: "workload.jobs[].noise_frac", lo: 0.0, hi: 0.5, what: "a fraction", why: "std-dev of minute-scale noise in utilisation" };
    const UTIL: Range = Range { key: "workload.jobs[].utilization_frac", lo: 0.0, hi: 1.0, what: "a utilisation", why: "" };
}

macro_rules! get {
    ($opt:expr, $default:expr) => {
        crate::scenario::check::dflt(&mut $opt, $default)
    };
}

/// Fills every job's defaults by kind (`longitude_deg` sets the inference peak at 14:00 local
/// solar time) and refuses keys of another kind.
pub fn fill_defaults(jobs: &mut [JobBlock], longitude_deg: f64) -> Result<(), KeyError> {
    for (i, j) in jobs.iter_mut().enumerate() {
        j.name.get_or_insert_with(|| format!("job{}", i + 1));
        let kind = j.kind.get_or_insert_with(|| "training".to_string()).clone();
        let key = |k: &str| format!("workload.jobs[{i}].{k}");
        if j.gpus.is_none() {
            return Err((key("gpus"), "missing: expected the number of GPUs the job takes".into()));
        }
        if j.start.is_none() {
            j.start = Some(Dur::Text("0s".into()));
        } else {
            let secs = dur_s(&j.start, &key("start"))?;
            j.start = Some(Dur::from_s(secs));
        }
        let allowed: &[&str] = match kind.as_str() {
            "training" => {
                get!(j.iteration_s, 2.0);
                get!(j.compute_frac, 0.75);
                get!(j.compute_utilization_frac, 0.965);
                get!(j.comm_utilization_frac, 0.2);
                j.checkpoint_every.get_or_insert_with(|| Dur::Text("30m".into()));
                get!(j.checkpoint_s, 60.0);
                get!(j.checkpoint_utilization_frac, 0.0);
                if j.mtbf.is_none() {
                    // [D] 2e-5 unexpected interruptions per GPU-hour (Llama 3, REFERENCE §8.3).
                    let hours = 1.0 / (2.0e-5 * f64::from(j.gpus.unwrap_or(1).max(1)));
                    j.mtbf = Some(Dur::from_s((hours * 3600.0).round()));
                }
                get!(j.restart_s, 600.0);
                get!(j.phase_jitter_s, 0.03);
                for (d, k) in [(&mut j.checkpoint_every, "checkpoint_every"), (&mut j.mtbf, "mtbf")] {
                    let secs = dur_s(d, &key(k))?;
                    *d = Some(Dur::from_s(secs));
                }
                &[
                    "iteration_s",
                    "compute_frac",
                    "compute_utilization_frac",
                    "comm_utilization_frac",
                    "checkpoint_every",
                    "checkpoint_s",
                    "checkpoint_utilization_frac",
                    "mtbf",
                    "restart_s",
                    "phase_jitter_s",
                ]
            }
            "inference" => {
                get!(j.mean_utilization_frac, 0.55);
                get!(j.diurnal_amplitude_frac, 0.25);
                get!(j.peak_hour_utc, ((14.0 - longitude_deg / 15.0).rem_euclid(24.0) * 10.0).round() / 10.0);
                get!(j.noise_frac, 0.05);
                &["mean_utilization_frac", "diurnal_amplitude_frac", "peak_hour_utc", "noise_frac"]
            }
            "constant" => {
                get!(j.utilization_frac, 0.8);
                &["utilization_frac"]
            }
            "trace" => {
                if j.file.is_none() {
                    return Err((
                        key("file"),
                        "missing: a trace job needs `file` (nvidia-smi or DCGM telemetry, or CSV with header time_s,utilization_frac)".into(),
                    ));
                }
                for (k, v, options) in [
                    ("format", &mut j.format, &["auto", "nvidia-smi", "dcgm", "csv"][..]),
                    ("signal", &mut j.signal, &["auto", "power", "utilization"][..]),
                    ("tile", &mut j.tile, &["aligned", "shifted"][..]),
                ] {
                    let val = v.get_or_insert_with(|| options[0].to_string()).clone();
                    if !options.contains(&val.as_str()) {
                        let hint = crate::error::nearest(&val, options).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                        return Err((key(k), format!("unknown {k} \"{val}\"{hint}; expected one of {}", options.join(", "))));
                    }
                }
                let every = if j.sample_every.is_some() { crate::scenario::check::dur_s(&j.sample_every, &key("sample_every"))? } else { 1.0 };
                j.sample_every = Some(crate::scenario::raw::Dur::from_s(every));
                &["file", "format", "signal", "tile", "sample_every"]
            }
            other => {
                let hint = hint(other, JOB_KINDS);
                return Err((key("kind"), format!("unknown job kind \"{other}\"{hint}; expected one of training, inference, constant, trace")));
            }
        };
        // Keys that belong to another kind are refused, not silently ignored.
        for k in keys_present(j) {
            if !["name", "kind", "gpus", "start"].contains(&k) && !allowed.contains(&k) {
                return Err((key(k), format!("not a key of a `{kind}` job; its keys are name, kind, gpus, start, {}", allowed.join(", "))));
            }
        }
    }
    Ok(())
}

fn keys_present(j: &JobBlock) -> Vec<&'static str> {
    let v = toml::Value::try_from(j).ok();
    let mut out = vec![];
    if let Some(toml::Value::Table(t)) = v {
        for k in JobBlock::KEYS {
            if t.contains_key(*k) {
                out.push(*k);
            }
        }
    }
    out
}

/// A trace reader: the job → its trace data, or (key within the job, message).
pub type TraceReader<'a> = &'a dyn Fn(&JobBlock) -> Result<crate::telemetry::replay::TraceData, (String, String)>;

/// Checks filled jobs and places them on `racks` racks of `gpus_per_rack`.
pub fn resolve(jobs_raw: &[JobBlock], racks: u32, gpus_per_rack: u32, read_trace: TraceReader, d: &mut Diagnostics) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut used: u64 = 0;
    for (i, j) in jobs_raw.iter().enumerate() {
        let key = |k: &str| format!("workload.jobs[{i}].{k}");
        let name = j.name.clone().unwrap_or_default();
        if jobs.iter().any(|x| x.name == name) {
            d.error(key("name"), format!("job name \"{name}\" is used twice"));
        }
        let gpus = j.gpus.unwrap_or(0);
        if gpus == 0 {
            d.error(key("gpus"), "expected at least 1 GPU");
        }
        // Jobs take whole racks.
        let racks_needed = u64::from(gpus).div_ceil(u64::from(gpus_per_rack.max(1)));
        used += racks_needed;
        if used > u64::from(racks) {
            d.error(key("gpus"), format!("the jobs need {used} whole racks of {gpus_per_rack} GPUs but the cluster has {racks}"));
        }
        let start_s = d.dur(&key("start"), &j.start);
        let checkpoint_every_s = d.dur(&key("checkpoint_every"), &j.checkpoint_every);
        let mtbf_s = d.dur(&key("mtbf"), &j.mtbf);
        let num = |d: &mut Diagnostics, r: &Range, v: Option<f64>| d.num_at(&key(r.key.rsplit('.').next().unwrap_or("")), r, v);
        let kind = match j.kind.as_deref().unwrap_or("training") {
            "training" => {
                let iteration_s = num(d, &ITERATION_S, j.iteration_s);
                let checkpoint_s = num(d, &CHECKPOINT_S, j.checkpoint_s);
                if checkpoint_every_s > 0.0 && checkpoint_s >= checkpoint_every_s {
                    d.error(key("checkpoint_s"), "expected shorter than checkpoint_every");
                }
                let phase_jitter_s = num(d, &PHASE_JITTER_S, j.phase_jitter_s);
                if phase_jitter_s > iteration_s {
                    d.error(key("phase_jitter_s"), format!("expected a time (s) no longer than iteration_s ({iteration_s}), found {phase_jitter_s}"));
                }
                JobKind::Training {
                    iteration_s,
                    compute_frac: num(d, &COMPUTE_FRAC, j.compute_frac),
                    compute_util: num(d, &COMPUTE_UTIL, j.compute_utilization_frac),
                    comm_util: num(d, &COMM_UTIL, j.comm_utilization_frac),
                    checkpoint_every_s,
                    checkpoint_s,
                    checkpoint_util: num(d, &CHECKPOINT_UTIL, j.checkpoint_utilization_frac),
                    mtbf_s,
                    restart_s: num(d, &RESTART_S, j.restart_s),
                    phase_jitter_s,
                }
            }
            "inference" => JobKind::Inference {
                mean_util: num(d, &MEAN_UTIL, j.mean_utilization_frac),
                diurnal_amplitude: num(d, &DIURNAL, j.diurnal_amplitude_frac),
                peak_hour_utc: num(d, &PEAK_HOUR, j.peak_hour_utc),
                noise: num(d, &NOISE, j.noise_frac),
            },
            "constant" => JobKind::Constant { util: num(d, &UTIL, j.utilization_frac) },
            "trace" => match read_trace(j) {
                Ok(data) => JobKind::Trace { data: std::sync::Arc::new(data) },
                Err((k, m)) => {
                    d.error(key(&k), m);
                    JobKind::Constant { util: 0.0 }
                }
            },
            other => {
                d.error(key("kind"), format!("unknown job kind \"{other}\""));
                JobKind::Constant { util: 0.0 }
            }
        };
        jobs.push(Job { name, gpus, start_s, kind });
    }
    jobs
}
