//! `fjord calibrate`: fits the GPU model to a telemetry file and scores it on a held-out tail.
//!
//! # What is fitted
//! * **Utilisation→power curve** `P = L(T)·(P_idle + S·u^γ)` with `S = P_tdp − P_idle`.
//!   The preset's linear curve (γ = 1) overstates training power: nvidia-smi's
//!   `utilization.gpu` is the share of time *any* kernel runs, which saturates near 100 %
//!   while memory- and communication-bound kernels draw far less than TDP, so power rises
//!   late and steeply with the metric. A power law adds one parameter, stays monotone and
//!   passes through idle at u = 0, and is applied before the GPU kernel as `u^γ`
//!   ([`crate::model::workload`]) so the kernel is unchanged. For each γ on a log grid
//!   (0.2-8, refined by golden-section search) `P_idle` and `S` follow by linear least squares;
//!   the γ with the least squared error wins.
//! * **Leakage** (only when temperature is logged): `L(T) = 1 − λ + λ·e^{k(T − T_ref)}` with the
//!   preset's k and T_ref; λ is searched on a 0-0.6 grid together with γ, the measured
//!   temperature dividing the power. Without temperature the trace is taken as measured at
//!   `T_ref` (L = 1) and the preset's leakage is kept (its effect on fjord's simulated
//!   temperatures is then unchecked).
//! * **Thermal R and C** (only with temperature): the RC model `τ·dT/dt = T_c(t) + R·P − T`
//!   with a coolant temperature drifting linearly in time `T_c = c₀ + c₁·t` (loops warm up
//!   during a run) is integrated exactly between samples; for a given τ the measured T is
//!   linear in (T₀, c₀, c₁, R) per GPU, solved by least squares; τ is searched (0.1-300 s,
//!   log grid + golden section) for the least total error. R is the median over GPUs,
//!   C = τ/R.
//!
//! # Scoring
//! Samples are averaged over 1 s windows (or the median sample spacing, if longer) per GPU,
//! the unit in which the errors were measured. The first `1 − holdout` of the trace's
//! time span fits; the rest scores: energy error `ΣP_model/ΣP_measured − 1`, mean absolute
//! error (W) and R², for the fit and for the uncalibrated preset side by side.

use crate::scenario::presets::GpuPreset;
use crate::telemetry::readers::Telemetry;
use crate::telemetry::replay::Pwc;

/// Fitted parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Idle power at `T_ref` (W).
    pub idle_w: f64,
    /// Power at u = 1 at `T_ref` (W).
    pub tdp_w: f64,
    /// Curve exponent γ.
    pub gamma: f64,
    /// Leakage share at `T_ref` (`None`: not fitted, preset kept).
    pub leakage_frac: Option<f64>,
    /// Junction-to-coolant resistance (K/W), if fitted.
    pub r_th_k_per_w: Option<f64>,
    /// Heat capacity (J/K), if fitted.
    pub c_th_j_per_k: Option<f64>,
    /// Mean coolant temperature the thermal fit implies (°C), if fitted.
    pub coolant_c: Option<f64>,
}

/// Errors of a model against the measurement over a set of windows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Σ model / Σ measured − 1.
    pub energy_error_frac: f64,
    /// Mean absolute error (W).
    pub mae_w: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Mean measured power (W).
    pub measured_mean_w: f64,
    /// Mean model power (W).
    pub model_mean_w: f64,
}

/// A calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Preset name.
    pub preset: String,
    /// The fit.
    pub fit: Fit,
    /// Held-out share of the time span.
    pub holdout_frac: f64,
    /// Window (s).
    pub window_s: f64,
    /// Windows used to fit and to score.
    pub windows: (usize, usize),
    /// Fitted model on the held-out windows.
    pub holdout_fit: Score,
    /// Preset on the held-out windows.
    pub holdout_preset: Score,
    /// Fitted model on the fitting windows.
    pub train_fit: Score,
    /// Measured GPUs.
    pub gpus: usize,
}

/// One window of one GPU: its start, the measured mean power, and the pieces of the
/// window over which utilisation and temperature hold (weight = share of the window,
/// utilisation, temperature or NaN). The curve is applied to each piece before averaging,
/// as the workload stage applies it to each trace row: with γ ≠ 1 the curve of a window's
/// mean utilisation is not the mean of the curve.
#[derive(Debug, Clone)]
struct Window {
    t: f64,
    p: f64,
    pieces: Vec<(f64, f64, f64)>,
}

