//! Scenario 1, the end-of-day return: N devices each come back with a
//! morning's work (a patrol and 40 new cases, optionally 3 photos per case)
//! and sync concurrently. Afterwards every document and photo is checked on
//! the server: same heads, same hashes.

use std::collections::HashMap;
use std::time::Instant;

use futures::StreamExt;
use gridpatrol_core::model::PatrolKind;
use gridpatrol_core::store::PhotoPick;
use serde::Serialize;

use super::ms;
use super::server_proc::ServerProc;
use super::stats::{median, percentile};
use crate::TestDevice;

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct EndOfDay {
    pub devices: usize,
    pub cases_per_device: usize,
    pub photos_per_case: usize,
    pub total_ms: f64,
    pub device_p50_ms: f64,
    pub device_p99_ms: f64,
    pub docs: usize,
    pub docs_per_s: f64,
    pub photos: usize,
    pub wire_up_bytes: u64,
    pub wire_down_bytes: u64,
    pub server_peak_rss: u64,
    pub server_disk_bytes: u64,
    /// Documents and photos missing or different on the server (must be 0).
    pub lost: usize,
}

/// Runs one end-of-day return against a fresh server on embedded SQLite.
pub async fn run(devices: usize, cases: usize, photos_per_case: usize) -> EndOfDay {
    run_on(None, devices, cases, photos_per_case).await
}

/// Runs one end-of-day return against a fresh server on `db_url` (`None`:
/// a new SQLite file; a PostgreSQL URL: an empty database).
pub async fn run_on(db_url: Option<String>, devices: usize, cases: usize, photos_per_case: usize) -> EndOfDay {
    let server = ServerProc::start_on(db_url).await;
    storm_on(&server, devices, cases, photos_per_case).await
}

/// The return itself against a running `server`: devices log in, work
/// offline, then all sync at once; every document and photo is checked.
pub async fn storm_on(server: &ServerProc, devices: usize, cases: usize, photos_per_case: usize) -> EndOfDay {
    let workers: Vec<String> = (1..=13).map(|i| format!("worker{i}")).collect();
    let logins = (0..devices).map(|d| TestDevice::login_at(&server.url, &workers[d % workers.len()]));
    // A few at a time: each login hashes a password on the server.
    let fleet: Vec<TestDevice> = futures::stream::iter(logins).buffered(4).collect().await;
    // The photos, made once (or read from the bench's photo folder).
    let seeds: Vec<u64> = (0..devices)
        .flat_map(|d| {
            (0..cases).flat_map(move |c| (0..photos_per_case).map(move |p| (d * 1_000_000 + c * 10 + p) as u64))
        })
        .collect();
    let jpegs = super::photos::photos(&super::photos::default_dir(), &seeds);
    let per_device = cases * photos_per_case;
    // The morning's work, offline, every core preparing its share of devices.
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    std::thread::scope(|s| {
        for (t, part) in fleet.chunks(devices.div_ceil(threads).max(1)).enumerate() {
            let jpegs = &jpegs;
            s.spawn(move || {
                for (i, dev) in part.iter().enumerate() {
                    let d = t * devices.div_ceil(threads).max(1) + i;
                    let mine = &jpegs[d * per_device..(d + 1) * per_device];
                    morning(dev, d, cases, mine.chunks(photos_per_case.max(1)));
                }
            });
        }
    });
    let photos = jpegs.len();
    server.reset_peak();
    let profiler = server.profile_hook();
    let wire0 = server.wire();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for dev in fleet {
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let report = dev.sync().await;
            assert!(report.failures.is_empty(), "{:?}", report.failures);
            (dev, ms(t.elapsed()))
        }));
    }
    let mut times = Vec::new();
    let mut fleet = Vec::new();
    for t in tasks {
        let (dev, took) = t.await.unwrap();
        times.push(took);
        fleet.push(dev);
    }
    let total = start.elapsed();
    drop(profiler);
    let wire1 = server.wire();
    let peak = server.peak_rss();
    let lost = verify(server, &fleet).await;
    let docs = devices * (cases + 1);
    EndOfDay {
        devices,
        cases_per_device: cases,
        photos_per_case,
        total_ms: ms(total),
        device_p50_ms: median(&times),
        device_p99_ms: percentile(&times, 99.0),
        docs,
        docs_per_s: docs as f64 / total.as_secs_f64(),
        photos,
        wire_up_bytes: wire1.0 - wire0.0,
        wire_down_bytes: wire1.1 - wire0.1,
        server_peak_rss: peak,
        server_disk_bytes: server.disk_bytes(),
        lost,
    }
}

/// One device's morning: a patrol with `cases` cases, each with its photos.
fn morning<'a>(dev: &TestDevice, d: usize, cases: usize, mut photos: impl Iterator<Item = &'a [Vec<u8>]>) {
    let grid = dev.grid();
    let actor = dev.actor();
    let patrol = dev.store().start_patrol(&actor, PatrolKind::Morning, &grid, vec![]).unwrap().patrol.id;
    for c in 0..cases {
        let picks = photos
            .next()
            .unwrap_or_default()
            .iter()
            .map(|bytes| PhotoPick { hash: dev.store().stage_photo(bytes).unwrap().hash, role: Default::default() })
            .collect();
        let mut new = crate::device::sample_case(&grid);
        new.title = format!("设备{d}问题{c}");
        new.patrol = Some(patrol.clone());
        new.photos = picks;
        dev.store().create_case(&actor, new).unwrap();
    }
    dev.store().end_patrol(&actor, &patrol, "").unwrap();
}

/// Counts documents and photos that are missing or differ on the server.
/// Every device's copy is compared, but each server document is loaded and
/// each stored photo hashed once (at 500 devices a device holds up to
/// ~1,560 documents, most of them the same cases pulled by its user's
/// other devices).
async fn verify(server: &ServerProc, fleet: &[TestDevice]) -> usize {
    let storage = gridpatrol_server::storage::open(&server.db_url, None).await.expect("open the server's database");
    let blob_dir = server.dir.path().join("blobs");
    let mut server_heads: HashMap<String, Option<Vec<automerge::ChangeHash>>> = HashMap::new();
    let mut blob_ok: HashMap<String, bool> = HashMap::new();
    let mut lost = 0;
    for dev in fleet {
        let (docs, blobs) = {
            let s = dev.store();
            let ids: Vec<String> = s
                .connection()
                .prepare("SELECT id FROM docs")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let docs: Vec<(String, Vec<automerge::ChangeHash>)> =
                ids.into_iter().map(|id| (id.clone(), s.stored_heads(&id).unwrap().unwrap())).collect();
            let blobs: Vec<String> = s
                .connection()
                .prepare("SELECT hash FROM blobs")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (docs, blobs)
        };
        for (id, mut heads) in docs {
            if !server_heads.contains_key(&id) {
                let stored = storage.load_doc(&id).await.unwrap().map(|stored| {
                    let mut h = automerge::AutoCommit::load(&stored.bytes).unwrap().get_heads();
                    h.sort();
                    h
                });
                server_heads.insert(id.clone(), stored);
            }
            heads.sort();
            lost += usize::from(server_heads[&id].as_ref() != Some(&heads));
        }
        for hash in blobs {
            let ok = *blob_ok.entry(hash).or_insert_with_key(|hash| {
                let path = blob_dir.join(&hash[..2]).join(hash);
                std::fs::read(&path).is_ok_and(|b| gridpatrol_core::photo::sha256_hex(&b) == *hash)
            });
            lost += usize::from(!ok);
        }
    }
    lost
}
