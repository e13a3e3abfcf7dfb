//! Tests of street coverage, in metres around a point of the demo office.

use geo::{Coord, LineString, MultiLineString};
use proptest::prelude::*;

use super::*;

const ORIGIN: (f64, f64) = (30.2774, 120.1612);

fn frame() -> LocalFrame {
    LocalFrame::around(ORIGIN.0, ORIGIN.1)
}

/// A street through points given in metres east and north of the origin.
fn street(name: &str, pieces: &[&[(f64, f64)]]) -> Street {
    let f = frame();
    let lines =
        pieces.iter().map(|p| LineString(p.iter().map(|&(x, y)| f.to_degrees(Coord { x, y })).collect())).collect();
    Street { name: name.into(), lines: MultiLineString(lines) }
}

/// A walk through points given in metres, with fixes every `step_m` metres
/// (the last one exactly at the end), 5 s apart.
fn walk(points: &[(f64, f64)], step_m: f64) -> Vec<TrackPoint> {
    let f = frame();
    let mut out = Vec::new();
    let mut at = 0;
    let mut push = |x: f64, y: f64| {
        let c = f.to_degrees(Coord { x, y });
        out.push(TrackPoint { at, lat: c.y, lon: c.x, accuracy_m: Some(5.0) });
        at += 5_000;
    };
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let n = (len / step_m).ceil().max(1.0) as usize;
        for i in 0..n {
            let t = i as f64 / n as f64;
            push(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        }
    }
    if let Some(&(x, y)) = points.last() {
        push(x, y);
    }
    out
}

