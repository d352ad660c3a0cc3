//! A pressure-driven flow network: nodes joined by branches (pumps, pipes, valves, heat
//! exchangers, rack branches), solved for every branch flow and node pressure by a damped
//! Newton method on the full (flows + pressures) system, with nalgebra's LU of the Jacobian.
//!
//! # Equations
//! Unknowns: the volume flow `Q_b` of every branch (m³/s, positive from its `from` node to its
//! `to` node) and the pressure `p_k` of every node but the reference node 0 (Pa, gauge; node 0
//! is held at 0 — a closed loop's static pressure does not change its flows).
//! * Branch `b` from `i` to `j`: `p_i − p_j − h_b(Q_b) = 0`, where `h_b` is the pressure the
//!   branch loses at that flow (negative for a pump, which gains pressure).
//!   - resistance (pipe, heat exchanger, cold-plate branch): `h = k·Q·(Q² + ε²)^((n−1)/2)`,
//!     i.e. `k·|Q|^(n−1)·Q` regularised at `|Q| ≲ ε` (ε = 10⁻⁹ of the design flow), so the
//!     Jacobian stays regular at zero flow; `n = 2` fully rough turbulent, `1.852`
//!     Hazen–Williams, `1.75–1.9` plate heat exchangers and cold plates.
//!   - valve: `h = ρ/ρ_w · 10⁵·(3600·Q/K_v)²` (K_v in m³/h at 1 bar; IEC 60534), with the
//!     same regularisation; `K_v = 0` (shut) turns the row into `Q_b = 0`.
//!   - pump group: `h = −Δp_pump(Q)` from [`super::pump::PumpGroup`]; no pump running → the
//!     check valve closes, `Q_b = 0`.
//! * Node `k ≠ 0`: continuity `Σ_in Q − Σ_out Q = 0` (incompressible). Node 0's continuity
//!   follows from the others.
//!
//! # Solver
//! Newton: `J·Δx = −F`. Each branch row depends on its own flow and its two end pressures
//! only, so the flows are eliminated exactly and the step comes from an `(N − 1)²` nodal
//! system factorised by nalgebra's LU with partial pivoting (the global gradient algorithm of
//! Todini & Pilati 1988, used by EPANET; see [`Network::solve`]) — `O(B)` work per iteration;
//! the dense `(B + N − 1)²` LU remains as a fallback. Rows are scaled (flows by the design
//! flow, pressures by the design head) so one tolerance serves both. Damping: the step is
//! halved (down to 1/64) until the scaled residual norm falls (Armijo-like backtracking).
//! Converged when the largest scaled residual is below [`TOL`] (10⁻¹⁰: 10⁻¹⁰ of the design
//! flow at every node, 10⁻¹⁰ of the design head in every branch). Continuity rows are linear,
//! so after any full Newton step they hold to rounding. Warm-started from the last solution.

use super::pump::PumpGroup;
use nalgebra::{DMatrix, DVector};

/// Convergence tolerance on the largest scaled residual.
pub const TOL: f64 = 1e-10;
/// Newton iterations before giving up (the last iterate is kept and flagged).
pub const MAX_ITER: u32 = 60;

/// What a branch is.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// `Δp = k·|Q|^(n−1)·Q` (Pa, Q in m³/s).
    Resistance {
        /// Coefficient (Pa/(m³/s)^n).
        k: f64,
        /// Exponent.
        n: f64,
    },
    /// A resistance (`k`, `n`: the cold plates, hoses, manifold) in series with a valve of
    /// flow coefficient `kv_m3_h` (0 = shut).
    ValvedResistance {
        /// Coefficient of the fixed part (Pa/(m³/s)^n).
        k: f64,
        /// Exponent of the fixed part.
        n: f64,
        /// Valve flow coefficient at its present position (m³/h at 1 bar).
        kv_m3_h: f64,
        /// Fluid density over water density (valve sizing is for water).
        rel_density: f64,
    },
    /// A group of identical pumps in parallel.
    Pump(PumpGroup),
}

