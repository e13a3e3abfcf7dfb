//! Sync by itself: one task per app that sleeps until the [`Schedule`] says
//! a run is due, runs it (never two at once), and tells the UI. Saves,
//! "sync now", logins and the platform's "network is back" wake it. Before
//! syncing it revokes the tokens of logouts that happened offline; a device
//! the server says was revoked keeps only its unconfirmed work.

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};

use super::client::{ClientError, SharedStore, SyncClient, SyncOptions, Trust};
use super::progress::{SyncProgress, SyncReport};
use super::schedule::{AutoSyncStatus, Schedule, ScheduleSettings, SyncTrouble};
use super::session::{self, Session};
use crate::store::{DeviceStore, WipeReport};

/// How a finished run ended.
pub type RunOutcome = Result<SyncReport, SyncTrouble>;

/// Builds the client for a session (the app: its trust settings; tests:
/// short retries).
pub type Connect = Arc<dyn Fn(&Session) -> Result<SyncClient, ClientError> + Send + Sync>;

/// What the task tells the app.
#[derive(Clone)]
pub struct Hooks {
    pub status: Arc<dyn Fn(&AutoSyncStatus) + Send + Sync>,
    pub progress: Arc<dyn Fn(&SyncProgress) + Send + Sync>,
    /// The administrator revoked this device: what was wiped and kept.
    pub revoked: Arc<dyn Fn(&WipeReport) + Send + Sync>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks { status: Arc::new(|_| {}), progress: Arc::new(|_| {}), revoked: Arc::new(|_| {}) }
    }
}

struct Shared {
    store: SharedStore,
    schedule: Mutex<Schedule>,
    wake: Notify,
    finished: watch::Sender<(u64, Option<RunOutcome>)>,
    connect: Connect,
    hooks: Hooks,
}

/// The handle the app keeps.
#[derive(Clone)]
pub struct AutoSync {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AutoSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoSync").field("status", &self.status()).finish()
    }
}

fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, DeviceStore> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// The usual client of a session: its server, its trust, its token.
pub fn default_connect() -> Connect {
    Arc::new(|s: &Session| SyncClient::for_session(s))
}

impl AutoSync {
    /// Starts the task on the current tokio runtime.
    pub fn start(store: SharedStore, settings: ScheduleSettings, connect: Connect, hooks: Hooks) -> AutoSync {
        let now = lock(&store).now();
        let shared = Arc::new(Shared {
            store,
            schedule: Mutex::new(Schedule::new(settings, now)),
            wake: Notify::new(),
            finished: watch::channel((0, None)).0,
            connect,
            hooks,
        });
        tokio::spawn(run(shared.clone()));
        AutoSync { shared }
    }

    fn with_schedule(&self, f: impl FnOnce(&mut Schedule, i64)) {
        let now = lock(&self.shared.store).now();
        f(&mut self.shared.schedule.lock().unwrap_or_else(|p| p.into_inner()), now);
        self.shared.wake.notify_one();
    }

    /// Something was saved.
    pub fn saved(&self) {
        self.with_schedule(|s, now| s.saved(now));
    }

    /// The platform says the network is back.
    pub fn network_up(&self) {
        self.with_schedule(|s, now| s.network_up(now));
    }

    /// Someone logged in: sync now, without waiting for the result.
    pub fn soon(&self) {
        self.with_schedule(|s, now| s.now(now));
    }

    /// Syncs now and waits for that run (the "sync now" button).
    pub async fn run_now(&self) -> RunOutcome {
        let mut rx = self.shared.finished.subscribe();
        let (start, running) =
            (rx.borrow().0, self.shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).status().running);
        // A run already under way may have missed the latest changes: wait for the next.
        let target = start + if running { 2 } else { 1 };
        self.soon();
        loop {
            if rx.changed().await.is_err() {
                return Err(SyncTrouble { code: "unknown".into(), message: "sync stopped".into(), at: 0 });
            }
            let (generation, outcome) = rx.borrow().clone();
            if generation >= target {
                return outcome
                    .unwrap_or_else(|| Err(SyncTrouble { code: "unknown".into(), message: String::new(), at: 0 }));
            }
        }
    }

    /// What to show.
    pub fn status(&self) -> AutoSyncStatus {
        self.shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).status().clone()
    }
}

/// Revokes, best effort, the tokens of logouts the server was not told of.
async fn revoke_pending(store: &SharedStore) {
    let pending = session::pending_logouts(&lock(store)).unwrap_or_default();
    for p in pending {
        let trust = Trust { pin: p.pin.clone(), allow_insecure_http: p.allow_insecure_http };
        let Ok(client) = SyncClient::with_trust(&p.server, trust) else { continue };
        match client.with_token(&p.token).logout().await {
            Ok(()) | Err(ClientError::Server { status: 401 | 403, .. }) => {
                let _ = session::forget_logout(&lock(store), &p.token);
            }
            Err(e) => tracing::debug!(error = %e, "a logout stays queued"),
        }
    }
}

async fn run(shared: Arc<Shared>) {
    loop {
        let (next, now) = {
            let now = lock(&shared.store).now();
            (shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).next_at(), now)
        };
        match next {
            None => shared.wake.notified().await,
            Some(at) if at > now => {
                let wait = std::time::Duration::from_millis((at - now) as u64);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = shared.wake.notified() => {}
                }
            }
            Some(_) => {}
        }
        let now = lock(&shared.store).now();
        if !shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).due(now) {
            continue;
        }
        let session = session::load(&lock(&shared.store)).ok().flatten().filter(|s| !s.token.is_empty());
        let Some(session) = session else {
            shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).idle();
            // Revocation is why there is no session: keep saying so until someone logs in.
            let last = shared.finished.borrow().1.clone();
            let trouble = match last {
                Some(Err(t)) if t.code == "device_revoked" => t,
                _ => SyncTrouble { code: "not_logged_in".into(), message: "log in first".into(), at: now },
            };
            finish(&shared, Err(trouble));
            continue;
        };
        shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).started();
        (shared.hooks.status)(&status(&shared));
        revoke_pending(&shared.store).await;
        let result = match (shared.connect)(&session) {
            Ok(client) => client.sync(&shared.store, SyncOptions::default(), shared.hooks.progress.as_ref()).await,
            Err(e) => Err(e),
        };
        let now = lock(&shared.store).now();
        let outcome = match result {
            Ok(report) => {
                shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).succeeded(now);
                Ok(report)
            }
            Err(e) => {
                if e.code() == "device_revoked"
                    && let Ok(report) = lock(&shared.store).wipe_confirmed()
                {
                    tracing::warn!(?report, "this device was revoked: confirmed records wiped");
                    (shared.hooks.revoked)(&report);
                }
                let trouble = SyncTrouble { code: e.code().to_owned(), message: e.to_string(), at: now };
                shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).failed(
                    now,
                    &trouble.code,
                    &trouble.message,
                    e.retryable(),
                );
                Err(trouble)
            }
        };
        finish(&shared, outcome);
    }
}

fn status(shared: &Shared) -> AutoSyncStatus {
    shared.schedule.lock().unwrap_or_else(|p| p.into_inner()).status().clone()
}

fn finish(shared: &Shared, outcome: RunOutcome) {
    (shared.hooks.status)(&status(shared));
    shared.finished.send_modify(|(generation, last)| {
        *generation += 1;
        *last = Some(outcome);
    });
}
