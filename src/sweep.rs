//! `fjord sweep`: the cartesian grid of `--vary` values, run in parallel across cases, each
//! case's run folder kept, `sweep.csv` (varied values plus every summary metric) and a plot
//! of each key metric against the first varied key (one line per value of the second).

use crate::error::{FjordError, Result};
use crate::output::runfolder::{Kind, RunFolder};
use std::path::{Path, PathBuf};

/// One `--vary KEY=...` axis. A linked axis (`K1/K2=a1/a2,b1/b2`) moves several keys
/// together: `key` is `K1/K2` and each value `a1/a2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted key (keys joined by `/` for a linked axis).
    pub key: String,
    /// Values as written into `--set` (TOML literals; joined by `/` for a linked axis).
    pub values: Vec<String>,
}

impl Axis {
    /// The keys of the axis.
    pub fn keys(&self) -> Vec<&str> {
        self.key.split('/').collect()
    }
    /// (key, value) pairs of value `i`.
    pub fn pairs(&self, i: usize) -> Vec<(String, String)> {
        let keys = self.keys();
        if keys.len() == 1 {
            return vec![(self.key.clone(), self.values[i].clone())];
        }
        keys.iter().zip(self.values[i].split('/')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

/// Most cases a sweep may have.
pub const MAX_CASES: usize = 10_000;

/// Parses `KEY=A,B,C`, `KEY=START:STOP:STEP` (inclusive of STOP) or a linked axis
/// `K1/K2=a1/a2,b1/b2` (the keys move together).
pub fn parse_vary(text: &str) -> Result<Axis> {
    if let Some((key, spec)) = text.split_once('=') {
        if key.contains('/') {
            return parse_linked(key.trim(), spec.trim());
        }
    }
    parse_single(text)
}

fn parse_linked(key: &str, spec: &str) -> Result<Axis> {
    let bad = |msg: String| FjordError::bad("--vary", None, key, msg);
    let keys: Vec<&str> = key.split('/').map(str::trim).collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(bad(format!("expected K1/K2=a1/a2,b1/b2, found an empty key in \"{key}\"")));
    }
    if spec.is_empty() {
        return Err(bad("expected values after `=`".into()));
    }
    let mut values = Vec::new();
    for v in spec.split(',') {
        let parts: Vec<&str> = v.split('/').map(str::trim).collect();
        if parts.len() != keys.len() || parts.iter().any(|p| p.is_empty()) {
            return Err(bad(format!("each value needs {} parts separated by `/` (one per key), found \"{v}\"", keys.len())));
        }
        values.push(parts.join("/"));
    }
    Ok(Axis { key: keys.join("/"), values })
}

fn parse_single(text: &str) -> Result<Axis> {
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
        // Counted in floating point first: a tiny STEP must not overflow the count.
        let n_f = ((b - a) / step + 1e-9).floor() + 1.0;
        if !n_f.is_finite() || n_f > MAX_CASES as f64 {
            let shown = if !n_f.is_finite() {
                "too many".to_string()
            } else if n_f < 1e9 {
                format!("{n_f}")
            } else {
                format!("about {n_f:.0e}")
            };
            return Err(bad(key, format!("{shown} values is more than {MAX_CASES}; use a larger STEP")));
        }
        let n = n_f as usize;
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
            .collect::<Vec<String>>()
    } else {
        let vals: Vec<String> = spec.split(',').map(|v| v.trim().to_string()).collect();
        if vals.iter().any(String::is_empty) {
            return Err(bad(key, format!("empty value in \"{spec}\"")));
        }
        vals
    };
    if let Some(w) = values.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(key, format!("the value {} appears twice: STEP is too small for START and STOP", w[0])));
    }
    Ok(Axis { key: key.to_string(), values })
}

/// The number of cases of the grid of `axes`, counted before building it: refused (exit 2)
/// above [`MAX_CASES`] or at zero.
pub fn case_count(axes: &[Axis]) -> Result<usize> {
    let mut n: usize = 1;
    for a in axes {
        n = n
            .checked_mul(a.values.len())
            .filter(|n| *n <= MAX_CASES)
            .ok_or_else(|| FjordError::bad("--vary", None, "", format!("the grid has more than {MAX_CASES} cases; vary fewer values")))?;
    }
    if axes.is_empty() || n == 0 {
        return Err(FjordError::bad("--vary", None, "", "the grid has no cases; give each --vary at least one value"));
    }
    Ok(n)
}

