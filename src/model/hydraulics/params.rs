//! `[cooling.hydraulics]`: the parameters of the loop networks, their defaults (with
//! sources) and their ranges (with reasons). [`fill`] writes every default into the file's
//! mirror (so `scenario.resolved.toml` shows them); [`resolve`] checks the ranges.

use crate::scenario::raw::HydraulicsBlock;

/// Resolved hydraulic parameters (SI).
#[derive(Debug, Clone, PartialEq)]
pub struct HydraulicsParams {
    /// Duty pumps per CDU (TCS).
    pub tcs_duty_pumps: u32,
    /// Standby pumps per CDU.
    pub tcs_standby_pumps: u32,
    /// Duty pumps on the facility water loop.
    pub fws_duty_pumps: u32,
    /// Standby pumps on the facility water loop.
    pub fws_standby_pumps: u32,
    /// Shut-off head over BEP head.
    pub pump_shutoff_head_frac: f64,
    /// Pump hydraulic efficiency at the BEP.
    pub pump_bep_efficiency_frac: f64,
    /// Motor efficiency.
    pub motor_efficiency_frac: f64,
    /// VFD efficiency.
    pub vfd_efficiency_frac: f64,
    /// Lowest pump speed (fraction of design).
    pub min_speed_frac: f64,
    /// Highest pump speed (fraction of design).
    pub max_speed_frac: f64,
    /// Share of the TCS pump head across the rack headers at design.
    pub rack_dp_frac: f64,
    /// Share of the TCS pump head in the CDU's plate heat exchanger.
    pub cdu_hx_dp_frac: f64,
    /// Share of the facility pump head across the CDU headers at design.
    pub fws_cdu_dp_frac: f64,
    /// Share of the facility pump head in the heat rejection equipment.
    pub fws_rejection_dp_frac: f64,
    /// Authority of the rack (and CDU) valves.
    pub valve_authority_frac: f64,
    /// Pressure-drop exponent of rack branches and heat exchangers.
    pub branch_exponent: f64,
    /// PI gain (speed per relative Δp error).
    pub pi_kp: f64,
    /// PI integral time (s).
    pub pi_ti_s: f64,
    /// Share of the GPU's junction-to-coolant resistance that is the cold plate's convective
    /// film at design flow.
    pub plate_convective_frac: f64,
}

type R<T> = Result<T, (String, String)>;

impl Default for HydraulicsParams {
    /// The defaults of [`fill`] (wire-to-water 0.65), as resolved.
    fn default() -> Self {
        let mut b = HydraulicsBlock::default();
        fill(&mut b, 0.65);
        // The defaults are inside every range (tested below).
        resolve(&b).unwrap_or_else(|_| unreachable!("default hydraulic parameters are in range"))
    }
}

/// Writes the defaults into `h`. `pump_efficiency_frac` is `[cooling]`'s wire-to-water
/// efficiency at the BEP: the default hydraulic efficiency is chosen to match it.
pub fn fill(h: &mut HydraulicsBlock, pump_efficiency_frac: f64) {
    fn d<T: Copy>(o: &mut Option<T>, v: T) -> T {
        *o.get_or_insert(v)
    }
    d(&mut h.tcs_duty_pumps, 1);
    d(&mut h.tcs_standby_pumps, 1);
    d(&mut h.fws_duty_pumps, 4);
    d(&mut h.fws_standby_pumps, 1);
    d(&mut h.pump_shutoff_head_frac, 1.2);
    let m = d(&mut h.motor_efficiency_frac, 0.95);
    let v = d(&mut h.vfd_efficiency_frac, 0.97);
    d(&mut h.pump_bep_efficiency_frac, (pump_efficiency_frac / (m * v)).clamp(0.1, 0.95));
    d(&mut h.min_speed_frac, 0.2);
    d(&mut h.max_speed_frac, 1.1);
    d(&mut h.rack_dp_frac, 0.5);
    d(&mut h.cdu_hx_dp_frac, 0.25);
    d(&mut h.fws_cdu_dp_frac, 0.4);
    d(&mut h.fws_rejection_dp_frac, 0.3);
    d(&mut h.valve_authority_frac, 0.5);
    d(&mut h.branch_exponent, 1.8);
    d(&mut h.pi_kp, 0.15);
    d(&mut h.pi_ti_s, 1.5);
    d(&mut h.plate_convective_frac, 0.3);
}

