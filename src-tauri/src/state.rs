//! What the app holds: the device store (encrypted; shared with the sync
//! task), the automatic sync task and the location source.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use gridpatrol_core::clock::Clock;
use gridpatrol_core::store::{Actor, DeviceStore};
use gridpatrol_core::sync::auto::{AutoSync, Hooks, default_connect};
use gridpatrol_core::sync::client::SharedStore;
use gridpatrol_core::sync::schedule::ScheduleSettings;
use gridpatrol_core::sync::session::{self, Session};

use crate::error::{AppError, AppResult};
use crate::location::LocationSource;

/// The app's state, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    pub store: SharedStore,
    pub location: LocationSource,
    pub auto: AutoSync,
}

impl AppState {
    /// Opens the encrypted device store in `dir` (created if needed; a
    /// plain one from an earlier release is encrypted in place), shows it
    /// to whoever is logged in and starts automatic sync. Must run inside
    /// the async runtime.
    pub fn open(dir: &Path, config_dir: &Path, hooks: Hooks) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let db = dir.join("gridpatrol.sqlite");
        let key = crate::keystore::database_key(&db, config_dir)?;
        let mut store = DeviceStore::open_encrypted(&db, &key, Clock::from_env())?;
        let who = session::resume(&mut store)?.map(|s| s.user.username);
        tracing::info!(dir = %dir.display(), device = store.device_id(), user = ?who, "opened the device store");
        let store = Arc::new(Mutex::new(store));
        let auto = AutoSync::start(store.clone(), ScheduleSettings::default(), default_connect(), hooks);
        Ok(AppState { store, location: LocationSource::from_env(), auto })
    }

    /// Locks the store.
    pub fn store(&self) -> MutexGuard<'_, DeviceStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The logged-in session, or a `not_logged_in` error.
    pub fn session(&self) -> AppResult<Session> {
        session::load(&self.store())?
            .filter(|s| !s.token.is_empty())
            .ok_or_else(|| AppError::new("not_logged_in", "please log in"))
    }

    /// The acting user.
    pub fn actor(&self) -> AppResult<Actor> {
        Ok(self.session()?.actor())
    }

    /// Something was saved: sync it soon.
    pub fn saved<T>(&self, value: T) -> T {
        self.auto.saved();
        value
    }
}
