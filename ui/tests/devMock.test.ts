// The dev mock (`npm run dev:mock`) must answer every command of the map
// contract plausibly from the demo data; otherwise the screens cannot be tried.
import { beforeAll, describe, expect, it } from 'vitest'
import { installMockTauri } from '../src/dev/mockTauri'
import type { MapLayers, NearbyCase, PatrolDetail, PatrolHistoryItem } from '../src/generated'
import { last } from './setup'

type Invoke = (cmd: string, args?: unknown) => Promise<unknown>
let call: Invoke
const wgs = { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }

beforeAll(async () => {
  localStorage.clear()
  installMockTauri()
  call = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__.invoke
  await call('login', { server: 'http://127.0.0.1:8787', username: 'worker1', password: 'x', new_password: null, pin: null, allow_insecure_http: false })
})

describe('dev mock: map contract', () => {
  it('draws the user’s grid with streets, buildings and case pins', async () => {
    const l = (await call('map_layers', { query: { crs: 'wgs84', grids: null, cases: { statuses: [], overdue: false, lookback_due: false, unsynced: false }, patrol: null } })) as MapLayers
    expect(l.grids.features.map((f) => f.properties.id)).toEqual(['QS01-G01'])
    expect(l.streets.features).toHaveLength(7)
    expect(l.buildings.features.length).toBeGreaterThan(0)
    expect(l.cases.features.length).toBeGreaterThan(3)
    expect(l.cases.features.some((f) => f.properties.closed)).toBe(true)
  })

  it('shifts for GCJ-02 and converts back within a metre', async () => {
    const d = (await call('map_from_wgs84', { crs: 'gcj02', lat: 30.277, lon: 120.161 })) as { lat: number; lon: number }
    expect(d.lon - 120.161).toBeGreaterThan(0.003) // the GCJ-02 offset near Hangzhou is ~450 m
    const back = (await call('map_to_wgs84', { crs: 'gcj02', ...d })) as { lat: number; lon: number }
    expect(Math.abs(back.lat - 30.277) * 111_000).toBeLessThan(1)
    expect(Math.abs(back.lon - 120.161) * 96_000).toBeLessThan(1)
    expect(await call('map_from_wgs84', { crs: 'cgcs2000', lat: 30.277, lon: 120.161 })).toEqual({ lat: 30.277, lon: 120.161 })
  })

  it('keeps the basemap setting', async () => {
    expect(await call('basemap_get')).toEqual(wgs)
    const options = (await call('basemap_options')) as Array<{ kind: string }>
    expect(options.length).toBeGreaterThan(0)
    await call('basemap_set', { settings: options[0] })
    expect(await call('basemap_get')).toEqual(options[0])
    await call('basemap_set', { settings: wgs })
  })

  it('joins the demo team patrol by code, records a track, covers streets and ends a part', async () => {
    const today = (await call('patrols_team_today')) as PatrolHistoryItem[]
    expect(today.some((p) => p.kind === 'night' && p.ended_at === null)).toBe(true)
    const d = (await call('patrol_join_code', { code: '482913' })) as PatrolDetail
    expect(d.members.map((m) => m.user_id)).toEqual(['u-worker2', 'u-worker1'])
    expect(d.coverage?.total).toBe(7)
    expect(d.members[0].track_points).toBeGreaterThan(100) // 20 minutes of the starter's walk
    const l = (await call('map_layers', { query: { crs: 'wgs84', grids: [], cases: null, patrol: d.patrol.id } })) as MapLayers
    expect(l.tracks.features.map((f) => f.properties.user_id)).toContain('u-worker2')
    await expect(call('patrol_join_code', { code: '000000' })).rejects.toMatchObject({ code: 'join_code_invalid' })
    const active = (await call('patrol_active')) as PatrolDetail
    expect(active.patrol.id).toBe(d.patrol.id)
    const after = (await call('patrol_end_part', { id: d.patrol.id, note: '' })) as PatrolDetail
    expect(after.members.find((m) => m.user_id === 'u-worker1')?.ended_at).not.toBeNull()
    expect(after.patrol.ended_at).toBeNull() // the starter goes on
    expect(await call('patrol_active')).toBeNull()
  })

  it('lists history with coverage, and finds the same problem nearby', async () => {
    const h = (await call('patrol_history', { filter: { day: null, grid: null, kind: 'night' } })) as PatrolHistoryItem[]
    expect(h.length).toBeGreaterThan(0)
    expect(h.every((p) => p.kind === 'night' && p.streets_covered !== null)).toBe(true)
    const fix = (await call('location_current')) as { lat: number; lon: number }
    const near = (await call('cases_nearby', { category: 'E0201', lat: fix.lat, lon: fix.lon, radius_m: 50 })) as NearbyCase[]
    expect(near.length).toBeGreaterThan(0)
    expect(near[0].distance_m).toBeLessThanOrEqual(50)
    expect(await call('cases_nearby', { category: 'C0101', lat: 30.5, lon: 120.5, radius_m: 50 })).toEqual([])
    const d = (await call('case_add_evidence', { id: near[0].id, note: '又贴了', photos: [] })) as { derived: { timeline: Array<{ event: { kind: string; note: string }; outcome: { kind: string } }> } }
    const entry = last(d.derived.timeline)
    expect(entry.event).toMatchObject({ kind: 'evidence_added', note: '又贴了' })
    expect(entry.outcome.kind).toBe('applied')
  })
})
