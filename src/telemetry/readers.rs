//! GPU telemetry readers: nvidia-smi CSV, DCGM (`dcgmi dmon` text and dcgm-exporter-style
//! CSV) and fjord's plain CSV, all into one [`Telemetry`]: per measured GPU, sample times and
//! board power (W), utilisation (0-1) and temperature (°C), NaN where a field is missing.
//!
//! * **nvidia-smi** (`--query-gpu=timestamp,index,power.draw,utilization.gpu,temperature.gpu,
//!   clocks.sm --format=csv[,noheader][,nounits]`): any subset and order of fields; header
//!   names with units in brackets; values with or without units (`548.37 W`, `89 %`);
//!   `[N/A]`, `[Not Supported]` are missing values. GPUs by `index` (else `pci.bus_id`, else
//!   rows cycle through the GPUs in order: as many GPUs as rows share the first timestamp).
//!   Without a header, fields are recognised by their units and the timestamp form: `W` is
//!   power, the first `%` field utilisation, a unit-less integer field right after the
//!   timestamp the index, any other unit-less number the temperature.
//! * **DCGM `dcgmi dmon -e 155,203,150`**: `#Entity POWER GPUTL TMPTR` header lines (repeated
//!   every screenful), an `ID W ...` units line, rows `GPU 0 548.3 97 61`; `N/A` is missing.
//!   dmon prints no time: a new sample starts when a GPU reappears, samples are
//!   `sample_every` apart (dmon's `-d`, default 1 s).
//! * **dcgm-exporter-style CSV**: columns `DCGM_FI_DEV_POWER_USAGE` (W),
//!   `DCGM_FI_DEV_GPU_UTIL` (%), `DCGM_FI_DEV_GPU_TEMP` (°C), a time column (`timestamp`,
//!   `time`, `time_s`: ISO 8601 or unix seconds) and a GPU column (`gpu`, `GPU`, `gpu_index`,
//!   `device`, `uuid`, `Hostname`-less).
//! * **csv**: `time_s` or an ISO 8601 first column, then `power_w` and/or `utilization_frac`
//!   (and `temp_c`); one column per GPU as `power_w_0`, `power_w_1`, …, or a `gpu` column.
//!
//! Times: timestamps become seconds since the file's first sample; `time_s` is kept as
//! written (seconds since the scenario start). Rows of one GPU must not go back in time
//! (refused with the line); repeated times are averaged; irregular sampling and gaps are
//! kept (each value holds until the next sample).

use super::csvfile::{header_name, Row, SideError, Table};
use super::time::parse_timestamp;

/// Telemetry file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Sniffed from the header.
    Auto,
    /// nvidia-smi `--query-gpu` CSV.
    NvidiaSmi,
    /// `dcgmi dmon` text or dcgm-exporter-style CSV.
    Dcgm,
    /// fjord's plain CSV.
    Csv,
}

impl Format {
    /// From the scenario key's text.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "auto" => Some(Format::Auto),
            "nvidia-smi" => Some(Format::NvidiaSmi),
            "dcgm" => Some(Format::Dcgm),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
    /// Its key text.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::NvidiaSmi => "nvidia-smi",
            Format::Dcgm => "dcgm",
            Format::Csv => "csv",
        }
    }
}

/// One measured GPU.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpuTrace {
    /// Its id in the file (index, bus id or position).
    pub id: String,
    /// Sample times (s), non-decreasing, no repeats.
    pub t_s: Vec<f64>,
    /// Board power (W), NaN where missing.
    pub power_w: Vec<f64>,
    /// Utilisation (0-1), NaN where missing.
    pub util_frac: Vec<f64>,
    /// Temperature (°C), NaN where missing.
    pub temp_c: Vec<f64>,
}

/// A telemetry file, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Telemetry {
    /// The file.
    pub path: String,
    /// The format read.
    pub format: Format,
    /// Measured GPUs, in file order of first appearance.
    pub gpus: Vec<GpuTrace>,
}