use crate::scenario::check::{ranges, Range};

ranges! {
    /// Every range of `[cooling.hydraulics]` and the hydraulic events.
    RANGES;
    const R_PUMP_SHUTOFF_HEAD_FRAC: Range = Range {
        key: "cooling.hydraulics.pump_shutoff_head_frac",
        lo: 1.02,
        hi: 2.0,
        what: "a shut-off over design head ratio (a stable curve rises to shut-off)",
        why: "",
    };
    const R_PUMP_BEP_EFFICIENCY_FRAC: Range =
        Range { key: "cooling.hydraulics.pump_bep_efficiency_frac", lo: 0.1, hi: 0.95, what: "a pump efficiency", why: "" };
    const R_MOTOR_EFFICIENCY_FRAC: Range =
        Range { key: "cooling.hydraulics.motor_efficiency_frac", lo: 0.5, hi: 1.0, what: "a motor efficiency", why: "" };
    const R_VFD_EFFICIENCY_FRAC: Range = Range { key: "cooling.hydraulics.vfd_efficiency_frac", lo: 0.5, hi: 1.0, what: "a drive efficiency", why: "" };
    const R_MIN_SPEED_FRAC: Range = Range { key: "cooling.hydraulics.min_speed_frac", lo: 0.0, hi: 1.0, what: "a speed fraction", why: "" };
    const R_MAX_SPEED_FRAC: Range =
        Range { key: "cooling.hydraulics.max_speed_frac", lo: 1.0, hi: 1.5, what: "a speed fraction (at least the design speed)", why: "" };
    const R_RACK_DP_FRAC: Range = Range { key: "cooling.hydraulics.rack_dp_frac", lo: 0.05, hi: 0.9, what: "a share of the pump head", why: "" };
    const R_CDU_HX_DP_FRAC: Range = Range { key: "cooling.hydraulics.cdu_hx_dp_frac", lo: 0.0, hi: 0.9, what: "a share of the pump head", why: "" };
    const R_FWS_CDU_DP_FRAC: Range = Range { key: "cooling.hydraulics.fws_cdu_dp_frac", lo: 0.05, hi: 0.9, what: "a share of the pump head", why: "" };
    const R_FWS_REJECTION_DP_FRAC: Range =
        Range { key: "cooling.hydraulics.fws_rejection_dp_frac", lo: 0.0, hi: 0.9, what: "a share of the pump head", why: "" };
    const R_VALVE_AUTHORITY_FRAC: Range =
        Range { key: "cooling.hydraulics.valve_authority_frac", lo: 0.05, hi: 0.95, what: "a valve authority", why: "" };
    const R_BRANCH_EXPONENT: Range =
        Range { key: "cooling.hydraulics.branch_exponent", lo: 1.0, hi: 2.0, what: "a pressure-drop exponent (1 laminar, 2 fully turbulent)", why: "" };
    const R_PI_KP: Range =
        Range { key: "cooling.hydraulics.pi_kp", lo: 0.0, hi: 0.3, what: "a gain (speed per relative error; above 0.3 the loop oscillates)", why: "" };
    const R_PI_TI_S: Range = Range { key: "cooling.hydraulics.pi_ti_s", lo: 0.1, hi: 600.0, what: "an integral time (s)", why: "" };
    const R_PLATE_CONVECTIVE_FRAC: Range =
        Range { key: "cooling.hydraulics.plate_convective_frac", lo: 0.0, hi: 0.9, what: "a share of the GPU's thermal resistance", why: "" };
    const R_TCS_DUTY_PUMPS: Range =
        Range { key: "cooling.hydraulics.tcs_duty_pumps", lo: 1.0, hi: 16.0, what: "a number of duty pumps per CDU", why: "" };
    const R_TCS_STANDBY_PUMPS: Range =
        Range { key: "cooling.hydraulics.tcs_standby_pumps", lo: 0.0, hi: 16.0, what: "a number of standby pumps per CDU", why: "" };
    const R_FWS_DUTY_PUMPS: Range = Range { key: "cooling.hydraulics.fws_duty_pumps", lo: 1.0, hi: 64.0, what: "a number of duty pumps", why: "" };
    const R_FWS_STANDBY_PUMPS: Range =
        Range { key: "cooling.hydraulics.fws_standby_pumps", lo: 0.0, hi: 64.0, what: "a number of standby pumps", why: "" };
    /// The event keys of the hydraulic events.
    const R_POSITION: Range = Range { key: "events[].position_frac", lo: 0.0, hi: 1.0, what: "a valve position (0 shut, 1 open)", why: "" };
    const R_STANDBY: Range = Range { key: "events[].standby_start_s", lo: 0.0, hi: 1e7, what: "a delay (s)", why: "" };
    const R_FOULING: Range = Range { key: "events[].resistance_factor", lo: 1.0, hi: 1e4, what: "a resistance multiplier (≥ 1)", why: "" };
}

