//! One story for both photo stores: the folder (one server) and an
//! S3-compatible bucket on a real moto server (any number of servers).
//! Uploads belong to a device, resume at the byte the store has, publish
//! once under their hash; a second instance over the same bucket sees and
//! continues the first one's upload, and two instances racing to append at
//! the same offset cannot both win.

use std::collections::BTreeSet;
use std::sync::Arc;

use gridpatrol_server::Settings;
use gridpatrol_server::blobstore::{self, BlobError, BlobStore, UploadKey};
use gridpatrol_tests::fixtures;
use gridpatrol_tests::s3::{self, Moto};

const DEVICE_A: &str = "0190a000-0000-7000-8000-000000000001";
const DEVICE_B: &str = "0190a000-0000-7000-8000-000000000002";

fn key(device: &str, hash: &str) -> UploadKey {
    UploadKey { device_id: device.into(), hash: hash.into() }
}

/// Two handles on one photo store, as two server instances would open it
/// (the folder only ever has one instance, so both are the same handle).
struct Place {
    first: Arc<dyn BlobStore>,
    second: Arc<dyn BlobStore>,
    shared: bool,
    settings: Option<Settings>,
    _dir: tempfile::TempDir,
    _moto: Option<Moto>,
}

async fn folder() -> Place {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings { blob_dir: dir.path().join("blobs"), ..Settings::default() };
    let first = blobstore::open(&settings).unwrap();
    Place { second: first.clone(), first, shared: false, settings: None, _dir: dir, _moto: None }
}

async fn bucket() -> Option<Place> {
    if !s3::moto_available() {
        return None;
    }
    let moto = Moto::start().await;
    let bucket = moto.bucket().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings { blob_dir: dir.path().join("unused"), ..Settings::default() };
    moto.configure(&mut settings, &bucket);
    let first = blobstore::open(&settings).unwrap();
    let second = blobstore::open(&settings).unwrap();
    Some(Place { first, second, shared: true, settings: Some(settings), _dir: dir, _moto: Some(moto) })
}

/// Per-device uploads that resume, refuse the wrong offset, publish once.
async fn uploads_are_per_device_resume_and_publish_once(place: &Place) {
    let store = &place.first;
    let data = fixtures::photo("gps_DSCN0010.jpg");
    let hash = gridpatrol_core::photo::sha256_hex(&data);
    let (mine, theirs) = (key(DEVICE_A, &hash), key(DEVICE_B, &hash));
    assert_eq!(store.size(&hash).await.unwrap(), None);
    assert_eq!(store.get(&hash).await.unwrap(), None);
    assert_eq!(store.partial_len(&mine).await.unwrap(), 0);
    assert_eq!(store.append(&mine, 0, &data[..40_000]).await.unwrap(), 40_000);
    // Another device's upload of the same hash is its own.
    assert_eq!(store.partial_len(&theirs).await.unwrap(), 0);
    assert_eq!(store.append(&theirs, 0, b"garbage").await.unwrap(), 7);
    assert_eq!(store.partial_len(&mine).await.unwrap(), 40_000);
    assert!(matches!(store.append(&mine, 0, &data[..10]).await, Err(BlobError::OffsetMismatch { expected: 40_000 })));
    assert!(matches!(
        store.append(&mine, 50_000, &data[50_000..50_010]).await,
        Err(BlobError::OffsetMismatch { expected: 40_000 })
    ));
    assert_eq!(store.get(&hash).await.unwrap(), None, "nothing is visible before publishing");
    let mut at = 40_000;
    for piece in data[40_000..].chunks(16 << 10) {
        at = store.append(&mine, at as u64, piece).await.unwrap() as usize;
    }
    assert_eq!(at, data.len());
    assert_eq!(store.read_partial(&mine).await.unwrap(), data);
    store.publish(&mine).await.unwrap();
    assert_eq!(store.get(&hash).await.unwrap().unwrap(), data);
    assert_eq!(store.size(&hash).await.unwrap(), Some(data.len() as u64));
    assert_eq!(store.partial_len(&mine).await.unwrap(), 0, "the partial is gone once published");
    store.discard(&theirs).await.unwrap();
    assert_eq!(store.partial_len(&theirs).await.unwrap(), 0);
    store.discard(&theirs).await.unwrap(); // discarding nothing is fine

    // Publishing the same hash again (a second device's upload) keeps one blob.
    for (i, piece) in data.chunks(100_000).enumerate() {
        store.append(&theirs, (i * 100_000) as u64, piece).await.unwrap();
    }
    store.publish(&theirs).await.unwrap();
    assert_eq!(store.get(&hash).await.unwrap().unwrap(), data);
    assert_eq!(store.partial_len(&theirs).await.unwrap(), 0);

    for bad in ["../../etc/passwd", "ABCDEF", &hash[..63], &format!("{}/x", &hash[..62])] {
        assert!(store.size(bad).await.is_err(), "{bad}");
        assert!(store.append(&key(DEVICE_A, bad), 0, b"x").await.is_err(), "{bad}");
    }
}

