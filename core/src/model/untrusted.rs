//! Automerge on bytes from elsewhere. Fuzzing found inputs that make
//! Automerge itself panic (automerge 0.12 unwraps an actor it cannot find
//! while importing a change's ops); these wrappers turn such a panic into an
//! error. A document such a call touched is dropped by the caller.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, Change};

use super::DocumentError;

fn guarded<T>(f: impl FnOnce() -> Result<T, DocumentError>) -> Result<T, DocumentError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(DocumentError::AutomergePanicked))
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;

/// Walks the chunks in `bytes` and refuses any type but `allowed`. Fuzzing
/// found a 120-byte "bundle" chunk (type 3) that makes automerge 0.12
/// allocate gigabytes while parsing; our devices never send bundles.
fn check_chunks(bytes: &[u8], allowed: &[u8]) -> Result<(), DocumentError> {
    let bad = |why: &str| Err(DocumentError::Change(why.to_owned()));
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return bad("not an Automerge chunk");
        }
        let kind = rest[8];
        if !allowed.contains(&kind) {
            return bad(&format!("Automerge chunk type {kind} is not accepted here"));
        }
        let (mut len, mut shift, mut i) = (0u64, 0u32, 9usize);
        loop {
            let Some(&b) = rest.get(i) else { return bad("truncated chunk length") };
            if shift > 56 {
                return bad("chunk length overflows");
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = (i as u64).checked_add(len).filter(|e| *e <= rest.len() as u64);
        let Some(end) = end else { return bad("chunk longer than its input") };
        rest = &rest[end as usize..];
    }
    Ok(())
}

/// Parses one change.
pub fn parse_change(bytes: Vec<u8>) -> Result<Change, DocumentError> {
    check_chunks(&bytes, &[CHANGE, COMPRESSED_CHANGE])?;
    guarded(|| Change::from_bytes(bytes).map_err(|e| DocumentError::Change(e.to_string())))
}

/// Decodes an Automerge sync message.
pub fn decode_sync_message(bytes: &[u8]) -> Result<Message, DocumentError> {
    guarded(|| Message::decode(bytes).map_err(|e| DocumentError::Change(e.to_string())))
}

/// Loads a document from bytes.
pub fn load(bytes: &[u8]) -> Result<AutoCommit, DocumentError> {
    check_chunks(bytes, &[DOCUMENT, CHANGE, COMPRESSED_CHANGE])?;
    guarded(|| Ok(AutoCommit::load(bytes)?))
}

/// Applies changes to a document.
pub fn apply_changes(doc: &mut AutoCommit, changes: Vec<Change>) -> Result<(), DocumentError> {
    guarded(|| Ok(doc.apply_changes(changes)?))
}

/// Receives an Automerge sync message into a document.
pub fn receive_sync_message(doc: &mut AutoCommit, state: &mut State, msg: Message) -> Result<(), DocumentError> {
    guarded(|| Ok(doc.sync().receive_sync_message(state, msg)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documents_and_changes_pass_the_chunk_check() {
        let mut doc = AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "k", "v").unwrap();
        let saved = doc.save();
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        assert!(check_chunks(&saved, &[DOCUMENT]).is_ok());
        let mut both = saved.clone();
        both.extend_from_slice(&change);
        assert!(check_chunks(&both, &[DOCUMENT, CHANGE, COMPRESSED_CHANGE]).is_ok());
        assert!(parse_change(change).is_ok());
        assert!(check_chunks(&saved, &[CHANGE]).is_err());
        let mut bundle = saved.clone();
        bundle[8] = 3;
        assert!(load(&bundle).is_err());
        assert!(check_chunks(&saved[..saved.len() - 1], &[DOCUMENT]).is_err());
        assert!(
            check_chunks(b"\x85\x6f\x4a\x83\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", &[DOCUMENT]).is_err()
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(load(b"\x85o\x4a\x83garbage").is_err());
        let mut doc = AutoCommit::new();
        assert!(apply_changes(&mut doc, vec![]).is_ok());
    }
}