/// Checks a filled block.
pub fn resolve(h: &HydraulicsBlock) -> R<HydraulicsParams> {
    let p = HydraulicsParams {
        tcs_duty_pumps: R_TCS_DUTY_PUMPS.check(h.tcs_duty_pumps.map(f64::from))? as u32,
        tcs_standby_pumps: R_TCS_STANDBY_PUMPS.check(h.tcs_standby_pumps.map(f64::from))? as u32,
        fws_duty_pumps: R_FWS_DUTY_PUMPS.check(h.fws_duty_pumps.map(f64::from))? as u32,
        fws_standby_pumps: R_FWS_STANDBY_PUMPS.check(h.fws_standby_pumps.map(f64::from))? as u32,
        pump_shutoff_head_frac: R_PUMP_SHUTOFF_HEAD_FRAC.check(h.pump_shutoff_head_frac)?,
        pump_bep_efficiency_frac: R_PUMP_BEP_EFFICIENCY_FRAC.check(h.pump_bep_efficiency_frac)?,
        motor_efficiency_frac: R_MOTOR_EFFICIENCY_FRAC.check(h.motor_efficiency_frac)?,
        vfd_efficiency_frac: R_VFD_EFFICIENCY_FRAC.check(h.vfd_efficiency_frac)?,
        min_speed_frac: R_MIN_SPEED_FRAC.check(h.min_speed_frac)?,
        max_speed_frac: R_MAX_SPEED_FRAC.check(h.max_speed_frac)?,
        rack_dp_frac: R_RACK_DP_FRAC.check(h.rack_dp_frac)?,
        cdu_hx_dp_frac: R_CDU_HX_DP_FRAC.check(h.cdu_hx_dp_frac)?,
        fws_cdu_dp_frac: R_FWS_CDU_DP_FRAC.check(h.fws_cdu_dp_frac)?,
        fws_rejection_dp_frac: R_FWS_REJECTION_DP_FRAC.check(h.fws_rejection_dp_frac)?,
        valve_authority_frac: R_VALVE_AUTHORITY_FRAC.check(h.valve_authority_frac)?,
        branch_exponent: R_BRANCH_EXPONENT.check(h.branch_exponent)?,
        pi_kp: R_PI_KP.check(h.pi_kp)?,
        pi_ti_s: R_PI_TI_S.check(h.pi_ti_s)?,
        plate_convective_frac: R_PLATE_CONVECTIVE_FRAC.check(h.plate_convective_frac)?,
    };
    if p.min_speed_frac >= p.max_speed_frac {
        return Err((
            "cooling.hydraulics.min_speed_frac".into(),
            format!("expected below max_speed_frac ({}), found {}", p.max_speed_frac, p.min_speed_frac),
        ));
    }
    if p.rack_dp_frac + p.cdu_hx_dp_frac >= 0.99 {
        return Err((
            "cooling.hydraulics.cdu_hx_dp_frac".into(),
            "expected rack_dp_frac + cdu_hx_dp_frac below 0.99: the piping needs some of the head".into(),
        ));
    }
    if p.fws_cdu_dp_frac + p.fws_rejection_dp_frac >= 0.99 {
        return Err((
            "cooling.hydraulics.fws_rejection_dp_frac".into(),
            "expected fws_cdu_dp_frac + fws_rejection_dp_frac below 0.99: the piping needs some of the head".into(),
        ));
    }
    Ok(p)
}

