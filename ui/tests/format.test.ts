import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from '../src/i18n'
import { formatBytes, formatClock, formatDate, formatDuration, formatRelative, greetingKey, isoDay } from '../src/lib/format'
import { ratingOf, slaCountdown, slaLabel, statusTagType } from '../src/lib/sla'

const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {})
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

describe('durations', () => {
  it('ticks as a clock', () => {
    expect(formatClock(0)).toBe('0:00:00')
    expect(formatClock(309_000)).toBe('0:05:09')
    expect(formatClock(HOUR + 23 * MIN + 45_000)).toBe('1:23:45')
    expect(formatClock(-5)).toBe('0:00:00')
  })
  it('says durations in Chinese', () => {
    setLocale('zh-CN')
    expect(formatDuration(30_000, t)).toBe('不到1分钟')
    expect(formatDuration(5 * MIN, t)).toBe('5分钟')
    expect(formatDuration(2 * HOUR, t)).toBe('2小时')
    expect(formatDuration(HOUR + 5 * MIN, t)).toBe('1小时5分钟')
    expect(formatDuration(2 * DAY + 3 * HOUR, t)).toBe('2天3小时')
    expect(formatDuration(3 * DAY, t)).toBe('3天')
  })
  it('and in English', () => {
    setLocale('en-US')
    expect(formatDuration(HOUR + 5 * MIN, t)).toBe('1 h 5 min')
    setLocale('zh-CN')
  })
})

describe('relative time in Chinese', () => {
  const now = new Date(2026, 4, 6, 12, 0, 0).getTime()
  it('covers the ranges', () => {
    setLocale('zh-CN')
    expect(formatRelative(now - 10_000, now, t)).toBe('刚刚')
    expect(formatRelative(now - 5 * MIN, now, t)).toBe('5分钟前')
    expect(formatRelative(now - 3 * HOUR, now, t)).toBe('3小时前')
    expect(formatRelative(now - 30 * HOUR, now, t)).toBe('昨天')
    expect(formatRelative(now - 3 * DAY, now, t)).toBe('3天前')
    expect(formatRelative(now + 20 * MIN, now, t)).toBe('20分钟后')
    expect(formatRelative(now + 2 * DAY, now, t)).toBe('2天后')
    expect(formatRelative(new Date(2026, 2, 3, 9).getTime(), now, t)).toBe('3月3日')
  })
  it('adds the year for other years', () => {
    const now2 = new Date(2026, 0, 2).getTime()
    expect(formatDate(new Date(2025, 11, 30).getTime(), t, now2)).toBe('2025年12月30日')
  })
})

describe('SLA', () => {
  it('labels colours with words', () => {
    setLocale('zh-CN')
    expect(slaLabel('green', t)).toBe('正常')
    expect(slaLabel('yellow', t)).toBe('临期')
    expect(slaLabel('red', t)).toBe('超期')
    expect(slaLabel(null, t)).toBe('')
  })
  it('counts down to the deadline and past it', () => {
    const now = 1_000_000_000
    expect(slaCountdown(now + 2 * HOUR + 5 * MIN, now, t)).toBe('剩余 2小时5分钟')
    expect(slaCountdown(now - HOUR, now, t)).toBe('已超期 1小时')
  })
  it('rates grids red / yellow / blue', () => {
    expect(ratingOf('green')).toBe('blue')
    expect(ratingOf('red')).toBe('red')
    expect(t(`overview.rating.${ratingOf('green')}`)).toBe('蓝')
  })
  it('colours statuses', () => {
    expect(statusTagType('closed')).toBe('success')
    expect(statusTagType('relapsed')).toBe('danger')
    expect(statusTagType('reported')).toBe('primary')
  })
})

describe('misc', () => {
  it('formats bytes and greetings', () => {
    expect(formatBytes(500)).toBe('500 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB')
    expect(greetingKey(6)).toBe('greeting.morning')
    expect(greetingKey(14)).toBe('greeting.afternoon')
    expect(greetingKey(21)).toBe('greeting.evening')
    expect(greetingKey(2)).toBe('greeting.evening')
  })
})

describe('isoDay', () => {
  it('is the local calendar day, zero-padded', () => {
    expect(isoDay(new Date(2026, 0, 5, 23, 59).getTime())).toBe('2026-01-05')
    expect(isoDay(new Date(2026, 11, 31, 0, 0).getTime())).toBe('2026-12-31')
  })
})
