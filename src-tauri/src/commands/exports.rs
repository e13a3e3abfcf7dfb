//! The office's files (巡查日志, 考核报表, cases as CSV or GeoJSON): built
//! by the server, else from the device's copy, then saved where the user
//! picks in the platform's save dialog, or in `$GRIDPATROL_EXPORT_DIR`
//! without a dialog (tests). `None`: the user cancelled the dialog.

use std::path::PathBuf;

use gridpatrol_core::office::{CaseExportFormat, DataSource, ExportFile, ExportResult};
use gridpatrol_core::store::CaseFilter;
use gridpatrol_core::sync::office_app;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn export_patrol_log(
    app: AppHandle,
    state: State<'_, AppState>,
    grid: String,
    day: String,
) -> AppResult<Option<ExportResult>> {
    let (file, source) = office_app::export_patrol_log(&state.store, &grid, &day).await?;
    save(&app, file, source).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn export_kpi_report(
    app: AppHandle,
    state: State<'_, AppState>,
    month: String,
) -> AppResult<Option<ExportResult>> {
    let (file, source) = office_app::export_kpi_report(&state.store, &month).await?;
    save(&app, file, source).await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn export_cases(
    app: AppHandle,
    state: State<'_, AppState>,
    format: CaseExportFormat,
    filter: CaseFilter,
) -> AppResult<Option<ExportResult>> {
    let (file, source) = office_app::export_cases(&state.store, format, &filter).await?;
    save(&app, file, source).await
}

fn failed(e: impl std::fmt::Display) -> AppError {
    AppError::new("export_failed", e.to_string())
}

/// Writes `file` where the user wants it; `None` when they cancelled.
async fn save(app: &AppHandle, file: ExportFile, source: DataSource) -> AppResult<Option<ExportResult>> {
    let Some(path) = destination(app, &file.name).await? else { return Ok(None) };
    std::fs::write(&path, &file.bytes).map_err(|e| failed(format!("{}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), bytes = file.bytes.len(), ?source, "export saved");
    Ok(Some(ExportResult { path: path.display().to_string(), bytes: file.bytes.len() as u64, source }))
}

/// `$GRIDPATROL_EXPORT_DIR/<name>`, else the save dialog's choice.
async fn destination(app: &AppHandle, name: &str) -> AppResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("GRIDPATROL_EXPORT_DIR") {
        let dir = std::path::absolute(PathBuf::from(dir)).map_err(failed)?;
        std::fs::create_dir_all(&dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
        return Ok(Some(dir.join(name)));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_file_name(name).save_file(move |picked| {
        let _ = tx.send(picked);
    });
    let Some(picked) = rx.await.ok().flatten() else { return Ok(None) };
    picked.into_path().map(Some).map_err(failed)
}