/// One branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Upstream node.
    pub from: usize,
    /// Downstream node.
    pub to: usize,
    /// What it is.
    pub element: Element,
}

/// A network and its last solution.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Number of nodes (node 0 is the pressure reference).
    pub nodes: usize,
    /// Branches.
    pub branches: Vec<Branch>,
    /// Branch flows (m³/s), the last solution (or the initial guess).
    pub flow_m3_s: Vec<f64>,
    /// Node pressures (Pa, node 0 = 0).
    pub pressure_pa: Vec<f64>,
    /// Flow scale (m³/s): the design flow.
    pub flow_scale_m3_s: f64,
    /// Pressure scale (Pa): the design head.
    pub pressure_scale_pa: f64,
}

/// Outcome of a solve.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SolveReport {
    /// Newton iterations taken.
    pub iterations: u32,
    /// Largest scaled residual at the end.
    pub residual: f64,
    /// True if the tolerance was met.
    pub converged: bool,
}

/// A branch's loss and its derivative, `None` for a shut branch ([`branch_loss`]).
type Loss = Option<(f64, f64)>;

/// Pressure loss `h(Q)` of a branch and its derivative `dh/dQ` (Pa, Pa/(m³/s)); `None`
/// for a shut branch (its row is `Q = 0`).
pub fn branch_loss(e: &Element, q: f64, eps: f64) -> Option<(f64, f64)> {
    match e {
        Element::Resistance { k, n } => Some(power_law(*k, *n, q, eps)),
        Element::ValvedResistance { k, n, kv_m3_h, rel_density } => {
            if *kv_m3_h <= 0.0 {
                return None;
            }
            let (h1, d1) = power_law(*k, *n, q, eps);
            let kv = 1e5 * rel_density * (3600.0 / kv_m3_h).powi(2);
            let (h2, d2) = power_law(kv, 2.0, q, eps);
            Some((h1 + h2, d1 + d2))
        }
        Element::Pump(g) => {
            if g.running == 0 {
                return None;
            }
            let (dp, ddp) = g.head_pa(q);
            Some((-dp, -ddp))
        }
    }
}

/// `k·Q·(Q²+ε²)^((n−1)/2)` and its derivative `k·a·(1 + (n−1)·Q²/(Q²+ε²))`,
/// `a = (Q²+ε²)^((n−1)/2)` (one `powf`; a square root for `n = 2`).
fn power_law(k: f64, n: f64, q: f64, eps: f64) -> (f64, f64) {
    let s = q * q + eps * eps;
    let a = if n == 2.0 { s.sqrt() } else { s.powf(0.5 * (n - 1.0)) };
    let h = k * q * a;
    let d = k * a * (1.0 + (n - 1.0) * q * q / s);
    (h, d)
}

/// Smallest scaled branch derivative `|∂F_b/∂Q_b|·Q_scale` the reduced (nodal) Newton step
/// divides by; below it (a pump at exactly zero flow, whose curve is flat there) the step is
/// taken on the full system instead.
const MIN_SCALED_DIAG: f64 = 1e-9;

impl Network {
    /// A network with `nodes` nodes and the given branches; flows start at `q0` each.
    pub fn new(nodes: usize, branches: Vec<Branch>, flow_scale_m3_s: f64, pressure_scale_pa: f64) -> Self {
        let nb = branches.len();
        Network { nodes, branches, flow_m3_s: vec![0.0; nb], pressure_pa: vec![0.0; nodes], flow_scale_m3_s, pressure_scale_pa }
    }

    /// Size of the unknown vector.
    fn size(&self) -> usize {
        self.branches.len() + self.nodes - 1
    }

