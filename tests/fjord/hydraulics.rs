//! Hydraulics (issue 12): a stuck-shut rack valve starves that rack (it throttles) and sends
//! its flow to the other racks of its CDU; a tripped pump with a standby recovers the loop's
//! flow after the standby's start delay; racks.csv carries each rack's flow.

use crate::util::{four_racks_two_cdus as text, run_lib, scenario, Csv, TestDir};
use fjord::engine::Engine;

#[test]
fn shut_rack_valve_starves_that_rack_and_feeds_its_neighbour() {
    let dir = TestDir::new("valve-stuck");
    let sc = scenario(&text("[[events]]\nat = \"5m\"\nkind = \"valve_stuck\"\ntarget = 1\nposition_frac = 0.0\n"), dir.path());
    let res = run_lib(sc, &dir.path().join("run"), Some(1));
    let racks = Csv::read(&res.dir.join("racks.csv"));
    let flow_min = racks.col("flow_kg_s_min");
    let flow_mean = racks.col("flow_kg_s_mean");
    let throttled = racks.col("throttled_gpu_s");
    assert_eq!(flow_min[1], 0.0, "the shut rack carries no flow");
    assert!(throttled[1] > 0.0, "the starved rack throttles");
    for r in [0, 2, 3] {
        assert_eq!(throttled[r], 0.0, "rack {r} must not throttle");
    }
    // Rack 0 shares CDU 0 with rack 1: with the header Δp held by the pump controller its
    // flow stays at (or just above) design; racks 2-3 (CDU 1) are untouched.
    assert!(flow_min[0] > 0.99 * flow_mean[2], "{} vs {}", flow_min[0], flow_mean[2]);
    assert!((flow_min[2] - flow_mean[2]).abs() < 1e-9 * flow_mean[2]);
    assert!((flow_min[3] - flow_mean[3]).abs() < 1e-9 * flow_mean[3]);
}

#[test]
fn tripped_pump_with_standby_recovers_after_the_delay() {
    let dir = TestDir::new("pump-trip");
    let sc = scenario(&text("[[events]]\nat = \"60s\"\nduration = \"10m\"\nkind = \"pump_trip\"\ntarget = 0\nstandby_start_s = 30.0\n"), dir.path());
    let mut e = Engine::new(sc).expect("engine");
    let design = e.hyd.cdu_flow_kg_s[0];
    assert!(design > 0.0);
    let mut flows = Vec::new();
    for _ in 0..300 {
        e.step();
        flows.push(e.hyd.cdu_flow_kg_s[0]);
    }
    // Before the trip: design flow. During the standby's start delay (1 duty pump, tripped):
    // no flow. After it: back to design as the PI brings the standby to speed.
    assert!((flows[50] - design).abs() < 1e-9 * design);
    assert!(flows[70] < 1e-9 * design, "{}", flows[70]);
    assert!(flows[88] < 1e-9 * design);
    assert!(flows[95] > 0.5 * design);
    assert!((flows[299] - design).abs() < 1e-3 * design, "{} vs {design}", flows[299]);
    // The other CDU never noticed.
    assert!((e.hyd.cdu_flow_kg_s[1] - design).abs() < 1e-9 * design);
}

#[test]
fn facility_pump_trip_without_standby_limits_flow_and_heats_the_loop() {
    let dir = TestDir::new("fws-trip");
    let ev =
        "[cooling.hydraulics]\nfws_duty_pumps = 1\nfws_standby_pumps = 0\n[[events]]\nat = \"60s\"\nkind = \"pump_trip\"\ntarget = \"facility\"\n";
    let mut t = text(ev);
    t = t.replace("kind = \"ideal\"", "kind = \"dry_coolers\"");
    let sc = scenario(&t, dir.path());
    let mut e = Engine::new(sc).expect("engine");
    let mut last = Default::default();
    for _ in 0..600 {
        last = e.step();
    }
    let v: fjord::output::recorder::StepValues = last;
    assert!(v.fws_flow_kg_s.abs() < 1e-9, "{}", v.fws_flow_kg_s);
    assert_eq!(v.fws_pump_power_mw, 0.0);
    assert!(v.tcs_supply_c > 40.0, "no facility water: the loops warm ({})", v.tcs_supply_c);
}

