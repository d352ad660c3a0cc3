//! Plotting and reporting for fjord run folders.
//!
//! This module turns the files of a run folder (SPEC §4: `timeseries.csv`, `summary.json`,
//! optionally `racks.csv` and `ramps.csv`) into charts, a self-contained HTML report, a
//! side-by-side comparison of several runs, and the per-metric charts of a parameter sweep.
//!
//! Entry points:
//! - [`plot_run`] draws a run's charts into `RUN_DIR/plots/`;
//! - [`write_report`] writes `RUN_DIR/report.html` embedding those charts;
//! - [`compare_runs`] overlays several runs and writes `comparison.csv` / `comparison.md`;
//! - [`plot_sweep`] (and [`plot_sweep_metrics`]) draws each metric of a `sweep.csv` against
//!   the varied keys.
//!
//! All inputs are read header-driven: a column that is absent only omits its series, and a
//! chart none of whose series exist is skipped. Output files are byte-deterministic for the
//! same input. Long series are reduced to at most [`MAX_POINTS_PER_SERIES`] points by
//! min/max-preserving decimation (see [`data`]), so a week at 10 s rows draws as fast as a
//! day and every spike stays visible.
//!
//! Fonts: plotters bundles none, so the DejaVu Sans faces of the `dejavu` crate are
//! registered once (behind a [`std::sync::Once`]) before anything is drawn.

mod charts;
mod compare;
pub mod data;
mod floor;
mod html;
mod labels;
mod report;
mod run;
mod sweep;

use std::path::{Path, PathBuf};

pub use self::compare::compare_runs;
pub use self::report::{write_report, write_report_as};
pub use self::sweep::{plot_sweep, plot_sweep_metrics, write_sweep_report};

/// Width in pixels of every chart.
pub const WIDTH: u32 = 1600;
/// Height in pixels of every chart.
pub const HEIGHT: u32 = 900;
/// Upper bound on the points drawn per series; longer series are decimated (min/max kept).
pub const MAX_POINTS_PER_SERIES: usize = 4000;
/// Time-series buckets per chart: one per two pixel columns of the ~1,000-pixel plotting
/// area (the 1600-pixel image less the axis and legend). Series with more rows are drawn as
/// per-bucket means with a min–max envelope. Two columns rather than one keep the envelope
/// steady when a periodic load (a training iteration) is only slightly slower than a
/// one-pixel bucket, where per-pixel extremes would alias into stripes.
pub const PIXEL_COLUMNS: usize = 500;

/// Image format of the chart files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageFormat {
    /// Portable Network Graphics raster (1600x900 pixels).
    #[default]
    Png,
    /// Scalable Vector Graphics (1600x900 user units), text kept as text.
    Svg,
}

impl ImageFormat {
    /// File-name extension without the dot: `"png"` or `"svg"`.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }

    /// The format whose extension is `ext` (case-insensitive), if any.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "svg" => Some(ImageFormat::Svg),
            _ => None,
        }
    }
}

/// Width and height in pixels of a PNG file's `bytes`, read from its IHDR chunk, if the
/// bytes start with the PNG signature and the 13-byte IHDR chunk (PNG spec §5.2, §11.2.2) and
/// end with the IEND chunk; `None` otherwise.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let is_png = bytes.len() > 33
        && bytes[..8] == *b"\x89PNG\r\n\x1a\n"
        && bytes[8..12] == [0, 0, 0, 13]
        && bytes[12..16] == *b"IHDR"
        && bytes[bytes.len() - 8..bytes.len() - 4] == *b"IEND";
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    is_png.then(|| (be(16), be(20)))
}

/// Everything that can go wrong while reading run files or drawing.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A file or folder could not be read, written or created.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file is malformed (ragged row, bad UTF-8, a non-number in a numeric column).
    #[error("{path}:{line}: {message}", path = .path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number of the offending record (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A JSON file is malformed or not of the expected shape.
    #[error("{path}: {message}", path = .path.display())]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// What is wrong (with line and column where serde_json gives them).
        message: String,
    },
    /// A column that the operation cannot do without is missing.
    #[error("{path}: missing required column `{column}`", path = .path.display())]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// Name of the missing column.
        column: String,
    },
    /// `compare_runs` was given fewer than two run folders.
    #[error("compare needs at least 2 run folders, got {got}")]
    TooFewRuns {
        /// Number of run folders given.
        got: usize,
    },
    /// Any other invalid input (e.g. no varied key for a sweep, unknown plot extension).
    #[error("{0}")]
    InvalidInput(String),
    /// The plotting library failed while drawing a chart.
    #[error("drawing {path} failed: {message}", path = .path.display())]
    Draw {
        /// The chart file being drawn.
        path: PathBuf,
        /// The plotting library's message.
        message: String,
    },
}

impl PlotError {
    /// True for errors caused by bad input (unreadable or malformed files, missing columns,
    /// too few runs) — the CLI maps these to exit code 2; drawing failures map to 1.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, PlotError::Draw { .. })
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        PlotError::Io { path: path.to_path_buf(), source }
    }
}

/// A plotting error as a fjord error (bad input → exit code 2, drawing failures → 1).
impl From<PlotError> for crate::FjordError {
    fn from(e: PlotError) -> Self {
        if e.is_bad_input() {
            crate::FjordError::bad("plot", None, "", e.to_string())
        } else {
            crate::FjordError::Other(e.to_string())
        }
    }
}

/// Draws the charts of one run folder into `run_dir/plots/` and returns their paths.
///
/// Reads `timeseries.csv` (required; `time_s` is its only required column), `summary.json`
/// (optional: used for the throttle/shutdown reference lines and the ramp note), `ramps.csv`
/// (optional histogram of engine-step ramps) and `racks.csv` (optional per-rack temperatures).
/// Charts: `power`, `temperatures`, `gpu_spread`, `supply`, `ramps`, `compute`, `cooling`,
/// `racks`, each skipped when none of its series exist. Files are 1600x900 and
/// byte-deterministic for the same input.
pub fn plot_run(run_dir: &Path, format: ImageFormat) -> Result<Vec<PathBuf>, PlotError> {
    run::plot_run_impl(run_dir, format)
}

#[cfg(test)]
mod tests;
