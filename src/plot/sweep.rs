//! Charts of a parameter sweep (`fjord sweep`): each summary metric of `sweep.csv` against
//! the first varied key, one line per value of the second varied key.

use std::path::{Path, PathBuf};

use super::charts::{draw_chart, AxisSpec, Chart, Layer, PALETTE};
use super::data::{unit_of, Table};
use super::{ImageFormat, PlotError};

/// Metrics drawn by default (each only if its column is present): key and description.
const METRICS: [(&str, &str); 9] = [
    ("pue", "PUE"),
    ("gpu_temp_max_c", "Hottest GPU temperature"),
    ("throttled_gpu_hours", "Throttled GPU-hours"),
    ("compute_delivered_frac", "Compute delivered"),
    ("facility_energy_mwh", "Facility energy"),
    ("peak_facility_power_mw", "Peak facility power"),
    ("max_ramp_mw_per_s", "Max ramp of net draw"),
    ("carbon_t", "Carbon emissions"),
    ("unserved_mwh", "Unserved energy"),
];

/// Draws the key metrics of `sweep_csv` against `varied_keys[0]` into `out_dir` as
/// `sweep_<metric>.png|svg`; see [`plot_sweep_metrics`].
pub fn plot_sweep(sweep_csv: &Path, varied_keys: &[String], out_dir: &Path, format: ImageFormat) -> Result<Vec<PathBuf>, PlotError> {
    plot_sweep_metrics(sweep_csv, varied_keys, &[], out_dir, format)
}

