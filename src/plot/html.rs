//! Shared pieces of the HTML report pages (run, compare, sweep): the page frame with inline
//! CSS, the vendored uPlot library (MIT, see `vendor/`) and the script that draws the
//! interactive charts from a JSON block in the page. Pages reference nothing outside
//! themselves, so they open offline.
//!
//! Interactive charts: every chart is a [`UChart`] — aligned x values and series, each
//! decimated to at most [`OVERVIEW_POINTS`] rows by min/max-preserving row selection (a
//! one-row spike survives). Where the page budget allows, the chart also carries its rows at
//! full resolution, and zooming (drag across the chart; double-click resets) swaps in the
//! full rows of the visible range once it holds fewer than [`OVERVIEW_POINTS`] of them.
//! Cursors are linked across the charts of a page. Once drawn, each chart box carries
//! `data-inked` = the number of non-transparent pixels of its canvas (checked by the
//! browser test: a chart that drew nothing shows 0).

use std::fmt::Write as _;

use serde::Serialize;

use super::data::{decimate_indices, pick};

/// The uPlot script (1.6.32, minified IIFE build).
pub const UPLOT_JS: &str = include_str!("vendor/uPlot.iife.min.js");
/// uPlot's style sheet.
pub const UPLOT_CSS: &str = include_str!("vendor/uPlot.min.css");
/// uPlot's licence (MIT), carried into every page.
pub const UPLOT_LICENSE: &str = include_str!("vendor/uPlot-LICENSE");

/// Rows drawn per series before zooming in.
pub const OVERVIEW_POINTS: usize = 3000;
/// Budget of numbers at full resolution per page (about 8 bytes each in the JSON): keeps
/// a page well under 10 MB.
pub const FULL_NUMBERS_BUDGET: usize = 700_000;

const CSS: &str = "\
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1680px;\
padding:0 1.5em;color:#222;background:#fff}\
h1{font-size:1.9em;margin-bottom:.2em}\
h2{font-size:1.35em;margin-top:1.6em;border-bottom:1px solid #ccc;padding-bottom:.2em}\
h3{font-size:1.1em;margin:1.2em 0 .4em}\
.sub{color:#666;margin-top:0}\
.cards{display:flex;flex-wrap:wrap;gap:1em}\
.card{border:1px solid #ddd;border-radius:6px;padding:.7em 1.1em;min-width:10em;background:#fafafa}\
.card .v{font-size:1.6em;font-weight:bold;font-variant-numeric:tabular-nums}\
.card .l{color:#555;font-size:.9em}\
.groups{display:flex;flex-wrap:wrap;gap:1.5em 3em;align-items:flex-start}\
table{border-collapse:collapse;font-size:.95em}\
td,th{padding:.25em .8em;border-bottom:1px solid #e3e3e3;text-align:left}\
td.v,th.v{text-align:right;font-variant-numeric:tabular-nums}\
tr[title]{cursor:help}\
ul.events{line-height:1.6}\
ul.events .t{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;color:#555}\
.uchart{margin:1em 0 2em}\
.hint{color:#666;font-size:.9em}\
figure{margin:1.5em 0}\
figure img,figure svg{width:100%;height:auto;border:1px solid #ddd}\
figcaption{color:#555;font-size:.9em;margin-top:.3em}\
.floor td{padding:0;width:12px;height:14px;border:1px solid #fff}";

