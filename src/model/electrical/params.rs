//! Parameters of `[power]`, the electrical chain: defaults (REFERENCE §5), the range of every
//! key. The PSU nameplate and the base load default from the rack design power.

use crate::scenario::check::{ranges, Diagnostics, Range};
use crate::scenario::raw::PowerBlock;

/// Electrical chain.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerChain {
    /// Peak efficiency of the rack PSU curve.
    pub psu_efficiency_frac: f64,
    /// PSU nameplate per rack (W).
    pub psu_rated_w: f64,
    /// Efficiency of UPS, transformers and distribution feeding IT.
    pub distribution_efficiency_frac: f64,
    /// Efficiency of the feed to cooling and base loads.
    pub mechanical_efficiency_frac: f64,
    /// Lighting, offices, security (W).
    pub facility_base_w: f64,
}

ranges! {
    /// Ranges of `[power]`.
    RANGES;
    const PSU_EFF: Range =
        Range { key: "power.psu_efficiency_frac", lo: 0.5, hi: 1.0, what: "a fraction", why: "rack PSUs peak at 0.94-0.97 (80 PLUS Titanium)" };
    const PSU_RATED: Range = Range {
        key: "power.psu_rated_kw",
        lo: 0.001,
        hi: 100_000.0,
        what: "a power per rack (kW)",
        why: "PSU nameplate, ~2 × the rack design power (N+N)",
    };
    const DIST_EFF: Range =
        Range { key: "power.distribution_efficiency_frac", lo: 0.5, hi: 1.0, what: "a fraction", why: "transformers, UPS and distribution lose 1-5 %" };
    const MECH_EFF: Range =
        Range { key: "power.mechanical_efficiency_frac", lo: 0.5, hi: 1.0, what: "a fraction", why: "the feed to cooling and base loads" };
    const BASE_KW: Range =
        Range { key: "power.facility_base_kw", lo: 0.0, hi: 1e7, what: "a power (kW)", why: "lighting, offices, security: ~0.5 % of IT" };
}

macro_rules! get {
    ($opt:expr, $default:expr) => {
        crate::scenario::check::dflt(&mut $opt, $default)
    };
}

/// Fills `[power]` for racks drawing `rack_kw` at TDP (before PSU losses), `racks` of them.
/// Base load scales with the site: 0.45 % of the IT capacity at TDP (800 kW for the 178 MW
/// reference campus) [E].
pub fn fill_defaults(pw: &mut PowerBlock, rack_kw: f64, racks: u32) {
    let psu = get!(pw.psu_efficiency_frac, 0.96);
    let rack_design_kw = rack_kw / psu.max(0.5);
    get!(pw.psu_rated_kw, (2.0 * rack_design_kw * 10.0).round() / 10.0);
    get!(pw.distribution_efficiency_frac, 0.975);
    get!(pw.mechanical_efficiency_frac, 0.99);
    get!(pw.facility_base_kw, (0.0045 * rack_design_kw * f64::from(racks)).round());
}

impl PowerChain {
    /// Checks a filled `[power]`; `rack_design_w` is the default nameplate's base when
    /// `psu_rated_kw` was never filled in.
    pub fn resolve(p: &PowerBlock, rack_design_w: impl Fn(f64) -> f64, d: &mut Diagnostics) -> Self {
        let psu_efficiency_frac = d.num(&PSU_EFF, Some(p.psu_efficiency_frac.unwrap_or(0.96)));
        let chain = PowerChain {
            psu_efficiency_frac,
            psu_rated_w: 0.0,
            distribution_efficiency_frac: d.num(&DIST_EFF, Some(p.distribution_efficiency_frac.unwrap_or(0.975))),
            mechanical_efficiency_frac: d.num(&MECH_EFF, Some(p.mechanical_efficiency_frac.unwrap_or(0.99))),
            facility_base_w: d.num(&BASE_KW, Some(p.facility_base_kw.unwrap_or(800.0))) * 1e3,
        };
        let rated_kw = p.psu_rated_kw.unwrap_or_else(|| 2.0 * rack_design_w(psu_efficiency_frac) / 1e3);
        PowerChain { psu_rated_w: d.num(&PSU_RATED, Some(rated_kw)) * 1e3, ..chain }
    }
}
