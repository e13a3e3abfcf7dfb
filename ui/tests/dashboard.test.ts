import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import DashboardView from '../src/views/DashboardView.vue'
import OverviewView from '../src/views/OverviewView.vue'
import PeriodPicker from '../src/components/office/PeriodPicker.vue'
import { formatTime } from '../src/lib/format'
import { cstDay } from '../src/lib/period'
import type { Dashboard } from '../src/generated'
import { dashboard, PREV_WEEK, WEEK } from './officeFixture'
import { invoke, last, mountApp } from './setup'

const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)
const lastQuery = () => (last(calls('dashboard_get'))[1] as { query: { granularity: string; at: number; trend: number } }).query

function routerAt(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/dashboard', name: 'dashboard', component: DashboardView },
      { path: '/overview', name: 'overview', component: OverviewView },
      { path: '/cases', name: 'cases', component: { template: '<div />' } },
    ],
  })
  void router.push(path)
  return router
}

async function mountDashboard(d: Dashboard = dashboard(), extra: (cmd: string, a: unknown) => unknown = () => null) {
  invoke.mockImplementation(async (cmd: string, a?: unknown) => (cmd === 'dashboard_get' ? d : extra(cmd, a)))
  const router = routerAt('/dashboard')
  await router.isReady()
  const w = mountApp(DashboardView, { global: { plugins: [router] } }, 'u-leader1')
  await flushPromises()
  return { w, router }
}

beforeEach(() => {
  invoke.mockReset()
})

