//! Workloads: the mean utilisation of each job's GPUs over each engine step.
//!
//! Every workload returns the **mean** over the step `[t0, t1)`, computed from closed-form
//! integrals, so an iteration pattern faster than the step never aliases into false energy
//! (halving the step leaves energy unchanged to within the noise terms).
//!
//! * `training` — bulk-synchronous: every iteration of period P spends a share c in the
//!   compute phase (utilisation u_c) and the rest in communication (u_m); the cumulative
//!   compute time `W(τ) = ⌊τ/P⌋·cP + min(τ mod P, cP)` gives the exact mean. Each rack has a
//!   seeded phase offset (σ = `phase_jitter_s`, REFERENCE §8.6). Checkpoints every E for
//!   `checkpoint_s` at `checkpoint_utilization_frac`; job-wide failures with exponential
//!   inter-arrival times (mean `mtbf`) drop the job to idle for `restart_s`; so do
//!   `job_failure` events. Within a step the shares of down time, checkpoint time and
//!   training time are exact; the iteration mean is applied to the training share.
//! * `inference` — `u = ū·(1 + A·cos(2π(h − h_peak)/24)) + noise`: the daily cycle's mean over
//!   the step is integrated exactly; the noise is piecewise linear between per-minute seeded
//!   knots (half shared by the fleet, half per rack), evaluated at mid-step.
//! * `constant` — u after the start time.
//! * `trace` — piecewise-constant replay of measured telemetry; exact step means from prefix
//!   integrals ([`crate::telemetry::replay`]). `signal = "utilization"`: the mean utilisation
//!   of the measured GPUs drives the GPU model. `signal = "power"`: the measured board power
//!   of each GPU is replayed ([`JobRuntime::fill_replay`], [`crate::model::gpu_replay`]).
//!
//! # Utilisation→power curve
//! The GPU kernel is linear in utilisation: `P ∝ P_idle + (P_tdp − P_idle)·u`. A calibrated
//! curve `P = P_idle + (P_tdp − P_idle)·u^γ` (`gpu.utilization_exponent` = γ, fitted by
//! `fjord calibrate`) is applied here, before the kernel, by handing it `u^γ`: where the
//! workload is piecewise constant (training's compute, communication and checkpoint levels,
//! constant load, trace rows) the levels are mapped once when the job is built, so the step
//! mean of `u^γ` stays exact; for inference the step mean is mapped (one `powf` per job
//! segment and step). With γ = 1 nothing changes.
//!
//! Before its start time a job's GPUs idle (u = 0).

pub mod params;

use crate::rng::{normal, uniform, Stream};
use crate::telemetry::replay::{Signal, Tile};
use params::{Job, JobKind};

/// A job prepared for the run: its placement and precomputed down intervals.
#[derive(Debug, Clone)]
pub struct JobRuntime {
    /// The resolved job.
    pub job: Job,
    /// Index in declaration order.
    pub index: usize,
    /// First rack.
    pub first_rack: usize,
    /// Racks (the last may be partly in the job).
    pub racks: usize,
    /// GPUs of the job in its last rack.
    pub gpus_in_last_rack: usize,
    /// Sorted, merged intervals in which the job is down (failure + restart), s since start.
    pub down: Vec<(f64, f64)>,
    /// Number of failures (random and events) in the run.
    pub failures: usize,
    /// Seed.
    seed: u64,
    /// Unix time of the scenario start (s), for the daily cycle.
    unix_offset: f64,
    /// Phase offset of each rack of a training job (s).
    phases: Vec<f64>,
    /// 1/iteration period of a training job (1/s; 0 otherwise).
    inv_iteration_s: f64,
    /// Utilisation→power exponent γ (1 = linear).
    gamma: f64,
    /// Time offsets (fractions of the period) of a shifted power replay, one per slot.
    offsets: Vec<f64>,
}

