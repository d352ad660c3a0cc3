//! Connection to the public grid: import and export limits, CO2 intensity of imports
//! (constant or an hourly series) and an optional hourly price series.
//!
//! # Model
//! Imports up to `import_limit_mw`, exports up to `export_limit_mw` (default 0: the site may
//! not feed back). CO2 of imports is `P_import · dt_h · I(t)` kg with `I` in g/kWh
//! (1 MWh × 1 g/kWh = 1 kg); exports earn no carbon credit. The grid has no ramp limit of its
//! own: the ramps it sees are measured by [`super::swing`].
//!
//! Default intensity 19 g/kWh: the Norwegian physically delivered mix including imports in
//! 2022 (NVE climate declaration, REFERENCE §7.4 [S2]); ERCOT is ~370–410 g/kWh [S2]/[E].
//!
//! # Hourly series (CSV)
//! [`parse_hourly_csv`] reads text with a header line of two columns, either
//! `time_s,value` (seconds since the scenario start) or `hour,value` (hours since the
//! scenario start; the time is `hour · 3600`), then one row per value. Column names are
//! case-insensitive; the value column may have any name (e.g. `carbon_g_per_kwh`,
//! `price_per_mwh`). Blank lines and lines starting with `#` are skipped; fields are trimmed.
//! Times must be finite and strictly increasing; values finite. Each value holds from its
//! time until the next row's; before the first row the first value holds, after the last row
//! the last value holds (no wrapping). Rows need not be exactly hourly.

use super::{nonneg, step_s, SECONDS_PER_HOUR};
use std::fmt;

/// A step-wise (sample-and-hold) time series, usually hourly, read from CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HourlySeries {
    times_s: Vec<f64>,
    values: Vec<f64>,
}

/// A CSV series that could not be read: the file, the 1-based line and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesError {
    /// Path of the file as the caller named it (for messages only; nothing is opened).
    pub path: String,
    /// 1-based line number of the problem (0 when the file as a whole is wrong, e.g. empty).
    pub line: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for SeriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

impl std::error::Error for SeriesError {}

impl HourlySeries {
    /// A series with one value per hour, starting at `t_s = 0`. Non-finite values become 0.
    pub fn from_hourly(values: &[f64]) -> Self {
        Self {
            times_s: (0..values.len()).map(|h| h as f64 * SECONDS_PER_HOUR).collect(),
            values: values.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Value in force at `t_s` (held from each row's time to the next's); `None` for an
    /// empty series. NaN times read as 0.
    pub fn value_at(&self, t_s: f64) -> Option<f64> {
        if self.values.is_empty() {
            return None;
        }
        let t = if t_s.is_nan() { 0.0 } else { t_s };
        let idx = self.times_s.partition_point(|&x| x <= t);
        Some(self.values[idx.saturating_sub(1)])
    }
}

/// Parses a two-column CSV series (see the module doc for the format). `path` only labels
/// errors.
pub fn parse_hourly_csv(text: &str, path: &str) -> Result<HourlySeries, SeriesError> {
    let err = |line: usize, message: String| SeriesError { path: path.to_string(), line, message };
    let mut rows = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (hline, header) = rows.next().ok_or_else(|| err(0, "empty file: expected a header `time_s,value` or `hour,value`".into()))?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    if cols.len() != 2 {
        return Err(err(hline, format!("expected a header of 2 columns (`time_s,value` or `hour,value`), found {}", cols.len())));
    }
    let scale = match cols[0].to_ascii_lowercase().as_str() {
        "time_s" => 1.0,
        "hour" => SECONDS_PER_HOUR,
        other => return Err(err(hline, format!("first column must be `time_s` or `hour`, found `{other}`"))),
    };
    let mut series = HourlySeries::default();
    for (line, row) in rows {
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err(err(line, format!("expected 2 fields, found {}", fields.len())));
        }
        let parse = |s: &str, what: &str| -> Result<f64, SeriesError> {
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(err(line, format!("{what}: expected a finite number, found `{s}`"))),
            }
        };
        let t = parse(fields[0], cols[0])? * scale;
        let v = parse(fields[1], cols[1])?;
        if let Some(&last) = series.times_s.last() {
            if t <= last {
                return Err(err(line, format!("{}: times must increase strictly ({} after {})", cols[0], fields[0], last / scale)));
            }
        }
        series.times_s.push(t);
        series.values.push(v);
    }
    if series.is_empty() {
        return Err(err(hline, "no data rows after the header".into()));
    }
    Ok(series)
}

