//! Run summary: energy totals, extremes and derived metrics, accumulated step by step
//! (never from window means), written as `summary.json` and `summary.md`.

use serde_json::{Map, Value};

/// An ordered list of (metric, value) pairs; numbers, text or flags.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Metrics in output order.
    pub entries: Vec<(String, Value)>,
}

impl Summary {
    /// Adds a number (non-finite values become null).
    pub fn num(&mut self, key: &str, v: f64) {
        let val = serde_json::Number::from_f64(round_sig(v)).map(Value::Number).unwrap_or(Value::Null);
        self.entries.push((key.to_string(), val));
    }
    /// Adds an integer.
    pub fn int(&mut self, key: &str, v: u64) {
        self.entries.push((key.to_string(), Value::from(v)));
    }
    /// Adds text.
    pub fn text(&mut self, key: &str, v: &str) {
        self.entries.push((key.to_string(), Value::from(v)));
    }
    /// Adds any JSON value (e.g. the `monthly` list).
    pub fn value(&mut self, key: &str, v: Value) {
        self.entries.push((key.to_string(), v));
    }
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// The number at `key`.
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(Value::as_f64)
    }
    /// The metrics that are not finite numbers (stored as `null` by [`Summary::num`]), nested
    /// lists and objects included (`monthly[3].pue`). A run refuses to write a summary with any.
    pub fn non_finite_metrics(&self) -> Vec<String> {
        fn walk(path: String, v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Null => out.push(path),
                Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| walk(format!("{path}[{i}]"), x, out)),
                Value::Object(m) => m.iter().for_each(|(k, x)| walk(format!("{path}.{k}"), x, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (k, v) in &self.entries {
            walk(k.clone(), v, &mut out);
        }
        out
    }
    /// As a JSON object (ordered as inserted).
    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        for (k, v) in &self.entries {
            m.insert(k.clone(), v.clone());
        }
        serde_json::to_string_pretty(&Value::Object(m)).unwrap_or_default() + "\n"
    }
}

/// Rounds to 10 significant digits so the JSON is stable and readable.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 10 - (v.abs().log10().floor() as i32) - 1;
    if !(-300..=300).contains(&digits) {
        return v;
    }
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
