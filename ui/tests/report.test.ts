import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ReportView from '../src/views/ReportView.vue'
import type { PatrolDetail, StagedPhoto } from '../src/generated'
import { caseDetail, T0 } from './fixture'
import { invoke, mountApp } from './setup'

const patrol: PatrolDetail = {
  patrol: {
    schema: 1, id: 'p1', kind: 'morning', grid: 'QS01-G01', team: ['u-worker1'], started_by: 'u-worker1',
    started_at: T0, ended_at: null, track: [], streets: {}, cases: {}, note: '',
  },
  summary: { duration_ms: 0, streets_checked: 0, streets_total: 3, cases_found: 0, cases_handled: 0 },
  streets: ['柳荫路', '凤起弄', '竹竿巷'],
  synced: false,
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
