//! Dry coolers: finned-tube liquid-to-air coils with variable-speed fans, no water use.
//!
//! Model (per unit; the bank's water flow is split evenly over the units online):
//! * cross-flow coil, both fluids unmixed: `q = ε(NTU, Cr) · C_min · (T_water,in − T_amb)`,
//!   `C_water = ṁ_w·c_p,w`, `C_air = ṁ_a·c_p,a`, `NTU = UA / C_min` (see [`super::hx`]);
//! * airflow proportional to fan speed `s`: `ṁ_a = ṁ_a,rated · s`;
//! * air-side-dominated conductance `UA = UA_rated · s^n`, `n = 0.7` \[E\] (REFERENCE §4.1:
//!   UA ∝ airflow^0.6–0.8); the water-side film is taken as constant;
//! * fans off (`s = 0`): natural draft leaves `UA = 5 %` of rated \[E\], with the airflow
//!   consistent with the same law (`s_nat = 0.05^{1/n}`, ≈ 1.4 % of rated airflow);
//! * fans cannot run between 0 and `min_fan_speed_frac` (a positive command below it runs
//!   them at the minimum);
//! * fan power `P = P_rated · units_online · s³` (affinity laws, REFERENCE §4.1) \[E\].
//!
//! The heat flow is signed and physical: with the air warmer than the water, the coil heats
//! the water (`q < 0`). Keeping hot air out of the loop is a control decision, taken by the
//! facility plant (it bypasses the coils then), not hidden here.
//!
//! Sizing ([`DryCoolerBank::design_for`]): at the design point the water leaves `approach_k`
//! above the design ambient (median 10 K, Energies 2023 16(9) 3661 \[S\]), with a `water_dt_k`
//! range and an air temperature rise `air_dt_k` (8 K \[E\]), at full fan speed; the needed UA
//! comes from inverting the cross-flow ε. Design fan power is `fan_w_per_w_th` × heat
//! (0.01–0.04 kW_el/kW_th, default 0.02 \[E\], REFERENCE §4.1).

use super::hx::{
    crossflow_unmixed_effectiveness, crossflow_unmixed_from_powers, crossflow_unmixed_ntu, CROSSFLOW_NTU_EXP_INNER, CROSSFLOW_NTU_EXP_OUTER,
};
use crate::units::SafeClamp;

/// Specific heat of air, J/(kg·K) (dry air near 20 °C) \[S\].
pub const AIR_CP_J_KG_K: f64 = 1006.0;

/// A bank of identical dry coolers on the facility water loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DryCoolerBank {
    /// Number of installed units.
    pub units: u32,
    /// Conductance UA of one unit at rated airflow, W/K.
    pub ua_rated_w_k: f64,
    /// Air mass flow of one unit at full fan speed, kg/s.
    pub rated_air_flow_kg_s: f64,
    /// Fan electrical power of one unit at full speed, W.
    pub rated_fan_power_w: f64,
    /// Exponent `n` of `UA ∝ airflow^n`. Default 0.7 \[E\].
    pub ua_air_exponent: f64,
    /// Lowest running fan speed, fraction of full speed. Default 0.1 \[E\].
    pub min_fan_speed_frac: f64,
    /// Natural-draft conductance with the fans stopped, fraction of rated UA. Default 0.05 \[E\].
    pub natural_ua_frac: f64,
}

/// Design point for [`DryCoolerBank::design_for`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DryCoolerDesign {
    /// Heat the bank must reject at the design point, W.
    pub heat_w: f64,
    /// Water leaving temperature above the design ambient, K. Default 10 \[S\].
    pub approach_k: f64,
    /// Design ambient dry-bulb, °C. Default 15.
    pub ambient_design_c: f64,
    /// Water temperature drop through the coils at design, K. Default 10 \[E\].
    pub water_dt_k: f64,
    /// Air temperature rise through the coils at design, K. Default 8 \[E\].
    pub air_dt_k: f64,
    /// Number of units sharing the heat at design (all running at full fan speed).
    pub units: u32,
    /// Fan electrical power per unit of heat at design, W/W. Default 0.02 \[E\].
    pub fan_w_per_w_th: f64,
}

