//! EnergyPlus EPW weather-file reader and [`WeatherSource`] over it.
//!
//! # Format (EnergyPlus Auxiliary Programs, "Weather Converter", EPW CSV format)
//! Eight header lines — `LOCATION` (city, state, country, source, WMO, latitude °N,
//! longitude °E, time zone h from UTC, elevation m), then DESIGN CONDITIONS,
//! TYPICAL/EXTREME PERIODS, GROUND TEMPERATURES, HOLIDAYS/DAYLIGHT SAVINGS, COMMENTS 1,
//! COMMENTS 2, DATA PERIODS (skipped) — followed by one record per hour, 8,760 records
//! (8,784 with 29 February). Fields used, by 0-based position: 1 month, 2 day,
//! 3 hour (1–24, the hour *ending* at that time), 6 dry bulb °C, 7 dew point °C,
//! 8 relative humidity %, 9 station pressure Pa, 13 global horizontal, 14 direct normal,
//! 15 diffuse horizontal irradiance (Wh/m² over the hour = mean W/m²), 20 wind direction °,
//! 21 wind speed m/s. Year (0), minute (4) and flags (5) are ignored; records must run
//! in calendar order from 1 January hour 1 to 31 December hour 24.
//!
//! # Missing data
//! As in EnergyPlus, a value at/above its missing marker or outside the valid range is
//! missing: dry bulb and dew point ≥ 99.9 or ≤ −70 °C; RH ≥ 999 or outside 0–110 %;
//! pressure ≥ 999999 or outside 31–120 kPa; irradiances ≥ 9999 or < 0; wind direction
//! ≥ 999 or outside 0–360°; wind speed ≥ 999 or outside 0–40 m/s. Missing hours are
//! filled by linear interpolation in time between the nearest valid hours (wrapping
//! around the year; wind direction along the shorter arc). A column with no valid hour
//! is an error.
//!
//! # Time mapping
//! `sample(unix_s)` converts UTC to local standard time with the file's offset, ignores
//! the year (typical-year files), and takes hours since local 1 January 00:00 of the
//! file's calendar. Point quantities (temperatures, humidity, pressure, wind) are
//! readings **at the end** of their hour: record `k` (0-based) sits at hour `k + 1`.
//! Irradiances are hourly means and sit **at the middle** of their hour, `k + 0.5`.
//! Between these anchors values are interpolated linearly, wrapping from 31 December to
//! 1 January. In a non-leap file, 29 February of a leap year repeats 28 February; in a
//! leap file, 29 February is skipped in non-leap years.

use std::path::Path;

use super::calendar::civil_from_unix;
use super::weather::{WeatherSample, WeatherSource};

/// A parse or read error in an EPW file, pointing at the offending line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct EpwError {
    /// File path (or label) given by the caller.
    pub path: String,
    /// 1-based line number of the problem, 0 when it concerns the whole file.
    pub line: usize,
    /// What is wrong, in words.
    pub message: String,
}

/// Number of header lines before the hourly records.
pub const EPW_HEADER_LINES: usize = 8;
/// Minimum number of comma-separated fields in an hourly record (up to wind speed, 21).
pub const EPW_MIN_FIELDS: usize = 22;

