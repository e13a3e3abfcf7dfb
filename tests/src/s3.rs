//! A real S3-compatible server for tests: moto's `moto_server` (PyPI
//! `moto[server]`, installed by scripts/setup) on a free port of 127.0.0.1,
//! started by the test that needs it and stopped when it is dropped. Tests
//! skip with a printed reason only when `moto_server` is not installed.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use gridpatrol_server::Settings;
use object_store::ObjectStore;

const BINARY: &str = "moto_server";

/// Whether `moto_server` can run here; prints why not when it cannot.
pub fn moto_available() -> bool {
    match Command::new(BINARY).arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => true,
        Ok(s) => {
            println!(
                "SKIPPED: {BINARY} is not installed ({s}); run scripts/setup (python3 -m pip install 'moto[server]')"
            );
            false
        }
        Err(e) => {
            println!(
                "SKIPPED: {BINARY} is not installed ({e}); run scripts/setup (python3 -m pip install 'moto[server]')"
            );
            false
        }
    }
}

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

impl Moto {
    /// Starts a moto server and waits until it answers (panics if it
    /// cannot start; check [`moto_available`] first).
    pub async fn start() -> Moto {
        let port = free_port();
        let child = Command::new(BINARY)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(&moto.endpoint).send().await.is_err() {
            assert!(Instant::now() < deadline, "moto_server did not answer on {} within 30 s", moto.endpoint);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        moto
    }

    /// Creates a new empty bucket and returns its name.
    pub async fn bucket(&self) -> String {
        let name = format!("gp-{}", uuid::Uuid::new_v4().simple());
        let r = reqwest::Client::new().put(format!("{}/{name}", self.endpoint)).send().await.expect("create bucket");
        assert!(r.status().is_success(), "create bucket: {}", r.status());
        name
    }

    /// Object store options for this server (fake credentials, plain HTTP).
    pub fn options(&self) -> BTreeMap<String, String> {
        [
            ("endpoint", self.endpoint.as_str()),
            ("allow_http", "true"),
            ("region", "us-east-1"),
            ("access_key_id", "testing"),
            ("secret_access_key", "testing"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Points `settings` at `bucket` on this server.
    pub fn configure(&self, settings: &mut Settings, bucket: &str) {
        settings.blob_url = Some(format!("s3://{bucket}"));
        settings.blob_options = self.options();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every object key in the bucket `settings` name (an S3 "ls -R").
pub async fn keys(settings: &Settings) -> Vec<(String, u64)> {
    let store = raw_store(settings);
    let mut out: Vec<(String, u64)> =
        store.list(None).map_ok(|m| (m.location.to_string(), m.size)).try_collect().await.expect("list bucket");
    out.sort();
    out
}

/// Deletes every object in the bucket `settings` name (a lost photo store).
pub async fn empty_bucket(settings: &Settings) {
    let store = raw_store(settings);
    let all = store.list(None).map_ok(|m| m.location).boxed();
    let deleted: Vec<_> = store.delete_stream(all).try_collect().await.expect("empty bucket");
    tracing::info!(objects = deleted.len(), "emptied the photo bucket");
}

fn raw_store(settings: &Settings) -> object_store::aws::AmazonS3 {
    let url = settings.blob_url.as_deref().expect("an object store");
    let bucket = url.strip_prefix("s3://").and_then(|r| r.split('/').next()).expect("s3://bucket");
    let mut b = object_store::aws::AmazonS3Builder::new().with_bucket_name(bucket);
    for (k, v) in &settings.blob_options {
        b = b.with_config(format!("aws_{k}").parse().expect("known option"), v);
    }
    b.build().expect("object store")
}
