// Hand-made office data: figures, a rating with its checks, a dashboard of two grids.
import type { Dashboard, Figure, GridRating, KpiFigures, KpiRow, Metric, RuleCheck } from '../src/generated'
import { METRICS } from '../src/lib/kpi'

export const WEEK = { label: '2026-W49', from: Date.UTC(2026, 10, 29, 16), to: Date.UTC(2026, 11, 6, 16) } // Mon 2026-11-30 00:00 CST
export const MONTH = { label: '2026-12', from: Date.UTC(2026, 10, 30, 16), to: Date.UTC(2026, 11, 31, 16) }
export const PREV_WEEK = { label: '2026-W48', from: WEEK.from - 7 * 86_400_000, to: WEEK.from }

/** A figure n/d with the given ids (the first `n` are the hits). */
export function fig(n: number, d: number, ids: string[] = []): Figure {
  return { numerator: n, denominator: d, rate: d ? n / d : null, ids: [...ids].sort(), hit_ids: ids.slice(0, n).sort() }
}

export function figures(over: Partial<Record<Metric, Figure>> = {}): KpiFigures {
  return { ...(Object.fromEntries(METRICS.map((m) => [m, fig(0, 0)])) as KpiFigures), ...over }
}

export function row(dimension: KpiRow['dimension'], key: string, name: string, f: KpiFigures, period = WEEK.label, patrols = 0): KpiRow {
  return { period, dimension, key, name, figures: f, patrols: { patrols, minutes: patrols * 30, track_length_m: patrols * 1500, cases_found: 0 } }
}

const G01 = figures({
  valid_report_rate: fig(4, 4, ['c1', 'c2', 'c3', 'c4']),
  closure_rate: fig(3, 4, ['c1', 'c2', 'c3', 'c4']),
  on_time_closure_rate: fig(6, 9, ['c1', 'c2', 'c3', 'c5', 'c6', 'c7', 'c8', 'c9', 'd1']),
  patrol_coverage: fig(9, 10, ['p1', 'p2']),
})

export const yellowCheck: RuleCheck = {
  level: 'yellow',
  rule: { measure: 'on_time_closure_rate', comparison: 'below', threshold: 85 },
  outcome: 'fired',
  value: (6 * 100) / 9,
  numerator: 6,
  denominator: 9,
  text: '按期结案率 66.7%（6/9），低于 85%',
}

export const ratingG01: GridRating = {
  grid: 'QS01-G01',
  name: '柳荫社区第一网格',
  period: MONTH.label,
  level: 'yellow',
  reasons: [yellowCheck],
  checks: [
    { level: 'red', rule: { measure: 'on_time_closure_rate', comparison: 'below', threshold: 60 }, outcome: 'passed', value: (6 * 100) / 9, numerator: 6, denominator: 9, text: '' },
    { level: 'red', rule: { measure: 'overdue_cases', comparison: 'above', threshold: 3 }, outcome: 'passed', value: 1, numerator: 1, denominator: 1, text: '' },
    yellowCheck,
    { level: 'yellow', rule: { measure: 'relapse_rate', comparison: 'above', threshold: 10 }, outcome: 'no_data', value: null, numerator: 0, denominator: 0, text: '' },
  ],
  summary: '黄：按期结案率 66.7%（6/9），低于 85%',
  figures: G01,
  overdue: { grid: 'QS01-G01', name: '柳荫社区第一网格', overdue: 1, cases: ['c4'] },
}

/** leader1's dashboard (grids QS01-G01 and QS01-G02): only G01 has records; G02 has no row at all. */
export function dashboard(over: Partial<Dashboard> = {}): Dashboard {
  const all = figures({ ...G01 })
  return {
    source: 'server',
    as_of: Date.UTC(2026, 11, 4, 4, 3), // 12:03 in Beijing
    fallback: null,
    granularity: 'week',
    period: WEEK,
    trend: {
      periods: [PREV_WEEK, WEEK],
      rows: [row('all', '', '合计', figures({ valid_report_rate: fig(2, 2), closure_rate: fig(1, 2) }), PREV_WEEK.label), row('all', '', '合计', all)],
    },
    table: {
      periods: [WEEK],
      rows: [
        row('all', '', '合计', all),
        row('grid', 'QS01-G01', '柳荫社区第一网格', G01, WEEK.label, 2),
        row('department', 'D-SZ', '青石街道市政养护所', figures({ on_time_handle_rate: fig(1, 2, ['c2', 'c3']), rework_rate: fig(1, 2, ['c2', 'c3']) })),
        row('department', 'D-CG', '青石街道综合行政执法队', figures()),
        row('worker', 'u-worker1', '王芳', figures({ valid_report_rate: fig(3, 3, ['c1', 'c2', 'c3']), patrol_coverage: fig(9, 10, ['p1', 'p2']) }), WEEK.label, 2),
        row('worker', 'u-worker2', '李娜', figures(), WEEK.label, 0),
      ],
    },
    categories: [
      { category: 'E0201', name: '非法小广告', reported: 3, closed: 2, overdue: 0, ids: ['c1', 'c2', 'c3'] },
      { category: 'C0101', name: '上水井盖', reported: 1, closed: 1, overdue: 1, ids: ['c4'] },
    ],
    rating_period: MONTH,
    ratings: [ratingG01],
    overdue_as_of: Date.UTC(2026, 11, 4, 4, 3),
    overdue: [ratingG01.overdue],
    ...over,
  }
}
