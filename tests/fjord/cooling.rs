//! Closed-loop cooling to the weather (SPEC §3, §5, §6): the dry coolers hold the facility
//! water setpoint in Narvik all year, Abilene needs its trim chiller on hot afternoons at a
//! COP set by the lift, heat reuse takes a heat pump that stays out of PUE, a dry-cooler
//! outage in a heat wave overheats the loops and recovers, the energy balance closes with
//! the plant on at coarse and fine steps, and EPW weather files drive the ambient.
//!
//! The shipped full-size scenarios are shrunk with `--set` (racks, CDUs, jobs and every
//! capacity in MW or kW in proportion) and run at a 5 s step with 1 min rows.

use crate::util::{
    max_of, metric, min_of, pump_failure, rel, run_fjord, run_ok, run_sets, scenario_file, scenario_table, shrink_to_40, stderr, summary,
    train_and_serve, Csv, TestDir,
};
use std::path::Path;

const KELVIN: f64 = 273.15;

/// Narvik (stargate-norway*.toml, narvik-*.toml): 1,389 racks shrunk to 40.
fn narvik(extra: &[&str]) -> Vec<String> {
    shrink_to_40(1389, &[("power.facility_base_kw", 800.0), ("supply.hydro.capacity_mw", 230.0), ("supply.grid.import_limit_mw", 60.0)], extra)
}

/// Abilene (abilene-summer.toml): 1,000 racks shrunk to 40.
fn abilene(extra: &[&str]) -> Vec<String> {
    shrink_to_40(1000, &[("power.facility_base_kw", 800.0), ("cooling.chiller.capacity_mw", 60.0), ("supply.grid.import_limit_mw", 250.0)], extra)
}

