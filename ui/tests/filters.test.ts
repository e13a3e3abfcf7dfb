import { describe, expect, it } from 'vitest'
import { emptyFilter, GROUP_STATUSES, STATUS_GROUPS, toCaseFilter, type ListFilterState } from '../src/lib/filters'

const base: ListFilterState = { group: 'all', mine: false, overdue: false, text: '' }
const page = { limit: 30, offset: 0 }

describe('status group → CaseFilter', () => {
  it('maps 全部 to no status restriction', () => {
    expect(toCaseFilter(base, 'u1', page)).toEqual({
      statuses: [], overdue: false, lookback_due: false, unsynced: false, limit: 30, offset: 0,
    })
  })
  it('maps each group to its statuses', () => {
    expect(toCaseFilter({ ...base, group: 'pending' }, 'u1', page).statuses).toEqual(['reported', 'relapsed', 'escalated', 'accepted'])
    expect(toCaseFilter({ ...base, group: 'in_progress' }, 'u1', page).statuses).toEqual(['dispatched', 'rework'])
    expect(toCaseFilter({ ...base, group: 'to_verify' }, 'u1', page).statuses).toEqual(['handled', 'verified'])
    expect(toCaseFilter({ ...base, group: 'closed' }, 'u1', page).statuses).toEqual(['closed'])
  })
  it('covers every open status exactly once', () => {
    const seen = STATUS_GROUPS.flatMap((g) => GROUP_STATUSES[g])
    expect(new Set(seen).size).toBe(seen.length)
  })
  it('adds grid, category, mine, overdue and trimmed text', () => {
    const f = toCaseFilter(
      { group: 'all', grid: 'G1', category: 'E0201', mine: true, overdue: true, text: '  柳荫 ' },
      'u-worker1',
      { limit: 30, offset: 60 },
    )
    expect(f).toMatchObject({ grid: 'G1', category: 'E0201', reporter: 'u-worker1', overdue: true, text: '柳荫', offset: 60 })
  })
  it('omits empty optional fields', () => {
    const f = toCaseFilter({ ...base, text: '   ', mine: true }, undefined, page)
    expect('text' in f).toBe(false)
    expect('reporter' in f).toBe(false)
    expect('grid' in f).toBe(false)
  })
  it('does not share status arrays between calls', () => {
    const f = toCaseFilter({ ...base, group: 'closed' }, 'u1', page)
    f.statuses.push('voided')
    expect(GROUP_STATUSES.closed).toEqual(['closed'])
  })
  it('builds empty filters with overrides', () => {
    expect(emptyFilter({ lookback_due: true })).toEqual({ statuses: [], overdue: false, lookback_due: true, unsynced: false })
  })
})
