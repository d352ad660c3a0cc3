//! Heat-exchanger effectiveness by the ε-NTU method.
//!
//! For a heat exchanger with capacity rates `C = ṁ·c_p` on each side, `C_min`, `C_max`,
//! `Cr = C_min / C_max ∈ [0, 1]` and `NTU = UA / C_min`, the heat flow is
//! `q = ε · C_min · (T_hot,in − T_cold,in)`, with ε depending on the flow arrangement:
//!
//! * counterflow: `ε = (1 − e^{−NTU(1−Cr)}) / (1 − Cr·e^{−NTU(1−Cr)})`, and `ε = NTU/(1+NTU)`
//!   at `Cr = 1`;
//! * cross-flow, both fluids unmixed (dry-cooler coil: water in tubes, air across fins), the
//!   standard approximation `ε = 1 − exp[(1/Cr)·NTU^0.22·(e^{−Cr·NTU^0.78} − 1)]`, within a
//!   few per cent of the exact series for the usual range;
//! * cross-flow, `C_max` mixed / `C_min` unmixed: `ε = (1/Cr)(1 − e^{−Cr(1 − e^{−NTU})})`;
//! * cross-flow, `C_min` mixed / `C_max` unmixed: `ε = 1 − e^{−(1 − e^{−Cr·NTU})/Cr}`.
//!
//! Every arrangement tends to `1 − e^{−NTU}` as `Cr → 0` (one side at constant temperature).
//!
//! Sources: Incropera, DeWitt, Bergman & Lavine, *Fundamentals of Heat and Mass Transfer*,
//! 6th ed., §11.4, Table 11.3 \[S\]; Kays & London, *Compact Heat Exchangers* \[S\].
//!
//! All functions are total: NaN or negative `ntu` gives 0, `cr` is clamped to [0, 1] (NaN → 1,
//! the most conservative), infinite `ntu` gives the asymptote.

/// Sanitises `ntu` (NaN or ≤ 0 → 0) and `cr` (clamped to [0, 1], NaN → 1).
fn sanitize(ntu: f64, cr: f64) -> (f64, f64) {
    let ntu = if ntu.is_nan() || ntu <= 0.0 { 0.0 } else { ntu };
    let cr = if cr.is_nan() { 1.0 } else { cr.clamp(0.0, 1.0) };
    (ntu, cr)
}

/// `eps(ntu, cr)` on sanitised inputs for a finite, positive `ntu`; the limits of an
/// arrangement that reaches ε = 1 (counterflow, unmixed cross-flow) otherwise: ε = 0 at
/// NTU = 0, ε = 1 at NTU = ∞.
fn with_ntu_limits(ntu: f64, cr: f64, eps: impl Fn(f64, f64) -> f64) -> f64 {
    let (ntu, cr) = sanitize(ntu, cr);
    if ntu == 0.0 {
        0.0
    } else if ntu.is_infinite() {
        1.0
    } else {
        eps(ntu, cr)
    }
}

/// Counterflow effectiveness ε(NTU, Cr), with the `Cr → 1` limit `NTU/(1+NTU)` handled.
pub fn counterflow_effectiveness(ntu: f64, cr: f64) -> f64 {
    with_ntu_limits(ntu, cr, |ntu, cr| {
        if (1.0 - cr).abs() < 1e-9 {
            return ntu / (1.0 + ntu);
        }
        let e = (-ntu * (1.0 - cr)).exp();
        ((1.0 - e) / (1.0 - cr * e)).clamp(0.0, 1.0)
    })
}

/// Cross-flow effectiveness, both fluids unmixed (standard approximation, Incropera eq. 11.32).
pub fn crossflow_unmixed_effectiveness(ntu: f64, cr: f64) -> f64 {
    with_ntu_limits(ntu, cr, |ntu, cr| crossflow_unmixed_from_powers(ntu.powf(CROSSFLOW_NTU_EXP_OUTER), ntu.powf(CROSSFLOW_NTU_EXP_INNER), cr))
}

