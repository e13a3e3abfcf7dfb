//! Which location fixes become track points, and how often to ask for the
//! next one. The recorder keeps the last kept point; each new fix is checked
//! against it: poor accuracy, impossible speed and repeats are dropped.

use std::time::Duration;

use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{LocationFix, TrackPoint};
use crate::time::Millis;

/// The thresholds of a [`TrackFilter`]; the defaults suit foot patrols.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TrackSettings {
    /// Fixes reporting a worse accuracy than this are dropped (metres).
    pub max_accuracy_m: f64,
    /// A fix implying a faster movement from the last kept point is dropped
    /// (metres per second; 12 m/s is a fast bicycle, not a walk).
    pub max_speed_mps: f64,
    /// A fix closer than this to the last kept point is a repeat…
    pub min_step_m: f64,
    /// …unless this much time has passed (so a worker standing still still
    /// leaves a point now and then).
    pub still_keep_ms: Millis,
    /// The sampling interval while moving.
    pub moving_interval_ms: Millis,
    /// The sampling interval while standing still.
    pub still_interval_ms: Millis,
    /// Below this speed the worker counts as standing still (m/s).
    pub still_below_mps: f64,
}

impl Default for TrackSettings {
    fn default() -> Self {
        TrackSettings {
            max_accuracy_m: 50.0,
            max_speed_mps: 12.0,
            min_step_m: 2.0,
            still_keep_ms: 60_000,
            moving_interval_ms: 5_000,
            still_interval_ms: 30_000,
            still_below_mps: 0.5,
        }
    }
}

/// Why a fix was not kept.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum Dropped {
    #[error("not a position on Earth")]
    NotAPosition,
    #[error("accuracy {accuracy_m} m is too poor")]
    PoorAccuracy { accuracy_m: f64 },
    #[error("{speed_mps:.1} m/s from the last point is impossible")]
    TooFast { speed_mps: f64 },
    #[error("repeats the last point")]
    Duplicate,
}

/// Decides which fixes are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrackFilter {
    pub settings: TrackSettings,
}

impl TrackFilter {
    /// A filter with these thresholds.
    pub fn new(settings: TrackSettings) -> Self {
        TrackFilter { settings }
    }

    /// The track point to append for `fix`, given the last kept point, or
    /// why the fix is dropped. A fix without an accuracy (a replayed or a
    /// fixed desktop source) is not judged on accuracy.
    pub fn accept(&self, last: Option<&TrackPoint>, fix: &LocationFix) -> Result<TrackPoint, Dropped> {
        let s = &self.settings;
        let on_earth = fix.lat.is_finite()
            && fix.lon.is_finite()
            && (-90.0..=90.0).contains(&fix.lat)
            && (-180.0..=180.0).contains(&fix.lon);
        if !on_earth {
            return Err(Dropped::NotAPosition);
        }
        if let Some(accuracy_m) = fix.accuracy_m
            && (accuracy_m.is_nan() || accuracy_m > s.max_accuracy_m)
        {
            return Err(Dropped::PoorAccuracy { accuracy_m });
        }
        let point = TrackPoint { at: fix.at, lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
        let Some(last) = last else { return Ok(point) };
        if point.at <= last.at {
            return Err(Dropped::Duplicate);
        }
        let step_m = distance_m(last, &point);
        if step_m < s.min_step_m && point.at - last.at < s.still_keep_ms {
            return Err(Dropped::Duplicate);
        }
        let speed_mps = step_m / ((point.at - last.at) as f64 / 1000.0);
        if speed_mps > s.max_speed_mps {
            return Err(Dropped::TooFast { speed_mps });
        }
        Ok(point)
    }

    /// How long to wait before asking for the next fix, at the current
    /// speed (`None` when not known yet: sample as if moving).
    pub fn next_interval(&self, speed_mps: Option<f64>) -> Duration {
        let s = &self.settings;
        let ms = match speed_mps {
            Some(v) if v < s.still_below_mps => s.still_interval_ms,
            _ => s.moving_interval_ms,
        };
        Duration::from_millis(ms.max(0) as u64)
    }
}

/// The speed between two track points (m/s), if time advanced.
pub fn speed_mps(from: &TrackPoint, to: &TrackPoint) -> Option<f64> {
    (to.at > from.at).then(|| distance_m(from, to) / ((to.at - from.at) as f64 / 1000.0))
}

/// The great-circle distance between two track points, in metres.
pub fn distance_m(a: &TrackPoint, b: &TrackPoint) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::LocationSource;

    /// About one metre of latitude, in degrees.
    const M: f64 = 1.0 / 111_195.0;

    fn fix(at: Millis, north_m: f64, accuracy_m: Option<f64>) -> LocationFix {
        LocationFix { lat: 30.27 + north_m * M, lon: 120.16, accuracy_m, source: LocationSource::Gps, at }
    }

    fn point(f: &LocationFix) -> TrackPoint {
        TrackPoint { at: f.at, lat: f.lat, lon: f.lon, accuracy_m: f.accuracy_m }
    }

