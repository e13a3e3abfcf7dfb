//! The choke point: every acceptance and every refusal the service decides
//! is recorded here (document commits carry their line into the commit's
//! own transaction, so a commit and its audit line exist together or not
//! at all). Client strings are bounded and stripped of control characters.

use std::sync::atomic::Ordering;

use super::SyncService;
use crate::auth::AuthUser;
use crate::error::{ServerError, bounded};
use crate::storage::AuditEntry;

/// Who did something: a logged-in device, or a login attempt, or an operator.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: String,
    pub device_id: String,
    pub addr: String,
}

impl From<&AuthUser> for Actor {
    fn from(w: &AuthUser) -> Self {
        Actor { user_id: w.user.id.clone(), device_id: w.device_id.clone(), addr: w.addr.clone() }
    }
}

impl Actor {
    /// An operator at the server's command line.
    pub fn cli() -> Self {
        Actor { user_id: "cli".into(), device_id: String::new(), addr: "local".into() }
    }
}

/// An audit line for `actor` doing `action` on `subject` at `at`.
pub(crate) fn entry_at(
    at: gridpatrol_core::time::Millis,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
) -> AuditEntry {
    AuditEntry {
        at,
        user_id: bounded(&actor.user_id, 80),
        device_id: bounded(&actor.device_id, 80),
        addr: bounded(&actor.addr, 64),
        action: bounded(action, 64),
        subject: bounded(subject, 120),
        detail: bounded(detail, 1000),
    }
}

impl SyncService {
    /// An audit line for `actor` doing `action` on `subject`.
    pub(crate) fn entry(&self, actor: &Actor, action: &str, subject: &str, detail: &str) -> AuditEntry {
        entry_at(self.now(), actor, action, subject, detail)
    }

    /// Records that something was done (logins, tokens, admin actions).
    pub(crate) async fn accepted(
        &self,
        actor: &Actor,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), ServerError> {
        self.storage.audit_write(&self.entry(actor, action, subject, detail)).await?;
        Ok(())
    }

    /// Records a refusal and hands it back, so callers write
    /// `return Err(self.refused(..).await)`.
    pub(crate) async fn refused(&self, actor: &Actor, subject: &str, err: ServerError) -> ServerError {
        self.stats.refusals.fetch_add(1, Ordering::Relaxed);
        tracing::info!(user = %actor.user_id, subject = %bounded(subject, 120), code = %err.code, "refused");
        let line = self.entry(actor, &format!("refused:{}", err.code), subject, &err.message);
        if let Err(e) = self.storage.audit_write(&line).await {
            // The refusal stands; the storage failure is the worse news.
            return ServerError::from(e);
        }
        err
    }
}
