//! Chart engine: a small declarative chart description (layers of lines, bands, stacked
//! areas and reference lines, optional secondary axis, notes) rendered with plotters to PNG
//! or SVG, plus a log-count histogram.
//!
//! Layout of every chart: a bold title on top, the plot on the left, and a legend panel on
//! the right outside the plotting area, so the legend never covers data. Optional secondary
//! y axis on the right of the plot. Lines with gaps (`NaN`) are drawn as separate segments.

use std::path::Path;
use std::sync::Once;

use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::data::{column_buckets, decimate_indices, finite_range, fmt_human, pick};
use super::{ImageFormat, PlotError, HEIGHT, MAX_POINTS_PER_SERIES, PIXEL_COLUMNS, WIDTH};

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 30;
const AXIS_DESC_PX: u32 = 24;
const TICK_PX: u32 = 20;
const LEGEND_PX: u32 = 20;
const NOTE_PX: u32 = 18;

static FONTS: Once = Once::new();

/// Opacity of a line's min–max envelope (light, so stacked areas stay readable beneath it).
const ENVELOPE_ALPHA: f64 = 0.22;

/// Registers the DejaVu Sans faces as plotters' `sans-serif` family (once per process).
pub fn ensure_fonts() {
    FONTS.call_once(|| {
        // A failure leaves the family unregistered; drawing then reports FontUnavailable
        // as a PlotError::Draw instead of panicking.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// `c` blended towards white by `f` (0 = unchanged, 1 = white).
fn lighten(c: RGBColor, f: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + f * (255.0 - f64::from(v))).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Colour palette (Tableau 10) used for series without a semantic colour.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// What a layer draws.
#[derive(Debug, Clone)]
pub enum Geom {
    /// A polyline through `(x, y)`; `NaN` values break it into segments.
    Line {
        /// Values, one per x.
        y: Vec<f64>,
        /// Stroke width in pixels.
        width: u32,
        /// Dashed instead of solid.
        dashed: bool,
        /// Mark every point with a filled circle.
        markers: bool,
        /// Min–max envelope `(lo, hi)` drawn translucent under the line, one pair per x.
        envelope: Option<(Vec<f64>, Vec<f64>)>,
        /// Draw the envelope as two thin edge lines instead of a fill (over stacked areas).
        outline: bool,
    },
    /// A filled band between `lo` and `hi` (stacked areas are bands on the running total).
    Band {
        /// Lower edge.
        lo: Vec<f64>,
        /// Upper edge.
        hi: Vec<f64>,
        /// Fill opacity in [0, 1].
        alpha: f64,
    },
    /// A horizontal reference line across the whole x range.
    HLine {
        /// Its y value.
        y: f64,
        /// Dashed instead of solid.
        dashed: bool,
    },
}

/// One legend entry and what it draws.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Legend text (empty: not in the legend).
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// X values (ignored by `HLine`).
    pub x: Vec<f64>,
    /// The geometry.
    pub geom: Geom,
    /// Drawn against the secondary (right) y axis.
    pub secondary: bool,
}

impl Layer {
    /// A solid line of width 3. With more rows than [`PIXEL_COLUMNS`], the rows are bucketed
    /// per pixel column: the line is each bucket's mean and a translucent envelope spans the
    /// bucket's minimum and maximum, so a day or a year of fast swings reads as a band around
    /// the mean instead of an aliased solid block.
    pub fn line(label: impl Into<String>, color: RGBColor, x: &[f64], y: &[f64]) -> Layer {
        Layer::line_with_extremes(label, color, x, y, None)
    }

    /// Like [`Layer::line`], with each row's own window minimum and maximum (`lo`, `hi`:
    /// the recorder's `<series>_min`/`_max` columns). The envelope is drawn whenever it
    /// differs from the line, at any length.
    pub fn line_with_extremes(label: impl Into<String>, color: RGBColor, x: &[f64], y: &[f64], extremes: Option<(&[f64], &[f64])>) -> Layer {
        let n = y.len().min(x.len());
        let (lo, hi) = extremes.unwrap_or((y, y));
        let (xs, mean, lo, hi) = if n > PIXEL_COLUMNS {
            let b = column_buckets(&x[..n], &y[..n], &lo[..n.min(lo.len())], &hi[..n.min(hi.len())], PIXEL_COLUMNS);
            (b.x, b.mean, b.lo, b.hi)
        } else {
            (x[..n].to_vec(), y[..n].to_vec(), pick(lo, &(0..n).collect::<Vec<_>>()), pick(hi, &(0..n).collect::<Vec<_>>()))
        };
        let differs = mean
            .iter()
            .zip(lo.iter().zip(&hi))
            .any(|(m, (l, h))| m.is_finite() && l.is_finite() && h.is_finite() && (h - l) > 1e-9 * m.abs().max(1.0));
        let envelope = differs.then_some((lo, hi));
        Layer {
            label: label.into(),
            color,
            x: xs,
            geom: Geom::Line { y: mean, width: 3, dashed: false, markers: false, envelope, outline: false },
            secondary: false,
        }
    }

    /// Same line with its envelope drawn as thin edge lines (readable over stacked areas).
    pub fn envelope_outline(mut self) -> Layer {
        if let Geom::Line { outline, .. } = &mut self.geom {
            *outline = true;
        }
        self
    }

    /// Same line without its envelope (a thin reference such as the supply total).
    pub fn without_envelope(mut self) -> Layer {
        if let Geom::Line { envelope, .. } = &mut self.geom {
            *envelope = None;
        }
        self
    }

    /// A band between `lo` and `hi`, decimated keeping each bucket's lowest `lo` and highest `hi`.
    pub fn band(label: impl Into<String>, color: RGBColor, alpha: f64, x: &[f64], lo: &[f64], hi: &[f64]) -> Layer {
        let n = x.len().min(lo.len()).min(hi.len());
        let idx = decimate_indices(n, &[lo], &[hi], MAX_POINTS_PER_SERIES);
        Layer { label: label.into(), color, x: pick(x, &idx), geom: Geom::Band { lo: pick(lo, &idx), hi: pick(hi, &idx), alpha }, secondary: false }
    }

    /// A horizontal reference line.
    pub fn hline(label: impl Into<String>, color: RGBColor, y: f64, dashed: bool) -> Layer {
        Layer { label: label.into(), color, x: Vec::new(), geom: Geom::HLine { y, dashed }, secondary: false }
    }

    /// Same layer drawn dashed (lines and reference lines only).
    pub fn dashed(mut self) -> Layer {
        match &mut self.geom {
            Geom::Line { dashed, .. } | Geom::HLine { dashed, .. } => *dashed = true,
            Geom::Band { .. } => {}
        }
        self
    }

    /// Same layer with point markers (lines only).
    pub fn with_markers(mut self) -> Layer {
        if let Geom::Line { markers, .. } = &mut self.geom {
            *markers = true;
        }
        self
    }

    /// Same layer with another stroke width (lines only).
    pub fn width(mut self, w: u32) -> Layer {
        if let Geom::Line { width, .. } = &mut self.geom {
            *width = w;
        }
        self
    }

    /// Same layer on the secondary y axis.
    pub fn on_secondary(mut self) -> Layer {
        self.secondary = true;
        self
    }

    fn values(&self) -> Vec<f64> {
        match &self.geom {
            Geom::Line { y, envelope: Some((lo, hi)), .. } => y.iter().chain(lo.iter()).chain(hi.iter()).copied().collect(),
            Geom::Line { y, .. } => y.clone(),
            Geom::Band { lo, hi, .. } => lo.iter().chain(hi.iter()).copied().collect(),
            Geom::HLine { y, .. } => vec![*y],
        }
    }
}

/// Stacked areas: `items` are (label, colour, values) from the bottom of the stack up;
/// `NaN` counts as zero. With more rows than [`PIXEL_COLUMNS`], every layer is averaged over
/// the same per-pixel-column buckets (means stack exactly, so the stack's top is the mean
/// total and no aliasing of fast swings shows); otherwise all rows are drawn.
///
/// Each layer is filled opaquely from zero up to its running total, and the layers are
/// returned top layer first (drawn first, so lower layers paint over it). This leaves no
/// unpainted slivers between layers at one-pixel-wide dips, and the legend lists the
/// layers in the order they appear in the stack, top to bottom.
pub fn stacked(x: &[f64], items: &[(String, RGBColor, Vec<f64>)]) -> Vec<Layer> {
    let n = items.iter().map(|(_, _, v)| v.len()).fold(x.len(), usize::min);
    let mut cum = vec![0.0; n];
    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(items.len());
    for (_, _, values) in items {
        for (c, v) in cum.iter_mut().zip(values) {
            if v.is_finite() {
                *c += v;
            }
        }
        tops.push(cum.clone());
    }
    let reduce = |v: &[f64]| -> (Vec<f64>, Vec<f64>) {
        if n > PIXEL_COLUMNS {
            let b = column_buckets(&x[..n], &v[..n], &v[..n], &v[..n], PIXEL_COLUMNS);
            (b.x, b.mean)
        } else {
            (x[..n].to_vec(), v[..n].to_vec())
        }
    };
    items
        .iter()
        .zip(tops)
        .rev()
        .map(|((label, color, _), hi)| {
            let (xs, hi) = reduce(&hi);
            Layer { label: label.clone(), color: *color, x: xs, geom: Geom::Band { lo: vec![0.0; hi.len()], hi, alpha: 1.0 }, secondary: false }
        })
        .collect()
}

/// How an axis range is chosen.
#[derive(Debug, Clone, Default)]
pub struct AxisSpec {
    /// Extend the range to include zero.
    pub include_zero: bool,
    /// Values that must be inside the range (e.g. 100 % or a throttle temperature).
    pub include: Vec<f64>,
    /// Smallest span of the range (a flat series gets at least this).
    pub min_span: f64,
    /// Use exactly this range.
    pub fixed: Option<(f64, f64)>,
}

impl AxisSpec {
    /// Range from the data, extended to zero (power, energy, counts).
    pub fn from_zero() -> AxisSpec {
        AxisSpec { include_zero: true, ..AxisSpec::default() }
    }

    /// Range from the data only (temperatures).
    pub fn auto() -> AxisSpec {
        AxisSpec::default()
    }

    /// A fixed range.
    pub fn fixed(lo: f64, hi: f64) -> AxisSpec {
        AxisSpec { fixed: Some((lo, hi)), ..AxisSpec::default() }
    }

    fn resolve(&self, values: &[f64]) -> (f64, f64) {
        if let Some((lo, hi)) = self.fixed {
            if lo.is_finite() && hi.is_finite() && hi > lo {
                return (lo, hi);
            }
        }
        let mut all: Vec<f64> = values.to_vec();
        all.extend(self.include.iter().copied());
        let Some((mut lo, mut hi)) = finite_range(&all) else {
            return (0.0, 1.0);
        };
        if self.include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let span = hi - lo;
        let min_span = self.min_span.max(1e-9 * hi.abs().max(lo.abs()).max(1.0));
        if span < min_span {
            let pad = if span <= 0.0 && hi.abs() > 0.0 { (hi.abs() * 0.05).max(min_span / 2.0) } else { (min_span - span).max(min_span) / 2.0 };
            let zero_floor = self.include_zero && lo >= 0.0;
            lo -= pad;
            hi += pad;
            if zero_floor {
                hi += -lo.min(0.0);
                lo = lo.max(0.0);
            }
            return (lo, hi);
        }
        let keep_zero_floor = self.include_zero && lo == 0.0;
        let keep_zero_ceiling = self.include_zero && hi == 0.0;
        if !keep_zero_floor {
            lo -= 0.05 * span;
        }
        if !keep_zero_ceiling {
            hi += 0.06 * span;
        }
        (lo, hi)
    }
}

/// A chart: title, axes, layers (drawn in order) and notes shown under the legend.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Title on top.
    pub title: String,
    /// X axis description (with unit).
    pub x_label: String,
    /// Primary y axis description (with unit).
    pub y_label: String,
    /// Secondary y axis description; `None` for no secondary axis.
    pub y2_label: Option<String>,
    /// Category names for a categorical x axis (x values are positions 0, 1, ...).
    pub x_categories: Option<Vec<String>>,
    /// Primary y range rule.
    pub y_axis: AxisSpec,
    /// Secondary y range rule.
    pub y2_axis: AxisSpec,
    /// The layers, drawn in order.
    pub layers: Vec<Layer>,
    /// Extra lines of text under the legend.
    pub notes: Vec<String>,
}

impl Chart {
    /// True if the chart has at least one data layer (reference lines do not count).
    pub fn has_data(&self) -> bool {
        self.layers.iter().any(|l| !matches!(l.geom, Geom::HLine { .. }))
    }

    fn x_range(&self) -> (f64, f64) {
        if let Some(cats) = &self.x_categories {
            return (-0.5, cats.len().max(1) as f64 - 0.5);
        }
        let xs: Vec<f64> = self.layers.iter().filter(|l| !matches!(l.geom, Geom::HLine { .. })).flat_map(|l| l.x.iter().copied()).collect();
        let markers = self.layers.iter().any(|l| matches!(l.geom, Geom::Line { markers: true, .. }));
        match finite_range(&xs) {
            // Marked points get a margin so edge markers are not cut in half.
            Some((lo, hi)) if hi > lo && markers => (lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)),
            Some((lo, hi)) if hi > lo => (lo, hi),
            Some((lo, _)) => (lo - 0.5, lo + 0.5),
            None => (0.0, 1.0),
        }
    }
}

