//! Where the device is. Phones use the platform's location (in the web view);
//! on desktop the source is pluggable so flows and tests work anywhere:
//! `GRIDPATROL_GPX=track.gpx` replays a recorded track point by point,
//! `GRIDPATROL_LOCATION=lat,lon` pins a fixed position; otherwise there is
//! no fix and the UI offers the grid's streets and manual entry.

use std::sync::Mutex;

use gridpatrol_core::model::{LocationFix, LocationSource as Source};
use gridpatrol_core::time::now_ms;

/// A pluggable location source.
#[derive(Debug)]
pub enum LocationSource {
    None,
    Fixed { lat: f64, lon: f64 },
    Replay { points: Vec<(f64, f64)>, next: Mutex<usize> },
}

impl LocationSource {
    /// The source the environment asks for.
    pub fn from_env() -> Self {
        if let Ok(path) = std::env::var("GRIDPATROL_GPX") {
            match read_gpx(&path) {
                Ok(points) if !points.is_empty() => return LocationSource::Replay { points, next: Mutex::new(0) },
                Ok(_) => tracing::warn!(%path, "GPX track has no points"),
                Err(e) => tracing::warn!(%path, error = %e, "cannot read GPX track"),
            }
        }
        if let Ok(v) = std::env::var("GRIDPATROL_LOCATION")
            && let Some((lat, lon)) = v.split_once(',')
            && let (Ok(lat), Ok(lon)) = (lat.trim().parse(), lon.trim().parse())
        {
            return LocationSource::Fixed { lat, lon };
        }
        LocationSource::None
    }

    /// The current fix, if any.
    pub fn current(&self) -> Option<LocationFix> {
        let (lat, lon, source) = match self {
            LocationSource::None => return None,
            LocationSource::Fixed { lat, lon } => (*lat, *lon, Source::Manual),
            LocationSource::Replay { points, next } => {
                let mut i = next.lock().unwrap_or_else(|p| p.into_inner());
                let (lat, lon) = points[*i % points.len()];
                *i += 1;
                (lat, lon, Source::Track)
            }
        };
        Some(LocationFix { lat, lon, accuracy_m: Some(5.0), source, at: now_ms() })
    }
}

fn read_gpx(path: &str) -> anyhow::Result<Vec<(f64, f64)>> {
    let gpx = gpx::read(std::io::BufReader::new(std::fs::File::open(path)?))?;
    Ok(gpx
        .tracks
        .iter()
        .flat_map(|t| t.segments.iter())
        .flat_map(|s| s.points.iter())
        .chain(gpx.waypoints.iter())
        .map(|p| (p.point().y(), p.point().x()))
        .collect())
}
