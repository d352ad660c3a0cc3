//! Reading run files (header-driven CSV tables, the flat `summary.json`), the time axis unit,
//! min/max-preserving decimation and number formatting shared by the charts and tables.
//!
//! Decimation: a series longer than [`super::MAX_POINTS_PER_SERIES`] is cut into equal
//! buckets of consecutive rows, and from each bucket only the rows holding the minimum and
//! the maximum of the reference series are kept (in time order). A spike or dip of a single
//! row therefore always survives, and the drawn envelope equals the full-resolution one at
//! the chart's pixel resolution. Stacked areas and bands choose their rows from the total
//! (or the band's edges) and keep the same rows for every layer, so layers stay aligned.

use std::path::{Path, PathBuf};

use super::PlotError;

/// A CSV file read into columns: every column parsed as numbers where possible.
///
/// Empty cells and non-finite numbers read as `NaN` (skipped when drawing). A non-empty cell
/// that is not a number only becomes an error when that column is asked for as numbers
/// (columns like `timestamp` hold text and are never asked for).
#[derive(Debug, Clone)]
pub struct Table {
    /// The file the table was read from (for error messages).
    pub path: PathBuf,
    /// Column names, trimmed, in file order.
    pub headers: Vec<String>,
    columns: Vec<Vec<f64>>,
    bad_cells: Vec<Option<(u64, String)>>,
    text: Option<Vec<Vec<String>>>,
    /// 1-based line number of each data row.
    lines: Vec<u64>,
}

impl Table {
    /// Reads `path`; with `keep_text` the raw cell strings are kept too (see [`Table::text`]).
    pub fn read(path: &Path, keep_text: bool) -> Result<Table, PlotError> {
        let file = std::fs::File::open(path).map_err(|e| PlotError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).trim(csv::Trim::All).from_reader(std::io::BufReader::new(file));
        let csv_err = |e: csv::Error| csv_error(path, e);
        let headers: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(PlotError::Csv { path: path.to_path_buf(), line: 1, message: "empty file or empty header line".into() });
        }
        let ncol = headers.len();
        let mut columns = vec![Vec::new(); ncol];
        let mut bad_cells: Vec<Option<(u64, String)>> = vec![None; ncol];
        let mut text = keep_text.then(|| vec![Vec::new(); ncol]);
        let mut lines = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_err(e)),
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            lines.push(line);
            for (i, cell) in record.iter().enumerate().take(ncol) {
                let value = if cell.is_empty() {
                    f64::NAN
                } else {
                    match cell.parse::<f64>() {
                        Ok(v) if v.is_finite() => v,
                        Ok(_) => f64::NAN,
                        Err(_) => {
                            if bad_cells[i].is_none() {
                                bad_cells[i] = Some((line, cell.to_string()));
                            }
                            f64::NAN
                        }
                    }
                };
                columns[i].push(value);
                if let Some(t) = text.as_mut() {
                    t[i].push(cell.to_string());
                }
            }
        }
        Ok(Table { path: path.to_path_buf(), headers, columns, bad_cells, text, lines })
    }

    /// The first `n` rows as a table of their own.
    pub fn head(&self, n: usize) -> Table {
        let n = n.min(self.rows());
        Table {
            path: self.path.clone(),
            headers: self.headers.clone(),
            columns: self.columns.iter().map(|c| c[..n.min(c.len())].to_vec()).collect(),
            bad_cells: self.bad_cells.clone(),
            text: self.text.as_ref().map(|t| t.iter().map(|c| c[..n.min(c.len())].to_vec()).collect()),
            lines: self.lines[..n].to_vec(),
        }
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// True if a column of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The column `name` as numbers, `None` if absent; an error naming the file, line and
    /// cell if it holds a non-number.
    pub fn num(&self, name: &str) -> Result<Option<&[f64]>, PlotError> {
        let Some(i) = self.index(name) else {
            return Ok(None);
        };
        if let Some((line, cell)) = &self.bad_cells[i] {
            return Err(PlotError::Csv { path: self.path.clone(), line: *line, message: format!("column `{name}`: `{cell}` is not a number") });
        }
        Ok(Some(&self.columns[i]))
    }

    /// Like [`Table::num`], but an absent column is a [`PlotError::MissingColumn`].
    pub fn require(&self, name: &str) -> Result<&[f64], PlotError> {
        self.num(name)?.ok_or_else(|| PlotError::MissingColumn { path: self.path.clone(), column: name.to_string() })
    }

    /// True if the column exists and every non-empty cell is a number.
    pub fn is_numeric(&self, name: &str) -> bool {
        self.index(name).is_some_and(|i| self.bad_cells[i].is_none() && self.columns[i].iter().any(|v| v.is_finite()))
    }

    /// The raw cells of column `name` (only if read with `keep_text`).
    pub fn text(&self, name: &str) -> Option<&[String]> {
        let i = self.index(name)?;
        self.text.as_ref().map(|t| t[i].as_slice())
    }
}

