//! The charts of one run folder (`plot_run`): power stack, temperatures, GPU spread, supply
//! mix, ramp histogram, compute, cooling and per-rack temperatures.

use std::path::{Path, PathBuf};

use plotters::style::{RGBColor, BLACK};

use super::charts::{draw_chart, draw_image, stacked, AxisSpec, Chart, Histogram, Layer, PALETTE};
use super::data::{any_nonzero, finite_range, fmt_human, Summary, Table, TimeUnit};
use super::{ImageFormat, PlotError};

struct Run {
    ts: Table,
    t: Vec<f64>,
    unit: TimeUnit,
    summary: Summary,
}

impl Run {
    fn col(&self, name: &str) -> Result<Option<&[f64]>, PlotError> {
        self.ts.num(name)
    }

    /// A line of column `name`; where the recorder wrote `<name>_min`/`<name>_max`, they
    /// give the envelope around it.
    fn line(&self, name: &str, label: &str, color: RGBColor, scale: f64) -> Result<Option<Layer>, PlotError> {
        let Some(v) = self.col(name)? else {
            return Ok(None);
        };
        let scaled = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| x * scale).collect() };
        let y = scaled(v);
        let lo = self.col(&format!("{name}_min"))?.map(scaled);
        let hi = self.col(&format!("{name}_max"))?.map(scaled);
        let extremes = match (&lo, &hi) {
            (Some(l), Some(h)) => Some((l.as_slice(), h.as_slice())),
            _ => None,
        };
        Ok(Some(Layer::line_with_extremes(label, color, &self.t, &y, extremes)))
    }

    fn time_chart(&self, title: &str, y_label: &str) -> Chart {
        Chart { title: title.to_string(), x_label: self.unit.axis_label().to_string(), y_label: y_label.to_string(), ..Chart::default() }
    }
}

/// Implementation of [`super::plot_run`].
pub(super) fn plot_run_impl(run_dir: &Path, format: ImageFormat) -> Result<Vec<PathBuf>, PlotError> {
    let ts_path = run_dir.join("timeseries.csv");
    let ts = Table::read(&ts_path, false)?;
    let time = ts.require("time_s")?.to_vec();
    let summary = Summary::read_optional(&run_dir.join("summary.json"))?;
    let span = finite_range(&time).map(|(a, b)| b - a).unwrap_or(0.0);
    let unit = TimeUnit::for_span(span);
    let t: Vec<f64> = time.iter().map(|s| s / unit.seconds()).collect();
    let run = Run { ts, t, unit, summary };

    let plots_dir = run_dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| PlotError::io(&plots_dir, e))?;
    let ext = format.extension();
    let zoom = power_zoom_chart(&run)?;
    let charts: Vec<(&str, Option<Chart>)> = vec![
        ("power", Some(power_chart(&run)?)),
        ("power_zoom", zoom),
        ("temperatures", Some(temperature_chart(&run)?)),
        ("gpu_spread", Some(spread_chart(&run)?)),
        ("supply", supply_chart(&run)?),
    ];
    let later: Vec<(&str, Option<Chart>)> =
        vec![("compute", Some(compute_chart(&run)?)), ("cooling", Some(cooling_chart(&run)?)), ("monthly", monthly_chart(run_dir)?)];
    let mut written = Vec::new();
    for (name, chart) in charts {
        if let Some(chart) = chart.filter(Chart::has_data) {
            let path = plots_dir.join(format!("{name}.{ext}"));
            draw_chart(&chart, &path, format)?;
            written.push(path);
        }
    }
    if let Some(hist) = ramp_histogram(run_dir, &run)? {
        let path = plots_dir.join(format!("ramps.{ext}"));
        draw_image(&hist, &path, format)?;
        written.push(path);
    }
    for (name, chart) in later {
        if let Some(chart) = chart.filter(Chart::has_data) {
            let path = plots_dir.join(format!("{name}.{ext}"));
            draw_chart(&chart, &path, format)?;
            written.push(path);
        }
    }
    if let Some(map) = super::floor::FloorMap::read(run_dir)? {
        let path = plots_dir.join(format!("floor_map.{ext}"));
        draw_image(&map, &path, format)?;
        written.push(path);
    }
    Ok(written)
}

