//! TLS on every hop: the server serves HTTPS with a certificate it
//! generated for the office LAN; a device that pinned its fingerprint at
//! first login syncs, one with another fingerprint is refused with a clear
//! code; plain http goes only to this machine unless allowed; and the
//! server reaches PostgreSQL over TLS, checking the database's certificate.

use std::sync::{Arc, Mutex};

use gridpatrol_core::store::DeviceStore;
use gridpatrol_core::sync::client::{self, ClientError, SyncClient, SyncOptions, Trust};
use gridpatrol_tests::{Backend, TestServer};

async fn https_server() -> (TestServer, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, fingerprint) =
        gridpatrol_server::net::tls::self_signed(&["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.tls_cert = Some(cert_path.clone());
        s.tls_key = Some(key_path.clone());
    })
    .await;
    assert!(server.url.starts_with("https://"));
    (server, fingerprint, dir)
}

fn store() -> (tempfile::TempDir, client::SharedStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = DeviceStore::open(&dir.path().join("d.sqlite")).unwrap();
    (dir, Arc::new(Mutex::new(s)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_device_syncs_over_https_and_a_wrong_pin_is_refused() {
    let (server, fingerprint, _dir) = https_server().await;
    // First contact: the device is shown the fingerprint to compare.
    assert_eq!(client::probe(&server.url).await.unwrap().as_deref(), Some(fingerprint.as_str()));

    let (_d, s) = store();
    let pinned = Trust { pin: Some(fingerprint.clone()), allow_insecure_http: false };
    let session =
        SyncClient::with_trust(&server.url, pinned).unwrap().login(&s, "worker1", "gridpatrol", "phone").await.unwrap();
    assert_eq!(session.pin.as_deref(), Some(fingerprint.as_str()), "the pin is kept with the session");
    let c = SyncClient::for_session(&session).unwrap();
    let report = c.sync(&s, SyncOptions::default(), &|_| {}).await.unwrap();
    assert!(report.failures.is_empty());

    // Another certificate's fingerprint: refused before anything is sent.
    let (_d2, s2) = store();
    let other = gridpatrol_core::sync::pin::fingerprint(b"someone else's certificate");
    let wrong = Trust { pin: Some(other.clone()), allow_insecure_http: false };
    let err = SyncClient::with_trust(&server.url, wrong)
        .unwrap()
        .login(&s2, "worker1", "gridpatrol", "phone")
        .await
        .unwrap_err();
    match &err {
        ClientError::PinMismatch { expected, found } => {
            assert_eq!((expected, found), (&other, &fingerprint));
        }
        e => panic!("expected a pin mismatch, got {e:?}"),
    }
    assert_eq!(err.code(), "tls_pin_mismatch");
    // Without a pin the self-signed certificate is not trusted at all.
    let (_d3, s3) = store();
    let err = SyncClient::new(&server.url).unwrap().login(&s3, "worker1", "gridpatrol", "phone").await.unwrap_err();
    assert_eq!(err.code(), "offline", "{err}");
}

#[test]
fn plain_http_only_to_this_machine_unless_allowed() {
    assert!(SyncClient::new("http://127.0.0.1:8787").is_ok());
    let err = SyncClient::new("http://192.168.1.20:8787").unwrap_err();
    assert_eq!(err.code(), "insecure_http");
    assert!(SyncClient::with_trust("http://192.168.1.20:8787", Trust { pin: None, allow_insecure_http: true }).is_ok());
}

#[tokio::test]
async fn the_server_reaches_postgresql_over_tls() {
    let ca = std::env::var("GRIDPATROL_TEST_PG_CA").expect("scripts/test starts PostgreSQL with TLS");
    let url = gridpatrol_tests::server::fresh_pg_database().await;
    let tls_url = format!("{url}?sslmode=require");
    let storage = gridpatrol_server::storage::open(&tls_url, Some(std::path::Path::new(&ca))).await.unwrap();
    assert_eq!(storage.head().await.unwrap().seq, 0);
    // The connection really is encrypted.
    let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let encrypted: i64 = c
        .query_one("SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid WHERE s.ssl AND a.datname = current_database()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "the server's pool connects with TLS");
    // A certificate nobody vouches for is refused.
    let err =
        gridpatrol_server::storage::open(&tls_url, None).await.err().expect("an untrusted certificate is refused");
    assert!(err.to_string().to_lowercase().contains("certificate") || err.to_string().contains("pool"), "{err}");
}