fn csv_error(path: &Path, e: csv::Error) -> PlotError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("row has {len} fields, the header has {expected_len}"),
        csv::ErrorKind::Io(io) => format!("read error: {io}"),
        _ => e.to_string(),
    };
    PlotError::Csv { path: path.to_path_buf(), line, message }
}

/// The flat `summary.json` object of a run (keys sorted; values numbers or strings).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The key/value pairs, in sorted key order.
    pub map: serde_json::Map<String, serde_json::Value>,
}

impl Summary {
    /// Reads `path`; a missing file gives an empty summary, a malformed one an error.
    pub fn read_optional(path: &Path) -> Result<Summary, PlotError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Summary::default()),
            Err(e) => return Err(PlotError::io(path, e)),
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| PlotError::Json { path: path.to_path_buf(), message: e.to_string() })?;
        match value {
            serde_json::Value::Object(map) => Ok(Summary { map }),
            _ => Err(PlotError::Json { path: path.to_path_buf(), message: "expected a JSON object of metrics".into() }),
        }
    }

    /// The number under `key`, if it is a finite number.
    pub fn num(&self, key: &str) -> Option<f64> {
        self.map.get(key).and_then(|v| v.as_f64()).filter(|v| v.is_finite())
    }

    /// The non-empty string under `key`.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.map.get(key).and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty())
    }
}

/// Display name of a run: `scenario_name` from its summary, else `folder` (its folder name).
pub fn run_name(folder: &str, summary: &Summary) -> String {
    summary.text("scenario_name").map(str::to_string).unwrap_or_else(|| folder.to_string())
}

/// The last component of `dir` (after resolving `.`/`..` where possible).
pub fn folder_name(dir: &Path) -> String {
    let resolved = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    resolved.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string())
}

/// Unit of the time axis, chosen from the run length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Runs shorter than 2 h.
    Minutes,
    /// Runs shorter than 3 days.
    Hours,
    /// Longer runs.
    Days,
}

impl TimeUnit {
    /// Unit for a run spanning `span_s` seconds.
    pub fn for_span(span_s: f64) -> TimeUnit {
        if span_s.is_nan() || span_s < 2.0 * 3600.0 {
            TimeUnit::Minutes
        } else if span_s < 3.0 * 86400.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }

    /// Seconds per unit.
    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86400.0,
        }
    }

    /// Axis label, e.g. `Time since start [h]`.
    pub fn axis_label(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "Time since start [min]",
            TimeUnit::Hours => "Time since start [h]",
            TimeUnit::Days => "Time since start [d]",
        }
    }
}

/// Finite minimum and maximum of `values`, `None` if there is no finite value.
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values.iter().filter(|v| v.is_finite()).fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// True if any value is finite and further than `eps` from zero.
pub fn any_nonzero(values: &[f64], eps: f64) -> bool {
    values.iter().any(|v| v.is_finite() && v.abs() > eps)
}

/// Row indices to keep so that at most `max_points` rows remain, choosing in each bucket of
/// consecutive rows the minimum of `lows` and the maximum of `highs` (each a reference
/// series over all `n` rows). Returns all rows when `n <= max_points`.
pub fn decimate_indices(n: usize, lows: &[&[f64]], highs: &[&[f64]], max_points: usize) -> Vec<usize> {
    let per_bucket = (lows.len() + highs.len()).max(1);
    if n <= max_points || max_points < 2 * per_bucket {
        return (0..n).collect();
    }
    let buckets = (max_points / per_bucket).max(1);
    let mut keep = Vec::with_capacity(buckets * per_bucket + 2);
    for b in 0..buckets {
        let start = b * n / buckets;
        let end = ((b + 1) * n / buckets).min(n);
        if start >= end {
            continue;
        }
        let mut chosen = Vec::with_capacity(per_bucket);
        for series in lows {
            chosen.push(arg_extreme(series, start, end, |a, b| a < b).unwrap_or(start));
        }
        for series in highs {
            chosen.push(arg_extreme(series, start, end, |a, b| a > b).unwrap_or(start));
        }
        if lows.is_empty() && highs.is_empty() {
            chosen.push(start);
        }
        chosen.sort_unstable();
        chosen.dedup();
        keep.extend(chosen);
    }
    // Always keep the first and last rows so the drawn span equals the run.
    if keep.first() != Some(&0) {
        keep.insert(0, 0);
    }
    if n > 0 && keep.last() != Some(&(n - 1)) {
        keep.push(n - 1);
    }
    keep
}