fn diff_clamped(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| if x.is_finite() { (x - y.max(0.0)).max(0.0) } else { f64::NAN }).collect()
}

fn power_chart(run: &Run) -> Result<Chart, PlotError> {
    let gpu = run.col("gpu_power_mw")?;
    let it = run.col("it_power_mw")?;
    let cooling = run.col("cooling_power_mw")?;
    let loss = run.col("electrical_loss_mw")?;
    let facility = run.col("facility_power_mw")?;
    let mut items: Vec<(String, RGBColor, Vec<f64>)> = Vec::new();
    if let Some(g) = gpu {
        items.push(("GPUs".into(), RGBColor(74, 144, 196), g.to_vec()));
    }
    match (it, gpu) {
        (Some(it), Some(g)) => items.push(("Other IT (CPUs, network, PSU loss)".into(), RGBColor(166, 206, 227), diff_clamped(it, g))),
        (Some(it), None) => items.push(("IT".into(), RGBColor(74, 144, 196), it.to_vec())),
        _ => {}
    }
    if let Some(c) = cooling {
        items.push(("Cooling".into(), RGBColor(92, 200, 210), c.to_vec()));
    }
    if let Some(l) = loss {
        items.push(("Electrical losses".into(), RGBColor(253, 160, 80), l.to_vec()));
    }
    if let (Some(f), Some(base)) = (facility, it.or(gpu)) {
        let other: Vec<f64> = (0..f.len())
            .map(|i| {
                let known = base.get(i).copied().unwrap_or(0.0)
                    + cooling.and_then(|c| c.get(i)).copied().unwrap_or(0.0)
                    + loss.and_then(|c| c.get(i)).copied().unwrap_or(0.0);
                let v = f[i] - known;
                if v.is_finite() {
                    v.max(0.0)
                } else {
                    f64::NAN
                }
            })
            .collect();
        if any_nonzero(&other, 1e-6) {
            items.push(("Other facility load".into(), RGBColor(150, 150, 150), other));
        }
    }
    let mut chart = run.time_chart("Power: facility load stack and supply", "Power [MW]");
    chart.y_axis = AxisSpec::from_zero();
    chart.layers = stacked(&run.t, &items);

    // Supply delivered to the site: sources and battery, less exports and curtailment.
    let supply_cols = [
        ("hydro_mw", 1.0),
        ("wind_mw", 1.0),
        ("solar_mw", 1.0),
        ("grid_import_mw", 1.0),
        ("gas_mw", 1.0),
        ("battery_mw", 1.0),
        ("grid_export_mw", -1.0),
        ("curtailed_mw", -1.0),
    ];
    let mut total: Option<Vec<f64>> = None;
    for (name, sign) in supply_cols {
        if let Some(v) = run.col(name)? {
            let acc = total.get_or_insert_with(|| vec![0.0; v.len()]);
            for (a, x) in acc.iter_mut().zip(v) {
                if x.is_finite() {
                    *a += sign * x;
                }
            }
        }
    }
    if let Some(total) = total.filter(|t| any_nonzero(t, 1e-9)) {
        chart.layers.push(Layer::line("Supply delivered", RGBColor(44, 160, 44), &run.t, &total).without_envelope().dashed().width(3));
    }
    if let Some(f) = run.line("facility_power_mw", "Facility power (thin: window min–max)", BLACK, 1.0)? {
        chart.layers.push(f.width(2).envelope_outline());
    }
    if let Some(pue) = run.summary.num("pue") {
        chart.notes.push(format!("PUE (run): {}", fmt_human(pue)));
    }
    if let Some(p) = run.summary.num("peak_facility_power_mw") {
        chart.notes.push(format!("Peak facility: {} MW", fmt_human(p)));
    }
    Ok(chart)
}

