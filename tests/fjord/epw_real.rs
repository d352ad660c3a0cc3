//! The EPW reader on a real EnergyPlus weather file (issue 9, docs/VALIDATION.md).
//!
//! `tests/data/FRA_AR_Lyon-Bron.AP.074800_TMYx.2004-2018_first3days.epw` holds the first 80
//! lines, byte for byte (CRLF line ends as published), of the Climate.OneBuilding.org TMYx
//! file for Lyon-Bron airport (WMO 074800; typical year 2004–2018 built from NOAA ISD
//! observations): its 8 header lines and its first 72 hourly records (1–3 January). fjord's
//! reader needs a full year, so each test assembles one in its temp folder by repeating
//! those three real days through the year with only the month and day fields rewritten.
//! Every value asserted below was copied by hand from the published file and lies on
//! 1–3 January, where the assembled file *is* the real file; the repeated days only make the
//! reader accept it.

use crate::util::{crate_dir, run_fjord, run_ok, stderr, Csv, TestDir};
use fjord::model::epw::EpwWeather;
use fjord::model::weather::WeatherSource;
use std::path::{Path, PathBuf};

/// The real excerpt (8 header lines + 72 records).
fn lyon_excerpt() -> PathBuf {
    crate_dir().join("tests/data/FRA_AR_Lyon-Bron.AP.074800_TMYx.2004-2018_first3days.epw")
}

/// Writes into `dir` a non-leap full year (8,760 records) made of the excerpt's header and
/// its three real days repeated: day-of-year `d` (0-based) carries real day `d mod 3`, with
/// fields 1 and 2 (month, day) set to its calendar date and every other field as published.
fn assemble_year(dir: &TestDir) -> PathBuf {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let text = std::fs::read_to_string(lyon_excerpt()).expect("read the Lyon excerpt");
    assert_eq!(text.matches("\r\n").count(), 80, "the excerpt keeps the published CRLF line ends");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8 + 72, "the excerpt is 8 header lines and 72 records");
    let (header, records) = lines.split_at(8);
    let mut out: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let mut doy = 0usize;
    for (m, &len) in DAYS.iter().enumerate() {
        for day in 1..=len {
            for rec in &records[(doy % 3) * 24..(doy % 3 + 1) * 24] {
                let mut f: Vec<String> = rec.split(',').map(str::to_string).collect();
                f[1] = (m + 1).to_string();
                f[2] = day.to_string();
                out.push(f.join(","));
            }
            doy += 1;
        }
    }
    assert_eq!(out.len(), 8 + 8760);
    // The first three days are the published records, byte for byte.
    assert_eq!(&out[..8 + 72], &lines[..], "the assembled year must start with the real file");
    dir.write("lyon_year.epw", &(out.join("\r\n") + "\r\n"))
}

/// UTC seconds of 2026-01-01T00:00:00Z; Lyon's file is in local standard time UTC+1, so this
/// is local 01:00, the end of EPW hour 1 of 1 January.
const JAN1_2026_UTC: f64 = 1_767_225_600.0;

/// Published values of one hourly record, copied from the file.
struct Real {
    /// 0-based record (hour `k + 1` of the year, hour-ending, local standard time).
    k: usize,
    dry_c: f64,
    dew_c: f64,
    rh_pct: f64,
    p_pa: f64,
    ghi: f64,
    dni: f64,
    dhi: f64,
    wdir_deg: f64,
    wspd_m_s: f64,
}

