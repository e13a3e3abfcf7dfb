//! Login (trust on first use, one-time passwords), logout (the token is
//! revoked now or at the next contact), whose work waits on this device,
//! the session and the reference data.

use std::time::Duration;

use gridpatrol_core::model::Reference;
use gridpatrol_core::store::WaitingWork;
use gridpatrol_core::sync::SessionInfo;
use gridpatrol_core::sync::client::{ClientError, SyncClient, Trust, probe_server};
use gridpatrol_core::sync::session::{self, LogoutResult, ServerProbe};
use tauri::State;

use crate::error::AppResult;
use crate::state::AppState;

#[tauri::command(rename_all = "snake_case")]
pub async fn session_get(state: State<'_, AppState>) -> AppResult<Option<SessionInfo>> {
    let store = state.store();
    Ok(session::load(&store)?.filter(|s| !s.token.is_empty()).map(|s| s.info(store.device_id())))
}

/// What the login screen shows before anything secret is sent.
#[tauri::command(rename_all = "snake_case")]
pub async fn server_probe(state: State<'_, AppState>, server: String) -> AppResult<ServerProbe> {
    Ok(probe_server(&state.store, &server).await?)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn login(
    state: State<'_, AppState>,
    server: String,
    username: String,
    password: String,
    new_password: Option<String>,
    pin: Option<String>,
    allow_insecure_http: Option<bool>,
) -> AppResult<SessionInfo> {
    let client =
        SyncClient::with_trust(&server, Trust { pin, allow_insecure_http: allow_insecure_http.unwrap_or(false) })?;
    let s = client.login_with(&state.store, &username, &password, new_password.as_deref(), &device_name()).await?;
    state.auto.soon();
    Ok(s.info(state.store().device_id()))
}

/// Ends the session; the server revokes the token now if it answers within
/// a few seconds, else automatic sync tells it at the next contact.
#[tauri::command(rename_all = "snake_case")]
pub async fn logout(state: State<'_, AppState>) -> AppResult<LogoutResult> {
    let Some(p) = session::end(&mut state.store())? else { return Ok(LogoutResult { revoked: true }) };
    let client =
        SyncClient::with_trust(&p.server, Trust { pin: p.pin.clone(), allow_insecure_http: p.allow_insecure_http })?
            .with_token(&p.token);
    let revoked = match tokio::time::timeout(Duration::from_secs(5), client.logout()).await {
        Ok(Ok(())) | Ok(Err(ClientError::Server { status: 401 | 403, .. })) => true,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "logout queued: the server will be told at the next contact");
            false
        }
        Err(_) => false,
    };
    if revoked {
        session::forget_logout(&state.store(), &p.token)?;
    }
    Ok(LogoutResult { revoked })
}

/// People whose unsynced work is on this device (not the current user).
#[tauri::command(rename_all = "snake_case")]
pub async fn waiting_work(state: State<'_, AppState>) -> AppResult<Vec<WaitingWork>> {
    let store = state.store();
    let current = session::load(&store)?.filter(|s| !s.token.is_empty()).map(|s| s.user.id);
    Ok(store.waiting_work()?.into_iter().filter(|w| Some(&w.user_id) != current.as_ref()).collect())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reference_get(state: State<'_, AppState>) -> AppResult<Reference> {
    Ok((**state.store().reference()?).clone())
}

fn device_name() -> String {
    format!("{} {}", std::env::consts::OS, std::env::var("HOSTNAME").unwrap_or_default()).trim().to_owned()
}