/// Span of the power chart's zoom panel (s): the first half hour, or more when records are
/// coarse (see [`ZOOM_MIN_ROWS`]).
const ZOOM_S: f64 = 1800.0;
/// The zoom panel shows at least this many records (e.g. 40 h of 10-minute records) ...
const ZOOM_MIN_ROWS: usize = 240;
/// ... and at most this many (about one per pixel column).
const ZOOM_MAX_ROWS: usize = 1000;

/// The power chart over the run's first minutes at full record resolution; `None` when the
/// zoom would show more than half the run (the main chart is then nearly full resolution).
fn power_zoom_chart(run: &Run) -> Result<Option<Chart>, PlotError> {
    let time = run.ts.require("time_s")?;
    let Some(&t0) = time.first() else {
        return Ok(None);
    };
    let rows = time.iter().take_while(|t| **t - t0 <= ZOOM_S).count().clamp(ZOOM_MIN_ROWS, ZOOM_MAX_ROWS);
    if rows < 2 || 2 * rows > time.len() {
        return Ok(None);
    }
    let span = time[rows - 1] - t0;
    let unit = TimeUnit::for_span(span);
    let sub = Run { ts: run.ts.head(rows), t: time[..rows].iter().map(|s| s / unit.seconds()).collect(), unit, summary: Summary::default() };
    let mut chart = power_chart(&sub)?;
    let dt = span / (rows - 1) as f64;
    chart.title = format!("Power, first {} at full record resolution ({} s records)", fmt_span(span), fmt_human(dt));
    Ok(Some(chart))
}

/// A span for a title: minutes below 2 h, hours below 3 days, else days.
fn fmt_span(s: f64) -> String {
    match TimeUnit::for_span(s) {
        TimeUnit::Minutes => format!("{} min", fmt_human(s / 60.0)),
        TimeUnit::Hours => format!("{} h", fmt_human(s / 3600.0)),
        TimeUnit::Days => format!("{} d", fmt_human(s / 86_400.0)),
    }
}

fn temperature_chart(run: &Run) -> Result<Chart, PlotError> {
    let mut chart = run.time_chart("Temperatures through the cooling chain", "Temperature [°C]");
    chart.y_axis = AxisSpec { min_span: 2.0, ..AxisSpec::auto() };
    let blue = RGBColor(31, 119, 180);
    let green = RGBColor(44, 160, 44);
    let specs: [(&str, &str, RGBColor, bool); 7] = [
        ("ambient_c", "Ambient", RGBColor(127, 127, 127), false),
        ("fws_supply_c", "Facility water supply", blue, false),
        ("fws_return_c", "Facility water return", blue, true),
        ("tcs_supply_c", "TCS supply (rack inlet)", green, false),
        ("tcs_return_c", "TCS return (rack outlet)", green, true),
        ("gpu_temp_mean_c", "GPU mean", RGBColor(255, 127, 14), false),
        ("gpu_temp_max_c", "GPU max", RGBColor(214, 39, 40), false),
    ];
    for (col, label, color, dashed) in specs {
        if let Some(layer) = run.line(col, label, color, 1.0)? {
            chart.layers.push(if dashed { layer.dashed() } else { layer });
        }
    }
    Ok(chart)
}

