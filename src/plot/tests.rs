//! Tests of the plot module on programmatically written run folders with realistic values
//! (a 100,000-GPU site drawing ~215 MW, PUE ~1.08, 24 h at 10 s rows).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, unique, empty folder under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("fjord-plot-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Deterministic pseudo-random numbers in [-1, 1).
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

struct Fixture {
    rows: usize,
    step_s: f64,
    name: &'static str,
    /// Offset added to the cooling-loop setpoints (to make two runs differ).
    setpoint_offset: f64,
    percentiles: bool,
    /// Column names to leave out of timeseries.csv.
    drop: Vec<&'static str>,
    ramps_csv: bool,
    racks_csv: bool,
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            rows: 8640,
            step_s: 10.0,
            name: "Stargate Norway, phase 1",
            setpoint_offset: 0.0,
            percentiles: true,
            drop: Vec::new(),
            ramps_csv: true,
            racks_csv: true,
        }
    }
}

impl Fixture {
    /// Writes the fixture into a fresh folder named after `tag` and plots it.
    fn plotted(&self, tag: &str, format: ImageFormat) -> (PathBuf, Vec<PathBuf>) {
        let dir = temp_dir(tag);
        self.write(&dir);
        let plots = plot_run(&dir, format).expect("plot_run");
        (dir, plots)
    }

    fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).expect("create run dir");
        let keep = |c: &&str| !self.drop.contains(c) && (self.percentiles || !c.starts_with("gpu_temp_p"));
        let mut csv = String::new();
        let mut noise = Noise(7);
        let mut soc = 0.6;
        let mut load_lag = 0.95;
        let (mut it_e, mut fac_e, mut peak) = (0.0, 0.0, 0.0f64);
        for r in 0..self.rows {
            let t = r as f64 * self.step_s;
            let h = t / 3600.0;
            let day = (2.0 * std::f64::consts::PI * (h - 9.0) / 24.0).sin();
            // Training swings averaged over 10 s windows, checkpoint dips every 30 min,
            // a job failure at 6 h (idle for 20 min) and inference's daily cycle.
            let failed = (6.0..6.0 + 20.0 / 60.0).contains(&h);
            let checkpoint = (t % 1800.0) < 45.0 && t > 60.0;
            let mut gpu = if failed {
                30.0
            } else if checkpoint {
                60.0
            } else {
                158.0 + 0.6 * noise.next()
            };
            gpu += 6.0 + 2.0 * day;
            let pump_event = (12.0..12.5).contains(&h);
            let throttled = if pump_event { 0.0072 } else { 0.0 };
            gpu *= 1.0 - throttled * 0.3;
            let it = (gpu + 20.8) / 0.96;
            let ambient = -4.0 + 3.5 * day + 0.1 * noise.next();
            let fan = (0.45 + 0.02 * ambient + 0.1 * (gpu / 170.0)).clamp(0.1, 1.0);
            let cooling = 3.2 + 7.5 * fan.powi(3) * 2.0 + 2.1;
            let loss = it * (1.0 / 0.985 - 1.0);
            let facility = it + cooling + loss + 0.8;
            let pue = facility / it;
            load_lag += (gpu / 170.0 - load_lag) * (1.0 - (-self.step_s / 120.0).exp());
            let load = load_lag;
            let fws_s = 25.0 + self.setpoint_offset + 0.05 * noise.next();
            let fws_r = fws_s + 8.0 * load;
            let tcs_s = 30.0 + self.setpoint_offset + 0.05 * noise.next();
            let tcs_r = tcs_s + 9.5 * load;
            let gpu_mean = tcs_s + 38.0 * load + 0.1 * noise.next();
            let bump = if pump_event { 19.0 } else { 0.0 };
            let gpu_max = gpu_mean + 12.0 + bump + 0.3 * noise.next();
            let wind = (18.0 + 14.0 * (h / 5.0).sin() + 0.8 * noise.next()).max(0.0);
            let battery = if checkpoint {
                -4.0
            } else if failed {
                -8.0
            } else {
                1.5 * noise.next()
            };
            soc = (soc - battery * self.step_s / 3600.0 / 200.0).clamp(0.05, 0.95);
            let hydro = facility - wind - battery;
            let heat_liquid = 0.85 * it;
            let heat_reused = if h > 8.0 && h < 20.0 { 12.0 } else { 0.0 };
            it_e += it * self.step_s / 3600.0;
            fac_e += facility * self.step_s / 3600.0;
            peak = peak.max(facility);
            // Every column of the fixture, in file order, with its value.
            let row = [
                ("time_s", t),
                ("timestamp", t),
                ("it_power_mw", it),
                ("gpu_power_mw", gpu),
                ("cooling_power_mw", cooling),
                ("electrical_loss_mw", loss),
                ("facility_power_mw", facility),
                ("pue", pue),
                ("ambient_c", ambient),
                ("fws_supply_c", fws_s),
                ("fws_return_c", fws_r),
                ("tcs_supply_c", tcs_s),
                ("tcs_return_c", tcs_r),
                ("gpu_temp_mean_c", gpu_mean),
                ("gpu_temp_max_c", gpu_max),
                ("gpu_temp_p05_c", gpu_mean - 5.5),
                ("gpu_temp_p25_c", gpu_mean - 2.2),
                ("gpu_temp_p50_c", gpu_mean - 0.2),
                ("gpu_temp_p75_c", gpu_mean + 2.0),
                ("gpu_temp_p95_c", gpu_mean + 5.8 + bump * 0.2),
                ("throttled_gpu_frac", throttled),
                ("heat_to_liquid_mw", heat_liquid),
                ("heat_rejected_mw", heat_liquid + 3.0 - heat_reused),
                ("heat_reused_mw", heat_reused),
                ("chiller_power_mw", 0.0),
                ("dry_cooler_fan_speed_frac", fan),
                ("hydro_mw", hydro),
                ("wind_mw", wind),
                ("solar_mw", 0.0),
                ("grid_import_mw", 0.0),
                ("gas_mw", 0.0),
                ("battery_mw", battery),
                ("battery_soc_frac", soc),
                ("curtailed_mw", 0.0),
                ("unserved_mw", 0.0),
                ("compute_delivered_frac", 1.0 - throttled * 0.3 - if failed { 0.9 } else { 0.0 }),
                ("net_draw_mw", facility - battery - wind),
                ("racks_throttled", if pump_event { 10.0 } else { 0.0 }),
                ("pump_power_mw", 3.2),
                ("fan_power_mw", cooling - 5.3),
                ("air_heat_mw", 0.15 * it),
            ];
            let row: Vec<(&str, f64)> = row.into_iter().filter(|(c, _)| keep(c)).collect();
            if r == 0 {
                csv.push_str(&row.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
            let values: Vec<String> = row
                .iter()
                .map(|&(c, v)| match c {
                    "timestamp" => format!("2026-01-15T{:02}:{:02}:{:02}Z", (t / 3600.0) as u64 % 24, (t / 60.0) as u64 % 60, t as u64 % 60),
                    _ => format!("{v:.6}"),
                })
                .collect();
            csv.push_str(&values.join(","));
            csv.push('\n');
        }
        std::fs::write(dir.join("timeseries.csv"), csv).expect("write timeseries");

        let summary = serde_json::json!({
            "scenario_name": self.name,
            "it_energy_mwh": it_e,
            "facility_energy_mwh": fac_e,
            "pue": fac_e / it_e.max(1e-9),
            "peak_facility_power_mw": peak,
            "max_ramp_mw_per_s": 41.7,
            "max_ramp_mw_per_min": 96.3,
            "max_facility_ramp_mw_per_s": 45.2,
            "gpu_temp_max_c": 89.4 + self.setpoint_offset,
            "throttled_gpu_hours": 36.0,
            "compute_delivered_frac": 0.9874,
            "renewable_frac": 1.0,
            "grid_import_mwh": 0.0,
            "carbon_t": 0.0,
            "heat_reused_mwh": 144.0,
            "unserved_mwh": 0.0,
            "curtailed_mwh": 0.0,
            "energy_balance_error_frac": 3.2e-6,
            "gpus": 100_008,
            "steps": self.rows * 10,
            "wall_s": 412.5,
            "gpu_steps_per_s": 2.1e8,
            "throttle_c": 87.0,
            "shutdown_c": 92.0,
        });
        std::fs::write(dir.join("summary.json"), serde_json::to_string_pretty(&summary).expect("json")).expect("write summary");

        if self.ramps_csv {
            let mut ramps = String::from("ramp_mw_per_s,count\n");
            for k in -40i32..=40 {
                let x = f64::from(k) * 1.0;
                let count = (86_400.0 * (-(x * x) / 18.0).exp()).round() + if k.abs() == 40 { 2.0 } else { 0.0 };
                let _ = writeln!(ramps, "{x},{count}");
            }
            std::fs::write(dir.join("ramps.csv"), ramps).expect("write ramps");
        }
        if self.racks_csv {
            let mut racks = String::from("rack,cdu,gpu_temp_mean_c,gpu_temp_max_c,energy_mwh,throttled_gpu_s\n");
            let mut noise = Noise(3);
            for r in 0..1389 {
                let cdu_hot = (r / 20) == 3;
                let mean = 66.0 + self.setpoint_offset + 1.5 * noise.next() + if cdu_hot { 6.0 } else { 0.0 };
                let _ = writeln!(
                    racks,
                    "{r},{},{mean:.3},{:.3},{:.4},{}",
                    r / 20,
                    mean + 11.0 + noise.next() + if cdu_hot { 10.0 } else { 0.0 },
                    2.9 + 0.05 * noise.next(),
                    if cdu_hot { 1800 } else { 0 }
                );
            }
            std::fs::write(dir.join("racks.csv"), racks).expect("write racks");
        }
    }
}

