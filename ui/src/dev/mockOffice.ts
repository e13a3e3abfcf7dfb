import type { ErrorCode } from '../generated/ErrorCode'
// DEV ONLY (`npm run dev:mock`): the office commands of the fake backend —
// dashboard_get, the exports and the admin commands (ui/CONTRACT-office.md),
// answered from the mock's cases and patrols. Figures are KPI-like, not the
// real formulas (core/src/kpi); they are enough to try the screens.
import type { Case, CaseStatus, CategoryCount, Dashboard, DashboardQuery, GridRating, PatrolHistoryItem, Reference, SessionInfo, TimelineEntry, User } from '../generated'
import { gridsOfUser, isLeader } from '../lib/names'
import { cstDay, cstMonth } from '../lib/period'
import { checkText, rate, ratingSummary } from '../lib/rating'
import zhCN from '../locales/zh-CN'
import { computeTable, containing, patrolSamples, trendPeriods, type KpiScope, type PatrolFact, type Sample } from './mockKpi'
import { createAdmin } from './mockAdmin'
import { planPatrols } from './mockHistory'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export interface OfficeCase {
  c: Case
  status: CaseStatus
  onSpot: boolean
  timeline: TimelineEntry[]
  /** Open and past its deadline at `t` (judged on the events up to `t`). */
  redAt(t: number): boolean
}

export interface OfficeCtx {
  reference: Reference
  user(): User | undefined
  session(): SessionInfo | null
  fail(code: ErrorCode, message: string): never
  /** Every case in the caller's scope. */
  cases(): OfficeCase[]
  /** The spatial mock's patrols in the caller's scope. */
  patrols(): PatrolHistoryItem[]
}

/** A Chinese translator over zh-CN.ts (Rust writes rating texts in Chinese). */
function zh(key: string, params: Record<string, unknown> = {}): string {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], zhCN)
  return typeof v === 'string' ? v.replace(/\{(\w+)\}/g, (_, p: string) => String(params[p] ?? '')) : key
}

/** The samples of one case (see docs/KPI.md; limits simplified to wall-clock hours). */
function caseSamples(oc: OfficeCase, lookbackDays: number): Sample[] {
  const { c } = oc
  const applied = oc.timeline.filter((e) => e.outcome.kind === 'applied').map((e) => e.event)
  const out: Sample[] = []
  const base = { id: c.id, grid: c.grid }
  const departments = [...new Set(applied.filter((e) => e.kind === 'dispatched' && e.department).map((e) => e.department!))]
  const reporter = [c.reporter]
  out.push({ ...base, metric: 'valid_report_rate', at: c.created_at, hit: oc.status !== 'voided', departments: [], workers: reporter })
  out.push({ ...base, metric: 'self_handled_rate', at: c.created_at, hit: oc.onSpot, departments: [], workers: reporter })
  if (oc.status === 'voided') return out
  const accepted = applied.find((e) => ['accepted', 'dispatched', 'handled_on_spot'].includes(e.kind))
  if (accepted) out.push({ ...base, metric: 'closure_rate', at: accepted.at, hit: oc.status === 'closed', departments, workers: reporter })
  let clockFrom = c.created_at
  let dispatchedAt: number | null = null
  let feedbackAt: number | null = null
  for (let i = 0; i < applied.length; i++) {
    const e = applied[i]
    const later = applied.slice(i + 1)
    if (e.kind === 'relapsed') clockFrom = e.at
    if (e.kind === 'dispatched' || e.kind === 'returned_for_rework') dispatchedAt = e.at
    if (e.kind === 'closed') {
      out.push({ ...base, metric: 'on_time_closure_rate', at: e.at, hit: e.at - clockFrom <= 2 * DAY, departments, workers: reporter })
      const relapse = later.find((x) => x.kind === 'relapsed')
      out.push({ ...base, metric: 'relapse_rate', at: e.at, hit: !!relapse && relapse.at - e.at <= lookbackDays * DAY, departments, workers: reporter })
    }
    if (e.kind === 'handled' || e.kind === 'handled_on_spot') {
      const nextClose = later.findIndex((x) => x.kind === 'closed')
      const rework = later.findIndex((x) => x.kind === 'returned_for_rework')
      const sentBack = rework >= 0 && (nextClose < 0 || rework < nextClose)
      const dept = e.kind === 'handled' ? departments.slice(-1) : []
      out.push({ ...base, metric: 'rework_rate', at: e.at, hit: sentBack, departments: dept, workers: [e.actor] })
      if (e.kind === 'handled') {
        feedbackAt = e.at
        out.push({ ...base, metric: 'on_time_handle_rate', at: e.at, hit: dispatchedAt !== null && e.at - dispatchedAt <= DAY, departments: dept, workers: [e.actor] })
      }
    }
    if (feedbackAt !== null && ['verified', 'closed', 'returned_for_rework'].includes(e.kind)) {
      out.push({ ...base, metric: 'on_time_verify_rate', at: e.at, hit: e.at - feedbackAt <= 4 * HOUR, departments: [], workers: [e.actor] })
      feedbackAt = null
    }
  }
  return out
}

