//! Power supply and the grid (SPEC §3 Supply, §4): shortfall policies in a hydro drought,
//! the supply balance in every row, carbon accounting, GPU-side and battery-side smoothing
//! of training power swings, and the hydro ramp limit.
//!
//! The shipped full-size scenarios are shrunk with `--set` (racks, CDUs, jobs and every
//! capacity in MW or kW in proportion).

use crate::util::{
    gb300_constant, max_of, metric, rel, run_fjord, run_ok, run_sets, scenario_file, scenario_table, shrink, shrink_to_40, stderr, summary, Csv,
    TestDir,
};
use std::path::PathBuf;

/// hydro-drought.toml (1,389 racks) shrunk to 40: 130 MW of hydro and 10 MW of grid for a
/// site that peaks near 165 MW.
fn drought(extra: &[&str]) -> Vec<String> {
    shrink_to_40(1389, &[("power.facility_base_kw", 800.0), ("supply.hydro.capacity_mw", 130.0), ("supply.grid.import_limit_mw", 10.0)], extra)
}

/// abilene-gas.toml (1,000 racks) shrunk to 40: gas turbines, solar, battery, small grid.
fn gas(extra: &[&str]) -> Vec<String> {
    shrink_to_40(
        1000,
        &[
            ("power.facility_base_kw", 800.0),
            ("supply.gas.capacity_mw", 200.0),
            ("supply.gas.min_mw", 40.0),
            ("supply.solar.capacity_mw", 100.0),
            ("supply.battery.energy_mwh", 100.0),
            ("supply.battery.power_mw", 50.0),
            ("supply.grid.import_limit_mw", 40.0),
        ],
        extra,
    )
}

fn run(dir: &TestDir, name: &str, file: &str, sets: &[String]) -> (PathBuf, Csv) {
    let out = dir.join(name);
    run_sets(&scenario_file(file), &out, sets);
    let ts = Csv::read(&out.join("timeseries.csv"));
    (out, ts)
}

/// A hydro drought: capping GPUs trades compute for (almost) no unserved energy; reporting
/// the gap as unserved lets the GPUs draw in full.
#[test]
fn drought_caps_gpus_or_reports_unserved() {
    let dir = TestDir::new("drought");
    let hydro_cap = 130.0 * 40.0 / 1389.0;
    let grid_cap = 10.0 * 40.0 / 1389.0;

    let (capped, ts) = run(&dir, "cap", "hydro-drought.toml", &drought(&[]));
    let s = summary(&capped);
    let compute = metric(&s, "compute_delivered_frac");
    let fac = metric(&s, "facility_energy_mwh");
    assert!(compute < 0.99, "compute delivered {compute} under a drought with GPU caps");
    assert!(metric(&s, "unserved_mwh") < 0.01 * fac, "unserved {} MWh of {fac} MWh", metric(&s, "unserved_mwh"));
    // The caps bind: GPU caps were set and the sources ran at their limits.
    assert!(max_of(&ts.col("gpu_cap_w")) > 0.0, "no GPU cap was ever set");
    assert!(max_of(&ts.col("hydro_mw")) <= hydro_cap * (1.0 + 1e-6));
    assert!(max_of(&ts.col("grid_import_mw")) <= grid_cap * (1.0 + 1e-6));
    assert!(metric(&s, "hydro_mwh") > 0.9 * hydro_cap * 12.0 * 0.9, "hydro should run near capacity all day");

    let (unserved, _) = run(&dir, "unserved", "hydro-drought.toml", &drought(&["supply.on_shortfall=unserved"]));
    let u = summary(&unserved);
    assert!(metric(&u, "unserved_mwh") > 0.0, "no unserved energy without caps");
    assert!(metric(&u, "compute_delivered_frac") > 0.99, "compute {} without caps", metric(&u, "compute_delivered_frac"));
    // Uncapped, the site draws more than the sources give, by the unserved energy.
    let fac_u = metric(&u, "facility_energy_mwh");
    assert!(fac_u > fac * 1.02, "facility energy {fac_u} MWh uncapped vs {fac} MWh capped");
    let supplied = metric(&u, "hydro_mwh") + metric(&u, "grid_import_mwh");
    assert!(rel(supplied + metric(&u, "unserved_mwh") - metric(&u, "curtailed_mwh"), fac_u) < 1e-6);
}

