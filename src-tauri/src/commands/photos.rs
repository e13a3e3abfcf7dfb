//! Photos: ingest a picked or taken photo; fetch a full-size one on demand.

use gridpatrol_core::store::StagedPhoto;
use gridpatrol_core::sync::client::SyncClient;
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The photo file arrives as the raw request body (`invoke('photo_stage', bytes)`).
#[tauri::command(rename_all = "snake_case")]
pub async fn photo_stage(state: State<'_, AppState>, request: Request<'_>) -> AppResult<StagedPhoto> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(AppError::new("invalid", "send the photo file's bytes as the request body"));
    };
    Ok(gridpatrol_core::store::stage_photo_shared(&state.store, bytes)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn photo_fetch(state: State<'_, AppState>, hash: String) -> AppResult<()> {
    let client = SyncClient::for_session(&state.session()?)?;
    if !client.fetch_blob(&state.store, &hash).await? {
        return Err(AppError::new("photo_not_on_server", "the photo has not reached the server yet"));
    }
    Ok(())
}
