//! Scenario files: from TOML text (plus `--set` overrides) to a validated [`Scenario`].
//!
//! Two stages, as in ripgrep: [`raw`] is what the user wrote (strict serde mirror, unknown
//! keys refused), [`resolve`] fills defaults, checks ranges and builds the SI form. `--set`
//! overrides are applied in exactly one place, [`load_str`], before validation. Every error
//! is a [`FjordError::BadInput`] naming the file, line, key, what was expected and the
//! nearest valid key.

pub mod check;
pub mod events;
pub mod locate;
pub mod presets;
pub mod raw;
pub mod resolve;

pub use resolve::{Event, EventKind, Job, JobKind, Scenario, WeatherSpec};

use crate::error::{FjordError, Location, Result};
use raw::RawScenario;
use std::path::Path;

/// Loads, overrides, validates and resolves a scenario file.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FjordError::bad(&path.display().to_string(), None, "", format!("cannot read scenario file: {e}")))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "scenario".into());
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&text, &path.display().to_string(), &stem, &base, sets)
}

/// Like [`load`], from text. `file` names the source in messages; `base_dir` resolves
/// relative paths (weather and trace files).
pub fn load_str(text: &str, file: &str, stem: &str, base_dir: &Path, sets: &[String]) -> Result<Scenario> {
    // 1. Syntax, the shape (tables where tables belong, the required tables) and the typed
    //    mirror, straight from the text so errors carry lines.
    let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
    check_shape(&table, Some(text), file)?;
    let mut raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
    check_required(&table, text, file)?;
    // 2. Overrides, applied to the parsed table, then the typed mirror again.
    if !sets.is_empty() {
        for set in sets {
            apply_set(&mut table, set)?;
        }
        replace_weather_source(&mut table, sets);
        check_shape(&table, None, "--set")?;
        let merged = toml::to_string(&table).map_err(|e| FjordError::Other(e.to_string()))?;
        raw = toml::from_str(&merged).map_err(|e| {
            let (key, msg) = describe_toml_error(&merged, &e);
            FjordError::BadInput { location: Location { file: "--set".into(), line: None, column: None }, key, message: msg }
        })?;
    }
    // 3. Defaults, ranges, consistency.
    let err = |(key, message): (String, String)| -> FjordError {
        let from_set = sets.iter().any(|s| s.split('=').next().is_some_and(|k| key.starts_with(k.trim()) || k.trim().starts_with(&key)));
        if from_set {
            FjordError::BadInput { location: Location { file: "--set".into(), line: None, column: None }, key, message }
        } else {
            let line = locate::locate(text, &key);
            FjordError::BadInput { location: Location { file: file.into(), line, column: None }, key, message }
        }
    };
    resolve::fill_defaults(&mut raw, stem, base_dir).map_err(err)?;
    let mut sc = resolve::build(&raw, base_dir).map_err(err)?;
    // Where each side file was named, for the side file's own errors.
    for key in SIDE_FILE_KEYS {
        let origin = if sets.iter().any(|s| s.split('=').next().is_some_and(|k| k.trim() == *key)) {
            "--set".to_string()
        } else {
            match locate::locate(text, key) {
                Some(l) => format!("{file}:{l}"),
                None => file.to_string(),
            }
        };
        sc.origins.push((key.to_string(), origin));
    }
    Ok(sc)
}

/// Keys that name side files read after resolution (their errors also name the scenario).
pub const SIDE_FILE_KEYS: &[&str] = &["site.weather_file", "supply.grid.carbon_file", "supply.grid.price_file"];

/// Keys whose value is a table (`[x]` or `x = { ... }`), and keys whose value is a list of
/// tables (`[[x]]`).
const TABLE_KEYS: &[&str] = &[
    "scenario",
    "site",
    "cluster",
    "gpu",
    "workload",
    "cooling",
    "cooling.heat_rejection",
    "cooling.chiller",
    "cooling.heat_reuse",
    "power",
    "supply",
    "supply.hydro",
    "supply.wind",
    "supply.solar",
    "supply.gas",
    "supply.grid",
    "supply.battery",
];
const TABLE_LIST_KEYS: &[&str] = &["workload.jobs", "events"];

