//! Does the case list stay responsive while photos are ingested? Three
//! threads keep ingesting 12-megapixel photos into the device store while
//! the list of a 10,000-case store is read, once with the photo decoded
//! under the store's lock (`DeviceStore::stage_photo`, the old way) and
//! once with only the inserts under it (`stage_photo_shared`). The figure
//! is how long one list takes meanwhile.
//!
//! Run: `cargo bench -p gridpatrol-core --bench ingest_contention`.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gridpatrol_core::demo;
use gridpatrol_core::model::{Location, LocationSource, Role, Severity};
use gridpatrol_core::store::{Actor, CaseFilter, DeviceStore, NewCase, stage_photo_shared};

/// A 12 MP JPEG (4000 × 3000) made from a real phone photo, with a
/// different pixel per copy so that every ingest does the whole work.
fn twelve_megapixel_photos(n: usize) -> Vec<Vec<u8>> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var("GRIDPATROL_FIXTURES").map(PathBuf::from).unwrap_or_else(|_| {
        here.ancestors().map(|d| d.join("shared/fixtures/photos")).find(|d| d.is_dir()).expect("fixtures")
    });
    let source = image::open(dir.join("mobile_HMD_Nokia_8.3_5G.jpg")).unwrap();
    let big = source.resize_exact(4000, 3000, image::imageops::FilterType::Triangle).to_rgb8();
    (0..n)
        .map(|i| {
            let mut img = big.clone();
            img.put_pixel(0, 0, image::Rgb([i as u8, 0, 0]));
            let mut out = Cursor::new(Vec::new());
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
            out.into_inner()
        })
        .collect()
}

fn store_with_cases(dir: &tempfile::TempDir) -> Arc<Mutex<DeviceStore>> {
    let mut s = DeviceStore::open(&dir.path().join("bench.sqlite")).unwrap();
    s.set_reference(demo::reference()).unwrap();
    let actor = Actor { user_id: "u-admin".into(), role: Role::Admin };
    for i in 0..10_000 {
        let case = NewCase {
            grid: "QS01-G01".into(),
            category: "E0201".into(),
            title: format!("问题 {i}"),
            description: String::new(),
            location: Location {
                lat: Some(30.27),
                lon: Some(120.16),
                accuracy_m: Some(5.0),
                source: LocationSource::Gps,
                street: None,
                address: String::new(),
            },
            severity: Severity::Normal,
            photos: vec![],
            patrol: None,
            handled_on_spot: false,
            history: vec![],
            at: None,
            related: vec![],
            linked_photos: vec![],
        };
        s.create_case(&actor, case).unwrap();
    }
    Arc::new(Mutex::new(s))
}

/// Lists while three threads ingest; `shared` picks the off-lock path.
fn list_during_ingest(c: &mut Criterion, name: &str, shared: bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_cases(&dir);
    let photos = Arc::new(twelve_megapixel_photos(3));
    let stop = Arc::new(AtomicBool::new(false));
    let ingesters: Vec<_> = (0..3)
        .map(|t| {
            let (store, photos, stop) = (store.clone(), photos.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let photo = &photos[t];
                    if shared {
                        stage_photo_shared(&store, photo).unwrap();
                    } else {
                        store.lock().unwrap().stage_photo(photo).unwrap();
                    }
                    n += 1;
                }
                n
            })
        })
        .collect();
    let filter = CaseFilter { limit: Some(50), ..Default::default() };
    let now = gridpatrol_core::time::now_ms();
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let page = store.lock().unwrap().list_cases(&filter, now).unwrap();
                total += start.elapsed();
                assert_eq!(page.items.len(), 50);
                // A person scrolls, they do not hammer: let the ingesters run.
                std::thread::sleep(Duration::from_millis(20));
            }
            total
        })
    });
    stop.store(true, Ordering::Relaxed);
    let ingested: u64 = ingesters.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(ingested > 0, "the ingesters ran");
    eprintln!("{name}: {ingested} photos ingested meanwhile");
}

fn lists_during_ingest(c: &mut Criterion) {
    list_during_ingest(c, "list 50 of 10k cases while 3 × 12 MP photos are ingested (decode under the lock)", false);
    list_during_ingest(c, "list 50 of 10k cases while 3 × 12 MP photos are ingested (decode off the lock)", true);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(8));
    targets = lists_during_ingest
}
criterion_main!(benches);
