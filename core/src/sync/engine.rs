//! The device side of sync, sans-IO: builds requests from the store and
//! applies responses to it. The HTTP client (and the deterministic
//! simulation in the tests) only move the bytes.

use std::collections::HashMap;

use automerge::sync::{Message, State, SyncDoc};
use serde_bytes::ByteBuf;

use super::progress::SyncFailure;
use super::wire::{
    Cursor, DocPush, DocSyncMessage, DocSyncRequest, DocSyncResponse, PROTOCOL_VERSION, SyncRequest, SyncResponse,
    from_wire, to_wire,
};
use crate::model::DocKind;
use crate::store::{DeviceStore, RemoteApply, StoreError, SyncBookkeeping};

const CURSOR_KEY: &str = "sync_cursor_v2";
const NEEDS_FULL_KEY: &str = "sync_needs_full";
const ACKED_KEY: &str = "sync_acked";
const REFERENCE_VERSION_KEY: &str = "reference_version";

/// Upper bound of the changes pushed in one request; the rest go next round.
pub const MAX_PUSH_BYTES: usize = 8 << 20;
/// Upper bound of documents pushed in one request.
pub const MAX_PUSH_DOCS: usize = 500;

/// One prepared round of the batched exchange.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub request: SyncRequest,
    /// Dirty documents left for the next round.
    pub more_to_push: bool,
}

/// What applying a response did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub acked: u32,
    pub pulled: u32,
    /// The server has more for us: go again.
    pub more: bool,
    /// Documents to repair with the Automerge sync protocol.
    pub needs_full: Vec<(String, DocKind)>,
    pub failures: Vec<SyncFailure>,
    /// Photos the server asked for again that this device holds.
    pub reoffered: u32,
}

/// The logged-in user: cursors, repairs and pushes are theirs.
pub fn current_user(store: &DeviceStore) -> Result<String, StoreError> {
    Ok(super::session::load(store)?.ok_or(StoreError::NotLoggedIn)?.user.id)
}

/// A sync bookkeeping key of the current user (each user on a shared
/// device has their own cursor: their scope's history, not the last user's).
fn user_key(store: &DeviceStore, key: &str) -> Result<String, StoreError> {
    Ok(format!("{key}:{}", current_user(store)?))
}

/// Documents waiting for the Automerge sync protocol. Kept in the store, in
/// the same transaction that moves the cursor past them, so a run cut while
/// repairing them repairs them next time instead of forgetting them.
pub fn needs_full(store: &DeviceStore) -> Result<Vec<(String, DocKind)>, StoreError> {
    match store.meta(&user_key(store, NEEDS_FULL_KEY)?)? {
        Some(b) => serde_json::from_slice(&b).map_err(|e| StoreError::Invalid(format!("stored repairs: {e}"))),
        None => Ok(vec![]),
    }
}

fn set_needs_full(store: &DeviceStore, docs: &[(String, DocKind)]) -> Result<(), StoreError> {
    let key = user_key(store, NEEDS_FULL_KEY)?;
    if docs.is_empty() {
        return store.delete_meta(&key);
    }
    store.set_meta(&key, &serde_json::to_vec(docs).map_err(|e| StoreError::Invalid(e.to_string()))?)
}

fn remember_full(store: &DeviceStore, more: &[(String, DocKind)]) -> Result<(), StoreError> {
    let mut all = needs_full(store)?;
    for d in more {
        if !all.iter().any(|(id, _)| *id == d.0) {
            all.push(d.clone());
        }
    }
    set_needs_full(store, &all)
}

fn forget_full(store: &DeviceStore, id: &str) -> Result<(), StoreError> {
    let mut all = needs_full(store)?;
    all.retain(|(d, _)| d != id);
    set_needs_full(store, &all)
}

/// The cursor the device sends.
pub fn cursor(store: &DeviceStore) -> Result<Cursor, StoreError> {
    read_cursor(store, &user_key(store, CURSOR_KEY)?)
}

fn read_cursor(store: &DeviceStore, key: &str) -> Result<Cursor, StoreError> {
    let v = store.meta(key)?.unwrap_or_default();
    Ok(match <[u8; 16]>::try_from(v.as_slice()) {
        Ok(b) => Cursor {
            seq: u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
            tag: u64::from_be_bytes(b[8..].try_into().expect("8 bytes")),
        },
        Err(_) => Cursor::default(),
    })
}

