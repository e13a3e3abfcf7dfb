//! The duplicate hint: similar cases nearby, from the device's own data;
//! and adding evidence to one instead of reporting it again.

use gridpatrol_core::store::{CaseDetail, NearbyCase, PhotoPick};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn cases_nearby(
    state: State<'_, AppState>,
    category: String,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> AppResult<Vec<NearbyCase>> {
    let store = state.store();
    Ok(store.cases_nearby(&category, lat, lon, radius_m, store.now())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn case_add_evidence(
    state: State<'_, AppState>,
    id: String,
    note: String,
    photos: Vec<PhotoPick>,
) -> AppResult<CaseDetail> {
    let actor = state.actor()?;
    let detail = state.store().add_evidence(&actor, &id, &note, &photos)?;
    Ok(state.saved(detail))
}
