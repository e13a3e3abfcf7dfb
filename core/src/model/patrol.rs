//! The `Patrol` document (巡查): a walk through a grid by one worker or a
//! night team: the track, the street checklist and the cases found.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::hydrate::hydrate_struct;
use crate::time::Millis;

/// The current document schema version of patrols.
pub const PATROL_SCHEMA: u64 = 1;

/// Which kind of patrol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PatrolKind {
    /// 晨检: the morning walk.
    Morning,
    /// 夜巡: a night duty team.
    Night,
    /// 督查: a supervisor's check.
    Supervision,
    /// 专项: a special campaign.
    Special,
}

impl PatrolKind {
    /// Every kind.
    pub const ALL: [PatrolKind; 4] =
        [PatrolKind::Morning, PatrolKind::Night, PatrolKind::Supervision, PatrolKind::Special];

    /// Whether `role` starts patrols of this kind: everyone who patrols
    /// (all but departments) walks morning and night patrols, supervisors
    /// and leaders run supervision, leaders run special campaigns. Anyone
    /// may join a running patrol of any kind (see [`super::team`]).
    pub fn allowed_for(self, role: super::Role) -> bool {
        use super::Role as R;
        match self {
            PatrolKind::Morning | PatrolKind::Night => role != R::Department,
            PatrolKind::Supervision => matches!(role, R::Supervisor | R::GridLeader | R::StreetLeader | R::Admin),
            PatrolKind::Special => matches!(role, R::GridLeader | R::StreetLeader | R::Admin),
        }
    }
}

/// One person's patrol. A team patrol (a night duty team) is one document
/// per member, all with the same `team_code`: each member writes only their
/// own document, so nobody can touch another member's track. The starter's
/// document is the team's (its id is the team id); see [`super::team`].
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct Patrol {
    pub schema: u64,
    pub id: String,
    pub kind: PatrolKind,
    pub grid: String,
    /// User ids of the team as declared at the start; night teams have several.
    pub team: Vec<String>,
    /// A short code (six digits) the starter shows; members who join with
    /// it, online or not, belong to the same team patrol.
    #[serde(default)]
    pub team_code: String,
    /// For a member who joined: the starter's patrol.
    #[serde(default)]
    pub lead: Option<String>,
    /// The member this document belongs to (the only one who writes it).
    pub started_by: String,
    pub started_at: Millis,
    /// When this member's part ended.
    pub ended_at: Option<Millis>,
    /// On the starter's document: when the starter ended the patrol for
    /// the whole team (members' devices end their parts when they learn it).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub closed_at: Option<Millis>,
    /// Recorded positions, in time order.
    pub track: Vec<TrackPoint>,
    /// The street checklist, by street name.
    pub streets: BTreeMap<String, StreetCheck>,
    /// Cases found on this patrol: case id → when it was found.
    pub cases: BTreeMap<String, Millis>,
    /// The team's closing remark.
    pub note: String,
}

/// A recorded position.
#[derive(Debug, Clone, Copy, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct TrackPoint {
    pub at: Millis,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
}

/// A street ticked off the checklist.
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct StreetCheck {
    pub checked_at: Millis,
    pub by: String,
    pub note: String,
}

/// What a patrol amounted to, for the summary screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PatrolSummary {
    /// From start to end (or to now while in progress).
    pub duration_ms: Millis,
    pub streets_checked: u32,
    pub streets_total: u32,
    pub cases_found: u32,
    /// Cases found on this patrol that were handled on the spot.
    pub cases_handled: u32,
}

// One pass over each map, and over the track, when reading (see
// `super::hydrate`).
hydrate_struct!(Patrol {
    schema,
    id,
    kind,
    grid,
    team: list,
    team_code = Default::default(),
    lead = Default::default(),
    started_by,
    started_at,
    ended_at,
    closed_at = Default::default(),
    track: list,
    streets: map,
    cases: map,
    note,
});
hydrate_struct!(TrackPoint { at, lat, lon, accuracy_m });
hydrate_struct!(StreetCheck { checked_at, by, note });
