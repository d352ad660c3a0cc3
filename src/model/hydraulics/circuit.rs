//! One pumped circuit: a pump group feeding parallel branches (a CDU's racks, or the
//! facility's CDUs) between a supply and a return header, through a series heat exchanger and
//! piping, with the pump speed on a differential-pressure PI controller.
//!
//! # Topology
//! ```text
//!  node 0 (suction, p = 0) ──pump group──► node 1 ──series HX + supply pipe──► node 2 (supply header)
//!  node 2 ══ parallel branch i (fixed part k_i·Qⁿ + valve K_v(x_i)) ══► node 3 (return header)
//!  node 3 ──return pipe (and, on the facility side, the heat rejection equipment)──► node 0
//! ```
//! Headers are taken as loss-free (short, generously sized, reverse-return): every parallel
//! branch sees the same header pressure difference \[E\].
//!
//! # Design (all at design flow `Q_d`, pump head `Δp_d`, speed 1)
//! * The header difference is `branch_dp_frac·Δp_d`; of it, the valve takes its authority
//!   share `a` (fully open) and the fixed part (cold plates, hoses, manifold — or the CDU's
//!   facility-side plate HX) the rest: `k_i = (1 − a)·Δp_hdr/q_d,iⁿ`.
//! * The series heat exchanger takes `hx_dp_frac·Δp_d` (supply leg), the piping the
//!   remainder (return leg), so at design the pump works at its BEP.
//! * `fouling` multiplies a branch's fixed `k`.
//!
//! # Control
//! The pump speed holds the header difference at its setpoint: a PI controller on the
//! relative error `e = (Δp_set − Δp_hdr)/Δp_set`, `s = k_p·e + I`, `I += (k_p·h/T_i)·e`
//! (anti-windup: `I` clamped to the speed range), stepped in sub-steps of at most `T_i` (at
//! most [`MAX_PI_SUBSTEPS`] per engine step; on longer steps the integral gain per sub-step is
//! capped at `k_p`). The controller acts on the last solution (one sub-step of delay), so
//! with a quasi-static network of gain `g = d(Δp_hdr/Δp_set)/ds ≈ 2–3` the discrete loop
//! `x_k = I_{k−1} − (k_i+k_p)·g·x_{k−1}` is stable for `(k_i + k_p)·g < 1`-ish; the defaults
//! (`k_p` 0.15, `T_i` 1.5 s) give eigenvalues ≈ 0.8 and −0.4 per second at `g` 2–3: the
//! speed settles in tens of seconds, as VFD ramps and PI loops on real pumps do \[E\].
//!
//! # When the network is solved
//! Only when something that moves the operating point changed since the last solve: the
//! pumps running, a valve position, a fouling factor, the setpoint, or the PI's speed by more
//! than [`SPEED_EPS`]. A settled (or saturated) loop costs nothing per step.
//!
//! **Dead band.** The controller holds the speed (no move, no solve) while the header Δp is
//! within [`DP_DEADBAND`] = ±0.5 % of its setpoint, as a BMS loop does: wet-side Δp
//! transmitters are specified to ±0.25–1 % of span \[E\] (manufacturers state accuracy as a
//! percentage of span; a loop tighter than its sensor only chases noise), and a VFD speed
//! command is not re-issued for sub-percent errors. Bound on flows: every open branch sees the
//! header Δp, and its flow is `Δp^(1/n_eff)` with an effective exponent `n_eff` between the
//! fixed part's `n` (1.8) and the valve's 2, so a held Δp within `(1 ± δ)` of the setpoint
//! keeps every branch flow within `(1 ± δ)^(1/1.8)`, i.e. ±0.28 % of its flow at the setpoint
//! (tested). The thermal effect is negligible (a rack's coolant rise changes by the same
//! 0.28 %, about 0.03 K at 10 K). The dead band cut the solves of a Stargate Norway day from
//! 11,144 to 4,532 (nearly all of them the facility loop settling after each of the day's
//! ~255 setpoint resets).

