//! Comparison of several runs (`fjord compare`): overlay charts of the key series, one colour
//! per run, and a side-by-side table of summary metrics (`comparison.csv`, `comparison.md`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::charts::{draw_chart, AxisSpec, Chart, Layer, PALETTE};
use super::data::{finite_range, fmt_human, fmt_machine, fmt_signed, folder_name, run_name, Summary, Table, TimeUnit};
use super::{ImageFormat, PlotError};

/// The overlaid series: column, chart title, y axis label, scale (fractions shown in %),
/// and whether the y range starts at zero.
const SERIES: [(&str, &str, &str, f64, bool); 10] = [
    ("facility_power_mw", "Facility power", "Power [MW]", 1.0, true),
    ("it_power_mw", "IT power", "Power [MW]", 1.0, true),
    ("pue", "PUE (window)", "PUE [-]", 1.0, false),
    ("gpu_temp_max_c", "Hottest GPU", "Temperature [°C]", 1.0, false),
    ("gpu_temp_mean_c", "Mean GPU temperature", "Temperature [°C]", 1.0, false),
    ("fws_supply_c", "Facility water supply temperature", "Temperature [°C]", 1.0, false),
    ("throttled_gpu_frac", "Throttled GPUs", "Throttled GPUs [%]", 100.0, true),
    ("compute_delivered_frac", "Compute delivered", "Compute delivered [%]", 100.0, false),
    ("grid_import_mw", "Grid import", "Power [MW]", 1.0, true),
    ("battery_soc_frac", "Battery state of charge", "State of charge [%]", 100.0, true),
];

struct RunIn {
    dir: PathBuf,
    name: String,
    summary: Summary,
    ts: Table,
}

/// Compares the runs in `run_dirs` (at least two): writes into `out_dir` (created if missing)
/// one overlay chart per key series present in any run (`compare_<column>.png|svg`: facility
/// and IT power, PUE, hottest and mean GPU, facility water supply, throttled GPUs, compute
/// delivered, grid import, battery charge), `comparison.csv` (metric, each run's value, then
/// for runs 2..n the difference to run 1) and `comparison.md` (the same as a Markdown table).
/// Runs are named by `scenario_name` (else folder name; duplicates get the folder name
/// appended), and `report.html` (interactive overlays, the metric table with labels, units
/// and deltas, the charts). Returns the written paths: the charts, the CSV, the Markdown
/// file and the report.
///
/// The delta column is named `delta_vs_<run 1>` when two runs are compared, and
/// `delta_<run k>_vs_<run 1>` when more are.
pub fn compare_runs(run_dirs: &[PathBuf], out_dir: &Path, format: ImageFormat) -> Result<Vec<PathBuf>, PlotError> {
    if run_dirs.len() < 2 {
        return Err(PlotError::TooFewRuns { got: run_dirs.len() });
    }
    let mut runs = Vec::with_capacity(run_dirs.len());
    for dir in run_dirs {
        let ts = Table::read(&dir.join("timeseries.csv"), false)?;
        ts.require("time_s")?;
        let summary = Summary::read_optional(&dir.join("summary.json"))?;
        runs.push(RunIn { dir: dir.clone(), name: run_name(&folder_name(dir), &summary), summary, ts });
    }
    disambiguate(&mut runs);
    std::fs::create_dir_all(out_dir).map_err(|e| PlotError::io(out_dir, e))?;

    let mut written = Vec::new();
    let span = runs.iter().filter_map(|r| r.ts.num("time_s").ok().flatten().and_then(finite_range)).map(|(a, b)| b - a).fold(0.0, f64::max);
    let unit = TimeUnit::for_span(span);
    for (col, title, y_label, scale, from_zero) in SERIES {
        let mut chart = Chart {
            title: format!("{title}: {} runs compared", runs.len()),
            x_label: unit.axis_label().to_string(),
            y_label: y_label.to_string(),
            y_axis: if from_zero { AxisSpec::from_zero() } else { AxisSpec { min_span: 0.01, ..AxisSpec::auto() } },
            ..Chart::default()
        };
        for (i, run) in runs.iter().enumerate() {
            let (Some(time), Some(values)) = (run.ts.num("time_s")?, run.ts.num(col)?) else {
                continue;
            };
            let t: Vec<f64> = time.iter().map(|s| s / unit.seconds()).collect();
            let y: Vec<f64> = values.iter().map(|v| v * scale).collect();
            chart.layers.push(Layer::line(run.name.clone(), PALETTE[i % PALETTE.len()], &t, &y));
        }
        if chart.has_data() {
            let path = out_dir.join(format!("compare_{col}.{}", format.extension()));
            draw_chart(&chart, &path, format)?;
            written.push(path);
        }
    }

    let (header, rows) = comparison_rows(&runs);
    let csv_path = out_dir.join("comparison.csv");
    write_csv(&csv_path, &header, &rows)?;
    written.push(csv_path);
    let md_path = out_dir.join("comparison.md");
    let md = markdown(&runs, &header, &rows);
    std::fs::write(&md_path, md).map_err(|e| PlotError::io(&md_path, e))?;
    written.push(md_path);
    let charts: Vec<PathBuf> = written.iter().filter(|p| p.extension().is_some_and(|e| e == format.extension())).cloned().collect();
    written.push(write_compare_report(&runs, &header, &rows, unit, &charts, out_dir)?);
    Ok(written)
}

