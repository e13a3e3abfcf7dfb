//! Logins, tokens and passwords.
//!
//! - A login's wrong passwords are counted per user name *and* source
//!   address, in storage (so every instance shares the count); a lockout of
//!   one address never locks the real user out from another.
//! - Tokens slide: each use extends them; unused they die. Logout revokes
//!   one; a password change or disabling revokes all of a user's; an admin's
//!   revocation of a device kills its tokens and no login revives it.
//! - A one-time password (from `import`) must be replaced at first login.

use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::ids::is_valid_id;
use gridpatrol_core::sync::wire::{LoginRequest, LoginResponse, PasswordChange, TokenResponse};
use gridpatrol_core::time::Millis;

use super::SyncService;
use super::audit::Actor;
use crate::auth::{AuthUser, new_token, token_hash};
use crate::error::{ServerError, bounded, refuse};
use crate::storage::{Credentials, Device, Token};

/// A token is touched at most this often (a write per request would cost
/// every nothing-changed sync a transaction).
const TOUCH_EVERY: Millis = 60_000;
/// The smallest password accepted.
pub const MIN_PASSWORD: usize = 8;

fn wrong() -> ServerError {
    refuse(ErrorCode::WrongCredentials, "wrong user name or password")
}

/// A new password must be long enough and differ from the old one.
pub fn check_new_password(old: &str, new: &str) -> Result<(), ServerError> {
    if new.chars().count() < MIN_PASSWORD || new == old || new.len() > 256 {
        return Err(refuse(
            ErrorCode::WeakPassword,
            format!("a password needs at least {MIN_PASSWORD} characters and must change"),
        ));
    }
    Ok(())
}

impl SyncService {
    /// Password login from `addr`: issues a device token.
    pub async fn login(&self, req: LoginRequest, addr: &str) -> Result<LoginResponse, ServerError> {
        let username = bounded(&req.username, 64);
        let actor = Actor { user_id: username.clone(), device_id: bounded(&req.device_id, 80), addr: addr.to_owned() };
        let now = self.now();
        if let Some(f) = self.storage.login_failures(&username, addr).await?
            && let Some(until) = f.locked_until.filter(|u| *u > now)
        {
            let secs = ((until - now) / 1000).max(1);
            return Err(self
                .refused(
                    &actor,
                    &username,
                    refuse(ErrorCode::TooManyAttempts, format!("too many wrong passwords; wait {secs} s")),
                )
                .await);
        }
        let cred = self.storage.credentials(&username).await?;
        let ok = match &cred {
            Some(c) if req.password.len() <= 256 => self.hasher.verify(&req.password, &c.password_hash).await?,
            _ => {
                // The same work as a real check, so timing does not reveal user names.
                let _ = self.hasher.verify(&req.password, &crate::auth::passwords::DUMMY_HASH).await?;
                false
            }
        };
        let Some(mut cred) = cred.filter(|_| ok) else {
            let lockout = self.limits.login_lockout.as_millis() as Millis;
            self.storage.record_login_failure(&username, addr, now, self.limits.login_max_failures, lockout).await?;
            return Err(self.refused(&actor, &username, wrong()).await);
        };
        if cred.disabled {
            return Err(self
                .refused(&actor, &username, refuse(ErrorCode::UserDisabled, "this user has been disabled"))
                .await);
        }
        if !is_valid_id(&req.device_id) {
            return Err(self
                .refused(&actor, &username, refuse(ErrorCode::InvalidDeviceId, "device id must be a UUID"))
                .await);
        }
        if let Some(d) = self.storage.device(&req.device_id).await?
            && d.revoked_at.is_some()
        {
            let err = refuse(ErrorCode::DeviceRevoked, "this device has been revoked by an administrator");
            return Err(self.refused(&actor, &username, err).await);
        }
        match (&req.new_password, cred.must_change) {
            (None, true) => {
                let err = refuse(ErrorCode::PasswordChangeRequired, "this one-time password must be replaced");
                return Err(self.refused(&actor, &username, err).await);
            }
            (Some(new), _) => {
                if let Err(e) = check_new_password(&req.password, new) {
                    return Err(self.refused(&actor, &username, e).await);
                }
                cred.password_hash = self.hasher.hash(new).await?;
                cred.must_change = false;
                self.storage.put_credentials(&cred).await?;
                self.storage.revoke_user_tokens(&cred.user_id, now).await?;
                self.accepted(&actor, "password_changed", &username, "at login").await?;
            }
            (None, false) => {}
        }
        self.storage.clear_login_failures(&username, addr).await?;
        let (version, reference) = self.reference().await?;
        let Some(user) = reference.user(&cred.user_id).cloned() else {
            let err = refuse(ErrorCode::UserDisabled, "this user is not in the organisation data");
            return Err(self.refused(&actor, &username, err).await);
        };
        self.storage
            .register_device(&Device {
                id: req.device_id.clone(),
                first_user: user.id.clone(),
                name: bounded(&req.device_name, 120),
                created_at: now,
                revoked_at: None,
            })
            .await?;
        let (token, expires_at) = self.issue(&user.id, &req.device_id, now).await?;
        let actor = Actor { user_id: user.id.clone(), ..actor };
        self.accepted(&actor, "login", &username, &bounded(&req.device_name, 120)).await?;
        Ok(LoginResponse { token, user, reference: (*reference).clone(), reference_version: version, expires_at })
    }