impl Window {
    /// Regressors (Σ w·L, Σ w·L·u^γ) of `P̄ = idle·X1 + span·X2`.
    fn x(&self, gamma: f64, lambda: f64, k: f64, t_ref: f64, use_temp: bool) -> (f64, f64) {
        self.pieces.iter().fold((0.0, 0.0), |acc, &(w, u, tm)| {
            let l = if use_temp && tm.is_finite() { leak(lambda, k, tm - t_ref) } else { 1.0 };
            (acc.0 + w * l, acc.1 + w * l * u.powf(gamma))
        })
    }
    fn has_temp(&self) -> bool {
        self.pieces.iter().all(|p| p.2.is_finite())
    }
}

fn leak(lambda: f64, k: f64, dt_k: f64) -> f64 {
    1.0 - lambda + lambda * (k * dt_k).exp()
}

#[allow(clippy::needless_range_loop)]
/// Least squares of `y ≈ X·b` by normal equations (small K, Gaussian elimination with
/// partial pivoting). `None` if singular.
fn lstsq<const K: usize>(rows: &[([f64; K], f64)]) -> Option<[f64; K]> {
    let mut a = [[0.0; K]; K];
    let mut b = [0.0; K];
    for (x, y) in rows {
        for i in 0..K {
            b[i] += x[i] * y;
            for j in 0..K {
                a[i][j] += x[i] * x[j];
            }
        }
    }
    for c in 0..K {
        let p = (c..K).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 * (1.0 + a[c][c].abs()) {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..K {
            let f = a[r][c] / a[c][c];
            for j in c..K {
                a[r][j] -= f * a[c][j];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; K];
    for c in (0..K).rev() {
        let s: f64 = (c + 1..K).map(|j| a[c][j] * x[j]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

/// Golden-section minimum of `f` on [lo, hi] (in log space).
fn golden(lo: f64, hi: f64, f: &mut dyn FnMut(f64) -> f64) -> f64 {
    let (mut a, mut b) = (lo.ln(), hi.ln());
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c.exp()), f(d.exp()));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c.exp());
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d.exp());
        }
    }
    (0.5 * (a + b)).exp()
}

/// Grid then golden-section search of a scalar on a log grid.
fn search(lo: f64, hi: f64, n: usize, f: &mut dyn FnMut(f64) -> f64) -> f64 {
    let pts: Vec<f64> = (0..n).map(|i| (lo.ln() + (hi.ln() - lo.ln()) * i as f64 / (n - 1) as f64).exp()).collect();
    let best = (0..n).min_by(|&i, &j| f(pts[i]).total_cmp(&f(pts[j]))).unwrap_or(0);
    golden(pts[best.saturating_sub(1)], pts[(best + 1).min(n - 1)], f)
}

/// Idle and span by least squares for a given γ and λ; returns (idle, span, SSE).
fn curve_ls(w: &[Window], gamma: f64, lambda: f64, k: f64, t_ref: f64, use_temp: bool) -> (f64, f64, f64) {
    let rows: Vec<([f64; 2], f64)> = w
        .iter()
        .map(|x| {
            let (a, b) = x.x(gamma, lambda, k, t_ref, use_temp);
            ([a, b], x.p)
        })
        .collect();
    let [mut a, mut s] = lstsq(&rows).unwrap_or([0.0, 0.0]);
    if a < 0.0 || s < 0.0 {
        // Keep the curve physical: idle ≥ 0, span ≥ 0 (refit the other alone).
        if a < 0.0 {
            a = 0.0;
            let (sxy, sxx) = rows.iter().fold((0.0, 0.0), |acc, (x, y)| (acc.0 + x[1] * y, acc.1 + x[1] * x[1]));
            s = if sxx > 0.0 { (sxy / sxx).max(0.0) } else { 0.0 };
        } else {
            s = 0.0;
            let (sxy, sxx) = rows.iter().fold((0.0, 0.0), |acc, (x, y)| (acc.0 + x[0] * y, acc.1 + x[0] * x[0]));
            a = if sxx > 0.0 { (sxy / sxx).max(0.0) } else { 0.0 };
        }
    }
    let sse = rows.iter().map(|(x, y)| (a * x[0] + s * x[1] - y).powi(2)).sum();
    (a, s, sse)
}

