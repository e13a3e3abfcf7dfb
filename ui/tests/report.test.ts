import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ReportView from '../src/views/ReportView.vue'
import type { PatrolDetail, StagedPhoto } from '../src/generated'
import { caseDetail, T0 } from './fixture'
import { invoke, mountApp, last } from './setup'

const patrol: PatrolDetail = {
  patrol: {
    schema: 1, id: 'p1', kind: 'morning', grid: 'QS01-G01', team: ['u-worker1'], team_code: '', lead: null, started_by: 'u-worker1',
    started_at: T0, ended_at: null, track: [], streets: {}, cases: {}, note: '',
  },
  summary: { duration_ms: 0, streets_checked: 0, streets_total: 3, cases_found: 0, cases_handled: 0 },
  streets: ['柳荫路', '凤起弄', '竹竿巷'],
  synced: false,
  coverage: null,
  join_code: '012345',
  members: [{ user_id: 'u-worker1', joined_at: T0, ended_at: null, track_points: 0, track_length_m: 0, last_fix_at: null }],
}
const staged = (hash: string): StagedPhoto => ({
  hash, thumb: `${hash}-t`, width: 2048, height: 1536, bytes: 1000, captured_at: null, gps_lat: null, gps_lon: null, warnings: [],
})

function backendStub() {
  let n = 0
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'location_current':
        return null
      case 'patrol_get':
        return patrol
      case 'photo_stage':
        n += 1
        if (n === 3) throw { code: 'photo_unsupported_format', message: 'HEIC photos are not supported' }
        return staged(`h${n}`)
      case 'case_create':
        return caseDetail()
      default:
        return null
    }
  })
}

async function mountReport() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/report', name: 'report', component: ReportView },
      { path: '/patrol/:id', name: 'patrol', component: { template: '<div>patrol</div>' } },
      { path: '/today', name: 'today', component: { template: '<div>today</div>' } },
    ],
  })
  await router.push('/report?patrol=p1')
  await router.isReady()
  const w = mountApp(ReportView, { global: { plugins: [router] } })
  await flushPromises()
  return { w, router }
}

function pickFiles(input: HTMLInputElement, names: string[]) {
  const files = names.map((n) => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], n, { type: 'image/jpeg' }))
  Object.defineProperty(input, 'files', { value: files, configurable: true })
  input.dispatchEvent(new Event('change'))
}

beforeEach(() => {
  invoke.mockReset()
  localStorage.clear()
  globalThis.URL.createObjectURL = () => 'blob:preview'
  globalThis.URL.revokeObjectURL = () => {}
})

describe('Report a problem', () => {
  it('stages photos, picks a category and street, and saves a case for the patrol', async () => {
    backendStub()
    const { w, router } = await mountReport()
    expect(w.find('[data-testid="location-status"]').text()).toContain('无法获取当前位置')

    pickFiles(w.find<HTMLInputElement>('[data-testid="photo-input"]').element, ['a.jpg', 'b.jpg'])
    await flushPromises()
    await flushPromises()
    expect(invoke.mock.calls.filter((c) => c[0] === 'photo_stage')).toHaveLength(2)
    expect(invoke.mock.calls.find((c) => c[0] === 'photo_stage')?.[1]).toBeInstanceOf(Uint8Array)
    expect(w.findAll('[data-status="ready"]')).toHaveLength(2)

    await w.find('[data-testid="category-field"]').trigger('click')
    await w.find('[data-testid="category-option-E0201"]').trigger('click')
    await w.find('[data-testid="report-street-1"]').trigger('click')
    await w.find('[data-testid="address-input"]').setValue('12号门口')
    await w.find('[data-testid="description-input"]').setValue('小广告')
    await w.find('[data-testid="severity-high"]').trigger('click')

    await w.find('[data-testid="save-case"]').trigger('click')
    await flushPromises()
    const call = invoke.mock.calls.find((c) => c[0] === 'case_create')
    expect(call?.[1]).toEqual({
      new_case: {
        grid: 'QS01-G01',
        category: 'E0201',
        title: '',
        description: '小广告',
        location: { lat: null, lon: null, accuracy_m: null, source: 'street', street: '凤起弄', address: '12号门口' },
        severity: 'high',
        photos: [{ hash: 'h1', role: 'before' }, { hash: 'h2', role: 'before' }],
        patrol: 'p1',
        handled_on_spot: false,
        at: null,
        related: [],
      },
    })
    expect(router.currentRoute.value.fullPath).toBe('/patrol/p1')
    expect(JSON.parse(localStorage.getItem('gridpatrol.recentCategories') ?? '[]')).toEqual(['E0201'])
  })

  it('sends after-photos with the after role when handled on the spot, and shows refused files', async () => {
    backendStub()
    const { w } = await mountReport()
    pickFiles(w.find<HTMLInputElement>('[data-testid="photo-input"]').element, ['a.jpg'])
    await flushPromises()
    await w.find('[data-testid="handled-on-spot"]').trigger('click')
    pickFiles(w.find<HTMLInputElement>('[data-testid="after-photo-input"]').element, ['b.jpg', 'c.heic'])
    await flushPromises()
    await flushPromises()
    expect(w.find('[data-testid="after-photo-input-error-1"]').text()).toContain('HEIC')

    await w.find('[data-testid="category-field"]').trigger('click')
    await w.find('[data-testid="category-option-E0102"]').trigger('click')
    await w.find('[data-testid="save-case"]').trigger('click')
    await flushPromises()
    const nc = (invoke.mock.calls.find((c) => c[0] === 'case_create')?.[1] as { new_case: { photos: unknown; handled_on_spot: boolean } }).new_case
    expect(nc.handled_on_spot).toBe(true)
    expect(nc.photos).toEqual([{ hash: 'h1', role: 'before' }, { hash: 'h2', role: 'after' }])
  })

  it('refuses to save without a category', async () => {
    backendStub()
    const { w } = await mountReport()
    await w.find('[data-testid="save-case"]').trigger('click')
    await flushPromises()
    expect(invoke.mock.calls.some((c) => c[0] === 'case_create')).toBe(false)
    expect(document.body.textContent).toContain('请选择问题类别')
  })
})

