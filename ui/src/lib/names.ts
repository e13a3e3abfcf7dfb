// Id → display-name lookups over the reference data, and the user's grids.
import type { Category, Department, OrgUnit, Reference, Role, User } from '../generated'

export interface Names {
  user(id: string | null | undefined): string
  grid(id: string | null | undefined): string
  unit(id: string | null | undefined): OrgUnit | undefined
  category(id: string | null | undefined): Category | undefined
  categoryName(id: string | null | undefined): string
  department(id: string | null | undefined): string
}

export function makeNames(ref: Reference | null): Names {
  const users = new Map<string, User>()
  const units = new Map<string, OrgUnit>()
  const cats = new Map<string, Category>()
  const depts = new Map<string, Department>()
  if (ref) {
    for (const u of ref.users) users.set(u.id, u)
    for (const u of ref.org.units) units.set(u.id, u)
    for (const c of ref.categories.categories) cats.set(c.id, c)
    for (const d of ref.org.departments) depts.set(d.id, d)
  }
  return {
    user: (id) => (id ? (users.get(id)?.name ?? id) : ''),
    grid: (id) => (id ? (units.get(id)?.name ?? id) : ''),
    unit: (id) => (id ? units.get(id) : undefined),
    category: (id) => (id ? cats.get(id) : undefined),
    categoryName: (id) => {
      if (!id) return ''
      const c = cats.get(id)
      return c ? c.name : id
    },
    department: (id) => (id ? (depts.get(id)?.name ?? id) : ''),
  }
}

/** The ancestors of a unit (itself first), following `parent`. */
export function ancestry(ref: Reference, id: string): string[] {
  const byId = new Map(ref.org.units.map((u) => [u.id, u]))
  const out: string[] = []
  let cur = byId.get(id)
  const seen = new Set<string>()
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id)
    out.push(cur.id)
    cur = cur.parent ? byId.get(cur.parent) : undefined
  }
  return out
}

/** The grids a user works in: every grid at or under one of their units. Departments have none. */
export function gridsOfUser(ref: Reference, user: { role: Role; units: string[] } | undefined): OrgUnit[] {
  if (!user || user.role === 'department') return []
  const mine = new Set(user.units)
  return ref.org.units.filter((u) => u.kind === 'grid' && ancestry(ref, u.id).some((a) => mine.has(a)))
}

const ROLE_ORDER: Role[] = ['grid_worker', 'grid_leader', 'supervisor', 'street_leader', 'admin', 'department']

/**
 * Users who share at least one of the given grids (for night-patrol teams),
 * grid workers first, then leaders, then people placed higher up.
 */
export function usersInGrids(ref: Reference, gridIds: string[]): User[] {
  const wanted = new Set(gridIds)
  return ref.users
    .filter((u) => u.role !== 'department' && gridsOfUser(ref, u).some((g) => wanted.has(g.id)))
    .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
}

export const LEADER_ROLES: readonly Role[] = ['grid_leader', 'supervisor', 'street_leader', 'admin']
export const PATROL_ROLES: readonly Role[] = ['grid_worker', 'grid_leader', 'supervisor', 'street_leader', 'admin']

export function isLeader(role: Role | undefined): boolean {
  return !!role && LEADER_ROLES.includes(role)
}