/// Per-GPU windows of `window_s` (time-weighted means; windows missing P or u are dropped).
fn windows(t: &Telemetry, window_s: f64) -> Vec<Vec<Window>> {
    t.gpus
        .iter()
        .map(|g| {
            let (Some(p), Some(u)) = (Pwc::new(&g.t_s, &g.power_w), Pwc::new(&g.t_s, &g.util_frac)) else { return Vec::new() };
            let temp = Pwc::new(&g.t_s, &g.temp_c);
            let (t0, t1) = (g.t_s[0], g.t_s[g.t_s.len() - 1]);
            let n = ((t1 - t0) / window_s).floor() as usize;
            (0..n)
                .map(|k| {
                    let (a, b) = (t0 + k as f64 * window_s, t0 + (k + 1) as f64 * window_s);
                    // Pieces between the utilisation rows inside the window.
                    let mut cuts = vec![a];
                    let i0 = u.t_s.partition_point(|&x| x <= a);
                    cuts.extend(u.t_s[i0..].iter().copied().take_while(|&x| x < b));
                    cuts.push(b);
                    let pieces = cuts
                        .windows(2)
                        .map(|c| {
                            let tm = temp.as_ref().map_or(f64::NAN, |m| m.value_at(c[0]));
                            ((c[1] - c[0]) / (b - a), u.value_at(c[0]).clamp(0.0, 1.0), tm)
                        })
                        .collect();
                    Window { t: a, p: p.mean(a, b, p.v[0]), pieces }
                })
                .collect()
        })
        .collect()
}

fn score(w: &[Window], model: &dyn Fn(&Window) -> f64) -> Score {
    let n = w.len().max(1) as f64;
    let meas: f64 = w.iter().map(|x| x.p).sum();
    let pred: f64 = w.iter().map(model).sum();
    let mean = meas / n;
    let mae = w.iter().map(|x| (model(x) - x.p).abs()).sum::<f64>() / n;
    let ss_res: f64 = w.iter().map(|x| (model(x) - x.p).powi(2)).sum();
    let ss_tot: f64 = w.iter().map(|x| (x.p - mean).powi(2)).sum();
    Score {
        energy_error_frac: if meas > 0.0 { pred / meas - 1.0 } else { 0.0 },
        mae_w: mae,
        r2: if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { 0.0 },
        measured_mean_w: mean,
        model_mean_w: pred / n,
    }
}

/// Thermal fit on the samples before `t_split`: (R, C, mean coolant) or `None`.
fn thermal_fit(t: &Telemetry, t_split: f64) -> Option<(f64, f64, f64)> {
    // Per GPU: samples with both P and T before the split.
    let series: Vec<Vec<(f64, f64, f64)>> = t
        .gpus
        .iter()
        .map(|g| {
            (0..g.t_s.len())
                .filter(|&i| g.t_s[i] < t_split && g.power_w[i].is_finite() && g.temp_c[i].is_finite())
                .map(|i| (g.t_s[i], g.power_w[i], g.temp_c[i]))
                .collect()
        })
        .filter(|v: &Vec<(f64, f64, f64)>| v.len() >= 20)
        .collect();
    if series.is_empty() {
        return None;
    }
    // For τ: per GPU, T_i = T0·D_i + c0·F1_i + c1·Ft_i + R·FP_i (exact filter, P and T_c
    // held over each interval); returns (total SSE, per-GPU (R, mean coolant)).
    let solve = |tau: f64| -> (f64, Vec<(f64, f64)>) {
        let mut sse = 0.0;
        let mut out = Vec::new();
        for s in &series {
            let mut rows: Vec<([f64; 4], f64)> = Vec::with_capacity(s.len());
            let (mut dd, mut f1, mut ft, mut fp) = (1.0, 0.0, 0.0, 0.0);
            rows.push(([dd, f1, ft, fp], s[0].2));
            for i in 1..s.len() {
                let dt = s[i].0 - s[i - 1].0;
                let d = (-dt / tau).exp();
                dd *= d;
                f1 = f1 * d + (1.0 - d);
                ft = ft * d + (1.0 - d) * (s[i - 1].0 - s[0].0);
                fp = fp * d + (1.0 - d) * s[i - 1].1;
                rows.push(([dd, f1, ft, fp], s[i].2));
            }
            match lstsq(&rows) {
                Some(b) => {
                    sse += rows.iter().map(|(x, y)| (x.iter().zip(&b).map(|(a, c)| a * c).sum::<f64>() - y).powi(2)).sum::<f64>();
                    let span = s[s.len() - 1].0 - s[0].0;
                    out.push((b[3], b[1] + b[2] * 0.5 * span));
                }
                None => sse += 1e30,
            }
        }
        (sse, out)
    };
    let tau = search(0.1, 300.0, 60, &mut |tau| solve(tau).0);
    let (_, per) = solve(tau);
    let mut rs: Vec<f64> = per.iter().map(|p| p.0).filter(|r| *r > 0.0 && r.is_finite()).collect();
    if rs.is_empty() {
        return None;
    }
    rs.sort_by(f64::total_cmp);
    let r = rs[rs.len() / 2];
    let coolant = per.iter().map(|p| p.1).sum::<f64>() / per.len() as f64;
    Some((r, tau / r, coolant))
}