/// The script that turns the page's JSON block into uPlot charts.
const GLUE_JS: &str = r#"(function(){
"use strict";
var el=document.getElementById("fjord-charts");
if(!el||typeof uPlot==="undefined"){return;}
var charts=JSON.parse(el.textContent);
function fmt(v){if(v==null||!isFinite(v))return "–";var a=Math.abs(v);
if(a>=1e5)return v.toFixed(0);if(a>=100)return v.toFixed(1);if(a>=1)return v.toFixed(3);if(a===0)return "0";return v.toPrecision(4);}
function sliceRows(d,lo,hi){var x=d[0],i0=0,i1=x.length;
while(i0<x.length&&x[i0]<lo)i0++;while(i1>0&&x[i1-1]>hi)i1--;
i0=Math.max(0,i0-1);i1=Math.min(x.length,i1+1);return d.map(function(c){return c.slice(i0,i1);});}
charts.forEach(function(c){
 var box=document.getElementById(c.id);if(!box)return;
 var series=[{label:c.x_label,value:function(u,v){return v==null?"–":fmt(v);}}];
 c.series.forEach(function(s){
  var o={label:s.label,stroke:s.color,width:s.width||1.5,scale:s.y2?"y2":"y",spanGaps:!!s.span_gaps,
   value:function(u,v){return v==null?"–":fmt(v);}};
  if(s.dash)o.dash=[8,5];
  if(s.fill)o.fill=s.fill;
  if(s.points){o.points={show:true,size:7};}else{o.points={show:false};}
  series.push(o);});
 var axes=[{label:c.x_label},{label:c.y_label,scale:"y"}];
 if(c.x_categories){var cats=c.x_categories;series[0].value=function(u,v){return v==null?"–":(cats[v]||"");};
  axes[0].values=function(u,splits){return splits.map(function(v){return Number.isInteger(v)?(cats[v]||""):"";});};}
 if(c.y2_label)axes.push({label:c.y2_label,scale:"y2",side:1,grid:{show:false}});
 var scales={x:{time:false}};
 if(c.y_from_zero)scales.y={range:function(u,mn,mx){return [Math.min(0,mn),mx>0?mx*1.05:1];}};
 var busy=false;
 function pick(u){if(!c.full||busy)return;var lo=u.scales.x.min,hi=u.scales.x.max;
  var x=c.full[0],n=0;for(var i=0;i<x.length;i++){if(x[i]>=lo&&x[i]<=hi)n++;}
  busy=true;u.setData(n<=c.max_points?sliceRows(c.full,lo,hi):c.data,false);busy=false;}
 var opts={title:c.title,width:Math.max(320,box.clientWidth||1000),height:c.height||340,series:series,axes:axes,scales:scales,
  bands:(c.bands||[]).map(function(b){return {series:[b[0],b[1]],fill:b[2]};}),
  cursor:{sync:{key:c.sync||"fjord"},drag:{x:true,y:false}},legend:{live:true},
  hooks:{setScale:[function(u,key){if(key==="x")pick(u);}]}};
 var u=new uPlot(opts,c.data,box);
 // Self-check for tests and readers: how many canvas pixels the chart inked.
 setTimeout(function(){try{var cv=u.ctx.canvas,d=u.ctx.getImageData(0,0,cv.width,cv.height).data,k=0;
  for(var i=3;i<d.length;i+=4){if(d[i]!==0)k++;}box.setAttribute("data-inked",String(k));}
  catch(e){box.setAttribute("data-inked","unreadable");}},50);
 u.over.addEventListener("dblclick",function(){busy=true;u.setData(c.data,true);busy=false;});
 window.addEventListener("resize",function(){u.setSize({width:Math.max(320,box.clientWidth||1000),height:c.height||340});});
});
})();"#;

/// One series of an interactive chart.
#[derive(Debug, Clone, Serialize, Default)]
pub struct USeries {
    /// Legend label.
    pub label: String,
    /// CSS colour of the line.
    pub color: String,
    /// Line width in CSS pixels.
    pub width: f64,
    /// Dashed.
    pub dash: bool,
    /// Fill colour under the line, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<String>,
    /// On the right-hand axis.
    pub y2: bool,
    /// Mark the points (few-point charts such as sweeps).
    pub points: bool,
    /// Join the line across missing values (series on a shared x with gaps: overlays).
    pub span_gaps: bool,
}

impl USeries {
    /// A solid line.
    pub fn line(label: impl Into<String>, color: &str) -> USeries {
        USeries { label: label.into(), color: color.to_string(), width: 1.5, ..USeries::default() }
    }
}

