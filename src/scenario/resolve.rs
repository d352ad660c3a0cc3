//! The resolved scenario: every default filled in, SI units, ranges and consistency checked.
//! The engine only ever sees this form.
//!
//! Resolution works in two passes on the serde mirror: [`fill_defaults`] writes every omitted
//! key into the mirror (so that `scenario.resolved.toml` is complete and re-running it
//! reproduces the run), then [`build`] checks ranges and converts to [`Scenario`].

use super::presets::{gpu_names, gpu_preset};
use super::raw::*;
use crate::model::supply::grid::HourlySeries;
use crate::units::format_duration;

/// A resolution error before it is given a file and line: (dotted key, message).
pub type KeyError = (String, String);
type R<T> = Result<T, KeyError>;

/// GPU model parameters (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct GpuParams {
    /// Board power at full utilisation, unthrottled, at the reference temperature (W).
    pub tdp_w: f64,
    /// Idle board power at the reference temperature (W).
    pub idle_w: f64,
    /// Share of power that is leakage at `leakage_ref_c`.
    pub leakage_frac: f64,
    /// Leakage growth rate (1/K).
    pub leakage_per_k: f64,
    /// Reference junction temperature (°C).
    pub leakage_ref_c: f64,
    /// Junction to coolant thermal resistance (K/W).
    pub r_th_k_per_w: f64,
    /// Lumped heat capacity (J/K).
    pub c_th_j_per_k: f64,
    /// Throttle temperature (°C).
    pub throttle_c: f64,
    /// Throttling releases only below `throttle_c - throttle_hysteresis_k` (K).
    pub throttle_hysteresis_k: f64,
    /// Lowest clock factor under throttling or capping.
    pub min_clock_frac: f64,
    /// Shutdown temperature (°C).
    pub shutdown_c: f64,
    /// A shut-down GPU comes back below this (°C).
    pub restart_c: f64,
    /// GPU power smoothing floor as a share of TDP (0 = off).
    pub power_floor_frac: f64,
    /// Power smoothing ramp-up limit (W/s, 0 = unlimited).
    pub ramp_up_w_per_s: f64,
    /// Power smoothing ramp-down limit (W/s, 0 = unlimited).
    pub ramp_down_w_per_s: f64,
}

/// Where the weather comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeatherSpec {
    /// A built-in synthetic climate.
    Climate(String),
    /// An EPW file (absolute path).
    File(std::path::PathBuf),
}

/// What a job does.
#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Bulk-synchronous training.
    Training {
        /// Iteration period (s).
        iteration_s: f64,
        /// Share of an iteration in the compute phase.
        compute_frac: f64,
        /// Utilisation in the compute phase.
        compute_util: f64,
        /// Utilisation in the communication phase.
        comm_util: f64,
        /// Checkpoint period (s, 0 = none).
        checkpoint_every_s: f64,
        /// Checkpoint duration (s).
        checkpoint_s: f64,
        /// Utilisation while checkpointing.
        checkpoint_util: f64,
        /// Mean time between job-wide failures (s, 0 = none).
        mtbf_s: f64,
        /// Restart delay after a failure (s).
        restart_s: f64,
        /// Std-dev of the per-rack phase offset (s).
        phase_jitter_s: f64,
    },
    /// Inference serving with a daily cycle and noise.
    Inference {
        /// Mean utilisation.
        mean_util: f64,
        /// Amplitude of the daily cycle (fraction of utilisation).
        diurnal_amplitude: f64,
        /// Hour of the daily peak (UTC).
        peak_hour_utc: f64,
        /// Std-dev of the minute-scale noise (utilisation).
        noise: f64,
    },
    /// Constant utilisation.
    Constant {
        /// Utilisation.
        util: f64,
    },
    /// Replay of measured telemetry (utilisation or board power); each value holds until the
    /// next sample.
    Trace {
        /// The measured series, per measured GPU.
        data: std::sync::Arc<crate::telemetry::replay::TraceData>,
    },
}

/// One job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Name.
    pub name: String,
    /// GPUs requested.
    pub gpus: u32,
    /// Start time (s since scenario start).
    pub start_s: f64,
    /// Behaviour.
    pub kind: JobKind,
}

/// Rack-side cooling and facility plant settings (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct Cooling {
    /// Coolant name.
    pub coolant: String,
    /// Coolant density (kg/m³).
    pub density_kg_m3: f64,
    /// Coolant heat capacity (J/(kg·K)).
    pub cp_j_kg_k: f64,
    /// Share of rack heat into cold plates.
    pub liquid_capture_frac: f64,
    /// TCS supply setpoint (°C).
    pub tcs_supply_setpoint_c: f64,
    /// FWS supply setpoint (°C).
    pub fws_supply_setpoint_c: f64,
    /// Number of CDUs.
    pub cdus: u32,
    /// Design cold-plate flow per kW of liquid heat (L/min/kW).
    pub flow_lpm_per_kw: f64,
    /// Water volume of each CDU's technology loop (m³).
    pub tcs_volume_m3: f64,
    /// CDU approach at design (K).
    pub cdu_approach_k: f64,
    /// CDU supply-temperature control time constant (s).
    pub cdu_control_tau_s: f64,
    /// TCS pump head at design flow (Pa).
    pub tcs_pump_head_pa: f64,
    /// Pump wire-to-water efficiency at design.
    pub pump_efficiency_frac: f64,
    /// FWS water volume (m³).
    pub fws_volume_m3: f64,
    /// FWS design temperature rise (K).
    pub fws_design_dt_k: f64,
    /// FWS pump head at design flow (Pa).
    pub fws_pump_head_pa: f64,
    /// FWS minimum flow fraction.
    pub fws_min_flow_frac: f64,
    /// Air-side fan power per W of air heat.
    pub air_side_fan_w_per_w: f64,
    /// Heat rejection.
    pub rejection: Rejection,
    /// Trim chiller.
    pub chiller: Option<ChillerSpec>,
    /// Heat reuse.
    pub heat_reuse: Option<HeatReuseSpec>,
}

/// Heat rejection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// `ideal` or `dry_coolers`.
    pub kind: String,
    /// Dry cooler units.
    pub units: u32,
    /// UA per unit at rated airflow (W/K).
    pub ua_per_unit_w_k: f64,
    /// Fan power per unit at full speed (W).
    pub rated_fan_power_w: f64,
    /// Air mass flow per unit at full speed (kg/s).
    pub rated_air_flow_kg_s: f64,
    /// UA ∝ airflow^exponent.
    pub ua_air_exponent: f64,
    /// Minimum fan speed.
    pub min_fan_speed_frac: f64,
    /// Design ambient for sizing (°C).
    pub design_ambient_c: f64,
    /// Design approach (K).
    pub design_approach_k: f64,
}

/// Trim chiller settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ChillerSpec {
    /// Cooling capacity (W).
    pub capacity_w: f64,
    /// Second-law efficiency.
    pub eta_ii_frac: f64,
    /// Evaporator approach (K).
    pub evaporator_approach_k: f64,
    /// Condenser approach above ambient (K).
    pub condenser_approach_k: f64,
}

/// Heat reuse settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatReuseSpec {
    /// Heat delivered to district heating at most (W).
    pub capacity_w: f64,
    /// District heating supply (°C).
    pub dh_supply_c: f64,
    /// District heating return (°C).
    pub dh_return_c: f64,
    /// Heat-exchanger approach (K).
    pub hx_approach_k: f64,
    /// Heat-pump share of Carnot COP.
    pub hp_eta_frac: f64,
}

/// Electrical chain.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerChain {
    /// Peak efficiency of the rack PSU curve.
    pub psu_efficiency_frac: f64,
    /// PSU nameplate per rack (W).
    pub psu_rated_w: f64,
    /// Efficiency of UPS, transformers and distribution feeding IT.
    pub distribution_efficiency_frac: f64,
    /// Efficiency of the feed to cooling and base loads.
    pub mechanical_efficiency_frac: f64,
    /// Lighting, offices, security (W).
    pub facility_base_w: f64,
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Start (s since scenario start).
    pub at_s: f64,
    /// Length (s); infinite when omitted.
    pub duration_s: f64,
    /// What happens.
    pub kind: EventKind,
}