/// Calibrates `preset` against telemetry `t`, holding out the last `holdout_frac` of the time
/// span. Errors are plain messages (bad input).
pub fn calibrate(t: &Telemetry, preset: &GpuPreset, holdout_frac: f64) -> Result<Calibration, String> {
    if !t.has_power() || !t.has_util() {
        return Err(format!(
            "{}: calibration needs both power and utilisation (this file has {}{})",
            t.path,
            if t.has_power() { "power" } else { "no power" },
            if t.has_util() { " and utilisation" } else { " and no utilisation" }
        ));
    }
    // Window: 1 s, or the median sample spacing if longer.
    let mut gaps: Vec<f64> = t.gpus.iter().flat_map(|g| g.t_s.windows(2).map(|w| w[1] - w[0])).filter(|d| *d > 0.0).collect();
    gaps.sort_by(f64::total_cmp);
    let window_s = gaps.get(gaps.len() / 2).copied().unwrap_or(1.0).max(1.0);
    let (t0, t1) = t.span_s();
    let t_split = t0 + (1.0 - holdout_frac) * (t1 - t0);
    let all = windows(t, window_s);
    let (mut train, mut hold): (Vec<Window>, Vec<Window>) = (Vec::new(), Vec::new());
    for g in &all {
        for w in g {
            if w.t + window_s <= t_split {
                train.push(w.clone());
            } else if w.t >= t_split {
                hold.push(w.clone());
            }
        }
    }
    if train.len() < 10 || hold.len() < 3 {
        return Err(format!(
            "{}: too short to calibrate ({} windows of {window_s} s to fit, {} held out); log at least a minute",
            t.path,
            train.len(),
            hold.len()
        ));
    }
    let (k, t_ref) = (preset.gpu.leakage_per_k, preset.gpu.leakage_ref_c);
    let has_temp = train.iter().all(Window::has_temp) && t.has_temp();
    let lambdas: Vec<f64> = if has_temp { (0..=60).map(|i| i as f64 * 0.01).collect() } else { vec![0.0] };
    let mut best = (f64::INFINITY, 1.0, 0.0, 0.0, 0.0);
    for &lam in &lambdas {
        let g = search(0.2, 8.0, 40, &mut |g| curve_ls(&train, g, lam, k, t_ref, has_temp).2);
        let (a, s, e) = curve_ls(&train, g, lam, k, t_ref, has_temp);
        if e < best.0 {
            best = (e, g, lam, a, s);
        }
    }
    let (_, gamma, lambda, idle, span) = best;
    let thermal = if has_temp { thermal_fit(t, t_split) } else { None };
    let fit = Fit {
        idle_w: idle,
        tdp_w: idle + span,
        gamma,
        leakage_frac: has_temp.then_some(lambda),
        r_th_k_per_w: thermal.map(|x| x.0),
        c_th_j_per_k: thermal.map(|x| x.1),
        coolant_c: thermal.map(|x| x.2),
    };
    let lam_fit = fit.leakage_frac.unwrap_or(0.0);
    let model = |w: &Window| {
        let (a, b) = w.x(gamma, lam_fit, k, t_ref, has_temp);
        fit.idle_w * a + span * b
    };
    let preset_model = |w: &Window| {
        let (a, b) = w.x(1.0, preset.gpu.leakage_frac, k, t_ref, true);
        preset.gpu.idle_w * a + (preset.gpu.tdp_w - preset.gpu.idle_w) * b
    };
    Ok(Calibration {
        preset: preset.name.to_string(),
        fit,
        holdout_frac,
        window_s,
        windows: (train.len(), hold.len()),
        holdout_fit: score(&hold, &model),
        holdout_preset: score(&hold, &preset_model),
        train_fit: score(&train, &model),
        gpus: all.iter().filter(|g| !g.is_empty()).count(),
    })
}

