//! A smoke run of the benchmark scenarios with tiny sizes, so that the
//! benchmark cannot silently rot. Correctness only: no timing assertions.

use gridpatrol_tests::bench::{end_of_day, memory, peer_workload, reconnect};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benchmark_scenarios_run_and_lose_nothing() {
    let r = end_of_day::run(3, 5, 1).await;
    assert_eq!(r.lost, 0, "{r:?}");
    assert_eq!((r.docs, r.photos), (18, 15));
    assert!(r.wire_up_bytes > 0 && r.server_peak_rss > 0);

    let r = reconnect::run(60, 0).await;
    assert_eq!((r.round_trips, r.server_docs_loaded), (1, 0), "{r:?}");
    let r = reconnect::run(60, 3).await;
    assert_eq!(r.round_trips, 1, "{r:?}");

    let r = peer_workload::run(20, 3).await;
    assert_eq!(r.fetch_bad_docs, 0, "{r:?}");
    assert!(r.upload_live_ms > 0.0, "{r:?}");
    assert!(r.upload_tcp_bytes > 0 && r.fetch_tcp_bytes > 0);

    let r = memory::run(300, 3).await;
    assert!(r.rss_at_rest > 0 && r.rss_peak_storm > 0 && r.rss_after > 0, "{r:?}");
}
