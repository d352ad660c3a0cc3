//! UTC calendar helpers (proleptic Gregorian calendar, no leap seconds).
//!
//! Times are `f64` unix seconds (seconds since 1970-01-01T00:00:00Z, POSIX time, so every
//! day has exactly 86,400 s). Conversions between a civil date and a day count use Howard
//! Hinnant's `days_from_civil` / `civil_from_days` algorithms
//! (<https://howardhinnant.github.io/date_algorithms.html>), exact for all dates in range.
//!
//! No function here panics: parsing returns `Err(String)` with a message naming the
//! problem, and non-finite or absurdly large times are clamped (see [`MAX_ABS_UNIX_S`]).

/// Seconds per day (POSIX time has no leap seconds).
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Largest magnitude of unix time handled by the conversions (about ±31.7 million years).
/// Larger or non-finite inputs are clamped to this range (NaN is treated as 0) so that the
/// integer arithmetic below can never overflow.
pub const MAX_ABS_UNIX_S: f64 = 1.0e15;

/// True if `year` is a Gregorian leap year (divisible by 4, except centuries not
/// divisible by 400).
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1–12) of `year`; 0 for a month outside 1–12.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of the civil date `year-month-day` (Hinnant's `days_from_civil`).
///
/// `month` must be 1–12 and `day` 1–31 for a meaningful answer; out-of-range values are
/// not rejected here (they roll over arithmetically), validate with [`days_in_month`].
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let m = i64::from(month);
    let d = i64::from(day);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Civil date `(year, month 1–12, day 1–31)` of a day count since 1970-01-01
/// (Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = if m <= 2 { y + 1 } else { y };
    // d and m are within 1..=31 and 1..=12 by construction.
    (year, m as u32, d as u32)
}

/// Clamp a unix time into the supported range; NaN becomes 0.
fn sanitize(unix_s: f64) -> f64 {
    if unix_s.is_nan() {
        0.0
    } else {
        unix_s.clamp(-MAX_ABS_UNIX_S, MAX_ABS_UNIX_S)
    }
}

/// Split a unix time into (whole days since epoch, seconds into that day in [0, 86400)).
fn split_days(unix_s: f64) -> (i64, f64) {
    let t = sanitize(unix_s);
    let days = (t / SECONDS_PER_DAY).floor();
    let mut sod = t - days * SECONDS_PER_DAY;
    let mut days_i = days as i64;
    // Guard against rounding putting sod at exactly 86400.
    if sod >= SECONDS_PER_DAY {
        sod -= SECONDS_PER_DAY;
        days_i += 1;
    }
    if sod < 0.0 {
        sod = 0.0;
    }
    (days_i, sod)
}

/// Unix seconds of a UTC civil date and time of day (no validation of ranges).
pub fn unix_from_civil(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: f64) -> f64 {
    days_from_civil(year, month, day) as f64 * SECONDS_PER_DAY + f64::from(hour) * 3600.0 + f64::from(minute) * 60.0 + second
}

/// UTC civil time of `unix_s`: `(year, month 1–12, day 1–31, hour 0–23, minute 0–59,
/// second in [0, 60))`. Non-finite or huge inputs are clamped (see [`MAX_ABS_UNIX_S`]).
pub fn civil_from_unix(unix_s: f64) -> (i64, u32, u32, u32, u32, f64) {
    let (days, sod) = split_days(unix_s);
    let (y, m, d) = civil_from_days(days);
    let whole = sod.floor();
    let secs = whole as u32; // 0..=86399
    let hour = secs / 3600;
    let minute = (secs % 3600) / 60;
    let second = f64::from(secs % 60) + (sod - whole);
    (y, m, d, hour, minute, second)
}

/// Day of the year of `unix_s` in UTC, 0-based and fractional: 2026-01-01T12:00Z → 0.5,
/// 2026-12-31T00:00Z → 364.0 (365.0 in a leap year).
pub fn day_of_year(unix_s: f64) -> f64 {
    let (days, sod) = split_days(unix_s);
    let (y, _, _) = civil_from_days(days);
    (days - days_from_civil(y, 1, 1)) as f64 + sod / SECONDS_PER_DAY
}

/// Format `unix_s` as RFC 3339 UTC: `2026-01-15T00:00:10Z`, or with milliseconds
/// (`2026-01-15T00:00:00.100Z`) when the time, rounded to the millisecond, is not a whole
/// second. Non-finite inputs are clamped like everywhere in this module.
pub fn format_utc(unix_s: f64) -> String {
    let t = sanitize(unix_s);
    let ms_total = (t * 1000.0).round() as i64;
    let secs = ms_total.div_euclid(1000);
    let ms = ms_total.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    let date = if (0..=9999).contains(&y) { format!("{y:04}-{m:02}-{d:02}") } else { format!("{y:+}-{m:02}-{d:02}") };
    if ms == 0 {
        format!("{date}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{date}T{hh:02}:{mm:02}:{ss:02}.{ms:03}Z")
    }
}

