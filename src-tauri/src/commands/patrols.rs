//! Patrols: start, check streets, end the whole patrol, read. The track
//! is recorded by the recorder task (`crate::recorder`), not by the UI.

use gridpatrol_core::model::PatrolKind;
use gridpatrol_core::store::{PatrolDetail, PatrolListItem};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_start(
    state: State<'_, AppState>,
    kind: PatrolKind,
    grid: String,
    team: Vec<String>,
) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().start_patrol(&actor, kind, &grid, team)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_active(state: State<'_, AppState>) -> AppResult<Option<PatrolDetail>> {
    let actor = state.actor()?;
    Ok(state.store().current_patrol(&actor)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_get(state: State<'_, AppState>, id: String) -> AppResult<PatrolDetail> {
    let store = state.store();
    Ok(store.get_patrol(&id, store.now())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_check_street(
    state: State<'_, AppState>,
    id: String,
    street: String,
    note: String,
) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().check_street(&actor, &id, &street, &note)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_end(state: State<'_, AppState>, id: String, note: String) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().end_patrol(&actor, &id, &note)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrols_list(state: State<'_, AppState>) -> AppResult<Vec<PatrolListItem>> {
    Ok(state.store().list_patrols(50)?)
}
