//! Street coverage as evidence: how much of each street of a grid the
//! patrol's tracks walked.
//!
//! A stretch of street counts as walked when it lies within
//! [`CoverageSettings::distance_m`] of a track, the track being the straight
//! lines between consecutive fixes (so sparse fixes still cover the street
//! between them; fixes further apart than [`CoverageSettings::max_join_m`]
//! are not joined). Everything is measured in a [`LocalFrame`] around the
//! grid: street segments go into an R-tree, each track segment looks up the
//! street segments near it, and the part of a street segment within reach
//! of a track segment is one interval (the distance to a segment is convex
//! along a line), found exactly up to a centimetre. A street's walked length
//! is the union of those intervals.

use geo::line_intersection::line_intersection;
use geo::{
    BoundingRect, Coord, Distance, Euclidean, Length, Line, LineIntersection, LineLocatePoint, MultiLineString, Point,
    Rect,
};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::local::LocalFrame;
use super::track::distance_m;
use crate::model::TrackPoint;
use crate::time::Millis;

/// How coverage is judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CoverageSettings {
    /// A stretch of street within this distance of the track was walked (m).
    pub distance_m: f64,
    /// A street is covered when at least this share of its length was walked.
    pub min_share: f64,
    /// Consecutive fixes further apart than this are not joined by a line
    /// (a gap in recording, not a walk through the houses), in metres.
    pub max_join_m: f64,
}

impl Default for CoverageSettings {
    fn default() -> Self {
        CoverageSettings { distance_m: 25.0, min_share: 0.8, max_join_m: 200.0 }
    }
}

/// A named street of a grid, in WGS-84 (x = longitude, y = latitude).
#[derive(Debug, Clone, PartialEq)]
pub struct Street {
    pub name: String,
    pub lines: MultiLineString<f64>,
}

/// How much of one street was walked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StreetCoverage {
    pub name: String,
    /// The street's length in the grid (m).
    pub length_m: f64,
    /// How much of it was walked (m).
    pub walked_m: f64,
    /// `walked_m / length_m`, 0 for a street without length.
    pub share: f64,
    /// Whether the share reaches the settings' minimum.
    pub covered: bool,
}

/// A patrol's coverage of its grid's streets, for the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolCoverage {
    /// Per street, in the order given.
    pub streets: Vec<StreetCoverage>,
    /// How many streets are covered…
    pub covered: u32,
    /// …of how many.
    pub total: u32,
    /// The walked share of all the streets' length together.
    pub share: f64,
    /// The share a street needs to count as covered (the settings').
    pub min_share: f64,
    /// The tracks' length (m), every member's summed.
    pub track_length_m: f64,
    /// From the first fix to the last, over every track.
    pub duration_ms: Millis,
}

/// Street segments shorter than this are left out, and the ends of walked
/// intervals are found to this precision (m).
const TOLERANCE_M: f64 = 0.01;

/// The coverage of `streets` by `tracks` (one slice per team member, each
/// in time order; points that are not positions are ignored).
pub fn patrol_coverage(streets: &[Street], tracks: &[&[TrackPoint]], settings: &CoverageSettings) -> PatrolCoverage {
    let tracks: Vec<Vec<TrackPoint>> = tracks.iter().map(|t| usable(t)).collect();
    let track_length_m = tracks.iter().flat_map(|t| t.windows(2)).map(|w| distance_m(&w[0], &w[1])).sum();
    let times = tracks.iter().flatten().map(|p| p.at);
    let duration_ms = times.clone().max().zip(times.min()).map_or(0, |(last, first)| last - first);

    let mut per_street = vec![(0.0, 0.0); streets.len()];
    if let Some(frame) = frame_around(streets) {
        let segments = street_segments(streets, &frame);
        let walked = walked_intervals(&segments, &track_lines(&tracks, &frame, settings.max_join_m), settings);
        for ((line, street), intervals) in segments.iter().zip(walked) {
            let length = Euclidean.length(line);
            per_street[*street].0 += length;
            per_street[*street].1 += length * union_length(intervals);
        }
    }
    let streets: Vec<StreetCoverage> = streets
        .iter()
        .zip(per_street)
        .map(|(s, (length_m, walked_m))| {
            let share = if length_m > 0.0 { (walked_m / length_m).min(1.0) } else { 0.0 };
            StreetCoverage { name: s.name.clone(), length_m, walked_m, share, covered: share >= settings.min_share }
        })
        .collect();
    let length: f64 = streets.iter().map(|s| s.length_m).sum();
    let walked: f64 = streets.iter().map(|s| s.walked_m.min(s.length_m)).sum();
    PatrolCoverage {
        covered: streets.iter().filter(|s| s.covered).count() as u32,
        total: streets.len() as u32,
        share: if length > 0.0 { walked / length } else { 0.0 },
        min_share: settings.min_share,
        streets,
        track_length_m,
        duration_ms,
    }
}

