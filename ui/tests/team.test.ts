import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import JoinPatrolSheet from '../src/components/JoinPatrolSheet.vue'
import TodayView from '../src/views/TodayView.vue'
import { formatJoinCode, isJoinCode, isTeamKind, normaliseJoinCode, patrolKindsFor } from '../src/lib/patrolKinds'
import type { PatrolHistoryItem } from '../src/generated'
import { patrolDetail } from './patrolFixture'
import { T0 } from './fixture'
import { invoke, mountApp } from './setup'

const item = (over: Partial<PatrolHistoryItem> = {}): PatrolHistoryItem => ({
  id: 'p7', grid: 'QS01-G01', kind: 'night', started_by: 'u-worker2', started_at: T0, ended_at: null, team: ['u-worker2'],
  cases_found: 0, streets_checked: 0, streets_total: 3, streets_covered: 1, coverage_share: 0.3, track_length_m: 400, duration_ms: 900_000, synced: true, ...over,
})

beforeEach(() => invoke.mockReset())

describe('patrol kinds and join codes', () => {
  it('offers supervision to supervisors and leaders, special to leaders only', () => {
    expect(patrolKindsFor('grid_worker')).toEqual(['morning', 'night'])
    expect(patrolKindsFor('supervisor')).toEqual(['morning', 'night', 'supervision'])
    expect(patrolKindsFor('grid_leader')).toEqual(['morning', 'night', 'supervision', 'special'])
    expect(patrolKindsFor('street_leader')).toEqual(['morning', 'night', 'supervision', 'special'])
    expect(patrolKindsFor('department')).toEqual([])
    expect(patrolKindsFor(undefined)).toEqual([])
    expect(isTeamKind('night') && isTeamKind('special') && !isTeamKind('morning') && !isTeamKind('supervision')).toBe(true)
  })
  it('normalises what people type and shows codes in groups of three', () => {
    expect(normaliseJoinCode(' 482-913 ')).toBe('482913')
    expect(normaliseJoinCode('ab c·7')).toBe('ABC7')
    expect(isJoinCode('482913')).toBe(true)
    expect(isJoinCode('48')).toBe(false)
    expect(isJoinCode('48291!')).toBe(false)
    expect(formatJoinCode('482913')).toBe('482 913')
    expect(formatJoinCode('ABCD')).toBe('ABC D')
  })
})

describe('join a team patrol', () => {
  it('lists today’s open team patrols and joins one', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'patrols_team_today') return [item(), item({ id: 'p8', ended_at: T0 + 1000 }), item({ id: 'p9', team: ['u-worker2', 'u-worker1'] })]
      if (cmd === 'patrol_join') return patrolDetail({}, { id: 'p7' })
      return null
    })
    const w = mountApp(JoinPatrolSheet, { props: { show: false } })
    await w.setProps({ show: true })
    await flushPromises()
    expect(w.find('[data-testid="join-option-p8"]').exists()).toBe(false) // ended
    expect(w.find('[data-testid="join-option-p9"]').text()).toContain('已加入')
    expect(w.find('[data-testid="join-option-p7"]').text()).toContain('李娜')
    await w.find('[data-testid="join-option-p7"]').trigger('click')
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('patrol_join', { id: 'p7' })
    expect(w.emitted('joined')?.[0][0]).toMatchObject({ patrol: { id: 'p7' } })
    w.unmount()
  })

  it('joins offline by the typed code, normalised, and says when it is wrong', async () => {
    invoke.mockImplementation(async (cmd: string, args?: unknown) => {
      if (cmd === 'patrols_team_today') throw { code: 'offline', message: 'no network' }
      if (cmd === 'patrol_join_code' && (args as { code: string }).code === '482913') return patrolDetail()
      if (cmd === 'patrol_join_code') throw { code: 'join_code_invalid', message: 'bad code' }
      return null
    })
    const w = mountApp(JoinPatrolSheet, { props: { show: false } })
    await w.setProps({ show: true })
    await flushPromises()
    expect(w.find('[data-testid="join-none"]').exists()).toBe(true)
    const input = w.find('[data-testid="join-code-input"]')
    const submit = () => w.find('[data-testid="join-code-submit"]')
    await input.setValue('48')
    expect(submit().attributes('disabled')).toBeDefined()
    await input.setValue('111 222')
    await submit().trigger('click')
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('patrol_join_code', { code: '111222' })
    expect(document.body.textContent).toContain('加入码不正确')
    expect(w.emitted('joined')).toBeUndefined()
    await input.setValue('482-913')
    await submit().trigger('click')
    await flushPromises()
    expect(w.emitted('joined')).toHaveLength(1)
    w.unmount()
  })
})

describe('today screen', () => {
  async function today(user: string) {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'cases_list') return { items: [], total: 0 }
      if (cmd === 'sync_unsynced') return { cases: 0, patrols: 0, photos: 0, photo_bytes: 0, items: [] }
      if (cmd === 'patrol_start') return patrolDetail()
      return null
    })
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/today', name: 'today', component: TodayView },
        { path: '/patrol/:id', name: 'patrol', component: { template: '<div />' } },
        { path: '/map', name: 'map', component: { template: '<div />' } },
        { path: '/patrols', name: 'patrol-history', component: { template: '<div />' } },
      ],
    })
    await router.push('/today')
    const w = mountApp(TodayView, { global: { plugins: [router] } }, user)
    await flushPromises()
    return { w, router }
  }

  it('offers the kinds a role runs, team joining, the map and the patrol history', async () => {
    const worker = await today('u-worker1')
    expect(worker.w.find('[data-testid="start-supervision"]').exists()).toBe(false)
    expect(worker.w.find('[data-testid="join-patrol"]').exists()).toBe(true)
    await worker.w.find('[data-testid="today-map"]').trigger('click')
    await flushPromises()
    expect(worker.router.currentRoute.value.name).toBe('map')
    const leader = await today('u-leader1')
    expect(leader.w.find('[data-testid="start-supervision"]').exists()).toBe(true)
    expect(leader.w.find('[data-testid="start-special"]').exists()).toBe(true)
    const supervisor = await today('u-supervisor1')
    expect(supervisor.w.find('[data-testid="start-supervision"]').exists()).toBe(true)
    expect(supervisor.w.find('[data-testid="start-special"]').exists()).toBe(false)
    await supervisor.w.find('[data-testid="today-patrol-history"]').trigger('click')
    await flushPromises()
    expect(supervisor.router.currentRoute.value.name).toBe('patrol-history')
  })
})
