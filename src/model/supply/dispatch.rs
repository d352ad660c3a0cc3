//! Per-step dispatch of the supply against the facility's demand, and the supply available
//! to the engine's GPU power caps.
//!
//! # Merit order (every step)
//! 1. **Wind and solar** (non-dispatchable) are taken first, as available.
//! 2. **Hydro then gas** (hydro first: cheaper and cleaner) move within their ramp bands
//!    ([`super::hydro`], [`super::gas`]); each must deliver at least the bottom of its band.
//! 3. **Battery discharge** within its power and state of charge.
//! 4. **Grid import** up to its limit.
//! 5. Any remaining gap is **unserved**.
//!
//! A surplus (renewables above demand, or hydro/gas that cannot ramp down fast enough)
//! **charges the battery**, then is **exported** up to the export limit, then is
//! **curtailed**: renewables first (split pro rata between wind and solar), then the part of
//! the dispatchables' minimum output that nothing can take ("dispatchable excess": water
//! through the bypass or a load bank in reality [E]). `wind_mw`/`solar_mw` in the result are
//! the *available* outputs; the delivered ones are `*_delivered_mw`. Every step closes
//!
//! `hydro + wind + solar + gas + grid_import + battery − grid_export − curtailed + unserved = demand`.
//!
//! A site cap (`site_cap_mw`, the `power_cap` event) limits the power served; demand above it
//! is unserved. `on_shortfall` does not change the dispatch: with `CapGpus` the engine uses
//! [`available_supply_mw`] to cap GPU power before the GPUs draw, so demand never exceeds
//! what the sources can deliver and `unserved_mw` stays ~0; with `Unserved` the gap is
//! reported.
//!
//! # Battery smoothing mode
//! When `battery.max_grid_ramp_mw_per_s = Some(L)` (and the battery exists), the battery
//! acts *before* the merit order to keep the **net draw** on the supply connections,
//! `N = hydro + gas + import − export − dispatchable excess`
//! `= served demand − battery − delivered wind and solar`, within `N_prev ± L·dt`:
//! 1. natural net draw without battery: `N0 = served − wind − solar`;
//! 2. SoC drift wish: `b_drift = (SoC − SoC_target) · E / τ` (positive = discharge),
//!    `τ = soc_recovery_s`, clamped to the battery's limits;
//! 3. net-draw target `N* = clamp(N0 − b_drift, N_prev − L·dt, N_prev + L·dt)`;
//! 4. battery `b = clamp(N0 − N*, −max_charge, max_discharge)`.
//!
//! So the battery absorbs the part of each swing that exceeds the ramp limit and uses only
//! the remaining ramp headroom to drift its SoC back to target. The merit order then runs for
//! `served − b` with the battery *after* grid import (serving load comes before smoothing:
//! if hydro, gas and import cannot cover it, the battery discharges further; a surplus first
//! reduces its discharge / increases its charge). When the battery's power or energy is too
//! small, step 4 clamps and the ramp limit is exceeded (reported in `ramp_limited`). The
//! first step after [`SupplyState::new`] has no previous net draw and is not limited. The
//! target is computed as if renewables are fully used; where curtailment, export or
//! unserved demand occur, the achieved net draw can differ from it.

use super::battery::{BatteryParams, BatteryState};
use super::gas::{GasParams, GasState};
use super::grid::GridParams;
use super::hydro::{HydroParams, HydroState};
use super::solar::SolarParams;
use super::wind::WindParams;
use super::{frac_or, nonneg, step_s, Band, SECONDS_PER_HOUR};
use crate::units::SafeClamp;

/// What the engine does when demand exceeds the available supply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shortfall {
    /// Cap GPU power to the available supply (throughput lost is reported). Default.
    #[default]
    CapGpus,
    /// Let the GPUs draw and report the gap as unserved energy.
    Unserved,
}

/// Parameters of the whole supply side (scenario `[supply]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SupplyParams {
    /// Hydropower plant.
    pub hydro: HydroParams,
    /// Wind farm.
    pub wind: WindParams,
    /// PV plant.
    pub solar: SolarParams,
    /// On-site gas turbines.
    pub gas: GasParams,
    /// Grid connection.
    pub grid: GridParams,
    /// Site battery.
    pub battery: BatteryParams,
    /// Shortfall policy. Default `CapGpus`.
    pub on_shortfall: Shortfall,
}

