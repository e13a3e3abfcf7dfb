//! Errors of the device store, each with a stable code for the UI.

use crate::model::DocumentError;
use crate::photo::PhotoError;
use crate::workflow::WorkflowError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Document(Box<DocumentError>),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("unknown category {0}")]
    UnknownCategory(String),
    #[error("unknown grid {0}")]
    UnknownGrid(String),
    #[error("grid {0} is outside your area")]
    OutOfScope(String),
    #[error("{0}")]
    Invalid(String),
    #[error("this patrol has already ended")]
    PatrolEnded,
    #[error("{0} is not a join code of a patrol")]
    JoinCodeInvalid(String),
    #[error("patrol {0} is still in progress; end your part of it first")]
    AlreadyInPatrol(String),
    #[error("you are not a member of this patrol")]
    NotAMember,
    #[error("your part of this patrol has ended")]
    PartEnded,
    #[error("no reference data yet: log in once while online")]
    NoReference,
    #[error("the database was written by a newer app (schema {found}, this app knows {supported})")]
    NewerDatabase { found: u32, supported: u32 },
    #[error("{name}'s changes to this record have not reached the server yet; they sync when {name} logs in")]
    PendingForOther { user_id: String, name: String },
    #[error("log in first")]
    NotLoggedIn,
}

impl From<DocumentError> for StoreError {
    fn from(e: DocumentError) -> Self {
        StoreError::Document(Box::new(e))
    }
}

impl StoreError {
    /// A stable, machine-readable code (the UI translates by code).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Sqlite(_) => "database",
            StoreError::Document(_) => "document_invalid",
            StoreError::Workflow(WorkflowError::RoleNotPermitted { .. }) => "role_not_permitted",
            StoreError::Workflow(WorkflowError::NotAllowedInState { .. }) => "not_allowed_in_state",
            StoreError::Workflow(WorkflowError::MissingDepartment) => "missing_department",
            StoreError::Photo(PhotoError::UnsupportedFormat(_)) => "photo_unsupported_format",
            StoreError::Photo(PhotoError::TooLarge { .. } | PhotoError::TooManyPixels { .. }) => "photo_too_large",
            StoreError::Photo(_) => "photo_invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::UnknownCategory(_) => "unknown_category",
            StoreError::UnknownGrid(_) => "unknown_grid",
            StoreError::OutOfScope(_) => "out_of_scope",
            StoreError::Invalid(_) => "invalid",
            StoreError::PatrolEnded => "patrol_ended",
            StoreError::JoinCodeInvalid(_) => "join_code_invalid",
            StoreError::AlreadyInPatrol(_) => "already_in_patrol",
            StoreError::NotAMember => "not_a_member",
            StoreError::PartEnded => "part_ended",
            StoreError::NoReference => "no_reference",
            StoreError::NewerDatabase { .. } => "newer_database",
            StoreError::PendingForOther { .. } => "pending_for_other",
            StoreError::NotLoggedIn => "not_logged_in",
        }
    }
}