use super::network::{Branch, Element, Network, SolveReport};
use super::pump::{PumpCurve, PumpGroup};
use super::valve::Valve;

/// Speed changes below this (fraction of design speed) do not trigger a solve.
pub const SPEED_EPS: f64 = 1e-7;
/// Relative header-Δp error inside which the controller holds still (settled): ±0.5 % of the
/// setpoint, within a wet-side Δp transmitter's accuracy \[E\] (see the module docs).
pub const DP_DEADBAND: f64 = 5e-3;
/// Most PI sub-steps per engine step.
pub const MAX_PI_SUBSTEPS: u32 = 8;

/// Design of one circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitDesign {
    /// Design flow through each parallel branch (m³/s).
    pub branch_flow_m3_s: Vec<f64>,
    /// Pump head at design (Pa).
    pub head_pa: f64,
    /// Share of the head across the headers at design.
    pub branch_dp_frac: f64,
    /// Share of the head in the series heat exchanger.
    pub hx_dp_frac: f64,
    /// Pressure-drop exponent of the branches' fixed part.
    pub branch_exponent: f64,
    /// Pressure-drop exponent of the heat exchanger.
    pub hx_exponent: f64,
    /// Pressure-drop exponent of the piping.
    pub pipe_exponent: f64,
    /// Valve authority (open, design flow).
    pub valve_authority_frac: f64,
    /// Duty pumps (sharing the design flow).
    pub duty_pumps: u32,
    /// Standby pumps.
    pub standby_pumps: u32,
    /// One pump's curve template (its design point is filled from the circuit).
    pub pump: PumpCurve,
    /// Speed range.
    pub min_speed_frac: f64,
    /// Speed range.
    pub max_speed_frac: f64,
    /// PI proportional gain (speed per relative error).
    pub kp: f64,
    /// PI integral time (s).
    pub ti_s: f64,
    /// Fluid density over water density.
    pub rel_density: f64,
}

/// A circuit: network, controller and the inputs of its last solve.
#[derive(Debug, Clone)]
pub struct Circuit {
    /// The network (branch 0 the pump group, 1 HX + supply pipe, 2.. the parallel branches,
    /// last the return pipe).
    pub net: Network,
    valves: Vec<Valve>,
    fixed_k: Vec<f64>,
    branch_exponent: f64,
    rel_density: f64,
    /// Header setpoint at design (Pa).
    pub design_dp_set_pa: f64,
    /// Present header setpoint (Pa).
    pub dp_set_pa: f64,
    integral: f64,
    kp: f64,
    ti_s: f64,
    min_speed: f64,
    max_speed: f64,
    /// Duty pumps.
    pub duty_pumps: u32,
    /// Installed pumps.
    pub installed_pumps: u32,
    /// Inputs of the last solve: (running, positions, fouling, setpoint, speed).
    last_running: u32,
    last_pos: Vec<f64>,
    last_foul: Vec<f64>,
    last_set: f64,
    last_speed: f64,
    /// The controller held still at the last step with these inputs (nothing to do until an
    /// input changes).
    settled: bool,
    /// Solves done so far.
    pub solves: u64,
    /// Last solve's report.
    pub last_report: SolveReport,
    /// Electric power of the pumps at the last solution (W).
    pub pump_power_w: f64,
}

