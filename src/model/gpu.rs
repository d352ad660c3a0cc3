//! Per-GPU power, leakage, throttling and junction temperature: the hot kernel.
//!
//! # Model (per GPU *i*, per step of length Δt)
//! With utilisation *u* (mean over the step), clock factor *s*, manufacturing factor *fᵢ*,
//! junction temperature *Tᵢ* and coolant temperature at the cold plate *T_c*:
//!
//! * leakage multiplier `L(T) = (1 − λ) + λ·exp(k·(T − T_ref))` (λ = `leakage_frac`,
//!   k = `leakage_per_k`): leakage is a share λ of power at `T_ref` and grows exponentially
//!   with temperature (REFERENCE §2.7). Where a rack's start temperatures lie within `h` of
//!   a centre `c` with `k·h ≤ 0.09` (the usual case: a rack's GPUs differ by a few kelvin),
//!   `L` is a cubic in `T − c` whose coefficients hold the Taylor expansion of the exponential
//!   about `c` ([`LeakLocal`], from a table computed in f64; relative error < 4·10⁻⁶);
//!   otherwise `exp` is [`fast_exp2`] of `log₂e·k·(T − T_ref)` (integer/fraction split and a
//!   degree-5 polynomial; relative error < 4·10⁻⁶ for |x| ≤ 6, x is clamped there). Either
//!   way the loop stays FMA-free, branch-free and vectorises.
//! * board power `P = on·fᵢ·L(T)·(P_idle + (P_tdp − P_idle)·u·s)`, evaluated as
//!   `fᵢ·((P_idle + (P_tdp − P_idle)·u·s)·L(T))`.
//! * thermal throttling: the clock that would hold the junction at `throttle_c` in steady
//!   state is `s_th = ((T_thr − T_c)/(R·fᵢ·L(T_thr)) − P_idle)/((P_tdp − P_idle)·u)`.
//!   A GPU enters throttling when `T > throttle_c` (or when the step would carry it past
//!   `throttle_c`, below) and leaves when `T < throttle_c − hysteresis` and `s_th ≥ 1`
//!   (hysteresis, so it does not chatter); while throttling `s = clamp(s_th, s_min, 1)`.
//!   In every step the clock is also held so that the end-of-step temperature stays at or
//!   below `throttle_c`: `P ≤ (T_thr − T_c − (T − T_c)·d)/(R·(1 − d))`, `d = e^(−Δt/RC)`,
//!   because GPU firmware reacts in milliseconds, far inside any engine step.
//!   Power and delivered compute fall together with `s`.
//! * power cap input `capᵢ` (W): `s ≤ s_cap`, the clock at which `P = capᵢ` (not below `s_min`).
//! * shutdown: above `shutdown_c` the GPU drops out (`on = 0`, no power, no compute) until
//!   it cools below `restart_c`.
//! * power smoothing (NVIDIA-style, REFERENCE §8.5): while its job runs, a GPU's power is
//!   held at least at `floor_w` (burnt, no compute) and moves at most `ramp_up·Δt` up and
//!   `ramp_down·Δt` down per step; a ramp-limited rise delays compute in proportion.
//! * junction: thermal RC to the coolant, `C·dT/dt = P − (T − T_c)/R`, integrated exactly
//!   for constant P and T_c over the step: `T' = T∞ + (T − T∞)·e^(−Δt/RC)`, `T∞ = T_c + P·R`,
//!   evaluated as `T_c·(1 − d) + T·d + P·R·(1 − d)` (`d = e^(−Δt/RC)`; the power enters last,
//!   and a huge R stays finite: `R·(1 − d) → Δt/C`). Stable for any Δt.
//! * heat into the coolant over the step `Q = P·Δt − C·(T' − T)` (exact energy account).
//!
//! Power and temperature use the state at the start of the step (leakage explicit in T).
//! All arithmetic is `f32` over flat slices in 8-lane chunks with per-lane accumulators, so
//! it vectorises and its result does not depend on thread count. The same code is compiled
//! three times (baseline x86-64, AVX2, AVX-512) and picked at run time ([`kernel_isa`]);
//! without FMA contraction every build gives the same bits (tested).

pub mod params;

/// Lanes per chunk in the kernel.
pub const LANES: usize = 8;

/// Scenario-constant kernel parameters (f32, precomputed).
#[derive(Debug, Clone, Copy)]
pub struct KernelParams {
    /// Idle power (W).
    pub idle_w: f32,
    /// TDP − idle (W).
    pub span_w: f32,
    /// 1 − leakage share.
    pub one_minus_leak: f32,
    /// Leakage share.
    pub leak: f32,
    /// Leakage rate (1/K).
    pub leak_per_k: f32,
    /// Leakage reference (°C).
    pub leak_ref_c: f32,
    /// Thermal resistance (K/W).
    pub r_k_per_w: f32,
    /// Heat capacity (J/K).
    pub c_j_per_k: f32,
    /// e^(−Δt/RC).
    pub decay: f32,
    /// R·(1 − e^(−Δt/RC)) (K/W).
    pub r_one_minus_decay: f32,
    /// log₂(e)·leakage rate (1/K).
    pub leak_k2: f32,
    /// log₂(e)·leakage rate·leakage reference.
    pub leak_ref_k2: f32,
    /// 1/(R·(1 − e^(−Δt/RC))) (1/(K/W)), for the end-of-step temperature bound.
    pub inv_r_one_minus_decay: f32,
    /// Step (s).
    pub dt_s: f32,
    /// Throttle temperature (°C).
    pub throttle_c: f32,
    /// Release temperature (°C).
    pub release_c: f32,
    /// L(throttle_c).
    pub leak_mult_at_throttle: f32,
    /// Minimum clock.
    pub min_clock: f32,
    /// Shutdown temperature (°C).
    pub shutdown_c: f32,
    /// Restart temperature (°C).
    pub restart_c: f32,
    /// Smoothing floor (W, 0 = off).
    pub floor_w: f32,
    /// Max rise per step (W; +∞ = unlimited).
    pub up_w: f32,
    /// Max fall per step (W; +∞ = unlimited).
    pub down_w: f32,
    /// Lowest temperature (°C) at which the leakage exponent lies inside ±[`EXP2_MAX`] with a
    /// margin, so its clamp does nothing ([`KernelParams::exp_range_c`]).
    pub exp_lo_c: f64,
    /// Highest such temperature (°C).
    pub exp_hi_c: f64,
}

impl KernelParams {
    /// From the resolved GPU parameters and the step.
    pub fn new(g: &params::GpuParams, dt_s: f64) -> Self {
        let tau = g.r_th_k_per_w * g.c_th_j_per_k;
        let lim = |r: f64| {
            if r > 0.0 {
                (r * dt_s) as f32
            } else {
                f32::INFINITY
            }
        };
        let mut k = KernelParams {
            idle_w: g.idle_w as f32,
            span_w: (g.tdp_w - g.idle_w) as f32,
            one_minus_leak: (1.0 - g.leakage_frac) as f32,
            leak: g.leakage_frac as f32,
            leak_per_k: g.leakage_per_k as f32,
            leak_ref_c: g.leakage_ref_c as f32,
            r_k_per_w: g.r_th_k_per_w as f32,
            c_j_per_k: g.c_th_j_per_k as f32,
            decay: (-dt_s / tau).exp() as f32,
            r_one_minus_decay: (g.r_th_k_per_w * -(-dt_s / tau).exp_m1()) as f32,
            leak_k2: (g.leakage_per_k * std::f64::consts::LOG2_E) as f32,
            leak_ref_k2: (g.leakage_per_k * std::f64::consts::LOG2_E * g.leakage_ref_c) as f32,
            inv_r_one_minus_decay: (1.0 / (g.r_th_k_per_w * (1.0 - (-dt_s / tau).exp()).max(1e-12))) as f32,
            dt_s: dt_s as f32,
            throttle_c: g.throttle_c as f32,
            release_c: (g.throttle_c - g.throttle_hysteresis_k) as f32,
            leak_mult_at_throttle: leak_mult(g.leakage_frac, g.leakage_per_k, g.throttle_c - g.leakage_ref_c) as f32,
            min_clock: g.min_clock_frac as f32,
            shutdown_c: g.shutdown_c as f32,
            restart_c: g.restart_c as f32,
            floor_w: (g.power_floor_frac * g.tdp_w) as f32,
            up_w: lim(g.ramp_up_w_per_s),
            down_w: lim(g.ramp_down_w_per_s),
            exp_lo_c: f64::INFINITY,
            exp_hi_c: f64::NEG_INFINITY,
        };
        (k.exp_lo_c, k.exp_hi_c) = k.exp_range_c();
        k
    }