fn arg_extreme(series: &[f64], start: usize, end: usize, better: impl Fn(f64, f64) -> bool) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in series.iter().enumerate().take(end).skip(start) {
        if !v.is_finite() {
            continue;
        }
        match best {
            Some((_, b)) if !better(v, b) => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}

/// Per-pixel-column reduction of a series (see [`column_buckets`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets {
    /// Mean x of each bucket's rows.
    pub x: Vec<f64>,
    /// Mean of the bucket's finite values (`NaN` if none).
    pub mean: Vec<f64>,
    /// Minimum over the bucket of the lower series.
    pub lo: Vec<f64>,
    /// Maximum over the bucket of the upper series.
    pub hi: Vec<f64>,
}

/// Cuts `n` rows into `columns` buckets of consecutive rows, equal in x span (so a
/// bucket is one pixel column), and reduces each to the mean of `y`, the minimum of `lo` and
/// the maximum of `hi`. Empty buckets are skipped; non-finite values are ignored.
pub fn column_buckets(x: &[f64], y: &[f64], lo: &[f64], hi: &[f64], columns: usize) -> Buckets {
    let n = x.len().min(y.len());
    let mut out = Buckets::default();
    let Some((x0, x1)) = finite_range(&x[..n]) else {
        return out;
    };
    let columns = columns.max(1);
    let width = (x1 - x0) / columns as f64;
    let col_of = |v: f64| if width > 0.0 { (((v - x0) / width) as usize).min(columns - 1) } else { 0 };
    let mut i = 0;
    while i < n {
        if !x[i].is_finite() {
            i += 1;
            continue;
        }
        let c = col_of(x[i]);
        let (mut sx, mut nx, mut sy, mut ny) = (0.0, 0usize, 0.0, 0usize);
        let (mut l, mut h) = (f64::INFINITY, f64::NEG_INFINITY);
        while i < n && (!x[i].is_finite() || col_of(x[i]) == c) {
            if x[i].is_finite() {
                sx += x[i];
                nx += 1;
            }
            if y[i].is_finite() {
                sy += y[i];
                ny += 1;
            }
            if let Some(v) = lo.get(i).filter(|v| v.is_finite()) {
                l = l.min(*v);
            }
            if let Some(v) = hi.get(i).filter(|v| v.is_finite()) {
                h = h.max(*v);
            }
            i += 1;
        }
        let mean = if ny > 0 { sy / ny as f64 } else { f64::NAN };
        out.x.push(sx / nx.max(1) as f64);
        out.mean.push(mean);
        out.lo.push(if l.is_finite() { l.min(mean) } else { mean });
        out.hi.push(if h.is_finite() { h.max(mean) } else { mean });
    }
    out
}

/// Picks `indices` out of `values` (out-of-range indices read as `NaN`).
pub fn pick(values: &[f64], indices: &[usize]) -> Vec<f64> {
    indices.iter().map(|&i| values.get(i).copied().unwrap_or(f64::NAN)).collect()
}

/// Formats a number for people: thousands separators for large values, about four
/// significant digits otherwise, scientific notation for tiny values.
pub fn fmt_human(v: f64) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && a < 1e15 {
        return group_thousands(&format!("{v:.0}"));
    }
    if a >= 1e5 {
        group_thousands(&format!("{v:.0}"))
    } else if a >= 100.0 {
        group_thousands(&format!("{v:.1}"))
    } else if a >= 10.0 {
        format!("{v:.2}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else if a >= 1e-3 {
        let digits = (3.0 - a.log10().floor()) as usize;
        format!("{v:.digits$}")
    } else {
        format!("{v:.2e}")
    }
}