/// Seven published records: the first two hours, an overcast noon, a saturated noon with
/// some direct beam, a windy evening, a low-sun hour, the last hour of the excerpt.
const REAL: [Real; 7] = [
    // 2004,1,1,1: 0.0,-2.0,85,99846 ... GHI 0, DNI 0, DHI 0 ... 268°, 3.0 m/s
    Real { k: 0, dry_c: 0.0, dew_c: -2.0, rh_pct: 85.0, p_pa: 99846.0, ghi: 0.0, dni: 0.0, dhi: 0.0, wdir_deg: 268.0, wspd_m_s: 3.0 },
    // 2004,1,1,2: 2.0,-1.1,79,99645 ... 360°, 5.1 m/s
    Real { k: 1, dry_c: 2.0, dew_c: -1.1, rh_pct: 79.0, p_pa: 99645.0, ghi: 0.0, dni: 0.0, dhi: 0.0, wdir_deg: 360.0, wspd_m_s: 5.1 },
    // 2004,1,1,13: 2.0,-1.0,80,98870 ... GHI 100, DNI 0, DHI 100 ... 100°, 1.5 m/s
    Real { k: 12, dry_c: 2.0, dew_c: -1.0, rh_pct: 80.0, p_pa: 98870.0, ghi: 100.0, dni: 0.0, dhi: 100.0, wdir_deg: 100.0, wspd_m_s: 1.5 },
    // 2004,1,2,13: 2.0,2.0,100,98870 ... GHI 164, DNI 36, DHI 152 ... 320°, 1.5 m/s
    Real { k: 36, dry_c: 2.0, dew_c: 2.0, rh_pct: 100.0, p_pa: 98870.0, ghi: 164.0, dni: 36.0, dhi: 152.0, wdir_deg: 320.0, wspd_m_s: 1.5 },
    // 2004,1,2,20: 1.7,0.5,92,98979 ... 350°, 8.2 m/s
    Real { k: 43, dry_c: 1.7, dew_c: 0.5, rh_pct: 92.0, p_pa: 98979.0, ghi: 0.0, dni: 0.0, dhi: 0.0, wdir_deg: 350.0, wspd_m_s: 8.2 },
    // 2004,1,3,16: 0.0,-4.0,72,98852 ... GHI 74, DNI 2, DHI 73 ... 360°, 6.7 m/s
    Real { k: 63, dry_c: 0.0, dew_c: -4.0, rh_pct: 72.0, p_pa: 98852.0, ghi: 74.0, dni: 2.0, dhi: 73.0, wdir_deg: 360.0, wspd_m_s: 6.7 },
    // 2004,1,3,24: -0.8,-5.0,70,99611 ... 340°, 7.2 m/s
    Real { k: 71, dry_c: -0.8, dew_c: -5.0, rh_pct: 70.0, p_pa: 99611.0, ghi: 0.0, dni: 0.0, dhi: 0.0, wdir_deg: 340.0, wspd_m_s: 7.2 },
];

/// Exact to the file's printed precision (values are parsed, not computed).
fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: fjord {a}, file {b}");
}

/// The LOCATION header of the real file: Lyon Bron AP, 45.72610 °N, 4.93780 °E, UTC+1,
/// 198 m. The excerpt itself (72 records) is refused as less than a year, naming its last
/// line.
#[test]
fn real_epw_location_header_and_short_file() {
    let dir = TestDir::new("epw-lyon-header");
    let w = EpwWeather::from_path(&assemble_year(&dir)).expect("the assembled Lyon year reads");
    assert_eq!(w.city(), "Lyon Bron AP");
    close(w.latitude_deg(), 45.7261, "latitude");
    close(w.longitude_deg(), 4.9378, "longitude");
    close(w.utc_offset_h(), 1.0, "time zone");
    close(w.elevation_m(), 198.0, "elevation");
    assert_eq!(w.record_count(), 8760);
    assert!(!w.is_leap_file());

    let err = EpwWeather::from_path(&lyon_excerpt()).expect_err("72 records are not a year");
    assert_eq!(err.line, 80, "{err}");
    assert!(err.message.contains("found 72 hourly records") && err.message.contains("8760"), "{err}");
}

