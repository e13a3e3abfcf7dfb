//! The HTTP face of the service (axum): routes, bodies and their limits,
//! the client's address, and the one place error codes become statuses.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::sync::wire::{self, CBOR, DocSyncRequest, ErrorBody, LoginRequest, PasswordChange, SyncRequest};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{ServerError, refuse};
use crate::service::SyncService;

/// Body limits and the deadline for receiving a body.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub sync_bytes: usize,
    pub blob_chunk_bytes: usize,
    pub body_timeout: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits { sync_bytes: 16 << 20, blob_chunk_bytes: 4 << 20, body_timeout: Duration::from_secs(60) }
    }
}

/// The HTTP status of each code.
pub fn status(code: ErrorCode) -> StatusCode {
    use ErrorCode as E;
    match code {
        E::MissingToken | E::InvalidToken | E::TokenExpired | E::DeviceRevoked | E::WrongCredentials => {
            StatusCode::UNAUTHORIZED
        }
        E::UserDisabled | E::PasswordChangeRequired | E::AdminOnly | E::OutOfScope | E::RoleNotPermitted => {
            StatusCode::FORBIDDEN
        }
        E::NotFound => StatusCode::NOT_FOUND,
        E::OffsetMismatch => StatusCode::CONFLICT,
        E::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        E::BodyTooLarge | E::TooManyDocuments | E::BlobTooLarge | E::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        E::QuotaExceeded => StatusCode::INSUFFICIENT_STORAGE,
        E::UnsupportedContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        E::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        E::Busy | E::StorageUnavailable | E::NotInitialised | E::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
        E::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        (status(self.code), Json(ErrorBody { code: self.code.as_str().to_owned(), message: self.message }))
            .into_response()
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct Api {
    pub service: Arc<SyncService>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

pub(crate) type Shared = Arc<Api>;

/// Which responses to compress: above 1 KiB, never photos (already JPEG).
pub fn compress_when() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(1024).and(NotForContentType::IMAGES)
}

/// The routes of the sync API.
pub fn router(api: Shared, limits: BodyLimits) -> Router {
    let small = DefaultBodyLimit::max(16 << 10);
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/login", post(login).layer(small))
        .route("/v1/logout", post(logout).layer(small))
        .route("/v1/token", post(renew).layer(small))
        .route("/v1/password", post(password).layer(small))
        .route("/v1/sync", post(sync).layer(DefaultBodyLimit::max(limits.sync_bytes)))
        .route("/v1/sync/docs", post(doc_sync).layer(DefaultBodyLimit::max(limits.sync_bytes)))
        .route("/v1/blobs/{hash}/status", get(blob_status))
        .route("/v1/blobs/{hash}", get(blob_get).put(blob_put).layer(DefaultBodyLimit::max(limits.blob_chunk_bytes)))
        .route("/v1/stats", get(stats))
        .merge(crate::office_http::routes())
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_timeout))
        .with_state(api)
}

/// The client's address: the peer, or — behind a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_addr(parts: &Parts, trusted: &[IpAddr]) -> String {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some(mut addr) = peer else { return "unknown".into() };
    if trusted.contains(&addr)
        && let Some(chain) = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
    {
        for hop in chain.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if trusted.contains(&ip) => continue,
                Ok(ip) => {
                    addr = ip;
                    break;
                }
                Err(_) => break,
            }
        }
    }
    addr.to_string()
}

/// The caller's address, for handlers that need no login.
struct ClientAddr(String);

impl FromRequestParts<Shared> for ClientAddr {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, api: &Shared) -> Result<Self, ServerError> {
        Ok(ClientAddr(client_addr(parts, &api.trusted_proxies)))
    }
}