/// SPEC §6 across the catalogue (issue 12): every shipped scenario, run for its first ten
/// minutes at full size, keeps the energy balance below 1e-4; sites without evaporation use
/// no water (WUE 0), the tower site does.
#[test]
fn every_shipped_scenario_balances_and_only_wet_sites_use_water() {
    let dir = TestDir::new("shipped");
    let mut names: Vec<_> = std::fs::read_dir(crate::util::crate_dir().join("scenarios"))
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 11, "{names:?}");
    let mut wet = 0;
    for path in names {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let out = dir.join(&stem);
        crate::util::run_ok(&path, &out, &["--format", "none", "--set", "scenario.duration=10m"]);
        let s = crate::util::summary(&out);
        let err = crate::util::metric(&s, "energy_balance_error_frac");
        assert!(err < 1e-4, "{stem}: energy balance error {err}");
        let kind = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
        let water = crate::util::metric(&s, "water_m3");
        let wue = crate::util::metric(&s, "wue_l_per_kwh");
        if kind.contains("kind = \"cooling_tower\"") || kind.contains("kind = \"adiabatic_dry_coolers\"") {
            wet += 1;
            assert!(water >= 0.0 && wue >= 0.0, "{stem}");
        } else {
            assert_eq!(water, 0.0, "{stem}: a dry site uses no water");
            assert_eq!(wue, 0.0, "{stem}");
        }
        if stem == "abilene-tower" {
            assert!(water > 0.0 && wue > 0.1, "{stem}: a tower evaporates ({water} m³, {wue} L/kWh)");
        }
    }
    assert_eq!(wet, 1);
}

/// A tower's evaporation is the heat it rejects over the latent heat (within 1 %), and its
/// make-up adds blowdown for the cycles of concentration: M = E·N/(N − 1) with no drift.
#[test]
fn tower_evaporation_is_heat_over_latent_heat() {
    let dir = TestDir::new("tower");
    let t = text("")
        .replace("kind = \"ideal\"", "kind = \"cooling_tower\"\ncycles_of_concentration = 4.0\ndrift_frac = 0.0\n[site]\nclimate = \"abilene\"");
    let t = t.replace("record_every = \"10s\"", "record_every = \"1s\"").replace("duration = \"20m\"", "duration = \"5m\"");
    let t = t.replace("[scenario]", "[scenario]\nstart = \"2026-07-15T20:00:00Z\"");
    let sc = scenario(&t, dir.path());
    let res = run_lib(sc, &dir.path().join("run"), Some(1));
    let ts = Csv::read(&res.dir.join("timeseries.csv"));
    let (q, w, tr) = (ts.col("heat_rejected_mw"), ts.col("water_m3_per_h"), ts.col("fws_return_c"));
    let mut n = 0;
    for i in 0..q.len() {
        if q[i] <= 0.0 {
            continue;
        }
        let evap_kg_s = w[i] / 3.6 * 0.75; // m³/h → kg/s, less the blowdown share 1/N
        let want = q[i] * 1e6 / fjord::model::psychro::latent_heat_j_kg(tr[i]);
        assert!((evap_kg_s / want - 1.0).abs() < 0.01, "row {i}: {evap_kg_s} vs {want} kg/s");
        n += 1;
    }
    assert!(n > 100);
    // Wet bulb below dry bulb: the tower's sink is colder than the air.
    let (sink, amb) = (ts.col("heat_sink_c"), ts.col("ambient_c"));
    assert!(sink.iter().zip(&amb).all(|(s, a)| s < a), "wet bulb must be below the dry bulb");
}