/// Like [`fmt_human`] but with an explicit `+` for positive values (for deltas).
pub fn fmt_signed(v: f64) -> String {
    let s = fmt_human(v);
    if v > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// Formats a number for machines: the shortest round-trip form after rounding to 12
/// significant digits (hides floating-point noise such as `0.30000000000000004`).
pub fn fmt_machine(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let rounded: f64 = format!("{v:.11e}").parse().unwrap_or(v);
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded}")
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.find('.') {
        Some(p) => (&rest[..p], &rest[p..]),
        None => (rest, ""),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

/// Human-readable value and unit of a summary metric, derived from its key's suffix
/// (`_frac` is shown in %, `_c` in °C, `_mw` in MW, ...).
pub fn metric_value_and_unit(key: &str, value: &serde_json::Value) -> (String, &'static str) {
    match value {
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(v) => {
                if key.ends_with("_frac") {
                    (fmt_human(v * 100.0), "%")
                } else {
                    (fmt_human(v), unit_of(key))
                }
            }
            None => (n.to_string(), unit_of(key)),
        },
        serde_json::Value::String(s) => (s.clone(), ""),
        serde_json::Value::Bool(b) => (b.to_string(), ""),
        serde_json::Value::Null => ("–".to_string(), ""),
        other => (other.to_string(), ""),
    }
}

/// Unit implied by a key's suffix, empty if none is recognised.
pub fn unit_of(key: &str) -> &'static str {
    const SUFFIXES: [(&str, &str); 14] = [
        ("_mw_per_s", "MW/s"),
        ("_mw_per_min", "MW/min"),
        ("_mwh", "MWh"),
        ("_kwh", "kWh"),
        ("_mw", "MW"),
        ("_kw", "kW"),
        ("_w", "W"),
        ("_c", "°C"),
        ("_k", "K"),
        ("_hours", "h"),
        ("_s", "s"),
        ("_t", "t"),
        ("_per_s", "1/s"),
        ("_frac", "fraction"),
    ];
    SUFFIXES.iter().find(|(suffix, _)| key.ends_with(suffix)).map(|(_, unit)| *unit).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_spikes_and_bounds_count() {
        let mut y: Vec<f64> = (0..100_000).map(|i| (i as f64 * 0.01).sin()).collect();
        y[54_321] = 50.0;
        y[12_345] = -50.0;
        let idx = decimate_indices(y.len(), &[&y], &[&y], 4000);
        assert!(idx.len() <= 4002, "{}", idx.len());
        assert!(idx.contains(&54_321) && idx.contains(&12_345));
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(idx.first(), Some(&0));
        assert_eq!(idx.last(), Some(&99_999));
        assert_eq!(decimate_indices(10, &[&y[..10]], &[], 4000).len(), 10);
    }

    #[test]
    fn column_buckets_mean_and_envelope() {
        // 10,000 rows alternating 148/165 (a fast swing aliased into records) over 100 columns.
        let x: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
        let y: Vec<f64> = (0..10_000).map(|i| if i % 2 == 0 { 148.0 } else { 165.0 }).collect();
        let mut lo = y.clone();
        lo[5_000] = 100.0;
        let b = column_buckets(&x, &y, &lo, &y, 100);
        assert_eq!(b.x.len(), 100);
        assert!(b.mean.iter().all(|m| (m - 156.5).abs() < 1e-9), "means are the bucket averages");
        assert!(b.hi.iter().all(|h| *h == 165.0));
        assert_eq!(b.lo.iter().filter(|l| **l == 100.0).count(), 1, "a one-row dip survives in its column");
        assert!(b.lo.iter().filter(|l| **l != 100.0).all(|l| *l == 148.0));
        assert!((b.x[0] - 49.5).abs() < 1e-9);
        // Fewer rows than columns: one bucket per row.
        let b = column_buckets(&x[..10], &y[..10], &y[..10], &y[..10], 100);
        assert_eq!(b.mean, y[..10].to_vec());
    }

    #[test]
    fn human_numbers() {
        assert_eq!(fmt_human(100_000.0), "100,000");
        assert_eq!(fmt_human(1.08123), "1.081");
        assert_eq!(fmt_human(5234.56), "5,234.6");
        assert_eq!(fmt_human(0.012346), "0.01235");
        assert_eq!(fmt_human(-1234567.0), "-1,234,567");
        assert_eq!(fmt_human(3.2e-6), "3.20e-6");
        assert_eq!(fmt_machine(0.1 + 0.2), "0.3");
        assert_eq!(fmt_signed(0.5), "+0.5000");
    }

    #[test]
    fn time_units() {
        assert_eq!(TimeUnit::for_span(3600.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(86_400.0), TimeUnit::Hours);
        assert_eq!(TimeUnit::for_span(7.0 * 86_400.0), TimeUnit::Days);
        assert_eq!(TimeUnit::for_span(f64::NAN), TimeUnit::Minutes);
    }
}
