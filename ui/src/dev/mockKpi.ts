// DEV ONLY (`npm run dev:mock`): rough KPI figures over the mock's cases and
// patrols, in the shapes of core::kpi (KpiTable, GridRating…). The formulas
// are simplified (wall-clock limits instead of working time); the real ones
// are in core/src/kpi and docs/KPI.md.
import type { DashboardGranularity, Dimension, Figure, KpiFigures, KpiRow, KpiTable, Metric, Period } from '../generated'
import { METRICS } from '../lib/kpi'
import { cstParts } from '../lib/period'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const CST = 8 * HOUR
const pad = (n: number) => (n < 10 ? `0${n}` : String(n))

/** `Period::containing` for weeks (Monday–Sunday, ISO label) and months, China Standard Time. */
export function containing(g: DashboardGranularity, at: number): Period {
  const p = cstParts(at)
  if (g === 'month') {
    const from = Date.UTC(p.y, p.m - 1, 1) - CST
    return { label: `${p.y}-${pad(p.m)}`, from, to: Date.UTC(p.y, p.m, 1) - CST }
  }
  const dayStart = Math.floor((at + CST) / DAY) * DAY - CST
  const weekday = (new Date(dayStart + CST).getUTCDay() + 6) % 7
  const from = dayStart - weekday * DAY
  const thu = new Date(from + 3 * DAY + CST)
  const jan1 = Date.UTC(thu.getUTCFullYear(), 0, 1)
  const week = Math.floor((thu.getTime() - jan1) / DAY / 7) + 1
  return { label: `${thu.getUTCFullYear()}-W${pad(week)}`, from, to: from + 7 * DAY }
}

/** The `n` periods ending with the one containing `at`, oldest first. */
export function trendPeriods(g: DashboardGranularity, at: number, n: number): Period[] {
  const out = [containing(g, at)]
  while (out.length < n) out.unshift(containing(g, out[0].from - 1))
  return out
}

/** One record counted in one figure's denominator. */
export interface Sample {
  metric: Metric
  at: number
  hit: boolean
  /** A case id (a patrol id for coverage). */
  id: string
  grid: string
  departments: string[]
  workers: string[]
  /** Coverage counts streets: numerator / denominator weights. */
  num?: number
  den?: number
}

export interface PatrolFact {
  id: string
  grid: string
  team: string[]
  started_at: number
  ended_at: number | null
  streets_total: number
  streets_covered: number
  track_length_m: number
  cases_found: number
}

export interface KpiScope {
  grids: Array<{ id: string; name: string }>
  departments: Array<{ id: string; name: string }>
  workers: Array<{ id: string; name: string }>
}

function figure(samples: Sample[], ids: boolean): Figure {
  const numerator = samples.reduce((s, x) => s + (x.num ?? (x.hit ? 1 : 0)), 0)
  const denominator = samples.reduce((s, x) => s + (x.den ?? 1), 0)
  const sorted = (xs: string[]) => [...new Set(xs)].sort()
  return {
    numerator,
    denominator,
    rate: denominator ? numerator / denominator : null,
    ids: ids ? sorted(samples.map((x) => x.id)) : [],
    hit_ids: ids ? sorted(samples.filter((x) => x.hit).map((x) => x.id)) : [],
  }
}

function figures(samples: Sample[], ids: boolean): KpiFigures {
  return Object.fromEntries(METRICS.map((m) => [m, figure(samples.filter((s) => s.metric === m), ids)])) as KpiFigures
}

/** `compute_kpis` in miniature: a row per period × dimension × key, every key of the scope included. */
export function computeTable(samples: Sample[], patrols: PatrolFact[], scope: KpiScope, periods: Period[], dims: Dimension[], ids: boolean): KpiTable {
  const rows: KpiRow[] = []
  const keys: Record<Dimension, Array<{ id: string; name: string }>> = {
    all: [{ id: '', name: '合计' }],
    grid: scope.grids,
    community: [],
    worker: scope.workers,
    department: scope.departments,
  }
  const inKey = (d: Dimension, key: string, s: { grid: string; departments?: string[]; workers?: string[]; team?: string[] }) =>
    d === 'all' || (d === 'grid' && s.grid === key) || (d === 'department' && !!s.departments?.includes(key)) || (d === 'worker' && !!(s.workers ?? s.team)?.includes(key))
  for (const p of periods) {
    const inPeriod = samples.filter((s) => s.at >= p.from && s.at < p.to)
    const patrolsIn = patrols.filter((x) => x.started_at >= p.from && x.started_at < p.to)
    for (const d of dims) {
      for (const k of keys[d]) {
        const mine = inPeriod.filter((s) => inKey(d, k.id, s))
        const ps = patrolsIn.filter((x) => inKey(d, k.id, x))
        rows.push({
          period: p.label,
          dimension: d,
          key: k.id,
          name: k.name,
          figures: figures(mine, ids),
          patrols: {
            patrols: ps.length,
            minutes: ps.reduce((s, x) => s + (x.ended_at === null ? 0 : Math.round((x.ended_at - x.started_at) / 60_000)), 0),
            track_length_m: ps.reduce((s, x) => s + x.track_length_m, 0),
            cases_found: ps.reduce((s, x) => s + x.cases_found, 0),
          },
        })
      }
    }
  }
  return { periods, rows }
}

/** Coverage samples of patrols (streets covered of the grid's streets, per patrol). */
export function patrolSamples(patrols: PatrolFact[]): Sample[] {
  return patrols
    .filter((p) => p.streets_total > 0)
    .map((p) => ({ metric: 'patrol_coverage', at: p.started_at, hit: p.streets_covered >= p.streets_total, id: p.id, grid: p.grid, departments: [], workers: p.team, num: p.streets_covered, den: p.streets_total }))
}
