//! Measurements in: the side-file CSV reader every CSV goes through ([`csvfile`]),
//! timestamps ([`time`]), GPU telemetry readers ([`readers`]: nvidia-smi, DCGM, plain CSV),
//! trace replay data ([`replay`]) and published grid and generation series ([`series`]).
//!
//! Invariant: this module reads files and parses text; it holds no model physics.

pub mod csvfile;
pub mod readers;
pub mod replay;
pub mod series;
pub mod time;
