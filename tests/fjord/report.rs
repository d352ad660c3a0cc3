//! Issue 13 (a report people read): window extremes beside the means, Parquet series that
//! match the CSV and the run's sums, the report pages' content, and the pages opened in a
//! real headless browser where Chromium is installed.

use crate::util::{fjord, metric, run_fjord, run_ok, scenario, stderr, summary, Csv, TestDir};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use std::path::{Path, PathBuf};

/// Two CDUs of two racks each; a 4 s training iteration in 10 s records (1 s steps), a CDU
/// pump failure and a job failure event, so the report has something to tell.
fn scenario_text(name: &str) -> String {
    format!(
        r#"
[scenario]
name = "{name}"
duration = "20m"
step = "1s"
record_every = "10s"

[cluster]
gpu = "gb300"
racks = 4

[[workload.jobs]]
name = "train"
kind = "training"
gpus = 216
iteration_s = 4.0
checkpoint_every = "10m"
checkpoint_s = 30.0
mtbf = "0s"

[[workload.jobs]]
name = "serve"
kind = "inference"
gpus = 72

[cooling]
tcs_supply_setpoint_c = 35.0
fws_supply_setpoint_c = 28.0
cdus = 2
[cooling.heat_rejection]
kind = "ideal"

[[events]]
kind = "cdu_pump_failure"
at = "5m"
duration = "2m"
target = 1

[[events]]
kind = "job_failure"
at = "12m"
job = "train"
"#
    )
}

fn run_site(dir: &TestDir, name: &str, extra: &[&str]) -> PathBuf {
    let path = dir.write(&format!("{name}.toml"), &scenario_text(name));
    let out = dir.join(name);
    run_ok(&path, &out, extra);
    out
}

fn parquet_rows(path: &Path) -> (Vec<String>, Vec<parquet::record::Row>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let reader = SerializedFileReader::new(file).unwrap_or_else(|e| panic!("{} is not Parquet: {e}", path.display()));
    let names: Vec<String> = reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
    let rows = reader.get_row_iter(None).expect("row iterator").map(|r| r.expect("row")).collect();
    (names, rows)
}

/// The recorder keeps each window's minimum and maximum of the fast series beside the mean:
/// min ≤ mean ≤ max in every row, and a 4 s iteration inside 10 s windows shows a swing.
#[test]
fn issue13_window_extremes_bracket_the_mean() {
    let dir = TestDir::new("extremes");
    let out = run_site(&dir, "Extremes", &["--format", "none"]);
    let csv = Csv::read(&out.join("timeseries.csv"));
    for s in ["facility_power_mw", "it_power_mw", "gpu_power_mw", "grid_import_mw"] {
        let (mean, lo, hi) = (csv.col(s), csv.col(&format!("{s}_min")), csv.col(&format!("{s}_max")));
        for i in 0..mean.len() {
            assert!(lo[i] <= mean[i] + 1e-6 && mean[i] <= hi[i] + 1e-6, "{s} row {i}: {} ≤ {} ≤ {}", lo[i], mean[i], hi[i]);
        }
        let swings = (0..mean.len()).filter(|&i| hi[i] - lo[i] > 0.05 * hi[i]).count();
        assert!(swings > mean.len() / 2, "{s}: the iteration's swing shows in only {swings} of {} windows", mean.len());
    }
}

