//! Errors of the fjord library.
//!
//! Bad input (a scenario, an override, a weather or trace file, a run folder the user named)
//! is [`FjordError::BadInput`] and maps to exit code 2; everything else maps to exit code 1.
//! A bad-input error names the file, the line and column where there is one, the dotted key,
//! what was expected and, for a misspelt key, the nearest valid one.

use std::fmt;

/// Where in the user's input an error was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// File (or `--set` / `--vary`) the input came from.
    pub file: String,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// 1-based column, if known.
    pub column: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// A library error.
#[derive(Debug, thiserror::Error)]
pub enum FjordError {
    /// The user's input is wrong (exit code 2). Displayed with echoes capped: a long key or
    /// value is cut with `…`, a long number shown in short form, the whole line kept under
    /// [`MAX_MESSAGE`] characters.
    #[error("{}", tidy(&format!("{location}: {}{message}", key_prefix(.key))))]
    BadInput {
        /// Where.
        location: Location,
        /// Dotted key path, e.g. `cluster.racks` (may be empty).
        key: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// An I/O failure while writing results (exit code 1).
    #[error("{path}: {message}")]
    Io {
        /// The file or folder.
        path: String,
        /// The OS error text.
        message: String,
    },
    /// Any other failure (exit code 1).
    #[error("{0}")]
    Other(String),
    /// A failure on another MPI rank, with its message and exit code (feature `mpi`).
    #[error("{message}")]
    Peer {
        /// The failing rank's error message (empty on the ranks that do not print).
        message: String,
        /// Its exit code.
        code: i32,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("key `{key}`: ")
    }
}

impl FjordError {
    /// A bad-input error.
    pub fn bad(file: &str, line: Option<usize>, key: &str, message: impl Into<String>) -> Self {
        FjordError::BadInput { location: Location { file: file.to_string(), line, column: None }, key: key.to_string(), message: message.into() }
    }

    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        FjordError::Io { path: path.display().to_string(), message: e.to_string() }
    }

    /// The process exit code this error maps to (2 bad input, 1 otherwise).
    pub fn exit_code(&self) -> i32 {
        match self {
            FjordError::BadInput { .. } => 2,
            FjordError::Peer { code, .. } => *code,
            _ => 1,
        }
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, FjordError>;

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if reasonably close: a candidate equal to it but for
/// case first (`GB200` → `gb200`), then the nearest by edit distance, ignoring case.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(c);
    }
    let lower = word.to_lowercase();
    let best = candidates.iter().map(|c| (edit_distance(&lower, &c.to_lowercase()), *c)).min_by_key(|(d, _)| *d)?;
    let limit = (word.len() / 2).max(3);
    (best.0 <= limit).then_some(best.1)
}

/// Longest bad-input message, in characters.
pub const MAX_MESSAGE: usize = 400;
/// Longest echo of one key or value (paths may run to twice this).
pub const MAX_ECHO: usize = 60;

/// An echoed key or value, capped: a number in short form, a long text cut with `…`.
pub fn clip(s: &str) -> String {
    let n = s.chars().count();
    let limit = if s.contains('/') || s.contains('\\') { 2 * MAX_ECHO } else { MAX_ECHO };
    if let Ok(v) = s.parse::<f64>() {
        return if n > 24 { crate::scenario::check::fmt_num(v) } else { s.to_string() };
    }
    if n <= limit {
        return s.to_string();
    }
    let mut t: String = s.chars().take(limit - 1).collect();
    t.push('…');
    t
}

/// A whole message with every long word capped by [`clip`] and the total kept under
/// [`MAX_MESSAGE`] characters.
pub fn tidy(msg: &str) -> String {
    let sep = |c: char| c.is_whitespace() || matches!(c, '`' | '"' | ',' | ';' | '(' | ')' | '[' | ']' | '=' | '\'');
    let mut out = String::with_capacity(msg.len().min(MAX_MESSAGE + 8));
    let mut word = String::new();
    for c in msg.chars() {
        if sep(c) {
            out.push_str(&clip(&word));
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(&clip(&word));
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE - 1).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn nearest_key_finds_typo() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(nearest("rackz", &["racks", "gpu", "gpus_per_rack"]), Some("racks"));
        assert_eq!(nearest("zzzzzzzzzzzz", &["racks"]), None);
        assert_eq!(nearest("GB200", &["h200", "gb200", "gb300"]), Some("gb200"));
        assert_eq!(nearest("TDP_WW", &["tdp_w", "idle_w"]), Some("tdp_w"));
    }

    #[test]
    fn echoes_are_capped() {
        let digits = format!("1{}", "0".repeat(308));
        assert_eq!(clip(&digits), "1e308");
        let long = "k".repeat(5000);
        let m = tidy(&format!("--set: key `{long}`: unknown field `{long}`"));
        assert!(m.chars().count() <= MAX_MESSAGE, "{m}");
        assert!(m.contains('…'));
        assert_eq!(tidy("a short message, found 1.5"), "a short message, found 1.5");
    }
}