fn write_cursor(store: &DeviceStore, key: &str, c: Cursor) -> Result<(), StoreError> {
    let mut b = c.seq.to_be_bytes().to_vec();
    b.extend_from_slice(&c.tag.to_be_bytes());
    store.set_meta(key, &b)
}

fn read_u64(store: &DeviceStore, key: &str) -> Result<u64, StoreError> {
    Ok(store.meta(key)?.and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok()).map(u64::from_be_bytes).unwrap_or(0))
}

/// Builds the next request: the cursor and the changes of dirty documents
/// since the heads the server acknowledged.
pub fn prepare(store: &DeviceStore) -> Result<Outgoing, StoreError> {
    let mut push = Vec::new();
    let mut bytes = 0usize;
    let dirty = store.dirty_docs_of(&current_user(store)?)?;
    let mut more_to_push = false;
    for d in dirty {
        if push.len() >= MAX_PUSH_DOCS || bytes >= MAX_PUSH_BYTES {
            more_to_push = true;
            break;
        }
        let (changes, heads) = store.changes_since(&d.id, d.acked_heads.as_deref().unwrap_or(&[]))?;
        bytes += changes.iter().map(Vec::len).sum::<usize>();
        push.push(DocPush {
            id: d.id,
            kind: d.kind,
            heads: to_wire(&heads),
            changes: changes.into_iter().map(ByteBuf::from).collect(),
        });
    }
    Ok(Outgoing {
        request: SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: cursor(store)?,
            acked: read_cursor(store, &user_key(store, ACKED_KEY)?)?,
            reference_version: read_u64(store, REFERENCE_VERSION_KEY)?,
            push,
        },
        more_to_push,
    })
}

/// Applies the server's answer: acknowledgements, refusals, pulled changes,
/// new reference data and the new cursor — all in one transaction.
pub fn apply(store: &mut DeviceStore, out: &Outgoing, resp: SyncResponse) -> Result<Applied, StoreError> {
    store.in_transaction(|store| apply_in(store, out, resp))
}

fn apply_in(store: &mut DeviceStore, out: &Outgoing, resp: SyncResponse) -> Result<Applied, StoreError> {
    let mut applied = Applied { more: resp.more || out.more_to_push, ..Default::default() };
    let acked_key = user_key(store, ACKED_KEY)?;
    if resp.resync {
        // The server lost what it had acknowledged: offer everything again.
        store.forget_acks()?;
        write_cursor(store, &acked_key, resp.acked)?;
    } else if resp.acked.seq > read_cursor(store, &acked_key)?.seq {
        write_cursor(store, &acked_key, resp.acked)?;
    }
    applied.reoffered = store.reoffer_blobs(&resp.wanted_blobs)?;
    if let Some(reference) = resp.reference {
        store.set_reference(*reference)?;
        store.set_meta(REFERENCE_VERSION_KEY, &resp.reference_version.to_be_bytes())?;
        // The user's scope may have changed with it.
        let viewer = super::session::viewer(store)?;
        store.set_viewer(viewer);
    }
    for ack in resp.acks.iter().filter(|_| !resp.resync) {
        store.mark_acked(&ack.id, &from_wire(&ack.heads))?;
        store.clear_sync_error(&ack.id)?;
        applied.acked += 1;
    }
    for r in resp.refused {
        if r.code == crate::codes::ErrorCode::MissingDeps.as_str() {
            if let Some(p) = out.request.push.iter().find(|p| p.id == r.id) {
                applied.needs_full.push((r.id.clone(), p.kind));
                continue;
            }
        }
        store.set_sync_error(&r.id, &r.code, &r.message)?;
        applied.failures.push(SyncFailure { item: r.id, code: r.code, message: r.message });
    }
    for pull in resp.pull {
        let changes: Vec<Vec<u8>> = pull.changes.into_iter().map(ByteBuf::into_vec).collect();
        match store.apply_remote_changes(&pull.id, pull.kind, &changes, pull.complete)? {
            RemoteApply::Applied => applied.pulled += 1,
            RemoteApply::Unchanged => {}
            RemoteApply::NeedsFull => applied.needs_full.push((pull.id, pull.kind)),
            RemoteApply::Invalid(message) => {
                applied.failures.push(SyncFailure { item: pull.id, code: "invalid_from_server".into(), message })
            }
        }
    }
    remember_full(store, &applied.needs_full)?;
    write_cursor(store, &user_key(store, CURSOR_KEY)?, resp.cursor)?;
    Ok(applied)
}

