//! Built-in GPU presets (REFERENCE.md §2, §10). Every number carries its source and a
//! confidence tag: [S] sourced, [S2] secondary, [D] derived, [E] engineering estimate.

use crate::model::gpu::params::GpuParams;

/// One GPU preset. Units as in `[gpu]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuPreset {
    /// Preset name as written in `cluster.gpu`.
    pub name: &'static str,
    /// Long name.
    pub description: &'static str,
    /// The `[gpu]` table of this GPU: its board powers, leakage, thermal resistance and
    /// capacity, throttle and shutdown temperatures, and the generic control settings every
    /// preset shares (hysteresis 3 K, lowest clock 0.3, restart 15 K below the throttle
    /// temperature, no power smoothing).
    pub gpu: GpuParams,
    /// GPUs per rack of the usual system (NVL72: 72, HGX: 8 per node, 32 per rack).
    pub gpus_per_rack: u32,
    /// Non-GPU IT power per rack (kW): CPUs, NICs, switches, fans.
    pub rack_overhead_kw: f64,
    /// (quantity, source and tag) rows for `fjord presets`.
    pub sources: &'static [(&'static str, &'static str)],
}

const HOPPER_LIMITS: &str = "[S] nvidia-smi -q captures of H100 SXM (REFERENCE §2.4)";
const BLACKWELL_LIMITS: &str = "[E] assumed equal to Hopper; NVIDIA publishes margins only (REFERENCE §2.4)";
const LEAK: &str = "[E] 15 % at 60 °C, doubling every ~23 K (REFERENCE §2.7)";
const CTH: &str = "[E] package + lid + cold-plate base ~120-200 J/K, tau 2-5 s (REFERENCE §2.6)";

/// NVIDIA H100 SXM5: the Hopper preset the others start from.
const H100: GpuPreset = GpuPreset {
    name: "h100",
    description: "NVIDIA H100 SXM5 (HGX, 8 per node, 4 nodes per rack)",
    gpu: GpuParams {
        tdp_w: 700.0,
        idle_w: 70.0,
        leakage_frac: 0.15,
        leakage_per_k: 0.03,
        leakage_ref_c: 60.0,
        r_th_k_per_w: 0.05,
        c_th_j_per_k: 80.0,
        throttle_c: 87.0,
        throttle_hysteresis_k: 3.0,
        min_clock_frac: 0.3,
        shutdown_c: 92.0,
        restart_c: 87.0 - 15.0,
        power_floor_frac: 0.0,
        ramp_up_w_per_s: 0.0,
        ramp_down_w_per_s: 0.0,
    },
    gpus_per_rack: 32,
    rack_overhead_kw: 12.0,
    sources: &[
        ("tdp_w 700", "[S] NVIDIA H100 spec; nvidia-smi 200-700 W limits (REFERENCE §2.1)"),
        ("idle_w 70", "[S] nvidia-smi captures 67-92 W, ~10 % TDP (REFERENCE §2.2)"),
        ("r_th_k_per_w 0.05", "[E] bounded by 0.081 K/W from limits (REFERENCE §2.5)"),
        ("c_th_j_per_k 80", "[E] smaller plate than Blackwell; tau 4 s (REFERENCE §2.6)"),
        ("throttle_c 87 / shutdown_c 92", HOPPER_LIMITS),
        ("leakage 0.15 @ 60 °C, 0.03 /K", LEAK),
        ("rack 32 GPUs, overhead 12 kW", "[E] 4 x DGX H100 per rack; CPUs, NICs, fans ~3 kW/node (REFERENCE §2.1)"),
    ],
};

/// NVIDIA H200: the H100 die with more memory, so the H100 numbers.
const H200: GpuPreset = GpuPreset {
    name: "h200",
    description: "NVIDIA H200 SXM (HGX, 8 per node, 4 nodes per rack)",
    sources: &[
        ("tdp_w 700", "[S] spec pages, nvidia-smi 700 W cap (REFERENCE §2.1)"),
        ("idle_w 70", "[S] nvidia-smi captures 73-122 W; Hopper default 0.10 TDP (REFERENCE §2.2)"),
        ("r_th_k_per_w 0.05", "[E] as H100 (REFERENCE §2.5)"),
        ("c_th_j_per_k 80", "[E] (REFERENCE §2.6)"),
        ("throttle_c 87 / shutdown_c 92", "[E] as H100, same die (REFERENCE §2.4)"),
        ("leakage 0.15 @ 60 °C, 0.03 /K", LEAK),
        ("rack 32 GPUs, overhead 12 kW", "[E] as H100"),
    ],
    ..H100
};

