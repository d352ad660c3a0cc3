//! Runs and sweeps across MPI ranks (cargo feature `mpi`; docs/SCALING.md).
//!
//! MPI starts only when the process was launched by an MPI launcher (`mpirun`, `srun`):
//! the launcher's environment (`OMPI_COMM_WORLD_SIZE`, `PMI_SIZE`, `PMIX_RANK`) names more
//! than one rank. Otherwise nothing here runs and `fjord` behaves as without the feature.
//! Every MPI call is made from the main thread, except the sweep coordinator on rank 0
//! (one thread, while the main thread makes none): MPI is initialised `Serialized`.
//!
//! **`fjord run`** ([`run`]): rank `p` of `n` steps the racks of CDUs
//! `p·C/n .. (p+1)·C/n` (whole CDUs) with rayon inside. Each step every rank contributes the
//! 17-value rows of its CDUs plus one status flag to a single `MPI_Allgatherv`; every rank
//! then folds the rows in CDU order and runs plant, supply and accumulators alike (scalar
//! models, microseconds), so no second message is needed to send the facility water
//! temperature and GPU cap back. Because the single-process engine folds the same per-CDU
//! rows in the same order, the run folder is byte-identical for any rank count and
//! `--threads`. At record windows the GPU temperature histograms are summed on rank 0
//! (`MPI_Reduce` of 4,000 counts); at the end the per-rack records are gathered. Rank 0
//! alone writes, through the same temporary folder and rename as one process.
//!
//! **`fjord sweep`** ([`sweep`]): every rank validates every case (bad input: exit 2 before
//! any work). Rank 0 creates the sweep folder; cases are handed out one at a time by a
//! coordinator thread on rank 0 (a rank that finishes asks for the next), each case runs
//! single-process into the shared sweep folder (ranks need a shared filesystem, as Slurm
//! clusters have), its summary travels back in the request for the next case, and rank 0
//! writes `sweep.csv` and the plots exactly as one process does.
//!
//! **Failures**: each phase ends with [`Mpi::agree`]: the exit codes of all ranks are
//! gathered, and the first failing rank's message is sent to rank 0, which prints it; every
//! rank exits with that code. Non-root ranks print nothing.

use crate::engine::run::{Peers, RunOptions, RunResult};
use crate::error::{FjordError, Result};
use crate::scenario::Scenario;
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Tag of an error message sent to rank 0.
const TAG_ERROR: i32 = 11;
/// Tag of a sweep worker's request (with its last result).
const TAG_REQUEST: i32 = 12;
/// Tag of the coordinator's answer (the next case, or −1).
const TAG_CASE: i32 = 13;

/// This process's MPI world.
pub struct Mpi {
    _universe: mpi::environment::Universe,
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
}

thread_local! {
    static WORLD: RefCell<Option<Mpi>> = const { RefCell::new(None) };
}

/// True if an MPI launcher started this process as one of several ranks.
pub fn launched() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"].iter().any(|v| std::env::var(v).ok().and_then(|s| s.parse::<u32>().ok()).is_some_and(|n| n > 1))
        || std::env::var("PMIX_RANK").is_ok()
}

/// Starts MPI on the main thread if [`launched`]; returns the number of ranks (1 if not).
pub fn init() -> Result<usize> {
    if !launched() {
        return Ok(1);
    }
    let (universe, threading) =
        mpi::initialize_with_threading(mpi::Threading::Serialized).ok_or_else(|| FjordError::Other("MPI was already initialised".into()))?;
    if threading < mpi::Threading::Serialized {
        return Err(FjordError::Other("the MPI library does not support calls from more than one thread (MPI_THREAD_SERIALIZED)".into()));
    }
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    WORLD.with(|w| *w.borrow_mut() = Some(Mpi { _universe: universe, world, rank, size }));
    Ok(size)
}

/// Ends MPI if it was started: a barrier (every rank has finished, rank 0 has printed),
/// then `MPI_Finalize`. Call before the process exits.
pub fn finish() {
    WORLD.with(|w| {
        if let Some(m) = w.borrow_mut().take() {
            m.world.barrier();
            drop(m);
        }
    });
}

/// This process's rank (0 without MPI).
pub fn rank() -> usize {
    WORLD.with(|w| w.borrow().as_ref().map_or(0, |m| m.rank))
}

