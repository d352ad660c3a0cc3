//! The self-contained HTML report of a run (`report.html`): headline cards, a "what
//! happened" list, interactive zoomable charts with linked cursors (uPlot, embedded), a floor
//! map of the hall, the metrics with human labels, units and groups (raw keys on hover), and
//! the static PNG/SVG charts as the printable fallback. No network references: PNG charts are
//! base64 `data:` URIs, SVG charts are inlined, the chart library is embedded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::style::RGBColor;

use base64::Engine as _;

use super::data::{finite_range, fmt_human, folder_name, run_name, Summary, Table, TimeUnit};
use super::floor::{color_at, panel_range, FloorMap};
use super::html::{chart_section, css, css_alpha, full_fits, page_end, page_start, UChart, USeries};
use super::labels::{show, GROUPS};
use super::{png_size, ImageFormat, PlotError, HEIGHT, WIDTH};

pub use super::html::escape;

/// Most entries of the "what happened" list (the rest are counted).
const MAX_HAPPENINGS: usize = 60;
/// Throttling or unserved-demand episodes closer than this (s) are reported as one.
const MERGE_GAP_S: f64 = 300.0;

/// Writes `run_dir/report.html` and returns its path. Reads `summary.json`,
/// `timeseries.csv`, `events.csv` and `racks.csv` where present; `plots` are embedded as the
/// printable charts (PNG as base64, SVG inlined). The page names the run folder by the last
/// component of `run_dir`; see [`write_report_as`] for a folder that is renamed later.
pub fn write_report(run_dir: &Path, plots: &[PathBuf]) -> Result<PathBuf, PlotError> {
    write_report_as(run_dir, &folder_name(run_dir), plots)
}

/// [`write_report`] for a run folder written under a temporary name: the page names the run
/// folder `folder` (its final name) and uses it as the title when the summary has no
/// `scenario_name`.
pub fn write_report_as(run_dir: &Path, folder: &str, plots: &[PathBuf]) -> Result<PathBuf, PlotError> {
    let summary = Summary::read_optional(&run_dir.join("summary.json"))?;
    let title = run_name(folder, &summary);
    let ts_path = run_dir.join("timeseries.csv");
    let ts = if ts_path.is_file() { Some(Table::read(&ts_path, false)?) } else { None };
    let mut html = page_start(&title);
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(html, "<p class=\"sub\">fjord run report &middot; run folder <code>{}</code></p>", escape(folder));

    html.push_str(&cards(&summary));

    html.push_str("<h2>What happened</h2>\n");
    let events = happenings(run_dir, ts.as_ref())?;
    if events.is_empty() {
        html.push_str("<p>No events, job failures, throttling or unserved energy in this run.</p>\n");
    } else {
        html.push_str("<ul class=\"events\">\n");
        for (t, text) in events.iter().take(MAX_HAPPENINGS) {
            let _ = writeln!(html, "<li><span class=\"t\">{}</span> {}</li>", escape(&fmt_clock(*t)), escape(text));
        }
        if events.len() > MAX_HAPPENINGS {
            let _ = writeln!(html, "<li>… and {} more</li>", events.len() - MAX_HAPPENINGS);
        }
        html.push_str("</ul>\n");
    }

    let charts = match &ts {
        Some(ts) => run_charts(ts)?,
        None => Vec::new(),
    };
    // The table is no longer needed: the page's largest parts follow.
    drop(ts);
    chart_section(
        &mut html,
        "Interactive charts",
        "Drag across a chart to zoom (full record resolution once few enough rows are in view), double-click to reset; the cursor is linked across charts. Shaded bands: each record window's minimum and maximum.",
        &charts,
    );

    if let Some(map) = FloorMap::read(run_dir)? {
        html.push_str(&floor_html(&map));
    }

    html.push_str("<h2>Metrics</h2>\n");
    if summary.map.is_empty() {
        html.push_str("<p>No summary.json in this run folder.</p>\n");
    } else {
        html.push_str(&metric_tables(&summary));
    }

    monthly_table(&mut html, &summary);

    finish_page(html, plots, &charts, run_dir)
}

