// The dev mock (`npm run dev:mock`) must answer every office command of
// CONTRACT-office.md plausibly; otherwise the screens cannot be tried.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { installMockTauri } from '../src/dev/mockTauri'
import type { AdminUser, AuditPage, CasePage, Dashboard, ExportResult, OneTimePassword } from '../src/generated'
import { METRICS } from '../src/lib/kpi'

type Invoke = (cmd: string, args?: unknown) => Promise<unknown>
let call: Invoke
const login = (username: string) =>
  call('login', { server: 'http://127.0.0.1:8787', username, password: 'x', new_password: null, pin: null, allow_insecure_http: false })
const week = () => call('dashboard_get', { query: { granularity: 'week', at: Date.now(), trend: 8 } }) as Promise<Dashboard>
const all = { statuses: [], overdue: false, lookback_due: false, unsynced: false }

beforeAll(() => {
  localStorage.clear()
  installMockTauri()
  call = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__.invoke
})
afterEach(() => {
  localStorage.removeItem('mock.offline')
  localStorage.removeItem('mock.exportCancel')
})

describe('dev mock: dashboard', () => {
  it('rates every grid of a street leader’s scope, with a trend and the ids behind the figures', async () => {
    await login('street1')
    const d = await week()
    expect(d.source).toBe('server')
    expect(d.ratings).toHaveLength(11)
    expect(d.trend.periods).toHaveLength(8)
    expect(d.trend.periods[7]).toEqual(d.period)
    expect(d.table.rows.filter((r) => r.dimension === 'grid')).toHaveLength(11)
    const total = d.table.rows.find((r) => r.dimension === 'all')!
    expect(total.figures.valid_report_rate.denominator).toBeGreaterThan(0)
    for (const m of METRICS) {
      const f = total.figures[m]
      expect(f.numerator).toBeLessThanOrEqual(f.denominator)
      expect(f.hit_ids.every((id) => f.ids.includes(id))).toBe(true)
    }
    expect(d.ratings.every((r) => r.summary.startsWith(r.level === 'red' ? '红' : r.level === 'yellow' ? '黄' : '蓝'))).toBe(true)
    // The ids behind a figure open those cases in the case list.
    const ids = total.figures.closure_rate.ids.slice(0, 3)
    const page = (await call('cases_list', { filter: { ...all, ids } })) as CasePage
    expect(page.items.map((i) => i.id).sort()).toEqual([...ids].sort())
    expect(((await call('cases_list', { filter: { ...all, ids: [] } })) as CasePage).total).toBe(0)
  })

  it('labels device figures offline, and a grid leader sees only their grids', async () => {
    await login('leader1')
    localStorage.setItem('mock.offline', '1')
    const d = (await call('dashboard_get', { query: { granularity: 'month', at: Date.now(), trend: 6 } })) as Dashboard
    expect(d.source).toBe('device')
    expect(d.fallback).toBe('offline')
    expect(d.ratings.map((r) => r.grid)).toEqual(['QS01-G01', 'QS01-G02', 'QS01-G03'])
    expect(d.period).toEqual(d.rating_period)
    await expect(call('dashboard_get', { query: { granularity: 'week', at: Date.now(), trend: 40 } })).rejects.toMatchObject({ code: 'invalid' })
    await login('worker1')
    await expect(week()).rejects.toMatchObject({ code: 'role_not_permitted' })
  })
})

describe('dev mock: exports', () => {
  it('writes the patrol log, the report and the cases, or nothing when cancelled', async () => {
    await login('leader1')
    const log = (await call('export_patrol_log', { grid: 'QS01-G01', day: '2026-12-01' })) as ExportResult
    expect(log.path).toMatch(/巡查日志-柳荫社区第一网格-2026-12-01\.xlsx$/)
    expect(log.bytes).toBeGreaterThan(0)
    await expect(call('export_patrol_log', { grid: 'QS02-G01', day: '2026-12-01' })).rejects.toMatchObject({ code: 'out_of_scope' })
    expect(((await call('export_cases', { format: 'geojson', filter: all })) as ExportResult).path).toMatch(/\.geojson$/)
    localStorage.setItem('mock.exportCancel', '1')
    expect(await call('export_kpi_report', { month: '2026-11' })).toBeNull()
  })
})

