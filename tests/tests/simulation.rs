//! Deterministic simulation: K devices and the sync service in one process,
//! no sockets. Each device syncs by driving the core's own [`SyncRun`] — the
//! state machine the app's HTTP client drives — with its requests and
//! replies carried by a simulated network that drops, duplicates, reorders
//! and partitions. A seed drives everything: the operations (cases, every
//! kind of step, photos, patrols), the faults, the virtual clock that both
//! the devices and the server read, and every id. At the end the network
//! heals and everyone syncs to quiescence; then every event ever created
//! must be on the server and on every device whose scope includes it, and
//! all replicas must agree on every document's log and derived status.
//!
//! Stores live in memory and the server does not fsync — here only.
//! `GRIDPATROL_SIM_SEEDS=N` runs N seeds (default 24 in CI), a failure
//! prints its seed, and `GRIDPATROL_SIM_SEED=S` replays exactly that one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use gridpatrol_core::clock::{Clock, VirtualTime};
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::{Case, EventKind, PatrolKind, PhotoRole, Scope};
use gridpatrol_core::store::{CaseFilter, DeviceStore, NewEvent, PhotoPick};
use gridpatrol_core::sync::run::{Effect, Reply, SyncOptions, SyncRun};
use gridpatrol_core::sync::session;
use gridpatrol_core::sync::wire::LoginRequest;
use gridpatrol_core::workflow::derive;
use gridpatrol_server::auth::{AuthUser, Hasher};
use gridpatrol_server::service::SyncService;
use gridpatrol_server::storage::Storage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const USERS: [&str; 5] = ["worker1", "worker2", "leader1", "dept-cg", "street1"];
/// The virtual clock starts here (2026-12-01 00:00 UTC) whatever the date.
const START: i64 = 1_796_083_200_000;

struct Device {
    store: DeviceStore,
    who: AuthUser,
    /// Cases whose local steps the server refused because the case is no
    /// longer this department's (a race with a void or a re-dispatch): they
    /// stay on the device, unsynced, with the reason.
    refused: BTreeSet<String>,
    /// The run in progress and whether its request is on the network.
    run: Option<SyncRun>,
    /// Cut off from the server until this step.
    partitioned_until: usize,
}

/// Messages in flight: a device's request, or the server's reply.
enum Msg {
    Request { dev: usize, effect: Effect },
    Reply { dev: usize, reply: Reply },
}

#[derive(Default, Debug, Clone)]
struct Tally {
    ops: usize,
    events: usize,
    runs: usize,
    runs_cut: usize,
    dropped: usize,
    duplicated: usize,
    reordered: usize,
    partitions: usize,
}

impl Tally {
    fn add(&mut self, t: &Tally) {
        self.ops += t.ops;
        self.events += t.events;
        self.runs += t.runs;
        self.runs_cut += t.runs_cut;
        self.dropped += t.dropped;
        self.duplicated += t.duplicated;
        self.reordered += t.reordered;
        self.partitions += t.partitions;
    }
}