/// Ends a report page (run, compare or sweep): the static charts as the printable fallback,
/// the interactive charts' scripts, and `report.html` written into `dir`. The page is
/// streamed to `report.html.tmp` piece by piece (each chart's PNG encoded on its own) and
/// renamed into place, so its peak memory is the largest piece, not the whole page, and an
/// existing report is replaced whole or not at all.
pub fn finish_page(html: String, plots: &[PathBuf], charts: &[UChart], dir: &Path) -> Result<PathBuf, PlotError> {
    use std::io::Write;
    let path = dir.join("report.html");
    let tmp = dir.join("report.html.tmp");
    let write = |tmp: &Path| -> Result<(), PlotError> {
        let io = |e| PlotError::io(tmp, e);
        let mut w = std::io::BufWriter::new(std::fs::File::create(tmp).map_err(io)?);
        w.write_all(html.as_bytes()).map_err(io)?;
        if !plots.is_empty() {
            w.write_all(b"<h2>Printable charts</h2>\n").map_err(io)?;
        }
        for plot in plots {
            w.write_all(embed_plot(plot)?.as_bytes()).map_err(io)?;
        }
        let mut end = String::new();
        page_end(&mut end, charts);
        w.write_all(end.as_bytes()).map_err(io)?;
        w.flush().map_err(io)
    };
    if let Err(e) = write(&tmp).and_then(|()| std::fs::rename(&tmp, &path).map_err(|e| PlotError::io(&path, e))) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
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

/// One static chart as a `<figure>` (PNG as base64, SVG inlined).
pub fn embed_plot(plot: &Path) -> Result<String, PlotError> {
    let name = plot.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| plot.display().to_string());
    let format = plot
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ImageFormat::from_extension)
        .ok_or_else(|| PlotError::InvalidInput(format!("{}: not a .png or .svg chart", plot.display())))?;
    let mut html = String::from("<figure>\n");
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
    Ok(html)
}

/// Headline cards: the numbers a reader asks for first (absent metrics are left out).
fn cards(summary: &Summary) -> String {
    let mut out = String::new();
    let mut card = |label: &str, value: String, key: &str| {
        let _ = writeln!(
            out,
            "<div class=\"card\" title=\"{}\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
            escape(key),
            escape(&value),
            escape(label)
        );
    };
    if let Some(v) = summary.num("pue") {
        card("PUE", fmt_human(v), "pue");
    }
    if let Some(v) = summary.num("facility_energy_mwh") {
        let text = if v >= 10_000.0 { format!("{} GWh", fmt_human(v / 1000.0)) } else { format!("{} MWh", fmt_human(v)) };
        card("Facility energy", text, "facility_energy_mwh");
    }
    if let Some(v) = summary.num("peak_facility_power_mw") {
        card("Peak facility power", format!("{} MW", fmt_human(v)), "peak_facility_power_mw");
    }
    if let Some(v) = summary.num("renewable_frac") {
        card("Renewable share", format!("{} %", fmt_human(v * 100.0)), "renewable_frac");
    }
    if let Some(v) = summary.num("gpu_temp_max_c") {
        card("Max GPU temperature", format!("{} °C", fmt_human(v)), "gpu_temp_max_c");
    }
    if let Some(v) = summary.num("compute_delivered_frac") {
        card("Compute delivered", format!("{} %", fmt_human(v * 100.0)), "compute_delivered_frac");
    }
    if let Some(v) = summary.num("carbon_t") {
        card("Carbon", format!("{} t CO₂", fmt_human(v)), "carbon_t");
    }
    // Water only when the run consumed some (evaporative heat rejection): a dry plant's 0 m³
    // card would say nothing.
    if let Some(v) = summary.num("water_m3").filter(|v| *v > 0.0) {
        card("Water", format!("{} m³", fmt_human(v)), "water_m3");
    }
    if out.is_empty() {
        return out;
    }
    format!("<div class=\"cards\">\n{out}</div>\n")
}

/// Seconds since start as `+[Nd ]HH:MM:SS[.s]`.
pub fn fmt_clock(t_s: f64) -> String {
    if !t_s.is_finite() {
        return "–".into();
    }
    let whole = t_s.floor();
    let frac = t_s - whole;
    let s = whole as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = if d > 0 { format!("+{d}d {h:02}:{m:02}:{sec:02}") } else { format!("+{h:02}:{m:02}:{sec:02}") };
    if frac > 1e-9 {
        let _ = write!(out, ".{}", ((frac * 10.0).round() as u64).min(9));
    }
    out
}

