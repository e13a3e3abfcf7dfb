//! One sync run as a state machine, sans-IO: it yields [`Effect`]s (ask a
//! photo's status, upload a chunk, post a sync, post a doc sync, download a
//! photo) and takes [`Reply`]s; the HTTP client and the deterministic
//! simulation drive the same machine, so what the simulation proves is what
//! the app does.
//!
//! A run goes: photos up (so a document never arrives before its photos),
//! documents both ways in rounds (with the Automerge sync protocol for
//! documents whose heads the server lacks), photos up again if the server
//! asked for some it lost, then thumbnails (and optionally photos) down.
//! Every store write is its own transaction inside [`SyncRun::step`], so a
//! run cut at any point leaves the store consistent and the next run goes
//! on from there. A failed photo is a per-item failure; a failed request is
//! the driver's to retry or to abort the run with.

use std::collections::VecDeque;

use super::engine::{self, DocSyncSession, Outgoing};
use super::progress::{SyncFailure, SyncPhase, SyncProgress, SyncReport};
use super::session;
use super::wire::{BlobStatus, DocSyncRequest, DocSyncResponse, SyncRequest, SyncResponse};
use crate::store::{DeviceStore, StoreError, SyncBookkeeping};

/// What a sync should fetch besides documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncOptions {
    /// Download full-size photos too (thumbnails always come).
    pub full_photos: bool,
}

/// What the machine asks the driver to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// How much of this photo does the server have?
    BlobStatus { hash: String },
    /// Send bytes `offset..offset + bytes.len()` of a photo of `total` bytes.
    UploadChunk { hash: String, offset: u64, total: u64, bytes: Vec<u8> },
    /// One round of the batched exchange.
    PostSync(SyncRequest),
    /// One round of the Automerge sync protocol.
    PostDocSync(DocSyncRequest),
    /// Fetch a photo or thumbnail.
    Download { hash: String },
    /// The run is over: [`SyncRun::report`] says what it did.
    Done,
}

/// The answer to the last effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The photo's status (also the answer to a chunk, including a chunk
    /// the server wanted elsewhere: it says where to resume).
    Blob(BlobStatus),
    Sync(SyncResponse),
    DocSync(DocSyncResponse),
    /// The photo's bytes, or `None` if the server does not have it yet.
    Downloaded(Option<Vec<u8>>),
    /// The server refused this photo (not the request as a whole): the
    /// run records it and goes on.
    Refused {
        code: String,
        message: String,
    },
}

/// A photo on its way up.
#[derive(Debug)]
struct Upload {
    hash: String,
    bytes: Vec<u8>,
    /// What the server said it has; `None` until it answered.
    status: Option<BlobStatus>,
    /// Chunks the server answered without taking them.
    stalls: u8,
}

#[derive(Debug)]
enum Stage {
    PhotosUp { queue: VecDeque<String>, current: Option<Upload>, again: bool },
    Documents { out: Option<Box<Outgoing>>, rounds: u32 },
    DocSync { session: DocSyncSession, more: bool, rounds: u32 },
    PhotosDown { queue: VecDeque<String>, current: Option<String> },
    Done,
}

/// Rounds of the batched exchange before a run stops (a server that always
/// says "more" is a bug, not a reason to loop forever).
const MAX_ROUNDS: u32 = 10_000;

/// One sync run.
#[derive(Debug)]
pub struct SyncRun {
    options: SyncOptions,
    chunk_bytes: usize,
    stage: Stage,
    report: SyncReport,
    /// Photos the server asked for again during this run.
    reoffered: u32,
}

impl SyncRun {
    /// A run that uploads photos in chunks of `chunk_bytes`.
    pub fn new(options: SyncOptions, chunk_bytes: usize) -> Self {
        SyncRun {
            options,
            chunk_bytes: chunk_bytes.max(1),
            stage: Stage::Done,
            report: SyncReport::default(),
            reoffered: 0,
        }
    }

