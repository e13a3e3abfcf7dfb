//! Sync bookkeeping on the device: which documents have changes the server
//! has not confirmed, which heads it has confirmed, which blobs are still
//! to upload. The sync engine reads and updates these; the UI lists them.

use automerge::ChangeHash;
use rusqlite::params;

use super::docs::{decode_heads, encode_heads};
use super::views::{UnsyncedItem, UnsyncedSummary};
use super::{DeviceStore, StoreError};
use crate::model::DocKind;

/// A document with changes the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyDoc {
    pub id: String,
    pub kind: DocKind,
    /// What the server confirmed last (`None`: never synced).
    pub acked_heads: Option<Vec<ChangeHash>>,
    pub heads: Vec<ChangeHash>,
}

/// Read and write access to the sync bookkeeping.
pub trait SyncBookkeeping {
    /// Documents with unconfirmed changes.
    fn dirty_docs(&self) -> Result<Vec<DirtyDoc>, StoreError>;
    /// Records that the server holds `heads` of `id`; the document stays
    /// dirty if it has changed since.
    fn mark_acked(&self, id: &str, heads: &[ChangeHash]) -> Result<(), StoreError>;
    /// Blobs referenced by documents and not yet confirmed.
    fn pending_blobs(&self) -> Result<Vec<String>, StoreError>;
    /// Records that the server holds a blob.
    fn mark_blob_uploaded(&self, hash: &str) -> Result<(), StoreError>;
    /// [`Self::dirty_docs`] whose unsynced changes are `user_id`'s (or nobody's).
    fn dirty_docs_of(&self, user_id: &str) -> Result<Vec<DirtyDoc>, StoreError>;
    /// [`Self::pending_blobs`] that `user_id` attached (or nobody).
    fn pending_blobs_of(&self, user_id: &str) -> Result<Vec<String>, StoreError>;
}

impl SyncBookkeeping for DeviceStore {
    fn dirty_docs(&self) -> Result<Vec<DirtyDoc>, StoreError> {
        self.dirty_where("", "")
    }

    fn dirty_docs_of(&self, user_id: &str) -> Result<Vec<DirtyDoc>, StoreError> {
        self.dirty_where("AND (dirty_by = ?1 OR dirty_by IS NULL)", user_id)
    }

    fn pending_blobs_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT b.hash FROM blobs b JOIN doc_blobs db ON db.hash = b.hash
             WHERE b.uploaded = 0 AND (b.owner = ?1 OR b.owner IS NULL) ORDER BY b.created_at, b.hash",
        )?;
        let rows = stmt.query_map([user_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_acked(&self, id: &str, heads: &[ChangeHash]) -> Result<(), StoreError> {
        let encoded = encode_heads(heads);
        self.conn
            .prepare_cached("UPDATE docs SET acked_heads = ?2, dirty = (heads != ?2) WHERE id = ?1")?
            .execute(params![id, encoded])?;
        Ok(())
    }

    fn pending_blobs(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT b.hash FROM blobs b JOIN doc_blobs db ON db.hash = b.hash
             WHERE b.uploaded = 0 ORDER BY b.created_at, b.hash",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_blob_uploaded(&self, hash: &str) -> Result<(), StoreError> {
        self.conn.prepare_cached("UPDATE blobs SET uploaded = 1 WHERE hash = ?1")?.execute([hash])?;
        Ok(())
    }
}

/// A dirty row as read: id, kind, acknowledged heads, heads.
type DirtyRow = (String, String, Option<Vec<u8>>, Vec<u8>);

impl DeviceStore {
    fn dirty_where(&self, extra: &str, user_id: &str) -> Result<Vec<DirtyDoc>, StoreError> {
        let sql = format!("SELECT id, kind, acked_heads, heads FROM docs WHERE dirty = 1 {extra} ORDER BY rowid");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let map =
            |r: &rusqlite::Row<'_>| -> rusqlite::Result<DirtyRow> { Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)) };
        let rows = if extra.is_empty() {
            stmt.query_map([], map)?.collect::<Vec<_>>()
        } else {
            stmt.query_map([user_id], map)?.collect()
        };
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, acked, heads) = row?;
            let kind = DocKind::parse(&kind).ok_or_else(|| StoreError::Invalid(format!("unknown kind {kind}")))?;
            out.push(DirtyDoc { id, kind, acked_heads: acked.map(|a| decode_heads(&a)), heads: decode_heads(&heads) });
        }
        Ok(out)
    }

    /// Forgets every acknowledgement: all documents become dirty and are
    /// sent whole on the next sync, all photos are offered again. Used when
    /// the server was restored from a backup; the server keeps what it has.
    pub fn forget_acks(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("UPDATE docs SET dirty = 1, acked_heads = NULL; UPDATE blobs SET uploaded = 0;")?;
        Ok(())
    }

    /// Offers again the photos the server asks for (it lost them, or they
    /// never arrived) that this device holds; returns how many.
    pub fn reoffer_blobs(&self, hashes: &[String]) -> Result<u32, StoreError> {
        let mut n = 0;
        let mut stmt = self.conn.prepare_cached("UPDATE blobs SET uploaded = 0 WHERE hash = ?1 AND uploaded = 1")?;
        for h in hashes {
            n += stmt.execute([h])? as u32;
        }
        Ok(n)
    }

    /// What the device holds that the server has not confirmed, for the
    /// sync screen and the today screen.
    pub fn unsynced(&self) -> Result<UnsyncedSummary, StoreError> {
        let (photos, photo_bytes): (u32, i64) = self
            .conn
            .prepare_cached(
                "SELECT COUNT(DISTINCT b.hash), COALESCE(SUM(length(b.data)), 0) FROM blobs b
             WHERE b.uploaded = 0 AND EXISTS (SELECT 1 FROM doc_blobs db WHERE db.hash = b.hash)",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, d.kind, COALESCE(c.title, p.grid, ''), d.updated_at, d.dirty,
                (SELECT COUNT(*) FROM doc_blobs db JOIN blobs b ON b.hash = db.hash
                 WHERE db.doc_id = d.id AND b.uploaded = 0), d.dirty_by, d.sync_error
             FROM docs d LEFT JOIN cases c ON c.id = d.id LEFT JOIN patrols p ON p.id = d.id
             WHERE d.dirty = 1 OR EXISTS (SELECT 1 FROM doc_blobs db JOIN blobs b ON b.hash = db.hash
                                          WHERE db.doc_id = d.id AND b.uploaded = 0)
             ORDER BY d.updated_at DESC",
        )?;
        let mut summary = UnsyncedSummary { photos, photo_bytes: photo_bytes as u64, ..Default::default() };
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        for row in rows {
            let (id, kind, title, updated_at, dirty, photos_pending, author, error) = row?;
            let error: Option<serde_json::Value> = error.and_then(|e| serde_json::from_str(&e).ok());
            let field = |k: &str| error.as_ref().and_then(|e| e[k].as_str().map(str::to_owned));
            let (error_code, error_message) = (field("code"), field("message"));
            let kind = DocKind::parse(&kind).unwrap_or(DocKind::Case);
            match kind {
                DocKind::Case => summary.cases += 1,
                DocKind::Patrol => summary.patrols += 1,
            }
            let _ = dirty;
            summary.items.push(UnsyncedItem {
                id,
                kind,
                title,
                photos_pending,
                updated_at,
                author,
                error_code,
                error_message,
            });
        }
        Ok(summary)
    }
}
