//! Heat reuse: facility-water heat delivered to a district-heating (DH) network.
//!
//! Two modes, chosen from the facility water return temperature `T_r`:
//! * **direct HX** when `T_r − approach ≥ T_DH,supply`: a plate exchanger passes heat
//!   straight across; the water can be cooled no lower than `T_DH,return + approach` (nor below
//!   the floor the plant sets, the FWS supply setpoint). No electricity is charged: the extra
//!   FWS pressure drop is inside the FWS pump head and the DH-side pumps belong to the heat
//!   customer.
//! * **heat pump** otherwise: `COP_heat = η · T_sink / (T_sink − T_source)` (kelvin) with
//!   `T_sink = T_DH,supply + approach`, `T_source = T_r − approach`, η = 0.5 of Carnot \[E\]
//!   (REFERENCE §9); COP above [`max_cop`] is clamped, and below [`min_cop`] the heat pump is
//!   not run (not worth the electricity). Heat taken from the water
//!   `q_src = q_delivered · (1 − 1/COP)`; electricity `W = q_delivered / COP`, which becomes
//!   part of the delivered heat. The source temperature is taken at the return (not at the
//!   colder evaporator outlet) — a simplification that slightly flatters COP when the heat
//!   pump cools the water a lot.
//!
//! Capacity is the heat *delivered* to the network. The heat-pump electricity is reported
//! apart and is not part of the facility power used for PUE.
//!
//! Check against REFERENCE §9 \[D/E\]: source 35 °C, sink 70 °C, 5 K approaches → lift 45 K,
//! COP ≈ 3.9; 27 → 75 °C → ≈ 3.0; 45 → 75 °C → ≈ 4.4.
//!
//! [`max_cop`]: HeatReuse::max_cop
//! [`min_cop`]: HeatReuse::min_cop

use crate::units::SafeClamp;
/// 0 °C in kelvin.
const KELVIN: f64 = 273.15;

/// A heat-reuse connection to district heating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatReuse {
    /// Largest heat delivered to the network, W.
    pub capacity_w: f64,
    /// Network supply temperature, °C. Default 60 (4th generation) \[S\].
    pub dh_supply_c: f64,
    /// Network return temperature, °C. Default 35 (4th generation) \[S\].
    pub dh_return_c: f64,
    /// Temperature approach of each heat exchanger (and evaporator/condenser), K. Default 5 \[E\].
    pub hx_approach_k: f64,
    /// Heat-pump efficiency, fraction of Carnot heating COP. Default 0.5 \[E\].
    pub hp_eta_frac: f64,
    /// COP below which the heat pump is not run. Default 2.0 \[E\].
    pub min_cop: f64,
    /// Highest heat-pump COP (clamp). Default 10 \[E\].
    pub max_cop: f64,
}

/// How heat is passed to the network in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReuseMode {
    /// Nothing passed (no capacity, water too cold, or heat pump below its minimum COP).
    #[default]
    Off,
    /// Plate heat exchanger only.
    Direct,
    /// Heat pump lifting the water's heat to the network supply temperature.
    HeatPump,
}

/// What heat reuse does in one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ReuseOutput {
    /// Mode used.
    pub mode: ReuseMode,
    /// Heat taken out of the facility water, W.
    pub heat_from_water_w: f64,
    /// Heat delivered to the network, W (`from_water + heat_pump_power`).
    pub heat_delivered_w: f64,
    /// Heat-pump electricity, W (0 in direct mode).
    pub heat_pump_power_w: f64,
    /// Heating COP (`f64::INFINITY` is never reported: 0 when not a heat pump).
    pub cop_heat: f64,
}

impl HeatReuse {
    /// A 4th-generation connection (60/35 °C network, 5 K approaches, η 0.5) of `capacity_w`.
    pub fn new(capacity_w: f64) -> Self {
        Self { capacity_w, dh_supply_c: 60.0, dh_return_c: 35.0, hx_approach_k: 5.0, hp_eta_frac: 0.5, min_cop: 2.0, max_cop: 10.0 }
    }

    /// An Odense-like connection to a 75/40 °C network (REFERENCE §9) of `capacity_w`.
    pub fn odense_like(capacity_w: f64) -> Self {
        Self { dh_supply_c: 75.0, dh_return_c: 40.0, ..Self::new(capacity_w) }
    }

    /// Heating COP lifting from a source fluid at `t_source_c` to a sink fluid at
    /// `t_sink_c`, with an approach on each side, clamped above by `max_cop`. A non-positive
    /// lift gives `max_cop`; NaN gives 0.
    pub fn cop_heat(&self, t_source_c: f64, t_sink_c: f64) -> f64 {
        let a = approach(self);
        let t_sink_k = t_sink_c + a + KELVIN;
        let lift = (t_sink_c + a) - (t_source_c - a);
        let hi = if self.max_cop.is_finite() && self.max_cop > 1.0 { self.max_cop } else { 10.0 };
        if lift.is_nan() || !self.hp_eta_frac.is_finite() {
            return 0.0;
        }
        if lift <= 0.0 {
            return hi;
        }
        let cop = self.hp_eta_frac * t_sink_k / lift;
        if cop.is_nan() {
            0.0
        } else {
            cop.safe_clamp(0.0, hi)
        }
    }