    async fn issue(&self, user_id: &str, device_id: &str, now: Millis) -> Result<(String, Millis), ServerError> {
        let token = new_token();
        let expires_at = now + self.limits.token_ttl.as_millis() as Millis;
        self.storage
            .add_token(&Token {
                hash: token_hash(&token),
                device_id: device_id.to_owned(),
                user_id: user_id.to_owned(),
                created_at: now,
                last_used_at: now,
                expires_at,
                revoked_at: None,
            })
            .await?;
        Ok((token, expires_at))
    }

    /// Resolves a bearer token from `addr` to a user and scope.
    pub async fn authenticate(&self, token: &str, addr: &str) -> Result<AuthUser, ServerError> {
        let hash = token_hash(token);
        let info = self
            .storage
            .token(&hash)
            .await?
            .ok_or_else(|| refuse(ErrorCode::InvalidToken, "unknown device token; log in again"))?;
        if info.device_revoked {
            return Err(refuse(ErrorCode::DeviceRevoked, "this device has been revoked by an administrator"));
        }
        if info.user_disabled {
            return Err(refuse(ErrorCode::UserDisabled, "this user has been disabled"));
        }
        if info.token.revoked_at.is_some() {
            return Err(refuse(ErrorCode::InvalidToken, "this login has ended; log in again"));
        }
        let now = self.now();
        if info.token.expires_at < now {
            return Err(refuse(ErrorCode::TokenExpired, "this login has expired; log in again"));
        }
        if now - info.token.last_used_at > TOUCH_EVERY {
            let ttl = self.limits.token_ttl.as_millis() as Millis;
            self.storage.touch_token(&hash, now, now + ttl).await?;
        }
        let (_, reference) = self.reference().await?;
        let user = reference
            .user(&info.token.user_id)
            .cloned()
            .ok_or_else(|| refuse(ErrorCode::UserDisabled, "this user is not in the organisation data"))?;
        let scope = reference.org.scope_of(&user);
        Ok(AuthUser { user, device_id: info.token.device_id, scope, token_hash: hash, addr: addr.to_owned() })
    }

    /// Ends this login: the token is revoked.
    pub async fn logout(&self, who: &AuthUser) -> Result<(), ServerError> {
        self.storage.revoke_token(&who.token_hash, self.now()).await?;
        self.accepted(&who.into(), "logout", &who.user.username, "").await
    }

    /// A fresh token for the one presented, which is revoked.
    pub async fn renew(&self, who: &AuthUser) -> Result<TokenResponse, ServerError> {
        let now = self.now();
        let (token, expires_at) = self.issue(&who.user.id, &who.device_id, now).await?;
        self.storage.revoke_token(&who.token_hash, now).await?;
        self.accepted(&who.into(), "token_renewed", &who.user.username, "").await?;
        Ok(TokenResponse { token, expires_at })
    }

    /// Changes the caller's password: every token of the user is revoked and
    /// this device gets a new one.
    pub async fn change_password(&self, who: &AuthUser, req: PasswordChange) -> Result<TokenResponse, ServerError> {
        let actor: Actor = who.into();
        let mut cred = self.storage.credentials(&who.user.username).await?.ok_or_else(wrong)?;
        if req.old_password.len() > 256 || !self.hasher.verify(&req.old_password, &cred.password_hash).await? {
            return Err(self.refused(&actor, &who.user.username, wrong()).await);
        }
        if let Err(e) = check_new_password(&req.old_password, &req.new_password) {
            return Err(self.refused(&actor, &who.user.username, e).await);
        }
        cred.password_hash = self.hasher.hash(&req.new_password).await?;
        cred.must_change = false;
        self.storage.put_credentials(&cred).await?;
        let now = self.now();
        let revoked = self.storage.revoke_user_tokens(&who.user.id, now).await?;
        let (token, expires_at) = self.issue(&who.user.id, &who.device_id, now).await?;
        self.accepted(&actor, "password_changed", &who.user.username, &format!("{revoked} tokens revoked")).await?;
        Ok(TokenResponse { token, expires_at })
    }

    /// Stores new credentials for a user (import, admin), revoking every
    /// token they had if the password or the disabled flag changed.
    pub(crate) async fn put_credentials(&self, actor: &Actor, c: &Credentials, why: &str) -> Result<(), ServerError> {
        let before = self.storage.credentials(&c.username).await?;
        self.storage.put_credentials(c).await?;
        let changed = before.is_some_and(|b| b.password_hash != c.password_hash || (c.disabled && !b.disabled));
        if changed {
            self.storage.revoke_user_tokens(&c.user_id, self.now()).await?;
        }
        self.accepted(actor, why, &c.username, if changed { "tokens revoked" } else { "" }).await
    }
}
