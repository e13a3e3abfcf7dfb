//! The case half of the facade: report, act, attach, read, list.

use automerge::AutoCommit;
use rusqlite::{Connection, params};

use super::index::{self, CaseRow};
use super::views::{Actor, CaseDetail, CaseFilter, CasePage, GridStats, NewCase, NewEvent, PhotoPick};
use super::{DeviceStore, StoreError, docs};
use crate::model::{CASE_SCHEMA, Case, CaseEvent, DocKind, EventKind, Links, Patrol, PhotoRef, PhotoRole, Reference};
use crate::time::{DAY, Millis};
use crate::workflow::{self, Derived, Sla, WorkflowError, check_append, derive, sla_for};

/// Photos linked by reference (their bytes are elsewhere) must name
/// well-formed hashes and be added by the actor.
fn check_linked(actor: &Actor, refs: &[PhotoRef]) -> Result<(), StoreError> {
    let hex = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    match refs.iter().find(|r| !hex(&r.hash) || !hex(&r.thumb) || r.added_by != actor.user_id) {
        Some(r) => Err(StoreError::Invalid(format!("photo reference {} is malformed or not yours", r.hash))),
        None => Ok(()),
    }
}

/// The most related cases one report names.
const MAX_RELATED: usize = 20;

impl DeviceStore {
    /// Records a new case (and, if asked, its on-the-spot handling), links
    /// it to the patrol in progress, in one transaction: one write (one
    /// fsync) per report, photos included.
    pub fn create_case(&mut self, actor: &Actor, new: NewCase) -> Result<CaseDetail, StoreError> {
        self.in_transaction(|s| s.create_case_in(actor, new))
    }