/// Event kinds (SPEC §5).
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// One CDU's pump stops.
    CduPumpFailure {
        /// CDU index (0-based).
        cdu: u32,
    },
    /// Dry cooler units off.
    DryCoolerOutage {
        /// Units.
        units: u32,
    },
    /// Hydro capacity drops by a fraction.
    HydroOutage {
        /// Fraction lost.
        fraction: f64,
    },
    /// A job drops to idle and restarts after its restart delay.
    JobFailure {
        /// Job index.
        job: usize,
    },
    /// Ambient offset.
    HeatWave {
        /// Offset (K).
        offset_k: f64,
    },
    /// Site power cap.
    PowerCap {
        /// Cap (W).
        cap_w: f64,
    },
}

/// Event kind names.
pub const EVENT_KINDS: &[&str] = &["cdu_pump_failure", "dry_cooler_outage", "hydro_outage", "job_failure", "heat_wave", "power_cap"];

/// Supply settings (resolved mirror of `[supply]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SupplySpec {
    /// The filled block.
    pub block: SupplyBlock,
    /// Grid CO₂ intensity series (g/kWh), from `carbon_file`.
    pub carbon_series: Option<HourlySeries>,
    /// Grid price series (currency per MWh), from `price_file`.
    pub price_series: Option<HourlySeries>,
    /// Wind output profile, from `supply.wind.profile_file`.
    pub wind_profile: Option<Profile>,
    /// Solar output profile, from `supply.solar.profile_file`.
    pub solar_profile: Option<Profile>,
}

/// A measured or modelled output profile of wind or solar.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Values on the scenario time line.
    pub series: HourlySeries,
    /// True: values in MW; false: a fraction of the nameplate `capacity_mw`.
    pub mw: bool,
}

/// A resolved scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Start (unix s, UTC).
    pub start_unix_s: f64,
    /// Duration (s).
    pub duration_s: f64,
    /// Engine step (s).
    pub step_s: f64,
    /// Recording window (s).
    pub record_every_s: f64,
    /// Seed.
    pub seed: u64,
    /// Latitude (deg).
    pub latitude_deg: f64,
    /// Longitude (deg).
    pub longitude_deg: f64,
    /// Weather source.
    pub weather: WeatherSpec,
    /// Constant ambient offset (K).
    pub heat_wave_k: f64,
    /// GPU preset name.
    pub gpu_name: String,
    /// Racks.
    pub racks: u32,
    /// GPUs per rack.
    pub gpus_per_rack: u32,
    /// Non-GPU IT power per rack (W).
    pub rack_overhead_w: f64,
    /// Std-dev of per-GPU power factor.
    pub power_variation_frac: f64,
    /// GPU model.
    pub gpu: GpuParams,
    /// Jobs in placement order.
    pub jobs: Vec<Job>,
    /// Cooling.
    pub cooling: Cooling,
    /// Electrical chain.
    pub power: PowerChain,
    /// Supply; `None` = unlimited grid connection.
    pub supply: Option<SupplySpec>,
    /// Events.
    pub events: Vec<Event>,
    /// Exponent γ of the utilisation→power curve `P = idle + (tdp − idle)·u^γ` (1 = linear),
    /// applied by the workload stage (`fjord calibrate` fits it).
    pub utilization_exponent: f64,
    /// Warnings for the user (side files that start late or miss the run).
    pub warnings: Vec<String>,
    /// The filled mirror (for `scenario.resolved.toml`).
    pub filled: RawScenario,
}

impl Scenario {
    /// Total GPUs.
    pub fn gpus(&self) -> u64 {
        u64::from(self.racks) * u64::from(self.gpus_per_rack)
    }
    /// Engine steps.
    pub fn steps(&self) -> u64 {
        (self.duration_s / self.step_s).round() as u64
    }
    /// Design IT power of one rack at TDP (W, at the PSU input).
    pub fn rack_design_w(&self) -> f64 {
        (f64::from(self.gpus_per_rack) * self.gpu.tdp_w + self.rack_overhead_w) / self.power.psu_efficiency_frac
    }
    /// Design IT capacity (W).
    pub fn it_capacity_w(&self) -> f64 {
        self.rack_design_w() * f64::from(self.racks)
    }
}

macro_rules! get {
    ($opt:expr, $default:expr) => {
        dflt(&mut $opt, $default)
    };
}

fn dflt<T: Copy>(o: &mut Option<T>, d: T) -> T {
    *o.get_or_insert(d)
}

fn dur_s(d: &Option<Dur>, key: &str) -> R<f64> {
    match d {
        Some(d) => d.seconds().map_err(|m| (key.to_string(), m)),
        None => Ok(0.0),
    }
}

/// Known coolants: (name, density kg/m³, c_p J/(kg·K), source).
pub const COOLANTS: &[(&str, f64, f64, &str)] = &[
    ("pg25", 1019.2, 3940.0, "[S] Airedale DeltaChill glycol tables, 30 °C (REFERENCE §3.1)"),
    ("water", 995.6, 4180.0, "[S] Airedale DeltaChill tables, 30 °C (REFERENCE §3.1)"),
];

