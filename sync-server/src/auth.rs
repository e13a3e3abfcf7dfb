//! Passwords (argon2), device tokens (random, stored as SHA-256) and a
//! throttle on password guessing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use gridpatrol_core::model::{Scope, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// An authenticated request: who, from which device, seeing what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub user: User,
    pub device_id: String,
    pub scope: Scope,
}

/// Hashes a password into an argon2 PHC string.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default params").to_string()
}

/// Checks a password against a PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new random device token (256 bits, URL-safe base64).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Locks a user name out for a while after repeated wrong passwords.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: u32,
    lockout: Duration,
    state: Mutex<HashMap<String, (u32, Option<Instant>)>>,
}

impl LoginThrottle {
    /// After `max_failures` wrong passwords, refuse for `lockout`.
    pub fn new(max_failures: u32, lockout: Duration) -> Self {
        LoginThrottle { max_failures, lockout, state: Mutex::new(HashMap::new()) }
    }

    /// Seconds until `username` may try again, or `None` if it may now.
    pub fn wait(&self, username: &str) -> Option<u64> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (_, until) = state.get(username)?;
        let left = until.as_ref()?.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    /// Records a wrong password.
    pub fn failed(&self, username: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.len() > 100_000 {
            state.clear(); // bounded memory under a spray of user names
        }
        let entry = state.entry(username.to_owned()).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= self.max_failures {
            entry.1 = Some(Instant::now() + self.lockout);
            entry.0 = 0;
        }
    }

    /// Forgets failures after a successful login.
    pub fn succeeded(&self, username: &str) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("晨检123");
        assert!(verify_password("晨检123", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn guessing_is_throttled() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            t.failed("w");
        }
        assert_eq!(t.wait("w"), None);
        t.failed("w");
        assert!(t.wait("w").is_some());
        assert_eq!(t.wait("other"), None);
    }
}
