//! Several stateless servers: three real server processes over one
//! PostgreSQL and one S3 bucket (moto), behind nginx with TLS using the
//! committed deploy/nginx/gridpatrol.conf, with a fault proxy cutting
//! connections in front of it. Twenty devices with real photos sync
//! through it while one instance is killed: nothing is lost, nothing is
//! committed twice (audit log), every photo arrives intact (SHA-256) on the
//! devices that may see it. An upload started on one instance is finished
//! on another, and the login throttle holds across instances.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use gridpatrol_core::store::CaseFilter;
use gridpatrol_core::sync::client::{SyncClient, Trust};
use gridpatrol_core::sync::wire::BlobStatus;
use gridpatrol_server::storage::AuditQuery;
use gridpatrol_tests::api::Api;
use gridpatrol_tests::cluster::{self, Cluster};
use gridpatrol_tests::proxy::{Chaos, FaultProxy};
use gridpatrol_tests::{TestDevice, fixtures, s3};

const DEVICES: usize = 20;
const CASES_PER_DEVICE: usize = 10;

fn all() -> CaseFilter {
    CaseFilter { limit: Some(1000), ..Default::default() }
}

/// The demo workers, one device each, then second phones for the first ones.
fn device_users() -> Vec<String> {
    let workers: Vec<String> = gridpatrol_core::demo::reference()
        .users
        .into_iter()
        .filter(|u| u.role == gridpatrol_core::model::Role::GridWorker)
        .map(|u| u.username)
        .collect();
    workers.iter().cycle().take(DEVICES).cloned().collect()
}

