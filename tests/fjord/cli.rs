//! The command-line contract (SPEC §1, §4): `check`, `presets`, `run --quiet`, the run
//! folder's files and columns, and re-running `scenario.resolved.toml`.

use crate::util::{crate_dir, fjord, list_dir, run_fjord, run_ok, stderr, stdout, Csv, TestDir};

const SPEC_COLUMNS: &[&str] = &[
    "time_s",
    "timestamp",
    "it_power_mw",
    "gpu_power_mw",
    "cooling_power_mw",
    "electrical_loss_mw",
    "facility_power_mw",
    "pue",
    "ambient_c",
    "fws_supply_c",
    "fws_return_c",
    "tcs_supply_c",
    "tcs_return_c",
    "gpu_temp_mean_c",
    "gpu_temp_max_c",
    "throttled_gpu_frac",
    "heat_to_liquid_mw",
    "heat_rejected_mw",
    "heat_reused_mw",
    "hydro_mw",
    "wind_mw",
    "solar_mw",
    "grid_import_mw",
    "battery_mw",
    "battery_soc_frac",
    "curtailed_mw",
    "unserved_mw",
    "compute_delivered_frac",
];

const SPEC_SUMMARY_KEYS: &[&str] = &[
    "it_energy_mwh",
    "facility_energy_mwh",
    "pue",
    "peak_facility_power_mw",
    "max_ramp_mw_per_s",
    "max_ramp_mw_per_min",
    "gpu_temp_max_c",
    "throttled_gpu_hours",
    "compute_delivered_frac",
    "renewable_frac",
    "grid_import_mwh",
    "carbon_t",
    "heat_reused_mwh",
    "unserved_mwh",
    "curtailed_mwh",
    "energy_balance_error_frac",
    "gpus",
    "steps",
    "wall_s",
    "gpu_steps_per_s",
];

/// The SPEC §4 files every run folder holds (plots checked separately).
const SPEC_FILES: &[&str] = &["timeseries.csv", "summary.json", "summary.md", "racks.csv", "scenario.resolved.toml"];

/// Files a run folder may hold beyond SPEC_FILES: the report page, the ramp histogram, the plots folder,
/// what happened when (events.csv), and the marker that makes the folder replaceable by the next run
/// (SPEC §7, output safety).
const EXTRA_FILES: &[&str] = &["events.csv", "report.html", "ramps.csv", "plots", ".fjord-output"];

fn quickstart() -> std::path::PathBuf {
    crate_dir().join("scenarios/quickstart.toml")
}