/// A run of the Automerge sync protocol over several documents, for those
/// whose heads are unknown or inconsistent. Keeps the device's sync state
/// per document across rounds; the server's is fresh every round.
#[derive(Debug, Default)]
pub struct DocSyncSession {
    pending: HashMap<String, (DocKind, State)>,
    /// Rounds run so far (a guard against a server that never converges).
    pub rounds: u32,
}

/// Rounds after which a document sync gives up (it is retried next sync).
pub const MAX_DOC_SYNC_ROUNDS: u32 = 8;

impl DocSyncSession {
    /// A session for these documents.
    pub fn new(docs: impl IntoIterator<Item = (String, DocKind)>) -> Self {
        DocSyncSession { pending: docs.into_iter().map(|(id, k)| (id, (k, State::new()))).collect(), rounds: 0 }
    }

    /// Whether any document is still being synced.
    pub fn is_done(&self) -> bool {
        self.pending.is_empty()
    }

    /// The next request, or `None` when every document is in sync.
    pub fn next_request(&mut self, store: &DeviceStore) -> Result<Option<DocSyncRequest>, StoreError> {
        if self.pending.is_empty() || self.rounds >= MAX_DOC_SYNC_ROUNDS {
            return Ok(None);
        }
        self.rounds += 1;
        let mut docs = Vec::new();
        let mut ids: Vec<&String> = self.pending.keys().collect();
        ids.sort();
        let ids: Vec<String> = ids.into_iter().cloned().collect();
        for id in ids {
            let (kind, state) = self.pending.get_mut(&id).expect("pending");
            let (mut doc, _) = store.doc_for_sync(&id)?;
            let message = doc.sync().generate_sync_message(state).map(Message::encode).unwrap_or_default();
            docs.push(DocSyncMessage { id, kind: *kind, message: ByteBuf::from(message) });
        }
        Ok(Some(DocSyncRequest { version: PROTOCOL_VERSION, docs }))
    }

    /// Applies the server's messages; documents whose heads now match the
    /// server's are done and acknowledged.
    pub fn apply(&mut self, store: &mut DeviceStore, resp: DocSyncResponse) -> Result<Vec<SyncFailure>, StoreError> {
        let mut failures = Vec::new();
        for r in resp.refused {
            self.pending.remove(&r.id);
            forget_full(store, &r.id)?;
            failures.push(SyncFailure { item: r.id, code: r.code, message: r.message });
        }
        for m in resp.docs {
            let Some((kind, state)) = self.pending.get_mut(&m.id) else { continue };
            let kind = *kind;
            let msg = match crate::model::untrusted::decode_sync_message(
                &m.message,
                &mut crate::model::untrusted::Budget::document(),
            ) {
                Ok(msg) => msg,
                Err(e) => {
                    self.pending.remove(&m.id);
                    failures.push(SyncFailure {
                        item: m.id,
                        code: "invalid_from_server".into(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let server_heads = msg.heads.clone();
            let (mut doc, before) = store.doc_for_sync(&m.id)?;
            if let Err(e) = crate::model::untrusted::receive_sync_message(&mut doc, state, msg) {
                self.pending.remove(&m.id);
                failures.push(SyncFailure { item: m.id, code: "invalid_from_server".into(), message: e.to_string() });
                continue;
            }
            let heads = doc.get_heads();
            let changed = before
                .as_ref()
                .is_none_or(|b| crate::store::docs::encode_heads(b) != crate::store::docs::encode_heads(&heads));
            if changed && !heads.is_empty() && doc.get_missing_deps(&[]).is_empty() {
                if let Err(e) = store.save_remote_doc(&m.id, kind, &mut doc, before.as_deref()) {
                    self.pending.remove(&m.id);
                    failures.push(SyncFailure {
                        item: m.id,
                        code: "invalid_from_server".into(),
                        message: e.to_string(),
                    });
                    continue;
                }
            }
            let mut ours = heads.clone();
            let mut theirs = server_heads;
            ours.sort();
            theirs.sort();
            if ours == theirs && !ours.is_empty() {
                store.mark_acked(&m.id, &heads)?;
                forget_full(store, &m.id)?;
                self.pending.remove(&m.id);
            }
        }
        Ok(failures)
    }
}
