//! What a patrol contributes to the KPIs and the daily log. Street coverage
//! is computed elsewhere (from the track snapped to streets), so the caller
//! fills these facts; [`PatrolFacts::from_checklist`] is the fallback that
//! counts the ticked street checklist and measures the raw track, and
//! [`PatrolFacts::from_patrol`] what the office counts (the track where
//! there is one).

use serde::{Deserialize, Serialize};

use crate::model::{Patrol, PatrolKind, Reference, TrackPoint};
use crate::time::Millis;

/// The facts of one patrol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolFacts {
    pub id: String,
    pub grid: String,
    pub kind: PatrolKind,
    /// User ids of the team.
    pub team: Vec<String>,
    pub started_at: Millis,
    /// `None` while the patrol is in progress.
    pub ended_at: Option<Millis>,
    /// Streets of the grid.
    pub streets_total: u32,
    /// Streets the patrol covered (at most `streets_total` is counted).
    pub streets_covered: u32,
    pub track_length_m: f64,
    pub cases_found: u32,
}

impl PatrolFacts {
    /// Facts from a patrol document: coverage is the ticked checklist over
    /// the grid's streets, the length is the raw track's.
    pub fn from_checklist(patrol: &Patrol, reference: &Reference) -> Self {
        let streets: &[String] = reference.grid(&patrol.grid).map(|g| g.streets.as_slice()).unwrap_or_default();
        let covered = streets.iter().filter(|s| patrol.streets.contains_key(*s)).count();
        PatrolFacts {
            id: patrol.id.clone(),
            grid: patrol.grid.clone(),
            kind: patrol.kind,
            team: patrol.team.clone(),
            started_at: patrol.started_at,
            ended_at: patrol.ended_at,
            streets_total: streets.len() as u32,
            streets_covered: covered as u32,
            track_length_m: track_length_m(&patrol.track),
            cases_found: patrol.cases.len() as u32,
        }
    }

    /// Facts as the office counts them (dashboard, reports, on server and
    /// device alike): where the patrol has a track and its grid has street
    /// geometry, a street with geometry is covered when the track walked it
    /// ([`crate::geo::patrol_coverage`], default settings) and a street
    /// without geometry when it was ticked; the length is the track's.
    /// Otherwise [`PatrolFacts::from_checklist`].
    pub fn from_patrol(patrol: &Patrol, reference: &Reference) -> Self {
        let mut facts = Self::from_checklist(patrol, reference);
        let Some(unit) = reference.grid(&patrol.grid) else { return facts };
        let streets = match crate::geo::grid_streets(unit) {
            Ok(s) if !s.is_empty() && patrol.track.len() >= 2 => s,
            _ => return facts,
        };
        let coverage =
            crate::geo::patrol_coverage(&streets, &[patrol.track.as_slice()], &crate::geo::CoverageSettings::default());
        let drawn: Vec<&str> = streets.iter().map(|s| s.name.as_str()).collect();
        let ticked_undrawn =
            unit.streets.iter().filter(|s| !drawn.contains(&s.as_str()) && patrol.streets.contains_key(*s)).count();
        facts.streets_covered = coverage.covered + ticked_undrawn as u32;
        facts.track_length_m = coverage.track_length_m;
        facts
    }

    /// Covered streets, never more than the total.
    pub fn covered(&self) -> u32 {
        self.streets_covered.min(self.streets_total)
    }
}

/// The length of a track in metres (great-circle distance between
/// consecutive points).
pub fn track_length_m(track: &[TrackPoint]) -> f64 {
    track.windows(2).map(|w| haversine_m(w[0].lat, w[0].lon, w[1].lat, w[1].lon)).sum()
}

/// Great-circle distance in metres on a sphere of the Earth's mean radius.
fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_length_is_the_sum_of_legs() {
        let p = |lat, lon| TrackPoint { at: 0, lat, lon, accuracy_m: None };
        // 0.001° of latitude is about 111.2 m.
        let len = track_length_m(&[p(30.0, 120.0), p(30.001, 120.0), p(30.002, 120.0)]);
        assert!((len - 222.4).abs() < 0.5, "{len}");
        assert_eq!(track_length_m(&[p(30.0, 120.0)]), 0.0);
    }
}
