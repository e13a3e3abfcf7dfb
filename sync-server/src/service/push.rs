//! Documents in: each pushed document's changes are parsed under a budget,
//! applied to the server's copy, bounded in size, checked against the
//! pusher's duty and then committed — all of a request's documents in one
//! transaction; documents another writer changed meanwhile are redone one
//! by one.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use automerge::{AutoCommit, Change, ChangeHash};
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::ids::is_valid_id;
use gridpatrol_core::model::DocKind;
use gridpatrol_core::model::untrusted::{self, Budget};
use gridpatrol_core::sync::wire::{DocAck, DocPush, from_wire, to_wire};

use super::SyncService;
use super::audit::Actor;
use crate::auth::AuthUser;
use crate::duty::{self, Context};
use crate::error::{ServerError, refuse};
use crate::storage::{CommitOutcome, CommitRef, DocMeta, DocWrite};

/// Commit attempts when other writers race on the same document.
const COMMIT_ATTEMPTS: usize = 8;

/// A push's answer, the hashes of its changes, and the commit it made.
pub(crate) struct Pushed {
    pub id: String,
    pub answer: Result<DocAck, ServerError>,
    pub hashes: HashSet<Vec<u8>>,
    pub commit: Option<CommitRef>,
}

/// A push's answer and, if it was written, the commit.
type Answer = (Result<DocAck, ServerError>, Option<CommitRef>);

/// A push after preparation: answered already, or waiting to be written
/// (with its answer once written, and the document to keep in the cache).
enum Prepared {
    Done(Result<DocAck, ServerError>),
    Write { write: Box<DocWrite>, ack: Result<DocAck, ServerError>, hot: Option<Box<AutoCommit>>, size: u64 },
}

impl SyncService {
    /// Loads the server's copy of a document.
    pub(crate) async fn load(&self, id: &str) -> Result<Option<Loaded>, ServerError> {
        match self.storage.doc_metas(std::slice::from_ref(&id.to_owned())).await?.pop() {
            Some(meta) => self.load_at(&meta).await,
            None => Ok(None),
        }
    }

    /// Loads a document whose metadata was just read: from the cache if it
    /// holds it at that `seq`, else from storage (and caches it).
    async fn load_at(&self, meta: &DocMeta) -> Result<Option<Loaded>, ServerError> {
        if let Some(doc) = self.docs.get(&meta.id, meta.seq) {
            return Ok(Some((doc, meta.seq, meta.bytes)));
        }
        let id = meta.id.as_str();
        let Some(stored) = self.storage.load_doc(id).await? else { return Ok(None) };
        self.stats.docs_loaded.fetch_add(1, Ordering::Relaxed);
        let doc = untrusted::load(&stored.bytes, &mut Budget::trusted()).map_err(|e| {
            tracing::error!(doc = id, error = %e, "stored document does not load");
            refuse(ErrorCode::StorageUnavailable, format!("document {id} cannot be loaded"))
        })?;
        self.docs.put(id, stored.meta.seq, stored.bytes.len(), &doc);
        Ok(Some((doc, stored.meta.seq, stored.meta.bytes)))
    }