/// Running totals of the dispatch since the start (energies in MWh, CO2 in kg).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SupplyTotals {
    /// Demand asked of the supply (MWh).
    pub demand_mwh: f64,
    /// Hydro energy (MWh).
    pub hydro_mwh: f64,
    /// Wind energy delivered, after curtailment (MWh).
    pub wind_mwh: f64,
    /// Solar energy delivered, after curtailment (MWh).
    pub solar_mwh: f64,
    /// Gas energy (MWh).
    pub gas_mwh: f64,
    /// Grid import (MWh).
    pub grid_import_mwh: f64,
    /// Grid export (MWh).
    pub grid_export_mwh: f64,
    /// Curtailed energy, renewables and dispatchable excess (MWh).
    pub curtailed_mwh: f64,
    /// Unserved energy (MWh).
    pub unserved_mwh: f64,
    /// CO2 of grid imports (kg).
    pub grid_carbon_kg: f64,
    /// CO2 of on-site gas (kg).
    pub gas_carbon_kg: f64,
    /// Cost of imports less revenue of exports at the price series (currency).
    pub grid_cost: f64,
    /// Steps in which smoothing could not hold the ramp limit.
    pub ramp_limited_steps: u64,
}

/// State of the supply side carried between steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SupplyState {
    /// Hydro plant state.
    pub hydro: HydroState,
    /// Gas fleet state.
    pub gas: GasState,
    /// Battery state.
    pub battery: BatteryState,
    /// Net draw on the supply connections in the last step (MW); `None` before the first.
    pub prev_net_draw_mw: Option<f64>,
    /// Running totals.
    pub totals: SupplyTotals,
}

impl SupplyState {
    /// State at `t_s` with hydro, then gas, already running to cover `initial_demand_mw`
    /// (within their capacities): a plant in service when the run starts. Pass 0 for a cold
    /// start (the sources then ramp up from zero).
    pub fn new(params: &SupplyParams, t_s: f64, initial_demand_mw: f64) -> Self {
        let d = nonneg(initial_demand_mw);
        let hydro = HydroState::new(&params.hydro, t_s, d);
        let gas = GasState::new(&params.gas, d - hydro.output_mw);
        Self { hydro, gas, battery: BatteryState::new(&params.battery), prev_net_draw_mw: None, totals: SupplyTotals::default() }
    }
}

/// What the engine asks of the supply for one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DispatchInput {
    /// Facility demand to serve (MW); NaN or negative reads as 0.
    pub demand_mw: f64,
    /// Wind power available this step (MW), from [`WindParams::available_mw`].
    pub wind_avail_mw: f64,
    /// Solar power available this step (MW), from [`SolarParams::available_mw`].
    pub solar_avail_mw: f64,
    /// Step length (s); NaN, infinite or ≤ 0 reads as 0 (nothing ramps, no energy moves).
    pub dt_s: f64,
    /// Start of the step (s since the scenario start; UTC-aligned for the hydro day).
    pub t_s: f64,
    /// Share of hydro capacity available (1 − outage fraction); NaN reads as 1.
    pub hydro_availability_frac: f64,
    /// Site power cap (MW) from a `power_cap` event; `None` = no cap.
    pub site_cap_mw: Option<f64>,
}

impl Default for DispatchInput {
    fn default() -> Self {
        Self { demand_mw: 0.0, wind_avail_mw: 0.0, solar_avail_mw: 0.0, dt_s: 1.0, t_s: 0.0, hydro_availability_frac: 1.0, site_cap_mw: None }
    }
}

