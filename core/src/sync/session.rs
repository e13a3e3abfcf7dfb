//! The device's session: who is logged in, against which server, with
//! which token. Kept in the store so the app opens offline after login.

use serde::{Deserialize, Serialize};

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

/// The current session, if someone has logged in on this device.
pub fn load(store: &DeviceStore) -> Result<Option<Session>, StoreError> {
    store
        .meta(SESSION_KEY)?
        .map(|b| serde_json::from_slice(&b).map_err(|e| StoreError::Invalid(format!("stored session: {e}"))))
        .transpose()
}

fn save(store: &DeviceStore, s: &Session) -> Result<(), StoreError> {
    store.set_meta(SESSION_KEY, &serde_json::to_vec(s).map_err(|e| StoreError::Invalid(e.to_string()))?)
}

/// Records a successful login: session, reference data and its version.
pub fn begin(store: &mut DeviceStore, server: &str, login: LoginResponse) -> Result<Session, StoreError> {
    begin_trusting(store, server, login, None, false)
}

/// [`begin`], remembering how the server is trusted.
pub fn begin_trusting(
    store: &mut DeviceStore,
    server: &str,
    login: LoginResponse,
    pin: Option<String>,
    allow_insecure_http: bool,
) -> Result<Session, StoreError> {
    store.set_reference(login.reference)?;
    store.set_meta(REFERENCE_VERSION_KEY, &login.reference_version.to_be_bytes())?;
    let session = Session {
        server: server.to_owned(),
        token: login.token,
        user: login.user,
        last_sync_at: None,
        pin,
        allow_insecure_http,
    };
    save(store, &session)?;
    Ok(session)
}

/// Records a finished sync.
pub fn synced(store: &DeviceStore) -> Result<(), StoreError> {
    if let Some(mut s) = load(store)? {
        s.last_sync_at = Some(store.now());
        save(store, &s)?;
    }
    Ok(())
}

/// Logs out. Documents and photos stay on the device (nothing is deleted
/// before the server has it); the next login continues from them.
pub fn end(store: &DeviceStore) -> Result<(), StoreError> {
    store.delete_meta(SESSION_KEY)
}