impl Default for DryCoolerDesign {
    fn default() -> Self {
        Self { heat_w: 200e6, approach_k: 10.0, ambient_design_c: 15.0, water_dt_k: 10.0, air_dt_k: 8.0, units: 100, fan_w_per_w_th: 0.02 }
    }
}

impl DryCoolerBank {
    /// Sizes a bank so that `d.units` units at full fan speed reject `d.heat_w` with the water
    /// leaving `d.approach_k` above `d.ambient_design_c` after a `d.water_dt_k` drop. Returns
    /// `None` if the design point is impossible (non-positive heat, units, ranges or
    /// approach, or non-finite values). The water's `cp_water_j_kg_k` fixes its capacity rate.
    pub fn design_for(d: &DryCoolerDesign, cp_water_j_kg_k: f64) -> Option<Self> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if !(ok(d.heat_w)
            && ok(d.approach_k)
            && ok(d.water_dt_k)
            && ok(d.air_dt_k)
            && ok(cp_water_j_kg_k)
            && d.ambient_design_c.is_finite()
            && d.fan_w_per_w_th.is_finite()
            && d.fan_w_per_w_th >= 0.0
            && d.units > 0)
        {
            return None;
        }
        let n = f64::from(d.units);
        let q_unit = d.heat_w / n;
        let c_water = q_unit / d.water_dt_k;
        let c_air = q_unit / d.air_dt_k;
        let (c_min, c_max) = (c_water.min(c_air), c_water.max(c_air));
        let dt_max = d.approach_k + d.water_dt_k; // water in − air in
        let eps = q_unit / (c_min * dt_max);
        let ntu = crossflow_unmixed_ntu(eps, c_min / c_max)?;
        Some(Self {
            units: d.units,
            ua_rated_w_k: ntu * c_min,
            rated_air_flow_kg_s: c_air / AIR_CP_J_KG_K,
            rated_fan_power_w: d.fan_w_per_w_th * q_unit,
            ua_air_exponent: 0.7,
            min_fan_speed_frac: 0.1,
            natural_ua_frac: 0.05,
        })
    }

    /// Units running given `offline` units out of service (never more than installed).
    pub fn units_online(&self, offline: u32) -> u32 {
        self.units.saturating_sub(offline)
    }

    /// The speed the fans actually run at for a command `fan_speed_frac`: NaN or ≤ 0 → 0
    /// (stopped), else clamped to [`min_fan_speed_frac`, 1].
    ///
    /// [`min_fan_speed_frac`]: Self::min_fan_speed_frac
    pub fn effective_speed_frac(&self, fan_speed_frac: f64) -> f64 {
        if fan_speed_frac.is_nan() || fan_speed_frac <= 0.0 {
            0.0
        } else {
            let smin = sane_frac(self.min_fan_speed_frac, 0.1);
            fan_speed_frac.safe_clamp(smin, 1.0)
        }
    }

    /// UA fraction of rated `max(s^n, natural_ua_frac)` and airflow fraction of rated at speed
    /// command `fan_speed_frac`.
    fn ua_and_air_frac(&self, fan_speed_frac: f64) -> (f64, f64) {
        let s = self.effective_speed_frac(fan_speed_frac);
        let n = if self.ua_air_exponent.is_finite() && self.ua_air_exponent > 0.0 { self.ua_air_exponent } else { 0.7 };
        let nat = sane_frac(self.natural_ua_frac, 0.05).max(1e-6);
        let s_nat = nat.powf(1.0 / n);
        let ua_frac = s.powf(n).max(nat);
        (ua_frac, s.max(s_nat))
    }

    /// Whether `units` units can conduct at all: water flowing with a positive `c_p`, and sane
    /// ratings.
    fn can_conduct(&self, water_flow_kg_s: f64, cp_water_j_kg_k: f64, units: u32) -> bool {
        let pos = |x: f64| x.is_finite() && x > 0.0;
        units > 0 && pos(water_flow_kg_s) && pos(cp_water_j_kg_k) && pos(self.ua_rated_w_k) && pos(self.rated_air_flow_kg_s)
    }

    /// Heat-transfer conductance of the bank `K = units·ε·C_min` (W/K), so that the heat to
    /// ambient is `K · (T_water,in − T_amb)`. Independent of temperature, which keeps the
    /// facility node linear. Zero for no water flow or no units.
    pub fn conductance_w_k(&self, water_flow_kg_s: f64, cp_water_j_kg_k: f64, fan_speed_frac: f64, units_online: u32) -> f64 {
        let units = units_online.min(self.units);
        if !self.can_conduct(water_flow_kg_s, cp_water_j_kg_k, units) {
            return 0.0;
        }
        let n = f64::from(units);
        let (ua_frac, air_frac) = self.ua_and_air_frac(fan_speed_frac);
        let c_water = water_flow_kg_s / n * cp_water_j_kg_k;
        let c_air = self.rated_air_flow_kg_s * air_frac * AIR_CP_J_KG_K;
        let (c_min, c_max) = (c_water.min(c_air), c_water.max(c_air));
        let ntu = self.ua_rated_w_k * ua_frac / c_min;
        let k = n * crossflow_unmixed_effectiveness(ntu, c_min / c_max) * c_min;
        if k.is_finite() {
            k
        } else {
            0.0
        }
    }

    /// The bank's conductance at a fixed water flow, `c_p` and units online, as a function of
    /// the share of that flow sent through the coils and of the fan speed command (see
    /// [`BankConductance`]): what a controller that searches over both evaluates many times.
    pub fn conductance_curve(&self, water_flow_kg_s: f64, cp_water_j_kg_k: f64, units_online: u32) -> BankConductance {
        let units = units_online.min(self.units);
        let valid = self.can_conduct(water_flow_kg_s, cp_water_j_kg_k, units);
        let n = if valid { f64::from(units) } else { 0.0 };
        let c_water = if valid { water_flow_kg_s / n * cp_water_j_kg_k } else { 1.0 };
        let c_air = if valid { self.rated_air_flow_kg_s * AIR_CP_J_KG_K } else { 1.0 };
        let ua_exp = if self.ua_air_exponent.is_finite() && self.ua_air_exponent > 0.0 { self.ua_air_exponent } else { 0.7 };
        let nat = sane_frac(self.natural_ua_frac, 0.05).max(1e-6);
        let s_min = sane_frac(self.min_fan_speed_frac, 0.1);
        BankConductance {
            units: n,
            c_water_w_k: c_water,
            ln_c_water: c_water.ln(),
            c_air_w_k: c_air,
            ln_c_air: c_air.ln(),
            ln_ua_w_k: if valid { self.ua_rated_w_k.ln() } else { 0.0 },
            ua_exp,
            ln_nat: nat.ln(),
            s_nat: nat.powf(1.0 / ua_exp),
            s_min,
            ln_s_min: s_min.ln(),
        }
    }

    /// Heat from the water to the air, W, and the water leaving temperature, °C, for water
    /// entering at `t_water_in_c` with `water_flow_kg_s`, air at `ambient_c`, fans at
    /// `fan_speed_frac` on `units_online` units. Signed: negative when the air is warmer than
    /// the water. No flow or no units: `(0, t_water_in_c)`. Non-finite temperatures give 0 W.
    pub fn heat_rejected_w(
        &self,
        t_water_in_c: f64,
        water_flow_kg_s: f64,
        cp_water_j_kg_k: f64,
        ambient_c: f64,
        fan_speed_frac: f64,
        units_online: u32,
    ) -> (f64, f64) {
        let k = self.conductance_w_k(water_flow_kg_s, cp_water_j_kg_k, fan_speed_frac, units_online);
        let q = k * (t_water_in_c - ambient_c);
        if k == 0.0 || !q.is_finite() {
            return (0.0, t_water_in_c);
        }
        (q, t_water_in_c - q / (water_flow_kg_s * cp_water_j_kg_k))
    }

    /// Fan electrical power, W: `rated · units_online · s³` at the effective speed.
    pub fn fan_power_w(&self, fan_speed_frac: f64, units_online: u32) -> f64 {
        let s = self.effective_speed_frac(fan_speed_frac);
        let p = self.rated_fan_power_w * f64::from(units_online.min(self.units)) * s * s * s;
        if p.is_finite() && p > 0.0 {
            p
        } else {
            0.0
        }
    }
}

