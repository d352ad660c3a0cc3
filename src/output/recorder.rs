//! The recorder: one row per `record_every` window, each column the mean of every engine
//! step in the window (columns with `_max` in their name: the maximum, `_min`: the minimum; `battery_soc_frac`
//! and the `gpu_temp_p*` percentiles: the value at the window's end). Rows stream to disk,
//! so memory does not grow with simulated duration.
//!
//! Window extremes of fast series: a column named `<series>_min` or `<series>_max` whose
//! `<series>` is another column (e.g. `facility_power_mw_min`) holds the minimum or maximum
//! of that series' *step* values over the window. The engine never fills these fields; the
//! recorder derives them from the source column, so a 6 s training iteration recorded in
//! 10 s windows keeps its peaks and troughs beside the mean (plots draw them as an envelope).

use std::io::Write;

/// How a column aggregates over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// Mean of the steps.
    Mean,
    /// Maximum of the steps.
    Max,
    /// Minimum of the steps.
    Min,
    /// Value at the window's end.
    Last,
}

macro_rules! step_values {
    ($($name:ident : $agg:ident),* $(,)?) => {
        /// Everything recorded for one engine step (units in the names).
        #[derive(Debug, Clone, Copy, Default, PartialEq)]
        pub struct StepValues { $(#[doc = stringify!($name)] pub $name: f64,)* }
        impl StepValues {
            /// Column names in file order (after `time_s` and `timestamp`).
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];
            /// Aggregation per column.
            pub const AGGS: &'static [Agg] = &[$(Agg::$agg),*];
            /// Values in column order (no allocation: the recorder calls it every step).
            pub fn values(&self) -> [f64; COLUMNS] { [$(self.$name),*] }
        }
    };
}

step_values! {
    it_power_mw: Mean,
    gpu_power_mw: Mean,
    cooling_power_mw: Mean,
    electrical_loss_mw: Mean,
    facility_power_mw: Mean,
    pue: Mean,
    ambient_c: Mean,
    fws_supply_c: Mean,
    fws_return_c: Mean,
    tcs_supply_c: Mean,
    tcs_return_c: Mean,
    tcs_supply_max_c: Max,
    gpu_temp_mean_c: Mean,
    gpu_temp_max_c: Max,
    throttled_gpu_frac: Mean,
    heat_to_liquid_mw: Mean,
    heat_rejected_mw: Mean,
    heat_reused_mw: Mean,
    hydro_mw: Mean,
    wind_mw: Mean,
    solar_mw: Mean,
    grid_import_mw: Mean,
    battery_mw: Mean,
    battery_soc_frac: Last,
    curtailed_mw: Mean,
    unserved_mw: Mean,
    compute_delivered_frac: Mean,
    gas_mw: Mean,
    grid_export_mw: Mean,
    heat_to_air_mw: Mean,
    tcs_pump_power_mw: Mean,
    fws_pump_power_mw: Mean,
    dry_cooler_fan_power_mw: Mean,
    dry_cooler_fan_speed_frac: Mean,
    air_side_fan_power_mw: Mean,
    chiller_load_mw: Mean,
    chiller_power_mw: Mean,
    heat_pump_power_mw: Mean,
    gpus_offline: Mean,
    gpu_cap_w: Mean,
    facility_power_max_mw: Max,
    net_draw_mw: Mean,
    ramp_mw_per_s_max: Max,
    gpu_smoothing_burn_mw: Mean,
    dispatchable_excess_mw: Mean,
    tcs_flow_kg_s: Mean,
    tcs_pump_head_kpa: Mean,
    tcs_rack_dp_kpa: Mean,
    rack_flow_min_kg_s: Min,
    fws_flow_kg_s: Mean,
    fws_pump_head_kpa: Mean,
    hydraulic_solves: Mean,
    heat_sink_c: Mean,
    water_m3_per_h: Mean,
    wue_l_per_kwh: Mean,
    gpu_temp_p05_c: Last,
    gpu_temp_p25_c: Last,
    gpu_temp_p50_c: Last,
    gpu_temp_p75_c: Last,
    gpu_temp_p95_c: Last,
    facility_power_mw_min: Min,
    facility_power_mw_max: Max,
    it_power_mw_min: Min,
    it_power_mw_max: Max,
    gpu_power_mw_min: Min,
    gpu_power_mw_max: Max,
    grid_import_mw_min: Min,
    grid_import_mw_max: Max,
    net_draw_mw_min: Min,
    net_draw_mw_max: Max,
    battery_mw_min: Min,
    battery_mw_max: Max,
}

/// Number of recorded columns after `time_s` and `timestamp`.
pub const COLUMNS: usize = StepValues::NAMES.len();

/// For each column, the column whose step values it aggregates: itself, or for a
/// `<series>_min`/`<series>_max` extreme column the `<series>` column.
fn source_columns() -> [usize; COLUMNS] {
    let mut src = [0; COLUMNS];
    for (i, name) in StepValues::NAMES.iter().enumerate() {
        let base = name.strip_suffix("_min").or_else(|| name.strip_suffix("_max"));
        src[i] = base.and_then(|b| StepValues::NAMES.iter().position(|n| *n == b)).unwrap_or(i);
    }
    src
}

/// Streams window rows to a CSV writer.
pub struct Recorder<W: Write> {
    out: W,
    sums: [f64; COLUMNS],
    src: [usize; COLUMNS],
    n: u64,
    window_start_s: f64,
    start_unix_s: f64,
    /// Columns of facility power, IT power and PUE (the window's PUE is their ratio).
    pue_cols: (usize, usize, usize),
}

impl<W: Write> Recorder<W> {
    /// A recorder writing to `out`; writes the header.
    pub fn new(mut out: W, start_unix_s: f64) -> std::io::Result<Self> {
        let mut header = String::from("time_s,timestamp");
        for n in StepValues::NAMES {
            header.push(',');
            header.push_str(n);
        }
        writeln!(out, "{header}")?;
        let idx = |name: &str| StepValues::NAMES.iter().position(|c| *c == name).unwrap_or(0);
        let pue_cols = (idx("facility_power_mw"), idx("it_power_mw"), idx("pue"));
        Ok(Recorder { out, sums: [0.0; COLUMNS], src: source_columns(), n: 0, window_start_s: 0.0, start_unix_s, pue_cols })
    }

    /// Adds one step that began at `t_s`.
    pub fn push(&mut self, t_s: f64, v: &StepValues) {
        if self.n == 0 {
            self.window_start_s = t_s;
        }
        let values = v.values();
        for (i, agg) in StepValues::AGGS.iter().enumerate() {
            let x = values[self.src[i]];
            match agg {
                Agg::Mean => self.sums[i] += x,
                Agg::Max => self.sums[i] = if self.n == 0 { x } else { self.sums[i].max(x) },
                Agg::Min => self.sums[i] = if self.n == 0 { x } else { self.sums[i].min(x) },
                Agg::Last => self.sums[i] = x,
            }
        }
        self.n += 1;
    }

    /// Closes the window: writes its row. The `pue` column is the ratio of the window's mean
    /// facility and IT power (facility energy over IT energy, as PUE is defined), not a mean of
    /// per-step ratios.
    pub fn flush(&mut self) -> std::io::Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        let n = self.n as f64;
        let mut row = String::with_capacity(16 * (COLUMNS + 2));
        push_num(&mut row, self.window_start_s);
        row.push(',');
        row.push_str(&crate::model::calendar::format_utc(self.start_unix_s + self.window_start_s));
        let (i_fac, i_it, i_pue) = self.pue_cols;
        for (i, agg) in StepValues::AGGS.iter().enumerate() {
            let mut v = match agg {
                Agg::Mean => self.sums[i] / n,
                _ => self.sums[i],
            };
            if i == i_pue {
                let it = self.sums[i_it] / n;
                v = if it > 0.0 { self.sums[i_fac] / n / it } else { 0.0 };
            }
            row.push(',');
            push_num(&mut row, v);
        }
        row.push('\n');
        self.out.write_all(row.as_bytes())?;
        self.sums.iter_mut().for_each(|s| *s = 0.0);
        self.n = 0;
        Ok(())
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Deterministic number formatting: 6 decimals, trailing zeros trimmed.
pub fn fmt_num(v: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

/// Appends [`fmt_num`]`(v)` to `out` (no allocation of its own: the recorder formats a row of
/// ~100 numbers at every window).
pub fn push_num(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    if !v.is_finite() {
        out.push_str(if v.is_nan() {
            "NaN"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        });
        return;
    }
    let start = out.len();
    let _ = write!(out, "{v:.6}");
    // Six decimals always print a point: trailing zeros go, then a bare point.
    let kept = out[start..].trim_end_matches('0').trim_end_matches('.').len();
    out.truncate(start + kept);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numbers_appended_in_place_read_as_before() {
        // The formatting `fmt_num` had (a fresh string per number), for comparison.
        fn formatted(v: f64) -> String {
            if !v.is_finite() {
                return if v.is_nan() {
                    "NaN".into()
                } else if v > 0.0 {
                    "inf".into()
                } else {
                    "-inf".into()
                };
            }
            let s = format!("{v:.6}");
            let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
            if s == "-0" {
                "0".into()
            } else {
                s
            }
        }
        let mut xs =
            vec![0.0, -0.0, 1.0, -1.0, 10.0, 100.5, 0.5e-6, 0.4e-6, -0.4e-6, 1e-7, 123456.789, -98.7654321, 1e15, 1e300, f64::MAX, f64::MIN_POSITIVE];
        xs.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.1 + 0.2, 2.0f64.sqrt(), 1.0 / 3.0, 9.9999996, 9.9999994, 1e-300]);
        xs.extend((0..2000).map(|k| (k as f64 * 0.7311).sin() * 10f64.powi(k % 13 - 6)));
        let mut row = String::from("x");
        for &v in &xs {
            assert_eq!(fmt_num(v), formatted(v), "{v:e}");
            row.push(',');
            push_num(&mut row, v);
        }
        let expect: Vec<String> = std::iter::once("x".to_string()).chain(xs.iter().map(|&v| formatted(v))).collect();
        assert_eq!(row, expect.join(","));
    }

    #[test]
    fn window_means_maxima_and_last() {
        let mut r = Recorder::new(Vec::new(), 0.0).unwrap();
        for (k, p) in [100.0, 110.0, 90.0].iter().enumerate() {
            let v = StepValues {
                facility_power_mw: *p,
                it_power_mw: 100.0,
                gpu_temp_max_c: 70.0 + k as f64,
                battery_soc_frac: k as f64 / 10.0,
                ..Default::default()
            };
            r.push(k as f64, &v);
        }
        r.flush().unwrap();
        let text = String::from_utf8(r.into_inner()).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |n: &str| row[header.iter().position(|h| *h == n).unwrap()];
        assert_eq!(col("facility_power_mw"), "100");
        assert_eq!(col("gpu_temp_max_c"), "72");
        assert_eq!(col("battery_soc_frac"), "0.2");
        assert_eq!(col("pue"), "1");
        assert_eq!(col("time_s"), "0");
        // Window extremes of the step values, derived from the source column.
        assert_eq!(col("facility_power_mw_min"), "90");
        assert_eq!(col("facility_power_mw_max"), "110");
        assert_eq!(col("it_power_mw_min"), "100");
        assert_eq!(col("it_power_mw_max"), "100");
    }

    #[test]
    fn extreme_columns_have_sources() {
        for s in ["facility_power_mw", "it_power_mw", "gpu_power_mw", "grid_import_mw"] {
            for suffix in ["_min", "_max"] {
                let name = format!("{s}{suffix}");
                let i = StepValues::NAMES.iter().position(|n| *n == name).unwrap_or_else(|| panic!("no column {name}"));
                assert_eq!(StepValues::NAMES[source_columns()[i]], s);
            }
        }
        // Existing maxima keep their own values (their names do not end in `_max`).
        let i = StepValues::NAMES.iter().position(|n| *n == "gpu_temp_max_c").unwrap();
        assert_eq!(source_columns()[i], i);
    }
}