describe('dev mock: administration', () => {
  it('is for administrators, online', async () => {
    await login('leader1')
    await expect(call('admin_users')).rejects.toMatchObject({ code: 'admin_only' })
    await login('admin')
    localStorage.setItem('mock.offline', '1')
    await expect(call('admin_users')).rejects.toMatchObject({ code: 'offline' })
  })

  it('adds and disables users (a disabled user cannot log in), audited newest first', async () => {
    await login('admin')
    const otp = (await call('admin_user_add', { user: { username: 'worker14', name: '周婷', role: 'grid_worker', units: ['QS01-G02'] } })) as OneTimePassword
    expect(otp.password).toHaveLength(12)
    expect(otp.user.must_change).toBe(true)
    await expect(call('admin_user_add', { user: { username: 'worker14', name: '周婷', role: 'grid_worker', units: ['QS01-G02'] } })).rejects.toMatchObject({ code: 'already_exists' })
    await expect(call('admin_user_add', { user: { username: 'x9', name: 'x', role: 'department', units: ['D-CG', 'D-SZ'] } })).rejects.toMatchObject({ code: 'invalid' })
    expect(((await call('admin_users')) as AdminUser[]).some((u) => u.username === 'worker14')).toBe(true)
    await call('admin_user_set_disabled', { username: 'worker14', disabled: true })
    await expect(call('admin_user_set_disabled', { username: 'admin', disabled: true })).rejects.toMatchObject({ code: 'invalid' })
    const page = (await call('admin_audit', { query: { user_id: null, device_id: null, since: null, until: null, action_prefix: 'admin:', limit: 1, offset: 0 } })) as AuditPage
    expect(page.items[0]).toMatchObject({ action: 'admin:disable', subject: 'worker14' })
    expect(page.has_more).toBe(true)
    await expect(login('worker14')).rejects.toMatchObject({ code: 'user_disabled' })
  })

  it('adds a local category (the version bumps), imports GIS layers and saves rating rules', async () => {
    await login('admin')
    const before = ((await call('admin_categories')) as { version: number }).version
    const c = { id: 'E7701', kind: 'event', code: '7701', major_name: '本地事项', name: '共享单车乱停放', limits: { respond: '2h', accept: '1h', dispatch: '1h', handle: '1d', verify: '4h' }, lookback_days: 7, local: true }
    const d = (await call('admin_category_add', { category: c })) as { version: number; categories: Array<{ id: string }> }
    expect(d.version).toBe(before + 1)
    expect(d.categories.some((x) => x.id === 'E7701')).toBe(true)
    await expect(call('admin_category_add', { category: c })).rejects.toMatchObject({ code: 'already_exists' })
    const grids = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: null, properties: { id: 'QS01-G09', name: '新网格', parent: 'QS01' } }, { type: 'Feature', geometry: null, properties: { id: 'QS01-G01' } }] })
    const s = await call('admin_org_import', { grids, streets: null, dry_run: true })
    expect(s).toEqual({ grids_added: ['QS01-G09'], boundaries_replaced: ['QS01-G01'], streets_replaced: [], street_lines: 0 })
    await expect(call('admin_org_import', { grids: 'not json', streets: null, dry_run: true })).rejects.toMatchObject({ code: 'invalid' })
    const rules = { red: [], yellow: [{ measure: 'overdue_cases', comparison: 'above', threshold: 2 }], min_sample: 3 }
    expect(await call('admin_rating_rules_set', { rules })).toEqual(rules)
    expect(await call('admin_rating_rules')).toEqual(rules)
    await expect(call('admin_rating_rules_set', { rules: { ...rules, yellow: [{ measure: 'closure_rate', comparison: 'below', threshold: 101 }] } })).rejects.toMatchObject({ code: 'invalid' })
  })
})