fn spread_chart(run: &Run) -> Result<Chart, PlotError> {
    let mut chart = run.time_chart("GPU temperature spread over time", "GPU temperature [°C]");
    chart.y_axis = AxisSpec { min_span: 2.0, ..AxisSpec::auto() };
    let orange = RGBColor(255, 127, 14);
    for (lo, hi, label, alpha) in
        [("gpu_temp_p05_c", "gpu_temp_p95_c", "GPUs p5–p95", 0.22), ("gpu_temp_p25_c", "gpu_temp_p75_c", "GPUs p25–p75", 0.45)]
    {
        if let (Some(l), Some(h)) = (run.col(lo)?, run.col(hi)?) {
            chart.layers.push(Layer::band(label, orange, alpha, &run.t, l, h));
        }
    }
    if let Some(l) = run.line("gpu_temp_p50_c", "GPU median", RGBColor(166, 77, 0), 1.0)? {
        chart.layers.push(l);
    }
    if let Some(l) = run.line("gpu_temp_mean_c", "GPU mean", RGBColor(31, 119, 180), 1.0)? {
        chart.layers.push(l.dashed());
    }
    if let Some(l) = run.line("gpu_temp_max_c", "GPU max", RGBColor(214, 39, 40), 1.0)? {
        chart.layers.push(l);
    }
    if let Some(t) = run.summary.num("throttle_c") {
        chart.layers.push(Layer::hline(format!("Throttle {} °C", fmt_human(t)), RGBColor(230, 85, 13), t, true));
    }
    if let Some(t) = run.summary.num("shutdown_c") {
        chart.layers.push(Layer::hline(format!("Shutdown {} °C", fmt_human(t)), RGBColor(120, 0, 0), t, true));
    }
    Ok(chart)
}

fn supply_chart(run: &Run) -> Result<Option<Chart>, PlotError> {
    let specs: [(&str, &str, RGBColor); 5] = [
        ("hydro_mw", "Hydro", RGBColor(74, 144, 196)),
        ("wind_mw", "Wind", RGBColor(92, 200, 210)),
        ("solar_mw", "Solar", RGBColor(240, 190, 30)),
        ("gas_mw", "Gas", RGBColor(140, 86, 75)),
        ("grid_import_mw", "Grid import", RGBColor(160, 160, 160)),
    ];
    let mut items: Vec<(String, RGBColor, Vec<f64>)> = Vec::new();
    for (col, label, color) in specs {
        if let Some(v) = run.col(col)? {
            if any_nonzero(v, 1e-9) {
                items.push((label.into(), color, v.to_vec()));
            }
        }
    }
    if let Some(b) = run.col("battery_mw")? {
        let discharge: Vec<f64> = b.iter().map(|v| if v.is_finite() { v.max(0.0) } else { f64::NAN }).collect();
        if any_nonzero(&discharge, 1e-9) {
            items.push(("Battery discharge".into(), RGBColor(177, 140, 214), discharge));
        }
    }
    let mut chart = run.time_chart("Supply mix and battery", "Power [MW]");
    chart.y_axis = AxisSpec::from_zero();
    chart.layers = stacked(&run.t, &items);
    let mut has_lines = false;
    for (col, label, color) in [
        ("grid_export_mw", "Grid export", RGBColor(120, 120, 120)),
        ("curtailed_mw", "Curtailed", RGBColor(44, 160, 44)),
        ("unserved_mw", "Unserved", RGBColor(214, 39, 40)),
    ] {
        if let Some(v) = run.col(col)? {
            if any_nonzero(v, 1e-9) {
                chart.layers.push(Layer::line(label, color, &run.t, v).dashed());
                has_lines = true;
            }
        }
    }
    if items.is_empty() && !has_lines {
        return Ok(None);
    }
    if let Some(f) = run.col("facility_power_mw")? {
        chart.layers.push(Layer::line("Facility demand", BLACK, &run.t, f).width(2));
    }
    if let Some(soc) = run.col("battery_soc_frac")? {
        if any_nonzero(soc, 1e-9) {
            let pct: Vec<f64> = soc.iter().map(|v| v * 100.0).collect();
            chart.layers.push(Layer::line("Battery charge (right axis)", RGBColor(106, 61, 154), &run.t, &pct).width(3).on_secondary());
            chart.y2_label = Some("Battery state of charge [%]".into());
            chart.y2_axis = AxisSpec::fixed(0.0, 100.0);
        }
    }
    if let Some(r) = run.summary.num("renewable_frac") {
        chart.notes.push(format!("Renewable share: {} %", fmt_human(r * 100.0)));
    }
    Ok(Some(chart))
}