    fn create_case_in(&mut self, actor: &Actor, new: NewCase) -> Result<CaseDetail, StoreError> {
        let reference = self.reference()?.clone();
        let category =
            reference.category(&new.category).ok_or_else(|| StoreError::UnknownCategory(new.category.clone()))?;
        reference.grid(&new.grid).ok_or_else(|| StoreError::UnknownGrid(new.grid.clone()))?;
        if !reference.scope_of(&actor.user_id).writes(&new.grid, &[]) {
            return Err(StoreError::OutOfScope(new.grid.clone()));
        }
        if !workflow::role_may(actor.role, EventKind::Reported) {
            return Err(WorkflowError::RoleNotPermitted { role: actor.role, kind: EventKind::Reported }.into());
        }
        // A case found on a patrol is the finder's: it goes into their own
        // document of the team.
        let patrol = match &new.patrol {
            Some(id) => Some(self.team_rows(id)?.member(&actor.user_id).ok_or(StoreError::NotAMember)?.id.clone()),
            None => None,
        };
        let mut related: Vec<String> = Vec::new();
        for id in &new.related {
            if !crate::ids::is_valid_id(id) || related.len() >= MAX_RELATED {
                return Err(StoreError::Invalid(format!("related case {id} is not a case id, or too many")));
            }
            if !related.contains(id) {
                related.push(id.clone());
            }
        }
        let at = new.at.unwrap_or_else(|| self.now());
        let mut photos = std::collections::BTreeMap::new();
        for pick in &new.photos {
            let photo = self.photo_ref(pick, &actor.user_id, at)?;
            photos.insert(photo.hash.clone(), photo);
        }
        check_linked(actor, &new.linked_photos)?;
        for photo in &new.linked_photos {
            photos.entry(photo.hash.clone()).or_insert_with(|| photo.clone());
        }
        let reported = CaseEvent {
            id: self.clock.new_id(),
            kind: EventKind::Reported,
            actor: actor.user_id.clone(),
            role: actor.role,
            at,
            after: vec![],
            note: String::new(),
            photos: picks(&new.photos, |r| r != PhotoRole::After),
            department: None,
        };
        let mut steps = Vec::new();
        if new.handled_on_spot {
            let photos = new.photos.iter().filter(|p| p.role == PhotoRole::After).cloned().collect();
            steps.push(NewEvent {
                kind: EventKind::HandledOnSpot,
                note: String::new(),
                photos,
                department: None,
                at: Some(at),
            });
        }
        steps.extend(new.history.iter().cloned());
        let mut events = std::collections::BTreeMap::new();
        let (mut status, mut last) = (workflow::CaseStatus::Reported, reported.id.clone());
        events.insert(reported.id.clone(), reported.clone());
        for step in steps {
            check_append(actor.role, status, step.kind)?;
            let department = self.department_for(&reference, actor, &step)?;
            for pick in &step.photos {
                let photo = self.photo_ref(pick, &actor.user_id, at)?;
                photos.insert(photo.hash.clone(), photo);
            }
            let ev = CaseEvent {
                id: self.clock.new_id(),
                kind: step.kind,
                at: step.at.unwrap_or(at).max(at),
                after: vec![last],
                note: step.note,
                photos: step.photos.iter().map(|p| p.hash.clone()).collect(),
                department,
                ..reported.clone()
            };
            status = workflow::transition(status, step.kind).expect("checked above");
            last = ev.id.clone();
            events.insert(ev.id.clone(), ev);
        }
        let title = if new.title.trim().is_empty() { category.name.clone() } else { new.title.trim().to_owned() };
        let case = Case {
            schema: CASE_SCHEMA,
            id: self.clock.new_id(),
            grid: new.grid,
            category: new.category,
            title,
            description: new.description,
            location: new.location,
            severity: new.severity,
            reporter: actor.user_id.clone(),
            created_at: at,
            photos,
            links: Links { patrol: patrol.clone(), related },
            events,
        };
        let mut doc = case.to_new_doc(&self.actor)?;
        let now = self.now();
        let tx = self.conn.savepoint()?;
        docs::insert(&tx, &self.cache, &case.id, DocKind::Case, &mut doc, Some(&actor.user_id), now)?;
        let derived = reindex_case(&tx, &reference, &case)?;
        if let Some(patrol_id) = &patrol {
            link_to_patrol(&tx, &self.cache, &self.actor, &actor.user_id, &reference, patrol_id, &case.id, at)?;
        }
        tx.commit()?;
        self.detail(case, derived, Some(actor), self.now())
    }

    /// Appends a workflow step to a case, if the actor's role allows it in
    /// the case's current status (one transaction, photos included).
    pub fn append_event(&mut self, actor: &Actor, case_id: &str, new: NewEvent) -> Result<CaseDetail, StoreError> {
        self.in_transaction(|s| s.append_event_in(actor, case_id, new))
    }

    fn append_event_in(&mut self, actor: &Actor, case_id: &str, new: NewEvent) -> Result<CaseDetail, StoreError> {
        self.check_not_pending_for_other(case_id, &actor.user_id)?;
        let reference = self.reference()?.clone();
        let mut doc = self.load_doc(case_id, "case")?;
        let before = doc.get_heads();
        let mut case = Case::from_doc(&doc)?;
        let derived = derive(&case);
        if !reference.scope_of(&actor.user_id).writes(&case.grid, derived.department.as_slice()) {
            return Err(StoreError::OutOfScope(case.grid.clone()));
        }
        check_append(actor.role, derived.status, new.kind)?;
        let department = self.department_for(&reference, actor, &new)?;
        let at = new.at.unwrap_or_else(|| self.now());
        for pick in &new.photos {
            let photo = self.photo_ref(pick, &actor.user_id, at)?;
            Case::add_photo(&mut doc, &photo)?;
            case.photos.insert(photo.hash.clone(), photo);
        }
        let event = CaseEvent {
            id: self.clock.new_id(),
            kind: new.kind,
            actor: actor.user_id.clone(),
            role: actor.role,
            at,
            after: derived.heads,
            note: new.note,
            photos: new.photos.iter().map(|p| p.hash.clone()).collect(),
            department,
        };
        Case::append_event(&mut doc, &event)?;
        // The document now holds exactly `case` plus this event and photos.
        case.events.insert(event.id.clone(), event);
        let now = self.now();
        let tx = self.conn.savepoint()?;
        docs::append(&tx, &self.cache, case_id, &mut doc, &before, Some(&actor.user_id), now)?;
        let derived = reindex_case(&tx, &reference, &case)?;
        tx.commit()?;
        self.detail(case, derived, Some(actor), self.now())
    }