/// The cartesian product of the axes: one list of `KEY=VALUE` per case (first axis slowest).
pub fn cases(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = vec![vec![]];
    for ax in axes {
        let mut next = Vec::new();
        for c in &out {
            for i in 0..ax.values.len() {
                let mut c2 = c.clone();
                c2.extend(ax.pairs(i));
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

/// The cases of a sweep: each case's `KEY=VALUE` list and its resolved scenario.
pub type Prepared = (Vec<Vec<(String, String)>>, Vec<crate::scenario::Scenario>);

/// Runs the sweep into `dest`; `progress(done, total)` after each case.
pub fn run_sweep(scenario: &Path, axes: &[Axis], dest: &Path, opts: &SweepOptions, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<PathBuf> {
    let (grid, scenarios) = prepare(scenario, axes, dest, opts)?;
    let folder = RunFolder::create(dest, Kind::Sweep)?;
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
                let r =
                    crate::engine::run::run(sc, &case_dir, &crate::engine::run::RunOptions { plots: opts.format, ..Default::default() }, &|_, _| {});
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
    finish(folder, axes, &grid, &summaries, opts)
}

/// Checks the axes and validates every case before any runs (bad input: exit 2, nothing
/// written).
pub fn prepare(scenario: &Path, axes: &[Axis], dest: &Path, opts: &SweepOptions) -> Result<Prepared> {
    if axes.is_empty() {
        return Err(FjordError::bad("--vary", None, "", "expected at least one --vary KEY=..."));
    }
    crate::engine::run::check_threads(opts.threads)?;
    crate::output::runfolder::check_dest(dest)?;
    for (i, a) in axes.iter().enumerate() {
        for k in a.keys() {
            if axes[..i].iter().any(|b| b.keys().contains(&k)) || a.keys().iter().filter(|x| **x == k).count() > 1 {
                return Err(FjordError::bad("--vary", None, k, "the same key is varied twice"));
            }
        }
    }
    case_count(axes)?;
    let grid = cases(axes);
    let varied: Vec<&str> = axes.iter().flat_map(Axis::keys).collect();
    // Validate every case before running any.
    let mut scenarios = Vec::new();
    for c in &grid {
        let mut sets = opts.sets.clone();
        sets.extend(c.iter().map(|(k, v)| format!("{k}={v}")));
        let sc = crate::scenario::load(scenario, &sets).map_err(|e| match e {
            // A varied value is blamed on --vary; a --set override keeps its own name.
            FjordError::BadInput { location, key, message } if location.file == "--set" && varied.contains(&key.as_str()) => {
                FjordError::BadInput { location: crate::error::Location { file: "--vary".into(), ..location }, key, message }
            }
            other => other,
        })?;
        scenarios.push(sc);
    }
    Ok((grid, scenarios))
}

/// Writes `sweep.csv` and the sweep plots from the cases' summaries (in case order) and
/// renames the folder into place.
pub fn finish(
    folder: RunFolder,
    axes: &[Axis],
    grid: &[Vec<(String, String)>],
    summaries: &[crate::output::summary::Summary],
    opts: &SweepOptions,
) -> Result<PathBuf> {
    // sweep.csv: varied values, case, then every numeric summary metric.
    let mut metrics: Vec<String> = Vec::new();
    for s in summaries {
        for (k, v) in &s.entries {
            if v.is_number() && !metrics.contains(k) && !crate::engine::run::TIMING_KEYS.contains(&k.as_str()) {
                metrics.push(k.clone());
            }
        }
    }
    let mut csv = String::new();
    let mut header: Vec<String> = axes.iter().flat_map(|a| a.keys().into_iter().map(String::from).collect::<Vec<_>>()).collect();
    header.push("case".into());
    header.extend(metrics.iter().cloned());
    csv.push_str(&header.join(","));
    csv.push('\n');
    for (i, (c, s)) in grid.iter().zip(summaries).enumerate() {
        let mut row: Vec<String> = c.iter().map(|(_, v)| v.trim_matches('"').to_string()).collect();
        row.push(format!("case_{i:03}"));
        for m in &metrics {
            row.push(s.get_f64(m).map(crate::output::recorder::fmt_num).unwrap_or_default());
        }
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    folder.write("sweep.csv", &csv)?;
    // Plots: x = the first key of the first axis, lines = the first key of the second.
    let keys: Vec<String> = axes.iter().map(|a| a.keys()[0].to_string()).collect();
    let plots_dir = folder.tmp.join("plots");
    let plots = crate::plot::plot_sweep(&folder.file("sweep.csv"), &keys, &plots_dir, opts.format.unwrap_or(crate::plot::ImageFormat::Png))?;
    crate::plot::write_sweep_report(&folder.file("sweep.csv"), &keys, &plots, &folder.tmp)?;
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
        let l = parse_vary("supply.battery.power_mw/supply.battery.max_grid_ramp_mw_per_s=0/0,120/2").unwrap();
        assert_eq!(
            l.pairs(1),
            vec![("supply.battery.power_mw".to_string(), "120".to_string()), ("supply.battery.max_grid_ramp_mw_per_s".to_string(), "2".to_string())]
        );
        assert_eq!(cases(&[l, a.clone()]).len(), 10);
        for bad in ["nokey", "=1,2", "k=", "k=1:2", "k=3:1:1", "k=1:2:0", "k=a:2:1", "k=1,,2", "a/b=1/2,3", "a/=1/2"] {
            let e = parse_vary(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }
}