/// `report.html` of a comparison: the runs, interactive overlays of the key series (one
/// colour per run, linked cursors, zoomable), the metric table with labels, units and deltas
/// to the first run, and the static charts as the printable fallback.
fn write_compare_report(
    runs: &[RunIn],
    header: &[String],
    rows: &Rows,
    unit: TimeUnit,
    plots: &[PathBuf],
    out_dir: &Path,
) -> Result<PathBuf, PlotError> {
    use super::html::{align, chart_section, css, escape, page_start, UChart, USeries, OVERVIEW_POINTS};
    use super::labels::{label_of, unit_and_scale};
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    let title = format!("Comparison: {}", names.join(" vs "));
    let mut html = page_start(&title);
    let _ = writeln!(html, "<h1>{}</h1>\n<ol>", escape(&title));
    for (i, run) in runs.iter().enumerate() {
        let _ = writeln!(
            html,
            "<li style=\"color:{}\"><b>{}</b> — <code>{}</code></li>",
            css(PALETTE[i % PALETTE.len()]),
            escape(&run.name),
            escape(&folder_name(&run.dir))
        );
    }
    html.push_str("</ol>\n");
    let mut charts = Vec::new();
    for (col, chart_title, y_label, scale, from_zero) in SERIES {
        let mut inputs: Vec<(Vec<f64>, Vec<f64>, usize)> = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            if let (Some(time), Some(values)) = (run.ts.num("time_s")?, run.ts.num(col)?) {
                inputs.push((time.iter().map(|s| s / unit.seconds()).collect(), values.iter().map(|v| v * scale).collect(), i));
            }
        }
        if inputs.is_empty() {
            continue;
        }
        let refs: Vec<(&[f64], &[f64])> = inputs.iter().map(|(x, y, _)| (x.as_slice(), y.as_slice())).collect();
        let (x, columns) = align(&refs, (OVERVIEW_POINTS / inputs.len()).max(100));
        let series = inputs
            .iter()
            .map(|(_, _, i)| {
                let mut s = USeries::line(runs[*i].name.clone(), &css(PALETTE[*i % PALETTE.len()]));
                s.span_gaps = true;
                s
            })
            .collect();
        let mut c = UChart::new(&format!("cmp-{col}"), chart_title, unit.axis_label(), y_label, &x, &columns, series, false);
        c.y_from_zero = from_zero;
        c.max_points = usize::MAX;
        charts.push(c);
    }
    chart_section(&mut html, "Interactive overlays", "Drag to zoom, double-click to reset; cursors are linked.", &charts);
    html.push_str("<h2>Metrics</h2>\n<table>\n<tr><th>Metric</th>");
    for h in &header[1..] {
        let _ = write!(html, "<th class=\"v\">{}</th>", escape(h));
    }
    html.push_str("<th>Unit</th></tr>\n");
    for (key, cells, deltas) in rows {
        let (unit_text, unit_scale) = unit_and_scale(key);
        let _ = write!(html, "<tr title=\"{}\"><td>{}</td>", escape(key), escape(&label_of(key)));
        for c in cells {
            let v = c.num.map_or_else(|| c.human.clone(), |v| fmt_human(v * unit_scale));
            let _ = write!(html, "<td class=\"v\">{}</td>", escape(&v));
        }
        for d in deltas {
            let _ = write!(html, "<td class=\"v\">{}</td>", escape(&d.map(|d| fmt_signed(d * unit_scale)).unwrap_or_default()));
        }
        let _ = writeln!(html, "<td>{}</td></tr>", escape(&unit_text));
    }
    html.push_str("</table>\n");
    super::report::finish_page(html, plots, &charts, out_dir)
}

