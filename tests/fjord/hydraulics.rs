//! Hydraulics (issue 12): a stuck-shut rack valve starves that rack (it throttles) and sends
//! its flow to the other racks of its CDU; a tripped pump with a standby recovers the loop's
//! flow after the standby's start delay; racks.csv carries each rack's flow.

use crate::util::{run_lib, scenario, Csv, TestDir};
use fjord::engine::Engine;

fn text(events: &str) -> String {
    format!(
        r#"
[scenario]
duration = "20m"
step = "1s"
record_every = "10s"

[cluster]
gpu = "gb300"
racks = 4
gpus_per_rack = 72
power_variation_frac = 0.0

[[workload.jobs]]
name = "load"
kind = "constant"
gpus = 288
utilization_frac = 0.9

[cooling]
cdus = 2
[cooling.heat_rejection]
kind = "ideal"
{events}
"#
    )
}

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
