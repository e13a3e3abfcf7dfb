//! Load: 1,000 concurrent device connections on loopback for a bounded
//! time against a server process. No errors; memory stays bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gridpatrol_core::sync::engine;
use gridpatrol_core::sync::wire::{self, CBOR};
use gridpatrol_tests::TestDevice;
use gridpatrol_tests::bench::server_proc::ServerProc;
use gridpatrol_tests::bench::stats::percentile;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_get_answers_and_memory_stays_bounded() {
    let _ = rlimit::increase_nofile_limit(8192);
    let connections: usize =
        std::env::var("GRIDPATROL_LOAD_CONNECTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let seconds: u64 = std::env::var("GRIDPATROL_LOAD_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let server = ServerProc::start().await;
    // Twenty devices with some history, then 1,000 connections re-syncing.
    let mut bodies = Vec::new();
    for i in 0..20 {
        let dev = TestDevice::login_at(&server.direct_url, &format!("worker{}", i % 13 + 1)).await;
        dev.report(&format!("负载{i}"), &[]);
        dev.sync().await;
        let body = wire::encode(&engine::prepare(&dev.store()).unwrap().request);
        bodies.push((dev.session.token.clone(), body));
    }
    let rss_before = server.rss();
    server.reset_peak();
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let url = format!("{}/v1/sync", server.direct_url);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (token, body) = bodies[c % bodies.len()].clone();
        let (ok, errors, url) = (ok.clone(), errors.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            // One client per task: one connection each, kept alive.
            let http =
                reqwest::Client::builder().pool_max_idle_per_host(1).timeout(Duration::from_secs(60)).build().unwrap();
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r =
                    http.post(&url).bearer_auth(&token).header("content-type", CBOR).body(body.clone()).send().await;
                match r {
                    Ok(resp) if resp.status().is_success() => match resp.bytes().await {
                        Ok(_) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        Err(e) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            eprintln!("{e}");
                        }
                    },
                    Ok(resp) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("HTTP {}", resp.status());
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{e}");
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let peak = server.peak_rss();
    let (ok, errors) = (ok.load(Ordering::Relaxed), errors.load(Ordering::Relaxed));
    println!(
        "load: {connections} connections for {seconds} s: {ok} syncs, {errors} errors, p50 {:.0} ms, p99 {:.0} ms, \
         server RSS {:.1} MiB before, peak {:.1} MiB",
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        rss_before as f64 / 1048576.0,
        peak as f64 / 1048576.0
    );
    assert_eq!(errors, 0);
    assert!(ok >= connections as u64, "every connection was answered at least once ({ok})");
    assert!(peak < 512 << 20, "server memory stayed bounded: {} MiB", peak >> 20);
}