    /// Heat passed for water returning at `t_return_c` with `flow_kg_s` of heat capacity
    /// `cp_j_kg_k`, never cooling the water below `t_floor_c` (the plant passes its supply
    /// setpoint). Takes up to `capacity_w` of delivered heat.
    pub fn evaluate(&self, t_return_c: f64, flow_kg_s: f64, cp_j_kg_k: f64, t_floor_c: f64) -> ReuseOutput {
        let cap = if self.capacity_w.is_finite() { self.capacity_w.max(0.0) } else { 0.0 };
        let c_w = flow_kg_s * cp_j_kg_k;
        let usable = cap > 0.0 && c_w.is_finite() && c_w > 0.0 && t_return_c.is_finite() && t_floor_c.is_finite();
        if !usable {
            return ReuseOutput::default();
        }
        let a = approach(self);
        if t_return_c - a >= self.dh_supply_c {
            let floor = t_floor_c.max(self.dh_return_c + a);
            let q = (c_w * (t_return_c - floor)).safe_clamp(0.0, cap);
            return ReuseOutput {
                mode: if q > 0.0 { ReuseMode::Direct } else { ReuseMode::Off },
                heat_from_water_w: q,
                heat_delivered_w: q,
                heat_pump_power_w: 0.0,
                cop_heat: 0.0,
            };
        }
        let cop = self.cop_heat(t_return_c, self.dh_supply_c);
        let min_cop = if self.min_cop.is_finite() { self.min_cop.max(1.05) } else { 2.0 };
        if cop < min_cop {
            return ReuseOutput::default();
        }
        let src_frac = 1.0 - 1.0 / cop;
        let q_src = (c_w * (t_return_c - t_floor_c)).safe_clamp(0.0, cap * src_frac);
        if q_src <= 0.0 {
            return ReuseOutput::default();
        }
        let delivered = q_src / src_frac;
        ReuseOutput {
            mode: ReuseMode::HeatPump,
            heat_from_water_w: q_src,
            heat_delivered_w: delivered,
            heat_pump_power_w: delivered - q_src,
            cop_heat: cop,
        }
    }
}

/// The approach, K (NaN or negative → 0).
fn approach(h: &HeatReuse) -> f64 {
    if h.hx_approach_k.is_finite() {
        h.hx_approach_k.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cop_matches_reference_table() {
        let h = HeatReuse::new(1e6);
        let cases = [(27.0, 75.0, 3.0, 3.3), (35.0, 70.0, 3.8, 4.2), (45.0, 75.0, 4.3, 4.6), (45.0, 80.0, 3.8, 4.2)];
        for (src, sink, lo, hi) in cases {
            let cop = h.cop_heat(src, sink);
            assert!(cop >= lo && cop <= hi, "{src}->{sink}: {cop}");
        }
    }

    #[test]
    fn heat_pump_split_of_heat() {
        let h = HeatReuse::new(10e6);
        // Return 35 °C into a 60 °C network: heat pump.
        let out = h.evaluate(35.0, 1000.0, 3940.0, 25.0);
        assert_eq!(out.mode, ReuseMode::HeatPump);
        assert!((out.heat_delivered_w - 10e6).abs() < 1e-6);
        let cop = out.cop_heat;
        assert!((out.heat_pump_power_w - 10e6 / cop).abs() < 1e-6);
        assert!((out.heat_from_water_w - 10e6 * (1.0 - 1.0 / cop)).abs() < 1e-6);
        // Limited by the heat above the floor.
        let small = h.evaluate(35.0, 10.0, 3940.0, 25.0);
        assert!((small.heat_from_water_w - 10.0 * 3940.0 * 10.0).abs() < 1e-6);
        assert_eq!(h.evaluate(24.0, 1000.0, 3940.0, 25.0).heat_from_water_w, 0.0);
    }

    #[test]
    fn direct_mode_when_warm_enough() {
        let h = HeatReuse::new(50e6);
        // W45 return 66 °C ≥ 60 + 5: direct, cooled no lower than 35 + 5 = 40 °C.
        let out = h.evaluate(66.0, 100.0, 4000.0, 25.0);
        assert_eq!(out.mode, ReuseMode::Direct);
        assert_eq!(out.heat_pump_power_w, 0.0);
        assert!((out.heat_from_water_w - 100.0 * 4000.0 * 26.0).abs() < 1e-6);
        assert_eq!(out.heat_from_water_w, out.heat_delivered_w);
    }

    #[test]
    fn guards() {
        let h = HeatReuse::new(1e6);
        assert_eq!(h.evaluate(f64::NAN, 100.0, 4000.0, 25.0), ReuseOutput::default());
        assert_eq!(h.evaluate(40.0, 0.0, 4000.0, 25.0), ReuseOutput::default());
        // Too cold a source: COP below the minimum, heat pump off.
        assert_eq!(h.evaluate(-40.0, 100.0, 4000.0, -60.0).mode, ReuseMode::Off);
        assert_eq!(HeatReuse::new(f64::NAN).evaluate(40.0, 100.0, 4000.0, 25.0).mode, ReuseMode::Off);
    }
}