/// The points of a track that are positions, in time order.
fn usable(track: &[TrackPoint]) -> Vec<TrackPoint> {
    let mut pts: Vec<TrackPoint> = track
        .iter()
        .filter(|p| p.lat.is_finite() && p.lon.is_finite() && p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0)
        .copied()
        .collect();
    pts.sort_by_key(|p| p.at);
    pts
}

/// A frame around the middle of the streets, if they have any position.
fn frame_around(streets: &[Street]) -> Option<LocalFrame> {
    let rect = streets.iter().filter_map(|s| s.lines.bounding_rect()).reduce(|a, b| {
        let min = Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) };
        let max = Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) };
        Rect::new(min, max)
    })?;
    let c = rect.center();
    Some(LocalFrame::around(c.y, c.x))
}

/// Every street segment with length, in metres, with its street's index.
fn street_segments(streets: &[Street], frame: &LocalFrame) -> Vec<(Line<f64>, usize)> {
    streets
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.lines.iter().flat_map(|l| l.lines()).map(move |l| (frame.project(&l), i)))
        .filter(|(l, _)| Euclidean.length(l) > TOLERANCE_M)
        .collect()
}

/// The tracks as lines in metres: consecutive fixes joined, or alone (a
/// zero-length line) when too far apart.
fn track_lines(tracks: &[Vec<TrackPoint>], frame: &LocalFrame, max_join_m: f64) -> Vec<Line<f64>> {
    let mut out = Vec::new();
    for track in tracks {
        let pts: Vec<Coord<f64>> = track.iter().map(|p| frame.to_metres(Coord { x: p.lon, y: p.lat })).collect();
        if let [only] = pts.as_slice() {
            out.push(Line::new(*only, *only));
        }
        for w in pts.windows(2) {
            if Euclidean.distance(w[0], w[1]) <= max_join_m {
                out.push(Line::new(w[0], w[1]));
            } else {
                out.push(Line::new(w[0], w[0]));
                out.push(Line::new(w[1], w[1]));
            }
        }
    }
    out
}

/// For each street segment, the intervals of it (as fractions from its
/// start) within reach of some track line.
fn walked_intervals(
    segments: &[(Line<f64>, usize)],
    track: &[Line<f64>],
    settings: &CoverageSettings,
) -> Vec<Vec<(f64, f64)>> {
    let d = settings.distance_m.max(0.0);
    let tree =
        RTree::bulk_load(segments.iter().enumerate().map(|(k, (line, _))| GeomWithData::new(*line, k)).collect());
    let mut walked = vec![Vec::new(); segments.len()];
    for t in track {
        let (min_x, min_y) = (t.start.x.min(t.end.x), t.start.y.min(t.end.y));
        let (max_x, max_y) = (t.start.x.max(t.end.x), t.start.y.max(t.end.y));
        let reach = AABB::from_corners(Point::new(min_x - d, min_y - d), Point::new(max_x + d, max_y + d));
        for s in tree.locate_in_envelope_intersecting(&reach) {
            if let Some(interval) = within_reach(s.geom(), t, d) {
                walked[s.data].push(interval);
            }
        }
    }
    walked
}

/// The part of `street` within `d` of `track`, as fractions `(from, to)`.
fn within_reach(street: &Line<f64>, track: &Line<f64>, d: f64) -> Option<(f64, f64)> {
    let at = |f: f64| street.start + (street.end - street.start) * f;
    let gap = |f: f64| Euclidean.distance(at(f), track);
    // The closest approach of two segments is where they cross, or at an
    // endpoint of one of them.
    let locate = |c: Coord<f64>| street.line_locate_point(&Point(c));
    let crossing = match line_intersection(*street, *track) {
        Some(LineIntersection::SinglePoint { intersection, .. }) => locate(intersection),
        _ => None,
    };
    let closest = [Some(0.0), Some(1.0), locate(track.start), locate(track.end), crossing]
        .into_iter()
        .flatten()
        .min_by(|a, b| gap(*a).total_cmp(&gap(*b)))?;
    if gap(closest) > d {
        return None;
    }
    // Along the street the gap falls to `closest` and rises after it, so
    // each end of the interval is one crossing of `d`, found by bisection.
    let length = Euclidean.length(street);
    let edge = |mut outside: f64, mut inside: f64| {
        while (outside - inside).abs() * length > TOLERANCE_M {
            let mid = (outside + inside) / 2.0;
            if gap(mid) <= d {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        inside
    };
    let from = if gap(0.0) <= d { 0.0 } else { edge(0.0, closest) };
    let to = if gap(1.0) <= d { 1.0 } else { edge(1.0, closest) };
    Some((from, to))
}

/// The length of the union of intervals within `[0, 1]`.
fn union_length(mut intervals: Vec<(f64, f64)>) -> f64 {
    intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for (from, to) in intervals {
        current = match current {
            Some((cf, ct)) if from <= ct => Some((cf, ct.max(to))),
            Some((cf, ct)) => {
                total += ct - cf;
                Some((from, to))
            }
            None => Some((from, to)),
        };
    }
    total + current.map_or(0.0, |(f, t)| t - f)
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
