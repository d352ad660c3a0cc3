//! What the command line prints: the `fjord run` summary table, the `fjord check` report and
//! the `fjord presets` listing. Text only; `main.rs` decides where it goes.

use crate::{engine, model, output, scenario, units};

/// The summary table printed by `fjord run`.
pub fn summary_table(s: &output::summary::Summary) -> String {
    let keys = [
        ("gpus", ""),
        ("it_energy_mwh", "MWh"),
        ("facility_energy_mwh", "MWh"),
        ("pue", ""),
        ("peak_facility_power_mw", "MW"),
        ("gpu_temp_max_c", "°C"),
        ("throttled_gpu_hours", "h"),
        ("compute_delivered_frac", ""),
        ("max_ramp_mw_per_s", "MW/s"),
        ("renewable_frac", ""),
        ("carbon_t", "t"),
        ("energy_cost", ""),
        ("unserved_mwh", "MWh"),
        ("chiller_hours", "h"),
        ("heat_reused_mwh", "MWh"),
        ("water_m3", "m³"),
        ("wue_l_per_kwh", "L/kWh"),
        ("energy_balance_error_frac", ""),
        ("wall_s", "s"),
        ("gpu_steps_per_s", ""),
    ];
    let mut t = format!("{}\n", s.get("scenario_name").and_then(|v| v.as_str()).unwrap_or(""));
    for (k, unit) in keys {
        if let Some(v) = s.get_f64(k) {
            t.push_str(&format!("  {k:<28} {:>14} {unit}\n", engine::run::fmt_sig(v)));
        }
    }
    t
}

/// Reads the scenario's side files exactly as `run` does (the EPW weather file, the grid's
/// carbon and price files; traces are read when the scenario loads), so `check` refuses what
/// `run` would refuse (bad input, exit 2).
pub fn check_side_files(sc: &scenario::Scenario) -> crate::Result<()> {
    engine::weather_source(sc)?;
    model::supply_side::SupplySide::new(sc)?;
    Ok(())
}

/// What `fjord check` prints for a scenario: resolved size and warnings.
pub fn check_report(sc: &scenario::Scenario) -> String {
    let it_mw = sc.it_capacity_w() * 1e-6;
    let cooling_mw = model::plant_side::rejection_capacity_w(sc) * 1e-6;
    let supply_mw = model::supply_side::capacity_w(sc).map(|w| w * 1e-6);
    let mut t = format!("{}: {}\n", sc.name, "ok");
    t.push_str(&format!("  racks {}  GPUs {}  ({} × {} per rack)\n", sc.racks, sc.gpus(), sc.gpu_name, sc.gpus_per_rack));
    t.push_str(&format!("  IT capacity {:.1} MW (all GPUs at TDP)\n", it_mw));
    t.push_str(&format!("  cooling capacity {:.1} MW ({})\n", cooling_mw, sc.cooling.rejection.kind));
    if sc.cooling.rejection.kind == "dry_coolers" {
        let p = model::plant_side::params_for(sc);
        let dc = &p.dry_coolers;
        t.push_str(&format!(
            "  dry coolers: {} units, UA {:.0} kW/K and fans {:.1} kW each at full speed; design {:.1} °C ambient, {:.1} K approach\n",
            dc.units,
            dc.ua_rated_w_k / 1e3,
            dc.rated_fan_power_w / 1e3,
            sc.cooling.rejection.design_ambient_c,
            sc.cooling.rejection.design_approach_k
        ));
        if let Some(ch) = &sc.cooling.chiller {
            t.push_str(&format!("  trim chiller: {:.1} MW\n", ch.capacity_w / 1e6));
        }
    }
    match supply_mw {
        Some(s) => t.push_str(&format!("  supply capacity {:.1} MW\n", s)),
        None => t.push_str("  supply: unlimited grid connection (no [supply] block)\n"),
    }
    t.push_str(&format!("  {} steps of {}, {} jobs, {} events\n", sc.steps(), units::format_duration(sc.step_s), sc.jobs.len(), sc.events.len()));
    let peak_heat_mw = it_mw; // all GPUs at TDP: the design heat
    if cooling_mw < 0.995 * peak_heat_mw {
        t.push_str(&format!("  warning: heat rejection {cooling_mw:.1} MW is below peak heat {peak_heat_mw:.1} MW at the design ambient\n"));
    }
    let peak_demand_mw = it_mw / sc.power.distribution_efficiency_frac * 1.05;
    if let Some(s) = supply_mw {
        if s < peak_demand_mw {
            t.push_str(&format!("  warning: supply {s:.1} MW is below peak demand ~{peak_demand_mw:.1} MW: expect GPU caps or unserved energy\n"));
        }
    }
    t
}

