import type { ErrorCode } from '../generated/ErrorCode'
// Administration helpers: failures of online-only commands, which units a role
// is placed in, the category form, audit action filters.
import type { Category, CategoryKind, OrgUnit, Reference, Role, Step, TimeLimit } from '../generated'
import { toBackendError } from '../backend'
import type { Translate } from './format'

/** Codes meaning "the server cannot be reached": the admin screens show their offline state. */
export const OFFLINE_CODES: readonly ErrorCode[] = ['offline', 'timeout']
/** Codes meaning "log in again". */
export const LOGIN_CODES: readonly ErrorCode[] = ['invalid_token', 'token_expired', 'missing_token', 'not_logged_in']

export type AdminFailure = 'offline' | 'login' | 'forbidden' | 'error'

export function adminFailure(e: unknown): AdminFailure {
  const { code } = toBackendError(e)
  if ((OFFLINE_CODES as readonly string[]).includes(code)) return 'offline'
  if ((LOGIN_CODES as readonly string[]).includes(code)) return 'login'
  if (code === 'admin_only') return 'forbidden'
  return 'error'
}

export const ROLES: readonly Role[] = ['grid_worker', 'grid_leader', 'supervisor', 'street_leader', 'department', 'admin']

/** A unit a new user can be placed in (an org unit or, for departments, a department). */
export interface UnitChoice {
  id: string
  name: string
}

/**
 * Where a role is placed: grid workers and grid leaders in grids,
 * supervisors in communities or villages, street leaders and admins in the
 * street office, a department user in exactly one department.
 */
export function unitChoices(ref: Reference | null, role: Role): UnitChoice[] {
  if (!ref) return []
  if (role === 'department') return ref.org.departments.map((d) => ({ id: d.id, name: d.name }))
  const kinds: OrgUnit['kind'][] =
    role === 'grid_worker' || role === 'grid_leader' ? ['grid'] : role === 'supervisor' ? ['community', 'village'] : ['street']
  return ref.org.units.filter((u) => kinds.includes(u.kind)).map((u) => ({ id: u.id, name: u.name }))
}

/** A department user has exactly one unit; the others at least one. */
export function unitsValid(role: Role, units: string[]): boolean {
  return role === 'department' ? units.length === 1 : units.length >= 1
}

/** Login names: 2–32 letters, digits, `.`, `_` or `-`. */
export function validUsername(s: string): boolean {
  return /^[A-Za-z0-9._-]{2,32}$/.test(s)
}

// ---------- categories ----------

export const STEPS: readonly Step[] = ['respond', 'accept', 'dispatch', 'handle', 'verify']
export type LimitUnit = 'h' | 'd'
export interface LimitInput {
  n: number
  unit: LimitUnit
}

/** `"4h"` → 4 working hours; `"2d"` → 2 working days; anything else → null. */
export function parseLimit(s: TimeLimit): LimitInput | null {
  const m = /^(\d+)([hd])$/.exec(s.trim())
  return m ? { n: Number(m[1]), unit: m[2] as LimitUnit } : null
}

export function formatLimit(l: LimitInput): TimeLimit {
  return `${l.n}${l.unit}`
}

/** The major classes of a kind: two-digit code and name, in code order. */
export function majorClasses(cats: Category[], kind: CategoryKind): { code: string; name: string }[] {
  const seen = new Map<string, string>()
  for (const c of cats) if (c.kind === kind && !seen.has(c.code.slice(0, 2))) seen.set(c.code.slice(0, 2), c.major_name)
  return [...seen].map(([code, name]) => ({ code, name })).sort((a, b) => a.code.localeCompare(b.code))
}

/** The first free two-digit subclass code in a major class (`01`…`99`), or null when it is full. */
export function nextSubclass(cats: Category[], kind: CategoryKind, major: string): string | null {
  const used = new Set(cats.filter((c) => c.kind === kind && c.code.startsWith(major)).map((c) => c.code.slice(2)))
  for (let i = 1; i < 100; i++) {
    const code = i < 10 ? `0${i}` : String(i)
    if (!used.has(code)) return code
  }
  return null
}

/** `E` or `C` followed by the four-digit code. */
export function categoryId(kind: CategoryKind, code: string): string {
  return `${kind === 'event' ? 'E' : 'C'}${code}`
}

/** What is wrong with a new category (an i18n key under admin.categories), or null. */
export function categoryProblem(c: Category, existing: Category[]): string | null {
  if (!/^\d{4}$/.test(c.code) || c.code.endsWith('00') || c.code.startsWith('00')) return 'admin.categories.badCode'
  if (existing.some((x) => x.id === c.id)) return 'admin.categories.taken'
  if (!c.name.trim() || !c.major_name.trim()) return 'admin.categories.needName'
  if (STEPS.some((s) => !parseLimit(c.limits[s]) || parseLimit(c.limits[s])!.n < 1)) return 'admin.categories.badLimit'
  if (!Number.isInteger(c.lookback_days) || c.lookback_days < 1 || c.lookback_days > 365) return 'admin.categories.badLookback'
  return null
}

// ---------- audit ----------

/** The action filter chips and the prefix each sends. */
export const AUDIT_ACTIONS: readonly { id: string; prefix: string | null }[] = [
  { id: 'all', prefix: null },
  { id: 'login', prefix: 'login' },
  { id: 'login_failed', prefix: 'login_failed' },
  { id: 'push', prefix: 'push' },
  { id: 'refused', prefix: 'refused:' },
  { id: 'admin', prefix: 'admin:' },
]

/** An action in words: known ones translated, `refused:<code>` and `admin:<action>` with their detail. */
export function auditActionText(action: string, t: Translate, te: (k: string) => boolean): string {
  const [head, rest] = action.includes(':') ? [action.slice(0, action.indexOf(':')), action.slice(action.indexOf(':') + 1)] : [action, '']
  const known = (k: string, fallback: string) => (te(k) ? t(k) : fallback)
  if (head === 'refused') return t('audit.withDetail', { what: t('audit.action.refused'), detail: known(`errors.${rest}`, rest) })
  if (head === 'admin') return t('audit.withDetail', { what: t('audit.action.admin'), detail: known(`audit.admin.${rest}`, rest) })
  return known(`audit.action.${action}`, action)
}