/// NVIDIA B200: Blackwell numbers; leakage, rack size and temperature limits as Hopper.
const B200: GpuPreset = GpuPreset {
    name: "b200",
    description: "NVIDIA B200 (HGX B200, liquid-cooled, 8 per node, 4 nodes per rack)",
    gpu: GpuParams { tdp_w: 1000.0, idle_w: 140.0, r_th_k_per_w: 0.035, c_th_j_per_k: 120.0, ..H100.gpu },
    rack_overhead_kw: 14.0,
    sources: &[
        ("tdp_w 1000", "[S] DGX B200 docs, nvidia-smi 1000 W cap (REFERENCE §2.1)"),
        ("idle_w 140", "[S] nvidia-smi captures 136-195 W; Blackwell 0.14 TDP (REFERENCE §2.2)"),
        ("r_th_k_per_w 0.035", "[E] bounded by 0.045 K/W (REFERENCE §2.5)"),
        ("c_th_j_per_k 120", CTH),
        ("throttle_c 87 / shutdown_c 92", BLACKWELL_LIMITS),
        ("leakage 0.15 @ 60 °C, 0.03 /K", LEAK),
        ("rack 32 GPUs, overhead 14 kW", "[E] DGX B200 14.3 kW system incl. CPUs/NICs (REFERENCE §2.1)"),
    ],
    ..H100
};

/// NVIDIA GB200 NVL72: the B200 die in a 72-GPU rack.
const GB200: GpuPreset = GpuPreset {
    name: "gb200",
    description: "NVIDIA GB200 NVL72 (Blackwell GPU in a Grace Blackwell superchip)",
    gpu: GpuParams { tdp_w: 1200.0, idle_w: 170.0, ..B200.gpu },
    gpus_per_rack: 72,
    rack_overhead_kw: 20.0,
    sources: &[
        ("tdp_w 1200", "[S2] Meta arXiv 2605.24461 via supercomputing.news (REFERENCE §2.1)"),
        ("idle_w 170", "[E] ~0.14 TDP extrapolated from B200 captures (REFERENCE §2.2)"),
        ("r_th_k_per_w 0.035", "[E] (REFERENCE §2.5)"),
        ("c_th_j_per_k 120", CTH),
        ("throttle_c 87 / shutdown_c 92", BLACKWELL_LIMITS),
        ("leakage 0.15 @ 60 °C, 0.03 /K", LEAK),
        ("rack 72 GPUs, overhead 20 kW", "[S2]/[E] 36 Grace (~300 W each) + 9 NVLink switch trays ~3.6 kW + NICs; ~132 kW rack (REFERENCE §2.8)"),
    ],
};

/// NVIDIA GB300 NVL72: Blackwell Ultra in the GB200 rack.
const GB300: GpuPreset = GpuPreset {
    name: "gb300",
    description: "NVIDIA GB300 NVL72 (Blackwell Ultra)",
    gpu: GpuParams { tdp_w: 1400.0, idle_w: 196.0, r_th_k_per_w: 0.025, c_th_j_per_k: 150.0, ..GB200.gpu },
    rack_overhead_kw: 22.0,
    sources: &[
        ("tdp_w 1400", "[S2] introl.com GB300 note; Morgan Stanley via epium.com (REFERENCE §2.1)"),
        ("idle_w 196", "[E] 0.14 TDP extrapolated from B200 captures (REFERENCE §2.2)"),
        ("r_th_k_per_w 0.025", "[E] bounded by 0.029 K/W at W45 (REFERENCE §2.5)"),
        ("c_th_j_per_k 150", CTH),
        ("throttle_c 87 / shutdown_c 92", BLACKWELL_LIMITS),
        ("leakage 0.15 @ 60 °C, 0.03 /K", LEAK),
        ("rack 72 GPUs, overhead 22 kW", "[S2]/[E] ~142 kW rack at TDP (REFERENCE §2.8) less 72 x 1.4 kW GPUs and PSU loss"),
    ],
    ..GB200
};

/// All GPU presets.
pub const GPU_PRESETS: &[GpuPreset] = &[H100, H200, B200, GB200, GB300];

/// The preset called `name`.
pub fn gpu_preset(name: &str) -> Option<&'static GpuPreset> {
    GPU_PRESETS.iter().find(|p| p.name == name)
}

/// Preset names.
pub fn gpu_names() -> Vec<&'static str> {
    GPU_PRESETS.iter().map(|p| p.name).collect()
}