/// A drawing error as text.
pub(crate) fn e2s<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// A picture plotters can draw on an area of any backend (`bitmap`: the PNG backend, whose
/// thick lines need care; see [`stroke`]).
pub trait Render {
    /// Draws the picture on `root` (filled white).
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, bitmap: bool) -> Result<(), String>
    where
        DB::ErrorType: 'static;
}

/// Draws `picture` to `path` in `format` at 1600x900.
pub fn draw_image(picture: &impl Render, path: &Path, format: ImageFormat) -> Result<(), PlotError> {
    ensure_fonts();
    let draw_err = |message: String| PlotError::Draw { path: path.to_path_buf(), message };
    match format {
        ImageFormat::Png => {
            let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
            root.fill(&WHITE).map_err(e2s).map_err(draw_err)?;
            picture.render(&root, true).map_err(draw_err)?;
            root.present().map_err(|e| draw_err(e.to_string()))
        }
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
                root.fill(&WHITE).map_err(e2s).map_err(draw_err)?;
                picture.render(&root, false).map_err(draw_err)?;
                root.present().map_err(|e| draw_err(e.to_string()))?;
            }
            std::fs::write(path, svg).map_err(|e| PlotError::io(path, e))
        }
    }
}

/// Draws `chart` to `path` in `format` at 1600x900.
pub fn draw_chart(chart: &Chart, path: &Path, format: ImageFormat) -> Result<(), PlotError> {
    draw_image(chart, path, format)
}

