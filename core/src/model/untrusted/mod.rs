//! Automerge on bytes from elsewhere. Nothing from a device (or a server)
//! reaches Automerge without passing through here:
//!
//! - [`chunks::sanitize`] walks the chunk framing first: only the chunk
//!   kinds the caller allows, every count bounded, compressed changes and
//!   deflated document columns inflated under a byte budget, and run-length
//!   encoded columns counted (not expanded) under a row budget — so neither
//!   a deflate bomb nor "a billion operations in six bytes" gets in;
//! - sync messages are decoded, their bloom filters checked (a filter can
//!   ask automerge 0.12 for gigabytes of probes) and their chunks sanitized;
//! - the Automerge call itself runs under `catch_unwind`, because fuzzing
//!   found inputs that make automerge 0.12 panic.
//!
//! A document such a call touched is dropped by the caller.

mod chunks;
mod columns;
mod reader;

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::sync::{ChunkList, Message, State, SyncDoc};
use automerge::{AutoCommit, Change};

pub use chunks::{ChunkKind, sanitize, split_changes};

use super::DocumentError;

/// Why outside bytes were refused before Automerge saw them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UntrustedError {
    #[error("malformed Automerge data: {0}")]
    Malformed(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("{0}")]
    Refused(String),
}

impl UntrustedError {
    fn malformed(why: impl Into<String>) -> Self {
        UntrustedError::Malformed(why.into())
    }
}

/// What one input may make Automerge inflate and hold. Spent as chunks are
/// checked, so many small chunks add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bytes that deflated data may inflate to, in all.
    pub inflate_left: usize,
    /// Rows (operations plus changes) the input may hold, in all.
    pub max_rows: u64,
}

impl Budget {
    /// What one document may hold: far above a real case or a day-long
    /// patrol (a few thousand operations), far below what hurts a server.
    pub const fn document() -> Budget {
        Budget { inflate_left: 16 << 20, max_rows: 400_000 }
    }

    /// For data this program wrote itself (stored snapshots): generous.
    pub const fn trusted() -> Budget {
        Budget { inflate_left: 1 << 30, max_rows: 50_000_000 }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::document()
    }
}

fn guarded<T>(f: impl FnOnce() -> Result<T, DocumentError>) -> Result<T, DocumentError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(DocumentError::AutomergePanicked))
}

const CHANGES: &[ChunkKind] = &[ChunkKind::Change, ChunkKind::CompressedChange];
const ANY_BUT_BUNDLES: &[ChunkKind] = &[ChunkKind::Document, ChunkKind::Change, ChunkKind::CompressedChange];

/// Parses one change (plain or compressed).
pub fn parse_change(bytes: &[u8], budget: &mut Budget) -> Result<Change, DocumentError> {
    let clean = sanitize(bytes, CHANGES, budget)?.into_owned();
    guarded(|| Change::from_bytes(clean).map_err(|e| DocumentError::Change(e.to_string())))
}

/// Loads a document from a save and/or change chunks.
pub fn load(bytes: &[u8], budget: &mut Budget) -> Result<AutoCommit, DocumentError> {
    let clean = sanitize(bytes, ANY_BUT_BUNDLES, budget)?;
    guarded(|| Ok(AutoCommit::load(&clean)?))
}

/// Applies changes to a document.
pub fn apply_changes(doc: &mut AutoCommit, changes: Vec<Change>) -> Result<(), DocumentError> {
    guarded(|| Ok(doc.apply_changes(changes)?))
}

/// Bloom filter parameters beyond these are hostile (automerge uses 10
/// bits per entry and 7 probes, and allocates a vector of probes).
const MAX_BLOOM_PROBES: u64 = 32;
const MAX_BLOOM_BITS_PER_ENTRY: u64 = 64;
const MAX_HASHES: usize = 4096;

/// Decodes an Automerge sync message and sanitizes the chunks it carries.
pub fn decode_sync_message(bytes: &[u8], budget: &mut Budget) -> Result<Message, DocumentError> {
    let msg = guarded(|| Message::decode(bytes).map_err(|e| DocumentError::Change(e.to_string())))?;
    let too_many = msg.heads.len() > MAX_HASHES
        || msg.need.len() > MAX_HASHES
        || msg.have.len() > 64
        || msg.have.iter().any(|h| h.last_sync.len() > MAX_HASHES);
    if too_many {
        return Err(UntrustedError::TooLarge("a sync message lists too many hashes".into()).into());
    }
    for have in &msg.have {
        let bloom = have.bloom.to_bytes();
        let mut r = reader::Reader::new(&bloom);
        if !r.is_empty() {
            let _entries = r.uleb()?;
            let bits = r.uleb()?;
            let probes = r.uleb()?;
            if bits > MAX_BLOOM_BITS_PER_ENTRY || probes > MAX_BLOOM_PROBES {
                return Err(UntrustedError::Refused(format!("a bloom filter with {probes} probes")).into());
            }
        }
    }
    let mut chunks = Vec::with_capacity(msg.changes.len());
    for chunk in msg.changes.iter() {
        chunks.push(sanitize(chunk, ANY_BUT_BUNDLES, budget)?.into_owned());
    }
    Ok(Message { changes: ChunkList::from(chunks), ..msg })
}

/// Receives a decoded (so sanitized) sync message into a document.
pub fn receive_sync_message(doc: &mut AutoCommit, state: &mut State, msg: Message) -> Result<(), DocumentError> {
    guarded(|| Ok(doc.sync().receive_sync_message(state, msg)?))
}

#[cfg(test)]
mod tests;
