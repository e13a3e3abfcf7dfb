//! Documents and blobs that come from elsewhere (the server): applying
//! pulled changes, saving documents changed by the Automerge sync protocol,
//! and storing downloaded photos after checking their hash.

use automerge::{AutoCommit, ChangeHash};
use rusqlite::{Connection, params};

use super::cases::reindex_case;
use super::docs::{self, encode_heads};
use super::patrols::reindex_patrol;
use super::{DeviceStore, StoreError};
use crate::model::{Case, DocKind, DocumentError, Patrol, Reference, doc_kind};
use crate::photo::sha256_hex;
use crate::time::Millis;

/// What became of changes received for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteApply {
    /// Stored and indexed.
    Applied,
    /// The device already had all of them.
    Unchanged,
    /// The device lacks earlier history: fetch the whole document with the
    /// Automerge sync protocol.
    NeedsFull,
    /// The changes do not make a valid document; nothing was stored.
    Invalid(String),
}

impl DeviceStore {
    /// The raw changes of a document since `since`, and its current heads.
    pub fn changes_since(&self, id: &str, since: &[ChangeHash]) -> Result<(Vec<Vec<u8>>, Vec<ChangeHash>), StoreError> {
        // Never acknowledged: the whole history, as stored if it can be.
        if since.is_empty()
            && let Some(raw) = docs::raw_changes(&self.conn, id)?
        {
            return Ok(raw);
        }
        let mut doc = self.load_doc(id, "document")?;
        let heads = doc.get_heads();
        let known: Vec<ChangeHash> = since.iter().copied().filter(|h| doc.get_change_by_hash(h).is_some()).collect();
        let changes = doc.get_changes(&known).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
        Ok((changes, heads))
    }

    /// Applies changes pulled from the server. `complete` says they are the
    /// whole document (so a device that lacks it can create it).
    pub fn apply_remote_changes(
        &mut self,
        id: &str,
        kind: DocKind,
        changes: &[Vec<u8>],
        complete: bool,
    ) -> Result<RemoteApply, StoreError> {
        let mut parsed = Vec::with_capacity(changes.len());
        let mut budget = crate::model::untrusted::Budget::document();
        for bytes in changes {
            match crate::model::untrusted::parse_change(bytes, &mut budget) {
                Ok(c) => parsed.push(c),
                Err(e) => return Ok(RemoteApply::Invalid(format!("malformed change: {e}"))),
            }
        }
        let existing = docs::load(&self.conn, &self.cache, id, &self.actor)?;
        let (mut doc, before) = match existing {
            Some(mut d) => {
                let h = d.get_heads();
                (d, Some(h))
            }
            None if complete => (AutoCommit::new().with_actor(self.actor.clone()), None),
            None => return Ok(RemoteApply::NeedsFull),
        };
        if let Err(e) = crate::model::untrusted::apply_changes(&mut doc, parsed) {
            return Ok(RemoteApply::Invalid(e.to_string()));
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            return Ok(RemoteApply::NeedsFull);
        }
        if before.as_ref().is_some_and(|b| same(b, &doc.get_heads())) {
            return Ok(RemoteApply::Unchanged);
        }
        // A document new to the device is stored as the changes that came.
        let raw = before.is_none().then_some(changes);
        match self.save_remote(id, kind, &mut doc, before.as_deref(), raw) {
            Ok(()) => Ok(RemoteApply::Applied),
            Err(StoreError::Document(e)) => Ok(RemoteApply::Invalid(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// The document to run the Automerge sync protocol on: the stored one,
    /// or an empty one when the device does not hold it yet.
    pub fn doc_for_sync(&self, id: &str) -> Result<(AutoCommit, Option<Vec<ChangeHash>>), StoreError> {
        Ok(match docs::load(&self.conn, &self.cache, id, &self.actor)? {
            Some(mut d) => {
                let heads = d.get_heads();
                (d, Some(heads))
            }
            None => (AutoCommit::new().with_actor(self.actor.clone()), None),
        })
    }

    /// Saves a document changed by changes from elsewhere (`before`: the
    /// heads the device had stored, `None` if it did not hold it). Checks
    /// its type, indexes it; a document new to the device is clean.
    pub fn save_remote_doc(
        &mut self,
        id: &str,
        kind: DocKind,
        doc: &mut AutoCommit,
        before: Option<&[ChangeHash]>,
    ) -> Result<(), StoreError> {
        self.save_remote(id, kind, doc, before, None)
    }

    /// [`Self::save_remote_doc`]; `raw`, for a document new to the device:
    /// the changes it was built from, stored as they are.
    fn save_remote(
        &mut self,
        id: &str,
        kind: DocKind,
        doc: &mut AutoCommit,
        before: Option<&[ChangeHash]>,
        raw: Option<&[Vec<u8>]>,
    ) -> Result<(), StoreError> {
        let found = doc_kind(doc)?;
        if found != kind {
            return Err(DocumentError::WrongType { expected: kind.as_str(), found: found.as_str() }.into());
        }
        let reference = self.reference()?.clone();
        let now = self.now();
        let tx = self.conn.savepoint()?;
        reindex(&tx, &reference, id, kind, doc, now)?;
        match (before, raw) {
            (Some(b), _) => docs::append(&tx, &self.cache, id, doc, b, None, now)?,
            (None, Some(changes)) => docs::insert_remote(&tx, id, kind, &doc.get_heads(), changes, now)?,
            (None, None) => {
                docs::insert(&tx, &self.cache, id, kind, doc, None, now)?;
                tx.prepare_cached("UPDATE docs SET dirty = 0, acked_heads = heads WHERE id = ?1")?.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Blobs that documents reference but the device does not hold.
    pub fn missing_blobs(&self, thumbs_only: bool) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT db.hash FROM doc_blobs db
             WHERE (?1 = 0 OR db.is_thumb = 1) AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = db.hash)
             ORDER BY db.is_thumb DESC, db.hash",
        )?;
        let rows = stmt.query_map([thumbs_only], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a blob downloaded from the server after checking its hash.
    pub fn put_remote_blob(&self, hash: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let actual = sha256_hex(bytes);
        if actual != hash {
            return Err(StoreError::Invalid(format!("blob {hash} arrived with hash {actual}")));
        }
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO blobs (hash, data, uploaded, created_at) VALUES (?1, ?2, 1, ?3)")?
            .execute(params![hash, bytes, self.now()])?;
        Ok(())
    }

    /// Heads of a stored document, encoded for comparison in tests.
    pub fn stored_heads(&self, id: &str) -> Result<Option<Vec<ChangeHash>>, StoreError> {
        docs::stored_heads(&self.conn, id)
    }
}

fn same(a: &[ChangeHash], b: &[ChangeHash]) -> bool {
    encode_heads(a) == encode_heads(b)
}

fn reindex(
    tx: &Connection,
    r: &Reference,
    id: &str,
    kind: DocKind,
    doc: &AutoCommit,
    now: Millis,
) -> Result<(), StoreError> {
    match kind {
        DocKind::Case => {
            let case = Case::from_doc(doc)?;
            check_id(id, &case.id)?;
            reindex_case(tx, r, &case)?;
        }
        DocKind::Patrol => {
            let patrol = Patrol::from_doc(doc)?;
            check_id(id, &patrol.id)?;
            reindex_patrol(tx, r, &patrol, now)?;
        }
    }
    Ok(())
}

fn check_id(expected: &str, claimed: &str) -> Result<(), StoreError> {
    if expected != claimed {
        return Err(DocumentError::WrongId { expected: expected.into(), claimed: claimed.into() }.into());
    }
    Ok(())
}
