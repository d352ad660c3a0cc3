//! Time series as published (grid carbon intensity, prices, wind and solar output): one
//! reader for `supply.grid.carbon_file` / `price_file` and `supply.wind|solar.profile_file`.
//!
//! # Columns
//! * **time**: `time_column` if given; otherwise a first column named `time_s` (seconds since
//!   the scenario start) or `hour` (hours since the start) — the original two-column form —
//!   or else the first column when its first value is a timestamp (see [`super::time`]:
//!   ISO 8601 with or without offset, read as UTC without one).
//! * **value**: `value_column` if given (matched case-insensitively, a bracketed unit
//!   ignored); otherwise the only column, apart from the time column, whose first value is a
//!   number. Several numeric columns without a name is an error that lists them (an
//!   Electricity Maps zone file has direct and life-cycle intensities, CFE % and RE %).
//!
//! # Alignment of timestamps to the scenario
//! * `calendar`: `t = timestamp − scenario.start`; the data must cover the run's dates.
//! * `day_of_year`: each row keeps its day of the year (1 January = day 1) and time of day
//!   and is placed in the scenario's start year and the year after (so a run over New Year
//!   wraps): 2023 data serve a 2026 scenario. **Leap days**: day 366 of a leap-year series
//!   (31 December) is dropped for a common target year, and in a leap target year day 366 holds
//!   the value of day 365's last row (sample and hold); day 60 is 29 February in a leap year
//!   and 1 March otherwise (ordinal days, not dates). Rows from several source years that land
//!   on the same time keep the later row.
//!
//! Each value holds from its time until the next row's (sample and hold); before the first
//! row the first value holds, after the last the last. Times must increase strictly in the
//! file (for `day_of_year`, within each year). A series that does not overlap the run is
//! accepted with a warning.

use super::csvfile::{header_name, SideError, Table};
use super::time::{is_leap, parse_timestamp, year_day_s, year_start_s};
use crate::model::supply::grid::HourlySeries;

/// How timestamps are placed on the scenario's time line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Same instant.
    Calendar,
    /// Same day of the year and time of day, in the scenario's year.
    DayOfYear,
}

impl Align {
    /// From the scenario key's text.
    pub fn parse(s: &str) -> Option<Align> {
        match s {
            "calendar" => Some(Align::Calendar),
            "day_of_year" => Some(Align::DayOfYear),
            _ => None,
        }
    }
}

/// What to read from a table.
#[derive(Clone, Copy, Debug)]
pub struct SeriesSpec<'a> {
    /// Value column name (`None`: the only numeric column).
    pub value_column: Option<&'a str>,
    /// Time column name (`None`: see the module docs).
    pub time_column: Option<&'a str>,
    /// Timestamp alignment.
    pub align: Align,
    /// Scenario start (unix s).
    pub start_unix_s: f64,
    /// Run length (s), for the coverage warning.
    pub duration_s: f64,
}

/// A series on the scenario time line, with warnings for the user.
#[derive(Clone, Debug)]
pub struct ReadSeries {
    /// The series (s since scenario start).
    pub series: HourlySeries,
    /// Warnings (coverage).
    pub warnings: Vec<String>,
}

