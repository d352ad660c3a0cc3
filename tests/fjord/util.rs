//! Test helpers: a private temporary folder per test, the built binary, CSV and summary
//! readers, and scenario loading through the library.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty folder under the system temp dir, unique to this test; removed when the
/// test passes (kept for inspection when it panics).
pub struct TestDir {
    path: PathBuf,
}

impl TestDir {
    /// A new folder whose name contains `name`, the process id and a counter.
    pub fn new(name: &str) -> TestDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("fjord-test-{}-{}-{}", std::process::id(), n, name.replace(['/', '\\', ' '], "_")));
        if path.exists() {
            std::fs::remove_dir_all(&path).expect("remove stale test dir");
        }
        std::fs::create_dir_all(&path).expect("create test dir");
        TestDir { path }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `self/rel`.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Writes `text` to `self/rel` and returns the path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&p, text).expect("write file");
        p
    }

    /// Names of the entries of `self/rel` (sorted), hidden ones included.
    pub fn entries(&self, rel: &str) -> Vec<String> {
        list_dir(&self.join(rel))
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Sorted entry names of a folder.
pub fn list_dir(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(p)
        .unwrap_or_else(|e| panic!("read_dir {}: {e}", p.display()))
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// The crate root (for `scenarios/` and `tests/bad/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command running the built `fjord` binary.
pub fn fjord() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fjord"))
}

/// Runs `fjord args...` and returns its output.
pub fn run_fjord<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    fjord().args(args).output().expect("spawn fjord")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Runs a scenario file through the binary into `out` (quiet) and asserts success.
pub fn run_ok(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = fjord();
    cmd.arg("run").arg(scenario).arg("--out").arg(out).arg("--quiet");
    cmd.args(extra);
    let o = cmd.output().expect("spawn fjord");
    assert!(o.status.success(), "fjord run {} failed ({:?}):\n{}", scenario.display(), o.status.code(), stderr(&o));
    o
}

/// A CSV file read as text cells.
#[derive(Debug, Clone)]
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads a CSV file with a header (no quoted commas in fjord's outputs).
    pub fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().expect("header").split(',').map(str::to_string).collect();
        let rows: Vec<Vec<String>> = lines.filter(|l| !l.trim().is_empty()).map(|l| l.split(',').map(str::to_string).collect()).collect();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r.len(), header.len(), "{} row {i}: wrong width", path.display());
        }
        Csv { header, rows }
    }

    /// Index of column `name`.
    pub fn idx(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }

    /// Column `name` as numbers.
    pub fn col(&self, name: &str) -> Vec<f64> {
        let i = self.idx(name);
        self.rows.iter().map(|r| r[i].parse::<f64>().unwrap_or_else(|_| panic!("column {name}: `{}` is not a number", r[i]))).collect()
    }

    /// Mean of column `name` over rows whose `time_s` is in [t0, t1).
    pub fn mean_between(&self, name: &str, t0: f64, t1: f64) -> f64 {
        let t = self.col("time_s");
        let v = self.col(name);
        let sel: Vec<f64> = t.iter().zip(&v).filter(|(t, _)| **t >= t0 && **t < t1).map(|(_, v)| *v).collect();
        assert!(!sel.is_empty(), "no rows of {name} in [{t0}, {t1})");
        sel.iter().sum::<f64>() / sel.len() as f64
    }

    /// Value of column `name` in the row whose `time_s` is `t` (within 1e-6).
    pub fn at(&self, name: &str, t: f64) -> f64 {
        let ts = self.col("time_s");
        let i = ts.iter().position(|x| (x - t).abs() < 1e-6).unwrap_or_else(|| panic!("no row at time_s = {t}"));
        self.col(name)[i]
    }
}

/// `summary.json` of a run folder.
pub fn summary(run_dir: &Path) -> serde_json::Map<String, serde_json::Value> {
    let p = run_dir.join("summary.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    match serde_json::from_str::<serde_json::Value>(&text).expect("summary.json parses") {
        serde_json::Value::Object(m) => m,
        other => panic!("summary.json is not an object: {other}"),
    }
}

/// A number from `summary.json`.
pub fn metric(s: &serde_json::Map<String, serde_json::Value>, key: &str) -> f64 {
    s.get(key).and_then(serde_json::Value::as_f64).unwrap_or_else(|| panic!("summary.json has no number `{key}`"))
}

