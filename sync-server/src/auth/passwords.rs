//! Passwords: argon2 PHC strings. Hashing takes a core for tens of
//! milliseconds, so [`Hasher`] runs it on the blocking pool with a bounded
//! number in flight: a storm of logins waits for a permit (or is told the
//! server is busy) while sync requests keep the async workers.

use std::sync::Arc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use gridpatrol_core::codes::ErrorCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ServerError, refuse};

/// A valid hash of nothing anyone types, checked against when the user name
/// is unknown (so a wrong name costs as long as a wrong password).
pub static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash_password("no user has this"));

/// Argon2id with 7 MiB and 5 passes: one of the settings OWASP's password
/// storage cheat sheet lists as equal in strength (19 MiB × 2 passes,
/// argon2's default, is another), chosen for its smaller memory: a login
/// storm holds one block per hash in flight.
fn argon() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid argon2 params");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a password into an argon2 PHC string (blocking).
pub fn hash_password(password: &str) -> String {
    hash_with(&argon(), password)
}

fn hash_with(argon: &Argon2<'static>, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon.hash_password(password.as_bytes(), &salt).expect("argon2 with valid params").to_string()
}

/// Checks a password against a PHC string (false for a malformed one;
/// blocking). The parameters are the ones stored in the string, so hashes
/// made with other settings keep verifying.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Runs password hashing off the async workers, a bounded number at once.
#[derive(Debug, Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// How long a login waits for a permit before it is told to retry.
    wait: Duration,
    argon: Argon2<'static>,
}

impl Hasher {
    /// At most `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Self {
        Hasher { permits: Arc::new(Semaphore::new(concurrency.max(1))), wait: Duration::from_secs(10), argon: argon() }
    }

    /// A hasher with argon2's smallest parameters: for simulations that log
    /// thousands of users in, never for a server (verification follows the
    /// parameters stored in each hash, so this affects new hashes only).
    pub fn cheap() -> Self {
        let params = argon2::Params::new(8, 1, 1, None).expect("valid argon2 params");
        Hasher { argon: Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params), ..Hasher::new(1) }
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, ServerError> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(refuse(ErrorCode::Busy, "too many logins at once; try again shortly")),
        }
    }

    /// Verifies a password against a stored hash.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, ServerError> {
        let permit = self.permit().await?;
        let (password, phc) = (password.to_owned(), phc.to_owned());
        let ok = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            verify_password(&password, &phc)
        })
        .await
        .map_err(|e| refuse(ErrorCode::Unknown, e.to_string()))?;
        Ok(ok)
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: &str) -> Result<String, ServerError> {
        let permit = self.permit().await?;
        let (password, argon) = (password.to_owned(), self.argon.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_with(&argon, &password)
        })
        .await
        .map_err(|e| refuse(ErrorCode::Unknown, e.to_string()))
    }

    /// Takes every permit (tests: prove that sync does not wait on hashing).
    pub async fn hold_all(&self) -> OwnedSemaphorePermit {
        let n = self.permits.available_permits() as u32;
        self.permits.clone().acquire_many_owned(n.max(1)).await.expect("semaphore is never closed")
    }

    /// Hashes in flight right now.
    pub fn in_flight(&self, concurrency: usize) -> usize {
        concurrency.saturating_sub(self.permits.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_off_the_workers() {
        let h = Hasher::new(2);
        let phc = h.hash("晨检123").await.unwrap();
        assert!(h.verify("晨检123", &phc).await.unwrap());
        assert!(!h.verify("wrong", &phc).await.unwrap());
        assert!(!verify_password("x", "not a hash"));
        assert!(phc.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{phc}");
        // A hash made with argon2's default settings (19 MiB, 2 passes)
        // still verifies.
        let old = hash_with(&Argon2::default(), "晨检123");
        assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{old}");
        assert!(h.verify("晨检123", &old).await.unwrap());
        assert!(!h.verify("wrong", &old).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_hasher_says_busy_instead_of_queueing_forever() {
        let mut h = Hasher::new(1);
        h.wait = Duration::from_millis(50);
        let _all = h.hold_all().await;
        let err = h.verify("x", "y").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Busy);
    }
}
