//! Seeing and comparing runs (SPEC §1, §4): the charts and report page of `fjord run`,
//! `fjord plot` redrawing them, `fjord compare` and `fjord sweep`.

use crate::util::{fjord, list_dir, run_fjord, run_ok, scenario_table, stderr, train_and_serve, Csv, TestDir};
use std::path::{Path, PathBuf};

/// A small site with a supply block (so the supply chart has data): 30 minutes.
fn tiny_scenario(name: &str) -> String {
    scenario_table("30m", "1s", "10s")
        + &format!(
            r#"name = "{name}"

{jobs}
[cooling]
tcs_supply_setpoint_c = 35.0
fws_supply_setpoint_c = 28.0
cdus = 1
[cooling.heat_rejection]
kind = "ideal"

[power]
facility_base_kw = 5.0

[supply]
hydro = {{ capacity_mw = 1.0, ramp_mw_per_min = 0.5 }}
grid = {{ import_limit_mw = 0.5, carbon_g_per_kwh = 20.0 }}
battery = {{ energy_mwh = 0.1, power_mw = 0.1 }}
"#,
            jobs = train_and_serve(3, &["iteration_s = 4.0", "checkpoint_every = \"10m\"", "checkpoint_s = 30.0"])
        )
}

/// [`write_and_run`] with the default charts: (run folder, its `plots/`, the PNG names there).
fn run_with_pngs(dir: &TestDir, name: &str) -> (PathBuf, PathBuf, Vec<String>) {
    let out = write_and_run(dir, name, &[]);
    let plots = out.join("plots");
    let pngs = files_with_ext(&plots, "png");
    (out, plots, pngs)
}

