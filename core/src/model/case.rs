//! The `Case` document (问题/案件): what was found, where, with which photos,
//! and an append-only log of what happened to it. Status is never stored; it
//! is derived from the log by [`crate::workflow`].

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Role;
use super::hydrate::hydrate_struct;
use crate::time::Millis;

/// The current document schema version of cases.
pub const CASE_SCHEMA: u64 = 1;

/// A problem found on patrol and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct Case {
    pub schema: u64,
    pub id: String,
    /// The grid the case belongs to; decides who may see it.
    pub grid: String,
    /// A category id from the dictionary, e.g. `E0201`.
    pub category: String,
    pub title: String,
    pub description: String,
    pub location: Location,
    pub severity: Severity,
    /// The user who reported it.
    pub reporter: String,
    pub created_at: Millis,
    /// Photos by the SHA-256 of their stored bytes.
    pub photos: BTreeMap<String, PhotoRef>,
    pub links: Links,
    /// The event log, keyed by event id. A map, not a list, so that
    /// concurrent appends on different devices never conflict.
    pub events: BTreeMap<String, CaseEvent>,
}

impl Case {
    /// The departments this case has been dispatched to, in log order.
    pub fn departments(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.events.values() {
            if let Some(d) = &e.department
                && !out.contains(d)
            {
                out.push(d.clone());
            }
        }
        out.sort();
        out
    }
}

/// Where a case is. Coordinates are WGS-84 as captured; conversion to
/// GCJ-02 happens only for display on Chinese base maps.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Serialize, Deserialize, TS)]
pub struct Location {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Horizontal accuracy in metres, when known.
    pub accuracy_m: Option<f64>,
    pub source: LocationSource,
    /// The street of the grid, when picked from the checklist.
    pub street: Option<String>,
    /// Free address text, e.g. 柳荫路 12 号门口.
    pub address: String,
}

/// How a location was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// The device's satellite fix.
    Gps,
    /// Read from the photo's EXIF.
    Photo,
    /// Picked on a map or typed in.
    #[default]
    Manual,
    /// Only the street was chosen.
    Street,
    /// A replayed track (desktop testing).
    Track,
}

/// How serious a case is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Reconcile, Hydrate, Serialize, Deserialize, TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    #[default]
    Normal,
    High,
    /// A danger to people (a missing manhole cover).
    Urgent,
}

/// What a photo shows in the case's story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhotoRole {
    /// The problem as found.
    #[default]
    Before,
    /// After handling.
    After,
    /// Anything else (a look-back, a relapse).
    Evidence,
}

/// A photo attached to a case. The bytes live in the blob store, addressed
/// by `hash`; the document holds only this reference.
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct PhotoRef {
    /// SHA-256 (hex) of the stored, re-encoded JPEG.
    pub hash: String,
    /// SHA-256 (hex) of the original file as taken.
    pub original_sha256: String,
    /// SHA-256 (hex) of the thumbnail JPEG.
    pub thumb: String,
    pub role: PhotoRole,
    pub width: u32,
    pub height: u32,
    /// Size of the stored JPEG in bytes.
    pub bytes: u64,
    /// Capture time from EXIF, when present.
    pub captured_at: Option<Millis>,
    /// GPS position from EXIF, when present.
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub added_by: String,
    pub added_at: Millis,
}

/// Other records a case relates to.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Serialize, Deserialize, TS)]
pub struct Links {
    /// The patrol on which it was found.
    pub patrol: Option<String>,
    /// Related cases (the same spot, a duplicate).
    pub related: Vec<String>,
}

/// What happened to a case (see the glossary in DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Reconcile, Hydrate, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 上报: the case was recorded.
    Reported,
    /// 自查自处: handled on the spot by the grid worker.
    HandledOnSpot,
    /// 提报: reported up for dispatch.
    Escalated,
    /// 立案: accepted by the centre.
    Accepted,
    /// 派遣/转办: sent to a department.
    Dispatched,
    /// 处置反馈: the department reports it handled.
    Handled,
    /// 核查: checked on site.
    Verified,
    /// 结案/销号: closed; schedules a look-back.
    Closed,
    /// 返工: sent back for rework.
    ReturnedForRework,
    /// 回头看通过: the look-back found no relapse.
    LookBackPassed,
    /// 回潮: the problem came back; reopens the case.
    Relapsed,
    /// 挂账: deferred, with a reason.
    Deferred,
    /// 作废: voided (a duplicate, a mistake). Final.
    Voided,
    /// 更正: the case's details (title, category, location…) were corrected;
    /// the note names the fields. Changes no status.
    Amended,
    /// 补充: a note or photos added to the case (another worker found the
    /// same problem, or more evidence). Changes no status.
    EvidenceAdded,
}

impl EventKind {
    /// Every kind, in workflow order.
    pub const ALL: [EventKind; 15] = [
        EventKind::Reported,
        EventKind::HandledOnSpot,
        EventKind::Escalated,
        EventKind::Accepted,
        EventKind::Dispatched,
        EventKind::Handled,
        EventKind::Verified,
        EventKind::Closed,
        EventKind::ReturnedForRework,
        EventKind::LookBackPassed,
        EventKind::Relapsed,
        EventKind::Deferred,
        EventKind::Voided,
        EventKind::Amended,
        EventKind::EvidenceAdded,
    ];
}

/// One entry of a case's log. Events are immutable once written.
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, TS)]
pub struct CaseEvent {
    pub id: String,
    pub kind: EventKind,
    /// The user who did it.
    pub actor: String,
    /// Their role at the time.
    pub role: Role,
    /// Device time when it was done.
    pub at: Millis,
    /// The events the author had seen (the heads of the log on their
    /// device). Lets the fold respect causality and spot races.
    pub after: Vec<String>,
    pub note: String,
    /// Hashes of photos taken for this step.
    pub photos: Vec<String>,
    /// For `Dispatched`: the department it went to. For `Handled` by a
    /// department: that department (its feedback counts only while the
    /// case is still assigned to it).
    pub department: Option<String>,
}

/// A position fix from the device's location source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct LocationFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub source: LocationSource,
    pub at: Millis,
}

// One pass over each map when reading (see `super::hydrate`).
hydrate_struct!(Case {
    schema,
    id,
    grid,
    category,
    title,
    description,
    location,
    severity,
    reporter,
    created_at,
    photos: map,
    links,
    events: map,
});
hydrate_struct!(Location { lat, lon, accuracy_m, source, street, address });
hydrate_struct!(PhotoRef {
    hash,
    original_sha256,
    thumb,
    role,
    width,
    height,
    bytes,
    captured_at,
    gps_lat,
    gps_lon,
    added_by,
    added_at
});
hydrate_struct!(Links { patrol, related: list });
hydrate_struct!(CaseEvent { id, kind, actor, role, at, after: list, note, photos: list, department });
