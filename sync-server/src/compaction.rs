//! Background compaction: documents with many changes since their snapshot
//! get a new snapshot, so loading them stays one `load` of a short input.
//! Changes are kept (pulls are served from them); only loading gets faster.

use std::sync::Arc;
use std::time::Duration;

use crate::storage::{Storage, StorageError};

/// Compacts up to `limit` documents with at least `min_changes` changes
/// since their snapshot; returns how many were compacted.
pub async fn compact_once(storage: &dyn Storage, min_changes: u32, limit: u32) -> Result<usize, StorageError> {
    let mut done = 0;
    for id in storage.compaction_candidates(min_changes, limit).await? {
        let Some(stored) = storage.load_doc(&id).await? else { continue };
        match gridpatrol_core::model::untrusted::load(
            &stored.bytes,
            &mut gridpatrol_core::model::untrusted::Budget::trusted(),
        ) {
            Ok(mut doc) => {
                storage.put_snapshot(&id, &doc.save(), stored.meta.seq).await?;
                done += 1;
            }
            Err(e) => tracing::error!(doc = %id, error = %e, "cannot compact a document that does not load"),
        }
    }
    Ok(done)
}

/// Runs [`compact_once`] every `every` until the task is dropped.
pub async fn run(storage: Arc<dyn Storage>, every: Duration, min_changes: u32) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        match compact_once(storage.as_ref(), min_changes, 100).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(documents = n, "compacted"),
            Err(e) => tracing::warn!(error = %e, "compaction failed; will retry"),
        }
    }
}