/// Worst residual over the rows of `hydro + wind + solar + gas + grid_import + battery −
/// grid_export − curtailed + unserved − facility_power` (MW), allowing for the CSV's six
/// decimals (at most 10 columns rounded by 5e-7 MW each) plus 1e-6 relative.
fn worst_row_imbalance(ts: &Csv) -> Option<(usize, f64)> {
    let cols: Vec<Vec<f64>> = [
        "hydro_mw",
        "wind_mw",
        "solar_mw",
        "gas_mw",
        "grid_import_mw",
        "battery_mw",
        "grid_export_mw",
        "curtailed_mw",
        "unserved_mw",
        "facility_power_mw",
    ]
    .iter()
    .map(|c| ts.col(c))
    .collect();
    let mut worst: Option<(usize, f64)> = None;
    for (i, fac) in cols[9].iter().copied().enumerate() {
        let c = |k: usize| cols[k][i];
        let sources = c(0) + c(1) + c(2) + c(3) + c(4) + c(5) - c(6) - c(7) + c(8);
        let err = (sources - fac).abs();
        if err > 1e-6 * fac.abs() + 5e-6 && worst.is_none_or(|(_, w)| err > w.abs()) {
            worst = Some((i, sources - fac));
        }
    }
    worst
}

/// The supply meets facility power in every row of a drought (hydro + grid, unserved gap),
/// and the run's own balance check is at rounding level.
#[test]
fn supply_balance_every_row_drought() {
    let dir = TestDir::new("balance-drought");
    for (name, extra) in [("cap", vec![]), ("unserved", vec!["supply.on_shortfall=unserved"])] {
        let (out, ts) = run(&dir, name, "hydro-drought.toml", &drought(&extra));
        let s = summary(&out);
        assert!(metric(&s, "supply_balance_max_error_mw") < 1e-6, "{name}");
        if let Some((i, e)) = worst_row_imbalance(&ts) {
            panic!("{name}: supply misses facility power by {e} MW in row {i}");
        }
    }
}

/// Gas, solar, battery and a small grid (abilene-gas): the run's own balance check holds.
#[test]
fn supply_balance_summary_gas_solar_battery() {
    let dir = TestDir::new("balance-gas");
    let (out, ts) = run(&dir, "gas", "abilene-gas.toml", &gas(&[]));
    let s = summary(&out);
    assert!(metric(&s, "supply_balance_max_error_mw") < 1e-6);
    // Every source took part: the test exercises the whole merit order.
    assert!(metric(&s, "gas_mwh") > 0.0 && metric(&s, "solar_mwh") > 0.0);
    assert!(metric(&s, "battery_loss_mwh") > 0.0, "the battery never cycled");
    assert!(ts.col("battery_mw").iter().any(|b| *b > 0.0) && ts.col("battery_mw").iter().any(|b| *b < 0.0));
}

/// The same identity row by row with gas, solar and a battery. Fails: the recorded
/// `solar_mw`/`wind_mw` are the *delivered* outputs while `curtailed_mw` also counts the
/// curtailed renewables, so curtailment is subtracted twice.
#[test]
fn supply_balance_every_row_gas_solar_battery() {
    let dir = TestDir::new("balance-gas-rows");
    let (_, ts) = run(&dir, "gas", "abilene-gas.toml", &gas(&[]));
    assert!(max_of(&ts.col("curtailed_mw")) > 0.0, "the case needs curtailment to be meaningful");
    if let Some((i, e)) = worst_row_imbalance(&ts) {
        panic!("supply misses facility power by {e} MW in row {i} (curtailed {} MW)", ts.col("curtailed_mw")[i]);
    }
}

