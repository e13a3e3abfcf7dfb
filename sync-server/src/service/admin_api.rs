//! The administrators' operations from the app (admin role only, refused
//! with `admin_only` otherwise): users, devices, local categories, GIS
//! import, rating rules and the audit log. Every change is audited as
//! `admin:<action>` and every refusal as `refused:<code>`; a change to the
//! reference data stores a new version, which every device fetches at its
//! next sync.

use std::collections::HashMap;

use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::geo::{ImportSummary, import_gis};
use gridpatrol_core::kpi::RatingRules;
use gridpatrol_core::model::{Category, CategoryDictionary, Reference, User};
use gridpatrol_core::office::{OfficeError, check_new_category, check_new_user};
use gridpatrol_core::sync::office_wire::{
    AdminDevice, AdminUser, AuditPage, AuditQuery, MAX_AUDIT_PAGE, NewUser, OneTimePassword,
};
use gridpatrol_core::time::Millis;
use tokio::sync::Mutex;

use super::SyncService;
use super::audit::Actor;
use crate::auth::AuthUser;
use crate::auth::tokens::one_time_password;
use crate::error::{ServerError, refuse};
use crate::storage::{self, Credentials, Token};

/// Edits of the reference data in this process, one at a time (each reads
/// the stored version, changes it and stores the next).
static REFERENCE_EDITS: Mutex<()> = Mutex::const_new(());

/// What a user's or a device's tokens say about its use.
#[derive(Debug, Default)]
struct Usage {
    last_used_at: Option<Millis>,
    last_user: Option<String>,
    live_devices: std::collections::BTreeSet<String>,
}

fn invalid(e: OfficeError) -> ServerError {
    ServerError::new(e.code, e.message)
}

impl SyncService {
    /// The caller as an actor, or an audited `admin_only` refusal.
    async fn admin(&self, who: &AuthUser, subject: &str) -> Result<Actor, ServerError> {
        let actor = Actor::from(who);
        if who.user.role == gridpatrol_core::model::Role::Admin {
            return Ok(actor);
        }
        let err = refuse(ErrorCode::AdminOnly, "only administrators may do this");
        Err(self.refused(&actor, subject, err).await)
    }

    /// Audits a refusal (not a storage failure) of an admin's request.
    async fn audited<T>(&self, actor: &Actor, subject: &str, r: Result<T, ServerError>) -> Result<T, ServerError> {
        match r {
            Err(e) if !matches!(e.code, ErrorCode::StorageUnavailable | ErrorCode::NotInitialised) => {
                Err(self.refused(actor, subject, e).await)
            }
            other => other,
        }
    }

    /// The stored reference data, fresh (not the cached copy).
    async fn stored_reference(&self) -> Result<Reference, ServerError> {
        Ok(self
            .storage
            .reference()
            .await?
            .ok_or_else(|| refuse(ErrorCode::NotInitialised, "the server has no organisation data; run import"))?
            .1)
    }

    /// Stores a changed reference (a new version) and forgets the cached one.
    async fn store_reference(&self, reference: &Reference) -> Result<u64, ServerError> {
        reference.validate().map_err(|e| refuse(ErrorCode::Invalid, e))?;
        let version = self.storage.put_reference(reference).await?;
        self.invalidate_reference().await;
        Ok(version)
    }

    /// Token use by user and by device.
    async fn token_usage(&self) -> Result<(HashMap<String, Usage>, HashMap<String, Usage>), ServerError> {
        let now = self.now();
        let (mut by_user, mut by_device) = (HashMap::<String, Usage>::new(), HashMap::<String, Usage>::new());
        for d in self.storage.devices().await? {
            let tokens: Vec<Token> = self.storage.tokens_of_device(&d.id).await?;
            let dev = by_device.entry(d.id.clone()).or_default();
            for t in &tokens {
                if dev.last_used_at.is_none_or(|at| t.last_used_at > at) {
                    dev.last_used_at = Some(t.last_used_at);
                    dev.last_user = Some(t.user_id.clone());
                }
                let user = by_user.entry(t.user_id.clone()).or_default();
                user.last_used_at = user.last_used_at.max(Some(t.last_used_at));
                if t.revoked_at.is_none() && t.expires_at >= now && d.revoked_at.is_none() {
                    user.live_devices.insert(d.id.clone());
                }
            }
        }
        Ok((by_user, by_device))
    }

    async fn admin_user_of(&self, user: &User, usage: &HashMap<String, Usage>) -> Result<AdminUser, ServerError> {
        let cred = self.storage.credentials(&user.username).await?;
        let u = usage.get(&user.id);
        Ok(AdminUser {
            id: user.id.clone(),
            username: user.username.clone(),
            name: user.name.clone(),
            role: user.role,
            units: user.units.clone(),
            disabled: cred.as_ref().is_some_and(|c| c.disabled),
            must_change: cred.as_ref().is_some_and(|c| c.must_change),
            last_seen_at: u.and_then(|u| u.last_used_at),
            devices: u.map_or(0, |u| u.live_devices.len() as u32),
        })
    }

