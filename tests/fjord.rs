//! fjord's integration tests: one test binary (as in ripgrep), one module per property.
//!
//! Every test asserts physics or the command-line contract of SPEC.md, not snapshots: each
//! could fail. Tests run the built `fjord` binary or the library on small scenarios, each
//! in its own temporary folder (see [`util::TestDir`]). Bad-input cases are data: one file
//! per case under `tests/bad/`, each naming the message it expects.

#[path = "fjord/util.rs"]
mod util;

#[path = "fjord/bad_input.rs"]
mod bad_input;
#[path = "fjord/cli.rs"]
mod cli;
#[path = "fjord/cooling.rs"]
mod cooling;
#[path = "fjord/determinism.rs"]
mod determinism;
#[path = "fjord/energy.rs"]
mod energy;
#[path = "fjord/epw_real.rs"]
mod epw_real;
#[path = "fjord/events.rs"]
mod events;
#[path = "fjord/hydraulics.rs"]
mod hydraulics;
#[path = "fjord/input.rs"]
mod input;
#[path = "fjord/monthly.rs"]
mod monthly;
#[cfg(feature = "mpi")]
#[path = "fjord/mpi.rs"]
mod mpi;
#[path = "fjord/plots.rs"]
mod plots;
#[path = "fjord/report.rs"]
mod report;
#[path = "fjord/safety.rs"]
mod safety;
#[path = "fjord/supply.rs"]
mod supply;
#[path = "fjord/telemetry.rs"]
mod telemetry;
#[path = "fjord/thermal.rs"]
mod thermal;