fn assert_png_1600x900(path: &Path) {
    let bytes = std::fs::read(path).expect("read png");
    assert_eq!(png_size(&bytes), Some((1600, 900)), "{}", path.display());
}

fn assert_svg(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read svg");
    assert!(text.starts_with("<svg") || text.starts_with("<?xml"), "{} does not start like an SVG", path.display());
    assert!(text.contains("width=\"1600\""), "{}", path.display());
    assert!(text.trim_end().ends_with("</svg>"));
    text
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect()
}

fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn run_plots_are_valid_pngs() {
    let (dir, plots) = Fixture::default().plotted("png", ImageFormat::Png);
    let got = names(&plots);
    for expected in [
        "power.png",
        "temperatures.png",
        "gpu_spread.png",
        "supply.png",
        "ramps.png",
        "compute.png",
        "cooling.png",
        "floor_map.png",
        "power_zoom.png",
    ] {
        assert!(got.contains(&expected.to_string()), "missing {expected} in {got:?}");
    }
    for p in &plots {
        assert!(p.starts_with(dir.join("plots")));
        assert_png_1600x900(p);
    }
    {
        // A week at 10 s rows (60,480 rows) is decimated to the same point budget.
        let week = temp_dir("week");
        Fixture { rows: 60_480, ramps_csv: false, ..Fixture::default() }.write(&week);
        let plots = plot_run(&week, ImageFormat::Png).expect("plot_run week");
        assert!(names(&plots).contains(&"ramps.png".to_string()));
        let svg = plot_run(&week, ImageFormat::Svg).expect("svg week");
        let size = std::fs::metadata(&svg[0]).expect("meta").len();
        assert!(size < 2_000_000, "decimated SVG stays small: {size} bytes");
        cleanup(&week);
    }
    cleanup(&dir);
}