fn find(t: &Table, name: &str, what: &str) -> Result<usize, SideError> {
    t.column(name).ok_or_else(|| {
        let names: Vec<&str> = t.first.fields.iter().map(|h| header_name(h)).collect();
        let hint = crate::error::nearest(name, &names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        t.err(t.first.line, format!("no {what} column `{name}`{hint}; the header has {}", names.join(", ")))
    })
}

/// Reads a series from a parsed table (see the module docs).
pub fn read_series(t: &Table, spec: &SeriesSpec<'_>) -> Result<ReadSeries, SideError> {
    let first_data = t.rows.first().ok_or_else(|| t.err(t.first.line, "no data rows after the header"))?;
    let h0 = header_name(t.first.fields.first().map_or("", String::as_str)).to_ascii_lowercase();
    // Time column and its kind.
    enum Kind {
        Seconds(f64),
        Stamp,
    }
    let (tc, kind) = match spec.time_column {
        Some(name) => {
            let c = find(t, name, "time")?;
            let hn = header_name(&t.first.fields[c]).to_ascii_lowercase();
            if hn == "time_s" {
                (c, Kind::Seconds(1.0))
            } else if hn == "hour" {
                (c, Kind::Seconds(3600.0))
            } else {
                (c, Kind::Stamp)
            }
        }
        None if h0 == "time_s" => (0, Kind::Seconds(1.0)),
        None if h0 == "hour" => (0, Kind::Seconds(3600.0)),
        None if first_data.fields.first().is_some_and(|f| parse_timestamp(f).is_some()) => (0, Kind::Stamp),
        None => {
            return Err(t.err(
                t.first.line,
                format!(
                    "no time column: expected a first column `time_s`, `hour` or timestamps (ISO 8601), found `{}`; name it with time_column",
                    header_name(&t.first.fields[0])
                ),
            ))
        }
    };
    let vc = match spec.value_column {
        Some(name) => find(t, name, "value")?,
        None => {
            let numeric: Vec<usize> =
                (0..t.first.fields.len()).filter(|&c| c != tc && first_data.fields.get(c).is_some_and(|f| f.parse::<f64>().is_ok())).collect();
            match numeric.as_slice() {
                [c] => *c,
                [] => return Err(t.err(first_data.line, "no numeric column besides the time column")),
                many => {
                    let names: Vec<String> = many.iter().map(|&c| format!("`{}`", header_name(&t.first.fields[c]))).collect();
                    return Err(t.err(t.first.line, format!("{} numeric columns ({}): name one with the column key", many.len(), names.join(", "))));
                }
            }
        }
    };
    let tname = header_name(&t.first.fields[tc]).to_string();
    let vname = header_name(&t.first.fields[vc]).to_string();
    let mut pts: Vec<(f64, f64)> = Vec::with_capacity(t.rows.len());
    let mut last_raw = f64::NEG_INFINITY;
    let mut years = std::collections::BTreeSet::new();
    for r in &t.rows {
        let tf = r.fields.get(tc).map_or("", String::as_str);
        let vf = r.fields.get(vc).map_or("", String::as_str);
        let raw = match kind {
            Kind::Seconds(scale) => match tf.parse::<f64>() {
                Ok(v) if v.is_finite() => v * scale,
                _ => return Err(t.err(r.line, format!("{tname}: expected a finite number, found `{tf}`"))),
            },
            Kind::Stamp => parse_timestamp(tf)
                .ok_or_else(|| t.err(r.line, format!("{tname}: expected an ISO 8601 time like 2023-01-01T00:00:00Z, found `{tf}`")))?,
        };
        let v = match vf.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => return Err(t.err(r.line, format!("{vname}: expected a finite number, found `{vf}`"))),
        };
        if raw <= last_raw {
            return Err(t.err(r.line, format!("{tname}: times must increase strictly (`{tf}` is not after the row before)")));
        }
        last_raw = raw;
        match (&kind, spec.align) {
            (Kind::Seconds(_), _) => pts.push((raw, v)),
            (Kind::Stamp, Align::Calendar) => pts.push((raw - spec.start_unix_s, v)),
            (Kind::Stamp, Align::DayOfYear) => {
                let (y, day, sod) = year_day_s(raw).ok_or_else(|| t.err(r.line, format!("{tname}: time out of range")))?;
                years.insert(y);
                let (sy, _, _) = year_day_s(spec.start_unix_s).ok_or_else(|| t.err(0, "scenario start out of range"))?;
                for ty in [sy, sy + 1] {
                    if day == 366 && !is_leap(ty) {
                        continue;
                    }
                    let ys = year_start_s(ty).ok_or_else(|| t.err(r.line, "year out of range"))?;
                    pts.push((ys + f64::from(day - 1) * 86400.0 + sod - spec.start_unix_s, v));
                }
            }
        }
    }
    if spec.align == Align::DayOfYear && matches!(kind, Kind::Stamp) {
        // Stable sort, then keep the last row for each time.
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
        for p in pts {
            match out.last_mut() {
                Some(l) if l.0 == p.0 => *l = p,
                _ => out.push(p),
            }
        }
        pts = out;
    }
    let mut warnings = Vec::new();
    let (first_t, last_t) = (pts.first().map_or(0.0, |p| p.0), pts.last().map_or(0.0, |p| p.0));
    if first_t >= spec.duration_s || last_t < 0.0 {
        warnings.push(format!(
            "{}: the series ({} rows) lies wholly outside the run{}; its {} value holds throughout",
            t.path,
            t.rows.len(),
            if matches!(kind, Kind::Stamp) && spec.align == Align::Calendar { " (align = \"day_of_year\" reuses another year's data)" } else { "" },
            if first_t >= spec.duration_s { "first" } else { "last" }
        ));
    } else if first_t > 0.0 {
        warnings.push(format!("{}: the series starts {:.0} s after the run's start; its first value holds until then", t.path, first_t));
    }
    let (times, values): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
    Ok(ReadSeries { series: HourlySeries::from_points(times, values), warnings })
}

#[cfg(test)]
mod tests {
    use super::super::csvfile::parse;
    use super::*;

