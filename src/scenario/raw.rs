//! The serde mirror of a scenario file: exactly what the user wrote (every key optional),
//! with unknown keys refused. [`super::resolve`] fills the defaults and checks the ranges;
//! the filled mirror is what `scenario.resolved.toml` holds.

use serde::{Deserialize, Serialize};

/// A duration: a string with a unit (`"500ms"`, `"90s"`, `"15m"`, `"24h"`, `"7d"`) or a
/// number of seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dur {
    /// A string with a unit suffix.
    Text(String),
    /// Seconds.
    Seconds(f64),
}

impl Dur {
    /// Seconds, or the parse error.
    pub fn seconds(&self) -> Result<f64, String> {
        match self {
            Dur::Text(t) => crate::units::parse_duration_s(t),
            Dur::Seconds(s) if s.is_finite() && *s >= 0.0 => Ok(*s),
            Dur::Seconds(s) => Err(format!("expected a non-negative duration, found {}", super::check::fmt_num(*s))),
        }
    }
    /// The canonical text form of `s` seconds.
    pub fn from_s(s: f64) -> Dur {
        Dur::Text(crate::units::format_duration(s))
    }
}

impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dur::Text(t) => s.serialize_str(t),
            Dur::Seconds(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::String(t) => Ok(Dur::Text(t)),
            toml::Value::Integer(i) => Ok(Dur::Seconds(i as f64)),
            toml::Value::Float(f) => Ok(Dur::Seconds(f)),
            // A point in time where an offset is taken (`events.at`, a job's `start`): kept as
            // text and turned into seconds after `scenario.start` by `resolve::fill_defaults`.
            toml::Value::Datetime(dt) => Ok(Dur::Text(Time::Datetime(dt).text())),
            other => Err(serde::de::Error::custom(format!("expected a duration such as \"24h\" or a number of seconds, found {}", describe(&other)))),
        }
    }
}

/// A point in time: an RFC 3339 string (`"2026-07-15T00:00:00Z"`) or a native TOML datetime
/// (`2026-07-15T00:00:00Z`, unquoted). A local date-time (no offset) is read as UTC; a bare
/// date as its midnight UTC.
#[derive(Debug, Clone, PartialEq)]
pub enum Time {
    /// As a string.
    Text(String),
    /// As a TOML datetime.
    Datetime(toml::value::Datetime),
}

impl Time {
    /// The time as RFC 3339 text (local date-times get `Z`).
    pub fn text(&self) -> String {
        match self {
            Time::Text(t) => t.clone(),
            Time::Datetime(dt) => {
                let mut t = dt.to_string();
                if dt.date.is_some() && dt.time.is_some() && dt.offset.is_none() {
                    t.push('Z');
                }
                t
            }
        }
    }
    /// Turns a TOML datetime into its text form (what `scenario.resolved.toml` holds).
    pub fn canonicalise(&mut self) {
        if let Time::Datetime(_) = self {
            *self = Time::Text(self.text());
        }
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Time::Text(t) => s.serialize_str(t),
            Time::Datetime(dt) => dt.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::String(t) => Ok(Time::Text(t)),
            toml::Value::Datetime(dt) => Ok(Time::Datetime(dt)),
            other => Err(serde::de::Error::custom(format!("expected a time such as \"2026-07-15T00:00:00Z\", found {}", describe(&other)))),
        }
    }
}

/// A value described in plain words for messages: `a table`, `the number 5`.
pub fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the text \"{}\"", crate::error::clip(s)),
        toml::Value::Integer(i) => format!("the number {i}"),
        toml::Value::Float(f) => format!("the number {}", super::check::fmt_num(*f)),
        toml::Value::Boolean(b) => format!("{b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

macro_rules! block {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $f: Option<$t>,)*
        }
        impl $name {
            /// The keys this block accepts.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($f)),*];
        }
    };
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// `[scenario]`
    #[serde(default)]
    pub scenario: ScenarioBlock,
    /// `[site]`
    #[serde(default)]
    pub site: SiteBlock,
    /// `[cluster]`
    #[serde(default)]
    pub cluster: ClusterBlock,
    /// `[gpu]` overrides of the preset.
    #[serde(default)]
    pub gpu: GpuBlock,
    /// `[workload]` with its `[[workload.jobs]]`.
    #[serde(default)]
    pub workload: WorkloadBlock,
    /// `[cooling]`
    #[serde(default)]
    pub cooling: CoolingBlock,
    /// `[power]`
    #[serde(default)]
    pub power: PowerBlock,
    /// `[supply]`; absent means an unlimited grid connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<SupplyBlock>,
    /// `[[events]]`
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventBlock>,
}

