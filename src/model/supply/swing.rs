//! Power-swing metrics of the site, measured at the engine step (before any recording
//! average), streaming: one `push` per step, O(1) memory apart from fixed-size buffers.
//!
//! Two channels are tracked: the **net draw** on the supply connections (what a grid
//! operator sees: facility power less battery discharge, less local wind and solar; see
//! [`super::dispatch`]) and the **facility power** itself.
//!
//! # Metrics
//! * **Step ramp** `(P_k − P_{k−1}) / dt` (MW/s): the maximum of its magnitude per channel,
//!   and for the net draw a histogram of its signed value: 201 equal bins spanning
//!   `[−scale, +scale]` (the centre bin is centred on 0) plus an underflow and an overflow
//!   bin; `scale` is fixed at construction so the bins are deterministic. The p50/p99 of
//!   `|ramp|` are read from the folded histogram at bin centres (resolution one bin width
//!   `2·scale/201`); a percentile in the under/overflow bins reads as `scale` (i.e. "≥ scale").
//! * **Ramp over 60 s** (MW/min): `max |P(t) − P(t − 60 s)|`, from a ring buffer of
//!   `k = round(60 s / dt)` samples (≥ 1, capped at 2^20). When `k·dt ≠ 60 s` the difference
//!   is scaled to a minute by `60 / (k·dt)`. During the first minute the difference to the
//!   first sample is used (a change within less than 60 s, unscaled).
//! * **Peak-to-trough per clock minute** (MW): `max − min` within each minute
//!   `floor(t / 60 s)` (t = sample index × dt since the meter started; start the meter on a
//!   minute boundary for wall-clock minutes), its maximum and its mean over minutes, the
//!   minute in progress included.
//! * **Band share** of the facility power: the share of its (mean-removed) variance at
//!   frequencies in `[0.1 Hz, min(20 Hz, Nyquist)]` — the critical band of arXiv 2508.14318
//!   (REFERENCE §8.4, [S2]; its example limit is ≤ 20 %). Streaming Welch-type estimate: the
//!   signal is cut into consecutive blocks of `N = 2^m` samples with `N·dt ≥ 100 s` (so the
//!   frequency resolution `1/(N·dt) ≤ 0.01 Hz` resolves the 0.1 Hz edge), each block has its
//!   mean removed and a Hann window applied (suppressing leakage of slow trends into the
//!   band), is transformed with a radix-2 FFT, and its one-sided power per bin is summed
//!   over blocks. Share = Σ band-bin power / Σ power of all non-DC bins. Only complete blocks
//!   count (a run shorter than one block gives `None`); `None` also when `dt > 5 s` (Nyquist
//!   ≤ 0.1 Hz, nothing of the band is visible). The upper band edge actually used is
//!   reported. The window-power normalisation cancels in the ratio. Variations slower than
//!   a block are partly removed with each block's mean, so the denominator is the variance
//!   *within* blocks of ~100 s (trends over hours do not dilute the share).
//!
//! Non-finite samples are replaced by the channel's previous value (0 before any) and
//! counted. With no samples, min/max and all metrics read 0.

use std::f64::consts::PI;

/// Lower edge of the critical band (Hz).
pub const BAND_LOW_HZ: f64 = 0.1;
/// Upper edge of the critical band when the step resolves it (Hz).
pub const BAND_HIGH_HZ: f64 = 20.0;
/// Shortest block of the band-share spectrum (s).
pub const BAND_BLOCK_MIN_S: f64 = 100.0;
/// Largest step (s) for which a band share is computed.
pub const BAND_MAX_DT_S: f64 = 5.0;
/// Number of regular bins of the ramp histogram.
pub const HISTOGRAM_BINS: usize = 201;
/// Largest ring buffer / FFT block (samples).
const MAX_BUFFER: usize = 1 << 20;

/// Swing metrics of one channel (MW, MW/s, MW/min).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChannelSwing {
    /// Smallest value seen (MW).
    pub min_mw: f64,
    /// Largest value seen (MW).
    pub max_mw: f64,
    /// Largest |step-to-step change| / dt (MW/s).
    pub max_ramp_mw_per_s: f64,
    /// Largest |P(t) − P(t − 60 s)| (MW/min).
    pub max_ramp_mw_per_min: f64,
    /// Largest peak-to-trough swing within a clock minute (MW).
    pub max_minute_swing_mw: f64,
    /// Mean over clock minutes of the peak-to-trough swing (MW).
    pub mean_minute_swing_mw: f64,
}