/// An interactive chart: aligned columns `x, y1, y2, …` (NaN drawn as gaps).
#[derive(Debug, Clone, Serialize)]
pub struct UChart {
    /// Element id of the chart's box.
    pub id: String,
    /// Title.
    pub title: String,
    /// X axis label with unit.
    pub x_label: String,
    /// Left axis label with unit.
    pub y_label: String,
    /// Right axis label, if any series is on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y2_label: Option<String>,
    /// Left axis starts at zero.
    pub y_from_zero: bool,
    /// The series (after x).
    pub series: Vec<USeries>,
    /// Filled bands between two series: (upper series index, lower series index, CSS fill);
    /// indices count x as 0.
    pub bands: Vec<(usize, usize, String)>,
    /// Decimated columns drawn first.
    pub data: Vec<Vec<Option<f64>>>,
    /// Columns at full resolution for zooming, when the page budget allows.
    pub full: Option<Vec<Vec<Option<f64>>>>,
    /// Full-resolution rows shown at most before the decimated columns are used.
    pub max_points: usize,
    /// Plot height in CSS pixels.
    pub height: u32,
    /// Cursor-sync group.
    pub sync: String,
    /// Category names of a categorical x axis (x values are positions 0, 1, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_categories: Option<Vec<String>>,
}

fn column(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|x| if x.is_finite() { Some((x * 1e6).round() / 1e6) } else { None }).collect()
}

impl UChart {
    /// A chart of `columns` over `x` with `series` describing each column. Rows are chosen
    /// keeping each bucket's minimum and maximum of every column; `full_ok` allows embedding
    /// all rows for zooming.
    #[allow(clippy::too_many_arguments)]
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str, x: &[f64], columns: &[Vec<f64>], series: Vec<USeries>, full_ok: bool) -> UChart {
        let n = columns.iter().map(Vec::len).fold(x.len(), usize::min);
        let refs: Vec<&[f64]> = columns.iter().map(|c| &c[..n]).collect();
        // Per-bucket extremes of up to two reference columns keep the point count bounded.
        let reference: Vec<&[f64]> = refs.iter().take(2).copied().collect();
        let idx = decimate_indices(n, &reference, &reference, OVERVIEW_POINTS);
        let mut data = vec![column(&pick(x, &idx))];
        data.extend(refs.iter().map(|c| column(&pick(c, &idx))));
        let full = (full_ok && idx.len() < n).then(|| {
            let mut f = vec![column(&x[..n])];
            f.extend(refs.iter().map(|c| column(c)));
            f
        });
        UChart {
            id: id.to_string(),
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            y2_label: None,
            y_from_zero: false,
            series,
            bands: Vec::new(),
            data,
            full,
            max_points: OVERVIEW_POINTS,
            height: 340,
            sync: "fjord".to_string(),
            x_categories: None,
        }
    }
}

/// Aligns several series, each with its own x values, on the sorted union of their x
/// values (a series is `NaN` at the others' x). Each input is first reduced to at most
/// `per_series` rows keeping bucket minima and maxima.
pub fn align(series: &[(&[f64], &[f64])], per_series: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let picked: Vec<(Vec<f64>, Vec<f64>)> = series
        .iter()
        .map(|(x, y)| {
            let n = x.len().min(y.len());
            let idx = decimate_indices(n, &[&y[..n]], &[&y[..n]], per_series);
            (pick(x, &idx), pick(y, &idx))
        })
        .collect();
    let mut xs: Vec<f64> = picked.iter().flat_map(|(x, _)| x.iter().copied()).filter(|v| v.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let columns = picked
        .iter()
        .map(|(x, y)| {
            let mut col = vec![f64::NAN; xs.len()];
            for (xi, yi) in x.iter().zip(y) {
                if let Ok(k) = xs.binary_search_by(|v| v.total_cmp(xi)) {
                    col[k] = *yi;
                }
            }
            col
        })
        .collect();
    (xs, columns)
}

/// True if `rows × columns` numbers at full resolution fit the page budget.
pub fn full_fits(rows: usize, columns: usize) -> bool {
    rows.saturating_mul(columns) <= FULL_NUMBERS_BUDGET
}

/// The start of a page: doctype, title, CSS (page and uPlot).
pub fn page_start(title: &str) -> String {
    let mut html = String::with_capacity(1 << 20);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(title));
    let _ = writeln!(html, "<style>{CSS}</style>\n<style>{UPLOT_CSS}</style>\n</head>\n<body>");
    html
}

