//! Slow and many connections cannot pile up on the server: unfinished
//! headers and bodies, idle connections, more connections than allowed,
//! and a storm of logins while devices sync.

use std::time::{Duration, Instant};

use gridpatrol_tests::{Backend, TestDevice, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `limit` passes);
/// returns what it sent and how long it took.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept a stalled connection open for {limit:?}"),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_bodies_and_idle_connections_are_closed() {
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.header_timeout_secs = 1;
        s.body_timeout_secs = 1;
        s.idle_timeout_secs = 2;
    })
    .await;
    // Headers that never end.
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n").await.unwrap();
    let (_, took) = until_closed(&mut s, Duration::from_secs(8)).await;
    assert!(took < Duration::from_secs(4), "closed after {took:?}");

    // A body that never arrives: answered with request_timeout.
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(
        b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let (answer, took) = until_closed(&mut s, Duration::from_secs(8)).await;
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    assert!(answer.contains("request_timeout") || answer.is_empty(), "{answer}");

    // A connection that finished a request and then says nothing.
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let (answer, took) = until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(took < Duration::from_secs(6), "an idle connection stayed {took:?}");

    // Meanwhile the server answers everyone else.
    let w = TestDevice::login(&server, "worker1").await;
    assert!(w.sync().await.failures.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_and_are_served_when_one_ends() {
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.max_connections = 4;
        s.header_timeout_secs = 60;
        s.idle_timeout_secs = 60;
    })
    .await;
    let health = format!("{}/v1/health", server.url);
    let client =
        reqwest::Client::builder().timeout(Duration::from_millis(800)).pool_max_idle_per_host(0).build().unwrap();
    assert!(client.get(&health).send().await.is_ok());
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(addr(&server)).await.unwrap();
        s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n").await.unwrap(); // and never finish
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(client.get(&health).send().await.is_err(), "a fifth connection is not served while four are held");
    held.pop();
    let patient = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let r = patient.get(&health).send().await.expect("served once a connection ended");
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_storm_does_not_stall_sync() {
    let server = TestServer::start(Backend::Sqlite).await;
    let worker = TestDevice::login(&server, "worker1").await;
    worker.report("风暴中", &[]);
    // Every password-hashing permit is taken: logins must wait for one.
    let held = server.service().hasher().hold_all().await;
    let url = server.url.clone();
    let storm: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let body =
                    gridpatrol_tests::api::Api::login_body("worker2", "gridpatrol", &uuid::Uuid::new_v4().to_string());
                reqwest::Client::new().post(format!("{url}/v1/login")).json(&body).send().await.map(|r| r.status())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    for _ in 0..5 {
        assert!(worker.sync().await.failures.is_empty());
    }
    assert!(start.elapsed() < Duration::from_secs(5), "syncs took {:?} during the storm", start.elapsed());
    assert!(storm.iter().all(|t| !t.is_finished()), "the logins are still waiting for hashing");
    drop(held);
    for t in storm {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
}
