//! Issue 8 (input half): input that looks valid is taken, input that is not is refused with
//! exit 2 and a short plain message — and never a panic. Also a seeded fuzz over the shipped
//! scenarios and a property test of random in-range scenarios through short runs.

use crate::util::{crate_dir, list_dir, run_fjord, stderr, stdout, summary, TestDir};
use fjord::scenario::load_str;
use std::path::Path;

/// A small deterministic generator (SplitMix64): the fuzz and property cases are the same on
/// every run and machine.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const TINY: &str = concat!(
    r#"
[scenario]
duration = "10m"
step = "1m"
record_every = "1m"

[site]
climate = "narvik"
"#,
    crate::util::one_rack_job!()
);

fn load(text: &str, sets: &[&str]) -> fjord::Result<fjord::scenario::Scenario> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_str(text, "t.toml", "t", Path::new("."), &sets)
}

fn bad(text: &str, sets: &[&str]) -> String {
    match load(text, sets) {
        Ok(_) => panic!("accepted: {sets:?}\n{text}"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            e.to_string()
        }
    }
}

/// The issue's reproducers: values that broke the solvers are refused, each naming its key,
/// its range and the reason.
#[test]
fn issue_8_extreme_values_are_refused_with_their_range() {
    for (set, key, fragment) in [
        ("gpu.r_th_k_per_w=1e100", "gpu.r_th_k_per_w", "found 1e100"),
        ("gpu.c_th_j_per_k=1e300", "gpu.c_th_j_per_k", "found 1e300"),
        ("cooling.tcs_volume_m3=1e300", "cooling.tcs_volume_m3", "found 1e300"),
        ("cooling.tcs_volume_m3=1e-4", "cooling.tcs_volume_m3", "found 0.0001"),
        ("gpu.tdp_w=1e300", "gpu.tdp_w", "found 1e300"),
        ("gpu.tdp_w=1e308", "gpu.tdp_w", "found 1e308"),
        ("cooling.heat_rejection.rated_fan_power_kw=1e300", "cooling.heat_rejection.rated_fan_power_kw", "found 1e300"),
        ("cooling.fws_volume_m3=1e15", "cooling.fws_volume_m3", "found 1e15"),
    ] {
        let m = bad(TINY, &[set]);
        assert!(m.contains(&format!("key `{key}`")), "{set}: {m}");
        assert!(m.contains(fragment) && m.contains("expected") && m.contains(": "), "{set}: {m}");
        assert!(!m.contains("psu_rated"), "{set} blamed on a key the user never wrote: {m}");
        assert!(m.len() < 400, "{m}");
    }
    // In range, the same keys are taken.
    load(TINY, &["gpu.r_th_k_per_w=0.1", "cooling.tcs_volume_m3=0.5", "cooling.fws_volume_m3=1000"]).expect("in range");
}

