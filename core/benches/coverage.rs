//! Spatial benchmarks (criterion): street coverage of a two-hour patrol
//! (one fix every 5 s, 1,440 fixes) against 300 street segments, from
//! WGS-84 input to the summary (target < 20 ms, DESIGN.md / issue 10); and
//! the duplicate hint's 50 m query among 10,000 cases.
//!
//! Run: `cargo bench -p gridpatrol-core --bench coverage`.

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Coord, LineString, MultiLineString};
use gridpatrol_core::geo::{CoverageSettings, LocalFrame, NearbyIndex, Street, patrol_coverage};
use gridpatrol_core::model::TrackPoint;

/// A street office of 10 east-west and 10 north-south streets, 1,500 m
/// long, 150 m apart, each of 15 segments: 300 segments.
fn streets(frame: &LocalFrame) -> Vec<Street> {
    let street = |name: String, pts: Vec<(f64, f64)>| Street {
        name,
        lines: MultiLineString(vec![LineString(
            pts.into_iter().map(|(x, y)| frame.to_degrees(Coord { x, y })).collect(),
        )]),
    };
    let along = |f: &dyn Fn(f64) -> (f64, f64)| (0..=15).map(|k| f(k as f64 * 100.0)).collect::<Vec<_>>();
    let mut out = Vec::new();
    for i in 0..10 {
        let at = 75.0 + i as f64 * 150.0;
        out.push(street(format!("东西{i}路"), along(&|s| (s, at))));
        out.push(street(format!("南北{i}路"), along(&|s| (at, s))));
    }
    out
}

/// Two hours at 1.3 m/s, up and down the east-west streets, with a
/// deterministic wobble of a few metres: 1,440 fixes.
fn track(frame: &LocalFrame) -> Vec<TrackPoint> {
    let step = 1.3 * 5.0;
    let (mut x, mut row, mut east) = (0.0, 0usize, true);
    (0..1440)
        .map(|i| {
            let wobble = ((i * 7919) % 13) as f64 - 6.0;
            let y = 75.0 + (row % 10) as f64 * 150.0;
            let c = frame.to_degrees(Coord { x, y: y + wobble * 0.5 });
            x += if east { step } else { -step };
            if !(0.0..=1500.0).contains(&x) {
                x = x.clamp(0.0, 1500.0);
                row += 1;
                east = !east;
            }
            TrackPoint { at: i as i64 * 5_000, lat: c.y, lon: c.x, accuracy_m: Some(6.0) }
        })
        .collect()
}

fn coverage(c: &mut Criterion) {
    let frame = LocalFrame::around(30.2746, 120.1644);
    let streets = streets(&frame);
    let segments: usize = streets.iter().map(|s| s.lines.0[0].0.len() - 1).sum();
    assert_eq!(segments, 300);
    let track = track(&frame);
    let settings = CoverageSettings::default();
    let result = patrol_coverage(&streets, &[&track], &settings);
    assert!(result.covered >= 5, "the walk covers the streets it walks: {}", result.covered);
    c.bench_function("coverage: 2 h track (1,440 fixes) x 300 street segments", |b| {
        b.iter(|| patrol_coverage(&streets, &[&track], &settings))
    });
}

fn nearby(c: &mut Criterion) {
    let cases: Vec<(usize, f64, f64)> =
        (0..10_000).map(|i| (i, 30.26 + (i % 100) as f64 * 2e-4, 120.15 + (i / 100) as f64 * 3e-4)).collect();
    let index = NearbyIndex::new(cases.iter().copied());
    assert!(!index.within(30.27, 120.165, 50.0).is_empty());
    c.bench_function("nearby: index 10,000 cases", |b| b.iter(|| NearbyIndex::new(cases.iter().copied())));
    c.bench_function("nearby: 50 m query among 10,000 cases", |b| b.iter(|| index.within(30.27, 120.165, 50.0)));
}

criterion_group!(benches, coverage, nearby);
criterion_main!(benches);
