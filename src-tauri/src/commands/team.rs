//! Team patrols: join from today's list or by code (offline too), end
//! one's own part; and the history of patrols.

use gridpatrol_core::store::{PatrolDetail, PatrolHistoryFilter, PatrolHistoryItem};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_join(state: State<'_, AppState>, id: String) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().join_patrol(&actor, &id)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_join_code(state: State<'_, AppState>, code: String) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().join_patrol_code(&actor, &code)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_end_part(state: State<'_, AppState>, id: String, note: String) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    let detail = state.store().end_part(&actor, &id, &note)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrols_team_today(state: State<'_, AppState>) -> AppResult<Vec<PatrolHistoryItem>> {
    let actor = state.actor()?;
    Ok(state.store().patrols_team_today(&actor)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_history(
    state: State<'_, AppState>,
    filter: PatrolHistoryFilter,
) -> AppResult<Vec<PatrolHistoryItem>> {
    let actor = state.actor()?;
    Ok(state.store().patrol_history(&actor, &filter)?)
}
