//! Human labels, units and groups of the summary metrics, for the report pages.
//!
//! One table maps each known `summary.json` key to a label, the unit it is shown in, a
//! scale from the stored value to that unit, and a group. Keys not in the table (metrics
//! added later) fall into the "Other" group under their raw key, with the unit their suffix
//! implies, so the report always shows every metric of the file.

use super::data::{fmt_human, unit_of};

/// Groups in page order.
pub const GROUPS: [&str; 7] = ["Power and energy", "Cooling", "GPUs", "Supply and grid", "Swings", "Other", "Run"];

/// (key, label, unit, scale to unit, group index into [`GROUPS`]).
type Row = (&'static str, &'static str, &'static str, f64, usize);

const TABLE: &[Row] = &[
    ("pue", "PUE (facility ÷ IT energy)", "", 1.0, 0),
    ("facility_energy_mwh", "Facility energy", "MWh", 1.0, 0),
    ("it_energy_mwh", "IT energy", "MWh", 1.0, 0),
    ("peak_facility_power_mw", "Peak facility power", "MW", 1.0, 0),
    ("cooling_energy_mwh", "Cooling energy", "MWh", 1.0, 0),
    ("electrical_loss_mwh", "Electrical losses", "MWh", 1.0, 0),
    ("ere", "ERE (energy reuse effectiveness)", "", 1.0, 0),
    ("heat_reused_mwh", "Heat reused", "MWh", 1.0, 0),
    ("heat_pump_energy_mwh", "Heat-pump electricity", "MWh", 1.0, 0),
    ("energy_cost", "Energy cost", "", 1.0, 0),
    ("ppue_cooling", "Partial PUE of cooling", "", 1.0, 1),
    ("chiller_energy_mwh", "Chiller electricity", "MWh", 1.0, 1),
    ("chiller_hours", "Chiller running", "h", 1.0, 1),
    ("dry_cooler_full_fan_hours", "Dry-cooler fans at full speed", "h", 1.0, 1),
    ("fws_supply_max_c", "Max facility-water supply", "°C", 1.0, 1),
    ("tcs_supply_max_c", "Max TCS supply (rack inlet)", "°C", 1.0, 1),
    ("heat_in_mwh", "Heat into cooling", "MWh", 1.0, 1),
    ("heat_out_mwh", "Heat rejected and reused", "MWh", 1.0, 1),
    ("heat_stored_change_mwh", "Heat stored (change)", "MWh", 1.0, 1),
    ("water_m3", "Water consumed", "m³", 1.0, 1),
    ("wue_l_per_kwh", "WUE", "L/kWh", 1.0, 1),
    ("gpu_temp_max_c", "Max GPU temperature", "°C", 1.0, 2),
    ("throttled_gpu_hours", "Throttled GPU-hours", "GPU·h", 1.0, 2),
    ("offline_gpu_hours", "Offline GPU-hours", "GPU·h", 1.0, 2),
    ("compute_delivered_frac", "Compute delivered", "%", 100.0, 2),
    ("gpu_smoothing_energy_mwh", "Energy burnt by power smoothing", "MWh", 1.0, 2),
    ("job_failures", "Job failures", "", 1.0, 2),
    ("throttle_c", "GPU throttle temperature", "°C", 1.0, 2),
    ("shutdown_c", "GPU shutdown temperature", "°C", 1.0, 2),
    ("renewable_frac", "Renewable share", "%", 100.0, 3),
    ("carbon_t", "Carbon (CO₂)", "t", 1.0, 3),
    ("hydro_mwh", "Hydro", "MWh", 1.0, 3),
    ("wind_mwh", "Wind", "MWh", 1.0, 3),
    ("solar_mwh", "Solar", "MWh", 1.0, 3),
    ("gas_mwh", "Gas", "MWh", 1.0, 3),
    ("grid_import_mwh", "Grid import", "MWh", 1.0, 3),
    ("grid_export_mwh", "Grid export", "MWh", 1.0, 3),
    ("curtailed_mwh", "Curtailed", "MWh", 1.0, 3),
    ("dispatchable_excess_mwh", "Hydro/gas above demand", "MWh", 1.0, 3),
    ("unserved_mwh", "Unserved energy", "MWh", 1.0, 3),
    ("battery_cycles", "Battery full cycles", "", 1.0, 3),
    ("battery_loss_mwh", "Battery losses", "MWh", 1.0, 3),
    ("supply_balance_max_error_mw", "Supply balance residual (max)", "MW", 1.0, 3),
    ("max_ramp_mw_per_s", "Max ramp of net draw", "MW/s", 1.0, 4),
    ("max_ramp_mw_per_min", "Max ramp of net draw over 1 min", "MW/min", 1.0, 4),
    ("max_facility_ramp_mw_per_s", "Max ramp of facility power", "MW/s", 1.0, 4),
    ("max_facility_ramp_mw_per_min", "Max ramp of facility power over 1 min", "MW/min", 1.0, 4),
    ("ramp_p50_mw_per_s", "Median step ramp", "MW/s", 1.0, 4),
    ("ramp_p99_mw_per_s", "99th-percentile step ramp", "MW/s", 1.0, 4),
    ("max_minute_swing_mw", "Largest swing within a minute", "MW", 1.0, 4),
    ("mean_minute_swing_mw", "Mean swing within a minute", "MW", 1.0, 4),
    ("swing_band_high_hz", "Swing band upper edge", "Hz", 1.0, 4),
    ("swing_band_share_frac", "Share of swing energy in the band", "%", 100.0, 4),
    ("scenario_name", "Scenario", "", 1.0, 6),
    ("gpus", "GPUs", "", 1.0, 6),
    ("racks", "Racks", "", 1.0, 6),
    ("steps", "Engine steps", "", 1.0, 6),
    ("step_s", "Engine step", "s", 1.0, 6),
    ("wall_s", "Wall-clock time", "s", 1.0, 6),
    ("gpu_steps_per_s", "Speed", "GPU-steps/s", 1.0, 6),
    ("energy_balance_error_frac", "Energy-balance residual", "", 1.0, 6),
    ("seed", "Random seed", "", 1.0, 6),
];

/// How one metric is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// Human label (the raw key for unknown metrics).
    pub label: String,
    /// Formatted value.
    pub value: String,
    /// Unit as shown.
    pub unit: String,
    /// Index into [`GROUPS`].
    pub group: usize,
}

