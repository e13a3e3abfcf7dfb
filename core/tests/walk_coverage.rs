//! The end-to-end walk (`tests/e2e/data/walk-g01.gpx`, the GPX the desktop
//! app replays) against the demo streets: it covers exactly three streets of
//! grid QS01-G01.

use std::path::PathBuf;

use gridpatrol_core::geo::{CoverageSettings, TrackFilter, grid_streets, patrol_coverage};
use gridpatrol_core::model::{LocationFix, LocationSource, TrackPoint};

const WALKED: [&str; 3] = ["柳荫路西巷", "凤起弄", "柳荫路东巷"];

/// The walk's fixes, read as `src-tauri/src/location.rs` reads them (the
/// gpx crate), with their times.
fn walk() -> Vec<LocationFix> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/data/walk-g01.gpx");
    let gpx = gpx::read(std::io::BufReader::new(std::fs::File::open(path).unwrap())).unwrap();
    gpx.tracks
        .iter()
        .flat_map(|t| t.segments.iter())
        .flat_map(|s| s.points.iter())
        .map(|p| {
            let time = p.time.as_ref().expect("every fix has a time").format().unwrap();
            let at = chrono::DateTime::parse_from_rfc3339(&time).unwrap().timestamp_millis();
            LocationFix {
                lat: p.point().y(),
                lon: p.point().x(),
                accuracy_m: Some(5.0),
                source: LocationSource::Track,
                at,
            }
        })
        .collect()
}

#[test]
fn the_walk_has_a_fix_every_five_seconds() {
    let fixes = walk();
    assert!(fixes.len() > 200, "{} fixes", fixes.len());
    assert!(fixes.windows(2).all(|w| w[1].at - w[0].at == 5_000));
}

#[test]
fn the_walk_covers_exactly_its_three_streets() {
    // Recorded through the filter, as the app records it.
    let filter = TrackFilter::default();
    let fixes = walk();
    let mut track: Vec<TrackPoint> = Vec::new();
    for fix in &fixes {
        if let Ok(p) = filter.accept(track.last(), fix) {
            track.push(p);
        }
    }
    assert_eq!(track.len(), fixes.len(), "the filter keeps a clean walk");

    let org = gridpatrol_core::demo::reference().org;
    let grid = org.unit("QS01-G01").unwrap();
    let streets = grid_streets(grid).unwrap();
    assert_eq!(streets.len(), grid.streets.len());
    let c = patrol_coverage(&streets, &[&track], &CoverageSettings::default());
    for s in &c.streets {
        let walked = WALKED.contains(&s.name.as_str());
        assert_eq!(s.covered, walked, "{}: share {:.2}", s.name, s.share);
        if !walked {
            assert!(s.share < 0.3, "{} is only crossed or touched, yet {:.2}", s.name, s.share);
        }
    }
    assert_eq!((c.covered, c.total), (3, 7));
    // 1 600 m of streets, walked at 1.25 m/s.
    assert!((1_580.0..1_700.0).contains(&c.track_length_m), "track {} m", c.track_length_m);
    assert_eq!(c.duration_ms, fixes.last().unwrap().at - fixes[0].at);
    assert_eq!(c.duration_ms, 1_280_000);

    // The walk is in QS01-G01 only: none of the neighbouring grid's streets.
    let g2 = grid_streets(org.unit("QS01-G02").unwrap()).unwrap();
    assert_eq!(patrol_coverage(&g2, &[&track], &CoverageSettings::default()).covered, 0);
}
