//! The Gridpatrol sync server: merges the documents of many devices and
//! decides who may see and write what, over embedded SQLite or PostgreSQL.
//!
//! - [`serve`] runs the service (HTTP or HTTPS) until `shutdown` resolves.
//! - [`service::SyncService`] is the protocol logic without HTTP.
//! - [`duty`] decides what a writer may write; [`auth`] does passwords and
//!   tokens; [`limits`] holds every bound.
//! - [`storage`] is the one storage trait and its two implementations;
//!   [`blobstore`] holds photos.
//! - [`net`] accepts connections (limits, timeouts, TLS); [`http`] maps
//!   routes and error codes; [`office_http`] the office's routes (dashboard,
//!   reports, administration).
//! - [`compaction`] and [`janitor`] run in the background.

pub mod auth;
pub mod blobstore;
pub mod compaction;
pub mod duty;
pub mod error;
pub mod http;
pub mod janitor;
pub mod limits;
pub mod net;
pub mod office_http;
pub mod service;
pub mod settings;
pub mod storage;

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
    let storage = storage::open(&settings.database_url, settings.database_ca.as_deref()).await?;
    let blobs = blobstore::open(settings)?;
    let limits = limits::Limits::from(settings);
    let service = service::SyncService::new(storage, blobs, limits, settings.hash_concurrency);
    Ok(Arc::new(service.with_clock(gridpatrol_core::clock::Clock::from_env())))
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

/// Serves an already built service (tests keep a handle to it).
pub async fn serve_service(
    service: Arc<service::SyncService>,
    settings: &Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(net::tls::acceptor(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("tls_cert and tls_key go together"),
    };
    let compactor = (settings.compaction_interval_secs > 0).then(|| {
        tokio::spawn(compaction::run(
            service.storage().clone(),
            Duration::from_secs(settings.compaction_interval_secs),
            settings.compaction_min_changes,
        ))
    });
    let janitor = tokio::spawn(janitor::run(
        service.clone(),
        Duration::from_secs(settings.janitor_interval_secs),
        Duration::from_secs(settings.upload_stale_secs),
    ));
    let limits = http::BodyLimits {
        sync_bytes: settings.max_body_bytes,
        body_timeout: Duration::from_secs(settings.body_timeout_secs),
        ..http::BodyLimits::default()
    };
    let api = Arc::new(http::Api { service, trusted_proxies: settings.trusted_proxies.clone() });
    let app = http::router(api, limits)
        // Bodies above 1 KiB travel gzip'd both ways (photos excepted); the
        // body limits apply to the decompressed size. Fastest level, as the
        // devices use: an end-of-day pull is CPU-bound, not link-bound.
        .layer(tower_http::decompression::RequestDecompressionLayer::new())
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(http::compress_when()),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http());
    let net_limits = net::NetLimits {
        max_connections: settings.max_connections,
        header_timeout: Duration::from_secs(settings.header_timeout_secs.max(1)),
        idle_timeout: Duration::from_secs(settings.idle_timeout_secs.max(1)),
    };
    tracing::info!(
        addr = %listener.local_addr()?,
        tls = tls.is_some(),
        db = %settings::redact_url(&settings.database_url),
        "serving"
    );
    let served = net::serve(listener, app, tls, net_limits, shutdown).await;
    if let Some(c) = compactor {
        c.abort();
    }
    janitor.abort();
    Ok(served?)
}
