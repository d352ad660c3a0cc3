//! Long runs (issue 11): calendar-month totals in `monthly.csv` and summary.json's
//! `monthly` list add up to the run totals, and months start and end on UTC boundaries.

use crate::util::{hydro_supply, metric, rel, run_sets, scenario_table, summary, Csv, TestDir};

/// One rack of GB300s for 45 days from 20 January at a 60 s step: 12 days of January, all of
/// February, 5 days of March. Hydro short of peak with a carbon-intensive grid, dry coolers
/// against Narvik's winter, and a chiller that a warm design ambient brings in.
fn long() -> String {
    scenario_table("45d", "60s", "6h")
        + r#"start = "2026-01-20T00:00:00Z"

[site]
climate = "narvik"

[cluster]
gpu = "gb300"
racks = 1

[[workload.jobs]]
name = "serve"
kind = "inference"
gpus = 72

[cooling]
cdus = 1
"# + &hydro_supply(0.06, 1.0)
        + "grid = { import_limit_mw = 1.0, carbon_g_per_kwh = 300.0 }\n"
}

#[test]
fn months_add_up_to_the_run_and_follow_the_calendar() {
    let dir = TestDir::new("monthly");
    let sc = dir.write("long.toml", &long());
    let out = dir.join("run");
    run_sets(&sc, &out, &[]);
    let s = summary(&out);
    let csv = Csv::read(&out.join("monthly.csv"));
    let months: Vec<&str> = csv.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(months, ["2026-01", "2026-02", "2026-03"]);
    assert_eq!(csv.col("hours"), [12.0 * 24.0, 28.0 * 24.0, 5.0 * 24.0]);
    // SPEC §7 names, in summary.json and in the CSV.
    let list = s.get("monthly").and_then(|v| v.as_array()).expect("summary.json has a monthly list");
    assert_eq!(list.len(), 3);
    for key in [
        "month",
        "facility_energy_mwh",
        "it_energy_mwh",
        "pue",
        "peak_facility_power_mw",
        "chiller_hours",
        "heat_reused_mwh",
        "renewable_frac",
        "carbon_t",
        "throttled_gpu_hours",
        "gpu_temp_max_c",
    ] {
        assert!(list.iter().all(|m| m.get(key).is_some()), "monthly entries lack `{key}`");
        assert!(csv.header.iter().any(|h| h == key), "monthly.csv lacks `{key}`");
    }
    assert_eq!(list[1]["month"], "2026-02");
    // The JSON (10 significant digits) adds up more tightly.
    let json_sum: f64 = list.iter().map(|m| m["facility_energy_mwh"].as_f64().unwrap_or(f64::NAN)).sum();
    assert!(rel(json_sum, metric(&s, "facility_energy_mwh")) < 1e-9, "JSON months sum to {json_sum}");
    // Sums of months are the run totals.
    for key in ["facility_energy_mwh", "it_energy_mwh", "carbon_t", "heat_reused_mwh", "chiller_hours", "throttled_gpu_hours"] {
        let total = metric(&s, key);
        let sum: f64 = csv.col(key).iter().sum();
        // monthly.csv has 6 decimals: up to 5e-7 of rounding per month.
        assert!((sum - total).abs() <= 1e-9 * total.abs() + 1.5e-6, "{key}: months sum to {sum}, run total {total}");
    }
    assert!(metric(&s, "carbon_t") > 0.0, "the grid carries part of the load");
    // Extremes: the run's are the largest of the months'.
    for key in ["peak_facility_power_mw", "gpu_temp_max_c"] {
        let m = csv.col(key).into_iter().fold(f64::MIN, f64::max);
        assert!(rel(m, metric(&s, key)) < 1e-5, "{key}: months {m}, run {}", metric(&s, key));
    }
    // Ratios are per month: PUE is facility over IT energy of that month, the renewable share
    // is hydro's share of a supply short of the rack (hydro 60 kW of ~90 kW).
    let (fac, it, pue) = (csv.col("facility_energy_mwh"), csv.col("it_energy_mwh"), csv.col("pue"));
    for i in 0..3 {
        assert!(rel(pue[i], fac[i] / it[i]) < 1e-5, "month {i}: pue {} vs {}", pue[i], fac[i] / it[i]);
        // Energy follows the month's length (constant fleet, same weather regime).
        assert!(rel(it[i] / csv.col("hours")[i], it[1] / (28.0 * 24.0)) < 0.02, "month {i}: IT power off");
    }
    let ren = csv.col("renewable_frac");
    assert!(ren.iter().all(|r| *r > 0.3 && *r < 0.95), "renewable shares {ren:?}");
    // summary.md carries the months for people.
    let md = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    assert!(md.contains("| 2026-02 |"), "{md}");
}

#[test]
fn short_runs_have_no_monthly_totals() {
    let dir = TestDir::new("monthly-short");
    let sc = dir.write("long.toml", &long());
    let out = dir.join("run");
    run_sets(&sc, &out, &["scenario.duration=\"34d\"".into()]);
    assert!(!out.join("monthly.csv").exists());
    assert!(summary(&out).get("monthly").is_none());
}