/// Outcome of one step of dispatch. Powers in MW are means over the step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DispatchResult {
    /// Demand asked (MW, sanitised).
    pub demand_mw: f64,
    /// Hydro output (MW).
    pub hydro_mw: f64,
    /// Wind available (MW); delivered is `wind_delivered_mw`.
    pub wind_mw: f64,
    /// Solar available (MW); delivered is `solar_delivered_mw`.
    pub solar_mw: f64,
    /// Wind delivered after curtailment (MW).
    pub wind_delivered_mw: f64,
    /// Solar delivered after curtailment (MW).
    pub solar_delivered_mw: f64,
    /// Gas output (MW).
    pub gas_mw: f64,
    /// Grid import (MW).
    pub grid_import_mw: f64,
    /// Grid export (MW).
    pub grid_export_mw: f64,
    /// Battery power (MW), positive = discharging, negative = charging.
    pub battery_mw: f64,
    /// Battery state of charge at the end of the step (fraction).
    pub battery_soc_frac: f64,
    /// Curtailed power, renewables plus dispatchable excess (MW).
    pub curtailed_mw: f64,
    /// Part of `curtailed_mw` that is hydro/gas output nothing could take (MW).
    pub dispatchable_excess_mw: f64,
    /// Demand not served (MW), including demand above the site cap.
    pub unserved_mw: f64,
    /// Net draw on the supply connections: hydro + gas + import − export − dispatchable
    /// excess (MW). This is what the swing metrics and smoothing look at.
    pub net_draw_mw: f64,
    /// CO2 intensity of grid imports this step (g/kWh).
    pub carbon_g_per_kwh: f64,
    /// CO2 of grid imports this step (kg).
    pub grid_carbon_kg: f64,
    /// CO2 of on-site gas this step (kg).
    pub gas_carbon_kg: f64,
    /// Energy price this step (currency per MWh), if a price series is given.
    pub price_per_mwh: Option<f64>,
    /// Cost of imports less revenue of exports this step (currency; 0 without a price).
    pub grid_cost: f64,
    /// Most the sources could have delivered this step (MW), as [`available_supply_mw`].
    pub available_supply_mw: f64,
    /// Smoothing mode only: the battery could not hold the net-draw ramp limit this step.
    pub ramp_limited: bool,
}

impl DispatchResult {
    /// CO2 of the step (kg): grid imports and on-site gas.
    pub fn carbon_kg(&self) -> f64 {
        self.grid_carbon_kg + self.gas_carbon_kg
    }

    /// Residual of the power balance (MW): sources − sinks + unserved − demand; ~0.
    pub fn balance_error_mw(&self) -> f64 {
        self.hydro_mw + self.wind_mw + self.solar_mw + self.gas_mw + self.grid_import_mw + self.battery_mw - self.grid_export_mw - self.curtailed_mw
            + self.unserved_mw
            - self.demand_mw
    }
}

/// The per-step limits of every source, computed once and shared by [`dispatch`] and
/// [`available_supply_mw`] so that the two always agree.
struct Limits {
    dt_s: f64,
    served_mw: f64,
    demand_mw: f64,
    wind_mw: f64,
    solar_mw: f64,
    hydro: Band,
    gas: Band,
    max_discharge_mw: f64,
    max_charge_mw: f64,
    import_mw: f64,
    export_mw: f64,
    cap_mw: f64,
}

fn limits(params: &SupplyParams, state: &SupplyState, input: &DispatchInput) -> Limits {
    let dt_s = step_s(input.dt_s);
    let demand_mw = nonneg(input.demand_mw);
    let cap_mw = match input.site_cap_mw {
        Some(c) if !c.is_nan() => nonneg(c),
        _ => super::UNLIMITED,
    };
    Limits {
        dt_s,
        served_mw: demand_mw.min(cap_mw),
        demand_mw,
        wind_mw: nonneg(input.wind_avail_mw),
        solar_mw: nonneg(input.solar_avail_mw),
        hydro: params.hydro.band(&state.hydro, input.t_s, dt_s, frac_or(input.hydro_availability_frac, 1.0)),
        gas: params.gas.band(&state.gas, dt_s),
        max_discharge_mw: params.battery.max_discharge_mw(&state.battery, dt_s),
        max_charge_mw: params.battery.max_charge_mw(&state.battery, dt_s),
        import_mw: params.grid.import_max_mw(),
        export_mw: params.grid.export_max_mw(),
        cap_mw,
    }
}

impl Limits {
    fn available_mw(&self) -> f64 {
        (self.wind_mw + self.solar_mw + self.hydro.hi_mw + self.gas.hi_mw + self.max_discharge_mw + self.import_mw).min(self.cap_mw)
    }
}

/// The most the sources could deliver to the facility this step (MW): wind and solar as
/// available, hydro and gas at the top of their ramp bands, battery discharge within its
/// power and state of charge, grid import at its limit; at most the site cap. The demand
/// field of `input` is ignored. [`dispatch`] serves any demand up to this value in full.
pub fn available_supply_mw(params: &SupplyParams, state: &SupplyState, input: &DispatchInput) -> f64 {
    limits(params, state, input).available_mw()
}

