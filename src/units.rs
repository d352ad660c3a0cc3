//! Units at the scenario boundary: durations written as strings (`500ms`, `90s`, `15m`,
//! `24h`, `7d`) or as plain numbers of seconds.

/// Parses a duration: a number with a unit suffix `ms`, `s`, `m`, `h` or `d`, a sum of such
/// parts (`"1h30m"`, `"2m30s"`), or a bare number of seconds. Returns seconds; negative or
/// non-finite values are refused.
///
/// ```
/// use fjord::units::parse_duration_s;
/// assert_eq!(parse_duration_s("500ms").unwrap(), 0.5);
/// assert_eq!(parse_duration_s("1h30m").unwrap(), 5400.0);
/// assert!(parse_duration_s("soon").is_err());
/// ```
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let err = || format!("expected a duration like \"500ms\", \"90s\", \"15m\", \"24h\", \"7d\" or \"1h30m\", found \"{text}\"");
    let t = text.trim();
    if t.is_empty() {
        return Err(err());
    }
    if let Ok(v) = t.parse::<f64>() {
        return if v.is_finite() && v >= 0.0 { Ok(v) } else { Err(format!("expected a non-negative duration, found \"{text}\"")) };
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if n_end == 0 {
            return Err(err());
        }
        let v: f64 = rest[..n_end].parse().map_err(|_| err())?;
        rest = &rest[n_end..];
        let (mult, len) = if rest.starts_with("ms") {
            (1e-3, 2)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('d') {
            (86400.0, 1)
        } else {
            return Err(err());
        };
        total += v * mult;
        rest = &rest[len..];
    }
    if !total.is_finite() {
        return Err(err());
    }
    Ok(total)
}

/// A clamp that never panics, for model state that extreme inputs can drive to NaN or push a
/// limit past its partner. `f64::clamp` panics when `lo > hi` or a bound is NaN; this one
/// ignores a NaN bound, lets `hi` win when `lo > hi`, and keeps a NaN `x` as NaN so the
/// engine's finiteness check ([`crate::engine::Engine::try_step`]) can name it.
///
/// ```
/// use fjord::units::SafeClamp;
/// assert_eq!(5.0.safe_clamp(0.0, 1.0), 1.0);
/// assert_eq!(0.5.safe_clamp(f64::NAN, 1.0), 0.5);
/// assert_eq!(0.5.safe_clamp(2.0, 1.0), 1.0);
/// assert!(f64::NAN.safe_clamp(0.0, 1.0).is_nan());
/// ```
pub trait SafeClamp {
    /// `self` limited to `[lo, hi]`, NaN-safe (see the trait).
    fn safe_clamp(self, lo: f64, hi: f64) -> f64;
}

impl SafeClamp for f64 {
    #[inline]
    fn safe_clamp(self, lo: f64, hi: f64) -> f64 {
        if self.is_nan() {
            self
        } else {
            self.max(lo).min(hi)
        }
    }
}

/// `x` if finite, else `default`: a model's fallback for a nonsensical parameter.
#[inline]
pub fn finite_or(x: f64, default: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        default
    }
}

/// `x` if finite and positive, else `default`.
#[inline]
pub fn finite_pos(x: f64, default: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        default
    }
}

/// Formats seconds as the shortest exact duration string (`100ms`, `90s`, `15m`, `24h`, `7d`).
pub fn format_duration(s: f64) -> String {
    let ms = (s * 1000.0).round();
    if (ms / 1000.0 - s).abs() > 1e-9 * s.abs().max(1.0) {
        return format!("{s}s");
    }
    let ms = ms as i64;
    if ms == 0 {
        return "0s".into();
    }
    for (unit, div) in [("d", 86_400_000i64), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] {
        if ms % div == 0 {
            return format!("{}{unit}", ms / div);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn durations_round_trip() {
        assert_eq!(parse_duration_s("500ms").unwrap(), 0.5);
        assert_eq!(parse_duration_s("90s").unwrap(), 90.0);
        assert_eq!(parse_duration_s("15m").unwrap(), 900.0);
        assert_eq!(parse_duration_s("24h").unwrap(), 86400.0);
        assert_eq!(parse_duration_s("7d").unwrap(), 604800.0);
        assert_eq!(parse_duration_s("2.5").unwrap(), 2.5);
        assert!(parse_duration_s("soon").is_err());
        assert!(parse_duration_s("-1s").is_err());
        assert_eq!(parse_duration_s("3h30m").unwrap(), 12600.0);
        assert_eq!(parse_duration_s("1m30s").unwrap(), 90.0);
        assert!(parse_duration_s("3h30").is_err());
        assert!(parse_duration_s("h").is_err());
        assert!(parse_duration_s("").is_err());
        for s in [0.1, 1.0, 90.0, 900.0, 86400.0, 7200.0, 45.0, 0.025] {
            assert_eq!(parse_duration_s(&format_duration(s)).unwrap(), s);
        }
        assert_eq!(format_duration(86400.0), "1d");
        assert_eq!(format_duration(0.1), "100ms");
    }
}