/// carbon_t = grid import × grid intensity + gas × gas intensity. Intensities are in g/kWh,
/// which is kg/MWh: MWh × kg/MWh / 1000 = tonnes.
#[test]
fn carbon_is_grid_and_gas_energy_times_intensity() {
    let dir = TestDir::new("carbon");
    // Gas turbines at 550 g/kWh and a 390 g/kWh grid.
    let (out, _) = run(&dir, "gas", "abilene-gas.toml", &gas(&[]));
    let s = summary(&out);
    let expect = metric(&s, "grid_import_mwh") * 390.0 / 1000.0 + metric(&s, "gas_mwh") * 550.0 / 1000.0;
    assert!(metric(&s, "gas_mwh") > 10.0);
    assert!(rel(metric(&s, "carbon_t"), expect) < 1e-3, "carbon {} t vs {expect} t", metric(&s, "carbon_t"));

    // Hydro (zero carbon) and a 19 g/kWh grid.
    let (out, _) = run(&dir, "drought", "hydro-drought.toml", &drought(&[]));
    let s = summary(&out);
    let import = metric(&s, "grid_import_mwh");
    assert!(import > 1.0, "the drought should import from the grid");
    let expect = import * 19.0 / 1000.0;
    assert!(rel(metric(&s, "carbon_t"), expect) < 1e-3, "carbon {} t vs {expect} t", metric(&s, "carbon_t"));
    assert!(metric(&s, "renewable_frac") < 1.0 && metric(&s, "renewable_frac") > 0.9);
}

