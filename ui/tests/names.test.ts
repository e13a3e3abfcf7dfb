import { describe, expect, it } from 'vitest'
import { ancestry, gridsOfUser, isLeader, makeNames, usersInGrids } from '../src/lib/names'
import { reference } from './fixture'

const user = (id: string) => reference.users.find((u) => u.id === id)!

describe('name lookups', () => {
  const n = makeNames(reference)
  it('finds users, grids, categories and departments', () => {
    expect(n.user('u-worker1')).toBe('王芳')
    expect(n.grid('QS01-G02')).toBe('柳荫社区第二网格')
    expect(n.category('E0201')?.major_name).toBe('宣传广告')
    expect(n.categoryName('E0201')).toBe('非法小广告')
    expect(n.department('D-SZ')).toBe('青石街道市政养护所')
  })
  it('falls back to the id for unknown ones, and to empty for none', () => {
    expect(n.user('u-ghost')).toBe('u-ghost')
    expect(n.grid('X')).toBe('X')
    expect(n.categoryName('E9999')).toBe('E9999')
    expect(n.department(null)).toBe('')
  })
  it('works without reference data', () => {
    expect(makeNames(null).grid('QS01-G01')).toBe('QS01-G01')
  })
})

describe("a user's grids", () => {
  it('walks up the org tree', () => {
    expect(ancestry(reference, 'QS01-G01-B01')).toEqual(['QS01-G01-B01', 'QS01-G01', 'QS01', 'QS'])
  })
  it('gives a worker their grid, a leader theirs, a supervisor the community, a street leader all', () => {
    expect(gridsOfUser(reference, user('u-worker1')).map((g) => g.id)).toEqual(['QS01-G01'])
    expect(gridsOfUser(reference, user('u-leader1')).map((g) => g.id)).toEqual(['QS01-G01', 'QS01-G02'])
    expect(gridsOfUser(reference, user('u-supervisor1')).map((g) => g.id)).toEqual(['QS01-G01', 'QS01-G02'])
    expect(gridsOfUser(reference, user('u-street1')).map((g) => g.id)).toEqual(['QS01-G01', 'QS01-G02', 'QS02-G01'])
  })
  it('gives departments no grids', () => {
    expect(gridsOfUser(reference, user('u-dept-cg'))).toEqual([])
  })
  it('finds team candidates in the same grid', () => {
    const ids = usersInGrids(reference, ['QS01-G01']).map((u) => u.id)
    expect(ids).toContain('u-worker2')
    expect(ids).toContain('u-leader1')
    expect(ids).not.toContain('u-worker3')
    expect(ids).not.toContain('u-dept-cg')
  })
  it('knows the leader roles', () => {
    expect(isLeader('grid_leader')).toBe(true)
    expect(isLeader('street_leader')).toBe(true)
    expect(isLeader('grid_worker')).toBe(false)
    expect(isLeader('department')).toBe(false)
  })
})

describe('team candidates order', () => {
  it('lists grid workers before leaders and people placed higher up', () => {
    const roles = usersInGrids(reference, ['QS01-G01']).map((u) => u.role)
    expect(roles).toEqual(['grid_worker', 'grid_worker', 'grid_leader', 'supervisor', 'street_leader'])
  })
})