    /// Adds photos to a case outside a workflow step (more evidence).
    pub fn attach_photos(
        &mut self,
        actor: &Actor,
        case_id: &str,
        picks: &[PhotoPick],
    ) -> Result<CaseDetail, StoreError> {
        self.in_transaction(|s| {
            let at = s.now();
            let refs = picks.iter().map(|p| s.photo_ref(p, &actor.user_id, at)).collect::<Result<Vec<_>, _>>()?;
            s.add_photo_refs(actor, case_id, refs)
        })
    }

    /// Links photos whose bytes are elsewhere (already on the server, e.g.
    /// the same evidence for a duplicate case) by their references.
    pub fn link_photos(&mut self, actor: &Actor, case_id: &str, refs: Vec<PhotoRef>) -> Result<CaseDetail, StoreError> {
        check_linked(actor, &refs)?;
        self.add_photo_refs(actor, case_id, refs)
    }

    fn add_photo_refs(&mut self, actor: &Actor, case_id: &str, refs: Vec<PhotoRef>) -> Result<CaseDetail, StoreError> {
        self.check_not_pending_for_other(case_id, &actor.user_id)?;
        let reference = self.reference()?.clone();
        let mut doc = self.load_doc(case_id, "case")?;
        let before = doc.get_heads();
        let mut case = Case::from_doc(&doc)?;
        if !reference.scope_of(&actor.user_id).writes(&case.grid, derive(&case).department.as_slice()) {
            return Err(StoreError::OutOfScope(case.grid.clone()));
        }
        for r in refs {
            Case::add_photo(&mut doc, &r)?;
            case.photos.insert(r.hash.clone(), r);
        }
        let now = self.now();
        let tx = self.conn.savepoint()?;
        docs::append(&tx, &self.cache, case_id, &mut doc, &before, Some(&actor.user_id), now)?;
        let derived = reindex_case(&tx, &reference, &case)?;
        tx.commit()?;
        self.detail(case, derived, Some(actor), now)
    }

    /// A case with its derived status, timeline, SLA and the actions
    /// `viewer` may take.
    pub fn get_case(&self, case_id: &str, viewer: Option<&Actor>, now: Millis) -> Result<CaseDetail, StoreError> {
        let doc = self.load_doc(case_id, "case")?;
        let case = Case::from_doc(&doc)?;
        let derived = derive(&case);
        if let Some(v) = self.viewer()
            && !v.scope.sees(&case.grid, derived.department.as_slice())
        {
            return Err(StoreError::NotFound { kind: "case", id: case_id.to_owned() });
        }
        self.detail(case, derived, viewer, now)
    }

    /// Lists cases from the index.
    pub fn list_cases(&self, filter: &CaseFilter, now: Millis) -> Result<CasePage, StoreError> {
        index::list_cases(&self.conn, self.viewer(), filter, now)
    }

    /// Per-grid figures for the leader's overview.
    pub fn grid_stats(&self, now: Millis) -> Result<Vec<GridStats>, StoreError> {
        index::grid_stats(&self.conn, self.viewer(), now)
    }

