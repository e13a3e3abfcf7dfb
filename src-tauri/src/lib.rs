//! 网格巡查 Gridpatrol, the Tauri shell. Thin by design: every command is
//! a one-line call into `gridpatrol_core`; errors reach the UI as
//! `{code, message}`; photos are served by the `photo:` URI scheme.

mod commands;
mod error;
mod keystore;
mod location;
mod photo_protocol;
mod recorder;
mod state;
mod tiles_protocol;

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
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let dir = match std::env::var_os("GRIDPATROL_DATA_DIR") {
                Some(d) => std::path::PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            let config_dir = app.path().app_config_dir()?;
            let state =
                tauri::async_runtime::block_on(async { AppState::open(&dir, &config_dir, hooks(app.handle())) })?;
            app.manage(state);
            app.manage(tiles_protocol::TilesDir::new(&dir));
            recorder::spawn(app.handle().clone());
            allow_tiles_fetch(app);
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol("photo", photo_protocol::handle)
        .register_asynchronous_uri_scheme_protocol("tiles", tiles_protocol::handle)
        .invoke_handler(tauri::generate_handler![
            commands::session::session_get,
            commands::session::clock_now,
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
            commands::patrols::patrol_end,
            commands::patrols::patrols_list,
            commands::team::patrol_join,
            commands::team::patrol_join_code,
            commands::team::patrol_end_part,
            commands::team::patrols_team_today,
            commands::team::patrol_history,
            commands::map::map_layers,
            commands::map::map_from_wgs84,
            commands::map::map_to_wgs84,
            commands::map::basemap_get,
            commands::map::basemap_options,
            commands::map::basemap_set,
            commands::nearby::cases_nearby,
            commands::nearby::case_add_evidence,
            commands::location::location_current,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::sync::sync_network_up,
            commands::sync::sync_unsynced,
            commands::dashboard::dashboard_get,
            commands::exports::export_patrol_log,
            commands::exports::export_kpi_report,
            commands::exports::export_cases,
            commands::admin::admin_users,
            commands::admin::admin_user_add,
            commands::admin::admin_user_set_disabled,
            commands::admin::admin_user_reset_password,
            commands::admin::admin_devices,
            commands::admin::admin_device_revoke,
            commands::admin::admin_categories,
            commands::admin::admin_category_add,
            commands::admin::admin_org_import,
            commands::admin::admin_rating_rules,
            commands::admin::admin_rating_rules_set,
            commands::admin::admin_audit,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Gridpatrol app");
}

/// WebKitGTK lets the page (`tauri://localhost`) `fetch()` the `tiles:`
/// scheme, another origin, only when the scheme is CORS-enabled.
fn allow_tiles_fetch(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    for (_, webview) in app.webview_windows() {
        let _ = webview.with_webview(|w| {
            use webkit2gtk::{SecurityManagerExt, WebContextExt, WebViewExt};
            if let Some(manager) = w.inner().context().and_then(|c| c.security_manager()) {
                manager.register_uri_scheme_as_cors_enabled("tiles");
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