/// Dispatches one step (see the module doc for the order and the smoothing mode), advances
/// `state` (hydro, gas, battery, previous net draw, totals) and returns the step's flows.
pub fn dispatch(params: &SupplyParams, state: &mut SupplyState, input: &DispatchInput) -> DispatchResult {
    let lim = limits(params, state, input);
    let dt_s = lim.dt_s;
    let dt_h = dt_s / SECONDS_PER_HOUR;
    let renewables = lim.wind_mw + lim.solar_mw;
    let bat_lo = -lim.max_charge_mw;
    let bat_hi = lim.max_discharge_mw;

    // A. Smoothing: the battery's first move.
    let smoothing = params.battery.smoothing_ramp_mw_per_s();
    let mut bat = 0.0;
    if let (Some(ramp), Some(prev)) = (smoothing, state.prev_net_draw_mw) {
        let n0 = lim.served_mw - renewables;
        let tau_h = nonneg(params.battery.soc_recovery_s).max(1.0) / SECONDS_PER_HOUR;
        let target = frac_or(params.battery.target_soc_frac, 0.5);
        let drift = ((state.battery.soc_frac - target) * nonneg(params.battery.energy_mwh) / tau_h).safe_clamp(bat_lo, bat_hi);
        let step = ramp * dt_s;
        let n_star = (n0 - drift).safe_clamp(prev - step, prev + step);
        bat = (n0 - n_star).safe_clamp(bat_lo, bat_hi);
    }

    // B. Merit order for what the battery's first move leaves.
    let mut hydro = lim.hydro.lo_mw;
    let mut gas = lim.gas.lo_mw;
    let mut import = 0.0;
    let mut export = 0.0;
    let mut curtailed = 0.0;
    let rem = lim.served_mw - bat - renewables - hydro - gas;
    if rem >= 0.0 {
        let mut rem = rem;
        let dh = rem.min(lim.hydro.hi_mw - lim.hydro.lo_mw).max(0.0);
        hydro += dh;
        rem -= dh;
        let dg = rem.min(lim.gas.hi_mw - lim.gas.lo_mw).max(0.0);
        gas += dg;
        rem -= dg;
        if smoothing.is_none() {
            let db = rem.min(bat_hi - bat).max(0.0);
            bat += db;
            rem -= db;
        }
        import = rem.min(lim.import_mw).max(0.0);
        rem -= import;
        let db = rem.min(bat_hi - bat).max(0.0);
        bat += db;
    } else {
        let mut surplus = -rem;
        let dc = surplus.min(bat - bat_lo).max(0.0);
        bat -= dc;
        surplus -= dc;
        export = surplus.min(lim.export_mw).max(0.0);
        surplus -= export;
        curtailed = surplus.max(0.0);
    }

    // C. Commit the sources; the battery may round its power to its own limits.
    state.hydro.commit(&params.hydro, input.t_s, dt_s, hydro);
    state.gas.commit(&params.gas, dt_s, gas);
    let bat = state.battery.apply(&params.battery, bat, dt_s);

    let supplied = hydro + renewables + gas + import + bat - export - curtailed;
    let unserved = (lim.demand_mw - supplied).max(0.0);
    // Any residual rounding (a battery clamp of a few ulps) closes the balance on curtailment.
    let curtailed = curtailed + (supplied + unserved - lim.demand_mw).max(0.0);
    let curt_ren = curtailed.min(renewables);
    let excess = curtailed - curt_ren;
    let (wind_del, solar_del) = if renewables > 0.0 {
        let keep = (renewables - curt_ren) / renewables;
        (lim.wind_mw * keep, lim.solar_mw * keep)
    } else {
        (0.0, 0.0)
    };
    let net = hydro + gas + import - export - excess;
    let ramp_limited = match (smoothing, state.prev_net_draw_mw) {
        (Some(ramp), Some(p)) => (net - p).abs() > ramp * dt_s * (1.0 + 1e-9) + 1e-9,
        _ => false,
    };

    let carbon = params.grid.carbon_at(input.t_s);
    let grid_carbon_kg = import * dt_h * carbon;
    let gas_carbon_kg = params.gas.carbon_kg(gas, dt_s);
    let price = params.grid.price_at(input.t_s);
    let grid_cost = price.map_or(0.0, |p| (import - export) * dt_h * p);

    let t = &mut state.totals;
    t.demand_mwh += lim.demand_mw * dt_h;
    t.hydro_mwh += hydro * dt_h;
    t.wind_mwh += wind_del * dt_h;
    t.solar_mwh += solar_del * dt_h;
    t.gas_mwh += gas * dt_h;
    t.grid_import_mwh += import * dt_h;
    t.grid_export_mwh += export * dt_h;
    t.curtailed_mwh += curtailed * dt_h;
    t.unserved_mwh += unserved * dt_h;
    t.grid_carbon_kg += grid_carbon_kg;
    t.gas_carbon_kg += gas_carbon_kg;
    t.grid_cost += grid_cost;
    t.ramp_limited_steps += u64::from(ramp_limited);
    state.prev_net_draw_mw = Some(net);

    DispatchResult {
        demand_mw: lim.demand_mw,
        hydro_mw: hydro,
        wind_mw: lim.wind_mw,
        solar_mw: lim.solar_mw,
        wind_delivered_mw: wind_del,
        solar_delivered_mw: solar_del,
        gas_mw: gas,
        grid_import_mw: import,
        grid_export_mw: export,
        battery_mw: bat,
        battery_soc_frac: state.battery.soc_frac,
        curtailed_mw: curtailed,
        dispatchable_excess_mw: excess,
        unserved_mw: unserved,
        net_draw_mw: net,
        carbon_g_per_kwh: carbon,
        grid_carbon_kg,
        gas_carbon_kg,
        price_per_mwh: price,
        grid_cost,
        available_supply_mw: lim.available_mw(),
        ramp_limited,
    }
}

