//! Cases and patrols as Automerge documents. Every write is a targeted
//! operation (`reconcile_prop` on one map key, an insert at the end of a
//! list), so concurrent edits on different devices merge without conflict.

use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, transaction::Transactable};
use autosurgeon::{hydrate, reconcile, reconcile_prop};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::case::{CASE_SCHEMA, Case, CaseEvent, PhotoRef};
use super::patrol::{PATROL_SCHEMA, Patrol, StreetCheck, TrackPoint};
use crate::time::Millis;

/// The two kinds of synced document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Case,
    Patrol,
}

impl DocKind {
    /// The value of the root `type` key.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Case => "case",
            DocKind::Patrol => "patrol",
        }
    }

    /// Parses the value of the root `type` key.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "case" => Some(DocKind::Case),
            "patrol" => Some(DocKind::Patrol),
            _ => None,
        }
    }
}

/// A document that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("not a valid Automerge document: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("document does not match its schema: {0}")]
    Shape(#[from] autosurgeon::HydrateError),
    #[error("cannot write document: {0}")]
    Write(#[from] autosurgeon::ReconcileError),
    #[error("document has no known type")]
    UnknownType,
    #[error("document is a {found}, expected a {expected}")]
    WrongType { expected: &'static str, found: &'static str },
    #[error("Automerge failed on this input")]
    AutomergePanicked,
    #[error("not a valid Automerge change or message: {0}")]
    Change(String),
    #[error(transparent)]
    Untrusted(#[from] super::untrusted::UntrustedError),
    #[error("document schema {0} is newer than this app understands")]
    NewerSchema(u64),
    #[error("document claims id {claimed}, expected {expected}")]
    WrongId { expected: String, claimed: String },
}

/// Reads the root `type` key.
pub fn doc_kind(doc: &impl ReadDoc) -> Result<DocKind, DocumentError> {
    match doc.get(ROOT, "type")? {
        Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
            automerge::ScalarValue::Str(t) => DocKind::parse(t).ok_or(DocumentError::UnknownType),
            _ => Err(DocumentError::UnknownType),
        },
        _ => Err(DocumentError::UnknownType),
    }
}

fn expect_kind(doc: &impl ReadDoc, want: DocKind) -> Result<(), DocumentError> {
    let found = doc_kind(doc)?;
    if found != want {
        return Err(DocumentError::WrongType { expected: want.as_str(), found: found.as_str() });
    }
    Ok(())
}

/// A new document holding `value`, with the root `type` key. The type goes
/// in after the value: reconciling into a non-empty root is ~15× slower.
fn new_doc(
    actor: &automerge::ActorId,
    kind: DocKind,
    value: &impl autosurgeon::Reconcile,
) -> Result<AutoCommit, DocumentError> {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    reconcile(&mut doc, value)?;
    doc.put(ROOT, "type", kind.as_str())?;
    Ok(doc)
}

/// The object id of a map or list directly under the root.
fn root_obj(doc: &AutoCommit, key: &str, want: ObjType) -> Result<automerge::ObjId, DocumentError> {
    match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(t), id)) if t == want => Ok(id),
        _ => Err(DocumentError::Shape(autosurgeon::HydrateError::unexpected(
            "an object",
            format!("something else at {key}"),
        ))),
    }
}

impl Case {
    /// A new document holding `case` (with its `Reported` event).
    pub fn to_new_doc(&self, actor: &automerge::ActorId) -> Result<AutoCommit, DocumentError> {
        new_doc(actor, DocKind::Case, self)
    }

    /// Reads a case out of a document, checking type and schema.
    pub fn from_doc(doc: &AutoCommit) -> Result<Case, DocumentError> {
        expect_kind(doc, DocKind::Case)?;
        let case: Case = hydrate(doc)?;
        if case.schema > CASE_SCHEMA {
            return Err(DocumentError::NewerSchema(case.schema));
        }
        Ok(case)
    }

    /// Appends one event to a case document.
    pub fn append_event(doc: &mut AutoCommit, event: &CaseEvent) -> Result<(), DocumentError> {
        let events = root_obj(doc, "events", ObjType::Map)?;
        reconcile_prop(doc, &events, event.id.as_str(), event)?;
        Ok(())
    }

    /// Adds a photo reference to a case document.
    pub fn add_photo(doc: &mut AutoCommit, photo: &PhotoRef) -> Result<(), DocumentError> {
        let photos = root_obj(doc, "photos", ObjType::Map)?;
        reconcile_prop(doc, &photos, photo.hash.as_str(), photo)?;
        Ok(())
    }
}

impl Patrol {
    /// A new document holding `patrol`.
    pub fn to_new_doc(&self, actor: &automerge::ActorId) -> Result<AutoCommit, DocumentError> {
        new_doc(actor, DocKind::Patrol, self)
    }

    /// Reads a patrol out of a document, checking type and schema.
    pub fn from_doc(doc: &AutoCommit) -> Result<Patrol, DocumentError> {
        expect_kind(doc, DocKind::Patrol)?;
        let patrol: Patrol = hydrate(doc)?;
        if patrol.schema > PATROL_SCHEMA {
            return Err(DocumentError::NewerSchema(patrol.schema));
        }
        Ok(patrol)
    }

    /// Appends track points at the end of the track.
    pub fn push_track(doc: &mut AutoCommit, points: &[TrackPoint]) -> Result<(), DocumentError> {
        let track = root_obj(doc, "track", ObjType::List)?;
        for p in points {
            let at = doc.length(&track);
            autosurgeon::reconcile::reconcile_insert(doc, track.clone(), at, p)?;
        }
        Ok(())
    }

    /// Ticks a street off the checklist.
    pub fn check_street(doc: &mut AutoCommit, street: &str, check: &StreetCheck) -> Result<(), DocumentError> {
        let streets = root_obj(doc, "streets", ObjType::Map)?;
        reconcile_prop(doc, &streets, street, check)?;
        Ok(())
    }

    /// Records that a case was found on this patrol.
    pub fn link_case(doc: &mut AutoCommit, case_id: &str, at: Millis) -> Result<(), DocumentError> {
        let cases = root_obj(doc, "cases", ObjType::Map)?;
        reconcile_prop(doc, &cases, case_id, at)?;
        Ok(())
    }

    /// Ends the patrol with a closing remark.
    pub fn end(doc: &mut AutoCommit, at: Millis, note: &str) -> Result<(), DocumentError> {
        reconcile_prop(doc, ROOT, "ended_at", Some(at))?;
        reconcile_prop(doc, ROOT, "note", note)?;
        Ok(())
    }

    /// Ends the patrol for the whole team (the starter's document).
    pub fn close(doc: &mut AutoCommit, at: Millis) -> Result<(), DocumentError> {
        reconcile_prop(doc, ROOT, "closed_at", Some(at))?;
        Ok(())
    }

    /// Adds a team member (night teams).
    pub fn add_member(doc: &mut AutoCommit, user_id: &str) -> Result<(), DocumentError> {
        let team = root_obj(doc, "team", ObjType::List)?;
        let current: Vec<String> = autosurgeon::hydrate_prop(doc, ROOT, "team")?;
        if !current.iter().any(|u| u == user_id) {
            let at = doc.length(&team);
            autosurgeon::reconcile::reconcile_insert(doc, team.clone(), at, user_id)?;
        }
        Ok(())
    }
}
