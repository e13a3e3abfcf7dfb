// Category picker logic: search, grouping by kind and major class, recent first.
import type { Category, CategoryKind } from '../generated'

export interface CategoryGroup {
  /** `recent`, or `<kind>-<major code>` e.g. `event-02`. */
  key: string
  kind: CategoryKind | null
  /** Major class name, e.g. 宣传广告; empty for the recent group. */
  title: string
  items: Category[]
}

const KIND_ORDER: CategoryKind[] = ['event', 'component']

export function matchesQuery(c: Category, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (!q) return true
  return [c.name, c.major_name, c.code, c.id].some((s) => s.toLowerCase().includes(q))
}

/**
 * Groups the dictionary for the picker: the recently used first (in order of
 * use), then events before components, each by major class in code order.
 */
export function groupCategories(all: Category[], recentIds: string[], query = ''): CategoryGroup[] {
  const found = all.filter((c) => matchesQuery(c, query))
  const byId = new Map(found.map((c) => [c.id, c]))
  const groups: CategoryGroup[] = []
  const recent = recentIds.map((id) => byId.get(id)).filter((c): c is Category => !!c)
  if (recent.length) groups.push({ key: 'recent', kind: null, title: '', items: recent })
  for (const kind of KIND_ORDER) {
    const majors = new Map<string, CategoryGroup>()
    const ofKind = found.filter((c) => c.kind === kind).sort((a, b) => a.code.localeCompare(b.code))
    for (const c of ofKind) {
      const major = c.code.slice(0, 2)
      const key = `${kind}-${major}`
      let g = majors.get(key)
      if (!g) {
        g = { key, kind, title: c.major_name, items: [] }
        majors.set(key, g)
      }
      g.items.push(c)
    }
    groups.push(...majors.values())
  }
  return groups
}

const RECENT_KEY = 'gridpatrol.recentCategories'
export const RECENT_MAX = 6

/** Moves `id` to the front of the recent list, keeping at most RECENT_MAX. */
export function pushRecent(list: string[], id: string, max = RECENT_MAX): string[] {
  return [id, ...list.filter((x) => x !== id)].slice(0, max)
}

export function loadRecent(storage: Storage | undefined = globalThis.localStorage): string[] {
  try {
    const raw = storage?.getItem(RECENT_KEY)
    const v: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export function rememberRecent(id: string, storage: Storage | undefined = globalThis.localStorage): string[] {
  const next = pushRecent(loadRecent(storage), id)
  try {
    storage?.setItem(RECENT_KEY, JSON.stringify(next))
  } catch {
    /* storage full or unavailable: recent list is a convenience only */
  }
  return next
}
