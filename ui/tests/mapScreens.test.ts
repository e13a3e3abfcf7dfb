import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import CaseLocationCard from '../src/components/CaseLocationCard.vue'
import MapPageView from '../src/views/MapPageView.vue'
import PatrolHistoryView from '../src/views/PatrolHistoryView.vue'
import { isoDay } from '../src/lib/format'
import { PIN_LAYER } from '../src/lib/mapStyle'
import type { MapLayers, PatrolHistoryItem } from '../src/generated'
import { caseDetail, T0 } from './fixture'
import * as ml from './maplibreMock'
import { invoke, mountApp, last } from './setup'

const NONE = { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }
const pins: MapLayers = {
  grids: { type: 'FeatureCollection', features: [] },
  streets: { type: 'FeatureCollection', features: [] },
  buildings: { type: 'FeatureCollection', features: [] },
  tracks: { type: 'FeatureCollection', features: [] },
  cases: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [120.1611, 30.2772] }, properties: { id: 'case-1', title: 'x', category: 'E0201', status: 'reported', sla_state: 'green', closed: false } }] },
}

function routerWith(path: string, component: object, name: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path, name, component },
      { path: '/cases/:id', name: 'case', component: { template: '<div />' } },
      { path: '/patrol/:id/summary', name: 'patrol-summary', component: { template: '<div />' } },
      { path: '/today', name: 'today', component: { template: '<div />' } },
      { path: '/map', name: 'map', component: { template: '<div />' } },
    ],
  })
  return router
}
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)

beforeEach(() => {
  ml.resetMaplibreMock()
  invoke.mockReset()
})

describe('map screen', () => {
  it('asks for the pins with the case-list filters and opens a tapped pin', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'map_layers' ? pins : cmd === 'basemap_get' ? NONE : null))
    const router = routerWith('/map', MapPageView, 'map')
    await router.push('/map?status=pending&grid=QS01-G01')
    const w = mountApp(MapPageView, { global: { plugins: [router] } })
    await flushPromises()
    await flushPromises()
    const q = (calls('map_layers')[0][1] as { query: { grids: string[]; cases: { statuses: string[]; grid: string }; patrol: null; crs: string } }).query
    expect(q.crs).toBe('wgs84')
    expect(q.grids).toEqual(['QS01-G01'])
    expect(q.cases.statuses).toEqual(['reported', 'relapsed', 'escalated', 'accepted'])
    expect(q.cases.grid).toBe('QS01-G01')
    expect(q.patrol).toBeNull()
    expect(w.find('[data-testid="map-count"]').text()).toContain('1')
    await w.find('[data-testid="map-filter-status-closed"]').trigger('click')
    await flushPromises()
    expect((calls('map_layers')[1][1] as { query: { cases: { statuses: string[] } } }).query.cases.statuses).toEqual(['closed'])

    const map = last(ml.Map.instances)!
    map.fire('load')
    map.rendered = [{ layer: { id: PIN_LAYER }, properties: { id: 'case-1' }, geometry: pins.cases.features[0].geometry }]
    map.fire('click', { lngLat: { lat: 30.2772, lng: 120.1611 }, point: { x: 50, y: 50 } })
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/cases/case-1')
  })

  it('centres on the case given by ?focus', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'map_layers' ? pins : cmd === 'basemap_get' ? NONE : null))
    const router = routerWith('/map', MapPageView, 'map')
    await router.push('/map?focus=case-1')
    mountApp(MapPageView, { global: { plugins: [router] } })
    await flushPromises()
    await flushPromises()
    const map = last(ml.Map.instances)!
    map.fire('load')
    await flushPromises()
    expect(map.calls.find((c) => c[0] === 'jumpTo' || c[0] === 'easeTo')?.[1]).toMatchObject({ center: [120.1611, 30.2772] })
  })
})