describe('dashboard', () => {
  it('asks for this week with an 8-week trend and labels the server figures', async () => {
    const before = Date.now()
    const { w } = await mountDashboard()
    const q = lastQuery()
    expect(q.granularity).toBe('week')
    expect(q.trend).toBe(8)
    expect(q.at).toBeGreaterThanOrEqual(before)
    const src = w.find('[data-testid="dashboard-source"]')
    expect(src.attributes('data-source')).toBe('server')
    expect(src.text()).toBe(`服务器数据 · ${formatTime(dashboard().as_of!)}`)
    expect(w.find('[data-testid="period-label"]').attributes('data-period')).toBe('2026-W49')
    expect(w.find('[data-testid="period-label"]').text()).toContain('2026年第49周')
  })

  it('labels device figures as of the last sync, and why the server was not used', async () => {
    const { w } = await mountDashboard(dashboard({ source: 'device', as_of: null, fallback: 'offline' }))
    const src = w.find('[data-testid="dashboard-source"]')
    expect(src.attributes('data-source')).toBe('device')
    expect(src.text()).toContain('本机数据（尚未同步）')
    expect(w.find('[data-testid="dashboard-source-reason"]').text()).toBe('未能连接服务器：网络不可用，将在恢复后自动同步')
  })

  it('shows every grid of the scope, also one with no records, with its rating and explanation', async () => {
    const { w } = await mountDashboard()
    expect(w.find('[data-testid="grid-table"]').attributes('data-count')).toBe('2')
    const g1 = w.find('[data-testid="dash-grid-QS01-G01"]')
    expect(g1.attributes('data-rating')).toBe('yellow')
    expect(w.find('[data-testid="dash-grid-summary-QS01-G01"]').text()).toContain('黄：按期结案率 66.7%（6/9），低于 85%')
    // Coloured by the rules: 6/9 is below 85 %; 3/4 is too small a sample to colour.
    expect(w.find('[data-testid="dash-grid-QS01-G01-on_time_closure_rate"]').attributes('data-tone')).toBe('yellow')
    expect(w.find('[data-testid="dash-grid-QS01-G01-closure_rate"]').attributes('data-tone')).toBe('none')
    expect(w.find('[data-testid="dash-grid-QS01-G01-overdue"]').attributes('data-tone')).toBe('red')
    // QS01-G02 is leader1's too, though the dashboard has no row for it.
    expect(w.find('[data-testid="dash-grid-QS01-G02"]').attributes('data-rating')).toBe('none')
    expect(w.find('[data-testid="dash-grid-empty-QS01-G02"]').exists()).toBe(true)

    expect(w.find('[data-testid="dash-grid-explain-QS01-G01"]').exists()).toBe(false)
    await w.find('[data-testid="dash-grid-rating-QS01-G01"]').trigger('click')
    const checks = w.findAll('[data-testid^="rating-check-QS01-G01-"]')
    expect(checks.map((c) => c.attributes('data-outcome'))).toEqual(['passed', 'passed', 'fired', 'no_data'])
    expect(checks[1].text()).toContain('超期案件 1 件，不多于 3 件')
    expect(checks[2].text()).toContain('按期结案率 66.7%（6/9），低于 85%')
    expect(checks[3].text()).toContain('回潮率：无数据，不参与评级')
  })

  it('opens the cases behind a figure: all, the numerator, or the rest', async () => {
    const { w, router } = await mountDashboard()
    await w.find('[data-testid="dash-grid-QS01-G01-on_time_closure_rate"]').trigger('click')
    const sheet = w.find('[data-testid="figure-sheet"]')
    expect(sheet.attributes('data-metric')).toBe('on_time_closure_rate')
    expect(w.find('[data-testid="figure-value"]').text()).toBe('66.7%')
    expect(w.find('[data-testid="figure-fraction"]').text()).toBe('6 / 9')
    expect(w.find('[data-testid="figure-open-all"]').text()).toBe('结案 9 件')
    expect(w.find('[data-testid="figure-open-hit"]').text()).toBe('按期结案 6 件')
    expect(w.find('[data-testid="figure-open-miss"]').text()).toBe('超期结案 3 件')
    await w.find('[data-testid="figure-open-miss"]').trigger('click')
    await flushPromises()
    const q = router.currentRoute.value.query
    expect(router.currentRoute.value.name).toBe('cases')
    expect(q.ids).toBe('c8,c9,d1')
    expect(q.label).toBe('按期结案率 · 超期结案 · 柳荫社区第一网格 · 2026年第49周')
  })

  it('opens the overdue cases, a category’s cases and a worker’s reports', async () => {
    const { w, router } = await mountDashboard()
    await w.find('[data-testid="kpi-all-overdue"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.ids).toBe('c4')
    await w.find('[data-testid="category-row-E0201"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.ids).toBe('c1,c2,c3')
    await w.find('[data-testid="dash-worker-u-worker1-reports"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.ids).toBe('c1,c2,c3')
    expect(w.find('[data-testid="dash-worker-u-worker2-reports"]').attributes('disabled')).toBeDefined()
    // Coverage counts patrols: its sheet opens no case list.
    await w.find('[data-testid="dash-worker-u-worker1-patrol_coverage"]').trigger('click')
    expect(w.find('[data-testid="figure-patrols-note"]').text()).toContain('2 次')
    expect(w.find('[data-testid="figure-open-all"]').exists()).toBe(false)
  })

  it('lists departments and charts their on-time handling; a bar opens its figure', async () => {
    const { w } = await mountDashboard()
    expect(w.find('[data-testid="dash-dept-D-SZ-on_time_handle_rate"]').text()).toContain('50.0%')
    expect(w.find('[data-testid="dash-dept-D-CG-on_time_handle_rate"]').text()).toContain('—')
    const chart = w.find('[data-testid="chart-departments"]')
    expect(chart.attributes('data-points')).toBe('1')
    const charts = w.findAllComponents({ name: 'VChart' })
    await charts[charts.length - 1].vm.$emit('click', { dataIndex: 0 })
    expect(w.find('[data-testid="figure-sheet"]').attributes('data-metric')).toBe('on_time_handle_rate')
  })

  it('steps through periods: a trend bar, previous, by month', async () => {
    const { w } = await mountDashboard()
    const trend = w.findAllComponents({ name: 'VChart' })[0]
    expect(w.find('[data-testid="chart-trend"]').attributes('data-points')).toBe('2')
    await trend.vm.$emit('click', { dataIndex: 0 })
    await flushPromises()
    expect(lastQuery()).toEqual({ granularity: 'week', at: PREV_WEEK.from, trend: 8 })
    await w.find('[data-testid="period-prev"]').trigger('click')
    await flushPromises()
    expect(lastQuery().at).toBe(WEEK.from - 1) // the mock answers W49 again
    await w.find('[data-testid="period-month"]').trigger('click')
    await flushPromises()
    expect(lastQuery()).toMatchObject({ granularity: 'month', trend: 6 })
  })

  it('exports the patrol log, the monthly report and the period’s cases', async () => {
    let saved: (v: unknown) => void = () => {}
    const files: Record<string, unknown> = {
      export_patrol_log: new Promise((r) => (saved = r)),
      export_kpi_report: null,
      export_cases: { path: 'C:\\u\\案件.csv', bytes: 900, source: 'device' },
    }
    const { w } = await mountDashboard(dashboard(), (cmd) => files[cmd] ?? null)
    await w.find('[data-testid="dashboard-export"]').trigger('click')
    expect(w.find('[data-testid="export-log-grid-QS01-G01"]').classes()).toContain('is-active')
    await w.find('[data-testid="export-log-grid-QS01-G02"]').trigger('click')
    await w.find('[data-testid="export-log-day-prev"]').trigger('click')
    expect(w.find('[data-testid="export-log-day-next"]').attributes('disabled')).toBeUndefined()
    await w.find('[data-testid="export-log-day-next"]').trigger('click')
    expect(w.find('[data-testid="export-log-day-next"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="export-patrol-log"]').trigger('click')
    expect(w.find('[data-testid="export-running"]').attributes('data-what')).toBe('巡查日志')
    saved({ path: '/home/u/下载/巡查日志-柳荫社区第一网格.xlsx', bytes: 48_213, source: 'server' })
    await flushPromises()
    expect(w.find('[data-testid="export-running"]').attributes('data-what')).toBe('')
    expect(last(calls('export_patrol_log'))[1]).toEqual({ grid: 'QS01-G02', day: cstDay(Date.now()) })
    const result = w.find('[data-testid="export-result"]')
    expect(w.find('[data-testid="export-result-name"]').text()).toBe('巡查日志-柳荫社区第一网格.xlsx')
    expect(w.find('[data-testid="export-result-size"]').text()).toBe('已保存 · 47.1 KB · 服务器数据')
    expect(result.attributes('data-path')).toBe('/home/u/下载/巡查日志-柳荫社区第一网格.xlsx')

    expect(w.find('[data-testid="export-report-month"]').text()).toBe('2026-12')
    await w.find('[data-testid="export-report-month-prev"]').trigger('click')
    await w.find('[data-testid="export-kpi-report"]').trigger('click')
    await flushPromises()
    expect(last(calls('export_kpi_report'))[1]).toEqual({ month: '2026-11' })
    expect(w.find('[data-testid="export-result"]').exists()).toBe(false) // cancelled: nothing written

    expect(w.find('[data-testid="export-cases-scope-period"]').text()).toContain('4')
    await w.find('[data-testid="export-cases-csv"]').trigger('click')
    await flushPromises()
    expect((last(calls('export_cases'))[1] as { format: string; filter: { ids: string[] } })).toMatchObject({ format: 'csv', filter: { ids: ['c1', 'c2', 'c3', 'c4'], statuses: [] } })
    expect(w.find('[data-testid="export-result"]').text()).toContain('案件.csv')
    await w.find('[data-testid="export-cases-scope-all"]').trigger('click')
    await w.find('[data-testid="export-cases-geojson"]').trigger('click')
    await flushPromises()
    expect((last(calls('export_cases'))[1] as { filter: { ids?: string[] } }).filter.ids).toBeUndefined()
  })

  it('offers a retry when the figures cannot be computed', async () => {
    invoke.mockRejectedValue({ code: 'no_reference', message: 'x' })
    const router = routerAt('/dashboard')
    await router.isReady()
    const w = mountApp(DashboardView, { global: { plugins: [router] } }, 'u-leader1')
    await flushPromises()
    expect(w.find('[data-testid="dashboard-failed"]').exists()).toBe(true)
    invoke.mockReset()
    invoke.mockResolvedValue(dashboard())
    await w.find('[data-testid="dashboard-retry"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="grid-table"]').exists()).toBe(true)
  })
})

describe('period picker', () => {
  it('offers no later period while this one runs, and a way back to it otherwise', async () => {
    const running = mountApp(PeriodPicker, { props: { granularity: 'week', period: WEEK, now: WEEK.from + 1 } })
    expect(running.find('[data-testid="period-next"]').attributes('disabled')).toBeDefined()
    expect(running.find('[data-testid="period-current"]').exists()).toBe(false)
    const past = mountApp(PeriodPicker, { props: { granularity: 'week', period: PREV_WEEK, now: WEEK.from + 1 } })
    expect(past.find('[data-testid="period-next"]').attributes('disabled')).toBeUndefined()
    await past.find('[data-testid="period-current"]').trigger('click')
    await past.find('[data-testid="period-next"]').trigger('click')
    await past.find('[data-testid="period-month"]').trigger('click')
    expect(past.emitted('current')).toHaveLength(1)
    expect(past.emitted('step')).toEqual([[1]])
    expect(past.emitted('granularity')).toEqual([['month']])
  })
})

describe('overview', () => {
  it('lists every grid of the scope, also without cases, and links the dashboard', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'grid_stats' ? [] : null))
    const router = routerAt('/overview')
    await router.isReady()
    const w = mountApp(OverviewView, { global: { plugins: [router] } }, 'u-street1')
    await flushPromises()
    expect(w.findAll('[data-testid^="grid-stat-"]').map((x) => x.attributes('data-testid'))).toEqual([
      'grid-stat-QS01-G01',
      'grid-stat-QS01-G02',
      'grid-stat-QS02-G01',
    ])
    expect(w.text()).not.toContain('暂无网格数据')
    await w.find('[data-testid="overview-dashboard"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.name).toBe('dashboard')
  })
})
