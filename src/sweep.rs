//! `fjord sweep`: the cartesian grid of `--vary` values, run in parallel across cases, each
//! case's run folder kept, `sweep.csv` (varied values plus every summary metric) and a plot
//! of each key metric against the first varied key (one line per value of the second).

use crate::error::{FjordError, Result};
use crate::output::runfolder::RunFolder;
use std::path::{Path, PathBuf};

/// One `--vary KEY=...` axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted key.
    pub key: String,
    /// Values as written into `--set` (TOML literals).
    pub values: Vec<String>,
}

/// Most cases a sweep may have.
pub const MAX_CASES: usize = 10_000;

/// Parses `KEY=A,B,C` or `KEY=START:STOP:STEP` (inclusive of STOP).
pub fn parse_vary(text: &str) -> Result<Axis> {
    let bad = |key: &str, msg: String| FjordError::bad("--vary", None, key, msg);
    let Some((key, spec)) = text.split_once('=') else {
        return Err(bad("", format!("expected KEY=A,B,C or KEY=START:STOP:STEP, found \"{text}\"")));
    };
    let key = key.trim();
    let spec = spec.trim();
    if key.is_empty() {
        return Err(bad("", format!("expected a dotted key before `=` in \"{text}\"")));
    }
    if spec.is_empty() {
        return Err(bad(key, "expected values after `=`".into()));
    }
    let values = if spec.contains(':') && !spec.contains(',') && !spec.starts_with('"') {
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.len() != 3 {
            return Err(bad(key, format!("expected START:STOP:STEP, found \"{spec}\"")));
        }
        let num = |s: &str, what: &str| -> Result<f64> {
            s.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| bad(key, format!("{what} \"{s}\" is not a number in \"{spec}\"")))
        };
        let (a, b, step) = (num(parts[0], "START")?, num(parts[1], "STOP")?, num(parts[2], "STEP")?);
        if step <= 0.0 {
            return Err(bad(key, format!("STEP must be positive, found {step}")));
        }
        if b < a {
            return Err(bad(key, format!("STOP ({b}) is below START ({a})")));
        }
        let n = ((b - a) / step + 1e-9).floor() as usize + 1;
        if n > MAX_CASES {
            return Err(bad(key, format!("{n} values is more than {MAX_CASES}")));
        }
        let integral = [a, b, step].iter().all(|v| v.fract() == 0.0) && !parts.iter().any(|p| p.contains('.'));
        (0..n)
            .map(|i| {
                let v = a + step * i as f64;
                if integral {
                    format!("{}", v as i64)
                } else {
                    let s = crate::output::recorder::fmt_num(v);
                    if s.contains('.') {
                        s
                    } else {
                        format!("{s}.0")
                    }
                }
            })
            .collect()
    } else {
        let vals: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
        if vals.iter().any(String::is_empty) {
            return Err(bad(key, format!("empty value in \"{spec}\"")));
        }
        vals
    };
    Ok(Axis { key: key.to_string(), values })
}

/// The cartesian product of the axes: one list of `KEY=VALUE` per case (first axis slowest).
pub fn cases(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = vec![vec![]];
    for ax in axes {
        let mut next = Vec::new();
        for c in &out {
            for v in &ax.values {
                let mut c2 = c.clone();
                c2.push((ax.key.clone(), v.clone()));
                next.push(c2);
            }
        }
        out = next;
    }
    out
}

/// Options of a sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepOptions {
    /// Extra `--set` overrides for every case.
    pub sets: Vec<String>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Plot format.
    pub format: Option<crate::plot::ImageFormat>,
}

/// Runs the sweep into `dest`; `progress(done, total)` after each case.
pub fn run_sweep(scenario: &Path, axes: &[Axis], dest: &Path, opts: &SweepOptions, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<PathBuf> {
    if axes.is_empty() {
        return Err(FjordError::bad("--vary", None, "", "expected at least one --vary KEY=..."));
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(FjordError::bad("--vary", None, &a.key, "the same key is varied twice"));
        }
    }
    let grid = cases(axes);
    if grid.len() > MAX_CASES {
        return Err(FjordError::bad("--vary", None, "", format!("{} cases is more than {MAX_CASES}", grid.len())));
    }
    // Validate every case before running any.
    let mut scenarios = Vec::new();
    for c in &grid {
        let mut sets = opts.sets.clone();
        sets.extend(c.iter().map(|(k, v)| format!("{k}={v}")));
        let sc = crate::scenario::load(scenario, &sets).map_err(|e| match e {
            FjordError::BadInput { location, key, message } if location.file == "--set" => {
                FjordError::BadInput { location: crate::error::Location { file: "--vary".into(), ..location }, key, message }
            }
            other => other,
        })?;
        scenarios.push(sc);
    }
    let folder = RunFolder::create(dest)?;
    let pool = crate::engine::run::thread_pool(opts.threads)?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = scenarios.len();
    let tmp = folder.tmp.clone();
    let results: Vec<Result<crate::output::summary::Summary>> = pool.install(|| {
        use rayon::prelude::*;
        scenarios
            .into_par_iter()
            .enumerate()
            .map(|(i, sc)| {
                let case_dir = tmp.join(format!("case_{i:03}"));
                let r = crate::engine::run::run(sc, &case_dir, &crate::engine::run::RunOptions { threads: None, plots: opts.format }, &|_, _| {});
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                progress(n, total);
                r.map(|r| r.summary)
            })
            .collect()
    });
    let mut summaries = Vec::new();
    for r in results {
        summaries.push(r?);
    }
    // sweep.csv: varied values, case, then every numeric summary metric.
    let mut metrics: Vec<String> = Vec::new();
    for s in &summaries {
        for (k, v) in &s.entries {
            if v.is_number() && !metrics.contains(k) && !crate::engine::run::TIMING_KEYS.contains(&k.as_str()) {
                metrics.push(k.clone());
            }
        }
    }
    let mut csv = String::new();
    let mut header: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    header.push("case".into());
    header.extend(metrics.iter().cloned());
    csv.push_str(&header.join(","));
    csv.push('\n');
    for (i, (c, s)) in grid.iter().zip(&summaries).enumerate() {
        let mut row: Vec<String> = c.iter().map(|(_, v)| v.trim_matches('"').to_string()).collect();
        row.push(format!("case_{i:03}"));
        for m in &metrics {
            row.push(s.get_f64(m).map(crate::output::recorder::fmt_num).unwrap_or_default());
        }
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    folder.write("sweep.csv", &csv)?;
    let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    let plots_dir = folder.tmp.join("plots");
    crate::plot::plot_sweep(&folder.file("sweep.csv"), &keys, &plots_dir, opts.format.unwrap_or(crate::plot::ImageFormat::Png))
        .map_err(crate::plot_error)?;
    folder.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ranges_and_lists() {
        let a = parse_vary("cooling.tcs_supply_setpoint_c=25:45:5").unwrap();
        assert_eq!(a.values, vec!["25", "30", "35", "40", "45"]);
        let b = parse_vary("gpu.r_th_k_per_w=0.02:0.03:0.005").unwrap();
        assert_eq!(b.values, vec!["0.02", "0.025", "0.03"]);
        let c = parse_vary("cluster.gpu=\"gb200\",\"gb300\"").unwrap();
        assert_eq!(c.values.len(), 2);
        assert_eq!(cases(&[a.clone(), b.clone()]).len(), 15);
        for bad in ["nokey", "=1,2", "k=", "k=1:2", "k=3:1:1", "k=1:2:0", "k=a:2:1", "k=1,,2"] {
            let e = parse_vary(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }
}
