//! What the store hands to the app: inputs for writes and views for reads.
//! These cross the Tauri boundary; their TypeScript twins are generated.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::geo::PatrolCoverage;
use crate::model::{Case, EventKind, Location, Patrol, PatrolKind, PatrolSummary, PhotoRef, PhotoRole, Role, Severity};
use crate::time::Millis;
use crate::workflow::{CaseStatus, Derived, Sla, SlaState};

/// Who is acting: the logged-in user and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
}

/// A photo chosen for a report, before the case is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PhotoPick {
    /// The hash returned by ingest.
    pub hash: String,
    pub role: PhotoRole,
}

/// A photo after ingest, held on the device, not yet part of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StagedPhoto {
    pub hash: String,
    pub thumb: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub captured_at: Option<Millis>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    /// Problems that did not stop ingest.
    pub warnings: Vec<String>,
}

/// A new case from the report screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewCase {
    pub grid: String,
    pub category: String,
    /// Empty: the category name is used.
    pub title: String,
    pub description: String,
    pub location: Location,
    pub severity: Severity,
    pub photos: Vec<PhotoPick>,
    /// The patrol in progress, if any.
    pub patrol: Option<String>,
    /// Handled on the spot right away (with its after-photos in `photos`).
    pub handled_on_spot: bool,
    /// 补录: steps that already happened, entered with the report (a case
    /// recorded after the fact). Each must be allowed in turn.
    #[serde(default)]
    #[ts(as = "Option<Vec<NewEvent>>", optional)]
    pub history: Vec<NewEvent>,
    /// Device time of the report; `None` means now.
    pub at: Option<Millis>,
    /// Cases this one relates to (the duplicate hint showed them and the
    /// worker reported anyway); kept in `links.related`.
    #[serde(default)]
    pub related: Vec<String>,
    /// Photos whose bytes are elsewhere (already on the server, e.g. the
    /// same evidence as another case), linked by reference.
    #[serde(default)]
    #[ts(as = "Option<Vec<PhotoRef>>", optional)]
    pub linked_photos: Vec<PhotoRef>,
}

/// A workflow step taken on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewEvent {
    pub kind: EventKind,
    pub note: String,
    /// Photos taken for this step (already ingested).
    pub photos: Vec<PhotoPick>,
    /// For a dispatch: the department.
    pub department: Option<String>,
    /// Device time; `None` means now.
    pub at: Option<Millis>,
}

/// A case with everything derived from it, for the detail screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseDetail {
    pub case: Case,
    pub derived: Derived,
    pub sla: Option<Sla>,
    pub sla_state: Option<SlaState>,
    pub lookback_due: Option<Millis>,
    /// The buttons the current user may press.
    pub actions: Vec<EventKind>,
    /// Document and all its photos are confirmed by the server.
    pub synced: bool,
}

/// One row of the case list (read from the index; no document is loaded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseListItem {
    pub id: String,
    pub title: String,
    pub grid: String,
    pub category: String,
    pub status: CaseStatus,
    pub severity: Severity,
    pub address: String,
    pub reporter: String,
    pub department: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub sla_state: Option<SlaState>,
    pub sla_deadline: Option<Millis>,
    pub lookback_due: Option<Millis>,
    pub thumb: Option<String>,
    pub photo_count: u32,
    pub synced: bool,
}

/// Which cases to list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct CaseFilter {
    /// Only these statuses (empty: all).
    #[serde(default)]
    pub statuses: Vec<CaseStatus>,
    pub grid: Option<String>,
    pub category: Option<String>,
    /// Only cases reported by this user.
    pub reporter: Option<String>,
    /// Only cases past their deadline (red) or near it (yellow).
    #[serde(default)]
    pub overdue: bool,
    /// Only closed cases whose look-back is due by now.
    #[serde(default)]
    pub lookback_due: bool,
    /// Only cases not yet confirmed by the server.
    #[serde(default)]
    pub unsynced: bool,
    /// Text in the title or address.
    pub text: Option<String>,
    /// Only these cases (the cases behind a dashboard figure); `[]` matches none.
    pub ids: Option<Vec<String>>,
    /// Only cases found on this patrol.
    pub patrol: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// One page of a list, with the total count for the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CasePage {
    pub items: Vec<CaseListItem>,
    pub total: u32,
}