/// Number of ranks (1 without MPI).
pub fn size() -> usize {
    WORLD.with(|w| w.borrow().as_ref().map_or(1, |m| m.size))
}

/// Fault injection for the tests of the failure path: `FJORD_FAULT_RANK=r` makes rank `r`
/// fail while the run starts, as a rank that cannot start would.
fn injected_fault() -> Result<()> {
    match std::env::var("FJORD_FAULT_RANK").ok().and_then(|v| v.parse::<usize>().ok()) {
        Some(r) if r == rank() => Err(FjordError::Other("fault injected on this rank (FJORD_FAULT_RANK)".into())),
        _ => Ok(()),
    }
}

/// Runs `f` with the world (on the thread that called [`init`]); `None` without MPI.
fn with_world<T>(f: impl FnOnce(&mut Mpi) -> T) -> Option<T> {
    WORLD.with(|w| w.borrow_mut().as_mut().map(f))
}

/// Agrees on `r` across ranks (identity without MPI); see [`Mpi::agree`].
pub fn agree<T>(r: Result<T>) -> Result<T> {
    match with_world(|m| m.agree(r.as_ref().map(|_| ()).map_err(|e| FjordError::Peer { message: e.to_string(), code: e.exit_code() }))) {
        None => r,
        Some(status) => match (r, status) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(v), Ok(())) => Ok(v),
        },
    }
}

impl Mpi {
    /// Collective: every rank reports `r`; if any failed, the first failing rank's message
    /// goes to rank 0, and every rank returns an error with that rank's exit code (rank 0:
    /// with the message, to print; a failing rank keeps its own error).
    pub fn agree(&mut self, r: Result<()>) -> Result<()> {
        let code: i32 = r.as_ref().err().map_or(0, FjordError::exit_code);
        let mut codes = vec![0i32; self.size];
        self.world.all_gather_into(&code, &mut codes[..]);
        let Some(first) = codes.iter().position(|&c| c != 0) else {
            return Ok(());
        };
        let fcode = codes[first];
        if first != 0 {
            if self.rank == first {
                let msg = r.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
                self.world.process_at_rank(0).send_with_tag(msg.as_bytes(), TAG_ERROR);
            } else if self.rank == 0 {
                let (bytes, _) = self.world.process_at_rank(first as i32).receive_vec_with_tag::<u8>(TAG_ERROR);
                let message = format!("rank {first}: {}", String::from_utf8_lossy(&bytes));
                return Err(FjordError::Peer { message, code: fcode });
            }
        }
        match r {
            Err(e) => Err(e),
            Ok(()) => Err(FjordError::Peer { message: format!("rank {first} failed"), code: fcode }),
        }
    }
}

impl Peers for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn agree(&mut self, r: Result<()>) -> Result<()> {
        Mpi::agree(self, r)
    }
    fn fill(&mut self, v: &mut [f64], part: &dyn Fn(usize) -> std::ops::Range<usize>, failed: bool) -> Result<()> {
        // One Allgatherv: [status, own part] from each rank.
        let own = part(self.rank);
        let mut send = Vec::with_capacity(own.len() + 1);
        send.push(if failed { 1.0 } else { 0.0 });
        send.extend_from_slice(&v[own]);
        let counts: Vec<i32> = (0..self.size).map(|p| (part(p).len() + 1) as i32).collect();
        let displs: Vec<i32> = counts.iter().scan(0, |acc, &c| Some(std::mem::replace(acc, *acc + c))).collect();
        let mut recv = vec![0.0f64; counts.iter().map(|&c| c as usize).sum()];
        {
            let mut partition = PartitionMut::new(&mut recv[..], &counts[..], &displs[..]);
            self.world.all_gather_varcount_into(&send[..], &mut partition);
        }
        let mut any_failed = None;
        for (p, &d) in displs.iter().enumerate() {
            let d = d as usize;
            if recv[d] != 0.0 && any_failed.is_none() {
                any_failed = Some(p);
            }
            let r = part(p);
            let n = r.len();
            v[r].copy_from_slice(&recv[d + 1..d + 1 + n]);
        }
        match any_failed {
            Some(p) => Err(FjordError::Peer { message: format!("rank {p} failed"), code: 1 }),
            None => Ok(()),
        }
    }
    fn sum_counts(&mut self, h: &mut [u64]) -> Result<()> {
        let root = self.world.process_at_rank(0);
        if self.rank == 0 {
            let mut out = vec![0u64; h.len()];
            root.reduce_into_root(&h[..], &mut out[..], SystemOperation::sum());
            h.copy_from_slice(&out);
        } else {
            root.reduce_into(&h[..], SystemOperation::sum());
        }
        Ok(())
    }
}

