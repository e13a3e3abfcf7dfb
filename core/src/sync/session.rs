//! The device's session: who is logged in, against which server, with
//! which token. Kept in the store so the app opens offline after login.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::progress::SessionInfo;
use super::wire::LoginResponse;
use crate::store::{Actor, DeviceStore, StoreError};
use crate::time::Millis;

const SESSION_KEY: &str = "session";
const REFERENCE_VERSION_KEY: &str = "reference_version";

/// The stored session, token included (never shown to the UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub token: String,
    pub user: crate::model::User,
    pub last_sync_at: Option<Millis>,
    /// The server's certificate fingerprint, pinned at first login.
    #[serde(default)]
    pub pin: Option<String>,
    /// Plain http to this (non-loopback) server was allowed by the person.
    #[serde(default)]
    pub allow_insecure_http: bool,
}

impl Session {
    /// How the client trusts this session's server.
    #[cfg(feature = "client")]
    pub fn trust(&self) -> super::client::Trust {
        super::client::Trust { pin: self.pin.clone(), allow_insecure_http: self.allow_insecure_http }
    }

    /// The acting user for store operations.
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user.id.clone(), role: self.user.role }
    }

    /// What the UI may see of the session.
    pub fn info(&self, device_id: &str) -> SessionInfo {
        SessionInfo {
            server: self.server.clone(),
            user_id: self.user.id.clone(),
            username: self.user.username.clone(),
            name: self.user.name.clone(),
            role: self.user.role,
            device_id: device_id.to_owned(),
            last_sync_at: self.last_sync_at,
        }
    }
}

/// What the login screen learns from a server before anything secret is
/// sent: whether it is encrypted and which certificate it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ServerProbe {
    /// The address as it will be stored (no trailing slash).
    pub server: String,
    pub https: bool,
    /// This machine: plain http is fine.
    pub loopback: bool,
    /// SHA-256 of the certificate, `AB:CD:…` (https only).
    pub fingerprint: Option<String>,
    /// The fingerprint this device pinned for this server before, if any.
    pub pinned: Option<String>,
}

/// How a logout ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LogoutResult {
    /// The server revoked the token now; `false`: offline, it will be at
    /// the next contact.
    pub revoked: bool,
}

/// A login that ended while the server could not be told: its token is
/// revoked at the next contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogout {
    pub server: String,
    pub token: String,
    pub pin: Option<String>,
    pub allow_insecure_http: bool,
}

const CURRENT_KEY: &str = "session_current";
const PENDING_LOGOUTS_KEY: &str = "session_pending_logouts";

fn key_of(user_id: &str) -> String {
    format!("session:{user_id}")
}

fn read<T: serde::de::DeserializeOwned>(store: &DeviceStore, key: &str) -> Result<Option<T>, StoreError> {
    store
        .meta(key)?
        .map(|b| serde_json::from_slice(&b).map_err(|e| StoreError::Invalid(format!("stored {key}: {e}"))))
        .transpose()
}

fn write<T: Serialize>(store: &DeviceStore, key: &str, value: &T) -> Result<(), StoreError> {
    store.set_meta(key, &serde_json::to_vec(value).map_err(|e| StoreError::Invalid(e.to_string()))?)
}

/// The current session, if someone is logged in on this device.
pub fn load(store: &DeviceStore) -> Result<Option<Session>, StoreError> {
    if let Some(old) = read::<Session>(store, SESSION_KEY)? {
        // A session from the single-user release: adopt it.
        save(store, &old)?;
        store.set_meta(CURRENT_KEY, old.user.id.as_bytes())?;
        store.delete_meta(SESSION_KEY)?;
    }
    let Some(user) = store.meta(CURRENT_KEY)? else { return Ok(None) };
    read(store, &key_of(&String::from_utf8_lossy(&user)))
}

fn save(store: &DeviceStore, s: &Session) -> Result<(), StoreError> {
    write(store, &key_of(&s.user.id), s)
}

