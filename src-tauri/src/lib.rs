//! 网格巡查 Gridpatrol, the Tauri shell. Thin by design: every command is
//! a one-line call into `gridpatrol_core`; errors reach the UI as
//! `{code, message}`; photos are served by the `photo:` URI scheme.

mod commands;
mod error;
mod keystore;
mod location;
mod photo_protocol;
mod state;

use std::sync::Arc;

use gridpatrol_core::sync::auto::Hooks;
use tauri::{Emitter, Manager};

pub use error::AppError;
pub use state::AppState;

/// What automatic sync tells the UI: `sync-status`, `sync-progress`,
/// `device-revoked`.
fn hooks(app: &tauri::AppHandle) -> Hooks {
    let (a, b, c) = (app.clone(), app.clone(), app.clone());
    Hooks {
        status: Arc::new(move |s| {
            let _ = a.emit("sync-status", s);
        }),
        progress: Arc::new(move |p| {
            let _ = b.emit("sync-progress", p);
        }),
        revoked: Arc::new(move |r| {
            let _ = c.emit("device-revoked", r);
        }),
    }
}

/// Builds and runs the app (desktop `main` and the mobile entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .try_init();
    tauri::Builder::default()
        .setup(|app| {
            let dir = match std::env::var_os("GRIDPATROL_DATA_DIR") {
                Some(d) => std::path::PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            let config_dir = app.path().app_config_dir()?;
            let state =
                tauri::async_runtime::block_on(async { AppState::open(&dir, &config_dir, hooks(app.handle())) })?;
            app.manage(state);
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol("photo", photo_protocol::handle)
        .invoke_handler(tauri::generate_handler![
            commands::session::session_get,
            commands::session::server_probe,
            commands::session::login,
            commands::session::logout,
            commands::session::waiting_work,
            commands::session::reference_get,
            commands::cases::cases_list,
            commands::cases::case_get,
            commands::cases::case_create,
            commands::cases::case_append_event,
            commands::cases::case_attach_photos,
            commands::cases::grid_stats,
            commands::photos::photo_stage,
            commands::photos::photo_fetch,
            commands::patrols::patrol_start,
            commands::patrols::patrol_active,
            commands::patrols::patrol_get,
            commands::patrols::patrol_check_street,
            commands::patrols::patrol_record_track,
            commands::patrols::patrol_end,
            commands::patrols::patrols_list,
            commands::location::location_current,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::sync::sync_network_up,
            commands::sync::sync_unsynced,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Gridpatrol app");
}