fn disambiguate(runs: &mut [RunIn]) {
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    for (i, run) in runs.iter_mut().enumerate() {
        if names.iter().filter(|n| **n == names[i]).count() > 1 {
            let folder = folder_name(&run.dir);
            if folder != run.name {
                run.name = format!("{} ({folder})", run.name);
            }
        }
    }
    // Still equal (same folder names in different parents): number them.
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    for (i, run) in runs.iter_mut().enumerate() {
        if names.iter().filter(|n| **n == names[i]).count() > 1 {
            run.name = format!("{} #{}", run.name, i + 1);
        }
    }
}

/// A cell of the comparison: the machine-readable text and the number, if it is one.
struct Cell {
    text: String,
    human: String,
    num: Option<f64>,
}

fn cell(value: Option<&serde_json::Value>) -> Cell {
    match value {
        Some(serde_json::Value::Number(n)) => match n.as_f64().filter(|v| v.is_finite()) {
            Some(v) => Cell { text: fmt_machine(v), human: fmt_human(v), num: Some(v) },
            None => Cell { text: n.to_string(), human: n.to_string(), num: None },
        },
        Some(serde_json::Value::String(s)) => Cell { text: s.clone(), human: s.clone(), num: None },
        Some(serde_json::Value::Null) | None => Cell { text: String::new(), human: "–".into(), num: None },
        Some(other) => Cell { text: other.to_string(), human: other.to_string(), num: None },
    }
}

type Rows = Vec<(String, Vec<Cell>, Vec<Option<f64>>)>;

fn comparison_rows(runs: &[RunIn]) -> (Vec<String>, Rows) {
    let first = &runs[0].name;
    let mut header = vec!["metric".to_string()];
    header.extend(runs.iter().map(|r| r.name.clone()));
    for run in &runs[1..] {
        header.push(if runs.len() == 2 { format!("delta_vs_{first}") } else { format!("delta_{}_vs_{first}", run.name) });
    }
    // Every metric of any run, in sorted order.
    let keys: BTreeSet<&String> = runs.iter().flat_map(|r| r.summary.map.iter().filter(|(_, v)| !v.is_array()).map(|(k, _)| k)).collect();
    let rows = keys
        .into_iter()
        .map(|key| {
            let cells: Vec<Cell> = runs.iter().map(|r| cell(r.summary.map.get(key))).collect();
            let deltas = cells[1..]
                .iter()
                .map(|c| match (c.num, cells[0].num) {
                    (Some(v), Some(v0)) => Some(v - v0),
                    _ => None,
                })
                .collect();
            (key.clone(), cells, deltas)
        })
        .collect();
    (header, rows)
}

fn write_csv(path: &Path, header: &[String], rows: &Rows) -> Result<(), PlotError> {
    let io = |e: std::io::Error| PlotError::io(path, e);
    let mut w = csv::Writer::from_path(path).map_err(|e| PlotError::io(path, e.into()))?;
    w.write_record(header).map_err(|e| io(e.into()))?;
    for (key, cells, deltas) in rows {
        let mut rec = vec![key.clone()];
        rec.extend(cells.iter().map(|c| c.text.clone()));
        rec.extend(deltas.iter().map(|d| d.map(fmt_machine).unwrap_or_default()));
        w.write_record(&rec).map_err(|e| io(e.into()))?;
    }
    w.flush().map_err(io)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(runs: &[RunIn], header: &[String], rows: &Rows) -> String {
    let mut md = String::new();
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    let _ = writeln!(md, "# Comparison: {}\n", names.join(" vs "));
    for (i, run) in runs.iter().enumerate() {
        let _ = writeln!(md, "{}. {} — `{}`", i + 1, run.name, run.dir.display());
    }
    md.push('\n');
    let _ = writeln!(md, "| {} |", header.iter().map(|h| md_escape(h)).collect::<Vec<_>>().join(" | "));
    let align: Vec<&str> = header.iter().enumerate().map(|(i, _)| if i == 0 { "---" } else { "---:" }).collect();
    let _ = writeln!(md, "| {} |", align.join(" | "));
    for (key, cells, deltas) in rows {
        let mut parts = vec![format!("`{}`", md_escape(key))];
        parts.extend(cells.iter().map(|c| md_escape(&c.human)));
        parts.extend(deltas.iter().map(|d| d.map(fmt_signed).unwrap_or_default()));
        let _ = writeln!(md, "| {} |", parts.join(" | "));
    }
    md
}
