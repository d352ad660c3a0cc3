//! Physical models, one module per component. No I/O, no clock, no global RNG: every model
//! is a function of its parameters, its state and its inputs.

pub mod calendar;
pub mod cdu;
pub mod electrical;
pub mod epw;
pub mod gpu;
pub mod gpu_replay;
pub mod hydraulics;
pub mod plant;
pub mod plant_side;
pub mod psychro;
pub mod sun;
pub mod supply;
pub mod supply_side;
pub mod weather;
pub mod workload;