/// `--parquet` writes timeseries.parquet with the CSV's columns and values; `--series racks`
/// writes one row per rack per window whose power sums to the site's IT power and whose
/// energy matches the summary.
#[test]
fn issue13_parquet_matches_the_csv_and_the_sums() {
    let dir = TestDir::new("parquet");
    let out = run_site(&dir, "Parquet", &["--format", "none", "--parquet", "--series", "racks"]);
    let csv = Csv::read(&out.join("timeseries.csv"));
    let (names, rows) = parquet_rows(&out.join("timeseries.parquet"));
    assert_eq!(names, csv.header, "same columns in the same order");
    assert_eq!(rows.len(), csv.rows.len());
    for (r, (prow, crow)) in rows.iter().zip(&csv.rows).enumerate() {
        for (i, name) in names.iter().enumerate() {
            if name == "timestamp" {
                assert_eq!(prow.get_string(i).expect("text"), &crow[i], "row {r}");
            } else {
                let want: f64 = crow[i].parse().expect("number");
                let got = prow.get_double(i).expect("double");
                assert!(got == want || (got.is_nan() && want.is_nan()), "row {r} {name}: {got} vs {want}");
            }
        }
    }

    let (names, racks) = parquet_rows(&out.join("racks_timeseries.parquet"));
    assert_eq!(
        names,
        ["time_s", "rack", "cdu", "power_kw", "gpu_temp_mean_c", "gpu_temp_max_c", "throttled_gpu_frac", "inlet_c", "outlet_c", "flow_kg_s"]
    );
    assert_eq!(racks.len(), 4 * csv.rows.len(), "one row per rack per window");
    let t = csv.col("time_s");
    let it = csv.col("it_power_mw");
    let tmax = csv.col("gpu_temp_max_c");
    let racks_csv = Csv::read(&out.join("racks.csv"));
    let cdu_of = racks_csv.col("cdu");
    let mut energy_mwh = 0.0;
    for (w, chunk) in racks.chunks(4).enumerate() {
        let mut sum_kw = 0.0;
        let mut hottest = f64::MIN;
        for (r, row) in chunk.iter().enumerate() {
            assert_eq!(row.get_double(0).expect("time"), t[w]);
            assert_eq!(row.get_int(1).expect("rack"), r as i32);
            assert_eq!(f64::from(row.get_int(2).expect("cdu")), cdu_of[r]);
            let p = row.get_double(3).expect("power");
            sum_kw += p;
            hottest = hottest.max(row.get_double(5).expect("max"));
            let (mean_c, max_c) = (row.get_double(4).expect("mean"), row.get_double(5).expect("max"));
            assert!(mean_c <= max_c + 1e-9, "window {w} rack {r}: mean {mean_c} above max {max_c}");
            let frac = row.get_double(6).expect("frac");
            assert!((0.0..=1.0).contains(&frac));
            let (inlet, outlet) = (row.get_double(7).expect("inlet"), row.get_double(8).expect("outlet"));
            assert!(outlet >= inlet - 1e-9, "window {w} rack {r}: outlet {outlet} below inlet {inlet}");
        }
        // Rack powers add up to the site's IT power (the CSV rounds to 1e-6 MW).
        assert!((sum_kw / 1e3 - it[w]).abs() < 2e-6, "window {w}: racks {} MW vs IT {} MW", sum_kw / 1e3, it[w]);
        assert!((hottest - tmax[w]).abs() < 2e-6, "window {w}: hottest rack {hottest} vs {}", tmax[w]);
        energy_mwh += sum_kw * 10.0 / 3.6e6;
    }
    let s = summary(&out);
    let want = metric(&s, "it_energy_mwh");
    assert!((energy_mwh - want).abs() < 1e-6 * want.max(1.0) + 1e-9, "rack series energy {energy_mwh} MWh vs summary {want} MWh");

    // A bad --series is bad input: exit 2, nothing written.
    let bad_out = dir.join("bad");
    let o = run_fjord([
        "run".as_ref(),
        dir.join("Parquet.toml").as_os_str(),
        "--out".as_ref(),
        bad_out.as_os_str(),
        "--series".as_ref(),
        "cdus".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--series") && stderr(&o).contains("racks"), "{}", stderr(&o));
    assert!(!bad_out.exists());
}

/// Two CDUs of two racks under a steady load; rack 1's valve sticks at 80 % open at 5 min
/// (about 58 % of its design flow: hotter, but not throttling).
fn hydraulic_text() -> String {
    crate::util::four_racks_two_cdus(
        r#"
[[events]]
kind = "valve_stuck"
at = "5m"
target = 1
position_frac = 0.8
"#,
    )
}

/// racks_timeseries.parquet carries each rack's flow from the hydraulic solve: its time
/// mean is racks.csv's `flow_kg_s_mean`, a CDU's racks add up to the CDU's loop flow (the
/// engine's, and all racks the recorded `tcs_flow_kg_s`), the stuck valve's rack shows its
/// cut flow, and `outlet_c` closes the rack's energy balance Q = ṁ·c_p·(T_out − T_in) with
/// that flow and the liquid-captured share of the rack's power once temperatures settle.
#[test]
fn issue13_rack_series_carries_the_hydraulic_flows() {
    let dir = TestDir::new("rack-flows");
    let text = hydraulic_text();
    let path = dir.write("RackFlows.toml", &text);
    let out = dir.join("RackFlows");
    run_ok(&path, &out, &["--format", "none", "--series", "racks"]);
    let (names, rows) = parquet_rows(&out.join("racks_timeseries.parquet"));
    let col = |n: &str| names.iter().position(|c| c == n).unwrap_or_else(|| panic!("no column {n}"));
    let (c_t, c_rack, c_cdu, c_p, c_in, c_out, c_m) =
        (col("time_s"), col("rack"), col("cdu"), col("power_kw"), col("inlet_c"), col("outlet_c"), col("flow_kg_s"));
    let ts = Csv::read(&out.join("timeseries.csv"));
    let tcs_flow = ts.col("tcs_flow_kg_s");
    assert_eq!(rows.len(), 4 * tcs_flow.len());

    // Time means against racks.csv (equal 10 s windows: the mean of the rows).
    let racks_csv = Csv::read(&out.join("racks.csv"));
    let want_mean = racks_csv.col("flow_kg_s_mean");
    assert_eq!(want_mean.len(), 4);
    for (r, want) in want_mean.iter().enumerate() {
        let m: Vec<f64> = rows.iter().filter(|row| row.get_int(c_rack).unwrap() == r as i32).map(|row| row.get_double(c_m).unwrap()).collect();
        let mean = m.iter().sum::<f64>() / m.len() as f64;
        assert!((mean / want - 1.0).abs() < 1e-5, "rack {r}: parquet mean {mean} vs racks.csv {want}");
    }

    // Every window: the racks add up to the loops' recorded flow.
    for (w, chunk) in rows.chunks(4).enumerate() {
        let sum: f64 = chunk.iter().map(|row| row.get_double(c_m).unwrap()).sum();
        assert!((sum / tcs_flow[w] - 1.0).abs() < 1e-5, "window {w}: racks {sum} vs TCS {} kg/s", tcs_flow[w]);
    }

    // Per CDU against the engine's loop flow, at a settled window after the valve stuck.
    let sc = scenario(&text, dir.path());
    let (cp, capture) = (sc.cooling.cp_j_kg_k, sc.cooling.liquid_capture_frac);
    let mut e = fjord::engine::Engine::new(sc).expect("engine");
    for _ in 0..900 {
        e.step();
    }
    let at = |w_t: f64, r: i32| rows.iter().find(|row| row.get_double(c_t).unwrap() == w_t && row.get_int(c_rack).unwrap() == r).expect("row");
    for c in 0..2 {
        let sum: f64 = (0..4).map(|r| at(890.0, r)).filter(|row| row.get_int(c_cdu).unwrap() == c).map(|row| row.get_double(c_m).unwrap()).sum();
        let want = e.hyd.cdu_flow_kg_s[c as usize];
        assert!((sum / want - 1.0).abs() < 1e-9, "CDU {c}: racks {sum} vs loop {want} kg/s");
    }

    // The stuck valve cuts rack 1's flow; before it, rack 1 ran as rack 0 (same CDU).
    let (m0_before, m1_before) = (at(200.0, 0).get_double(c_m).unwrap(), at(200.0, 1).get_double(c_m).unwrap());
    assert!((m1_before / m0_before - 1.0).abs() < 1e-9, "{m1_before} vs {m0_before}");
    let m1_after = at(890.0, 1).get_double(c_m).unwrap();
    assert!(m1_after < 0.7 * m1_before && m1_after > 0.0, "a valve 80 % open: {m1_after} vs {m1_before} kg/s");
    assert!(at(890.0, 1).get_double(c_out).unwrap() > at(890.0, 0).get_double(c_out).unwrap() + 1.0, "less flow, hotter outlet");

    // Energy balance once settled (the last 5 minutes, steady load and flows).
    for row in rows.iter().filter(|row| row.get_double(c_t).unwrap() >= 900.0) {
        let (m, t_in, t_out, p_w) =
            (row.get_double(c_m).unwrap(), row.get_double(c_in).unwrap(), row.get_double(c_out).unwrap(), row.get_double(c_p).unwrap() * 1e3);
        let q = m * cp * (t_out - t_in);
        let want = capture * p_w;
        assert!(
            (q / want - 1.0).abs() < 0.01,
            "rack {} at {} s: ṁ·c_p·ΔT {q} W vs {want} W",
            row.get_int(c_rack).unwrap(),
            row.get_double(c_t).unwrap()
        );
    }
}

/// abilene-tower.toml (open cooling towers) shows the water card and the water metrics, and
/// hydraulic events (valve stuck, pump trip, fouling) appear in "what happened" at their times.
#[test]
fn issue13_report_shows_water_and_hydraulic_events() {
    let dir = TestDir::new("report-water");
    let base = std::fs::read_to_string(crate::util::scenario_file("abilene-tower.toml")).expect("abilene-tower.toml");
    let text = format!(
        "{base}\n[[events]]\nkind = \"valve_stuck\"\nat = \"30s\"\ntarget = 3\nposition_frac = 0.2\n\n\
         [[events]]\nkind = \"pump_trip\"\nat = \"1m\"\ntarget = 2\nstandby_start_s = 15.0\n\n\
         [[events]]\nkind = \"fouling\"\nat = \"1m30s\"\nduration = \"30s\"\ntarget = 5\nresistance_factor = 3.0\n"
    );
    let path = dir.write("tower.toml", &text);
    let out = dir.join("tower");
    run_ok(&path, &out, &["--set", "scenario.duration=2m", "--set", "scenario.record_every=5s"]);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("<div class=\"card\" title=\"water_m3\">"), "no water card");
    assert!(html.contains("<div class=\"l\">Water</div>"), "no water card label");
    assert!(html.contains("<tr title=\"water_m3\"><td>Water consumed</td>"), "no water metric");
    assert!(html.contains("<tr title=\"wue_l_per_kwh\"><td>WUE</td>"), "no WUE metric");
    let happened = &html[html.find("<h2>What happened</h2>").expect("what happened") + 4..];
    let happened = &happened[..happened.find("<h2>").unwrap_or(happened.len())];
    assert!(happened.contains("+00:00:30</span> valve stuck: rack 3 valve stuck at 20 % open to the end of the run"), "{happened}");
    assert!(happened.contains("+00:01:00</span> pump trip: CDU 2 duty pump trips, standby (if any) starts after 15 s to the end"), "{happened}");
    assert!(happened.contains("+00:01:30</span> fouling: rack 5 branch resistance rises to ×3 over 30 s and stays</li>"), "{happened}");
    let i = |s: &str| happened.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(i("valve stuck") < i("pump trip") && i("pump trip") < i("fouling"), "in time order: {happened}");
}

/// report.html: headline cards, human labels with raw keys on hover, the "what happened"
/// list with the pump failure and the job's down time, one uPlot box per chart, the floor
/// map, and every static chart embedded; a single offline file under 10 MB.
#[test]
fn issue13_report_reads_like_a_report() {
    let dir = TestDir::new("report");
    let out = run_site(&dir, "ReportSite", &[]);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.len() < 10_000_000, "report is {} bytes", html.len());
    for card in ["PUE", "Facility energy", "Peak facility power", "Max GPU temperature", "Compute delivered"] {
        assert!(html.contains(&format!("<div class=\"l\">{card}</div>")), "no card {card}");
    }
    assert!(html.contains("<tr title=\"facility_energy_mwh\"><td>Facility energy</td>"), "labelled metric with its raw key on hover");
    for group in ["Power and energy", "Cooling", "GPUs", "Run"] {
        assert!(html.contains(&format!("<h3>{group}</h3>")), "no group {group}");
    }
    let happened = &html[html.find("<h2>What happened</h2>").expect("what happened") + 4..];
    let happened = &happened[..happened.find("<h2>").unwrap_or(happened.len())];
    assert!(happened.contains("+00:05:00</span> cdu pump failure: CDU 1 pump stops until +00:07:00"), "{happened}");
    // The restart outlasts the run's last 8 minutes.
    assert!(happened.contains("+00:12:00</span> job down: job train down (failure and restart) to the end of the run"), "{happened}");
    assert!(happened.contains("</span> GPUs throttling until"), "the pump failure throttles CDU 1's GPUs: {happened}");
    assert!(happened.contains("+00:12:00</span> job failure: job train fails</li>"), "an instant event has no span: {happened}");
    let events = Csv::read(&out.join("events.csv"));
    assert_eq!(events.header, ["start_s", "end_s", "kind", "detail"]);
    for id in ["chart-power", "chart-temperatures", "chart-compute"] {
        assert!(html.contains(&format!("<div class=\"uchart\" id=\"{id}\"></div>")), "no chart box {id}");
    }
    assert!(html.contains("<h2>Floor map</h2>") && html.contains("title=\"rack 3, CDU 1"), "floor map grid with per-rack hover");
    let pngs = std::fs::read_dir(out.join("plots")).expect("plots").count();
    assert_eq!(html.matches("data:image/png;base64,").count(), pngs);
    assert!(out.join("plots/floor_map.png").exists());
    // 20 minutes of records fit the power chart at full resolution: no zoom panel needed.
    assert!(!out.join("plots/power_zoom.png").exists());
    for remote in ["src=\"http", "href=\"http", "url(http", "fetch(", "XMLHttpRequest"] {
        assert!(!html.contains(remote), "network reference {remote}");
    }
}