/// [`DryCoolerBank::conductance_w_k`] at a fixed total water flow, water `c_p` and units online
/// ([`DryCoolerBank::conductance_curve`]), as a function of the coil water fraction `w` and
/// the fan speed command `s`: `K(w, s) = units·ε(NTU, Cr)·C_min` with `C_water = w·C_water,1`,
/// the same model, evaluated in logarithms from `ln w` and `ln s` with the bank's constants
/// (`ln C_water,1`, `ln C_air,1`, `ln UA_rated`, `ln natural_ua_frac`, the natural-draft
/// airflow) taken once:
/// `ln NTU = ln UA_rated + n·ln s − ln C_min` (or `ln natural_ua_frac` below the natural
/// draft), and `NTU^0.22`, `NTU^0.78` as `exp(0.22·ln NTU)`, `exp(0.78·ln NTU)`: two `exp`
/// instead of three `powf`. Agrees with [`DryCoolerBank::conductance_w_k`] to rounding (the
/// logarithms carry relative errors of ~1e-16 into `NTU`'s powers; measured ≤ 2e-15 relative
/// in `K`, tested ≤ 1e-13 over both actuators' ranges).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BankConductance {
    /// Units online (0 when the bank cannot conduct: no flow, no units, bad ratings).
    units: f64,
    /// One unit's water capacity rate with all its water through the coil, W/K, and its log.
    c_water_w_k: f64,
    ln_c_water: f64,
    /// One unit's air capacity rate at full fan speed, W/K, and its log.
    c_air_w_k: f64,
    ln_c_air: f64,
    /// `ln` of one unit's rated conductance (W/K).
    ln_ua_w_k: f64,
    /// Exponent `n` of `UA ∝ airflow^n`.
    ua_exp: f64,
    /// `ln` of the natural-draft UA fraction, and its airflow fraction `nat^{1/n}`.
    ln_nat: f64,
    s_nat: f64,
    /// Lowest running fan speed and its log.
    s_min: f64,
    ln_s_min: f64,
}