    /// What the run has done so far (complete once [`Effect::Done`] came).
    pub fn report(&self) -> &SyncReport {
        &self.report
    }

    /// Live progress, for the progress bar.
    pub fn progress(&self) -> &SyncProgress {
        &self.report.progress
    }

    /// Counts bytes the driver moved for a request (wire size, compressed).
    pub fn count_bytes(&mut self, up: u64, down: u64) {
        self.report.progress.bytes_up += up;
        self.report.progress.bytes_down += down;
    }

    /// Begins the run.
    pub fn start(&mut self, store: &mut DeviceStore) -> Result<Effect, StoreError> {
        self.report = SyncReport::default();
        self.photos_up(store, false)?;
        self.next(store)
    }

    /// Takes the answer to the last effect and yields the next.
    pub fn step(&mut self, store: &mut DeviceStore, reply: Reply) -> Result<Effect, StoreError> {
        let report = &mut self.report;
        let p = &mut report.progress;
        let mut next_stage = None;
        let mut documents_done = false;
        match (&mut self.stage, reply) {
            (Stage::PhotosUp { current: current @ Some(_), .. }, Reply::Blob(status)) => {
                let up = current.as_mut().expect("matched Some");
                let stalled = up.status.is_some_and(|old| status.received <= old.received);
                up.stalls = if stalled { up.stalls + 1 } else { 0 };
                if status.complete {
                    store.mark_blob_uploaded(&up.hash)?;
                    p.photos_up += 1;
                    *current = None;
                } else if up.stalls >= 3 {
                    let hash = up.hash.clone();
                    *current = None;
                    let message = "the server takes no more of this photo".to_owned();
                    report.failures.push(SyncFailure { item: hash, code: "protocol".into(), message });
                } else {
                    up.status = Some(status);
                }
            }
            (Stage::PhotosUp { current: current @ Some(_), .. }, Reply::Refused { code, message }) => {
                let up = current.take().expect("matched Some");
                report.failures.push(SyncFailure { item: up.hash, code, message });
            }
            (Stage::Documents { out, rounds }, Reply::Sync(resp)) => {
                let out = out.take().ok_or_else(|| StoreError::Invalid("a sync answer nobody asked for".into()))?;
                *rounds += 1;
                let rounds = *rounds;
                report.round_trips += 1;
                let applied = engine::apply(store, &out, resp)?;
                p.docs_up += applied.acked;
                p.docs_down += applied.pulled;
                self.reoffered += applied.reoffered;
                report.failures.extend(applied.failures);
                let more = applied.more && rounds < MAX_ROUNDS;
                if !applied.needs_full.is_empty() {
                    next_stage =
                        Some(Stage::DocSync { session: DocSyncSession::new(applied.needs_full), more, rounds });
                } else if !more {
                    documents_done = true;
                }
            }
            (Stage::DocSync { session, .. }, Reply::DocSync(resp)) => {
                report.round_trips += 1;
                report.failures.extend(session.apply(store, resp)?);
            }
            (Stage::PhotosDown { current: current @ Some(_), .. }, Reply::Downloaded(bytes)) => {
                let hash = current.take().expect("matched Some");
                if let Some(bytes) = bytes {
                    store.put_remote_blob(&hash, &bytes)?;
                    p.photos_down += 1;
                }
            }
            (Stage::PhotosDown { current: current @ Some(_), .. }, Reply::Refused { code, message }) => {
                let item = current.take().expect("matched Some");
                report.failures.push(SyncFailure { item, code, message });
            }
            (stage, reply) => {
                return Err(StoreError::Invalid(format!("sync run got {reply:?} while in {stage:?}")));
            }
        }
        if let Some(stage) = next_stage {
            self.stage = stage;
        }
        if documents_done {
            self.after_documents(store)?;
        }
        self.next(store)
    }