    /// The temperatures `[lo, hi]` (°C) over which the kernel's leakage exponent
    /// `x = T·leak_k2 − leak_ref_k2` (f32) stays within `±(EXP2_MAX − 0.01)`: there the clamp
    /// to `±EXP2_MAX` cannot bind (the f32 rounding of `x`, ≤ 1e-6 here, is far inside the
    /// 0.01 margin), so the fast path, whose temperatures the caller keeps inside this range,
    /// leaves it out with the same result. An empty range (`lo > hi`) if no temperature
    /// qualifies (no leakage slope and a reference term beyond the clamp).
    pub fn exp_range_c(&self) -> (f64, f64) {
        let (k2, r2) = (f64::from(self.leak_k2), f64::from(self.leak_ref_k2));
        let m = f64::from(EXP2_MAX) - 0.01;
        if !(k2.is_finite() && r2.is_finite()) {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else if k2 > 0.0 {
            ((r2 - m) / k2, (r2 + m) / k2)
        } else if k2 < 0.0 {
            ((r2 + m) / k2, (r2 - m) / k2)
        } else if r2.abs() <= m {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            (f64::INFINITY, f64::NEG_INFINITY)
        }
    }
}

/// Exact leakage multiplier (f64), for reference and closed-form checks.
pub fn leak_mult(leak_frac: f64, per_k: f64, dt_k: f64) -> f64 {
    (1.0 - leak_frac) + leak_frac * (per_k * dt_k).exp()
}

/// Spacing of the centres of [`LeakLocal`] expansions (K): centres are multiples of it, so
/// their exponentials come from [`LeakTable`] and `T − c` is exact in f32.
pub const LEAK_GRID_K: f64 = 0.125;

/// Largest `y = k·h` (leakage slope × the largest distance of a start temperature from the
/// centre) for which a segment's leakage exponential is the cubic about its centre: the
/// Taylor remainder `y⁴/24·e^y` is then < 3.0·10⁻⁶ relative (with the f32 rounding of the
/// coefficients and of the evaluation, < 4·10⁻⁶: tested).
pub const LEAK_LOCAL_Y_MAX: f64 = 0.09;

/// A segment's leakage multiplier `L(T) = (1 − λ) + λ·exp(k·(T − T_ref))` with the exponential
/// as its cubic Taylor expansion about a centre `c`: `a₀ + a₁·δ + a₂·δ² + a₃·δ³` with
/// `δ = T − c`, `a₀ = (1 − λ) + λ·E`, `a_j = λ·E·kʲ/j!` (j ≥ 1), `E = exp(k(c − T_ref))`.
/// Eight operations a GPU instead of the eighteen of [`fast_exp2`] with its range reduction and
/// the multiplier's two, and a shorter dependency chain. Built by [`LeakTable::local`] from the
/// range of the rack's start temperatures (last step's extremes), which it must cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakLocal {
    /// Centre `c` (°C, a multiple of [`LEAK_GRID_K`]).
    pub center_c: f32,
    /// Coefficients `a₀..a₃`.
    pub a: [f32; 4],
}

impl LeakLocal {
    /// `L(t)` (Estrin form: `(a₀ + a₁δ) + δ²(a₂ + a₃δ)`).
    #[inline(always)]
    pub fn eval(&self, t: f32) -> f32 {
        let d = t - self.center_c;
        let d2 = d * d;
        (self.a[0] + self.a[1] * d) + d2 * (self.a[2] + self.a[3] * d)
    }
}

/// The coefficients of [`LeakLocal`] expansions at their centres `c`, every [`LEAK_GRID_K`]
/// from −100 °C to 300 °C (3,201 centres, 51 kB): in f64, rounded to f32 once.
#[derive(Debug, Clone)]
pub struct LeakTable {
    per_k: f64,
    coef: Vec<[f32; 4]>,
    /// Where start temperatures may lie: inside the table with a grid step to spare, and
    /// where the [`fast_exp2`] path's exponent stays inside its clamp
    /// ([`KernelParams::exp_range_c`]), so both forms model the same function.
    range_c: (f64, f64),
}

impl LeakTable {
    /// Lowest centre (°C).
    const LO_C: f64 = -100.0;
    /// Centres in the table.
    const LEN: usize = 3201;

    /// The table for a GPU's leakage slope and reference temperature.
    pub fn new(g: &params::GpuParams, kp: &KernelParams) -> Self {
        let (k, lf) = (g.leakage_per_k, g.leakage_frac);
        let coef = (0..Self::LEN)
            .map(|i| {
                let e = lf * (k * (Self::LO_C + i as f64 * LEAK_GRID_K - g.leakage_ref_c)).exp();
                [((1.0 - lf) + e) as f32, (e * k) as f32, (e * k * k / 2.0) as f32, (e * k * k * k / 6.0) as f32]
            })
            .collect();
        let hi_c = Self::LO_C + (Self::LEN - 1) as f64 * LEAK_GRID_K;
        let range_c = (kp.exp_lo_c.max(Self::LO_C + LEAK_GRID_K), kp.exp_hi_c.min(hi_c - LEAK_GRID_K));
        LeakTable { per_k: k, coef, range_c }
    }

    /// The expansion for start temperatures in `[t_min_c, t_max_c]`: about the grid point
    /// nearest their middle, if every one of them lies within `h` of it with
    /// `k·h ≤ LEAK_LOCAL_Y_MAX` and inside the table's range; `None` otherwise (also for a
    /// NaN or an empty range). Called once per rack and step: one multiply-free index, one
    /// row of the table.
    #[inline]
    pub fn local(&self, t_min_c: f64, t_max_c: f64) -> Option<LeakLocal> {
        if !(t_min_c <= t_max_c && t_min_c >= self.range_c.0 && t_max_c <= self.range_c.1) {
            return None;
        }
        // The nearest grid index to the middle ((mid − LO_C)/grid, exact scalings by 2ⁿ).
        let i = ((0.5 * (t_min_c + t_max_c) - Self::LO_C) / LEAK_GRID_K).round();
        let c = Self::LO_C + i * LEAK_GRID_K;
        let h = (t_max_c - c).max(c - t_min_c);
        let y = self.per_k * h;
        if y > LEAK_LOCAL_Y_MAX || y.is_nan() {
            return None;
        }
        // (The middle lies inside the table's range, so the index does too.)
        let a = *self.coef.get(i as i64 as usize)?;
        Some(LeakLocal { center_c: c as f32, a })
    }
}

/// Polynomial exp for |x| ≤ 6 (clamped), FMA-free so it vectorises on any x86-64.
/// (The reference form: the kernel uses [`fast_exp2`], a shorter dependency chain.)
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    fast_exp2((x * std::f32::consts::LOG2_E).clamp(-EXP2_MAX, EXP2_MAX))
}

/// Largest |x| (base 2) the kernel's exponential takes: 6 in natural units.
pub const EXP2_MAX: f32 = 6.0 * std::f32::consts::LOG2_E;

/// `2^x` for |x| ≤ 126 (callers clamp), branch-free, FMA-free, in integer and `f32` lane
/// operations every x86-64 vectorises: `x = n + r` with `n` the nearest integer (by adding
/// and subtracting 1.5·2²³, round-to-nearest-even) and |r| ≤ ½ (exact); `2^r` by its
/// degree-5 Taylor polynomial in Estrin form (truncation < 2.5·10⁻⁶ relative at |r| = ½);
/// `2^n` added to the exponent bits. Relative error < 4·10⁻⁶ (tested against `f64::exp2`),
/// below the 2·10⁻⁵ of the `(1 + x/32 + …)³²` form it replaced; with a leakage share of
/// 0.15 that is < 6·10⁻⁷ of a GPU's power. The dependency chain is ~10 operations deep (the
/// old form: 18), and it is what the kernel waits on.
#[inline(always)]
pub fn fast_exp2(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2²³
    const C1: f32 = std::f32::consts::LN_2;
    const C2: f32 = 0.240_226_5; // ln2²/2
    const C3: f32 = 0.055_504_11; // ln2³/6
    const C4: f32 = 0.009_618_129; // ln2⁴/24
    const C5: f32 = 0.001_333_355_8; // ln2⁵/120 (the series stops here)
    let m = x + MAGIC;
    let n = m - MAGIC;
    let r = x - n;
    let r2 = r * r;
    let a = 1.0 + C1 * r;
    let b = C2 + C3 * r;
    let c = C4 + C5 * r;
    let r4 = r2 * r2;
    let poly = (a + r2 * b) + r4 * c;
    let shift = (m.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32) << 23;
    f32::from_bits((poly.to_bits() as i32).wrapping_add(shift) as u32)
}

