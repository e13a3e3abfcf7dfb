//! The HTTP face of the service (axum): routes, bodies, limits, errors.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridpatrol_core::sync::wire::{self, CBOR, DocSyncRequest, ErrorBody, LoginRequest, SyncRequest};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::service::SyncService;

/// Body limits per route.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub sync_bytes: usize,
    pub blob_chunk_bytes: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits { sync_bytes: 32 << 20, blob_chunk_bytes: 4 << 20 }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { code: self.code.to_owned(), message: self.message })).into_response()
    }
}

type Shared = Arc<SyncService>;

/// Which responses to compress: above 1 KiB, never photos (already JPEG).
pub fn compress_when() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(1024).and(NotForContentType::IMAGES)
}

/// The routes of the sync API.
pub fn router(service: Shared, limits: BodyLimits) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/login", post(login).layer(DefaultBodyLimit::max(16 << 10)))
        .route("/v1/sync", post(sync).layer(DefaultBodyLimit::max(limits.sync_bytes)))
        .route("/v1/sync/docs", post(doc_sync).layer(DefaultBodyLimit::max(limits.sync_bytes)))
        .route("/v1/blobs/{hash}/status", get(blob_status))
        .route("/v1/blobs/{hash}", get(blob_get).put(blob_put).layer(DefaultBodyLimit::max(limits.blob_chunk_bytes)))
        .route("/v1/stats", get(stats))
        .with_state(service)
}

impl FromRequestParts<Shared> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, service: &Shared) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("missing_token", "log in first (no Authorization header)"))?;
        let token = header
            .strip_prefix("Bearer ")
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| ApiError::unauthorized("invalid_token", "Authorization must be `Bearer <token>`"))?;
        service.authenticate(token).await
    }
}

fn cbor_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with(CBOR) {
        return Err(ApiError::new(415, "unsupported_content_type", format!("send {CBOR}")));
    }
    wire::decode(body).map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))
}

fn cbor<T: serde::Serialize>(value: &T) -> Response {
    ([(header::CONTENT_TYPE, CBOR)], wire::encode(value)).into_response()
}

async fn login(State(s): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let req: LoginRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
    Ok(Json(s.login(req).await?).into_response())
}

async fn sync(State(s): State<Shared>, who: AuthUser, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let req: SyncRequest = cbor_body(&headers, &body)?;
    Ok(cbor(&s.sync(&who, req).await?))
}

async fn doc_sync(
    State(s): State<Shared>,
    who: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: DocSyncRequest = cbor_body(&headers, &body)?;
    Ok(cbor(&s.doc_sync(&who, req).await?))
}

async fn blob_status(State(s): State<Shared>, who: AuthUser, Path(hash): Path<String>) -> Result<Response, ApiError> {
    Ok(Json(s.blob_status(&who, &hash).await?).into_response())
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: u64,
    total: u64,
}

async fn blob_put(
    State(s): State<Shared>,
    who: AuthUser,
    Path(hash): Path<String>,
    Query(q): Query<ChunkQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let chunk_hash = headers.get("x-chunk-sha256").and_then(|v| v.to_str().ok());
    match s.blob_append(&who, &hash, q.offset, q.total, &body, chunk_hash).await {
        Ok(status) => Ok(Json(status).into_response()),
        Err(e) if e.code == "offset_mismatch" => {
            // Tell the client where to resume.
            let status = s.blob_status(&who, &hash).await?;
            Ok((StatusCode::CONFLICT, Json(status)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn blob_get(State(s): State<Shared>, who: AuthUser, Path(hash): Path<String>) -> Result<Response, ApiError> {
    let bytes = s.blob_get(&who, &hash).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=31536000, immutable")], bytes)
        .into_response())
}

async fn stats(State(s): State<Shared>, who: AuthUser) -> Result<Response, ApiError> {
    if who.user.role != gridpatrol_core::model::Role::Admin {
        return Err(ApiError::forbidden("admin_only", "only admins may read server statistics"));
    }
    Ok(Json(s.stats()).into_response())
}