/// Formats a tick value with just enough decimals for an axis spanning `span`.
pub fn fmt_tick(v: f64, span: f64) -> String {
    let decimals = if span > 0.0 && span.is_finite() { ((-span.log10()).ceil() + 3.0).clamp(0.0, 8.0) as usize } else { 3 };
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).color(&BLACK)
}

fn legend_width<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> u32 {
    let style = font(LEGEND_PX);
    let note_style = font(NOTE_PX);
    let mut widest = 0u32;
    for layer in chart.layers.iter().filter(|l| !l.label.is_empty()) {
        let w = root.estimate_text_size(&layer.label, &style).map(|(w, _)| w).unwrap_or(10 * layer.label.chars().count() as u32);
        widest = widest.max(w + 100);
    }
    for note in &chart.notes {
        let w = root.estimate_text_size(note, &note_style).map(|(w, _)| w).unwrap_or(9 * note.chars().count() as u32);
        widest = widest.max(w + 40);
    }
    widest.clamp(200, 560)
}

/// The house style of a chart's axes and grid, with its tick formatters.
fn grid<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    x_fmt: &'b dyn Fn(&X::ValueType) -> String,
    y_fmt: &'b dyn Fn(&Y::ValueType) -> String,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.axis_desc_style(font(AXIS_DESC_PX))
        .label_style(font(TICK_PX))
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.03))
        .axis_style(BLACK.mix(0.8))
}