/// Per-GPU state of one block (structure of arrays, equal lengths).
#[derive(Debug, Clone, Default)]
pub struct GpuState {
    /// Junction temperature (°C).
    pub temp_c: Vec<f32>,
    /// Manufacturing power factor (1 ± variation).
    pub factor: Vec<f32>,
    /// 1 / factor (precomputed: the kernel multiplies instead of dividing).
    pub inv_factor: Vec<f32>,
    /// Throttling flag (0/1).
    pub throttled: Vec<f32>,
    /// Online flag (1 = running, 0 = shut down).
    pub online: Vec<f32>,
    /// Power cap input (W).
    pub cap_w: Vec<f32>,
    /// Board power over the last step (W), kept where the next step reads it: by the
    /// ramp limit and cap of the smoothing and capped kernel paths (the plain and fast paths
    /// neither read nor write it; the replay kernel keeps its own GPUs').
    pub power_w: Vec<f32>,
}

impl GpuState {
    /// `n` GPUs at `temp_c`, with factors from `factor`.
    pub fn new(n: usize, temp_c: f32, factor: impl Fn(usize) -> f32) -> Self {
        let factor: Vec<f32> = (0..n).map(factor).collect();
        GpuState {
            temp_c: vec![temp_c; n],
            inv_factor: factor.iter().map(|f| 1.0 / f).collect(),
            factor,
            throttled: vec![0.0; n],
            online: vec![1.0; n],
            cap_w: vec![f32::INFINITY; n],
            power_w: vec![0.0; n],
        }
    }
    /// Number of GPUs.
    pub fn len(&self) -> usize {
        self.temp_c.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.temp_c.is_empty()
    }
}

/// Inputs shared by a contiguous run of GPUs (a rack, or the part of a rack in one job).
#[derive(Debug, Clone, Copy)]
pub struct SegmentInput {
    /// Mean utilisation over the step.
    pub util: f32,
    /// Coolant temperature at the cold plates (°C).
    pub coolant_c: f32,
    /// True while the segment's job is running (power floor applies).
    pub job_active: bool,
    /// True when any GPU cap may bind (otherwise the cap arithmetic is skipped).
    pub caps_active: bool,
    /// True when no GPU of the segment can reach `throttle_c` this step: none throttled or
    /// shut down, none above the release or shutdown temperature at the start, and even the
    /// hottest-running GPU at full power would settle below `throttle_c`; and every start
    /// temperature lies in `[exp_lo_c, exp_hi_c]` of [`KernelParams`]. The throttle and
    /// shutdown arithmetic (and the flags' loads and stores) and the leakage exponent's clamp
    /// are then skipped: the same result when this holds; the caller vouches for it.
    pub thermal_safe: bool,
    /// The leakage multiplier as a cubic about the rack's centre temperature, where every
    /// start temperature of the segment lies in the range it was built for
    /// ([`LeakTable::local`]); `None`: [`fast_exp2`] per GPU. Every path of the kernel uses
    /// the same one, so the fast path keeps giving the throttle path's bits.
    pub leak: Option<LeakLocal>,
}

/// Sums over a segment for one step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SegmentSums {
    /// Σ board power (W).
    pub power_w: f64,
    /// Σ (T' − T) (K), for the heat stored in the GPUs.
    pub dtemp_k: f64,
    /// Σ T' (°C).
    pub temp_c: f64,
    /// max T' (°C).
    pub temp_max_c: f32,
    /// min T' (°C).
    pub temp_min_c: f32,
    /// GPUs throttling (online).
    pub throttled: f64,
    /// GPUs shut down.
    pub offline: f64,
    /// Σ delivered compute (utilisation × clock, GPU units).
    pub compute: f64,
    /// Σ demanded compute (utilisation, GPU units).
    pub demand: f64,
    /// Σ power above what the work needed (W): the power floor and ramp-down holds.
    pub burn_w: f64,
}

/// Per-segment constants of one step.
#[derive(Clone, Copy)]
struct SegConst {
    u: f32,
    tc_one_minus_decay: f32,
    p_therm_l: f32,
    tc: f32,
    denom_inv: f32,
    floor: f32,
}

/// Throttle flag and clock limit of one GPU (see the module docs): the steady-state clock
/// while throttling, and in every step the clock that keeps the end-of-step temperature at
/// or below `throttle_c`.
#[inline(always)]
fn throttle_clock(p: &KernelParams, k: SegConst, t: f32, inv_f: f32, inv_fl: f32, was_thr: f32) -> (f32, f32) {
    let s_th = (k.p_therm_l * inv_f - p.idle_w) * k.denom_inv;
    let p_end = (p.throttle_c - k.tc + (k.tc - t) * p.decay) * p.inv_r_one_minus_decay;
    let s_end = (p_end * inv_fl - p.idle_w) * k.denom_inv;
    let binds = s_end < 1.0;
    let kept = if t < p.release_c && s_th >= 1.0 && !binds { 0.0 } else { was_thr };
    // Holding at the steady-state clock: above the limit, or throttling already. A GPU that
    // only would cross the limit within this step gets just the end-of-step bound.
    let holding = t > p.throttle_c || kept > 0.5;
    let thr = if holding || binds { 1.0 } else { 0.0 };
    let s0 = if holding { s_th.max(p.min_clock).min(1.0) } else { 1.0 };
    (thr, s0.min(s_end.max(p.min_clock)))
}

/// The leakage multiplier `L(T) = (1 − λ) + λ·exp(k·(T − T_ref))` of a start temperature, and
/// `c·L(T)` with `c = P_idle + (P_tdp − P_idle)·u` (the segment's unthrottled power before
/// leakage and part factor): with the segment's cubic ([`LeakLocal`]) `L` from `loc` and
/// `c·L` from `loc_c`, its coefficients times `c` (one polynomial, no product, where only
/// `c·L` is needed: the fast path); else `(1 − λ) + λ·2^(k₂·T − k₂·T_ref)` with
/// [`fast_exp2`] (its exponent clamped off the fast path) and `c·L` its product.
#[inline(always)]
fn leak_mult_at<const THERMAL: bool, const LOCAL: bool>(p: &KernelParams, loc: &LeakLocal, loc_c: &LeakLocal, c: f32, t: f32) -> (f32, f32) {
    if LOCAL {
        (loc.eval(t), loc_c.eval(t))
    } else {
        let x = t * p.leak_k2 - p.leak_ref_k2;
        let lm = p.one_minus_leak + p.leak * fast_exp2(if THERMAL { x.clamp(-EXP2_MAX, EXP2_MAX) } else { x });
        (lm, c * lm)
    }
}

/// [`leak_mult_at`] of 8 start temperatures.
#[inline(always)]
fn leak_chunk<const THERMAL: bool, const LOCAL: bool>(
    p: &KernelParams,
    loc: &LeakLocal,
    loc_c: &LeakLocal,
    c: f32,
    temp: &[f32],
) -> [[f32; LANES]; 2] {
    let t: [f32; LANES] = temp.try_into().expect("lanes");
    let mut e = [[0f32; LANES]; 2];
    for l in 0..LANES {
        (e[0][l], e[1][l]) = leak_mult_at::<THERMAL, LOCAL>(p, loc, loc_c, c, t[l]);
    }
    e
}