/// The `fjord presets` listing.
pub fn presets_text() -> String {
    let mut t = String::from("# fjord presets\nTags: [S] sourced, [S2] secondary, [D] derived, [E] engineering estimate. Sources: shared REFERENCE.md sections.\n\n## GPUs (cluster.gpu; [gpu] overrides single numbers)\n");
    for p in scenario::presets::GPU_PRESETS {
        t.push_str(&format!(
            "\n{} — {}\n  tdp_w {}  idle_w {}  leakage_frac {}  leakage_per_k {}  leakage_ref_c {}\n  r_th_k_per_w {}  c_th_j_per_k {} (tau {:.1} s)  throttle_c {}  shutdown_c {}\n  gpus_per_rack {}  rack_overhead_kw {}\n",
            p.name, p.description, p.gpu.tdp_w, p.gpu.idle_w, p.gpu.leakage_frac, p.gpu.leakage_per_k, p.gpu.leakage_ref_c, p.gpu.r_th_k_per_w, p.gpu.c_th_j_per_k, p.gpu.r_th_k_per_w * p.gpu.c_th_j_per_k, p.gpu.throttle_c, p.gpu.shutdown_c, p.gpus_per_rack, p.rack_overhead_kw
        ));
        for (q, src) in p.sources {
            t.push_str(&format!("    {q:<34} {src}\n"));
        }
    }
    t.push_str("\n## Coolants (cooling.coolant)\n");
    for (n, rho, cp, src) in scenario::resolve::COOLANTS {
        t.push_str(&format!("  {n:<8} density {rho} kg/m³  c_p {cp} J/(kg·K)  {src}\n"));
    }
    t.push_str("\n## Climates (site.climate; or site.weather_file = an EPW file)\n");
    for name in model::weather::Climate::NAMES {
        if let Some(c) = model::weather::Climate::from_name(name) {
            t.push_str(&format!("\n{name}\n"));
            for (q, v, src) in c.describe() {
                t.push_str(&format!("    {q:<28} {v:<40} {src}\n"));
            }
        }
    }
    t.push_str(&defaults_text());
    for l in crate::model::hydraulics::params::describe() {
        t.push_str(&l);
        t.push('\n');
    }
    t.push_str(&scenario::check::ranges_text());
    t
}

