//! The sync service, independent of HTTP: login, the batched exchange, the
//! Automerge sync protocol fallback and blobs. The axum layer ([`crate::http`])
//! and the deterministic simulation in the tests both drive it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use automerge::sync::{Message, State, SyncDoc};
use automerge::{AutoCommit, Change, ChangeHash};
use gridpatrol_core::ids::is_valid_id;
use gridpatrol_core::model::Reference;
use gridpatrol_core::sync::wire::{
    BlobStatus, DocAck, DocPull, DocPush, DocSyncMessage, DocSyncRequest, DocSyncResponse, LoginRequest, LoginResponse,
    PROTOCOL_VERSION, Refusal, SyncRequest, SyncResponse, from_wire,
};
use gridpatrol_core::time::now_ms;
use serde_bytes::ByteBuf;
use tokio::sync::RwLock;

use crate::auth::{AuthUser, LoginThrottle, hash_password, new_token, token_hash, verify_password};
use crate::blobs::BlobStore;
use crate::error::ApiError;
use crate::storage::{AuditEntry, CommitOutcome, Credentials, Device, DocWrite, Storage};
use crate::validate::{self, Refused};

/// Limits on what one request may ask for.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Documents per push.
    pub max_push_docs: usize,
    /// Documents per pull page.
    pub pull_page_docs: u32,
    /// Documents per Automerge-sync request.
    pub max_doc_sync_docs: usize,
    /// Wrong passwords before a user name is locked out.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_push_docs: 500,
            pull_page_docs: 500,
            max_doc_sync_docs: 200,
            login_max_failures: 5,
            login_lockout: Duration::from_secs(60),
        }
    }
}

/// Counters for tests, benchmarks and operators.
#[derive(Debug, Default)]
pub struct Stats {
    /// Documents loaded from storage (a nothing-changed sync loads none).
    pub docs_loaded: AtomicU64,
    pub sync_requests: AtomicU64,
    pub doc_sync_requests: AtomicU64,
    pub docs_committed: AtomicU64,
    pub refusals: AtomicU64,
    pub commit_conflicts: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    pub docs_loaded: u64,
    pub sync_requests: u64,
    pub doc_sync_requests: u64,
    pub docs_committed: u64,
    pub refusals: u64,
    pub commit_conflicts: u64,
}

/// The sync service.
pub struct SyncService {
    storage: Arc<dyn Storage>,
    blobs: Arc<dyn BlobStore>,
    limits: Limits,
    throttle: LoginThrottle,
    reference: RwLock<Option<(Instant, u64, Arc<Reference>)>>,
    stats: Stats,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService").field("limits", &self.limits).field("stats", &self.stats()).finish()
    }
}

/// How long the in-memory reference data is trusted before re-reading.
const REFERENCE_TTL: Duration = Duration::from_secs(2);
/// Commit attempts when another writer races on the same document.
const COMMIT_ATTEMPTS: usize = 8;

/// A push's answer and the hashes of its changes.
type PushResult = (Result<DocAck, Refusal>, HashSet<Vec<u8>>);

/// A push after preparation: answered already, or waiting to be written.
enum Prepared {
    Done(Result<DocAck, Refusal>),
    Write { write: Box<DocWrite>, doc: Box<AutoCommit>, heads: Vec<ChangeHash> },
}

/// The checks every request passes first: protocol version, document count.
fn check_request(version: u32, docs: usize, max_docs: usize) -> Result<(), ApiError> {
    if version != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(
            "unsupported_version",
            format!("protocol version {version} is not supported (this server speaks {PROTOCOL_VERSION})"),
        ));
    }
    if docs > max_docs {
        return Err(ApiError::new(413, "too_many_documents", format!("at most {max_docs} documents per request")));
    }
    Ok(())
}

fn refusal(id: &str, r: Refused) -> Refusal {
    Refusal { id: id.to_owned(), code: r.code.to_owned(), message: r.message }
}