/// Cumulative days before each month in a non-leap year.
const CUM_DAYS: [usize; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/// Days per month in a non-leap year.
const MONTH_LEN: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Days in `month` (1–12), allowing 29 February (EPW files may contain it).
fn max_day(month: u32) -> u32 {
    if month == 2 {
        29
    } else {
        MONTH_LEN[(month as usize).saturating_sub(1).min(11)]
    }
}

/// 0-based day of the year of (`month`, `day`) in a leap (`leap`) or non-leap calendar.
fn ordinal_day(month: u32, day: u32, leap: bool) -> usize {
    let m = (month.clamp(1, 12) - 1) as usize;
    let extra = usize::from(leap && month > 2);
    CUM_DAYS[m] + extra + (day.max(1) - 1) as usize
}

/// A column of the EPW file: position, name, and validity test.
struct Column {
    index: usize,
    name: &'static str,
    valid: fn(f64) -> bool,
}

/// The columns read from every record, in storage order.
const COLUMNS: [Column; 9] = [
    Column { index: 6, name: "dry-bulb temperature", valid: |v| v > -70.0 && v < 99.9 },
    Column { index: 7, name: "dew-point temperature", valid: |v| v > -70.0 && v < 99.9 },
    Column { index: 8, name: "relative humidity", valid: |v| (0.0..=110.0).contains(&v) },
    Column { index: 9, name: "station pressure", valid: |v| (31_000.0..=120_000.0).contains(&v) },
    Column { index: 13, name: "global horizontal irradiance", valid: |v| (0.0..9999.0).contains(&v) },
    Column { index: 14, name: "direct normal irradiance", valid: |v| (0.0..9999.0).contains(&v) },
    Column { index: 15, name: "diffuse horizontal irradiance", valid: |v| (0.0..9999.0).contains(&v) },
    Column { index: 20, name: "wind direction", valid: |v| (0.0..=360.0).contains(&v) },
    Column { index: 21, name: "wind speed", valid: |v| (0.0..=40.0).contains(&v) },
];
const C_DRY: usize = 0;
const C_DEW: usize = 1;
const C_RH: usize = 2;
const C_P: usize = 3;
const C_GHI: usize = 4;
const C_DNI: usize = 5;
const C_DHI: usize = 6;
const C_WDIR: usize = 7;
const C_WSPD: usize = 8;

/// A parsed EPW typical-year weather file (hourly columns, missing values filled).
#[derive(Clone, Debug, PartialEq)]
pub struct EpwWeather {
    path: String,
    city: String,
    latitude_deg: f64,
    longitude_deg: f64,
    utc_offset_h: f64,
    elevation_m: f64,
    leap: bool,
    /// `columns[c][k]`: column `c` (order of [`COLUMNS`]) of record `k`, file units.
    columns: Vec<Vec<f64>>,
}

/// The `LOCATION` header of an EPW file (line 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// City (free text).
    pub city: String,
    /// Latitude (°N).
    pub latitude_deg: f64,
    /// Longitude (°E).
    pub longitude_deg: f64,
    /// Time zone (h from UTC).
    pub utc_offset_h: f64,
    /// Elevation (m).
    pub elevation_m: f64,
}

/// Parses the `LOCATION` header line (errors name `path_for_errors`, line 1).
fn parse_location(line: &str, path_for_errors: &str) -> Result<Location, EpwError> {
    let err = |ln: usize, message: String| EpwError { path: path_for_errors.to_string(), line: ln, message };
    let loc_line = line.trim_start_matches('\u{feff}');
    let loc: Vec<&str> = loc_line.split(',').map(str::trim).collect();
    if !loc[0].eq_ignore_ascii_case("LOCATION") {
        return Err(err(1, format!("first line must be the LOCATION header, found {:?}", truncate(loc_line, 40))));
    }
    if loc.len() < 10 {
        return Err(err(
            1,
            format!(
                "LOCATION header has {} fields, need 10 (LOCATION, city, state, country, \
                 source, WMO, latitude, longitude, time zone, elevation)",
                loc.len()
            ),
        ));
    }
    let loc_num = |i: usize, what: &str, lo: f64, hi: f64| -> Result<f64, EpwError> {
        let v = parse_f64(loc[i]).ok_or_else(|| err(1, format!("LOCATION {what} {:?} is not a number", loc[i])))?;
        if !(lo..=hi).contains(&v) {
            return Err(err(1, format!("LOCATION {what} {v} out of range {lo} to {hi}")));
        }
        Ok(v)
    };
    let latitude_deg = loc_num(6, "latitude", -90.0, 90.0)?;
    let longitude_deg = loc_num(7, "longitude", -180.0, 180.0)?;
    let utc_offset_h = loc_num(8, "time zone", -12.0, 14.0)?;
    let elevation_m = loc_num(9, "elevation", -1000.0, 9000.0)?;
    Ok(Location { city: loc[1].to_string(), latitude_deg, longitude_deg, utc_offset_h, elevation_m })
}

/// The `LOCATION` header of the EPW file at `path`, reading only its first line: where a
/// scenario names a weather file but no `site.latitude_deg`/`longitude_deg`, the sun is placed
/// from here.
pub fn location(path: &Path) -> Result<Location, EpwError> {
    use std::io::BufRead;
    let label = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| EpwError { path: label.clone(), line: 0, message: format!("cannot read EPW file: {e}") })?;
    let mut first = Vec::new();
    std::io::BufReader::new(file).read_until(b'\n', &mut first).map_err(|e| EpwError {
        path: label.clone(),
        line: 1,
        message: format!("cannot read EPW file: {e}"),
    })?;
    parse_location(String::from_utf8_lossy(&first).trim_end(), &label)
}