fn one(streets: &[Street], track: &[TrackPoint]) -> PatrolCoverage {
    patrol_coverage(streets, &[track], &CoverageSettings::default())
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn a_track_along_a_street_covers_it() {
    let s = [street("柳荫路", &[&[(0.0, 0.0), (300.0, 0.0), (300.0, 200.0)]])];
    let track = walk(&[(0.0, 3.0), (297.0, 3.0), (297.0, 200.0)], 6.0);
    let c = one(&s, &track);
    let sc = &c.streets[0];
    assert!(close(sc.length_m, 500.0, 1.0), "length {}", sc.length_m);
    assert!(sc.share > 0.99 && sc.covered, "{sc:?}");
    assert_eq!((c.covered, c.total), (1, 1));
    assert!(close(c.track_length_m, 494.0, 1.0), "track {}", c.track_length_m);
    assert_eq!(c.duration_ms, track.last().unwrap().at - track[0].at);
}

#[test]
fn a_parallel_track_60_m_away_does_not() {
    let s = [street("柳荫路", &[&[(0.0, 0.0), (400.0, 0.0)]])];
    let c = one(&s, &walk(&[(0.0, 60.0), (400.0, 60.0)], 6.0));
    assert_eq!(c.streets[0].walked_m, 0.0);
    assert!(!c.streets[0].covered);
    assert_eq!(c.covered, 0);
    // 20 m away is within the default 25 m.
    let near = one(&s, &walk(&[(0.0, 20.0), (400.0, 20.0)], 6.0));
    assert!(near.streets[0].covered);
}

#[test]
fn a_half_walk_gives_half_the_street_and_the_reach_past_its_end() {
    let s = [street("凤起弄", &[&[(0.0, 0.0), (1000.0, 0.0)]])];
    let c = one(&s, &walk(&[(0.0, 0.0), (500.0, 0.0)], 6.0));
    let sc = &c.streets[0];
    // 500 m walked, plus the 25 m beyond the last fix that are within reach.
    assert!(close(sc.walked_m, 525.0, 0.5), "walked {}", sc.walked_m);
    assert!(close(sc.share, 0.525, 0.001) && !sc.covered);
}

#[test]
fn sparse_fixes_are_joined_but_gaps_are_not() {
    let s = [street("竹竿巷", &[&[(0.0, 0.0), (600.0, 0.0)]])];
    let sparse = one(&s, &walk(&[(0.0, 0.0), (600.0, 0.0)], 150.0));
    assert!(sparse.streets[0].share > 0.99, "{:?}", sparse.streets[0]);
    // Fixes 300 m apart (more than max_join_m) only cover around themselves:
    // 0, 300 and 600 m give 25 + 50 + 25 m.
    let gappy = one(&s, &walk(&[(0.0, 0.0), (600.0, 0.0)], 300.0));
    assert!(close(gappy.streets[0].walked_m, 100.0, 0.5), "{:?}", gappy.streets[0]);
}

#[test]
fn crossing_a_street_walks_only_the_reach_on_either_side() {
    let s =
        [street("梅花碑弄", &[&[(200.0, -200.0), (200.0, 200.0)]]), street("柳荫路", &[&[(0.0, 0.0), (400.0, 0.0)]])];
    let c = one(&s, &walk(&[(0.0, 0.0), (400.0, 0.0)], 6.0));
    assert!(close(c.streets[0].walked_m, 50.0, 0.5), "{:?}", c.streets[0]);
    assert!(!c.streets[0].covered && c.streets[1].covered);
    assert_eq!((c.covered, c.total), (1, 2));
    // The total share is walked length over all length: (50 + 400) / 800.
    assert!(close(c.share, 450.0 / 800.0, 0.002), "share {}", c.share);
    assert_eq!(c.min_share, 0.8);
}

#[test]
fn a_team_covers_together_what_each_walked() {
    let s = [street("东湖路", &[&[(0.0, 0.0), (800.0, 0.0)]]), street("湖滨弄", &[&[(0.0, 300.0), (800.0, 300.0)]])];
    let a = walk(&[(0.0, 0.0), (400.0, 0.0)], 6.0);
    let mut b = walk(&[(400.0, 0.0), (800.0, 0.0)], 6.0);
    for p in &mut b {
        p.at += 3_600_000; // the second member started an hour later
    }
    let alone = patrol_coverage(&s, &[&a], &CoverageSettings::default());
    assert!(!alone.streets[0].covered);
    let team = patrol_coverage(&s, &[&a, &b], &CoverageSettings::default());
    assert!(team.streets[0].share > 0.99 && !team.streets[1].covered);
    assert!(close(team.track_length_m, 800.0, 1.0));
    assert_eq!(team.duration_ms, b.last().unwrap().at - a[0].at);
}

#[test]
fn a_street_in_pieces_is_measured_over_all_of_them() {
    let s = [street("杨柳巷", &[&[(0.0, 0.0), (300.0, 0.0)], &[(0.0, 400.0), (100.0, 400.0)]])];
    let c = one(&s, &walk(&[(0.0, 0.0), (300.0, 0.0)], 6.0));
    assert!(close(c.streets[0].length_m, 400.0, 0.5));
    assert!(close(c.streets[0].share, 0.75, 0.01) && !c.streets[0].covered);
    let loose = CoverageSettings { min_share: 0.7, ..Default::default() };
    assert!(patrol_coverage(&s, &[&walk(&[(0.0, 0.0), (300.0, 0.0)], 6.0)], &loose).streets[0].covered);
}

#[test]
fn no_track_or_no_geometry_covers_nothing() {
    let s = [street("柳荫路", &[&[(0.0, 0.0), (300.0, 0.0)]])];
    let c = patrol_coverage(&s, &[], &CoverageSettings::default());
    assert_eq!((c.covered, c.total, c.track_length_m, c.duration_ms), (0, 1, 0.0, 0));
    let lone = one(&s, &walk(&[(150.0, 0.0)], 6.0));
    assert!(close(lone.streets[0].walked_m, 50.0, 0.5), "a single fix covers its reach");
    let empty = [Street { name: "无".into(), lines: MultiLineString(vec![]) }];
    let none = one(&empty, &walk(&[(0.0, 0.0), (300.0, 0.0)], 6.0));
    assert_eq!((none.streets[0].share, none.streets[0].covered), (0.0, false));
    let mut bad = walk(&[(0.0, 0.0), (300.0, 0.0)], 6.0);
    bad[3].lat = f64::NAN;
    bad[5].lon = 1e9;
    assert!(one(&s, &bad).streets[0].covered, "unusable points are skipped");
}

/// Brute force: sample the street every 0.25 m and ask geo for each
/// sample's distance to the nearest track line.
fn sampled_walked_m(streets: &[Street], track: &[TrackPoint], settings: &CoverageSettings) -> f64 {
    let f = frame_around(streets).unwrap();
    let lines = track_lines(&[usable(track)], &f, settings.max_join_m);
    let mut walked = 0.0;
    for (seg, _) in street_segments(streets, &f) {
        let len = Euclidean.length(&seg);
        let n = (len / 0.25).ceil() as usize;
        for i in 0..n {
            let mid = seg.start + (seg.end - seg.start) * ((i as f64 + 0.5) / n as f64);
            if lines.iter().any(|l| Euclidean.distance(mid, l) <= settings.distance_m) {
                walked += len / n as f64;
            }
        }
    }
    walked
}

fn coords(max: usize) -> impl Strategy<Value = Vec<(f64, f64)>> {
    proptest::collection::vec((-400.0f64..400.0, -400.0f64..400.0), 2..max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The exact intervals agree with brute-force sampling.
    #[test]
    fn walked_length_matches_sampling(street_pts in coords(6), track_pts in coords(12), step in 5.0f64..120.0) {
        let s = [street("s", &[&street_pts])];
        let track = walk(&track_pts, step);
        let settings = CoverageSettings::default();
        let c = patrol_coverage(&s, &[&track], &settings);
        let expected = sampled_walked_m(&s, &track, &settings);
        let sc = &c.streets[0];
        prop_assert!((sc.walked_m - expected).abs() <= 0.5 + 0.002 * sc.length_m, "{} vs {expected}", sc.walked_m);
        prop_assert!(sc.walked_m <= sc.length_m + 1e-6 && (0.0..=1.0).contains(&sc.share));
    }

    /// Walking a street at a steady offset covers it all when the offset is
    /// within reach, and none of it when it is clearly beyond.
    #[test]
    fn an_offset_walk_covers_exactly_when_within_reach(len in 50.0f64..800.0, offset in 0.0f64..60.0) {
        let s = [street("s", &[&[(0.0, 0.0), (len, 0.0)]])];
        let c = one(&s, &walk(&[(0.0, offset), (len, offset)], 6.0));
        let sc = &c.streets[0];
        if offset < 24.0 {
            prop_assert!(sc.share > 0.999, "{sc:?}");
        } else if offset > 26.0 {
            prop_assert_eq!(sc.walked_m, 0.0);
        }
    }

    /// Another member's track never takes coverage away.
    #[test]
    fn more_tracks_never_cover_less(street_pts in coords(6), a in coords(8), b in coords(8)) {
        let s = [street("s", &[&street_pts])];
        let (a, b) = (walk(&a, 10.0), walk(&b, 10.0));
        let settings = CoverageSettings::default();
        let one = patrol_coverage(&s, &[&a], &settings).streets[0].walked_m;
        let both = patrol_coverage(&s, &[&a, &b], &settings).streets[0].walked_m;
        prop_assert!(both >= one - 1e-6);
    }
}