/// Parameters of the grid connection.
#[derive(Clone, Debug, PartialEq)]
pub struct GridParams {
    /// Largest import (MW). Default 0.
    pub import_limit_mw: f64,
    /// Largest export (MW). Default 0 (no export).
    pub export_limit_mw: f64,
    /// CO2 intensity of imports when no series is given (g/kWh). Default 19 [S2].
    pub carbon_g_per_kwh: f64,
    /// Hourly CO2 intensity of imports (g/kWh); overrides `carbon_g_per_kwh`. Default `None`.
    pub carbon_series: Option<HourlySeries>,
    /// Hourly price of energy (currency per MWh, the currency of the file). Default `None`.
    pub price_series: Option<HourlySeries>,
}

impl Default for GridParams {
    fn default() -> Self {
        Self { import_limit_mw: 0.0, export_limit_mw: 0.0, carbon_g_per_kwh: 19.0, carbon_series: None, price_series: None }
    }
}

impl GridParams {
    /// Import limit (MW), sanitised (NaN or negative → 0).
    pub fn import_max_mw(&self) -> f64 {
        nonneg(self.import_limit_mw)
    }

    /// Export limit (MW), sanitised (NaN or negative → 0).
    pub fn export_max_mw(&self) -> f64 {
        nonneg(self.export_limit_mw)
    }

    /// CO2 intensity of imports at `t_s` (g/kWh, never negative).
    pub fn carbon_at(&self, t_s: f64) -> f64 {
        let v = self.carbon_series.as_ref().and_then(|s| s.value_at(t_s)).unwrap_or(self.carbon_g_per_kwh);
        nonneg(v)
    }

    /// Energy price at `t_s` (currency per MWh; may be negative), if a series is given.
    pub fn price_at(&self, t_s: f64) -> Option<f64> {
        self.price_series.as_ref().and_then(|s| s.value_at(t_s))
    }

    /// CO2 of importing `import_mw` for `dt_s` seconds at `t_s` (kg).
    pub fn carbon_kg(&self, import_mw: f64, dt_s: f64, t_s: f64) -> f64 {
        nonneg(import_mw) * step_s(dt_s) / SECONDS_PER_HOUR * self.carbon_at(t_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hour_header_and_holds_values() {
        let s = parse_hourly_csv("# NO4 intensity\nhour,carbon_g_per_kwh\n0,10\n1, 20\n\n2,30\n", "c.csv").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.value_at(-5.0), Some(10.0));
        assert_eq!(s.value_at(3599.9), Some(10.0));
        assert_eq!(s.value_at(3600.0), Some(20.0));
        assert_eq!(s.value_at(1e9), Some(30.0));
    }

    #[test]
    fn parses_time_s_header() {
        let s = parse_hourly_csv("time_s,value\r\n0,1.5\r\n1800,2.5\r\n", "p.csv").unwrap();
        assert_eq!(s.value_at(1799.0), Some(1.5));
        assert_eq!(s.value_at(1800.0), Some(2.5));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_hourly_csv("hour,value\n0,1\n1,abc\n", "x.csv").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("x.csv", 3));
        assert!(e.to_string().starts_with("x.csv:3: "), "{e}");
        let e = parse_hourly_csv("hour,value\n0,1\n0,2\n", "x.csv").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse_hourly_csv("minute,value\n0,1\n", "x.csv").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse_hourly_csv("hour,value\n0,1,2\n", "x.csv").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_hourly_csv("hour,value\n0,NaN\n", "x.csv").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(parse_hourly_csv("", "x.csv").unwrap_err().line, 0);
        assert_eq!(parse_hourly_csv("hour,value\n", "x.csv").unwrap_err().line, 1);
    }

    #[test]
    fn carbon_is_imports_times_intensity() {
        let g = GridParams { import_limit_mw: 50.0, carbon_series: Some(HourlySeries::from_hourly(&[20.0, 400.0])), ..GridParams::default() };
        assert!((g.carbon_kg(30.0, 3600.0, 100.0) - 30.0 * 20.0).abs() < 1e-9);
        assert!((g.carbon_kg(30.0, 1.0, 4000.0) - 30.0 / 3600.0 * 400.0).abs() < 1e-12);
    }
}