impl Telemetry {
    /// True when any GPU has a power value.
    pub fn has_power(&self) -> bool {
        self.gpus.iter().any(|g| g.power_w.iter().any(|v| v.is_finite()))
    }
    /// True when any GPU has a utilisation value.
    pub fn has_util(&self) -> bool {
        self.gpus.iter().any(|g| g.util_frac.iter().any(|v| v.is_finite()))
    }
    /// True when any GPU has a temperature value.
    pub fn has_temp(&self) -> bool {
        self.gpus.iter().any(|g| g.temp_c.iter().any(|v| v.is_finite()))
    }
    /// First and last sample time over all GPUs (s).
    pub fn span_s(&self) -> (f64, f64) {
        let lo = self.gpus.iter().filter_map(|g| g.t_s.first()).fold(f64::INFINITY, |a, &b| a.min(b));
        let hi = self.gpus.iter().filter_map(|g| g.t_s.last()).fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        (lo, hi)
    }
}

/// Rows collected per GPU before sorting out repeats.
#[derive(Default)]
struct Collector {
    ids: Vec<String>,
    rows: Vec<Vec<(usize, f64, [f64; 3])>>,
}

impl Collector {
    fn push(&mut self, id: &str, line: usize, t: f64, v: [f64; 3]) {
        let i = match self.ids.iter().position(|x| x == id) {
            Some(i) => i,
            None => {
                self.ids.push(id.to_string());
                self.rows.push(Vec::new());
                self.ids.len() - 1
            }
        };
        self.rows[i].push((line, t, v));
    }

    /// Per-GPU series; rows going back in time are refused; repeated times averaged
    /// (over the values present).
    fn finish(self, path: &str, format: Format, rebase: bool) -> Result<Telemetry, SideError> {
        let t0 = if rebase { self.rows.iter().filter_map(|r| r.first()).map(|r| r.1).fold(f64::INFINITY, f64::min) } else { 0.0 };
        let mut gpus = Vec::new();
        for (id, rows) in self.ids.into_iter().zip(self.rows) {
            let mut g = GpuTrace { id, ..Default::default() };
            let mut k = 0;
            while k < rows.len() {
                let (line, t, _) = rows[k];
                if let Some(&last) = g.t_s.last() {
                    if t - t0 < last {
                        return Err(SideError::at(path, line, format!("time goes back (GPU {}): rows must be in time order", g.id)));
                    }
                }
                let mut sums = [0.0; 3];
                let mut counts = [0usize; 3];
                let mut j = k;
                while j < rows.len() && rows[j].1 == t {
                    for c in 0..3 {
                        if rows[j].2[c].is_finite() {
                            sums[c] += rows[j].2[c];
                            counts[c] += 1;
                        }
                    }
                    j += 1;
                }
                let mean = |c: usize| if counts[c] > 0 { sums[c] / counts[c] as f64 } else { f64::NAN };
                g.t_s.push(t - t0);
                g.power_w.push(mean(0));
                g.util_frac.push(mean(1));
                g.temp_c.push(mean(2));
                k = j;
            }
            gpus.push(g);
        }
        if gpus.iter().all(|g| g.t_s.is_empty()) {
            return Err(SideError::at(path, 0, "no samples"));
        }
        Ok(Telemetry { path: path.to_string(), format, gpus })
    }
}

/// A number with an optional unit suffix; `None` for the missing markers.
fn value(s: &str) -> Result<f64, ()> {
    let s = s.trim();
    if s.is_empty() || s.starts_with('[') || s.eq_ignore_ascii_case("n/a") || s == "-" {
        return Ok(f64::NAN);
    }
    let num = s.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%' || c == ' ');
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(()),
    }
}

/// The format of `text` (first non-comment line) and its parsed CSV table (None for dmon).
pub fn sniff(text: &str, path: &str) -> Result<Format, SideError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && (!l.starts_with('#') || l.starts_with("#Entity"))).unwrap_or("");
    if first.starts_with("#Entity") || first.contains("DCGM_FI_") {
        return Ok(Format::Dcgm);
    }
    let lower = first.to_ascii_lowercase();
    if lower.contains("power.draw") || lower.contains("utilization.gpu") || lower.contains("temperature.gpu") || lower.starts_with("timestamp") {
        return Ok(Format::NvidiaSmi);
    }
    if lower.contains("time_s") || lower.contains("power_w") || lower.contains("utilization_frac") {
        return Ok(Format::Csv);
    }
    // nvidia-smi without a header: a first field like 2024/01/01 12:00:00.000 or a `W` value.
    let f0 = first.split(',').next().unwrap_or("").trim();
    if (f0.len() > 4 && f0.as_bytes()[4] == b'/') || first.split(',').any(|f| f.trim().ends_with(" W")) {
        return Ok(Format::NvidiaSmi);
    }
    if parse_timestamp(f0).is_some() {
        return Ok(Format::Csv);
    }
    Err(SideError::at(
        path,
        1,
        format!(
            "cannot tell the telemetry format from `{}`: expected an nvidia-smi header (timestamp, power.draw [W], …), a DCGM header (#Entity or DCGM_FI_DEV_POWER_USAGE) or time_s,power_w / utilization_frac; or set format",
            first.chars().take(80).collect::<String>()
        ),
    ))
}

