//! Calendar-month totals of long runs: `monthly.csv` and the `monthly` list of
//! `summary.json` (SPEC §7: `month`, `facility_energy_mwh`, `it_energy_mwh`, `pue`,
//! `peak_facility_power_mw`, `chiller_hours`, `heat_reused_mwh`, `renewable_frac`,
//! `carbon_t`, `throttled_gpu_hours`, `gpu_temp_max_c`; plus `hours`, the simulated hours
//! that fell in the month).
//!
//! A step belongs to the UTC calendar month that contains its start `t0` (steps that divide
//! the day never straddle a boundary). Energy-like quantities are differences of the run's
//! own accumulators ([`Accumulators`]) at the month's first and last step, so they add up to
//! the run totals exactly up to rounding (telescoping sums); peaks and maxima are taken from
//! the same step values the run-wide extremes use. Memory is one open month plus one small
//! row per finished month: flat in simulated time.
//!
//! Written only when the run is longer than [`MONTHLY_MIN_DURATION_S`] (about 35 days):
//! shorter runs keep the run folder of SPEC §4 unchanged.

use crate::engine::run::Accumulators;
use crate::output::recorder::{fmt_num, StepValues};
use crate::output::summary::round_sig;
use serde_json::{Map, Value};

/// Runs longer than this (35 days, in seconds) get monthly totals.
pub const MONTHLY_MIN_DURATION_S: f64 = 35.0 * 86_400.0;

/// Column names of `monthly.csv` after `month`, in file order (also the keys of each
/// `monthly` object in `summary.json`).
pub const COLUMNS: [&str; 11] = [
    "hours",
    "facility_energy_mwh",
    "it_energy_mwh",
    "pue",
    "peak_facility_power_mw",
    "chiller_hours",
    "heat_reused_mwh",
    "renewable_frac",
    "carbon_t",
    "throttled_gpu_hours",
    "gpu_temp_max_c",
];

/// The running sums a month is the difference of.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    time_s: f64,
    facility_j: f64,
    it_j: f64,
    chiller_s: f64,
    heat_reused_j: f64,
    renewable_j: f64,
    supplied_j: f64,
    carbon_kg: f64,
    throttled_gpu_s: f64,
}

impl Sums {
    fn of(a: &Accumulators, supply_modelled: bool) -> Self {
        let supplied_j = a.hydro_j + a.wind_j + a.solar_j + a.gas_j + a.grid_import_j;
        Sums {
            time_s: a.time_s,
            facility_j: a.facility_j,
            it_j: a.it_j,
            chiller_s: a.chiller_s,
            heat_reused_j: a.heat_reused_j,
            // As the run-wide renewable_frac: an unmodelled supply is an unlimited grid.
            renewable_j: if supply_modelled { a.hydro_j + a.wind_j + a.solar_j } else { 0.0 },
            supplied_j,
            carbon_kg: a.carbon_kg,
            throttled_gpu_s: a.throttled_gpu_s,
        }
    }
}

/// One finished calendar month.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Values in [`COLUMNS`] order.
    pub values: [f64; 11],
}

impl Month {
    /// The value of column `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        COLUMNS.iter().position(|c| *c == name).map(|i| self.values[i])
    }
}

/// Accumulates calendar months step by step.
#[derive(Debug, Clone)]
pub struct Monthly {
    supply_modelled: bool,
    /// (year, month) of the open month, with the sums at its start.
    open: Option<((i64, u32), Sums)>,
    peak_facility_mw: f64,
    gpu_temp_max_c: f64,
    /// Finished months.
    pub months: Vec<Month>,
}

impl Monthly {
    /// An empty accumulator; `supply_modelled` as `SupplySide::modelled` (renewable share).
    pub fn new(supply_modelled: bool) -> Self {
        Monthly { supply_modelled, open: None, peak_facility_mw: f64::MIN, gpu_temp_max_c: f64::MIN, months: Vec::new() }
    }

    /// Call before the step that starts at `unix_s`, with the accumulators as they are
    /// before it: closes the open month if the step starts a new one.
    pub fn before_step(&mut self, unix_s: f64, acc: &Accumulators) {
        let (y, m, ..) = crate::model::calendar::civil_from_unix(unix_s);
        match self.open {
            Some((ym, _)) if ym == (y, m) => {}
            Some(_) => {
                self.close(acc);
                self.open = Some(((y, m), Sums::of(acc, self.supply_modelled)));
            }
            None => self.open = Some(((y, m), Sums::of(acc, self.supply_modelled))),
        }
    }

    /// Call after the step with its values.
    pub fn after_step(&mut self, v: &StepValues) {
        self.peak_facility_mw = self.peak_facility_mw.max(v.facility_power_mw);
        self.gpu_temp_max_c = self.gpu_temp_max_c.max(v.gpu_temp_max_c);
    }

    /// Closes the last month with the final accumulators; returns every month.
    pub fn finish(mut self, acc: &Accumulators) -> Vec<Month> {
        self.close(acc);
        self.months
    }

