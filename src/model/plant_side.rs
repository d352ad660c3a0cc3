//! The facility side of the engine: wraps the plant model for the engine's stage 7.
//! (Interim: ideal heat rejection only.)

use crate::scenario::Scenario;

/// One plant step's outputs (W, °C).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlantOut {
    /// FWS supply (°C).
    pub fws_supply_c: f64,
    /// FWS return (°C).
    pub fws_return_c: f64,
    /// Heat rejected to the air (W).
    pub heat_rejected_w: f64,
    /// Heat delivered to reuse (W, taken from the loop).
    pub heat_reused_w: f64,
    /// Cooling electricity counted in facility power (W), CDU pumps excluded.
    pub cooling_power_w: f64,
    /// FWS pumps (W).
    pub fws_pump_power_w: f64,
    /// Dry-cooler fans (W).
    pub fan_power_w: f64,
    /// Dry-cooler fan speed.
    pub fan_speed_frac: f64,
    /// Air-side fans (W).
    pub air_side_fan_power_w: f64,
    /// Chiller cooling (W).
    pub chiller_cooling_w: f64,
    /// Chiller electricity (W).
    pub chiller_power_w: f64,
    /// Heat-pump electricity (W, not in PUE).
    pub heat_pump_power_w: f64,
    /// Work that became heat in the loops (W): pumps, air-side fans, compressor.
    pub work_in_w: f64,
}

/// The facility plant.
pub struct Plant {
    setpoint_c: f64,
    cp: f64,
    density: f64,
    dt_k: f64,
    head_pa: f64,
    eff: f64,
    air_fan: f64,
}

impl Plant {
    /// Builds the plant.
    pub fn new(sc: &Scenario) -> Self {
        let c = &sc.cooling;
        Plant {
            setpoint_c: c.fws_supply_setpoint_c,
            cp: c.cp_j_kg_k,
            density: c.density_kg_m3,
            dt_k: c.fws_design_dt_k,
            head_pa: c.fws_pump_head_pa,
            eff: c.pump_efficiency_frac,
            air_fan: c.air_side_fan_w_per_w,
        }
    }
    /// FWS supply temperature (°C).
    pub fn supply_c(&self) -> f64 {
        self.setpoint_c
    }
    /// Heat stored in the plant (J).
    pub fn stored_heat_j(&self) -> f64 {
        0.0
    }
    /// One step.
    pub fn step(
        &mut self,
        q_cdu_w: f64,
        q_air_w: f64,
        _ambient_c: f64,
        _dt_s: f64,
        _coolers_out: u32,
        _unix_s: f64,
    ) -> PlantOut {
        let air_fans = q_air_w * self.air_fan;
        let q = q_cdu_w + q_air_w + air_fans;
        let m = q / (self.cp * self.dt_k);
        let pump = m / self.density * self.head_pa / self.eff;
        PlantOut {
            fws_supply_c: self.setpoint_c,
            fws_return_c: self.setpoint_c + (q + pump) / (m * self.cp).max(1e-9),
            heat_rejected_w: q + pump,
            cooling_power_w: pump + air_fans,
            fws_pump_power_w: pump,
            air_side_fan_power_w: air_fans,
            work_in_w: pump + air_fans,
            ..Default::default()
        }
    }
}

/// Heat the plant can reject at its design ambient (W); `ideal` = unlimited.
pub fn rejection_capacity_w(sc: &Scenario) -> f64 {
    if sc.cooling.rejection.kind == "ideal" {
        return f64::INFINITY;
    }
    f64::INFINITY
}
