//! fjord: a second-by-second simulator of the power and cooling of GPU clusters.
//!
//! Data flow: a scenario file is parsed and resolved ([`scenario`]), the [`engine`] advances
//! the per-GPU, per-rack, per-CDU and plant state tables step by step using the component
//! models in [`model`], and hands every step to the [`output`] recorder, which writes the run
//! folder. See ARCHITECTURE.md.

pub mod calibrate;
pub mod cli;
pub mod engine;
pub mod error;
pub mod model;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod output;
pub mod plot;
pub mod rng;
pub mod scenario;
pub mod sweep;
pub mod telemetry;
pub mod units;

pub use error::{FjordError, Result};