impl RawScenario {
    /// Top-level tables.
    pub const KEYS: &'static [&'static str] = &["scenario", "site", "cluster", "gpu", "workload", "cooling", "power", "supply", "events"];
}

block!(
    /// `[scenario]`: name, time frame, step, recording, seed.
    ScenarioBlock {
        name: String,
        start: Time,
        duration: Dur,
        step: Dur,
        record_every: Dur,
        seed: u64,
    }
);

block!(
    /// `[site]`: where the campus is and its weather.
    SiteBlock {
        latitude_deg: f64,
        longitude_deg: f64,
        climate: String,
        weather_file: String,
        heat_wave_k: f64,
    }
);

block!(
    /// `[cluster]`: racks of GPUs.
    ClusterBlock {
        gpu: String,
        racks: u32,
        gpus_per_rack: u32,
        rack_overhead_kw: f64,
        power_variation_frac: f64,
    }
);

block!(
    /// `[gpu]`: overrides of the preset's numbers.
    GpuBlock {
        tdp_w: f64,
        idle_w: f64,
        leakage_frac: f64,
        leakage_per_k: f64,
        leakage_ref_c: f64,
        r_th_k_per_w: f64,
        c_th_j_per_k: f64,
        throttle_c: f64,
        throttle_hysteresis_k: f64,
        min_clock_frac: f64,
        shutdown_c: f64,
        restart_c: f64,
        power_floor_frac: f64,
        ramp_up_w_per_s: f64,
        ramp_down_w_per_s: f64,
        utilization_exponent: f64,
    }
);

/// `[workload]`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadBlock {
    /// `[[workload.jobs]]`
    #[serde(default)]
    pub jobs: Vec<JobBlock>,
}

impl WorkloadBlock {
    /// Keys of `[workload]`.
    pub const KEYS: &'static [&'static str] = &["jobs"];
}

block!(
    /// One `[[workload.jobs]]` entry. Which keys apply depends on `kind`.
    JobBlock {
        name: String,
        kind: String,
        gpus: u32,
        start: Dur,
        iteration_s: f64,
        compute_frac: f64,
        compute_utilization_frac: f64,
        comm_utilization_frac: f64,
        checkpoint_every: Dur,
        checkpoint_s: f64,
        checkpoint_utilization_frac: f64,
        mtbf: Dur,
        restart_s: f64,
        phase_jitter_s: f64,
        mean_utilization_frac: f64,
        diurnal_amplitude_frac: f64,
        peak_hour_utc: f64,
        noise_frac: f64,
        utilization_frac: f64,
        file: String,
        format: String,
        signal: String,
        tile: String,
        sample_every: Dur,
    }
);

block!(
    /// `[cooling]`: the rack side (technology loop, CDUs) and the facility plant.
    CoolingBlock {
        coolant: String,
        liquid_capture_frac: f64,
        tcs_supply_setpoint_c: f64,
        fws_supply_setpoint_c: f64,
        cdus: u32,
        flow_lpm_per_kw: f64,
        tcs_volume_m3: f64,
        cdu_approach_k: f64,
        cdu_control_tau_s: f64,
        tcs_pump_head_kpa: f64,
        pump_efficiency_frac: f64,
        fws_volume_m3: f64,
        fws_design_dt_k: f64,
        fws_pump_head_kpa: f64,
        fws_min_flow_frac: f64,
        air_side_fan_w_per_w: f64,
        heat_rejection: HeatRejectionBlock,
        chiller: ChillerBlock,
        heat_reuse: HeatReuseBlock,
        hydraulics: HydraulicsBlock,
    }
);

block!(
    /// `[cooling.hydraulics]`: loop networks (see `model::hydraulics::params`).
    HydraulicsBlock {
        tcs_duty_pumps: u32,
        tcs_standby_pumps: u32,
        fws_duty_pumps: u32,
        fws_standby_pumps: u32,
        pump_shutoff_head_frac: f64,
        pump_bep_efficiency_frac: f64,
        motor_efficiency_frac: f64,
        vfd_efficiency_frac: f64,
        min_speed_frac: f64,
        max_speed_frac: f64,
        rack_dp_frac: f64,
        cdu_hx_dp_frac: f64,
        fws_cdu_dp_frac: f64,
        fws_rejection_dp_frac: f64,
        valve_authority_frac: f64,
        branch_exponent: f64,
        pi_kp: f64,
        pi_ti_s: f64,
        plate_convective_frac: f64,
    }
);

