//! 网格巡查 Gridpatrol, the Tauri shell. Thin by design: every command is
//! a one-line call into `gridpatrol_core`; errors reach the UI as
//! `{code, message}`; photos are served by the `photo:` URI scheme.

mod commands;
mod error;
mod location;
mod photo_protocol;
mod state;

use tauri::Manager;

pub use error::AppError;
pub use state::AppState;

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
            app.manage(AppState::open(&dir)?);
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol("photo", photo_protocol::handle)
        .invoke_handler(tauri::generate_handler![
            commands::session::session_get,
            commands::session::login,
            commands::session::logout,
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
            commands::sync::sync_unsynced,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Gridpatrol app");
}