/// One GPU's update (see the module docs). Returns (T', throttled, on, P, delivered compute).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gpu_update<const CAPS: bool, const SMOOTH: bool, const THERMAL: bool>(
    p: &KernelParams,
    k: SegConst,
    t: f32,
    f: f32,
    inv_f: f32,
    was_thr: f32,
    on_prev: f32,
    cap: f32,
    prev: f32,
    lm: f32,
    lc: f32,
) -> (f32, f32, f32, f32, f32, f32) {
    // `lm` is the leakage multiplier L(T), `lc` = (P_idle + (P_tdp − P_idle)·u)·L(T)
    // ([`leak_mult_at`]).
    let fl = f * lm;
    let inv_fl = if THERMAL || CAPS || SMOOTH { inv_f / lm } else { 0.0 };
    let (thr, s1) = if THERMAL { throttle_clock(p, k, t, inv_f, inv_fl, was_thr) } else { (0.0, 1.0) };
    let s = if CAPS { s1.min(((cap * inv_fl - p.idle_w) * k.denom_inv).max(p.min_clock)) } else { s1 };
    // Shutdown and restart (on the fast path every GPU is on and below shutdown_c: see
    // `SegmentInput::thermal_safe`).
    let on = if THERMAL {
        let on_hold = if t < p.restart_c { 1.0 } else { on_prev };
        if t > p.shutdown_c {
            0.0
        } else {
            on_hold
        }
    } else {
        1.0
    };
    let work_w = p.span_w * k.u * s;
    // f·((P_idle + work)·L(T)): the multiplier enters last but one; at full clock the
    // segment's `lc` (the same bits on every path, the fast path's only form).
    let demand_w = if s == 1.0 { f * lc } else { f * ((p.idle_w + work_w) * lm) };
    let (pw, ratio) = if CAPS || SMOOTH {
        let floored = demand_w.max(k.floor);
        let ramped = floored.min(prev + p.up_w).max(prev - p.down_w).max(0.0);
        let pw = ramped.min(cap.max(p.idle_w * fl)) * on;
        // A ramp-limited rise delays work in proportion.
        let ratio = if pw < demand_w { ((pw * inv_fl - p.idle_w) / (work_w + 1e-6)).clamp(0.0, 1.0) } else { 1.0 };
        (pw, ratio)
    } else {
        (demand_w * on, 1.0)
    };
    // T' = T∞ + (T − T∞)·d with T∞ = T_c + P·R, grouped as T_c·(1 − d) + T·d + P·R·(1 − d)
    // so the power enters last.
    let tn = (k.tc_one_minus_decay + t * p.decay) + pw * p.r_one_minus_decay;
    // Power above what the work needs (floor, ramp-down hold): burnt to smooth the draw.
    let burn = if SMOOTH { (pw - demand_w * on).max(0.0) } else { 0.0 };
    (tn, thr, on, pw, k.u * s * on * ratio, burn)
}

/// Advances one segment of GPUs by one step. Slices must have equal length.
/// Works on 8-lane chunks copied into local arrays so the optimiser vectorises the lanes;
/// the tail runs the same per-GPU code into the first lanes.
#[inline(always)]
fn segment_impl(p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    let smooth = p.floor_w > 0.0 || p.up_w.is_finite() || p.down_w.is_finite();
    match (inp.caps_active, smooth, !inp.thermal_safe) {
        (false, false, false) => segment_leak::<false, false, false>(p, inp, st),
        (true, false, false) => segment_leak::<true, false, false>(p, inp, st),
        (false, true, false) => segment_leak::<false, true, false>(p, inp, st),
        (true, true, false) => segment_leak::<true, true, false>(p, inp, st),
        (false, false, true) => segment_leak::<false, false, true>(p, inp, st),
        (true, false, true) => segment_leak::<true, false, true>(p, inp, st),
        (false, true, true) => segment_leak::<false, true, true>(p, inp, st),
        (true, true, true) => segment_leak::<true, true, true>(p, inp, st),
    }
}

/// [`segment_lanes`] with the segment's form of the leakage multiplier.
#[inline(always)]
fn segment_leak<const CAPS: bool, const SMOOTH: bool, const THERMAL: bool>(
    p: &KernelParams,
    inp: SegmentInput,
    st: SegmentSlices<'_>,
) -> SegmentSums {
    match inp.leak {
        Some(loc) => segment_lanes::<CAPS, SMOOTH, THERMAL, true>(p, inp, &loc, st),
        None => segment_lanes::<CAPS, SMOOTH, THERMAL, false>(p, inp, &LeakLocal { center_c: 0.0, a: [0.0; 4] }, st),
    }
}