type Area<DB> = DrawingArea<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Render for Chart {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, bitmap: bool) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let chart = self;
        let legend_w = legend_width(chart, root);
        let (plot_area, legend_area) = root.split_horizontally(WIDTH.saturating_sub(legend_w));

        let (x0, x1) = chart.x_range();
        let primary: Vec<f64> = chart.layers.iter().filter(|l| !l.secondary).flat_map(|l| l.values()).collect();
        let secondary: Vec<f64> = chart.layers.iter().filter(|l| l.secondary).flat_map(|l| l.values()).collect();
        let (y0, y1) = chart.y_axis.resolve(&primary);
        let (s0, s1) = chart.y2_axis.resolve(&secondary);

        let title_style = TextStyle::from((FONT, TITLE_PX, FontStyle::Bold).into_font()).color(&BLACK);
        let mut builder = ChartBuilder::on(&plot_area);
        builder
            .caption(&chart.title, title_style)
            .margin_top(16)
            .margin_left(20)
            .margin_bottom(16)
            .margin_right(if chart.y2_label.is_some() { 10 } else { 30 })
            .x_label_area_size(80)
            .y_label_area_size(125);
        if chart.y2_label.is_some() {
            builder.right_y_label_area_size(115);
        }
        let mut cc = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(e2s)?.set_secondary_coord(x0..x1, s0..s1);

        let x_span = x1 - x0;
        let y_span = y1 - y0;
        let s_span = s1 - s0;
        let cats = chart.x_categories.clone();
        let x_fmt = move |v: &f64| -> String {
            match &cats {
                Some(c) => {
                    let r = v.round();
                    if (v - r).abs() < 1e-6 && r >= 0.0 {
                        c.get(r as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
                None => fmt_tick(*v, x_span),
            }
        };
        let y_fmt = move |v: &f64| fmt_tick(*v, y_span);
        let x_labels = match &chart.x_categories {
            Some(c) => c.len().clamp(1, 24),
            None => 12,
        };
        grid(&mut cc.configure_mesh(), &x_fmt, &y_fmt)
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .x_labels(x_labels)
            .y_labels(10)
            .draw()
            .map_err(e2s)?;
        if let Some(label) = &chart.y2_label {
            let s_fmt = move |v: &f64| fmt_tick(*v, s_span);
            cc.configure_secondary_axes()
                .y_desc(label.as_str())
                .axis_desc_style(font(AXIS_DESC_PX))
                .label_style(font(TICK_PX))
                .y_labels(10)
                .y_label_formatter(&s_fmt)
                .axis_style(BLACK.mix(0.8))
                .draw()
                .map_err(e2s)?;
        }

        for layer in &chart.layers {
            let area = if layer.secondary { cc.secondary_plotting_area() } else { cc.plotting_area() };
            draw_layer(area, root, bitmap, layer, (x0, x1)).map_err(e2s)?;
        }

        draw_legend(&legend_area, chart).map_err(e2s)?;
        Ok(())
    }
}

/// Maximal runs of consecutive indices below `n` where `ok(i)` holds, as half-open
/// `(first, end)` ranges.
pub(crate) fn segments(n: usize, ok: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..n {
        match (ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, n));
    }
    out
}

