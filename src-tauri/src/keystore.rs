//! Where the app keeps the key of the encrypted device database: never in
//! the data folder. On desktop it is the OS keystore (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows) through the
//! keyring crate; phones get Android Keystore / iOS Keychain behind the
//! same `KeyVault` trait. `GRIDPATROL_KEY_FILE` puts it in a file instead
//! (tests; desktops without a keystore, where a key file outside the data
//! folder is the fallback, with a warning).

use std::path::{Path, PathBuf};

use gridpatrol_core::store::StoreError;
use gridpatrol_core::store::vault::{DbKey, FileVault, KeyVault, new_key};

const SERVICE: &str = "cn.gridpatrol.app";

/// The OS keystore, one entry per data folder.
#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
struct KeyringVault {
    entry: keyring::Entry,
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
impl KeyVault for KeyringVault {
    fn key(&self) -> Result<DbKey, StoreError> {
        let bad = |e: keyring::Error| StoreError::Invalid(format!("OS keystore: {e}"));
        match self.entry.get_secret() {
            Ok(bytes) => bytes.try_into().map_err(|_| StoreError::Invalid("the stored key is not 32 bytes".into())),
            Err(keyring::Error::NoEntry) => {
                let key = new_key();
                self.entry.set_secret(&key).map_err(bad)?;
                // Read it back: a keystore that forgets would lose the data.
                match self.entry.get_secret() {
                    Ok(b) if b == key => Ok(key),
                    Ok(_) => Err(StoreError::Invalid("the OS keystore returned another key".into())),
                    Err(e) => Err(bad(e)),
                }
            }
            Err(e) => Err(bad(e)),
        }
    }
}

/// The key of the database `db` (in `data_dir`): from `GRIDPATROL_KEY_FILE`,
/// the OS keystore, or (no keystore here) a key file in `config_dir`. A
/// database already encrypted with a keystore key that cannot be reached
/// now is an error, never a new key (that would lose the data).
pub fn database_key(db: &Path, config_dir: &Path) -> anyhow::Result<DbKey> {
    if let Some(path) = std::env::var_os("GRIDPATROL_KEY_FILE") {
        return Ok(FileVault(PathBuf::from(path)).key()?);
    }
    let fallback = FileVault(config_dir.join("device-key.hex"));
    if fallback.0.exists() {
        return Ok(fallback.key()?);
    }
    match keystore_key(db) {
        Ok(key) => Ok(key),
        Err(e) if db.exists() && !is_plain_sqlite(db) => {
            anyhow::bail!("the device database is encrypted with a key in the OS keystore, which is unavailable: {e}")
        }
        Err(e) => {
            tracing::warn!(error = %e, file = %fallback.0.display(), "no OS keystore: the database key is kept in a file outside the data folder");
            Ok(fallback.key()?)
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn keystore_key(db: &Path) -> Result<DbKey, StoreError> {
    let account = format!("database {}", db.display());
    let entry = keyring::Entry::new(SERVICE, &account).map_err(|e| StoreError::Invalid(e.to_string()))?;
    KeyringVault { entry }.key()
}

/// Phones: Android Keystore / iOS Keychain are the documented follow-up;
/// until then the key file in the app's private config folder.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn keystore_key(_db: &Path) -> Result<DbKey, StoreError> {
    let _ = SERVICE;
    Err(StoreError::Invalid("no keystore binding on this platform yet".into()))
}

/// A SQLite file that is not encrypted starts with this header.
fn is_plain_sqlite(db: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(db).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok()
        && &head == b"SQLite format 3\0"
}