/// Parse an unsigned decimal integer made only of ASCII digits, with exactly `len` digits.
fn parse_digits(s: &str, len: usize, what: &str, input: &str) -> Result<u32, String> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid {what} {s:?} in time {input:?} (expected {len} digits; format \
             YYYY-MM-DD[THH:MM:SS[.fff]][Z|+HH:MM|-HH:MM])"
        ));
    }
    s.parse::<u32>().map_err(|e| format!("invalid {what} {s:?} in time {input:?}: {e}"))
}

/// Parse an RFC 3339-style time into unix seconds.
///
/// Accepted forms (`T` may also be a space or lower-case `t`):
/// * `2026-01-15` (midnight UTC),
/// * `2026-01-15T00:00:00` and `2026-01-15T00:00` (UTC),
/// * optional fractional seconds `2026-01-15T00:00:00.25`,
/// * optional zone `Z`/`z` or offset `+HH:MM` / `-HH:MM` (the offset is subtracted to
///   obtain UTC, as RFC 3339 specifies).
///
/// Fields are range-checked (month 1–12, day within the month, hour 0–23, minute 0–59,
/// second 0–60 with 60 accepted as a leap second and folded onto the next second).
pub fn parse_utc(s: &str) -> Result<f64, String> {
    let input = s;
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time string".to_string());
    }
    if !s.is_ascii() {
        return Err(format!("invalid time {input:?}: non-ASCII characters"));
    }
    if s.len() < 10 {
        return Err(format!("invalid time {input:?}: expected YYYY-MM-DD[THH:MM:SS][Z|+HH:MM]"));
    }
    let (date, rest) = s.split_at(10);
    let db = date.as_bytes();
    if db[4] != b'-' || db[7] != b'-' {
        return Err(format!("invalid date {date:?} in time {input:?}: expected YYYY-MM-DD"));
    }
    let year = i64::from(parse_digits(&date[0..4], 4, "year", input)?);
    let month = parse_digits(&date[5..7], 2, "month", input)?;
    let day = parse_digits(&date[8..10], 2, "day", input)?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} out of range 1-12 in time {input:?}"));
    }
    let dim = days_in_month(year, month);
    if day < 1 || day > dim {
        return Err(format!("day {day} out of range 1-{dim} for {year:04}-{month:02} in time {input:?}"));
    }
    let mut seconds_of_day = 0.0;
    let mut offset_s = 0.0;
    if !rest.is_empty() {
        let rb = rest.as_bytes();
        if !matches!(rb[0], b'T' | b't' | b' ') {
            return Err(format!("invalid time {input:?}: expected 'T' after the date, found {:?}", rb[0] as char));
        }
        let rest = &rest[1..];
        // Split off the zone designator.
        let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(format!("invalid clock time {clock:?} in time {input:?}: expected HH:MM[:SS[.fff]]"));
        }
        let hour = parse_digits(parts[0], 2, "hour", input)?;
        let minute = parse_digits(parts[1], 2, "minute", input)?;
        let second = match parts.get(2) {
            None => 0.0,
            Some(sec) => {
                let (whole, frac) = match sec.find('.') {
                    Some(i) => (&sec[..i], &sec[i + 1..]),
                    None => (*sec, ""),
                };
                let whole = f64::from(parse_digits(whole, 2, "second", input)?);
                let frac_val = if sec.contains('.') {
                    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!("invalid fractional seconds {sec:?} in time {input:?}"));
                    }
                    format!("0.{frac}").parse::<f64>().map_err(|e| format!("invalid fractional seconds {sec:?}: {e}"))?
                } else {
                    0.0
                };
                whole + frac_val
            }
        };
        if hour > 23 {
            return Err(format!("hour {hour} out of range 0-23 in time {input:?}"));
        }
        if minute > 59 {
            return Err(format!("minute {minute} out of range 0-59 in time {input:?}"));
        }
        if second >= 61.0 {
            return Err(format!("second {second} out of range 0-60 in time {input:?}"));
        }
        seconds_of_day = f64::from(hour) * 3600.0 + f64::from(minute) * 60.0 + second;
        if !zone.is_empty() {
            if zone == "Z" || zone == "z" {
                offset_s = 0.0;
            } else {
                let sign = match zone.as_bytes()[0] {
                    b'-' => -1.0,
                    b'+' => 1.0,
                    _ => return Err(format!("invalid UTC offset {zone:?} in time {input:?}: expected Z or +HH:MM")),
                };
                let body = &zone[1..];
                let (oh, om) = match body.split_once(':') {
                    Some((h, m)) => (h, m),
                    None if body.len() == 4 => body.split_at(2),
                    None => return Err(format!("invalid UTC offset {zone:?} in time {input:?}: expected +HH:MM")),
                };
                let oh = parse_digits(oh, 2, "offset hours", input)?;
                let om = parse_digits(om, 2, "offset minutes", input)?;
                if oh > 23 || om > 59 {
                    return Err(format!("UTC offset {zone:?} out of range in time {input:?}"));
                }
                offset_s = sign * (f64::from(oh) * 3600.0 + f64::from(om) * 60.0);
            }
        }
    }
    Ok(days_from_civil(year, month, day) as f64 * SECONDS_PER_DAY + seconds_of_day - offset_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Ok(0.0));
        // 2026-01-15 = 20468 days after the epoch.
        assert_eq!(parse_utc("2026-01-15T00:00:00Z"), Ok(20_468.0 * 86_400.0));
        assert_eq!(parse_utc("2026-01-15"), parse_utc("2026-01-15T00:00:00Z"));
        assert_eq!(parse_utc("2026-01-15T00:00:00"), parse_utc("2026-01-15T00:00:00Z"));
        // 2000-03-01 after a leap day: 11017 days.
        assert_eq!(parse_utc("2000-03-01"), Ok(11_017.0 * 86_400.0));
        assert_eq!(parse_utc("1969-12-31T23:59:59Z"), Ok(-1.0));
    }

    #[test]
    fn offsets_and_fractions() {
        let z = parse_utc("2026-06-21T12:00:00Z").unwrap();
        assert_eq!(parse_utc("2026-06-21T14:00:00+02:00"), Ok(z));
        assert_eq!(parse_utc("2026-06-21T06:00:00-06:00"), Ok(z));
        assert_eq!(parse_utc("2026-06-21T06:00:00-0600"), Ok(z));
        let f = parse_utc("2026-06-21T12:00:00.25Z").unwrap();
        assert!((f - z - 0.25).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-29",
            "2026-01-32",
            "2026-01-15T24:00:00Z",
            "2026-01-15T12:60:00Z",
            "2026-01-15X12:00:00",
            "2026-01-15T12:00:00+25:00",
            "2026-01-15T12:00:00.Z",
            "2026-1-15",
            "abcd-ef-gh",
            "2026-01-15T12:00:00Zjunk",
            "２０２６-01-15",
            "2026-01-15T12:00:00Z0530",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_utc("2024-02-29").is_ok());
    }

    #[test]
    fn format_round_trip() {
        assert_eq!(format_utc(20_468.0 * 86_400.0 + 10.0), "2026-01-15T00:00:10Z");
        assert_eq!(format_utc(20_468.0 * 86_400.0 + 0.1), "2026-01-15T00:00:00.100Z");
        assert_eq!(format_utc(-1.0), "1969-12-31T23:59:59Z");
        for s in ["2024-02-29T23:59:59Z", "2100-03-01T00:00:00Z", "1900-02-28T12:34:56Z"] {
            assert_eq!(format_utc(parse_utc(s).unwrap()), s);
        }
        // Non-finite input must not panic.
        let _ = format_utc(f64::NAN);
        let _ = format_utc(f64::INFINITY);
        let _ = civil_from_unix(f64::NEG_INFINITY);
    }

    #[test]
    fn civil_and_day_of_year() {
        let t = parse_utc("2024-12-31T18:00:00Z").unwrap();
        assert_eq!(civil_from_unix(t), (2024, 12, 31, 18, 0, 0.0));
        assert!((day_of_year(t) - 365.75).abs() < 1e-9);
        let t = parse_utc("2026-03-01T06:30:15.5Z").unwrap();
        let (y, m, d, h, mi, s) = civil_from_unix(t);
        assert_eq!((y, m, d, h, mi), (2026, 3, 1, 6, 30));
        assert!((s - 15.5).abs() < 1e-6);
        assert!((day_of_year(parse_utc("2026-01-01T12:00:00Z").unwrap()) - 0.5).abs() < 1e-12);
        // Round trip over many days, including negative ones.
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap(2024) && is_leap(2000) && !is_leap(1900) && !is_leap(2026));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2026, 13), 0);
    }
}
