//! Power replay: GPUs that draw a measured board power instead of the utilisation model.
//!
//! A separate small kernel beside [`super::gpu`] (whose code it does not touch), used for the
//! segments of a `kind = "trace"` job with `signal = "power"`.
//!
//! # Model (per GPU, per step Δt)
//! * target `P_m`: the measured board power of the GPU this one replays, as a step mean
//!   (see [`crate::telemetry::replay`]). It already contains leakage, the real GPU's own
//!   manufacturing spread and its firmware's clocking: none is added again (no `L(T)`, no
//!   `fᵢ`, no power floor or ramp limit).
//! * the site can still cut it: `P = on · min(P_m, P_end, cap)` where `P_end` is the power
//!   that ends the step exactly at `throttle_c` (the same bound as the utilisation kernel:
//!   `P_end = (T_thr − T_c − (T − T_c)·d)/(R·(1 − d))`, `d = e^(−Δt/RC)`) and `cap` the
//!   supply's per-GPU cap; neither goes below idle power. A GPU is counted as throttled when
//!   `P_end` binds. Shutdown above `shutdown_c` until it cools below `restart_c`, as in the
//!   utilisation kernel.
//! * junction: the same exact RC update `T' = T∞ + (T − T∞)·d`, `T∞ = T_c + P·R`.
//! * compute: a GPU delivers `P/P_m` of its demanded work (1 per running GPU).
//!
//! Sums are taken in GPU order in f64, so the result does not depend on thread count.

use super::gpu::{KernelParams, SegmentSlices, SegmentSums};

/// Where a segment's GPUs find their targets.
#[derive(Debug, Clone, Copy)]
pub struct ReplayInput<'a> {
    /// Step-mean targets (W), `slots × n` slot-major.
    pub targets_w: &'a [f32],
    /// Measured GPUs.
    pub n: usize,
    /// Index within the job of the segment's first GPU.
    pub first_gpu_in_job: usize,
    /// Coolant temperature at the cold plates (°C).
    pub coolant_c: f32,
    /// True when a GPU cap may bind.
    pub caps_active: bool,
}

/// Advances a segment of power-replay GPUs by one step.
pub fn step_segment(p: &KernelParams, inp: ReplayInput<'_>, st: SegmentSlices<'_>) -> SegmentSums {
    let slots = (inp.targets_w.len() / inp.n.max(1)).max(1);
    let mut out = SegmentSums { temp_max_c: f32::MIN, temp_min_c: f32::MAX, ..Default::default() };
    let tc = inp.coolant_c;
    for i in 0..st.temp.len() {
        let g = inp.first_gpu_in_job + i;
        let target = inp.targets_w[((g / inp.n) % slots) * inp.n + g % inp.n].max(0.0);
        let t = st.temp[i];
        let on_hold = if t < p.restart_c { 1.0 } else { st.online[i] };
        let on = if t > p.shutdown_c { 0.0 } else { on_hold };
        let p_end = (p.throttle_c - tc + (tc - t) * p.decay) * p.inv_r_one_minus_decay;
        let thermal = p_end.max(p.idle_w);
        let mut pw = target.min(thermal);
        let thr = if thermal < target { 1.0 } else { 0.0 };
        if inp.caps_active {
            pw = pw.min(st.cap[i].max(p.idle_w));
        }
        pw *= on;
        let tinf = tc + pw * p.r_k_per_w;
        let tn = tinf + (t - tinf) * p.decay;
        st.temp[i] = tn;
        st.throttled[i] = thr;
        st.online[i] = on;
        st.power[i] = pw;
        out.power_w += f64::from(pw);
        out.dtemp_k += f64::from(tn - t);
        out.temp_c += f64::from(tn);
        out.temp_max_c = out.temp_max_c.max(tn);
        out.temp_min_c = out.temp_min_c.min(tn);
        out.throttled += f64::from(thr * on);
        out.offline += f64::from(1.0 - on);
        out.compute += if target > 0.0 { f64::from(pw / target) } else { f64::from(on) };
        out.demand += 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::gpu::GpuState;

    fn kp() -> KernelParams {
        let text = "[scenario]\nduration = \"1m\"\n[cluster]\ngpu = \"h100\"\nracks = 1\n[cooling]\ncdus = 1\n";
        let sc = crate::scenario::load_str(text, "t.toml", "t", std::path::Path::new("."), &[]).unwrap();
        KernelParams::new(&sc.gpu, 1.0)
    }

    #[test]
    fn draws_the_target_and_settles_to_coolant_plus_pr() {
        let p = kp();
        let mut s = GpuState::new(16, 30.0, |_| 1.07);
        let targets = [400.0f32, 600.0];
        let mut last = SegmentSums::default();
        for _ in 0..200 {
            let inp = ReplayInput { targets_w: &targets, n: 2, first_gpu_in_job: 0, coolant_c: 30.0, caps_active: false };
            last = step_segment(&p, inp, s.slices(0..16));
        }
        // No manufacturing factor, no leakage added: exactly the measured power.
        assert!((last.power_w - 8.0 * 1000.0).abs() < 1e-3, "{}", last.power_w);
        let r = f64::from(p.r_k_per_w);
        assert!((f64::from(s.temp_c[0]) - (30.0 + 400.0 * r)).abs() < 1e-3);
        assert!((f64::from(s.temp_c[1]) - (30.0 + 600.0 * r)).abs() < 1e-3);
        assert_eq!(last.throttled, 0.0);
        assert!((last.compute - 16.0).abs() < 1e-9);
    }

    #[test]
    fn hot_coolant_throttles_without_overshoot_and_caps_bind() {
        let p = kp();
        let mut s = GpuState::new(8, 80.0, |_| 1.0);
        let targets = [700.0f32];
        let mut sums = SegmentSums::default();
        for _ in 0..100 {
            let inp = ReplayInput { targets_w: &targets, n: 1, first_gpu_in_job: 0, coolant_c: 80.0, caps_active: false };
            sums = step_segment(&p, inp, s.slices(0..8));
            assert!(s.temp_c.iter().all(|&t| t <= p.throttle_c + 1e-3));
        }
        assert_eq!(sums.throttled, 8.0);
        assert!(sums.compute < 8.0 * 0.5);
        let mut s = GpuState::new(8, 40.0, |_| 1.0);
        s.cap_w.iter_mut().for_each(|c| *c = 350.0);
        let inp = ReplayInput { targets_w: &targets, n: 1, first_gpu_in_job: 0, coolant_c: 30.0, caps_active: true };
        let sums = step_segment(&p, inp, s.slices(0..8));
        assert!((sums.power_w - 8.0 * 350.0).abs() < 1e-3);
    }
}