    /// Loads the server's copies of several documents: their metadata in
    /// one query, each body from the cache or storage.
    async fn load_many(&self, ids: &[String]) -> Result<HashMap<String, Loaded>, ServerError> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for meta in self.storage.doc_metas(ids).await? {
            if let Some(loaded) = self.load_at(&meta).await? {
                out.insert(meta.id, loaded);
            }
        }
        Ok(out)
    }

    /// Parses a pushed document's changes under one budget.
    fn parse_push(&self, push: &DocPush) -> Result<Vec<Change>, ServerError> {
        if !is_valid_id(&push.id) {
            return Err(refuse(ErrorCode::InvalidId, "document ids are UUIDs"));
        }
        let bytes: usize = push.changes.iter().map(|c| c.len()).sum();
        if bytes > self.limits.max_doc_push_bytes {
            return Err(refuse(
                ErrorCode::TooLarge,
                format!("{bytes} bytes of changes for one document (at most {})", self.limits.max_doc_push_bytes),
            ));
        }
        let mut budget = Budget::document();
        push.changes.iter().map(|b| untrusted::parse_change(b, &mut budget).map_err(malformed)).collect()
    }

    /// Applies a push to the server's current copy and checks it, without
    /// committing: what to answer, or what to write.
    async fn prepare_push(&self, who: &AuthUser, push: &DocPush, changes: &[Change]) -> Result<Prepared, ServerError> {
        let current = self.load(&push.id).await?;
        let (_, reference) = self.reference().await?;
        let ctx = Context { who, reference: &reference, now: self.now(), limits: &self.limits };
        Ok(prepare(&ctx, push, changes, current))
    }

    /// Applies pushed documents: all prepared first (the server's copies
    /// read with one query, the checks run on every core), then committed
    /// in one transaction; documents another writer changed meanwhile are
    /// redone one by one. Refusals are not yet audited: [`Self::settle`]
    /// does it.
    pub(crate) async fn apply_pushes(&self, who: &AuthUser, pushes: Vec<DocPush>) -> Result<Vec<Pushed>, ServerError> {
        let parsed: Vec<Result<Vec<Change>, ServerError>> = pushes.iter().map(|p| self.parse_push(p)).collect();
        let ids: Vec<String> =
            pushes.iter().zip(&parsed).filter(|(_, c)| c.is_ok()).map(|(p, _)| p.id.clone()).collect();
        let mut current = self.load_many(&ids).await?;
        let (_, reference) = self.reference().await?;
        let work: Vec<(usize, &[Change], Option<Loaded>)> = parsed
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().ok().map(|c| (i, c.as_slice(), current.remove(&pushes[i].id))))
            .collect();
        let (now, limits) = (self.now(), self.limits);
        let prepared = on_every_core(work, |(i, changes, loaded)| {
            let ctx = Context { who, reference: &reference, now, limits: &limits };
            (i, prepare(&ctx, &pushes[i], changes, loaded))
        });
        let mut results: Vec<Option<Answer>> = vec![None; pushes.len()];
        let mut pending = Vec::new();
        for (i, p) in prepared {
            match p {
                Prepared::Done(r) => results[i] = Some((r, None)),
                Prepared::Write { write, ack, hot, size } => pending.push((i, *write, ack, hot, size)),
            }
        }
        let parsed: Vec<Vec<Change>> = parsed
            .into_iter()
            .enumerate()
            .map(|(i, c)| match c {
                Ok(c) => c,
                Err(e) => {
                    results[i] = Some((Err(e), None));
                    vec![]
                }
            })
            .collect();
        let writes: Vec<DocWrite> = pending.iter().map(|(_, w, _, _, _)| w.clone()).collect();
        let outcomes = if writes.is_empty() { vec![] } else { self.storage.commit_docs(&writes).await? };
        for ((i, write, ack, hot, size), outcome) in pending.into_iter().zip(outcomes) {
            self.count(outcome);
            results[i] = Some(match outcome {
                CommitOutcome::Committed(c) => {
                    self.remember(&write, c.seq, hot.as_deref(), size);
                    (ack, Some(c))
                }
                CommitOutcome::Conflict => self.apply_push_alone(who, &pushes[i], &parsed[i]).await?,
            });
        }
        Ok(results
            .into_iter()
            .zip(parsed)
            .zip(pushes)
            .map(|((r, changes), push)| {
                let (answer, commit) = r.expect("every push answered");
                Pushed { id: push.id, answer, hashes: changes.iter().map(|c| c.hash().0.to_vec()).collect(), commit }
            })
            .collect())
    }

    /// Applies one push, retrying while other writers race on the document.
    async fn apply_push_alone(
        &self,
        who: &AuthUser,
        push: &DocPush,
        changes: &[Change],
    ) -> Result<Answer, ServerError> {
        for _ in 0..COMMIT_ATTEMPTS {
            match self.prepare_push(who, push, changes).await? {
                Prepared::Done(r) => return Ok((r, None)),
                Prepared::Write { write, ack, hot, size } => {
                    let outcome = self.storage.commit_doc(&write).await?;
                    self.count(outcome);
                    if let CommitOutcome::Committed(c) = outcome {
                        self.remember(&write, c.seq, hot.as_deref(), size);
                        return Ok((ack, Some(c)));
                    }
                }
            }
        }
        Err(refuse(ErrorCode::Busy, format!("document {} is being changed by many devices; retry", push.id)))
    }

    /// Keeps a just-committed document loaded at its new `seq` (`None`: a
    /// document new to the server, which is not kept: the cache is for
    /// documents that are being changed, and a device's upload of its new
    /// ones would fill it and hold every one of them until the commit).
    fn remember(&self, write: &DocWrite, seq: u64, hot: Option<&AutoCommit>, size: u64) {
        if let Some(doc) = hot {
            self.docs.put(&write.id, seq, size as usize, doc);
        }
    }

    pub(crate) fn count(&self, outcome: CommitOutcome) {
        let counter = match outcome {
            CommitOutcome::Committed(_) => &self.stats.docs_committed,
            CommitOutcome::Conflict => &self.stats.commit_conflicts,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The server's copy of a document: loaded, its `seq` and stored bytes.
pub(crate) type Loaded = (AutoCommit, u64, u64);

/// Applies a push to the server's copy (`current`) and checks it, without
/// committing: what to answer, or what to write. No I/O: runs on any core.
fn prepare(ctx: &Context<'_>, push: &DocPush, changes: &[Change], current: Option<Loaded>) -> Prepared {
    let heads = from_wire(&push.heads);
    let (mut doc, before, expected, stored_bytes) = match current {
        Some((doc, seq, bytes)) => (doc.clone(), Some(doc), Some(seq), bytes),
        None => (AutoCommit::new(), None, None, 0),
    };
    let new: Vec<Change> = changes.iter().filter(|c| doc.get_change_by_hash(&c.hash()).is_none()).cloned().collect();
    if new.is_empty() {
        return Prepared::Done(ack(&push.id, &mut doc, &heads));
    }
    let added: u64 = new.iter().map(|c| c.raw_bytes().len() as u64).sum();
    if stored_bytes + added > ctx.limits.max_doc_bytes {
        return Prepared::Done(Err(refuse(
            ErrorCode::TooLarge,
            format!("the document would grow beyond {} bytes", ctx.limits.max_doc_bytes),
        )));
    }
    if let Err(e) = untrusted::apply_changes(&mut doc, new.clone()) {
        return Prepared::Done(Err(malformed(e)));
    }
    if !doc.get_missing_deps(&[]).is_empty() {
        return Prepared::Done(Err(refuse(
            ErrorCode::MissingDeps,
            "the server lacks earlier changes of this document",
        )));
    }
    match build_write(ctx, push.kind, &push.id, before.as_ref(), &doc, expected, &new) {
        Ok(write) => {
            let ack = ack(&push.id, &mut doc, &heads);
            let hot = before.is_some().then(|| Box::new(doc));
            Prepared::Write { write: Box::new(write), ack, hot, size: stored_bytes + added }
        }
        Err(e) => Prepared::Done(Err(e)),
    }
}

/// Checks what `ctx.who` may write (the server's copy `before`, with `new`
/// applied, is `after`) and builds the write with its audit line.
pub(crate) fn build_write(
    ctx: &Context<'_>,
    kind: DocKind,
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    expected_seq: Option<u64>,
    new: &[Change],
) -> Result<DocWrite, ServerError> {
    let accepted = duty::check(kind, id, before, after, ctx)?;
    let hashes: Vec<String> = new.iter().map(|c| hex::encode(c.hash().0)).collect();
    let mut detail = hashes.join(",");
    if !accepted.amended.is_empty() {
        detail = format!("amended {}; {detail}", accepted.amended.join(","));
    }
    Ok(DocWrite {
        id: id.to_owned(),
        kind,
        grid: accepted.grid,
        departments: accepted.departments,
        status: accepted.status,
        expected_seq,
        changes: new.iter().map(|c| (c.hash().0, c.raw_bytes().to_vec())).collect(),
        blobs: accepted.blobs,
        receipts: accepted.receipts,
        audit: super::audit::entry_at(ctx.now, &Actor::from(ctx.who), "push", id, &detail),
    })
}

/// Runs `f` over `items` on every core (scoped threads inside the blocking
/// section of a multi-threaded runtime), keeping their order; on one core,
/// or a single-threaded runtime (simulations), in place.
fn on_every_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if cores < 2 || items.len() < 8 || !multi {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        parts.push(items.by_ref().take(chunk).collect());
    }
    let f = &f;
    tokio::task::block_in_place(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> =
                parts.into_iter().map(|part| s.spawn(move || part.into_iter().map(f).collect::<Vec<R>>())).collect();
            handles.into_iter().flat_map(|h| h.join().expect("a preparation thread panicked")).collect()
        })
    })
}

pub(crate) fn malformed(e: gridpatrol_core::model::DocumentError) -> ServerError {
    use gridpatrol_core::model::DocumentError as D;
    use gridpatrol_core::model::untrusted::UntrustedError as U;
    match e {
        D::Untrusted(U::TooLarge(m)) => refuse(ErrorCode::TooLarge, m),
        D::Untrusted(U::Refused(m)) => refuse(ErrorCode::ChunkRefused, m),
        other => refuse(ErrorCode::MalformedAutomerge, other.to_string()),
    }
}

/// Acknowledges the heads the device claimed, if the server holds them.
fn ack(id: &str, doc: &mut AutoCommit, heads: &[ChangeHash]) -> Result<DocAck, ServerError> {
    if heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
        Ok(DocAck { id: id.to_owned(), heads: to_wire(heads) })
    } else {
        Err(refuse(
            ErrorCode::MissingDeps,
            "the server lacks some of the device's changes; falling back to a full sync",
        ))
    }
}