/// Share of facility-power variance in the critical band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandShare {
    /// Share of the mean-removed variance in `[low_hz, high_hz]` (fraction).
    pub share_frac: f64,
    /// Lower band edge (Hz).
    pub low_hz: f64,
    /// Upper band edge used: min(20 Hz, Nyquist) (Hz).
    pub high_hz: f64,
    /// Frequency resolution of the spectrum, 1/(N·dt) (Hz).
    pub resolution_hz: f64,
    /// Number of complete blocks analysed.
    pub blocks: u64,
}

/// All swing metrics at the time of the call.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SwingSummary {
    /// Samples pushed.
    pub samples: u64,
    /// Samples with a non-finite value (replaced by the previous value).
    pub nonfinite_samples: u64,
    /// Net draw on the supply connections.
    pub net_draw: ChannelSwing,
    /// Facility power.
    pub facility: ChannelSwing,
    /// Median |step ramp| of the net draw, from the histogram (MW/s).
    pub ramp_p50_mw_per_s: f64,
    /// 99th percentile |step ramp| of the net draw, from the histogram (MW/s).
    pub ramp_p99_mw_per_s: f64,
    /// Band share of facility power; `None` if `dt > 5 s` or no complete block yet.
    pub band: Option<BandShare>,
}

/// Streaming statistics of one channel.
#[derive(Clone, Debug)]
struct Channel {
    prev: Option<f64>,
    min: f64,
    max: f64,
    max_ramp_s: f64,
    ring: Vec<f64>,
    ring_pos: usize,
    ring_filled: usize,
    per_min_scale: f64,
    max_ramp_min: f64,
    minute: i64,
    minute_min: f64,
    minute_max: f64,
    max_swing: f64,
    sum_swing: f64,
    minutes_done: u64,
}

impl Channel {
    fn new(dt_s: f64) -> Self {
        let lag = ((60.0 / dt_s).round() as usize).clamp(1, MAX_BUFFER);
        Self {
            prev: None,
            min: 0.0,
            max: 0.0,
            max_ramp_s: 0.0,
            ring: vec![0.0; lag],
            ring_pos: 0,
            ring_filled: 0,
            per_min_scale: 60.0 / (lag as f64 * dt_s),
            max_ramp_min: 0.0,
            minute: 0,
            minute_min: 0.0,
            minute_max: 0.0,
            max_swing: 0.0,
            sum_swing: 0.0,
            minutes_done: 0,
        }
    }

    /// Adds a (finite) sample; returns the step ramp (MW/s) if there was a previous sample.
    fn push(&mut self, x: f64, dt_s: f64, minute: i64) -> Option<f64> {
        let ramp = self.prev.map(|p| (x - p) / dt_s);
        match self.prev {
            None => {
                self.min = x;
                self.max = x;
                self.minute = minute;
                self.minute_min = x;
                self.minute_max = x;
            }
            Some(_) => {
                self.min = self.min.min(x);
                self.max = self.max.max(x);
                if minute != self.minute {
                    let swing = self.minute_max - self.minute_min;
                    self.max_swing = self.max_swing.max(swing);
                    self.sum_swing += swing;
                    self.minutes_done += 1;
                    self.minute = minute;
                    self.minute_min = x;
                    self.minute_max = x;
                } else {
                    self.minute_min = self.minute_min.min(x);
                    self.minute_max = self.minute_max.max(x);
                }
            }
        }
        if let Some(r) = ramp {
            self.max_ramp_s = self.max_ramp_s.max(r.abs());
        }
        let lag = self.ring.len();
        if self.ring_filled == lag {
            let old = self.ring[self.ring_pos];
            self.max_ramp_min = self.max_ramp_min.max((x - old).abs() * self.per_min_scale);
        } else if self.ring_filled > 0 {
            self.max_ramp_min = self.max_ramp_min.max((x - self.ring[0]).abs());
        }
        self.ring[self.ring_pos] = x;
        self.ring_pos = (self.ring_pos + 1) % lag;
        self.ring_filled = (self.ring_filled + 1).min(lag);
        self.prev = Some(x);
        ramp
    }