/// Per-step shares of a job's state, shared by all its racks.
#[derive(Debug, Clone, Copy, Default)]
pub struct JobStep {
    /// Share of the step the job is idle (not started or down).
    pub idle_frac: f64,
    /// Share in checkpoints.
    pub ckpt_frac: f64,
    /// Share training / serving.
    pub run_frac: f64,
    /// Fleet-wide utilisation term for inference and constant/trace jobs.
    pub base_util: f64,
    /// 1/(t1 − t0), the step's reciprocal length (1/s).
    pub inv_span_s: f64,
}

impl JobRuntime {
    /// Places a job and draws its failures for a run of `duration_s`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        job: Job,
        index: usize,
        first_rack: usize,
        gpus_per_rack: usize,
        seed: u64,
        start_unix_s: f64,
        duration_s: f64,
        failure_events: &[f64],
    ) -> Self {
        let racks = (job.gpus as usize).div_ceil(gpus_per_rack);
        let gpus_in_last_rack = job.gpus as usize - (racks - 1) * gpus_per_rack;
        let mut down = Vec::new();
        let mut failures = 0;
        if let JobKind::Training { mtbf_s, restart_s, .. } = job.kind {
            if mtbf_s > 0.0 {
                let mut t = job.start_s;
                let mut k = 0u64;
                loop {
                    let u = uniform(seed, Stream::JobFailure, index as u64, k).max(1e-300);
                    k += 1;
                    t += -mtbf_s * u.ln();
                    if t >= duration_s {
                        break;
                    }
                    down.push((t, t + restart_s));
                    failures += 1;
                    t += restart_s;
                }
            }
            for &at in failure_events {
                down.push((at, at + restart_s));
                failures += 1;
            }
        } else {
            for &at in failure_events {
                down.push((at, at + 600.0));
                failures += 1;
            }
        }
        down.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for (a, b) in down {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut offsets = Vec::new();
        if let JobKind::Trace { data } = &job.kind {
            if data.signal == Signal::Power {
                let slots = data.slots(job.gpus as usize);
                offsets = (0..slots as u64)
                    .map(|k| if data.tile == Tile::Shifted { uniform(seed, Stream::TraceOffset, index as u64, k) } else { 0.0 })
                    .collect();
            }
        }
        let jitter = if let JobKind::Training { phase_jitter_s, .. } = job.kind { phase_jitter_s } else { 0.0 };
        let phases = (0..racks).map(|r| jitter * normal(seed, Stream::RackPhase, (first_rack + r) as u64, 0)).collect();
        let inv_iteration_s = match job.kind {
            JobKind::Training { iteration_s, .. } if iteration_s > 0.0 => 1.0 / iteration_s,
            _ => 0.0,
        };
        JobRuntime {
            job,
            index,
            first_rack,
            racks,
            gpus_in_last_rack,
            down: merged,
            failures,
            seed,
            unix_offset: start_unix_s,
            phases,
            inv_iteration_s,
            gamma: 1.0,
            offsets,
        }
    }

    /// Applies the utilisation→power curve `u ↦ u^γ` (see the module docs): piecewise-constant
    /// levels are mapped here, once.
    pub fn with_curve(mut self, gamma: f64) -> Self {
        if gamma == 1.0 {
            return self;
        }
        let f = |u: f64| u.clamp(0.0, 1.0).powf(gamma);
        self.gamma = gamma;
        match &mut self.job.kind {
            JobKind::Training { compute_util, comm_util, checkpoint_util, .. } => {
                *compute_util = f(*compute_util);
                *comm_util = f(*comm_util);
                *checkpoint_util = f(*checkpoint_util);
            }
            JobKind::Constant { util } => *util = f(*util),
            JobKind::Trace { data } if data.signal == Signal::Utilization => {
                let mut d = (**data).clone();
                for g in &mut d.gpus {
                    let v: Vec<f64> = g.v.iter().map(|&u| f(u)).collect();
                    *g = crate::telemetry::replay::Pwc::new(&g.t_s, &v).expect("non-empty");
                }
                *data = std::sync::Arc::new(d);
            }
            _ => {}
        }
        self
    }

    /// Measured GPUs of a power replay (`None` for any other job).
    pub fn replay_gpus(&self) -> Option<usize> {
        match &self.job.kind {
            JobKind::Trace { data } if data.signal == Signal::Power => Some(data.n()),
            _ => None,
        }
    }

    /// Length of the per-step target table of a power replay (0 for other jobs).
    pub fn replay_len(&self) -> usize {
        self.replay_gpus().map_or(0, |n| n * self.offsets.len())
    }

    /// Fills the step-mean target powers (W) of a power replay, `slots × N`, and returns the
    /// job's mean target (W). While the job is idle (before its start, down after a failure)
    /// its GPUs draw `idle_w`: the targets blend the two by the step's idle share.
    pub fn fill_replay(&self, js: &JobStep, t0: f64, t1: f64, idle_w: f64, out: &mut [f32]) -> f64 {
        let JobKind::Trace { data } = &self.job.kind else { return 0.0 };
        data.fill_power(t0, t1, idle_w, &self.offsets, out);
        let a = js.idle_frac as f32;
        let idle = idle_w as f32;
        let mut sum = 0.0;
        for o in out.iter_mut() {
            *o = a * idle + (1.0 - a) * *o;
            sum += f64::from(*o);
        }
        sum / out.len().max(1) as f64
    }

    /// Job-level shares for the step [t0, t1) (s since scenario start).
    pub fn job_step(&self, t0: f64, t1: f64) -> JobStep {
        let dt = t1 - t0;
        let start = self.job.start_s;
        let not_started = overlap(t0, t1, f64::NEG_INFINITY, start);
        // Down intervals: binary search to the first that may overlap.
        let mut down = 0.0;
        let i0 = self.down.partition_point(|&(_, b)| b <= t0);
        for &(a, b) in &self.down[i0..] {
            if a >= t1 {
                break;
            }
            down += overlap(t0, t1, a, b);
        }
        let idle = ((not_started + down) / dt).min(1.0);
        let mut ckpt = 0.0;
        let mut base = 0.0;
        match &self.job.kind {
            JobKind::Training { checkpoint_every_s, checkpoint_s, .. } if *checkpoint_every_s > 0.0 && *checkpoint_s > 0.0 => {
                let c = |t: f64| ckpt_cumulative(t - start, *checkpoint_every_s, *checkpoint_s);
                // Checkpoint time not already counted as down (approximation: proportional).
                ckpt = ((c(t1) - c(t0)) / dt).max(0.0) * (1.0 - idle);
            }
            JobKind::Inference { mean_util, diurnal_amplitude, peak_hour_utc, noise } => {
                let w = std::f64::consts::TAU / 86400.0;
                let day_s = |t: f64| t - peak_hour_utc * 3600.0;
                // Exact mean of cos over the step (time as unix seconds for the daily cycle).
                let (a, b) = (day_s(self.abs(t0)), day_s(self.abs(t1)));
                let mean_cos = if (b - a) * w > 1e-6 { ((w * b).sin() - (w * a).sin()) / (w * (b - a)) } else { (w * a).cos() };
                let n = 0.5f64.sqrt() * noise * self.noise_at(u64::MAX, 0.5 * (t0 + t1));
                base = mean_util * (1.0 + diurnal_amplitude * mean_cos) + n;
            }
            JobKind::Constant { util } => base = *util,
            JobKind::Trace { data } if data.signal == Signal::Utilization => base = data.mean_util(t0, t1),
            _ => {}
        }
        JobStep { idle_frac: idle, ckpt_frac: ckpt, run_frac: (1.0 - idle - ckpt).max(0.0), base_util: base, inv_span_s: 1.0 / (t1 - t0) }
    }

    /// The mean utilisation of rack `rack_in_job` (0-based within the job) over [t0, t1).
    pub fn rack_util(&self, js: &JobStep, rack_in_job: usize, rack_id: usize, t0: f64, t1: f64) -> f64 {
        self.rack_util_cached(js, rack_in_job, rack_id, t0, t1, &mut RackCache::default())
    }

    /// [`JobRuntime::rack_util`] with the rack's values kept in `knots` between steps: each
    /// per-minute inference-noise knot is drawn once instead of twice every step (the same
    /// values: the result is bit-identical to [`JobRuntime::rack_util`]). A training rack's
    /// utilisation is [`JobRuntime::training_utils`] of that one rack.
    pub fn rack_util_cached(&self, js: &JobStep, rack_in_job: usize, rack_id: usize, t0: f64, t1: f64, knots: &mut RackCache) -> f64 {
        let u = match &self.job.kind {
            JobKind::Training { .. } => {
                let mut u = [0.0];
                self.training_utils(js, rack_in_job, t0, t1, &mut u);
                return u[0];
            }
            JobKind::Inference { noise, .. } => {
                let n = 0.5f64.sqrt() * noise * self.noise_at_cached(rack_id as u64, 0.5 * (t0 + t1), knots);
                let u = (js.base_util + n).clamp(0.0, 1.0);
                js.run_frac * if self.gamma == 1.0 { u } else { u.powf(self.gamma) }
            }
            _ => js.run_frac * js.base_util,
        };
        u.clamp(0.0, 1.0)
    }

    /// True for a training job (its racks' utilisation comes from [`JobRuntime::training_utils`]).
    pub fn is_training(&self) -> bool {
        matches!(self.job.kind, JobKind::Training { .. })
    }

    /// The mean utilisation over `[t0, t1]` of a training job's racks
    /// `first_in_job..first_in_job + out.len()` (what [`JobRuntime::rack_util`] gives for a
    /// training rack): with `W(t)` the compute time done by `t` (iteration period, compute
    /// share, each rack's phase offset), `u = ckpt·u_ckpt + run·(u_comm + (u_compute −
    /// u_comm)·ΔW/Δt)`. One straight loop over the racks' phases, so it vectorises
    /// (`f64::floor` is one instruction with AVX). Leaves `out` alone and returns false for
    /// other kinds of job.
    #[inline(always)]
    pub fn training_utils(&self, js: &JobStep, first_in_job: usize, t0: f64, t1: f64, out: &mut [f64]) -> bool {
        let JobKind::Training { iteration_s, compute_frac, compute_util, comm_util, checkpoint_util, .. } = &self.job.kind else {
            return false;
        };
        let (p, cfr, inv_p, start) = (*iteration_s, *compute_frac, self.inv_iteration_s, self.job.start_s);
        let util = |phase: f64| {
            let w = |t: f64| {
                let tau = t - start + phase;
                let k = (tau * inv_p).floor();
                k * cfr * p + (tau - k * p).min(cfr * p)
            };
            let cf = ((w(t1) - w(t0)) * js.inv_span_s).clamp(0.0, 1.0);
            let u = js.ckpt_frac * checkpoint_util + js.run_frac * (comm_util + (compute_util - comm_util) * cf);
            u.clamp(0.0, 1.0)
        };
        match self.phases.get(first_in_job..first_in_job + out.len()) {
            Some(phases) => out.iter_mut().zip(phases).for_each(|(o, &phase)| *o = util(phase)),
            // (A rack past the job's last has no phase offset.)
            None => out.iter_mut().enumerate().for_each(|(i, o)| *o = util(self.phases.get(first_in_job + i).copied().unwrap_or(0.0))),
        }
        true
    }

    fn abs(&self, t: f64) -> f64 {
        t + self.unix_offset
    }

    /// Standard-normal noise, piecewise linear between per-minute knots.
    fn noise_at(&self, entity: u64, t: f64) -> f64 {
        self.noise_at_cached(entity, t, &mut RackCache::default())
    }

    /// [`JobRuntime::noise_at`], drawing the knots only when `t` enters a new minute (and
    /// reusing the old upper knot as the new lower one when the minute advances by one).
    fn noise_at_cached(&self, entity: u64, t: f64, knots: &mut RackCache) -> f64 {
        let m = floor_exact(t / 60.0);
        let f = t / 60.0 - m;
        let key = entity ^ ((self.index as u64) << 40);
        let minute = m.max(0.0) as u64;
        if knots.key != key || knots.minute != minute || !knots.valid {
            knots.a = if knots.valid && knots.key == key && knots.minute.checked_add(1) == Some(minute) {
                knots.b
            } else {
                normal(self.seed, Stream::InferenceNoise, key, minute)
            };
            knots.b = normal(self.seed, Stream::InferenceNoise, key, minute + 1);
            knots.key = key;
            knots.minute = minute;
            knots.valid = true;
        }
        knots.a + (knots.b - knots.a) * f
    }
}

