//! The batched exchange: apply the pushes, then answer with what the
//! device lacks since its cursor, in its scope.
//!
//! Restore safety: a cursor (and the device's newest acknowledgement) names
//! a commit *and its tag*. After a restore from a backup the server holds
//! other commits at those positions (or none yet), so the tags differ and
//! the device is told to resync — send everything again, fetch everything —
//! in whatever order devices come back.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use gridpatrol_core::sync::wire::{Cursor, DocPull, PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse};
use serde_bytes::ByteBuf;

use super::audit::Actor;
use super::push::Pushed;
use super::{SyncService, check_request};
use crate::auth::AuthUser;
use crate::error::ServerError;
use crate::storage::CommitRef;

impl SyncService {
    /// The batched exchange: apply pushes, answer with what the device lacks.
    pub async fn sync(&self, who: &AuthUser, req: SyncRequest) -> Result<SyncResponse, ServerError> {
        self.stats.sync_requests.fetch_add(1, Ordering::Relaxed);
        check_request(req.version, req.push.len(), self.limits.max_push_docs)?;
        let _turn = self.turn().await;
        let head = self.storage.head().await?;
        let resync = !self.known(req.cursor, head).await? || !self.known(req.acked, head).await?;
        if resync {
            tracing::warn!(user = %who.user.username, cursor = req.cursor.seq, head = head.seq,
                "device's history is not this server's (restored from a backup?); asking for a resync");
        }
        let mut resp = SyncResponse { version: PROTOCOL_VERSION, resync, ..Default::default() };
        let mut seen = HashSet::new();
        let mut pushes = Vec::with_capacity(req.push.len());
        let actor = Actor::from(who);
        for push in req.push {
            if seen.insert(push.id.clone()) {
                pushes.push(push);
            } else {
                let err = crate::error::refuse(
                    gridpatrol_core::codes::ErrorCode::DuplicateDocument,
                    "the same document twice in one request",
                );
                let err = self.refused(&actor, &push.id, err).await;
                resp.refused.push(Refusal { id: push.id, code: err.code.as_str().into(), message: err.message });
            }
        }
        let pushed = self.apply_pushes(who, pushes).await?;
        let own = self.settle(&actor, pushed, &mut resp).await;
        self.pull(who, if resync { Cursor::default() } else { req.cursor }, &own, &mut resp).await?;
        let (version, reference) = self.reference().await?;
        resp.reference_version = version;
        if req.reference_version < version {
            resp.reference = Some(Box::new((*reference).clone()));
        }
        resp.wanted_blobs = self.storage.wanted_blobs(&who.scope, self.limits.wanted_blobs_per_sync).await?;
        Ok(resp)
    }

    /// Whether a cursor names a commit of this server's history.
    async fn known(&self, c: Cursor, head: CommitRef) -> Result<bool, ServerError> {
        if c.seq == 0 {
            return Ok(true);
        }
        if c.seq > head.seq {
            return Ok(false);
        }
        Ok(self.storage.commit_tag(c.seq).await? == Some(c.tag))
    }

    /// Turns push results into acknowledgements and audited refusals;
    /// returns the hashes of the accepted changes by document (not sent back).
    async fn settle(
        &self,
        actor: &Actor,
        pushed: Vec<Pushed>,
        resp: &mut SyncResponse,
    ) -> HashMap<String, HashSet<Vec<u8>>> {
        let mut own = HashMap::new();
        for p in pushed {
            if let Some(c) = p.commit
                && c.seq > resp.acked.seq
            {
                resp.acked = Cursor { seq: c.seq, tag: c.tag };
            }
            match p.answer {
                Ok(ack) => {
                    own.insert(p.id, p.hashes);
                    resp.acks.push(ack);
                }
                Err(e) => {
                    let e = self.refused(actor, &p.id, e).await;
                    resp.refused.push(Refusal { id: p.id, code: e.code.as_str().into(), message: e.message });
                }
            }
        }
        own
    }

    /// Fills the answer with changes in scope after `cursor`, one page.
    async fn pull(
        &self,
        who: &AuthUser,
        cursor: Cursor,
        own: &HashMap<String, HashSet<Vec<u8>>>,
        resp: &mut SyncResponse,
    ) -> Result<(), ServerError> {
        let head = self.storage.head().await?;
        let page = self.limits.pull_page_docs;
        let metas = self.storage.changed_since(cursor.seq, head.seq, &who.scope, page).await?;
        let full = metas.len() as u32 >= page;
        resp.more = resp.resync || full;
        resp.cursor = match metas.last() {
            Some(last) if full => {
                Cursor { seq: last.seq, tag: self.storage.commit_tag(last.seq).await?.unwrap_or_default() }
            }
            _ => Cursor { seq: head.seq, tag: head.tag },
        };
        if metas.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = metas.iter().map(|m| m.id.clone()).collect();
        let mut by_doc: HashMap<String, Vec<ByteBuf>> = HashMap::new();
        for (doc, hash, bytes) in self.storage.changes_since(&ids, cursor.seq).await? {
            if own.get(&doc).is_some_and(|h| h.contains(&hash)) {
                continue;
            }
            by_doc.entry(doc).or_default().push(ByteBuf::from(bytes));
        }
        for m in metas {
            if let Some(changes) = by_doc.remove(&m.id) {
                resp.pull.push(DocPull { id: m.id, kind: m.kind, complete: m.created_seq > cursor.seq, changes });
            }
        }
        Ok(())
    }
}
