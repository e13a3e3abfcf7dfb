import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import CasesView from '../src/views/CasesView.vue'
import { invoke, last, mountApp } from './setup'

const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)
const item = (id: string) => ({
  id, title: '非法小广告', grid: 'QS01-G01', category: 'E0201', status: 'closed', severity: 'normal', address: '柳荫路', reporter: 'u-worker1',
  department: null, created_at: 1, updated_at: 2, sla_state: null, sla_deadline: null, lookback_due: null, thumb: null, photo_count: 0, synced: true,
})

async function mountCases(path: string, user = 'u-leader1') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/cases', name: 'cases', component: CasesView },
      { path: '/cases/:id', name: 'case', component: { template: '<div />' } },
      { path: '/map', name: 'map', component: { template: '<div />' } },
    ],
  })
  await router.push(path)
  const w = mountApp(CasesView, { global: { plugins: [router] } }, user)
  await flushPromises()
  return { w, router }
}

beforeEach(() => {
  invoke.mockReset()
})

describe('case list: the cases behind a figure', () => {
  it('asks for exactly those ids, says what they are, and notes the ones not on this device', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'cases_list' ? { items: [item('c1')], total: 1 } : null))
    const { w } = await mountCases('/cases?ids=c1,c2,c3&label=结案率 · 未结案')
    const f = (calls('cases_list')[0][1] as { filter: { ids: string[]; statuses: string[] } }).filter
    expect(f.ids).toEqual(['c1', 'c2', 'c3'])
    expect(f.statuses).toEqual([])
    const banner = w.find('[data-testid="cases-ids-filter"]')
    expect(banner.attributes('data-count')).toBe('3')
    expect(banner.text()).toContain('结案率 · 未结案（3 件）')
    expect(w.find('[data-testid="cases-ids-missing"]').text()).toBe('其中 2 件不在本机，同步后可查看')
  })

  it('clears the ids filter and lists everything again', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'cases_list' ? { items: [item('c1'), item('c2')], total: 2 } : null))
    const { w, router } = await mountCases('/cases?ids=c1,c2&label=x&grid=QS01-G01')
    expect(w.find('[data-testid="cases-ids-missing"]').exists()).toBe(false)
    await w.find('[data-testid="cases-ids-clear"]').trigger('click')
    await flushPromises()
    expect((last(calls('cases_list'))[1] as { filter: { ids?: string[]; grid?: string } }).filter.ids).toBeUndefined()
    expect(w.find('[data-testid="cases-ids-filter"]').exists()).toBe(false)
    expect(router.currentRoute.value.query).toEqual({ grid: 'QS01-G01' })
  })

  it('exports the list’s filter without paging (leaders)', async () => {
    invoke.mockImplementation(async (cmd: string) =>
      cmd === 'cases_list' ? { items: [item('c1')], total: 1 } : cmd === 'export_cases' ? { path: '/tmp/案件.geojson', bytes: 2048, source: 'server' } : null,
    )
    const { w } = await mountCases('/cases?ids=c1&status=closed')
    await w.find('[data-testid="cases-export"]').trigger('click')
    await w.find('[data-testid="cases-export-geojson"]').trigger('click')
    await flushPromises()
    const a = last(calls('export_cases'))[1] as { format: string; filter: Record<string, unknown> }
    expect(a.format).toBe('geojson')
    expect(a.filter).toEqual({ statuses: ['closed'], overdue: false, lookback_due: false, unsynced: false, ids: ['c1'] })
    expect(w.find('[data-testid="export-result-name"]').text()).toBe('案件.geojson')
    expect(w.find('[data-testid="export-result-size"]').text()).toContain('2.0 KB')
  })

  it('has no export for grid workers', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'cases_list' ? { items: [], total: 0 } : null))
    const { w } = await mountCases('/cases', 'u-worker1')
    expect(w.find('[data-testid="cases-export"]').exists()).toBe(false)
  })
})