/// Resolves scenario text through the library (relative paths against `base`).
pub fn scenario(text: &str, base: &Path) -> fjord::scenario::Scenario {
    scenario_with(text, base, &[])
}

/// Like [`scenario`], with `--set` overrides.
pub fn scenario_with(text: &str, base: &Path, sets: &[&str]) -> fjord::scenario::Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    fjord::scenario::load_str(text, "test.toml", "test", base, &sets).unwrap_or_else(|e| panic!("scenario does not resolve: {e}\n{text}"))
}

/// Runs a resolved scenario through the library into `dest` (quietly).
pub fn run_lib(sc: fjord::scenario::Scenario, dest: &Path, threads: Option<usize>) -> fjord::engine::run::RunResult {
    fjord::engine::run::run_quiet(sc, dest, threads).unwrap_or_else(|e| panic!("run into {} failed: {e}", dest.display()))
}

/// Relative difference |a − b| / |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// A scenario file shipped under `scenarios/`.
pub fn scenario_file(name: &str) -> PathBuf {
    crate_dir().join("scenarios").join(name)
}

/// Runs `scenario` into `out` with one `--set` per entry of `sets` and `--format none`
/// (quiet) and asserts success.
pub fn run_sets(scenario: &Path, out: &Path, sets: &[String]) -> Output {
    let mut extra: Vec<&str> = vec!["--format", "none"];
    for s in sets {
        extra.push("--set");
        extra.push(s);
    }
    run_ok(scenario, out, &extra)
}

/// `--set` values that shrink a full-size scenario of `full_racks` racks to `racks` racks:
/// the rack and CDU counts, the GPUs of each job in order, and every `(key, full-size
/// value)` of `scaled` (capacities in MW or kW) multiplied by `racks / full_racks`.
pub fn shrink(racks: u32, full_racks: u32, cdus: u32, job_gpus: &[u32], scaled: &[(&str, f64)]) -> Vec<String> {
    let f = f64::from(racks) / f64::from(full_racks);
    let mut v = vec![format!("cluster.racks={racks}"), format!("cooling.cdus={cdus}")];
    for (i, g) in job_gpus.iter().enumerate() {
        v.push(format!("workload.jobs[{i}].gpus={g}"));
    }
    for (k, x) in scaled {
        v.push(format!("{k}={}", x * f));
    }
    v
}

