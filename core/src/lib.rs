//! Gridpatrol core: the domain of grid patrols and the pieces both ends share.
//!
//! - [`model`]: the organisation tree, the category dictionary, and the two
//!   Automerge documents, [`model::Case`] and [`model::Patrol`].
//! - [`workflow`]: a case's status derived from its event log, who may do
//!   what, working-time deadlines and SLA colours.
//! - [`store`]: the device's local SQLite store (documents, list indexes,
//!   photo blobs, sync bookkeeping) behind one facade, [`store::DeviceStore`].
//! - [`photo`]: bounded photo ingest (orientation, EXIF, resize, hashes).
//! - [`sync`]: the wire protocol and the sans-IO sync engine; the HTTP client
//!   behind the `client` feature.
//! - [`codes`]: every error code, with zh-CN and English text.
//! - [`geo`]: coordinates for display, track filtering, street coverage,
//!   the duplicate hint's spatial index, GeoJSON geometry and GIS import.
//! - [`kpi`]: the office's KPIs, overdue counts and red/yellow/blue ratings.
//! - [`export`]: the daily patrol log and KPI report (XLSX), cases as CSV
//!   and GeoJSON.
//! - [`office`]: the dashboard and the export files over a set of records,
//!   and the checks of administrators' edits (server and device alike).
//! - [`demo`]: the demo street office the product starts with.
//!
//! This crate knows nothing of Tauri or HTTP servers.

pub mod clock;
pub mod codes;
pub mod demo;
pub mod export;
pub mod geo;
pub mod ids;
pub mod kpi;
pub mod model;
pub mod office;
pub mod photo;
pub mod store;
pub mod sync;
pub mod time;
pub mod workflow;