impl Circuit {
    /// Builds the circuit at its design point and solves it once.
    pub fn new(d: &CircuitDesign) -> Self {
        let nbr = d.branch_flow_m3_s.len();
        let q_total: f64 = d.branch_flow_m3_s.iter().sum();
        let dp_hdr = d.branch_dp_frac * d.head_pa;
        let dp_hx = d.hx_dp_frac * d.head_pa;
        let dp_pipe = (d.head_pa - dp_hdr - dp_hx).max(1e-3 * d.head_pa);
        let duty = d.duty_pumps.max(1);
        let curve = PumpCurve { design_flow_m3_s: q_total / f64::from(duty), design_head_pa: d.head_pa, ..d.pump };
        let group = PumpGroup { curve, installed: duty + d.standby_pumps, running: duty, speed_frac: 1.0 };
        let mut branches = Vec::with_capacity(nbr + 3);
        branches.push(Branch { from: 0, to: 1, element: Element::Pump(group) });
        // HX and supply pipe in series as one branch: Δp = k_hx·Q^n_hx + k_p·Q^n_p is not a
        // single power law, so the HX is the supply leg and the piping sits on the return.
        let k_hx = dp_hx / q_total.powf(d.hx_exponent);
        branches.push(Branch { from: 1, to: 2, element: Element::Resistance { k: k_hx, n: d.hx_exponent } });
        let mut valves = Vec::with_capacity(nbr);
        let mut fixed_k = Vec::with_capacity(nbr);
        let a = d.valve_authority_frac;
        for &q in &d.branch_flow_m3_s {
            let rest = (1.0 - a) * dp_hdr;
            let v = Valve::sized(q, rest, a, d.rel_density);
            let k = rest / q.powf(d.branch_exponent);
            branches.push(Branch {
                from: 2,
                to: 3,
                element: Element::ValvedResistance { k, n: d.branch_exponent, kv_m3_h: v.kvs_m3_h, rel_density: d.rel_density },
            });
            valves.push(v);
            fixed_k.push(k);
        }
        let k_pipe = dp_pipe / q_total.powf(d.pipe_exponent);
        branches.push(Branch { from: 3, to: 0, element: Element::Resistance { k: k_pipe, n: d.pipe_exponent } });
        let mut net = Network::new(4, branches, q_total, d.head_pa);
        // Initial guess: the design point.
        net.flow_m3_s[0] = q_total;
        net.flow_m3_s[1] = q_total;
        for (i, q) in d.branch_flow_m3_s.iter().enumerate() {
            net.flow_m3_s[2 + i] = *q;
        }
        net.flow_m3_s[nbr + 2] = q_total;
        net.pressure_pa = vec![0.0, d.head_pa, d.head_pa - dp_hx, dp_pipe];
        let mut c = Circuit {
            net,
            valves,
            fixed_k,
            branch_exponent: d.branch_exponent,
            rel_density: d.rel_density,
            design_dp_set_pa: dp_hdr,
            dp_set_pa: dp_hdr,
            integral: 1.0,
            kp: d.kp,
            ti_s: d.ti_s,
            min_speed: d.min_speed_frac,
            max_speed: d.max_speed_frac,
            duty_pumps: duty,
            installed_pumps: duty + d.standby_pumps,
            last_running: duty,
            last_pos: vec![1.0; nbr],
            last_foul: vec![1.0; nbr],
            last_set: dp_hdr,
            last_speed: 1.0,
            settled: false,
            solves: 0,
            last_report: SolveReport::default(),
            pump_power_w: 0.0,
        };
        c.solve();
        c
    }

    /// True when [`Circuit::update`] with the inputs of its last call does nothing: the
    /// controller held still (settled or saturated) at the last update.
    pub fn is_settled(&self) -> bool {
        self.settled
    }

    /// Number of parallel branches.
    pub fn branches(&self) -> usize {
        self.valves.len()
    }

    /// Flow through parallel branch `i` (m³/s).
    pub fn branch_flow_m3_s(&self, i: usize) -> f64 {
        self.net.flow_m3_s[2 + i]
    }

    /// Total pumped flow (m³/s).
    pub fn flow_m3_s(&self) -> f64 {
        self.net.flow_m3_s[0]
    }

    /// Pump group pressure rise (Pa).
    pub fn pump_head_pa(&self) -> f64 {
        self.net.pressure_pa[1]
    }

    /// Header pressure difference (Pa).
    pub fn header_dp_pa(&self) -> f64 {
        self.net.pressure_pa[2] - self.net.pressure_pa[3]
    }

    /// Pump speed (fraction of design).
    pub fn speed_frac(&self) -> f64 {
        self.pump().speed_frac
    }

    /// The pump group.
    pub fn pump(&self) -> &PumpGroup {
        match &self.net.branches[0].element {
            Element::Pump(g) => g,
            _ => unreachable!("branch 0 is the pump group"),
        }
    }