fn tiny_photo(rng: &mut StdRng) -> Vec<u8> {
    let seed: u32 = rng.r#gen();
    let img = image::RgbImage::from_fn(48, 36, |x, y| {
        image::Rgb([(x * 5) as u8 ^ seed as u8, (y * 7) as u8, (seed >> 8) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

async fn setup(service: &SyncService, clock: &Clock) -> Vec<Device> {
    let mut devices = Vec::new();
    for u in USERS {
        let mut store = DeviceStore::open_in_memory(clock.clone()).unwrap();
        let login = service
            .login(
                LoginRequest {
                    username: u.into(),
                    password: gridpatrol_core::demo::DEMO_PASSWORD.into(),
                    device_id: store.device_id().to_owned(),
                    device_name: "sim".into(),
                    new_password: None,
                },
                "sim",
            )
            .await
            .unwrap();
        let token = login.token.clone();
        session::begin(&mut store, "sim://", login).unwrap();
        let who = service.authenticate(&token, "sim").await.unwrap();
        devices.push(Device { store, who, refused: BTreeSet::new(), run: None, partitioned_until: 0 });
    }
    devices
}

/// One random local operation on a device.
fn local_op(d: &mut Device, rng: &mut StdRng, created: &mut BTreeMap<String, String>, t: &mut Tally) {
    let actor = session::load(&d.store).unwrap().unwrap().actor();
    let grids: Vec<String> = match &d.who.scope {
        Scope::Grids { grids } => grids.iter().cloned().collect(),
        _ => vec![],
    };
    let now = d.store.now();
    let cases = d.store.list_cases(&CaseFilter { limit: Some(500), ..Default::default() }, now).unwrap().items;
    t.ops += 1;
    match rng.gen_range(0..10) {
        0..=2 if !grids.is_empty() => {
            let mut new = gridpatrol_tests::device::sample_case(&grids[rng.gen_range(0..grids.len())]);
            if rng.gen_bool(0.3) {
                let hash = d.store.stage_photo(&tiny_photo(rng)).unwrap().hash;
                new.photos = vec![PhotoPick { hash, role: PhotoRole::Before }];
            }
            let c = d.store.create_case(&actor, new).unwrap();
            for id in c.case.events.keys() {
                created.insert(id.clone(), c.case.id.clone());
            }
        }
        3 if !grids.is_empty() => {
            let grid = &grids[rng.gen_range(0..grids.len())];
            if let Some(active) = d.store.active_patrol(&actor.user_id).unwrap() {
                let p = d.store.get_patrol(&active.id, now).unwrap();
                let street = p.streets[rng.gen_range(0..p.streets.len())].clone();
                d.store.check_street(&actor, &active.id, &street, "").unwrap();
                if rng.gen_bool(0.3) {
                    d.store.end_patrol(&actor, &active.id, "").unwrap();
                }
            } else {
                let kinds: Vec<PatrolKind> =
                    PatrolKind::ALL.into_iter().filter(|k| k.allowed_for(actor.role)).collect();
                d.store.start_patrol(&actor, kinds[rng.gen_range(0..kinds.len())], grid, vec![]).unwrap();
            }
        }
        _ if !cases.is_empty() => {
            let c = &cases[rng.gen_range(0..cases.len())];
            let detail = d.store.get_case(&c.id, Some(&actor), now).unwrap();
            if detail.actions.is_empty() {
                return;
            }
            let kind = detail.actions[rng.gen_range(0..detail.actions.len())];
            let mut ev = NewEvent {
                kind,
                note: format!("sim {}", rng.r#gen::<u16>()),
                photos: vec![],
                department: (kind == EventKind::Dispatched).then(|| "D-CG".to_owned()),
                // Device clocks disagree by a few minutes, within what the server allows.
                at: Some(now + rng.gen_range(-300_000..300_000)),
            };
            if rng.gen_bool(0.15) {
                let hash = d.store.stage_photo(&tiny_photo(rng)).unwrap().hash;
                ev.photos = vec![PhotoPick { hash, role: PhotoRole::Evidence }];
            }
            let after = d.store.append_event(&actor, &c.id, ev).unwrap();
            let newest = after.derived.timeline.iter().map(|t| &t.event.id).find(|id| !created.contains_key(*id));
            if let Some(id) = newest {
                created.insert(id.clone(), c.id.clone());
                t.events += 1;
            }
        }
        _ => {}
    }
}

/// What the server answers to one effect of a device's run.
async fn serve(service: &SyncService, who: &AuthUser, effect: &Effect) -> Reply {
    let refused =
        |e: gridpatrol_server::error::ServerError| Reply::Refused { code: e.code.as_str().into(), message: e.message };
    match effect {
        Effect::BlobStatus { hash } => match service.blob_status(who, hash).await {
            Ok(s) => Reply::Blob(s),
            Err(e) => refused(e),
        },
        Effect::UploadChunk { hash, offset, total, bytes } => {
            match service.blob_append(who, hash, *offset, *total, bytes, None).await {
                Ok(s) => Reply::Blob(s),
                Err(e) if e.code == ErrorCode::OffsetMismatch => {
                    Reply::Blob(service.blob_status(who, hash).await.unwrap())
                }
                Err(e) => refused(e),
            }
        }
        Effect::PostSync(req) => Reply::Sync(service.sync(who, req.clone()).await.expect("the server answers a sync")),
        Effect::PostDocSync(req) => {
            Reply::DocSync(service.doc_sync(who, req.clone()).await.expect("the server answers a doc sync"))
        }
        Effect::Download { hash } => match service.blob_get(who, hash).await {
            Ok(bytes) => Reply::Downloaded(Some(bytes)),
            Err(e) if e.code == ErrorCode::NotFound => Reply::Downloaded(None),
            Err(e) => refused(e),
        },
        Effect::Done => unreachable!("a finished run sends nothing"),
    }
}

/// Checks a run's failures: only a department's steps on a case that is no
/// longer assigned to it may be refused.
fn check_failures(d: &mut Device, failures: &[gridpatrol_core::sync::SyncFailure]) {
    for f in failures {
        let expected = d.who.user.role == gridpatrol_core::model::Role::Department
            && ["out_of_scope", "not_assigned"].contains(&f.code.as_str());
        assert!(expected, "{}: {f:?}", d.who.user.username);
        d.refused.insert(f.item.clone());
    }
}

/// Gives a device's run its reply; puts its next request on the network.
fn advance(d: &mut Device, dev: usize, reply: Reply, net: &mut VecDeque<Msg>) {
    let Some(run) = d.run.as_mut() else { return };
    let effect = run.step(&mut d.store, reply).expect("the run takes the reply");
    let failures = run.report().failures.clone();
    check_failures(d, &failures);
    match effect {
        Effect::Done => d.run = None,
        effect => net.push_back(Msg::Request { dev, effect }),
    }
}

/// Runs a device's sync to the end over a perfect network; returns whether
/// anything moved.
async fn settle_once(service: &SyncService, d: &mut Device) -> bool {
    let mut run = SyncRun::new(SyncOptions::default(), 4096);
    let mut effect = run.start(&mut d.store).unwrap();
    while effect != Effect::Done {
        let reply = serve(service, &d.who, &effect).await;
        effect = run.step(&mut d.store, reply).unwrap();
    }
    let r = run.report().clone();
    check_failures(d, &r.failures);
    let p = &r.progress;
    p.docs_up + p.docs_down + p.photos_up + p.photos_down > 0 || r.round_trips > 1
}

/// Everything a replica holds, to compare two runs of the same seed.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint(BTreeMap<String, Vec<(String, String)>>);

async fn simulate(seed: u64, steps: usize) -> (Tally, Fingerprint) {
    let (clock, time): (Clock, VirtualTime) = Clock::simulated(START, seed);
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(
        gridpatrol_server::storage::sqlite::SqliteStorage::open_for_simulation(&dir.path().join("s.sqlite")).unwrap(),
    );
    storage.migrate().await.unwrap();
    let blobs = Arc::new(gridpatrol_tests::memory_blobs::MemoryBlobStore::default());
    let service = SyncService::new(storage.clone(), blobs, Default::default(), 1)
        .with_clock(clock.clone())
        .with_hasher(Hasher::cheap());
    gridpatrol_tests::server::import_demo(&service).await;
    let mut devices = setup(&service, &clock).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net: VecDeque<Msg> = VecDeque::new();
    let mut created: BTreeMap<String, String> = BTreeMap::new();
    let mut authors: BTreeMap<String, usize> = BTreeMap::new();
    let mut t = Tally::default();

    for step in 0..steps {
        time.advance(rng.gen_range(500..20_000));
        let dev = rng.gen_range(0..devices.len());
        match rng.gen_range(0..100) {
            0..=44 => {
                let before: BTreeSet<String> = created.keys().cloned().collect();
                local_op(&mut devices[dev], &mut rng, &mut created, &mut t);
                for e in created.keys().filter(|e| !before.contains(*e)) {
                    authors.insert(e.clone(), dev);
                }
            }
            45..=59 if devices[dev].run.is_none() => {
                let d = &mut devices[dev];
                let mut run = SyncRun::new(SyncOptions::default(), rng.gen_range(200..4096));
                let effect = run.start(&mut d.store).unwrap();
                t.runs += 1;
                if effect != Effect::Done {
                    d.run = Some(run);
                    net.push_back(Msg::Request { dev, effect });
                }
            }
            60..=64 => {
                devices[dev].partitioned_until = step + rng.gen_range(5..40);
                t.partitions += 1;
            }
            _ if !net.is_empty() => {
                // Usually the oldest message, sometimes any other (reordering).
                let i = if rng.gen_bool(0.25) { rng.gen_range(0..net.len()) } else { 0 };
                t.reordered += usize::from(i > 0);
                let msg = net.remove(i).unwrap();
                let owner = match &msg {
                    Msg::Request { dev, .. } | Msg::Reply { dev, .. } => *dev,
                };
                let roll = rng.gen_range(0..100);
                if devices[owner].partitioned_until > step || roll < 12 {
                    // Lost on the way: the device's run gives up (the next one
                    // goes on from what the store holds).
                    t.dropped += 1;
                    t.runs_cut += usize::from(devices[owner].run.take().is_some());
                    continue;
                }
                match msg {
                    Msg::Request { dev, effect } => {
                        if roll < 20 {
                            // A retry after a lost answer: the server sees it twice.
                            t.duplicated += 1;
                            let _ = serve(&service, &devices[dev].who, &effect).await;
                        }
                        let reply = serve(&service, &devices[dev].who, &effect).await;
                        net.push_back(Msg::Reply { dev, reply });
                    }
                    Msg::Reply { dev, reply } => advance(&mut devices[dev], dev, reply, &mut net),
                }
            }
            _ => {}
        }
    }

    // Heal: a perfect network; everyone syncs until nothing moves, twice round.
    for d in devices.iter_mut() {
        d.run = None;
    }
    for _ in 0..2 {
        for d in devices.iter_mut() {
            let mut quiet = false;
            for _ in 0..20 {
                if !settle_once(&service, d).await {
                    quiet = true;
                    break;
                }
            }
            assert!(quiet, "seed {seed}: {} did not settle", d.who.user.username);
        }
    }

    // Every event on the server and on every device in scope; all agree.
    let mut server_cases: BTreeMap<String, Case> = BTreeMap::new();
    for case_id in created.values().collect::<BTreeSet<_>>() {
        let stored =
            storage.load_doc(case_id).await.unwrap().unwrap_or_else(|| panic!("seed {seed}: case {case_id} lost"));
        let doc = automerge::AutoCommit::load(&stored.bytes).unwrap();
        server_cases.insert(case_id.clone(), Case::from_doc(&doc).unwrap());
    }
    let mut fingerprint = BTreeMap::new();
    let mut events_of: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (event, case_id) in &created {
        events_of.entry(case_id).or_default().push(event);
    }
    for (case_id, events) in events_of {
        let case = &server_cases[case_id];
        let derived = derive(case);
        for event in &events {
            let author = &devices[authors[*event]];
            if author.refused.contains(case_id) && !case.events.contains_key(*event) {
                // A department's step on a case no longer its own: refused, kept on its device.
                assert!(author.store.get_case(case_id, None, 0).unwrap().case.events.contains_key(*event));
                continue;
            }
            assert!(
                case.events.contains_key(*event),
                "seed {seed}: event {event} of case {case_id} lost on the server"
            );
        }
        for d in &devices {
            if d.who.scope.sees(&case.grid, derived.department.as_slice()) && !d.refused.contains(case_id) {
                let mine = d
                    .store
                    .get_case(case_id, None, 0)
                    .unwrap_or_else(|e| panic!("seed {seed}: {} lacks case {case_id}: {e}", d.who.user.username));
                for event in &events {
                    let theirs_only =
                        devices[authors[*event]].refused.contains(case_id) && !case.events.contains_key(*event);
                    assert!(
                        theirs_only || mine.case.events.contains_key(*event),
                        "seed {seed}: {} lacks event {event}",
                        d.who.user.username
                    );
                }
                assert_eq!(mine.derived, derived, "seed {seed}: {} disagrees on {case_id}", d.who.user.username);
            }
        }
    }
    for d in &devices {
        let mut docs = Vec::new();
        for c in d.store.list_cases(&CaseFilter { limit: Some(500), ..Default::default() }, 0).unwrap().items {
            let heads = d.store.stored_heads(&c.id).unwrap().unwrap_or_default();
            docs.push((c.id, heads.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(",")));
        }
        fingerprint.insert(d.who.user.username.clone(), docs);
    }
    (t, Fingerprint(fingerprint))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn seeds_converge_without_loss() {
    let seeds: Vec<u64> = match std::env::var("GRIDPATROL_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("a seed")],
        Err(_) => {
            let n: u64 = std::env::var("GRIDPATROL_SIM_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
            (1..=n).collect()
        }
    };
    let steps: usize = std::env::var("GRIDPATROL_SIM_STEPS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    // Seeds are independent: one thread per core, each with its own runtime.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(seeds.len().max(1));
    let started = std::time::Instant::now();
    let chunks: Vec<Vec<u64>> =
        (0..threads).map(|i| seeds.iter().copied().skip(i).step_by(threads).collect()).collect();
    let results: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|mine| {
                s.spawn(move || {
                    let rt = runtime();
                    let mut total = Tally::default();
                    for seed in mine {
                        let (t, _) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            rt.block_on(simulate(seed, steps))
                        }))
                        .unwrap_or_else(|e| {
                            eprintln!("simulation failed with seed {seed}; replay with GRIDPATROL_SIM_SEED={seed}");
                            std::panic::resume_unwind(e)
                        });
                        total.add(&t);
                    }
                    total
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut total = Tally::default();
    for t in &results {
        total.add(t);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "simulated {} seeds × {steps} steps in {secs:.1} s ({:.1} seeds/s): {total:?}",
        seeds.len(),
        seeds.len() as f64 / secs
    );
    assert!(total.ops > 0 && total.dropped > 0 && total.duplicated > 0 && total.runs_cut > 0);
}

/// The same seed, run twice, gives the same replicas change for change.
#[test]
fn a_seed_replays_identically() {
    let rt = runtime();
    let (_, first) = rt.block_on(simulate(4242, 200));
    let (_, second) = rt.block_on(simulate(4242, 200));
    assert!(first.0.values().map(Vec::len).sum::<usize>() > 5, "the seed did something");
    assert_eq!(first, second);
    let (_, other) = rt.block_on(simulate(4243, 200));
    assert_ne!(first, other, "another seed, another history");
}