/// Label, formatted value, unit and group of `key`.
pub fn show(key: &str, value: &serde_json::Value) -> Shown {
    let number = value.as_f64();
    let row = TABLE.iter().find(|r| r.0 == key);
    let (label, unit, scale, group) = match row {
        Some(&(_, label, unit, scale, group)) => (label.to_string(), unit.to_string(), scale, group),
        None if key.ends_with("_frac") => (key.to_string(), "%".to_string(), 100.0, 5),
        None => (key.to_string(), unit_of(key).to_string(), 1.0, if value.is_string() { 6 } else { 5 }),
    };
    let value = match (number, value) {
        (Some(v), _) => fmt_human(v * scale),
        (None, serde_json::Value::String(s)) => s.clone(),
        (None, serde_json::Value::Null) => "–".to_string(),
        (None, other) => other.to_string(),
    };
    Shown { label, value, unit, group }
}

/// Human label of a metric key (the key itself when unknown).
pub fn label_of(key: &str) -> String {
    TABLE.iter().find(|r| r.0 == key).map_or_else(|| key.to_string(), |r| r.1.to_string())
}

/// Unit shown for a metric key and the scale from the stored value to it.
pub fn unit_and_scale(key: &str) -> (String, f64) {
    match TABLE.iter().find(|r| r.0 == key) {
        Some(r) => (r.2.to_string(), r.3),
        None if key.ends_with("_frac") => ("%".to_string(), 100.0),
        None => (unit_of(key).to_string(), 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unknown_and_fraction_keys() {
        let s = show("renewable_frac", &serde_json::json!(0.25));
        assert_eq!((s.label.as_str(), s.value.as_str(), s.unit.as_str(), GROUPS[s.group]), ("Renewable share", "25", "%", "Supply and grid"));
        let s = show("made_up_mwh", &serde_json::json!(3.5));
        assert_eq!((s.label.as_str(), s.unit.as_str(), GROUPS[s.group]), ("made_up_mwh", "MWh", "Other"));
        let s = show("scenario_name", &serde_json::json!("x"));
        assert_eq!((s.value.as_str(), GROUPS[s.group]), ("x", "Run"));
        assert!(TABLE.iter().all(|r| r.4 < GROUPS.len()));
    }
}
