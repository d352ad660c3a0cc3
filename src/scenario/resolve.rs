//! The resolved scenario: every default filled in, SI units, ranges and consistency checked.
//! The engine only ever sees this form.
//!
//! Each component owns its parameters (the way Modelica keeps a component's data record
//! beside its model): its parameter type, its defaults, the physical range of every key
//! with the reason for it, and its own cross-checks live in or beside its model module —
//! [`crate::model::gpu::params`] (`[cluster]`, `[gpu]`), [`crate::model::workload::params`]
//! (jobs), [`crate::model::plant::params`] (`[cooling]` and its blocks),
//! [`crate::model::electrical::params`] (`[power]`), [`crate::model::supply::params`]
//! (`[supply]`) and [`super::events`]. This module orchestrates them and checks what spans
//! components: the time frame, the site and its weather, placement of jobs on racks, CDUs per
//! rack, event targets.
//!
//! Resolution works in two passes on the serde mirror: [`fill_defaults`] writes every omitted
//! key into the mirror (so that `scenario.resolved.toml` is complete and re-running it
//! reproduces the run), then [`build`] checks ranges and converts to [`Scenario`].

use super::check::{dur_s, fmt_dur, hint, ranges, Diagnostics, Range};
use super::raw::*;
use crate::model::electrical::params as power_params;
use crate::model::gpu::params::{self as gpu_params, ClusterParams};
use crate::model::plant::params as cooling_params;
use crate::model::supply::grid::HourlySeries;
use crate::model::supply::params::Profile;
use crate::model::workload::params as job_params;
use crate::units::format_duration;

pub use super::check::KeyError;
pub use super::events::{Event, EventKind, EVENT_KINDS};
pub use crate::model::electrical::params::PowerChain;
pub use crate::model::gpu::params::GpuParams;
pub use crate::model::plant::params::{ChillerSpec, Cooling, HeatReuseSpec, Rejection, COOLANTS};
pub use crate::model::supply::params::SupplySpec;
pub use crate::model::workload::params::{Job, JobKind};
type R<T> = Result<T, KeyError>;

/// Where the weather comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum WeatherSpec {
    /// A built-in synthetic climate.
    Climate(String),
    /// An EPW file (absolute path).
    File(std::path::PathBuf),
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
    /// Where each side-file key was written (`scenario.toml:9` or `--set`), for the side
    /// files' own errors; see [`Scenario::side_file_error`].
    pub origins: Vec<(String, String)>,
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
    /// A bad-input error in a side file named by `key` (an EPW, a carbon or price series):
    /// names the side file and its line, and the scenario file and line that named it.
    pub fn side_file_error(&self, key: &str, side_file: &str, side_line: Option<usize>, message: &str) -> crate::FjordError {
        let origin = self.origins.iter().find(|(k, _)| k == key).map(|(_, o)| o.clone()).unwrap_or_else(|| "scenario".into());
        let (file, line) = match origin.rsplit_once(':') {
            Some((f, l)) if l.parse::<usize>().is_ok() => (f.to_string(), l.parse().ok()),
            _ => (origin.clone(), None),
        };
        let side = match side_line {
            Some(l) => format!("{side_file}:{l}"),
            None => side_file.to_string(),
        };
        crate::FjordError::bad(&file, line, key, format!("{side}: {message}"))
    }
    /// Design IT capacity (W).
    pub fn it_capacity_w(&self) -> f64 {
        self.rack_design_w() * f64::from(self.racks)
    }
}

ranges! {
    /// Ranges of `[scenario]` and `[site]`.
    RANGES;
    const SEED: Range = Range { key: "scenario.seed", lo: 0.0, hi: 1.8446744073709552e19, what: "a whole number", why: "any 64-bit seed" };
    const LATITUDE: Range = Range { key: "site.latitude_deg", lo: -90.0, hi: 90.0, what: "a latitude (°)", why: "north positive" };
    const LONGITUDE: Range = Range { key: "site.longitude_deg", lo: -180.0, hi: 180.0, what: "a longitude (°)", why: "east positive" };
    const HEAT_WAVE: Range =
        Range { key: "site.heat_wave_k", lo: -30.0, hi: 30.0, what: "an offset (K)", why: "added to the ambient air for the whole run" };
    /// `gpu.utilization_exponent`: γ of the calibrated curve.
    const UTIL_EXPONENT: Range = Range {
        key: "gpu.utilization_exponent",
        lo: 0.1,
        hi: 10.0,
        what: "an exponent",
        why: "shape of the utilisation→power curve; 1 = linear, `fjord calibrate` fits it",
    };
}

