// Which patrol kinds a role may start, and how team patrols read.
import type { PatrolKind, Role } from '../generated'
import type { PatrolDetail, PatrolMember } from '../generated'
import { PATROL_ROLES } from './names'

/** Supervision patrols: supervisors and the leaders above grids. */
export const SUPERVISION_ROLES: readonly Role[] = ['supervisor', 'grid_leader', 'street_leader', 'admin']
/** Special (专项) patrols: leaders. */
export const SPECIAL_ROLES: readonly Role[] = ['grid_leader', 'street_leader', 'admin']

/** The kinds a role may start, in the order the today screen offers them. */
export function patrolKindsFor(role: Role | undefined): PatrolKind[] {
  if (!role || !PATROL_ROLES.includes(role)) return []
  const kinds: PatrolKind[] = ['morning', 'night']
  if (SUPERVISION_ROLES.includes(role)) kinds.push('supervision')
  if (SPECIAL_ROLES.includes(role)) kinds.push('special')
  return kinds
}

/** Kinds that pick a team when they start (several people walk together). */
export function isTeamKind(kind: PatrolKind): boolean {
  return kind === 'night' || kind === 'special'
}

/** Normalises a typed join code: upper case, no spaces or dashes. */
export function normaliseJoinCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s\-_.·]/g, '')
}

/** A join code shown in groups of three for reading aloud: `482 913`. */
export function formatJoinCode(code: string): string {
  return code.replace(/(.{3})(?=.)/g, '$1 ')
}

/** Whether the code looks like a join code (4–8 letters or digits). */
export function isJoinCode(code: string): boolean {
  return /^[0-9A-Z]{4,8}$/.test(code)
}

export function memberOf(d: PatrolDetail | null | undefined, userId: string | undefined): PatrolMember | undefined {
  return userId ? d?.members.find((m) => m.user_id === userId) : undefined
}

/** Members still patrolling. */
export function activeMembers(d: PatrolDetail): PatrolMember[] {
  return d.patrol.ended_at === null ? d.members.filter((m) => m.ended_at === null) : []
}
