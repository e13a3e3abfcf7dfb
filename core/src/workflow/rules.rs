//! The workflow rules: the transition table and the permission table.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{EventKind, Role};

/// A case's derived status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 待处置: recorded, waiting to be handled or escalated.
    Reported,
    /// 已提报: waiting to be accepted.
    Escalated,
    /// 已立案: waiting to be dispatched.
    Accepted,
    /// 处置中: with a department.
    Dispatched,
    /// 待核查: handled, waiting to be verified.
    Handled,
    /// 已核查: verified, waiting to be closed.
    Verified,
    /// 已结案.
    Closed,
    /// 返工中: sent back for rework.
    Rework,
    /// 已回潮: the problem came back; open again.
    Relapsed,
    /// 挂账.
    Deferred,
    /// 已作废. Final.
    Voided,
}

impl CaseStatus {
    /// Whether the case still needs work (not closed, deferred or voided).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Deferred | CaseStatus::Voided)
    }

    /// The workflow step the case is in, which carries a time limit.
    pub fn step(self) -> Option<Step> {
        match self {
            CaseStatus::Reported | CaseStatus::Relapsed => Some(Step::Respond),
            CaseStatus::Escalated => Some(Step::Accept),
            CaseStatus::Accepted => Some(Step::Dispatch),
            CaseStatus::Dispatched | CaseStatus::Rework => Some(Step::Handle),
            CaseStatus::Handled | CaseStatus::Verified => Some(Step::Verify),
            CaseStatus::Closed | CaseStatus::Deferred | CaseStatus::Voided => None,
        }
    }

    /// The snake_case name used in the store's index and the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Reported => "reported",
            CaseStatus::Escalated => "escalated",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Dispatched => "dispatched",
            CaseStatus::Handled => "handled",
            CaseStatus::Verified => "verified",
            CaseStatus::Closed => "closed",
            CaseStatus::Rework => "rework",
            CaseStatus::Relapsed => "relapsed",
            CaseStatus::Deferred => "deferred",
            CaseStatus::Voided => "voided",
        }
    }
}

/// A workflow step with a time limit (see [`crate::model::StepLimits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Respond,
    Accept,
    Dispatch,
    Handle,
    Verify,
}

/// Where `kind` moves a case in `status`, or `None` if it may not happen
/// there. Closing from `Closed` by rework is handled by the fold (a race).
pub fn transition(status: CaseStatus, kind: EventKind) -> Option<CaseStatus> {
    use CaseStatus as S;
    use EventKind as E;
    let next = match (status, kind) {
        (S::Voided, _) => return None,
        (_, E::Voided) => S::Voided,
        (S::Reported | S::Relapsed | S::Rework | S::Deferred, E::HandledOnSpot) => S::Handled,
        (S::Reported | S::Relapsed | S::Deferred, E::Escalated) => S::Escalated,
        (S::Escalated | S::Deferred, E::Accepted) => S::Accepted,
        (S::Escalated | S::Accepted | S::Dispatched | S::Rework | S::Deferred, E::Dispatched) => S::Dispatched,
        (S::Dispatched | S::Rework | S::Deferred, E::Handled) => S::Handled,
        (S::Handled, E::Verified) => S::Verified,
        (S::Handled | S::Verified, E::Closed) => S::Closed,
        (S::Handled | S::Verified, E::ReturnedForRework) => S::Rework,
        (S::Closed, E::LookBackPassed) => S::Closed,
        (S::Closed, E::Relapsed) => S::Relapsed,
        (s, E::Deferred) if s.is_open() => S::Deferred,
        (s, E::Amended | E::EvidenceAdded) => s,
        _ => return None,
    };
    Some(next)
}

/// Whether a role may append events of this kind at all.
pub fn role_may(role: Role, kind: EventKind) -> bool {
    use EventKind as E;
    use Role as R;
    match kind {
        E::Reported => role != R::Department,
        E::HandledOnSpot => matches!(role, R::GridWorker | R::GridLeader | R::Admin),
        E::Escalated => matches!(role, R::GridWorker | R::GridLeader | R::Supervisor | R::Admin),
        E::Accepted | E::Dispatched | E::Deferred | E::Voided => {
            matches!(role, R::GridLeader | R::Supervisor | R::StreetLeader | R::Admin)
        }
        E::Handled => matches!(role, R::Department | R::Admin),
        E::Verified | E::Closed | E::ReturnedForRework => role != R::Department,
        E::LookBackPassed | E::Relapsed => matches!(role, R::GridWorker | R::GridLeader | R::Supervisor | R::Admin),
        // Who may correct which details is decided with the case's state
        // (the reporter before acceptance, leaders after): see `may_amend`.
        E::Amended => role != R::Department,
        E::EvidenceAdded => true,
    }
}

