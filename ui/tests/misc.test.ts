import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from '../src/i18n'
import { errorText } from '../src/lib/errors'
import { effectiveTheme } from '../src/lib/theme'
import { actionType, photoRoleFor } from '../src/lib/actions'
import { anyStaging, readyPicks, type PickedPhoto } from '../src/lib/photos'

const t = (k: string) => i18n.global.t(k)
const te = (k: string) => i18n.global.te(k)

describe('error text', () => {
  it('translates known codes', () => {
    setLocale('zh-CN')
    expect(errorText({ code: 'photo_unsupported_format', message: 'HEIC photos are not supported' }, t, te)).toContain('HEIC')
    expect(errorText({ code: 'patrol_ended', message: 'this patrol has already ended' }, t, te)).toBe('本次巡查已结束')
  })
  it('falls back to the message from Rust for unknown codes', () => {
    expect(errorText({ code: 'weird_new_code', message: 'Something specific' }, t, te)).toBe('Something specific')
  })
  it('never shows a raw object', () => {
    expect(errorText({ foo: 1 }, t, te)).not.toContain('[object')
  })
})

describe('theme', () => {
  const at = (h: number) => new Date(2026, 4, 6, h, 30)
  it('auto is dark at night and on night patrols', () => {
    expect(effectiveTheme('auto', at(12), false)).toBe('light')
    expect(effectiveTheme('auto', at(19), false)).toBe('dark')
    expect(effectiveTheme('auto', at(5), false)).toBe('dark')
    expect(effectiveTheme('auto', at(6), false)).toBe('light')
    expect(effectiveTheme('auto', at(12), true)).toBe('dark')
  })
  it('explicit choices win', () => {
    expect(effectiveTheme('light', at(23), true)).toBe('light')
    expect(effectiveTheme('dark', at(12), false)).toBe('dark')
  })
})

describe('action helpers', () => {
  it('styles reversals as danger and gives handling photos the after role', () => {
    expect(actionType('voided')).toBe('danger')
    expect(actionType('dispatched')).toBe('primary')
    expect(photoRoleFor('handled')).toBe('after')
    expect(photoRoleFor('handled_on_spot')).toBe('after')
    expect(photoRoleFor('relapsed')).toBe('evidence')
  })
  it('turns ready photos into picks and knows when ingest is running', () => {
    const staged = { hash: 'h1', thumb: 't1', width: 1, height: 1, bytes: 1, captured_at: null, gps_lat: null, gps_lon: null, warnings: [] }
    const list: PickedPhoto[] = [
      { key: 'a', name: 'a.jpg', status: 'ready', staged },
      { key: 'b', name: 'b.heic', status: 'error', error: 'no' },
      { key: 'c', name: 'c.jpg', status: 'staging' },
    ]
    expect(readyPicks(list, 'before')).toEqual([{ hash: 'h1', role: 'before' }])
    expect(anyStaging(list)).toBe(true)
    expect(anyStaging(list.slice(0, 2))).toBe(false)
  })
})