describe('case location', () => {
  it('shows the pin in display coordinates and the WGS-84 coordinates as captured', async () => {
    invoke.mockImplementation(async (cmd: string, a?: unknown) => {
      const p = a as { lat: number; lon: number }
      if (cmd === 'basemap_get') return { ...NONE, crs: 'gcj02' }
      if (cmd === 'map_from_wgs84') return { lat: p.lat + 0.002, lon: p.lon + 0.005 }
      return cmd === 'map_layers' ? pins : null
    })
    const router = routerWith('/map', MapPageView, 'map')
    const c = caseDetail().case
    const w = mountApp(CaseLocationCard, { props: { case: c }, global: { plugins: [router] } })
    await flushPromises()
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('map_from_wgs84', { crs: 'gcj02', lat: 30.27, lon: 120.16 })
    expect(w.find('[data-testid="case-coords"]').text()).toContain('30.270000, 120.160000')
    expect(w.find('[data-testid="case-location-source"]').text()).toContain('GPS 定位 · ±8 米')
    // ui/CONTRACT-device.md's id for the same block: coordinates to 6 decimals, accuracy, source.
    expect(w.find('[data-testid="case-coordinates"]').text()).toMatch(/30\.270000, 120\.160000[\s\S]*GPS 定位 · ±8 米/)
    const map = last(ml.Map.instances)!
    expect(map.options.interactive).toBe(false)
    map.fire('load')
    await flushPromises()
    expect(last(ml.Marker.instances)!.lngLat.lng).toBeCloseTo(120.165, 9)
    await w.find('[data-testid="case-map-open"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/map?focus=case-1&grid=QS01-G01')
  })

  it('has no map without coordinates', async () => {
    invoke.mockResolvedValue(null)
    const c = caseDetail().case
    const w = mountApp(CaseLocationCard, { props: { case: { ...c, location: { ...c.location, lat: null, lon: null, source: 'street', accuracy_m: null } } }, global: { plugins: [routerWith('/map', MapPageView, 'map')] } })
    await flushPromises()
    expect(w.find('[data-testid="case-map"]').exists()).toBe(false)
    expect(w.find('[data-testid="case-coords"]').text()).toContain('无坐标')
    expect(w.find('[data-testid="case-location-source"]').attributes('data-source')).toBe('street')
  })
})

describe('patrol history', () => {
  const row = (over: Partial<PatrolHistoryItem>): PatrolHistoryItem => ({
    id: 'p1', grid: 'QS01-G01', kind: 'morning', started_by: 'u-worker1', started_at: T0, ended_at: T0 + 1_800_000, team: ['u-worker1', 'u-worker2'],
    cases_found: 2, streets_checked: 1, streets_total: 3, streets_covered: 2, coverage_share: 0.71, track_length_m: 2300, duration_ms: 1_800_000, synced: true, ...over,
  })

  it('filters by day, grid and kind, and shows coverage, cases and team', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'patrol_history' ? [row({}), row({ id: 'p2', streets_covered: null, coverage_share: null, ended_at: null })] : null))
    const router = routerWith('/patrols', PatrolHistoryView, 'patrol-history')
    await router.push('/patrols')
    const w = mountApp(PatrolHistoryView, { global: { plugins: [router] } })
    await flushPromises()
    expect(calls('patrol_history')[0][1]).toEqual({ filter: { day: null, grid: null, kind: null } })
    expect(w.find('[data-testid="history-coverage-p1"]').text()).toBe('2/3 条（71%）')
    expect(w.find('[data-testid="history-coverage-p2"]').text()).toBe('已查 1/3 条街')
    expect(w.find('[data-testid="history-cases-p1"]').text()).toContain('2')
    expect(w.find('[data-testid="history-team-p1"]').text()).toContain('王芳、李娜')
    expect(w.find('[data-testid="history-row-p2"]').text()).toContain('进行中')
    await w.find('[data-testid="history-day-today"]').trigger('click')
    await flushPromises()
    expect(last(calls('patrol_history'))![1]).toEqual({ filter: { day: isoDay(Date.now()), grid: null, kind: null } })
    await w.find('[data-testid="history-kind-night"]').trigger('click')
    await w.find('[data-testid="history-grid"]').trigger('click')
    await w.find('[data-testid="history-grid-option-QS01-G01"]').trigger('click')
    await flushPromises()
    expect(last(calls('patrol_history'))![1]).toEqual({ filter: { day: isoDay(Date.now()), grid: 'QS01-G01', kind: 'night' } })
    await w.find('[data-testid="history-row-p1"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/patrol/p1/summary')
  })
})
