//! What operators do (today from the command line; the admin screens of the
//! app will call the same functions): import reference data, set passwords,
//! disable users, revoke devices, read the audit log. Every action is audited.

use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::Reference;

use super::SyncService;
use super::accounts::check_new_password;
use super::audit::Actor;
use crate::auth::tokens::one_time_password;
use crate::error::{ServerError, refuse};
use crate::storage::{AuditEntry, AuditQuery, Credentials};

/// Which password new users get at an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitialPasswords {
    /// Everyone gets this one and may keep it (the demo only).
    Shared(String),
    /// Each new user gets their own, to be changed at first login.
    OneTime,
}

impl SyncService {
    /// Imports reference data. Users without credentials get a password as
    /// `passwords` says; returns those new users with their passwords (to be
    /// shown once, never stored in clear).
    pub async fn import(
        &self,
        actor: &Actor,
        reference: &Reference,
        passwords: &InitialPasswords,
    ) -> Result<(u64, Vec<(String, String)>), ServerError> {
        reference.validate().map_err(|e| refuse(ErrorCode::Invalid, e))?;
        let version = self.storage.put_reference(reference).await?;
        let mut created = Vec::new();
        for u in &reference.users {
            if self.storage.credentials(&u.username).await?.is_some() {
                continue;
            }
            let (password, must_change) = match passwords {
                InitialPasswords::Shared(p) => (p.clone(), false),
                InitialPasswords::OneTime => (one_time_password(), true),
            };
            let hash = self.hasher.hash(&password).await?;
            self.storage
                .put_credentials(&Credentials {
                    user_id: u.id.clone(),
                    username: u.username.clone(),
                    password_hash: hash,
                    disabled: false,
                    must_change,
                })
                .await?;
            created.push((u.username.clone(), password));
        }
        self.invalidate_reference().await;
        let detail = format!("version {version}, {} users, {} new", reference.users.len(), created.len());
        self.accepted(actor, "admin:import", "reference", &detail).await?;
        Ok((version, created))
    }

    /// Sets a user's password (`one_time`: to be changed at next login);
    /// every token of the user is revoked.
    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
        one_time: bool,
    ) -> Result<(), ServerError> {
        check_new_password("", password)?;
        let (_, reference) = self.reference().await?;
        let user = reference
            .user_by_name(username)
            .ok_or_else(|| refuse(ErrorCode::NotFound, format!("no user {username}")))?;
        let disabled = self.storage.credentials(username).await?.is_some_and(|c| c.disabled);
        let cred = Credentials {
            user_id: user.id.clone(),
            username: username.to_owned(),
            password_hash: self.hasher.hash(password).await?,
            disabled,
            must_change: one_time,
        };
        self.put_credentials(actor, &cred, "admin:password").await?;
        self.storage.revoke_user_tokens(&user.id, self.now()).await?;
        Ok(())
    }

    /// Disables or enables a user; disabling revokes every token.
    pub async fn set_disabled(&self, actor: &Actor, username: &str, disabled: bool) -> Result<(), ServerError> {
        let mut cred = self
            .storage
            .credentials(username)
            .await?
            .ok_or_else(|| refuse(ErrorCode::NotFound, format!("no user {username}")))?;
        cred.disabled = disabled;
        self.put_credentials(actor, &cred, if disabled { "admin:disable" } else { "admin:enable" }).await
    }

    /// Revokes a device: its tokens die and no login revives it.
    pub async fn revoke_device(&self, actor: &Actor, device_id: &str) -> Result<(), ServerError> {
        if !self.storage.revoke_device(device_id, self.now()).await? {
            return Err(refuse(ErrorCode::NotFound, format!("no device {device_id}")));
        }
        self.accepted(actor, "admin:revoke_device", device_id, "").await
    }

    /// Reads the audit log.
    pub async fn audit_log(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, ServerError> {
        Ok(self.storage.audit(q).await?)
    }
}