impl EpwWeather {
    /// Read and parse the EPW file at `path`.
    pub fn from_path(path: &Path) -> Result<EpwWeather, EpwError> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| EpwError { path: label.clone(), line: 0, message: format!("cannot read EPW file: {e}") })?;
        // The header is free text (city names), often written in ISO-8859-1 ("Tromsø"):
        // decode lossily; the numeric records are ASCII either way.
        let text = String::from_utf8_lossy(&bytes);
        EpwWeather::from_str(&text, &label)
    }

    /// Parse EPW text; `path_for_errors` labels error messages.
    pub fn from_str(text: &str, path_for_errors: &str) -> Result<EpwWeather, EpwError> {
        let err = |line: usize, message: String| EpwError { path: path_for_errors.to_string(), line, message };
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() < EPW_HEADER_LINES {
            return Err(err(
                lines.len(),
                format!(
                    "expected {EPW_HEADER_LINES} header lines (LOCATION ... DATA PERIODS) \
                     before the hourly records, found only {} line(s)",
                    lines.len()
                ),
            ));
        }

        // LOCATION header.
        let Location { city, latitude_deg, longitude_deg, utc_offset_h, elevation_m } = parse_location(lines[0], path_for_errors)?;

        // Hourly records.
        let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(8784); COLUMNS.len()];
        let mut leap = false;
        let mut expected = Some((1_u32, 1_u32, 1_u32));
        let mut last_line = EPW_HEADER_LINES;
        for (i, raw) in lines.iter().enumerate().skip(EPW_HEADER_LINES) {
            let ln = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            last_line = ln;
            let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
            if fields.len() < EPW_MIN_FIELDS {
                return Err(err(
                    ln,
                    format!(
                        "too few fields: found {}, an hourly record needs at least \
                         {EPW_MIN_FIELDS} (through wind speed, field 21)",
                        fields.len()
                    ),
                ));
            }
            let int_field = |idx: usize, what: &str, lo: u32, hi: u32| -> Result<u32, EpwError> {
                let v: i64 = fields[idx].parse().map_err(|_| err(ln, format!("{what} (field {idx}) is not an integer: {:?}", fields[idx])))?;
                if v < i64::from(lo) || v > i64::from(hi) {
                    return Err(err(ln, format!("{what} {v} out of range {lo}-{hi}")));
                }
                Ok(v as u32)
            };
            let month = int_field(1, "month", 1, 12)?;
            let day = int_field(2, "day", 1, max_day(month))?;
            let hour = int_field(3, "hour", 1, 24)?;
            match expected {
                Some(exp) if exp == (month, day, hour) => {}
                // After 28 February hour 24 a leap file continues with 29 February.
                Some((3, 1, 1)) if !leap && (month, day, hour) == (2, 29, 1) => {}
                Some((em, ed, eh)) => {
                    return Err(err(
                        ln,
                        format!(
                            "record out of sequence: expected month {em} day {ed} hour {eh}, \
                             found month {month} day {day} hour {hour}"
                        ),
                    ))
                }
                None => {
                    return Err(err(
                        ln,
                        "record after 31 December hour 24: a typical year has 8760 or 8784 \
                         hourly records"
                            .to_string(),
                    ))
                }
            }
            if month == 2 && day == 29 {
                leap = true;
            }
            expected = next_hour(month, day, hour, leap);
            for (c, col) in COLUMNS.iter().enumerate() {
                let s = fields[col.index];
                let v = parse_f64(s).ok_or_else(|| err(ln, format!("{} (field {}) is not a number: {:?}", col.name, col.index, s)))?;
                columns[c].push(if (col.valid)(v) { v } else { f64::NAN });
            }
        }
        let n = columns[C_DRY].len();
        let want = if leap { 8784 } else { 8760 };
        if n != want {
            return Err(err(
                last_line,
                format!(
                    "found {n} hourly records; a full typical year needs {want} \
                     (8760, or 8784 with 29 February)"
                ),
            ));
        }
        for (c, col) in COLUMNS.iter().enumerate() {
            let circular = c == C_WDIR;
            if !fill_missing(&mut columns[c], circular) {
                return Err(err(0, format!("{} (field {}) has no valid value in any hour", col.name, col.index)));
            }
        }
        Ok(EpwWeather { path: path_for_errors.to_string(), city, latitude_deg, longitude_deg, utc_offset_h, elevation_m, leap, columns })
    }

    /// The path (label) the file was read from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// City name from the LOCATION header.
    pub fn city(&self) -> &str {
        &self.city
    }

    /// Latitude from the LOCATION header, degrees north.
    pub fn latitude_deg(&self) -> f64 {
        self.latitude_deg
    }

    /// Longitude from the LOCATION header, degrees east.
    pub fn longitude_deg(&self) -> f64 {
        self.longitude_deg
    }

    /// Offset of the file's local standard time from UTC, hours (LOCATION time zone).
    pub fn utc_offset_h(&self) -> f64 {
        self.utc_offset_h
    }

    /// Site elevation from the LOCATION header, m.
    pub fn elevation_m(&self) -> f64 {
        self.elevation_m
    }

    /// True if the file has 8,784 records (contains 29 February).
    pub fn is_leap_file(&self) -> bool {
        self.leap
    }

    /// Number of hourly records (8,760 or 8,784).
    pub fn record_count(&self) -> usize {
        self.columns[C_DRY].len()
    }

    /// Record `k` (0-based) as stored after gap filling, without time interpolation;
    /// `None` if out of range. Irradiances are the hour's mean W/m².
    pub fn record(&self, k: usize) -> Option<WeatherSample> {
        if k >= self.record_count() {
            return None;
        }
        let c = |i: usize| self.columns[i][k];
        Some(WeatherSample {
            dry_bulb_c: c(C_DRY),
            dew_point_c: c(C_DEW).min(c(C_DRY)),
            rel_humidity_frac: (c(C_RH) / 100.0).clamp(0.0, 1.0),
            wind_speed_m_s: c(C_WSPD),
            ghi_w_m2: c(C_GHI),
            dni_w_m2: c(C_DNI),
            dhi_w_m2: c(C_DHI),
            pressure_pa: c(C_P),
        })
    }

    /// Hours since local 1 January 00:00 in the file's calendar for UTC `unix_s`
    /// (the year is ignored; see the module docs for 29 February).
    pub fn hour_of_year(&self, unix_s: f64) -> f64 {
        let local = unix_s + self.utc_offset_h * 3600.0;
        let (_, month, day, hour, minute, second) = civil_from_unix(local);
        let day = if !self.leap && month == 2 && day == 29 { 28 } else { day };
        ordinal_day(month, day, self.leap) as f64 * 24.0 + f64::from(hour) + f64::from(minute) / 60.0 + second / 3600.0
    }

    /// Linear interpolation of column `c` at hour-of-year `tau`, record `k` anchored at
    /// `k + anchor_h`, wrapping around the year.
    fn interp(&self, c: usize, tau: f64, anchor_h: f64) -> f64 {
        let col = &self.columns[c];
        let n = col.len() as i64;
        if n == 0 {
            return 0.0;
        }
        let x = tau - anchor_h;
        let i = x.floor();
        let f = x - i;
        let i0 = (i as i64).rem_euclid(n) as usize;
        let i1 = (i0 + 1) % n as usize;
        col[i0] + f * (col[i1] - col[i0])
    }

    /// Wind direction (degrees clockwise from north, the direction the wind blows
    /// *from*) at UTC `unix_s`, interpolated along the shorter arc between hourly values.
    pub fn wind_direction_deg(&self, unix_s: f64) -> f64 {
        let tau = self.hour_of_year(unix_s);
        let col = &self.columns[C_WDIR];
        let n = col.len() as i64;
        if n == 0 {
            return 0.0;
        }
        let x = tau - 1.0;
        let i = x.floor();
        let f = x - i;
        let i0 = (i as i64).rem_euclid(n) as usize;
        let i1 = (i0 + 1) % n as usize;
        let d = (col[i1] - col[i0] + 540.0).rem_euclid(360.0) - 180.0;
        (col[i0] + f * d).rem_euclid(360.0)
    }
}