/// Refuses what serde would otherwise fill by position (`hydro = [100.0, 60.0]`) and a file
/// that does not name `[scenario]` and `[cluster]`. `text` is the file (for lines); `None`
/// checks a table after `--set`.
fn check_shape(table: &toml::Table, text: Option<&str>, file: &str) -> Result<()> {
    let bad = |key: &str, msg: String| {
        let line = text.and_then(|t| locate::locate(t, key));
        FjordError::bad(file, line, key, msg)
    };
    let get = |key: &str| -> Option<&toml::Value> {
        let mut parts = key.split('.');
        let mut v = table.get(parts.next()?)?;
        for p in parts {
            v = v.as_table()?.get(p)?;
        }
        Some(v)
    };
    for key in TABLE_KEYS {
        if let Some(v) = get(key) {
            if !v.is_table() {
                return Err(bad(key, format!("expected a table ([{key}] or {key} = {{ ... }}), found {}", raw::describe(v))));
            }
        }
    }
    for key in TABLE_LIST_KEYS {
        if let Some(v) = get(key) {
            let ok = v.as_array().is_some_and(|a| a.iter().all(toml::Value::is_table));
            if !ok {
                return Err(bad(key, format!("expected a list of tables ([[{key}]] blocks), found {}", raw::describe(v))));
            }
        }
    }
    Ok(())
}