    fn summary(&self) -> ChannelSwing {
        let (max_swing, mean_swing) = if self.prev.is_some() {
            let cur = self.minute_max - self.minute_min;
            let n = self.minutes_done + 1;
            (self.max_swing.max(cur), (self.sum_swing + cur) / n as f64)
        } else {
            (0.0, 0.0)
        };
        ChannelSwing {
            min_mw: self.min,
            max_mw: self.max,
            max_ramp_mw_per_s: self.max_ramp_s,
            max_ramp_mw_per_min: self.max_ramp_min,
            max_minute_swing_mw: max_swing,
            mean_minute_swing_mw: mean_swing,
        }
    }
}

/// Block spectrum accumulator for the band share.
#[derive(Clone, Debug)]
struct BandAnalyzer {
    n: usize,
    buf: Vec<f64>,
    window: Vec<f64>,
    cos: Vec<f64>,
    sin: Vec<f64>,
    re: Vec<f64>,
    im: Vec<f64>,
    lo_bin: usize,
    hi_bin: usize,
    high_hz: f64,
    resolution_hz: f64,
    band_power: f64,
    total_power: f64,
    blocks: u64,
}

impl BandAnalyzer {
    fn new(dt_s: f64) -> Option<Self> {
        if dt_s > BAND_MAX_DT_S {
            return None;
        }
        let want = (BAND_BLOCK_MIN_S / dt_s).ceil().max(16.0);
        let n = if want >= MAX_BUFFER as f64 { MAX_BUFFER } else { (want as usize).next_power_of_two() };
        let resolution_hz = 1.0 / (n as f64 * dt_s);
        let nyquist = 0.5 / dt_s;
        let high_hz = BAND_HIGH_HZ.min(nyquist);
        // Bins whose centre frequency k·df lies in the band.
        let lo_bin = ((BAND_LOW_HZ / resolution_hz) - 1e-9).ceil().max(1.0) as usize;
        let hi_bin = (((high_hz / resolution_hz) + 1e-9).floor() as usize).min(n / 2);
        let window = (0..n).map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()).collect();
        let (cos, sin) = (0..n / 2)
            .map(|k| {
                let a = -2.0 * PI * k as f64 / n as f64;
                (a.cos(), a.sin())
            })
            .unzip();
        Some(Self {
            n,
            buf: Vec::with_capacity(n),
            window,
            cos,
            sin,
            re: vec![0.0; n],
            im: vec![0.0; n],
            lo_bin,
            hi_bin,
            high_hz,
            resolution_hz,
            band_power: 0.0,
            total_power: 0.0,
            blocks: 0,
        })
    }

    fn push(&mut self, x: f64) {
        self.buf.push(x);
        if self.buf.len() == self.n {
            self.process_block();
            self.buf.clear();
        }
    }

    fn process_block(&mut self) {
        let n = self.n;
        let mean = self.buf.iter().sum::<f64>() / n as f64;
        for i in 0..n {
            self.re[i] = (self.buf[i] - mean) * self.window[i];
            self.im[i] = 0.0;
        }
        fft_in_place(&mut self.re, &mut self.im, &self.cos, &self.sin);
        for k in 1..=n / 2 {
            let p = self.re[k] * self.re[k] + self.im[k] * self.im[k];
            let w = if k == n / 2 { 1.0 } else { 2.0 };
            self.total_power += w * p;
            if k >= self.lo_bin && k <= self.hi_bin {
                self.band_power += w * p;
            }
        }
        self.blocks += 1;
    }

    fn share(&self) -> Option<BandShare> {
        if self.blocks == 0 {
            return None;
        }
        let share = if self.total_power > 0.0 { (self.band_power / self.total_power).clamp(0.0, 1.0) } else { 0.0 };
        Some(BandShare { share_frac: share, low_hz: BAND_LOW_HZ, high_hz: self.high_hz, resolution_hz: self.resolution_hz, blocks: self.blocks })
    }
}