/// Whether `role` (the reporter of the case, or not) may correct a case's
/// details while it is in `status`: the reporter until it is accepted,
/// leaders and supervisors at any time but after voiding, departments never.
pub fn may_amend(role: Role, is_reporter: bool, status: CaseStatus) -> bool {
    use CaseStatus as S;
    match role {
        Role::Department => false,
        Role::GridLeader | Role::Supervisor | Role::StreetLeader | Role::Admin => status != S::Voided,
        Role::GridWorker => is_reporter && matches!(status, S::Reported | S::Escalated | S::Relapsed),
    }
}

/// Why an event may not be appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("a {role:?} may not record {kind:?}")]
    RoleNotPermitted { role: Role, kind: EventKind },
    #[error("{kind:?} is not possible while the case is {status:?}")]
    NotAllowedInState { status: CaseStatus, kind: EventKind },
    #[error("a dispatch needs a department")]
    MissingDepartment,
}

/// Checks that `role` may append `kind` to a case in `status`.
pub fn check_append(role: Role, status: CaseStatus, kind: EventKind) -> Result<(), WorkflowError> {
    if !role_may(role, kind) {
        return Err(WorkflowError::RoleNotPermitted { role, kind });
    }
    if kind == EventKind::Reported || transition(status, kind).is_none() {
        return Err(WorkflowError::NotAllowedInState { status, kind });
    }
    Ok(())
}

/// The workflow actions `role` may take on a case in `status`, for the UI's
/// buttons (corrections and added evidence are offered separately, see
/// [`may_amend`]).
pub fn allowed_actions(role: Role, status: CaseStatus) -> Vec<EventKind> {
    EventKind::ALL
        .into_iter()
        .filter(|&k| {
            !matches!(k, EventKind::Amended | EventKind::EvidenceAdded) && check_append(role, status, k).is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_loop_is_possible() {
        let path = [
            (Role::GridWorker, EventKind::Escalated, CaseStatus::Escalated),
            (Role::Supervisor, EventKind::Accepted, CaseStatus::Accepted),
            (Role::Supervisor, EventKind::Dispatched, CaseStatus::Dispatched),
            (Role::Department, EventKind::Handled, CaseStatus::Handled),
            (Role::GridWorker, EventKind::Verified, CaseStatus::Verified),
            (Role::GridWorker, EventKind::Closed, CaseStatus::Closed),
            (Role::GridWorker, EventKind::Relapsed, CaseStatus::Relapsed),
            (Role::GridWorker, EventKind::HandledOnSpot, CaseStatus::Handled),
        ];
        let mut s = CaseStatus::Reported;
        for (role, kind, want) in path {
            check_append(role, s, kind).unwrap();
            s = transition(s, kind).unwrap();
            assert_eq!(s, want);
        }
    }

    #[test]
    fn roles_are_enforced() {
        assert!(check_append(Role::Department, CaseStatus::Reported, EventKind::Escalated).is_err());
        assert!(check_append(Role::GridWorker, CaseStatus::Escalated, EventKind::Dispatched).is_err());
        assert!(check_append(Role::GridWorker, CaseStatus::Dispatched, EventKind::Handled).is_err());
        assert!(check_append(Role::GridLeader, CaseStatus::Reported, EventKind::Voided).is_ok());
    }

    #[test]
    fn voided_is_final_and_reported_is_never_appended() {
        for k in EventKind::ALL {
            assert_eq!(transition(CaseStatus::Voided, k), None);
            assert!(check_append(Role::Admin, CaseStatus::Reported, EventKind::Reported).is_err());
        }
        assert!(allowed_actions(Role::Admin, CaseStatus::Voided).is_empty());
    }

    #[test]
    fn a_worker_sees_the_buttons_of_a_fresh_case() {
        let actions = allowed_actions(Role::GridWorker, CaseStatus::Reported);
        assert_eq!(actions, vec![EventKind::HandledOnSpot, EventKind::Escalated]);
    }
}