#[test]
fn svg_plots_contain_every_series_label() {
    let (dir, plots) = Fixture::default().plotted("svg", ImageFormat::Svg);
    let read = |name: &str| {
        let path = dir.join("plots").join(name);
        assert!(plots.contains(&path), "{name} not returned");
        assert_svg(&path)
    };
    let expect = |svg: &str, labels: &[&str]| {
        for l in labels {
            assert!(svg.contains(l), "label {l:?} missing");
        }
    };
    expect(
        &read("power.svg"),
        &[
            "GPUs",
            "Other IT",
            "Cooling",
            "Electrical losses",
            "Other facility load",
            "Supply delivered",
            "Facility power",
            "Power [MW]",
            "Time since start [h]",
        ],
    );
    expect(
        &read("temperatures.svg"),
        &["Ambient", "Facility water supply", "Facility water return", "TCS supply", "TCS return", "GPU mean", "GPU max"],
    );
    expect(&read("gpu_spread.svg"), &["GPUs p5–p95", "GPUs p25–p75", "GPU median", "GPU mean", "GPU max", "Throttle 87 °C", "Shutdown 92 °C"]);
    let supply = read("supply.svg");
    expect(&supply, &["Hydro", "Wind", "Battery discharge", "Battery charge (right axis)", "Facility demand"]);
    assert!(!supply.contains("Solar"), "all-zero solar is left out");
    assert!(!supply.contains("Unserved"), "all-zero unserved is left out");
    expect(&read("ramps.svg"), &["Steps per bin", "Count (log scale)", "41.70 MW/s"]);
    expect(&read("compute.svg"), &["Compute delivered", "Throttled GPUs (right axis)"]);
    expect(&read("cooling.svg"), &["Heat to liquid", "Heat rejected", "Heat reused", "Chiller power", "Dry-cooler fan speed"]);
    expect(&read("floor_map.svg"), &["Max GPU temperature", "Throttled GPU-seconds", "CDU 0"]);
    cleanup(&dir);
}

#[test]
fn replotting_is_byte_identical() {
    let dir = temp_dir("determinism");
    Fixture { rows: 1000, ..Fixture::default() }.write(&dir);
    for format in [ImageFormat::Png, ImageFormat::Svg] {
        let first = plot_run(&dir, format).expect("first");
        let bytes1: Vec<Vec<u8>> = first.iter().map(|p| std::fs::read(p).expect("read")).collect();
        let second = plot_run(&dir, format).expect("second");
        assert_eq!(first, second);
        for (p, b1) in second.iter().zip(&bytes1) {
            assert_eq!(&std::fs::read(p).expect("read"), b1, "{} differs", p.display());
        }
    }
    cleanup(&dir);
}

