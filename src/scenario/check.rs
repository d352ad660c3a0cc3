//! The tools every component's `resolve` uses: [`Range`] (a key's physical range with the
//! reason for it), [`Diagnostics`] (collects what is wrong, first problem first) and short
//! number formatting for messages.
//!
//! A component module declares one `Range` per numeric key it owns inside `ranges!`, which
//! also lists them in its `RANGES`; [`all_ranges`] gathers them for `fjord presets` and for the
//! test that every numeric key of the scenario file has one.

use crate::units::format_duration;

/// A resolution error before it is given a file and line: (dotted key, message).
pub type KeyError = (String, String);

/// The physical range of one numeric key: wide enough for real designs, narrow enough that
/// every solver stays finite. `key` is the dotted key (`[]` marks an array entry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Dotted key, e.g. `gpu.tdp_w` or `workload.jobs[].iteration_s`.
    pub key: &'static str,
    /// Smallest accepted value (inclusive).
    pub lo: f64,
    /// Largest accepted value (inclusive).
    pub hi: f64,
    /// What the value is, with its unit: "a board power (W)".
    pub what: &'static str,
    /// Why the bounds are where they are (shown in messages and in `fjord presets`).
    pub why: &'static str,
}

impl Range {
    /// The message for a value outside the range.
    pub fn message(&self, v: f64) -> String {
        let mut m = format!("expected {} in [{}, {}], found {}", self.what, fmt_num(self.lo), fmt_num(self.hi), fmt_num(v));
        if !self.why.is_empty() {
            m.push_str(": ");
            m.push_str(self.why);
        }
        m
    }
    /// True when `v` is finite and inside the range.
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && v >= self.lo && v <= self.hi
    }
    /// `v` if it is given and inside the range, else the error at `key` (for resolvers that
    /// stop at the first problem; [`Diagnostics::num`] collects them instead).
    pub fn check_at(&self, key: &str, v: Option<f64>) -> Result<f64, KeyError> {
        let v = v.unwrap_or(f64::NAN);
        if self.contains(v) {
            Ok(v)
        } else {
            Err((key.to_string(), self.message(v)))
        }
    }
    /// [`Self::check_at`] at the range's own key (an array key without its `[]`).
    pub fn check(&self, v: Option<f64>) -> Result<f64, KeyError> {
        self.check_at(self.key.trim_end_matches("[]"), v)
    }
}

