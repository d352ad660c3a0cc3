//! A trace job's measured signal, ready for replay: piecewise-constant series per measured
//! GPU with prefix integrals, so the mean over any engine step is exact (no aliasing of
//! 100 ms samples into a 1 s step, or of a 1 s step into 100 ms samples).
//!
//! * `utilization`: the job's GPUs follow the mean utilisation of the measured GPUs (the
//!   engine gives one utilisation per job segment); the GPU model turns it into power.
//! * `power`: GPU *g* of the job (0-based within the job) replays measured GPU `g mod N` of
//!   copy `k = ⌊g/N⌋`. `tile = "aligned"`: every copy in lockstep, the trace once, its last
//!   value holding after its end. `tile = "shifted"`: each copy plays the trace in a loop from
//!   a seeded offset in [0, period) (period = last − first sample time); at most
//!   [`MAX_SLOTS`] distinct offsets (copy k uses offset `k mod 64`), so the per-step cost is
//!   at most 64·N integrals whatever the job's size.
//!
//! Tiling conserves mean power per GPU: aligned copies are exact repeats; a looped copy's
//! mean over whole periods equals the trace's.

use super::readers::Telemetry;

/// Most distinct time offsets of a shifted tiling.
pub const MAX_SLOTS: usize = 64;

/// Which signal drives the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Measured board power.
    Power,
    /// Measured utilisation through the GPU model.
    Utilization,
}

/// How N measured GPUs drive M simulated ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tile {
    /// Lockstep copies.
    Aligned,
    /// Seeded time offsets, looped.
    Shifted,
}

/// A piecewise-constant series with prefix integrals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pwc {
    /// Row times (s), strictly increasing.
    pub t_s: Vec<f64>,
    /// Values; each holds until the next row.
    pub v: Vec<f64>,
    prefix: Vec<f64>,
}

impl Pwc {
    /// From rows; NaN values are skipped (the previous value holds). `None` if no value.
    pub fn new(t: &[f64], v: &[f64]) -> Option<Pwc> {
        let mut out = Pwc::default();
        for (&a, &b) in t.iter().zip(v) {
            if b.is_finite() {
                out.t_s.push(a);
                out.v.push(b);
            }
        }
        if out.v.is_empty() {
            return None;
        }
        let mut acc = 0.0;
        for i in 0..out.t_s.len() {
            out.prefix.push(acc);
            if let Some(n) = out.t_s.get(i + 1) {
                acc += out.v[i] * (n - out.t_s[i]);
            }
        }
        Some(out)
    }

    /// ∫ from the first row to t (the last value holds after the end; 0 before the start).
    fn integral(&self, t: f64) -> f64 {
        let i = self.t_s.partition_point(|&a| a <= t);
        if i == 0 {
            return 0.0;
        }
        self.prefix[i - 1] + self.v[i - 1] * (t - self.t_s[i - 1])
    }

    /// Value in force at `t` (the first value before the first row).
    pub fn value_at(&self, t: f64) -> f64 {
        self.v[self.t_s.partition_point(|&a| a <= t).saturating_sub(1)]
    }

    /// Mean over [t0, t1); before the first row `before` holds.
    pub fn mean(&self, t0: f64, t1: f64, before: f64) -> f64 {
        let first = self.t_s[0];
        let pre = (t1.min(first) - t0).max(0.0) * before;
        (pre + self.integral(t1) - self.integral(t0.max(first).min(t1))) / (t1 - t0)
    }

    /// Loop period (s): last − first row time (the last row's value is not replayed when
    /// looping). 0 for a single row.
    pub fn period(&self) -> f64 {
        self.t_s[self.t_s.len() - 1] - self.t_s[0]
    }

    /// Mean over [t0, t1) of the series looped with period [`Pwc::period`], starting at its first
    /// row at time `-offset`.
    pub fn mean_looped(&self, t0: f64, t1: f64, offset: f64) -> f64 {
        let per = self.period();
        if per <= 0.0 {
            return self.v[0];
        }
        let total = self.integral(self.t_s[0] + per);
        let cum = |t: f64| {
            let x = t + offset;
            let k = (x / per).floor();
            k * total + self.integral(self.t_s[0] + (x - k * per))
        };
        (cum(t1) - cum(t0)) / (t1 - t0)
    }

