//! What a writer may write: every pushed document is checked after its
//! changes are applied to the server's copy, against the writer's *duty* —
//! role × event kind × the case's state as the writer saw it — not only
//! their scope. [`case`] and [`patrol`] hold the rules per document kind;
//! [`shape`] refuses fields the schema does not know; [`strings`] bounds
//! what people type. Each refusal carries a code from the shared list.

pub mod case;
pub mod patrol;
pub mod shape;
pub mod strings;

use automerge::AutoCommit;
use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::model::{DocKind, Reference, doc_kind};
use gridpatrol_core::time::Millis;

use crate::auth::AuthUser;
use crate::error::{ServerError, refuse};
use crate::limits::Limits;
use crate::storage::Receipt;

/// What a check needs besides the documents.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub who: &'a AuthUser,
    pub reference: &'a Reference,
    /// The server's clock.
    pub now: Millis,
    pub limits: &'a Limits,
}

/// What the server indexes of an accepted document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub grid: String,
    /// The department currently holding the case (none for patrols).
    pub departments: Vec<String>,
    pub status: String,
    /// Photo and thumbnail hashes it references.
    pub blobs: Vec<String>,
    /// The events this write adds.
    pub receipts: Vec<Receipt>,
    /// Case details this write corrected (for the audit).
    pub amended: Vec<&'static str>,
}

/// Checks `after` (the server's copy with the push applied) against
/// `before` (the server's copy without it, if the document existed).
pub fn check(
    kind: DocKind,
    id: &str,
    before: Option<&AutoCommit>,
    after: &AutoCommit,
    ctx: &Context<'_>,
) -> Result<Accepted, ServerError> {
    let found = doc_kind(after).map_err(|e| refuse(ErrorCode::InvalidDocument, e.to_string()))?;
    if found != kind {
        return Err(refuse(
            ErrorCode::WrongKind,
            format!("document is a {}, pushed as a {}", found.as_str(), kind.as_str()),
        ));
    }
    match kind {
        DocKind::Case => case::check(id, before, after, ctx),
        DocKind::Patrol => patrol::check(id, before, after, ctx),
    }
}

/// A device time must not be ahead of the server's clock by more than the
/// allowed skew, nor before `not_before` (less the skew).
pub(crate) fn plausible(at: Millis, not_before: Millis, ctx: &Context<'_>, what: &str) -> Result<(), ServerError> {
    let skew = ctx.limits.max_clock_skew;
    if at > ctx.now + skew {
        return Err(refuse(ErrorCode::ImplausibleTime, format!("{what} is dated in the future ({at})")));
    }
    if at < not_before - skew {
        return Err(refuse(ErrorCode::ImplausibleTime, format!("{what} is dated before it could have happened")));
    }
    Ok(())
}

/// Refusal for a document that does not read as its type.
pub(crate) fn invalid(e: impl std::fmt::Display) -> ServerError {
    refuse(ErrorCode::InvalidDocument, e.to_string())
}

#[cfg(test)]
mod tests;
