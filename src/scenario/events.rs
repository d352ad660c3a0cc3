//! Parameters of `[[events]]` (SPEC §5): each event's kind, its time window and the keys its
//! kind needs, checked against the rest of the scenario (CDU indices, job names).

use super::check::{hint, ranges, Diagnostics, Range};
use super::raw::EventBlock;
use crate::model::workload::params::Job;

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
    /// A rack's valve stuck at a position.
    ValveStuck {
        /// Rack index.
        rack: u32,
        /// Valve position (0 shut, 1 open).
        position_frac: f64,
    },
    /// A duty pump trips; a standby pump starts after a delay.
    PumpTrip {
        /// CDU index, or `None` for the facility-water loop.
        cdu: Option<u32>,
        /// Delay before the standby pump runs (s).
        standby_start_s: f64,
    },
    /// A rack branch's hydraulic resistance rises linearly over the event to a factor and
    /// stays (fouling does not clear itself).
    Fouling {
        /// Rack index.
        rack: u32,
        /// Resistance multiplier reached at the end of the event.
        resistance_factor: f64,
    },
}

/// Event kind names.
pub const EVENT_KINDS: &[&str] =
    &["cdu_pump_failure", "dry_cooler_outage", "hydro_outage", "job_failure", "heat_wave", "power_cap", "valve_stuck", "pump_trip", "fouling"];

ranges! {
    /// Ranges of an event.
    RANGES;
    const TARGET: Range = Range { key: "events[].target", lo: 0.0, hi: 5e7, what: "a CDU index", why: "0 to cooling.cdus − 1" };
    const UNITS: Range = Range { key: "events[].units", lo: 0.0, hi: 1e6, what: "a number of units", why: "dry coolers switched off" };
    const FRACTION: Range = Range { key: "events[].fraction", lo: 0.0, hi: 1.0, what: "a fraction", why: "of hydro capacity lost" };
    const OFFSET_K: Range = Range { key: "events[].offset_k", lo: -40.0, hi: 40.0, what: "an offset (K)", why: "added to the ambient air temperature" };
    const CAP_MW: Range = Range { key: "events[].cap_mw", lo: 0.0, hi: 1e5, what: "a power (MW)", why: "a site cap; 100 GW is far above any site" };
}

/// Checks the events against `racks` racks, `cdus` CDUs and the resolved `jobs`.
pub fn resolve(raw: &[EventBlock], racks: u32, cdus: u32, jobs: &[Job], d: &mut Diagnostics) -> Vec<Event> {
    let mut events = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        let at_s = match &e.at {
            Some(_) => d.dur(&key("at"), &e.at),
            None => {
                d.error(key("at"), "missing: expected the event's start time, e.g. \"6h\"");
                0.0
            }
        };
        let duration_s = match &e.duration {
            Some(_) => d.dur(&key("duration"), &e.duration),
            None => f64::INFINITY,
        };
        let kind_name = e.kind.clone().unwrap_or_default();
        let need = |d: &mut Diagnostics, k: &str, present: bool| {
            if !present {
                d.error(key(k), format!("missing: a `{kind_name}` event needs `{k}`"));
            }
        };
        let kind = match kind_name.as_str() {
            "cdu_pump_failure" => {
                need(d, "target", e.target.is_some());
                let cdu = match (&e.target, crate::model::hydraulics::params::index_target(&key("target"), e.target.as_ref(), cdus, "CDU")) {
                    (None, _) => 0,
                    (Some(_), Ok(c)) => c,
                    (Some(_), Err((k, m))) => {
                        d.error(k, m);
                        0
                    }
                };
                EventKind::CduPumpFailure { cdu }
            }
            "dry_cooler_outage" => {
                need(d, "units", e.units.is_some());
                EventKind::DryCoolerOutage { units: d.whole_at(&key("units"), &UNITS, Some(e.units.unwrap_or(0))) }
            }
            "hydro_outage" => {
                need(d, "fraction", e.fraction.is_some());
                EventKind::HydroOutage { fraction: d.num_at(&key("fraction"), &FRACTION, Some(e.fraction.unwrap_or(0.0))) }
            }
            "job_failure" => {
                need(d, "job", e.job.is_some());
                let name = e.job.clone().unwrap_or_default();
                match jobs.iter().position(|j| j.name == name) {
                    Some(idx) => EventKind::JobFailure { job: idx },
                    None => {
                        if e.job.is_some() {
                            let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
                            let hint = hint(&name, &names);
                            d.error(key("job"), format!("no job named \"{name}\"{hint}; jobs are {}", names.join(", ")));
                        }
                        EventKind::JobFailure { job: 0 }
                    }
                }
            }
            "heat_wave" => {
                need(d, "offset_k", e.offset_k.is_some());
                EventKind::HeatWave { offset_k: d.num_at(&key("offset_k"), &OFFSET_K, Some(e.offset_k.unwrap_or(0.0))) }
            }
            "power_cap" => {
                need(d, "cap_mw", e.cap_mw.is_some());
                EventKind::PowerCap { cap_w: d.num_at(&key("cap_mw"), &CAP_MW, Some(e.cap_mw.unwrap_or(0.0))) * 1e6 }
            }
            "valve_stuck" | "pump_trip" | "fouling" => match crate::model::hydraulics::params::event(&kind_name, e, racks, cdus, &key) {
                Ok(k) => k,
                Err((k, m)) => {
                    d.error(k, m);
                    EventKind::HeatWave { offset_k: 0.0 }
                }
            },
            other => {
                let hint = hint(other, EVENT_KINDS);
                d.error(key("kind"), format!("unknown event kind \"{other}\"{hint}; expected one of {}", EVENT_KINDS.join(", ")));
                EventKind::HeatWave { offset_k: 0.0 }
            }
        };
        events.push(Event { at_s, duration_s, kind });
    }
    events
}
