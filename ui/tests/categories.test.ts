import { beforeEach, describe, expect, it } from 'vitest'
import { groupCategories, loadRecent, pushRecent, rememberRecent, RECENT_MAX } from '../src/lib/categories'
import { reference } from './fixture'

const all = reference.categories.categories

describe('category picker grouping', () => {
  it('groups events first, then components, by major class in code order', () => {
    const g = groupCategories(all, [])
    expect(g.map((x) => x.key)).toEqual(['event-01', 'event-02', 'event-05', 'component-01', 'component-04'])
    expect(g[0].title).toBe('市容环境')
    expect(g[0].items.map((c) => c.id)).toEqual(['E0101', 'E0102'])
  })
  it('puts the recently used first, in order of use', () => {
    const g = groupCategories(all, ['E0505', 'C0101'])
    expect(g[0].key).toBe('recent')
    expect(g[0].items.map((c) => c.id)).toEqual(['E0505', 'C0101'])
    // they still appear in their own groups too
    expect(g.find((x) => x.key === 'event-05')?.items.map((c) => c.id)).toEqual(['E0505'])
  })
  it('skips recent ids that no longer exist', () => {
    const g = groupCategories(all, ['E9999'])
    expect(g[0].key).toBe('event-01')
  })
  it('searches names, major classes and codes', () => {
    expect(groupCategories(all, [], '广告').flatMap((g) => g.items.map((c) => c.id))).toEqual(['E0201'])
    expect(groupCategories(all, [], '公用设施').flatMap((g) => g.items.map((c) => c.id))).toEqual(['C0101', 'C0112'])
    expect(groupCategories(all, [], '0505').flatMap((g) => g.items.map((c) => c.id))).toEqual(['E0505'])
    expect(groupCategories(all, ['E0201'], '井盖').map((g) => g.key)).toEqual(['component-01'])
    expect(groupCategories(all, [], 'nothing')).toEqual([])
  })
})

describe('recent categories', () => {
  beforeEach(() => localStorage.clear())
  it('moves a used id to the front and caps the list', () => {
    expect(pushRecent(['a', 'b', 'c'], 'b')).toEqual(['b', 'a', 'c'])
    let l: string[] = []
    for (let i = 0; i < 10; i++) l = pushRecent(l, `c${i}`)
    expect(l).toHaveLength(RECENT_MAX)
    expect(l[0]).toBe('c9')
  })
  it('remembers in localStorage and survives garbage', () => {
    rememberRecent('E0201')
    rememberRecent('C0101')
    expect(loadRecent()).toEqual(['C0101', 'E0201'])
    localStorage.setItem('gridpatrol.recentCategories', '{not json')
    expect(loadRecent()).toEqual([])
  })
})