impl SyncService {
    /// A service over `storage` and `blobs`.
    pub fn new(storage: Arc<dyn Storage>, blobs: Arc<dyn BlobStore>, limits: Limits) -> Self {
        SyncService {
            storage,
            blobs,
            throttle: LoginThrottle::new(limits.login_max_failures, limits.login_lockout),
            limits,
            reference: RwLock::new(None),
            stats: Stats::default(),
        }
    }

    /// The storage behind the service.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The current counters.
    pub fn stats(&self) -> StatsSnapshot {
        let s = &self.stats;
        StatsSnapshot {
            docs_loaded: s.docs_loaded.load(Ordering::Relaxed),
            sync_requests: s.sync_requests.load(Ordering::Relaxed),
            doc_sync_requests: s.doc_sync_requests.load(Ordering::Relaxed),
            docs_committed: s.docs_committed.load(Ordering::Relaxed),
            refusals: s.refusals.load(Ordering::Relaxed),
            commit_conflicts: s.commit_conflicts.load(Ordering::Relaxed),
        }
    }

    /// The reference data and its version (cached briefly).
    pub async fn reference(&self) -> Result<(u64, Arc<Reference>), ApiError> {
        if let Some((at, v, r)) = self.reference.read().await.as_ref()
            && at.elapsed() < REFERENCE_TTL
        {
            return Ok((*v, r.clone()));
        }
        let (v, r) =
            self.storage.reference().await?.ok_or_else(|| {
                ApiError::new(503, "not_initialised", "the server has no organisation data; run import")
            })?;
        let r = Arc::new(r);
        *self.reference.write().await = Some((Instant::now(), v, r.clone()));
        Ok((v, r))
    }

    /// Forgets the cached reference data (after an import in-process).
    pub async fn invalidate_reference(&self) {
        *self.reference.write().await = None;
    }

    /// Password login: issues a new device token.
    pub async fn login(&self, req: LoginRequest) -> Result<LoginResponse, ApiError> {
        if let Some(secs) = self.throttle.wait(&req.username) {
            return Err(ApiError::new(429, "too_many_attempts", format!("too many wrong passwords; wait {secs} s")));
        }
        let wrong = || ApiError::unauthorized("wrong_credentials", "wrong user name or password");
        let Some(cred) = self.storage.credentials(&req.username).await? else {
            // Same work as a real check, so timing does not reveal user names.
            let _ = verify_password(&req.password, &hash_password("x"));
            self.throttle.failed(&req.username);
            return Err(wrong());
        };
        if !verify_password(&req.password, &cred.password_hash) {
            self.throttle.failed(&req.username);
            return Err(wrong());
        }
        if cred.disabled {
            return Err(ApiError::forbidden("user_disabled", "this user has been disabled"));
        }
        if !is_valid_id(&req.device_id) {
            return Err(ApiError::bad_request("invalid_device_id", "device id must be a UUID"));
        }
        self.throttle.succeeded(&req.username);
        let (version, reference) = self.reference().await?;
        let user = reference
            .user(&cred.user_id)
            .cloned()
            .ok_or_else(|| ApiError::forbidden("user_disabled", "this user is not in the organisation data"))?;
        let token = new_token();
        let name: String = req.device_name.chars().take(120).collect();
        self.storage
            .add_device(&Device {
                id: req.device_id,
                user_id: user.id.clone(),
                name,
                token_hash: token_hash(&token),
                created_at: now_ms(),
                revoked: false,
                user_disabled: false,
            })
            .await?;
        Ok(LoginResponse { token, user, reference: (*reference).clone(), reference_version: version })
    }

    /// Resolves a bearer token to a user and scope.
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ApiError> {
        let device = self
            .storage
            .device_by_token(&token_hash(token))
            .await?
            .ok_or_else(|| ApiError::unauthorized("invalid_token", "unknown device token; log in again"))?;
        if device.revoked {
            return Err(ApiError::unauthorized("device_revoked", "this device has been signed out; log in again"));
        }
        if device.user_disabled {
            return Err(ApiError::forbidden("user_disabled", "this user has been disabled"));
        }
        let (_, reference) = self.reference().await?;
        let user = reference
            .user(&device.user_id)
            .cloned()
            .ok_or_else(|| ApiError::forbidden("user_disabled", "this user is not in the organisation data"))?;
        let scope = reference.org.scope_of(&user);
        Ok(AuthUser { user, device_id: device.id, scope })
    }