/// Field by field against the published records: stored values, then the time mapping.
/// Point quantities are read at the *end* of their EPW hour (hour-ending, local standard
/// time): record `k` is the value at local `k + 1` h, i.e. UTC `k` h on 1 January 2026.
/// Irradiances are hour means, placed at mid-hour: UTC `k − 0.5` h. Half-way between two
/// point anchors the reader gives their mean.
#[test]
fn real_epw_records_field_by_field() {
    let dir = TestDir::new("epw-lyon-records");
    let w = EpwWeather::from_path(&assemble_year(&dir)).expect("the assembled Lyon year reads");
    for r in &REAL {
        let what = |f: &str| format!("record {} (1 Jan + {} h) {f}", r.k, r.k + 1);
        let s = w.record(r.k).expect("record in range");
        close(s.dry_bulb_c, r.dry_c, &what("dry bulb °C"));
        close(s.dew_point_c, r.dew_c, &what("dew point °C"));
        close(s.rel_humidity_frac, r.rh_pct / 100.0, &what("relative humidity"));
        close(s.pressure_pa, r.p_pa, &what("station pressure Pa"));
        close(s.ghi_w_m2, r.ghi, &what("GHI W/m²"));
        close(s.dni_w_m2, r.dni, &what("DNI W/m²"));
        close(s.dhi_w_m2, r.dhi, &what("DHI W/m²"));
        close(s.wind_speed_m_s, r.wspd_m_s, &what("wind speed m/s"));

        // At the hour point (UTC = local − 1 h = k h after 1 January 00:00 UTC).
        let t_point = JAN1_2026_UTC + r.k as f64 * 3600.0;
        let p = w.sample(t_point);
        close(p.dry_bulb_c, r.dry_c, &what("sampled dry bulb"));
        close(p.dew_point_c, r.dew_c, &what("sampled dew point"));
        close(p.rel_humidity_frac, r.rh_pct / 100.0, &what("sampled RH"));
        close(p.pressure_pa, r.p_pa, &what("sampled pressure"));
        close(p.wind_speed_m_s, r.wspd_m_s, &what("sampled wind speed"));
        close(w.wind_direction_deg(t_point).rem_euclid(360.0), r.wdir_deg.rem_euclid(360.0), &what("wind direction"));
        // Hour means at mid-hour.
        let m = w.sample(t_point - 1800.0);
        close(m.ghi_w_m2, r.ghi, &what("sampled GHI at mid-hour"));
        close(m.dni_w_m2, r.dni, &what("sampled DNI at mid-hour"));
        close(m.dhi_w_m2, r.dhi, &what("sampled DHI at mid-hour"));
    }
    // Between hour 1 (0.0 °C) and hour 2 (2.0 °C) of 1 January: linear, 1.0 °C at 00:30 UTC.
    close(w.sample(JAN1_2026_UTC + 1800.0).dry_bulb_c, 1.0, "dry bulb half-way between hours 1 and 2");
    // Pressure jumps from 98870 Pa (1 Jan h13) to 98809 Pa (h14): mean at 12:30 UTC.
    close(w.sample(JAN1_2026_UTC + 12.5 * 3600.0).pressure_pa, 0.5 * (98870.0 + 98809.0), "pressure half-way");
    // A UTC clock would put local hour 1's value at 01:00 UTC: the file's time zone matters.
    assert!((w.sample(JAN1_2026_UTC + 3600.0).dry_bulb_c - 0.0).abs() > 1.5, "UTC+1 must shift the series by one hour");
}

