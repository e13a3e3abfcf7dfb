//! Patrols: start, check streets, record the track, end.

use gridpatrol_core::model::{PatrolKind, TrackPoint};
use gridpatrol_core::store::{PatrolDetail, PatrolListItem};
use gridpatrol_core::time::now_ms;
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
    Ok(state.store().start_patrol(&actor, kind, &grid, team)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_active(state: State<'_, AppState>) -> AppResult<Option<PatrolDetail>> {
    let actor = state.actor()?;
    let store = state.store();
    Ok(match store.active_patrol(&actor.user_id)? {
        Some(p) => Some(store.get_patrol(&p.id, now_ms())?),
        None => None,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_get(state: State<'_, AppState>, id: String) -> AppResult<PatrolDetail> {
    Ok(state.store().get_patrol(&id, now_ms())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_check_street(
    state: State<'_, AppState>,
    id: String,
    street: String,
    note: String,
) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    Ok(state.store().check_street(&actor, &id, &street, &note)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_record_track(state: State<'_, AppState>, id: String, points: Vec<TrackPoint>) -> AppResult<()> {
    Ok(state.store().record_track(&id, &points)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrol_end(state: State<'_, AppState>, id: String, note: String) -> AppResult<PatrolDetail> {
    let actor = state.actor()?;
    Ok(state.store().end_patrol(&actor, &id, &note)?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn patrols_list(state: State<'_, AppState>) -> AppResult<Vec<PatrolListItem>> {
    Ok(state.store().list_patrols(50)?)
}