    async fn admin_user_named(&self, username: &str) -> Result<AdminUser, ServerError> {
        let reference = self.stored_reference().await?;
        let user = reference
            .user_by_name(username)
            .ok_or_else(|| refuse(ErrorCode::NotFound, format!("no user {username}")))?;
        let (usage, _) = self.token_usage().await?;
        self.admin_user_of(user, &usage).await
    }

    /// Every user of the reference, in reference order.
    pub async fn admin_users(&self, who: &AuthUser) -> Result<Vec<AdminUser>, ServerError> {
        let actor = &self.admin(who, "users").await?;
        let r = async {
            let reference = self.stored_reference().await?;
            let (usage, _) = self.token_usage().await?;
            let mut out = Vec::with_capacity(reference.users.len());
            for u in &reference.users {
                out.push(self.admin_user_of(u, &usage).await?);
            }
            Ok(out)
        }
        .await;
        self.audited(actor, "users", r).await
    }

    /// Adds a user with a one-time password (returned once, stored hashed).
    pub async fn admin_user_add(&self, who: &AuthUser, new: &NewUser) -> Result<OneTimePassword, ServerError> {
        let actor = &self.admin(who, &new.username).await?;
        let r = async {
            let _edit = REFERENCE_EDITS.lock().await;
            let mut reference = self.stored_reference().await?;
            check_new_user(&reference, new).map_err(invalid)?;
            let user = User {
                id: format!("u-{}", new.username),
                username: new.username.clone(),
                name: new.name.trim().to_owned(),
                role: new.role,
                units: new.units.clone(),
            };
            reference.users.push(user.clone());
            let version = self.store_reference(&reference).await?;
            let password = one_time_password();
            self.storage
                .put_credentials(&Credentials {
                    user_id: user.id.clone(),
                    username: user.username.clone(),
                    password_hash: self.hasher.hash(&password).await?,
                    disabled: false,
                    must_change: true,
                })
                .await?;
            self.storage.revoke_user_tokens(&user.id, self.now()).await?;
            let detail = format!("{:?} {}, reference version {version}", user.role, user.units.join(","));
            self.accepted(actor, "admin:user_add", &user.username, &detail).await?;
            Ok(OneTimePassword { user: self.admin_user_named(&user.username).await?, password })
        }
        .await;
        self.audited(actor, &new.username, r).await
    }

    /// Disables (every token revoked) or enables a user; not oneself.
    pub async fn admin_user_set_disabled(
        &self,
        who: &AuthUser,
        username: &str,
        disabled: bool,
    ) -> Result<AdminUser, ServerError> {
        let actor = &self.admin(who, username).await?;
        let r = async {
            if disabled && username == who.user.username {
                return Err(refuse(ErrorCode::Invalid, "you cannot disable yourself"));
            }
            self.stored_reference()
                .await?
                .user_by_name(username)
                .ok_or_else(|| refuse(ErrorCode::NotFound, format!("no user {username}")))?;
            self.set_disabled(actor, username, disabled).await?;
            self.admin_user_named(username).await
        }
        .await;
        self.audited(actor, username, r).await
    }

    /// A new one-time password for a user (every token revoked).
    pub async fn admin_user_reset_password(
        &self,
        who: &AuthUser,
        username: &str,
    ) -> Result<OneTimePassword, ServerError> {
        let actor = &self.admin(who, username).await?;
        let r = async {
            let password = one_time_password();
            self.set_password(actor, username, &password, true).await?;
            Ok(OneTimePassword { user: self.admin_user_named(username).await?, password })
        }
        .await;
        self.audited(actor, username, r).await
    }

    /// Every device, with who used it last and when.
    pub async fn admin_devices(&self, who: &AuthUser) -> Result<Vec<AdminDevice>, ServerError> {
        let actor = &self.admin(who, "devices").await?;
        let r = async {
            let (_, usage) = self.token_usage().await?;
            Ok(self.storage.devices().await?.into_iter().map(|d| admin_device(d, &usage)).collect())
        }
        .await;
        self.audited(actor, "devices", r).await
    }

    /// Revokes a device; not the caller's own.
    pub async fn admin_device_revoke(&self, who: &AuthUser, id: &str) -> Result<AdminDevice, ServerError> {
        let actor = &self.admin(who, id).await?;
        let r = async {
            if id == who.device_id {
                return Err(refuse(ErrorCode::Invalid, "you cannot revoke the device you are using"));
            }
            self.revoke_device(actor, id).await?;
            let (_, usage) = self.token_usage().await?;
            let device = self.storage.device(id).await?.ok_or_else(|| refuse(ErrorCode::NotFound, id.to_owned()))?;
            Ok(admin_device(device, &usage))
        }
        .await;
        self.audited(actor, id, r).await
    }

    /// The server's category dictionary.
    pub async fn admin_categories(&self, who: &AuthUser) -> Result<CategoryDictionary, ServerError> {
        self.admin(who, "categories").await?;
        Ok(self.stored_reference().await?.categories)
    }

