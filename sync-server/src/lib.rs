//! The Gridpatrol sync server: merges the documents of many devices, with
//! per-grid access control, over embedded SQLite or PostgreSQL.
//!
//! - [`serve`] runs the HTTP service until `shutdown` resolves.
//! - [`service::SyncService`] is the protocol logic without HTTP.
//! - [`storage`] is the one storage trait and its two implementations.
//! - [`blobs`] stores photos; [`auth`] does passwords and tokens;
//!   [`validate`] decides what a user may write.

pub mod auth;
pub mod blobs;
pub mod compaction;
pub mod error;
pub mod http;
pub mod service;
pub mod settings;
pub mod storage;
pub mod validate;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use settings::Settings;

/// Opens storage and blobs as `settings` say, and builds the service.
pub async fn build(settings: &Settings) -> anyhow::Result<Arc<service::SyncService>> {
    if let Some(path) = settings.database_url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let storage = storage::open(&settings.database_url).await?;
    let blobs = Arc::new(blobs::FsBlobStore::open(&settings.blob_dir, settings.max_blob_bytes)?);
    let limits = service::Limits {
        max_push_docs: settings.max_push_docs,
        pull_page_docs: settings.pull_page_docs.max(1),
        login_max_failures: settings.login_max_failures.max(1),
        login_lockout: Duration::from_secs(settings.login_lockout_secs),
        ..service::Limits::default()
    };
    Ok(Arc::new(service::SyncService::new(storage, blobs, limits)))
}

/// Serves the sync API on `listener` until `shutdown` resolves.
pub async fn serve(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = build(&settings).await?;
    serve_service(service, &settings, listener, shutdown).await
}

/// Serves an already built service (tests keep a handle to its stats).
pub async fn serve_service(
    service: Arc<service::SyncService>,
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let compactor = (settings.compaction_interval_secs > 0).then(|| {
        tokio::spawn(compaction::run(
            service.storage().clone(),
            Duration::from_secs(settings.compaction_interval_secs),
            settings.compaction_min_changes,
        ))
    });
    let limits = http::BodyLimits { sync_bytes: settings.max_body_bytes, ..http::BodyLimits::default() };
    let app = http::router(service, limits)
        // Bodies above 1 KiB travel gzip'd both ways (photos excepted); the
        // body limits apply to the decompressed size.
        .layer(tower_http::decompression::RequestDecompressionLayer::new())
        .layer(tower_http::compression::CompressionLayer::new().compress_when(http::compress_when()))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    tracing::info!(addr = %listener.local_addr()?, db = %settings::redact_url(&settings.database_url), "serving");
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    if let Some(c) = compactor {
        c.abort();
    }
    Ok(())
}