/// Strokes a polyline given in data coordinates.
///
/// SVG: one `<polyline>` with the stroke width (the viewer draws the joins). Bitmap:
/// plotters' thick-line rasteriser miters joins without a limit on the inner side, so a
/// sharp spike (common in decimated power series) or two points on the same pixel shoots
/// lines across the whole image (plotters issue #549). Thick bitmap lines are therefore
/// drawn as 1-pixel polylines stamped with a small round brush in pixel space, after
/// dropping consecutive points that land on the same pixel.
fn stroke<DB: DrawingBackend>(
    area: &Area<DB>,
    root: &DrawingArea<DB, Shift>,
    pts: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    dashed: bool,
    bitmap: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if !bitmap {
        let style = color.stroke_width(width);
        if dashed {
            area.draw(&DashedPathElement::new(pts.iter().copied(), 14, 9, style))?;
        } else {
            area.draw(&PathElement::new(pts.to_vec(), style))?;
        }
        return Ok(());
    }
    let mut px: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for p in pts {
        let q = area.map_coordinate(p);
        if px.last() != Some(&q) {
            px.push(q);
        }
    }
    if px.len() == 1 {
        px.push(px[0]);
    }
    let r = (width as i32 - 1) / 2;
    let extra = i32::from(width.is_multiple_of(2));
    let style = color.stroke_width(1);
    for dx in -r..=r + extra {
        for dy in -r..=r + extra {
            // Round brush: skip the corners of larger squares.
            if r >= 2 && dx * dx + dy * dy > (r + extra) * (r + extra) + 1 {
                continue;
            }
            let shifted: Vec<(i32, i32)> = px.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
            if dashed {
                root.draw(&DashedPathElement::new(shifted, 14, 9, style))?;
            } else {
                root.draw(&PathElement::new(shifted, style))?;
            }
        }
    }
    Ok(())
}