    /// The department a step names: required, and known, for a dispatch.
    /// The department a step names: the one dispatched to, or the
    /// department's own on its feedback.
    fn department_for(
        &self,
        reference: &Reference,
        actor: &Actor,
        step: &NewEvent,
    ) -> Result<Option<String>, StoreError> {
        if step.kind == EventKind::Handled && actor.role == crate::model::Role::Department {
            return Ok(match reference.scope_of(&actor.user_id) {
                crate::model::Scope::Department { department } => Some(department),
                _ => None,
            });
        }
        if step.kind != EventKind::Dispatched {
            return Ok(None);
        }
        let dept = step.department.as_deref().ok_or(WorkflowError::MissingDepartment)?;
        if !reference.org.departments.iter().any(|d| d.id == dept) {
            return Err(StoreError::Invalid(format!("unknown department {dept}")));
        }
        Ok(Some(dept.to_owned()))
    }

    pub(crate) fn load_doc(&self, id: &str, kind: &'static str) -> Result<AutoCommit, StoreError> {
        docs::load(&self.conn, &self.cache, id, &self.actor)?
            .ok_or_else(|| StoreError::NotFound { kind, id: id.to_owned() })
    }

    fn detail(
        &self,
        case: Case,
        derived: Derived,
        viewer: Option<&Actor>,
        now: Millis,
    ) -> Result<CaseDetail, StoreError> {
        let reference = self.reference()?;
        let (sla, lookback_due) = timers(reference, &case, &derived);
        let actions = match viewer {
            Some(a) if reference.scope_of(&a.user_id).writes(&case.grid, derived.department.as_slice()) => {
                workflow::allowed_actions(a.role, derived.status)
            }
            _ => vec![],
        };
        Ok(CaseDetail {
            synced: index::is_synced(&self.conn, &case.id)?,
            sla_state: sla.map(|s| s.state_at(now)),
            sla,
            lookback_due,
            actions,
            case,
            derived,
        })
    }
}

fn picks(photos: &[PhotoPick], keep: impl Fn(PhotoRole) -> bool) -> Vec<String> {
    photos.iter().filter(|p| keep(p.role)).map(|p| p.hash.clone()).collect()
}

/// The SLA of the current step and the look-back due date.
pub(crate) fn timers(reference: &Reference, case: &Case, derived: &Derived) -> (Option<Sla>, Option<Millis>) {
    let Some(category) = reference.category(&case.category) else {
        return (None, None);
    };
    let sla = sla_for(derived, category, &reference.calendar);
    let lookback = match (derived.status, derived.closed_at, derived.lookback_passed) {
        (workflow::CaseStatus::Closed, Some(closed), false) => Some(closed + i64::from(category.lookback_days) * DAY),
        _ => None,
    };
    (sla, lookback)
}

/// Rewrites a case's index row and blob links from the document.
pub(crate) fn reindex_case(tx: &Connection, reference: &Reference, case: &Case) -> Result<Derived, StoreError> {
    let derived = derive(case);
    let (sla, lookback_due) = timers(reference, case, &derived);
    index::upsert_case(tx, &CaseRow { case, derived: &derived, sla, lookback_due })?;
    let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO doc_blobs (doc_id, hash, is_thumb) VALUES (?1, ?2, ?3)")?;
    for p in case.photos.values() {
        stmt.execute(params![case.id, p.hash, false])?;
        stmt.execute(params![case.id, p.thumb, true])?;
    }
    Ok(derived)
}

#[allow(clippy::too_many_arguments)]
fn link_to_patrol(
    tx: &Connection,
    cache: &super::cache::DocCache,
    actor: &automerge::ActorId,
    author: &str,
    reference: &Reference,
    patrol_id: &str,
    case_id: &str,
    at: Millis,
) -> Result<(), StoreError> {
    let mut doc = docs::load(tx, cache, patrol_id, actor)?
        .ok_or_else(|| StoreError::NotFound { kind: "patrol", id: patrol_id.into() })?;
    let before = doc.get_heads();
    Patrol::link_case(&mut doc, case_id, at)?;
    docs::append(tx, cache, patrol_id, &mut doc, &before, Some(author), at)?;
    super::patrols::reindex_patrol(tx, reference, &Patrol::from_doc(&doc)?, at)
}
