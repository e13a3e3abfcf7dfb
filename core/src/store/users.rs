//! Several people on one device (phones are shared between shifts):
//!
//! - what a person sees is limited to their scope ([`DeviceStore::set_viewer`]);
//! - unsynced work belongs to whoever made it, is pushed only under their
//!   token, and nobody else changes a record while it waits
//!   ([`DeviceStore::check_not_pending_for_other`]);
//! - the login screen says whose work is waiting ([`DeviceStore::waiting_work`]);
//! - a device an administrator revoked keeps only what the server has not
//!   confirmed ([`DeviceStore::wipe_confirmed`]).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DeviceStore, StoreError};
use crate::model::Scope;

/// Who is looking: what the lists and counts show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: String,
    pub scope: Scope,
}

/// Unsynced work a person left on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WaitingWork {
    pub user_id: String,
    pub name: String,
    pub cases: u32,
    pub patrols: u32,
    pub photos: u32,
}

/// What a wipe after revocation removed and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct WipeReport {
    pub removed_docs: u32,
    pub removed_photos: u32,
    /// Records the server never confirmed: kept, encrypted, for their authors.
    pub kept_docs: u32,
}

impl DeviceStore {
    /// Limits lists, counts and reads to what `viewer` may see (`None`:
    /// nobody is logged in, so nothing is shown).
    pub fn set_viewer(&mut self, viewer: Option<Viewer>) {
        self.viewer = viewer;
    }

    /// The person the store shows things to.
    pub fn viewer(&self) -> Option<&Viewer> {
        self.viewer.as_ref()
    }

    /// Refuses a change to a record whose unsynced changes are someone
    /// else's (their push would carry this change in their name).
    pub fn check_not_pending_for_other(&self, id: &str, user_id: &str) -> Result<(), StoreError> {
        let by: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT dirty_by FROM docs WHERE id = ?1 AND dirty = 1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match by.flatten() {
            Some(other) if other != user_id => {
                let name =
                    self.reference().ok().and_then(|r| r.user(&other).map(|u| u.name.clone())).unwrap_or(other.clone());
                Err(StoreError::PendingForOther { user_id: other, name })
            }
            _ => Ok(()),
        }
    }

    /// Everyone with work the server has not confirmed, for the login screen.
    pub fn waiting_work(&self) -> Result<Vec<WaitingWork>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT u, SUM(kind = 'case'), SUM(kind = 'patrol'),
                (SELECT COUNT(*) FROM blobs b WHERE b.owner = u AND b.uploaded = 0)
             FROM (SELECT dirty_by AS u, kind FROM docs WHERE dirty = 1 AND dirty_by IS NOT NULL)
             GROUP BY u ORDER BY u",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let reference = self.reference().ok();
        let mut out = Vec::new();
        for row in rows {
            let (user_id, cases, patrols, photos) = row?;
            let name =
                reference.and_then(|r| r.user(&user_id)).map(|u| u.name.clone()).unwrap_or_else(|| user_id.clone());
            out.push(WaitingWork { user_id, name, cases, patrols, photos });
        }
        Ok(out)
    }

    /// Records why the server refused a document (shown in the unsynced list).
    pub fn set_sync_error(&self, id: &str, code: &str, message: &str) -> Result<(), StoreError> {
        let json = serde_json::json!({ "code": code, "message": message }).to_string();
        self.conn.prepare_cached("UPDATE docs SET sync_error = ?2 WHERE id = ?1")?.execute(params![id, json])?;
        Ok(())
    }

    /// Forgets a refusal once the document went through.
    pub fn clear_sync_error(&self, id: &str) -> Result<(), StoreError> {
        self.conn.prepare_cached("UPDATE docs SET sync_error = NULL WHERE id = ?1")?.execute([id])?;
        Ok(())
    }

    /// After an administrator revoked this device: removes every record
    /// and photo the server has confirmed, keeps what it has not (for its
    /// authors to sync from another device after support restores it).
    pub fn wipe_confirmed(&mut self) -> Result<WipeReport, StoreError> {
        self.in_transaction(|s| {
            let c = &s.conn;
            let kept: u32 = c.query_row("SELECT COUNT(*) FROM docs WHERE dirty = 1", [], |r| r.get(0))?;
            let removed: u32 = c.query_row("SELECT COUNT(*) FROM docs WHERE dirty = 0", [], |r| r.get(0))?;
            c.execute_batch(
                "DELETE FROM doc_chunks WHERE doc_id IN (SELECT id FROM docs WHERE dirty = 0);
                 DELETE FROM cases WHERE id IN (SELECT id FROM docs WHERE dirty = 0);
                 DELETE FROM patrols WHERE id IN (SELECT id FROM docs WHERE dirty = 0);
                 DELETE FROM doc_blobs WHERE doc_id IN (SELECT id FROM docs WHERE dirty = 0);
                 DELETE FROM docs WHERE dirty = 0;",
            )?;
            c.execute("DELETE FROM blobs WHERE uploaded = 1 OR hash NOT IN (SELECT hash FROM doc_blobs)", [])?;
            let photos = c.execute("DELETE FROM photos WHERE hash NOT IN (SELECT hash FROM blobs)", [])? as u32;
            c.execute("DELETE FROM meta WHERE key LIKE 'session%' OR key LIKE 'sync_%'", [])?;
            Ok(WipeReport { removed_docs: removed, removed_photos: photos, kept_docs: kept })
        })
    }
}