    /// Scaled residuals `F(x)` into `f` (branch rows, then continuity rows of nodes 1..) and,
    /// if `diag` is given, each branch row's derivative in its own flow `∂F_b/∂Q_b` (the only
    /// non-constant entries of the Jacobian; `None` entries mark shut branches, whose row is
    /// `Q_b/Q_s`). `x` = flows then pressures of nodes 1.. .
    fn residual(&self, x: &[f64], f: &mut [f64], mut diag: Option<&mut [f64]>, shut: &mut [bool]) {
        let nb = self.branches.len();
        let eps = 1e-9 * self.flow_scale_m3_s;
        let (qs, ps) = (self.flow_scale_m3_s, self.pressure_scale_pa);
        let p = |k: usize| if k == 0 { 0.0 } else { x[nb + k - 1] };
        // Parallel branches are usually identical (the same element at the same flow, as
        // every iterate keeps equal branches equal): the loss of the branch before is reused
        // then — the same arguments, the same bits, one `powf` instead of one per branch.
        let mut last: Option<(&Element, u64, Loss)> = None;
        for (b, br) in self.branches.iter().enumerate() {
            let q = x[b];
            let loss = match last {
                Some((e, qb, l)) if qb == q.to_bits() && *e == br.element => l,
                _ => branch_loss(&br.element, q, eps),
            };
            last = Some((&br.element, q.to_bits(), loss));
            match loss {
                None => {
                    shut[b] = true;
                    f[b] = q / qs;
                    if let Some(d) = diag.as_deref_mut() {
                        d[b] = 1.0 / qs;
                    }
                }
                Some((h, dh)) => {
                    shut[b] = false;
                    f[b] = (p(br.from) - p(br.to) - h) / ps;
                    if let Some(d) = diag.as_deref_mut() {
                        d[b] = -dh / ps;
                    }
                }
            }
        }
        for v in &mut f[nb..] {
            *v = 0.0;
        }
        for (b, br) in self.branches.iter().enumerate() {
            let q = x[b] / qs;
            if br.to != 0 {
                f[nb + br.to - 1] += q;
            }
            if br.from != 0 {
                f[nb + br.from - 1] -= q;
            }
        }
    }

    /// Newton step `dx` solving `J·dx = −F` by eliminating the branch flows (see
    /// [`Network::solve`]); `None` if the reduced matrix is singular or a branch derivative is
    /// too small to divide by.
    fn reduced_step(&self, f: &[f64], diag: &[f64], shut: &[bool], dx: &mut [f64]) -> Option<()> {
        let nb = self.branches.len();
        let np = self.nodes - 1;
        let (qs, ps) = (self.flow_scale_m3_s, self.pressure_scale_pa);
        if diag.iter().any(|d| !d.is_finite() || d.abs() * qs < MIN_SCALED_DIAG) {
            return None;
        }
        // S = C·D⁻¹·B and r = F_node − C·D⁻¹·F_branch, with B_b,from = 1/p_s, B_b,to = −1/p_s
        // for an open branch (0 for a shut one) and C_from,b = −1/q_s, C_to,b = 1/q_s.
        let mut s = DMatrix::<f64>::zeros(np, np);
        let mut r = DVector::<f64>::from_iterator(np, f[nb..].iter().copied());
        for (b, br) in self.branches.iter().enumerate() {
            let inv = 1.0 / diag[b];
            let fb = f[b] * inv;
            let (cf, ct) = (-1.0 / qs, 1.0 / qs);
            if br.from != 0 {
                r[br.from - 1] -= cf * fb;
            }
            if br.to != 0 {
                r[br.to - 1] -= ct * fb;
            }
            if shut[b] {
                continue;
            }
            let g = inv / ps;
            for (k, ck) in [(br.from, cf), (br.to, ct)] {
                if k == 0 {
                    continue;
                }
                if br.from != 0 {
                    s[(k - 1, br.from - 1)] += ck * g;
                }
                if br.to != 0 {
                    s[(k - 1, br.to - 1)] -= ck * g;
                }
            }
        }
        let dp = s.lu().solve(&r)?;
        if !dp.iter().all(|v| v.is_finite()) {
            return None;
        }
        for (b, br) in self.branches.iter().enumerate() {
            let mut rhs = -f[b];
            if !shut[b] {
                if br.from != 0 {
                    rhs -= dp[br.from - 1] / ps;
                }
                if br.to != 0 {
                    rhs += dp[br.to - 1] / ps;
                }
            }
            dx[b] = rhs / diag[b];
        }
        dx[nb..].copy_from_slice(dp.as_slice());
        Some(())
    }