/// In-place iterative radix-2 decimation-in-time FFT (`re.len()` a power of two, twiddles
/// `cos/sin(−2πk/N)` for `k < N/2`).
fn fft_in_place(re: &mut [f64], im: &mut [f64], cos: &[f64], sin: &[f64]) {
    let n = re.len();
    if n < 2 {
        return;
    }
    // Bit-reversal permutation.
    let mut j = 0usize;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        let stride = n / len;
        for start in (0..n).step_by(len) {
            for k in 0..half {
                let (wr, wi) = (cos[k * stride], sin[k * stride]);
                let (a, b) = (start + k, start + k + half);
                let xr = re[b] * wr - im[b] * wi;
                let xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
        len <<= 1;
    }
}

/// Streaming power-swing meter fed one sample per engine step.
#[derive(Clone, Debug)]
pub struct SwingMeter {
    dt_s: f64,
    scale_mw_per_s: f64,
    samples: u64,
    nonfinite: u64,
    net: Channel,
    facility: Channel,
    /// [underflow, 201 bins, overflow].
    hist: Vec<u64>,
    band: Option<BandAnalyzer>,
}

impl SwingMeter {
    /// A meter for samples `dt_s` apart (s; non-finite or ≤ 0 reads as 1 s) with a ramp
    /// histogram spanning `±ramp_scale_mw_per_s` (MW/s; non-finite or ≤ 0 reads as 1).
    pub fn new(dt_s: f64, ramp_scale_mw_per_s: f64) -> Self {
        let dt_s = if dt_s.is_finite() && dt_s > 0.0 { dt_s } else { 1.0 };
        let scale = if ramp_scale_mw_per_s.is_finite() && ramp_scale_mw_per_s > 0.0 { ramp_scale_mw_per_s } else { 1.0 };
        Self {
            dt_s,
            scale_mw_per_s: scale,
            samples: 0,
            nonfinite: 0,
            net: Channel::new(dt_s),
            facility: Channel::new(dt_s),
            hist: vec![0; HISTOGRAM_BINS + 2],
            band: BandAnalyzer::new(dt_s),
        }
    }

    /// Step the meter was built for (s).
    pub fn dt_s(&self) -> f64 {
        self.dt_s
    }

    /// Width of a histogram bin (MW/s).
    pub fn bin_width_mw_per_s(&self) -> f64 {
        2.0 * self.scale_mw_per_s / HISTOGRAM_BINS as f64
    }

    /// Adds one step: the net draw on the supply connections and the facility power (MW).
    pub fn push(&mut self, net_draw_mw: f64, facility_mw: f64) {
        let mut clean = |x: f64, prev: Option<f64>| {
            if x.is_finite() {
                x
            } else {
                self.nonfinite += 1;
                prev.unwrap_or(0.0)
            }
        };
        let net = clean(net_draw_mw, self.net.prev);
        let fac = clean(facility_mw, self.facility.prev);
        let minute = (self.samples as f64 * self.dt_s / 60.0 + 1e-9).floor() as i64;
        if let Some(r) = self.net.push(net, self.dt_s, minute) {
            let idx = self.bin_index(r);
            self.hist[idx] += 1;
        }
        self.facility.push(fac, self.dt_s, minute);
        if let Some(b) = self.band.as_mut() {
            b.push(fac);
        }
        self.samples += 1;
    }

    /// Index into `hist` (0 = underflow, 1..=201 regular, 202 = overflow).
    fn bin_index(&self, ramp: f64) -> usize {
        let w = self.bin_width_mw_per_s();
        let pos = (ramp + self.scale_mw_per_s) / w;
        if pos < 0.0 {
            0
        } else if pos >= HISTOGRAM_BINS as f64 {
            HISTOGRAM_BINS + 1
        } else {
            1 + (pos.floor() as usize).min(HISTOGRAM_BINS - 1)
        }
    }

    /// The signed step-ramp histogram of the net draw as `(bin centre MW/s, count)`, 203
    /// entries in ascending order: the underflow bin (nominal centre one bin width below
    /// `−scale`), 201 regular bins, the overflow bin (one bin width above `+scale`).
    pub fn histogram(&self) -> Vec<(f64, u64)> {
        let w = self.bin_width_mw_per_s();
        self.hist
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let centre = -self.scale_mw_per_s + (i as f64 - 0.5) * w;
                (centre, c)
            })
            .collect()
    }

    /// Percentile `q` (0–1) of |step ramp| of the net draw from the folded histogram (MW/s);
    /// 0 without ramps; `scale` if it falls in the under/overflow bins.
    pub fn ramp_percentile_mw_per_s(&self, q: f64) -> f64 {
        let total: u64 = self.hist.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let w = self.bin_width_mw_per_s();
        let centre = HISTOGRAM_BINS / 2 + 1; // index of the bin centred on 0
        let mut cum = 0u64;
        for k in 0..=HISTOGRAM_BINS / 2 {
            cum += self.hist[centre + k];
            if k > 0 {
                cum += self.hist[centre - k];
            }
            if cum >= rank {
                return k as f64 * w;
            }
        }
        self.scale_mw_per_s
    }

    /// Band share of facility power (see the module doc).
    pub fn band_share(&self) -> Option<BandShare> {
        self.band.as_ref().and_then(BandAnalyzer::share)
    }

    /// All metrics so far.
    pub fn summary(&self) -> SwingSummary {
        SwingSummary {
            samples: self.samples,
            nonfinite_samples: self.nonfinite,
            net_draw: self.net.summary(),
            facility: self.facility.summary(),
            ramp_p50_mw_per_s: self.ramp_percentile_mw_per_s(0.5),
            ramp_p99_mw_per_s: self.ramp_percentile_mw_per_s(0.99),
            band: self.band_share(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dt: f64, secs: f64, f: impl Fn(f64) -> f64) -> SwingMeter {
        let mut m = SwingMeter::new(dt, 100.0);
        let n = (secs / dt).round() as usize;
        for i in 0..n {
            let t = i as f64 * dt;
            m.push(f(t), f(t));
        }
        m
    }

    #[test]
    fn one_hertz_sine_is_all_in_band() {
        let m = run(0.1, 600.0, |t| 200.0 + 50.0 * (2.0 * PI * t).sin());
        let b = m.band_share().unwrap();
        assert!(b.share_frac > 0.99, "{b:?}");
        assert_eq!(b.high_hz, 5.0); // Nyquist at 100 ms
        assert!(b.blocks >= 5);
    }

    #[test]
    fn hour_period_sine_is_out_of_band() {
        let m = run(0.1, 7200.0, |t| 200.0 + 50.0 * (2.0 * PI * t / 3600.0).sin());
        let b = m.band_share().unwrap();
        assert!(b.share_frac < 0.01, "{b:?}");
    }

    #[test]
    fn mixed_signal_splits_by_variance() {
        // Equal-amplitude 1 Hz and 0.05 Hz sines: half the variance in band. (Components
        // with periods near or above the 102 s block are partly removed with each block's
        // mean, so the share is relative to the variance within blocks.)
        let m = run(0.05, 3000.0, |t| (2.0 * PI * t).sin() + (2.0 * PI * 0.05 * t).sin());
        let b = m.band_share().unwrap();
        assert!((b.share_frac - 0.5).abs() < 0.01, "{b:?}");
        assert_eq!(b.high_hz, 10.0);
    }

    #[test]
    fn band_share_needs_a_fine_step() {
        assert!(run(10.0, 36_000.0, |t| t.sin()).band_share().is_none());
        assert!(run(1.0, 50.0, |t| t.sin()).band_share().is_none()); // no full block yet
        assert!(run(1.0, 300.0, |t| t.sin()).band_share().is_some());
    }

    #[test]
    fn square_wave_ramp_is_amplitude_over_dt() {
        let a = 100.0;
        let dt = 0.1;
        // 2 s period square wave between 100 and 200 MW.
        let m = run(dt, 120.0, |t| if (t / 1.0).floor() as i64 % 2 == 0 { 100.0 } else { 100.0 + a });
        let s = m.summary();
        assert!((s.facility.max_ramp_mw_per_s - a / dt).abs() < 1e-9);
        assert!((s.net_draw.max_ramp_mw_per_s - a / dt).abs() < 1e-9);
        assert_eq!((s.facility.min_mw, s.facility.max_mw), (100.0, 200.0));
        assert_eq!(s.facility.max_minute_swing_mw, a);
        assert_eq!(s.facility.mean_minute_swing_mw, a);
        // 60 s apart the wave is in the same phase: the per-minute ramp only sees the start.
        assert_eq!(s.samples, 1200);
        // 90 % of the steps have zero ramp: the median is 0, p99 the edge (over the scale).
        assert_eq!(s.ramp_p50_mw_per_s, 0.0);
        assert_eq!(s.ramp_p99_mw_per_s, 100.0);
        let h = m.histogram();
        assert_eq!(h.len(), HISTOGRAM_BINS + 2);
        let total: u64 = h.iter().map(|x| x.1).sum();
        assert_eq!(total, 1199);
        assert_eq!(h[0].1 + h[HISTOGRAM_BINS + 1].1, 119);
    }

    #[test]
    fn minute_ramp_of_a_linear_ramp() {
        // 0.5 MW/s for 5 minutes at 100 ms, then flat.
        let m = run(0.1, 600.0, |t| 0.5 * t.min(300.0));
        let s = m.summary();
        assert!((s.net_draw.max_ramp_mw_per_min - 30.0).abs() < 1e-6, "{s:?}");
        assert!((s.net_draw.max_ramp_mw_per_s - 0.5).abs() < 1e-9);
        assert!((s.net_draw.max_minute_swing_mw - 29.95).abs() < 1e-6);
        // |ramp| is 0.5 MW/s in 3000 steps, 0 in 2999: p99 is 0.5 within one bin width.
        assert!((s.ramp_p99_mw_per_s - 0.5).abs() <= m.bin_width_mw_per_s());
    }

    #[test]
    fn minute_ramp_scales_for_coarse_steps() {
        // dt = 90 s: one sample per lag, scaled to a minute.
        let m = run(90.0, 900.0, |t| t / 90.0 * 30.0);
        assert!((m.summary().facility.max_ramp_mw_per_min - 20.0).abs() < 1e-9);
    }

    #[test]
    fn histogram_percentiles_follow_known_ramps() {
        let mut m = SwingMeter::new(1.0, 10.0);
        // Ramps: 1 MW/s for 99 steps, then one of 5 MW/s.
        let mut p = 0.0;
        m.push(p, p);
        for _ in 0..99 {
            p += 1.0;
            m.push(p, p);
        }
        p += 5.0;
        m.push(p, p);
        let w = m.bin_width_mw_per_s();
        assert!((m.ramp_percentile_mw_per_s(0.5) - 1.0).abs() <= w / 2.0 + 1e-12);
        assert!((m.ramp_percentile_mw_per_s(0.99) - 1.0).abs() <= w / 2.0 + 1e-12);
        assert!((m.ramp_percentile_mw_per_s(1.0) - 5.0).abs() <= w / 2.0 + 1e-12);
    }

    #[test]
    fn nonsense_is_counted_not_fatal() {
        let mut m = SwingMeter::new(f64::NAN, -1.0);
        m.push(f64::NAN, f64::INFINITY);
        m.push(5.0, 5.0);
        m.push(f64::NAN, 6.0);
        let s = m.summary();
        assert_eq!(s.nonfinite_samples, 3);
        assert_eq!(s.net_draw.max_mw, 5.0);
        assert_eq!(SwingMeter::new(0.01, 1.0).summary(), SwingSummary::default());
    }

    #[test]
    fn fft_matches_direct_dft() {
        let n = 16;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7 % 5) as f64) - 1.5).collect();
        let (cos, sin): (Vec<f64>, Vec<f64>) = (0..n / 2)
            .map(|k| {
                let a = -2.0 * PI * k as f64 / n as f64;
                (a.cos(), a.sin())
            })
            .unzip();
        let mut re = x.clone();
        let mut im = vec![0.0; n];
        fft_in_place(&mut re, &mut im, &cos, &sin);
        for k in 0..n {
            let (mut dr, mut di) = (0.0, 0.0);
            for (i, xi) in x.iter().enumerate() {
                let a = -2.0 * PI * (k * i) as f64 / n as f64;
                dr += xi * a.cos();
                di += xi * a.sin();
            }
            assert!((re[k] - dr).abs() < 1e-9 && (im[k] - di).abs() < 1e-9, "bin {k}");
        }
    }
}