/// A box for an interactive chart.
pub fn chart_box(chart: &UChart) -> String {
    format!("<div class=\"uchart\" id=\"{}\"></div>\n", escape(&chart.id))
}

/// A section of interactive charts under `heading`, with the `hint` on how to use them (HTML);
/// nothing without charts.
pub fn chart_section(html: &mut String, heading: &str, hint: &str, charts: &[UChart]) {
    if charts.is_empty() {
        return;
    }
    html.push_str(&format!("<h2>{heading}</h2>\n<p class=\"hint\">{hint}</p>\n"));
    for c in charts {
        html.push_str(&chart_box(c));
    }
}

/// The end of a page: the chart data, uPlot (with its licence) and the glue script.
pub fn page_end(html: &mut String, charts: &[UChart]) {
    if !charts.is_empty() {
        let mut json = serde_json::to_string(charts).unwrap_or_else(|_| "[]".to_string());
        // `</` cannot end the script element early (copied only when it occurs).
        if json.contains("</") {
            json = json.replace("</", "<\\/");
        }
        let _ = writeln!(html, "<script type=\"application/json\" id=\"fjord-charts\">{json}</script>");
        let license = UPLOT_LICENSE.replace("*/", "* /");
        let _ = writeln!(html, "<script>/* uPlot 1.6.32 — {license} */\n{UPLOT_JS}</script>");
        let _ = writeln!(html, "<script>{GLUE_JS}</script>");
    }
    html.push_str("</body>\n</html>\n");
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// CSS colour of a palette entry.
pub fn css(c: plotters::style::RGBColor) -> String {
    format!("rgb({},{},{})", c.0, c.1, c.2)
}

/// CSS colour with opacity.
pub fn css_alpha(c: plotters::style::RGBColor, a: f64) -> String {
    format!("rgba({},{},{},{a})", c.0, c.1, c.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_decimate_and_keep_full_rows_when_small() {
        let x: Vec<f64> = (0..20_000).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| (v * 0.01).sin()).collect();
        y[12_345] = 40.0;
        let c = UChart::new("c", "t", "x", "y", &x, std::slice::from_ref(&y), vec![USeries::line("y", "red")], true);
        assert!(c.data[0].len() <= OVERVIEW_POINTS + 2);
        assert!(c.data[1].contains(&Some(40.0)), "the spike survives decimation");
        assert_eq!(c.full.as_ref().map(|f| f[0].len()), Some(20_000));
        let c = UChart::new("c", "t", "x", "y", &x, &[y], vec![USeries::line("y", "red")], false);
        assert!(c.full.is_none());
    }

    #[test]
    fn align_on_the_union_of_x() {
        let (x, cols) = align(&[(&[0.0, 2.0], &[1.0, 3.0]), (&[1.0, 2.0], &[10.0, 20.0])], 100);
        assert_eq!(x, vec![0.0, 1.0, 2.0]);
        assert_eq!(cols[0][0], 1.0);
        assert!(cols[0][1].is_nan());
        assert_eq!(cols[1][1..], [10.0, 20.0]);
    }

    #[test]
    fn page_scripts_cannot_be_closed_by_data() {
        let c = UChart::new("c", "</script><b>", "x", "y", &[0.0, 1.0], &[vec![f64::NAN, 1.0]], vec![USeries::line("a", "red")], false);
        let mut html = page_start("t");
        page_end(&mut html, &[c]);
        assert_eq!(html.matches("</script>").count(), 3, "only the three script elements close");
        assert!(html.contains("[null,1.0]"), "NaN becomes null (a gap)");
    }
}