/// Reads a telemetry file. `sample_every_s` spaces samples of files without times.
pub fn read(path: &std::path::Path, format: Format, sample_every_s: f64) -> Result<Telemetry, SideError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SideError::at(&label, 0, format!("cannot read: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    parse(&text, &label, format, sample_every_s)
}

/// Parses telemetry text (see [`read`]).
pub fn parse(text: &str, path: &str, format: Format, sample_every_s: f64) -> Result<Telemetry, SideError> {
    let fmt = if format == Format::Auto { sniff(text, path)? } else { format };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if fmt == Format::Dcgm && body.lines().map(str::trim).any(|l| l.starts_with("#Entity")) {
        return parse_dmon(body, path, sample_every_s);
    }
    let table = super::csvfile::parse(text, path)?;
    match fmt {
        Format::NvidiaSmi => parse_nvidia_smi(&table, sample_every_s),
        Format::Dcgm => parse_table(&table, Format::Dcgm),
        _ => parse_table(&table, Format::Csv),
    }
}

fn parse_nvidia_smi(t: &Table, sample_every_s: f64) -> Result<Telemetry, SideError> {
    // Header or not: a header has no numbers and no timestamps.
    let has_header = t.first.fields.iter().all(|f| value(f).is_err() && parse_timestamp(f).is_none());
    let rows: Vec<&Row> = if has_header { t.rows.iter().collect() } else { std::iter::once(&t.first).chain(t.rows.iter()).collect() };
    let (mut ct, mut ci, mut cb, mut cp, mut cu, mut cm) = (None, None, None, None, None, None);
    if has_header {
        for (c, h) in t.first.fields.iter().enumerate() {
            match header_name(h).to_ascii_lowercase().as_str() {
                "timestamp" => ct = Some(c),
                "index" => ci = Some(c),
                "pci.bus_id" | "gpu_bus_id" => cb = Some(c),
                "power.draw" | "power.draw.average" | "power.draw.instant" if cp.is_none() => cp = Some(c),
                "utilization.gpu" => cu = Some(c),
                "temperature.gpu" => cm = Some(c),
                _ => {}
            }
        }
        if cp.is_none() && cu.is_none() {
            return Err(t.err(t.first.line, "no power.draw or utilization.gpu column in the nvidia-smi header"));
        }
    } else {
        let r0 = rows.first().ok_or_else(|| t.err(0, "no samples"))?;
        for (c, f) in r0.fields.iter().enumerate() {
            let f = f.trim();
            if parse_timestamp(f).is_some() {
                ct = Some(c);
            } else if f.ends_with(" W") || f.ends_with('W') && value(f).is_ok() && cp.is_none() {
                cp = Some(c);
            } else if f.ends_with('%') && cu.is_none() {
                cu = Some(c);
            } else if value(f).is_ok() && f.chars().all(|ch| ch.is_ascii_digit() || ch == '.') {
                if ct.is_some() && ct == c.checked_sub(1) && !f.contains('.') && ci.is_none() {
                    ci = Some(c);
                } else if cm.is_none() {
                    cm = Some(c);
                }
            }
        }
        if cp.is_none() && cu.is_none() {
            return Err(t.err(
                r0.line,
                "an nvidia-smi file without a header needs units (`548.37 W`, `89 %`): write it without `nounits` or with the header",
            ));
        }
    }
    let mut col = Collector::default();
    // Without index or bus id, rows cycle through the GPUs: as many as share the first time.
    let cycle = if ci.is_none() && cb.is_none() {
        match ct {
            Some(c) => {
                let f0 = rows.first().and_then(|r| r.fields.get(c)).cloned().unwrap_or_default();
                rows.iter().take_while(|r| r.fields.get(c) == Some(&f0)).count().max(1)
            }
            None => 1,
        }
    } else {
        0
    };
    let get = |r: &Row, c: Option<usize>, what: &str| -> Result<f64, SideError> {
        match c {
            None => Ok(f64::NAN),
            Some(c) => {
                let f = r.fields.get(c).map_or("", String::as_str);
                value(f).map_err(|_| t.err(r.line, format!("{what}: expected a number (with or without its unit), found `{f}`")))
            }
        }
    };
    for (k, r) in rows.iter().enumerate() {
        let time = match ct {
            Some(c) => {
                let f = r.fields.get(c).map_or("", String::as_str);
                parse_timestamp(f).ok_or_else(|| t.err(r.line, format!("timestamp: expected YYYY/MM/DD HH:MM:SS.mmm, found `{f}`")))?
            }
            None => (k / cycle.max(1)) as f64 * sample_every_s,
        };
        let id = match (ci, cb) {
            (Some(c), _) | (None, Some(c)) => r.fields.get(c).cloned().unwrap_or_default(),
            _ => (k % cycle).to_string(),
        };
        let p = get(r, cp, "power.draw")?;
        let u = get(r, cu, "utilization.gpu")? / 100.0;
        let m = get(r, cm, "temperature.gpu")?;
        col.push(&id, r.line, time, [p, u, m]);
    }
    col.finish(&t.path, Format::NvidiaSmi, ct.is_some())
}

fn parse_dmon(text: &str, path: &str, sample_every_s: f64) -> Result<Telemetry, SideError> {
    let mut tags: Vec<String> = Vec::new();
    let mut col = Collector::default();
    let mut seen: Vec<String> = Vec::new();
    let mut sample = 0usize;
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(h) = l.strip_prefix("#Entity") {
            tags = h.split_whitespace().map(str::to_ascii_uppercase).collect();
            continue;
        }
        if l.starts_with('#') || l.starts_with("ID") || l.starts_with("Id") {
            continue;
        }
        if tags.is_empty() {
            return Err(SideError::at(path, line, "expected the `#Entity` header line of `dcgmi dmon` before data rows"));
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != tags.len() + 2 || !f[0].starts_with("GPU") {
            return Err(SideError::at(path, line, format!("expected `GPU <id>` and {} values ({}), found `{l}`", tags.len(), tags.join(" "))));
        }
        let id = f[1].to_string();
        if seen.contains(&id) {
            sample += 1;
            seen.clear();
        }
        seen.push(id.clone());
        started = true;
        let mut v = [f64::NAN; 3];
        for (tag, s) in tags.iter().zip(&f[2..]) {
            let x = value(s).map_err(|_| SideError::at(path, line, format!("{tag}: expected a number or N/A, found `{s}`")))?;
            match tag.as_str() {
                "POWER" => v[0] = x,
                "GPUTL" => v[1] = x / 100.0,
                "TMPTR" => v[2] = x,
                _ => {}
            }
        }
        col.push(&id, line, sample as f64 * sample_every_s, v);
    }
    if !started {
        return Err(SideError::at(path, 0, "no GPU rows"));
    }
    if !tags.iter().any(|t| t == "POWER" || t == "GPUTL") {
        return Err(SideError::at(path, 1, "no POWER (field 155) or GPUTL (field 203) column: run `dcgmi dmon -e 155,203,150`"));
    }
    col.finish(path, Format::Dcgm, false)
}

/// dcgm-exporter-style and plain CSV tables: a time column, an optional GPU column and value
/// columns (per GPU with a `_N` suffix in plain CSV).
fn parse_table(t: &Table, fmt: Format) -> Result<Telemetry, SideError> {
    let names: Vec<String> = t.first.fields.iter().map(|h| header_name(h).to_string()).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let pos = |cands: &[&str]| lower.iter().position(|n| cands.contains(&n.as_str()));
    let tc = pos(&["time_s", "timestamp", "time", "datetime", "date"]).unwrap_or(0);
    let gc = pos(&["gpu", "gpu_index", "index", "device", "uuid"]);
    // Value columns: (column, signal 0/1/2, scale, gpu suffix).
    let (pw, ut, tm, uscale): (&[&str], &[&str], &[&str], f64) = if fmt == Format::Dcgm {
        (&["dcgm_fi_dev_power_usage"], &["dcgm_fi_dev_gpu_util"], &["dcgm_fi_dev_gpu_temp"], 0.01)
    } else {
        (&["power_w"], &["utilization_frac"], &["temp_c"], 1.0)
    };
    let mut vcols: Vec<(usize, usize, f64, Option<String>)> = Vec::new();
    for (c, n) in lower.iter().enumerate() {
        for (sig, cands, scale) in [(0, pw, 1.0), (1, ut, uscale), (2, tm, 1.0)] {
            for cand in cands {
                if n == cand {
                    vcols.push((c, sig, scale, None));
                } else if let Some(sfx) = n.strip_prefix(cand).and_then(|s| s.strip_prefix('_')) {
                    if fmt == Format::Csv && !sfx.is_empty() && sfx.chars().all(|ch| ch.is_ascii_digit()) {
                        vcols.push((c, sig, scale, Some(sfx.to_string())));
                    }
                }
            }
        }
    }
    if !vcols.iter().any(|v| v.1 < 2) {
        let want =
            if fmt == Format::Dcgm { "DCGM_FI_DEV_POWER_USAGE or DCGM_FI_DEV_GPU_UTIL" } else { "power_w or utilization_frac (or power_w_0, …)" };
        return Err(t.err(t.first.line, format!("no {want} column; the header has {}", names.join(", "))));
    }
    let first = t.rows.first().ok_or_else(|| t.err(t.first.line, "no data rows after the header"))?;
    let stamp = first.fields.get(tc).is_some_and(|f| parse_timestamp(f).is_some());
    if !stamp && lower[tc] != "time_s" && fmt == Format::Csv {
        return Err(t.err(t.first.line, format!("expected a first column `time_s` or ISO 8601 timestamps, found `{}`", names[tc])));
    }
    let mut col = Collector::default();
    for r in &t.rows {
        let tf = r.fields.get(tc).map_or("", String::as_str);
        let time = if stamp {
            parse_timestamp(tf).ok_or_else(|| t.err(r.line, format!("{}: expected an ISO 8601 time, found `{tf}`", names[tc])))?
        } else {
            match tf.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => return Err(t.err(r.line, format!("{}: expected a number of seconds, found `{tf}`", names[tc]))),
            }
        };
        let base_id = gc.and_then(|c| r.fields.get(c)).cloned().unwrap_or_else(|| "0".into());
        let mut per: Vec<(String, [f64; 3])> = Vec::new();
        for (c, sig, scale, sfx) in &vcols {
            let f = r.fields.get(*c).map_or("", String::as_str);
            let v = value(f).map_err(|_| t.err(r.line, format!("{}: expected a number, found `{f}`", names[*c])))? * scale;
            let id = sfx.clone().unwrap_or_else(|| base_id.clone());
            match per.iter_mut().find(|(i, _)| *i == id) {
                Some((_, vals)) => vals[*sig] = v,
                None => {
                    let mut vals = [f64::NAN; 3];
                    vals[*sig] = v;
                    per.push((id, vals));
                }
            }
        }
        for (id, vals) in per {
            if vals[1].is_finite() && !(0.0..=1.0 + 1e-9).contains(&vals[1]) {
                return Err(t.err(r.line, format!("utilisation {} is outside [0, 1] (a percentage in a utilization_frac column?)", vals[1])));
            }
            col.push(&id, r.line, time, vals);
        }
    }
    col.finish(&t.path, fmt, stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMI: &str = "timestamp, index, power.draw [W], utilization.gpu [%], temperature.gpu, clocks.sm [MHz]\n\
2024/03/05 10:00:00.000, 0, 548.37 W, 89 %, 61, 1980 MHz\n\
2024/03/05 10:00:00.000, 1, 530.10 W, 90 %, 59, 1980 MHz\n\
2024/03/05 10:00:00.100, 0, [N/A], 91 %, 61, 1980 MHz\n\
2024/03/05 10:00:00.100, 1, 540.00 W, [Not Supported], 60, 1980 MHz\n";

    #[test]
    fn nvidia_smi_with_units_and_na() {
        let t = parse(SMI, "smi.csv", Format::Auto, 1.0).unwrap();
        assert_eq!(t.format, Format::NvidiaSmi);
        assert_eq!(t.gpus.len(), 2);
        let g0 = &t.gpus[0];
        assert_eq!(g0.t_s.len(), 2);
        assert!((g0.t_s[1] - 0.1).abs() < 1e-6);
        assert_eq!(g0.power_w[0], 548.37);
        assert!(g0.power_w[1].is_nan());
        assert!((g0.util_frac[0] - 0.89).abs() < 1e-12);
        assert!(t.gpus[1].util_frac[1].is_nan());
        assert_eq!(t.gpus[1].temp_c[1], 60.0);
    }

    #[test]
    fn nvidia_smi_nounits_reordered_without_index_cycles() {
        let text = "utilization.gpu [%], power.draw [W], timestamp\n90, 500.5, 2024/03/05 10:00:00.000\n80, 400.5, 2024/03/05 10:00:00.000\n91, 510, 2024/03/05 10:00:01.000\n81, 410, 2024/03/05 10:00:01.000\n";
        let t = parse(text, "n.csv", Format::NvidiaSmi, 1.0).unwrap();
        assert_eq!(t.gpus.len(), 2);
        assert_eq!(t.gpus[1].power_w, vec![400.5, 410.0]);
        assert_eq!(t.gpus[1].t_s, vec![0.0, 1.0]);
    }

    #[test]
    fn nvidia_smi_noheader_by_units() {
        let text = "2024/03/05 10:00:00.000, 0, 548.37 W, 89 %, 61\n2024/03/05 10:00:00.000, 1, 530.10 W, 90 %, 59\n2024/03/05 10:00:00.500, 0, 500 W, 80 %, 62\n";
        let t = parse(text, "n.csv", Format::Auto, 1.0).unwrap();
        assert_eq!(t.gpus.len(), 2);
        assert_eq!(t.gpus[0].power_w, vec![548.37, 500.0]);
        assert_eq!(t.gpus[0].temp_c, vec![61.0, 62.0]);
        assert_eq!(t.gpus[0].t_s, vec![0.0, 0.5]);
    }

    #[test]
    fn dcgm_dmon_text() {
        let text = "#Entity   POWER     GPUTL  TMPTR\nID        W                C\nGPU 0     548.3     97     61\nGPU 1     N/A       95     60\nGPU 0     300.0     10     60\nGPU 1     310.0     12     59\n#Entity   POWER     GPUTL  TMPTR\nID        W                C\nGPU 0     550.0     98     61\nGPU 1     540.0     96     60\n";
        let t = parse(text, "d.txt", Format::Auto, 0.5).unwrap();
        assert_eq!(t.format, Format::Dcgm);
        assert_eq!(t.gpus.len(), 2);
        assert_eq!(t.gpus[0].t_s, vec![0.0, 0.5, 1.0]);
        assert_eq!(t.gpus[0].power_w, vec![548.3, 300.0, 550.0]);
        assert!(t.gpus[1].power_w[0].is_nan());
        assert!((t.gpus[1].util_frac[2] - 0.96).abs() < 1e-12);
        let e = parse("#Entity POWER\nGPU 0 1 2\n", "d.txt", Format::Auto, 1.0).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn dcgm_exporter_csv() {
        let text = "timestamp,gpu,UUID,DCGM_FI_DEV_POWER_USAGE,DCGM_FI_DEV_GPU_UTIL,DCGM_FI_DEV_GPU_TEMP\n2024-03-05T10:00:00Z,0,GPU-aa,548.3,97,61\n2024-03-05T10:00:00Z,1,GPU-bb,520.0,95,60\n2024-03-05T10:00:01Z,0,GPU-aa,300.0,10,60\n";
        let t = parse(text, "e.csv", Format::Auto, 1.0).unwrap();
        assert_eq!(t.format, Format::Dcgm);
        assert_eq!(t.gpus.len(), 2);
        assert_eq!(t.gpus[0].t_s, vec![0.0, 1.0]);
        assert!((t.gpus[0].util_frac[1] - 0.10).abs() < 1e-12);
    }

    #[test]
    fn plain_csv_per_gpu_columns_and_repeats() {
        let text = "time_s,power_w_0,power_w_1,utilization_frac\n5,100,200,0.5\n5,110,210,0.5\n6,120,220,0.6\n";
        let t = parse(text, "p.csv", Format::Auto, 1.0).unwrap();
        assert_eq!(t.format, Format::Csv);
        // The unsuffixed utilisation belongs to GPU "0" (no gpu column).
        assert_eq!(t.gpus.len(), 2);
        let g0 = t.gpus.iter().find(|g| g.id == "0").unwrap();
        assert_eq!(g0.t_s, vec![5.0, 6.0]);
        assert_eq!(g0.power_w, vec![105.0, 120.0]);
        let e = parse("time_s,power_w\n2,100\n1,100\n", "p.csv", Format::Auto, 1.0).unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("p.csv", 3));
        let e = parse("time_s,power_w\n0,abc\n", "p.csv", Format::Auto, 1.0).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("hello,world\n1,2\n", "p.csv", Format::Auto, 1.0).unwrap_err();
        assert_eq!(e.line, 1);
    }
}
