//! The benchmark suite behind `scripts/bench` (binary `gridpatrol-bench`):
//! end-of-day return with many devices, reconnects, and the peer workload
//! of `../shared/peers` run side by side with automerge-repo (Node and samod
//! servers) and PouchDB in the same run. Figures, not assertions — but every
//! scenario checks that nothing was lost before it reports.

pub mod end_of_day;
pub mod memory;
pub mod peer_workload;
pub mod peers;
pub mod photos;
pub mod reconnect;
pub mod server_proc;
pub mod stats;

/// How long something took, in milliseconds.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
