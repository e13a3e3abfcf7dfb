// The case list's filter chips → the backend's CaseFilter.
import type { CaseStatus } from '../generated'
import type { CaseFilter } from '../generated'

export type StatusGroup = 'all' | 'pending' | 'in_progress' | 'to_verify' | 'closed'
export const STATUS_GROUPS: readonly StatusGroup[] = ['all', 'pending', 'in_progress', 'to_verify', 'closed']

/** 全部 / 待处置 / 处置中 / 待核查 / 已结案 */
export const GROUP_STATUSES: Record<StatusGroup, CaseStatus[]> = {
  all: [],
  pending: ['reported', 'relapsed', 'escalated', 'accepted'],
  in_progress: ['dispatched', 'rework'],
  to_verify: ['handled', 'verified'],
  closed: ['closed'],
}

export interface ListFilterState {
  group: StatusGroup
  grid?: string
  category?: string
  mine: boolean
  overdue: boolean
  text: string
  /** Only these cases (the cases behind a dashboard figure). */
  ids?: string[]
}

/** A CaseFilter with the required fields set to "no restriction". */
export function emptyFilter(extra: Partial<CaseFilter> = {}): CaseFilter {
  return { statuses: [], overdue: false, lookback_due: false, unsynced: false, ...extra }
}

export function toCaseFilter(
  s: ListFilterState,
  me: string | undefined,
  page: { limit: number; offset: number },
): CaseFilter {
  const f = emptyFilter({ statuses: [...GROUP_STATUSES[s.group]], overdue: s.overdue, ...page })
  if (s.grid) f.grid = s.grid
  if (s.category) f.category = s.category
  if (s.mine && me) f.reporter = me
  if (s.ids) f.ids = [...s.ids]
  const text = s.text.trim()
  if (text) f.text = text
  return f
}

/** `a,b,c` in a route query → ids; anything else → undefined. */
export function idsFromQuery(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined
  const ids = v.split(',').map((x) => x.trim()).filter(Boolean)
  return ids.length ? [...new Set(ids)] : undefined
}