/// Chromium, if installed (Debian package `chromium`).
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file()))
}

/// Opens `page` headless: returns (DOM after scripts ran, console lines), and writes a
/// screenshot next to it.
fn open_headless(browser: &Path, page: &Path, profile: &Path, shot: &Path) -> (String, Vec<String>) {
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
    ];
    let url = format!("file://{}", page.display());
    let o = std::process::Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.join("dom").display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("spawn chromium");
    let console: Vec<String> = String::from_utf8_lossy(&o.stderr).lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    let s = std::process::Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.join("shot").display()))
        .arg("--window-size=1400,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .expect("spawn chromium");
    assert!(shot.is_file(), "no screenshot of {}: {}", page.display(), String::from_utf8_lossy(&s.stderr));
    (String::from_utf8_lossy(&o.stdout).to_string(), console)
}

/// The run, compare and sweep reports open in headless Chromium without console errors,
/// with a uPlot root per chart box and every chart's canvas inked. Skips (with the reason
/// printed) where Chromium is not installed.
#[test]
fn issue13_reports_draw_in_a_real_browser() {
    let Some(browser) = chromium() else {
        println!("SKIPPED issue13_reports_draw_in_a_real_browser: no chromium on PATH (apt-get install chromium)");
        return;
    };
    let dir = TestDir::new("browser");
    let a = run_site(&dir, "BrowserA", &[]);
    let b = run_site(&dir, "BrowserB", &["--format", "none", "--set", "cooling.tcs_supply_setpoint_c=40"]);
    let cmp = dir.join("cmp");
    let o = run_fjord(["compare".as_ref(), a.as_os_str(), b.as_os_str(), "--out".as_ref(), cmp.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sw = dir.join("sweep");
    let o = fjord()
        .arg("sweep")
        .arg(dir.join("BrowserA.toml"))
        .args(["--out".as_ref(), sw.as_os_str()])
        .args(["--quiet", "--vary", "cooling.tcs_supply_setpoint_c=32:40:4"])
        .output()
        .expect("spawn fjord");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for (name, page) in [("run", a.join("report.html")), ("compare", cmp.join("report.html")), ("sweep", sw.join("report.html"))] {
        let shot = dir.join(&format!("{name}.png"));
        let (dom, console) = open_headless(&browser, &page, &dir.join(&format!("profile-{name}")), &shot);
        assert!(console.is_empty(), "{name} report logged to the console:\n{}", console.join("\n"));
        let boxes = dom.matches("class=\"uchart\"").count();
        assert!(boxes >= 1, "{name}: no chart boxes in the DOM");
        assert_eq!(dom.matches("class=\"uplot").count(), boxes, "{name}: a uPlot root per chart box");
        let inked: Vec<u64> = dom.split("data-inked=\"").skip(1).map(|s| s[..s.find('"').expect("quote")].parse().unwrap_or(0)).collect();
        assert_eq!(inked.len(), boxes, "{name}: every chart reported its canvas");
        assert!(inked.iter().all(|&k| k > 1000), "{name}: a blank chart canvas ({inked:?} inked pixels)");
        assert!(std::fs::metadata(&shot).expect("shot").len() > 10_000, "{name}: screenshot is nearly empty");
    }
}
