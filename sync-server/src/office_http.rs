//! The office's routes: the dashboard, the report files and the admin
//! screens' operations, JSON in and out (files as bytes with their name in
//! a header). The logic is in [`crate::service::office`] and
//! [`crate::service::admin_api`].
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /v1/dashboard` | `DashboardQuery` | `Dashboard` |
//! | `POST /v1/reports/patrol-log` | `{grid, day}` | XLSX |
//! | `POST /v1/reports/kpi` | `{month}` | XLSX |
//! | `POST /v1/reports/cases` | `{format, filter}` | CSV or GeoJSON |
//! | `GET/POST /v1/admin/users` | — / `NewUser` | `AdminUser[]` / `OneTimePassword` |
//! | `POST /v1/admin/users/disabled` | `{username, disabled}` | `AdminUser` |
//! | `POST /v1/admin/users/password` | `{username}` | `OneTimePassword` |
//! | `GET /v1/admin/devices` | — | `AdminDevice[]` |
//! | `POST /v1/admin/devices/revoke` | `{id}` | `AdminDevice` |
//! | `GET/POST /v1/admin/categories` | — / `{category}` | `CategoryDictionary` |
//! | `POST /v1/admin/org/import` | `{grids, streets, dry_run}` | `ImportSummary` |
//! | `GET/PUT /v1/admin/rating-rules` | — / `{rules}` | `RatingRules` |
//! | `POST /v1/admin/audit` | `AuditQuery` | `AuditPage` |

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridpatrol_core::geo::MAX_LAYER_BYTES;
use gridpatrol_core::model::Category;
use gridpatrol_core::office::{CaseExportFormat, DashboardQuery};
use gridpatrol_core::sync::office_wire::{
    AuditQuery, CasesExportRequest, CategoryAddRequest, FILE_NAME_HEADER, GENERATED_AT_HEADER, KpiReportRequest,
    NewUser, OrgImportRequest, PatrolLogRequest, RatingRulesRequest, ResetPasswordRequest, RevokeDeviceRequest,
    SetDisabledRequest, encode_file_name,
};

use crate::auth::AuthUser;
use crate::error::ServerError;
use crate::http::{Shared, body, json_body};
use crate::service::office::Report;

type Body = Result<Bytes, BytesRejection>;

/// The office's routes, to merge into [`crate::http::router`].
pub fn routes() -> Router<Shared> {
    let small = DefaultBodyLimit::max(1 << 20);
    // Two GIS layers at their largest, as JSON strings, with room to spare.
    let layers = DefaultBodyLimit::max(2 * MAX_LAYER_BYTES + (4 << 20));
    Router::new()
        .route("/v1/dashboard", post(dashboard).layer(small))
        .route("/v1/reports/patrol-log", post(patrol_log).layer(small))
        .route("/v1/reports/kpi", post(kpi_report).layer(small))
        .route("/v1/reports/cases", post(cases_report).layer(small))
        .route("/v1/admin/users", get(users).post(user_add).layer(small))
        .route("/v1/admin/users/disabled", post(user_disabled).layer(small))
        .route("/v1/admin/users/password", post(user_password).layer(small))
        .route("/v1/admin/devices", get(devices))
        .route("/v1/admin/devices/revoke", post(device_revoke).layer(small))
        .route("/v1/admin/categories", get(categories).post(category_add).layer(small))
        .route("/v1/admin/org/import", post(org_import).layer(layers))
        .route("/v1/admin/rating-rules", get(rating_rules).put(rating_rules_set).layer(small))
        .route("/v1/admin/audit", post(audit).layer(small))
}

fn parse<T: serde::de::DeserializeOwned>(b: Body) -> Result<T, ServerError> {
    json_body(&body(b)?)
}

/// A file: its bytes, its type, its name (in a header and as an attachment).
fn file(report: Report) -> Response {
    let name = &report.file.name;
    let content_type = match name.rsplit('.').next() {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("csv") => "text/csv; charset=utf-8",
        Some("geojson") => "application/geo+json",
        _ => "application/octet-stream",
    };
    let encoded = encode_file_name(name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}")),
            (header::HeaderName::from_static(FILE_NAME_HEADER), encoded.clone()),
            (header::HeaderName::from_static(GENERATED_AT_HEADER), report.generated_at.to_string()),
        ],
        report.file.bytes,
    )
        .into_response()
}

async fn dashboard(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let q: DashboardQuery = parse(b)?;
    Ok(Json(api.service.dashboard(&who, &q).await?).into_response())
}

async fn patrol_log(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: PatrolLogRequest = parse(b)?;
    Ok(file(api.service.export_patrol_log(&who, &r.grid, &r.day).await?))
}

async fn kpi_report(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: KpiReportRequest = parse(b)?;
    Ok(file(api.service.export_kpi_report(&who, &r.month).await?))
}

async fn cases_report(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: CasesExportRequest = parse(b)?;
    let format: CaseExportFormat = r.format;
    Ok(file(api.service.export_cases(&who, format, &r.filter).await?))
}

async fn users(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    Ok(Json(api.service.admin_users(&who).await?).into_response())
}

async fn user_add(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let u: NewUser = parse(b)?;
    Ok(Json(api.service.admin_user_add(&who, &u).await?).into_response())
}

async fn user_disabled(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: SetDisabledRequest = parse(b)?;
    Ok(Json(api.service.admin_user_set_disabled(&who, &r.username, r.disabled).await?).into_response())
}

async fn user_password(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: ResetPasswordRequest = parse(b)?;
    Ok(Json(api.service.admin_user_reset_password(&who, &r.username).await?).into_response())
}

async fn devices(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    Ok(Json(api.service.admin_devices(&who).await?).into_response())
}

async fn device_revoke(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: RevokeDeviceRequest = parse(b)?;
    Ok(Json(api.service.admin_device_revoke(&who, &r.id).await?).into_response())
}

async fn categories(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    Ok(Json(api.service.admin_categories(&who).await?).into_response())
}

async fn category_add(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: CategoryAddRequest = parse(b)?;
    let category: Category = r.category;
    Ok(Json(api.service.admin_category_add(&who, &category).await?).into_response())
}

async fn org_import(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: OrgImportRequest = parse(b)?;
    let summary = api.service.admin_org_import(&who, r.grids.as_deref(), r.streets.as_deref(), r.dry_run).await?;
    Ok(Json(summary).into_response())
}

async fn rating_rules(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    Ok(Json(api.service.admin_rating_rules(&who).await?).into_response())
}

async fn rating_rules_set(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let r: RatingRulesRequest = parse(b)?;
    Ok(Json(api.service.admin_rating_rules_set(&who, &r.rules).await?).into_response())
}

async fn audit(State(api): State<Shared>, who: AuthUser, b: Body) -> Result<Response, ServerError> {
    let q: AuditQuery = parse(b)?;
    Ok(Json(api.service.admin_audit(&who, &q).await?).into_response())
}
