//! Output safety and robustness (issue 8): fjord only ever replaces a folder it wrote itself
//! (marker file), refuses dangerous `--out` targets before any work, cleans its temporary
//! folders on error, on SIGINT/SIGTERM and after a killed run; sweeps count their cases before
//! building them; `check` reads side files like `run`; the models never panic on extreme
//! numbers and a non-finite state stops the run with a named error and nothing written.

use crate::util::*;
use fjord::output::runfolder::MARKER;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A scenario that would simulate for a long time (30 days at 1 s on 4 racks): a test using
/// it only passes quickly if fjord refuses before simulating.
fn long(dir: &TestDir) -> PathBuf {
    dir.write(
        "long.toml",
        r#"
[scenario]
duration = "30d"
step = "1s"

[cluster]
racks = 4

[[workload.jobs]]
name = "c"
kind = "constant"
gpus = 288
"#,
    )
}

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    fjord().current_dir(cwd).args(args).output().expect("spawn fjord")
}

fn assert_bad(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "expected exit 2; stderr: {}", stderr(o));
    assert!(stderr(o).contains(needle), "stderr lacks `{needle}`: {}", stderr(o));
    assert!(!stderr(o).contains(".tmp-"), "the message names a temporary path: {}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// `--out .`, `--out ..`, `--out /`, the home folder and a folder holding the current one are
/// refused outright (exit 2) and every file survives — the issue's first reproducer deleted the
/// working directory.
#[test]
fn out_current_parent_root_and_home_are_refused() {
    let dir = TestDir::new("out-dot");
    let work = dir.join("mywork");
    std::fs::create_dir_all(&work).unwrap();
    let sc = tiny(&dir);
    std::fs::copy(&sc, work.join("quick.toml")).unwrap();
    std::fs::write(work.join("notes.txt"), "mine").unwrap();
    // A marker must not make the current folder replaceable either.
    std::fs::write(work.join(MARKER), "x").unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let outright = "fjord never replaces the current folder";
    for out in [".", "..", "./", "/", "../mywork", work.to_str().unwrap(), dir.path().to_str().unwrap()] {
        let o = run_in(&work, &["run", "quick.toml", "--out", out, "--quiet", "--format", "none"]);
        assert_bad(&o, outright);
        assert!(stderr(&o).contains(&format!("--out {}", out.trim_end_matches('/').trim_end_matches("/."))) || out == "/", "{}", stderr(&o));
    }
    let o = fjord()
        .current_dir(&work)
        .env("HOME", &home)
        .args(["run", "quick.toml", "--quiet", "--format", "none", "--out"])
        .arg(&home)
        .output()
        .unwrap();
    assert_bad(&o, outright);
    for sub in [&["sweep", "quick.toml", "--vary", "cluster.racks=1,2", "--out", "."][..], &["compare", "a", "b", "--out", "."][..]] {
        assert_bad(&run_in(&work, sub), outright);
    }
    assert_eq!(list_dir(&work), vec![MARKER, "notes.txt", "quick.toml"]);
    assert_eq!(std::fs::read_to_string(work.join("notes.txt")).unwrap(), "mine");
    assert!(home.exists());
}

/// A folder fjord did not write is never replaced, by `run`, `sweep` or `compare`: exit 2
/// before any work with the issue's message, the user's file intact.
#[test]
fn a_users_folder_is_refused_by_run_sweep_and_compare() {
    let dir = TestDir::new("precious");
    let sc = tiny(&dir);
    dir.write("precious/notes.txt", "mine");
    let msg = "--out precious: a folder that fjord did not write; choose another or empty it";
    let o = run_in(dir.path(), &["run", "tiny.toml", "--out", "precious/", "--quiet", "--format", "none"]);
    assert_bad(&o, msg);
    let o = run_in(dir.path(), &["sweep", "tiny.toml", "--vary", "cluster.racks=1,2", "--out", "precious", "--quiet"]);
    assert_bad(&o, msg);
    run_ok(&sc, &dir.join("a"), &["--format", "none"]);
    run_ok(&sc, &dir.join("b"), &["--format", "none"]);
    let o = run_in(dir.path(), &["compare", "a", "b", "--out", "precious", "--format", "svg"]);
    assert_bad(&o, msg);
    assert_eq!(list_dir(&dir.join("precious")), vec!["notes.txt"]);
    assert_eq!(std::fs::read_to_string(dir.join("precious/notes.txt")).unwrap(), "mine");
    assert_eq!(dir.entries(""), vec!["a", "b", "precious", "tiny.toml"], "a temporary folder was left");
    // `plot` writes into the folder it is given: only into one fjord wrote.
    dir.write("precious/timeseries.csv", "time_s,pue\n0,1.1\n");
    let o = run_in(dir.path(), &["plot", "precious"]);
    assert_bad(&o, "not a run folder written by fjord");
    assert!(!dir.join("precious/plots").exists() && !dir.join("precious/report.html").exists());
    std::fs::remove_file(dir.join("precious/timeseries.csv")).unwrap();
    // A compare written over one of its own runs would destroy it.
    let o = run_in(dir.path(), &["compare", "a", "b", "--out", "a", "--format", "svg"]);
    assert_bad(&o, "holds one of the runs being compared");
    assert!(dir.join("a/timeseries.csv").exists());
}

/// Every folder fjord writes carries the marker: a run, a sweep and each of its cases, a
/// comparison. A marked folder or an empty one is replaced; nothing temporary is left.
#[test]
fn run_sweep_and_compare_folders_carry_the_marker_and_are_replaced() {
    let dir = TestDir::new("marker");
    tiny(&dir);
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    for _ in 0..2 {
        let o = run_in(dir.path(), &["run", "tiny.toml", "--out", "empty", "--quiet", "--format", "none"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(dir.join("empty").join(MARKER).is_file());
        assert!(dir.join("empty/summary.json").is_file());
    }
    run_in(dir.path(), &["run", "tiny.toml", "--out", "b", "--quiet", "--format", "none"]);
    for _ in 0..2 {
        let o = run_in(dir.path(), &["sweep", "tiny.toml", "--vary", "cluster.racks=1,2", "--out", "sw", "--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(dir.join("sw").join(MARKER).is_file());
        assert!(dir.join("sw/case_000").join(MARKER).is_file() && dir.join("sw/case_001").join(MARKER).is_file());
        let o = run_in(dir.path(), &["compare", "empty", "b", "--out", "cmp", "--format", "svg"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(dir.join("cmp").join(MARKER).is_file() && dir.join("cmp/comparison.csv").is_file());
    }
    assert!(std::fs::read_to_string(dir.join("sw").join(MARKER)).unwrap().contains("sweep"));
    assert!(std::fs::read_to_string(dir.join("cmp").join(MARKER)).unwrap().contains("compare"));
    assert_eq!(dir.entries(""), vec!["b", "cmp", "empty", "sw", "tiny.toml"]);
}

/// The earlier run survives a run that fails while simulating (exit 1 or, once range checks
/// refuse the number, 2): its files are byte-identical afterwards and no temporary folder is
/// left.
#[test]
fn the_earlier_run_survives_a_failed_run() {
    let dir = TestDir::new("survive");
    let sc = tiny(&dir);
    let out = dir.join("runs/out");
    run_ok(&sc, &out, &["--format", "none"]);
    let snapshot = |p: &Path| -> Vec<(String, Vec<u8>)> {
        list_dir(p).into_iter().filter(|f| p.join(f).is_file()).map(|f| (f.clone(), std::fs::read(p.join(&f)).unwrap())).collect()
    };
    let before = snapshot(&out);
    for set in ["gpu.r_th_k_per_w=1e100", "cluster.racks=0"] {
        let o = run_in(dir.path(), &["run", "tiny.toml", "--out", "runs/out", "--quiet", "--format", "none", "--set", set]);
        assert!(matches!(o.status.code(), Some(1 | 2)), "--set {set}: {:?} {}", o.status.code(), stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    assert!(before == snapshot(&out), "the earlier run folder changed");
    assert_eq!(list_dir(&dir.join("runs")), vec!["out"]);
}

/// User-named paths that cannot be used are bad input, refused before simulating (the long
/// scenario would run for minutes): `--out` at a regular file, `--out /proc/x` (without naming
/// the temporary path), `--threads 100000` (naming the cap).
#[test]
fn unusable_paths_and_thread_counts_fail_before_simulating() {
    let dir = TestDir::new("paths");
    long(&dir);
    dir.write("afile", "data");
    let o = run_in(dir.path(), &["run", "long.toml", "--out", "afile", "--quiet", "--format", "none"]);
    assert_bad(&o, "--out afile: a file, not a folder");
    assert_eq!(std::fs::read_to_string(dir.join("afile")).unwrap(), "data");
    let o = run_in(dir.path(), &["run", "long.toml", "--out", "afile/sub", "--quiet", "--format", "none"]);
    assert_bad(&o, "--out afile/sub");
    if Path::new("/proc/self").exists() {
        let o = run_in(dir.path(), &["run", "long.toml", "--out", "/proc/x", "--quiet", "--format", "none"]);
        assert_bad(&o, "--out /proc/x: cannot write there");
    }
    let o = run_in(dir.path(), &["run", "long.toml", "--out", "x", "--threads", "100000", "--quiet"]);
    assert_bad(&o, "1 to 1024 threads");
    let o = run_in(dir.path(), &["sweep", "long.toml", "--vary", "cluster.racks=1,2", "--out", "x", "--threads", "100000", "--quiet"]);
    assert_bad(&o, "1 to 1024 threads");
    let o = run_in(dir.path(), &["sweep", "long.toml", "--vary", "cluster.racks=1,2", "--out", "afile", "--quiet"]);
    assert_bad(&o, "a file, not a folder");
    assert_eq!(dir.entries(""), vec!["afile", "long.toml"]);
}

/// After a SIGKILL the temporary folder stays; the next run into the same parent removes it
/// once its process is gone (marked or empty ones only: a stranger's look-alike stays).
#[test]
fn stale_temporary_folders_of_dead_runs_are_removed() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = TestDir::new("stale");
    let sc = tiny(&dir);
    // 4194305 = 2^22 + 1 is above Linux's largest pid_max: no such process.
    dir.write(".out.tmp-4194305/timeseries.csv", "time_s\n0\n");
    dir.write(&format!(".out.tmp-4194305/{MARKER}"), "x");
    std::fs::create_dir_all(dir.join(".other.tmp-4194305")).unwrap();
    dir.write(".mine.tmp-4194305/keep.txt", "not fjord's");
    run_ok(&sc, &dir.join("out"), &["--format", "none"]);
    assert_eq!(dir.entries(""), vec![".mine.tmp-4194305", "out", "tiny.toml"]);
}

#[cfg(unix)]
fn interrupt(signal: &str, code: i32) {
    let dir = TestDir::new(&format!("signal-{signal}"));
    long(&dir);
    let mut child = fjord()
        .current_dir(dir.path())
        .args(["run", "long.toml", "--out", "out", "--quiet", "--format", "none"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the run has started writing (its temporary folder holds timeseries.csv).
    let tmp = dir.join(&format!(".out.tmp-{}", child.id()));
    let mut started = false;
    for _ in 0..600 {
        if tmp.join("timeseries.csv").exists() {
            started = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = std::process::Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(started, "the run never started writing");
    assert_eq!(status.code(), Some(code), "exit status after SIG{signal}");
    assert_eq!(dir.entries(""), vec!["long.toml"], "SIG{signal} left files behind");
}

/// Ctrl-C (SIGINT) and SIGTERM remove the unfinished folder and exit with 128 + signal.
#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_the_unfinished_folder() {
    interrupt("INT", 130);
    interrupt("TERM", 143);
}

/// Sweeps count cases before building the grid: 10^8 cases are refused at once (exit 2; the
/// issue saw an abort after 17 s), a step too small to count is refused, and a bad `--set` of
/// a sweep is refused and blamed on `--set`. Nothing is written.
#[test]
fn sweep_grids_are_counted_and_sets_validated() {
    let dir = TestDir::new("sweep-count");
    tiny(&dir);
    let sweep = |extra: &[&str]| {
        let mut a = vec!["sweep", "tiny.toml", "--out", "sw", "--quiet"];
        a.extend_from_slice(extra);
        run_in(dir.path(), &a)
    };
    let o = sweep(&["--vary", "cooling.tcs_supply_setpoint_c=1:10000:1", "--vary", "cooling.fws_supply_setpoint_c=1:10000:1"]);
    assert_bad(&o, "more than 10000 cases");
    // 9999^5 overflows a 64-bit count: still refused, not wrapped to a small number.
    let axes: Vec<String> = (1..=5).map(|i| format!("x{i}=1:9999:1")).collect();
    let mut args = Vec::new();
    for a in &axes {
        args.extend(["--vary", a.as_str()]);
    }
    assert_bad(&sweep(&args), "more than 10000 cases");
    let o = sweep(&["--vary", "cooling.tcs_supply_setpoint_c=0:1:1e-300"]);
    assert_bad(&o, "about 1e300 values is more than 10000");
    // Above 2^53 a step of 1 no longer changes the value: refused, not a sweep of duplicates.
    assert_bad(&sweep(&["--vary", "scenario.seed=1e17:100000000000000010:1"]), "appears twice");
    let o = sweep(&["--vary", "cooling.tcs_supply_setpoint_c=30,35", "--set", "cluster.racks=0"]);
    assert_bad(&o, "--set");
    assert!(stderr(&o).contains("cluster.racks"), "{}", stderr(&o));
    assert_eq!(dir.entries(""), vec!["tiny.toml"]);
}

/// `check` reads side files as `run` does: an empty EPW fails `check` (exit 2), and checking
/// several files reports every bad one, prints the good ones, and exits 2.
#[test]
fn check_reads_side_files_and_reports_every_bad_file() {
    let dir = TestDir::new("check-side");
    let good = tiny(&dir);
    // Ten minutes of one rack whose `table` names the side file `side`, written empty.
    let with_empty = |name: &str, side: &str, table: &str| {
        dir.write(side, "");
        dir.write(name, &format!("[scenario]\nduration = \"10m\"\n[cluster]\nracks = 1\n{table}\n"))
    };
    let epw = with_empty("epw.toml", "weather/empty.epw", "[site]\nweather_file = \"weather/empty.epw\"");
    let carbon = with_empty("carbon.toml", "empty_carbon.csv", "[supply.grid]\nimport_limit_mw = 10.0\ncarbon_file = \"empty_carbon.csv\"");
    let o = run_fjord(["check".as_ref(), epw.as_os_str()]);
    assert_bad(&o, "site.weather_file");
    let o = run_fjord(["check".as_ref(), epw.as_os_str(), good.as_os_str(), carbon.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("empty.epw") && err.contains("site.weather_file"), "{err}");
    assert!(err.contains("supply.grid.carbon_file"), "{err}");
    assert!(err.contains("2 of 3 scenario files are bad"), "{err}");
    assert!(stdout(&o).contains("tiny: ok"), "{}", stdout(&o));
}

/// The library never panics on extreme model numbers (the input checks refuse them at the
/// command line, so the engine is driven directly): each run either finishes with every
/// summary metric finite, or stops with an exit-1 error naming the engine stage and quantity,
/// and leaves no folder behind.
#[test]
fn extreme_parameters_never_panic_and_never_write_broken_numbers() {
    let dir = TestDir::new("extreme");
    let base = |text: &str| scenario(text, dir.path());
    let one_rack = "[scenario]\nduration = \"1m\"\n[cluster]\nracks = 1\n";
    let pump_fail = "[scenario]\nduration = \"5m\"\n[cluster]\nracks = 4\n[cooling]\ncdus = 2\n\
                     [[events]]\nkind = \"cdu_pump_failure\"\nat = \"1m\"\ntarget = 0\n";
    type Tweak = fn(&mut fjord::scenario::Scenario);
    let cases: Vec<(&str, &str, Tweak)> = vec![
        ("r_th 1e100", one_rack, |s| s.gpu.r_th_k_per_w = 1e100),
        ("tcs volume 1e-4 + pump failure", pump_fail, |s| s.cooling.tcs_volume_m3 = 1e-4),
        ("c_th 1e300", one_rack, |s| s.gpu.c_th_j_per_k = 1e300),
        ("tcs volume 1e300", one_rack, |s| s.cooling.tcs_volume_m3 = 1e300),
        ("tdp 1e300", one_rack, |s| s.gpu.tdp_w = 1e300),
        ("fan power 1e300", one_rack, |s| s.cooling.rejection.rated_fan_power_w = 1e300),
        ("r_th NaN", one_rack, |s| s.gpu.r_th_k_per_w = f64::NAN),
        ("setpoint inf", one_rack, |s| s.cooling.tcs_supply_setpoint_c = f64::INFINITY),
    ];
    let mut stopped = 0;
    for (i, (name, text, tweak)) in cases.into_iter().enumerate() {
        let mut sc = base(text);
        tweak(&mut sc);
        let dest = dir.join(&format!("case{i}"));
        match fjord::engine::run::run_quiet(sc, &dest, Some(1)) {
            Ok(r) => {
                let broken = r.summary.non_finite_metrics();
                assert!(broken.is_empty(), "{name}: non-finite metrics {broken:?}");
                let text = std::fs::read_to_string(dest.join("summary.json")).unwrap();
                assert!(!text.contains("null"), "{name}: summary.json holds null");
            }
            Err(e) => {
                stopped += 1;
                assert_eq!(e.exit_code(), 1, "{name}: {e}");
                let m = e.to_string();
                assert!(m.contains("stage") || m.contains("summary metric"), "{name}: {m}");
                assert!(m.len() < 400, "{name}: message of {} characters", m.len());
                assert!(!dest.exists(), "{name}: a failed run wrote {}", dest.display());
            }
        }
    }
    // The issue's two panics are now named errors.
    assert!(stopped >= 2, "only {stopped} cases stopped");
    assert_eq!(dir.entries("").iter().filter(|n| n.contains(".tmp-")).count(), 0);
}

/// The quarantine names the engine stage of the first non-finite quantity.
#[test]
fn a_non_finite_state_is_named_by_stage_and_quantity() {
    let dir = TestDir::new("quarantine");
    let mut sc = scenario("[scenario]\nduration = \"1m\"\n[cluster]\nracks = 1\n", dir.path());
    // A leakage rate beyond f32 makes the leakage NaN. (An R of 1e100 K/W, the earlier case,
    // now stays finite: the kernel's T' = T_c(1−d) + T·d + P·R(1−d) keeps R(1−d) ≈ Δt/C.)
    sc.gpu.leakage_per_k = 1e300;
    let mut engine = fjord::engine::Engine::new(sc).unwrap();
    let e = (0..60).find_map(|_| engine.try_step().err()).expect("the broken state is detected");
    let m = e.to_string();
    assert!(m.contains("stage 4 (GPUs and racks)") && m.contains("it_power_mw"), "{m}");
    assert_eq!(fjord::engine::stage_of("tcs_supply_c"), (6, "CDUs"));
    assert_eq!(fjord::engine::stage_of("fws_return_c"), (7, "plant"));
    assert_eq!(fjord::engine::stage_of("grid_import_mw"), (9, "supply"));
    let mut v = fjord::output::recorder::StepValues::default();
    assert_eq!(fjord::engine::first_non_finite(&v), None);
    v.pue = f64::NAN;
    v.tcs_supply_c = f64::INFINITY;
    assert_eq!(fjord::engine::first_non_finite(&v).map(|(n, _)| n), Some("tcs_supply_c"));
}

/// Every model parameter of the GPU, loop, plant and power chain at extreme or broken values
/// (1e300, 0, −1, NaN), set on the resolved scenario so no input check stands in
/// the way: no panic ever; each run either finishes with finite metrics or stops with a named
/// exit-1 (or bad-input exit-2) error and writes nothing.
#[test]
fn every_model_parameter_at_extreme_values_never_panics() {
    extreme_values(false);
}

/// The cases [`every_model_parameter_at_extreme_values_never_panics`] leaves out because the
/// plant's start-up settling runs at its 1,000-sub-step cap for them (~7 s each here); run
/// with `cargo test --release -- --ignored`.
#[test]
#[ignore = "slow: ~1.5 min of plant settling at the sub-step cap"]
fn slow_extreme_values_never_panic() {
    extreme_values(true);
}

/// Values for which the plant settles at its sub-step cap (bounded, but slow).
fn settles_slowly(name: &str, value: f64) -> bool {
    matches!(
        (name, value.is_nan(), value >= 1e300, value <= 0.0),
        ("gpu.tdp_w" | "rack_overhead_w", true, _, _)
            | (
                "gpu.tdp_w" | "rack_overhead_w" | "cooling.fws_supply_setpoint_c" | "cooling.liquid_capture_frac" | "cooling.air_side_fan_w_per_w",
                _,
                true,
                _
            )
            | ("cooling.fws_volume_m3", _, _, _)
    )
}

fn extreme_values(slow: bool) {
    let dir = TestDir::new("extreme-all");
    let text = "[scenario]\nduration = \"2m\"\nstep = \"1s\"\nrecord_every = \"10s\"\n[cluster]\nracks = 2\n[cooling]\ncdus = 2\n\
                [[workload.jobs]]\nname = \"t\"\nkind = \"training\"\ngpus = 144\niteration_s = 2.0\n\
                [[events]]\nkind = \"cdu_pump_failure\"\nat = \"30s\"\ntarget = 1\n";
    let base = scenario(text, dir.path());
    type Field = fn(&mut fjord::scenario::Scenario) -> &mut f64;
    let fields: Vec<(&str, Field)> = vec![
        ("gpu.tdp_w", |s| &mut s.gpu.tdp_w),
        ("gpu.idle_w", |s| &mut s.gpu.idle_w),
        ("gpu.leakage_frac", |s| &mut s.gpu.leakage_frac),
        ("gpu.leakage_per_k", |s| &mut s.gpu.leakage_per_k),
        ("gpu.r_th_k_per_w", |s| &mut s.gpu.r_th_k_per_w),
        ("gpu.c_th_j_per_k", |s| &mut s.gpu.c_th_j_per_k),
        ("gpu.throttle_c", |s| &mut s.gpu.throttle_c),
        ("gpu.min_clock_frac", |s| &mut s.gpu.min_clock_frac),
        ("gpu.power_floor_frac", |s| &mut s.gpu.power_floor_frac),
        ("gpu.ramp_up_w_per_s", |s| &mut s.gpu.ramp_up_w_per_s),
        ("rack_overhead_w", |s| &mut s.rack_overhead_w),
        ("power_variation_frac", |s| &mut s.power_variation_frac),
        ("heat_wave_k", |s| &mut s.heat_wave_k),
        ("cooling.density_kg_m3", |s| &mut s.cooling.density_kg_m3),
        ("cooling.cp_j_kg_k", |s| &mut s.cooling.cp_j_kg_k),
        ("cooling.liquid_capture_frac", |s| &mut s.cooling.liquid_capture_frac),
        ("cooling.tcs_supply_setpoint_c", |s| &mut s.cooling.tcs_supply_setpoint_c),
        ("cooling.fws_supply_setpoint_c", |s| &mut s.cooling.fws_supply_setpoint_c),
        ("cooling.flow_lpm_per_kw", |s| &mut s.cooling.flow_lpm_per_kw),
        ("cooling.tcs_volume_m3", |s| &mut s.cooling.tcs_volume_m3),
        ("cooling.cdu_approach_k", |s| &mut s.cooling.cdu_approach_k),
        ("cooling.cdu_control_tau_s", |s| &mut s.cooling.cdu_control_tau_s),
        ("cooling.pump_efficiency_frac", |s| &mut s.cooling.pump_efficiency_frac),
        ("cooling.fws_volume_m3", |s| &mut s.cooling.fws_volume_m3),
        ("cooling.fws_design_dt_k", |s| &mut s.cooling.fws_design_dt_k),
        ("cooling.fws_min_flow_frac", |s| &mut s.cooling.fws_min_flow_frac),
        ("cooling.air_side_fan_w_per_w", |s| &mut s.cooling.air_side_fan_w_per_w),
        ("rejection.ua_per_unit_w_k", |s| &mut s.cooling.rejection.ua_per_unit_w_k),
        ("rejection.rated_fan_power_w", |s| &mut s.cooling.rejection.rated_fan_power_w),
        ("rejection.min_fan_speed_frac", |s| &mut s.cooling.rejection.min_fan_speed_frac),
        ("rejection.design_ambient_c", |s| &mut s.cooling.rejection.design_ambient_c),
        ("power.psu_rated_w", |s| &mut s.power.psu_rated_w),
        ("power.distribution_efficiency_frac", |s| &mut s.power.distribution_efficiency_frac),
    ];
    let mut outcomes = [0usize; 2];
    for (name, field) in &fields {
        for value in [1e300, 0.0, -1.0, f64::NAN] {
            if settles_slowly(name, value) != slow {
                continue;
            }
            let mut sc = base.clone();
            *field(&mut sc) = value;
            let dest = dir.join("out");
            match fjord::engine::run::run_quiet(sc, &dest, Some(1)) {
                Ok(r) => {
                    let broken = r.summary.non_finite_metrics();
                    assert!(broken.is_empty(), "{name} = {value}: non-finite metrics {broken:?}");
                    assert!(!std::fs::read_to_string(dest.join("summary.json")).unwrap().contains("null"), "{name} = {value}");
                    std::fs::remove_dir_all(&dest).unwrap();
                    outcomes[0] += 1;
                }
                Err(e) => {
                    assert!(matches!(e.exit_code(), 1 | 2), "{name} = {value}: {e}");
                    assert!(e.to_string().len() < 400, "{name} = {value}: long message {e}");
                    assert!(!dest.exists(), "{name} = {value}: a failed run wrote its folder");
                    outcomes[1] += 1;
                }
            }
        }
    }
    assert!(outcomes[1] > 0 && (slow || outcomes[0] > 0), "{outcomes:?}");
    assert!(dir.entries("").is_empty(), "left behind: {:?}", dir.entries(""));
}