fn draw_layer<DB: DrawingBackend>(
    area: &Area<DB>,
    root: &DrawingArea<DB, Shift>,
    bitmap: bool,
    layer: &Layer,
    (x0, x1): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let color = layer.color;
    match &layer.geom {
        Geom::Line { y, width, dashed, markers, envelope, outline } => {
            let n = y.len().min(layer.x.len());
            if let (Some((lo, hi)), true) = (envelope, *outline) {
                for edge in [lo, hi] {
                    let line = Layer {
                        label: String::new(),
                        color: lighten(color, 0.45),
                        x: layer.x.clone(),
                        geom: Geom::Line { y: edge.clone(), width: 1, dashed: false, markers: false, envelope: None, outline: false },
                        secondary: layer.secondary,
                    };
                    draw_layer(area, root, bitmap, &line, (x0, x1))?;
                }
            } else if let Some((lo, hi)) = envelope {
                let band = Layer {
                    label: String::new(),
                    color,
                    x: layer.x.clone(),
                    geom: Geom::Band { lo: lo.clone(), hi: hi.clone(), alpha: ENVELOPE_ALPHA },
                    secondary: layer.secondary,
                };
                draw_layer(area, root, bitmap, &band, (x0, x1))?;
            }
            for (s, e) in segments(n, |i| y[i].is_finite() && layer.x[i].is_finite()) {
                let pts: Vec<(f64, f64)> = (s..e).map(|i| (layer.x[i], y[i])).collect();
                if pts.len() == 1 {
                    area.draw(&Circle::new(pts[0], 4, color.filled()))?;
                } else {
                    stroke(area, root, &pts, color, *width, *dashed, bitmap)?;
                }
                if *markers {
                    for &p in &pts {
                        area.draw(&Circle::new(p, 6, color.filled()))?;
                    }
                }
            }
        }
        Geom::Band { lo, hi, alpha } => {
            let n = lo.len().min(hi.len()).min(layer.x.len());
            let fill = color.mix(*alpha).filled();
            for (s, e) in segments(n, |i| lo[i].is_finite() && hi[i].is_finite() && layer.x[i].is_finite()) {
                if e - s == 1 {
                    let w = (x1 - x0) * 0.004;
                    let x = layer.x[s];
                    area.draw(&Rectangle::new([(x - w, lo[s]), (x + w, hi[s])], fill))?;
                    continue;
                }
                let mut pts: Vec<(f64, f64)> = (s..e).map(|i| (layer.x[i], hi[i])).collect();
                pts.extend((s..e).rev().map(|i| (layer.x[i], lo[i])));
                area.draw(&Polygon::new(pts, fill))?;
            }
        }
        Geom::HLine { y, dashed } => {
            if y.is_finite() {
                stroke(area, root, &[(x0, *y), (x1, *y)], color, 3, *dashed, bitmap)?;
            }
        }
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let text_style = font(LEGEND_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let note_style = TextStyle::from((FONT, NOTE_PX).into_font()).color(&RGBColor(70, 70, 70)).pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 95i32;
    let step = 36i32;
    for layer in chart.layers.iter().filter(|l| !l.label.is_empty()) {
        let c = layer.color;
        match &layer.geom {
            Geom::Band { alpha, .. } => {
                area.draw(&Rectangle::new([(8, y - 11), (52, y + 11)], c.mix(*alpha).filled()))?;
            }
            Geom::Line { dashed: true, .. } | Geom::HLine { dashed: true, .. } => {
                area.draw(&PathElement::new(vec![(8, y), (24, y)], c.stroke_width(3)))?;
                area.draw(&PathElement::new(vec![(34, y), (52, y)], c.stroke_width(3)))?;
            }
            Geom::Line { markers, envelope, outline, .. } => {
                if envelope.is_some() && *outline {
                    area.draw(&PathElement::new(vec![(8, y - 8), (52, y - 8)], c.mix(0.55).stroke_width(1)))?;
                    area.draw(&PathElement::new(vec![(8, y + 8), (52, y + 8)], c.mix(0.55).stroke_width(1)))?;
                } else if envelope.is_some() {
                    area.draw(&Rectangle::new([(8, y - 9), (52, y + 9)], c.mix(ENVELOPE_ALPHA).filled()))?;
                }
                area.draw(&PathElement::new(vec![(8, y), (52, y)], c.stroke_width(3)))?;
                if *markers {
                    area.draw(&Circle::new((30, y), 6, c.filled()))?;
                }
            }
            Geom::HLine { .. } => {
                area.draw(&PathElement::new(vec![(8, y), (52, y)], c.stroke_width(3)))?;
            }
        }
        area.draw(&Text::new(layer.label.clone(), (62, y), text_style.clone()))?;
        y += step;
    }
    if !chart.notes.is_empty() {
        y += step / 2;
        for note in &chart.notes {
            area.draw(&Text::new(note.clone(), (8, y), note_style.clone()))?;
            y += 28;
        }
    }
    Ok(())
}

/// A histogram with logarithmic counts: bins given by centre, equal width.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Title on top.
    pub title: String,
    /// X axis description (with unit).
    pub x_label: String,
    /// Legend text for the bars.
    pub label: String,
    /// Bin centres.
    pub centers: Vec<f64>,
    /// Count per bin.
    pub counts: Vec<f64>,
    /// Extra lines of text under the legend.
    pub notes: Vec<String>,
}

/// A histogram with a log-scale count axis.
impl Render for Histogram {
    fn render<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, _bitmap: bool) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let hist = self;
        let legend_chart =
            Chart { layers: vec![Layer::band(hist.label.clone(), PALETTE[0], 0.8, &[], &[], &[])], notes: hist.notes.clone(), ..Chart::default() };
        let legend_w = legend_width(&legend_chart, root);
        let (plot_area, legend_area) = root.split_horizontally(WIDTH.saturating_sub(legend_w));

        let bins: Vec<(f64, f64)> =
            hist.centers.iter().zip(&hist.counts).filter(|(c, n)| c.is_finite() && n.is_finite() && **n > 0.0).map(|(c, n)| (*c, *n)).collect();
        let mut sorted: Vec<f64> = bins.iter().map(|b| b.0).collect();
        sorted.sort_by(f64::total_cmp);
        let width = sorted.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0).fold(f64::INFINITY, f64::min);
        let (cmin, cmax) = finite_range(&sorted).unwrap_or((0.0, 0.0));
        let width = if width.is_finite() { width } else { (cmax.abs() * 0.1).max(1e-3) };
        let (x0, x1) = (cmin - width, cmax + width);
        let max_count = bins.iter().map(|b| b.1).fold(1.0, f64::max);
        let (y0, y1) = (0.5, max_count * 3.0);

        let title_style = TextStyle::from((FONT, TITLE_PX, FontStyle::Bold).into_font()).color(&BLACK);
        let mut cc = ChartBuilder::on(&plot_area)
            .caption(&hist.title, title_style)
            .margin_top(16)
            .margin_left(20)
            .margin_bottom(16)
            .margin_right(30)
            .x_label_area_size(80)
            .y_label_area_size(125)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(e2s)?;
        let x_span = x1 - x0;
        let x_fmt = move |v: &f64| fmt_tick(*v, x_span);
        let y_fmt = |v: &f64| {
            if *v < 1.0 {
                String::new()
            } else {
                fmt_human(v.round())
            }
        };
        grid(&mut cc.configure_mesh(), &x_fmt, &y_fmt).x_desc(hist.x_label.as_str()).y_desc("Count (log scale)").x_labels(12).draw().map_err(e2s)?;
        let fill = PALETTE[0].mix(0.8).filled();
        let edge = PALETTE[0].stroke_width(1);
        cc.draw_series(bins.iter().map(|&(c, n)| Rectangle::new([(c - width * 0.45, y0), (c + width * 0.45, n)], fill))).map_err(e2s)?;
        cc.draw_series(bins.iter().map(|&(c, n)| Rectangle::new([(c - width * 0.45, y0), (c + width * 0.45, n)], edge))).map_err(e2s)?;
        draw_legend(&legend_area, &legend_chart).map_err(e2s)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ranges_are_robust() {
        assert_eq!(AxisSpec::auto().resolve(&[]), (0.0, 1.0));
        assert_eq!(AxisSpec::auto().resolve(&[f64::NAN]), (0.0, 1.0));
        let (lo, hi) = AxisSpec::auto().resolve(&[5.0, 5.0]);
        assert!(lo < 5.0 && hi > 5.0);
        let (lo, hi) = AxisSpec::from_zero().resolve(&[0.0, 0.0]);
        assert!(lo >= 0.0 && hi > 0.0, "{lo} {hi}");
        let (lo, hi) = AxisSpec::from_zero().resolve(&[10.0, 20.0]);
        assert_eq!(lo, 0.0);
        assert!(hi > 20.0);
    }

    #[test]
    fn tick_format() {
        assert_eq!(fmt_tick(125.0, 250.0), "125");
        assert_eq!(fmt_tick(0.25, 2.0), "0.25");
        assert_eq!(fmt_tick(-0.0, 2.0), "0");
        assert_eq!(fmt_tick(0.1 + 0.2, 1.0), "0.3");
    }

    #[test]
    fn segments_split_at_gaps() {
        let y = [1.0, f64::NAN, 2.0, 3.0, f64::NAN];
        assert_eq!(segments(y.len(), |i| y[i].is_finite()), vec![(0, 1), (2, 4)]);
    }
}