/// [`shrink`] for the shipped full-size sites (`full_racks` racks, jobs of 2,592 and 288 GPUs):
/// 40 racks on 2 CDUs with `scaled` in proportion, at a 5 s step with 1 min rows, then `extra`.
pub fn shrink_to_40(full_racks: u32, scaled: &[(&str, f64)], extra: &[&str]) -> Vec<String> {
    let mut v = shrink(40, full_racks, 2, &[2592, 288], scaled);
    v.push("scenario.step=5s".into());
    v.push("scenario.record_every=60s".into());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// The `[cluster]` of `racks` GB300 racks and its two jobs: training on all racks but the
/// last (failures off; `train_keys` are its other `key = value` lines) and inference on the
/// last rack's 72 GPUs.
pub fn train_and_serve(racks: u32, train_keys: &[&str]) -> String {
    let keys: String = train_keys.iter().map(|k| format!("{k}\n")).collect();
    format!(
        r#"[cluster]
gpu = "gb300"
racks = {racks}

[[workload.jobs]]
name = "train"
kind = "training"
gpus = {train_gpus}
{keys}mtbf = "0s"

[[workload.jobs]]
name = "serve"
kind = "inference"
gpus = 72
"#,
        train_gpus = (racks - 1) * 72
    )
}

/// Scenario text (a literal, for `concat!`): one rack of 72 GPUs running one constant job `c`.
macro_rules! one_rack_job {
    () => {
        r#"
[cluster]
racks = 1

[[workload.jobs]]
name = "c"
kind = "constant"
gpus = 72
"#
    };
}
pub(crate) use one_rack_job;

/// Scenario text (a literal, for `concat!`): two GB300 racks serving at 70 % through one CDU
/// and dry coolers.
macro_rules! two_racks_serving {
    () => {
        r#"
[cluster]
gpu = "gb300"
racks = 2

[[workload.jobs]]
name = "serve"
kind = "constant"
gpus = 144
utilization_frac = 0.7

[cooling]
cdus = 1
[cooling.heat_rejection]
kind = "dry_coolers"
"#
    };
}
pub(crate) use two_racks_serving;

/// Scenario text (a literal, for `concat!`): one CDU, an ideal heat sink and a 10 kW base load.
macro_rules! ideal_sink_10kw_base {
    () => {
        r#"
[cooling]
cdus = 1
[cooling.heat_rejection]
kind = "ideal"

[power]
facility_base_kw = 10.0
"#
    };
}
pub(crate) use ideal_sink_10kw_base;

/// One rack, ten one-minute steps, an ideal heat sink: a run takes a fraction of a second.
pub fn tiny(dir: &TestDir) -> PathBuf {
    dir.write(
        "tiny.toml",
        concat!(
            r#"
[scenario]
name = "tiny"
duration = "10m"
step = "1m"
record_every = "1m"
"#,
            one_rack_job!(),
            r#"
[cooling.heat_rejection]
kind = "ideal"
"#
        ),
    )
}

/// The `[scenario]` table of a test scenario with its timing keys; more `[scenario]` keys may
/// follow on the next lines.
pub fn scenario_table(duration: &str, step: &str, record_every: &str) -> String {
    format!("\n[scenario]\nduration = \"{duration}\"\nstep = \"{step}\"\nrecord_every = \"{record_every}\"\n")
}

/// Board power at full utilisation of the test GPU the scenarios write out (W), independent
/// of the presets.
pub const TDP_W: f64 = 1200.0;
/// Idle board power of the test GPU (W).
pub const IDLE_W: f64 = 170.0;

/// `[cluster]` and `[gpu]` of `racks` GB300 racks of 72 identical GPUs (no spread) drawing
/// [`IDLE_W`] to [`TDP_W`] without leakage; more `[gpu]` keys may follow on the next lines.
pub fn identical_gpus(racks: u32) -> String {
    format!(
        "\n[cluster]\ngpu = \"gb300\"\nracks = {racks}\ngpus_per_rack = 72\npower_variation_frac = 0.0\n\n[gpu]\ntdp_w = {TDP_W}\nidle_w = {IDLE_W}\nleakage_frac = 0.0\n"
    )
}

/// `[cluster]` of `racks` GB300 racks of 72 GPUs and one constant job `name` on all of them
/// at `utilization_frac`.
pub fn gb300_constant(racks: u32, name: &str, utilization_frac: f64) -> String {
    format!(
        "\n[cluster]\ngpu = \"gb300\"\nracks = {racks}\ngpus_per_rack = 72\n\n[[workload.jobs]]\nname = \"{name}\"\nkind = \"constant\"\ngpus = {}\nutilization_frac = {utilization_frac}\n",
        racks * 72
    )
}

/// A `[supply]` table with `capacity_mw` of hydro ramping at most `ramp_mw_per_min`; more
/// `[supply]` keys (`grid = {..}`, `battery = {..}`) may follow on the next lines.
pub fn hydro_supply(capacity_mw: f64, ramp_mw_per_min: f64) -> String {
    format!("\n[supply]\nhydro = {{ capacity_mw = {capacity_mw}, ramp_mw_per_min = {ramp_mw_per_min} }}\n")
}

/// A `cdu_pump_failure` event: CDU `target`'s pumps stop at `at` for `duration`.
pub fn pump_failure(at: &str, duration: &str, target: u32) -> String {
    format!("\n[[events]]\nat = \"{at}\"\nduration = \"{duration}\"\nkind = \"cdu_pump_failure\"\ntarget = {target}\n")
}

/// Largest value of a slice (−∞ when empty).
pub fn max_of(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Smallest value of a slice (+∞ when empty).
pub fn min_of(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Four GB300 racks on two CDUs at a constant 90 % load, ideal heat rejection, 20 min at
/// 1 s steps and 10 s records, followed by `events` (hydraulics and rack-series tests).
pub fn four_racks_two_cdus(events: &str) -> String {
    scenario_table("20m", "1s", "10s")
        + &format!(
            r#"
[cluster]
gpu = "gb300"
racks = 4
gpus_per_rack = 72
power_variation_frac = 0.0

[[workload.jobs]]
name = "load"
kind = "constant"
gpus = 288
utilization_frac = 0.9

[cooling]
cdus = 2
[cooling.heat_rejection]
kind = "ideal"
{events}
"#
        )
}