/// Width and height of a PNG file (`None` if it is not a whole PNG).
fn png_size(path: &Path) -> Option<(u32, u32)> {
    ::fjord::plot::png_size(&std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<String> {
    list_dir(dir).into_iter().filter(|f| f.ends_with(&format!(".{ext}"))).collect()
}

fn write_and_run(dir: &TestDir, name: &str, extra: &[&str]) -> PathBuf {
    let path = dir.write(&format!("{name}.toml"), &tiny_scenario(name));
    let out = dir.join(name);
    run_ok(&path, &out, extra);
    out
}

/// `fjord run` draws the SPEC §4 charts as 1600×900 PNGs and a self-contained report page
/// embedding every one of them.
#[test]
fn run_writes_pngs_and_a_self_contained_report() {
    let dir = TestDir::new("plots-run");
    let (out, plots, pngs) = run_with_pngs(&dir, "PlotSite");
    for want in ["power", "temperatures", "gpu_spread", "supply", "ramps", "compute"] {
        assert!(pngs.contains(&format!("{want}.png")), "no {want}.png in {pngs:?}");
    }
    for p in &pngs {
        assert_eq!(png_size(&plots.join(p)), Some((1600, 900)), "{p}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_eq!(html.matches("data:image/png;base64,").count(), pngs.len(), "report embeds a different number of charts than plots/ holds");
    let lower = html.to_ascii_lowercase();
    for remote in ["src=\"http", "src='http", "href=\"http", "url(http"] {
        assert!(!lower.contains(remote), "report.html loads a remote resource ({remote})");
    }
    assert!(html.contains("PlotSite"), "report.html does not name the scenario");
    // It names the run folder, not the temporary folder the run was written in.
    assert!(!html.contains(".tmp-"), "report.html names the temporary folder");
}

/// `fjord plot RUN_DIR` redraws the run's own charts byte for byte; `--format svg` draws the
/// same charts as 1600-wide SVGs.
#[test]
fn plot_redraws_deterministically_and_as_svg() {
    let dir = TestDir::new("plots-redraw");
    let (out, plots, pngs) = run_with_pngs(&dir, "Redraw");
    assert!(pngs.len() >= 6);
    let before: Vec<Vec<u8>> = pngs.iter().map(|p| std::fs::read(plots.join(p)).expect("png")).collect();
    for p in &pngs {
        std::fs::remove_file(plots.join(p)).expect("remove png");
    }
    let o = run_fjord(["plot".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files_with_ext(&plots, "png"), pngs, "fjord plot drew a different set of charts");
    for (p, b) in pngs.iter().zip(&before) {
        let again = std::fs::read(plots.join(p)).expect("redrawn png");
        assert!(again == *b, "{p} differs after redrawing");
    }

    let o = run_fjord(["plot".as_ref(), out.as_os_str(), "--format".as_ref(), "svg".as_ref()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svgs = files_with_ext(&plots, "svg");
    for p in &pngs {
        let svg = p.replace(".png", ".svg");
        assert!(svgs.contains(&svg), "no {svg} in {svgs:?}");
        let text = std::fs::read_to_string(plots.join(&svg)).expect("svg");
        let root = text.find("<svg").map(|i| &text[i..]).unwrap_or_else(|| panic!("{svg}: no <svg> element"));
        let tag = &root[..root.find('>').expect("end of <svg> tag")];
        assert!(tag.contains("width=\"1600\""), "{svg}: root element {tag}");
        assert!(text.trim_end().ends_with("</svg>"), "{svg} is truncated");
    }
}

/// `fjord compare` puts two runs side by side: both scenario names and a delta column whose
/// values are run 2 minus run 1; fewer than two runs is bad input.
#[test]
fn compare_two_runs_side_by_side() {
    let dir = TestDir::new("compare");
    let a = write_and_run(&dir, "CoolLoop", &["--format", "none", "--set", "cooling.tcs_supply_setpoint_c=30"]);
    let b = write_and_run(&dir, "WarmLoop", &["--format", "none", "--set", "cooling.tcs_supply_setpoint_c=40"]);
    let cmp = dir.join("cmp");
    let o = run_fjord(["compare".as_ref(), a.as_os_str(), b.as_os_str(), "--out".as_ref(), cmp.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = Csv::read(&cmp.join("comparison.csv"));
    assert!(csv.header.iter().any(|h| h == "CoolLoop"), "{:?}", csv.header);
    assert!(csv.header.iter().any(|h| h == "WarmLoop"), "{:?}", csv.header);
    let delta = csv.header.iter().position(|h| h.starts_with("delta")).unwrap_or_else(|| panic!("no delta column in {:?}", csv.header));
    let (ia, ib) = (csv.idx("CoolLoop"), csv.idx("WarmLoop"));
    let row = |metric: &str| csv.rows.iter().find(|r| r[0] == metric).unwrap_or_else(|| panic!("no row {metric}"));
    for metric in ["gpu_temp_max_c", "pue", "facility_energy_mwh"] {
        let r = row(metric);
        let (va, vb, d): (f64, f64, f64) = (r[ia].parse().expect("number"), r[ib].parse().expect("number"), r[delta].parse().expect("number"));
        assert!((d - (vb - va)).abs() <= 1e-6 * va.abs().max(1.0), "{metric}: delta {d} vs {vb} − {va}");
    }
    // The warmer loop runs hotter GPUs: the comparison shows a positive delta.
    let r = row("gpu_temp_max_c");
    assert!(r[delta].parse::<f64>().expect("number") > 5.0, "{r:?}");
    let md = std::fs::read_to_string(cmp.join("comparison.md")).expect("comparison.md");
    assert!(md.contains("CoolLoop") && md.contains("WarmLoop"), "{md}");
    assert!(md.contains("delta"), "{md}");

    let lonely = dir.join("cmp-one");
    let o = run_fjord(["compare".as_ref(), a.as_os_str(), "--out".as_ref(), lonely.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!lonely.exists(), "compare with one run wrote {}", lonely.display());
}

fn sweep(scenario: &Path, out: &Path, vary: &[&str]) -> std::process::Output {
    let mut cmd = fjord();
    cmd.arg("sweep").arg(scenario).arg("--out").arg(out).arg("--quiet").args(["--format", "none"]);
    for v in vary {
        cmd.args(["--vary", v]);
    }
    cmd.output().expect("spawn fjord")
}

/// `fjord sweep` over a 3 × 2 grid: one row per case with the varied values, each case's
/// resolved scenario holding them, a chart per metric, and physics across the rows (a warmer
/// technology loop runs hotter GPUs). Bad `--vary` values are bad input and write nothing.
#[test]
fn sweep_runs_the_grid() {
    let dir = TestDir::new("sweep");
    let text = tiny_scenario("SweepSite").replace("duration = \"30m\"", "duration = \"10m\"");
    let path = dir.write("sweep.toml", &text);
    let out = dir.join("sweep-out");
    let o = sweep(&path, &out, &["cooling.tcs_supply_setpoint_c=30:40:5", "cooling.liquid_capture_frac=0.8,0.9"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = Csv::read(&out.join("sweep.csv"));
    assert_eq!(csv.rows.len(), 6);
    assert_eq!(&csv.header[..2], &["cooling.tcs_supply_setpoint_c".to_string(), "cooling.liquid_capture_frac".to_string()]);
    let tcs = csv.col("cooling.tcs_supply_setpoint_c");
    let cap = csv.col("cooling.liquid_capture_frac");
    let mut grid: Vec<(f64, f64)> = tcs.iter().copied().zip(cap.iter().copied()).collect();
    grid.sort_by(|x, y| x.partial_cmp(y).expect("finite"));
    assert_eq!(grid, vec![(30.0, 0.8), (30.0, 0.9), (35.0, 0.8), (35.0, 0.9), (40.0, 0.8), (40.0, 0.9)]);

    // Each case's resolved scenario holds its values.
    let case_col = csv.idx("case");
    for (i, r) in csv.rows.iter().enumerate() {
        let resolved = std::fs::read_to_string(out.join(&r[case_col]).join("scenario.resolved.toml")).expect("resolved scenario of a case");
        let table: toml::Table = resolved.parse().expect("resolved scenario parses");
        let cooling = table["cooling"].as_table().expect("[cooling]");
        let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).expect("number");
        assert_eq!(num(&cooling["tcs_supply_setpoint_c"]), tcs[i], "case {}", r[case_col]);
        assert_eq!(num(&cooling["liquid_capture_frac"]), cap[i], "case {}", r[case_col]);
    }
    assert!(out.join("plots").join("sweep_pue.png").exists(), "{:?}", list_dir(&out.join("plots")));

    // Physics: for each capture fraction, the hottest GPU rises with the TCS setpoint.
    let tmax = csv.col("gpu_temp_max_c");
    for c in [0.8, 0.9] {
        let mut pts: Vec<(f64, f64)> = (0..6).filter(|&i| cap[i] == c).map(|i| (tcs[i], tmax[i])).collect();
        pts.sort_by(|x, y| x.partial_cmp(y).expect("finite"));
        assert_eq!(pts.len(), 3);
        for w in pts.windows(2) {
            assert!(w[1].1 > w[0].1 + 2.0, "capture {c}: GPU max {} °C at {} °C vs {} °C at {} °C", w[1].1, w[1].0, w[0].1, w[0].0);
        }
    }

    // Bad --vary: exit 2, the message names --vary, nothing written.
    for (i, bad) in
        ["cooling.tcs_supply_setpoint_c", "cooling.tcs_supply_setpoint_c=3:1:1", "cooling.tcs_supply_setpoint_c=1:2:0", "cluster.rackz=1,2"]
            .iter()
            .enumerate()
    {
        let bad_out = dir.join(&format!("bad-{i}"));
        let o = sweep(&path, &bad_out, &[bad]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--vary {bad}: {err}");
        assert!(err.contains("--vary"), "--vary {bad}: message does not name --vary:\n{err}");
        assert!(!bad_out.exists(), "--vary {bad} wrote {}", bad_out.display());
    }
    // No stray temporary folders beside the sweep folders either.
    let leftovers: Vec<String> = list_dir(dir.path()).into_iter().filter(|f| f.starts_with("bad-") || f.contains("bad-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