#[test]
fn missing_columns_skip_series_and_charts() {
    let dir = temp_dir("missing");
    Fixture {
        rows: 500,
        percentiles: false,
        ramps_csv: false,
        racks_csv: false,
        drop: vec![
            "gpu_power_mw",
            "tcs_return_c",
            "heat_to_liquid_mw",
            "heat_rejected_mw",
            "heat_reused_mw",
            "chiller_power_mw",
            "dry_cooler_fan_speed_frac",
            "hydro_mw",
            "wind_mw",
            "solar_mw",
            "grid_import_mw",
            "gas_mw",
            "battery_mw",
            "battery_soc_frac",
            "curtailed_mw",
            "unserved_mw",
        ],
        ..Fixture::default()
    }
    .write(&dir);
    let plots = plot_run(&dir, ImageFormat::Svg).expect("plot_run");
    let got = names(&plots);
    assert!(!got.contains(&"supply.svg".to_string()), "{got:?}");
    assert!(!got.contains(&"cooling.svg".to_string()), "{got:?}");
    assert!(!got.contains(&"floor_map.svg".to_string()), "{got:?}");
    let power = std::fs::read_to_string(dir.join("plots/power.svg")).expect("power");
    assert!(power.contains("\nIT\n"), "IT layer present");
    assert!(!power.contains("GPUs"));
    assert!(!power.contains("Supply delivered"));
    let temps = std::fs::read_to_string(dir.join("plots/temperatures.svg")).expect("temps");
    assert!(temps.contains("TCS supply") && !temps.contains("TCS return"));
    let ramps = std::fs::read_to_string(dir.join("plots/ramps.svg")).expect("ramps");
    assert!(ramps.contains("window means"), "fallback histogram says so");
    let spread = std::fs::read_to_string(dir.join("plots/gpu_spread.svg")).expect("spread");
    assert!(!spread.contains("p5–p95") && spread.contains("GPU max"));
    cleanup(&dir);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    // Header only, a single row, flat series and empty cells.
    let cases = [
        "time_s,facility_power_mw,gpu_temp_max_c\n",
        "time_s,facility_power_mw,gpu_temp_max_c\n0,200,70\n",
        "time_s,facility_power_mw,gpu_temp_max_c\n0,200,70\n10,200,70\n20,200,70\n",
        "time_s,facility_power_mw,gpu_temp_max_c\n0,,70\n10,NaN,\n20,201,71\n30,,\n",
        "time_s,timestamp,pue\n0,2026-01-15T00:00:00Z,1.08\n",
    ];
    for (i, csv) in cases.iter().enumerate() {
        let dir = temp_dir(&format!("degenerate{i}"));
        std::fs::write(dir.join("timeseries.csv"), csv).expect("write");
        for format in [ImageFormat::Png, ImageFormat::Svg] {
            let plots = plot_run(&dir, format).unwrap_or_else(|e| panic!("case {i}: {e}"));
            for p in &plots {
                match format {
                    ImageFormat::Png => assert_png_1600x900(p),
                    ImageFormat::Svg => {
                        assert_svg(p);
                    }
                }
            }
        }
        let plots = plot_run(&dir, ImageFormat::Png).expect("again");
        write_report(&dir, &plots).expect("report");
        cleanup(&dir);
    }
}

