// Formatting of times, durations and counts. Functions that produce words take
// the i18n translator so they work in both languages (and are testable).
export type Translate = (key: string, params?: Record<string, unknown>) => string

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** A ticking clock: `0:05:09`, `1:23:45`. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return `${h}:${pad(m)}:${pad(s)}`
}

/** A duration in words: 1小时5分钟 / 1 h 5 min; under a minute: 不到1分钟. */
export function formatDuration(ms: number, t: Translate): string {
  const abs = Math.abs(ms)
  if (abs < MIN) return t('time.lessThanMinute')
  const d = Math.floor(abs / DAY)
  const h = Math.floor((abs % DAY) / HOUR)
  const m = Math.floor((abs % HOUR) / MIN)
  if (d > 0) return h > 0 ? t('time.daysHours', { d, h }) : t('time.days', { d })
  if (h > 0) return m > 0 ? t('time.hoursMinutes', { h, m }) : t('time.hours', { h })
  return t('time.minutes', { m })
}

/** Relative time: 刚刚 / 5分钟前 / 3小时前 / 昨天 / 2天前 / a date. Future times: 5分钟后. */
export function formatRelative(at: number, now: number, t: Translate): string {
  const diff = now - at
  const abs = Math.abs(diff)
  if (abs < MIN) return t('time.justNow')
  const future = diff < 0
  if (abs < HOUR) return t(future ? 'time.minutesLater' : 'time.minutesAgo', { n: Math.floor(abs / MIN) })
  if (abs < DAY) return t(future ? 'time.hoursLater' : 'time.hoursAgo', { n: Math.floor(abs / HOUR) })
  if (!future && abs < 2 * DAY) return t('time.yesterday')
  if (abs < 7 * DAY) return t(future ? 'time.daysLater' : 'time.daysAgo', { n: Math.floor(abs / DAY) })
  return formatDate(at, t)
}

/** 5月3日 / May 3 (with the year when it is not this year's). */
export function formatDate(at: number, t: Translate, now: number = Date.now()): string {
  const d = new Date(at)
  const sameYear = d.getFullYear() === new Date(now).getFullYear()
  const params = { y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate() }
  return sameYear ? t('time.date', params) : t('time.dateYear', params)
}

/** 14:05 */
export function formatTime(at: number): string {
  const d = new Date(at)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** 5月3日 14:05 */
export function formatDateTime(at: number, t: Translate, now: number = Date.now()): string {
  return `${formatDate(at, t, now)} ${formatTime(at)}`
}

/** 1.2 MB */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** The greeting for the hour of day: morning / afternoon / evening. */
export function greetingKey(hour: number): 'greeting.morning' | 'greeting.afternoon' | 'greeting.evening' {
  if (hour >= 5 && hour < 12) return 'greeting.morning'
  if (hour >= 12 && hour < 18) return 'greeting.afternoon'
  return 'greeting.evening'
}

/** The local calendar day of a time, `YYYY-MM-DD` (patrol history filter). */
export function isoDay(at: number): string {
  const d = new Date(at)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** Both times fall on the same local calendar day. */
export function isSameDay(a: number, b: number): boolean {
  return isoDay(a) === isoDay(b)
}
