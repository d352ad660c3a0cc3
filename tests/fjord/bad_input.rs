//! SPEC §1 and §6: every bad input gets exit code 2 and a message naming the file, the line
//! (and column) where there is one, the dotted key, what was expected and the nearest valid
//! key; nothing is written and an earlier run is never overwritten.
//!
//! The cases are data: each `tests/bad/*.toml` starts with comment lines
//! `# expect: FRAGMENT` (repeatable), `# expect-key: dotted.key`, `# expect-line: N`,
//! `# expect-column: N` and `# expect-not: FRAGMENT`.

use crate::util::{crate_dir, list_dir, run_fjord, run_ok, stderr, tiny, TestDir};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
struct Case {
    path: PathBuf,
    fragments: Vec<String>,
    absent: Vec<String>,
    key: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    known_bug: Option<String>,
}

fn cases() -> Vec<Case> {
    let dir = crate_dir().join("tests/bad");
    let mut out = vec![];
    for name in list_dir(&dir) {
        if !name.ends_with(".toml") {
            continue;
        }
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).expect("read bad case");
        let mut c = Case { path, ..Default::default() };
        for l in text.lines().take_while(|l| l.starts_with('#')) {
            let l = l.trim_start_matches('#').trim();
            if let Some(v) = l.strip_prefix("expect:") {
                c.fragments.push(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("expect-not:") {
                c.absent.push(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("expect-key:") {
                c.key = Some(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("expect-line:") {
                c.line = Some(v.trim().parse().expect("expect-line"));
            } else if let Some(v) = l.strip_prefix("expect-column:") {
                c.column = Some(v.trim().parse().expect("expect-column"));
            } else if let Some(v) = l.strip_prefix("known-bug:") {
                c.known_bug = Some(v.trim().to_string());
            }
        }
        assert!(c.key.is_some(), "{name}: every bad case names its key (# expect-key:)");
        out.push(c);
    }
    assert!(out.len() >= 15, "only {} bad cases found", out.len());
    out
}

/// True when `text` names the dotted `key` as a whole word: not as a piece of a longer
/// dotted path (`cluster.x` must not match `cluster.x.y` nor `a.cluster.x`).
fn names_key(text: &str, key: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '[' || c == ']';
    text.match_indices(key).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + key.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// Runs one case with `run` and `check`; returns the problems found.
fn check_case(c: &Case) -> Vec<String> {
    let mut problems = vec![];
    let name = c.path.file_name().unwrap().to_string_lossy().to_string();
    let dir = TestDir::new(&format!("bad-{name}"));
    let out = dir.join("out");
    let o = run_fjord(["run".as_ref(), c.path.as_os_str(), "--out".as_ref(), out.as_os_str(), "--quiet".as_ref()]);
    let err = stderr(&o);
    if o.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", o.status.code()));
    }
    if !err.contains(&name) {
        problems.push("message does not name the file".into());
    }
    if let Some(k) = &c.key {
        if !names_key(&err, k) {
            problems.push(format!("message does not name the key `{k}`"));
        }
    }
    for f in &c.fragments {
        if !err.contains(f.as_str()) {
            problems.push(format!("message lacks \"{f}\""));
        }
    }
    for f in &c.absent {
        if err.contains(f.as_str()) {
            problems.push(format!("message contains \"{f}\""));
        }
    }
    if let Some(line) = c.line {
        let want = match c.column {
            Some(col) => format!("{name}:{line}:{col}"),
            None => format!("{name}:{line}"),
        };
        if !err.contains(&want) {
            problems.push(format!("message lacks the location {want}"));
        }
    }
    // Nothing written: no run folder and no temporary folder beside it.
    let left = dir.entries("");
    if !left.is_empty() {
        problems.push(format!("left behind in --out's parent: {left:?}"));
    }
    // `check` refuses it the same way.
    let oc = run_fjord(["check".as_ref(), c.path.as_os_str()]);
    if oc.status.code() != Some(2) {
        problems.push(format!("`fjord check` exit code {:?}", oc.status.code()));
    }
    problems.into_iter().map(|p| format!("{name}: {p}\n    stderr: {}", err.trim())).collect()
}

#[test]
fn names_key_is_strict() {
    assert!(names_key("x: key `cluster.racks`: bad", "cluster.racks"));
    assert!(names_key("key `workload.jobs[0].kind`: x", "workload.jobs[0].kind"));
    assert!(!names_key("key `cluster.racks.x`: bad", "cluster.racks"));
    assert!(!names_key("key `a.cluster.racks`: bad", "cluster.racks"));
}

#[test]
fn bad_scenarios_exit_2_with_their_message() {
    let mut problems = vec![];
    let mut n = 0;
    for c in cases().iter().filter(|c| c.known_bug.is_none()) {
        problems.extend(check_case(c));
        n += 1;
    }
    assert!(n >= 15);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A wrong-typed `--set` value names the key that was set.
#[test]
fn bad_override_type_names_the_key() {
    let dir = TestDir::new("bad-set-type");
    let sc = tiny(&dir);
    for (set, key) in [("cooling.tcs_supply_setpoint_c=hot", "`cooling.tcs_supply_setpoint_c`"), ("cluster.racks=two", "`cluster.racks`")] {
        let o = run_with_set(&sc, &dir.join("out"), set);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(key), "--set {set}: {}", stderr(&o));
    }
}

/// (name, bytes) of every file directly in `dir`, sorted by name.
fn file_contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    list_dir(dir)
        .into_iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| {
            let b = std::fs::read(dir.join(&f)).unwrap();
            (f, b)
        })
        .collect()
}

fn run_with_set(scenario: &Path, out: &Path, set: &str) -> std::process::Output {
    run_fjord(["run".as_ref(), scenario.as_os_str(), "--out".as_ref(), out.as_os_str(), "--quiet".as_ref(), "--set".as_ref(), set.as_ref()])
}

/// `--set` with an unknown key, a malformed override or a bad value: exit 2, message names
/// `--set` and the key, nothing written.
#[test]
fn bad_overrides_exit_2() {
    let dir = TestDir::new("bad-set");
    let sc = tiny(&dir);
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    for (set, fragment) in [
        ("cluster.rackz=3", "did you mean `racks`"),
        ("cooling.tcs_supply_setpoint_c=hot", "expected a number, found the text \"hot\""),
        ("cluster.racks=two", "expected a whole number"),
        ("cluster.racks", "expected KEY=VALUE"),
        ("=3", "expected a dotted key"),
        ("scenario.step=fast", "scenario.step"),
        ("scenario.record_every=90s", "scenario.record_every"),
        ("cooling.liquid_capture_frac=2", "cooling.liquid_capture_frac"),
        ("workload.jobs[5].gpus=1", "out of range"),
        ("cluster.racks.x=1", "cluster.racks"),
        ("gpu.tdp_w=1e308", "key `gpu.tdp_w`: expected a board power (W) in [1, 5000], found 1e308"),
        (r#"cluster=["gb200",10]"#, "expected a table"),
        ("cluster=[]", "expected a table"),
        ("supply.hydro=[100.0, 60.0]", "expected a table"),
        ("events=[1]", "expected a list of tables"),
    ] {
        let o = run_with_set(&sc, &runs.join("out"), set);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--set {set}: {err}");
        assert!(err.contains("--set"), "--set {set}: {err}");
        assert!(err.contains(fragment), "--set {set}: {err}");
        assert!(list_dir(&runs).is_empty(), "--set {set} left {:?}", list_dir(&runs));
    }
}

/// `--set scenario.duration=2h` is applied as if written in the file.
#[test]
fn set_duration_is_applied() {
    let dir = TestDir::new("set-duration");
    let sc = tiny(&dir);
    let out = dir.join("out");
    let o = run_with_set(&sc, &out, "scenario.duration=2h");
    assert!(o.status.success(), "{}", stderr(&o));
    let s = crate::util::summary(&out);
    assert_eq!(s.get("steps").and_then(|v| v.as_u64()), Some(120));
    let ts = crate::util::Csv::read(&out.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 120);
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    let t: toml::Table = toml::from_str(&resolved).expect("resolved toml parses");
    assert_eq!(t["scenario"]["duration"].as_str(), Some("2h"));
}

/// An unreadable scenario path (missing, or a folder) and a bad --threads: exit 2.
#[test]
fn unreadable_scenario_exits_2() {
    let dir = TestDir::new("unreadable");
    let out = dir.join("out");
    let missing = dir.join("no-such.toml");
    let o = run_fjord(["run".as_ref(), missing.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such.toml"), "{}", stderr(&o));
    let sub = dir.join("a-folder.toml");
    std::fs::create_dir_all(&sub).unwrap();
    let o = run_fjord(["run".as_ref(), sub.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_fjord(["check".as_ref(), missing.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let sc = tiny(&dir);
    let o = run_fjord(["run".as_ref(), sc.as_os_str(), "--out".as_ref(), out.as_os_str(), "--threads".as_ref(), "0".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(dir.entries(""), vec!["a-folder.toml", "tiny.toml"]);
}

/// A bad-input run never touches an earlier good run folder at the same --out.
#[test]
fn bad_input_keeps_earlier_run() {
    let dir = TestDir::new("keep-earlier");
    let sc = tiny(&dir);
    let out = dir.join("runs/out");
    run_ok(&sc, &out, &[]);
    let before = file_contents(&out);
    let bad = crate_dir().join("tests/bad/unknown_key_rackz.toml");
    let o = run_fjord(["run".as_ref(), bad.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_with_set(&sc, &out, "cluster.racks=0");
    assert_eq!(o.status.code(), Some(2));
    let after = file_contents(&out);
    assert!(before == after, "the earlier run folder changed");
    assert_eq!(list_dir(&dir.join("runs")), vec!["out"]);
}
