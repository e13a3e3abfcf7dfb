//! The leaders' dashboard: the server's figures, else the device's copy
//! (labelled with its last sync and why the server was not used).

use gridpatrol_core::office::{Dashboard, DashboardQuery};
use gridpatrol_core::sync::office_app;
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn dashboard_get(state: State<'_, AppState>, query: DashboardQuery) -> AppResult<Dashboard> {
    Ok(office_app::dashboard(&state.store, &query).await?)
}