/// Writes every default into `raw`, in place. Idempotent.
pub fn fill_defaults(raw: &mut RawScenario, file_stem: &str, base_dir: &std::path::Path) -> R<()> {
    // Paths become absolute, so `scenario.resolved.toml` works from the run folder.
    let abs = |p: &mut Option<String>| {
        if let Some(f) = p.as_mut() {
            let path = std::path::Path::new(f.as_str());
            if path.is_relative() {
                let joined = base_dir.join(path);
                *f = std::fs::canonicalize(&joined).unwrap_or(joined).display().to_string();
            }
        }
    };
    abs(&mut raw.site.weather_file);
    for j in raw.workload.jobs.iter_mut() {
        abs(&mut j.file);
    }
    if let Some(sup) = raw.supply.as_mut() {
        if let Some(g) = sup.grid.as_mut() {
            abs(&mut g.carbon_file);
            abs(&mut g.price_file);
        }
        if let Some(w) = sup.wind.as_mut() {
            abs(&mut w.profile_file);
        }
        if let Some(w) = sup.solar.as_mut() {
            abs(&mut w.profile_file);
        }
    }
    let s = &mut raw.scenario;
    s.name.get_or_insert_with(|| file_stem.to_string());
    s.start.get_or_insert_with(|| "2026-01-15T00:00:00Z".to_string());
    s.duration.get_or_insert_with(|| Dur::Text("24h".into()));
    s.step.get_or_insert_with(|| Dur::Text("1s".into()));
    s.record_every.get_or_insert_with(|| Dur::Text("10s".into()));
    get!(s.seed, 1);
    // Canonical duration strings.
    for (d, key) in [(&mut s.duration, "scenario.duration"), (&mut s.step, "scenario.step"), (&mut s.record_every, "scenario.record_every")] {
        let secs = dur_s(d, key)?;
        *d = Some(Dur::Text(format_duration(secs)));
    }

    let site = &mut raw.site;
    get!(site.latitude_deg, 68.44);
    get!(site.longitude_deg, 17.43);
    if site.weather_file.is_none() {
        site.climate.get_or_insert_with(|| "narvik".to_string());
    }
    get!(site.heat_wave_k, 0.0);

    let c = &mut raw.cluster;
    let gname = c.gpu.get_or_insert_with(|| "gb300".to_string()).clone();
    let preset = gpu_preset(&gname).ok_or_else(|| {
        let names = gpu_names();
        let hint = crate::error::nearest(&gname, &names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        ("cluster.gpu".to_string(), format!("unknown GPU preset \"{gname}\"{hint}; expected one of {}", names.join(", ")))
    })?;
    get!(c.racks, 1389);
    get!(c.gpus_per_rack, preset.gpus_per_rack);
    get!(c.rack_overhead_kw, preset.rack_overhead_kw);
    get!(c.power_variation_frac, 0.03);

    let g = &mut raw.gpu;
    get!(g.tdp_w, preset.tdp_w);
    get!(g.idle_w, preset.idle_w);
    get!(g.leakage_frac, preset.leakage_frac);
    get!(g.leakage_per_k, preset.leakage_per_k);
    get!(g.leakage_ref_c, preset.leakage_ref_c);
    get!(g.r_th_k_per_w, preset.r_th_k_per_w);
    get!(g.c_th_j_per_k, preset.c_th_j_per_k);
    let thr = get!(g.throttle_c, preset.throttle_c);
    get!(g.throttle_hysteresis_k, 3.0);
    get!(g.min_clock_frac, 0.3);
    get!(g.shutdown_c, preset.shutdown_c);
    get!(g.restart_c, thr - 15.0);
    get!(g.power_floor_frac, 0.0);
    get!(g.ramp_up_w_per_s, 0.0);
    get!(g.ramp_down_w_per_s, 0.0);
    get!(g.utilization_exponent, 1.0);

    let lon = raw.site.longitude_deg.unwrap_or(0.0);
    for (i, j) in raw.workload.jobs.iter_mut().enumerate() {
        j.name.get_or_insert_with(|| format!("job{}", i + 1));
        let kind = j.kind.get_or_insert_with(|| "training".to_string()).clone();
        let key = |k: &str| format!("workload.jobs[{i}].{k}");
        if j.gpus.is_none() {
            return Err((key("gpus"), "missing: expected the number of GPUs the job takes".into()));
        }
        if j.start.is_none() {
            j.start = Some(Dur::Text("0s".into()));
        } else {
            let secs = dur_s(&j.start, &key("start"))?;
            j.start = Some(Dur::from_s(secs));
        }
        let allowed: &[&str] = match kind.as_str() {
            "training" => {
                get!(j.iteration_s, 2.0);
                get!(j.compute_frac, 0.75);
                get!(j.compute_utilization_frac, 0.965);
                get!(j.comm_utilization_frac, 0.2);
                j.checkpoint_every.get_or_insert_with(|| Dur::Text("30m".into()));
                get!(j.checkpoint_s, 60.0);
                get!(j.checkpoint_utilization_frac, 0.0);
                if j.mtbf.is_none() {
                    // [D] 2e-5 unexpected interruptions per GPU-hour (Llama 3, REFERENCE §8.3).
                    let hours = 1.0 / (2.0e-5 * f64::from(j.gpus.unwrap_or(1).max(1)));
                    j.mtbf = Some(Dur::from_s((hours * 3600.0).round()));
                }
                get!(j.restart_s, 600.0);
                get!(j.phase_jitter_s, 0.03);
                for (d, k) in [(&mut j.checkpoint_every, "checkpoint_every"), (&mut j.mtbf, "mtbf")] {
                    let secs = dur_s(d, &key(k))?;
                    *d = Some(Dur::from_s(secs));
                }
                &[
                    "iteration_s",
                    "compute_frac",
                    "compute_utilization_frac",
                    "comm_utilization_frac",
                    "checkpoint_every",
                    "checkpoint_s",
                    "checkpoint_utilization_frac",
                    "mtbf",
                    "restart_s",
                    "phase_jitter_s",
                ]
            }
            "inference" => {
                get!(j.mean_utilization_frac, 0.55);
                get!(j.diurnal_amplitude_frac, 0.25);
                get!(j.peak_hour_utc, ((14.0 - lon / 15.0).rem_euclid(24.0) * 10.0).round() / 10.0);
                get!(j.noise_frac, 0.05);
                &["mean_utilization_frac", "diurnal_amplitude_frac", "peak_hour_utc", "noise_frac"]
            }
            "constant" => {
                get!(j.utilization_frac, 0.8);
                &["utilization_frac"]
            }
            "trace" => {
                if j.file.is_none() {
                    return Err((
                        key("file"),
                        "missing: a trace job needs `file` (nvidia-smi or DCGM telemetry, or CSV with header time_s,utilization_frac)".into(),
                    ));
                }
                for (k, v, options) in [
                    ("format", &mut j.format, &["auto", "nvidia-smi", "dcgm", "csv"][..]),
                    ("signal", &mut j.signal, &["auto", "power", "utilization"][..]),
                    ("tile", &mut j.tile, &["aligned", "shifted"][..]),
                ] {
                    let val = v.get_or_insert_with(|| options[0].to_string()).clone();
                    if !options.contains(&val.as_str()) {
                        let hint = crate::error::nearest(&val, options).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                        return Err((key(k), format!("unknown {k} \"{val}\"{hint}; expected one of {}", options.join(", "))));
                    }
                }
                let every = if j.sample_every.is_some() { dur_s(&j.sample_every, &key("sample_every"))? } else { 1.0 };
                j.sample_every = Some(Dur::from_s(every));
                &["file", "format", "signal", "tile", "sample_every"]
            }
            other => {
                let kinds = ["training", "inference", "constant", "trace"];
                let hint = crate::error::nearest(other, &kinds).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                return Err((key("kind"), format!("unknown job kind \"{other}\"{hint}; expected one of training, inference, constant, trace")));
            }
        };
        // Keys that belong to another kind are refused, not silently ignored.
        let present = job_keys_present(j);
        for k in present {
            if !["name", "kind", "gpus", "start"].contains(&k) && !allowed.contains(&k) {
                return Err((key(k), format!("not a key of a `{kind}` job; its keys are name, kind, gpus, start, {}", allowed.join(", "))));
            }
        }
    }

    let racks = raw.cluster.racks.unwrap_or(1);
    let co = &mut raw.cooling;
    let coolant = co.coolant.get_or_insert_with(|| "pg25".to_string()).clone();
    if !COOLANTS.iter().any(|c| c.0 == coolant) {
        let names: Vec<&str> = COOLANTS.iter().map(|c| c.0).collect();
        let hint = crate::error::nearest(&coolant, &names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(("cooling.coolant".into(), format!("unknown coolant \"{coolant}\"{hint}; expected one of {}", names.join(", "))));
    }
    get!(co.liquid_capture_frac, 0.85);
    let tcs = get!(co.tcs_supply_setpoint_c, 35.0);
    get!(co.fws_supply_setpoint_c, tcs - 5.0);
    let cdus = get!(co.cdus, racks.div_ceil(20).max(1));
    get!(co.flow_lpm_per_kw, 1.5);
    let racks_per_cdu = f64::from(racks) / f64::from(cdus.max(1));
    get!(co.tcs_volume_m3, (0.08 * racks_per_cdu * 1000.0).round() / 1000.0);
    get!(co.cdu_approach_k, 3.0);
    get!(co.cdu_control_tau_s, 30.0);
    get!(co.tcs_pump_head_kpa, 200.0);
    get!(co.pump_efficiency_frac, 0.65);
    get!(co.fws_volume_m3, (2.0 * racks as f64 * 0.14).round().max(1.0));
    get!(co.fws_design_dt_k, 10.0);
    get!(co.fws_pump_head_kpa, 150.0);
    get!(co.fws_min_flow_frac, 0.3);
    get!(co.air_side_fan_w_per_w, 0.046);
    let hr = co.heat_rejection.get_or_insert_with(Default::default);
    let kind = hr.kind.get_or_insert_with(|| "dry_coolers".to_string()).clone();
    let fws_set = co.fws_supply_setpoint_c.unwrap_or(30.0);
    get!(hr.units, 0);
    get!(hr.ua_air_exponent, 0.7);
    get!(hr.min_fan_speed_frac, 0.1);
    let approach = get!(hr.design_approach_k, 10.0);
    get!(hr.design_ambient_c, fws_set - approach);
    if let Some(ch) = co.chiller.as_mut() {
        get!(ch.capacity_mw, 0.0);
        get!(ch.eta_ii_frac, 0.5);
        get!(ch.evaporator_approach_k, 3.0);
        get!(ch.condenser_approach_k, 10.0);
    }
    if let Some(h) = co.heat_reuse.as_mut() {
        get!(h.capacity_mw, 0.0);
        get!(h.dh_supply_c, 60.0);
        get!(h.dh_return_c, 35.0);
        get!(h.hx_approach_k, 5.0);
        get!(h.hp_eta_frac, 0.5);
    }
    if kind != "ideal" && kind != "dry_coolers" {
        let hint = crate::error::nearest(&kind, &["ideal", "dry_coolers"]).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(("cooling.heat_rejection.kind".into(), format!("unknown heat rejection \"{kind}\"{hint}; expected ideal or dry_coolers")));
    }
    // Electrical chain. Base load scales with the site: 0.45 % of the IT capacity at TDP
    // (800 kW for the 178 MW reference campus) [E].
    let gpr = f64::from(raw.cluster.gpus_per_rack.unwrap_or(1));
    let rack_kw = gpr * raw.gpu.tdp_w.unwrap_or(0.0) / 1e3 + raw.cluster.rack_overhead_kw.unwrap_or(0.0);
    let pw = &mut raw.power;
    let psu = get!(pw.psu_efficiency_frac, 0.96);
    let rack_design_kw = rack_kw / psu.max(0.5);
    get!(pw.psu_rated_kw, (2.0 * rack_design_kw * 10.0).round() / 10.0);
    get!(pw.distribution_efficiency_frac, 0.975);
    get!(pw.mechanical_efficiency_frac, 0.99);
    get!(pw.facility_base_kw, (0.0045 * rack_design_kw * f64::from(racks)).round());
    if let Some(sup) = raw.supply.as_mut() {
        fill_supply(sup)?;
    }
    Ok(())
}

/// Defaults of `[supply]` (REFERENCE §7-§8; estimates flagged in `fjord presets`).
fn fill_supply(sup: &mut SupplyBlock) -> R<()> {
    let h = sup.hydro.get_or_insert_with(Default::default);
    get!(h.capacity_mw, 0.0);
    let up = get!(h.ramp_mw_per_min, 60.0);
    get!(h.ramp_down_mw_per_min, up);
    get!(h.governor_band_frac, 0.0);
    get!(h.min_mw, 0.0);
    let w = sup.wind.get_or_insert_with(Default::default);
    get!(w.capacity_mw, 0.0);
    get!(w.hub_height_m, 100.0);
    get!(w.cut_in_m_s, 3.0);
    get!(w.rated_m_s, 12.0);
    get!(w.cut_out_m_s, 25.0);
    get!(w.shear_exponent, 0.14);
    let so = sup.solar.get_or_insert_with(Default::default);
    get!(so.capacity_mw, 0.0);
    get!(so.derate_frac, 0.86);
    get!(so.temp_coeff_per_k, -0.004);
    let g = sup.gas.get_or_insert_with(Default::default);
    get!(g.capacity_mw, 0.0);
    let up = get!(g.ramp_frac_per_min, 0.2);
    get!(g.ramp_down_frac_per_min, up);
    get!(g.governor_band_frac, 0.0);
    get!(g.min_mw, 0.0);
    get!(g.carbon_g_per_kwh, 550.0);
    for (name, b) in [
        ("wind", sup.wind.as_mut().map(|w| (&w.profile_file, &mut w.profile_unit))),
        ("solar", sup.solar.as_mut().map(|w| (&w.profile_file, &mut w.profile_unit))),
    ] {
        if let Some((file, unit)) = b {
            if file.is_some() {
                let u = unit.get_or_insert_with(|| "capacity_frac".to_string()).clone();
                if u != "capacity_frac" && u != "mw" {
                    let hint = crate::error::nearest(&u, &["capacity_frac", "mw"]).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                    return Err((format!("supply.{name}.profile_unit"), format!("unknown unit \"{u}\"{hint}; expected capacity_frac or mw")));
                }
            }
        }
    }
    let gr = sup.grid.get_or_insert_with(Default::default);
    let align = gr.align.get_or_insert_with(|| "calendar".to_string()).clone();
    if crate::telemetry::series::Align::parse(&align).is_none() {
        let hint = crate::error::nearest(&align, &["calendar", "day_of_year"]).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(("supply.grid.align".into(), format!("unknown alignment \"{align}\"{hint}; expected calendar or day_of_year")));
    }
    get!(gr.import_limit_mw, 0.0);
    get!(gr.export_limit_mw, 0.0);
    get!(gr.carbon_g_per_kwh, 19.0);
    let b = sup.battery.get_or_insert_with(Default::default);
    get!(b.energy_mwh, 0.0);
    get!(b.power_mw, 0.0);
    get!(b.round_trip_efficiency_frac, 0.9);
    get!(b.soc_min_frac, 0.05);
    get!(b.soc_max_frac, 0.95);
    get!(b.initial_soc_frac, 0.5);
    get!(b.max_grid_ramp_mw_per_s, 0.0);
    let mode = sup.on_shortfall.get_or_insert_with(|| "cap_gpus".to_string()).clone();
    if mode != "cap_gpus" && mode != "unserved" {
        let hint = crate::error::nearest(&mode, &["cap_gpus", "unserved"]).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(("supply.on_shortfall".into(), format!("unknown policy \"{mode}\"{hint}; expected cap_gpus or unserved")));
    }
    Ok(())
}

/// Range checks of a filled `[supply]` block.
fn check_supply(sup: &SupplyBlock) -> R<()> {
    let nonneg = |key: &str, v: Option<f64>, hi: f64| range(key, v.unwrap_or(0.0), 0.0, hi, "a non-negative value");
    let h = sup.hydro.clone().unwrap_or_default();
    nonneg("supply.hydro.capacity_mw", h.capacity_mw, 1e6)?;
    nonneg("supply.hydro.ramp_mw_per_min", h.ramp_mw_per_min, 1e6)?;
    nonneg("supply.hydro.ramp_down_mw_per_min", h.ramp_down_mw_per_min, 1e6)?;
    range("supply.hydro.governor_band_frac", h.governor_band_frac.unwrap_or(0.0), 0.0, 1.0, "a fraction of capacity")?;
    let hmin = nonneg("supply.hydro.min_mw", h.min_mw, 1e6)?;
    if hmin > h.capacity_mw.unwrap_or(0.0) {
        return Err(("supply.hydro.min_mw".into(), "expected at most supply.hydro.capacity_mw".into()));
    }
    nonneg("supply.hydro.daily_energy_mwh", h.daily_energy_mwh, 1e9)?;
    nonneg("supply.hydro.reservoir_mwh", h.reservoir_mwh, 1e12)?;
    nonneg("supply.hydro.inflow_mw", h.inflow_mw, 1e6)?;
    range("supply.hydro.reservoir_initial_frac", h.reservoir_initial_frac.unwrap_or(0.5), 0.0, 1.0, "a fraction")?;
    let w = sup.wind.clone().unwrap_or_default();
    nonneg("supply.wind.capacity_mw", w.capacity_mw, 1e6)?;
    pos("supply.wind.hub_height_m", w.hub_height_m.unwrap_or(100.0), "height (m)")?;
    let (ci, ra, co) = (w.cut_in_m_s.unwrap_or(3.0), w.rated_m_s.unwrap_or(12.0), w.cut_out_m_s.unwrap_or(25.0));
    if !(0.0 <= ci && ci < ra && ra <= co) {
        return Err(("supply.wind.rated_m_s".into(), format!("expected cut_in < rated <= cut_out, found {ci}, {ra}, {co}")));
    }
    range("supply.wind.shear_exponent", w.shear_exponent.unwrap_or(0.14), 0.0, 1.0, "an exponent")?;
    let so = sup.solar.clone().unwrap_or_default();
    nonneg("supply.solar.capacity_mw", so.capacity_mw, 1e6)?;
    range("supply.solar.derate_frac", so.derate_frac.unwrap_or(0.86), 0.0, 1.0, "a fraction")?;
    range("supply.solar.temp_coeff_per_k", so.temp_coeff_per_k.unwrap_or(-0.004), -0.05, 0.0, "a coefficient (1/K)")?;
    let g = sup.gas.clone().unwrap_or_default();
    nonneg("supply.gas.capacity_mw", g.capacity_mw, 1e6)?;
    range("supply.gas.ramp_frac_per_min", g.ramp_frac_per_min.unwrap_or(0.2), 0.0, 100.0, "a fraction of capacity per minute")?;
    range("supply.gas.ramp_down_frac_per_min", g.ramp_down_frac_per_min.unwrap_or(0.2), 0.0, 100.0, "a fraction of capacity per minute")?;
    range("supply.gas.governor_band_frac", g.governor_band_frac.unwrap_or(0.0), 0.0, 1.0, "a fraction of capacity")?;
    nonneg("supply.gas.min_mw", g.min_mw, 1e6)?;
    nonneg("supply.gas.carbon_g_per_kwh", g.carbon_g_per_kwh, 5000.0)?;
    let gr = sup.grid.clone().unwrap_or_default();
    nonneg("supply.grid.import_limit_mw", gr.import_limit_mw, 1e6)?;
    nonneg("supply.grid.export_limit_mw", gr.export_limit_mw, 1e6)?;
    nonneg("supply.grid.carbon_g_per_kwh", gr.carbon_g_per_kwh, 5000.0)?;
    let b = sup.battery.clone().unwrap_or_default();
    nonneg("supply.battery.energy_mwh", b.energy_mwh, 1e7)?;
    nonneg("supply.battery.power_mw", b.power_mw, 1e6)?;
    range("supply.battery.round_trip_efficiency_frac", b.round_trip_efficiency_frac.unwrap_or(0.9), 0.1, 1.0, "a fraction")?;
    let lo = range("supply.battery.soc_min_frac", b.soc_min_frac.unwrap_or(0.05), 0.0, 1.0, "a fraction")?;
    let hi = range("supply.battery.soc_max_frac", b.soc_max_frac.unwrap_or(0.95), 0.0, 1.0, "a fraction")?;
    if lo >= hi {
        return Err(("supply.battery.soc_max_frac".into(), format!("expected above soc_min_frac ({lo}), found {hi}")));
    }
    let init = range("supply.battery.initial_soc_frac", b.initial_soc_frac.unwrap_or(0.5), 0.0, 1.0, "a fraction")?;
    if init < lo || init > hi {
        return Err(("supply.battery.initial_soc_frac".into(), format!("expected within [soc_min_frac, soc_max_frac] = [{lo}, {hi}], found {init}")));
    }
    nonneg("supply.battery.max_grid_ramp_mw_per_s", b.max_grid_ramp_mw_per_s, 1e6)?;
    Ok(())
}

fn job_keys_present(j: &JobBlock) -> Vec<&'static str> {
    let v = toml::Value::try_from(j).ok();
    let mut out = vec![];
    if let Some(toml::Value::Table(t)) = v {
        for k in JobBlock::KEYS {
            if t.contains_key(*k) {
                out.push(*k);
            }
        }
    }
    out
}

fn range(key: &str, v: f64, lo: f64, hi: f64, what: &str) -> R<f64> {
    if !v.is_finite() || v < lo || v > hi {
        return Err((key.to_string(), format!("expected {what} in [{lo}, {hi}], found {v}")));
    }
    Ok(v)
}

fn pos(key: &str, v: f64, what: &str) -> R<f64> {
    if !v.is_finite() || v <= 0.0 {
        return Err((key.to_string(), format!("expected a positive {what}, found {v}")));
    }
    Ok(v)
}

/// Checks a filled mirror and builds the [`Scenario`]. `base_dir` resolves relative paths.
pub fn build(raw: &RawScenario, base_dir: &std::path::Path) -> R<Scenario> {
    let s = &raw.scenario;
    let start_text = s.start.clone().unwrap_or_default();
    let start_unix_s = crate::model::calendar::parse_utc(&start_text)
        .map_err(|m| ("scenario.start".to_string(), format!("expected an RFC 3339 UTC time like \"2026-01-15T00:00:00Z\": {m}")))?;
    let duration_s = pos("scenario.duration", dur_s(&s.duration, "scenario.duration")?, "duration")?;
    let step_s = pos("scenario.step", dur_s(&s.step, "scenario.step")?, "step")?;
    let record_every_s = pos("scenario.record_every", dur_s(&s.record_every, "scenario.record_every")?, "recording window")?;
    if step_s > 3600.0 {
        return Err(("scenario.step".into(), format!("expected a step of at most 1h, found {}", format_duration(step_s))));
    }
    if step_s < 0.001 {
        return Err(("scenario.step".into(), "expected a step of at least 1ms".into()));
    }
    let ratio = record_every_s / step_s;
    if ratio < 1.0 - 1e-9 || (ratio - ratio.round()).abs() > 1e-6 {
        return Err((
            "scenario.record_every".into(),
            format!("expected a whole multiple of scenario.step ({}), found {}", format_duration(step_s), format_duration(record_every_s)),
        ));
    }
    let steps_f = duration_s / step_s;
    if (steps_f - steps_f.round()).abs() > 1e-6 {
        return Err(("scenario.duration".into(), format!("expected a whole multiple of scenario.step ({})", format_duration(step_s))));
    }
    if steps_f > 1.0e9 {
        return Err(("scenario.duration".into(), format!("{steps_f:.3e} steps is more than the 1e9 supported; use a longer step")));
    }

    let site = &raw.site;
    let latitude_deg = range("site.latitude_deg", site.latitude_deg.unwrap_or(0.0), -90.0, 90.0, "a latitude")?;
    let longitude_deg = range("site.longitude_deg", site.longitude_deg.unwrap_or(0.0), -180.0, 180.0, "a longitude")?;
    let weather = match (&site.weather_file, &site.climate) {
        (Some(_), Some(_)) => return Err(("site.weather_file".into(), "give either site.climate or site.weather_file, not both".into())),
        (Some(f), None) => WeatherSpec::File(base_dir.join(f)),
        (None, Some(c)) => {
            if crate::model::weather::Climate::from_name(c).is_none() {
                let names = crate::model::weather::Climate::NAMES;
                let hint = crate::error::nearest(c, names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                return Err((
                    "site.climate".into(),
                    format!("unknown climate \"{c}\"{hint}; expected one of {}, or site.weather_file", names.join(", ")),
                ));
            }
            WeatherSpec::Climate(c.clone())
        }
        (None, None) => WeatherSpec::Climate("narvik".into()),
    };
    let heat_wave_k = range("site.heat_wave_k", site.heat_wave_k.unwrap_or(0.0), -30.0, 30.0, "an offset (K)")?;

    let c = &raw.cluster;
    let racks = c.racks.unwrap_or(0);
    if racks == 0 {
        return Err(("cluster.racks".into(), "expected at least 1 rack".into()));
    }
    let gpus_per_rack = c.gpus_per_rack.unwrap_or(0);
    if gpus_per_rack == 0 || gpus_per_rack > 1024 {
        return Err(("cluster.gpus_per_rack".into(), format!("expected 1 to 1024 GPUs per rack, found {gpus_per_rack}")));
    }
    let gpus_total = u64::from(racks) * u64::from(gpus_per_rack);
    // Memory guard: ~40 bytes of state per GPU plus per-rack tables; refuse what cannot fit.
    let max_gpus: u64 = 50_000_000;
    if gpus_total > max_gpus {
        return Err((
            "cluster.racks".into(),
            format!(
                "{gpus_total} GPUs would need ~{:.1} GB of state; at most {max_gpus} GPUs are supported on one machine",
                gpus_total as f64 * 48.0 / 1e9
            ),
        ));
    }
    let rack_overhead_w = range("cluster.rack_overhead_kw", c.rack_overhead_kw.unwrap_or(0.0), 0.0, 10_000.0, "a power (kW)")? * 1e3;
    let power_variation_frac = range("cluster.power_variation_frac", c.power_variation_frac.unwrap_or(0.0), 0.0, 0.3, "a fraction")?;

    let g = &raw.gpu;
    // Every [gpu] key is filled by fill_defaults; NaN stands for "missing" and fails the checks.
    let gv = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let gpu = GpuParams {
        tdp_w: pos("gpu.tdp_w", gv(g.tdp_w), "power (W)")?,
        idle_w: range("gpu.idle_w", gv(g.idle_w), 0.0, g.tdp_w.unwrap_or(0.0), "an idle power (W) no larger than gpu.tdp_w")?,
        leakage_frac: range("gpu.leakage_frac", gv(g.leakage_frac), 0.0, 0.9, "a fraction")?,
        leakage_per_k: range("gpu.leakage_per_k", gv(g.leakage_per_k), 0.0, 0.2, "a rate (1/K)")?,
        leakage_ref_c: range("gpu.leakage_ref_c", gv(g.leakage_ref_c), -20.0, 150.0, "a temperature (°C)")?,
        r_th_k_per_w: pos("gpu.r_th_k_per_w", gv(g.r_th_k_per_w), "thermal resistance (K/W)")?,
        c_th_j_per_k: pos("gpu.c_th_j_per_k", gv(g.c_th_j_per_k), "heat capacity (J/K)")?,
        throttle_c: range("gpu.throttle_c", gv(g.throttle_c), 0.0, 200.0, "a temperature (°C)")?,
        throttle_hysteresis_k: range("gpu.throttle_hysteresis_k", gv(g.throttle_hysteresis_k), 0.0, 30.0, "a temperature difference (K)")?,
        min_clock_frac: range("gpu.min_clock_frac", gv(g.min_clock_frac), 0.05, 1.0, "a fraction")?,
        shutdown_c: range("gpu.shutdown_c", gv(g.shutdown_c), 0.0, 250.0, "a temperature (°C)")?,
        restart_c: range("gpu.restart_c", gv(g.restart_c), -20.0, 250.0, "a temperature (°C)")?,
        power_floor_frac: range("gpu.power_floor_frac", gv(g.power_floor_frac), 0.0, 1.0, "a fraction of TDP")?,
        ramp_up_w_per_s: range("gpu.ramp_up_w_per_s", gv(g.ramp_up_w_per_s), 0.0, 1e9, "a ramp (W/s, 0 = unlimited)")?,
        ramp_down_w_per_s: range("gpu.ramp_down_w_per_s", gv(g.ramp_down_w_per_s), 0.0, 1e9, "a ramp (W/s, 0 = unlimited)")?,
    };
    if gpu.shutdown_c <= gpu.throttle_c {
        return Err(("gpu.shutdown_c".into(), format!("expected above gpu.throttle_c ({}), found {}", gpu.throttle_c, gpu.shutdown_c)));
    }
    if gpu.restart_c >= gpu.shutdown_c {
        return Err(("gpu.restart_c".into(), format!("expected below gpu.shutdown_c ({}), found {}", gpu.shutdown_c, gpu.restart_c)));
    }

    let mut jobs = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut used: u64 = 0;
    for (i, j) in raw.workload.jobs.iter().enumerate() {
        let key = |k: &str| format!("workload.jobs[{i}].{k}");
        let name = j.name.clone().unwrap_or_default();
        if jobs.iter().any(|x: &Job| x.name == name) {
            return Err((key("name"), format!("job name \"{name}\" is used twice")));
        }
        let gpus = j.gpus.unwrap_or(0);
        if gpus == 0 {
            return Err((key("gpus"), "expected at least 1 GPU".into()));
        }
        // Jobs take whole racks.
        let racks_needed = u64::from(gpus).div_ceil(u64::from(gpus_per_rack));
        used += racks_needed;
        if used > u64::from(racks) {
            return Err((key("gpus"), format!("the jobs need {used} whole racks of {gpus_per_rack} GPUs but the cluster has {racks}")));
        }
        let start_s = dur_s(&j.start, &key("start"))?;
        let f = |k: &str, v: Option<f64>| range(&key(k), v.unwrap_or(f64::NAN), 0.0, 1.0, "a fraction");
        let kind = match j.kind.as_deref().unwrap_or("training") {
            "training" => {
                let iteration_s = pos(&key("iteration_s"), j.iteration_s.unwrap_or(f64::NAN), "period (s)")?;
                let checkpoint_every_s = dur_s(&j.checkpoint_every, &key("checkpoint_every"))?;
                let checkpoint_s = range(&key("checkpoint_s"), j.checkpoint_s.unwrap_or(f64::NAN), 0.0, 1e6, "a duration (s)")?;
                if checkpoint_every_s > 0.0 && checkpoint_s >= checkpoint_every_s {
                    return Err((key("checkpoint_s"), "expected shorter than checkpoint_every".into()));
                }
                JobKind::Training {
                    iteration_s,
                    compute_frac: f("compute_frac", j.compute_frac)?,
                    compute_util: f("compute_utilization_frac", j.compute_utilization_frac)?,
                    comm_util: f("comm_utilization_frac", j.comm_utilization_frac)?,
                    checkpoint_every_s,
                    checkpoint_s,
                    checkpoint_util: f("checkpoint_utilization_frac", j.checkpoint_utilization_frac)?,
                    mtbf_s: dur_s(&j.mtbf, &key("mtbf"))?,
                    restart_s: range(&key("restart_s"), j.restart_s.unwrap_or(f64::NAN), 0.0, 1e7, "a duration (s)")?,
                    phase_jitter_s: range(
                        &key("phase_jitter_s"),
                        j.phase_jitter_s.unwrap_or(f64::NAN),
                        0.0,
                        iteration_s,
                        "a time (s) no longer than iteration_s",
                    )?,
                }
            }
            "inference" => JobKind::Inference {
                mean_util: f("mean_utilization_frac", j.mean_utilization_frac)?,
                diurnal_amplitude: f("diurnal_amplitude_frac", j.diurnal_amplitude_frac)?,
                peak_hour_utc: range(&key("peak_hour_utc"), j.peak_hour_utc.unwrap_or(f64::NAN), 0.0, 24.0, "an hour")?,
                noise: range(&key("noise_frac"), j.noise_frac.unwrap_or(f64::NAN), 0.0, 0.5, "a fraction")?,
            },
            "constant" => JobKind::Constant { util: f("utilization_frac", j.utilization_frac)? },
            "trace" => {
                let file = j.file.clone().unwrap_or_default();
                let path = base_dir.join(&file);
                let data = read_trace_job(&path, j, duration_s, &mut warnings).map_err(|(k, m)| (key(&k), m))?;
                JobKind::Trace { data: std::sync::Arc::new(data) }
            }
            _ => unreachable!("checked in fill_defaults"),
        };
        jobs.push(Job { name, gpus, start_s, kind });
    }

    let co = &raw.cooling;
    let coolant = co.coolant.clone().unwrap_or_default();
    let (_, density_kg_m3, cp_j_kg_k, _) = *COOLANTS.iter().find(|c| c.0 == coolant).expect("checked");
    let tcs = range("cooling.tcs_supply_setpoint_c", co.tcs_supply_setpoint_c.unwrap_or(f64::NAN), 5.0, 70.0, "a temperature (°C)")?;
    let fws = range("cooling.fws_supply_setpoint_c", co.fws_supply_setpoint_c.unwrap_or(f64::NAN), 2.0, 70.0, "a temperature (°C)")?;
    if fws >= tcs {
        return Err((
            "cooling.fws_supply_setpoint_c".into(),
            format!("expected below cooling.tcs_supply_setpoint_c ({tcs} °C), found {fws} °C: the CDU needs a positive approach"),
        ));
    }
    let cdus = co.cdus.unwrap_or(0);
    if cdus == 0 || cdus > racks {
        return Err(("cooling.cdus".into(), format!("expected 1 to {racks} CDUs (one serves a contiguous block of racks), found {cdus}")));
    }
    let hr = co.heat_rejection.clone().unwrap_or_default();
    let rejection = Rejection {
        kind: hr.kind.clone().unwrap_or_else(|| "dry_coolers".into()),
        units: hr.units.unwrap_or(0),
        ua_per_unit_w_k: hr.ua_per_unit_kw_per_k.unwrap_or(0.0) * 1e3,
        rated_fan_power_w: hr.rated_fan_power_kw.unwrap_or(0.0) * 1e3,
        rated_air_flow_kg_s: hr.rated_air_flow_kg_s.unwrap_or(0.0),
        ua_air_exponent: range("cooling.heat_rejection.ua_air_exponent", hr.ua_air_exponent.unwrap_or(0.7), 0.0, 2.0, "an exponent")?,
        min_fan_speed_frac: range("cooling.heat_rejection.min_fan_speed_frac", hr.min_fan_speed_frac.unwrap_or(0.1), 0.0, 1.0, "a fraction")?,
        design_ambient_c: hr.design_ambient_c.unwrap_or(25.0),
        design_approach_k: hr.design_approach_k.unwrap_or(10.0),
    };
    range("cooling.heat_rejection.design_ambient_c", rejection.design_ambient_c, -50.0, 60.0, "a temperature (°C)")?;
    range("cooling.heat_rejection.design_approach_k", rejection.design_approach_k, 1.0, 40.0, "a temperature difference (K)")?;
    let chiller = co.chiller.as_ref().map(|ch| ChillerSpec {
        capacity_w: ch.capacity_mw.unwrap_or(0.0) * 1e6,
        eta_ii_frac: ch.eta_ii_frac.unwrap_or(0.5),
        evaporator_approach_k: ch.evaporator_approach_k.unwrap_or(3.0),
        condenser_approach_k: ch.condenser_approach_k.unwrap_or(10.0),
    });
    let heat_reuse = co.heat_reuse.as_ref().map(|h| HeatReuseSpec {
        capacity_w: h.capacity_mw.unwrap_or(0.0) * 1e6,
        dh_supply_c: h.dh_supply_c.unwrap_or(60.0),
        dh_return_c: h.dh_return_c.unwrap_or(35.0),
        hx_approach_k: h.hx_approach_k.unwrap_or(5.0),
        hp_eta_frac: h.hp_eta_frac.unwrap_or(0.5),
    });
    if let Some(ch) = &chiller {
        range("cooling.chiller.capacity_mw", ch.capacity_w / 1e6, 0.0, 1e5, "a power (MW)")?;
        range("cooling.chiller.eta_ii_frac", ch.eta_ii_frac, 0.05, 1.0, "a fraction of the reversed-Carnot COP")?;
        range("cooling.chiller.evaporator_approach_k", ch.evaporator_approach_k, 0.0, 30.0, "a temperature difference (K)")?;
        range("cooling.chiller.condenser_approach_k", ch.condenser_approach_k, 0.0, 40.0, "a temperature difference (K)")?;
    }
    if let Some(h) = &heat_reuse {
        range("cooling.heat_reuse.capacity_mw", h.capacity_w / 1e6, 0.0, 1e5, "a power (MW)")?;
        range("cooling.heat_reuse.dh_supply_c", h.dh_supply_c, 20.0, 150.0, "a temperature (°C)")?;
        range("cooling.heat_reuse.dh_return_c", h.dh_return_c, 5.0, 140.0, "a temperature (°C)")?;
        if h.dh_return_c >= h.dh_supply_c {
            return Err((
                "cooling.heat_reuse.dh_return_c".into(),
                format!("expected below dh_supply_c ({} °C), found {}", h.dh_supply_c, h.dh_return_c),
            ));
        }
        range("cooling.heat_reuse.hx_approach_k", h.hx_approach_k, 0.0, 30.0, "a temperature difference (K)")?;
        range("cooling.heat_reuse.hp_eta_frac", h.hp_eta_frac, 0.05, 1.0, "a fraction of the Carnot COP")?;
    }
    let cooling = Cooling {
        coolant,
        density_kg_m3,
        cp_j_kg_k,
        liquid_capture_frac: range("cooling.liquid_capture_frac", co.liquid_capture_frac.unwrap_or(f64::NAN), 0.0, 1.0, "a fraction")?,
        tcs_supply_setpoint_c: tcs,
        fws_supply_setpoint_c: fws,
        cdus,
        flow_lpm_per_kw: range("cooling.flow_lpm_per_kw", co.flow_lpm_per_kw.unwrap_or(f64::NAN), 0.2, 10.0, "a flow (L/min per kW)")?,
        tcs_volume_m3: pos("cooling.tcs_volume_m3", co.tcs_volume_m3.unwrap_or(f64::NAN), "volume (m³)")?,
        cdu_approach_k: range("cooling.cdu_approach_k", co.cdu_approach_k.unwrap_or(f64::NAN), 0.5, 20.0, "a temperature difference (K)")?,
        cdu_control_tau_s: range("cooling.cdu_control_tau_s", co.cdu_control_tau_s.unwrap_or(f64::NAN), 1.0, 3600.0, "a time constant (s)")?,
        tcs_pump_head_pa: range("cooling.tcs_pump_head_kpa", co.tcs_pump_head_kpa.unwrap_or(f64::NAN), 0.0, 2000.0, "a pressure (kPa)")? * 1e3,
        pump_efficiency_frac: range("cooling.pump_efficiency_frac", co.pump_efficiency_frac.unwrap_or(f64::NAN), 0.1, 1.0, "a fraction")?,
        fws_volume_m3: pos("cooling.fws_volume_m3", co.fws_volume_m3.unwrap_or(f64::NAN), "volume (m³)")?,
        fws_design_dt_k: range("cooling.fws_design_dt_k", co.fws_design_dt_k.unwrap_or(f64::NAN), 1.0, 40.0, "a temperature difference (K)")?,
        fws_pump_head_pa: range("cooling.fws_pump_head_kpa", co.fws_pump_head_kpa.unwrap_or(f64::NAN), 0.0, 2000.0, "a pressure (kPa)")? * 1e3,
        fws_min_flow_frac: range("cooling.fws_min_flow_frac", co.fws_min_flow_frac.unwrap_or(f64::NAN), 0.0, 1.0, "a fraction")?,
        air_side_fan_w_per_w: range("cooling.air_side_fan_w_per_w", co.air_side_fan_w_per_w.unwrap_or(f64::NAN), 0.0, 0.5, "a ratio (W/W)")?,
        rejection,
        chiller,
        heat_reuse,
    };

    let p = &raw.power;
    let power = PowerChain {
        psu_efficiency_frac: range("power.psu_efficiency_frac", p.psu_efficiency_frac.unwrap_or(0.96), 0.5, 1.0, "a fraction")?,
        psu_rated_w: 0.0,
        distribution_efficiency_frac: range(
            "power.distribution_efficiency_frac",
            p.distribution_efficiency_frac.unwrap_or(0.975),
            0.5,
            1.0,
            "a fraction",
        )?,
        mechanical_efficiency_frac: range("power.mechanical_efficiency_frac", p.mechanical_efficiency_frac.unwrap_or(0.99), 0.5, 1.0, "a fraction")?,
        facility_base_w: range("power.facility_base_kw", p.facility_base_kw.unwrap_or(800.0), 0.0, 1e7, "a power (kW)")? * 1e3,
    };

    let mut events = Vec::new();
    for (i, e) in raw.events.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        let at_s = match &e.at {
            Some(d) => d.seconds().map_err(|m| (key("at"), m))?,
            None => return Err((key("at"), "missing: expected the event's start time, e.g. \"6h\"".into())),
        };
        let duration_s = match &e.duration {
            Some(d) => d.seconds().map_err(|m| (key("duration"), m))?,
            None => f64::INFINITY,
        };
        let kind_name = e.kind.clone().unwrap_or_default();
        let need = |k: &str, present: bool| -> R<()> {
            if present {
                Ok(())
            } else {
                Err((key(k), format!("missing: a `{kind_name}` event needs `{k}`")))
            }
        };
        let kind = match kind_name.as_str() {
            "cdu_pump_failure" => {
                need("target", e.target.is_some())?;
                let cdu = e.target.unwrap_or(0);
                if cdu >= cdus {
                    return Err((key("target"), format!("expected a CDU index 0 to {}, found {cdu}", cdus - 1)));
                }
                EventKind::CduPumpFailure { cdu }
            }
            "dry_cooler_outage" => {
                need("units", e.units.is_some())?;
                EventKind::DryCoolerOutage { units: e.units.unwrap_or(0) }
            }
            "hydro_outage" => {
                need("fraction", e.fraction.is_some())?;
                EventKind::HydroOutage { fraction: range(&key("fraction"), e.fraction.unwrap_or(0.0), 0.0, 1.0, "a fraction")? }
            }
            "job_failure" => {
                need("job", e.job.is_some())?;
                let name = e.job.clone().unwrap_or_default();
                let Some(idx) = jobs.iter().position(|j: &Job| j.name == name) else {
                    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
                    let hint = crate::error::nearest(&name, &names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                    return Err((key("job"), format!("no job named \"{name}\"{hint}; jobs are {}", names.join(", "))));
                };
                EventKind::JobFailure { job: idx }
            }
            "heat_wave" => {
                need("offset_k", e.offset_k.is_some())?;
                EventKind::HeatWave { offset_k: range(&key("offset_k"), e.offset_k.unwrap_or(0.0), -40.0, 40.0, "an offset (K)")? }
            }
            "power_cap" => {
                need("cap_mw", e.cap_mw.is_some())?;
                EventKind::PowerCap { cap_w: range(&key("cap_mw"), e.cap_mw.unwrap_or(0.0), 0.0, 1e5, "a power (MW)")? * 1e6 }
            }
            other => {
                let hint = crate::error::nearest(other, EVENT_KINDS).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                return Err((key("kind"), format!("unknown event kind \"{other}\"{hint}; expected one of {}", EVENT_KINDS.join(", "))));
            }
        };
        events.push(Event { at_s, duration_s, kind });
    }

    let mut sc = Scenario {
        name: s.name.clone().unwrap_or_default(),
        start_unix_s,
        duration_s,
        step_s,
        record_every_s,
        seed: s.seed.unwrap_or(1),
        latitude_deg,
        longitude_deg,
        weather,
        heat_wave_k,
        gpu_name: c.gpu.clone().unwrap_or_default(),
        racks,
        gpus_per_rack,
        rack_overhead_w,
        power_variation_frac,
        gpu,
        jobs,
        cooling,
        power,
        supply: match &raw.supply {
            Some(block) => {
                check_supply(block)?;
                let (carbon_series, price_series, wind_profile, solar_profile) = read_supply_series(block, start_unix_s, duration_s, &mut warnings)?;
                Some(SupplySpec { block: block.clone(), carbon_series, price_series, wind_profile, solar_profile })
            }
            None => None,
        },
        events,
        utilization_exponent: range("gpu.utilization_exponent", raw.gpu.utilization_exponent.unwrap_or(1.0), 0.1, 10.0, "an exponent")?,
        warnings,
        filled: raw.clone(),
    };
    let rated = raw.power.psu_rated_kw.map(|kw| kw * 1e3).unwrap_or_else(|| 2.0 * sc.rack_design_w());
    sc.power.psu_rated_w = pos("power.psu_rated_kw", rated, "power (kW)")?;
    Ok(sc)
}

/// Reads a trace job's telemetry file (any format of [`crate::telemetry::readers`]) and
/// chooses its signal. Errors are (key within the job, message naming the side file and line).
fn read_trace_job(
    path: &std::path::Path,
    j: &crate::scenario::raw::JobBlock,
    duration_s: f64,
    warnings: &mut Vec<String>,
) -> Result<crate::telemetry::replay::TraceData, (String, String)> {
    use crate::telemetry::readers::{self, Format};
    use crate::telemetry::replay::{Signal, Tile, TraceData};
    let format = Format::parse(j.format.as_deref().unwrap_or("auto")).unwrap_or(Format::Auto);
    let every = pos("sample_every", dur_s(&j.sample_every, "sample_every").unwrap_or(1.0), "sampling interval")
        .map_err(|(_, m)| ("sample_every".to_string(), m))?;
    let t = readers::read(path, format, every).map_err(|e| ("file".to_string(), e.to_string()))?;
    let signal = match j.signal.as_deref().unwrap_or("auto") {
        "power" if !t.has_power() => {
            return Err(("signal".into(), format!("{}: signal = \"power\" but the file has no power values", t.path)));
        }
        "utilization" if !t.has_util() => {
            return Err(("signal".into(), format!("{}: signal = \"utilization\" but the file has no utilisation values", t.path)));
        }
        "power" => Signal::Power,
        "utilization" => Signal::Utilization,
        _ if t.has_power() => Signal::Power,
        _ if t.has_util() => Signal::Utilization,
        _ => return Err(("file".into(), format!("{}: no power or utilisation values", t.path))),
    };
    let tile = if j.tile.as_deref() == Some("shifted") { Tile::Shifted } else { Tile::Aligned };
    let data = TraceData::new(&t, signal, tile).ok_or_else(|| ("file".to_string(), format!("{}: no usable samples", t.path)))?;
    let (first, last) = data.span_s();
    let name = j.name.clone().unwrap_or_default();
    if tile == Tile::Aligned && first >= duration_s {
        warnings.push(format!("job `{name}`: trace {} starts at {first} s, after the run ends: its GPUs idle throughout", t.path));
    } else if tile == Tile::Aligned && first > 0.0 {
        warnings.push(format!("job `{name}`: trace {} starts at {first} s, after the run's start: its GPUs idle until then", t.path));
    }
    if tile == Tile::Aligned && last < duration_s && last > first {
        warnings.push(format!("job `{name}`: trace {} ends at {last} s, before the run ends ({duration_s} s): its last values hold", t.path));
    }
    if signal == Signal::Power && tile == Tile::Shifted && data.gpus.iter().any(|g| g.period() <= 0.0) {
        return Err(("tile".into(), format!("{}: tile = \"shifted\" loops the trace and needs at least two samples per GPU", t.path)));
    }
    Ok(data)
}

/// (carbon, price, wind profile, solar profile).
type SupplySeries = (Option<HourlySeries>, Option<HourlySeries>, Option<Profile>, Option<Profile>);

/// Grid series and wind/solar profiles of `[supply]`, read with the shared side-file reader.
fn read_supply_series(b: &SupplyBlock, start_unix_s: f64, duration_s: f64, warnings: &mut Vec<String>) -> R<SupplySeries> {
    use crate::telemetry::series::{read_series, Align, SeriesSpec};
    let gr = b.grid.clone().unwrap_or_default();
    let align = Align::parse(gr.align.as_deref().unwrap_or("calendar")).unwrap_or(Align::Calendar);
    let mut read =
        |file: &Option<String>, file_key: &str, column: Option<&str>, time_column: Option<&str>, align: Align| -> R<Option<HourlySeries>> {
            let Some(f) = file else { return Ok(None) };
            let table = crate::telemetry::csvfile::read(std::path::Path::new(f)).map_err(|e| (file_key.to_string(), e.to_string()))?;
            let spec = SeriesSpec { value_column: column, time_column, align, start_unix_s, duration_s };
            let out = read_series(&table, &spec).map_err(|e| (file_key.to_string(), e.to_string()))?;
            warnings.extend(out.warnings.into_iter().map(|w| format!("{file_key}: {w}")));
            Ok(Some(out.series))
        };
    let tcol = gr.time_column.as_deref();
    let carbon = read(&gr.carbon_file, "supply.grid.carbon_file", gr.carbon_column.as_deref(), tcol, align)?;
    let price = read(&gr.price_file, "supply.grid.price_file", gr.price_column.as_deref(), tcol, align)?;
    let w = b.wind.clone().unwrap_or_default();
    let wind = read(&w.profile_file, "supply.wind.profile_file", w.profile_column.as_deref(), None, align)?
        .map(|s| Profile { series: s, mw: w.profile_unit.as_deref() == Some("mw") });
    let so = b.solar.clone().unwrap_or_default();
    let solar = read(&so.profile_file, "supply.solar.profile_file", so.profile_column.as_deref(), None, align)?
        .map(|s| Profile { series: s, mw: so.profile_unit.as_deref() == Some("mw") });
    Ok((carbon, price, wind, solar))
}
