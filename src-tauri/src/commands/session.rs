//! Login, logout, the session and the reference data.

use gridpatrol_core::model::Reference;
use gridpatrol_core::sync::SessionInfo;
use gridpatrol_core::sync::client::SyncClient;
use gridpatrol_core::sync::session;
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn session_get(state: State<'_, AppState>) -> AppResult<Option<SessionInfo>> {
    let store = state.store();
    Ok(session::load(&store)?.map(|s| s.info(store.device_id())))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn login(
    state: State<'_, AppState>,
    server: String,
    username: String,
    password: String,
) -> AppResult<SessionInfo> {
    let s = SyncClient::new(&server)?.login(&state.store, &username, &password, &device_name()).await?;
    Ok(s.info(state.store().device_id()))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn logout(state: State<'_, AppState>) -> AppResult<()> {
    session::end(&mut state.store())?;
    Ok(())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reference_get(state: State<'_, AppState>) -> AppResult<Reference> {
    Ok((**state.store().reference()?).clone())
}

fn device_name() -> String {
    format!("{} {}", std::env::consts::OS, std::env::var("HOSTNAME").unwrap_or_default()).trim().to_owned()
}