fn defaults_text() -> String {
    let lines: &[&str] = &[
        "## Other defaults (scenario.resolved.toml shows every value a run used)",
        "scenario: start 2026-01-15T00:00:00Z, duration 24h, step 1s, record_every 10s, seed 1",
        "### Workloads",
        "  training: iteration_s 2.0 [S2]/[E] (REFERENCE §8.6), compute_frac 0.75 [E], compute_utilization_frac 0.965 (≈0.97 TDP [S2]/[E]),",
        "  comm_utilization_frac 0.2 (≈0.30 TDP [E]), checkpoint every 30m for 60 s [E], mtbf from 2e-5 failures per GPU-hour [D]",
        "  (Llama 3, §8.3), restart_s 600 [D], phase_jitter_s 0.03 [E] (§8.6)",
        "  inference: mean 0.55, diurnal amplitude 0.25, peak 14:00 local solar time, noise 0.05 [E]",
        "### Rack side and CDUs",
        "  liquid_capture_frac 0.85 [E]/[S2] (§2.8), tcs_supply_setpoint_c 35 [E] (§3.5), fws_supply_setpoint_c = tcs − 5 K,",
        "  flow 1.5 L/min/kW [S2] (OCP, §3.2), CDU approach 3 K [S2] (§3.4), one CDU per 20 racks [E], TCS volume 0.08 m³ per rack [E] (§2.6),",
        "  TCS pump head 200 kPa, pump wire-to-water efficiency 0.65 [E] (§3.6), CDU valve time constant 30 s [E]",
        "### Facility plant",
        "  facility water: volume ≈2 m³ per MW [E], design ΔT 10 K [E], pump head 150 kPa [E], minimum flow 0.3 [E]",
        "  dry coolers: sized for the design heat (all GPUs at TDP) at design_ambient_c = setpoint − 10 K (median approach 10 K [S], §4.1),",
        "  ~2 MW per unit [E], fan power 0.02 W/W at design [E] with the cube of speed, UA ∝ airflow^0.7 [E] (§4.1), minimum speed 0.1 [E],",
        "  fans and bypass valve: feed-forward of the load (10 s lag [E]) plus a PI trim with anti-windup (closed-loop time ~60 s [E])",
        "  trim chiller (optional): COP = 0.5 × reversed Carnot [E] (§4.2), evaporator 3 K below the water, condenser 10 K above ambient, 10 min minimum run [E]",
        "  heat reuse (optional): 4th-generation network 60/35 °C [S] (§9), 5 K approaches [E], heat pump at 0.5 of Carnot [E] (§9);",
        "  heat-pump electricity reported apart (heat_pump_power_mw), not in PUE; ERE = (facility − reused)/IT (The Green Grid)",
        "  air side: fan coils / rear doors at 0.046 W of fan power per W of air heat [E] (400 Pa, 12 K air rise, §4.4)",
        "### Heat rejection kinds (cooling.heat_rejection.kind; every non-ideal kind is the same ε-NTU bank with fan/pump control, different sink)",
        "  dry_coolers: sink = dry bulb; no water",
        "  cooling_tower: sink = wet bulb (WMO-No. 8 psychrometer equation from the dew point); approach 5 K [S] and fan 0.015 W/W [S] (Energies 2023 16(9) 3661, §4.1);",
        "    Braun et al. 1989 effectiveness model; evaporation = heat / latent heat (latent_frac 1.0: SPX 'Cooling Tower Fundamentals' rule of thumb) [S2],",
        "    drift_frac 1e-5 (0.001 % of circulating flow, modern eliminators) [S2], cycles_of_concentration 5 (3-7, US EPA WaterSense at Work) [S2]; make-up = E + drift + blowdown",
        "  adiabatic_dry_coolers: dry coolers with pads wetted above switch_over_c 25 °C [E]; saturation_efficiency_frac 0.85 (cellulose pads 0.80-0.90, Munters CELdek) [S2];",
        "    coil inlet = T_db − η·(T_db − T_wb); water = air flow · c_p · cooling / latent heat (pad bleed not counted) [E]",
        "  fjord_water: titanium plate HX to deep fjord water; intake_temp_c 8 °C all year (Green Mountain, DCK 2011; Lefdal ~500 m, 2017) [S2];",
        "    seawater_rise_k 12 (Green Mountain in ~8 °C, out ~20 °C, §9) [S]; intake_head_kpa 100 [E] at 0.65 wire-to-water; sized at the warmest month's intake; no water",
        "  water: water_m3 and wue_l_per_kwh (L per kWh of IT energy, The Green Grid WUE); 0 for dry coolers, fjord water and ideal",
        "### Electrical chain",
        "  PSU curve 80 PLUS Titanium-like, peak 0.96 [S]/[E] (§5); PSU nameplate 2 × rack design (N+N) [S] (§2.8);",
        "  distribution 0.975 [E] (transformer 0.99 × UPS eco 0.99 × distribution 0.995, §5); mechanical feed 0.99 [E]; base load 0.45 % of IT capacity (800 kW at 178 MW) [E]",
        "### Supply ([supply]; absent = unlimited grid connection)",
        "  hydro: ramp 60 MW/min [E] (tens of %/min, §7.3), ramp_down_mw_per_min = ramp unless set, governor_band_frac 0 (output = set point; 0.1 in the shipped scenarios [E]); optional daily energy budget or reservoir",
        "  wind: hub 100 m, shear exponent 0.14, cut-in 3 / rated 12 / cut-out 25 m/s [E] (generic curve)",
        "  solar: derate 0.86, −0.4 %/K, NOCT 45 °C [E]; fixed tilt = |latitude| (≤ 40°), equator-facing, isotropic sky",
        "  gas: ramp 20 %/min (frame GT) [S2] (§7.3), ramp_down_frac_per_min = ramp unless set, governor_band_frac 0 [E], 550 g CO2/kWh simple cycle [D]/[E] (§7.4)",
        "  grid: 19 g CO2/kWh (Norwegian delivered mix 2022) [S2] (§7.4); ERCOT ≈390 g/kWh [S2]/[E]",
        "  battery: round trip 0.9, state of charge 0.05-0.95, start 0.5 [E]; max_grid_ramp_mw_per_s > 0 turns on ramp smoothing",
        "  GPU power smoothing: [gpu] power_floor_frac (0.6-0.7 typical [S2]/[E]) and ramp_up/ramp_down_w_per_s (NVML power smoothing, §8.5)",
        "  grid series: carbon_file/price_file with carbon_column/price_column, time_column, align = calendar (default) | day_of_year; currency names energy_cost",
        "  wind/solar profile_file (+ profile_column, profile_unit = capacity_frac (default) | mw) replaces the weather-driven model",
        "### Measurements",
        "  [gpu] utilization_exponent 1 (linear idle→TDP curve); `fjord calibrate TELEMETRY --gpu PRESET` fits it, idle, TDP, leakage, R and C",
        "  trace jobs: format = auto (default) | nvidia-smi | dcgm | csv; signal = auto (power when logged) | power | utilization;",
        "  tile = aligned (default) | shifted; sample_every 1s for files without times (dcgmi dmon -d 1000)",
    ];
    let mut t = String::from("\n");
    for l in lines {
        t.push_str(l);
        t.push('\n');
    }
    t
}