impl FromRequestParts<Shared> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, api: &Shared) -> Result<Self, ServerError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| refuse(ErrorCode::MissingToken, "log in first (no Authorization header)"))?;
        let token = header
            .strip_prefix("Bearer ")
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| refuse(ErrorCode::InvalidToken, "Authorization must be `Bearer <token>`"))?;
        api.service.authenticate(token, &client_addr(parts, &api.trusted_proxies)).await
    }
}

/// Whether an error was the body deadline passing.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// A body, or a clear code when it was too large or too slow.
pub(crate) fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ServerError> {
    b.map_err(|e| {
        if timed_out(&e) {
            return refuse(ErrorCode::RequestTimeout, "the request body was too slow");
        }
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => refuse(ErrorCode::BodyTooLarge, "the request body is too large"),
            _ => refuse(ErrorCode::MalformedBody, e.body_text()),
        }
    })
}

fn cbor_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ServerError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with(CBOR) {
        return Err(refuse(ErrorCode::UnsupportedContentType, format!("send {CBOR}")));
    }
    wire::decode(body).map_err(|e| refuse(ErrorCode::MalformedBody, e.to_string()))
}

pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ServerError> {
    serde_json::from_slice(body).map_err(|e| refuse(ErrorCode::MalformedBody, e.to_string()))
}

fn cbor<T: serde::Serialize>(value: &T) -> Response {
    ([(header::CONTENT_TYPE, CBOR)], wire::encode(value)).into_response()
}

async fn login(
    State(api): State<Shared>,
    ClientAddr(addr): ClientAddr,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let req: LoginRequest = json_body(&body(b)?)?;
    Ok(Json(api.service.login(req, &addr).await?).into_response())
}

async fn logout(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    api.service.logout(&who).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn renew(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    Ok(Json(api.service.renew(&who).await?).into_response())
}

async fn password(
    State(api): State<Shared>,
    who: AuthUser,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let req: PasswordChange = json_body(&body(b)?)?;
    Ok(Json(api.service.change_password(&who, req).await?).into_response())
}

async fn sync(
    State(api): State<Shared>,
    who: AuthUser,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let req: SyncRequest = cbor_body(&headers, &body(b)?)?;
    Ok(cbor(&api.service.sync(&who, req).await?))
}

async fn doc_sync(
    State(api): State<Shared>,
    who: AuthUser,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let req: DocSyncRequest = cbor_body(&headers, &body(b)?)?;
    Ok(cbor(&api.service.doc_sync(&who, req).await?))
}

async fn blob_status(
    State(api): State<Shared>,
    who: AuthUser,
    Path(hash): Path<String>,
) -> Result<Response, ServerError> {
    Ok(Json(api.service.blob_status(&who, &hash).await?).into_response())
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: u64,
    total: u64,
}

async fn blob_put(
    State(api): State<Shared>,
    who: AuthUser,
    Path(hash): Path<String>,
    Query(q): Query<ChunkQuery>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ServerError> {
    let chunk = body(b)?;
    let chunk_hash = headers.get("x-chunk-sha256").and_then(|v| v.to_str().ok());
    match api.service.blob_append(&who, &hash, q.offset, q.total, &chunk, chunk_hash).await {
        Ok(status) => Ok(Json(status).into_response()),
        Err(e) if e.code == ErrorCode::OffsetMismatch => {
            // Tell the client where to resume.
            let status = api.service.blob_status(&who, &hash).await?;
            Ok((StatusCode::CONFLICT, Json(status)).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn blob_get(State(api): State<Shared>, who: AuthUser, Path(hash): Path<String>) -> Result<Response, ServerError> {
    let bytes = api.service.blob_get(&who, &hash).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=31536000, immutable")], bytes)
        .into_response())
}

async fn stats(State(api): State<Shared>, who: AuthUser) -> Result<Response, ServerError> {
    if who.user.role != gridpatrol_core::model::Role::Admin {
        return Err(refuse(ErrorCode::AdminOnly, "only admins may read server statistics"));
    }
    Ok(Json(api.service.stats()).into_response())
}
