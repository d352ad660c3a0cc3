//! The self-contained HTML report of a run (`report.html`): inline CSS, no scripts, no
//! network references; PNG charts embedded as base64 `data:` URIs, SVG charts inlined.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data::{folder_name, metric_value_and_unit, run_name, Summary};
use super::{png_size, ImageFormat, PlotError, HEIGHT, WIDTH};
use base64::Engine as _;

const CSS: &str = "\
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1680px;\
padding:0 1.5em;color:#222;background:#fff}\
h1{font-size:1.9em;margin-bottom:.2em}\
h2{font-size:1.35em;margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.2em}\
h3{font-size:1.1em;margin:1.2em 0 .4em}\
.sub{color:#666;margin-top:0}\
.groups{display:flex;flex-wrap:wrap;gap:1.5em 3em;align-items:flex-start}\
table{border-collapse:collapse;font-size:.95em}\
td,th{padding:.25em .8em;border-bottom:1px solid #e3e3e3;text-align:left}\
td.v{text-align:right;font-variant-numeric:tabular-nums}\
td.k{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.92em}\
figure{margin:1.5em 0}\
figure img,figure svg{width:100%;height:auto;border:1px solid #ddd}\
figcaption{color:#555;font-size:.9em;margin-top:.3em}";

/// Writes `run_dir/report.html`: the scenario name as title, the summary table (every key of
/// `summary.json`, grouped and formatted with units) and every chart in `plots` (PNG embedded
/// as base64, SVG inlined). Returns the report's path. The page names the run folder by the
/// last component of `run_dir`; see [`write_report_as`] for a folder that is renamed later.
pub fn write_report(run_dir: &Path, plots: &[PathBuf]) -> Result<PathBuf, PlotError> {
    write_report_as(run_dir, &folder_name(run_dir), plots)
}

/// [`write_report`] for a run folder written under a temporary name: the page names the run
/// folder `folder` (its final name) and uses it as the title when the summary has no
/// `scenario_name`.
pub fn write_report_as(run_dir: &Path, folder: &str, plots: &[PathBuf]) -> Result<PathBuf, PlotError> {
    let summary = Summary::read_optional(&run_dir.join("summary.json"))?;
    let title = run_name(folder, &summary);
    let mut html = String::with_capacity(1 << 20);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(&title));
    let _ = writeln!(html, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(html, "<p class=\"sub\">fjord run report &middot; run folder <code>{}</code></p>", escape(folder));

    html.push_str("<h2>Summary</h2>\n");
    if summary.map.is_empty() {
        html.push_str("<p>No summary.json in this run folder.</p>\n");
    } else {
        html.push_str("<div class=\"groups\">\n");
        for (group, keys) in group_keys(&summary) {
            let _ = writeln!(html, "<div>\n<h3>{group}</h3>\n<table>");
            for key in keys {
                let Some(value) = summary.map.get(key) else {
                    continue;
                };
                let (v, unit) = metric_value_and_unit(key, value);
                let _ = writeln!(html, "<tr><td class=\"k\">{}</td><td class=\"v\">{}</td><td>{}</td></tr>", escape(key), escape(&v), escape(unit));
            }
            html.push_str("</table>\n</div>\n");
        }
        html.push_str("</div>\n");
    }

    monthly_table(&mut html, &summary);

    if !plots.is_empty() {
        html.push_str("<h2>Charts</h2>\n");
    }
    for plot in plots {
        let name = plot.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| plot.display().to_string());
        let format = plot
            .extension()
            .and_then(|e| e.to_str())
            .and_then(ImageFormat::from_extension)
            .ok_or_else(|| PlotError::InvalidInput(format!("{}: not a .png or .svg chart", plot.display())))?;
        html.push_str("<figure>\n");
        match format {
            ImageFormat::Png => {
                let bytes = std::fs::read(plot).map_err(|e| PlotError::io(plot, e))?;
                let (w, h) = png_size(&bytes).unwrap_or((WIDTH, HEIGHT));
                let _ = writeln!(
                    html,
                    "<img alt=\"{}\" width=\"{w}\" height=\"{h}\" src=\"data:image/png;base64,{}\">",
                    escape(&name),
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                );
            }
            ImageFormat::Svg => {
                let text = std::fs::read_to_string(plot).map_err(|e| PlotError::io(plot, e))?;
                html.push_str(&inline_svg(&text));
                html.push('\n');
            }
        }
        let _ = writeln!(html, "<figcaption>{}</figcaption>\n</figure>", escape(&name));
    }
    html.push_str("</body>\n</html>\n");

    let path = run_dir.join("report.html");
    std::fs::write(&path, html).map_err(|e| PlotError::io(&path, e))?;
    Ok(path)
}

/// The `monthly` list of a long run's summary as a table (nothing for shorter runs).
fn monthly_table(html: &mut String, summary: &Summary) {
    let Some(months) = summary.map.get("monthly").and_then(|v| v.as_array()) else {
        return;
    };
    html.push_str("<h2>Months</h2>\n<table>\n<tr><th>month</th>");
    for c in crate::output::monthly::COLUMNS {
        let _ = write!(html, "<th>{}</th>", escape(c));
    }
    html.push_str("</tr>\n");
    for m in months {
        let _ = write!(html, "<tr><td>{}</td>", escape(m.get("month").and_then(|v| v.as_str()).unwrap_or("")));
        for c in crate::output::monthly::COLUMNS {
            let v = m.get(c).and_then(|v| v.as_f64()).map(super::data::fmt_human).unwrap_or_else(|| "–".into());
            let _ = write!(html, "<td class=\"v\">{}</td>", escape(&v));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

/// Prepares an SVG document for inlining in HTML: drops any XML prolog/doctype and the
/// `xmlns` attribute (implied in HTML, and it would be the page's only URL).
fn inline_svg(text: &str) -> String {
    let start = text.find("<svg").unwrap_or(0);
    let body = &text[start..];
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    body.replacen("xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Groups summary keys for the report's tables (first matching rule wins; keys keep their
/// sorted order within a group; empty groups are left out).
fn group_keys(summary: &Summary) -> Vec<(&'static str, Vec<&str>)> {
    const RUN: [&str; 6] = ["gpus", "steps", "wall_s", "gpu_steps_per_s", "energy_balance_error_frac", "seed"];
    let mut groups: Vec<(&'static str, Vec<&str>)> = vec![
        ("Power and energy", Vec::new()),
        ("Supply and emissions", Vec::new()),
        ("Temperatures and compute", Vec::new()),
        ("Other", Vec::new()),
        ("Run", Vec::new()),
    ];
    for (key, value) in summary.map.iter().filter(|(_, v)| !v.is_array()) {
        let k = key.as_str();
        let idx = if value.is_string() || RUN.contains(&k) {
            4
        } else if ["renewable", "grid", "carbon", "curtail", "unserved", "battery", "hydro", "wind", "solar", "gas"].iter().any(|w| k.contains(w)) {
            1
        } else if k.ends_with("_c") || k.contains("throttl") || k.contains("compute") || k.contains("temp") {
            2
        } else if k.ends_with("_mwh")
            || k.ends_with("_mw")
            || k.contains("ramp")
            || k.contains("energy")
            || k.contains("power")
            || k == "pue"
            || k.contains("heat")
        {
            0
        } else {
            3
        };
        groups[idx].1.push(k);
    }
    groups.retain(|(_, keys)| !keys.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_prolog_and_namespace_removed() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"1600\" xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>";
        let out = inline_svg(svg);
        assert!(out.starts_with("<svg width=\"1600\""));
        assert!(!out.contains("http"));
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
