//! Parquet outputs for analysts (pandas, polars, DuckDB): `timeseries.parquet` (the CSV's
//! columns and units, written beside it with `--parquet`) and `racks_timeseries.parquet`
//! (`--series racks`: one row per rack per record window).
//!
//! Written with the `parquet` crate's low-level column writers (no Arrow), Snappy-compressed,
//! in row groups of at most [`ROW_GROUP_ROWS`] rows, so memory stays bounded for any run
//! length. Numbers are `DOUBLE`, indices `INT32`, the timestamp a UTF-8 `BYTE_ARRAY`; every
//! column is `REQUIRED` (a missing value is written as NaN, as in the CSV).
//!
//! Rack series (per rack, per window; means over the window's engine steps unless noted):
//! `time_s` window start; `rack`, `cdu` indices; `power_kw` rack input power (PSU included);
//! `gpu_temp_mean_c` mean GPU temperature in the rack; `gpu_temp_max_c` hottest GPU in the
//! rack over the window (max); `throttled_gpu_frac` share of the rack's GPUs throttling;
//! `inlet_c` TCS supply of its CDU; `outlet_c` = inlet + Q_liquid/(ṁ_rack·c_p), with the CDU's
//! flow split evenly over its racks (a stopped pump: the CDU's return temperature).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, ConvertedType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::error::{FjordError, Result};

/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 262_144;

/// Physical kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit float.
    F64,
    /// 32-bit integer.
    I32,
    /// UTF-8 text.
    Text,
}

/// One column's values for a row group.
#[derive(Debug, Clone)]
pub enum Column {
    /// Floats.
    F64(Vec<f64>),
    /// Integers.
    I32(Vec<i32>),
    /// Text.
    Text(Vec<String>),
}