/// Longest run: ten years (weather and calendar span; SPEC's year runs fit with room).
pub const MAX_DURATION_S: f64 = 10.0 * 366.0 * 86_400.0;

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
    match s.start.as_mut() {
        Some(t) => t.canonicalise(),
        None => s.start = Some(Time::Text("2026-01-15T00:00:00Z".to_string())),
    }
    s.duration.get_or_insert_with(|| Dur::Text("24h".into()));
    s.step.get_or_insert_with(|| Dur::Text("1s".into()));
    s.record_every.get_or_insert_with(|| Dur::Text("10s".into()));
    s.seed.get_or_insert(1);
    // Canonical duration strings.
    for (d, key) in [(&mut s.duration, "scenario.duration"), (&mut s.step, "scenario.step"), (&mut s.record_every, "scenario.record_every")] {
        let secs = dur_s(d, key)?;
        if secs > MAX_DURATION_S {
            return Err((key.to_string(), format!("expected at most 10 years (3660d), found {}", fmt_dur(secs))));
        }
        *d = Some(Dur::Text(format_duration(secs)));
    }

    let site = &mut raw.site;
    // A weather file knows where it is: without site.latitude_deg/longitude_deg the sun is
    // placed at the EPW file's LOCATION (an unreadable file is reported when it is read).
    if let Some(f) = site.weather_file.as_deref() {
        if site.latitude_deg.is_none() || site.longitude_deg.is_none() {
            if let Ok(loc) = crate::model::epw::location(std::path::Path::new(f)) {
                site.latitude_deg.get_or_insert(loc.latitude_deg);
                site.longitude_deg.get_or_insert(loc.longitude_deg);
            }
        }
    }
    site.latitude_deg.get_or_insert(68.44);
    site.longitude_deg.get_or_insert(17.43);
    if site.weather_file.is_none() {
        site.climate.get_or_insert_with(|| "narvik".to_string());
    }
    site.heat_wave_k.get_or_insert(0.0);

    // Points in time given as dates (`at = 2026-07-15T06:00:00Z`) become offsets from the start.
    if let Ok(start) = crate::model::calendar::parse_utc(&raw.scenario.start.as_ref().map(Time::text).unwrap_or_default()) {
        for (i, j) in raw.workload.jobs.iter_mut().enumerate() {
            time_to_offset(&mut j.start, start, &format!("workload.jobs[{i}].start"))?;
        }
        for (i, e) in raw.events.iter_mut().enumerate() {
            time_to_offset(&mut e.at, start, &format!("events[{i}].at"))?;
        }
    }

    gpu_params::fill_defaults(&mut raw.cluster, &mut raw.gpu)?;
    raw.gpu.utilization_exponent.get_or_insert(1.0);
    let lon = raw.site.longitude_deg.unwrap_or(0.0);
    job_params::fill_defaults(&mut raw.workload.jobs, lon)?;
    let racks = raw.cluster.racks.unwrap_or(1);
    cooling_params::fill_defaults(&mut raw.cooling, racks)?;
    let gpr = f64::from(raw.cluster.gpus_per_rack.unwrap_or(1));
    let rack_kw = gpr * raw.gpu.tdp_w.unwrap_or(0.0) / 1e3 + raw.cluster.rack_overhead_kw.unwrap_or(0.0);
    power_params::fill_defaults(&mut raw.power, rack_kw, racks);
    if let Some(sup) = raw.supply.as_mut() {
        SupplySpec::fill_defaults(sup)?;
    }
    Ok(())
}

/// A time written as a date (`2026-07-15T06:00:00Z`, quoted or a TOML datetime; a local
/// date-time is UTC) where an offset from the start is taken: becomes that offset.
fn time_to_offset(d: &mut Option<Dur>, start_unix_s: f64, key: &str) -> R<()> {
    let Some(Dur::Text(t)) = d.as_ref() else { return Ok(()) };
    let b = t.trim().as_bytes();
    if !(b.len() >= 10 && b[4] == b'-' && b[7] == b'-') {
        return Ok(());
    }
    let at = crate::model::calendar::parse_utc(t).map_err(|m| (key.to_string(), format!("expected a duration or a time: {m}")))?;
    if at < start_unix_s {
        return Err((key.to_string(), format!("{} is before scenario.start", t.trim())));
    }
    *d = Some(Dur::from_s(at - start_unix_s));
    Ok(())
}

