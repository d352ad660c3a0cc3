//! The one side-file CSV reader: every CSV fjord reads (traces and telemetry, carbon, price,
//! wind and solar profiles) goes through [`parse`], so each accepts the same things:
//!
//! * a UTF-8 byte-order mark before the header;
//! * quoted fields and headers (`"time_s","utilization_frac"`), fields trimmed of spaces
//!   (nvidia-smi writes `, ` between fields);
//! * LF or CRLF line ends;
//! * `#` comment lines (renewables.ninja writes its metadata that way) and blank lines,
//!   skipped wherever they are.
//!
//! Rows may have different numbers of fields (the readers check what they need). Errors name
//! the file and the 1-based line; the scenario loader adds the scenario file and key.

use std::fmt;

/// A side file that could not be read: the file, the 1-based line and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideError {
    /// The file, as named to the reader.
    pub path: String,
    /// 1-based line (0 when the file as a whole is wrong).
    pub line: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for SideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SideError {}

impl SideError {
    /// An error at `line` of `path`.
    pub fn at(path: &str, line: usize, message: impl Into<String>) -> Self {
        SideError { path: path.to_string(), line, message: message.into() }
    }
}

/// One data row: its 1-based line in the file and its trimmed fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based line number.
    pub line: usize,
    /// Fields, trimmed.
    pub fields: Vec<String>,
}

/// A parsed CSV side file: the first non-comment row and the rows after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The file (for messages).
    pub path: String,
    /// The first row (usually the header), with its line.
    pub first: Row,
    /// The rows after it.
    pub rows: Vec<Row>,
}

impl Table {
    /// Index of the column named `name` in the first row: case-insensitive, ignoring a
    /// trailing unit in brackets (`power.draw [W]` matches `power.draw`).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.first.fields.iter().position(|h| header_name(h).eq_ignore_ascii_case(name))
    }

    /// An error at `line`.
    pub fn err(&self, line: usize, message: impl Into<String>) -> SideError {
        SideError::at(&self.path, line, message)
    }
}

/// A header name without a trailing ` [unit]` or ` (unit)` part, trimmed.
pub fn header_name(h: &str) -> &str {
    let h = h.trim();
    match h.find(" [") {
        Some(i) if h.ends_with(']') => h[..i].trim(),
        _ => h,
    }
}

/// 1-based line of the record starting at byte `at` of `text`: the csv crate reports the
/// position before the comment and blank lines it skipped, so those are skipped here too.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    let mut line = text.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    for l in text[at..].split('\n') {
        let t = l.trim();
        if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        line += 1;
    }
    line
}

/// A field quoted after a space (`a, "b"`: the csv crate quotes only at the field's start)
/// loses its quotes here, as it would without the space.
fn unquote(f: &str) -> String {
    match f.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) if f.len() >= 2 => inner.replace("\"\"", "\""),
        _ => f.to_string(),
    }
}

/// Reads and parses `path` (see the module docs). `label` names the file in messages.
pub fn read(path: &std::path::Path) -> Result<Table, SideError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| SideError::at(&label, 0, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| SideError::at(&label, 0, "not UTF-8 text (save the file as UTF-8)"))?;
    parse(&text, &label)
}

/// Parses CSV text (see the module docs). `path` only labels errors.
pub fn parse(text: &str, path: &str) -> Result<Table, SideError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                // Lines from the byte offset (the csv crate does not count comment lines).
                let line = rec.position().map_or(0, |p| line_of(text, p.byte() as usize));
                if rec.iter().all(str::is_empty) {
                    continue;
                }
                rows.push(Row { line, fields: rec.iter().map(unquote).collect() });
            }
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(text, p.byte() as usize));
                return Err(SideError::at(path, line, "malformed CSV (an unclosed quote?)"));
            }
        }
    }
    if rows.is_empty() {
        return Err(SideError::at(path, 0, "empty file: expected a header row and data rows"));
    }
    let first = rows.remove(0);
    Ok(Table { path: path.to_string(), first, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_quotes_crlf_comments_are_the_same_file() {
        let plain = parse("time_s,utilization_frac\n0,0.5\n10,1\n", "a.csv").unwrap();
        let quirky = parse("\u{feff}# a comment\r\n\"time_s\", \"utilization_frac\"\r\n# mid comment\r\n\r\n0 , 0.5\r\n10,1\r\n", "b.csv").unwrap();
        assert_eq!(plain.first.fields, quirky.first.fields);
        let f = |t: &Table| t.rows.iter().map(|r| r.fields.clone()).collect::<Vec<_>>();
        assert_eq!(f(&plain), f(&quirky), "{quirky:?}");
        // Lines are the file's own lines.
        assert_eq!(quirky.first.line, 2);
        assert_eq!(quirky.rows[0].line, 5);
    }

    #[test]
    fn header_units_are_ignored_when_matching() {
        let t = parse("timestamp, power.draw [W], utilization.gpu [%]\n", "n.csv").unwrap();
        assert_eq!(t.column("power.draw"), Some(1));
        assert_eq!(t.column("UTILIZATION.GPU"), Some(2));
        assert_eq!(t.column("temperature.gpu"), None);
    }

    #[test]
    fn bad_files_name_file_and_line() {
        assert_eq!(parse("", "e.csv").unwrap_err().to_string(), "e.csv: empty file: expected a header row and data rows");
        assert_eq!(parse("# only\n# comments\n", "c.csv").unwrap_err().line, 0);
    }
}
