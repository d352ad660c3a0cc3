//! Energy properties of SPEC §6: no aliasing when the step is halved, and the energy
//! balance of the cooling system.

use crate::util::{crate_dir, metric, pump_failure, rel, run_lib, run_ok, scenario_table, scenario_with, summary, train_and_serve, TestDir};

/// Training with a 6 s iteration (not a multiple of the coarse steps), checkpoints and an
/// inference rack: the workload must report step means, not samples.
fn aliasing_scenario() -> String {
    scenario_table("20m", "1s", "4s")
        + &format!(
            r#"
{jobs}
[cooling]
cdus = 1
"#,
            jobs = train_and_serve(3, &["iteration_s = 6.0", "compute_frac = 0.75", "checkpoint_every = \"5m\"", "checkpoint_s = 30.0"])
        )
}

fn energies(dir: &TestDir, step: &str) -> (f64, f64) {
    let set = format!("scenario.step={step}");
    let sc = scenario_with(&aliasing_scenario(), dir.path(), &[&set]);
    let res = run_lib(sc, &dir.join(&format!("run-{step}")), Some(1));
    let it = res.summary.get_f64("it_energy_mwh").expect("it_energy_mwh");
    let fac = res.summary.get_f64("facility_energy_mwh").expect("facility_energy_mwh");
    assert!(it > 0.0 && fac > it);
    (it, fac)
}

/// SPEC §6: halving `scenario.step` changes the energy totals by less than 0.5 %.
#[test]
fn halving_the_step_keeps_energy() {
    let dir = TestDir::new("halving");
    for (coarse, fine) in [("1s", "500ms"), ("4s", "2s")] {
        let (it_c, fac_c) = energies(&dir, coarse);
        let (it_f, fac_f) = energies(&dir, fine);
        assert!(rel(it_c, it_f) < 5e-3, "IT energy {it_c} MWh at {coarse} vs {it_f} MWh at {fine}");
        assert!(rel(fac_c, fac_f) < 5e-3, "facility energy {fac_c} MWh at {coarse} vs {fac_f} MWh at {fine}");
    }
}

fn assert_balanced(dir: &std::path::Path, what: &str) {
    let s = summary(dir);
    let err = metric(&s, "energy_balance_error_frac");
    assert!(err.is_finite() && err < 1e-4, "{what}: energy balance error {err}");
    // The residual is a real account: heat came in and went out.
    let heat_in = metric(&s, "heat_in_mwh");
    let heat_out = metric(&s, "heat_out_mwh");
    let stored = metric(&s, "heat_stored_change_mwh");
    assert!(heat_in > 0.0 && heat_out > 0.0, "{what}: in {heat_in} out {heat_out}");
    assert!(rel(heat_out + stored, heat_in) < 1e-4, "{what}");
    // Heat in covers at least the IT energy (all of it becomes heat).
    assert!(heat_in >= metric(&s, "it_energy_mwh") * (1.0 - 1e-9), "{what}");
}

/// SPEC §6: the energy balance closes to 1e-4 on the quickstart.
#[test]
fn energy_balance_quickstart() {
    let dir = TestDir::new("balance-quick");
    let out = dir.join("quickstart");
    run_ok(&crate_dir().join("scenarios/quickstart.toml"), &out, &[]);
    assert_balanced(&out, "quickstart");
}

/// SPEC §6: the energy balance closes while a CDU pump is out (its racks and loop store heat)
/// and after it recovers. Heat rejection is left at its default kind.
#[test]
fn energy_balance_with_pump_failure() {
    let dir = TestDir::new("balance-pump");
    let text = scenario_table("15m", "1s", "10s") + &train_and_serve(4, &[]) + "\n[cooling]\ncdus = 2\n" + &pump_failure("3m", "2m", 1);
    let path = dir.write("pump.toml", &text);
    let out = dir.join("pump");
    run_ok(&path, &out, &[]);
    assert_balanced(&out, "pump failure");
    // The failure mattered: its racks lost flow and throttled, the stalled loop warmed.
    let s = summary(&out);
    assert!(metric(&s, "throttled_gpu_hours") > 0.0);
    assert!(metric(&s, "tcs_supply_max_c") > 35.1);
}
