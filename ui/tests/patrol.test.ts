import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import PatrolView from '../src/views/PatrolView.vue'
import PatrolSummaryView from '../src/views/PatrolSummaryView.vue'
import { PATROL_REFRESH_MS } from '../src/composables/useLivePatrol'
import type { PatrolDetail } from '../src/generated'
import { member, patrolDetail, patrolLayers } from './patrolFixture'
import * as ml from './maplibreMock'
import { invoke, mountApp, last } from './setup'

let current: PatrolDetail
function stub() {
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'patrol_get':
        return current
      case 'map_layers':
        return patrolLayers()
      case 'basemap_get':
        return { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }
      case 'patrol_end':
      case 'patrol_end_part':
        return { ...current, patrol: { ...current.patrol, ended_at: Date.now() } }
      default:
        return null
    }
  })
}

async function mountAt(path: string, user = 'u-worker1') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/patrol/:id', name: 'patrol', component: PatrolView, props: true },
      { path: '/patrol/:id/summary', name: 'patrol-summary', component: PatrolSummaryView, props: true },
      { path: '/today', name: 'today', component: { template: '<div>today</div>' } },
      { path: '/report', name: 'report', component: { template: '<div>report</div>' } },
      { path: '/cases/:id', name: 'case', component: { template: '<div>case</div>' } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mountApp({ template: '<router-view />' }, { global: { plugins: [router] } }, user)
  await flushPromises()
  await flushPromises()
  return { w, router }
}
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(new Date(2026, 4, 6, 9, 30))
  ml.resetMaplibreMock()
  invoke.mockReset()
  current = patrolDetail()
  stub()
})
afterEach(() => vi.useRealTimers())