impl BankConductance {
    /// Whether the bank conducts at all (water flowing, units online, sane ratings).
    pub fn conducts(&self) -> bool {
        self.units > 0.0
    }

    /// Conductance K (W/K) with the fraction `w = e^{ln_w}` (in (0, 1]) of the flow through
    /// the coils and the fans commanded to `s = e^{ln_s}` (clamped to [`min_fan_speed_frac`, 1]
    /// like [`DryCoolerBank::effective_speed_frac`]; `s ≤ 0` stops them). The caller passes
    /// both a value and its logarithm, as it has them from an exponential sequence.
    ///
    /// [`min_fan_speed_frac`]: DryCoolerBank::min_fan_speed_frac
    pub fn conductance_w_k(&self, w: f64, ln_w: f64, s: f64, ln_s: f64) -> f64 {
        if self.units == 0.0 || w.is_nan() || w <= 0.0 {
            return 0.0;
        }
        // Effective fan speed.
        let (s, ln_s) = if s.is_nan() || s <= 0.0 {
            (0.0, f64::NEG_INFINITY)
        } else if s < self.s_min {
            (self.s_min, self.ln_s_min)
        } else if s > 1.0 {
            (1.0, 0.0)
        } else {
            (s, ln_s)
        };
        // UA fraction `max(s^n, nat)`; below it the natural-draft airflow.
        let ln_ua = self.ua_exp * ln_s;
        let (ln_ua, air, ln_air) = if ln_ua >= self.ln_nat {
            (ln_ua, s, ln_s)
        } else {
            let a = s.max(self.s_nat);
            (self.ln_nat, a, a.ln())
        };
        let c_water = self.c_water_w_k * w;
        let c_air = self.c_air_w_k * air;
        let (c_min, c_max, ln_c_min) =
            if c_water <= c_air { (c_water, c_air, self.ln_c_water + ln_w) } else { (c_air, c_water, self.ln_c_air + ln_air) };
        let ln_ntu = self.ln_ua_w_k + ln_ua - ln_c_min;
        let eps = crossflow_unmixed_from_powers((CROSSFLOW_NTU_EXP_OUTER * ln_ntu).exp(), (CROSSFLOW_NTU_EXP_INNER * ln_ntu).exp(), c_min / c_max);
        let k = self.units * eps * c_min;
        if k.is_finite() {
            k
        } else {
            0.0
        }
    }
}

