//! Physical models, one module per component. No I/O, no clock, no global RNG: every model
//! is a function of its parameters, its state and its inputs.

pub mod calendar;
pub mod cdu;
pub mod electrical;
pub mod epw;
pub mod gpu;
pub mod gpu_replay;
pub mod plant;
pub mod plant_side;
pub mod sun;
pub mod supply;
pub mod supply_side;
pub mod weather;
pub mod workload;

/// The weather source of a scenario: a synthetic climate or an EPW file.
pub fn weather_source(sc: &crate::scenario::Scenario) -> crate::Result<Box<dyn weather::WeatherSource>> {
    use crate::scenario::WeatherSpec;
    match &sc.weather {
        WeatherSpec::Climate(name) => {
            let c = weather::Climate::from_name(name)
                .ok_or_else(|| crate::FjordError::bad("scenario", None, "site.climate", format!("unknown climate {name}")))?;
            Ok(Box::new(weather::SyntheticWeather::new(c, sc.seed, sc.latitude_deg, sc.longitude_deg)))
        }
        WeatherSpec::File(path) => {
            let w = epw::EpwWeather::from_path(path).map_err(|e| crate::FjordError::BadInput {
                location: crate::error::Location { file: e.path.clone(), line: (e.line > 0).then_some(e.line), column: None },
                key: "site.weather_file".into(),
                message: e.message.clone(),
            })?;
            Ok(Box::new(w))
        }
    }
}