    /// The batched exchange: apply pushes, answer with what the device lacks.
    pub async fn sync(&self, who: &AuthUser, req: SyncRequest) -> Result<SyncResponse, ApiError> {
        self.stats.sync_requests.fetch_add(1, Ordering::Relaxed);
        check_request(req.version, req.push.len(), self.limits.max_push_docs)?;
        let mut resp = SyncResponse { version: PROTOCOL_VERSION, ..Default::default() };
        let mut pushed: HashMap<String, HashSet<Vec<u8>>> = HashMap::new();
        let mut seen_ids = HashSet::new();
        let mut pushes = Vec::with_capacity(req.push.len());
        for push in req.push {
            if seen_ids.insert(push.id.clone()) {
                pushes.push(push);
            } else {
                resp.refused.push(Refusal {
                    id: push.id,
                    code: "duplicate_document".into(),
                    message: "the same document twice in one request".into(),
                });
            }
        }
        for (result, h) in self.apply_pushes(who, pushes).await? {
            match result {
                Ok(ack) => {
                    pushed.insert(ack.id.clone(), h);
                    resp.acks.push(ack);
                }
                Err(r) => {
                    self.refused(who, &r).await?;
                    resp.refused.push(r);
                }
            }
        }
        let upto = self.storage.max_seq().await?;
        let mut cursor = req.cursor;
        if cursor > upto {
            // A cursor from the future: this server was restored from a
            // backup. The device sends everything again; nothing is lost.
            tracing::warn!(user = %who.user.username, cursor, upto, "device is ahead of the server; asking for a resync");
            resp.resync = true;
            cursor = 0;
        }
        let metas = self.storage.changed_since(cursor, upto, &who.scope, self.limits.pull_page_docs).await?;
        resp.more = resp.resync || metas.len() as u32 >= self.limits.pull_page_docs;
        resp.cursor =
            if metas.len() as u32 >= self.limits.pull_page_docs { metas.last().map_or(upto, |m| m.seq) } else { upto };
        if !metas.is_empty() {
            let ids: Vec<String> = metas.iter().map(|m| m.id.clone()).collect();
            let mut by_doc: HashMap<String, Vec<ByteBuf>> = HashMap::new();
            for (doc, hash, bytes) in self.storage.changes_since(&ids, cursor).await? {
                if pushed.get(&doc).is_some_and(|h| h.contains(&hash)) {
                    continue;
                }
                by_doc.entry(doc).or_default().push(ByteBuf::from(bytes));
            }
            for m in metas {
                if let Some(changes) = by_doc.remove(&m.id) {
                    resp.pull.push(DocPull { id: m.id, kind: m.kind, complete: m.created_seq > cursor, changes });
                }
            }
        }
        let (version, reference) = self.reference().await?;
        resp.reference_version = version;
        if req.reference_version < version {
            resp.reference = Some(Box::new((*reference).clone()));
        }
        Ok(resp)
    }

    async fn refused(&self, who: &AuthUser, r: &Refusal) -> Result<(), ApiError> {
        self.stats.refusals.fetch_add(1, Ordering::Relaxed);
        tracing::info!(user = %who.user.username, doc = %r.id, code = %r.code, "refused a write");
        self.storage
            .record_refusal(&AuditEntry {
                at: now_ms(),
                user_id: who.user.id.clone(),
                device_id: who.device_id.clone(),
                doc_id: r.id.chars().take(80).collect(),
                action: format!("refused:{}", r.code),
                detail: r.message.chars().take(500).collect(),
            })
            .await?;
        Ok(())
    }