fn ramp_histogram(run_dir: &Path, run: &Run) -> Result<Option<Histogram>, PlotError> {
    let ramps_path = run_dir.join("ramps.csv");
    let mut notes = Vec::new();
    if let Some(r) = run.summary.num("max_ramp_mw_per_s") {
        notes.push(format!("Max |ramp|, net draw: {} MW/s", fmt_human(r)));
    }
    if let Some(r) = run.summary.num("max_facility_ramp_mw_per_s") {
        notes.push(format!("Max |ramp|, facility: {} MW/s", fmt_human(r)));
    }
    if let Some(r) = run.summary.num("max_ramp_mw_per_min") {
        notes.push(format!("Max ramp over 1 min: {} MW/min", fmt_human(r)));
    }
    if ramps_path.is_file() {
        let table = Table::read(&ramps_path, false)?;
        let centers = table.require("ramp_mw_per_s")?.to_vec();
        let counts = table.require("count")?.to_vec();
        let total: f64 = counts.iter().filter(|c| c.is_finite()).sum();
        notes.push(format!("Engine steps: {}", fmt_human(total)));
        return Ok(Some(Histogram {
            title: "Ramp-rate distribution of the site's net draw (engine step)".into(),
            x_label: "Ramp of net draw on supply [MW/s]".into(),
            label: "Steps per bin".into(),
            centers,
            counts,
            notes,
        }));
    }
    let Some(f) = run.col("facility_power_mw")? else {
        return Ok(None);
    };
    let time = run.ts.require("time_s")?;
    let mut ramps = Vec::new();
    let mut dts = Vec::new();
    for i in 1..f.len().min(time.len()) {
        let dt = time[i] - time[i - 1];
        let df = f[i] - f[i - 1];
        if dt > 0.0 && dt.is_finite() && df.is_finite() {
            ramps.push(df / dt);
            dts.push(dt);
        }
    }
    if ramps.is_empty() {
        return Ok(None);
    }
    dts.sort_by(f64::total_cmp);
    let dt = dts[dts.len() / 2];
    let max_abs = ramps.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    const HALF_BINS: i64 = 30;
    let width = if max_abs > 0.0 { max_abs / (HALF_BINS as f64 + 0.5) } else { 1e-3 };
    let mut counts = vec![0.0; (2 * HALF_BINS + 1) as usize];
    for r in &ramps {
        let k = ((r / width).round() as i64).clamp(-HALF_BINS, HALF_BINS);
        counts[(k + HALF_BINS) as usize] += 1.0;
    }
    let centers = (-HALF_BINS..=HALF_BINS).map(|k| k as f64 * width).collect();
    notes.push(format!("Row pairs: {}", fmt_human(ramps.len() as f64)));
    Ok(Some(Histogram {
        title: format!("Facility power ramp distribution (from {} s window means)", fmt_human(dt)),
        x_label: "Facility power ramp between rows [MW/s]".into(),
        label: "Row pairs per bin".into(),
        centers,
        counts,
        notes,
    }))
}

