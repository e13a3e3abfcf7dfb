//! Sync now (with progress events), and what is not yet on the server.

use gridpatrol_core::store::UnsyncedSummary;
use gridpatrol_core::sync::SyncReport;
use gridpatrol_core::sync::client::{SyncClient, SyncOptions};
use tauri::{AppHandle, Emitter, State};

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>) -> AppResult<SyncReport> {
    let client = SyncClient::for_session(&state.session()?)?;
    let progress = move |p: &gridpatrol_core::sync::SyncProgress| {
        let _ = app.emit("sync-progress", p);
    };
    Ok(client.sync(&state.store, SyncOptions::default(), &progress).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_unsynced(state: State<'_, AppState>) -> AppResult<UnsyncedSummary> {
    Ok(state.store().unsynced()?)
}
