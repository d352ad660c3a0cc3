//! The floor map of a run: a heat map of the hall from `racks.csv`, CDUs as rows and each
//! CDU's racks (in rack order) as columns, one panel per metric — maximum GPU temperature,
//! throttled GPU-seconds and IT energy — each with its own colour bar.
//!
//! Racks are placed by their `cdu` column (absent: one row); a rack's column is its position
//! among the racks of its CDU. Colours are linear in the value between the panel's minimum
//! and maximum (a flat panel, e.g. no throttling anywhere, is drawn in the lowest colour).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::charts::{e2s, Render};
use super::data::{fmt_human, Table};
use super::{PlotError, WIDTH};

/// One metric over the hall grid.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Panel title with unit.
    pub title: String,
    /// Raw column name in `racks.csv`.
    pub key: &'static str,
    /// `grid[cdu][position]`, `NaN` where the CDU has fewer racks.
    pub grid: Vec<Vec<f64>>,
    /// Colour stops from low to high.
    pub colors: &'static [(u8, u8, u8)],
}

/// The hall: CDU rows, rack columns, and the panels.
#[derive(Debug, Clone)]
pub struct FloorMap {
    /// Rack index of each grid cell (`grid[cdu][position]`).
    pub racks: Vec<Vec<usize>>,
    /// The metric panels present in `racks.csv`.
    pub panels: Vec<Panel>,
}

