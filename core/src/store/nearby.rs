//! The duplicate hint, offline: while a case is reported, the device's own
//! open cases of the same category nearby (and closed ones whose look-back
//! is still ahead, which may be relapsing), through an R-tree; and adding
//! a note or photos to one of them instead of reporting again.

use super::index;
use super::views::{Actor, CaseDetail, NearbyCase, NewEvent, PhotoPick};
use super::{DeviceStore, StoreError};
use crate::geo::NearbyIndex;
use crate::model::{EventKind, PhotoRole};
use crate::time::Millis;
use crate::workflow::CaseStatus;

/// The widest radius the hint searches (m).
pub const MAX_HINT_RADIUS_M: f64 = 1000.0;

impl DeviceStore {
    /// Cases of `category` within `radius_m` of a WGS-84 point, nearest
    /// first: open ones, and closed ones in their look-back window
    /// (`relapse_window`). Deferred and voided cases are left out.
    pub fn cases_nearby(
        &self,
        category: &str,
        lat: f64,
        lon: f64,
        radius_m: f64,
        now: Millis,
    ) -> Result<Vec<NearbyCase>, StoreError> {
        if !(radius_m.is_finite() && radius_m >= 0.0) {
            return Err(StoreError::Invalid(format!("radius {radius_m} m")));
        }
        let candidates = index::hint_candidates(&self.conn, self.viewer(), category, now)?;
        let tree = NearbyIndex::new(candidates.iter().enumerate().map(|(i, (_, lat, lon))| (i, *lat, *lon)));
        Ok(tree
            .within(lat, lon, radius_m.min(MAX_HINT_RADIUS_M))
            .into_iter()
            .map(|n| {
                let item = &candidates[n.id].0;
                NearbyCase {
                    id: item.id.clone(),
                    title: item.title.clone(),
                    status: item.status,
                    address: item.address.clone(),
                    created_at: item.created_at,
                    distance_m: n.distance_m,
                    relapse_window: item.status == CaseStatus::Closed,
                }
            })
            .collect())
    }

    /// Adds a note and photos to a case (补充: another worker found the same
    /// problem): an `evidence_added` step that changes no status, allowed
    /// on any case that is not voided.
    pub fn add_evidence(
        &mut self,
        actor: &Actor,
        case_id: &str,
        note: &str,
        photos: &[PhotoPick],
    ) -> Result<CaseDetail, StoreError> {
        if note.trim().is_empty() && photos.is_empty() {
            return Err(StoreError::Invalid("add a note or a photo".into()));
        }
        let photos = photos.iter().map(|p| PhotoPick { hash: p.hash.clone(), role: PhotoRole::Evidence }).collect();
        let step = NewEvent {
            kind: EventKind::EvidenceAdded,
            note: note.trim().to_owned(),
            photos,
            department: None,
            at: None,
        };
        self.append_event(actor, case_id, step)
    }
}