/// Lines for `fjord presets`.
pub fn describe() -> Vec<String> {
    vec![
        "### Hydraulics ([cooling.hydraulics]; one network per CDU loop and one facility-water loop, damped Newton with LU, tolerance 1e-10 of design flow/head):".into(),
        "  pumps: 1 duty + 1 standby per CDU, 4 + 1 on the facility loop [E] (REFERENCE §3.4: N+1 pumps); BEP = design point, shut-off head 1.2 × design [E] (Grundfos Pump Handbook: 110-130 %)".into(),
        "  efficiencies: pump 0.70 (from cooling.pump_efficiency_frac / (motor × VFD)), motor 0.95, VFD 0.97 [E] (REFERENCE §3.6); speed 0.2-1.1 × design [E]".into(),
        "  pressure split at design: rack headers 50 %, CDU plate HX 25 %, piping the rest (TCS); CDU headers 40 %, heat rejection 30 % (facility) [E]; Δp ∝ Q^1.8 for racks and HX, Q^1.852 pipes (Hazen-Williams)".into(),
        "  rack and CDU valves: modified equal-percentage, rangeability 50 [E], authority 0.5 [S2] (design rule ≥ 0.5, 0.25 minimum); closed valve Kv = 0".into(),
        "  speed on a header Δp setpoint: PI kp 0.15, Ti 1.5 s [E] (settles in tens of seconds); facility setpoint reset with the plant's flow demand".into(),
        "  cold plate: convective film 30 % of r_th at design flow [E], h ∝ ṁ^0.8 (Dittus-Boelter) plus the caloric term P/(2 ṁ c_p)".into(),
    ]
}

/// An index `target` (`what` names it in messages) below `n`.
pub fn index_target(key: &str, t: Option<&crate::scenario::raw::Target>, n: u32, what: &str) -> R<u32> {
    use crate::scenario::raw::Target;
    match t {
        Some(Target::Index(i)) if *i < n => Ok(*i),
        Some(Target::Index(i)) => Err((key.to_string(), format!("expected a {what} index 0 to {}, found {i}", n.saturating_sub(1)))),
        Some(Target::Name(s)) => Err((key.to_string(), format!("expected a {what} index 0 to {}, found \"{s}\"", n.saturating_sub(1)))),
        None => Err((key.to_string(), format!("missing: expected a {what} index"))),
    }
}

/// Resolves the hydraulic events (`valve_stuck`, `pump_trip`, `fouling`).
pub fn event(kind: &str, e: &crate::scenario::raw::EventBlock, racks: u32, cdus: u32, key: &dyn Fn(&str) -> String) -> R<crate::scenario::EventKind> {
    use crate::scenario::raw::Target;
    use crate::scenario::EventKind;
    let need = |k: &str, present: bool| -> R<()> {
        if present {
            Ok(())
        } else {
            Err((key(k), format!("missing: a `{kind}` event needs `{k}`")))
        }
    };
    Ok(match kind {
        "valve_stuck" => {
            need("target", e.target.is_some())?;
            need("position_frac", e.position_frac.is_some())?;
            EventKind::ValveStuck {
                rack: index_target(&key("target"), e.target.as_ref(), racks, "rack")?,
                position_frac: R_POSITION.check_at(&key("position_frac"), e.position_frac)?,
            }
        }
        "pump_trip" => {
            need("target", e.target.is_some())?;
            let cdu = match &e.target {
                Some(Target::Name(s)) if s == "facility" => None,
                Some(Target::Name(s)) => {
                    return Err((key("target"), format!("expected a CDU index 0 to {} or \"facility\", found \"{s}\"", cdus.saturating_sub(1))))
                }
                t => Some(index_target(&key("target"), t.as_ref(), cdus, "CDU")?),
            };
            EventKind::PumpTrip { cdu, standby_start_s: R_STANDBY.check_at(&key("standby_start_s"), Some(e.standby_start_s.unwrap_or(10.0)))? }
        }
        "fouling" => {
            need("target", e.target.is_some())?;
            need("resistance_factor", e.resistance_factor.is_some())?;
            EventKind::Fouling {
                rack: index_target(&key("target"), e.target.as_ref(), racks, "rack")?,
                resistance_factor: R_FOULING.check_at(&key("resistance_factor"), e.resistance_factor)?,
            }
        }
        _ => unreachable!("called for hydraulic events only"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn defaults_resolve() {
        let mut b = crate::scenario::raw::HydraulicsBlock::default();
        super::fill(&mut b, 0.65);
        assert!(super::resolve(&b).is_ok());
        assert_eq!(super::HydraulicsParams::default().tcs_duty_pumps, 1);
    }
}
