//! What a user may write. A pushed document is checked after its changes
//! are applied to the server's copy: the type and id it claims, the scope
//! of its grid (before and after), and that past events and photos are
//! untouched and new ones are the pusher's own.

use automerge::AutoCommit;
use gridpatrol_core::model::{Case, DocKind, EventKind, Patrol, Role, doc_kind};
use gridpatrol_core::workflow::{derive, role_may};

use crate::auth::AuthUser;

/// Why a document was refused: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Refused {
    Refused { code, message: message.into() }
}

/// What the server indexes of an accepted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub grid: String,
    pub departments: Vec<String>,
    pub status: String,
    /// Photo and thumbnail hashes it references.
    pub blobs: Vec<String>,
}

/// Checks `after` (the server's copy with the push applied) against
/// `before` (the server's copy without it, if the document existed).
pub fn check(
    kind: DocKind,
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    who: &AuthUser,
) -> Result<Accepted, Refused> {
    let found = doc_kind(after).map_err(|e| refuse("invalid_document", e.to_string()))?;
    if found != kind {
        return Err(refuse("wrong_kind", format!("document is a {}, pushed as a {}", found.as_str(), kind.as_str())));
    }
    match kind {
        DocKind::Case => check_case(id, before, after, who),
        DocKind::Patrol => check_patrol(id, before, after, who),
    }
}

fn check_case(id: &str, before: Option<&AutoCommit>, after: &AutoCommit, who: &AuthUser) -> Result<Accepted, Refused> {
    let new = Case::from_doc(after).map_err(|e| refuse("invalid_document", e.to_string()))?;
    if new.id != id {
        return Err(refuse("wrong_id", format!("document claims id {}", new.id)));
    }
    let old = before.map(Case::from_doc).transpose().map_err(|e| refuse("invalid_document", e.to_string()))?;
    if let Some(old) = &old
        && !who.scope.writes(&old.grid, &old.departments())
    {
        return Err(refuse("out_of_scope", format!("case {id} is outside your area")));
    }
    if !who.scope.writes(&new.grid, &new.departments()) {
        return Err(refuse("out_of_scope", format!("grid {} is outside your area", new.grid)));
    }
    match &old {
        None => {
            if new.reporter != who.user.id {
                return Err(refuse("impersonation", "a new case must be reported by its pusher"));
            }
        }
        Some(old) => {
            let header_changed = (old.reporter.as_str(), old.created_at, old.schema)
                != (new.reporter.as_str(), new.created_at, new.schema)
                || (who.user.role == Role::Department
                    && (old.grid != new.grid || old.category != new.category || old.title != new.title));
            if header_changed {
                return Err(refuse("case_rewritten", "who reported a case, and when, cannot change"));
            }
        }
    }
    for (eid, ev) in &new.events {
        match old.as_ref().and_then(|o| o.events.get(eid)) {
            Some(prev) if prev == ev => {}
            Some(_) => return Err(refuse("event_rewritten", format!("event {eid} was changed; events are immutable"))),
            None => {
                if ev.actor != who.user.id || ev.role != who.user.role {
                    return Err(refuse("impersonation", format!("event {eid} is not yours")));
                }
                if !role_may(who.user.role, ev.kind) {
                    return Err(refuse(
                        "role_not_permitted",
                        format!("a {:?} may not record {:?}", who.user.role, ev.kind),
                    ));
                }
                if ev.kind == EventKind::Reported && old.is_some() {
                    return Err(refuse("event_rewritten", "a case is reported once"));
                }
            }
        }
    }
    if let Some(old) = &old {
        if let Some(lost) = old.events.keys().find(|k| !new.events.contains_key(*k)) {
            return Err(refuse("event_rewritten", format!("event {lost} was removed")));
        }
        for (hash, p) in &old.photos {
            if new.photos.get(hash) != Some(p) {
                return Err(refuse("photo_rewritten", format!("photo {hash} was changed or removed")));
            }
        }
    }
    for (hash, p) in &new.photos {
        let is_new = old.as_ref().is_none_or(|o| !o.photos.contains_key(hash));
        if is_new && p.added_by != who.user.id {
            return Err(refuse("impersonation", format!("photo {hash} is not yours")));
        }
        if !crate::blobs::valid_hash(hash) || !crate::blobs::valid_hash(&p.thumb) || p.hash != *hash {
            return Err(refuse("invalid_document", format!("photo reference {hash} is malformed")));
        }
    }
    Ok(Accepted {
        grid: new.grid.clone(),
        departments: new.departments(),
        status: derive(&new).status.as_str().to_owned(),
        blobs: new.photos.values().flat_map(|p| [p.hash.clone(), p.thumb.clone()]).collect(),
    })
}

fn check_patrol(
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    who: &AuthUser,
) -> Result<Accepted, Refused> {
    let new = Patrol::from_doc(after).map_err(|e| refuse("invalid_document", e.to_string()))?;
    if new.id != id {
        return Err(refuse("wrong_id", format!("document claims id {}", new.id)));
    }
    let old = before.map(Patrol::from_doc).transpose().map_err(|e| refuse("invalid_document", e.to_string()))?;
    for grid in old.iter().map(|o| &o.grid).chain([&new.grid]) {
        if !who.scope.writes(grid, &[]) {
            return Err(refuse("out_of_scope", format!("grid {grid} is outside your area")));
        }
    }
    match &old {
        None if new.started_by != who.user.id => {
            return Err(refuse("impersonation", "a new patrol must be started by its pusher"));
        }
        Some(o) if (o.started_by.as_str(), o.started_at) != (new.started_by.as_str(), new.started_at) => {
            return Err(refuse("patrol_rewritten", "who started a patrol, and when, cannot change"));
        }
        _ => {}
    }
    Ok(Accepted { grid: new.grid, departments: vec![], status: String::new(), blobs: vec![] })
}
