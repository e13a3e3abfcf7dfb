//! Automerge documents in SQLite: a snapshot plus change chunks per
//! document. Every write appends `save_after(persisted heads)` as one chunk
//! in the same transaction as the new heads; a load is one `load` of the
//! concatenation; compaction folds the chunks into a new snapshot once they
//! outgrow it.

use automerge::{ActorId, AutoCommit, ChangeHash};
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use super::cache::DocCache;
use crate::model::DocKind;
use crate::time::Millis;

/// Chunks are folded into the snapshot once they exceed both the snapshot's
/// size and this floor.
const COMPACT_FLOOR: i64 = 16 * 1024;

/// Heads as stored: 32-byte hashes back to back.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

/// The inverse of [`encode_heads`]; malformed input gives no heads.
pub fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes.chunks_exact(32).filter_map(|c| ChangeHash::try_from(c).ok()).collect()
}

/// Loads a document, or `None` if the device does not hold it; from the
/// cache when it holds the document at the stored heads.
pub fn load(conn: &Connection, cache: &DocCache, id: &str, actor: &ActorId) -> Result<Option<AutoCommit>, StoreError> {
    let Some(heads) = conn
        .prepare_cached("SELECT heads FROM docs WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
    else {
        return Ok(None);
    };
    if let Some(doc) = cache.get(id, &heads, actor) {
        return Ok(Some(doc));
    }
    let mut doc = load_uncached(conn, id, actor)?.expect("the row was just read");
    cache.put(id, &mut doc);
    Ok(Some(doc))
}

fn load_uncached(conn: &Connection, id: &str, actor: &ActorId) -> Result<Option<AutoCommit>, StoreError> {
    let Some(stored) = stored_bytes(conn, id)? else { return Ok(None) };
    let doc = crate::model::untrusted::load(&stored.bytes, &mut crate::model::untrusted::Budget::trusted())?;
    Ok(Some(doc.with_actor(actor.clone())))
}

/// A document as stored: its snapshot followed by its chunks (loading the
/// concatenation gives the document), and its stored heads, encoded.
struct Stored {
    bytes: Vec<u8>,
    heads: Vec<u8>,
}

fn stored_bytes(conn: &Connection, id: &str) -> Result<Option<Stored>, StoreError> {
    let Some((mut bytes, heads)) = conn
        .prepare_cached("SELECT snapshot, heads FROM docs WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached("SELECT data FROM doc_chunks WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([id])?;
    while let Some(row) = rows.next()? {
        bytes.extend_from_slice(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
    }
    Ok(Some(Stored { bytes, heads }))
}

/// Raw change chunks and the heads they lead to.
pub type RawChanges = (Vec<Vec<u8>>, Vec<ChangeHash>);

/// A document's whole history as stored, split into its changes, with its
/// stored heads — without loading it — if it is stored as changes only (as
/// made or fetched, not yet compacted); `None` otherwise.
pub fn raw_changes(conn: &Connection, id: &str) -> Result<Option<RawChanges>, StoreError> {
    let Some(stored) = stored_bytes(conn, id)? else { return Ok(None) };
    Ok(crate::model::untrusted::split_changes(&stored.bytes)
        .map(|chunks| (chunks.into_iter().map(<[u8]>::to_vec).collect(), decode_heads(&stored.heads))))
}

/// The heads the device has persisted for a document.
pub fn stored_heads(conn: &Connection, id: &str) -> Result<Option<Vec<ChangeHash>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT heads FROM docs WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|b| decode_heads(&b)))
}