impl WeatherSource for EpwWeather {
    fn sample(&self, unix_s: f64) -> WeatherSample {
        let t = if unix_s.is_nan() { 0.0 } else { unix_s.clamp(-1.0e13, 1.0e13) };
        let tau = self.hour_of_year(t);
        let point = |c: usize| self.interp(c, tau, 1.0);
        let mean = |c: usize| self.interp(c, tau, 0.5).max(0.0);
        let dry = point(C_DRY);
        WeatherSample {
            dry_bulb_c: dry,
            dew_point_c: point(C_DEW).min(dry),
            rel_humidity_frac: (point(C_RH) / 100.0).clamp(0.0, 1.0),
            wind_speed_m_s: point(C_WSPD).max(0.0),
            ghi_w_m2: mean(C_GHI),
            dni_w_m2: mean(C_DNI),
            dhi_w_m2: mean(C_DHI),
            pressure_pa: point(C_P),
        }
    }
}

/// The (month, day, hour) after the given one in a leap (`leap`) or non-leap calendar;
/// `None` after 31 December hour 24. (The parser, not knowing yet whether a file is a
/// leap file, also accepts 29 February where this returns 1 March.)
fn next_hour(month: u32, day: u32, hour: u32, leap: bool) -> Option<(u32, u32, u32)> {
    if hour < 24 {
        return Some((month, day, hour + 1));
    }
    let len = if month == 2 {
        if leap {
            29
        } else {
            28
        }
    } else {
        max_day(month)
    };
    if day < len {
        Some((month, day + 1, 1))
    } else if month < 12 {
        Some((month + 1, 1, 1))
    } else {
        None
    }
}

