// A mirror of core/src/workflow/rules.rs (the transition and permission
// tables), for the steps the UI offers before Rust sees them: the 补录 form
// offers only the kinds allowed next, and the dev mock applies the same rules.
// Rust stays the authority: it checks every step again and refuses with the
// same codes.
import type { CaseStatus, ErrorCode, EventKind, Role } from '../generated'

/** Every event kind in the order of `EventKind::ALL`. */
export const EVENT_KINDS: EventKind[] = [
  'reported', 'handled_on_spot', 'escalated', 'accepted', 'dispatched', 'handled', 'verified', 'closed',
  'returned_for_rework', 'look_back_passed', 'relapsed', 'deferred', 'voided', 'amended', 'evidence_added',
]

/** Whether the case still needs work (not closed, deferred or voided). */
export function isOpen(s: CaseStatus): boolean {
  return s !== 'closed' && s !== 'deferred' && s !== 'voided'
}

/** Where `kind` moves a case in `status`, or `null` if it may not happen there. */
export function transition(s: CaseStatus, k: EventKind): CaseStatus | null {
  if (s === 'voided') return null
  if (k === 'voided') return 'voided'
  const from = (...xs: CaseStatus[]) => xs.includes(s)
  switch (k) {
    case 'handled_on_spot':
      return from('reported', 'relapsed', 'rework', 'deferred') ? 'handled' : null
    case 'escalated':
      return from('reported', 'relapsed', 'deferred') ? 'escalated' : null
    case 'accepted':
      return from('escalated', 'deferred') ? 'accepted' : null
    case 'dispatched':
      return from('escalated', 'accepted', 'dispatched', 'rework', 'deferred') ? 'dispatched' : null
    case 'handled':
      return from('dispatched', 'rework', 'deferred') ? 'handled' : null
    case 'verified':
      return from('handled') ? 'verified' : null
    case 'closed':
      return from('handled', 'verified') ? 'closed' : null
    case 'returned_for_rework':
      return from('handled', 'verified') ? 'rework' : null
    case 'look_back_passed':
      return from('closed') ? 'closed' : null
    case 'relapsed':
      return from('closed') ? 'relapsed' : null
    case 'deferred':
      return isOpen(s) ? 'deferred' : null
    case 'amended':
    case 'evidence_added':
      return s
    default:
      return null
  }
}

/** Whether a role may append events of this kind at all. */
export function roleMay(r: Role, k: EventKind): boolean {
  switch (k) {
    case 'reported':
      return r !== 'department'
    case 'handled_on_spot':
      return r === 'grid_worker' || r === 'grid_leader' || r === 'admin'
    case 'escalated':
    case 'look_back_passed':
    case 'relapsed':
      return r === 'grid_worker' || r === 'grid_leader' || r === 'supervisor' || r === 'admin'
    case 'accepted':
    case 'dispatched':
    case 'deferred':
    case 'voided':
      return r === 'grid_leader' || r === 'supervisor' || r === 'street_leader' || r === 'admin'
    case 'handled':
      return r === 'department' || r === 'admin'
    case 'evidence_added':
      return true
    default:
      // verified, closed, returned_for_rework, amended
      return r !== 'department'
  }
}

/** Why `role` may not append `kind` to a case in `status` (the code Rust sends), or `null` if it may. */
export function appendRefusal(role: Role, status: CaseStatus, kind: EventKind): ErrorCode | null {
  if (!roleMay(role, kind)) return 'role_not_permitted'
  if (kind === 'reported' || transition(status, kind) === null) return 'not_allowed_in_state'
  return null
}

/** The workflow buttons `role` may press on a case in `status` (no corrections, no added evidence). */
export function allowedActions(role: Role, status: CaseStatus): EventKind[] {
  return EVENT_KINDS.filter((k) => k !== 'amended' && k !== 'evidence_added' && appendRefusal(role, status, k) === null)
}
