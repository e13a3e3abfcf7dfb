//! The track recorder's decisions, without IO. The app's task loops:
//! ask the store which patrol part of the user is running (with its last
//! recorded point), tell the recorder ([`Recorder::follow`]), hand it the
//! location source's fix ([`Recorder::on_fix`]), append the point it keeps,
//! and sleep [`Recorder::wait`]. The recorder's only memory beyond the
//! store is the speed it last saw, so after a restart it carries on from
//! the stored track as if nothing happened.

use std::time::Duration;

use super::track::{Dropped, TrackFilter, TrackSettings, distance_m};
use crate::model::{LocationFix, TrackPoint};

/// How long the recorder waits while no patrol part is running.
pub const IDLE_WAIT: Duration = Duration::from_secs(5);

/// The part of a patrol being recorded, as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningPart {
    /// The member's own patrol document (the only one they write).
    pub doc_id: String,
    /// The last point of its track, if any.
    pub last: Option<TrackPoint>,
}

/// What became of one fix.
#[derive(Debug, Clone, PartialEq)]
pub enum FixOutcome {
    /// Append this point to the part's track.
    Keep(TrackPoint),
    /// Not recorded, for this reason.
    Drop(Dropped),
    /// No part is running.
    Idle,
}

/// Decides what to record and when to look again.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    filter: TrackFilter,
    part: Option<RunningPart>,
    /// The speed from the last kept point to the latest fix (m/s).
    speed_mps: Option<f64>,
}

impl Recorder {
    /// A recorder with these thresholds and intervals.
    pub fn new(settings: TrackSettings) -> Self {
        Recorder { filter: TrackFilter::new(settings), part: None, speed_mps: None }
    }

    /// The part the store says is running now (`None`: none). The store's
    /// last point is the truth: the recorder resumes from it.
    pub fn follow(&mut self, part: Option<RunningPart>) {
        let same = matches!((&self.part, &part), (Some(a), Some(b)) if a.doc_id == b.doc_id);
        if !same {
            self.speed_mps = None;
        }
        self.part = part;
    }

    /// The document being recorded, if any.
    pub fn part(&self) -> Option<&str> {
        self.part.as_ref().map(|p| p.doc_id.as_str())
    }

    /// Judges a fix from the location source.
    pub fn on_fix(&mut self, fix: &LocationFix) -> FixOutcome {
        let Some(part) = &mut self.part else { return FixOutcome::Idle };
        let last = part.last;
        if let Some(l) = &last {
            let here = TrackPoint { at: fix.at, lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m };
            let seconds = (fix.at - l.at) as f64 / 1000.0;
            let speed = distance_m(l, &here) / seconds;
            if seconds > 0.0 && speed.is_finite() {
                self.speed_mps = Some(speed);
            }
        }
        match self.filter.accept(last.as_ref(), fix) {
            Ok(point) => {
                part.last = Some(point);
                FixOutcome::Keep(point)
            }
            Err(Dropped::TooFast { speed_mps }) => {
                // A jump says nothing about how the worker moves.
                self.speed_mps = None;
                FixOutcome::Drop(Dropped::TooFast { speed_mps })
            }
            Err(reason) => FixOutcome::Drop(reason),
        }
    }

    /// How long to wait before asking for the next fix.
    pub fn wait(&self) -> Duration {
        match self.part {
            Some(_) => self.filter.next_interval(self.speed_mps),
            None => IDLE_WAIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LocationSource;

    /// About one metre of latitude, in degrees.
    const M: f64 = 1.0 / 111_195.0;

    fn fix(at: i64, north_m: f64) -> LocationFix {
        LocationFix { lat: 30.27 + north_m * M, lon: 120.16, accuracy_m: Some(5.0), source: LocationSource::Gps, at }
    }

    fn part(last: Option<TrackPoint>) -> Option<RunningPart> {
        Some(RunningPart { doc_id: "p1".into(), last })
    }

    #[test]
    fn nothing_is_recorded_without_a_running_part() {
        let mut r = Recorder::default();
        assert_eq!(r.on_fix(&fix(0, 0.0)), FixOutcome::Idle);
        assert_eq!(r.wait(), IDLE_WAIT);
        assert_eq!(r.part(), None);
    }

    #[test]
    fn walking_samples_often_and_standing_still_rarely() {
        let mut r = Recorder::default();
        r.follow(part(None));
        assert!(matches!(r.on_fix(&fix(0, 0.0)), FixOutcome::Keep(_)));
        assert_eq!(r.wait(), Duration::from_secs(5), "speed unknown: as if moving");
        assert!(matches!(r.on_fix(&fix(5_000, 7.0)), FixOutcome::Keep(p) if p.at == 5_000));
        assert_eq!(r.wait(), Duration::from_secs(5));
        // Standing: the fix repeats the last point and is dropped; the
        // interval grows.
        assert_eq!(r.on_fix(&fix(10_000, 7.2)), FixOutcome::Drop(Dropped::Duplicate));
        assert_eq!(r.wait(), Duration::from_secs(30));
        // Walking on: back to the short interval.
        assert!(matches!(r.on_fix(&fix(40_000, 50.0)), FixOutcome::Keep(_)));
        assert_eq!(r.wait(), Duration::from_secs(5));
    }

    #[test]
    fn a_gps_jump_is_dropped_and_does_not_set_the_pace() {
        let mut r = Recorder::default();
        r.follow(part(None));
        r.on_fix(&fix(0, 0.0));
        r.on_fix(&fix(5_000, 0.5));
        assert_eq!(r.wait(), Duration::from_secs(30));
        assert!(matches!(r.on_fix(&fix(10_000, 900.0)), FixOutcome::Drop(Dropped::TooFast { .. })));
        assert_eq!(r.wait(), Duration::from_secs(5));
        // The next good fix is judged against the last kept point, not the jump.
        assert!(matches!(r.on_fix(&fix(15_000, 10.0)), FixOutcome::Keep(_)));
    }

    #[test]
    fn a_restart_resumes_from_the_stored_track() {
        let mut before = Recorder::default();
        before.follow(part(None));
        before.on_fix(&fix(0, 0.0));
        let FixOutcome::Keep(kept) = before.on_fix(&fix(5_000, 7.0)) else { panic!("the walk is kept") };
        // The app restarts: a new recorder, the store says what was kept.
        let mut after = Recorder::default();
        after.follow(part(Some(kept)));
        // A fix older than the stored point (a stale source) is not appended…
        assert_eq!(after.on_fix(&fix(4_000, 8.0)), FixOutcome::Drop(Dropped::Duplicate));
        // …a fix 2 minutes later, 150 m on, is (the walk went on meanwhile).
        assert!(matches!(after.on_fix(&fix(125_000, 157.0)), FixOutcome::Keep(p) if p.at == 125_000));
    }

    #[test]
    fn another_part_starts_afresh() {
        let mut r = Recorder::default();
        r.follow(part(None));
        r.on_fix(&fix(0, 0.0));
        r.on_fix(&fix(5_000, 0.5));
        assert_eq!(r.wait(), Duration::from_secs(30));
        r.follow(Some(RunningPart { doc_id: "p2".into(), last: None }));
        assert_eq!(r.part(), Some("p2"));
        assert_eq!(r.wait(), Duration::from_secs(5), "the pace of another part is forgotten");
        assert!(matches!(r.on_fix(&fix(6_000, 0.6)), FixOutcome::Keep(_)), "a new part keeps its first fix");
        r.follow(None);
        assert_eq!(r.on_fix(&fix(7_000, 10.0)), FixOutcome::Idle);
    }
}