/// `fjord run` with `site.weather_file` on the assembled Lyon year, 1 January 2026 00:00–04:00
/// UTC at a 60 s step and one row per step: `ambient_c` is the file's dry bulb at each whole
/// hour (0.0, 2.0, 1.9, 1.8 °C for EPW hours 1–4, local 01:00–04:00) and the straight line
/// between them in each hour.
#[test]
fn real_epw_drives_the_run_ambient() {
    let dir = TestDir::new("epw-lyon-run");
    let epw = assemble_year(&dir);
    let sc = format!(
        concat!(
            r#"
[scenario]
name = "Lyon EPW"
start = "2026-01-01T00:00:00Z"
duration = "4h"
step = "60s"
record_every = "60s"

[site]
latitude_deg = 45.7261
longitude_deg = 4.9378
weather_file = "{}"
"#,
            crate::util::two_racks_serving!()
        ),
        file_name(&epw)
    );
    let path = dir.write("lyon.toml", &sc);
    let out = dir.join("run");
    run_ok(&path, &out, &["--format", "none"]);
    let ts = Csv::read(&out.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 240);
    // Published dry bulb, EPW hours 1..4 of 1 January (records 0..3) and hour 5 (1.6 °C).
    let hourly = [0.0, 2.0, 1.9, 1.8, 1.6];
    for (t, a) in ts.col("time_s").iter().zip(ts.col("ambient_c")) {
        let h = (t / 3600.0).floor() as usize;
        let f = t / 3600.0 - h as f64;
        let want = hourly[h] + f * (hourly[h + 1] - hourly[h]);
        assert!((a - want).abs() < 2e-6, "t = {t} s: ambient {a} °C, file {want} °C");
    }
    for (h, want) in hourly[..4].iter().enumerate() {
        assert!((ts.at("ambient_c", h as f64 * 3600.0) - want).abs() < 2e-6, "hour {h}");
    }
    // A bad record in the real file's shape is refused with its line (exit 2).
    let text = std::fs::read_to_string(&epw).expect("read assembled year");
    let bad = text.replacen("2004,1,2,13,60,", "2004,1,2,31,60,", 1);
    assert_ne!(bad, text);
    std::fs::write(&epw, bad).expect("write bad year");
    let o = run_fjord(["run".as_ref(), path.as_os_str(), "--out".as_ref(), dir.join("bad").as_os_str(), "--quiet".as_ref()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // 2 January hour 13 is record 36: line 8 + 36 + 1.
    assert!(err.contains("lyon_year.epw:45") && err.contains("hour 31 out of range"), "{err}");
    assert!(!dir.join("bad").exists());
}

/// The file name of `p` (the scenario sits in the same folder).
fn file_name(p: &Path) -> String {
    p.file_name().expect("file name").to_string_lossy().to_string()
}

/// A scenario that names an EPW file but no `site.latitude_deg`/`longitude_deg` puts the sun
/// at the file's LOCATION (Lyon-Bron, 45.7261 °N 4.9378 °E), not at the Narvik default; given
/// values still win.
#[test]
fn epw_location_places_the_site_when_not_given() {
    let dir = TestDir::new("epw-lyon-location");
    let epw = assemble_year(&dir);
    let text = |site: &str| {
        format!(
            concat!(
                "[scenario]\nname = \"Lyon EPW\"\nstart = \"2026-01-01T00:00:00Z\"\nduration = \"1h\"\n\n[site]\n{}weather_file = \"{}\"\n",
                crate::util::two_racks_serving!()
            ),
            site,
            file_name(&epw)
        )
    };
    let sc = fjord::scenario::load(&dir.write("lyon.toml", &text("")), &[]).expect("loads");
    close(sc.latitude_deg, 45.7261, "latitude from the EPW header");
    close(sc.longitude_deg, 4.9378, "longitude from the EPW header");
    let sc = fjord::scenario::load(&dir.write("lyon-given.toml", &text("latitude_deg = 50.0\n")), &[]).expect("loads");
    close(sc.latitude_deg, 50.0, "a given latitude");
    close(sc.longitude_deg, 4.9378, "longitude from the EPW header");
    // The resolved scenario written into a run folder records the position used.
    let out = dir.join("run");
    run_ok(&dir.join("lyon.toml"), &out, &["--format", "none"]);
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).expect("resolved scenario");
    assert!(resolved.contains("latitude_deg = 45.7261"), "{resolved}");
}