/// `fjord run` over the ranks: see the module doc. Must be called on the thread that called
/// [`init`]; `threads` sizes the global rayon pool each rank steps its GPUs with.
pub fn run(sc: Scenario, dest: &Path, opts: &RunOptions, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<RunResult> {
    // The engine's parallel stages run in the global rayon pool, sized by `--threads`; the
    // step loop, and so every MPI call, stays on this thread (`ThreadPool::install` would
    // move it onto a worker thread).
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.threads {
        b = b.num_threads(n.max(1));
    }
    let started = b.build_global().map_err(|e| FjordError::Other(format!("cannot start worker threads: {e}")));
    agree(started.and_then(|()| injected_fault()))?;
    let r = with_world(|m| {
        let root = m.rank == 0;
        let progress = |d: u64, t: u64| {
            if root {
                progress(d, t)
            }
        };
        crate::engine::run::run_with_peers(sc, dest, opts, &progress, m)
    });
    r.unwrap_or_else(|| Err(FjordError::Other("MPI is not initialised".into())))
}

/// `fjord sweep` over the ranks: see the module doc.
pub fn sweep(
    scenario: &Path,
    axes: &[crate::sweep::Axis],
    dest: &Path,
    opts: &crate::sweep::SweepOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<PathBuf> {
    let prepared = agree(crate::sweep::prepare(scenario, axes, dest, opts))?;
    let (grid, scenarios) = prepared;
    let total = scenarios.len();
    let r = rank();
    let folder =
        agree(if r == 0 { crate::output::runfolder::RunFolder::create(dest, crate::output::runfolder::Kind::Sweep).map(Some) } else { Ok(None) })?;
    // Rank 0 tells the others where the cases go.
    let tmp = with_world(|m| {
        let mut bytes = folder.as_ref().map(|f| f.tmp.to_string_lossy().into_owned().into_bytes()).unwrap_or_default();
        let mut len = bytes.len() as u64;
        m.world.process_at_rank(0).broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        m.world.process_at_rank(0).broadcast_into(&mut bytes[..]);
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    })
    .ok_or_else(|| FjordError::Other("MPI is not initialised".into()))?;
    let run_case = |i: usize, sc: Scenario| -> Result<crate::output::summary::Summary> {
        let case_dir = tmp.join(format!("case_{i:03}"));
        crate::engine::run::run(sc, &case_dir, &RunOptions { threads: opts.threads, plots: opts.format, ..Default::default() }, &|_, _| {})
            .map(|r| r.summary)
    };
    let mut scenarios: Vec<Option<Scenario>> = scenarios.into_iter().map(Some).collect();
    let outcome: Result<Vec<Option<crate::output::summary::Summary>>> =
        if r == 0 { coordinate(&mut scenarios, total, &run_case, progress) } else { work(&mut scenarios, &run_case).map(|_| Vec::new()) };
    let status = agree(outcome.as_ref().map(|_| ()).map_err(|e| FjordError::Peer { message: e.to_string(), code: e.exit_code() }));
    let summaries = match (outcome, status) {
        (Err(e), _) | (Ok(_), Err(e)) => return Err(e),
        (Ok(s), Ok(())) => s,
    };
    match folder {
        Some(folder) => {
            let summaries =
                summaries.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| FjordError::Other("a sweep case was never run".into()))?;
            agree(crate::sweep::finish(folder, axes, &grid, &summaries, opts))
        }
        None => agree(Ok(dest.to_path_buf())),
    }
}

/// A summary as JSON pairs in order (what travels from a worker to rank 0).
fn encode(i: i64, s: Option<&crate::output::summary::Summary>, failed: bool) -> Vec<u8> {
    let pairs: Vec<(String, serde_json::Value)> = s.map(|s| s.entries.clone()).unwrap_or_default();
    serde_json::to_vec(&(i, failed, pairs)).unwrap_or_default()
}

fn decode(bytes: &[u8]) -> Option<(i64, bool, crate::output::summary::Summary)> {
    let (i, failed, entries): (i64, bool, Vec<(String, serde_json::Value)>) = serde_json::from_slice(bytes).ok()?;
    Some((i, failed, crate::output::summary::Summary { entries }))
}

/// Rank 0: a coordinator thread hands out cases to the other ranks while this thread runs
/// cases too; both take the next case from one counter.
fn coordinate(
    scenarios: &mut [Option<Scenario>],
    total: usize,
    run_case: &(dyn Fn(usize, Scenario) -> Result<crate::output::summary::Summary> + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Option<crate::output::summary::Summary>>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<crate::output::summary::Summary>>> = Mutex::new(vec![None; total]);
    let remote_failed = AtomicBool::new(false);
    let cases: Vec<Mutex<Option<Scenario>>> = scenarios.iter_mut().map(|s| Mutex::new(s.take())).collect();
    let workers = size() - 1;
    let local: Result<()> = std::thread::scope(|s| {
        s.spawn(|| {
            // The coordinator's own handle on the world (only this thread calls MPI now).
            let world = SimpleCommunicator::world();
            let mut active = workers;
            while active > 0 {
                let (bytes, status) = world.any_process().receive_vec_with_tag::<u8>(TAG_REQUEST);
                if let Some((i, failed, summary)) = decode(&bytes) {
                    if failed {
                        remote_failed.store(true, Ordering::SeqCst);
                        stop.store(true, Ordering::SeqCst);
                    } else if i >= 0 {
                        if let Ok(mut r) = results.lock() {
                            r[i as usize] = Some(summary);
                        }
                        progress(done.fetch_add(1, Ordering::SeqCst) + 1, total);
                    }
                }
                let k = if stop.load(Ordering::SeqCst) { total } else { next.fetch_add(1, Ordering::SeqCst) };
                let answer: i64 = if k < total { k as i64 } else { -1 };
                world.process_at_rank(status.source_rank()).send_with_tag(&answer, TAG_CASE);
                if answer < 0 {
                    active -= 1;
                }
            }
        });
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let k = next.fetch_add(1, Ordering::SeqCst);
            if k >= total {
                return Ok(());
            }
            let sc = cases[k].lock().ok().and_then(|mut c| c.take());
            let Some(sc) = sc else { continue };
            match run_case(k, sc) {
                Ok(summary) => {
                    if let Ok(mut r) = results.lock() {
                        r[k] = Some(summary);
                    }
                    progress(done.fetch_add(1, Ordering::SeqCst) + 1, total);
                }
                Err(e) => {
                    stop.store(true, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
    });
    local?;
    if remote_failed.load(Ordering::SeqCst) {
        // The failing rank reports its own error in the agreement that follows.
        return Ok(Vec::new());
    }
    results.into_inner().map_err(|_| FjordError::Other("sweep results lost".into()))
}

/// Ranks > 0: ask rank 0 for a case, run it, send its summary with the next request.
fn work(scenarios: &mut [Option<Scenario>], run_case: &dyn Fn(usize, Scenario) -> Result<crate::output::summary::Summary>) -> Result<()> {
    let mut last: (i64, Option<crate::output::summary::Summary>) = (-1, None);
    let mut failure = None;
    loop {
        let failed = failure.is_some();
        let k = with_world(|m| {
            let root = m.world.process_at_rank(0);
            root.send_with_tag(&encode(last.0, last.1.as_ref(), failed)[..], TAG_REQUEST);
            let (k, _) = root.receive_with_tag::<i64>(TAG_CASE);
            k
        })
        .ok_or_else(|| FjordError::Other("MPI is not initialised".into()))?;
        if k < 0 {
            return match failure {
                Some(e) => Err(e),
                None => Ok(()),
            };
        }
        let k = k as usize;
        let Some(sc) = scenarios.get_mut(k).and_then(Option::take) else {
            return Err(FjordError::Other(format!("case {k} handed out twice")));
        };
        match run_case(k, sc) {
            Ok(s) => last = (k as i64, Some(s)),
            Err(e) => {
                failure = Some(e);
                last = (-1, None);
            }
        }
    }
}