/// One rack's workload values kept from step to step (a cache, empty by default; the results
/// do not depend on it): the inference-noise knots at the ends of the current minute (the
/// standard-normal draws for minutes `minute` and `minute + 1` of entity `key`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RackCache {
    valid: bool,
    key: u64,
    minute: u64,
    a: f64,
    b: f64,
}

/// `x.floor()`, bit for bit (−0.0, non-finite and huge values included), without the call:
/// the default x86-64 target has no SSE4.1 `roundsd`, so `f64::floor` is a software routine
/// (~2.4 % of a stargate-norway run's CPU). Truncate through `i64` where |x| < 2⁵² (above it
/// every `f64` is an integer), step down when truncation rounded up, and keep the sign of x
/// (`floor(−0.0) = −0.0`, `floor(0.3) = +0.0`).
#[inline]
pub fn floor_exact(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if x.abs() < TWO_52 {
        let t = x as i64 as f64;
        let f = if t > x { t - 1.0 } else { t };
        f.copysign(x)
    } else {
        x
    }
}

/// Length of [a0, a1) ∩ [b0, b1).
fn overlap(a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    (a1.min(b1) - a0.max(b0)).max(0.0)
}

/// Cumulative checkpoint time at τ since start, checkpoints at k·E for k ≥ 1 lasting `cs`.
fn ckpt_cumulative(tau: f64, every: f64, cs: f64) -> f64 {
    if tau < every {
        return 0.0;
    }
    let k = floor_exact(tau / every);
    (k - 1.0) * cs + (tau - k * every).min(cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(mtbf_s: f64) -> Job {
        Job {
            name: "t".into(),
            gpus: 144,
            start_s: 0.0,
            kind: JobKind::Training {
                iteration_s: 6.0,
                compute_frac: 0.75,
                compute_util: 1.0,
                comm_util: 0.2,
                checkpoint_every_s: 1800.0,
                checkpoint_s: 45.0,
                checkpoint_util: 0.0,
                mtbf_s,
                restart_s: 600.0,
                phase_jitter_s: 0.0,
            },
        }
    }

    fn mean_over(j: &JobRuntime, t0: f64, t1: f64, dt: f64) -> f64 {
        let n = ((t1 - t0) / dt).round() as usize;
        let mut e = 0.0;
        for k in 0..n {
            let a = t0 + k as f64 * dt;
            let js = j.job_step(a, a + dt);
            e += j.rack_util(&js, 0, 0, a, a + dt) * dt;
        }
        e / (t1 - t0)
    }

    #[test]
    fn training_mean_does_not_alias() {
        let j = JobRuntime::new(training(0.0), 0, 0, 72, 1, 0.0, 7200.0, &[]);
        // Expected: a 45 s checkpoint at 1800 s (7.5 iterations, 34.5 s of which would have
        // been compute) at utilisation 0; the rest 0.2 + 0.8 × compute share.
        let fine = mean_over(&j, 0.0, 3600.0, 0.1);
        let coarse = mean_over(&j, 0.0, 3600.0, 7.0 * 60.0 / 7.0 * 10.0);
        let exact = (0.2 * 3555.0 + 0.8 * (2700.0 - 34.5)) / 3600.0;
        assert!((fine - exact).abs() < 1e-9, "{fine} vs {exact}");
        // A coarse step applies the iteration mean to its training share: within 0.05 %.
        assert!((coarse - exact).abs() < 5e-4 * exact, "{coarse} vs {exact}");
        // An aliasing step (4 s sampling of a 6 s square wave) would not give this.
        let js = j.job_step(0.0, 1.0);
        assert!((j.rack_util(&js, 0, 0, 0.0, 1.0) - 1.0).abs() < 1e-12);
        let js = j.job_step(5.0, 6.0);
        assert!((j.rack_util(&js, 0, 0, 5.0, 6.0) - 0.2).abs() < 1e-12);
        let js = j.job_step(4.0, 5.0);
        assert!((j.rack_util(&js, 0, 0, 4.0, 5.0) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn failures_drop_to_idle_then_restart() {
        let j = JobRuntime::new(training(3600.0), 0, 0, 72, 7, 0.0, 86400.0, &[]);
        assert!(j.failures > 5 && j.failures < 60, "{} failures in a day with 1 h mtbf", j.failures);
        let (a, b) = j.down[0];
        assert!((b - a - 600.0).abs() < 1e-9);
        let js = j.job_step(a + 1.0, a + 2.0);
        assert_eq!(j.rack_util(&js, 0, 0, a + 1.0, a + 2.0), 0.0);
        let ev = JobRuntime::new(training(0.0), 0, 0, 72, 7, 0.0, 86400.0, &[100.0]);
        assert_eq!(ev.down, vec![(100.0, 700.0)]);
    }

    #[test]
    fn floor_exact_matches_floor_bit_for_bit() {
        let two52 = 4_503_599_627_370_496.0f64;
        let mut xs =
            vec![0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 0.999_999_999_999, -1e-300, 1e-300, f64::MIN_POSITIVE, -f64::MIN_POSITIVE, 5e-324, -5e-324];
        xs.extend([two52, -two52, two52 - 0.5, -(two52 - 0.5), two52 * 2.0 + 2.0, 1e300, -1e300, f64::MAX, f64::MIN]);
        xs.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 9.2e18, -9.3e18]);
        for k in -1000i64..1000 {
            let x = k as f64 * 0.25;
            xs.extend([x, x.next_up(), x.next_down(), x / 6.0, x / 60.0]);
        }
        // Random bit patterns cover every exponent.
        for i in 0..200_000u64 {
            xs.push(f64::from_bits(crate::rng::uniform(3, Stream::GpuFactor, i, 0).to_bits() ^ (i << 52)));
            xs.push(crate::rng::uniform(3, Stream::GpuFactor, i, 1) * 1e6 - 5e5);
        }
        for x in xs {
            assert_eq!(floor_exact(x).to_bits(), x.floor().to_bits(), "floor of {x:e}");
        }
    }

    #[test]
    fn cached_noise_knots_give_the_same_utilisation() {
        let job = Job {
            name: "inf".into(),
            gpus: 720,
            start_s: 0.0,
            kind: JobKind::Inference { mean_util: 0.5, diurnal_amplitude: 0.3, peak_hour_utc: 14.0, noise: 0.2 },
        };
        let j = JobRuntime::new(job, 1, 3, 72, 9, 0.0, 86400.0, &[]);
        // Steps of 1 s, 7 s, 60 s and 3600 s with one cache per rack, kept across steps.
        for dt in [1.0, 7.0, 60.0, 3600.0] {
            let mut knots = [RackCache::default(); 3];
            let mut varied = 0;
            let mut t = 0.0;
            while t < 7200.0 {
                let js = j.job_step(t, t + dt);
                for (r, k) in knots.iter_mut().enumerate() {
                    let cached = j.rack_util_cached(&js, r, 3 + r, t, t + dt, k);
                    let plain = j.rack_util(&js, r, 3 + r, t, t + dt);
                    assert_eq!(cached.to_bits(), plain.to_bits(), "dt {dt}, t {t}, rack {r}");
                    varied += usize::from(cached != js.run_frac * js.base_util);
                }
                t += dt;
            }
            assert!(varied > 0, "the noise must act (dt {dt})");
        }
        // Training racks with phase jitter, 1 s, 0.1 s and 7 s steps, through checkpoints: the
        // racks' utilisations computed together (the engine's vectorised pass) are those of
        // each rack alone and of the scalar formula with `floor_exact` the engine used before,
        // bit for bit, and they differ between racks (the phases act).
        fn one_rack(j: &JobRuntime, js: &JobStep, rack: usize, t0: f64, t1: f64) -> f64 {
            let JobKind::Training { iteration_s: p, compute_frac: cfr, compute_util, comm_util, checkpoint_util, .. } = j.job.kind else {
                unreachable!()
            };
            let w = |t: f64| {
                let tau = t - j.job.start_s + j.phases[rack];
                let k = floor_exact(tau * j.inv_iteration_s);
                k * cfr * p + (tau - k * p).min(cfr * p)
            };
            let cf = ((w(t1) - w(t0)) * js.inv_span_s).clamp(0.0, 1.0);
            (js.ckpt_frac * checkpoint_util + js.run_frac * (comm_util + (compute_util - comm_util) * cf)).clamp(0.0, 1.0)
        }
        let mut job = Job { gpus: 720, ..training(0.0) };
        if let JobKind::Training { phase_jitter_s, .. } = &mut job.kind {
            *phase_jitter_s = 0.5;
        }
        let tr = JobRuntime::new(job, 0, 0, 72, 5, 0.0, 7200.0, &[]);
        let mut distinct = 0;
        for dt in [1.0, 0.1, 7.0] {
            let mut together = [0.0; 9];
            for k in 0..3000 {
                let (t0, t1) = (k as f64 * dt, (k + 1) as f64 * dt);
                let js = tr.job_step(t0, t1);
                assert!(tr.training_utils(&js, 1, t0, t1, &mut together));
                for (r, u) in together.iter().enumerate() {
                    assert_eq!(u.to_bits(), tr.rack_util(&js, r + 1, r + 1, t0, t1).to_bits(), "dt {dt}, t {t0}, rack {r}");
                    assert_eq!(u.to_bits(), one_rack(&tr, &js, r + 1, t0, t1).to_bits(), "dt {dt}, t {t0}, rack {r}");
                }
                distinct += usize::from(together.iter().any(|&u| u != together[0]));
            }
        }
        assert!(distinct > 1000, "the racks' phases must differ ({distinct} steps)");
        // Other kinds of job are left to rack_util_cached.
        let js = j.job_step(30.0, 31.0);
        assert!(!j.training_utils(&js, 0, 30.0, 31.0, &mut [0.0; 2]));
        // A cache handed from one rack to another is redrawn, not reused.
        let js = j.job_step(30.0, 31.0);
        let mut k = RackCache::default();
        let a = j.rack_util_cached(&js, 0, 3, 30.0, 31.0, &mut k);
        let b = j.rack_util_cached(&js, 1, 4, 30.0, 31.0, &mut k);
        assert_ne!(a, b);
        assert_eq!(b.to_bits(), j.rack_util(&js, 1, 4, 30.0, 31.0).to_bits());
    }

    #[test]
    fn trace_mean_is_exact() {
        let t =
            crate::telemetry::readers::parse("time_s,utilization_frac\n0,0.5\n10,1\n15,0\n", "t.csv", crate::telemetry::readers::Format::Csv, 1.0)
                .unwrap();
        let data = crate::telemetry::replay::TraceData::new(&t, Signal::Utilization, Tile::Aligned).unwrap();
        let job = Job { name: "tr".into(), gpus: 8, start_s: 0.0, kind: JobKind::Trace { data: std::sync::Arc::new(data) } };
        let j = JobRuntime::new(job, 0, 0, 8, 1, 0.0, 100.0, &[]);
        let js = j.job_step(5.0, 15.0);
        assert!((js.base_util - 0.75).abs() < 1e-12);
        let js = j.job_step(12.0, 20.0);
        assert!((js.base_util - 3.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn inference_follows_daily_cycle() {
        let job = Job {
            name: "inf".into(),
            gpus: 72,
            start_s: 0.0,
            kind: JobKind::Inference { mean_util: 0.5, diurnal_amplitude: 0.3, peak_hour_utc: 14.0, noise: 0.0 },
        };
        let j = JobRuntime::new(job, 0, 0, 72, 1, 0.0, 86400.0, &[]);
        let at = |h: f64| j.job_step(h * 3600.0, h * 3600.0 + 60.0).base_util;
        assert!((at(14.0) - 0.65).abs() < 1e-3);
        assert!((at(2.0) - 0.35).abs() < 1e-3);
        let day_mean = mean_over(&j, 0.0, 86400.0, 600.0);
        assert!((day_mean - 0.5).abs() < 1e-9);
    }
}