block!(
    /// `[cooling.heat_rejection]`: dry coolers, cooling tower, adiabatic dry coolers, fjord
    /// water (or an ideal boundary); kind-specific keys in `model::plant_side::Sink`.
    HeatRejectionBlock {
        kind: String,
        units: u32,
        ua_per_unit_kw_per_k: f64,
        rated_fan_power_kw: f64,
        rated_air_flow_kg_s: f64,
        ua_air_exponent: f64,
        min_fan_speed_frac: f64,
        design_ambient_c: f64,
        design_approach_k: f64,
        latent_frac: f64,
        drift_frac: f64,
        cycles_of_concentration: f64,
        saturation_efficiency_frac: f64,
        switch_over_c: f64,
        intake_temp_c: Vec<f64>,
        intake_head_kpa: f64,
        seawater_rise_k: f64,
    }
);

block!(
    /// `[cooling.chiller]`: optional trim chiller.
    ChillerBlock {
        capacity_mw: f64,
        eta_ii_frac: f64,
        evaporator_approach_k: f64,
        condenser_approach_k: f64,
    }
);

block!(
    /// `[cooling.heat_reuse]`: optional district-heating offtake.
    HeatReuseBlock {
        capacity_mw: f64,
        dh_supply_c: f64,
        dh_return_c: f64,
        hx_approach_k: f64,
        hp_eta_frac: f64,
    }
);

block!(
    /// `[power]`: the electrical chain.
    PowerBlock {
        psu_efficiency_frac: f64,
        psu_rated_kw: f64,
        distribution_efficiency_frac: f64,
        mechanical_efficiency_frac: f64,
        facility_base_kw: f64,
    }
);

block!(
    /// `[supply]`: sources, battery and shortfall policy.
    SupplyBlock {
        hydro: HydroBlock,
        wind: WindBlock,
        solar: SolarBlock,
        gas: GasBlock,
        grid: GridBlock,
        battery: BatteryBlock,
        on_shortfall: String,
    }
);

block!(
    /// `supply.hydro`
    HydroBlock {
        capacity_mw: f64,
        ramp_mw_per_min: f64,
        ramp_down_mw_per_min: f64,
        governor_band_frac: f64,
        min_mw: f64,
        daily_energy_mwh: f64,
        reservoir_mwh: f64,
        inflow_mw: f64,
        reservoir_initial_frac: f64,
    }
);

block!(
    /// `supply.wind`
    WindBlock {
        capacity_mw: f64,
        hub_height_m: f64,
        cut_in_m_s: f64,
        rated_m_s: f64,
        cut_out_m_s: f64,
        shear_exponent: f64,
        profile_file: String,
        profile_column: String,
        profile_unit: String,
    }
);

block!(
    /// `supply.solar`
    SolarBlock {
        capacity_mw: f64,
        derate_frac: f64,
        temp_coeff_per_k: f64,
        profile_file: String,
        profile_column: String,
        profile_unit: String,
    }
);

block!(
    /// `supply.gas`
    GasBlock {
        capacity_mw: f64,
        ramp_frac_per_min: f64,
        ramp_down_frac_per_min: f64,
        governor_band_frac: f64,
        min_mw: f64,
        carbon_g_per_kwh: f64,
    }
);

block!(
    /// `supply.grid`
    GridBlock {
        import_limit_mw: f64,
        export_limit_mw: f64,
        carbon_g_per_kwh: f64,
        carbon_file: String,
        price_file: String,
        carbon_column: String,
        price_column: String,
        time_column: String,
        align: String,
        currency: String,
    }
);

block!(
    /// `supply.battery`
    BatteryBlock {
        energy_mwh: f64,
        power_mw: f64,
        round_trip_efficiency_frac: f64,
        soc_min_frac: f64,
        soc_max_frac: f64,
        initial_soc_frac: f64,
        max_grid_ramp_mw_per_s: f64,
    }
);

block!(
    /// One `[[events]]` entry.
    EventBlock {
        at: Dur,
        duration: Dur,
        kind: String,
        target: Target,
        job: String,
        units: u32,
        fraction: f64,
        offset_k: f64,
        cap_mw: f64,
        position_frac: f64,
        standby_start_s: f64,
        resistance_factor: f64,
    }
);

/// An event's `target`: an index (CDU, rack) or a name (`"facility"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    /// An index.
    Index(u32),
    /// A name.
    Name(String),
}