describe('Report: map pin and duplicate hint', () => {
  const fixAt = { lat: 30.2761, lon: 120.1602, accuracy_m: 45, source: 'gps' as const, at: T0 }
  const nearbyOpen = { id: 'case-9', title: '非法小广告', status: 'reported' as const, address: '柳荫路 12号', created_at: T0, distance_m: 12, relapse_window: false }
  const nearbyClosed = { id: 'case-8', title: '非法小广告', status: 'closed' as const, address: '', created_at: T0, distance_m: 31, relapse_window: true }
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

  function stubWithMap(nearby: unknown[] = [nearbyOpen, nearbyClosed]) {
    let n = 0
    invoke.mockImplementation(async (cmd: string, args?: unknown) => {
      const a = args as Record<string, number>
      switch (cmd) {
        case 'location_current':
          return fixAt
        case 'patrol_get':
          return patrol
        case 'basemap_get':
          return { kind: 'none', crs: 'gcj02', url: null, attribution: '', name: '' }
        case 'map_from_wgs84':
          return { lat: a.lat + 0.001, lon: a.lon + 0.002 }
        case 'map_to_wgs84':
          return { lat: a.lat - 0.001, lon: a.lon - 0.002 }
        case 'map_layers':
          return null
        case 'cases_nearby':
          return nearby
        case 'photo_stage':
          n += 1
          return staged(`h${n}`)
        case 'case_create':
        case 'case_add_evidence':
        case 'case_append_event':
          return caseDetail()
        default:
          return null
      }
    })
  }

  async function pickCategory(w: Awaited<ReturnType<typeof mountReport>>['w'], id = 'E0201') {
    await w.find('[data-testid="category-field"]').trigger('click')
    await w.find(`[data-testid="category-option-${id}"]`).trigger('click')
    await wait(350)
    await flushPromises()
  }

  it('shows nearby cases of the category within 50 m, and links them when reporting anyway', async () => {
    stubWithMap()
    const { w } = await mountReport()
    expect(invoke.mock.calls.some((c) => c[0] === 'cases_nearby')).toBe(false) // no category yet
    await pickCategory(w)
    expect(invoke.mock.calls.find((c) => c[0] === 'cases_nearby')?.[1]).toEqual({ category: 'E0201', lat: 30.2761, lon: 120.1602, radius_m: 50 })
    const hint = w.find('[data-testid="nearby-hint"]')
    expect(hint.attributes('data-count')).toBe('2')
    expect(hint.text()).toContain('附近 50 米内有 2 个同类案件')
    expect(w.find('[data-testid="nearby-case-9"]').text()).toContain('相距 12 米')
    expect(w.find('[data-testid="nearby-case-8"]').attributes('data-relapse')).toBe('true')
    expect(w.find('[data-testid="nearby-case-8"]').text()).toContain('可能是回潮')
    expect(w.find('[data-testid="save-case"]').text()).toBe('仍然上报')
    await w.find('[data-testid="save-case"]').trigger('click')
    await flushPromises()
    const nc = (invoke.mock.calls.find((c) => c[0] === 'case_create')?.[1] as { new_case: { related: string[]; location: unknown } }).new_case
    expect(nc.related).toEqual(['case-9', 'case-8'])
    expect(nc.location).toMatchObject({ lat: 30.2761, lon: 120.1602, accuracy_m: 45, source: 'gps' })
  })

  it('adds a note and the report’s photos to the existing case instead', async () => {
    stubWithMap()
    const { w, router } = await mountReport()
    pickFiles(w.find<HTMLInputElement>('[data-testid="photo-input"]').element, ['a.jpg'])
    await flushPromises()
    await flushPromises()
    await w.find('[data-testid="description-input"]').setValue('又贴上了')
    await pickCategory(w)
    await w.find('[data-testid="nearby-add-case-9"]').trigger('click')
    expect(w.find('[data-testid="evidence-note"]').element).toHaveProperty('value', '又贴上了')
    expect(w.find('[data-testid="evidence-relapse"]').exists()).toBe(false)
    await w.find('[data-testid="evidence-confirm"]').trigger('click')
    await flushPromises()
    expect(invoke.mock.calls.find((c) => c[0] === 'case_add_evidence')?.[1]).toEqual({ id: 'case-9', note: '又贴上了', photos: [{ hash: 'h1', role: 'evidence' }] })
    expect(invoke.mock.calls.some((c) => c[0] === 'case_create')).toBe(false)
    expect(router.currentRoute.value.fullPath).toBe('/patrol/p1')
  })

  it('records a relapse on a closed case still in its look-back window', async () => {
    stubWithMap([nearbyClosed])
    const { w } = await mountReport()
    await pickCategory(w)
    await w.find('[data-testid="nearby-add-case-8"]').trigger('click')
    await w.find('[data-testid="evidence-note"]').setValue('又出现了')
    await w.find('[data-testid="evidence-confirm"]').trigger('click')
    await flushPromises()
    expect(invoke.mock.calls.find((c) => c[0] === 'case_append_event')?.[1]).toEqual({
      id: 'case-8',
      event: { kind: 'relapsed', note: '又出现了', photos: [], department: null, at: null },
    })
  })

  it('a pin placed on the map is converted back to WGS-84 and makes the source manual', async () => {
    stubWithMap([])
    const { w } = await mountReport()
    await flushPromises()
    expect(w.find('[data-testid="location-poor"]').text()).toContain('45 米')
    const { Map, Marker } = await import('./maplibreMock')
    const map = last(Map.instances)!
    map.fire('load')
    await flushPromises()
    // The fix is shown in display coordinates (GCJ-02 here, shifted by Rust).
    expect(last(Marker.instances)!.lngLat).toEqual({ lng: 120.1622, lat: 30.2771 })
    map.fire('click', { lngLat: { lat: 30.2781, lng: 120.1632 }, point: { x: 5, y: 5 } })
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('map_to_wgs84', { crs: 'gcj02', lat: 30.2781, lon: 120.1632 })
    expect(w.find('[data-testid="location-status"]').attributes('data-source')).toBe('manual')
    expect(w.find('[data-testid="location-status"]').text()).toContain('30.277100, 120.161200')
    await w.find('[data-testid="category-field"]').trigger('click')
    await w.find('[data-testid="category-option-E0102"]').trigger('click')
    await w.find('[data-testid="save-case"]').trigger('click')
    await flushPromises()
    const nc = (invoke.mock.calls.find((c) => c[0] === 'case_create')?.[1] as { new_case: { location: Record<string, unknown> } }).new_case
    expect(nc.location).toMatchObject({ source: 'manual', accuracy_m: null })
    expect(nc.location.lat).toBeCloseTo(30.2771, 9)
    expect(nc.location.lon).toBeCloseTo(120.1612, 9)
    await w.find('[data-testid="location-use-gps"]').trigger('click')
    expect(w.find('[data-testid="location-status"]').attributes('data-source')).toBe('gps')
  })
})
