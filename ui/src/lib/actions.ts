import type { EventKind, PhotoRole } from '../generated'

/** Button style per action: forward steps primary, reversals danger. */
export function actionType(kind: EventKind): 'primary' | 'success' | 'danger' | 'default' | 'warning' {
  switch (kind) {
    case 'handled_on_spot':
    case 'handled':
    case 'closed':
    case 'look_back_passed':
      return 'success'
    case 'returned_for_rework':
    case 'relapsed':
    case 'voided':
      return 'danger'
    case 'deferred':
      return 'default'
    default:
      return 'primary'
  }
}

/** The role of photos taken for a step. */
export function photoRoleFor(kind: EventKind): PhotoRole {
  return kind === 'handled' || kind === 'handled_on_spot' ? 'after' : 'evidence'
}

/** Steps for which the sheet asks for photos first. */
export function wantsPhotos(kind: EventKind): boolean {
  return ['handled_on_spot', 'handled', 'relapsed', 'verified', 'returned_for_rework'].includes(kind)
}