/// Exponent of the outer `NTU^0.22` of [`crossflow_unmixed_effectiveness`].
pub const CROSSFLOW_NTU_EXP_OUTER: f64 = 0.22;
/// Exponent of the inner `NTU^0.78` of [`crossflow_unmixed_effectiveness`].
pub const CROSSFLOW_NTU_EXP_INNER: f64 = 0.78;

/// [`crossflow_unmixed_effectiveness`] from the powers `n22 = NTU^0.22` and `n78 = NTU^0.78`
/// (for a caller that has `ln NTU` and so gets both from two `exp`; `cr` in [0, 1]). The same
/// arithmetic as that function after its `powf`s.
pub fn crossflow_unmixed_from_powers(n22: f64, n78: f64, cr: f64) -> f64 {
    // (e^{−Cr·N^0.78} − 1)/Cr, with its Cr → 0 limit −N^0.78.
    let g = if cr < 1e-12 { -n78 } else { (-cr * n78).exp_m1() / cr };
    (-(n22 * g).exp_m1()).clamp(0.0, 1.0)
}

/// Cross-flow effectiveness with the `C_max` fluid mixed and the `C_min` fluid unmixed.
pub fn crossflow_cmax_mixed_effectiveness(ntu: f64, cr: f64) -> f64 {
    let (ntu, cr) = sanitize(ntu, cr);
    if ntu == 0.0 {
        return 0.0;
    }
    let a = -(-ntu).exp_m1(); // 1 − e^{−NTU}
    if cr < 1e-12 {
        return a;
    }
    (-(-cr * a).exp_m1() / cr).clamp(0.0, 1.0)
}

/// Cross-flow effectiveness with the `C_min` fluid mixed and the `C_max` fluid unmixed.
pub fn crossflow_cmin_mixed_effectiveness(ntu: f64, cr: f64) -> f64 {
    let (ntu, cr) = sanitize(ntu, cr);
    if ntu == 0.0 {
        return 0.0;
    }
    let b = if cr < 1e-12 {
        ntu
    } else {
        -(-cr * ntu).exp_m1() / cr // (1 − e^{−Cr·NTU})/Cr
    };
    (-(-b).exp_m1()).clamp(0.0, 1.0)
}