/// A patrol with its summary, for the patrol screen. For a team patrol it
/// is the whole team's: `patrol` is the starter's document (its id is the
/// team id) with everyone's street checks, cases and notes merged, the
/// team as planned plus whoever joined, and `ended_at` the team's end (the
/// starter ended it for everyone, or every member's part ended). Its
/// `track` is left empty: the tracks come with `map_layers`, per member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolDetail {
    pub patrol: Patrol,
    pub summary: PatrolSummary,
    /// The grid's streets in walking order.
    pub streets: Vec<String>,
    /// Every member's document is confirmed by the server.
    pub synced: bool,
    /// Street coverage from the whole team's tracks; `None` when the grid's
    /// streets have no geometry (then only the manual ticks exist).
    pub coverage: Option<PatrolCoverage>,
    /// The code a member types to join (shown while the patrol runs).
    pub join_code: String,
    /// Who joined, the starter first, then in joining order.
    pub members: Vec<PatrolMember>,
}

/// One person on a patrol: their own document's part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolMember {
    pub user_id: String,
    pub joined_at: Millis,
    /// When this member ended their part; `None` while they patrol.
    pub ended_at: Option<Millis>,
    pub track_points: u32,
    pub track_length_m: f64,
    /// Their last recorded fix.
    pub last_fix_at: Option<Millis>,
}

/// One row of patrol history and of the team's patrols today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolHistoryItem {
    /// The team id (what `patrol_get` takes).
    pub id: String,
    pub grid: String,
    pub kind: PatrolKind,
    /// The starter; empty while this device has not seen the starter's document.
    pub started_by: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    /// The members who joined, the starter first.
    pub team: Vec<String>,
    pub cases_found: u32,
    /// Manual ticks.
    pub streets_checked: u32,
    pub streets_total: u32,
    /// From the tracks; `None` when the streets have no geometry.
    pub streets_covered: Option<u32>,
    pub coverage_share: Option<f64>,
    pub track_length_m: f64,
    pub duration_ms: Millis,
    pub synced: bool,
}

/// Which patrols the history shows; `None` is any.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct PatrolHistoryFilter {
    /// The China calendar day of the start, `YYYY-MM-DD`.
    pub day: Option<String>,
    pub grid: Option<String>,
    pub kind: Option<PatrolKind>,
}

/// A case near the one being reported (the duplicate hint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NearbyCase {
    pub id: String,
    pub title: String,
    pub status: CaseStatus,
    pub address: String,
    pub created_at: Millis,
    /// Great-circle distance from the queried point (m).
    pub distance_m: f64,
    /// Closed, but its look-back window still runs: a possible relapse.
    pub relapse_window: bool,
}

/// One row of the patrol list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolListItem {
    pub id: String,
    pub grid: String,
    pub kind: PatrolKind,
    pub started_by: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub streets_checked: u32,
    pub streets_total: u32,
    pub cases_found: u32,
}

/// Per-grid figures for the leader's overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GridStats {
    pub grid: String,
    pub open: u32,
    pub yellow: u32,
    pub red: u32,
    pub closed_this_week: u32,
    pub reported_this_week: u32,
    /// Overall rating: red if anything is overdue, yellow if anything is
    /// near its deadline, else green.
    pub rating: SlaState,
}

/// What the device holds that the server has not confirmed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct UnsyncedSummary {
    pub cases: u32,
    pub patrols: u32,
    pub photos: u32,
    pub photo_bytes: u64,
    /// Ids and titles of the unsynced cases, newest first.
    pub items: Vec<UnsyncedItem>,
}

/// One record not yet on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct UnsyncedItem {
    pub id: String,
    pub kind: crate::model::DocKind,
    pub title: String,
    /// The document itself is confirmed; only photos are missing.
    pub photos_pending: u32,
    pub updated_at: Millis,
    /// Whose unsynced work it is (a shared device holds several people's).
    pub author: Option<String>,
    /// Why the server refused it last time, if it did (a code from the
    /// shared list, and the server's message).
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl CaseDetail {
    /// Whether the case is still open.
    pub fn is_open(&self) -> bool {
        self.derived.status.is_open()
    }
}
