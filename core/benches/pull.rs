//! What a pull costs the device (criterion): applying a case it did not
//! hold, as the server sends it, a hundred per transaction as a pull
//! response is applied. No target of its own: it is most of the fetch of
//! the peer workload and of the end-of-day return (every device pulls its
//! grid's cases).
//!
//! Run: `cargo bench -p gridpatrol-core --bench pull`.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use gridpatrol_core::model::{DocKind, EventKind, PhotoRef};
use gridpatrol_core::store::{Actor, NewCase, NewEvent, RemoteApply};
use support::{new_case, store};

/// A case as another device made it, shaped like the peer workload's
/// record: five steps of history and three photo references, all in its
/// one creating write.
fn full_case(grid: &str, i: usize, actor: &Actor) -> NewCase {
    let kinds = [EventKind::Escalated, EventKind::Accepted, EventKind::Dispatched, EventKind::Handled];
    let photo = |p: usize| {
        let hash = gridpatrol_core::photo::sha256_hex(format!("photo-{i}-{p}").as_bytes());
        PhotoRef {
            hash: hash.clone(),
            original_sha256: hash.clone(),
            thumb: hash,
            role: Default::default(),
            width: 2048,
            height: 1536,
            bytes: 400_000,
            captured_at: None,
            gps_lat: None,
            gps_lon: None,
            added_by: actor.user_id.clone(),
            added_at: 1_700_000_000_000,
        }
    };
    NewCase {
        history: kinds
            .iter()
            .map(|&kind| NewEvent {
                kind,
                note: format!("第 {i} 号问题的处理"),
                photos: vec![],
                department: (kind == EventKind::Dispatched).then(|| "D-CG".into()),
                at: None,
            })
            .collect(),
        linked_photos: (0..3).map(photo).collect(),
        ..new_case(grid, i)
    }
}

fn pull_apply(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut maker, actor, grid) = store(&dir);
    let pulled: Vec<(String, Vec<Vec<u8>>)> = (0..2000)
        .map(|i| {
            let id = maker.create_case(&actor, full_case(&grid, i, &actor)).unwrap().case.id;
            let (changes, _) = maker.changes_since(&id, &[]).unwrap();
            (id, changes)
        })
        .collect();
    // Every case is new to the device: a fresh one after each 2,000.
    c.bench_function("apply a pulled case new to the device (per case, 100 per pull)", |b| {
        b.iter_custom(|iters| {
            let mut spent = std::time::Duration::ZERO;
            let mut device = None;
            let mut n = 0usize;
            while (n as u64) < iters {
                if n % pulled.len() == 0 {
                    let d = tempfile::tempdir().unwrap();
                    let (s, _, _) = store(&d);
                    device = Some((d, s));
                }
                let (_, s) = device.as_mut().unwrap();
                let start = n % pulled.len();
                let len = (iters as usize - n).min(100).min(pulled.len() - start);
                let batch = &pulled[start..start + len];
                let t = std::time::Instant::now();
                s.in_transaction(|s| {
                    for (id, changes) in batch {
                        assert_eq!(s.apply_remote_changes(id, DocKind::Case, changes, true)?, RemoteApply::Applied);
                    }
                    Ok(())
                })
                .unwrap();
                spent += t.elapsed();
                n += batch.len();
            }
            spent
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = pull_apply
}
criterion_main!(benches);