/// The scope of the current session's user, for [`DeviceStore::set_viewer`].
pub fn viewer(store: &DeviceStore) -> Result<Option<crate::store::Viewer>, StoreError> {
    let Some(s) = load(store)? else { return Ok(None) };
    let scope = store.reference()?.scope_of(&s.user.id);
    Ok(Some(crate::store::Viewer { user_id: s.user.id, scope }))
}

/// Records a successful login: session, reference data and its version.
pub fn begin(store: &mut DeviceStore, server: &str, login: LoginResponse) -> Result<Session, StoreError> {
    begin_trusting(store, server, login, None, false)
}

/// [`begin`], remembering how the server is trusted. The user becomes the
/// one the store shows things to.
pub fn begin_trusting(
    store: &mut DeviceStore,
    server: &str,
    login: LoginResponse,
    pin: Option<String>,
    allow_insecure_http: bool,
) -> Result<Session, StoreError> {
    store.set_reference(login.reference)?;
    store.set_meta(REFERENCE_VERSION_KEY, &login.reference_version.to_be_bytes())?;
    let last_sync_at = read::<Session>(store, &key_of(&login.user.id))?.and_then(|s| s.last_sync_at);
    let session = Session {
        server: server.to_owned(),
        token: login.token,
        user: login.user,
        last_sync_at,
        pin,
        allow_insecure_http,
    };
    save(store, &session)?;
    if let Some(pin) = &session.pin {
        store.set_meta(&pin_key(server), pin.as_bytes())?;
    }
    store.set_meta(CURRENT_KEY, session.user.id.as_bytes())?;
    let v = viewer(store)?;
    store.set_viewer(v);
    Ok(session)
}

fn pin_key(server: &str) -> String {
    format!("pin:{}", server.trim_end_matches('/'))
}

/// The certificate fingerprint pinned for `server` by an earlier login on
/// this device.
pub fn pinned_for(store: &DeviceStore, server: &str) -> Result<Option<String>, StoreError> {
    Ok(store.meta(&pin_key(server))?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// After the app starts: shows the store to the logged-in user again.
pub fn resume(store: &mut DeviceStore) -> Result<Option<Session>, StoreError> {
    let v = viewer(store)?;
    store.set_viewer(v);
    load(store)
}

/// Records a finished sync.
pub fn synced(store: &DeviceStore) -> Result<(), StoreError> {
    if let Some(mut s) = load(store)? {
        s.last_sync_at = Some(store.now());
        save(store, &s)?;
    }
    Ok(())
}

/// Logs out: the session ends here, and its token is queued to be revoked
/// on the server (the caller tells the server at once when it can, then
/// calls [`forget_logout`]). Documents and photos stay on the device —
/// unsynced work stays its author's until they log in again.
pub fn end(store: &mut DeviceStore) -> Result<Option<PendingLogout>, StoreError> {
    let Some(s) = load(store)? else { return Ok(None) };
    let pending = PendingLogout {
        server: s.server.clone(),
        token: s.token.clone(),
        pin: s.pin.clone(),
        allow_insecure_http: s.allow_insecure_http,
    };
    let mut all = pending_logouts(store)?;
    all.push(pending.clone());
    write(store, PENDING_LOGOUTS_KEY, &all)?;
    // Keep the user's last sync time, drop the token.
    save(store, &Session { token: String::new(), ..s })?;
    store.delete_meta(CURRENT_KEY)?;
    store.set_viewer(None);
    Ok(Some(pending))
}

/// Tokens still to be revoked on their servers.
pub fn pending_logouts(store: &DeviceStore) -> Result<Vec<PendingLogout>, StoreError> {
    Ok(read(store, PENDING_LOGOUTS_KEY)?.unwrap_or_default())
}

/// The server has revoked this token (or refused it as unknown).
pub fn forget_logout(store: &DeviceStore, token: &str) -> Result<(), StoreError> {
    let mut all = pending_logouts(store)?;
    all.retain(|p| p.token != token);
    write(store, PENDING_LOGOUTS_KEY, &all)
}