/// A fraction in [0, 1], or `default` when not finite.
fn sane_frac(x: f64, default: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> (DryCoolerBank, DryCoolerDesign) {
        let d = DryCoolerDesign { heat_w: 20e6, units: 10, ..Default::default() };
        (DryCoolerBank::design_for(&d, 3940.0).unwrap(), d)
    }

    #[test]
    fn design_point_is_reproduced() {
        let (b, d) = bank();
        let m = d.heat_w / (3940.0 * d.water_dt_k);
        let t_in = d.ambient_design_c + d.approach_k + d.water_dt_k;
        let (q, t_out) = b.heat_rejected_w(t_in, m, 3940.0, d.ambient_design_c, 1.0, 10);
        assert!((q / d.heat_w - 1.0).abs() < 1e-9, "{q}");
        assert!((t_out - (d.ambient_design_c + d.approach_k)).abs() < 1e-6);
        assert!((b.fan_power_w(1.0, 10) - 0.02 * d.heat_w).abs() < 1e-6);
    }

    #[test]
    fn steady_heat_matches_closed_form_eps() {
        let (b, _) = bank();
        let (m, cp, s): (f64, f64, f64) = (300.0, 3940.0, 0.6);
        // Hand-built ε-NTU for one of 8 units at 60 % fan speed.
        let c_w = m / 8.0 * cp;
        let c_a = b.rated_air_flow_kg_s * s * AIR_CP_J_KG_K;
        let ua = b.ua_rated_w_k * s.powf(0.7);
        let (cmin, cmax) = (c_w.min(c_a), c_w.max(c_a));
        let ntu = ua / cmin;
        let cr = cmin / cmax;
        let eps = 1.0 - ((1.0 / cr) * ntu.powf(0.22) * ((-cr * ntu.powf(0.78)).exp() - 1.0)).exp();
        let want = 8.0 * eps * cmin * (40.0 - 5.0);
        let (q, t_out) = b.heat_rejected_w(40.0, m, cp, 5.0, s, 8);
        assert!((q / want - 1.0).abs() < 1e-12, "{q} vs {want}");
        assert!((t_out - (40.0 - want / (m * cp))).abs() < 1e-9);
    }

    #[test]
    fn fan_power_cube_law_and_min_speed() {
        let (b, _) = bank();
        let p1 = b.fan_power_w(1.0, 10);
        assert!((b.fan_power_w(0.5, 10) / p1 - 0.125).abs() < 1e-12);
        assert!((b.fan_power_w(0.5, 5) / p1 - 0.0625).abs() < 1e-12);
        // Below the minimum speed the fans run at the minimum.
        assert_eq!(b.fan_power_w(0.01, 10), b.fan_power_w(0.1, 10));
        assert_eq!(b.fan_power_w(0.0, 10), 0.0);
        assert_eq!(b.fan_power_w(1.0, 0), 0.0);
        assert_eq!(b.fan_power_w(1.0, 99), p1);
    }

    #[test]
    fn heat_monotone_in_speed_and_signed_by_temperature() {
        let (b, _) = bank();
        let q = |s| b.heat_rejected_w(35.0, 500.0, 3940.0, 15.0, s, 10).0;
        let (q0, q3, q6, q10) = (q(0.0), q(0.3), q(0.6), q(1.0));
        assert!(q0 > 0.0 && q0 < q3 && q3 < q6 && q6 < q10, "{q0} {q3} {q6} {q10}");
        let (qh, t_out) = b.heat_rejected_w(25.0, 500.0, 3940.0, 35.0, 1.0, 10);
        assert!(qh < 0.0 && t_out > 25.0, "air warmer than water heats it");
        assert_eq!(b.heat_rejected_w(35.0, 0.0, 3940.0, 15.0, 1.0, 10), (0.0, 35.0));
        assert_eq!(b.heat_rejected_w(35.0, 500.0, 3940.0, 15.0, 1.0, 0), (0.0, 35.0));
        assert_eq!(b.heat_rejected_w(f64::NAN, 500.0, 3940.0, 15.0, 1.0, 10).0, 0.0);
    }

    #[test]
    fn conductance_curve_matches_the_conductance_to_rounding() {
        // The log-space evaluation against the direct one, over the valve and fan ranges, part
        // and full flow, all and some units, and below the natural draft.
        let (b, _) = bank();
        let mut worst: f64 = 0.0;
        for &(m, units) in &[(900.0, 10), (300.0, 10), (40.0, 7), (5000.0, 3)] {
            let curve = b.conductance_curve(m, 3940.0, units);
            for i in 0..=400 {
                let t = f64::from(i) / 400.0;
                for (w, s) in [(0.01_f64.powf(1.0 - t), 0.1), (1.0, 0.1_f64.powf(1.0 - t)), (1.0, 0.02 * t), (0.3, 1.7)] {
                    let want = b.conductance_w_k(w * m, 3940.0, s, units);
                    let got = curve.conductance_w_k(w, w.ln(), s, s.ln());
                    assert!(want > 0.0 && got > 0.0, "w {w} s {s}");
                    worst = worst.max((got / want - 1.0).abs());
                }
            }
        }
        assert!(worst <= 1e-13, "log-space conductance off by {worst} relative");
        // Fans stopped: natural draft, as the direct form.
        let curve = b.conductance_curve(300.0, 3940.0, 10);
        let want = b.conductance_w_k(300.0, 3940.0, 0.0, 10);
        assert!((curve.conductance_w_k(1.0, 0.0, 0.0, f64::NEG_INFINITY) / want - 1.0).abs() <= 1e-12);
        // Nothing to conduct: no flow, no units, no coil flow.
        assert_eq!(b.conductance_curve(0.0, 3940.0, 10).conductance_w_k(1.0, 0.0, 1.0, 0.0), 0.0);
        assert_eq!(b.conductance_curve(300.0, 3940.0, 0).conductance_w_k(1.0, 0.0, 1.0, 0.0), 0.0);
        assert_eq!(curve.conductance_w_k(0.0, f64::NEG_INFINITY, 1.0, 0.0), 0.0);
        assert_eq!(b.conductance_curve(f64::NAN, 3940.0, 10).conductance_w_k(1.0, 0.0, 1.0, 0.0), 0.0);
    }

    #[test]
    fn impossible_designs_are_refused() {
        let cp = 3940.0;
        for d in [
            DryCoolerDesign { units: 0, ..Default::default() },
            DryCoolerDesign { heat_w: f64::NAN, ..Default::default() },
            DryCoolerDesign { approach_k: 0.0, ..Default::default() },
        ] {
            assert!(DryCoolerBank::design_for(&d, cp).is_none());
        }
    }
}