/// An upload started through one instance continues through the other.
async fn an_upload_resumes_on_another_instance(place: &Place) {
    let data = fixtures::photo("orientation_landscape_3.jpg");
    let hash = gridpatrol_core::photo::sha256_hex(&data);
    let k = key(DEVICE_A, &hash);
    let half = data.len() / 2;
    place.first.append(&k, 0, &data[..half]).await.unwrap();
    assert_eq!(place.second.partial_len(&k).await.unwrap(), half as u64);
    assert!(matches!(
        place.second.append(&k, 0, &data[..half]).await,
        Err(BlobError::OffsetMismatch { expected }) if expected == half as u64
    ));
    assert_eq!(place.second.append(&k, half as u64, &data[half..]).await.unwrap(), data.len() as u64);
    assert_eq!(place.first.read_partial(&k).await.unwrap(), data);
    place.second.publish(&k).await.unwrap();
    assert_eq!(place.first.get(&hash).await.unwrap().unwrap(), data);
}

/// Eight appends at the same offset at once, through both instances: one
/// wins, the rest are told where the upload now ends, and the bytes are
/// the winner's.
async fn racing_appends_cannot_both_win(place: &Place) {
    let data = fixtures::photo("Canon_40D.jpg");
    let hash = gridpatrol_core::photo::sha256_hex(&data);
    let k = key(DEVICE_B, &hash);
    place.first.append(&k, 0, &data[..1000]).await.unwrap();
    let mut racers = Vec::new();
    for i in 0..8u8 {
        let store = if i % 2 == 0 { place.first.clone() } else { place.second.clone() };
        let (k, mut piece) = (k.clone(), data[1000..2000].to_vec());
        piece[0] = i; // each racer's bytes differ
        racers.push(tokio::spawn(async move { (i, store.append(&k, 1000, &piece).await) }));
    }
    let mut winners = BTreeSet::new();
    for r in racers {
        match r.await.unwrap() {
            (i, Ok(len)) => {
                assert_eq!(len, 2000);
                winners.insert(i);
            }
            (_, Err(BlobError::OffsetMismatch { expected })) => assert_eq!(expected, 2000),
            (_, Err(e)) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one append at byte 1000 won: {winners:?}");
    let got = place.second.read_partial(&k).await.unwrap();
    assert_eq!(got.len(), 2000);
    assert_eq!(got[1000], *winners.first().unwrap(), "the winner's bytes");
    place.first.discard(&k).await.unwrap();
    assert_eq!(place.second.partial_len(&k).await.unwrap(), 0);
}

async fn story(place: Place) {
    uploads_are_per_device_resume_and_publish_once(&place).await;
    an_upload_resumes_on_another_instance(&place).await;
    racing_appends_cannot_both_win(&place).await;
    println!("blob story passed (second instance shared: {})", place.shared);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_store() {
    story(folder().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_store() {
    let Some(place) = bucket().await else { return };
    story(place).await;
}

/// S3 only: an upload in progress is objects in the bucket (so any
/// instance can continue it), and a published photo is one object under
/// its hash, as docs/DEPLOYMENT.md describes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_layout() {
    let Some(place) = bucket().await else { return };
    let settings = place.settings.as_ref().unwrap();
    let data = fixtures::photo("gps_DSCN0021.jpg");
    let hash = gridpatrol_core::photo::sha256_hex(&data);
    let k = key(DEVICE_A, &hash);
    place.first.append(&k, 0, &data[..5000]).await.unwrap();
    place.first.append(&k, 5000, &data[5000..]).await.unwrap();
    let dir = format!("partial/{DEVICE_A}/{hash}");
    assert_eq!(
        s3::keys(settings).await,
        vec![(format!("{dir}/{:020}", 0), 5000), (format!("{dir}/{:020}", 5000), data.len() as u64 - 5000)]
    );
    place.second.publish(&k).await.unwrap();
    assert_eq!(s3::keys(settings).await, vec![(format!("blobs/{}/{hash}", &hash[..2]), data.len() as u64)]);
}