/// Checks a filled mirror and builds the [`Scenario`]. `base_dir` resolves relative paths.
/// Components are resolved in the order of the file; the first problem found is returned.
pub fn build(raw: &RawScenario, base_dir: &std::path::Path) -> R<Scenario> {
    let mut d = Diagnostics::new();
    let (start_unix_s, duration_s, step_s, record_every_s) = time_frame(&raw.scenario)?;
    let (latitude_deg, longitude_deg, weather, heat_wave_k) = site(&raw.site, base_dir, &mut d);
    d.result()?;

    let cluster = ClusterParams::resolve(&raw.cluster, &mut d);
    d.result()?;
    let gpu = GpuParams::resolve(&raw.gpu, &mut d);
    d.result()?;
    let utilization_exponent = d.num(&UTIL_EXPONENT, raw.gpu.utilization_exponent);
    d.result()?;
    let trace_warnings = std::cell::RefCell::new(Vec::new());
    let read = |j: &JobBlock| read_trace_job(base_dir, j, duration_s, &trace_warnings);
    let jobs = job_params::resolve(&raw.workload.jobs, cluster.racks, cluster.gpus_per_rack, &read, &mut d);
    d.result()?;
    let mut warnings = trace_warnings.into_inner();
    let cooling = Cooling::resolve(&raw.cooling, cluster.racks, &mut d);
    d.result()?;
    let (gpr, tdp_w, overhead_w) = (f64::from(cluster.gpus_per_rack), gpu.tdp_w, cluster.rack_overhead_w);
    let power = PowerChain::resolve(&raw.power, |psu_eff| (gpr * tdp_w + overhead_w) / psu_eff, &mut d);
    d.result()?;
    let events = super::events::resolve(&raw.events, cluster.racks, cooling.cdus, &jobs, &mut d);
    d.result()?;
    let supply = raw.supply.as_ref().map(|b| SupplySpec::resolve(b, &mut d));
    d.result()?;
    let supply = match supply {
        Some(mut sp) => {
            let (carbon, price, wind, solar) = read_supply_series(&sp.block, start_unix_s, duration_s, &mut warnings)?;
            sp.carbon_series = carbon;
            sp.price_series = price;
            sp.wind_profile = wind;
            sp.solar_profile = solar;
            Some(sp)
        }
        None => None,
    };

    let s = &raw.scenario;
    Ok(Scenario {
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
        gpu_name: cluster.gpu_name,
        racks: cluster.racks,
        gpus_per_rack: cluster.gpus_per_rack,
        rack_overhead_w: cluster.rack_overhead_w,
        power_variation_frac: cluster.power_variation_frac,
        gpu,
        jobs,
        cooling,
        power,
        supply,
        events,
        utilization_exponent,
        warnings,
        filled: raw.clone(),
        origins: Vec::new(),
    })
}

/// `[scenario]`: start (unix s), duration, step and recording window (s).
fn time_frame(s: &ScenarioBlock) -> R<(f64, f64, f64, f64)> {
    let start_text = s.start.as_ref().map(Time::text).unwrap_or_default();
    let start_unix_s = crate::model::calendar::parse_utc(&start_text)
        .map_err(|m| ("scenario.start".to_string(), format!("expected an RFC 3339 UTC time like \"2026-01-15T00:00:00Z\": {m}")))?;
    let pos = |key: &str, v: f64, what: &str| -> R<f64> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err((key.to_string(), format!("expected a positive {what}, found {}", fmt_dur(v))))
        }
    };
    let duration_s = pos("scenario.duration", dur_s(&s.duration, "scenario.duration")?, "duration")?;
    let step_s = pos("scenario.step", dur_s(&s.step, "scenario.step")?, "step")?;
    let record_every_s = pos("scenario.record_every", dur_s(&s.record_every, "scenario.record_every")?, "recording window")?;
    if step_s > 3600.0 {
        return Err(("scenario.step".into(), format!("expected a step of at most 1h, found {}", fmt_dur(step_s))));
    }
    if step_s < 0.001 {
        return Err(("scenario.step".into(), "expected a step of at least 1ms".into()));
    }
    let ratio = record_every_s / step_s;
    if ratio < 1.0 - 1e-9 || (ratio - ratio.round()).abs() > 1e-6 {
        return Err((
            "scenario.record_every".into(),
            format!("expected a whole multiple of scenario.step ({}), found {}", fmt_dur(step_s), fmt_dur(record_every_s)),
        ));
    }
    let steps_f = duration_s / step_s;
    if (steps_f - steps_f.round()).abs() > 1e-6 {
        return Err(("scenario.duration".into(), format!("expected a whole multiple of scenario.step ({})", fmt_dur(step_s))));
    }
    if steps_f > 1.0e9 {
        return Err(("scenario.duration".into(), format!("{steps_f:.3e} steps is more than the 1e9 supported; use a longer step")));
    }
    Ok((start_unix_s, duration_s, step_s, record_every_s))
}

