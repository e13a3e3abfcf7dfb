//! The device's position from the pluggable source.

use gridpatrol_core::model::LocationFix;
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn location_current(state: State<'_, AppState>) -> AppResult<Option<LocationFix>> {
    let now = state.store().now();
    Ok(state.location.current(now))
}