    /// Loads the server's copy of a document.
    async fn load(&self, id: &str) -> Result<Option<(AutoCommit, u64)>, ApiError> {
        let Some(stored) = self.storage.load_doc(id).await? else { return Ok(None) };
        self.stats.docs_loaded.fetch_add(1, Ordering::Relaxed);
        let doc = gridpatrol_core::model::untrusted::load(
            &stored.bytes,
            &mut gridpatrol_core::model::untrusted::Budget::trusted(),
        )
        .map_err(|e| {
            tracing::error!(doc = id, error = %e, "stored document does not load");
            ApiError::new(500, "stored_document_corrupt", format!("document {id} cannot be loaded"))
        })?;
        Ok(Some((doc, stored.meta.seq)))
    }

    /// Parses a pushed document's changes; `Err` is a refusal.
    fn parse_push(push: &DocPush) -> Result<Vec<Change>, Refusal> {
        let refuse = |code: &str, message: String| Refusal { id: push.id.clone(), code: code.into(), message };
        if !is_valid_id(&push.id) {
            return Err(refuse("invalid_id", "document ids are UUIDs".into()));
        }
        let mut budget = gridpatrol_core::model::untrusted::Budget::document();
        push.changes
            .iter()
            .map(|b| gridpatrol_core::model::untrusted::parse_change(b, &mut budget).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| refuse("malformed_automerge", format!("a change does not parse: {e}")))
    }

    /// Applies a push to the server's current copy and checks it, without
    /// committing: what to answer, or what to write.
    async fn prepare_push(&self, who: &AuthUser, push: &DocPush, changes: &[Change]) -> Result<Prepared, ApiError> {
        let refuse = |code: &str, message: String| {
            Prepared::Done(Err(Refusal { id: push.id.clone(), code: code.into(), message }))
        };
        let heads = from_wire(&push.heads);
        let (mut doc, before, expected) = match self.load(&push.id).await? {
            Some((doc, seq)) => (doc.clone(), Some(doc), Some(seq)),
            None => (AutoCommit::new(), None, None),
        };
        let new: Vec<Change> =
            changes.iter().filter(|c| doc.get_change_by_hash(&c.hash()).is_none()).cloned().collect();
        if new.is_empty() {
            return Ok(Prepared::Done(self.ack(&push.id, &mut doc, &heads)));
        }
        if let Err(e) = gridpatrol_core::model::untrusted::apply_changes(&mut doc, new.clone()) {
            return Ok(refuse("malformed_automerge", format!("changes do not apply: {e}")));
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            return Ok(refuse("missing_deps", "the server lacks earlier changes of this document".into()));
        }
        Ok(match self.checked_write(who, push.kind, &push.id, before.as_ref(), &doc, expected, &new) {
            Ok(write) => Prepared::Write { write: Box::new(write), doc: Box::new(doc), heads },
            Err(r) => Prepared::Done(Err(r)),
        })
    }

    /// Applies pushed documents: all prepared first, then committed in one
    /// transaction; documents another writer changed meanwhile are redone
    /// one by one. Each answer comes with the hashes of the pushed changes.
    async fn apply_pushes(&self, who: &AuthUser, pushes: Vec<DocPush>) -> Result<Vec<PushResult>, ApiError> {
        let mut results: Vec<Option<Result<DocAck, Refusal>>> = vec![None; pushes.len()];
        let mut parsed: Vec<Vec<Change>> = Vec::with_capacity(pushes.len());
        let mut pending = Vec::new();
        for (i, push) in pushes.iter().enumerate() {
            let changes = match Self::parse_push(push) {
                Ok(c) => c,
                Err(r) => {
                    results[i] = Some(Err(r));
                    parsed.push(vec![]);
                    continue;
                }
            };
            match self.prepare_push(who, push, &changes).await? {
                Prepared::Done(r) => results[i] = Some(r),
                Prepared::Write { write, doc, heads } => pending.push((i, *write, *doc, heads)),
            }
            parsed.push(changes);
        }
        let writes: Vec<DocWrite> = pending.iter().map(|(_, w, _, _)| w.clone()).collect();
        let outcomes = if writes.is_empty() { vec![] } else { self.storage.commit_docs(&writes).await? };
        for ((i, _, mut doc, heads), outcome) in pending.into_iter().zip(outcomes) {
            self.count(outcome);
            results[i] = Some(match outcome {
                CommitOutcome::Committed { .. } => self.ack(&pushes[i].id, &mut doc, &heads),
                CommitOutcome::Conflict => self.apply_push_alone(who, &pushes[i], &parsed[i]).await?,
            });
        }
        Ok(results
            .into_iter()
            .zip(parsed)
            .map(|(r, changes)| {
                (r.expect("every push answered"), changes.iter().map(|c| c.hash().0.to_vec()).collect())
            })
            .collect())
    }