#[cfg(test)]
mod tests {
    use super::super::grid::HourlySeries;
    use super::super::hydro::ReservoirParams;
    use super::*;

    /// Deterministic xorshift64* in [0, 1).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn all_sources() -> SupplyParams {
        SupplyParams {
            hydro: HydroParams {
                capacity_mw: 200.0,
                ramp_mw_per_min: 30.0,
                ramp_down_mw_per_min: None,
                governor_band_frac: 0.0,
                min_mw: 20.0,
                daily_energy_mwh: Some(3000.0),
                reservoir: Some(ReservoirParams { energy_mwh: 5000.0, inflow_mw: 100.0, initial_frac: 0.5 }),
            },
            wind: WindParams { capacity_mw: 80.0, ..WindParams::default() },
            solar: SolarParams { capacity_mw: 60.0, ..SolarParams::default() },
            gas: GasParams { capacity_mw: 100.0, min_mw: 10.0, ..GasParams::default() },
            grid: GridParams {
                import_limit_mw: 40.0,
                export_limit_mw: 15.0,
                carbon_series: Some(HourlySeries::from_hourly(&[20.0, 35.0, 400.0, 17.0])),
                price_series: Some(HourlySeries::from_hourly(&[30.0, -5.0, 80.0])),
                ..GridParams::default()
            },
            battery: BatteryParams { energy_mwh: 40.0, power_mw: 60.0, ..BatteryParams::default() },
            on_shortfall: Shortfall::Unserved,
        }
    }

    fn random_input(rng: &mut Rng, t: f64) -> DispatchInput {
        let dt = [0.1, 1.0, 10.0, 60.0][(rng.next() * 4.0) as usize];
        DispatchInput {
            demand_mw: 400.0 * rng.next(),
            wind_avail_mw: 80.0 * rng.next(),
            solar_avail_mw: if rng.next() < 0.5 { 0.0 } else { 60.0 * rng.next() },
            dt_s: dt,
            t_s: t,
            hydro_availability_frac: if rng.next() < 0.05 { 0.3 } else { 1.0 },
            site_cap_mw: if rng.next() < 0.1 { Some(150.0) } else { None },
        }
    }

    #[test]
    fn balance_limits_and_accounts_hold_over_a_long_random_run() {
        for smoothing in [None, Some(2.0)] {
            let mut p = all_sources();
            p.battery.max_grid_ramp_mw_per_s = smoothing;
            let mut s = SupplyState::new(&p, 0.0, 150.0);
            let soc0 = s.battery.soc_frac;
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            let mut t = 0.0;
            let (mut import_mwh, mut carbon_kg) = (0.0, 0.0);
            for _ in 0..20_000 {
                let inp = random_input(&mut rng, t);
                let (h0, g0) = (s.hydro.output_mw, s.gas.output_mw);
                let r = dispatch(&p, &mut s, &inp);
                let scale = inp.demand_mw.max(1.0);
                assert!(r.balance_error_mw().abs() <= 1e-9 * scale, "balance {r:?}");
                // Hydro ramp, except an outage trip straight down to available capacity.
                let hydro_step = p.hydro.ramp_mw_per_s() * inp.dt_s + 1e-9;
                let tripped = r.hydro_mw <= 200.0 * inp.hydro_availability_frac + 1e-9 && h0 - hydro_step > 200.0 * inp.hydro_availability_frac;
                assert!((r.hydro_mw - h0).abs() <= hydro_step || tripped, "hydro ramp {h0} -> {}", r.hydro_mw);
                assert!(r.hydro_mw <= 200.0 * inp.hydro_availability_frac + 1e-9);
                let gas_step = p.gas.ramp_mw_per_s() * inp.dt_s + 1e-9;
                assert!((r.gas_mw - g0).abs() <= gas_step, "gas ramp");
                assert!(r.battery_soc_frac >= 0.05 - 1e-12 && r.battery_soc_frac <= 0.95 + 1e-12);
                assert!(r.grid_export_mw <= 15.0 + 1e-12 && r.grid_import_mw <= 40.0 + 1e-12);
                assert!(r.battery_mw.abs() <= 60.0 + 1e-9);
                let expect_kg = r.grid_import_mw * inp.dt_s / 3600.0 * p.grid.carbon_at(t);
                assert!((r.grid_carbon_kg - expect_kg).abs() <= 1e-12 * expect_kg.max(1.0));
                for x in [
                    r.hydro_mw,
                    r.gas_mw,
                    r.grid_import_mw,
                    r.grid_export_mw,
                    r.curtailed_mw,
                    r.unserved_mw,
                    r.wind_delivered_mw,
                    r.solar_delivered_mw,
                ] {
                    assert!(x >= 0.0 && x.is_finite());
                }
                if let Some(cap) = inp.site_cap_mw {
                    assert!(r.demand_mw - r.unserved_mw <= cap + 1e-9);
                }
                import_mwh += r.grid_import_mw * inp.dt_s / 3600.0;
                carbon_kg += r.grid_carbon_kg;
                t += inp.dt_s;
            }
            // Battery energy account: in − out − losses = ΔSoC · E.
            let b = &s.battery;
            let lhs = b.charged_mwh - b.discharged_mwh - b.loss_mwh;
            let rhs = (b.soc_frac - soc0) * p.battery.energy_mwh;
            assert!((lhs - rhs).abs() <= 1e-9 * b.throughput_mwh.max(1.0), "{lhs} vs {rhs}");
            assert!(b.throughput_mwh > 100.0, "battery should have worked");
            // Totals agree with the per-step sums.
            assert!((s.totals.grid_import_mwh - import_mwh).abs() <= 1e-9 * import_mwh);
            assert!((s.totals.grid_carbon_kg - carbon_kg).abs() <= 1e-9 * carbon_kg);
            assert!(s.totals.unserved_mwh > 0.0 && s.totals.curtailed_mwh > 0.0);
            // Hydro daily budget held on every day (the reservoir is also never overdrawn).
            assert!(s.hydro.energy_used_today_mwh <= 3000.0 + 1e-6);
            assert!(s.hydro.reservoir_mwh.unwrap() >= 0.0);
        }
    }

    #[test]
    fn available_supply_is_what_dispatch_delivers() {
        for smoothing in [None, Some(0.5)] {
            let mut p = all_sources();
            p.battery.max_grid_ramp_mw_per_s = smoothing;
            let mut rng = Rng(7);
            let mut s = SupplyState::new(&p, 0.0, 100.0);
            let mut t = 0.0;
            for _ in 0..2000 {
                let mut inp = random_input(&mut rng, t);
                let avail = available_supply_mw(&p, &s, &inp);
                // Probe on copies: demand at the available supply is served in full…
                inp.demand_mw = avail;
                let r = dispatch(&p, &mut s.clone(), &inp);
                assert!(r.unserved_mw <= 1e-9 * avail.max(1.0), "{avail} {r:?}");
                assert!((r.available_supply_mw - avail).abs() <= 1e-12);
                // …and 10 MW more leaves exactly 10 MW unserved.
                inp.demand_mw = avail + 10.0;
                let r = dispatch(&p, &mut s.clone(), &inp);
                assert!((r.unserved_mw - 10.0).abs() <= 1e-9 * avail.max(1.0), "{avail} {r:?}");
                // Advance with a random demand capped to the supply (cap_gpus behaviour).
                inp.demand_mw = (400.0 * rng.next()).min(avail);
                let r = dispatch(&p, &mut s, &inp);
                assert!(r.unserved_mw <= 1e-9 * avail.max(1.0));
                t += inp.dt_s;
            }
        }
    }

    fn smoothing_case(energy_mwh: f64, power_mw: f64) -> (f64, u64, f64) {
        let p = SupplyParams {
            hydro: HydroParams { capacity_mw: 300.0, ramp_mw_per_min: 60.0, ..HydroParams::default() },
            grid: GridParams { import_limit_mw: 50.0, ..GridParams::default() },
            battery: BatteryParams { energy_mwh, power_mw, max_grid_ramp_mw_per_s: Some(0.5), ..BatteryParams::default() },
            ..SupplyParams::default()
        };
        let dt = 0.1;
        let limit = 0.5 * dt;
        let mut s = SupplyState::new(&p, 0.0, 150.0);
        let mut prev: Option<f64> = None;
        let mut worst = 0.0f64;
        let mut unserved = 0.0;
        for k in 0..6000 {
            // 2 s period square wave, 100 MW from trough to crest.
            let demand = if (k / 10) % 2 == 0 { 200.0 } else { 100.0 };
            let inp = DispatchInput { demand_mw: demand, dt_s: dt, t_s: k as f64 * dt, ..DispatchInput::default() };
            let r = dispatch(&p, &mut s, &inp);
            assert!(r.balance_error_mw().abs() <= 1e-9 * demand);
            if let Some(pn) = prev {
                worst = worst.max((r.net_draw_mw - pn).abs() - limit);
            }
            unserved += r.unserved_mw;
            prev = Some(r.net_draw_mw);
        }
        (worst, s.totals.ramp_limited_steps, unserved)
    }

    #[test]
    fn smoothing_holds_the_ramp_with_a_big_enough_battery() {
        let (worst, limited, unserved) = smoothing_case(50.0, 100.0);
        assert!(worst <= 1e-9, "exceeded by {worst}");
        assert_eq!(limited, 0);
        assert_eq!(unserved, 0.0);
    }

    #[test]
    fn smoothing_fails_with_a_small_battery() {
        let (worst, limited, _) = smoothing_case(5.0, 10.0);
        assert!(worst > 1.0, "should exceed: {worst}");
        assert!(limited > 100);
    }

    /// `hydro_mw` of hydro and a grid connection importing up to `import_mw`; the rest at
    /// defaults.
    fn hydro_and_grid(hydro_mw: f64, import_mw: f64) -> SupplyParams {
        SupplyParams {
            hydro: HydroParams { capacity_mw: hydro_mw, ..HydroParams::default() },
            grid: GridParams { import_limit_mw: import_mw, ..GridParams::default() },
            ..SupplyParams::default()
        }
    }

    #[test]
    fn without_smoothing_the_square_wave_passes_to_the_grid() {
        let p = hydro_and_grid(300.0, 200.0);
        let mut s = SupplyState::new(&p, 0.0, 150.0);
        let mut nets = Vec::new();
        for k in 0..100 {
            let demand = if (k / 10) % 2 == 0 { 200.0 } else { 100.0 };
            let inp = DispatchInput { demand_mw: demand, dt_s: 0.1, t_s: k as f64 * 0.1, ..DispatchInput::default() };
            nets.push(dispatch(&p, &mut s, &inp).net_draw_mw);
        }
        let max_step = nets.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f64::max);
        assert!((max_step - 100.0).abs() < 1e-9, "{max_step}");
    }

    #[test]
    fn hydro_outage_drops_output_at_once() {
        let p = hydro_and_grid(260.0, 30.0);
        let mut s = SupplyState::new(&p, 0.0, 230.0);
        let mut inp = DispatchInput { demand_mw: 230.0, ..DispatchInput::default() };
        assert_eq!(dispatch(&p, &mut s, &inp).hydro_mw, 230.0);
        inp.hydro_availability_frac = 0.5; // 50 % of capacity lost
        inp.t_s = 1.0;
        let r = dispatch(&p, &mut s, &inp);
        assert_eq!(r.hydro_mw, 130.0);
        assert_eq!(r.grid_import_mw, 30.0);
        assert!((r.unserved_mw - 70.0).abs() < 1e-9);
        assert!(available_supply_mw(&p, &s, &inp) <= 160.0 + 1e-9);
    }

    #[test]
    fn hydro_daily_budget_is_respected_in_dispatch() {
        let mut p = hydro_and_grid(260.0, 300.0);
        p.hydro.daily_energy_mwh = Some(4000.0);
        let mut s = SupplyState::new(&p, 0.0, 230.0);
        let mut per_day = [0.0f64; 3];
        for k in 0..(3 * 1440) {
            let t = k as f64 * 60.0;
            let inp = DispatchInput { demand_mw: 230.0, dt_s: 60.0, t_s: t, ..DispatchInput::default() };
            let r = dispatch(&p, &mut s, &inp);
            per_day[k / 1440] += r.hydro_mw / 60.0;
            assert_eq!(r.unserved_mw, 0.0);
        }
        for e in per_day {
            assert!(e <= 4000.0 + 1e-6 && e > 3900.0, "{per_day:?}");
        }
    }

    #[test]
    fn surplus_charges_then_exports_then_curtails() {
        let p = SupplyParams {
            wind: WindParams { capacity_mw: 100.0, ..WindParams::default() },
            grid: GridParams { import_limit_mw: 10.0, export_limit_mw: 5.0, carbon_g_per_kwh: 400.0, ..GridParams::default() },
            battery: BatteryParams { energy_mwh: 100.0, power_mw: 20.0, ..BatteryParams::default() },
            ..SupplyParams::default()
        };
        let mut s = SupplyState::new(&p, 0.0, 0.0);
        let inp = DispatchInput { demand_mw: 50.0, wind_avail_mw: 100.0, ..DispatchInput::default() };
        let r = dispatch(&p, &mut s, &inp);
        assert_eq!(r.battery_mw, -20.0);
        assert_eq!(r.grid_export_mw, 5.0);
        assert_eq!(r.curtailed_mw, 25.0);
        assert_eq!(r.wind_delivered_mw, 75.0);
        assert_eq!(r.dispatchable_excess_mw, 0.0);
        assert_eq!(r.grid_import_mw, 0.0);
        assert_eq!(r.grid_carbon_kg, 0.0);
        assert!(r.balance_error_mw().abs() < 1e-12);
    }

    #[test]
    fn deficit_order_is_hydro_gas_battery_grid() {
        let p = SupplyParams {
            hydro: HydroParams { capacity_mw: 100.0, ..HydroParams::default() },
            gas: GasParams { capacity_mw: 50.0, ..GasParams::default() },
            grid: GridParams { import_limit_mw: 30.0, carbon_g_per_kwh: 400.0, ..GridParams::default() },
            battery: BatteryParams { energy_mwh: 100.0, power_mw: 20.0, ..BatteryParams::default() },
            ..SupplyParams::default()
        };
        let mut s = SupplyState::new(&p, 0.0, 150.0);
        let inp = DispatchInput { demand_mw: 190.0, dt_s: 3600.0, ..DispatchInput::default() };
        let r = dispatch(&p, &mut s, &inp);
        assert_eq!((r.hydro_mw, r.gas_mw, r.battery_mw), (100.0, 50.0, 20.0));
        assert_eq!(r.grid_import_mw, 20.0);
        // 20 MW for an hour at 400 g/kWh: 20 MWh × 400 = 8000 kg.
        assert!((r.grid_carbon_kg - 8000.0).abs() < 1e-9);
        assert!((r.gas_carbon_kg - 50.0 * 550.0).abs() < 1e-9);
    }

    #[test]
    fn nonsense_inputs_do_not_panic() {
        let mut p = all_sources();
        p.battery.max_grid_ramp_mw_per_s = Some(f64::NAN);
        p.battery.round_trip_efficiency_frac = f64::NAN;
        p.grid.import_limit_mw = f64::INFINITY;
        let mut s = SupplyState::new(&p, f64::NAN, f64::NAN);
        for x in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
            let inp = DispatchInput {
                demand_mw: x,
                wind_avail_mw: x,
                solar_avail_mw: x,
                dt_s: x,
                t_s: x,
                hydro_availability_frac: x,
                site_cap_mw: Some(x),
            };
            let r = dispatch(&p, &mut s, &inp);
            assert!(r.balance_error_mw().abs() <= 1e-9 * r.demand_mw.max(1.0), "{r:?}");
            assert!(available_supply_mw(&p, &s, &inp).is_finite());
        }
        let empty = SupplyParams::default();
        let mut s = SupplyState::new(&empty, 0.0, 100.0);
        let r = dispatch(&empty, &mut s, &DispatchInput { demand_mw: 100.0, ..DispatchInput::default() });
        assert_eq!(r.unserved_mw, 100.0);
    }
}