    /// Queues the photos the server has not confirmed.
    fn photos_up(&mut self, store: &mut DeviceStore, again: bool) -> Result<(), StoreError> {
        let queue: VecDeque<String> = store.pending_blobs_of(&engine::current_user(store)?)?.into();
        self.report.progress.phase = Some(SyncPhase::PhotosUp);
        self.report.progress.photos_up_total += queue.len() as u32;
        self.stage = Stage::PhotosUp { queue, current: None, again };
        Ok(())
    }

    /// After the documents: photos the server asked for again, or down.
    fn after_documents(&mut self, store: &mut DeviceStore) -> Result<(), StoreError> {
        if std::mem::take(&mut self.reoffered) > 0 {
            return self.photos_up(store, true);
        }
        self.photos_down(store)
    }

    fn photos_down(&mut self, store: &mut DeviceStore) -> Result<(), StoreError> {
        let queue: VecDeque<String> = store.missing_blobs(!self.options.full_photos)?.into();
        self.report.progress.phase = Some(SyncPhase::PhotosDown);
        self.report.progress.photos_down_total = queue.len() as u32;
        self.stage = Stage::PhotosDown { queue, current: None };
        Ok(())
    }

    /// The next effect of the current stage, moving on when a stage is done.
    fn next(&mut self, store: &mut DeviceStore) -> Result<Effect, StoreError> {
        loop {
            match &mut self.stage {
                Stage::PhotosUp { queue, current, again } => match current {
                    Some(Upload { hash, bytes, status: Some(s), .. }) => {
                        let start = (s.received as usize).min(bytes.len());
                        let end = (start + self.chunk_bytes).min(bytes.len());
                        self.report.progress.bytes_up += (end - start) as u64;
                        return Ok(Effect::UploadChunk {
                            hash: hash.clone(),
                            offset: start as u64,
                            total: bytes.len() as u64,
                            bytes: bytes[start..end].to_vec(),
                        });
                    }
                    Some(Upload { hash, status: None, .. }) => return Ok(Effect::BlobStatus { hash: hash.clone() }),
                    None => match queue.pop_front() {
                        Some(hash) => {
                            if let Some(bytes) = store.blob(&hash)? {
                                *current = Some(Upload { hash, bytes, status: None, stalls: 0 });
                            }
                        }
                        None if *again => self.photos_down(store)?,
                        None => {
                            self.report.progress.phase = Some(SyncPhase::Documents);
                            self.report.progress.docs_up_total =
                                store.dirty_docs_of(&engine::current_user(store)?)?.len() as u32;
                            // Repairs a cut run left behind come first.
                            let waiting = engine::needs_full(store)?;
                            self.stage = if waiting.is_empty() {
                                Stage::Documents { out: None, rounds: 0 }
                            } else {
                                Stage::DocSync { session: DocSyncSession::new(waiting), more: true, rounds: 0 }
                            };
                        }
                    },
                },
                Stage::Documents { out, .. } => {
                    let prepared = engine::prepare(store)?;
                    let request = prepared.request.clone();
                    *out = Some(Box::new(prepared));
                    return Ok(Effect::PostSync(request));
                }
                Stage::DocSync { session, more, rounds } => match session.next_request(store)? {
                    Some(req) => return Ok(Effect::PostDocSync(req)),
                    None if *more => self.stage = Stage::Documents { out: None, rounds: *rounds },
                    None => self.after_documents(store)?,
                },
                Stage::PhotosDown { queue, current } => match queue.pop_front() {
                    Some(hash) => {
                        *current = Some(hash.clone());
                        return Ok(Effect::Download { hash });
                    }
                    None => {
                        self.report.progress.phase = Some(SyncPhase::Done);
                        session::synced(store)?;
                        self.report.finished_at = store.now();
                        self.stage = Stage::Done;
                    }
                },
                Stage::Done => return Ok(Effect::Done),
            }
        }
    }
}