/// A scenario file names at least `[scenario]` and `[cluster]` (an empty file is not the
/// default 100,000-GPU campus).
fn check_required(table: &toml::Table, text: &str, file: &str) -> Result<()> {
    let missing: Vec<&str> = ["scenario", "cluster"].into_iter().filter(|k| !table.contains_key(*k)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let what = if text.trim().is_empty() { "the file is empty".to_string() } else { format!("no [{}] table", missing.join("] or [")) };
    Err(FjordError::bad(file, None, missing[0], format!("{what}: a scenario names at least [scenario] and [cluster]")))
}

/// A `--set` of `site.weather_file` replaces the file's `site.climate`, and the reverse.
fn replace_weather_source(table: &mut toml::Table, sets: &[String]) {
    let set_keys: Vec<&str> = sets.iter().filter_map(|s| s.split_once('=')).map(|(k, _)| k.trim()).collect();
    let Some(site) = table.get_mut("site").and_then(toml::Value::as_table_mut) else { return };
    for (given, other) in [("site.weather_file", "climate"), ("site.climate", "weather_file")] {
        if set_keys.contains(&given) && !set_keys.contains(&format!("site.{other}").as_str()) {
            site.remove(other);
        }
    }
}

/// Turns a toml error into a bad-input error with line, column, key and a hint.
fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> FjordError {
    let (line, column) = e.span().map(|s| locate::line_col(text, s.start)).map_or((None, None), |(l, c)| (Some(l), Some(c)));
    let (key, message) = describe_toml_error(text, e);
    FjordError::BadInput { location: Location { file: file.into(), line, column }, key, message }
}

/// (dotted key, message with a nearest-key hint) for a toml error. The key comes from the
/// line the error points at: a `[table]` header names the table, a `key = value` line the key
/// (plus the unknown field inside an inline table).
fn describe_toml_error(text: &str, e: &toml::de::Error) -> (String, String) {
    let msg = plain_message(e.message().trim());
    let unknown = msg.starts_with("unknown field").then(|| msg.split('`').nth(1).unwrap_or("").to_string());
    let key = match e.span() {
        Some(span) => {
            let (line_no, _) = locate::line_col(text, span.start);
            let line_text = text.lines().nth(line_no - 1).unwrap_or("").trim();
            if line_text.starts_with('[') {
                line_text.trim_matches(|c| c == '[' || c == ']').trim().to_string()
            } else {
                let table = locate::table_at(text, line_no);
                let mut key_name = line_text.split('=').next().unwrap_or("").trim().trim_matches('"').to_string();
                if !line_text.contains('=') || key_name.contains(|c: char| c.is_whitespace() || c == '"' || c == '{') {
                    key_name.clear(); // a syntax error: name the table only
                }
                let mut key = join(&table, &key_name);
                if let Some(u) = &unknown {
                    if !u.is_empty() && *u != key_name {
                        key = join(&key, u);
                    }
                }
                key
            }
        }
        None => unknown.clone().unwrap_or_default(),
    };
    let mut message = msg.clone();
    if let Some(u) = &unknown {
        let expected: Vec<&str> = msg.split('`').skip(3).step_by(2).collect();
        // The hint goes before the list of valid keys, so a long list cut at the message cap
        // never takes the hint with it.
        if let Some(n) = crate::error::nearest(u, &expected) {
            message = match msg.split_once(", expected") {
                Some((head, tail)) => format!("{head} (did you mean `{n}`?); expected{tail}"),
                None => format!("{msg} (did you mean `{n}`?)"),
            };
        }
    }
    (key, message)
}

/// Rewrites serde's wording in plain words: `expected struct GridBlock` → `expected a
/// table`, `expected u32` → `expected a whole number …`, a number beyond 64 bits → out of
/// range.
fn plain_message(msg: &str) -> String {
    let plain_expected = |e: &str| -> String {
        let e = e.trim();
        if e.starts_with("struct ") || e == "a map" {
            "a table".into()
        } else if e == "u32" {
            "a whole number from 0 to 4294967295".into()
        } else if e == "u64" {
            "a whole number from 0 to 18446744073709551615".into()
        } else if e == "f64" || e == "f32" {
            "a number".into()
        } else if e == "a string" {
            "text in quotes".into()
        } else if e == "a sequence" {
            "a list".into()
        } else {
            e.to_string()
        }
    };
    let plain_found = |f: &str| -> String {
        let f = f.trim();
        let tick = |f: &str| f.split('`').nth(1).unwrap_or("").to_string();
        if f.ends_with("as i128") || f.ends_with("as u128") {
            format!("the number {} (out of range: whole numbers stop at 9223372036854775807)", crate::error::clip(&tick(f)))
        } else if f.starts_with("integer") || f.starts_with("floating point") {
            format!("the number {}", crate::error::clip(&tick(f)))
        } else if let Some(s) = f.strip_prefix("string ") {
            format!("the text {}", crate::error::clip(s))
        } else if f == "map" {
            "a table".into()
        } else if f == "sequence" {
            "a list".into()
        } else if f.starts_with("boolean") {
            tick(f)
        } else {
            f.to_string()
        }
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                return format!("expected {}, found {}", plain_expected(expected), plain_found(found));
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        return format!("expected a table, found a list ({rest})");
    }
    msg.replace("untagged enum", "form").to_string()
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else if key.is_empty() {
        table.to_string()
    } else {
        format!("{table}.{key}")
    }
}

/// Applies one `KEY=VALUE` override to a parsed table. The value is read as TOML (number,
/// bool, quoted string, inline table) and otherwise taken as a plain string.
pub fn apply_set(table: &mut toml::Table, set: &str) -> Result<()> {
    let bad = |msg: String| FjordError::bad("--set", None, set.split('=').next().unwrap_or(""), msg);
    let Some((key, value)) = set.split_once('=') else {
        return Err(bad(format!("expected KEY=VALUE (e.g. cooling.tcs_supply_setpoint_c=35), found \"{set}\"")));
    };
    let key = key.trim();
    let value = value.trim();
    if key.is_empty() {
        return Err(bad("expected a dotted key before `=`".into()));
    }
    let parsed: Option<toml::Value> = toml::from_str::<toml::Table>(&format!("v = {value}")).ok().and_then(|mut t| t.remove("v"));
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if parsed.is_none() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return Err(bad(format!("the number {} is out of range: whole numbers stop at 9223372036854775807", crate::error::clip(value))));
    }
    let parsed = parsed.unwrap_or_else(|| toml::Value::String(value.to_string()));
    let parts: Vec<&str> = key.split('.').collect();
    let mut cur = table;
    for (i, p) in parts.iter().enumerate() {
        let (name, index) = match p.split_once('[') {
            Some((n, rest)) => {
                let idx: usize = rest.trim_end_matches(']').parse().map_err(|_| bad(format!("bad index in `{p}`")))?;
                (n, Some(idx))
            }
            None => (*p, None),
        };
        let last = i == parts.len() - 1;
        match index {
            Some(idx) => {
                let arr = cur.get_mut(name).and_then(|v| v.as_array_mut()).ok_or_else(|| bad(format!("`{name}` is not an array in the scenario")))?;
                let len = arr.len();
                let item = arr.get_mut(idx).ok_or_else(|| bad(format!("index {idx} is out of range: `{name}` has {len} entries")))?;
                if last {
                    *item = parsed.clone();
                    return Ok(());
                }
                cur = item.as_table_mut().ok_or_else(|| bad(format!("`{p}` is not a table")))?;
            }
            None if last => {
                cur.insert(name.to_string(), parsed.clone());
                return Ok(());
            }
            None => {
                let entry = cur.entry(name.to_string()).or_insert_with(|| toml::Value::Table(Default::default()));
                cur = entry.as_table_mut().ok_or_else(|| bad(format!("`{name}` is a value, not a table")))?;
            }
        }
    }
    Ok(())
}

/// Serialises the filled mirror as `scenario.resolved.toml`.
pub fn resolved_toml(sc: &Scenario) -> String {
    let body = toml::to_string_pretty(&sc.filled).unwrap_or_default();
    format!(
        "# Resolved by fjord {}: every default and --set filled in.\n# `fjord run` on this file reproduces the run.\n\n{body}",
        env!("CARGO_PKG_VERSION")
    )
}