    fn spec<'a>(v: Option<&'a str>, align: Align, start: &str) -> SeriesSpec<'a> {
        SeriesSpec { value_column: v, time_column: None, align, start_unix_s: parse_timestamp(start).unwrap(), duration_s: 86400.0 * 7.0 }
    }

    /// Hourly 2023 rows: value = day of the year × 100 + hour.
    fn year_2023() -> String {
        let mut s = String::from("Datetime (UTC),Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Renewable energy percentage (RE%)\n");
        for d in 0..365 {
            for h in 0..24 {
                let t = 1_672_531_200 + (d * 86400 + h * 3600) as i64;
                let dt = chrono::DateTime::from_timestamp(t, 0).unwrap();
                s.push_str(&format!("{},NO-NO4,{},99.1\n", dt.format("%Y-%m-%d %H:%M:%S"), (d + 1) * 100 + h));
            }
        }
        s
    }

    #[test]
    fn calendar_and_day_of_year_alignment_of_2023_data() {
        let t = parse(&year_2023(), "em.csv").unwrap();
        // Two numeric columns: a name is needed.
        let e = read_series(&t, &spec(None, Align::Calendar, "2023-03-01T00:00:00Z")).unwrap_err();
        assert!(e.message.contains("2 numeric columns"), "{e}");
        let col = Some("Carbon Intensity gCO₂eq/kWh (direct)");
        // Calendar: a 2023 scenario reads the same instant; 1 March 2023 is day 60.
        let s = read_series(&t, &spec(col, Align::Calendar, "2023-03-01T00:00:00Z")).unwrap();
        assert_eq!(s.series.value_at(0.0), Some(6000.0));
        assert_eq!(s.series.value_at(5.0 * 3600.0 + 10.0), Some(6005.0));
        assert!(s.warnings.is_empty());
        // Calendar into 2026: wholly outside, warned, last value holds.
        let s = read_series(&t, &spec(col, Align::Calendar, "2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert_eq!(s.series.value_at(0.0), Some(36523.0));
        // Day of year: 1 March 2026 is day 60 too.
        let s = read_series(&t, &spec(col, Align::DayOfYear, "2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(s.series.value_at(7.0 * 3600.0), Some(6007.0));
        assert!(s.warnings.is_empty());
        // A 2028 (leap) scenario on 1 March: day 61 of 2028 gets day 61 of 2023 (2 March 2023).
        let s = read_series(&t, &spec(col, Align::DayOfYear, "2028-03-01T00:00:00Z")).unwrap();
        assert_eq!(s.series.value_at(0.0), Some(6100.0));
        // Across New Year: 31 December 2026 23:00 then 1 January 2027 00:00.
        let s = read_series(&t, &spec(col, Align::DayOfYear, "2026-12-31T23:00:00Z")).unwrap();
        assert_eq!(s.series.value_at(0.0), Some(36523.0));
        assert_eq!(s.series.value_at(3600.0), Some(100.0));
    }

    #[test]
    fn original_two_column_forms_still_read() {
        let t = parse("# NO4\nhour,carbon_g_per_kwh\n0,10\n1, 20\n", "c.csv").unwrap();
        let s = read_series(&t, &spec(None, Align::Calendar, "2026-01-01T00:00:00Z")).unwrap().series;
        assert_eq!(s.value_at(3599.0), Some(10.0));
        assert_eq!(s.value_at(3600.0), Some(20.0));
        let t = parse("time_s,value\r\n0,1.5\r\n1800,2.5\r\n", "p.csv").unwrap();
        let s = read_series(&t, &spec(None, Align::Calendar, "2026-01-01T00:00:00Z")).unwrap().series;
        assert_eq!(s.value_at(1800.0), Some(2.5));
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let t = parse("time,price\n2023-01-01T00:00Z,1\n2023-01-01T00:00Z,2\n", "x.csv").unwrap();
        let e = read_series(&t, &spec(None, Align::Calendar, "2023-01-01T00:00:00Z")).unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (3, "x.csv"), "{e}");
        let t = parse("time,price\n2023-01-01T00:00Z,abc\n", "x.csv").unwrap();
        assert_eq!(read_series(&t, &spec(None, Align::Calendar, "2023-01-01T00:00:00Z")).unwrap_err().line, 2);
        let t = parse("when,price\nsoon,1\n", "x.csv").unwrap();
        assert_eq!(read_series(&t, &spec(None, Align::Calendar, "2023-01-01T00:00:00Z")).unwrap_err().line, 1);
        let t = parse("time,price\n2023-01-01T00:00Z,1\n", "x.csv").unwrap();
        let e = read_series(&t, &spec(Some("prise"), Align::Calendar, "2023-01-01T00:00:00Z")).unwrap_err();
        assert!(e.message.contains("did you mean `price`"), "{e}");
    }
}