    fn close(&mut self, acc: &Accumulators) {
        let Some(((y, m), start)) = self.open.take() else {
            return;
        };
        let end = Sums::of(acc, self.supply_modelled);
        let mwh = 1.0 / 3.6e9;
        let d = |f: fn(&Sums) -> f64| f(&end) - f(&start);
        let it_j = d(|s| s.it_j);
        let fac_j = d(|s| s.facility_j);
        let supplied = d(|s| s.supplied_j);
        self.months.push(Month {
            month: format!("{y:04}-{m:02}"),
            values: [
                d(|s| s.time_s) / 3600.0,
                fac_j * mwh,
                it_j * mwh,
                if it_j > 0.0 { fac_j / it_j } else { 0.0 },
                self.peak_facility_mw,
                d(|s| s.chiller_s) / 3600.0,
                d(|s| s.heat_reused_j) * mwh,
                if supplied > 0.0 { d(|s| s.renewable_j) / supplied } else { 0.0 },
                d(|s| s.carbon_kg) / 1000.0,
                d(|s| s.throttled_gpu_s) / 3600.0,
                self.gpu_temp_max_c,
            ],
        });
        self.peak_facility_mw = f64::MIN;
        self.gpu_temp_max_c = f64::MIN;
    }
}

/// `monthly.csv`: a header, then one row per month.
pub fn csv(months: &[Month]) -> String {
    let mut t = String::from("month");
    for c in COLUMNS {
        t.push(',');
        t.push_str(c);
    }
    t.push('\n');
    for m in months {
        t.push_str(&m.month);
        for v in m.values {
            t.push(',');
            t.push_str(&fmt_num(v));
        }
        t.push('\n');
    }
    t
}

/// The `monthly` list of `summary.json` (numbers rounded like every summary metric).
pub fn json(months: &[Month]) -> Value {
    Value::Array(
        months
            .iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("month".into(), Value::from(m.month.clone()));
                for (c, v) in COLUMNS.iter().zip(m.values) {
                    let n = serde_json::Number::from_f64(round_sig(v)).map(Value::Number).unwrap_or(Value::Null);
                    o.insert((*c).into(), n);
                }
                Value::Object(o)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calendar::unix_from_civil;

    /// Feeds a synthetic run of `hours` hourly steps from `start` at 1 MW IT, 1.1 MW facility.
    fn synthetic(start: f64, hours: usize) -> (Vec<Month>, Accumulators) {
        let mut acc = Accumulators::default();
        let mut mo = Monthly::new(true);
        for k in 0..hours {
            mo.before_step(start + k as f64 * 3600.0, &acc);
            let v = StepValues {
                facility_power_mw: 1.1 + k as f64 * 1e-3,
                it_power_mw: 1.0,
                gpu_temp_max_c: 50.0 + (k % 100) as f64,
                ..Default::default()
            };
            acc.time_s += 3600.0;
            acc.it_j += 3.6e9;
            acc.facility_j += v.facility_power_mw * 3.6e9;
            acc.hydro_j += 3.6e9;
            acc.grid_import_j += if k % 2 == 0 { 3.6e9 } else { 0.0 };
            acc.carbon_kg += 2.0;
            mo.after_step(&v);
        }
        (mo.finish(&acc), acc)
    }

    #[test]
    fn leap_february_boundaries_and_totals() {
        // 2028-01-30T00:00Z for 40 days: 2 days of January, all 29 of a leap February, 9 of March.
        let (months, acc) = synthetic(unix_from_civil(2028, 1, 30, 0, 0, 0.0), 40 * 24);
        let names: Vec<&str> = months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2028-01", "2028-02", "2028-03"]);
        let hours: Vec<f64> = months.iter().map(|m| m.get("hours").unwrap()).collect();
        assert_eq!(hours, [48.0, 29.0 * 24.0, 9.0 * 24.0]);
        let sum = |k: &str| months.iter().map(|m| m.get(k).unwrap()).sum::<f64>();
        assert!((sum("facility_energy_mwh") - acc.facility_j / 3.6e9).abs() < 1e-9);
        assert!((sum("it_energy_mwh") - 960.0).abs() < 1e-9);
        assert!((sum("carbon_t") - 1.92).abs() < 1e-12);
        // Peaks are per month: the last hour of each month.
        assert!((months[0].get("peak_facility_power_mw").unwrap() - (1.1 + 47.0 * 1e-3)).abs() < 1e-12);
        assert!((months[2].get("peak_facility_power_mw").unwrap() - (1.1 + 959.0 * 1e-3)).abs() < 1e-12);
        // Renewable share: hydro over hydro + grid, alternate hours of grid.
        assert!((months[0].get("renewable_frac").unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let csv = csv(&months);
        assert!(csv.starts_with("month,hours,facility_energy_mwh,it_energy_mwh,pue,"));
        assert_eq!(csv.lines().count(), 4);
        assert!(csv.lines().nth(2).unwrap().starts_with("2028-02,696,"));
    }

    #[test]
    fn a_step_belongs_to_the_month_of_its_start() {
        // Hourly steps from 2026-12-31T22:00Z: two steps in December, one in January 2027.
        let (months, _) = synthetic(unix_from_civil(2026, 12, 31, 22, 0, 0.0), 3);
        assert_eq!(months.len(), 2);
        assert_eq!((months[0].month.as_str(), months[0].get("hours")), ("2026-12", Some(2.0)));
        assert_eq!((months[1].month.as_str(), months[1].get("hours")), ("2027-01", Some(1.0)));
        let j = json(&months);
        assert_eq!(j[1]["month"], "2027-01");
        assert_eq!(j[1]["it_energy_mwh"].as_f64(), Some(1.0));
    }
}