/// NTU that gives effectiveness `eps` in a cross-flow, both-unmixed exchanger at `cr`, found
/// by bisection (the approximation has no closed-form inverse). `None` if `eps` is not in
/// [0, 1) or not finite.
pub fn crossflow_unmixed_ntu(eps: f64, cr: f64) -> Option<f64> {
    if !eps.is_finite() || !(0.0..1.0).contains(&eps) {
        return None;
    }
    if eps == 0.0 {
        return Some(0.0);
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while crossflow_unmixed_effectiveness(hi, cr) < eps {
        hi *= 2.0;
        if hi > 1e6 {
            return None;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if crossflow_unmixed_effectiveness(mid, cr) < eps {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Heat flow from the hot to the cold stream, W: `q = ε · C_min · (T_hot,in − T_cold,in)`.
/// Negative if the "hot" inlet is the colder one (heat flows the other way). Non-finite
/// inputs give 0.
pub fn q_w(eps: f64, c_min_w_k: f64, t_hot_in_c: f64, t_cold_in_c: f64) -> f64 {
    let q = eps * c_min_w_k * (t_hot_in_c - t_cold_in_c);
    if q.is_finite() {
        q
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact series for cross-flow with both fluids unmixed (Mason 1954, as tabulated by
    /// Kays & London): ε = 1/(Cr·N) Σ_n [1 − e^{−N} Σ_{m≤n} N^m/m!][1 − e^{−CrN} Σ_{m≤n} (CrN)^m/m!].
    fn crossflow_exact(ntu: f64, cr: f64) -> f64 {
        let (a, b) = (ntu, cr * ntu);
        let (mut sa, mut ta, mut sb, mut tb) = (1.0, 1.0, 1.0, 1.0);
        let mut sum = 0.0;
        for n in 0..400 {
            if n > 0 {
                ta *= a / n as f64;
                sa += ta;
                tb *= b / n as f64;
                sb += tb;
            }
            sum += (1.0 - (-a).exp() * sa) * (1.0 - (-b).exp() * sb);
        }
        sum / (cr * ntu)
    }

    #[test]
    fn counterflow_textbook_values() {
        // Hand-evaluated from the Incropera Table 11.3 formula.
        let e = counterflow_effectiveness(1.0, 0.5);
        assert!((e - 0.564_71).abs() < 1e-4, "{e}");
        let e = counterflow_effectiveness(2.0, 0.5);
        assert!((e - 0.774_59).abs() < 1e-4, "{e}");
        // Cr = 1 limit and continuity around it.
        assert!((counterflow_effectiveness(3.0, 1.0) - 0.75).abs() < 1e-12);
        let near = counterflow_effectiveness(3.0, 1.0 - 1e-7);
        assert!((near - 0.75).abs() < 1e-6, "{near}");
    }

    #[test]
    fn cr_zero_limit_is_one_minus_exp() {
        for ntu in [0.1_f64, 0.5, 1.0, 2.0, 5.0] {
            let want = 1.0 - (-ntu).exp();
            for f in
                [counterflow_effectiveness, crossflow_unmixed_effectiveness, crossflow_cmax_mixed_effectiveness, crossflow_cmin_mixed_effectiveness]
            {
                assert!((f(ntu, 0.0) - want).abs() < 1e-12);
                assert!((f(ntu, 1e-9) - want).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn crossflow_approximation_close_to_exact_series() {
        for &(ntu, cr) in &[(0.5, 0.5), (1.0, 1.0), (1.0, 0.75), (2.0, 0.5), (3.0, 0.25)] {
            let approx = crossflow_unmixed_effectiveness(ntu, cr);
            let exact = crossflow_exact(ntu, cr);
            assert!((approx - exact).abs() < 0.02, "NTU {ntu} Cr {cr}: {approx} vs {exact}");
        }
        // Incropera Fig. 11.14 reading: NTU 1, Cr 1 → ε ≈ 0.48.
        assert!((crossflow_exact(1.0, 1.0) - 0.48).abs() < 0.01);
    }

    #[test]
    fn arrangement_ordering_and_bounds() {
        // At equal NTU and Cr, counterflow beats cross-flow. (The unmixed approximation runs
        // a few per cent low at small NTU, so it is not ranked against the mixed formula.)
        for &(ntu, cr) in &[(0.5, 0.8), (1.5, 0.8), (4.0, 1.0)] {
            let cf = counterflow_effectiveness(ntu, cr);
            let xf = crossflow_unmixed_effectiveness(ntu, cr);
            let xm = crossflow_cmax_mixed_effectiveness(ntu, cr);
            assert!(cf > xf && cf > xm, "{cf} {xf} {xm}");
        }
        for f in [counterflow_effectiveness, crossflow_unmixed_effectiveness, crossflow_cmax_mixed_effectiveness, crossflow_cmin_mixed_effectiveness]
        {
            assert_eq!(f(f64::NAN, 0.5), 0.0);
            assert_eq!(f(-1.0, 0.5), 0.0);
            let e = f(1e9, f64::NAN);
            assert!((0.0..=1.0).contains(&e));
            assert!(f(1.0, 7.0) <= 1.0);
        }
    }

    #[test]
    fn ntu_inverse_round_trips() {
        for &(eps, cr) in &[(0.5, 0.8), (0.9, 0.1), (0.3, 1.0)] {
            let ntu = crossflow_unmixed_ntu(eps, cr).unwrap();
            assert!((crossflow_unmixed_effectiveness(ntu, cr) - eps).abs() < 1e-12);
        }
        assert!(crossflow_unmixed_ntu(1.0, 0.5).is_none());
        assert!(crossflow_unmixed_ntu(f64::NAN, 0.5).is_none());
    }

    #[test]
    fn q_sign_and_guard() {
        assert_eq!(q_w(0.5, 1000.0, 40.0, 20.0), 10_000.0);
        assert_eq!(q_w(0.5, 1000.0, 20.0, 40.0), -10_000.0);
        assert_eq!(q_w(f64::NAN, 1000.0, 40.0, 20.0), 0.0);
    }
}