/// Parse a finite decimal number.
fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// First `n` characters of `s`.
fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Replace NaNs in `col` by linear interpolation between the nearest valid neighbours,
/// cyclically; `circular` interpolates angles (degrees) along the shorter arc.
/// Returns false if no value is valid.
fn fill_missing(col: &mut [f64], circular: bool) -> bool {
    let n = col.len();
    let valid: Vec<usize> = (0..n).filter(|&i| !col[i].is_nan()).collect();
    let Some(&first) = valid.first() else {
        return false;
    };
    if valid.len() == n {
        return true;
    }
    let mut pairs: Vec<(usize, usize)> = valid.windows(2).map(|w| (w[0], w[1])).collect();
    let last = valid[valid.len() - 1];
    pairs.push((last, first + n)); // wrap (equals `last` itself if only one valid)
    for (a, b) in pairs {
        if b <= a + 1 {
            continue;
        }
        let (va, vb) = (col[a % n], col[b % n]);
        let delta = if circular { (vb - va + 540.0).rem_euclid(360.0) - 180.0 } else { vb - va };
        for j in a + 1..b {
            let f = (j - a) as f64 / (b - a) as f64;
            let v = va + f * delta;
            col[j % n] = if circular { v.rem_euclid(360.0) } else { v };
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::calendar::unix_from_civil;
    use super::*;

    /// Known fixture values for record `k`.
    fn dry(k: usize) -> f64 {
        ((k * 37) % 200) as f64 * 0.1 - 10.0
    }
    fn ghi(k: usize) -> f64 {
        let h = k % 24;
        if (8..16).contains(&h) {
            100.0 * (h - 7) as f64
        } else {
            0.0
        }
    }

    /// Lines of a valid EPW file with `n` records (8760 or 8784 for a leap file),
    /// modelled on a real IWEC/TMY file (35 fields per record).
    fn fixture(n: usize) -> Vec<String> {
        let leap = n == 8784;
        let mut lines = vec![
            "LOCATION,Narvik,NOR,NOR,fjord-fixture,010250,68.44,17.43,1.0,30.0".to_string(),
            "DESIGN CONDITIONS,0".to_string(),
            "TYPICAL/EXTREME PERIODS,0".to_string(),
            "GROUND TEMPERATURES,0".to_string(),
            "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0".to_string(),
            "COMMENTS 1,synthetic fixture written by the epw unit tests".to_string(),
            "COMMENTS 2,dry bulb = ((37 k) mod 200)/10 - 10".to_string(),
            "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31".to_string(),
        ];
        let (mut m, mut d, mut h) = (1_u32, 1_u32, 1_u32);
        for k in 0..n {
            let t = dry(k);
            let g = ghi(k);
            lines.push(format!(
                "1999,{m},{d},{h},60,?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9,\
                 {t:.1},{:.1},{},{},9999,9999,300,{g:.0},{:.0},{:.0},999999,999999,999999,\
                 999999,{},{:.1},5,5,20.0,77777,9,999999999,0,0.1000,0,88,0.200,0.0,0.0",
                t - 3.0,
                60 + k % 30,
                100_000 + k % 500,
                g / 2.0,
                g / 2.0,
                (k * 10) % 360,
                1.0 + (k % 10) as f64 * 0.5,
            ));
            if let Some(next) = next_hour(m, d, h, leap) {
                (m, d, h) = next;
            }
        }
        lines
    }

    fn join(lines: &[String]) -> String {
        let mut s = lines.join("\r\n");
        s.push_str("\r\n");
        s
    }

    fn parse(lines: &[String]) -> Result<EpwWeather, EpwError> {
        EpwWeather::from_str(&join(lines), "fixture.epw")
    }

    /// UTC unix time of local standard 1 January 00:00 of `year` for a +1 h file.
    fn local_year_start(year: i64) -> f64 {
        unix_from_civil(year, 1, 1, 0, 0, 0.0) - 3600.0
    }

    fn record_field(lines: &mut [String], k: usize, field: usize, value: &str) {
        let line = &mut lines[EPW_HEADER_LINES + k];
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        f[field] = value.to_string();
        *line = f.join(",");
    }

    #[test]
    fn parses_header_and_records() {
        let w = parse(&fixture(8760)).expect("valid fixture");
        assert_eq!(w.city(), "Narvik");
        assert_eq!(w.latitude_deg(), 68.44);
        assert_eq!(w.longitude_deg(), 17.43);
        assert_eq!(w.utc_offset_h(), 1.0);
        assert_eq!(w.elevation_m(), 30.0);
        assert_eq!(w.record_count(), 8760);
        assert!(!w.is_leap_file());
        let r = w.record(1234).expect("record");
        assert!((r.dry_bulb_c - dry(1234)).abs() < 1e-9);
        assert!((r.dew_point_c - (dry(1234) - 3.0)).abs() < 1e-9);
        assert!((r.rel_humidity_frac - (60 + 1234 % 30) as f64 / 100.0).abs() < 1e-12);
        assert_eq!(r.pressure_pa, (100_000 + 1234 % 500) as f64);
        assert_eq!(r.wind_speed_m_s, 1.0 + (1234 % 10) as f64 * 0.5);
        assert!(w.record(8760).is_none());
    }

    #[test]
    fn interpolates_at_hour_ends_and_half_hours() {
        let w = parse(&fixture(8760)).expect("valid fixture");
        let t0 = local_year_start(2026);
        for k in [0_usize, 1, 500, 4000, 8758] {
            // Point values sit at the end of their hour (k + 1 h after local midnight).
            let at_end = w.sample(t0 + (k as f64 + 1.0) * 3600.0);
            assert!((at_end.dry_bulb_c - dry(k)).abs() < 1e-9, "k={k}");
            let half = w.sample(t0 + (k as f64 + 1.5) * 3600.0);
            let want = 0.5 * (dry(k) + dry(k + 1));
            assert!((half.dry_bulb_c - want).abs() < 1e-9, "k={k}");
            // Irradiance (hourly mean) sits at the middle of its hour.
            let mid = w.sample(t0 + (k as f64 + 0.5) * 3600.0);
            assert!((mid.ghi_w_m2 - ghi(k)).abs() < 1e-9, "k={k}");
            let quarter = w.sample(t0 + (k as f64 + 0.75) * 3600.0);
            let want = 0.75 * ghi(k) + 0.25 * ghi(k + 1);
            assert!((quarter.ghi_w_m2 - want).abs() < 1e-9, "k={k}");
        }
        // The year is ignored.
        let a = w.sample(t0 + 777.7 * 3600.0);
        let b = w.sample(local_year_start(2031) + 777.7 * 3600.0);
        assert_eq!(a, b);
        // 00:30 on 1 January lies between the last record (31 Dec 24:00) and the first.
        let wrap = w.sample(t0 + 0.5 * 3600.0);
        assert!((wrap.dry_bulb_c - 0.5 * (dry(8759) + dry(0))).abs() < 1e-9);
    }

    #[test]
    fn leap_day_handling() {
        let w = parse(&fixture(8760)).expect("valid fixture");
        // 29 Feb 2028 10:00 local repeats 28 Feb 10:00 (record 58·24 + 9).
        let feb29 = unix_from_civil(2028, 2, 29, 10, 0, 0.0) - 3600.0;
        let k = 58 * 24 + 9;
        assert!((w.sample(feb29).dry_bulb_c - dry(k)).abs() < 1e-9);
        // 1 March 2028 is 1 March of the file.
        let mar1 = unix_from_civil(2028, 3, 1, 10, 0, 0.0) - 3600.0;
        assert!((w.sample(mar1).dry_bulb_c - dry(59 * 24 + 9)).abs() < 1e-9);

        let lw = parse(&fixture(8784)).expect("valid leap fixture");
        assert!(lw.is_leap_file());
        assert_eq!(lw.record_count(), 8784);
        assert!((lw.sample(feb29).dry_bulb_c - dry(59 * 24 + 9)).abs() < 1e-9);
        assert!((lw.sample(mar1).dry_bulb_c - dry(60 * 24 + 9)).abs() < 1e-9);
    }

    #[test]
    fn fills_missing_values_by_interpolation() {
        let mut lines = fixture(8760);
        record_field(&mut lines, 100, 6, "99.9");
        record_field(&mut lines, 101, 6, "99.9");
        record_field(&mut lines, 200, 8, "999");
        record_field(&mut lines, 300, 13, "9999");
        record_field(&mut lines, 0, 6, "99.9"); // first hour: wraps to the last
        record_field(&mut lines, 400, 20, "999");
        let w = parse(&lines).expect("missing markers are not errors");
        let r = |k| w.record(k).expect("record");
        let (a, b) = (dry(99), dry(102));
        assert!((r(100).dry_bulb_c - (a + (b - a) / 3.0)).abs() < 1e-9);
        assert!((r(101).dry_bulb_c - (a + 2.0 * (b - a) / 3.0)).abs() < 1e-9);
        let rh = 0.5 * ((60 + 199 % 30) + (60 + 201 % 30)) as f64 / 100.0;
        assert!((r(200).rel_humidity_frac - rh).abs() < 1e-12);
        assert!((r(300).ghi_w_m2 - 0.5 * (ghi(299) + ghi(301))).abs() < 1e-9);
        assert!((r(0).dry_bulb_c - 0.5 * (dry(8759) + dry(1))).abs() < 1e-9);
        // Wind direction 3990° ≡ 30° and 4010° ≡ 50° → 40°.
        let t = local_year_start(2026) + 401.0 * 3600.0;
        assert!((w.wind_direction_deg(t) - 40.0).abs() < 1e-9);
    }

    #[test]
    fn wind_direction_interpolates_across_north() {
        let mut lines = fixture(8760);
        record_field(&mut lines, 10, 20, "350");
        record_field(&mut lines, 11, 20, "10");
        let w = parse(&lines).expect("valid");
        let t = local_year_start(2026) + 11.5 * 3600.0;
        let d = w.wind_direction_deg(t);
        assert!(d.abs() < 1e-9 || (d - 360.0).abs() < 1e-9, "{d}");
    }

    fn expect_err(lines: &[String]) -> EpwError {
        match parse(lines) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }

    #[test]
    fn error_too_few_fields() {
        let mut lines = fixture(8760);
        lines[EPW_HEADER_LINES + 41] = "1999,2,10,18,60,flags,1.0,2.0".to_string();
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 42);
        assert!(e.message.contains("too few fields: found 8"), "{e}");
        assert_eq!(e.to_string(), format!("fixture.epw:{}: {}", e.line, e.message));
    }

    #[test]
    fn error_non_numeric_value() {
        let mut lines = fixture(8760);
        record_field(&mut lines, 5000, 9, "abc");
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 5001);
        assert!(e.message.contains("station pressure (field 9) is not a number"), "{e}");
        let mut lines = fixture(8760);
        record_field(&mut lines, 7, 6, "nan");
        assert_eq!(expect_err(&lines).line, EPW_HEADER_LINES + 8);
        let mut lines = fixture(8760);
        record_field(&mut lines, 3, 3, "4.5");
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 4);
        assert!(e.message.contains("hour (field 3) is not an integer"), "{e}");
    }

    #[test]
    fn error_month_day_hour_out_of_range() {
        for (field, value, what) in [(1, "13", "month 13"), (2, "32", "day 32"), (3, "25", "hour 25"), (3, "0", "hour 0")] {
            let mut lines = fixture(8760);
            record_field(&mut lines, 2000, field, value);
            let e = expect_err(&lines);
            assert_eq!(e.line, EPW_HEADER_LINES + 2001, "{e}");
            assert!(e.message.contains(&format!("{what} out of range")), "{e}");
        }
        // 31 April: day range depends on the month.
        let mut lines = fixture(8760);
        record_field(&mut lines, 2000, 1, "4");
        record_field(&mut lines, 2000, 2, "31");
        let e = expect_err(&lines);
        assert!(e.message.contains("day 31 out of range 1-30"), "{e}");
    }

    #[test]
    fn error_out_of_sequence_and_extra_record() {
        let mut lines = fixture(8760);
        lines.swap(EPW_HEADER_LINES + 10, EPW_HEADER_LINES + 11);
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 11);
        assert!(e.message.contains("expected month 1 day 1 hour 11"), "{e}");
        let mut lines = fixture(8760);
        let extra = lines[EPW_HEADER_LINES].clone();
        lines.push(extra);
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 8761);
        assert!(e.message.contains("after 31 December"), "{e}");
    }

    #[test]
    fn error_short_header() {
        let lines = fixture(8760)[..5].to_vec();
        let e = expect_err(&lines);
        assert_eq!(e.line, 5);
        assert!(e.message.contains("found only 5 line(s)"), "{e}");
        let e = EpwWeather::from_str("", "empty.epw").expect_err("empty file");
        assert_eq!((e.line, e.path.as_str()), (0, "empty.epw"));
    }

    #[test]
    fn error_bad_location() {
        let mut lines = fixture(8760);
        lines[0] = "DESIGN CONDITIONS,0".to_string();
        let e = expect_err(&lines);
        assert_eq!(e.line, 1);
        assert!(e.message.contains("LOCATION header"), "{e}");
        let mut lines = fixture(8760);
        lines[0] = "LOCATION,Narvik,NOR,NOR,src,010250,north,17.43,1.0,30.0".to_string();
        let e = expect_err(&lines);
        assert_eq!(e.line, 1);
        assert!(e.message.contains("latitude \"north\" is not a number"), "{e}");
        let mut lines = fixture(8760);
        lines[0] = "LOCATION,Narvik,NOR,NOR,src,010250,68.44,17.43,1.0,30.0".replace(",1.0,", ",25,");
        let e = expect_err(&lines);
        assert!(e.message.contains("time zone 25 out of range"), "{e}");
        let mut lines = fixture(8760);
        lines[0] = "LOCATION,Narvik,NOR".to_string();
        assert_eq!(expect_err(&lines).line, 1);
    }

    #[test]
    fn error_incomplete_year() {
        let mut lines = fixture(8760);
        lines.truncate(EPW_HEADER_LINES + 8759);
        let e = expect_err(&lines);
        assert_eq!(e.line, EPW_HEADER_LINES + 8759);
        assert!(e.message.contains("found 8759 hourly records"), "{e}");
        let header_only = fixture(8760)[..EPW_HEADER_LINES].to_vec();
        assert!(expect_err(&header_only).message.contains("found 0 hourly records"));
    }

    #[test]
    fn error_column_entirely_missing() {
        let mut lines = fixture(8760);
        for k in 0..8760 {
            record_field(&mut lines, k, 21, "999");
        }
        let e = expect_err(&lines);
        assert_eq!(e.line, 0);
        assert!(e.message.contains("wind speed (field 21) has no valid value"), "{e}");
    }

    #[test]
    fn from_path_reads_files_and_reports_io_errors() {
        let dir = std::env::temp_dir().join(format!("fjord-epw-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("fixture.epw");
        std::fs::write(&p, join(&fixture(8760))).expect("write fixture");
        let w = EpwWeather::from_path(&p).expect("read fixture");
        assert_eq!(w.record_count(), 8760);
        assert_eq!(w.path(), p.display().to_string());
        // A Latin-1 city name in the LOCATION line (ISO-8859-1 "Tromsø", ø = 0xF8) is read.
        let mut latin1 = join(&fixture(8760)).into_bytes();
        let comma = latin1.iter().position(|&b| b == b',').expect("LOCATION,");
        latin1.splice(comma + 1..comma + 1, b"Troms\xf8 ".iter().copied());
        let p1 = dir.join("latin1.epw");
        std::fs::write(&p1, &latin1).expect("write latin-1 fixture");
        assert!(std::str::from_utf8(&latin1).is_err(), "the fixture is not UTF-8");
        let w1 = EpwWeather::from_path(&p1).expect("read a Latin-1 header");
        assert_eq!(w1.record_count(), 8760);
        let _ = std::fs::remove_file(&p1);
        let missing = dir.join("nope.epw");
        let e = EpwWeather::from_path(&missing).expect_err("missing file");
        assert_eq!(e.line, 0);
        assert!(e.to_string().starts_with(&format!("{}:0: cannot read", missing.display())));
        let _ = std::fs::remove_file(&p);
        let _ = std::fs::remove_dir(&dir);
    }
}