/// power-swing.toml shrunk to 60 racks (4,320 GPUs) for 10 minutes at its 100 ms step.
fn swing(extra: &[&str]) -> Vec<String> {
    let mut v = shrink(60, 1250, 3, &[4320], &[("supply.grid.import_limit_mw", 300.0)]);
    v.push("scenario.duration=10m".into());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// GPU power floor (REFERENCE §8.5): smaller swings and ramps for the grid, paid for in
/// energy. No battery here, so the net draw is facility power.
#[test]
fn power_floor_cuts_swings_at_an_energy_cost() {
    let dir = TestDir::new("floor");
    let no_battery = ["supply.battery.energy_mwh=0", "supply.battery.power_mw=0"];
    let mut off = no_battery.to_vec();
    off.push("gpu.power_floor_frac=0");
    let mut on = no_battery.to_vec();
    on.push("gpu.power_floor_frac=0.65");
    let (a, _) = run(&dir, "off", "power-swing.toml", &swing(&off));
    let (b, _) = run(&dir, "on", "power-swing.toml", &swing(&on));
    let (sa, sb) = (summary(&a), summary(&b));
    for key in ["max_minute_swing_mw", "max_ramp_mw_per_s", "max_facility_ramp_mw_per_s"] {
        let (x, y) = (metric(&sa, key), metric(&sb, key));
        assert!(y < 0.8 * x, "{key}: {y} with the floor vs {x} without");
    }
    let (ea, eb) = (metric(&sa, "facility_energy_mwh"), metric(&sb, "facility_energy_mwh"));
    assert!(eb > ea * 1.02, "facility energy {eb} MWh with the floor vs {ea} MWh without");
    // The burnt GPU energy is reported: none without the floor; with it, the GPU-side share of
    // the extra facility energy (facility adds PSU, distribution and cooling on top).
    let (ba, bb) = (metric(&sa, "gpu_smoothing_energy_mwh"), metric(&sb, "gpu_smoothing_energy_mwh"));
    assert_eq!(ba, 0.0);
    // (The rest: PSU and distribution losses, cooling, and the leakage of warmer GPUs.)
    assert!(bb > 0.6 * (eb - ea) && bb < eb - ea, "burnt {bb} MWh vs extra facility energy {} MWh", eb - ea);
    // The floor burns energy, it does not buy compute.
    assert!((metric(&sa, "compute_delivered_frac") - metric(&sb, "compute_delivered_frac")).abs() < 1e-6);
}

/// Battery smoothing: with a battery large enough, the net draw on the supply connections
/// never ramps faster than `max_grid_ramp_mw_per_s` while facility power still swings; the
/// battery pays in losses. A tiny battery cannot hold the limit.
#[test]
fn battery_smoothing_holds_the_grid_ramp_limit() {
    let dir = TestDir::new("smoothing");
    let limit = 0.2; // MW/s, against facility ramps of tens of MW/s
    let f = 60.0 / 1250.0;
    let big = [
        format!("supply.battery.energy_mwh={}", 40.0 * f),
        format!("supply.battery.power_mw={}", 120.0 * f),
        format!("supply.battery.max_grid_ramp_mw_per_s={limit}"),
    ];
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    let (out, ts) = run(&dir, "big", "power-swing.toml", &swing(&big));
    let s = summary(&out);
    let ramp = metric(&s, "max_ramp_mw_per_s");
    assert!(ramp <= limit + 1e-6, "net-draw ramp {ramp} MW/s above the {limit} MW/s limit");
    let fac_ramp = metric(&s, "max_facility_ramp_mw_per_s");
    assert!(fac_ramp > 10.0 * limit, "facility ramp {fac_ramp} MW/s: the swing should still be there");
    assert!(metric(&s, "battery_loss_mwh") > 0.0);
    assert!(metric(&s, "unserved_mwh") < 1e-9);
    // Row-level ramps of the net draw are bounded too (step-level bound implies it).
    assert!(max_of(&ts.col("ramp_mw_per_s_max")) <= limit + 1e-6);
    // The battery works both ways.
    let bat = ts.col("battery_mw");
    assert!(bat.iter().any(|b| *b > 0.0) && bat.iter().any(|b| *b < 0.0));

    let tiny = ["supply.battery.energy_mwh=0.005", "supply.battery.power_mw=0.2", "supply.battery.max_grid_ramp_mw_per_s=0.2"];
    let (out, _) = run(&dir, "tiny", "power-swing.toml", &swing(&tiny));
    let ramp = metric(&summary(&out), "max_ramp_mw_per_s");
    assert!(ramp > 1.5 * limit, "a 0.2 MW battery held the ramp to {ramp} MW/s");
}

/// A hydro-only site: 8 GB300 racks training (a checkpoint every 10 minutes) on an ideal plant
/// at a 1 s step, no grid, shortfalls unserved; `scenario` holds the other `[scenario]` lines
/// and `hydro` the keys of `supply.hydro`.
fn hydro_only_site(scenario: &str, hydro: &str) -> String {
    format!(
        concat!(
            r#"
[scenario]
{scenario}
step = "1s"

[cluster]
gpu = "gb300"
racks = 8

[[workload.jobs]]
name = "train"
kind = "training"
gpus = 576
iteration_s = 4.0
checkpoint_every = "10m"
checkpoint_s = 60.0
mtbf = "0s"
"#,
            crate::util::ideal_sink_10kw_base!(),
            r#"
[supply]
hydro = {{ {hydro} }}
grid = {{ import_limit_mw = 0.0 }}
on_shortfall = "unserved"
"#
        ),
        scenario = scenario,
        hydro = hydro
    )
}

/// A hydro-only site whose plant ramps slowly: the hydro series never moves faster than its
/// ramp limit between rows, and the checkpoint swings it cannot follow become unserved
/// (load up) or curtailed (load down).
#[test]
fn hydro_ramp_limit_between_rows() {
    let dir = TestDir::new("hydro-ramp");
    let ramp_mw_per_min = 0.3;
    let record_s = 10.0;
    let text = hydro_only_site(
        &format!("name = \"hydro ramp\"\nduration = \"1h\"\nrecord_every = \"{record_s}s\""),
        &format!("capacity_mw = 50.0, ramp_mw_per_min = {ramp_mw_per_min}"),
    );
    let path = dir.write("hydro.toml", &text);
    let out = dir.join("run");
    run_ok(&path, &out, &["--format", "none"]);
    let ts = Csv::read(&out.join("timeseries.csv"));
    let hydro = ts.col("hydro_mw");
    let bound = ramp_mw_per_min / 60.0 * record_s;
    let mut worst: f64 = 0.0;
    for i in 1..hydro.len() {
        let d = (hydro[i] - hydro[i - 1]).abs();
        worst = worst.max(d);
        assert!(d <= bound + 2e-6, "hydro moved {d} MW between rows {} and {i} (limit {bound} MW)", i - 1);
    }
    assert!(worst > 0.5 * bound, "hydro never ramped hard ({worst} MW per row): the test needs swings");
    let s = summary(&out);
    assert!(metric(&s, "unserved_mwh") > 0.0, "ramping up after a checkpoint should leave a gap");
    assert!(metric(&s, "curtailed_mwh") > 0.0, "ramping down into a checkpoint should leave excess");
    assert_eq!(metric(&s, "grid_import_mwh"), 0.0);
    assert!(metric(&s, "supply_balance_max_error_mw") < 1e-6);
    if let Some((i, e)) = worst_row_imbalance(&ts) {
        panic!("supply misses facility power by {e} MW in row {i}");
    }
}

/// Hourly carbon and price series (`supply.grid.carbon_file`, `price_file`): carbon follows the
/// hour's intensity and the grid cost is imports × price. A constant load on an import-only
/// supply makes both closed-form.
#[test]
fn hourly_carbon_and_price_files_drive_carbon_and_cost() {
    let dir = TestDir::new("grid-series");
    std::fs::write(dir.join("carbon.csv"), "hour,g_per_kwh\n0,100\n1,300\n").unwrap();
    std::fs::write(dir.join("price.csv"), "hour,eur_per_mwh\n0,50\n1,10\n").unwrap();
    let text = scenario_table("2h", "10s", "60s")
        + &gb300_constant(4, "steady", 0.8)
        + r#"
[cooling]
cdus = 1
[cooling.heat_rejection]
kind = "ideal"
[supply]
grid = { import_limit_mw = 100.0, carbon_file = "carbon.csv", price_file = "price.csv" }
"#;
    let path = dir.join("grid.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.join("run");
    run_ok(&path, &out, &["--format", "none"]);
    let ts = Csv::read(&out.join("timeseries.csv"));
    let (t, imp) = (ts.col("time_s"), ts.col("grid_import_mw"));
    // Rows are 60 s: energy per row in MWh = MW / 60.
    let (mut carbon_t, mut cost) = (0.0, 0.0);
    for i in 0..t.len() {
        let first_hour = t[i] < 3600.0;
        carbon_t += imp[i] / 60.0 * if first_hour { 100.0 } else { 300.0 } / 1000.0;
        cost += imp[i] / 60.0 * if first_hour { 50.0 } else { 10.0 };
    }
    let s = summary(&out);
    assert!(rel(metric(&s, "carbon_t"), carbon_t) < 1e-6, "carbon {} vs {carbon_t}", metric(&s, "carbon_t"));
    assert!(rel(metric(&s, "grid_cost"), cost) < 1e-6, "cost {} vs {cost}", metric(&s, "grid_cost"));
    // A bad series is bad input: exit 2 with the file and line.
    std::fs::write(dir.join("carbon.csv"), "hour,g_per_kwh\n0,100\n1,lots\n").unwrap();
    let o = run_fjord(["run".as_ref(), path.as_os_str(), "--out".as_ref(), dir.join("bad").as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("carbon.csv:3"), "{}", stderr(&o));
    assert!(!dir.join("bad").exists());
}

/// Solar from an EPW file's irradiance: with a constant diffuse sky (GHI = DHI, DNI = 0) the
/// PV output is constant, proportional to the irradiance, and below the derated nameplate
/// scaled by irradiance/1000 W/m² (the tilted plane sees (1 + cos β)/2 of the sky plus a little
/// ground reflection, and warm cells lose output).
#[test]
fn solar_follows_epw_irradiance() {
    let dir = TestDir::new("epw-solar");
    let mut out_mw = vec![];
    for (i, g) in [400.0, 800.0].iter().enumerate() {
        dir.write(&format!("w{i}.epw"), &crate::cooling::epw_text_irradiance(10.0, *g));
        let text = format!(
            r#"
[scenario]
start = "2026-03-01T00:00:00Z"
duration = "2h"
step = "10s"
record_every = "60s"
[site]
latitude_deg = 60.0
longitude_deg = 10.0
weather_file = "w{i}.epw"
[cluster]
gpu = "gb300"
racks = 2
[cooling]
cdus = 1
[cooling.heat_rejection]
kind = "ideal"
[supply]
solar = {{ capacity_mw = 10.0 }}
grid = {{ import_limit_mw = 10.0, export_limit_mw = 20.0 }}
"#
        );
        let path = dir.write(&format!("s{i}.toml"), &text);
        let out = dir.join(&format!("run{i}"));
        run_ok(&path, &out, &["--format", "none"]);
        let ts = Csv::read(&out.join("timeseries.csv"));
        let solar = ts.col("solar_mw");
        let (lo, hi) = (solar.iter().copied().fold(f64::INFINITY, f64::min), max_of(&solar));
        assert!(hi - lo < 1e-6 * hi.max(1e-9), "a constant sky gives constant PV: {lo}..{hi}");
        let bound = 10.0 * 0.86 * g / 1000.0 * 1.05;
        assert!(hi > 0.5 * bound / 1.05 && hi < bound, "PV {hi} MW at {g} W/m² (bound {bound})");
        out_mw.push(hi);
    }
    // Twice the irradiance, about twice the output (cells run warmer: a little less).
    let ratio = out_mw[1] / out_mw[0];
    assert!(ratio > 1.85 && ratio < 2.0, "ratio {ratio}");
}

/// Asymmetric hydro ramps (`ramp_down_mw_per_min`): with a fast shed and a slow pick-up,
/// hydro follows the checkpoint dips down at once, climbs back no faster than its up-ramp,
/// and the excess it could not shed disappears; the rising edges become unserved instead.
#[test]
fn hydro_sheds_load_faster_than_it_picks_it_up() {
    let dir = TestDir::new("hydro-asym");
    let run_with = |down: f64| {
        let text = hydro_only_site(
            "duration = \"30m\"\nrecord_every = \"1s\"",
            &format!("capacity_mw = 50.0, ramp_mw_per_min = 6.0, ramp_down_mw_per_min = {down}"),
        );
        let path = dir.write(&format!("h{down}.toml"), &text);
        let out = dir.join(&format!("run{down}"));
        run_ok(&path, &out, &["--format", "none"]);
        (summary(&out), Csv::read(&out.join("timeseries.csv")).col("hydro_mw"))
    };
    let (sym, _) = run_with(6.0);
    let (fast, hydro) = run_with(600.0);
    let (up, down) = (6.0 / 60.0, 600.0 / 60.0);
    let mut fastest_drop: f64 = 0.0;
    for w in hydro.windows(2) {
        let d = w[1] - w[0];
        assert!(d <= up + 1e-6 && -d <= down + 1e-6, "hydro moved {d} MW in 1 s");
        fastest_drop = fastest_drop.max(-d);
    }
    assert!(fastest_drop > 3.0 * up, "the fast shed is used: {fastest_drop} MW/s");
    let (ex_sym, ex_fast) = (metric(&sym, "dispatchable_excess_mwh"), metric(&fast, "dispatchable_excess_mwh"));
    assert!(ex_sym > 0.0 && ex_fast < 0.1 * ex_sym, "excess {ex_fast} MWh with a fast shed vs {ex_sym} MWh symmetric");
    assert!(metric(&fast, "unserved_mwh") > metric(&sym, "unserved_mwh"));
}
