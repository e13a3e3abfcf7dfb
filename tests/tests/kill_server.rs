//! `kill -9` of the server process in the middle of a batch, on SQLite and
//! PostgreSQL: after a restart everything the server acknowledged is there,
//! and the device's next sync completes the rest.

use std::time::Duration;

use gridpatrol_core::store::{CaseFilter, SyncBookkeeping};
use gridpatrol_tests::TestDevice;
use gridpatrol_tests::bench::server_proc::ServerProc;

/// When to kill: `None` — 20 ms into the first request; `Some(d)` — `d`
/// after the first answer arrived (the second request is in flight).
async fn kill_mid_batch(db_url: Option<String>, after: Option<Duration>) -> usize {
    let mut server = ServerProc::start_on(db_url).await;
    let worker = TestDevice::login_at(&server.url, "worker1").await.with_attempts(1);
    let grid = worker.grid();
    let actor = worker.actor();
    {
        let mut s = worker.store();
        for i in 0..600 {
            let mut new = gridpatrol_tests::device::sample_case(&grid);
            new.title = format!("批量{i}");
            s.create_case(&actor, new).unwrap();
        }
    }
    // 600 cases go up in two requests (500 per request).
    let down0 = server.wire().1;
    let sync = {
        let store = worker.store.clone();
        let client = worker.client.clone();
        tokio::spawn(async move { client.sync(&store, Default::default(), &|_| {}).await })
    };
    match after {
        None => tokio::time::sleep(Duration::from_millis(20)).await,
        Some(d) => {
            while server.wire().1 == down0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(d).await;
        }
    }
    server.kill9();
    let _ = sync.await.unwrap(); // may or may not have finished
    let acked: Vec<(String, Vec<automerge::ChangeHash>)> = {
        let s = worker.store();
        let dirty: std::collections::HashSet<String> = s.dirty_docs().unwrap().into_iter().map(|d| d.id).collect();
        s.list_cases(&CaseFilter { limit: Some(500), ..Default::default() }, 0)
            .unwrap()
            .items
            .into_iter()
            .chain(
                s.list_cases(&CaseFilter { limit: Some(500), offset: Some(500), ..Default::default() }, 0)
                    .unwrap()
                    .items,
            )
            .filter(|c| !dirty.contains(&c.id))
            .map(|c| (c.id.clone(), s.stored_heads(&c.id).unwrap().unwrap()))
            .collect()
    };
    server.restart().await;
    // Everything acknowledged before the kill survived it.
    let storage = gridpatrol_server::storage::open(&server.db_url, None).await.unwrap();
    for (id, heads) in &acked {
        let stored = storage.load_doc(id).await.unwrap().unwrap_or_else(|| panic!("acknowledged case {id} lost"));
        let mut doc = automerge::AutoCommit::load(&stored.bytes).unwrap();
        assert!(heads.iter().all(|h| doc.get_change_by_hash(h).is_some()), "acknowledged changes of {id} lost");
    }
    // The next sync finishes the job.
    let worker = worker.with_attempts(6);
    let r = worker.try_sync().await.expect("sync after the restart");
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert!(worker.store().dirty_docs().unwrap().is_empty());
    let leader = TestDevice::login_at(&server.url, "leader1").await;
    leader.sync().await;
    assert_eq!(leader.store().list_cases(&CaseFilter::default(), 0).unwrap().total, 600);
    acked.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_killed_mid_batch_keeps_what_it_acknowledged() {
    for after in [None, Some(Duration::ZERO), Some(Duration::from_millis(40))] {
        let acked = kill_mid_batch(None, after).await;
        println!("sqlite: killed at {after:?} with {acked} of 600 cases acknowledged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_server_killed_mid_batch_keeps_what_it_acknowledged() {
    for after in [None, Some(Duration::ZERO), Some(Duration::from_millis(40))] {
        let url = gridpatrol_tests::server::fresh_pg_database().await;
        let acked = kill_mid_batch(Some(url), after).await;
        println!("postgres: killed at {after:?} with {acked} of 600 cases acknowledged");
    }
}
