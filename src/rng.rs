//! Deterministic, stateless randomness.
//!
//! Every random number in fjord is a pure function of (scenario seed, entity id, draw index),
//! so results do not depend on thread count or evaluation order. The mixer is SplitMix64
//! (Steele, Lea & Flood 2014), which passes BigCrush when used as a counter-based generator.

/// SplitMix64 finaliser: a bijective 64-bit mixer.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stream identifiers, so that different kinds of entity never share draws.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Stream {
    /// Per-GPU manufacturing power factor.
    GpuFactor = 1,
    /// Job failure times.
    JobFailure = 2,
    /// Per-rack training phase jitter.
    RackPhase = 3,
    /// Inference load noise.
    InferenceNoise = 4,
    /// Time offsets of shifted trace copies.
    TraceOffset = 5,
}

/// A uniform draw in [0, 1) for (seed, stream, entity, index).
#[inline]
pub fn uniform(seed: u64, stream: Stream, entity: u64, index: u64) -> f64 {
    let h = mix64(mix64(mix64(seed ^ ((stream as u64) << 56)) ^ entity) ^ index);
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Box–Muller on two uniforms) for (seed, stream, entity, index).
pub fn normal(seed: u64, stream: Stream, entity: u64, index: u64) -> f64 {
    let u1 = uniform(seed, stream, entity, 2 * index).max(1e-300);
    let u2 = uniform(seed, stream, entity, 2 * index + 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn normal_has_unit_moments() {
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let x = normal(7, Stream::GpuFactor, i, 0);
            s += x;
            s2 += x * x;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
        assert_ne!(uniform(1, Stream::GpuFactor, 0, 0), uniform(2, Stream::GpuFactor, 0, 0));
    }
}