    /// Adds a local category: the dictionary's version and the reference's bump.
    pub async fn admin_category_add(
        &self,
        who: &AuthUser,
        category: &Category,
    ) -> Result<CategoryDictionary, ServerError> {
        let actor = &self.admin(who, &category.id).await?;
        let r = async {
            let _edit = REFERENCE_EDITS.lock().await;
            let mut reference = self.stored_reference().await?;
            check_new_category(&reference.categories, category).map_err(invalid)?;
            let mut categories = reference.categories.categories.clone();
            categories.push(Category { local: true, ..category.clone() });
            reference.categories = CategoryDictionary::new(reference.categories.version + 1, categories)
                .map_err(|e| refuse(ErrorCode::Invalid, e.to_string()))?;
            let version = self.store_reference(&reference).await?;
            let detail = format!(
                "{}, dictionary version {}, reference version {version}",
                category.name, reference.categories.version
            );
            self.accepted(actor, "admin:category_add", &category.id, &detail).await?;
            Ok(reference.categories)
        }
        .await;
        self.audited(actor, &category.id, r).await
    }

    /// Imports grid boundaries and streets into the org tree, all or
    /// nothing; `dry_run` only says what would change.
    pub async fn admin_org_import(
        &self,
        who: &AuthUser,
        grids: Option<&str>,
        streets: Option<&str>,
        dry_run: bool,
    ) -> Result<ImportSummary, ServerError> {
        let actor = &self.admin(who, "org").await?;
        let r = async {
            if grids.is_none() && streets.is_none() {
                return Err(refuse(ErrorCode::Invalid, "send a grids layer, a streets layer or both"));
            }
            let _edit = REFERENCE_EDITS.lock().await;
            let mut reference = self.stored_reference().await?;
            let summary = import_gis(&mut reference.org, grids, streets)
                .map_err(|e| refuse(ErrorCode::Invalid, e.to_string()))?;
            if !dry_run {
                let version = self.store_reference(&reference).await?;
                let detail = format!(
                    "{} grids added, {} boundaries and {} grids' streets replaced, reference version {version}",
                    summary.grids_added.len(),
                    summary.boundaries_replaced.len(),
                    summary.streets_replaced.len()
                );
                self.accepted(actor, "admin:org_import", "org", &detail).await?;
            }
            Ok(summary)
        }
        .await;
        self.audited(actor, "org", r).await
    }

    /// The rating rules in force.
    pub async fn admin_rating_rules(&self, who: &AuthUser) -> Result<RatingRules, ServerError> {
        self.admin(who, "rating_rules").await?;
        Ok(self.stored_reference().await?.rating_rules)
    }

    /// Replaces the rating rules (checked by [`RatingRules::validate`]).
    pub async fn admin_rating_rules_set(
        &self,
        who: &AuthUser,
        rules: &RatingRules,
    ) -> Result<RatingRules, ServerError> {
        let actor = &self.admin(who, "rating_rules").await?;
        let r = async {
            rules.validate().map_err(|e| refuse(ErrorCode::Invalid, e))?;
            let _edit = REFERENCE_EDITS.lock().await;
            let mut reference = self.stored_reference().await?;
            reference.rating_rules = rules.clone();
            let version = self.store_reference(&reference).await?;
            let detail =
                format!("{} red, {} yellow rules, reference version {version}", rules.red.len(), rules.yellow.len());
            self.accepted(actor, "admin:rating_rules", "rating_rules", &detail).await?;
            Ok(reference.rating_rules)
        }
        .await;
        self.audited(actor, "rating_rules", r).await
    }

    /// One page of the audit log, newest first.
    pub async fn admin_audit(&self, who: &AuthUser, q: &AuditQuery) -> Result<AuditPage, ServerError> {
        let actor = &self.admin(who, "audit").await?;
        let r = async {
            if !(1..=MAX_AUDIT_PAGE).contains(&q.limit) {
                return Err(refuse(ErrorCode::Invalid, format!("limit must be 1–{MAX_AUDIT_PAGE}")));
            }
            let mut items = self
                .storage
                .audit(&storage::AuditQuery {
                    user_id: q.user_id.clone(),
                    device_id: q.device_id.clone(),
                    since: q.since,
                    until: q.until,
                    action_prefix: q.action_prefix.clone(),
                    limit: q.limit + 1,
                    offset: q.offset,
                })
                .await?;
            let has_more = items.len() > q.limit as usize;
            items.truncate(q.limit as usize);
            Ok(AuditPage { items, has_more })
        }
        .await;
        self.audited(actor, "audit", r).await
    }
}

fn admin_device(d: storage::Device, usage: &HashMap<String, Usage>) -> AdminDevice {
    let u = usage.get(&d.id);
    AdminDevice {
        last_user: u.and_then(|u| u.last_user.clone()),
        last_used_at: u.and_then(|u| u.last_used_at),
        id: d.id,
        name: d.name,
        first_user: d.first_user,
        created_at: d.created_at,
        revoked_at: d.revoked_at,
    }
}
