//! Who is asking: passwords ([`passwords`], argon2 off the async workers),
//! device tokens ([`tokens`]) and the authenticated caller, [`AuthUser`].

pub mod passwords;
pub mod tokens;

use gridpatrol_core::model::{Scope, User};

pub use passwords::{Hasher, hash_password, verify_password};
pub use tokens::{new_token, token_hash};

/// An authenticated request: who, from which device and address, seeing what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub user: User,
    pub device_id: String,
    pub scope: Scope,
    /// SHA-256 of the token the request carried (for logout and renewal).
    pub token_hash: String,
    /// The client's address (after trusted proxies), for the audit.
    pub addr: String,
}