const HOT: &[(u8, u8, u8)] = &[(49, 54, 149), (116, 173, 209), (255, 255, 191), (253, 174, 97), (215, 48, 39), (103, 0, 13)];
const REDS: &[(u8, u8, u8)] = &[(255, 245, 240), (252, 146, 114), (203, 24, 29), (103, 0, 13)];
const VIRIDIS: &[(u8, u8, u8)] = &[(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

/// Colour stops of a scale.
type Stops = &'static [(u8, u8, u8)];

/// The metrics drawn, in panel order: (column, title, colours).
const METRICS: [(&str, &str, Stops); 3] = [
    ("gpu_temp_max_c", "Max GPU temperature [°C]", HOT),
    ("throttled_gpu_s", "Throttled GPU-seconds [GPU·s]", REDS),
    ("energy_mwh", "IT energy [MWh]", VIRIDIS),
];

impl FloorMap {
    /// Reads `run_dir/racks.csv`; `None` if the file is absent or holds none of the metrics.
    pub fn read(run_dir: &Path) -> Result<Option<FloorMap>, PlotError> {
        let path = run_dir.join("racks.csv");
        if !path.is_file() {
            return Ok(None);
        }
        let table = Table::read(&path, false)?;
        let n = table.rows();
        if n == 0 {
            return Ok(None);
        }
        let cdu: Vec<usize> = match table.num("cdu")? {
            Some(c) => c.iter().map(|v| if v.is_finite() && *v >= 0.0 { *v as usize } else { 0 }).collect(),
            None => vec![0; n],
        };
        let cdus = cdu.iter().max().map_or(1, |m| m + 1);
        let mut racks: Vec<Vec<usize>> = vec![Vec::new(); cdus];
        for (r, c) in cdu.iter().enumerate() {
            racks[*c].push(r);
        }
        let width = racks.iter().map(Vec::len).max().unwrap_or(0);
        let mut panels = Vec::new();
        for (key, title, colors) in METRICS {
            if let Some(v) = table.num(key)? {
                let grid = racks.iter().map(|row| (0..width).map(|p| row.get(p).map_or(f64::NAN, |&r| v[r])).collect()).collect();
                panels.push(Panel { title: title.to_string(), key, grid, colors });
            }
        }
        if panels.is_empty() {
            return Ok(None);
        }
        Ok(Some(FloorMap { racks, panels }))
    }

    /// Number of CDU rows.
    pub fn rows(&self) -> usize {
        self.racks.len()
    }

    /// Racks in the widest CDU row.
    pub fn columns(&self) -> usize {
        self.racks.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Colour of `v` between `lo` and `hi` on the stops `colors` (linear interpolation).
pub fn color_at(colors: &[(u8, u8, u8)], v: f64, lo: f64, hi: f64) -> RGBColor {
    let f = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.0 };
    let pos = f * (colors.len() - 1) as f64;
    let i = (pos.floor() as usize).min(colors.len() - 2);
    let t = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + t * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (colors[i], colors[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Finite minimum and maximum over a panel's grid.
pub fn panel_range(panel: &Panel) -> (f64, f64) {
    super::data::finite_range(&panel.grid.iter().flatten().copied().collect::<Vec<_>>()).unwrap_or((0.0, 1.0))
}

/// The floor map (1600x900, PNG or SVG through [`super::charts::draw_image`]).
impl Render for FloorMap {
    fn render<DB: DrawingBackend>(&self, full: &DrawingArea<DB, Shift>, _bitmap: bool) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let map = self;
        let root = full;
        let title = TextStyle::from(("sans-serif", 30, FontStyle::Bold).into_font()).color(&BLACK);
        let root = root.titled("Floor map: CDUs as rows, their racks as columns", title).map_err(e2s)?;
        let panels = root.split_evenly((map.panels.len(), 1));
        let rows = map.rows();
        let cols = map.columns().max(1);
        for (panel, area) in map.panels.iter().zip(panels) {
            let (plot, bar) = area.split_horizontally(WIDTH - 190);
            let (lo, hi) = panel_range(panel);
            // Ticks at cell centres (at most ~12 CDU rows and ~24 rack columns labelled).
            let y_step = rows.div_ceil(12).max(1);
            let x_step = cols.div_ceil(24).max(1);
            let label = ("sans-serif", 18).into_font().color(&BLACK);
            let mut cc = ChartBuilder::on(&plot)
                .caption(&panel.title, ("sans-serif", 22, FontStyle::Bold).into_font())
                .margin(8)
                .x_label_area_size(36)
                .y_label_area_size(90)
                .build_cartesian_2d(0.0..cols as f64, 0.0..rows as f64)
                .map_err(e2s)?;
            cc.configure_mesh()
                .disable_mesh()
                .x_labels(0)
                .y_labels(0)
                .x_desc("Rack position within its CDU")
                .axis_desc_style(label.clone())
                .draw()
                .map_err(e2s)?;
            // Left-anchored at a measured offset (right-anchored text does not render on the
            // bitmap backend with the embedded font).
            let left = label.clone().pos(Pos::new(HPos::Left, VPos::Center));
            let below = label.clone().pos(Pos::new(HPos::Center, VPos::Top));
            for c in (0..rows).filter(|c| c % y_step == 0) {
                let (px, py) = cc.backend_coord(&(0.0, (rows - 1 - c) as f64 + 0.5));
                let text = format!("CDU {c}");
                let w = full.estimate_text_size(&text, &left).map(|(w, _)| w as i32).unwrap_or(60);
                full.draw(&Text::new(text, (px - 8 - w, py), left.clone())).map_err(e2s)?;
            }
            for p in (0..cols).filter(|p| p % x_step == 0) {
                let (px, py) = cc.backend_coord(&(p as f64 + 0.5, 0.0));
                full.draw(&Text::new(format!("{p}"), (px, py + 4), below.clone())).map_err(e2s)?;
            }
            let mut cells = Vec::new();
            for (c, row) in panel.grid.iter().enumerate() {
                let y = (rows - 1 - c) as f64;
                for (p, v) in row.iter().enumerate() {
                    if v.is_finite() {
                        let color = color_at(panel.colors, *v, lo, hi);
                        cells.push(Rectangle::new([(p as f64, y), (p as f64 + 1.0, y + 1.0)], color.filled()));
                    }
                }
            }
            cc.draw_series(cells).map_err(e2s)?;
            if cols * rows <= 4000 {
                let grid = BLACK.mix(0.15).stroke_width(1);
                let mut outlines = Vec::new();
                for (c, row) in panel.grid.iter().enumerate() {
                    let y = (rows - 1 - c) as f64;
                    for (p, v) in row.iter().enumerate() {
                        if v.is_finite() {
                            outlines.push(Rectangle::new([(p as f64, y), (p as f64 + 1.0, y + 1.0)], grid));
                        }
                    }
                }
                cc.draw_series(outlines).map_err(e2s)?;
            }
            // Colour bar: low at the bottom, high on top, with the extreme values.
            let (_, bh) = bar.dim_in_pixel();
            let top = 44i32;
            let bottom = bh as i32 - 44;
            let steps = 40;
            for k in 0..steps {
                let f0 = k as f64 / steps as f64;
                let y1 = bottom - ((bottom - top) as f64 * f0) as i32;
                let y0 = bottom - ((bottom - top) as f64 * (f0 + 1.0 / steps as f64)) as i32;
                let color = color_at(panel.colors, lo + f0 * (hi - lo), lo, hi);
                bar.draw(&Rectangle::new([(10, y0), (40, y1)], color.filled())).map_err(e2s)?;
            }
            let text = ("sans-serif", 18).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
            bar.draw(&Text::new(fmt_human(hi), (48, top), text.clone())).map_err(e2s)?;
            bar.draw(&Text::new(fmt_human(lo), (48, bottom), text.clone())).map_err(e2s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::charts::draw_image;
    use crate::plot::ImageFormat;

    #[test]
    fn colour_scale_ends_and_flat_panels() {
        assert_eq!(color_at(HOT, 0.0, 0.0, 1.0), RGBColor(49, 54, 149));
        assert_eq!(color_at(HOT, 1.0, 0.0, 1.0), RGBColor(103, 0, 13));
        assert_eq!(color_at(HOT, 5.0, 0.0, 1.0), RGBColor(103, 0, 13), "clamped above");
        // A flat panel takes the low end of the scale.
        assert_eq!(color_at(REDS, 3.0, 3.0, 3.0), RGBColor(255, 245, 240));
        assert_eq!(color_at(VIRIDIS, 0.5, 0.0, 1.0), RGBColor(33, 145, 140), "the middle stop");
    }

    #[test]
    fn racks_land_in_their_cdu_rows() {
        let dir = std::env::temp_dir().join(format!("fjord-floor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("racks.csv"), "rack,cdu,gpu_temp_max_c,energy_mwh\n0,0,70,1\n1,0,71,1\n2,1,80,2\n3,1,81,2\n4,1,82,2\n").unwrap();
        let map = FloorMap::read(&dir).unwrap().unwrap();
        assert_eq!(map.racks, vec![vec![0, 1], vec![2, 3, 4]]);
        assert_eq!(map.panels.len(), 2, "throttled column absent: no panel");
        let t = &map.panels[0].grid;
        assert_eq!(t[1], vec![80.0, 81.0, 82.0]);
        assert!(t[0][2].is_nan(), "the shorter CDU row is padded");
        let path = dir.join("floor_map.png");
        draw_image(&map, &path, ImageFormat::Png).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
