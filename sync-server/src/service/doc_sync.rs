//! The Automerge sync protocol, one message per document each way, for
//! documents whose heads are unknown or inconsistent. The message's chunks
//! are sanitized (no bundles, bounded inflation and size) before Automerge
//! sees them, and what it adds is checked like any push. The server's sync
//! state is fresh every round, so any instance can answer.

use std::sync::atomic::Ordering;

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, Change};
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::ids::is_valid_id;
use gridpatrol_core::model::untrusted::{self, Budget};
use gridpatrol_core::sync::wire::{DocSyncMessage, DocSyncRequest, DocSyncResponse, PROTOCOL_VERSION, Refusal};
use serde_bytes::ByteBuf;

use super::audit::Actor;
use super::push::{build_write, malformed};
use super::{SyncService, check_request};
use crate::auth::AuthUser;
use crate::duty::Context;
use crate::error::{ServerError, refuse};
use crate::storage::CommitOutcome;

const COMMIT_ATTEMPTS: usize = 8;

impl SyncService {
    /// Runs one round of the Automerge sync protocol for several documents.
    pub async fn doc_sync(&self, who: &AuthUser, req: DocSyncRequest) -> Result<DocSyncResponse, ServerError> {
        self.stats.doc_sync_requests.fetch_add(1, Ordering::Relaxed);
        check_request(req.version, req.docs.len(), self.limits.max_doc_sync_docs)?;
        let _turn = self.turn().await;
        let actor = Actor::from(who);
        let mut resp = DocSyncResponse { version: PROTOCOL_VERSION, ..Default::default() };
        for m in req.docs {
            match self.doc_sync_one(who, &m).await? {
                Ok(reply) => resp.docs.push(DocSyncMessage { id: m.id, kind: m.kind, message: ByteBuf::from(reply) }),
                Err(e) => {
                    let e = self.refused(&actor, &m.id, e).await;
                    resp.refused.push(Refusal { id: m.id, code: e.code.as_str().into(), message: e.message });
                }
            }
        }
        Ok(resp)
    }

    async fn doc_sync_one(
        &self,
        who: &AuthUser,
        m: &DocSyncMessage,
    ) -> Result<Result<Vec<u8>, ServerError>, ServerError> {
        if !is_valid_id(&m.id) {
            return Ok(Err(refuse(ErrorCode::InvalidId, "document ids are UUIDs")));
        }
        if m.message.len() > self.limits.max_doc_push_bytes {
            return Ok(Err(refuse(ErrorCode::TooLarge, "a sync message larger than a document may grow by at once")));
        }
        let msg = match untrusted::decode_sync_message(&m.message, &mut Budget::document()) {
            Ok(msg) => msg,
            Err(e) => return Ok(Err(malformed(e))),
        };
        for _ in 0..COMMIT_ATTEMPTS {
            let loaded = self.load(&m.id).await?;
            if let Some(meta) = self.storage.doc_metas(std::slice::from_ref(&m.id)).await?.first()
                && (!who.scope.sees(&meta.grid, &meta.departments) || meta.kind != m.kind)
            {
                return Ok(Err(refuse(ErrorCode::OutOfScope, format!("document {} is outside your area", m.id))));
            }
            let (mut doc, before, expected, stored_bytes) = match loaded {
                Some((doc, seq, bytes)) => (doc.clone(), Some(doc), Some(seq), bytes),
                None => (AutoCommit::new(), None, None, 0),
            };
            let before_heads = before.as_ref().map(|b| b.clone().get_heads()).unwrap_or_default();
            let mut state = State::new();
            if let Err(e) = untrusted::receive_sync_message(&mut doc, &mut state, msg.clone()) {
                return Ok(Err(malformed(e)));
            }
            // Changes whose dependencies are missing stay queued inside
            // Automerge and are not part of `new`; they are simply dropped.
            let new: Vec<Change> = doc.get_changes(&before_heads);
            if !new.is_empty() {
                let added: u64 = new.iter().map(|c| c.raw_bytes().len() as u64).sum();
                if stored_bytes + added > self.limits.max_doc_bytes {
                    return Ok(Err(refuse(ErrorCode::TooLarge, "the document would grow beyond its limit")));
                }
                let (_, reference) = self.reference().await?;
                let ctx = Context { who, reference: &reference, now: self.now(), limits: self.limits() };
                let write = match build_write(&ctx, m.kind, &m.id, before.as_ref(), &doc, expected, &new) {
                    Ok(w) => w,
                    Err(e) => return Ok(Err(e)),
                };
                let outcome = self.storage.commit_doc(&write).await?;
                self.count(outcome);
                if outcome == CommitOutcome::Conflict {
                    continue;
                }
            }
            let reply = doc.sync().generate_sync_message(&mut state).map(Message::encode).unwrap_or_default();
            return Ok(Ok(reply));
        }
        Err(refuse(ErrorCode::Busy, format!("document {} is being changed by many devices; retry", m.id)))
    }
}
