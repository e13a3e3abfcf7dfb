//! What the app holds: the device store (shared with the sync client) and
//! the location source.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use gridpatrol_core::store::{Actor, DeviceStore};
use gridpatrol_core::sync::client::SharedStore;
use gridpatrol_core::sync::session::{self, Session};

use crate::error::{AppError, AppResult};
use crate::location::LocationSource;

/// The app's state, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    pub store: SharedStore,
    pub location: LocationSource,
}

impl AppState {
    /// Opens the device store in `dir` (created if needed).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = DeviceStore::open(&dir.join("gridpatrol.sqlite"))?;
        tracing::info!(dir = %dir.display(), device = store.device_id(), "opened the device store");
        Ok(AppState { store: Arc::new(Mutex::new(store)), location: LocationSource::from_env() })
    }

    /// Locks the store.
    pub fn store(&self) -> MutexGuard<'_, DeviceStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The logged-in session, or a `not_logged_in` error.
    pub fn session(&self) -> AppResult<Session> {
        session::load(&self.store())?.ok_or_else(|| AppError::new("not_logged_in", "please log in"))
    }

    /// The acting user.
    pub fn actor(&self) -> AppResult<Actor> {
        Ok(self.session()?.actor())
    }
}
