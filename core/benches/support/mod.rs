//! What the device benchmarks share: a store with the demo reference data
//! and a plain report.

use gridpatrol_core::demo;
use gridpatrol_core::model::{Location, LocationSource, Role, Severity};
use gridpatrol_core::store::{Actor, DeviceStore, NewCase};

/// A device store in `dir` with the demo reference data, an admin and a grid.
pub fn store(dir: &tempfile::TempDir) -> (DeviceStore, Actor, String) {
    let mut s = DeviceStore::open(&dir.path().join("bench.sqlite")).unwrap();
    s.set_reference(demo::reference()).unwrap();
    (s, Actor { user_id: "u-admin".into(), role: Role::Admin }, "QS01-G01".into())
}

/// A plain report in `grid`, varied by `i`.
pub fn new_case(grid: &str, i: usize) -> NewCase {
    NewCase {
        grid: grid.into(),
        category: ["E0201", "E0505", "E0507", "E9001", "C0101"][i % 5].into(),
        title: format!("问题 {i}"),
        description: "电线杆上贴满小广告，约二十张，影响市容".into(),
        location: Location {
            lat: Some(30.27 + (i % 100) as f64 * 1e-4),
            lon: Some(120.16),
            accuracy_m: Some(6.0),
            source: LocationSource::Gps,
            street: Some("柳荫路".into()),
            address: format!("柳荫路 {} 号", i % 300),
        },
        severity: Severity::Normal,
        photos: vec![],
        patrol: None,
        handled_on_spot: false,
        history: vec![],
        at: None,
        related: vec![],
        linked_photos: vec![],
    }
}
