//! Finds where a dotted key sits in a TOML text, so that errors found after parsing
//! (ranges, consistency) can still name the line. A light scanner: it tracks `[table]` and
//! `[[array]]` headers and `key =` lines, which is all scenario files use.

/// The 1-based line of `path` (e.g. `cluster.racks`, `workload.jobs[1].gpus`,
/// `supply.hydro.capacity_mw` inside an inline table) in `text`, or of its nearest
/// enclosing table that is present.
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let want = split(path);
    let mut best: Option<(usize, usize)> = None; // (matched length, line)
    let mut table: Vec<String> = Vec::new();
    let mut counters: std::collections::HashMap<String, usize> = Default::default();
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim().to_string();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            let name = h.trim().to_string();
            let n = counters.entry(name.clone()).or_insert(0);
            let idx = *n;
            *n += 1;
            table = split(&format!("{name}[{idx}]"));
            consider(&want, &table, i + 1, &mut best);
            continue;
        }
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = split(h.trim());
            consider(&want, &table, i + 1, &mut best);
            continue;
        }
        if let Some(eq) = line.find('=') {
            let key = line[..eq].trim().trim_matches('"');
            let mut full = table.clone();
            full.extend(key.split('.').map(|s| s.trim().to_string()));
            consider(&want, &full, i + 1, &mut best);
            // Inline table: `hydro = { capacity_mw = 1 }`.
            let rest = line[eq + 1..].trim();
            if rest.starts_with('{') {
                for part in rest.trim_matches(|c| c == '{' || c == '}').split(',') {
                    if let Some(e2) = part.find('=') {
                        let mut inner = full.clone();
                        inner.push(part[..e2].trim().to_string());
                        consider(&want, &inner, i + 1, &mut best);
                    }
                }
            }
        }
    }
    best.map(|(_, l)| l)
}

fn consider(want: &[String], have: &[String], line: usize, best: &mut Option<(usize, usize)>) {
    if have.len() <= want.len() && want[..have.len()] == *have {
        let better = match best {
            None => true,
            Some((len, _)) => have.len() > *len,
        };
        if better {
            *best = Some((have.len(), line));
        }
    }
}

fn split(path: &str) -> Vec<String> {
    // `workload.jobs[1].gpus` -> ["workload", "jobs[1]", "gpus"]
    path.split('.').map(|s| s.trim().trim_matches('"').to_string()).collect()
}

fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

/// 1-based (line, column) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |p| offset - p - 1) + 1;
    (line, col)
}

/// The dotted table path in force at 1-based `line` (the last header above it).
pub fn table_at(text: &str, line: usize) -> String {
    let mut table = String::new();
    let mut counters: std::collections::HashMap<String, usize> = Default::default();
    for raw in text.lines().take(line) {
        let l = strip_comment(raw).trim();
        if let Some(h) = l.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            let n = counters.entry(h.trim().to_string()).or_insert(0);
            table = format!("{}[{}]", h.trim(), *n);
            *n += 1;
        } else if let Some(h) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = h.trim().to_string();
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    const T: &str = "[scenario]\nname = \"x\"\n\n[cluster]\nracks = 3 # c\n[[workload.jobs]]\ngpus = 1\n[[workload.jobs]]\ngpus = 2\n[supply]\nhydro = { capacity_mw = 5, ramp_mw_per_min = 1 }\n";
    #[test]
    fn finds_keys() {
        assert_eq!(locate(T, "cluster.racks"), Some(5));
        assert_eq!(locate(T, "workload.jobs[1].gpus"), Some(9));
        assert_eq!(locate(T, "workload.jobs[0].gpus"), Some(7));
        assert_eq!(locate(T, "supply.hydro.ramp_mw_per_min"), Some(11));
        assert_eq!(locate(T, "cluster.gpus_per_rack"), Some(4));
        assert_eq!(table_at(T, 9), "workload.jobs[1]");
        assert_eq!(line_col("a\nbc", 3), (2, 2));
    }
}