    /// Newton step on the full `(B + N − 1)²` Jacobian (dense LU); the fallback of
    /// [`Network::reduced_step`].
    fn full_step(&self, f: &[f64], diag: &[f64], shut: &[bool], dx: &mut [f64]) -> Option<()> {
        let nb = self.branches.len();
        let n = self.size();
        let (qs, ps) = (self.flow_scale_m3_s, self.pressure_scale_pa);
        let mut j = DMatrix::<f64>::zeros(n, n);
        for (b, br) in self.branches.iter().enumerate() {
            j[(b, b)] = diag[b];
            if !shut[b] {
                if br.from != 0 {
                    j[(b, nb + br.from - 1)] += 1.0 / ps;
                }
                if br.to != 0 {
                    j[(b, nb + br.to - 1)] -= 1.0 / ps;
                }
            }
            if br.to != 0 {
                j[(nb + br.to - 1, b)] += 1.0 / qs;
            }
            if br.from != 0 {
                j[(nb + br.from - 1, b)] -= 1.0 / qs;
            }
        }
        let rhs = DVector::from_iterator(n, f.iter().map(|v| -v));
        let sol = j.lu().solve(&rhs)?;
        dx.copy_from_slice(sol.as_slice());
        Some(())
    }

    /// Solves for flows and pressures from the last solution (damped Newton).
    ///
    /// The Jacobian has the block form `[[D, B], [C, 0]]`: `D` diagonal (each branch's loss
    /// depends on its own flow only), `B` the ±1/p_s pressure incidences of the open
    /// branches, `C` the ±1/q_s flow incidences of the continuity rows. The Newton step is
    /// found exactly by eliminating the flows (the nodal form of the global gradient
    /// algorithm, Todini & Pilati 1988, as in EPANET): `(C·D⁻¹·B)·Δp = F_n − C·D⁻¹·F_b`, an
    /// `(N − 1)²` system factorised by nalgebra's LU, then `ΔQ = D⁻¹·(−F_b − B·Δp)`. Same
    /// iterates as the full LU in exact arithmetic, at `O(B)` cost per iteration instead of
    /// `O((B + N)³)`; the full LU is kept for the rare singular case (a running pump at
    /// exactly zero flow).
    pub fn solve(&mut self) -> SolveReport {
        let n = self.size();
        let nb = self.branches.len();
        let mut x: Vec<f64> = self.flow_m3_s.iter().copied().chain(self.pressure_pa[1..].iter().copied()).collect();
        let mut f = vec![0.0; n];
        let mut f_try = vec![0.0; n];
        let mut x_try = vec![0.0; n];
        let mut dx = vec![0.0; n];
        let mut diag = vec![0.0; nb];
        let mut shut = vec![false; nb];
        let mut shut_try = vec![false; nb];
        let amax = |v: &[f64]| v.iter().fold(0.0f64, |m, a| if a.abs() > m || a.is_nan() { a.abs() } else { m });
        let mut report = SolveReport::default();
        self.residual(&x, &mut f, Some(&mut diag), &mut shut);
        let mut norm = amax(&f);
        while norm > TOL && report.iterations < MAX_ITER {
            report.iterations += 1;
            if self.reduced_step(&f, &diag, &shut, &mut dx).is_none() && self.full_step(&f, &diag, &shut, &mut dx).is_none() {
                break;
            }
            // Backtracking on the residual norm.
            let mut alpha = 1.0;
            let mut accepted = false;
            while alpha >= 1.0 / 64.0 {
                for i in 0..n {
                    x_try[i] = x[i] + alpha * dx[i];
                }
                self.residual(&x_try, &mut f_try, None, &mut shut_try);
                let nt = amax(&f_try);
                if nt.is_finite() && (nt < norm * (1.0 - 1e-4 * alpha) || nt <= TOL) {
                    accepted = true;
                    break;
                }
                alpha *= 0.5;
            }
            if accepted {
                std::mem::swap(&mut x, &mut x_try);
            } else {
                // Take the smallest step anyway (keeps moving out of flat regions).
                for i in 0..n {
                    x[i] += alpha * dx[i];
                }
            }
            self.residual(&x, &mut f, Some(&mut diag), &mut shut);
            norm = amax(&f);
        }
        report.residual = norm;
        report.converged = norm <= TOL;
        if x.iter().all(|v| v.is_finite()) {
            self.flow_m3_s.copy_from_slice(&x[..nb]);
            self.pressure_pa[1..].copy_from_slice(&x[nb..]);
        }
        report
    }