fn compute_chart(run: &Run) -> Result<Chart, PlotError> {
    let mut chart = run.time_chart("Compute delivered and GPU throttling", "Compute delivered [%]");
    let delivered = run.line("compute_delivered_frac", "Compute delivered", RGBColor(31, 119, 180), 100.0)?;
    let has_delivered = delivered.is_some();
    if let Some(l) = delivered {
        chart.layers.push(l);
        chart.y_axis = AxisSpec { include: vec![100.0], min_span: 1.0, ..AxisSpec::auto() };
    }
    let throttle_label = if has_delivered { "Throttled GPUs (right axis)" } else { "Throttled GPUs" };
    if let Some(l) = run.line("throttled_gpu_frac", throttle_label, RGBColor(214, 39, 40), 100.0)? {
        let spec = AxisSpec { include_zero: true, min_span: 1.0, ..AxisSpec::default() };
        if has_delivered {
            chart.layers.push(l.on_secondary());
            chart.y2_label = Some("Throttled GPUs [%]".into());
            chart.y2_axis = spec;
        } else {
            chart.y_label = "Throttled GPUs [%]".into();
            chart.y_axis = spec;
            chart.layers.push(l);
        }
    }
    if let Some(h) = run.summary.num("throttled_gpu_hours") {
        chart.notes.push(format!("Throttled GPU-hours: {}", fmt_human(h)));
    }
    Ok(chart)
}

fn cooling_chart(run: &Run) -> Result<Chart, PlotError> {
    let mut chart = run.time_chart("Heat flows and heat rejection", "Heat / power [MW]");
    chart.y_axis = AxisSpec::from_zero();
    let specs: [(&str, &str, RGBColor, bool); 4] = [
        ("heat_to_liquid_mw", "Heat to liquid", RGBColor(214, 39, 40), false),
        ("heat_rejected_mw", "Heat rejected", RGBColor(31, 119, 180), false),
        ("heat_reused_mw", "Heat reused", RGBColor(44, 160, 44), false),
        ("chiller_power_mw", "Chiller power", RGBColor(140, 86, 75), true),
    ];
    for (col, label, color, dashed) in specs {
        if let Some(l) = run.line(col, label, color, 1.0)? {
            chart.layers.push(if dashed { l.dashed() } else { l });
        }
    }
    if let Some(l) = run.line("dry_cooler_fan_speed_frac", "Dry-cooler fan speed (right axis)", RGBColor(127, 127, 127), 100.0)? {
        chart.layers.push(l.on_secondary().width(2));
        chart.y2_label = Some("Fan speed [%]".into());
        chart.y2_axis = AxisSpec { include: vec![100.0], ..AxisSpec::from_zero() };
    }
    Ok(chart)
}

/// Calendar months of a long run (`monthly.csv`): facility energy per month and its PUE.
fn monthly_chart(run_dir: &Path) -> Result<Option<Chart>, PlotError> {
    let path = run_dir.join("monthly.csv");
    if !path.is_file() {
        return Ok(None);
    }
    let table = Table::read(&path, true)?;
    let months: Vec<String> = table.text("month").map(<[String]>::to_vec).unwrap_or_default();
    let x: Vec<f64> = (0..table.rows()).map(|i| i as f64).collect();
    let mut chart = Chart {
        title: "Calendar months: facility energy and PUE".into(),
        x_label: "Month (UTC)".into(),
        y_label: "Facility energy [GWh]".into(),
        x_categories: Some(months),
        y_axis: AxisSpec::from_zero(),
        ..Chart::default()
    };
    if let Some(e) = table.num("facility_energy_mwh")? {
        let gwh: Vec<f64> = e.iter().map(|v| v / 1000.0).collect();
        chart.layers.push(Layer::line("Facility energy", PALETTE[0], &x, &gwh).with_markers());
    }
    if let Some(it) = table.num("it_energy_mwh")? {
        let gwh: Vec<f64> = it.iter().map(|v| v / 1000.0).collect();
        chart.layers.push(Layer::line("IT energy", PALETTE[2], &x, &gwh).with_markers().dashed());
    }
    if let Some(p) = table.num("pue")? {
        chart.layers.push(Layer::line("PUE (right axis)", PALETTE[3], &x, p).with_markers().on_secondary());
        chart.y2_label = Some("PUE".into());
        chart.y2_axis = AxisSpec { min_span: 0.01, ..AxisSpec::auto() };
    }
    Ok(Some(chart))
}