    /// Time-weighted mean over the whole series (s from first to last row).
    pub fn overall_mean(&self) -> f64 {
        let per = self.period();
        if per <= 0.0 {
            self.v[0]
        } else {
            self.integral(self.t_s[0] + per) / per
        }
    }
}

/// A trace job's data.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceData {
    /// The file.
    pub path: String,
    /// Signal replayed.
    pub signal: Signal,
    /// Tiling.
    pub tile: Tile,
    /// Per measured GPU: power (W) or utilisation (0-1).
    pub gpus: Vec<Pwc>,
}

impl TraceData {
    /// From telemetry: the chosen signal of every GPU that has it.
    pub fn new(t: &Telemetry, signal: Signal, tile: Tile) -> Option<TraceData> {
        let gpus: Vec<Pwc> = t
            .gpus
            .iter()
            .filter_map(|g| match signal {
                Signal::Power => Pwc::new(&g.t_s, &g.power_w),
                Signal::Utilization => Pwc::new(&g.t_s, &g.util_frac),
            })
            .collect();
        (!gpus.is_empty()).then(|| TraceData { path: t.path.clone(), signal, tile, gpus })
    }

    /// Measured GPUs.
    pub fn n(&self) -> usize {
        self.gpus.len()
    }

    /// First and last row time over the GPUs (s).
    pub fn span_s(&self) -> (f64, f64) {
        let lo = self.gpus.iter().map(|g| g.t_s[0]).fold(f64::INFINITY, f64::min);
        let hi = self.gpus.iter().map(|g| g.t_s[g.t_s.len() - 1]).fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    /// Mean utilisation of the measured GPUs over [t0, t1) (0 before a GPU's first row).
    pub fn mean_util(&self, t0: f64, t1: f64) -> f64 {
        self.gpus.iter().map(|g| g.mean(t0, t1, 0.0)).sum::<f64>() / self.n() as f64
    }

    /// Distinct offsets (slots) for a job of `gpus` GPUs.
    pub fn slots(&self, gpus: usize) -> usize {
        match self.tile {
            Tile::Aligned => 1,
            Tile::Shifted => gpus.div_ceil(self.n()).clamp(1, MAX_SLOTS),
        }
    }

    /// Step-mean power of every (slot, measured GPU) into `out` (`slots·N` long, slot-major):
    /// `before_w` before a GPU's first row (aligned tiling), offsets from `offsets`.
    pub fn fill_power(&self, t0: f64, t1: f64, before_w: f64, offsets: &[f64], out: &mut [f32]) {
        let n = self.n();
        match self.tile {
            Tile::Aligned => {
                for (o, g) in out.iter_mut().zip(&self.gpus) {
                    *o = g.mean(t0, t1, before_w) as f32;
                }
            }
            Tile::Shifted => {
                for (s, off) in offsets.iter().enumerate() {
                    for (i, g) in self.gpus.iter().enumerate() {
                        out[s * n + i] = g.mean_looped(t0, t1, off * g.period()) as f32;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_means_are_exact_and_loop_conserves_the_mean() {
        let p = Pwc::new(&[0.0, 10.0, 15.0, 20.0], &[100.0, 200.0, f64::NAN, 50.0]).unwrap();
        // NaN at 15 s: 200 holds to 20 s.
        assert!((p.mean(5.0, 15.0, 0.0) - 150.0).abs() < 1e-12);
        assert!((p.mean(18.0, 22.0, 0.0) - 125.0).abs() < 1e-12);
        assert_eq!(p.period(), 20.0);
        assert!((p.overall_mean() - 150.0).abs() < 1e-12);
        // Looping from any offset: the mean over whole periods is the trace's mean.
        for off in [0.0, 3.3, 17.0] {
            let m = p.mean_looped(0.0, 200.0, off);
            assert!((m - 150.0).abs() < 1e-9, "{off}: {m}");
        }
        // Before the first row `before` holds.
        let q = Pwc::new(&[10.0, 20.0], &[300.0, 300.0]).unwrap();
        assert!((q.mean(0.0, 20.0, 100.0) - 200.0).abs() < 1e-12);
    }
}