    fn pump_mut(&mut self) -> &mut PumpGroup {
        match &mut self.net.branches[0].element {
            Element::Pump(g) => g,
            _ => unreachable!("branch 0 is the pump group"),
        }
    }

    fn solve(&mut self) {
        self.last_report = self.net.solve();
        self.solves += 1;
        let q = self.flow_m3_s();
        self.pump_power_w = self.pump().power_w(q);
    }

    /// Advances the circuit by `dt_s` with `running` pumps, branch valve positions
    /// `positions` and fouling factors `fouling` (both one per parallel branch), and the
    /// header setpoint `dp_set_pa`. Returns true if the network was solved.
    pub fn update(&mut self, dt_s: f64, running: u32, positions: &[f64], fouling: &[f64], dp_set_pa: f64) -> bool {
        let running = running.min(self.installed_pumps);
        let mut changed = running != self.last_running || dp_set_pa != self.last_set;
        if positions != self.last_pos.as_slice() || fouling != self.last_foul.as_slice() {
            changed = true;
            for i in 0..self.valves.len() {
                let kv = self.valves[i].kv_m3_h(positions[i]);
                let k = self.fixed_k[i] * fouling[i];
                self.net.branches[2 + i].element =
                    Element::ValvedResistance { k, n: self.branch_exponent, kv_m3_h: kv, rel_density: self.rel_density };
            }
            self.last_pos.copy_from_slice(positions);
            self.last_foul.copy_from_slice(fouling);
        }
        if !changed && self.settled {
            return false;
        }
        self.dp_set_pa = dp_set_pa;
        self.last_set = dp_set_pa;
        self.last_running = running;
        self.pump_mut().running = running;
        let mut solved = false;
        if changed {
            self.solve();
            solved = true;
        }
        if dt_s <= 0.0 {
            self.settled = false;
            return solved;
        }
        let n = (dt_s / self.ti_s).ceil().clamp(1.0, f64::from(MAX_PI_SUBSTEPS));
        let h = dt_s / n;
        let gain = (self.kp * h / self.ti_s).min(self.kp);
        self.settled = false;
        for _ in 0..n as u32 {
            let e = if running == 0 { 0.0 } else { (self.dp_set_pa - self.header_dp_pa()) / self.dp_set_pa.max(1.0) };
            if e.abs() < DP_DEADBAND {
                self.settled = true;
                break;
            }
            let integral = (self.integral + gain * e).clamp(self.min_speed, self.max_speed);
            let s = (self.kp * e + integral).clamp(self.min_speed, self.max_speed);
            if (s - self.last_speed).abs() <= SPEED_EPS && integral == self.integral {
                // Saturated at a speed limit: nothing moves until an input changes.
                self.settled = true;
                break;
            }
            self.integral = integral;
            if (s - self.last_speed).abs() <= SPEED_EPS {
                continue;
            }
            self.pump_mut().speed_frac = s;
            self.last_speed = s;
            self.solve();
            solved = true;
        }
        solved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn design(racks: usize) -> CircuitDesign {
        CircuitDesign {
            branch_flow_m3_s: vec![0.0028; racks],
            head_pa: 200e3,
            branch_dp_frac: 0.5,
            hx_dp_frac: 0.25,
            branch_exponent: 1.8,
            hx_exponent: 1.8,
            pipe_exponent: 1.852,
            valve_authority_frac: 0.5,
            duty_pumps: 1,
            standby_pumps: 1,
            pump: PumpCurve::new(1.0, 1.0),
            min_speed_frac: 0.2,
            max_speed_frac: 1.1,
            kp: 0.15,
            ti_s: 1.5,
            rel_density: 1.02,
        }
    }

    fn run(c: &mut Circuit, secs: u32, running: u32, pos: &[f64], foul: &[f64]) {
        let set = c.design_dp_set_pa;
        for _ in 0..secs {
            c.update(1.0, running, pos, foul, set);
        }
    }

    #[test]
    fn design_point_is_the_bep_and_branches_split_equally() {
        let c = Circuit::new(&design(20));
        assert!(c.last_report.converged);
        let q = c.flow_m3_s();
        assert!((q - 20.0 * 0.0028).abs() / q < 1e-9, "{q}");
        assert!((c.pump_head_pa() - 200e3).abs() < 1e-3);
        assert!((c.header_dp_pa() - 100e3).abs() < 1e-3);
        for i in 0..20 {
            assert!((c.branch_flow_m3_s(i) - 0.0028).abs() < 1e-12);
        }
        for k in 0..4 {
            assert!(c.net.imbalance_m3_s(k).abs() <= 1e-9 * q);
        }
    }

    #[test]
    fn closed_branch_sends_its_flow_to_the_others_and_controller_holds_dp() {
        let mut c = Circuit::new(&design(10));
        let mut pos = vec![1.0; 10];
        let foul = vec![1.0; 10];
        pos[3] = 0.0;
        run(&mut c, 300, 1, &pos, &foul);
        assert_eq!(c.branch_flow_m3_s(3), 0.0);
        // Δp held within the dead band: the other racks keep their design flow within
        // (1 ± δ)^(1/1.8); the pump slows down.
        assert!((c.header_dp_pa() - 100e3).abs() / 100e3 < DP_DEADBAND, "{}", c.header_dp_pa());
        let bound = (1.0 + DP_DEADBAND).powf(1.0 / 1.8) - 1.0;
        for i in (0..10).filter(|&i| i != 3) {
            assert!((c.branch_flow_m3_s(i) - 0.0028).abs() / 0.0028 <= bound, "{}", c.branch_flow_m3_s(i));
        }
        assert!(c.speed_frac() < 1.0);
        // Settled: no more solves.
        let n = c.solves;
        run(&mut c, 10, 1, &pos, &foul);
        assert_eq!(c.solves, n);
        // Without control (speed frozen at design) the others get more than design.
        let mut d = design(10);
        d.kp = 0.0;
        let mut c2 = Circuit::new(&d);
        run(&mut c2, 5, 1, &pos, &foul);
        assert!(c2.branch_flow_m3_s(0) > 0.0028 * 1.001);
    }

    #[test]
    fn tripped_pump_with_standby_recovers() {
        let mut c = Circuit::new(&design(10));
        let pos = vec![1.0; 10];
        let foul = vec![1.0; 10];
        run(&mut c, 5, 0, &pos, &foul);
        assert!(c.flow_m3_s().abs() < 1e-12);
        assert_eq!(c.pump_power_w, 0.0);
        run(&mut c, 60, 1, &pos, &foul);
        assert!((c.flow_m3_s() - 0.028).abs() / 0.028 < 1e-3, "{}", c.flow_m3_s());
    }

    #[test]
    fn dead_band_bounds_every_branch_flow_and_stops_solving() {
        // Half the racks' valves half-shut: the header Δp jumps, the PI slows the pump and
        // stops inside ±δ; every open rack then gets its setpoint flow within (1 ± δ)^(1/1.8),
        // and a settled loop does no more solves.
        let mut c = Circuit::new(&design(20));
        let foul = vec![1.0; 20];
        let pos: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 0.5 } else { 1.0 }).collect();
        run(&mut c, 120, 1, &pos, &foul);
        let set = c.design_dp_set_pa;
        let dp = c.header_dp_pa();
        assert!((dp - set).abs() / set < DP_DEADBAND, "{dp}");
        let bound = (1.0 + DP_DEADBAND).powf(1.0 / 1.8) - 1.0;
        assert!(bound < 0.0028, "{bound}");
        for i in (1..20).step_by(2) {
            // Fully open racks: exactly design flow at the setpoint.
            let q = c.branch_flow_m3_s(i);
            assert!((q - 0.0028).abs() / 0.0028 <= bound, "rack {i}: {q}");
        }
        let n = c.solves;
        assert!(n < 40, "{n} solves to settle");
        run(&mut c, 60, 1, &pos, &foul);
        assert_eq!(c.solves, n);
    }
}
