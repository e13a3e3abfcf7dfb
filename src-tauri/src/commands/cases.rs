//! Cases: list, read, report, act, attach photos, the overview.

use gridpatrol_core::store::{CaseDetail, CaseFilter, CasePage, GridStats, NewCase, NewEvent, PhotoPick};
use gridpatrol_core::time::now_ms;
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn cases_list(state: State<'_, AppState>, filter: CaseFilter) -> AppResult<CasePage> {
    Ok(state.store().list_cases(&filter, now_ms())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn case_get(state: State<'_, AppState>, id: String) -> AppResult<CaseDetail> {
    let actor = state.actor().ok();
    Ok(state.store().get_case(&id, actor.as_ref(), now_ms())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn case_create(state: State<'_, AppState>, new_case: NewCase) -> AppResult<CaseDetail> {
    let actor = state.actor()?;
    let detail = state.store().create_case(&actor, new_case)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn case_append_event(state: State<'_, AppState>, id: String, event: NewEvent) -> AppResult<CaseDetail> {
    let actor = state.actor()?;
    let detail = state.store().append_event(&actor, &id, event)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn case_attach_photos(
    state: State<'_, AppState>,
    id: String,
    photos: Vec<PhotoPick>,
) -> AppResult<CaseDetail> {
    let actor = state.actor()?;
    let detail = state.store().attach_photos(&actor, &id, &photos)?;
    Ok(state.saved(detail))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn grid_stats(state: State<'_, AppState>) -> AppResult<Vec<GridStats>> {
    Ok(state.store().grid_stats(now_ms())?)
}