/// Like [`plot_sweep`], also drawing the metrics named in `extra_metrics`.
///
/// `sweep.csv` has one row per case: the varied keys' columns (header = dotted key), `case`,
/// then numeric summary metrics. The x axis is the first varied key (numeric if every value
/// is a number, else categorical in order of first appearance); with a second varied key
/// there is one line per distinct value of it (legend `key = value`), points marked. The
/// first varied key's column is required; metrics absent or without any number are skipped.
/// `_frac` metrics are drawn in %.
pub fn plot_sweep_metrics(
    sweep_csv: &Path,
    varied_keys: &[String],
    extra_metrics: &[String],
    out_dir: &Path,
    format: ImageFormat,
) -> Result<Vec<PathBuf>, PlotError> {
    let (x_key, table, x, categories) = read_against_first_key(sweep_csv, varied_keys, " to plot against")?;

    // Group rows by the second varied key, if there is one (numeric values in order).
    let groups: Vec<(Option<String>, Vec<usize>)> = match value_groups(&table, varied_keys) {
        Some((key, mut distinct)) => {
            if distinct.iter().all(|(v, _)| v.parse::<f64>().is_ok()) {
                distinct.sort_by(|(a, _), (b, _)| {
                    let (a, b) = (a.parse::<f64>().unwrap_or(0.0), b.parse::<f64>().unwrap_or(0.0));
                    a.total_cmp(&b)
                });
            }
            distinct.into_iter().map(|(d, rows)| (Some(format!("{key} = {d}")), rows)).collect()
        }
        None => vec![(None, (0..table.rows()).collect())],
    };

    let mut metrics: Vec<(String, String)> = METRICS.iter().map(|(k, d)| (k.to_string(), d.to_string())).collect();
    for m in extra_metrics {
        if !metrics.iter().any(|(k, _)| k == m) {
            metrics.push((m.clone(), m.clone()));
        }
    }

    std::fs::create_dir_all(out_dir).map_err(|e| PlotError::io(out_dir, e))?;
    let mut written = Vec::new();
    for (metric, description) in metrics {
        let Some(values) = table.num(&metric)? else {
            continue;
        };
        if !values.iter().any(|v| v.is_finite()) {
            continue;
        }
        let is_frac = metric.ends_with("_frac");
        let scale = if is_frac { 100.0 } else { 1.0 };
        let unit = if is_frac { "%" } else { unit_of(&metric) };
        let y_label = if unit.is_empty() { metric.clone() } else { format!("{metric} [{unit}]") };
        let mut chart = Chart {
            title: format!("{description} vs {x_key}"),
            x_label: x_key.clone(),
            y_label,
            x_categories: categories.clone(),
            y_axis: AxisSpec { min_span: 1e-6, ..AxisSpec::auto() },
            ..Chart::default()
        };
        for (g, (label, rows)) in groups.iter().enumerate() {
            let mut pts: Vec<(f64, f64)> =
                rows.iter().filter_map(|&i| Some((*x.get(i)?, values.get(i)? * scale))).filter(|(a, b)| a.is_finite() && b.is_finite()).collect();
            if pts.is_empty() {
                continue;
            }
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
            let label = label.clone().unwrap_or_else(|| metric.clone());
            chart.layers.push(Layer::line(label, PALETTE[g % PALETTE.len()], &xs, &ys).with_markers());
        }
        if chart.has_data() {
            let path = out_dir.join(format!("sweep_{metric}.{}", format.extension()));
            draw_chart(&chart, &path, format)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Writes `report.html` of a sweep into `out_dir`: one interactive chart per metric of
/// `sweep_csv` against the first varied key (one line per value of the second), the case
/// table with human metric labels (raw keys on hover), and the static `plots`.
pub fn write_sweep_report(sweep_csv: &Path, varied_keys: &[String], plots: &[PathBuf], out_dir: &Path) -> Result<PathBuf, PlotError> {
    use super::html::{align, chart_section, css, escape, page_start, UChart, USeries};
    use super::labels::{label_of, unit_and_scale};
    use std::fmt::Write as _;
    let (x_key, table, x, categories) = read_against_first_key(sweep_csv, varied_keys, "")?;
    let groups: Vec<(String, Vec<usize>)> = match value_groups(&table, varied_keys) {
        Some((key, distinct)) => distinct.into_iter().map(|(d, rows)| (format!("{key} = {d}"), rows)).collect(),
        None => vec![(String::new(), (0..table.rows()).collect())],
    };
    let title = format!("Sweep over {}", varied_keys.join(", "));
    let mut html = page_start(&title);
    let _ = writeln!(html, "<h1>{}</h1>\n<p class=\"sub\">fjord sweep report &middot; {} cases</p>", escape(&title), table.rows());
    let skip: Vec<&str> = varied_keys.iter().map(String::as_str).chain(["case"]).collect();
    let metric_cols: Vec<&String> = table.headers.iter().filter(|h| !skip.contains(&h.as_str()) && table.is_numeric(h)).collect();
    let mut charts = Vec::new();
    for metric in &metric_cols {
        let Some(values) = table.num(metric)? else {
            continue;
        };
        // A metric the sweep does not move gets no chart (it stays in the case table).
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        let (unit, scale) = unit_and_scale(metric);
        let mut inputs: Vec<(Vec<f64>, Vec<f64>, String)> = Vec::new();
        for (label, rows) in &groups {
            let mut pts: Vec<(f64, f64)> = rows.iter().map(|&i| (x[i], values[i] * scale)).filter(|(a, b)| a.is_finite() && b.is_finite()).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            if !pts.is_empty() {
                inputs.push((
                    pts.iter().map(|p| p.0).collect(),
                    pts.iter().map(|p| p.1).collect(),
                    if label.is_empty() { label_of(metric) } else { label.clone() },
                ));
            }
        }
        if inputs.is_empty() {
            continue;
        }
        let refs: Vec<(&[f64], &[f64])> = inputs.iter().map(|(a, b, _)| (a.as_slice(), b.as_slice())).collect();
        let (xs, columns) = align(&refs, usize::MAX);
        let series = inputs
            .iter()
            .enumerate()
            .map(|(g, (_, _, label))| {
                let mut s = USeries::line(label.clone(), &css(PALETTE[g % PALETTE.len()]));
                s.points = true;
                s.span_gaps = true;
                s.width = 2.0;
                s
            })
            .collect();
        let y_label = if unit.is_empty() { label_of(metric) } else { format!("{} [{unit}]", label_of(metric)) };
        let mut c =
            UChart::new(&format!("sweep-{metric}"), &format!("{} vs {x_key}", label_of(metric)), x_key, &y_label, &xs, &columns, series, false);
        c.x_categories = categories.clone();
        c.height = 280;
        charts.push(c);
    }
    chart_section(&mut html, "Metrics against the varied key", "Drag to zoom, double-click to reset.", &charts);
    html.push_str("<h2>Cases</h2>\n<table>\n<tr>");
    for h in &table.headers {
        let (unit, _) = unit_and_scale(h);
        let label = if skip.contains(&h.as_str()) { h.clone() } else { label_of(h) };
        let label = if unit.is_empty() || skip.contains(&h.as_str()) { label } else { format!("{label} [{unit}]") };
        let _ = write!(html, "<th title=\"{}\">{}</th>", escape(h), escape(&label));
    }
    html.push_str("</tr>\n");
    for i in 0..table.rows() {
        html.push_str("<tr>");
        for h in &table.headers {
            let text = table.text(h).and_then(|t| t.get(i)).cloned().unwrap_or_default();
            let shown = match (skip.contains(&h.as_str()), text.parse::<f64>()) {
                (false, Ok(v)) => super::data::fmt_human(v * unit_and_scale(h).1),
                _ => text,
            };
            let _ = write!(html, "<td class=\"v\">{}</td>", escape(&shown));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    super::report::finish_page(html, plots, &charts, out_dir)
}

/// `sweep_csv` read against the first of `varied_keys`: that key, the table, and the rows' x
/// positions and categories ([`x_positions`]). Without a varied key the message ends in
/// `purpose`; the key's column is required.
#[allow(clippy::type_complexity)]
fn read_against_first_key<'k>(
    sweep_csv: &Path,
    varied_keys: &'k [String],
    purpose: &str,
) -> Result<(&'k String, Table, Vec<f64>, Option<Vec<String>>), PlotError> {
    let Some(x_key) = varied_keys.first() else {
        return Err(PlotError::InvalidInput(format!("{}: a sweep needs at least one varied key{purpose}", sweep_csv.display())));
    };
    let table = Table::read(sweep_csv, true)?;
    let x_text = table.text(x_key).ok_or_else(|| PlotError::MissingColumn { path: sweep_csv.to_path_buf(), column: x_key.clone() })?;
    let (x, categories) = x_positions(&table, x_key, x_text);
    Ok((x_key, table, x, categories))
}

/// With a second varied key that `table` holds: that key and its distinct values in order of
/// first appearance, each with the rows that have it.
#[allow(clippy::type_complexity)]
fn value_groups<'t>(table: &'t Table, varied_keys: &'t [String]) -> Option<(&'t String, Vec<(&'t String, Vec<usize>)>)> {
    let key = varied_keys.get(1).filter(|k| table.has(k))?;
    let values = table.text(key).unwrap_or(&[]);
    let mut distinct: Vec<&String> = Vec::new();
    for v in values {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    Some((key, distinct.into_iter().map(|d| (d, (0..values.len()).filter(|&i| &values[i] == d).collect())).collect()))
}

/// X positions of the rows: the numbers themselves if the column is numeric, else category
/// indices in order of first appearance (with the category names).
fn x_positions(table: &Table, key: &str, text: &[String]) -> (Vec<f64>, Option<Vec<String>>) {
    if table.is_numeric(key) {
        if let Ok(Some(v)) = table.num(key) {
            return (v.to_vec(), None);
        }
    }
    let mut cats: Vec<String> = Vec::new();
    let x = text
        .iter()
        .map(|t| match cats.iter().position(|c| c == t) {
            Some(p) => p as f64,
            None => {
                cats.push(t.clone());
                (cats.len() - 1) as f64
            }
        })
        .collect();
    (x, Some(cats))
}
