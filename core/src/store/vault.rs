//! The key that encrypts the device database (SQLCipher: every page of the
//! file, its WAL, and so every photo, which lives in it). The key never
//! sits in the data folder: the app keeps it in the OS keystore (the
//! keyring crate on desktop; Android Keystore and iOS Keychain behind the
//! same trait later), tests keep it in a file elsewhere.

use std::path::PathBuf;

use rand::RngCore;

use super::StoreError;

/// A 256-bit database key.
pub type DbKey = [u8; 32];

/// Where the database key lives.
pub trait KeyVault: Send + Sync {
    /// The key, created (random) on first use.
    fn key(&self) -> Result<DbKey, StoreError>;
}

/// A new random key.
pub fn new_key() -> DbKey {
    let mut k = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

/// A key kept in a file (readable by its owner only), for tests and for
/// desktops without a keystore. Keep it outside the data folder.
#[derive(Debug, Clone)]
pub struct FileVault(pub PathBuf);

impl KeyVault for FileVault {
    fn key(&self) -> Result<DbKey, StoreError> {
        let bad = |e: std::io::Error| StoreError::Invalid(format!("key file {}: {e}", self.0.display()));
        match std::fs::read(&self.0) {
            Ok(b) => {
                let hex = String::from_utf8_lossy(&b);
                let bytes = hex::decode(hex.trim()).map_err(|e| StoreError::Invalid(format!("key file: {e}")))?;
                bytes.try_into().map_err(|_| StoreError::Invalid("a key file holds 32 bytes in hex".into()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = new_key();
                if let Some(dir) = self.0.parent() {
                    std::fs::create_dir_all(dir).map_err(bad)?;
                }
                write_private(&self.0, hex::encode(key).as_bytes()).map_err(bad)?;
                Ok(key)
            }
            Err(e) => Err(bad(e)),
        }
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(bytes)
}

/// The `PRAGMA key` statement for a raw key (no passphrase derivation).
pub(crate) fn key_pragma(key: &DbKey) -> String {
    format!("PRAGMA key = \"x'{}'\";", hex::encode_upper(key))
}
