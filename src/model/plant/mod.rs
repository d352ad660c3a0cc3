//! Facility-side cooling plant: everything between the CDUs' facility-water side and the
//! weather — facility water loop and pumps, dry coolers and their fan control, trim chiller,
//! heat reuse to district heating, and the air-side coils.
//!
//! One module per component, each with its equations, assumptions and sources in its doc
//! comment (estimates flagged \[E\], as in REFERENCE.md); [`facility`] ties them together in
//! [`facility::step`]. Pure code: no I/O, no clock, no randomness.

pub mod adiabatic;
pub mod air_side;
pub mod chiller;
pub mod coolant;
pub mod cooling_tower;
pub mod dry_cooler;
pub mod facility;
pub mod fjord_water;
pub mod heat_reuse;
pub mod hx;
pub mod params;
pub mod pi;
pub mod pump;

pub use facility::{step, HeatRejectionKind, PlantInputs, PlantOutputs, PlantParams, PlantSizing, PlantState};