/// A real photo with case number `k` drawn into its corner as eight
/// black-or-white squares, so every case's photo is its own blob.
fn marked(photo: &[u8], k: usize) -> Vec<u8> {
    let mut img = image::load_from_memory(photo).expect("a fixture decodes").to_rgb8();
    for bit in 0..8u32 {
        let shade = if (k >> bit) & 1 == 1 { 255 } else { 0 };
        for x in bit * 24..bit * 24 + 24 {
            for y in 0..24 {
                img.put_pixel(x, y, image::Rgb([shade, shade, shade]));
            }
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

/// A device logged in through nginx (pinning its certificate), then
/// talking through the fault proxy, a fresh connection per request.
async fn device(cluster: &Cluster, proxied: &str, username: &str) -> TestDevice {
    let trust = Trust { pin: Some(cluster.fingerprint.clone()), allow_insecure_http: false };
    let d = TestDevice::login_trusting(&cluster.url, username, trust).await;
    let mut session = d.session.clone();
    session.server = proxied.to_owned();
    let client =
        SyncClient::for_session(&session).unwrap().with_chunk_bytes(64 << 10).with_fresh_connections().unwrap();
    TestDevice { client, ..d }.with_attempts(4)
}

/// Syncs until nothing is left to send (the network is hostile).
async fn sync_until_done(d: TestDevice) -> TestDevice {
    for _ in 0..40 {
        if d.try_sync().await.is_ok_and(|r| r.failures.is_empty())
            && d.store().unsynced().unwrap() == Default::default()
        {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} could not finish syncing: {:?}", d.session.user.username, d.store().unsynced().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_behind_nginx_lose_nothing() {
    if !s3::moto_available() || !cluster::nginx_available() {
        return;
    }
    let t0 = Instant::now();
    let mut cluster = Cluster::start(3).await;
    let proxy = FaultProxy::start_chaos(&cluster.addr, Chaos { seed: 13, cut: 0.1, stall: 0.05, replay: 0.0 }).await;
    let proxied = proxy.url.replace("http://", "https://");
    println!("cluster up in {:?}", t0.elapsed());

    // ---- the login throttle is one for all instances ----
    let apis: Vec<Api> = cluster.instances.iter().map(|i| Api::new(&i.url)).collect();
    let device_id = uuid::Uuid::now_v7().to_string();
    for i in 0..5 {
        let wrong = Api::login_body("dept-gs", "not the password", &device_id);
        let a = apis[i % 3].login(&wrong).await;
        assert_eq!((a.status, a.code.as_str()), (401, "wrong_credentials"), "attempt {i}");
    }
    for api in &apis {
        let right = Api::login_body("dept-gs", gridpatrol_core::demo::DEMO_PASSWORD, &device_id);
        let a = api.login(&right).await;
        assert_eq!((a.status, a.code.as_str()), (429, "too_many_attempts"), "{} lets the user in", api.url);
    }

    // ---- twenty devices, ten cases each with a real photo ----
    let photos: Vec<Vec<u8>> =
        ["gps_DSCN0010.jpg", "gps_DSCN0021.jpg", "gps_DSCN0042.jpg", "orientation_landscape_3.jpg"]
            .iter()
            .chain(["orientation_landscape_1.jpg", "orientation_landscape_5.jpg", "xmp_no_exif.jpg"].iter())
            .map(|n| fixtures::photo(n))
            .collect();
    let mut devices = Vec::new();
    for (i, user) in device_users().iter().enumerate() {
        let d = device(&cluster, &proxied, user).await;
        for c in 0..CASES_PER_DEVICE {
            let k = i * CASES_PER_DEVICE + c;
            d.report(&format!("{user}·{i}号机·问题{c}"), &[&marked(&photos[k % photos.len()], k)]);
        }
        devices.push(d);
    }
    let t_sync = Instant::now();
    let tasks: Vec<_> = devices.into_iter().map(|d| tokio::spawn(sync_until_done(d))).collect();
    // One instance dies while the devices sync.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.instances[2].kill9();
    let mut devices = Vec::new();
    for t in tasks {
        devices.push(t.await.expect("a device task"));
    }
    let (cuts, stalls, _) = proxy.injected();
    println!(
        "{DEVICES} devices × {CASES_PER_DEVICE} cases synced in {:?} with {cuts} cuts and {stalls} stalls, one instance killed",
        t_sync.elapsed()
    );
    assert!(cuts > 0, "the proxy cut connections");

    // ---- no loss, no duplicate commit ----
    let storage = gridpatrol_server::storage::open(&cluster.db_url, None).await.unwrap();
    let mut pushes: HashMap<String, usize> = HashMap::new();
    for a in storage.audit(&AuditQuery { limit: u32::MAX, ..Default::default() }).await.unwrap() {
        if a.action == "push" {
            *pushes.entry(a.subject).or_insert(0) += 1;
        }
    }
    let mut mine: HashMap<String, usize> = HashMap::new(); // case → device index
    for (i, d) in devices.iter().enumerate() {
        let cases = d.store().list_cases(&all(), 0).unwrap();
        for c in cases.items.iter().filter(|c| c.title.contains(&format!("·{i}号机·"))) {
            mine.insert(c.id.clone(), i);
        }
    }
    assert_eq!(mine.len(), DEVICES * CASES_PER_DEVICE);
    let distinct: std::collections::HashSet<String> = devices
        .iter()
        .flat_map(|d| {
            let s = d.store();
            s.list_cases(&all(), 0)
                .unwrap()
                .items
                .into_iter()
                .filter(|c| mine.contains_key(&c.id))
                .flat_map(|c| s.get_case(&c.id, None, 0).unwrap().case.photos.into_values().map(|p| p.hash))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(distinct.len(), DEVICES * CASES_PER_DEVICE, "every case has a photo of its own");
    for id in mine.keys() {
        assert_eq!(pushes.get(id), Some(&1), "case {id} committed exactly once");
    }

    // ---- every photo intact on every device that may see it ----
    let street = device(&cluster, &cluster.url, "street1").await;
    street.sync_full().await;
    assert_eq!(street.store().list_cases(&all(), 0).unwrap().total as usize, DEVICES * CASES_PER_DEVICE);
    let mut checked = 0;
    let checkers: Vec<(Option<usize>, &TestDevice)> =
        (0..3).map(|i| (Some(i), &devices[i])).chain([(None, &street)]).collect();
    for (me, d) in checkers {
        if me.is_some() {
            d.sync_full().await;
        }
        let s = d.store();
        for c in s.list_cases(&all(), 0).unwrap().items {
            let case = s.get_case(&c.id, None, 0).unwrap().case;
            for p in case.photos.values() {
                let bytes = s.blob(&p.hash).unwrap().unwrap_or_else(|| panic!("photo {} of {} missing", p.hash, c.id));
                assert_eq!(gridpatrol_core::photo::sha256_hex(&bytes), p.hash, "photo of {} intact", c.id);
                if let Some(&owner) = mine.get(&c.id)
                    && Some(owner) != me
                {
                    assert_eq!(Some(bytes), devices[owner].store().blob(&p.hash).unwrap(), "as its reporter took it");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= DEVICES * CASES_PER_DEVICE, "{checked} photos checked");

    // ---- an upload started on one instance, finished on another ----
    let token = &street.session.token;
    let photo = fixtures::photo("orientation_landscape_7.jpg");
    let hash = gridpatrol_core::photo::sha256_hex(&photo);
    let (a, b) = (&apis[0], &apis[1]);
    let put = |api: &Api, from: usize, to: usize| {
        api.http
            .put(format!("{}/blobs/{hash}?offset={from}&total={}", api.url, photo.len()))
            .bearer_auth(token)
            .body(photo[from..to].to_vec())
    };
    let half = photo.len() / 2;
    let first = a.send(put(a, 0, half)).await;
    assert_eq!(first.status, 200, "{}", String::from_utf8_lossy(&first.body));
    let status = b.send(b.http.get(format!("{}/blobs/{hash}/status", b.url)).bearer_auth(token)).await;
    let status: BlobStatus = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(status, BlobStatus { received: half as u64, complete: false }, "the other instance knows the upload");
    let done = b.send(put(b, half, photo.len())).await;
    let done: BlobStatus = serde_json::from_slice(&done.body).unwrap();
    assert_eq!(done, BlobStatus { received: photo.len() as u64, complete: true });
    let got = a.send(a.http.get(format!("{}/blobs/{hash}", a.url)).bearer_auth(token)).await;
    assert_eq!(got.status, 200);
    assert_eq!(gridpatrol_core::photo::sha256_hex(&got.body), hash);
    let leftovers: Vec<_> =
        s3::keys(&cluster.blob_settings).await.into_iter().filter(|(k, _)| k.starts_with("partial/")).collect();
    assert!(leftovers.is_empty(), "no partial upload is left in the bucket: {leftovers:?}");
    println!("whole test in {:?}", t0.elapsed());
    if t0.elapsed() > Duration::from_secs(120) {
        println!("nginx errors:\n{}", cluster.nginx_errors());
    }
}
