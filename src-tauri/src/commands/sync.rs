//! Sync: automatic (the task in `AppState::auto`), "sync now", what is
//! not yet on the server, and the platform's "network is back".

use gridpatrol_core::store::UnsyncedSummary;
use gridpatrol_core::sync::SyncReport;
use gridpatrol_core::sync::schedule::AutoSyncStatus;
use tauri::State;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Syncs now and waits for a run that includes everything saved so far
/// (progress arrives as `sync-progress` events).
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(state: State<'_, AppState>) -> AppResult<SyncReport> {
    state.session()?;
    state.auto.run_now().await.map_err(|t| AppError::new(&t.code, t.message))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_status(state: State<'_, AppState>) -> AppResult<AutoSyncStatus> {
    Ok(state.auto.status())
}

/// The web view saw the network come back.
#[tauri::command(rename_all = "snake_case")]
pub async fn sync_network_up(state: State<'_, AppState>) -> AppResult<()> {
    state.auto.network_up();
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_unsynced(state: State<'_, AppState>) -> AppResult<UnsyncedSummary> {
    Ok(state.store().unsynced()?)
}