/// The report `fjord calibrate` prints.
pub fn report(c: &Calibration, path: &str) -> String {
    let f = &c.fit;
    let mut t = format!(
        "{path}: {} GPUs, {} + {} windows of {} s (last {:.0} % held out)\n\nfitted curve  P = L(T)·({:.1} W + {:.1} W·u^{:.3})\n",
        c.gpus,
        c.windows.0,
        c.windows.1,
        c.window_s,
        c.holdout_frac * 100.0,
        f.idle_w,
        f.tdp_w - f.idle_w,
        f.gamma
    );
    match f.leakage_frac {
        Some(l) => t.push_str(&format!("  leakage_frac {l:.3} (temperature logged; preset leakage_per_k and leakage_ref_c kept)\n")),
        None => t.push_str("  no temperature logged: power read as at leakage_ref_c; preset leakage kept\n"),
    }
    if let (Some(r), Some(cth), Some(tc)) = (f.r_th_k_per_w, f.c_th_j_per_k, f.coolant_c) {
        t.push_str(&format!("  thermal: r_th_k_per_w {r:.4}, c_th_j_per_k {cth:.1} (tau {:.1} s; mean coolant/inlet {tc:.1} °C)\n", r * cth));
    }
    t.push_str(&format!("\nheld-out tail        {:>14} {:>14}\n", "calibrated", format!("preset {}", c.preset)));
    let row = |name: &str, a: String, b: String| format!("  {name:<19}{a:>14} {b:>14}\n");
    let (h, p) = (&c.holdout_fit, &c.holdout_preset);
    t.push_str(&row("measured mean W", format!("{:.1}", h.measured_mean_w), format!("{:.1}", p.measured_mean_w)));
    t.push_str(&row("model mean W", format!("{:.1}", h.model_mean_w), format!("{:.1}", p.model_mean_w)));
    t.push_str(&row("energy error", format!("{:+.1} %", h.energy_error_frac * 100.0), format!("{:+.1} %", p.energy_error_frac * 100.0)));
    t.push_str(&row("MAE W", format!("{:.1}", h.mae_w), format!("{:.1}", p.mae_w)));
    t.push_str(&row("R²", format!("{:.3}", h.r2), format!("{:.3}", p.r2)));
    t
}

/// How every table written by [`gpu_table`] begins (`calibrate --out` replaces only such files).
pub const TABLE_HEADER: &str = "# fjord calibrate: ";

/// The `[gpu]` table `--out` writes: the preset's numbers with the fitted ones in place.
pub fn gpu_table(c: &Calibration, preset: &GpuPreset) -> String {
    let f = &c.fit;
    let mut t = format!(
        "{TABLE_HEADER}preset {} fitted to telemetry ({} GPUs; held-out energy error {:+.1} %, preset {:+.1} %).\n# Append to a scenario with cluster.gpu = \"{}\" and no [gpu] table.\n[gpu]\n",
        c.preset,
        c.gpus,
        c.holdout_fit.energy_error_frac * 100.0,
        c.holdout_preset.energy_error_frac * 100.0,
        c.preset
    );
    let num = |v: f64| format!("{}", (v * 1e6).round() / 1e6);
    t.push_str(&format!("tdp_w = {}\nidle_w = {}\nutilization_exponent = {}\n", num(f.tdp_w), num(f.idle_w), num(f.gamma)));
    t.push_str(&format!("leakage_frac = {}\n", num(f.leakage_frac.unwrap_or(preset.gpu.leakage_frac))));
    t.push_str(&format!("leakage_per_k = {}\nleakage_ref_c = {}\n", num(preset.gpu.leakage_per_k), num(preset.gpu.leakage_ref_c)));
    t.push_str(&format!("r_th_k_per_w = {}\n", num(f.r_th_k_per_w.unwrap_or(preset.gpu.r_th_k_per_w))));
    t.push_str(&format!("c_th_j_per_k = {}\n", num(f.c_th_j_per_k.unwrap_or(preset.gpu.c_th_j_per_k))));
    t.push_str(&format!("throttle_c = {}\nshutdown_c = {}\n", num(preset.gpu.throttle_c), num(preset.gpu.shutdown_c)));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lstsq_solves_exactly() {
        let rows: Vec<([f64; 3], f64)> = (0..20)
            .map(|i| {
                let x = i as f64;
                ([1.0, x, x * x], 2.0 - 0.5 * x + 0.25 * x * x)
            })
            .collect();
        let b = lstsq(&rows).unwrap();
        assert!((b[0] - 2.0).abs() < 1e-9 && (b[1] + 0.5).abs() < 1e-9 && (b[2] - 0.25).abs() < 1e-9, "{b:?}");
        assert!(lstsq(&[([1.0, 1.0], 1.0), ([2.0, 2.0], 2.0)]).is_none());
    }

    #[test]
    fn golden_finds_a_minimum() {
        let x = search(0.1, 100.0, 30, &mut |x: f64| (x.ln() - 3f64.ln()).powi(2));
        assert!((x - 3.0).abs() < 1e-4, "{x}");
    }
}