export function createOffice(ctx: OfficeCtx) {
  const online = () => localStorage.getItem('mock.offline') !== '1'
  const me = () => ctx.user() ?? ctx.fail('not_logged_in', 'not logged in')
  const admin = createAdmin({ ...ctx, online })
  const history = planPatrols(ctx.reference, Date.now())

  function scopeOf(u: User): KpiScope {
    const grids = gridsOfUser(ctx.reference, u)
    const ids = new Set(grids.map((g) => g.id))
    return {
      grids: grids.map((g) => ({ id: g.id, name: g.name })),
      departments: ctx.reference.org.departments.map((d) => ({ id: d.id, name: d.name })),
      workers: ctx.reference.users
        .filter((x) => (x.role === 'grid_worker' || x.role === 'grid_leader') && gridsOfUser(ctx.reference, x).some((g) => ids.has(g.id)))
        .map((x) => ({ id: x.id, name: x.name })),
    }
  }

  function patrolFacts(grids: Set<string>): PatrolFact[] {
    const live = ctx.patrols().map((p) => ({
      id: p.id, grid: p.grid, team: p.team, started_at: p.started_at, ended_at: p.ended_at, streets_total: p.streets_total,
      streets_covered: p.streets_covered ?? p.streets_checked, track_length_m: p.track_length_m, cases_found: p.cases_found,
    }))
    return [...live, ...history].filter((p) => grids.has(p.grid))
  }

  function dashboard(q: DashboardQuery): Dashboard {
    const u = me()
    const now = Date.now()
    if (!isLeader(u.role)) ctx.fail('role_not_permitted', 'the dashboard is for leaders')
    if (!Number.isInteger(q.trend) || q.trend < 1 || q.trend > 26) ctx.fail('invalid', 'trend must be 1–26 periods')
    const scope = scopeOf(u)
    const gridIds = new Set(scope.grids.map((g) => g.id))
    const cases = ctx.cases().filter((x) => gridIds.has(x.c.grid))
    const lookback = (cat: string) => ctx.reference.categories.categories.find((c) => c.id === cat)?.lookback_days ?? 7
    const patrols = patrolFacts(gridIds)
    const samples = [...cases.flatMap((x) => caseSamples(x, lookback(x.c.category))), ...patrolSamples(patrols)]
    const period = containing(q.granularity, q.at)
    const month = containing('month', q.at)
    const overdueAsOf = Math.min(now, period.to - 1)
    const overdueAt = (t: number) =>
      scope.grids.map((g) => {
        const ids = cases.filter((x) => x.c.grid === g.id && x.redAt(t)).map((x) => x.c.id).sort()
        return { grid: g.id, name: g.name, overdue: ids.length, cases: ids }
      })
    const overdue = overdueAt(overdueAsOf)
    const monthOverdue = overdueAt(Math.min(now, month.to - 1))
    const monthTable = computeTable(samples, patrols, scope, [month], ['grid'], true)
    const rules = ctx.reference.rating_rules
    const ratings: GridRating[] = monthTable.rows.map((row) => {
      const od = monthOverdue.find((o) => o.grid === row.key)!
      const { level, checks } = rate(row.figures, od.overdue, rules)
      for (const c of checks) c.text = checkText(c, rules.min_sample, zh)
      const reasons = checks.filter((c) => c.level === level && c.outcome === 'fired')
      const r: GridRating = { grid: row.key, name: row.name, period: month.label, level, reasons, checks, summary: '', figures: row.figures, overdue: od }
      r.summary = ratingSummary(r, rules.min_sample, zh)
      return r
    })
    const reported = cases.filter((x) => x.c.created_at >= period.from && x.c.created_at < period.to)
    const byCat = new Map<string, CategoryCount>()
    for (const x of reported) {
      const id = x.c.category
      const cc = byCat.get(id) ?? { category: id, name: ctx.reference.categories.categories.find((c) => c.id === id)?.name ?? id, reported: 0, closed: 0, overdue: 0, ids: [] }
      cc.reported += 1
      if (x.status === 'closed') cc.closed += 1
      if (x.redAt(overdueAsOf)) cc.overdue += 1
      cc.ids.push(x.c.id)
      byCat.set(id, cc)
    }
    const up = online()
    return {
      source: up ? 'server' : 'device',
      as_of: up ? now : (ctx.session()?.last_sync_at ?? null),
      fallback: up ? null : 'offline',
      granularity: q.granularity,
      period,
      trend: computeTable(samples, patrols, scope, trendPeriods(q.granularity, q.at, q.trend), ['all'], false),
      table: computeTable(samples, patrols, scope, [period], ['all', 'grid', 'department', 'worker'], true),
      categories: [...byCat.values()].map((c) => ({ ...c, ids: c.ids.sort() })).sort((a, b) => b.reported - a.reported || a.category.localeCompare(b.category)),
      rating_period: month,
      ratings,
      overdue_as_of: overdueAsOf,
      overdue,
    }
  }

  async function exported(name: string, bytes: number) {
    await new Promise((r) => setTimeout(r, 700))
    if (localStorage.getItem('mock.exportCancel') === '1') return null
    return { path: `/home/demo/下载/${name}`, bytes, source: online() ? 'server' : 'device' }
  }

  return {
    audit: admin.audit,
    disabled: admin.disabled,
    mustChange: admin.mustChange,
    passwordSet: admin.passwordSet,
    async handle(cmd: string, args: Record<string, unknown>): Promise<{ value: unknown } | null> {
      const value = (v: unknown) => ({ value: v })
      switch (cmd) {
        case 'dashboard_get':
          return value(dashboard(args.query as DashboardQuery))
        case 'export_patrol_log': {
          const grid = String(args.grid)
          const day = String(args.day)
          if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) ctx.fail('invalid', `not a day: ${day}`)
          const g = gridsOfUser(ctx.reference, me()).find((x) => x.id === grid) ?? ctx.fail('out_of_scope', `grid ${grid} is not yours`)
          const n = ctx.cases().filter((x) => x.c.grid === grid && cstDay(x.c.created_at) === day).length
          return value(await exported(`巡查日志-${g.name}-${day}.xlsx`, 14_200 + n * 9_800))
        }
        case 'export_kpi_report': {
          const month = String(args.month)
          if (!/^\d{4}-\d{2}$/.test(month) || month > cstMonth(Date.now())) ctx.fail('invalid', `not a month: ${month}`)
          return value(await exported(`考核报表-${month}.xlsx`, 23_500 + gridsOfUser(ctx.reference, me()).length * 900))
        }
        case 'export_cases': {
          const format = String(args.format)
          if (format !== 'csv' && format !== 'geojson') ctx.fail('invalid', `unknown format ${format}`)
          const ids = (args.filter as { ids?: string[] }).ids
          const n = ids ? ids.length : ctx.cases().length
          return value(await exported(`案件-${cstDay(Date.now())}.${format}`, 3 + n * (format === 'csv' ? 260 : 480)))
        }
        default:
          return admin.handle(cmd, args)
      }
    },
  }
}