#[test]
fn check_prints_size_and_exits_0() {
    let q = quickstart();
    let o = run_fjord(["check".as_ref(), q.as_os_str(), q.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // 4 racks × 72 GB300 at 1400 W + 22 kW overhead, through the PSU: ~0.5 MW.
    assert_eq!(out.matches("racks 4").count(), 2, "{out}");
    assert!(out.contains("GPUs 288"), "{out}");
    assert!(out.contains("IT capacity 0.5 MW"), "{out}");
    assert!(out.contains("cooling capacity"), "{out}");
    assert!(out.contains("supply"), "{out}");
    // check writes nothing.
    assert!(!crate_dir().join("scenarios/output").exists());
}

#[test]
fn presets_lists_every_gpu_with_sources() {
    let o = run_fjord(["presets"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for gpu in ["h100", "h200", "b200", "gb200", "gb300"] {
        let line = out.lines().find(|l| l.starts_with(&format!("{gpu} "))).unwrap_or_else(|| panic!("no preset line for {gpu}:\n{out}"));
        assert!(line.contains("NVIDIA"), "{line}");
        // Every preset block carries its numbers and tagged sources.
        let block: String =
            out.split(&format!("\n{gpu} ")).nth(1).expect("block").lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        assert!(block.contains("tdp_w") && block.contains("r_th_k_per_w"), "{block}");
        assert!(block.contains("[S]") || block.contains("[S2]"), "{gpu}: no sourced number\n{block}");
        assert!(block.contains("[E]"), "{gpu}: no tagged estimate\n{block}");
    }
    assert!(out.contains("[S2]"));
    for name in ["pg25", "water", "narvik", "abilene"] {
        assert!(out.contains(name), "presets lacks {name}");
    }
}

#[test]
fn run_quiet_writes_the_run_folder() {
    let dir = TestDir::new("run-folder");
    let out = dir.join("quick");
    let o = run_ok(&quickstart(), &out, &[]);
    let table = stdout(&o);
    assert!(table.contains("Quickstart"), "{table}");
    for k in ["it_energy_mwh", "facility_energy_mwh", "pue", "energy_balance_error_frac"] {
        assert!(table.contains(k), "summary table lacks {k}:\n{table}");
    }
    assert!(stderr(&o).is_empty(), "--quiet printed on stderr: {}", stderr(&o));

    // Exactly the SPEC §4 files (plus known extras), and nothing left beside the folder.
    let files = list_dir(&out);
    for f in SPEC_FILES {
        assert!(files.contains(&f.to_string()), "run folder lacks {f}: {files:?}");
    }
    for f in &files {
        assert!(SPEC_FILES.contains(&f.as_str()) || EXTRA_FILES.contains(&f.as_str()), "unexpected file {f} in the run folder");
    }
    assert_eq!(dir.entries(""), vec!["quick"], "temporary folder left behind");

    // timeseries.csv: every contract column; rows every record_every from 0.
    let ts = Csv::read(&out.join("timeseries.csv"));
    for c in SPEC_COLUMNS {
        assert!(ts.header.iter().any(|h| h == c), "timeseries.csv lacks {c}");
    }
    assert_eq!(&ts.header[0], "time_s");
    let t = ts.col("time_s");
    assert_eq!(t.len(), 360, "1 h at 10 s");
    for (i, x) in t.iter().enumerate() {
        assert_eq!(*x, 10.0 * i as f64, "time_s of row {i}");
    }
    let stamp = ts.idx("timestamp");
    assert_eq!(ts.rows[0][stamp], "2026-01-15T08:00:00Z");
    assert_eq!(ts.rows[1][stamp], "2026-01-15T08:00:10Z");
    // PUE is facility over IT, row by row; power is never negative.
    let (it, fac, pue) = (ts.col("it_power_mw"), ts.col("facility_power_mw"), ts.col("pue"));
    for i in 0..t.len() {
        assert!(it[i] > 0.0 && fac[i] > it[i]);
        assert!((pue[i] - fac[i] / it[i]).abs() < 1e-4, "row {i}");
    }

    // summary.json: every contract key; consistent with the scenario.
    let s = crate::util::summary(&out);
    for k in SPEC_SUMMARY_KEYS {
        assert!(s.contains_key(*k), "summary.json lacks {k}");
    }
    assert_eq!(s["gpus"].as_u64(), Some(288));
    assert_eq!(s["steps"].as_u64(), Some(3600));
    let pue = crate::util::metric(&s, "pue");
    let ratio = crate::util::metric(&s, "facility_energy_mwh") / crate::util::metric(&s, "it_energy_mwh");
    assert!((pue - ratio).abs() < 1e-9);

    // summary.md names the scenario; racks.csv has one row per rack.
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("Quickstart") && md.contains("| "), "{md}");
    let racks = Csv::read(&out.join("racks.csv"));
    assert_eq!(racks.rows.len(), 4);
    for c in ["gpu_temp_mean_c", "gpu_temp_max_c", "energy_mwh", "throttled_gpu_s"] {
        let v = racks.col(c);
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{c}: {v:?}");
    }
    let rack_mwh: f64 = racks.col("energy_mwh").iter().sum();
    assert!(crate::util::rel(rack_mwh, crate::util::metric(&s, "it_energy_mwh")) < 1e-3);
}

#[test]
fn run_folder_has_plots() {
    let dir = TestDir::new("plots");
    let out = dir.join("quick");
    run_ok(&quickstart(), &out, &[]);
    let plots = list_dir(&out.join("plots"));
    assert!(plots.iter().filter(|p| p.ends_with(".png")).count() >= 5, "{plots:?}");
}

/// Default --out is output/<scenario stem>/ relative to the working folder.
#[test]
fn default_out_is_output_stem() {
    let dir = TestDir::new("default-out");
    let text = std::fs::read_to_string(quickstart()).unwrap();
    let sc = dir.write("mini.toml", &text);
    let o = fjord().current_dir(dir.path()).args(["run", "mini.toml", "--quiet", "--set", "scenario.duration=1m"]).output().expect("spawn");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(sc.exists());
    assert_eq!(list_dir(&dir.join("output")), vec!["mini"]);
    assert!(dir.join("output/mini/timeseries.csv").exists());
}

/// `fjord run` on a run folder's scenario.resolved.toml reproduces its timeseries.csv.
#[test]
fn resolved_scenario_reproduces_the_run() {
    let dir = TestDir::new("resolved");
    let a = dir.join("a");
    run_ok(&quickstart(), &a, &["--set", "scenario.duration=10m", "--set", "cooling.tcs_supply_setpoint_c=33"]);
    let b = dir.join("b");
    run_ok(&a.join("scenario.resolved.toml"), &b, &[]);
    let ta = std::fs::read(a.join("timeseries.csv")).unwrap();
    let tb = std::fs::read(b.join("timeseries.csv")).unwrap();
    assert!(ta == tb, "re-running scenario.resolved.toml changed timeseries.csv");
    // The resolved file is a fixed point.
    let ra = std::fs::read_to_string(a.join("scenario.resolved.toml")).unwrap();
    let rb = std::fs::read_to_string(b.join("scenario.resolved.toml")).unwrap();
    assert_eq!(ra, rb);
    assert!(ra.contains("tcs_supply_setpoint_c = 33"), "{ra}");
}

/// The same with a trace job: the trace file is found again when the resolved scenario is
/// run from its run folder (paths must not stay relative to the original scenario).
#[test]
fn resolved_scenario_with_trace_reproduces_the_run() {
    let dir = TestDir::new("resolved-trace");
    dir.write("in/trace.csv", "time_s,utilization_frac\n0,0.2\n60,0.9\n120,0.5\n");
    let sc = dir.write(
        "in/traced.toml",
        r#"
[scenario]
duration = "5m"

[cluster]
racks = 1

[[workload.jobs]]
name = "replay"
kind = "trace"
gpus = 72
file = "trace.csv"
"#,
    );
    let a = dir.join("runs/a");
    run_ok(&sc, &a, &[]);
    let b = dir.join("runs/b");
    run_ok(&a.join("scenario.resolved.toml"), &b, &[]);
    assert!(std::fs::read(a.join("timeseries.csv")).unwrap() == std::fs::read(b.join("timeseries.csv")).unwrap());
}

/// `fjord check` warns when the heat rejection is below the design heat and when the supply is
/// below peak demand, and stays quiet for a well-sized site.
#[test]
fn check_warns_about_undersized_cooling_and_supply() {
    let dir = TestDir::new("check-warn");
    let base = r#"
[scenario]
duration = "1h"
[cluster]
gpu = "gb300"
racks = 20
[cooling]
cdus = 1
[cooling.heat_rejection]
kind = "dry_coolers"
design_approach_k = 10.0
"#;
    let good = dir.join("good.toml");
    std::fs::write(&good, format!("{base}design_ambient_c = 20.0\n")).unwrap();
    let o = run_fjord(["check".as_ref(), good.as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("warning"), "{}", stdout(&o));
    // Design point 10 K below the setpoint's ambient would be fine; sized for a 2 K approach
    // against the same ambient, the same coolers hold far less at the check's design point.
    let small = dir.join("small.toml");
    std::fs::write(
        &small,
        format!("{base}design_ambient_c = 20.0\nunits = 2\nua_per_unit_kw_per_k = 50.0\n[supply]\ngrid = {{ import_limit_mw = 1.0 }}\n"),
    )
    .unwrap();
    let o = run_fjord(["check".as_ref(), small.as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("warning: heat rejection"), "{text}");
    assert!(text.contains("warning: supply"), "{text}");
}
