//! Sync between devices and the server.
//!
//! - [`wire`]: the versioned protocol types (CBOR over HTTP); no IO.
//! - [`engine`]: the sans-IO device side: build a request from the store,
//!   apply a response to it.
//! - [`office_wire`]: the office's API types (dashboard, exports, admin).
//! - [`progress`]: what the UI shows while syncing and after.
//! - `client` (feature `client`): the HTTP client (reqwest + rustls) with
//!   retries, backoff and resumable photo uploads.
//! - `office_app` (feature `client`): the office's dashboard and exports,
//!   the server first, else the device's copy.

pub mod engine;
pub mod office_wire;
pub mod pin;
pub mod progress;
pub mod run;
pub mod schedule;
pub mod session;
pub mod wire;

#[cfg(feature = "client")]
pub mod auto;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod office_app;
#[cfg(feature = "client")]
mod office_client;
#[cfg(feature = "client")]
pub mod tls;

pub use progress::{SessionInfo, SyncFailure, SyncPhase, SyncProgress, SyncReport};
