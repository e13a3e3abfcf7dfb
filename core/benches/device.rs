//! Device micro-benchmarks (criterion): saving a case with its first event,
//! appending an event, listing the first page of 100,000 cases with a
//! filter, and ingesting a 9-megapixel phone photo. Targets in DESIGN.md:
//! < 2 ms, < 1 ms, < 20 ms, < 300 ms (medians). What a pull costs is in
//! `benches/pull.rs`.
//!
//! Run: `cargo bench -p gridpatrol-core --bench device`.

use std::path::PathBuf;

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use gridpatrol_core::demo;
use gridpatrol_core::model::EventKind;
use gridpatrol_core::photo::{IngestLimits, ingest};
use gridpatrol_core::store::{CaseFilter, NewEvent};
use gridpatrol_core::workflow::CaseStatus;
use support::{new_case, store};

fn save_and_append(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, actor, grid) = store(&dir);
    let mut i = 0;
    c.bench_function("save a case with its first event", |b| {
        b.iter(|| {
            i += 1;
            s.create_case(&actor, new_case(&grid, i)).unwrap()
        })
    });
    // Appends rotate over many cases so that none grows long: each gets
    // deferred, dispatched, deferred… (a cycle the rules allow).
    let ids: Vec<String> = (0..3000).map(|k| s.create_case(&actor, new_case(&grid, k)).unwrap().case.id).collect();
    let mut n = 0usize;
    c.bench_function("append an event to a case", |b| {
        b.iter(|| {
            let id = &ids[n % ids.len()];
            let kind = if (n / ids.len()) % 2 == 0 { EventKind::Deferred } else { EventKind::Dispatched };
            n += 1;
            let ev =
                NewEvent { kind, note: "跟进".into(), photos: vec![], department: Some("D-CG".into()), at: None };
            s.append_event(&actor, id, ev).unwrap()
        })
    });
}

fn list_100k(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, actor, _) = store(&dir);
    let grids: Vec<String> = demo::reference().org.grids().map(|g| g.id.clone()).collect();
    // 100,000 cases through the public API, spread over every grid, a
    // quarter of them escalated.
    for i in 0..100_000 {
        let id = s.create_case(&actor, new_case(&grids[i % grids.len()], i)).unwrap().case.id;
        if i % 4 == 0 {
            let ev = NewEvent {
                kind: EventKind::Escalated,
                note: String::new(),
                photos: vec![],
                department: None,
                at: None,
            };
            s.append_event(&actor, &id, ev).unwrap();
        }
    }
    let filter = CaseFilter {
        grid: Some(grids[3].clone()),
        statuses: vec![CaseStatus::Reported, CaseStatus::Relapsed],
        limit: Some(50),
        ..Default::default()
    };
    let now = gridpatrol_core::time::now_ms();
    let page = s.list_cases(&filter, now).unwrap();
    assert_eq!(page.items.len(), 50);
    assert!(page.total > 5_000);
    c.bench_function("list the first page of 100k cases (grid + status filter)", |b| {
        b.iter(|| s.list_cases(&filter, now).unwrap())
    });
    let overdue = CaseFilter { overdue: true, limit: Some(50), ..Default::default() };
    c.bench_function("list the first page of 100k cases (overdue)", |b| {
        b.iter(|| s.list_cases(&overdue, now).unwrap())
    });
}

fn photo_ingest(c: &mut Criterion) {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::var("GRIDPATROL_FIXTURES").map(PathBuf::from).unwrap_or_else(|_| {
        here.ancestors().map(|d| d.join("shared/fixtures/photos")).find(|d| d.is_dir()).expect("fixtures")
    });
    let bytes = std::fs::read(path.join("mobile_HMD_Nokia_8.3_5G.jpg")).unwrap();
    let limits = IngestLimits::default();
    c.bench_function("ingest a 9-megapixel phone photo", |b| b.iter(|| ingest(&bytes, &limits).unwrap()));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = save_and_append, list_100k, photo_ingest
}
criterion_main!(benches);