/// Joins episodes whose gap (from one's last row to the next's first row) is at most
/// `gap_s` seconds of `t`.
pub fn merge_close(eps: Vec<(usize, usize)>, t: &[f64], gap_s: f64) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(eps.len());
    for (a, b) in eps {
        match out.last_mut() {
            Some(last) if t[a] - t[last.1] <= gap_s => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

/// Maximal runs of consecutive rows where `on(i)` holds: `(first, last)` row indices.
pub fn episodes(n: usize, on: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    super::charts::segments(n, on).into_iter().map(|(first, end)| (first, end - 1)).collect()
}

/// The "what happened" entries, sorted by time: `events.csv` rows (scenario events, job
/// failures and restarts), throttling episodes and unserved-energy episodes from the records.
fn happenings(run_dir: &Path, ts: Option<&Table>) -> Result<Vec<(f64, String)>, PlotError> {
    let mut out: Vec<(f64, String)> = Vec::new();
    let ev_path = run_dir.join("events.csv");
    if ev_path.is_file() {
        let table = Table::read(&ev_path, true)?;
        let start = table.require("start_s")?;
        let end = table.num("end_s")?;
        let kinds = table.text("kind").unwrap_or(&[]);
        let details = table.text("detail").unwrap_or(&[]);
        for (i, &start_s) in start.iter().enumerate().take(table.rows()) {
            let kind = kinds.get(i).map_or("", String::as_str).replace('_', " ");
            let detail = details.get(i).map_or("", String::as_str);
            let until = end.and_then(|e| e.get(i)).copied().filter(|v| v.is_finite());
            let span = match until {
                Some(e) if e <= start_s => String::new(),
                Some(e) => format!(" until {} ({})", fmt_clock(e), fmt_duration(e - start_s)),
                None => " to the end of the run".to_string(),
            };
            let text = if detail.is_empty() { format!("{kind}{span}") } else { format!("{kind}: {detail}{span}") };
            out.push((start_s, text));
        }
    }
    if let Some(ts) = ts {
        let t = ts.require("time_s")?;
        let n = t.len();
        let dt = |i: usize| -> f64 {
            if i + 1 < n {
                t[i + 1] - t[i]
            } else if n > 1 {
                t[n - 1] - t[n - 2]
            } else {
                0.0
            }
        };
        if let Some(th) = ts.num("throttled_gpu_frac")? {
            for (a, b) in merge_close(episodes(n, |i| th[i] > 0.0), t, MERGE_GAP_S) {
                let peak = th[a..=b].iter().copied().fold(0.0, f64::max);
                let end = t[b] + dt(b);
                out.push((
                    t[a],
                    format!(
                        "GPUs throttling{} until {} ({}), at most {} % of GPUs",
                        on_off(&th[a..=b], 0.0),
                        fmt_clock(end),
                        fmt_duration(end - t[a]),
                        fmt_human(peak * 100.0)
                    ),
                ));
            }
        }
        if let Some(un) = ts.num("unserved_mw")? {
            for (a, b) in merge_close(episodes(n, |i| un[i] > 1e-9), t, MERGE_GAP_S) {
                let mwh: f64 = (a..=b).map(|i| un[i] * dt(i)).sum::<f64>() / 3600.0;
                let peak = un[a..=b].iter().copied().fold(0.0, f64::max);
                let end = t[b] + dt(b);
                out.push((
                    t[a],
                    format!(
                        "Unserved demand{} until {} ({}): {} MWh, up to {} MW",
                        on_off(&un[a..=b], 1e-9),
                        fmt_clock(end),
                        fmt_duration(end - t[a]),
                        fmt_human(mwh),
                        fmt_human(peak)
                    ),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(out)
}

/// `" on and off"` when some rows of a merged episode are at or below `threshold`.
fn on_off(v: &[f64], threshold: f64) -> &'static str {
    if v.iter().all(|x| *x > threshold) {
        ""
    } else {
        " on and off"
    }
}

fn fmt_duration(s: f64) -> String {
    if s >= 86_400.0 {
        format!("{} d", fmt_human(s / 86_400.0))
    } else if s >= 3600.0 {
        format!("{} h", fmt_human(s / 3600.0))
    } else if s >= 60.0 {
        format!("{} min", fmt_human(s / 60.0))
    } else {
        format!("{} s", fmt_human(s))
    }
}

/// Interactive charts of a run's records: power, supply, temperatures, compute.
fn run_charts(ts: &Table) -> Result<Vec<UChart>, PlotError> {
    let time = ts.require("time_s")?;
    let span = finite_range(time).map(|(a, b)| b - a).unwrap_or(0.0);
    let unit = TimeUnit::for_span(span);
    let x: Vec<f64> = time.iter().map(|s| s / unit.seconds()).collect();
    let x_label = unit.axis_label();
    let n = x.len();
    // (chart id, title, y label, from zero, series: column, label, colour, dashed, band columns)
    type Spec<'a> = (&'a str, &'a str, &'a str, bool, Vec<(&'a str, &'a str, RGBColor, bool)>);
    let specs: Vec<Spec> = vec![
        (
            "chart-power",
            "Power",
            "MW",
            true,
            vec![
                ("facility_power_mw", "Facility", RGBColor(0, 0, 0), false),
                ("it_power_mw", "IT", RGBColor(31, 119, 180), false),
                ("gpu_power_mw", "GPUs", RGBColor(74, 144, 196), true),
                ("cooling_power_mw", "Cooling", RGBColor(23, 190, 207), false),
                ("electrical_loss_mw", "Electrical losses", RGBColor(253, 160, 80), false),
            ],
        ),
        (
            "chart-supply",
            "Supply",
            "MW",
            true,
            vec![
                ("hydro_mw", "Hydro", RGBColor(74, 144, 196), false),
                ("wind_mw", "Wind", RGBColor(92, 200, 210), false),
                ("solar_mw", "Solar", RGBColor(240, 190, 30), false),
                ("gas_mw", "Gas", RGBColor(140, 86, 75), false),
                ("grid_import_mw", "Grid import", RGBColor(120, 120, 120), false),
                ("battery_mw", "Battery (+ discharge)", RGBColor(148, 103, 189), false),
                ("curtailed_mw", "Curtailed", RGBColor(44, 160, 44), true),
                ("unserved_mw", "Unserved", RGBColor(214, 39, 40), false),
            ],
        ),
        (
            "chart-temperatures",
            "Temperatures",
            "°C",
            false,
            vec![
                ("ambient_c", "Ambient", RGBColor(127, 127, 127), false),
                ("fws_supply_c", "Facility water supply", RGBColor(31, 119, 180), false),
                ("tcs_supply_c", "TCS supply", RGBColor(44, 160, 44), false),
                ("tcs_return_c", "TCS return", RGBColor(44, 160, 44), true),
                ("gpu_temp_mean_c", "GPU mean", RGBColor(255, 127, 14), false),
                ("gpu_temp_max_c", "GPU max", RGBColor(214, 39, 40), false),
            ],
        ),
        (
            "chart-compute",
            "Compute and throttling",
            "%",
            true,
            vec![
                ("compute_delivered_frac", "Compute delivered", RGBColor(31, 119, 180), false),
                ("throttled_gpu_frac", "Throttled GPUs", RGBColor(214, 39, 40), false),
            ],
        ),
    ];
    // Count the columns first so the full-resolution budget is shared by the page.
    type Planned<'a> = (&'a Spec<'a>, Vec<(Vec<f64>, USeries)>, Vec<(usize, usize, String)>);
    let mut planned: Vec<Planned> = Vec::new();
    let mut total_cols = 0;
    for spec in &specs {
        let mut cols: Vec<(Vec<f64>, USeries)> = Vec::new();
        let mut bands = Vec::new();
        for &(name, label, color, dashed) in &spec.4 {
            let Some(v) = ts.num(name)? else {
                continue;
            };
            if spec.0 == "chart-supply" && !v.iter().any(|x| x.is_finite() && x.abs() > 1e-9) {
                continue;
            }
            let scale = if name.ends_with("_frac") { 100.0 } else { 1.0 };
            let y: Vec<f64> = v.iter().map(|x| x * scale).collect();
            let mut s = USeries::line(label, &css(color));
            s.dash = dashed;
            if name == "facility_power_mw" {
                s.width = 2.0;
            }
            cols.push((y, s));
            // Window extremes as a shaded band for the headline series only (more would bury
            // the legend); the static charts draw every envelope.
            let banded = matches!(name, "facility_power_mw" | "grid_import_mw");
            if let (true, Some(lo), Some(hi)) = (banded, ts.num(&format!("{name}_min"))?, ts.num(&format!("{name}_max"))?) {
                let idx = cols.len(); // series index of the line (x is 0)
                let mut up = USeries::line(format!("{label} window max"), &css_alpha(color, 0.35));
                up.width = 0.5;
                let mut down = USeries::line(format!("{label} window min"), &css_alpha(color, 0.35));
                down.width = 0.5;
                cols.push((hi.to_vec(), up));
                cols.push((lo.to_vec(), down));
                bands.push((idx + 1, idx + 2, css_alpha(color, 0.15)));
            }
        }
        if cols.is_empty() {
            continue;
        }
        total_cols += cols.len() + 1;
        planned.push((spec, cols, bands));
    }
    let full_ok = full_fits(n, total_cols);
    let mut charts = Vec::new();
    for (spec, cols, bands) in planned {
        let (columns, series): (Vec<Vec<f64>>, Vec<USeries>) = cols.into_iter().unzip();
        let mut c = UChart::new(spec.0, spec.1, x_label, spec.2, &x, &columns, series, full_ok);
        c.y_from_zero = spec.3;
        c.bands = bands;
        charts.push(c);
    }
    Ok(charts)
}

/// The floor map as an HTML grid (max GPU temperature; hover for the rack's numbers).
fn floor_html(map: &FloorMap) -> String {
    let mut html = String::from("<h2>Floor map</h2>\n<p class=\"hint\">CDUs as rows, their racks as columns, coloured by each rack's maximum GPU temperature; hover a cell for its numbers. The printable floor map below adds throttled GPU-seconds and energy.</p>\n");
    let Some(temp) = map.panels.iter().find(|p| p.key == "gpu_temp_max_c").or(map.panels.first()) else {
        return html;
    };
    let (lo, hi) = panel_range(temp);
    let _ = writeln!(html, "<p>{}: {} (blue) to {} (dark red)</p>\n<table class=\"floor\">", escape(&temp.title), fmt_human(lo), fmt_human(hi));
    for (c, row) in map.racks.iter().enumerate() {
        let _ = write!(html, "<tr><th>CDU {c}</th>");
        for (p, rack) in row.iter().enumerate() {
            let mut tip = format!("rack {rack}, CDU {c}");
            for panel in &map.panels {
                let v = panel.grid[c][p];
                let _ = write!(tip, "; {}: {}", panel.title, fmt_human(v));
            }
            let col = color_at(temp.colors, temp.grid[c][p], lo, hi);
            let _ = write!(html, "<td style=\"background:{}\" title=\"{}\"></td>", css(col), escape(&tip));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// The metrics, grouped, with human labels and units; raw keys on hover.
fn metric_tables(summary: &Summary) -> String {
    let mut groups: Vec<Vec<String>> = vec![Vec::new(); GROUPS.len()];
    for (key, value) in &summary.map {
        let s = show(key, value);
        groups[s.group].push(format!(
            "<tr title=\"{}\"><td>{}</td><td class=\"v\">{}</td><td>{}</td></tr>",
            escape(key),
            escape(&s.label),
            escape(&s.value),
            escape(&s.unit)
        ));
    }
    let mut html = String::from("<div class=\"groups\">\n");
    for (g, rows) in groups.iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(html, "<div>\n<h3>{}</h3>\n<table>", GROUPS[g]);
        for r in rows {
            html.push_str(r);
            html.push('\n');
        }
        html.push_str("</table>\n</div>\n");
    }
    html.push_str("</div>\n");
    html
}

/// Prepares an SVG document for inlining in HTML: drops any XML prolog/doctype and the
/// `xmlns` attribute (implied in HTML, and it would be the page's only URL).
fn inline_svg(text: &str) -> String {
    let start = text.find("<svg").unwrap_or(0);
    let body = &text[start..];
    let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    body.replacen("xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
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

    #[test]
    fn clock_and_episodes() {
        assert_eq!(fmt_clock(0.0), "+00:00:00");
        assert_eq!(fmt_clock(3723.0), "+01:02:03");
        assert_eq!(fmt_clock(90_061.5), "+1d 01:01:01.5");
        let v = [0.0, 1.0, 1.0, 0.0, 2.0];
        assert_eq!(episodes(v.len(), |i| v[i] > 0.0), vec![(1, 2), (4, 4)]);
        assert!(episodes(0, |_| true).is_empty());
        let t = [0.0, 10.0, 20.0, 400.0, 410.0, 420.0];
        assert_eq!(merge_close(vec![(0, 0), (2, 2), (4, 5)], &t, 300.0), vec![(0, 2), (4, 5)]);
    }
}