    /// Net inflow at node `k` (m³/s): Σ in − Σ out.
    pub fn imbalance_m3_s(&self, k: usize) -> f64 {
        let mut s = 0.0;
        for (b, br) in self.branches.iter().enumerate() {
            if br.to == k {
                s += self.flow_m3_s[b];
            }
            if br.from == k {
                s -= self.flow_m3_s[b];
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::super::pump::{PumpCurve, PumpGroup};
    use super::*;

    fn pump(running: u32) -> PumpGroup {
        PumpGroup { curve: PumpCurve::new(0.01, 200e3), installed: 2, running, speed_frac: 1.0 }
    }

    #[test]
    fn single_pump_on_quadratic_system_matches_closed_form() {
        // Pump: Δp = s²·H0 − c·Q²; system: Δp = k·Q². Closed form: Q = s·sqrt(H0/(c + k)).
        let g = pump(1);
        let k = 150e3 / (0.01f64 * 0.01);
        let mut net = Network::new(
            2,
            vec![Branch { from: 0, to: 1, element: Element::Pump(g.clone()) }, Branch { from: 1, to: 0, element: Element::Resistance { k, n: 2.0 } }],
            0.01,
            200e3,
        );
        let r = net.solve();
        assert!(r.converged, "{r:?}");
        let h0 = g.curve.shutoff_head_pa();
        let c = g.curve.curve_coeff();
        let q = (h0 / (c + k)).sqrt();
        assert!((net.flow_m3_s[0] - q).abs() / q < 1e-9, "{} vs {q}", net.flow_m3_s[0]);
        assert!((net.pressure_pa[1] - k * q * q).abs() / (k * q * q) < 1e-9);
    }

    #[test]
    fn identical_parallel_branches_split_equally_and_nodes_balance() {
        let mut br = vec![Branch { from: 0, to: 1, element: Element::Pump(pump(1)) }];
        br.push(Branch { from: 1, to: 2, element: Element::Resistance { k: 2e8, n: 1.852 } });
        for _ in 0..7 {
            br.push(Branch { from: 2, to: 3, element: Element::ValvedResistance { k: 3e9, n: 1.8, kv_m3_h: 20.0, rel_density: 1.02 } });
        }
        br.push(Branch { from: 3, to: 0, element: Element::Resistance { k: 2e8, n: 2.0 } });
        let mut net = Network::new(4, br, 0.01, 200e3);
        let r = net.solve();
        assert!(r.converged, "{r:?}");
        let q0 = net.flow_m3_s[2];
        assert!(q0 > 0.0);
        for b in 2..9 {
            assert!((net.flow_m3_s[b] - q0).abs() / q0 < 1e-12);
        }
        let total = net.flow_m3_s[0];
        for k in 0..4 {
            assert!(net.imbalance_m3_s(k).abs() <= 1e-9 * total, "node {k}");
        }
        assert!((7.0 * q0 - total).abs() / total < 1e-9);
    }

    #[test]
    fn shut_branches_carry_no_flow() {
        let mut net = Network::new(
            2,
            vec![
                Branch { from: 0, to: 1, element: Element::Pump(pump(1)) },
                Branch { from: 1, to: 0, element: Element::ValvedResistance { k: 1e9, n: 2.0, kv_m3_h: 0.0, rel_density: 1.0 } },
                Branch { from: 1, to: 0, element: Element::Resistance { k: 1e9, n: 2.0 } },
            ],
            0.01,
            200e3,
        );
        assert!(net.solve().converged);
        assert_eq!(net.flow_m3_s[1], 0.0);
        assert!(net.flow_m3_s[2] > 0.0);
        // No pump running: nothing flows.
        net.branches[0].element = Element::Pump(pump(0));
        assert!(net.solve().converged);
        assert!(net.flow_m3_s.iter().all(|q| q.abs() < 1e-12), "{:?}", net.flow_m3_s);
    }

    #[test]
    fn nodal_step_equals_the_full_lu_step() {
        // Off the solution, with one shut valve: eliminating the flows gives the same Newton
        // step as the dense LU of the whole Jacobian.
        let mut br = vec![Branch { from: 0, to: 1, element: Element::Pump(pump(2)) }];
        br.push(Branch { from: 1, to: 2, element: Element::Resistance { k: 2e8, n: 1.852 } });
        for i in 0..6 {
            let kv = if i == 2 { 0.0 } else { 10.0 + i as f64 };
            br.push(Branch {
                from: 2,
                to: 3,
                element: Element::ValvedResistance { k: 3e9 * (1.0 + 0.1 * i as f64), n: 1.8, kv_m3_h: kv, rel_density: 1.02 },
            });
        }
        br.push(Branch { from: 3, to: 0, element: Element::Resistance { k: 2e8, n: 2.0 } });
        let net = Network::new(4, br, 0.01, 200e3);
        let n = net.size();
        let x: Vec<f64> = (0..n).map(|i| if i < 9 { 0.001 * (1.0 + 0.37 * i as f64) } else { 50e3 * (1.0 + 0.5 * i as f64) }).collect();
        let (mut f, mut d, mut shut) = (vec![0.0; n], vec![0.0; 9], vec![false; 9]);
        net.residual(&x, &mut f, Some(&mut d), &mut shut);
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        net.reduced_step(&f, &d, &shut, &mut a).unwrap();
        net.full_step(&f, &d, &shut, &mut b).unwrap();
        for i in 0..n {
            let scale = if i < 9 { 0.01 } else { 200e3 };
            assert!((a[i] - b[i]).abs() <= 1e-9 * scale, "{i}: {} vs {}", a[i], b[i]);
        }
        assert!(a[4].abs() > 0.0 && (x[4] + a[4]).abs() < 1e-15, "shut branch steps to zero flow");
    }

    #[test]
    fn running_pump_against_shut_valves_falls_back_to_the_full_lu() {
        // Zero flow through a running pump: its curve is flat there (∂F/∂Q = 0), the nodal
        // step cannot divide by it and the full LU takes over; pressure = shut-off head.
        let g = pump(1);
        let mut net = Network::new(
            2,
            vec![
                Branch { from: 0, to: 1, element: Element::Pump(g.clone()) },
                Branch { from: 1, to: 0, element: Element::ValvedResistance { k: 1e9, n: 2.0, kv_m3_h: 0.0, rel_density: 1.0 } },
            ],
            0.01,
            200e3,
        );
        let r = net.solve();
        assert!(r.converged, "{r:?}");
        assert_eq!(net.flow_m3_s[1], 0.0);
        assert!((net.pressure_pa[1] - g.curve.shutoff_head_pa()).abs() < 1e-6 * g.curve.shutoff_head_pa());
    }
}