fn run_scenario(dir: &TestDir, name: &str, file: &str, sets: &[String]) -> (std::path::PathBuf, Csv) {
    let out = dir.join(name);
    run_sets(&scenario_file(file), &out, sets);
    let ts = Csv::read(&out.join("timeseries.csv"));
    (out, ts)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

fn assert_balanced(out: &Path, what: &str) {
    let err = metric(&summary(out), "energy_balance_error_frac");
    assert!(err.is_finite() && err < 1e-4, "{what}: energy balance error {err}");
}

/// Narvik in January: dry coolers alone, a low PUE, no chiller, no throttling, and the fan
/// controller holds the facility supply setpoint against the weather.
#[test]
fn narvik_january_dry_coolers_hold_the_setpoint() {
    let dir = TestDir::new("narvik-jan");
    let setpoint = 30.0;

    // The scenario as shipped (random job failures, checkpoints).
    let (out, ts) = run_scenario(&dir, "jan", "stargate-norway.toml", &narvik(&[]));
    let s = summary(&out);
    let pue = metric(&s, "pue");
    assert!((1.04..=1.12).contains(&pue), "PUE {pue}");
    assert_eq!(metric(&s, "chiller_hours"), 0.0);
    assert_eq!(metric(&s, "throttled_gpu_hours"), 0.0);
    assert_balanced(&out, "Narvik January");
    // Load steps (job restarts, checkpoints) move the water for minutes, but the integral
    // action brings it back: on average the supply sits at its setpoint.
    let t = ts.col("time_s");
    let fws = ts.col("fws_supply_c");
    let after: Vec<f64> = t.iter().zip(&fws).filter(|(t, _)| **t >= 3600.0).map(|(_, f)| *f).collect();
    assert!((mean(&after) - setpoint).abs() < 0.3, "mean FWS supply {} °C", mean(&after));
    // Freezing weather: fans far from full speed.
    assert!(max_of(&ts.col("dry_cooler_fan_speed_frac")) < 0.6);

    // Steady load (no random failures, no checkpoints): every row after the first hour
    // within 0.5 K of the setpoint while the weather drifts.
    let (out, ts) =
        run_scenario(&dir, "jan-steady", "stargate-norway.toml", &narvik(&["workload.jobs[0].mtbf=0s", "workload.jobs[0].checkpoint_every=0s"]));
    assert_balanced(&out, "Narvik January, steady load");
    let amb = ts.col("ambient_c");
    assert!(max_of(&amb) - min_of(&amb) > 1.0, "the weather should move during the day");
    for (t, f) in ts.col("time_s").iter().zip(ts.col("fws_supply_c")) {
        if *t >= 3600.0 {
            assert!((f - setpoint).abs() <= 0.5, "FWS supply {f} °C at t = {t} s, setpoint {setpoint} °C");
        }
    }
}

/// Narvik in July, the warmest month: dry coolers alone still hold the setpoint, with the fans
/// working harder than in January, and nothing throttles.
#[test]
fn narvik_july_still_holds_the_setpoint() {
    let dir = TestDir::new("narvik-jul");
    let setpoint = 30.0;
    // Random job failures are switched off: a restart after ten minutes idle is a load step of
    // ~2.5x that overshoots the setpoint for minutes whatever the weather (see the January test).
    let steady = ["workload.jobs[0].mtbf=0s"];
    let (out, jul) = run_scenario(&dir, "jul", "stargate-norway-july.toml", &narvik(&steady));
    let s = summary(&out);
    let fws_max = metric(&s, "fws_supply_max_c");
    assert!(fws_max <= setpoint + 0.5, "FWS supply reached {fws_max} °C");
    assert_eq!(metric(&s, "throttled_gpu_hours"), 0.0);
    assert_eq!(metric(&s, "chiller_hours"), 0.0);
    assert_balanced(&out, "Narvik July");

    let (_, jan) = run_scenario(&dir, "jan", "stargate-norway.toml", &narvik(&steady));
    let (amb_jan, amb_jul) = (mean(&jan.col("ambient_c")), mean(&jul.col("ambient_c")));
    assert!(amb_jul > amb_jan + 10.0, "July {amb_jul} °C vs January {amb_jan} °C");
    let (fan_jan, fan_jul) = (mean(&jan.col("dry_cooler_fan_speed_frac")), mean(&jul.col("dry_cooler_fan_speed_frac")));
    assert!(fan_jul > fan_jan + 0.05, "mean fan speed July {fan_jul} vs January {fan_jan}");
    let (p_jan, p_jul) = (mean(&jan.col("dry_cooler_fan_power_mw")), mean(&jul.col("dry_cooler_fan_power_mw")));
    assert!(p_jul > p_jan, "fan power July {p_jul} MW vs January {p_jan} MW");
}

/// Abilene in July: a clearly higher PUE than Narvik in January, and the trim chiller runs
/// only in the warm part of the day.
#[test]
fn abilene_july_needs_the_chiller_on_warm_hours() {
    let dir = TestDir::new("abilene");
    let (abi, ts) = run_scenario(&dir, "abilene", "abilene-summer.toml", &abilene(&[]));
    let (nar, _) = run_scenario(&dir, "narvik", "stargate-norway.toml", &narvik(&[]));
    let (sa, sn) = (summary(&abi), summary(&nar));
    let (pue_a, pue_n) = (metric(&sa, "pue"), metric(&sn, "pue"));
    assert!(pue_a >= pue_n + 0.03, "PUE Abilene {pue_a} vs Narvik {pue_n}");
    let hours = metric(&sa, "chiller_hours");
    assert!(hours > 0.0 && hours < 24.0, "chiller hours {hours}");
    assert!(metric(&sa, "chiller_energy_mwh") > 0.0);
    assert_balanced(&abi, "Abilene July");

    let amb = ts.col("ambient_c");
    let med = median(&amb);
    let load = ts.col("chiller_load_mw");
    let with_chiller: Vec<usize> = (0..load.len()).filter(|&i| load[i] > 0.0).collect();
    assert!(!with_chiller.is_empty());
    for &i in &with_chiller {
        assert!(amb[i] > med, "chiller load {} MW at {} °C, median ambient {med} °C (row {i})", load[i], amb[i]);
    }
    // Chiller hours agree with the rows: between the rows with any chiller load and those
    // with chiller load throughout (at most one partial row per start or stop).
    assert!(hours <= with_chiller.len() as f64 / 60.0 + 1e-9, "{hours} h vs {} rows", with_chiller.len());
    // The chiller never runs with the dry coolers holding back: in rows with chiller load the
    // fans run at (nearly) full speed.
    let fans = ts.col("dry_cooler_fan_speed_frac");
    // Rows where the chiller starts or stops hold the fans' ramp as well: check the rows
    // inside a chiller run (loaded before and after).
    for &i in &with_chiller {
        if load[i] > 0.05 && i > 0 && i + 1 < load.len() && load[i - 1] > 0.0 && load[i + 1] > 0.0 {
            assert!(fans[i] > 0.9, "chiller at {} MW with fans at {} (row {i})", load[i], fans[i]);
        }
    }
}

/// Chiller power is its load over the COP of a reversed Carnot cycle at η_II = 0.5 between
/// T_evap = FWS setpoint − 3 K and T_cond = ambient + 10 K, clamped to [1.5, 12], in every row
/// with chiller load.
#[test]
fn chiller_power_is_load_over_cop_of_the_lift() {
    let dir = TestDir::new("chiller-cop");
    let (_, ts) = run_scenario(&dir, "abilene", "abilene-summer.toml", &abilene(&[]));
    let setpoint = 35.0;
    let amb = ts.col("ambient_c");
    let load = ts.col("chiller_load_mw");
    let power = ts.col("chiller_power_mw");
    let mut rows = 0;
    for i in 0..load.len() {
        if load[i] <= 0.0 {
            assert_eq!(power[i], 0.0, "chiller power without load (row {i})");
            continue;
        }
        if load[i] < 0.01 {
            continue; // too few digits in the CSV for a ratio
        }
        let t_evap = setpoint - 3.0 + KELVIN;
        let t_cond = amb[i] + 10.0 + KELVIN;
        let cop = (0.5 * t_evap / (t_cond - t_evap)).clamp(1.5, 12.0);
        // Window means of a nonlinear function of a slowly varying ambient: the ratio holds
        // to far better than the generous tolerance.
        assert!(rel(power[i], load[i] / cop) < 0.15, "row {i}: {} MW for {} MW at {} °C (COP {cop})", power[i], load[i], amb[i]);
        // A chiller lifting heat to the hot air cannot beat Carnot.
        assert!(load[i] / power[i] < t_evap / (t_cond - t_evap), "row {i}");
        rows += 1;
    }
    assert!(rows > 10, "only {rows} rows with chiller load");
}

/// Heat reuse to a 60 °C district-heating network: heat is delivered through a heat pump
/// (the ~40 °C water return is too cold), ERE falls below PUE, and the heat pump's power is
/// not facility power.
#[test]
fn heat_reuse_needs_a_heat_pump_outside_facility_power() {
    let dir = TestDir::new("heat-reuse");
    let capacity = 40.0 * 40.0 / 1389.0;
    let (out, ts) = run_scenario(&dir, "reuse", "narvik-heat-reuse.toml", &narvik(&[&format!("cooling.heat_reuse.capacity_mw={capacity}")]));
    let s = summary(&out);
    let reused = metric(&s, "heat_reused_mwh");
    let hp = metric(&s, "heat_pump_energy_mwh");
    assert!(reused > 0.0, "no heat reused");
    assert!(hp > 0.0, "no heat-pump energy");
    assert!(max_of(&ts.col("heat_pump_power_mw")) > 0.0);
    assert!(max_of(&ts.col("heat_reused_mw")) <= capacity * (1.0 + 1e-6), "reuse above its capacity");
    let (pue, ere) = (metric(&s, "pue"), metric(&s, "ere"));
    assert!(ere < pue, "ERE {ere} vs PUE {pue}");
    let it = metric(&s, "it_energy_mwh");
    let fac = metric(&s, "facility_energy_mwh");
    assert!(rel(ere, (fac - reused) / it) < 1e-9, "ERE is (facility − reused)/IT");
    assert_balanced(&out, "heat reuse");

    // Second law: the heat pump lifts from the water return (at most its hottest row) to the
    // 60 °C network supply; its COP (heat delivered per unit of work) cannot beat Carnot.
    let t_hot = 60.0 + KELVIN;
    let t_cold = max_of(&ts.col("fws_return_c")) + KELVIN;
    assert!(t_cold < t_hot);
    let cop = reused / hp;
    assert!(cop > 1.0 && cop < t_hot / (t_hot - t_cold), "heat-pump COP {cop}");

    // Facility power is IT/η_dist + (cooling + base)/η_mech in every row: no heat pump in it.
    let (eta_d, eta_m, base_mw) = (0.975, 0.99, 0.8 * 40.0 / 1389.0);
    let (it_p, cool, facp, hpp) = (ts.col("it_power_mw"), ts.col("cooling_power_mw"), ts.col("facility_power_mw"), ts.col("heat_pump_power_mw"));
    for i in 0..it_p.len() {
        let expect = it_p[i] / eta_d + (cool[i] + base_mw) / eta_m;
        assert!((facp[i] - expect).abs() < 1e-5 + 1e-6 * expect, "row {i}: facility {} MW vs {expect} MW (heat pump {} MW)", facp[i], hpp[i]);
    }

    // The same site without reuse: the same facility energy (within 1 %), no heat pump.
    let (out0, _) = run_scenario(&dir, "no-reuse", "narvik-heat-reuse.toml", &narvik(&["cooling.heat_reuse.capacity_mw=0"]));
    let s0 = summary(&out0);
    assert_eq!(metric(&s0, "heat_reused_mwh"), 0.0);
    assert_eq!(metric(&s0, "heat_pump_energy_mwh"), 0.0);
    let fac0 = metric(&s0, "facility_energy_mwh");
    assert!(rel(fac, fac0) < 0.01, "facility energy {fac} MWh with reuse vs {fac0} MWh without");
    assert!(rel(metric(&s0, "ere"), metric(&s0, "pue")) < 1e-12);
}

/// narvik-faults.toml shrunk, with 20 dry coolers of which 16 fail during a +12 K spell:
/// fans go to full speed, the facility water rises above its setpoint and the GPUs heat up;
/// all recover after the outage and the energy account still closes.
#[test]
fn dry_cooler_outage_in_a_heat_wave_overheats_then_recovers() {
    let dir = TestDir::new("outage");
    let setpoint = 30.0;
    // events: [0] pump failure at 1 h (CDU 1 of 2), [1] heat wave 3 h-6 h (+12 K),
    // [2] dry-cooler outage 3.5 h-5.5 h, [3] job failure at 2 h, [4] hydro outage at 7 h.
    let sets = narvik(&["cooling.heat_rejection.units=20", "events[2].units=16", "events[0].target=1", "workload.jobs[0].mtbf=0s"]);
    let (out, ts) = run_scenario(&dir, "faults", "narvik-faults.toml", &sets);
    assert_balanced(&out, "dry-cooler outage");

    let t = ts.col("time_s");
    let fws = ts.col("fws_supply_c");
    let fan = ts.col("dry_cooler_fan_speed_frac");
    let amb = ts.col("ambient_c");
    let gpu = ts.col("gpu_temp_mean_c");
    let rows = |t0: f64, t1: f64| -> Vec<usize> { (0..t.len()).filter(|&i| t[i] >= t0 && t[i] < t1).collect() };

    // The heat wave is on the ambient.
    assert!(ts.mean_between("ambient_c", 3.0 * 3600.0, 3.5 * 3600.0) > ts.mean_between("ambient_c", 2.5 * 3600.0, 3.0 * 3600.0) + 10.0);
    // Before the outage (heat wave already on) the dry coolers hold the setpoint.
    let before = rows(3.0 * 3600.0 + 600.0, 3.5 * 3600.0);
    for &i in &before {
        assert!((fws[i] - setpoint).abs() < 1.5, "FWS {} °C at {} s before the outage", fws[i], t[i]);
    }
    // During the outage (after the first 15 minutes): fans flat out, water above setpoint.
    let during = rows(3.75 * 3600.0, 5.5 * 3600.0);
    for &i in &during {
        assert!(fan[i] >= 0.999, "fans at {} at {} s during the outage", fan[i], t[i]);
        assert!(fws[i] > setpoint + 2.0, "FWS {} °C at {} s during the outage ({} °C ambient)", fws[i], t[i], amb[i]);
    }
    let fws_during = ts.mean_between("fws_supply_c", 3.75 * 3600.0, 5.5 * 3600.0);
    let gpu_before = before.iter().map(|&i| gpu[i]).sum::<f64>() / before.len() as f64;
    let gpu_during = during.iter().map(|&i| gpu[i]).sum::<f64>() / during.len() as f64;
    // GPUs sit on the warmer coolant: their mean rises with it (throttling caps the rise).
    assert!(gpu_during > gpu_before + 5.0, "GPU mean {gpu_during} °C during vs {gpu_before} °C before; FWS {fws_during} °C");
    assert!(ts.mean_between("tcs_supply_c", 3.75 * 3600.0, 5.5 * 3600.0) > 35.0 + 2.0, "the CDUs cannot hold the TCS setpoint on hot water");

    // Recovery: an hour after the outage, fans below full speed and the water back at its
    // setpoint; the GPUs back to their pre-outage temperatures.
    let after = rows(6.5 * 3600.0, 7.0 * 3600.0);
    for &i in &after {
        assert!((fws[i] - setpoint).abs() < 1.5, "FWS {} °C at {} s after the outage", fws[i], t[i]);
        assert!(fan[i] < 0.999, "fans still at full speed at {} s", t[i]);
    }
    let gpu_after = after.iter().map(|&i| gpu[i]).sum::<f64>() / after.len() as f64;
    assert!((gpu_after - gpu_before).abs() < 3.0, "GPU mean {gpu_after} °C after vs {gpu_before} °C before");
}

/// A small site on dry coolers (sized for 20 °C air) with a trim chiller and heat reuse on a
/// Texas July afternoon; its GPUs warm up from the loop temperature and CDU 1's pump stops for
/// ten minutes (its loop stores the heat, then releases it).
fn plant_scenario() -> String {
    format!(
        r#"
[scenario]
name = "balance with the plant on"
start = "2026-07-15T18:00:00Z"
duration = "1h"
step = "1s"
record_every = "60s"

[site]
latitude_deg = 32.41
longitude_deg = -99.68
climate = "abilene"

{jobs}
[cooling]
tcs_supply_setpoint_c = 40.0
fws_supply_setpoint_c = 35.0
cdus = 2
[cooling.heat_rejection]
kind = "dry_coolers"
design_ambient_c = 20.0
[cooling.chiller]
capacity_mw = 0.2
[cooling.heat_reuse]
capacity_mw = 0.05

[power]
facility_base_kw = 5.0
"#,
        jobs = train_and_serve(4, &["iteration_s = 7.0", "checkpoint_every = \"20m\"", "checkpoint_s = 45.0"])
    ) + &pump_failure("40m", "10m", 1)
}

/// SPEC §6: the energy balance, stored heat included, closes with the plant on (dry coolers,
/// chiller, heat reuse, a pump failure) at a coarse 30 s step and a fine 1 s step; the stored
/// heat is a real term of the account (leaving it out would break the tolerance fivefold).
#[test]
fn energy_balance_with_the_plant_at_coarse_and_fine_steps() {
    let dir = TestDir::new("balance-plant");
    let path = dir.write("plant.toml", &plant_scenario());
    let mut heat_in = Vec::new();
    for step in ["30s", "1s"] {
        let out = dir.join(&format!("run-{step}"));
        run_ok(&path, &out, &["--format", "none", "--set", &format!("scenario.step={step}")]);
        let s = summary(&out);
        let err = metric(&s, "energy_balance_error_frac");
        assert!(err < 1e-4, "step {step}: energy balance error {err}");
        let (hin, hout, stored) = (metric(&s, "heat_in_mwh"), metric(&s, "heat_out_mwh"), metric(&s, "heat_stored_change_mwh"));
        assert!(hin > metric(&s, "it_energy_mwh"), "step {step}: heat in {hin} MWh below IT energy (pumps, fans and compressor add heat)");
        assert!(stored.abs() > 5e-4 * hin, "step {step}: stored heat change {stored} MWh of {hin} MWh");
        assert!(rel(hout + stored, hin) < 1e-4, "step {step}");
        assert!(metric(&s, "chiller_hours") > 0.0, "step {step}: the chiller should run on a Texas evening");
        assert!(metric(&s, "heat_reused_mwh") > 0.0, "step {step}");
        // SPEC §5: the failed pump's racks lose flow, run hot and throttle (issue 12); the heat
        // still leaving their GPUs warms the stalled loop.
        assert!(metric(&s, "throttled_gpu_hours") > 0.0, "step {step}: the pump failure should starve its racks");
        assert!(metric(&s, "tcs_supply_max_c") > 40.5, "step {step}: the pump failure should warm its loop");
        heat_in.push(hin);
    }
    // The two steps see the same physics.
    assert!(rel(heat_in[0], heat_in[1]) < 0.01, "heat in {} MWh at 30 s vs {} MWh at 1 s", heat_in[0], heat_in[1]);
}

/// An EPW file of 8,760 hourly records with a constant dry bulb `dry_bulb` (°C).
fn epw_text(dry_bulb: f64) -> String {
    epw_text_irradiance(dry_bulb, 0.0)
}

/// The same with a constant diffuse irradiance: GHI = DHI = `diffuse_w_m2`, DNI = 0.
pub fn epw_text_irradiance(dry_bulb: f64, diffuse_w_m2: f64) -> String {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut lines = vec![
        "LOCATION,Testville,TST,TST,fjord-test,000000,60.00,10.00,1.0,50.0".to_string(),
        "DESIGN CONDITIONS,0".to_string(),
        "TYPICAL/EXTREME PERIODS,0".to_string(),
        "GROUND TEMPERATURES,0".to_string(),
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0".to_string(),
        "COMMENTS 1,constant weather written by the fjord integration tests".to_string(),
        "COMMENTS 2,none".to_string(),
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31".to_string(),
    ];
    for (m, days) in DAYS.iter().enumerate() {
        for d in 1..=*days {
            for h in 1..=24 {
                lines.push(format!(
                    "1999,{},{d},{h},60,?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9,{dry_bulb:.1},{:.1},70,101300,9999,9999,300,{diffuse_w_m2:.0},0,{diffuse_w_m2:.0},\
                     999999,999999,999999,999999,180,3.0,5,5,20.0,77777,9,999999999,0,0.1000,0,88,0.200,0.0,0.0",
                    m + 1,
                    dry_bulb - 3.0,
                ));
            }
        }
    }
    assert_eq!(lines.len(), 8 + 8760);
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn epw_scenario() -> String {
    scenario_table("3h", "5s", "60s")
        + r#"name = "EPW weather"
start = "2026-03-01T00:00:00Z"

[site]
latitude_deg = 60.0
longitude_deg = 10.0
weather_file = "weather/const.epw"
"# + crate::util::two_racks_serving!()
}

/// `site.weather_file`: a valid EPW (path relative to the scenario) with a constant 10 °C
/// drives the ambient of every row; a record with a non-number is bad input (exit 2) naming
/// the EPW file's line, and leaves nothing behind.
#[test]
fn epw_weather_file_drives_the_ambient() {
    let dir = TestDir::new("epw");
    dir.write("weather/const.epw", &epw_text(10.0));
    let path = dir.write("epw.toml", &epw_scenario());
    let out = dir.join("run");
    run_ok(&path, &out, &["--format", "none"]);
    let ts = Csv::read(&out.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 180);
    for (i, a) in ts.col("ambient_c").iter().enumerate() {
        assert_eq!(*a, 10.0, "ambient {a} °C in row {i}");
    }
    assert_balanced(&out, "EPW run");
    // The resolved scenario keeps the weather file and no climate.
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).expect("resolved scenario");
    assert!(resolved.contains("const.epw"), "{resolved}");
    assert!(!resolved.contains("climate ="), "{resolved}");

    // A scenario may not name both a climate and a weather file.
    let both = dir.write("both.toml", &epw_scenario().replace("[site]\n", "[site]\nclimate = \"narvik\"\n"));
    let o = run_fjord(["run".as_ref(), both.as_os_str(), "--out".as_ref(), dir.join("both-out").as_os_str(), "--quiet".as_ref()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("weather_file"), "{}", stderr(&o));

    // Malformed: record 1000 (0-based) has a dry bulb that is not a number: line 8 + 1001.
    let mut lines: Vec<String> = epw_text(10.0).lines().map(str::to_string).collect();
    let k = 1000;
    let mut f: Vec<String> = lines[8 + k].split(',').map(str::to_string).collect();
    f[6] = "warm".into();
    lines[8 + k] = f.join(",");
    dir.write("weather/const.epw", &(lines.join("\n") + "\n"));
    let bad_out = dir.join("bad");
    let o = run_fjord([
        "run".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        bad_out.as_os_str(),
        "--quiet".as_ref(),
        "--format".as_ref(),
        "none".as_ref(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let line = 8 + k + 1;
    assert!(err.contains(&format!(":{line}")), "stderr should name line {line} of the EPW file:\n{err}");
    assert!(err.contains("const.epw"), "{err}");
    assert!(!bad_out.exists(), "a failed run left {}", bad_out.display());
}