#[test]
fn malformed_csv_reports_path_and_line() {
    let dir = temp_dir("malformed");
    std::fs::write(dir.join("timeseries.csv"), "time_s,facility_power_mw\n0,200\n10,201\n20,202,7\n").expect("write");
    let err = plot_run(&dir, ImageFormat::Png).expect_err("ragged row");
    match &err {
        PlotError::Csv { path, line, .. } => {
            assert_eq!(path, &dir.join("timeseries.csv"));
            assert_eq!(*line, 4);
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("timeseries.csv:4"), "{msg}");

    std::fs::write(dir.join("timeseries.csv"), "time_s,facility_power_mw\n0,200\n10,2o1\n").expect("write");
    let err = plot_run(&dir, ImageFormat::Png).expect_err("non-number");
    assert!(matches!(err, PlotError::Csv { line: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("2o1"));

    std::fs::write(dir.join("timeseries.csv"), "facility_power_mw\n200\n").expect("write");
    let err = plot_run(&dir, ImageFormat::Png).expect_err("no time");
    assert!(matches!(err, PlotError::MissingColumn { ref column, .. } if column == "time_s"));

    std::fs::remove_file(dir.join("timeseries.csv")).expect("rm");
    let err = plot_run(&dir, ImageFormat::Png).expect_err("no file");
    assert!(matches!(err, PlotError::Io { .. }));
    assert!(err.to_string().contains("timeseries.csv"));

    std::fs::write(dir.join("timeseries.csv"), "time_s\n0\n").expect("write");
    std::fs::write(dir.join("summary.json"), "{\"pue\": 1.0,").expect("write");
    let err = plot_run(&dir, ImageFormat::Png).expect_err("bad json");
    assert!(matches!(err, PlotError::Json { .. }), "{err:?}");
    cleanup(&dir);
}

#[test]
fn report_embeds_every_plot() {
    let dir = temp_dir("report");
    Fixture { rows: 2000, ..Fixture::default() }.write(&dir);
    std::fs::write(dir.join("summary.md"), "# Stargate Norway, phase 1\n").expect("md");
    let plots = plot_run(&dir, ImageFormat::Png).expect("plot_run");
    let report = write_report(&dir, &plots).expect("report");
    assert_eq!(report, dir.join("report.html"));
    let html = std::fs::read_to_string(&report).expect("read report");
    assert_eq!(html.matches("data:image/png;base64,").count(), plots.len());
    for remote in ["src=\"http", "src='http", "href=\"http", "url(http", "fetch(", "XMLHttpRequest", "import("] {
        assert!(!html.contains(remote), "no network reference {remote}");
    }
    assert_eq!(html.matches("<script").count(), 3, "chart data, uPlot, glue");
    assert!(html.contains("<title>Stargate Norway, phase 1</title>"));
    for key in ["facility_energy_mwh", "pue", "energy_balance_error_frac", "gpus"] {
        assert!(html.contains(key), "{key} missing from table");
    }
    assert!(html.contains("100,008"), "integers grouped");

    // SVG plots are inlined.
    let svgs = plot_run(&dir, ImageFormat::Svg).expect("svg");
    let report = write_report(&dir, &svgs).expect("report svg");
    let html = std::fs::read_to_string(&report).expect("read");
    assert_eq!(html.matches("<svg").count(), svgs.len());
    assert!(!html.contains("src=\"http") && !html.contains("<?xml"));
    cleanup(&dir);
}

#[test]
fn report_embeds_each_png_byte_for_byte_and_names_the_given_folder() {
    use base64::Engine as _;
    let (dir, plots) = Fixture { rows: 300, ..Fixture::default() }.plotted("report-bytes", ImageFormat::Png);
    let html = std::fs::read_to_string(write_report_as(&dir, "final-name", &plots).expect("report")).expect("read");
    let uris: Vec<&str> = html.split("data:image/png;base64,").skip(1).map(|rest| &rest[..rest.find('"').expect("end of URI")]).collect();
    assert_eq!(uris.len(), plots.len());
    for (uri, plot) in uris.iter().zip(&plots) {
        let decoded = base64::engine::general_purpose::STANDARD.decode(uri).expect("valid base64");
        assert_eq!(decoded, std::fs::read(plot).expect("png"), "{}", plot.display());
    }
    assert!(html.contains("run folder <code>final-name</code>"));
    cleanup(&dir);
}

#[test]
fn png_size_refuses_what_is_not_a_whole_png() {
    let (dir, plots) = Fixture { rows: 100, ..Fixture::default() }.plotted("png-size", ImageFormat::Png);
    let png = std::fs::read(&plots[0]).expect("png");
    assert_eq!(png_size(&png), Some((WIDTH, HEIGHT)));
    assert_eq!(png_size(&png[..png.len() - 1]), None, "truncated");
    assert_eq!(png_size(&png[..33]), None, "too short");
    let mut bad = png.clone();
    bad[1] = b'J';
    assert_eq!(png_size(&bad), None, "signature");
    let mut bad = png;
    bad[12..16].copy_from_slice(b"IDAT");
    assert_eq!(png_size(&bad), None, "IHDR first");
    cleanup(&dir);
}

#[test]
fn report_title_falls_back_to_folder_name() {
    let dir = temp_dir("untitled");
    std::fs::write(dir.join("timeseries.csv"), "time_s,pue\n0,1.08\n10,1.09\n").expect("write");
    std::fs::write(dir.join("summary.json"), "{\"pue\": 1.085, \"note\": \"a <b> & c\"}").expect("write");
    let plots = plot_run(&dir, ImageFormat::Png).expect("plot");
    let html = std::fs::read_to_string(write_report(&dir, &plots).expect("report")).expect("read");
    let folder = dir.file_name().expect("name").to_string_lossy().into_owned();
    assert!(html.contains(&format!("<title>{folder}</title>")));
    assert!(html.contains("a &lt;b&gt; &amp; c"));
    cleanup(&dir);
}

#[test]
fn compare_two_runs() {
    let root = temp_dir("compare");
    let a = root.join("base");
    let b = root.join("warm");
    Fixture { rows: 1500, ..Fixture::default() }.write(&a);
    Fixture { rows: 1500, name: "Warm water +5 K", setpoint_offset: 5.0, ..Fixture::default() }.write(&b);
    let out = root.join("cmp");
    let files = compare_runs(&[a.clone(), b.clone()], &out, ImageFormat::Svg).expect("compare");
    let md = std::fs::read_to_string(out.join("comparison.md")).expect("md");
    assert!(md.contains("Stargate Norway, phase 1") && md.contains("Warm water +5 K"));
    assert!(md.contains("delta_vs_Stargate Norway, phase 1"));
    let csv = std::fs::read_to_string(out.join("comparison.csv")).expect("csv");
    let header = csv.lines().next().expect("header");
    assert_eq!(header, "metric,\"Stargate Norway, phase 1\",Warm water +5 K,\"delta_vs_Stargate Norway, phase 1\"");
    let gpu_max = csv.lines().find(|l| l.starts_with("gpu_temp_max_c,")).expect("gpu_temp_max_c row");
    assert!(gpu_max.ends_with(",5"), "{gpu_max}");
    for col in [
        "facility_power_mw",
        "it_power_mw",
        "pue",
        "gpu_temp_max_c",
        "gpu_temp_mean_c",
        "fws_supply_c",
        "throttled_gpu_frac",
        "compute_delivered_frac",
        "battery_soc_frac",
    ] {
        let path = out.join(format!("compare_{col}.svg"));
        assert!(files.contains(&path), "{col}");
        let svg = assert_svg(&path);
        assert!(svg.contains("Stargate Norway, phase 1") && svg.contains("Warm water +5 K"));
    }
    assert!(files.contains(&out.join("comparison.csv")) && files.contains(&out.join("comparison.md")));

    // PNG variant, and duplicate names get the folder name.
    let c = root.join("again");
    Fixture { rows: 300, ..Fixture::default() }.write(&c);
    let files = compare_runs(&[a.clone(), c.clone()], &root.join("cmp2"), ImageFormat::Png).expect("png");
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
        assert_png_1600x900(f);
    }
    let md = std::fs::read_to_string(root.join("cmp2/comparison.md")).expect("md");
    assert!(md.contains("Stargate Norway, phase 1 (base)") && md.contains("Stargate Norway, phase 1 (again)"), "{md}");
    cleanup(&root);
}

#[test]
fn compare_rejects_bad_input() {
    let root = temp_dir("compare-bad");
    let a = root.join("a");
    Fixture { rows: 50, ..Fixture::default() }.write(&a);
    let err = compare_runs(std::slice::from_ref(&a), &root.join("out"), ImageFormat::Png).expect_err("one run");
    assert!(matches!(err, PlotError::TooFewRuns { got: 1 }));
    assert!(err.to_string().contains("at least 2"));
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let err = compare_runs(&[a, empty.clone()], &root.join("out"), ImageFormat::Png).expect_err("no ts");
    assert!(err.to_string().contains(&empty.join("timeseries.csv").display().to_string()), "{err}");
    cleanup(&root);
}

fn write_sweep(dir: &Path) -> PathBuf {
    let mut csv = String::from(
        "cooling.tcs_supply_setpoint_c,supply.battery.power_mw,case,pue,gpu_temp_max_c,throttled_gpu_hours,compute_delivered_frac,facility_energy_mwh,peak_facility_power_mw,max_ramp_mw_per_s,carbon_t,unserved_mwh,custom_metric\n",
    );
    for (i, t) in [30.0, 35.0, 40.0].iter().enumerate() {
        for (j, b) in [0.0, 50.0].iter().enumerate() {
            let pue = 1.08 - 0.004 * (t - 30.0) / 5.0 + 0.001 * j as f64;
            let _ = writeln!(
                csv,
                "{t},{b},case_{i}_{j},{pue},{},{},{},{},{},{},{},0,{}",
                80.0 + (t - 30.0) * 1.1,
                if *t >= 40.0 { 120.0 } else { 0.0 },
                0.999 - 0.002 * i as f64,
                5100.0 - 12.0 * i as f64,
                221.0 + j as f64,
                if j == 0 { 41.7 } else { 4.2 },
                3.1,
                i * 2 + j
            );
        }
    }
    let path = dir.join("sweep.csv");
    std::fs::write(&path, csv).expect("write sweep");
    path
}

#[test]
fn sweep_plots_one_line_per_second_key_value() {
    let dir = temp_dir("sweep");
    let csv = write_sweep(&dir);
    let keys = vec!["cooling.tcs_supply_setpoint_c".to_string(), "supply.battery.power_mw".to_string()];
    let out = dir.join("plots");
    let files = plot_sweep(&csv, &keys, &out, ImageFormat::Svg).expect("sweep");
    let got = names(&files);
    for m in [
        "pue",
        "gpu_temp_max_c",
        "throttled_gpu_hours",
        "compute_delivered_frac",
        "facility_energy_mwh",
        "peak_facility_power_mw",
        "max_ramp_mw_per_s",
        "carbon_t",
        "unserved_mwh",
    ] {
        assert!(got.contains(&format!("sweep_{m}.svg")), "{m} in {got:?}");
    }
    let svg = assert_svg(&out.join("sweep_pue.svg"));
    assert_eq!(svg.matches("\nsupply.battery.power_mw = 0\n").count(), 1, "legend line 1");
    assert_eq!(svg.matches("\nsupply.battery.power_mw = 50\n").count(), 1, "legend line 2");
    assert_eq!(svg.matches(" = ").count(), 2, "exactly two legend lines");
    assert!(svg.contains("cooling.tcs_supply_setpoint_c"));

    let files = plot_sweep_metrics(&csv, &keys, &["custom_metric".to_string()], &out, ImageFormat::Png).expect("png");
    assert!(names(&files).contains(&"sweep_custom_metric.png".to_string()));
    for f in &files {
        assert_png_1600x900(f);
    }

    // One varied key, categorical values.
    let cat = dir.join("cat.csv");
    std::fs::write(&cat, "cluster.gpu,case,pue,gpu_temp_max_c\ngb200,a,1.08,81\nh100,b,1.10,77\nb300,c,1.07,85\n").expect("write");
    let files = plot_sweep(&cat, &["cluster.gpu".to_string()], &dir.join("cat"), ImageFormat::Svg).expect("cat");
    assert_eq!(names(&files), vec!["sweep_pue.svg", "sweep_gpu_temp_max_c.svg"]);
    let svg = assert_svg(&dir.join("cat/sweep_pue.svg"));
    for cat in ["\ngb200\n", "\nh100\n", "\nb300\n"] {
        assert!(svg.contains(cat), "{cat:?}");
    }

    let err = plot_sweep(&csv, &["nope".to_string()], &out, ImageFormat::Png).expect_err("bad key");
    assert!(matches!(err, PlotError::MissingColumn { ref column, .. } if column == "nope"));
    let err = plot_sweep(&csv, &[], &out, ImageFormat::Png).expect_err("no key");
    assert!(matches!(err, PlotError::InvalidInput(_)));
    cleanup(&dir);
}

#[test]
#[ignore = "writes demo output for manual inspection"]
fn demo_output() {
    let dir = std::env::temp_dir().join("fjord-plot-demo");
    let _ = std::fs::remove_dir_all(&dir);
    Fixture::default().write(&dir.join("run"));
    let plots = plot_run(&dir.join("run"), ImageFormat::Png).expect("plot");
    write_report(&dir.join("run"), &plots).expect("report");
    Fixture { name: "Warm water +5 K", setpoint_offset: 5.0, ..Fixture::default() }.write(&dir.join("run2"));
    compare_runs(&[dir.join("run"), dir.join("run2")], &dir.join("cmp"), ImageFormat::Png).expect("cmp");
    let csv = write_sweep(&dir);
    plot_sweep(&csv, &["cooling.tcs_supply_setpoint_c".into(), "supply.battery.power_mw".into()], &dir.join("sweep"), ImageFormat::Png)
        .expect("sweep");
    println!("{}", dir.display());
}
