//! Shared harness for the cross-crate tests: real sync servers on
//! 127.0.0.1:0 (SQLite or PostgreSQL), real device stores in temporary
//! folders, real photos.

pub mod api;
pub mod backup;
pub mod bench;
pub mod bombs;
pub mod cluster;
pub mod device;
pub mod fixtures;
pub mod memory_blobs;
pub mod proxy;
pub mod s3;
pub mod server;

pub use device::TestDevice;
pub use server::{Backend, Blobs, TestServer};

/// Installs a test log subscriber once (RUST_LOG controls it).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
}