/// Declares a component's [`Range`] constants and `pub const $list: &[&Range]` holding them
/// in the order written, so a range cannot be declared and left out of the list (and of
/// `fjord presets`). Items are `const NAME: Range = Range { .. };` or the short
/// `range!(NAME, key, lo, hi, what, why);`.
macro_rules! ranges {
    ($(#[$doc:meta])* $list:ident; $($(#[$item:meta])* const $name:ident: Range = $value:expr;)*) => {
        $($(#[$item])* const $name: $crate::scenario::check::Range = $value;)*
        $(#[$doc])*
        pub const $list: &[&$crate::scenario::check::Range] = &[$(&$name),*];
    };
    ($(#[$doc:meta])* $list:ident; $(range!($name:ident, $key:literal, $lo:expr, $hi:expr, $what:literal, $why:literal);)*) => {
        $crate::scenario::check::ranges! {
            $(#[$doc])*
            $list;
            $(const $name: Range = $crate::scenario::check::Range { key: $key, lo: $lo, hi: $hi, what: $what, why: $why };)*
        }
    };
}
pub(crate) use ranges;

/// What resolution found wrong, in the order found. Components record problems and carry on
/// (a bad value is returned as is), so one pass checks a whole component; the first problem
/// is the one reported.
#[derive(Debug, Default)]
pub struct Diagnostics {
    errors: Vec<KeyError>,
}

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Records a problem at `key`.
    pub fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push((key.into(), message.into()));
    }
    /// True when nothing is wrong so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
    /// The first problem, if any.
    pub fn first(&self) -> Option<&KeyError> {
        self.errors.first()
    }
    /// `Err` with the first problem, if any.
    pub fn result(&self) -> Result<(), KeyError> {
        self.errors.first().map_or(Ok(()), |e| Err(e.clone()))
    }
    /// A number checked against its range (`None`, i.e. never filled in, is reported as
    /// missing). Returns the value as given.
    pub fn num(&mut self, r: &Range, v: Option<f64>) -> f64 {
        self.num_at(r.key, r, v)
    }
    /// Like [`Self::num`] for an array entry: `key` is the concrete key (`workload.jobs[2].x`).
    pub fn num_at(&mut self, key: &str, r: &Range, v: Option<f64>) -> f64 {
        match v {
            Some(v) => {
                if !r.contains(v) {
                    self.error(key, r.message(v));
                }
                v
            }
            None => {
                self.error(key, format!("missing: expected {} in [{}, {}]", r.what, fmt_num(r.lo), fmt_num(r.hi)));
                f64::NAN
            }
        }
    }
    /// A whole number checked against its range.
    pub fn whole(&mut self, r: &Range, v: Option<u32>) -> u32 {
        self.whole_at(r.key, r, v)
    }
    /// Like [`Self::whole`] for an array entry.
    pub fn whole_at(&mut self, key: &str, r: &Range, v: Option<u32>) -> u32 {
        let x = self.num_at(key, r, v.map(f64::from));
        if x.is_finite() {
            x as u32
        } else {
            0
        }
    }
    /// A number against explicit bounds (cross-checks such as "no larger than gpu.tdp_w").
    pub fn between(&mut self, key: &str, v: f64, lo: f64, hi: f64, what: &str) -> f64 {
        if !(v.is_finite() && v >= lo && v <= hi) {
            self.error(key, format!("expected {what} in [{}, {}], found {}", fmt_num(lo), fmt_num(hi), fmt_num(v)));
        }
        v
    }
    /// Seconds of a duration key (0 when absent).
    pub fn dur(&mut self, key: &str, d: &Option<super::raw::Dur>) -> f64 {
        match dur_s(d, key) {
            Ok(s) => s,
            Err((k, m)) => {
                self.error(k, m);
                f64::NAN
            }
        }
    }
}

/// The value of an optional key, writing `default` in when it is absent.
pub fn dflt<T: Copy>(o: &mut Option<T>, default: T) -> T {
    *o.get_or_insert(default)
}

/// Fills each named key of a raw block still absent with the field of the same name of a
/// parameter struct: `fill_from!(w, defaults.wind; hub_height_m, cut_in_m_s)`.
macro_rules! fill_from {
    ($block:expr, $defaults:expr; $($field:ident),* $(,)?) => {
        $($crate::scenario::check::dflt(&mut $block.$field, $defaults.$field);)*
    };
}
pub(crate) use fill_from;

/// Seconds of an optional duration (0 when absent), or the error at `key`.
pub fn dur_s(d: &Option<super::raw::Dur>, key: &str) -> Result<f64, KeyError> {
    match d {
        Some(d) => d.seconds().map_err(|m| (key.to_string(), m)),
        None => Ok(0.0),
    }
}

/// `(did you mean `x`?)` for the candidate nearest to `word`, or nothing.
pub fn hint(word: &str, candidates: &[&str]) -> String {
    crate::error::nearest(word, candidates).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default()
}

/// A number in short form for messages: `1e308`, not 309 digits; `0.035`, `1200`.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-4..1e9).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A duration in short form for messages.
pub fn fmt_dur(s: f64) -> String {
    if s.is_finite() && s.abs() < 1e12 {
        format_duration(s)
    } else {
        format!("{}s", fmt_num(s))
    }
}

/// Every component's ranges, in the order of the scenario file.
pub fn all_ranges() -> Vec<&'static Range> {
    let groups: [&[&Range]; 10] = [
        super::resolve::RANGES,
        crate::model::gpu::params::CLUSTER_RANGES,
        crate::model::gpu::params::RANGES,
        crate::model::workload::params::RANGES,
        crate::model::plant::params::RANGES,
        crate::model::electrical::params::RANGES,
        crate::model::supply::params::RANGES,
        super::events::RANGES,
        crate::model::hydraulics::params::RANGES,
        crate::model::plant_side::SINK_RANGES,
    ];
    groups.iter().flat_map(|g| g.iter().copied()).collect()
}

/// The ranges as `fjord presets` lists them.
pub fn ranges_text() -> String {
    let mut t = String::from("\n## Accepted ranges (every numeric key; outside them a scenario is refused with exit 2)\n");
    for r in all_ranges() {
        t.push_str(&format!("  {:<46} [{}, {}]  {}", r.key, fmt_num(r.lo), fmt_num(r.hi), r.what));
        if !r.why.is_empty() {
            t.push_str(&format!(" — {}", r.why));
        }
        t.push('\n');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        assert_eq!(fmt_num(1e308), "1e308");
        assert_eq!(fmt_num(-2.5e-7), "-2.5e-7");
        assert_eq!(fmt_num(0.035), "0.035");
        assert_eq!(fmt_num(1200.0), "1200");
        assert_eq!(fmt_num(f64::NAN), "NaN");
    }

    #[test]
    fn range_message_names_bounds_value_and_reason() {
        const R: Range = Range { key: "gpu.tdp_w", lo: 1.0, hi: 5000.0, what: "a board power (W)", why: "one GPU" };
        let mut d = Diagnostics::new();
        assert_eq!(d.num(&R, Some(1200.0)), 1200.0);
        assert!(d.is_ok());
        d.num(&R, Some(1e300));
        d.num(&R, Some(0.5));
        let (k, m) = d.first().unwrap();
        assert_eq!(k, "gpu.tdp_w");
        assert_eq!(m, "expected a board power (W) in [1, 5000], found 1e300: one GPU");
        assert!(d.result().is_err());
    }

    #[test]
    fn ranges_are_ordered_and_keys_unique() {
        let all = all_ranges();
        let mut keys: Vec<&str> = all.iter().map(|r| r.key).collect();
        for r in &all {
            assert!(r.lo <= r.hi && r.lo.is_finite() && r.hi.is_finite(), "{}", r.key);
        }
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "a key has two ranges");
    }
}