#[inline(always)]
fn segment_lanes<const CAPS: bool, const SMOOTH: bool, const THERMAL: bool, const LOCAL: bool>(
    p: &KernelParams,
    inp: SegmentInput,
    loc: &LeakLocal,
    st: SegmentSlices<'_>,
) -> SegmentSums {
    let n = st.temp.len();
    // Every array cut to the segment's length once: the chunk indexing below is then provably
    // in bounds, and the optimiser drops the per-chunk checks.
    let SegmentSlices { temp, factor, inv_factor, throttled, online, cap, power } = st;
    let (temp, factor, inv_factor) = (&mut temp[..n], &factor[..n], &inv_factor[..n]);
    let (throttled, online, cap, power) = (&mut throttled[..n], &mut online[..n], &cap[..n], &mut power[..n]);
    let p_therm = (p.throttle_c - inp.coolant_c) / p.r_k_per_w;
    let k = SegConst {
        u: inp.util,
        tc_one_minus_decay: inp.coolant_c * (1.0 - p.decay),
        p_therm_l: p_therm / p.leak_mult_at_throttle,
        tc: inp.coolant_c,
        denom_inv: 1.0 / (p.span_w * inp.util + 1e-6),
        floor: if inp.job_active { p.floor_w } else { 0.0 },
    };
    // The unthrottled power before leakage and part factor (`P_idle + work` at clock 1, the
    // same bits as in `gpu_update`), and the cubic times it.
    let c_full = p.idle_w + p.span_w * k.u;
    let loc_c = LeakLocal { center_c: loc.center_c, a: loc.a.map(|a| c_full * a) };
    let loc_c = &loc_c;
    let mut acc_p = [0f32; LANES];
    let mut acc_dt = [0f32; LANES];
    let mut acc_t = [0f32; LANES];
    let mut acc_max = [f32::MIN; LANES];
    let mut acc_min = [f32::MAX; LANES];
    let mut acc_thr = [0f32; LANES];
    let mut acc_off = [0f32; LANES];
    let mut acc_cmp = [0f32; LANES];
    let mut acc_burn = [0f32; LANES];
    let chunks = n / LANES;
    // (A constant of each build of the loop.)
    let full_cmp = CAPS || SMOOTH || THERMAL;
    // The leakage multipliers run two chunks ahead of the rest of the update: their chain
    // of dependent operations then overlaps the later chunks' work instead of each chunk
    // waiting on its own (the last two chunks' look-ahead recomputes the last chunk, unused).
    let mut e_cur = if chunks > 0 { leak_chunk::<THERMAL, LOCAL>(p, loc, loc_c, c_full, &temp[..LANES]) } else { [[0.0; LANES]; 2] };
    let mut e_n1 =
        if chunks > 0 { leak_chunk::<THERMAL, LOCAL>(p, loc, loc_c, c_full, &temp[LANES.min(n - LANES)..][..LANES]) } else { [[0.0; LANES]; 2] };
    for c in 0..chunks {
        let b = c * LANES;
        let t: [f32; LANES] = temp[b..b + LANES].try_into().expect("lanes");
        let e_next = leak_chunk::<THERMAL, LOCAL>(p, loc, loc_c, c_full, &temp[(b + 2 * LANES).min(n - LANES)..][..LANES]);
        let f: [f32; LANES] = factor[b..b + LANES].try_into().expect("lanes");
        let fi: [f32; LANES] = inv_factor[b..b + LANES].try_into().expect("lanes");
        // Off the fast path only: on it every GPU is on and not throttling, and stays so.
        let th: [f32; LANES] = if THERMAL { throttled[b..b + LANES].try_into().expect("lanes") } else { [0.0; LANES] };
        let on: [f32; LANES] = if THERMAL { online[b..b + LANES].try_into().expect("lanes") } else { [1.0; LANES] };
        let cap: [f32; LANES] = cap[b..b + LANES].try_into().expect("lanes");
        let pw: [f32; LANES] = power[b..b + LANES].try_into().expect("lanes");
        let mut o_t = [0f32; LANES];
        let mut o_th = [0f32; LANES];
        let mut o_on = [0f32; LANES];
        let mut o_p = [0f32; LANES];
        for l in 0..LANES {
            let (tn, thr, onn, pn, cmp, burn) =
                gpu_update::<CAPS, SMOOTH, THERMAL>(p, k, t[l], f[l], fi[l], th[l], on[l], cap[l], pw[l], e_cur[0][l], e_cur[1][l]);
            // Terms that are +0 by construction are not added (a lane sum starts at +0 and
            // adding +0 leaves it as it is): burn without smoothing, throttled and offline
            // counts on the fast path.
            if SMOOTH {
                acc_burn[l] += burn;
            }
            o_t[l] = tn;
            o_th[l] = thr;
            o_on[l] = onn;
            o_p[l] = pn;
            acc_p[l] += pn;
            acc_dt[l] += tn - t[l];
            acc_t[l] += tn;
            // (Selects, not f32::max: one instruction; a NaN is skipped either way.)
            acc_max[l] = if tn > acc_max[l] { tn } else { acc_max[l] };
            acc_min[l] = if tn < acc_min[l] { tn } else { acc_min[l] };
            if THERMAL {
                acc_thr[l] += thr * onn;
                acc_off[l] += 1.0 - onn;
            }
            // On the fast path without caps or smoothing every GPU's delivered compute is the
            // segment's utilisation (clock, online flag and ramp ratio are all 1): those lane
            // sums are formed after the loop, the same repeated additions.
            if full_cmp {
                acc_cmp[l] += cmp;
            }
        }
        temp[b..b + LANES].copy_from_slice(&o_t);
        if THERMAL {
            throttled[b..b + LANES].copy_from_slice(&o_th);
            online[b..b + LANES].copy_from_slice(&o_on);
        }
        if CAPS || SMOOTH {
            power[b..b + LANES].copy_from_slice(&o_p);
        }
        e_cur = e_n1;
        e_n1 = e_next;
    }
    for (l, j) in (chunks * LANES..n).enumerate() {
        let t = temp[j];
        let (lm, lc) = leak_mult_at::<THERMAL, LOCAL>(p, loc, loc_c, c_full, t);
        let (tn, thr, onn, pn, cmp, burn) =
            gpu_update::<CAPS, SMOOTH, THERMAL>(p, k, t, factor[j], inv_factor[j], throttled[j], online[j], cap[j], power[j], lm, lc);
        temp[j] = tn;
        throttled[j] = thr;
        online[j] = onn;
        if CAPS || SMOOTH {
            power[j] = pn;
        }
        acc_p[l] += pn;
        acc_dt[l] += tn - t;
        acc_t[l] += tn;
        acc_max[l] = if tn > acc_max[l] { tn } else { acc_max[l] };
        acc_min[l] = if tn < acc_min[l] { tn } else { acc_min[l] };
        if THERMAL {
            acc_thr[l] += thr * onn;
            acc_off[l] += 1.0 - onn;
        }
        if full_cmp {
            acc_cmp[l] += cmp;
        }
        if SMOOTH {
            acc_burn[l] += burn;
        }
    }
    if !full_cmp {
        // Lane l summed `k.u` once per chunk (and once more for a tail GPU in lane l).
        let mut per_chunk = 0f32;
        for _ in 0..chunks {
            per_chunk += k.u;
        }
        acc_cmp = [per_chunk; LANES];
        for a in acc_cmp.iter_mut().take(n - chunks * LANES) {
            *a += k.u;
        }
    }
    // The extremes of the lanes as a tree (max and min do not depend on the order; a NaN lane,
    // which cannot occur, would be skipped as before).
    let fold = |a: [f32; LANES], pick: fn(f32, f32) -> f32| {
        let h: [f32; 4] = std::array::from_fn(|i| pick(a[i], a[i + 4]));
        let q: [f32; 2] = std::array::from_fn(|i| pick(h[i], h[i + 2]));
        pick(q[0], q[1])
    };
    let mut out = SegmentSums {
        temp_max_c: fold(acc_max, |a, b| if b > a { b } else { a }),
        temp_min_c: fold(acc_min, |a, b| if b < a { b } else { a }),
        ..Default::default()
    };
    for l in 0..LANES {
        out.power_w += f64::from(acc_p[l]);
        out.dtemp_k += f64::from(acc_dt[l]);
        out.temp_c += f64::from(acc_t[l]);
        out.throttled += f64::from(acc_thr[l]);
        out.offline += f64::from(acc_off[l]);
        out.compute += f64::from(acc_cmp[l]);
        out.burn_w += f64::from(acc_burn[l]);
    }
    out.demand = f64::from(inp.util) * n as f64;
    out
}

/// Mutable views of one segment's GPU state.
pub struct SegmentSlices<'a> {
    /// Junction temperatures.
    pub temp: &'a mut [f32],
    /// Manufacturing factors.
    pub factor: &'a [f32],
    /// Their inverses.
    pub inv_factor: &'a [f32],
    /// Throttle flags.
    pub throttled: &'a mut [f32],
    /// Online flags.
    pub online: &'a mut [f32],
    /// Caps (W).
    pub cap: &'a [f32],
    /// Last power (W).
    pub power: &'a mut [f32],
}

impl GpuState {
    /// Views of GPUs `range`.
    #[inline(always)]
    pub fn slices(&mut self, range: std::ops::Range<usize>) -> SegmentSlices<'_> {
        SegmentSlices {
            temp: &mut self.temp_c[range.clone()],
            factor: &self.factor[range.clone()],
            inv_factor: &self.inv_factor[range.clone()],
            throttled: &mut self.throttled[range.clone()],
            online: &mut self.online[range.clone()],
            cap: &self.cap_w[range.clone()],
            power: &mut self.power_w[range],
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn segment_avx2(p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    segment_impl(p, inp, st)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2")]
unsafe fn segment_avx512(p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    segment_impl(p, inp, st)
}

fn segment_portable(p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    segment_impl(p, inp, st)
}

/// The instruction set the kernel runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelIsa {
    /// Baseline x86-64 (SSE2) or non-x86 targets.
    Portable,
    /// AVX2.
    Avx2,
    /// AVX-512 (F, VL, DQ, BW).
    Avx512,
}

/// The best kernel path this CPU runs (checked once; `FJORD_KERNEL=avx2|portable` chooses a
/// lower one, for comparisons). FMA is deliberately not enabled: Rust never contracts
/// `a*b+c` into an FMA, so every path gives the same bits.
pub fn kernel_isa() -> KernelIsa {
    static ISA: std::sync::OnceLock<KernelIsa> = std::sync::OnceLock::new();
    *ISA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            let cap = match std::env::var("FJORD_KERNEL").as_deref() {
                Ok("portable") => KernelIsa::Portable,
                Ok("avx2") => KernelIsa::Avx2,
                _ => KernelIsa::Avx512,
            };
            let avx512 = std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512bw");
            if avx512 && cap == KernelIsa::Avx512 {
                KernelIsa::Avx512
            } else if std::is_x86_feature_detected!("avx2") && cap != KernelIsa::Portable {
                KernelIsa::Avx2
            } else {
                KernelIsa::Portable
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            KernelIsa::Portable
        }
    })
}

