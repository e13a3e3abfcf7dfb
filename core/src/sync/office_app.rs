//! The office as the app runs it: the server first, the device's copy when
//! the server cannot be reached. The dashboard waits [`DASHBOARD_TIMEOUT`]
//! for the server, an export [`EXPORT_TIMEOUT`]; when the server refuses the
//! request itself (`invalid`, `out_of_scope`, `role_not_permitted`…) that
//! refusal is the answer, otherwise (offline, timeout, a failing server, an
//! expired login) the device computes the same thing from its copy.

use std::time::Duration;

use super::client::{ClientError, SharedStore, SyncClient};
use super::session::{self, Session};
use crate::codes::ErrorCode;
use crate::office::{CaseExportFormat, Dashboard, DashboardQuery, DataSource, ExportFile, OfficeError};
use crate::store::{CaseFilter, DeviceStore};

/// How long the dashboard waits for the server before using the device.
pub const DASHBOARD_TIMEOUT: Duration = Duration::from_secs(8);
/// How long an export waits for the server before using the device.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(30);

impl From<ClientError> for OfficeError {
    fn from(e: ClientError) -> Self {
        OfficeError::new(ErrorCode::parse(e.code()), e.to_string())
    }
}

fn locked(store: &SharedStore) -> std::sync::MutexGuard<'_, DeviceStore> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// The stored session with a token, if any.
fn current_session(store: &SharedStore) -> Result<Option<Session>, OfficeError> {
    Ok(session::load(&locked(store))?.filter(|s| !s.token.is_empty()))
}

/// Asks the server (`ask`, given up after `timeout`). `Ok(Ok(_))`: its
/// answer; `Ok(Err(code))`: it could not answer, use the device and say
/// why; `Err(_)`: it refused the request, which is final.
async fn server_first<T, F, Fut>(
    session: Option<&Session>,
    timeout: Duration,
    ask: F,
) -> Result<Result<T, ErrorCode>, OfficeError>
where
    F: FnOnce(SyncClient) -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let Some(session) = session else { return Ok(Err(ErrorCode::NotLoggedIn)) };
    let client = match SyncClient::for_session(session) {
        Ok(c) => c,
        Err(e) => return Ok(Err(ErrorCode::parse(e.code()))),
    };
    match tokio::time::timeout(timeout, ask(client)).await {
        Err(_) => Ok(Err(ErrorCode::Timeout)),
        Ok(Ok(answer)) => Ok(Ok(answer)),
        Ok(Err(e)) if is_refusal(&e) => Err(e.into()),
        Ok(Err(e)) => {
            tracing::info!(error = %e, "the server did not answer; using the device's copy");
            Ok(Err(ErrorCode::parse(e.code())))
        }
    }
}

/// The server judged the request itself (not the connection, the login or
/// its own health): the device would not know better. (A 404 is a server
/// without the route, an older release: the device answers.)
fn is_refusal(e: &ClientError) -> bool {
    matches!(e, ClientError::Server { status: 400 | 403, .. })
}

/// The dashboard: the server's, else the device's labelled with its last
/// sync and the reason (`fallback`).
pub async fn dashboard(store: &SharedStore, query: &DashboardQuery) -> Result<Dashboard, OfficeError> {
    let session = current_session(store)?;
    let fallback = match server_first(session.as_ref(), DASHBOARD_TIMEOUT, |c| async move {
        c.dashboard(query, 2 * DASHBOARD_TIMEOUT).await
    })
    .await?
    {
        Ok(board) => return Ok(board),
        Err(code) => code,
    };
    let store = locked(store);
    let board = store.office_dashboard(query, store.now())?;
    Ok(board.from_device(session.and_then(|s| s.last_sync_at), Some(fallback.as_str().to_owned())))
}

/// An export file: the server's, else the one `on_device` builds.
async fn export<F, Fut>(
    store: &SharedStore,
    ask: F,
    on_device: impl FnOnce(&DeviceStore) -> Result<ExportFile, OfficeError>,
) -> Result<(ExportFile, DataSource), OfficeError>
where
    F: FnOnce(SyncClient) -> Fut,
    Fut: std::future::Future<Output = Result<ExportFile, ClientError>>,
{
    let session = current_session(store)?;
    match server_first(session.as_ref(), EXPORT_TIMEOUT, ask).await? {
        Ok(file) => Ok((file, DataSource::Server)),
        Err(_) => Ok((on_device(&locked(store))?, DataSource::Device)),
    }
}

/// The day's 巡查日志 of `grid` (`day`: `YYYY-MM-DD`).
pub async fn export_patrol_log(
    store: &SharedStore,
    grid: &str,
    day: &str,
) -> Result<(ExportFile, DataSource), OfficeError> {
    export(
        store,
        |c| async move { c.export_patrol_log(grid, day).await.map(|f| f.file) },
        |s| s.office_patrol_log(grid, day, s.now()),
    )
    .await
}

/// The month's KPI and rating report (`month`: `YYYY-MM`).
pub async fn export_kpi_report(store: &SharedStore, month: &str) -> Result<(ExportFile, DataSource), OfficeError> {
    export(
        store,
        |c| async move { c.export_kpi_report(month).await.map(|f| f.file) },
        |s| s.office_kpi_report(month, s.now()),
    )
    .await
}

/// Every case in scope matching `filter`, as CSV or GeoJSON.
pub async fn export_cases(
    store: &SharedStore,
    format: CaseExportFormat,
    filter: &CaseFilter,
) -> Result<(ExportFile, DataSource), OfficeError> {
    export(
        store,
        |c| async move { c.export_cases(format, filter).await.map(|f| f.file) },
        |s| s.office_cases(format, filter, s.now()),
    )
    .await
}
