//! Timestamps in side files, parsed with `chrono` (no hand-written date parsing).
//!
//! Accepted: ISO 8601 / RFC 3339 with an offset or `Z` (`2023-01-01T00:00:00Z`,
//! `2023-01-01 00:00:00+00:00`, fractional seconds allowed); the same without an offset, read
//! as UTC (`2023-01-01 00:00:00`, `2023-01-01T00:00`, `2023-01-01 00:00` as renewables.ninja
//! writes, `2023-01-01T00` as the EIA API writes hours); nvidia-smi's
//! `YYYY/MM/DD HH:MM:SS.mmm` (the node's local time, read as UTC: only differences matter for
//! telemetry); and a bare date `2023-01-01` (midnight UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime};

const NAIVE: &[&str] =
    &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S%.f", "%Y/%m/%d %H:%M"];
const OFFSET: &[&str] = &["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"];

/// Unix seconds (UTC) of a timestamp, or `None` when `s` is not one of the accepted forms.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    // A timestamp starts with a 4-digit year and a separator; plain numbers are not one.
    let b = s.as_bytes();
    if b.len() < 7 || !b[..4].iter().all(u8::is_ascii_digit) || !(b[4] == b'-' || b[4] == b'/') {
        return None;
    }
    let secs = |sec: i64, nanos: u32| sec as f64 + f64::from(nanos) * 1e-9;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(secs(t.timestamp(), t.timestamp_subsec_nanos()));
    }
    for f in OFFSET {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(secs(t.timestamp(), t.timestamp_subsec_nanos()));
        }
    }
    // A trailing `Z` on a form RFC 3339 refuses (e.g. no seconds); chrono needs minutes, so an
    // EIA-style hour `2023-01-01T05` gets `:00`.
    let naive_text = s.strip_suffix('Z').unwrap_or(s);
    let with_minutes;
    let naive_text = if naive_text.len() == 13 && naive_text.as_bytes()[10] == b'T' {
        with_minutes = format!("{naive_text}:00");
        with_minutes.as_str()
    } else {
        naive_text
    };
    for f in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive_text, f) {
            let u = t.and_utc();
            return Some(secs(u.timestamp(), u.timestamp_subsec_nanos()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(naive_text, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64);
    }
    None
}

/// (year, 1-based day of the year, seconds into the day) of unix seconds `t` (UTC).
pub fn year_day_s(t: f64) -> Option<(i32, u32, f64)> {
    use chrono::Datelike;
    let whole = t.floor();
    let dt = DateTime::from_timestamp(whole as i64, 0)?;
    let day_start = dt.date_naive().and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64;
    Some((dt.year(), dt.ordinal(), t - day_start))
}

/// Unix seconds of midnight UTC on 1 January of `year`.
pub fn year_start_s(year: i32) -> Option<f64> {
    Some(NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?.and_utc().timestamp() as f64)
}

/// True for a leap year.
pub fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form() {
        let t0 = 1_672_531_200.0; // 2023-01-01T00:00:00Z
        for s in [
            "2023-01-01T00:00:00Z",
            "2023-01-01 00:00:00+00:00",
            "2023-01-01 00:00:00",
            "2023-01-01T00:00:00.000Z",
            "2023-01-01T01:00:00+01:00",
            "2023-01-01 00:00",
            "2023-01-01T00:00",
            "2023-01-01T00",
            "2023-01-01",
            "2023/01/01 00:00:00.000",
        ] {
            assert_eq!(parse_timestamp(s), Some(t0), "{s}");
        }
        assert_eq!(parse_timestamp("2023/01/01 00:00:01.250"), Some(t0 + 1.25));
        assert_eq!(parse_timestamp("12.5"), None);
        assert_eq!(parse_timestamp("1672531200"), None);
        assert_eq!(parse_timestamp("2023-13-01 00:00:00"), None);
    }

    #[test]
    fn days_of_the_year() {
        let t = parse_timestamp("2024-12-31 06:00:00").unwrap();
        assert_eq!(year_day_s(t), Some((2024, 366, 21600.0)));
        assert!(is_leap(2024) && !is_leap(2023) && !is_leap(2100) && is_leap(2000));
        assert_eq!(year_start_s(2023), Some(1_672_531_200.0));
    }
}
