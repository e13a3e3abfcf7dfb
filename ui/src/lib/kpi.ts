// KPI figures for display: which metrics, how a rate reads, the records behind a figure.
import type { Dimension, Figure, KpiFigures, KpiRow, KpiTable, Metric } from '../generated'

/** Every metric, in the order the dashboard lists them. */
export const METRICS: readonly Metric[] = [
  'closure_rate',
  'on_time_closure_rate',
  'on_time_handle_rate',
  'on_time_verify_rate',
  'rework_rate',
  'relapse_rate',
  'self_handled_rate',
  'valid_report_rate',
  'patrol_coverage',
]

/** The figures on the dashboard's summary tiles and grid cards. */
export const HEADLINE: readonly Metric[] = ['closure_rate', 'on_time_closure_rate', 'patrol_coverage']

/** Metrics where less is better (the others: more is better). */
export const LOWER_IS_BETTER: readonly Metric[] = ['rework_rate', 'relapse_rate']

/** For every metric but coverage, `ids` are case ids; coverage counts patrols. */
export function idsAreCases(metric: Metric): boolean {
  return metric !== 'patrol_coverage'
}

/** `75.0%`; `—` when nothing was counted. */
export function formatRate(f: Figure | null | undefined): string {
  if (!f || f.rate === null || f.denominator === 0) return '—'
  return `${(f.rate * 100).toFixed(1)}%`
}

/** `75%` for chart axes and narrow cells (whole percent). */
export function formatRateShort(f: Figure | null | undefined): string {
  if (!f || f.rate === null || f.denominator === 0) return '—'
  return `${Math.round(f.rate * 100)}%`
}

/** The rate in percent with one decimal, or null (for charts). */
export function percent(f: Figure | null | undefined): number | null {
  if (!f || f.rate === null || f.denominator === 0) return null
  return Math.round(f.rate * 1000) / 10
}

/** The records behind a figure: all of the denominator, those in the numerator, and the rest. */
export interface FigureParts {
  all: string[]
  hit: string[]
  miss: string[]
}

export function figureParts(f: Figure): FigureParts {
  const hit = new Set(f.hit_ids)
  return { all: [...f.ids], hit: [...f.hit_ids], miss: f.ids.filter((id) => !hit.has(id)) }
}

/** Reports counted in a row: the denominator of 有效上报率 (every report). */
export function reportsOf(figures: KpiFigures): Figure {
  return figures.valid_report_rate
}

export function rowsOf(table: KpiTable | null | undefined, dimension: Dimension, period?: string): KpiRow[] {
  if (!table) return []
  return table.rows.filter((r) => r.dimension === dimension && (period === undefined || r.period === period))
}

/** The 合计 row of a period (the first period when none is given). */
export function totalRow(table: KpiTable | null | undefined, period?: string): KpiRow | undefined {
  const label = period ?? table?.periods[0]?.label
  return rowsOf(table, 'all', label)[0]
}

/** Every figure empty: a row without any record (a grid with no cases and no patrols). */
export function isEmptyRow(row: KpiRow): boolean {
  return METRICS.every((m) => row.figures[m].denominator === 0) && row.patrols.patrols === 0
}
