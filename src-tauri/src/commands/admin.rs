//! The administrators' screens: every call goes to the server (admin role
//! only, audited there; no offline queue). After a change to the reference
//! data the device syncs soon, so the admin's own phone has it too.

use gridpatrol_core::geo::ImportSummary;
use gridpatrol_core::kpi::RatingRules;
use gridpatrol_core::model::{Category, CategoryDictionary};
use gridpatrol_core::sync::client::SyncClient;
use gridpatrol_core::sync::office_wire::{AdminDevice, AdminUser, AuditPage, AuditQuery, NewUser, OneTimePassword};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

/// The logged-in session's client.
fn client(state: &AppState) -> AppResult<SyncClient> {
    Ok(SyncClient::for_session(&state.session()?)?)
}

/// The reference changed on the server: fetch it soon.
fn changed<T>(state: &AppState, value: T) -> T {
    state.auto.soon();
    value
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_users(state: State<'_, AppState>) -> AppResult<Vec<AdminUser>> {
    Ok(client(&state)?.admin_users().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_user_add(state: State<'_, AppState>, user: NewUser) -> AppResult<OneTimePassword> {
    Ok(changed(&state, client(&state)?.admin_user_add(&user).await?))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_user_set_disabled(
    state: State<'_, AppState>,
    username: String,
    disabled: bool,
) -> AppResult<AdminUser> {
    Ok(client(&state)?.admin_user_set_disabled(&username, disabled).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_user_reset_password(state: State<'_, AppState>, username: String) -> AppResult<OneTimePassword> {
    Ok(client(&state)?.admin_user_reset_password(&username).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_devices(state: State<'_, AppState>) -> AppResult<Vec<AdminDevice>> {
    Ok(client(&state)?.admin_devices().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_device_revoke(state: State<'_, AppState>, id: String) -> AppResult<AdminDevice> {
    Ok(client(&state)?.admin_device_revoke(&id).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_categories(state: State<'_, AppState>) -> AppResult<CategoryDictionary> {
    Ok(client(&state)?.admin_categories().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_category_add(state: State<'_, AppState>, category: Category) -> AppResult<CategoryDictionary> {
    Ok(changed(&state, client(&state)?.admin_category_add(&category).await?))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_org_import(
    state: State<'_, AppState>,
    grids: Option<String>,
    streets: Option<String>,
    dry_run: bool,
) -> AppResult<ImportSummary> {
    let summary = client(&state)?.admin_org_import(grids, streets, dry_run).await?;
    Ok(if dry_run { summary } else { changed(&state, summary) })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_rating_rules(state: State<'_, AppState>) -> AppResult<RatingRules> {
    Ok(client(&state)?.admin_rating_rules().await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_rating_rules_set(state: State<'_, AppState>, rules: RatingRules) -> AppResult<RatingRules> {
    Ok(changed(&state, client(&state)?.admin_rating_rules_set(&rules).await?))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn admin_audit(state: State<'_, AppState>, query: AuditQuery) -> AppResult<AuditPage> {
    Ok(client(&state)?.admin_audit(&query).await?)
}
