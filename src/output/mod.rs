//! Outputs: the recorder (window means and maxima of every step, streamed to
//! `timeseries.csv`), the summary metrics, and the run folder (written to a temporary folder
//! and renamed at the end). Plots, compare and sweep read run folders afterwards.

pub mod monthly;
pub mod parquet;
pub mod recorder;
pub mod runfolder;
pub mod summary;