/// Arrays where a table is expected, and files without `[scenario]` or `[cluster]`.
#[test]
fn issue_8_lists_for_tables_and_empty_files_are_refused() {
    let m = bad(TINY, &[r#"cluster=["gb200",10]"#]);
    assert!(m.contains("key `cluster`") && m.contains("expected a table"), "{m}");
    let m = bad(TINY, &["cluster=[]"]);
    assert!(m.contains("expected a table"), "{m}");
    let m = bad(&format!("{TINY}\n[supply]\nhydro = [100.0, 60.0]\n"), &[]);
    assert!(m.contains("t.toml:") && m.contains("supply.hydro") && m.contains("expected a table"), "{m}");
    let m = bad("", &[]);
    assert!(m.contains("the file is empty") && m.contains("[scenario] and [cluster]"), "{m}");
    let m = bad("[cluster]\nracks = 1\n", &[]);
    assert!(m.contains("key `scenario`"), "{m}");
    let m = bad("[scenario]\nduration = \"1m\"\n", &[]);
    assert!(m.contains("key `cluster`"), "{m}");
}

/// Messages speak plain words, cap their echoes and stay under 400 characters.
#[test]
fn issue_8_messages_have_no_rust_and_capped_echoes() {
    for (set, want) in [
        ("scenario.duration=[1]", "a duration such as \"24h\""),
        ("supply.grid=5", "expected a table"),
        ("cluster.racks=-1", "a whole number"),
        ("cluster.racks=99999999999999999999", "out of range"),
        ("cluster.racks=1.5", "a whole number"),
    ] {
        let m = bad(TINY, &[set]);
        assert!(m.contains(want), "{set}: {m}");
        for rust in ["untagged", "enum", "struct", "u32", "i128", "GridBlock", "Dur", "invalid type"] {
            assert!(!m.contains(rust), "{set}: leaks `{rust}`: {m}");
        }
    }
    let long_key = "k".repeat(200_000);
    let m = bad(TINY, &[&format!("cluster.{long_key}=1")]);
    assert!(m.chars().count() <= 400 && m.contains('…'), "{} chars: {}", m.len(), &m[..200.min(m.len())]);
    let long_value = format!("gb{}", "3".repeat(10_000));
    let m = bad(TINY, &[&format!("cluster.gpu={long_value}")]);
    assert!(m.chars().count() <= 400, "{m}");
    let m = bad(TINY, &[&format!("gpu.tdp_w=1{}.0", "0".repeat(308))]);
    assert!(m.contains("1e308") && !m.contains("000000000000"), "{m}");
}

/// Hints match case-insensitively first; upper-case keys get one too.
#[test]
fn issue_8_hints_ignore_case() {
    let m = bad(TINY, &["cluster.gpu=GB200"]);
    assert!(m.contains("did you mean `gb200`"), "{m}");
    let m = bad(&format!("{TINY}\n[gpu]\nTDP_W = 700.0\n"), &[]);
    assert!(m.contains("did you mean `tdp_w`"), "{m}");
    let m = bad(&TINY.replace("[cluster]", "[CLUSTER]").replace("[[workload.jobs]]\nname = \"c\"\nkind = \"constant\"\ngpus = 72\n", ""), &[]);
    assert!(m.contains("did you mean `cluster`"), "{m}");
}

/// Native TOML datetimes are times; local date-times are read as UTC.
#[test]
fn issue_8_toml_datetimes_are_accepted() {
    let quoted = load(&TINY.replace("[scenario]", "[scenario]\nstart = \"2026-07-15T00:00:00Z\""), &[]).unwrap();
    let bare = load(&TINY.replace("[scenario]", "[scenario]\nstart = 2026-07-15T00:00:00Z"), &[]).unwrap();
    let local = load(&TINY.replace("[scenario]", "[scenario]\nstart = 2026-07-15T00:00:00"), &[]).unwrap();
    let offset = load(&TINY.replace("[scenario]", "[scenario]\nstart = 2026-07-15T02:00:00+02:00"), &[]).unwrap();
    let date = load(&TINY.replace("[scenario]", "[scenario]\nstart = 2026-07-15"), &[]).unwrap();
    let set = load(TINY, &["scenario.start=2026-07-15T00:00:00Z"]).unwrap();
    for sc in [&bare, &local, &offset, &date, &set] {
        assert_eq!(sc.start_unix_s, quoted.start_unix_s);
    }
    assert_eq!(quoted.start_unix_s, 1_784_073_600.0, "2026-07-15T00:00:00Z");
    // scenario.resolved.toml holds the time as text, and re-reads to the same run.
    let resolved = fjord::scenario::resolved_toml(&bare);
    assert!(resolved.contains("start = \"2026-07-15T00:00:00Z\""), "{resolved}");
    assert_eq!(load(&resolved, &[]).unwrap().start_unix_s, quoted.start_unix_s);
}

/// Where an offset from the start is taken (`events.at`, a job's `start`), a date-time is
/// taken too and becomes its offset; before the start it is refused.
#[test]
fn issue_8_event_and_job_times_take_datetimes() {
    let text = format!(
        "{}\n[[events]]\nat = 2026-07-15T00:06:00Z\nkind = \"heat_wave\"\noffset_k = 2.0\n",
        TINY.replace("[scenario]", "[scenario]\nstart = 2026-07-15T00:00:00Z").replace("gpus = 72", "gpus = 72\nstart = \"2026-07-15T00:02:00\"")
    );
    let sc = load(&text, &[]).expect("dates as times");
    assert_eq!(sc.events[0].at_s, 360.0);
    assert_eq!(sc.jobs[0].start_s, 120.0);
    let resolved = fjord::scenario::resolved_toml(&sc);
    assert!(resolved.contains("start = \"2m\""), "{resolved}");
    let m = bad(&text.replace("at = 2026-07-15T00:06:00Z", "at = 2026-07-14T00:00:00Z"), &[]);
    assert!(m.contains("events[0].at") && m.contains("before scenario.start"), "{m}");
}

/// `--set site.weather_file=` replaces the file's `site.climate`, and the reverse.
#[test]
fn issue_8_set_weather_source_replaces_the_other() {
    let dir = TestDir::new("input-weather-swap");
    let epw = dir.write("w.epw", &crate::cooling::epw_text_irradiance(10.0, 0.0));
    let sets = [format!("site.weather_file={}", epw.display())];
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let sc = load(TINY, &sets).expect("weather_file replaces climate");
    assert!(matches!(sc.weather, fjord::scenario::WeatherSpec::File(_)), "{:?}", sc.weather);
    let with_file = TINY.replace("climate = \"narvik\"", &format!("weather_file = \"{}\"", epw.display()));
    let sc = load(&with_file, &["site.climate=abilene"]).expect("climate replaces weather_file");
    assert_eq!(sc.weather, fjord::scenario::WeatherSpec::Climate("abilene".into()));
    // Both in the file is still refused.
    let both = TINY.replace("climate = \"narvik\"", &format!("climate = \"narvik\"\nweather_file = \"{}\"", epw.display()));
    assert!(bad(&both, &[]).contains("not both"));
}

/// A side file's error names the side file and line, and the scenario file and key.
#[test]
fn issue_8_side_file_errors_name_the_scenario_too() {
    let dir = TestDir::new("input-side-file");
    dir.write("empty.epw", "");
    let sc = dir.write("s.toml", &TINY.replace("climate = \"narvik\"", "weather_file = \"empty.epw\""));
    let o = run_fjord(["run".as_ref(), sc.as_os_str(), "--out".as_ref(), dir.join("out").as_os_str(), "--quiet".as_ref()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("s.toml:8") && err.contains("site.weather_file") && err.contains("empty.epw"), "{err}");
}

/// `fjord presets` lists every key's range and reason.
#[test]
fn presets_list_the_ranges() {
    let o = run_fjord(["presets"]);
    let out = stdout(&o);
    for r in fjord::scenario::check::all_ranges() {
        assert!(out.contains(r.key), "presets lacks the range of {}", r.key);
    }
    assert!(out.contains("gpu.r_th_k_per_w") && out.contains("[0.001, 0.5]"), "{out}");
}

/// Every numeric key a filled scenario holds has a declared range.
#[test]
fn every_numeric_key_has_a_range() {
    let text = format!(
        "{}\n[[workload.jobs]]\nname = \"i\"\nkind = \"inference\"\ngpus = 72\n[[workload.jobs]]\nname = \"t\"\nkind = \"training\"\ngpus = 72\n\
         [cooling.chiller]\n[cooling.heat_reuse]\n[supply]\nhydro = {{ reservoir_mwh = 10.0, daily_energy_mwh = 5.0, inflow_mw = 1.0, reservoir_initial_frac = 0.5 }}\n\
         [[events]]\nat = \"1m\"\nkind = \"cdu_pump_failure\"\ntarget = 0\n[[events]]\nat = \"1m\"\nkind = \"dry_cooler_outage\"\nunits = 1\n\
         [[events]]\nat = \"1m\"\nkind = \"hydro_outage\"\nfraction = 0.5\n[[events]]\nat = \"1m\"\nkind = \"heat_wave\"\noffset_k = 1.0\n\
         [[events]]\nat = \"1m\"\nkind = \"power_cap\"\ncap_mw = 1.0\n",
        TINY.replace("racks = 1", "racks = 3")
    );
    let sc = load(&text, &[]).expect("the full scenario resolves");
    let filled = toml::Value::try_from(&sc.filled).unwrap();
    let ranges: Vec<&str> = fjord::scenario::check::all_ranges().iter().map(|r| r.key).collect();
    let mut missing = vec![];
    fn walk(v: &toml::Value, path: String, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| walk(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| walk(v, format!("{path}[]"), out)),
            toml::Value::Integer(_) | toml::Value::Float(_) => out.push(path),
            _ => {}
        }
    }
    let mut keys = vec![];
    walk(&filled, String::new(), &mut keys);
    for k in &keys {
        if !ranges.contains(&k.as_str()) {
            missing.push(k.clone());
        }
    }
    assert!(keys.len() > 100, "only {} numeric keys found", keys.len());
    assert!(missing.is_empty(), "numeric keys without a range: {missing:?}");
}

/// Values for mutations: extremes, wrong types, shapes.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "1e-300",
    "1e300",
    "-1e300",
    "1e15",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "9223372036854775807",
    "\"\"",
    "\"x\"",
    "\"24h\"",
    "\"-5m\"",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    "{ a = 1 }",
    "2026-07-15T00:00:00Z",
    "2026-07-15",
];

fn leaves(v: &toml::Value, path: String, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            if !path.is_empty() {
                out.push(path.clone());
            }
            for (k, v) in t {
                leaves(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        toml::Value::Array(a) if a.iter().all(toml::Value::is_table) && !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(v, format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(path),
    }
}

/// Asserts the outcome of one fuzz case: a scenario or a short bad-input error, no panic.
fn fuzz_one(text: &str, sets: &[String], label: &str) -> Option<fjord::scenario::Scenario> {
    let r = std::panic::catch_unwind(|| load_str(text, "fuzz.toml", "fuzz", &crate_dir().join("scenarios"), sets));
    match r {
        Err(_) => panic!("{label}: panicked on {sets:?}"),
        Ok(Ok(sc)) => Some(sc),
        Ok(Err(e)) => {
            let m = e.to_string();
            assert_eq!(e.exit_code(), 2, "{label}: {m}");
            assert!(m.chars().count() <= 400, "{label}: {} chars: {m}", m.chars().count());
            for rust in ["untagged", "struct ", "u32", "i128", "Block`", "invalid type"] {
                assert!(!m.contains(rust), "{label}: leaks `{rust}`: {m}");
            }
            None
        }
    }
}

/// Issue 8 fuzz: a seeded mutation generator over the shipped scenarios (a value set to an
/// extreme or a wrong type, a key or table deleted, an unknown key added, a table replaced by
/// a list, text cut short), checked in-process; a share of the cases also through the binary
/// (`fjord check`, exit 0 or 2), and the accepted quickstart mutations through a short run.
#[test]
fn issue_8_fuzz_shipped_scenarios() {
    let dir = crate_dir().join("scenarios");
    let files: Vec<String> = list_dir(&dir).into_iter().filter(|n| n.ends_with(".toml")).collect();
    assert!(files.len() >= 5);
    let tmp = TestDir::new("fuzz");
    let mut g = Gen(8);
    let (mut accepted, mut refused, mut runs) = (0, 0, 0);
    for case in 0..400 {
        let name = g.pick(&files).clone();
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        let mut keys = vec![];
        leaves(&toml::Value::Table(table.clone()), String::new(), &mut keys);
        let key = g.pick(&keys).clone();
        let value = *g.pick(VALUES);
        let label = format!("case {case} ({name}, {key})");
        let (text, sets): (String, Vec<String>) = match g.below(6) {
            // A value through --set.
            0 | 1 => (text.clone(), vec![format!("{key}={value}")]),
            // An unknown key beside a real one, or a key with a case change.
            2 => (text.clone(), vec![format!("{key}x={value}"), format!("{}={value}", key.to_uppercase())]),
            // A value in the file itself.
            3 => {
                let last = key.rsplit('.').next().unwrap_or(&key).split('[').next().unwrap_or("").to_string();
                let t: Vec<String> = text
                    .lines()
                    .map(|l| if l.trim_start().starts_with(&format!("{last} =")) { format!("{last} = {value}") } else { l.to_string() })
                    .collect();
                (t.join("\n"), vec![])
            }
            // A line deleted.
            4 => {
                let lines: Vec<&str> = text.lines().collect();
                let cut = g.below(lines.len());
                (lines.iter().enumerate().filter(|(i, _)| *i != cut).map(|(_, l)| *l).collect::<Vec<_>>().join("\n"), vec![])
            }
            // The text cut short.
            _ => {
                let mut n = g.below(text.len());
                while !text.is_char_boundary(n) {
                    n -= 1;
                }
                (text[..n].to_string(), vec![])
            }
        };
        let quick = name == "quickstart.toml";
        let mut sets = sets;
        if quick {
            sets.push("scenario.duration=2m".into());
        }
        match fuzz_one(&text, &sets, &label) {
            Some(sc) => {
                accepted += 1;
                if quick && runs < 25 && sc.gpus() <= 10_000 && sc.steps() <= 10_000 {
                    runs += 1;
                    let out = tmp.join(&format!("run{case}"));
                    let r = std::panic::catch_unwind(|| fjord::engine::run::run_quiet(sc, &out, Some(1)));
                    let r = r.unwrap_or_else(|_| panic!("{label}: the run panicked on {sets:?}"));
                    if let Ok(res) = r {
                        let s = summary(&res.dir);
                        for (k, v) in &s {
                            assert!(!v.is_null(), "{label} {sets:?}: summary `{k}` is not finite");
                        }
                    }
                }
            }
            None => refused += 1,
        }
        // Every tenth case also through the binary.
        if case % 10 == 0 {
            let f = tmp.write(&format!("c{case}.toml"), &text);
            let mut args: Vec<String> = vec!["check".into(), f.display().to_string()];
            let code = run_fjord(&args).status.code();
            assert!(code == Some(0) || code == Some(2), "{label}: fjord check exit {code:?}");
            args.clear();
        }
    }
    assert!(accepted > 20 && refused > 100, "accepted {accepted}, refused {refused}: the mutations do not exercise both sides");
}

/// Issue 8 property: random scenarios inside the declared ranges (cross-constraints kept) run
/// without a panic, with finite outputs and the energy balance within 1e-4.
#[test]
fn issue_8_random_in_range_scenarios_run_finite_and_balanced() {
    let tmp = TestDir::new("prop");
    let mut g = Gen(2026);
    let ranges = fjord::scenario::check::all_ranges();
    let range = |k: &str| ranges.iter().find(|r| r.key == k).copied().unwrap_or_else(|| panic!("no range for {k}"));
    for case in 0..24 {
        // Log-uniform for wide positive ranges, uniform otherwise.
        let mut draw = |k: &str| -> f64 {
            let r = range(k);
            if r.lo > 0.0 && r.hi / r.lo > 100.0 {
                (r.lo.ln() + g.unit() * (r.hi.ln() - r.lo.ln())).exp()
            } else {
                r.lo + g.unit() * (r.hi - r.lo)
            }
        };
        let tdp = draw("gpu.tdp_w");
        let idle = tdp * 0.3 * (case as f64 / 24.0);
        let throttle = 60.0 + draw("gpu.throttle_c") / 10.0;
        let tcs = 20.0 + draw("cooling.tcs_supply_setpoint_c") / 2.0;
        let fws = tcs - 1.0 - draw("cooling.cdu_approach_k").min(10.0);
        // `key=value` drawn from the key's range (an array entry's range is the array's).
        let mut set = |k: &str| format!("{k}={}", draw(&k.replace("[0]", "[]")));
        let mut sets: Vec<String> = vec![
            format!("gpu.tdp_w={tdp}"),
            format!("gpu.idle_w={idle}"),
            set("gpu.r_th_k_per_w"),
            set("gpu.c_th_j_per_k"),
            set("gpu.leakage_frac"),
            set("gpu.leakage_per_k"),
            format!("gpu.throttle_c={throttle}"),
            format!("gpu.shutdown_c={}", throttle + 5.0),
            format!("gpu.restart_c={}", throttle - 20.0),
            format!("cooling.tcs_supply_setpoint_c={tcs}"),
            format!("cooling.fws_supply_setpoint_c={fws}"),
            set("cooling.tcs_volume_m3"),
            set("cooling.fws_volume_m3"),
            set("cooling.liquid_capture_frac"),
            set("cooling.flow_lpm_per_kw"),
            set("cooling.heat_rejection.rated_fan_power_kw"),
            set("cooling.heat_rejection.ua_per_unit_kw_per_k"),
            set("power.psu_efficiency_frac"),
            set("site.heat_wave_k"),
            set("workload.jobs[0].utilization_frac"),
        ];
        if case % 3 == 0 {
            sets.push("cooling.heat_rejection.kind=\"ideal\"".into());
        }
        let text = TINY.replace("racks = 1", "racks = 2").replace("duration = \"10m\"", "duration = \"20m\"");
        let sc =
            load_str(&text, "prop.toml", "prop", Path::new("."), &sets).unwrap_or_else(|e| panic!("case {case}: in-range scenario refused: {e}"));
        let out = tmp.join(&format!("case{case}"));
        let res = fjord::engine::run::run_quiet(sc, &out, Some(1)).unwrap_or_else(|e| panic!("case {case} {sets:?}: {e}"));
        let s = summary(&res.dir);
        for (k, v) in &s {
            assert!(!v.is_null(), "case {case} {sets:?}: summary `{k}` is not finite");
        }
        let err = s.get("energy_balance_error_frac").and_then(|v| v.as_f64()).expect("energy balance");
        assert!(err.abs() < 1e-4, "case {case} {sets:?}: energy balance error {err}");
    }
}