impl Column {
    fn empty(kind: Kind) -> Column {
        match kind {
            Kind::F64 => Column::F64(Vec::new()),
            Kind::I32 => Column::I32(Vec::new()),
            Kind::Text => Column::Text(Vec::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::F64(v) => v.len(),
            Column::I32(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    fn clear(&mut self) {
        match self {
            Column::F64(v) => v.clear(),
            Column::I32(v) => v.clear(),
            Column::Text(v) => v.clear(),
        }
    }
}

/// A Parquet file being written: buffered columns flushed as row groups.
pub struct ParquetOut {
    path: PathBuf,
    writer: SerializedFileWriter<File>,
    /// The buffered columns, in schema order (push values, then call [`ParquetOut::row_done`]).
    pub columns: Vec<Column>,
}

fn pq_err(path: &Path, e: impl std::fmt::Display) -> FjordError {
    FjordError::Other(format!("{}: writing Parquet: {e}", path.display()))
}

impl ParquetOut {
    /// Creates `path` with the columns `schema` (name, kind).
    pub fn create(path: &Path, schema: &[(&str, Kind)]) -> Result<ParquetOut> {
        let mut fields = Vec::with_capacity(schema.len());
        for (name, kind) in schema {
            let builder = match kind {
                Kind::F64 => Type::primitive_type_builder(name, PhysicalType::DOUBLE),
                Kind::I32 => Type::primitive_type_builder(name, PhysicalType::INT32),
                Kind::Text => Type::primitive_type_builder(name, PhysicalType::BYTE_ARRAY).with_converted_type(ConvertedType::UTF8),
            };
            fields.push(Arc::new(builder.with_repetition(Repetition::REQUIRED).build().map_err(|e| pq_err(path, e))?));
        }
        let root = Type::group_type_builder("schema").with_fields(fields).build().map_err(|e| pq_err(path, e))?;
        let props =
            WriterProperties::builder().set_compression(Compression::SNAPPY).set_created_by(format!("fjord {}", env!("CARGO_PKG_VERSION"))).build();
        let file = File::create(path).map_err(|e| FjordError::io(path, e))?;
        let writer = SerializedFileWriter::new(file, Arc::new(root), Arc::new(props)).map_err(|e| pq_err(path, e))?;
        Ok(ParquetOut { path: path.to_path_buf(), writer, columns: schema.iter().map(|(_, k)| Column::empty(*k)).collect() })
    }

    /// Call after pushing one value into every column: writes a row group when full.
    pub fn row_done(&mut self) -> Result<()> {
        if self.columns.first().map_or(0, Column::len) >= ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group (nothing if empty).
    pub fn flush(&mut self) -> Result<()> {
        let rows = self.columns.first().map_or(0, Column::len);
        if rows == 0 {
            return Ok(());
        }
        let path = self.path.clone();
        let mut rg = self.writer.next_row_group().map_err(|e| pq_err(&path, e))?;
        for col in &self.columns {
            let Some(mut w) = rg.next_column().map_err(|e| pq_err(&path, e))? else {
                return Err(pq_err(&path, "fewer columns in the schema than buffered"));
            };
            match col {
                Column::F64(v) => w.typed::<DoubleType>().write_batch(v, None, None).map(|_| ()),
                Column::I32(v) => w.typed::<Int32Type>().write_batch(v, None, None).map(|_| ()),
                Column::Text(v) => {
                    let bytes: Vec<ByteArray> = v.iter().map(|s| ByteArray::from(s.as_str())).collect();
                    w.typed::<ByteArrayType>().write_batch(&bytes, None, None).map(|_| ())
                }
            }
            .map_err(|e| pq_err(&path, e))?;
            w.close().map_err(|e| pq_err(&path, e))?;
        }
        rg.close().map_err(|e| pq_err(&path, e))?;
        self.columns.iter_mut().for_each(Column::clear);
        Ok(())
    }

    /// Flushes the last rows and writes the footer.
    pub fn close(mut self) -> Result<()> {
        self.flush()?;
        let path = self.path.clone();
        self.writer.close().map_err(|e| pq_err(&path, e))?;
        Ok(())
    }
}

/// Writes `parquet_path` from the run's `timeseries.csv` (same columns, same order; `time_s`
/// and the numbers as `DOUBLE`, `timestamp` as text), streaming row group by row group.
pub fn timeseries_from_csv(csv_path: &Path, parquet_path: &Path) -> Result<()> {
    let mut reader = csv::Reader::from_path(csv_path).map_err(|e| FjordError::Other(format!("{}: {e}", csv_path.display())))?;
    let headers: Vec<String> =
        reader.headers().map_err(|e| FjordError::Other(format!("{}: {e}", csv_path.display())))?.iter().map(String::from).collect();
    let schema: Vec<(&str, Kind)> = headers.iter().map(|h| (h.as_str(), if h == "timestamp" { Kind::Text } else { Kind::F64 })).collect();
    let mut out = ParquetOut::create(parquet_path, &schema)?;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| FjordError::Other(format!("{}: {e}", csv_path.display())))? {
        for (col, cell) in out.columns.iter_mut().zip(record.iter()) {
            match col {
                Column::Text(v) => v.push(cell.to_string()),
                Column::F64(v) => v.push(cell.parse::<f64>().unwrap_or(f64::NAN)),
                Column::I32(v) => v.push(cell.parse::<i32>().unwrap_or(0)),
            }
        }
        out.row_done()?;
    }
    out.close()
}

/// Column names of `racks_timeseries.parquet`.
pub const RACK_COLUMNS: [(&str, Kind); 9] = [
    ("time_s", Kind::F64),
    ("rack", Kind::I32),
    ("cdu", Kind::I32),
    ("power_kw", Kind::F64),
    ("gpu_temp_mean_c", Kind::F64),
    ("gpu_temp_max_c", Kind::F64),
    ("throttled_gpu_frac", Kind::F64),
    ("inlet_c", Kind::F64),
    ("outlet_c", Kind::F64),
];

/// One rack's step values for the rack series.
#[derive(Debug, Clone, Copy, Default)]
pub struct RackSample {
    /// Rack input power (W).
    pub power_w: f64,
    /// Mean GPU temperature (°C).
    pub gpu_temp_mean_c: f64,
    /// Hottest GPU (°C).
    pub gpu_temp_max_c: f64,
    /// Share of GPUs throttling.
    pub throttled_frac: f64,
    /// Coolant inlet (°C).
    pub inlet_c: f64,
    /// Coolant outlet (°C).
    pub outlet_c: f64,
}

/// Window accumulator of the rack series, streaming to `racks_timeseries.parquet`.
pub struct RackSeries {
    out: ParquetOut,
    cdu_of_rack: Vec<i32>,
    sums: Vec<RackSample>,
    n: u64,
    window_start_s: f64,
}

impl RackSeries {
    /// A rack series for racks whose CDUs are `cdu_of_rack`, written to `path`.
    pub fn create(path: &Path, cdu_of_rack: &[u32]) -> Result<RackSeries> {
        Ok(RackSeries {
            out: ParquetOut::create(path, &RACK_COLUMNS)?,
            cdu_of_rack: cdu_of_rack.iter().map(|&c| c as i32).collect(),
            sums: vec![RackSample::default(); cdu_of_rack.len()],
            n: 0,
            window_start_s: 0.0,
        })
    }

    /// Adds one engine step that began at `t_s`; `sample(r)` gives rack `r`'s values.
    pub fn push(&mut self, t_s: f64, sample: impl Fn(usize) -> RackSample) {
        if self.n == 0 {
            self.window_start_s = t_s;
        }
        for (r, acc) in self.sums.iter_mut().enumerate() {
            let s = sample(r);
            acc.power_w += s.power_w;
            acc.gpu_temp_mean_c += s.gpu_temp_mean_c;
            acc.gpu_temp_max_c = if self.n == 0 { s.gpu_temp_max_c } else { acc.gpu_temp_max_c.max(s.gpu_temp_max_c) };
            acc.throttled_frac += s.throttled_frac;
            acc.inlet_c += s.inlet_c;
            acc.outlet_c += s.outlet_c;
        }
        self.n += 1;
    }

    /// Closes the window: one row per rack.
    pub fn flush(&mut self) -> Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        let n = self.n as f64;
        for (r, acc) in self.sums.iter().enumerate() {
            let row: [f64; 6] =
                [acc.power_w / n / 1e3, acc.gpu_temp_mean_c / n, acc.gpu_temp_max_c, acc.throttled_frac / n, acc.inlet_c / n, acc.outlet_c / n];
            let cols = &mut self.out.columns;
            if let Column::F64(v) = &mut cols[0] {
                v.push(self.window_start_s);
            }
            if let Column::I32(v) = &mut cols[1] {
                v.push(r as i32);
            }
            if let Column::I32(v) = &mut cols[2] {
                v.push(self.cdu_of_rack[r]);
            }
            for (k, x) in row.into_iter().enumerate() {
                if let Column::F64(v) = &mut cols[3 + k] {
                    v.push(x);
                }
            }
            self.out.row_done()?;
        }
        self.sums.iter_mut().for_each(|s| *s = RackSample::default());
        self.n = 0;
        Ok(())
    }

    /// Writes the footer.
    pub fn close(self) -> Result<()> {
        self.out.close()
    }
}
