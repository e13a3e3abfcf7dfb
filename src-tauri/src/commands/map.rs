//! The map: its layers in the basemap's datum, position conversions, and
//! the basemap picked on this device.

use gridpatrol_core::geo::Crs;
use gridpatrol_core::model::BasemapSettings;
use gridpatrol_core::store::{LatLon, MapLayers, MapQuery};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;
use crate::tiles_protocol::TilesDir;

#[tauri::command(rename_all = "snake_case")]
pub async fn map_layers(state: State<'_, AppState>, query: MapQuery) -> AppResult<MapLayers> {
    let store = state.store();
    Ok(store.map_layers(&query, store.now())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn map_from_wgs84(crs: Crs, lat: f64, lon: f64) -> AppResult<LatLon> {
    Ok(LatLon { lat, lon }.to_display(crs))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn map_to_wgs84(crs: Crs, lat: f64, lon: f64) -> AppResult<LatLon> {
    Ok(LatLon { lat, lon }.from_display(crs))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn basemap_get(state: State<'_, AppState>, tiles: State<'_, TilesDir>) -> AppResult<BasemapSettings> {
    Ok(state.store().basemap(&tiles.archives())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn basemap_options(
    state: State<'_, AppState>,
    tiles: State<'_, TilesDir>,
) -> AppResult<Vec<BasemapSettings>> {
    Ok(state.store().basemap_options(&tiles.archives())?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn basemap_set(
    state: State<'_, AppState>,
    tiles: State<'_, TilesDir>,
    settings: BasemapSettings,
) -> AppResult<BasemapSettings> {
    Ok(state.store().set_basemap(&settings, &tiles.archives())?)
}