/// Writes a document the device did not hold before: `author` made it
/// here (it is theirs to push), or `None` when it came from the server.
pub fn insert(
    tx: &Connection,
    cache: &DocCache,
    id: &str,
    kind: DocKind,
    doc: &mut AutoCommit,
    author: Option<&str>,
    now: Millis,
) -> Result<(), StoreError> {
    commit_at(doc, now);
    cache.put(id, doc);
    // A document made in one change is stored as that change, so pushing
    // it sends the bytes as they are ([`raw_changes`]); otherwise saved
    // uncompressed (deflating each small column costs more than it saves).
    let heads = doc.get_heads();
    let snapshot = match doc.get_last_local_change() {
        Some(c) if heads == [c.hash()] && c.deps().is_empty() => c.raw_bytes().to_vec(),
        _ => doc.save_nocompress(),
    };
    tx.prepare_cached(
        "INSERT INTO docs (id, kind, snapshot, heads, dirty, dirty_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, kind.as_str(), snapshot, encode_heads(&heads), author.is_some(), author, now])?;
    Ok(())
}

/// Writes a document the device did not hold, as it came from the server:
/// `changes` (its whole history, raw) stored as they are — loading their
/// concatenation gives the document back — so nothing is re-encoded. The
/// document is clean (it is the server's) and not cached.
pub fn insert_remote(
    tx: &Connection,
    id: &str,
    kind: DocKind,
    heads: &[ChangeHash],
    changes: &[Vec<u8>],
    now: Millis,
) -> Result<(), StoreError> {
    let heads = encode_heads(heads);
    tx.prepare_cached(
        "INSERT INTO docs (id, kind, snapshot, heads, acked_heads, dirty, dirty_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, 0, NULL, ?5)",
    )?
    .execute(params![id, kind.as_str(), changes.concat(), heads, now])?;
    Ok(())
}

/// Appends the changes made since `persisted` as one chunk, records the new
/// heads and marks the document dirty as `author`'s work (unless `author`
/// is `None`: changes that came from the server). Compacts when the chunks outgrow the snapshot.
#[allow(clippy::too_many_arguments)]
pub fn append(
    tx: &Connection,
    cache: &DocCache,
    id: &str,
    doc: &mut AutoCommit,
    persisted: &[ChangeHash],
    author: Option<&str>,
    now: Millis,
) -> Result<(), StoreError> {
    commit_at(doc, now);
    let heads = doc.get_heads();
    if sorted(&heads) == sorted(persisted) {
        return Ok(());
    }
    cache.put(id, doc);
    let chunk = doc.save_after(persisted);
    let (snapshot_len, chunk_bytes): (i64, i64) = tx
        .prepare_cached("SELECT length(snapshot), chunk_bytes FROM docs WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let total = chunk_bytes + chunk.len() as i64;
    if total > snapshot_len.max(COMPACT_FLOOR) {
        tx.prepare_cached("DELETE FROM doc_chunks WHERE doc_id = ?1")?.execute([id])?;
        tx.prepare_cached("UPDATE docs SET snapshot = ?2, chunk_bytes = 0 WHERE id = ?1")?
            .execute(params![id, doc.save()])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO doc_chunks (doc_id, seq, data)
             VALUES (?1, COALESCE((SELECT MAX(seq) FROM doc_chunks WHERE doc_id = ?1), 0) + 1, ?2)",
        )?
        .execute(params![id, chunk])?;
        tx.prepare_cached("UPDATE docs SET chunk_bytes = ?2 WHERE id = ?1")?.execute(params![id, total])?;
    }
    tx.prepare_cached(
        "UPDATE docs SET heads = ?2, updated_at = ?3, dirty = MAX(dirty, ?4),
            dirty_by = CASE WHEN ?5 IS NULL THEN dirty_by ELSE ?5 END WHERE id = ?1",
    )?
    .execute(params![id, encode_heads(&heads), now, author.is_some(), author])?;
    Ok(())
}

/// Commits pending operations stamped with the store's clock (not the
/// system's), so a simulated device writes the same changes every run.
fn commit_at(doc: &mut AutoCommit, now: Millis) {
    doc.commit_with(automerge::transaction::CommitOptions::default().with_time(now / 1000));
}

fn sorted(h: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut v = h.to_vec();
    v.sort();
    v
}
