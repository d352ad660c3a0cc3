//! Parameters of `[cluster]` and `[gpu]`: defaults from the GPU preset
//! ([`crate::scenario::presets`]), the physical range of every key, and the cross-checks
//! (idle below TDP, throttle below shutdown, restart below shutdown).

use crate::scenario::check::{fill_from, ranges, Diagnostics, KeyError, Range};
use crate::scenario::presets::{gpu_names, gpu_preset};
use crate::scenario::raw::{ClusterBlock, GpuBlock};

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

/// The rack topology of `[cluster]` (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterParams {
    /// GPU preset name.
    pub gpu_name: String,
    /// Racks.
    pub racks: u32,
    /// GPUs per rack.
    pub gpus_per_rack: u32,
    /// Non-GPU IT power per rack (W).
    pub rack_overhead_w: f64,
    /// Std-dev of the per-GPU power factor.
    pub power_variation_frac: f64,
}

/// Most GPUs one machine simulates: ~48 bytes of state per GPU plus per-rack tables.
pub const MAX_GPUS: u64 = 50_000_000;

ranges! {
    /// Ranges of `[cluster]`.
    CLUSTER_RANGES;
    const RACKS: Range = Range { key: "cluster.racks", lo: 1.0, hi: 5e7, what: "a number of racks", why: "at most 50,000,000 GPUs in all" };
    const GPUS_PER_RACK: Range =
        Range { key: "cluster.gpus_per_rack", lo: 1.0, hi: 1024.0, what: "GPUs per rack", why: "NVL72 holds 72; 1,024 leaves room for denser designs" };
    const RACK_OVERHEAD_KW: Range = Range {
        key: "cluster.rack_overhead_kw",
        lo: 0.0,
        hi: 10_000.0,
        what: "a power per rack (kW)",
        why: "CPUs, NICs, switches: 12-22 kW in an NVL72 rack",
    };
    const POWER_VARIATION_FRAC: Range = Range {
        key: "cluster.power_variation_frac",
        lo: 0.0,
        hi: 0.3,
        what: "a standard deviation (fraction)",
        why: "manufacturing spread of a few % (REFERENCE §2.4); 0.3 keeps every GPU's factor positive",
    };
}

ranges! {
    /// Ranges of `[gpu]`.
    RANGES;
    const TDP_W: Range =
        Range { key: "gpu.tdp_w", lo: 1.0, hi: 5000.0, what: "a board power (W)", why: "one GPU; the largest today draw ~1.4 kW (GB300)" };
    const IDLE_W: Range = Range { key: "gpu.idle_w", lo: 0.0, hi: 5000.0, what: "an idle power (W)", why: "no larger than gpu.tdp_w" };
    const LEAKAGE_FRAC: Range =
        Range { key: "gpu.leakage_frac", lo: 0.0, hi: 0.9, what: "a fraction", why: "leakage share of power at leakage_ref_c (~0.1-0.3)" };
    const LEAKAGE_PER_K: Range =
        Range { key: "gpu.leakage_per_k", lo: 0.0, hi: 0.2, what: "a rate (1/K)", why: "leakage doubles every 10-30 K (0.02-0.07 /K)" };
    const LEAKAGE_REF_C: Range =
        Range { key: "gpu.leakage_ref_c", lo: -20.0, hi: 150.0, what: "a temperature (°C)", why: "a junction temperature of the power figures" };
    const R_TH: Range = Range {
        key: "gpu.r_th_k_per_w",
        lo: 0.001,
        hi: 0.5,
        what: "a thermal resistance (K/W)",
        why: "junction to coolant; cold plates give 0.02-0.05 K/W, air heat sinks ~0.1",
    };
    const C_TH: Range = Range {
        key: "gpu.c_th_j_per_k",
        lo: 1.0,
        hi: 100_000.0,
        what: "a heat capacity (J/K)",
        why: "die, package and cold plate: ~100 J/K, a time constant R·C of seconds",
    };
    const THROTTLE_C: Range = Range { key: "gpu.throttle_c", lo: 0.0, hi: 200.0, what: "a temperature (°C)", why: "silicon throttles at 80-100 °C" };
    const HYSTERESIS_K: Range =
        Range { key: "gpu.throttle_hysteresis_k", lo: 0.0, hi: 30.0, what: "a temperature difference (K)", why: "a few kelvin stop chatter" };
    const MIN_CLOCK: Range =
        Range { key: "gpu.min_clock_frac", lo: 0.05, hi: 1.0, what: "a fraction", why: "the lowest clock; above 0 so a throttled GPU still runs" };
    const SHUTDOWN_C: Range = Range { key: "gpu.shutdown_c", lo: 0.0, hi: 250.0, what: "a temperature (°C)", why: "above gpu.throttle_c" };
    const RESTART_C: Range = Range { key: "gpu.restart_c", lo: -20.0, hi: 250.0, what: "a temperature (°C)", why: "below gpu.shutdown_c" };
    const FLOOR: Range = Range { key: "gpu.power_floor_frac", lo: 0.0, hi: 1.0, what: "a fraction of TDP", why: "power smoothing floor; 0 = off" };
    const RAMP_UP: Range = Range { key: "gpu.ramp_up_w_per_s", lo: 0.0, hi: 1e9, what: "a ramp (W/s)", why: "power smoothing; 0 = unlimited" };
    const RAMP_DOWN: Range = Range { key: "gpu.ramp_down_w_per_s", lo: 0.0, hi: 1e9, what: "a ramp (W/s)", why: "power smoothing; 0 = unlimited" };
}
macro_rules! get {
    ($opt:expr, $default:expr) => {
        crate::scenario::check::dflt(&mut $opt, $default)
    };
}