/// True when the running CPU has AVX2 (checked once).
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVX2.get_or_init(|| std::is_x86_feature_detected!("avx2"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Advances one segment of GPUs by one step (see the module docs for the equations),
/// dispatching to an AVX-512 or AVX2 build of the same code where the CPU has it.
pub fn step_segment(p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    debug_assert!(st.factor.len() == st.temp.len() && st.cap.len() == st.temp.len());
    step_segment_on(kernel_isa(), p, inp, st)
}

/// [`step_segment`] on a chosen instruction set; a set the CPU lacks falls back to the
/// next lower one (so tests can compare every path this CPU has, bit for bit).
pub fn step_segment_on(isa: KernelIsa, p: &KernelParams, inp: SegmentInput, st: SegmentSlices<'_>) -> SegmentSums {
    #[cfg(target_arch = "x86_64")]
    {
        let best = kernel_isa();
        if isa == KernelIsa::Avx512 && best == KernelIsa::Avx512 {
            // SAFETY: the CPU supports AVX-512 F/VL/DQ/BW (checked at run time).
            return unsafe { segment_avx512(p, inp, st) };
        }
        if isa != KernelIsa::Portable && has_avx2() {
            // SAFETY: the CPU supports AVX2 (checked at run time).
            return unsafe { segment_avx2(p, inp, st) };
        }
    }
    let _ = isa;
    segment_portable(p, inp, st)
}

/// One segment of a batch: its inputs and its GPUs `lo..hi` in the state.
#[derive(Debug, Clone, Copy)]
pub struct SegmentJob {
    /// The segment's inputs this step.
    pub inp: SegmentInput,
    /// First GPU (index into the state).
    pub lo: usize,
    /// One past the last GPU.
    pub hi: usize,
}

#[inline(always)]
fn segments_impl(p: &KernelParams, jobs: &[SegmentJob], st: &mut GpuState, out: &mut [SegmentSums]) {
    for (j, o) in jobs.iter().zip(out.iter_mut()) {
        *o = segment_impl(p, j.inp, st.slices(j.lo..j.hi));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn segments_avx2(p: &KernelParams, jobs: &[SegmentJob], st: &mut GpuState, out: &mut [SegmentSums]) {
    segments_impl(p, jobs, st, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2")]
unsafe fn segments_avx512(p: &KernelParams, jobs: &[SegmentJob], st: &mut GpuState, out: &mut [SegmentSums]) {
    segments_impl(p, jobs, st, out)
}

/// [`step_segment`] for many segments of one state in one call (one dispatch, the kernel's
/// constants kept across segments): `out[i]` gets the sums of `jobs[i]`, the same bits as
/// calling [`step_segment`] for each in turn. `out` must be at least as long as `jobs`.
pub fn step_segments(p: &KernelParams, jobs: &[SegmentJob], st: &mut GpuState, out: &mut [SegmentSums]) {
    assert!(out.len() >= jobs.len(), "one output per segment");
    #[cfg(target_arch = "x86_64")]
    {
        match kernel_isa() {
            // SAFETY: the CPU supports AVX-512 F/VL/DQ/BW (checked at run time).
            KernelIsa::Avx512 => return unsafe { segments_avx512(p, jobs, st, out) },
            // SAFETY: the CPU supports AVX2 (checked at run time).
            KernelIsa::Avx2 => return unsafe { segments_avx2(p, jobs, st, out) },
            KernelIsa::Portable => {}
        }
    }
    segments_impl(p, jobs, st, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::resolve::GpuParams;

    pub(crate) fn params() -> GpuParams {
        GpuParams {
            tdp_w: 1200.0,
            idle_w: 170.0,
            leakage_frac: 0.15,
            leakage_per_k: 0.03,
            leakage_ref_c: 60.0,
            r_th_k_per_w: 0.035,
            c_th_j_per_k: 120.0,
            throttle_c: 87.0,
            throttle_hysteresis_k: 3.0,
            min_clock_frac: 0.3,
            shutdown_c: 92.0,
            restart_c: 72.0,
            power_floor_frac: 0.0,
            ramp_up_w_per_s: 0.0,
            ramp_down_w_per_s: 0.0,
        }
    }

    #[test]
    fn fast_exp_is_accurate() {
        let mut x = -6.0f32;
        while x <= 6.0 {
            let rel = (fast_exp(x) as f64 / (x as f64).exp() - 1.0).abs();
            assert!(rel < 4e-6, "x {x} rel {rel}");
            x += 0.01;
        }
        // 2^x itself, across the clamp range, on a fine grid and at the rounding ties.
        let mut x = -EXP2_MAX;
        while x <= EXP2_MAX {
            for y in [x, x.round() + 0.5, x.round() - 0.5] {
                let rel = (fast_exp2(y) as f64 / (y as f64).exp2() - 1.0).abs();
                assert!(rel < 4e-6, "x {y} rel {rel}");
            }
            x += 0.003;
        }
        assert_eq!(fast_exp2(0.0), 1.0);
        assert_eq!(fast_exp2(3.0), 8.0);
    }

    #[test]
    fn steady_state_matches_closed_form() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let mut st = GpuState::new(72, 40.0, |_| 1.0);
        let inp = SegmentInput { util: 0.8, coolant_c: 35.0, job_active: true, caps_active: true, thermal_safe: false, leak: None };
        for _ in 0..2000 {
            step_segment(&kp, inp, st.slices(0..72));
        }
        // Fixed point: T = Tc + R·P(T), P(T) = L(T)·(idle + span·u).
        let mut t = 60.0f64;
        for _ in 0..200 {
            let p = leak_mult(0.15, 0.03, t - 60.0) * (170.0 + 1030.0 * 0.8);
            t = 35.0 + 0.035 * p;
        }
        assert!((f64::from(st.temp_c[5]) - t).abs() < 0.01, "{} vs {t}", st.temp_c[5]);
    }

    #[test]
    fn step_response_has_rc_time_constant() {
        // Without leakage, a power step relaxes as 1 − e^(−t/RC).
        let mut g = params();
        g.leakage_frac = 0.0;
        let tau = g.r_th_k_per_w * g.c_th_j_per_k; // 4.2 s
        let dt = 0.05;
        let kp = KernelParams::new(&g, dt);
        let mut st = GpuState::new(8, 35.0, |_| 1.0);
        let n = (tau / dt).round() as usize;
        for _ in 0..n {
            step_segment(
                &kp,
                SegmentInput { util: 1.0, coolant_c: 35.0, job_active: true, caps_active: true, thermal_safe: false, leak: None },
                st.slices(0..8),
            );
        }
        let rise = f64::from(st.temp_c[0]) - 35.0;
        let full = 1200.0 * 0.035;
        let frac = rise / full;
        assert!((frac - (1.0 - (-1.0f64).exp())).abs() < 2e-3, "after one tau: {frac}");
    }

    #[test]
    fn throttling_holds_junction_near_limit() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let mut st = GpuState::new(72, 40.0, |i| 1.0 + 0.01 * (i as f32 - 36.0) / 36.0);
        let inp = SegmentInput { util: 1.0, coolant_c: 60.0, job_active: true, caps_active: true, thermal_safe: false, leak: None };
        let mut sums = SegmentSums::default();
        for _ in 0..600 {
            sums = step_segment(&kp, inp, st.slices(0..72));
        }
        let tmax = st.temp_c.iter().cloned().fold(f32::MIN, f32::max);
        assert!(tmax < 87.5 && tmax > 86.0, "max {tmax}");
        assert_eq!(sums.offline, 0.0);
        assert_eq!(sums.throttled, 72.0);
        assert!(sums.compute / sums.demand < 0.9, "compute delivered {}", sums.compute / sums.demand);
        // Cool coolant again: throttling releases.
        for _ in 0..600 {
            sums = step_segment(&kp, SegmentInput { coolant_c: 30.0, ..inp }, st.slices(0..72));
        }
        assert_eq!(sums.throttled, 0.0);
        assert!((sums.compute / sums.demand - 1.0).abs() < 1e-6);
    }

    #[test]
    fn shutdown_above_limit_and_restart() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let mut st = GpuState::new(8, 40.0, |_| 1.0);
        // Coolant above the shutdown limit: GPUs must shut down, never stay on above it.
        let mut seen_off = false;
        for _ in 0..300 {
            let before = st.temp_c.clone();
            let s = step_segment(
                &kp,
                SegmentInput { util: 1.0, coolant_c: 95.0, job_active: true, caps_active: true, thermal_safe: false, leak: None },
                st.slices(0..8),
            );
            seen_off |= s.offline == 8.0;
            // A GPU that was above shutdown_c at the start of a step is off during it.
            for (t, on) in before.iter().zip(&st.online) {
                assert!(*t <= 92.0 || *on == 0.0, "GPU at {t} °C still on");
            }
        }
        assert!(seen_off);
        for _ in 0..300 {
            step_segment(
                &kp,
                SegmentInput { util: 1.0, coolant_c: 30.0, job_active: true, caps_active: true, thermal_safe: false, leak: None },
                st.slices(0..8),
            );
        }
        assert!(st.online.iter().all(|&o| o == 1.0));
    }

    #[test]
    fn cap_limits_power_and_compute() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let mut st = GpuState::new(16, 50.0, |_| 1.0);
        st.cap_w.iter_mut().for_each(|c| *c = 800.0);
        let s = step_segment(
            &kp,
            SegmentInput { util: 1.0, coolant_c: 30.0, job_active: true, caps_active: true, thermal_safe: false, leak: None },
            st.slices(0..16),
        );
        assert!(s.power_w / 16.0 <= 800.0 + 1e-3, "{}", s.power_w / 16.0);
        assert!(s.compute < s.demand * 0.8);
    }

    /// Every instruction set this CPU has (portable, AVX2, AVX-512) gives the same bits, for
    /// every kernel variant (caps, smoothing, throttle arithmetic, the leakage exponential as
    /// the fast_exp2 or the local cubic) and segment lengths with
    /// and without whole 8-lane chunks and a scalar tail.
    #[test]
    fn portable_and_dispatched_paths_agree_bitwise() {
        for variant in 0..16u32 {
            let mut g = params();
            if variant & 2 != 0 {
                g.power_floor_frac = 0.5;
                g.ramp_up_w_per_s = 400.0;
                g.ramp_down_w_per_s = 300.0;
            }
            let kp = KernelParams::new(&g, 0.5);
            g.leakage_per_k = 0.001;
            let table = LeakTable::new(&g, &kp);
            for n in [5usize, 8, 16, 72, 77] {
                let base = GpuState::new(n, 40.0, |i| 1.0 + 0.001 * i as f32);
                let mut runs = [base.clone(), base.clone(), base];
                if variant & 1 != 0 {
                    for st in &mut runs {
                        st.cap_w.iter_mut().enumerate().for_each(|(i, c)| *c = 700.0 + 10.0 * i as f32);
                    }
                }
                for k in 0..50 {
                    let inp = SegmentInput {
                        util: (k % 3) as f32 * 0.4,
                        coolant_c: 50.0 + k as f32 * 0.5,
                        job_active: k % 5 != 0,
                        caps_active: variant & 1 != 0,
                        thermal_safe: variant & 4 != 0 && k < 10,
                        // A wide centre range: the cubic's bits, not its accuracy, are compared.
                        leak: (variant & 8 != 0).then(|| table.local(20.0, 40.0 + k as f64).expect("a local expansion")),
                    };
                    let sums: Vec<SegmentSums> = runs
                        .iter_mut()
                        .zip([KernelIsa::Portable, KernelIsa::Avx2, KernelIsa::Avx512])
                        .map(|(st, isa)| step_segment_on(isa, &kp, inp, st.slices(0..n)))
                        .collect();
                    assert_eq!(sums[0], sums[1], "variant {variant}, n {n}, step {k}");
                    assert_eq!(sums[0], sums[2], "variant {variant}, n {n}, step {k}");
                }
                for st in &runs[1..] {
                    assert_eq!(runs[0].temp_c, st.temp_c);
                    assert_eq!(runs[0].power_w, st.power_w);
                    assert_eq!(runs[0].throttled, st.throttled);
                    assert_eq!(runs[0].online, st.online);
                }
            }
        }
    }

    /// Invariants over random inputs (a deterministic sample): power is never negative nor
    /// above the leakage-inflated TDP, temperatures stay finite and between the coolant and
    /// the steady state of full power, and more utilisation never means less power.
    #[test]
    fn invariants_hold_over_random_inputs() {
        use crate::rng::{uniform, Stream};
        let mut g = params();
        for case in 0..200u64 {
            let r = |i: u64| uniform(42, Stream::GpuFactor, case, i) as f32;
            g.power_floor_frac = if case % 3 == 0 { 0.6 } else { 0.0 };
            let kp = KernelParams::new(&g, 0.1 + 5.0 * f64::from(r(0)));
            let coolant = 20.0 + 50.0 * r(1);
            let util = r(2);
            let mut st = GpuState::new(16, coolant + 30.0 * r(3), |i| 0.95 + 0.1 * (i as f32 / 16.0));
            if case % 4 == 0 {
                st.cap_w.iter_mut().for_each(|c| *c = 300.0 + 900.0 * r(4));
            }
            let mut lo = st.clone();
            let inp = SegmentInput { util, coolant_c: coolant, job_active: true, caps_active: case % 4 == 0, thermal_safe: false, leak: None };
            let s = step_segment(&kp, inp, st.slices(0..16));
            let s_lo = step_segment(&kp, SegmentInput { util: util * 0.5, ..inp }, lo.slices(0..16));
            let p_max = 1200.0 * 1.05 * leak_mult(0.15, 0.03, 6.0 / 0.03) as f32;
            for (&p, &t) in st.power_w.iter().zip(&st.temp_c) {
                assert!(p >= 0.0 && p <= p_max, "case {case}: power {p}");
                assert!(t.is_finite() && t >= coolant - 1e-3 && t <= coolant + 30.0 + p_max * 0.035 + 1e-3, "case {case}: T {t}");
            }
            assert!(
                s.power_w + 1e-3 >= s_lo.power_w,
                "case {case}: more work, less power: {} vs {} at u {util}, coolant {coolant}, T0 {:?}, dt {}, thr {} vs {}",
                s.power_w,
                s_lo.power_w,
                lo.temp_c[0],
                kp.dt_s,
                s.throttled,
                s_lo.throttled
            );
            assert!(s.compute <= s.demand * (1.0 + 1e-5) + 1e-6, "case {case}: compute above demand");
        }
    }

    #[test]
    fn thermal_fast_path_matches_full_path_when_safe() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let mut a = GpuState::new(72, 40.0, |i| 1.0 + 0.0005 * i as f32);
        let mut b = a.clone();
        for k in 0..100 {
            let inp =
                SegmentInput { util: (k % 4) as f32 * 0.3, coolant_c: 35.0, job_active: true, caps_active: false, thermal_safe: true, leak: None };
            let sa = step_segment(&kp, inp, a.slices(0..72));
            let sb = step_segment(&kp, SegmentInput { thermal_safe: false, ..inp }, b.slices(0..72));
            assert_eq!(sa, sb);
        }
        assert_eq!(a.temp_c, b.temp_c);
        assert_eq!(a.throttled, b.throttled);
        // The same with the leakage exponential as the rack's cubic (built from last step's
        // extremes, as the engine does): the fast path still gives the full path's bits.
        let table = LeakTable::new(&g, &kp);
        let mut used = 0;
        for k in 0..100 {
            let (lo, hi) = a.temp_c.iter().fold((f32::MAX, f32::MIN), |(l, h), &t| (l.min(t), h.max(t)));
            let leak = table.local(f64::from(lo), f64::from(hi));
            used += usize::from(leak.is_some());
            let inp = SegmentInput { util: (k % 4) as f32 * 0.3, coolant_c: 35.0, job_active: true, caps_active: false, thermal_safe: true, leak };
            let sa = step_segment(&kp, inp, a.slices(0..72));
            let sb = step_segment(&kp, SegmentInput { thermal_safe: false, ..inp }, b.slices(0..72));
            assert_eq!(sa, sb);
        }
        assert!(used > 90, "the cubic was used in {used} of 100 steps");
        assert_eq!(a.temp_c, b.temp_c);
    }

    /// The cubic about a centre gives `L(T) = (1 − λ) + λ·exp(k(T − T_ref))` within 4·10⁻⁶
    /// relative over every range it accepts (slopes from none to the steepest allowed, ranges
    /// up to the widest accepted, centres across the table, leakage shares 0.15 and 0.9), its
    /// f32 arithmetic included.
    #[test]
    fn leak_cubic_matches_the_exponential_where_it_is_used() {
        let mut worst = 0.0f64;
        for (per_k, lf) in [0.0, 0.01, 0.03, 0.07, 0.2].into_iter().flat_map(|k| [(k, 0.15), (k, 0.9)]) {
            let mut g = params();
            g.leakage_per_k = per_k;
            g.leakage_frac = lf;
            let kp = KernelParams::new(&g, 1.0);
            let table = LeakTable::new(&g, &kp);
            let h_max = if per_k > 0.0 { LEAK_LOCAL_Y_MAX / per_k } else { 50.0 };
            for mid in [-20.0, 25.3, 40.0, 61.7, 85.06, 120.0] {
                for frac in [0.1, 0.5, 0.9, 0.98] {
                    let (lo, hi) = (mid - frac * h_max, mid + frac * h_max);
                    let Some(loc) = table.local(lo, hi) else {
                        // Refused only near the widest ranges (the centre is snapped to the
                        // grid) or outside the clamp-free range.
                        assert!(frac * h_max + LEAK_GRID_K / 2.0 > h_max || lo < kp.exp_lo_c || hi > kp.exp_hi_c, "k {per_k}, [{lo}, {hi}]");
                        continue;
                    };
                    assert_eq!(f64::from(loc.center_c) % LEAK_GRID_K, 0.0);
                    for i in 0..=400 {
                        let t = (lo + (hi - lo) * f64::from(i) / 400.0) as f32;
                        let t = t.clamp(lo as f32, hi as f32);
                        let exact = (1.0 - lf) + lf * (per_k * (f64::from(t) - g.leakage_ref_c)).exp();
                        let rel = (f64::from(loc.eval(t)) / exact - 1.0).abs();
                        worst = worst.max(rel);
                        assert!(rel < 4e-6, "k {per_k}, [{lo}, {hi}], T {t}: {rel:e}");
                    }
                }
            }
        }
        assert!(worst > 1e-7, "the test reaches the expansion's error ({worst:e})");
    }

    #[test]
    fn leak_cubic_refuses_wide_empty_or_out_of_range_spans() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let table = LeakTable::new(&g, &kp);
        // k = 0.03: accepted up to h = 3 K about the grid point.
        assert!(table.local(40.0, 45.9).is_some());
        assert!(table.local(40.0, 46.3).is_none());
        assert!(table.local(45.0, 44.0).is_none());
        assert!(table.local(f64::NAN, 44.0).is_none());
        assert!(table.local(40.0, f64::INFINITY).is_none());
        // Beyond the table, or where the fast_exp2 path would clamp its exponent.
        assert!(table.local(-150.0, -149.0).is_none());
        assert!(table.local(kp.exp_hi_c - 0.5, kp.exp_hi_c + 0.5).is_none());
        // One temperature: the centre is the nearest grid point, a₀ its leakage multiplier.
        let loc = table.local(61.0, 61.0).expect("a point");
        assert_eq!(loc.center_c, 61.0);
        assert!((f64::from(loc.a[0]) / (0.85 + 0.15 * (0.03f64).exp()) - 1.0).abs() < 1e-7);
        // No slope: any finite span inside the table, and the multiplier is 1.
        let mut flat = params();
        flat.leakage_per_k = 0.0;
        let kp0 = KernelParams::new(&flat, 1.0);
        let loc = LeakTable::new(&flat, &kp0).local(-50.0, 250.0).expect("no slope");
        assert_eq!((loc.eval(-50.0), loc.eval(250.0)), (1.0, 1.0));
    }

    /// A rack stepped with the cubic and with fast_exp2 gives the same power and temperatures
    /// within the two forms' errors (each < 4·10⁻⁶ of the 15 % leakage share).
    #[test]
    fn leak_cubic_and_fast_exp2_agree_on_a_rack() {
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let table = LeakTable::new(&g, &kp);
        let mut a = GpuState::new(72, 40.0, |i| 1.0 + 0.0008 * (i % 13) as f32);
        let mut b = a.clone();
        for k in 0..300 {
            let (lo, hi) = a.temp_c.iter().fold((f32::MAX, f32::MIN), |(l, h), &t| (l.min(t), h.max(t)));
            let inp = SegmentInput {
                util: if k % 60 < 40 { 0.95 } else { 0.2 },
                coolant_c: 35.0,
                job_active: true,
                caps_active: false,
                thermal_safe: false,
                leak: None,
            };
            let leak = table.local(f64::from(lo), f64::from(hi));
            assert!(leak.is_some(), "step {k}: [{lo}, {hi}]");
            let sa = step_segment(&kp, SegmentInput { leak, ..inp }, a.slices(0..72));
            let sb = step_segment(&kp, inp, b.slices(0..72));
            assert!((sa.power_w / sb.power_w - 1.0).abs() < 2e-6, "step {k}: {} {}", sa.power_w, sb.power_w);
        }
        for (ta, tb) in a.temp_c.iter().zip(&b.temp_c) {
            assert!((ta - tb).abs() < 1e-3, "{ta} {tb}");
        }
    }

    #[test]
    fn clamp_free_range_keeps_the_exponent_inside_the_clamp() {
        // Leakage 0.03/K from 60 °C: x = 0.0433·(T − 60) leaves ±8.66 below −140 °C and above
        // 260 °C; the range sits just inside, and in f32 the clamp does nothing over it.
        let mut g = params();
        let kp = KernelParams::new(&g, 1.0);
        let (lo, hi) = kp.exp_range_c();
        assert!((lo - (60.0 - 6.0 / 0.03)).abs() < 0.5 && (hi - (60.0 + 6.0 / 0.03)).abs() < 0.5, "{lo} {hi}");
        let steps = 20_000;
        for i in 0..=steps {
            let t = (lo + (hi - lo) * f64::from(i) / f64::from(steps)) as f32;
            let t = t.clamp(lo as f32, hi as f32);
            let x = t * kp.leak_k2 - kp.leak_ref_k2;
            assert_eq!(x, x.clamp(-EXP2_MAX, EXP2_MAX), "T {t}");
        }
        // Just outside, the clamp binds: the range is not needlessly narrow.
        let x_out = ((lo - 1.0) as f32) * kp.leak_k2 - kp.leak_ref_k2;
        assert!(x_out < -EXP2_MAX);
        // No leakage slope: every temperature qualifies; a steep one narrows the range.
        g.leakage_per_k = 0.0;
        assert_eq!(KernelParams::new(&g, 1.0).exp_range_c(), (f64::NEG_INFINITY, f64::INFINITY));
        g.leakage_per_k = 0.5;
        let (lo, hi) = KernelParams::new(&g, 1.0).exp_range_c();
        assert!(lo > 47.0 && hi < 73.0, "{lo} {hi}");
    }

    #[test]
    fn fast_path_without_clamp_matches_the_full_path_across_its_range() {
        // Temperatures spread over the clamp-free range (cold coolant, hot GPUs): the fast path
        // (no throttle arithmetic, no clamp) gives the full path's bits.
        let g = params();
        let kp = KernelParams::new(&g, 1.0);
        let (lo, _) = kp.exp_range_c();
        let mut a = GpuState::new(72, 0.0, |i| 1.0 + 0.0005 * i as f32);
        for (i, t) in a.temp_c.iter_mut().enumerate() {
            *t = (lo as f32 + 0.01) + 2.8 * i as f32;
        }
        let mut b = a.clone();
        let inp = SegmentInput { util: 0.9, coolant_c: -100.0, job_active: true, caps_active: false, thermal_safe: true, leak: None };
        let sa = step_segment(&kp, inp, a.slices(0..72));
        let sb = step_segment(&kp, SegmentInput { thermal_safe: false, ..inp }, b.slices(0..72));
        assert_eq!(sa, sb);
        assert_eq!(a.temp_c, b.temp_c);
        assert_eq!(sa.temp_min_c, b.temp_c.iter().copied().fold(f32::MAX, f32::min));
    }

    #[test]
    fn floor_and_ramp_limit_smooth_power() {
        let mut g = params();
        g.power_floor_frac = 0.6;
        g.ramp_up_w_per_s = 600.0;
        g.ramp_down_w_per_s = 600.0;
        let kp = KernelParams::new(&g, 0.1);
        let mut st = GpuState::new(8, 50.0, |_| 1.0);
        let mut prev = 0.0;
        let mut first = true;
        for k in 0..200 {
            let util = if (k / 10) % 2 == 0 { 1.0 } else { 0.0 };
            let s = step_segment(
                &kp,
                SegmentInput { util, coolant_c: 30.0, job_active: true, caps_active: true, thermal_safe: false, leak: None },
                st.slices(0..8),
            );
            let per = s.power_w / 8.0;
            if !first {
                assert!((per - prev).abs() <= 60.0 + 1e-3, "ramp {}", per - prev);
            }
            if k > 50 {
                assert!(per >= 0.6 * 1200.0 - 1e-3, "floor {per}");
            }
            prev = per;
            first = false;
        }
    }
}
