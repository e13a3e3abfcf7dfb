//! Tauri commands, grouped by domain. Each is a one-line call into core.

pub mod admin;
pub mod cases;
pub mod dashboard;
pub mod exports;
pub mod location;
pub mod map;
pub mod nearby;
pub mod patrols;
pub mod photos;
pub mod session;
pub mod sync;
pub mod team;