    /// Applies one push, retrying while other writers race on the document.
    async fn apply_push_alone(
        &self,
        who: &AuthUser,
        push: &DocPush,
        changes: &[Change],
    ) -> Result<Result<DocAck, Refusal>, ApiError> {
        for _ in 0..COMMIT_ATTEMPTS {
            match self.prepare_push(who, push, changes).await? {
                Prepared::Done(r) => return Ok(r),
                Prepared::Write { write, mut doc, heads } => {
                    let outcome = self.storage.commit_doc(&write).await?;
                    self.count(outcome);
                    if let CommitOutcome::Committed { .. } = outcome {
                        return Ok(self.ack(&push.id, &mut doc, &heads));
                    }
                }
            }
        }
        Err(ApiError::new(503, "busy", format!("document {} is being changed by many devices; retry", push.id)))
    }

    fn count(&self, outcome: CommitOutcome) {
        let counter = match outcome {
            CommitOutcome::Committed { .. } => &self.stats.docs_committed,
            CommitOutcome::Conflict => &self.stats.commit_conflicts,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Checks what `who` may write (the server's copy `before`, with `new`
    /// applied, is `after`) and builds the write; `Err` is a refusal.
    #[allow(clippy::too_many_arguments)]
    fn checked_write(
        &self,
        who: &AuthUser,
        kind: gridpatrol_core::model::DocKind,
        id: &str,
        before: Option<&AutoCommit>,
        after: &AutoCommit,
        expected_seq: Option<u64>,
        new: &[Change],
    ) -> Result<DocWrite, Refusal> {
        let accepted = validate::check(kind, id, before, after, who).map_err(|r| refusal(id, r))?;
        Ok(DocWrite {
            id: id.to_owned(),
            kind,
            grid: accepted.grid,
            departments: accepted.departments,
            status: accepted.status,
            expected_seq,
            changes: new.iter().map(|c| (c.hash().0, c.raw_bytes().to_vec())).collect(),
            blobs: accepted.blobs,
            user_id: who.user.id.clone(),
            device_id: who.device_id.clone(),
        })
    }

    /// Acknowledges the heads the device claimed, if the server holds them.
    fn ack(&self, id: &str, doc: &mut AutoCommit, heads: &[ChangeHash]) -> Result<DocAck, Refusal> {
        if heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
            Ok(DocAck { id: id.to_owned(), heads: gridpatrol_core::sync::wire::to_wire(heads) })
        } else {
            Err(Refusal {
                id: id.to_owned(),
                code: "missing_deps".into(),
                message: "the server lacks some of the device's changes; falling back to a full sync".into(),
            })
        }
    }

    /// The Automerge sync protocol, one message per document each way. The
    /// server's sync state is fresh every round, so any instance can answer.
    pub async fn doc_sync(&self, who: &AuthUser, req: DocSyncRequest) -> Result<DocSyncResponse, ApiError> {
        self.stats.doc_sync_requests.fetch_add(1, Ordering::Relaxed);
        check_request(req.version, req.docs.len(), self.limits.max_doc_sync_docs)?;
        let mut resp = DocSyncResponse { version: PROTOCOL_VERSION, ..Default::default() };
        for m in req.docs {
            match self.doc_sync_one(who, &m).await? {
                Ok(reply) => resp.docs.push(DocSyncMessage { id: m.id, kind: m.kind, message: ByteBuf::from(reply) }),
                Err(r) => {
                    self.refused(who, &r).await?;
                    resp.refused.push(r);
                }
            }
        }
        Ok(resp)
    }

    async fn doc_sync_one(&self, who: &AuthUser, m: &DocSyncMessage) -> Result<Result<Vec<u8>, Refusal>, ApiError> {
        let refuse = |code: &str, message: String| Ok(Err(Refusal { id: m.id.clone(), code: code.into(), message }));
        if !is_valid_id(&m.id) {
            return refuse("invalid_id", "document ids are UUIDs".into());
        }
        let msg = match gridpatrol_core::model::untrusted::decode_sync_message(
            &m.message,
            &mut gridpatrol_core::model::untrusted::Budget::document(),
        ) {
            Ok(msg) => msg,
            Err(e) => return refuse("malformed_automerge", format!("sync message does not parse: {e}")),
        };
        for _ in 0..COMMIT_ATTEMPTS {
            let loaded = self.load(&m.id).await?;
            if let Some(meta) = self.storage.doc_metas(std::slice::from_ref(&m.id)).await?.first()
                && (!who.scope.sees(&meta.grid, &meta.departments) || meta.kind != m.kind)
            {
                return refuse("out_of_scope", format!("document {} is outside your area", m.id));
            }
            let (mut doc, before, expected) = match loaded {
                Some((doc, seq)) => (doc.clone(), Some(doc), Some(seq)),
                None => (AutoCommit::new(), None, None),
            };
            let before_heads = match &before {
                Some(b) => b.clone().get_heads(),
                None => vec![],
            };
            let mut state = State::new();
            if let Err(e) = gridpatrol_core::model::untrusted::receive_sync_message(&mut doc, &mut state, msg.clone()) {
                return refuse("malformed_automerge", format!("sync message does not apply: {e}"));
            }
            // Changes whose dependencies are missing stay queued inside
            // Automerge and are not part of `new`; they are simply dropped.
            let new: Vec<Change> = doc.get_changes(&before_heads);
            if !new.is_empty() {
                let write = match self.checked_write(who, m.kind, &m.id, before.as_ref(), &doc, expected, &new) {
                    Ok(w) => w,
                    Err(r) => return Ok(Err(r)),
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
        Err(ApiError::new(503, "busy", format!("document {} is being changed by many devices; retry", m.id)))
    }

    /// How much of a blob has arrived.
    pub async fn blob_status(&self, _who: &AuthUser, hash: &str) -> Result<BlobStatus, ApiError> {
        Ok(self.blobs.status(hash).await?)
    }

    /// Appends a chunk of a blob upload.
    pub async fn blob_append(
        &self,
        _who: &AuthUser,
        hash: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
        chunk_sha256: Option<&str>,
    ) -> Result<BlobStatus, ApiError> {
        if let Some(expected) = chunk_sha256
            && gridpatrol_core::photo::sha256_hex(chunk) != expected.to_ascii_lowercase()
        {
            return Err(crate::blobs::BlobError::ChunkHashMismatch.into());
        }
        Ok(self.blobs.append(hash, offset, total, chunk).await?)
    }

    /// A blob's bytes, if a document in the user's scope references it.
    pub async fn blob_get(&self, who: &AuthUser, hash: &str) -> Result<Vec<u8>, ApiError> {
        if !crate::blobs::valid_hash(hash) {
            return Err(crate::blobs::BlobError::InvalidHash.into());
        }
        if !self.storage.blob_visible(hash, &who.scope).await? {
            return Err(ApiError::not_found(format!("no photo {hash} in your area")));
        }
        self.blobs
            .get(hash)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("photo {hash} has not been uploaded yet")))
    }

    /// Imports reference data; creates credentials for users who lack them.
    pub async fn import(&self, reference: &Reference, initial_password: &str) -> Result<u64, ApiError> {
        reference.validate().map_err(|e| ApiError::bad_request("invalid_reference", e))?;
        let version = self.storage.put_reference(reference).await?;
        for u in &reference.users {
            if self.storage.credentials(&u.username).await?.is_none() {
                self.storage
                    .put_credentials(&Credentials {
                        user_id: u.id.clone(),
                        username: u.username.clone(),
                        password_hash: hash_password(initial_password),
                        disabled: false,
                    })
                    .await?;
            }
        }
        self.invalidate_reference().await;
        Ok(version)
    }
}
