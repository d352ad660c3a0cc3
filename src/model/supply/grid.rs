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
//! # Hourly series
//! Read from CSV by [`crate::telemetry::series`] (the shared side-file reader: published
//! formats with timestamps, or `time_s,value` / `hour,value`). Each value holds from its time
//! until the next row's; before the first row the first value holds, after the last row the
//! last value holds (no wrapping).

use super::{nonneg, step_s, SECONDS_PER_HOUR};

/// A step-wise (sample-and-hold) time series, usually hourly, read from CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HourlySeries {
    times_s: Vec<f64>,
    values: Vec<f64>,
}

impl HourlySeries {
    /// A series with one value per hour, starting at `t_s = 0`. Non-finite values become 0.
    pub fn from_hourly(values: &[f64]) -> Self {
        Self {
            times_s: (0..values.len()).map(|h| h as f64 * SECONDS_PER_HOUR).collect(),
            values: values.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect(),
        }
    }

    /// From rows (times in s since the scenario start, strictly increasing).
    pub fn from_points(times_s: Vec<f64>, values: Vec<f64>) -> Self {
        Self { times_s, values }
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
    fn values_hold_until_the_next_row() {
        let s = HourlySeries::from_points(vec![0.0, 3600.0, 7200.0], vec![10.0, 20.0, 30.0]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.value_at(-5.0), Some(10.0));
        assert_eq!(s.value_at(3599.9), Some(10.0));
        assert_eq!(s.value_at(3600.0), Some(20.0));
        assert_eq!(s.value_at(1e9), Some(30.0));
    }

    #[test]
    fn carbon_is_imports_times_intensity() {
        let g = GridParams { import_limit_mw: 50.0, carbon_series: Some(HourlySeries::from_hourly(&[20.0, 400.0])), ..GridParams::default() };
        assert!((g.carbon_kg(30.0, 3600.0, 100.0) - 30.0 * 20.0).abs() < 1e-9);
        assert!((g.carbon_kg(30.0, 1.0, 4000.0) - 30.0 / 3600.0 * 400.0).abs() < 1e-12);
    }
}