    #[test]
    fn a_walk_is_kept() {
        let filter = TrackFilter::default();
        let first = filter.accept(None, &fix(0, 0.0, Some(8.0))).unwrap();
        let next = filter.accept(Some(&first), &fix(5_000, 7.0, Some(8.0))).unwrap();
        assert_eq!(next.at, 5_000);
        assert!((speed_mps(&first, &next).unwrap() - 1.4).abs() < 0.01);
    }

    #[test]
    fn poor_accuracy_is_dropped_at_the_configured_threshold() {
        let filter = TrackFilter::default();
        assert_eq!(filter.accept(None, &fix(0, 0.0, Some(80.0))), Err(Dropped::PoorAccuracy { accuracy_m: 80.0 }));
        assert!(filter.accept(None, &fix(0, 0.0, Some(50.0))).is_ok());
        assert!(filter.accept(None, &fix(0, 0.0, None)).is_ok(), "a source without accuracy is not judged on it");
        assert!(filter.accept(None, &fix(0, 0.0, Some(f64::NAN))).is_err());
        let strict = TrackFilter::new(TrackSettings { max_accuracy_m: 20.0, ..Default::default() });
        assert!(strict.accept(None, &fix(0, 0.0, Some(30.0))).is_err());
    }

    #[test]
    fn impossible_speed_is_dropped() {
        let filter = TrackFilter::default();
        let last = point(&fix(0, 0.0, Some(5.0)));
        // 300 m in 5 s is 60 m/s: a GPS jump.
        let jump = filter.accept(Some(&last), &fix(5_000, 300.0, Some(5.0)));
        assert!(matches!(jump, Err(Dropped::TooFast { speed_mps }) if (speed_mps - 60.0).abs() < 0.5));
        // The same distance after a minute is a brisk bicycle ride: kept.
        assert!(filter.accept(Some(&last), &fix(60_000, 300.0, Some(5.0))).is_ok());
        let car = TrackFilter::new(TrackSettings { max_speed_mps: 70.0, ..Default::default() });
        assert!(car.accept(Some(&last), &fix(5_000, 300.0, Some(5.0))).is_ok());
    }

    #[test]
    fn repeats_and_stale_fixes_are_duplicates() {
        let filter = TrackFilter::default();
        let last = point(&fix(10_000, 0.0, Some(5.0)));
        assert_eq!(filter.accept(Some(&last), &fix(10_000, 5.0, Some(5.0))), Err(Dropped::Duplicate));
        assert_eq!(filter.accept(Some(&last), &fix(9_000, 5.0, Some(5.0))), Err(Dropped::Duplicate));
        assert_eq!(filter.accept(Some(&last), &fix(15_000, 0.5, Some(5.0))), Err(Dropped::Duplicate));
        // Standing still, a point is still kept once a minute.
        assert!(filter.accept(Some(&last), &fix(70_000, 0.5, Some(5.0))).is_ok());
    }

    #[test]
    fn positions_off_the_earth_are_dropped() {
        let filter = TrackFilter::default();
        let mut f = fix(0, 0.0, None);
        f.lat = f64::NAN;
        assert_eq!(filter.accept(None, &f), Err(Dropped::NotAPosition));
        f.lat = 91.0;
        assert_eq!(filter.accept(None, &f), Err(Dropped::NotAPosition));
    }

    #[test]
    fn the_interval_adapts_to_movement() {
        let filter = TrackFilter::default();
        assert_eq!(filter.next_interval(Some(1.4)), Duration::from_secs(5));
        assert_eq!(filter.next_interval(Some(0.1)), Duration::from_secs(30));
        assert_eq!(filter.next_interval(None), Duration::from_secs(5));
    }

    proptest! {
        /// Whatever the fixes, every kept point is later than, far enough
        /// from and reachable from the previous kept one, and accurate enough.
        #[test]
        fn kept_points_respect_every_threshold(
            steps in proptest::collection::vec((0i64..20_000, -200.0f64..200.0, proptest::option::of(0.0f64..120.0)), 1..60)
        ) {
            let filter = TrackFilter::default();
            let s = filter.settings;
            let (mut at, mut north) = (0, 0.0);
            let mut kept: Vec<TrackPoint> = Vec::new();
            for (dt, dn, acc) in steps {
                at += dt;
                north += dn;
                if let Ok(p) = filter.accept(kept.last(), &fix(at, north, acc)) {
                    kept.push(p);
                }
            }
            for p in &kept {
                prop_assert!(p.accuracy_m.is_none_or(|a| a <= s.max_accuracy_m));
            }
            for w in kept.windows(2) {
                prop_assert!(w[1].at > w[0].at);
                let v = speed_mps(&w[0], &w[1]).unwrap();
                prop_assert!(v <= s.max_speed_mps);
                prop_assert!(distance_m(&w[0], &w[1]) >= s.min_step_m || w[1].at - w[0].at >= s.still_keep_ms);
            }
        }
    }
}