describe('patrol screen', () => {
  it('never records the track itself: it re-reads the patrol and its map every few seconds', async () => {
    const { w } = await mountAt('/patrol/p1')
    expect(calls('patrol_get')).toHaveLength(1)
    expect(calls('map_layers')[0][1]).toEqual({
      query: { crs: 'wgs84', grids: ['QS01-G01'], cases: { statuses: [], overdue: false, lookback_due: false, unsynced: false, patrol: 'p1' }, patrol: 'p1' },
    })
    current = patrolDetail({ members: [member('u-worker1', { track_points: 180, track_length_m: 1250 })] })
    await vi.advanceTimersByTimeAsync(PATROL_REFRESH_MS)
    await flushPromises()
    expect(calls('patrol_get')).toHaveLength(2)
    expect(calls('map_layers')).toHaveLength(2)
    expect(w.find('[data-testid="track-indicator"]').text()).toContain('180 个点')
    expect(w.find('[data-testid="track-indicator"]').text()).toContain('1.3 公里')
    expect(calls('patrol_record_track')).toHaveLength(0)
    expect(calls('location_current')).toHaveLength(0)
    w.unmount()
    await vi.advanceTimersByTimeAsync(PATROL_REFRESH_MS * 3)
    expect(calls('patrol_get')).toHaveLength(2)
  })

  it('shows coverage per street from the track, and keeps manual ticks as notes', async () => {
    current = patrolDetail({}, { streets: { 竹竿巷: { checked_at: new Date(2026, 4, 6, 9, 12).getTime(), by: 'u-worker1', note: '' } } })
    const { w } = await mountAt('/patrol/p1')
    expect(w.find('[data-testid="patrol-progress"]').text()).toBe('已覆盖 1/3 条街 · 56%')
    expect(w.find('[data-testid="street-0"]').attributes('data-covered')).toBe('true')
    expect(w.find('[data-testid="street-share-0"]').text()).toContain('已覆盖 95%')
    expect(w.find('[data-testid="street-1"]').attributes('data-covered')).toBe('false')
    expect(w.find('[data-testid="street-share-1"]').text()).toContain('已走 40%')
    expect(w.find('[data-testid="street-2"]').attributes('data-checked')).toBe('true')
    expect(w.find('[data-testid="street-2"]').attributes('data-covered')).toBe('false')
    expect(w.find('[data-testid="street-2"]').text()).toContain('09:12 已查')
  })

  it('falls back to manual ticks when the streets have no geometry', async () => {
    current = patrolDetail({ coverage: null }, { streets: { 柳荫路: { checked_at: Date.now(), by: 'u-worker1', note: '' } } })
    const { w } = await mountAt('/patrol/p1')
    expect(w.find('[data-testid="patrol-progress"]').text()).toBe('已查 1/3 条街')
    expect(w.find('[data-testid="street-0"]').attributes('data-covered')).toBeUndefined()
  })

  it('tells when the recorder has no fix, or lost it', async () => {
    current = patrolDetail({ members: [member('u-worker1', { last_fix_at: null, track_points: 0 })] })
    const { w } = await mountAt('/patrol/p1')
    expect(w.find('[data-testid="track-indicator"]').attributes('data-state')).toBe('nofix')
    current = patrolDetail({ members: [member('u-worker1', { last_fix_at: Date.now() - 5 * 60_000 })] })
    await vi.advanceTimersByTimeAsync(PATROL_REFRESH_MS)
    await flushPromises()
    expect(w.find('[data-testid="track-indicator"]').attributes('data-state')).toBe('stale')
  })

  it('a solo patrol ends with one button', async () => {
    const { w, router } = await mountAt('/patrol/p1')
    expect(w.find('[data-testid="patrol-join-code"]').exists()).toBe(false)
    await w.find('[data-testid="end-patrol"]').trigger('click')
    expect(w.find('[data-testid="end-part-confirm"]').exists()).toBe(false)
    await w.find('[data-testid="end-patrol-confirm"]').trigger('click')
    await flushPromises()
    expect(calls('patrol_end')[0][1]).toEqual({ id: 'p1', note: '' })
    expect(router.currentRoute.value.name).toBe('patrol-summary')
  })

  it('a team patrol shows the join code and members; the starter can end for all or only their part', async () => {
    current = patrolDetail({ members: [member('u-worker1'), member('u-worker2', { ended_at: new Date(2026, 4, 6, 9, 20).getTime() })] }, { kind: 'night', team: ['u-worker1', 'u-worker2', 'u-leader1'] })
    const { w } = await mountAt('/patrol/p1')
    expect(w.find('[data-testid="patrol-join-code"]').text()).toContain('482 913')
    expect(w.find('[data-testid="patrol-member-u-worker1"]').attributes('data-state')).toBe('walking')
    expect(w.find('[data-testid="patrol-member-u-worker2"]').attributes('data-state')).toBe('ended')
    expect(w.find('[data-testid="patrol-member-u-worker2"]').text()).toContain('09:20 已结束')
    expect(w.find('[data-testid="patrol-member-u-leader1"]').attributes('data-state')).toBe('pending')
    await w.find('[data-testid="end-patrol"]').trigger('click')
    expect(w.find('[data-testid="end-patrol-confirm"]').exists()).toBe(true)
    await w.find('[data-testid="end-patrol-note"]').setValue('  收队 ')
    await w.find('[data-testid="end-part-confirm"]').trigger('click')
    await flushPromises()
    expect(calls('patrol_end_part')[0][1]).toEqual({ id: 'p1', note: '收队' })
    expect(calls('patrol_end')).toHaveLength(0)
  })

  it('a member who did not start it can only end their own part', async () => {
    current = patrolDetail({ members: [member('u-worker1'), member('u-worker2')] }, { kind: 'night', team: ['u-worker1', 'u-worker2'] })
    const { w } = await mountAt('/patrol/p1', 'u-worker2')
    await w.find('[data-testid="end-patrol"]').trigger('click')
    expect(w.find('[data-testid="end-patrol-confirm"]').exists()).toBe(false)
    expect(w.find('[data-testid="end-part-confirm"]').exists()).toBe(true)
  })

  it('goes to the summary once my part has ended (e.g. on another phone)', async () => {
    current = patrolDetail({ members: [member('u-worker1', { ended_at: Date.now() }), member('u-worker2')] }, { kind: 'night' })
    const { router } = await mountAt('/patrol/p1')
    expect(router.currentRoute.value.name).toBe('patrol-summary')
  })
})

describe('patrol summary', () => {
  it('shows coverage, track length, the map with the tracks, and the streets read-only', async () => {
    current = patrolDetail({}, { ended_at: Date.now() })
    const { w } = await mountAt('/patrol/p1/summary')
    expect(w.find('[data-testid="summary-coverage"]').text()).toContain('1/3 条（56%）')
    expect(w.find('[data-testid="summary-coverage"]').attributes('data-covered')).toBe('1')
    expect(w.find('[data-testid="summary-track-length"]').text()).toContain('830 米')
    expect(w.find('[data-testid="summary-map"]').exists()).toBe(true)
    expect(w.find('[data-testid="street-note-0"]').exists()).toBe(false)
    const map = last(ml.Map.instances)!
    map.fire('load')
    await flushPromises()
    expect(w.find('[data-testid="summary-map"]').attributes('data-tracks')).toBe('1')
  })
})
