//! Where the device is. Phones use the platform's location (in the web view;
//! background recording there is a follow-up behind this same interface);
//! on desktop the source is pluggable so flows and tests work anywhere:
//! `GRIDPATROL_GPX=track.gpx` replays a recorded track, one point each
//! time the track recorder asks (it stays at the last point at the end),
//! `GRIDPATROL_LOCATION=lat,lon` pins a fixed position; otherwise there is
//! no fix and the UI offers the grid's streets and manual entry. Fixes are
//! stamped with the store's clock by the caller.

use std::sync::Mutex;

use gridpatrol_core::model::{LocationFix, LocationSource as Source};
use gridpatrol_core::time::Millis;

/// A pluggable location source.
#[derive(Debug)]
pub enum LocationSource {
    None,
    Fixed {
        lat: f64,
        lon: f64,
    },
    /// The points of a GPX track; `next` is the one the recorder gets next.
    Replay {
        points: Vec<(f64, f64)>,
        next: Mutex<usize>,
    },
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

    /// Where the device is now, without moving a replay on (the screens
    /// show the position; only the recorder walks the track).
    pub fn current(&self, now: Millis) -> Option<LocationFix> {
        let (lat, lon, source) = match self {
            LocationSource::None => return None,
            LocationSource::Fixed { lat, lon } => (*lat, *lon, Source::Manual),
            LocationSource::Replay { points, next } => {
                let i = *next.lock().unwrap_or_else(|p| p.into_inner());
                let (lat, lon) = points[i.saturating_sub(1).min(points.len() - 1)];
                (lat, lon, Source::Track)
            }
        };
        Some(fix(lat, lon, source, now))
    }

    /// The next fix for the track recorder: a replay moves one point on.
    pub fn next_fix(&self, now: Millis) -> Option<LocationFix> {
        if let LocationSource::Replay { points, next } = self {
            let mut i = next.lock().unwrap_or_else(|p| p.into_inner());
            let (lat, lon) = points[(*i).min(points.len() - 1)];
            *i = (*i + 1).min(points.len());
            return Some(fix(lat, lon, Source::Track, now));
        }
        self.current(now)
    }
}

fn fix(lat: f64, lon: f64, source: Source, at: Millis) -> LocationFix {
    LocationFix { lat, lon, accuracy_m: Some(5.0), source, at }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_moves_only_when_the_recorder_asks_and_stops_at_the_end() {
        let replay =
            LocationSource::Replay { points: vec![(1.0, 10.0), (2.0, 20.0), (3.0, 30.0)], next: Mutex::new(0) };
        assert_eq!(replay.current(0).map(|f| f.lat), Some(1.0), "before the walk: its start");
        assert_eq!(replay.next_fix(5).map(|f| (f.lat, f.at)), Some((1.0, 5)));
        assert_eq!(replay.current(6).map(|f| f.lat), Some(1.0), "the screens see the last fix");
        assert_eq!(replay.current(7).map(|f| f.lat), Some(1.0), "…and do not move it on");
        assert_eq!(replay.next_fix(8).map(|f| f.lat), Some(2.0));
        assert_eq!(replay.next_fix(9).map(|f| f.lat), Some(3.0));
        assert_eq!(replay.next_fix(10).map(|f| f.lat), Some(3.0), "the walk is over: stay");
        assert_eq!(replay.current(11).map(|f| f.lon), Some(30.0));
        let fixed = LocationSource::Fixed { lat: 30.27, lon: 120.16 };
        assert_eq!(fixed.next_fix(3).map(|f| (f.lat, f.at)), Some((30.27, 3)));
        assert!(LocationSource::None.next_fix(0).is_none());
    }
}
