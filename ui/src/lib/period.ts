// KPI periods (China Standard Time, as core::kpi::Period) for display and navigation.
// The UI never computes period boundaries itself: Rust returns them; the UI
// only steps to a neighbour by asking for the instant just before or after.
import type { DashboardGranularity, Period } from '../generated'
import type { Translate } from './format'

const CST_OFFSET = 8 * 3_600_000

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** Calendar parts of an instant in China Standard Time (no DST). */
export function cstParts(ms: number): { y: number; m: number; d: number } {
  const d = new Date(ms + CST_OFFSET)
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() }
}

/** `YYYY-MM-DD` of an instant in China Standard Time (the patrol log's `day`). */
export function cstDay(ms: number): string {
  const p = cstParts(ms)
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`
}

/** `YYYY-MM` of an instant in China Standard Time (the monthly report's `month`). */
export function cstMonth(ms: number): string {
  const p = cstParts(ms)
  return `${p.y}-${pad(p.m)}`
}

/** The month before (-1) or after (+1) a `YYYY-MM`. */
export function stepMonth(month: string, dir: -1 | 1): string {
  const [y, m] = month.split('-').map(Number)
  const i = y * 12 + (m - 1) + dir
  return `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`
}

/** The day before (-1) or after (+1) a `YYYY-MM-DD`. */
export function stepDay(day: string, dir: -1 | 1): string {
  const [y, m, d] = day.split('-').map(Number)
  const x = new Date(Date.UTC(y, m - 1, d + dir))
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`
}

/** An instant inside the neighbouring period: just before `from`, or `to` itself. */
export function neighbourAt(p: Period, dir: -1 | 1): number {
  return dir < 0 ? p.from - 1 : p.to
}

/** The period still runs at `now` (there is no later one to show yet). */
export function isCurrent(p: Period, now: number): boolean {
  return now < p.to
}

/** The ISO week number of a `2026-W49` label; null for other labels. */
export function weekNumber(label: string): number | null {
  const m = /-W(\d{1,2})$/.exec(label)
  return m ? Number(m[1]) : null
}

/** 12月1日–12月7日 (the last day is `to` − 1 ms). */
export function periodRange(p: Period, t: Translate): string {
  const a = cstParts(p.from)
  const b = cstParts(p.to - 1)
  return t('period.range', { from: t('time.date', a), to: t('time.date', b) })
}

/** 2026年第49周 / 2026年12月. */
export function periodTitle(p: Period, g: DashboardGranularity, t: Translate): string {
  const a = cstParts(p.from)
  if (g === 'month') return t('period.month', { y: a.y, m: a.m })
  // The ISO week-year is that of the week's Thursday.
  const y = cstParts(p.from + 3 * 86_400_000).y
  return t('period.week', { y, w: weekNumber(p.label) ?? '?' })
}

/** A chart axis label: 12/1 (a week's Monday) or 12月 (a month). */
export function periodShort(p: Period, g: DashboardGranularity, t: Translate): string {
  const a = cstParts(p.from)
  return g === 'month' ? t(`period.monthShort.m${a.m}`) : t('period.weekShort', { m: a.m, d: a.d })
}
