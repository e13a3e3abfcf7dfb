//! The domain model: reference data (organisation tree, users, categories)
//! and the two synced documents (cases and patrols).

mod case;
mod category;
mod document;
mod hydrate;
mod map;
mod org;
mod patrol;
mod reference;
pub mod team;
pub mod untrusted;

pub use case::{
    CASE_SCHEMA, Case, CaseEvent, EventKind, Links, Location, LocationFix, LocationSource, PhotoRef, PhotoRole,
    Severity,
};
pub use category::{Category, CategoryDictionary, CategoryError, CategoryKind, StepLimits, TimeLimit, WorkUnit};
pub use document::{DocKind, DocumentError, doc_kind};
pub use map::{BasemapKind, BasemapSettings, MapSettings};
pub use org::{Department, GridKind, OrgKind, OrgTree, OrgUnit, Role, Scope, StreetLine, User};
pub use patrol::{PATROL_SCHEMA, Patrol, PatrolKind, PatrolSummary, StreetCheck, TrackPoint};
pub use reference::Reference;