/// `[site]`: position, weather source, heat-wave offset.
fn site(site: &SiteBlock, base_dir: &std::path::Path, d: &mut Diagnostics) -> (f64, f64, WeatherSpec, f64) {
    let latitude_deg = d.num(&LATITUDE, Some(site.latitude_deg.unwrap_or(0.0)));
    let longitude_deg = d.num(&LONGITUDE, Some(site.longitude_deg.unwrap_or(0.0)));
    let weather = match (&site.weather_file, &site.climate) {
        (Some(_), Some(_)) => {
            d.error("site.weather_file", "give either site.climate or site.weather_file, not both");
            WeatherSpec::Climate("narvik".into())
        }
        (Some(f), None) => WeatherSpec::File(base_dir.join(f)),
        (None, Some(c)) => {
            if crate::model::weather::Climate::from_name(c).is_none() {
                let names = crate::model::weather::Climate::NAMES;
                let hint = hint(c, names);
                d.error("site.climate", format!("unknown climate \"{c}\"{hint}; expected one of {}, or site.weather_file", names.join(", ")));
            }
            WeatherSpec::Climate(c.clone())
        }
        (None, None) => WeatherSpec::Climate("narvik".into()),
    };
    let heat_wave_k = d.num(&HEAT_WAVE, Some(site.heat_wave_k.unwrap_or(0.0)));
    (latitude_deg, longitude_deg, weather, heat_wave_k)
}

/// Reads a trace job's telemetry file (any format of [`crate::telemetry::readers`]) and
/// chooses its signal. Errors are (key within the job, message naming the side file and line).
fn read_trace_job(
    base_dir: &std::path::Path,
    j: &JobBlock,
    duration_s: f64,
    warnings: &std::cell::RefCell<Vec<String>>,
) -> Result<crate::telemetry::replay::TraceData, (String, String)> {
    use crate::telemetry::readers::{self, Format};
    use crate::telemetry::replay::{Signal, Tile, TraceData};
    let path = base_dir.join(j.file.as_deref().unwrap_or_default());
    let format = Format::parse(j.format.as_deref().unwrap_or("auto")).unwrap_or(Format::Auto);
    let every = dur_s(&j.sample_every, "sample_every").unwrap_or(1.0);
    if every.is_nan() || every <= 0.0 {
        return Err(("sample_every".into(), "expected a positive sampling interval".into()));
    }
    let t = readers::read(&path, format, every).map_err(|e| ("file".to_string(), e.to_string()))?;
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
    if signal == Signal::Utilization && data.gpus.iter().any(|g| g.v.iter().any(|u| !(0.0..=1.0).contains(u))) {
        return Err(("file".into(), format!("{}: utilisation outside [0, 1]", t.path)));
    }
    let (first, last) = data.span_s();
    let name = j.name.clone().unwrap_or_default();
    let mut w = warnings.borrow_mut();
    if tile == Tile::Aligned && first >= duration_s {
        w.push(format!("job `{name}`: trace {} starts at {first} s, after the run ends: its GPUs idle throughout", t.path));
    } else if tile == Tile::Aligned && first > 0.0 {
        w.push(format!("job `{name}`: trace {} starts at {first} s, after the run's start: its GPUs idle until then", t.path));
    }
    if tile == Tile::Aligned && last < duration_s && last > first {
        w.push(format!("job `{name}`: trace {} ends at {last} s, before the run ends ({duration_s} s): its last values hold", t.path));
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