/// Fills `[cluster]` and `[gpu]` from the preset named by `cluster.gpu` (default `gb300`).
pub fn fill_defaults(c: &mut ClusterBlock, g: &mut GpuBlock) -> Result<(), KeyError> {
    let gname = c.gpu.get_or_insert_with(|| "gb300".to_string()).clone();
    let preset = gpu_preset(&gname).ok_or_else(|| {
        let names = gpu_names();
        let hint = crate::scenario::check::hint(&gname, &names);
        ("cluster.gpu".to_string(), format!("unknown GPU preset \"{gname}\"{hint}; expected one of {}", names.join(", ")))
    })?;
    get!(c.racks, 1389);
    get!(c.gpus_per_rack, preset.gpus_per_rack);
    get!(c.rack_overhead_kw, preset.rack_overhead_kw);
    get!(c.power_variation_frac, 0.03);

    let p = &preset.gpu;
    fill_from!(g, p; tdp_w, idle_w, leakage_frac, leakage_per_k, leakage_ref_c, r_th_k_per_w, c_th_j_per_k, throttle_c);
    fill_from!(g, p; throttle_hysteresis_k, min_clock_frac, shutdown_c, power_floor_frac, ramp_up_w_per_s, ramp_down_w_per_s);
    // The preset's restart margin below a throttle temperature the file may have changed.
    get!(g.restart_c, g.throttle_c.unwrap_or(p.throttle_c) - (p.throttle_c - p.restart_c));
    Ok(())
}

impl ClusterParams {
    /// Checks a filled `[cluster]`.
    pub fn resolve(c: &ClusterBlock, d: &mut Diagnostics) -> Self {
        let racks = c.racks.unwrap_or(0);
        if racks == 0 {
            d.error("cluster.racks", "expected at least 1 rack");
        }
        let gpus_per_rack = c.gpus_per_rack.unwrap_or(0);
        if gpus_per_rack == 0 || gpus_per_rack > 1024 {
            d.error("cluster.gpus_per_rack", format!("expected 1 to 1024 GPUs per rack, found {gpus_per_rack}"));
        }
        let gpus_total = u64::from(racks) * u64::from(gpus_per_rack);
        if gpus_total > MAX_GPUS {
            d.error(
                "cluster.racks",
                format!(
                    "{gpus_total} GPUs would need ~{:.1} GB of state; at most {MAX_GPUS} GPUs are supported on one machine",
                    gpus_total as f64 * 48.0 / 1e9
                ),
            );
        }
        ClusterParams {
            gpu_name: c.gpu.clone().unwrap_or_default(),
            racks,
            gpus_per_rack,
            rack_overhead_w: d.num(&RACK_OVERHEAD_KW, c.rack_overhead_kw) * 1e3,
            power_variation_frac: d.num(&POWER_VARIATION_FRAC, c.power_variation_frac),
        }
    }
}

impl GpuParams {
    /// Checks a filled `[gpu]`: every range, then the cross-checks.
    pub fn resolve(g: &GpuBlock, d: &mut Diagnostics) -> Self {
        let tdp_w = d.num(&TDP_W, g.tdp_w);
        let p = GpuParams {
            tdp_w,
            idle_w: d.between("gpu.idle_w", g.idle_w.unwrap_or(f64::NAN), 0.0, tdp_w, "an idle power (W) no larger than gpu.tdp_w"),
            leakage_frac: d.num(&LEAKAGE_FRAC, g.leakage_frac),
            leakage_per_k: d.num(&LEAKAGE_PER_K, g.leakage_per_k),
            leakage_ref_c: d.num(&LEAKAGE_REF_C, g.leakage_ref_c),
            r_th_k_per_w: d.num(&R_TH, g.r_th_k_per_w),
            c_th_j_per_k: d.num(&C_TH, g.c_th_j_per_k),
            throttle_c: d.num(&THROTTLE_C, g.throttle_c),
            throttle_hysteresis_k: d.num(&HYSTERESIS_K, g.throttle_hysteresis_k),
            min_clock_frac: d.num(&MIN_CLOCK, g.min_clock_frac),
            shutdown_c: d.num(&SHUTDOWN_C, g.shutdown_c),
            restart_c: d.num(&RESTART_C, g.restart_c),
            power_floor_frac: d.num(&FLOOR, g.power_floor_frac),
            ramp_up_w_per_s: d.num(&RAMP_UP, g.ramp_up_w_per_s),
            ramp_down_w_per_s: d.num(&RAMP_DOWN, g.ramp_down_w_per_s),
        };
        if d.is_ok() {
            if p.shutdown_c <= p.throttle_c {
                d.error("gpu.shutdown_c", format!("expected above gpu.throttle_c ({}), found {}", p.throttle_c, p.shutdown_c));
            } else if p.restart_c >= p.shutdown_c {
                d.error("gpu.restart_c", format!("expected below gpu.shutdown_c ({}), found {}", p.shutdown_c, p.restart_c));
            }
        }
        p
    }
}
