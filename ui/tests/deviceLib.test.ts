import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from '../src/i18n'
import { unsyncedAdvice, waitingWorkText, withWork } from '../src/lib/deviceWork'
import { newPasswordProblem } from '../src/lib/password'
import type { ServerProbe } from '../src/generated'
import { fingerprintGroups, needsConsent, trustChoice, trustStep } from '../src/lib/trust'

const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {})
const probe = (over: Partial<ServerProbe>): ServerProbe => ({ server: 's', https: true, loopback: false, fingerprint: 'AA:BB', pinned: null, ...over })

describe('trust on first use', () => {
  it('asks on first contact and on a changed certificate, never for the pinned one or this machine', () => {
    expect(trustStep(probe({}))).toBe('first_contact')
    expect(trustStep(probe({ pinned: 'AA:BB' }))).toBe('pinned')
    expect(trustStep(probe({ pinned: 'CC:DD' }))).toBe('pin_changed')
    expect(trustStep(probe({ https: false, fingerprint: null }))).toBe('insecure')
    expect(trustStep(probe({ https: false, loopback: true, fingerprint: null }))).toBe('loopback')
    expect(['first_contact', 'pin_changed', 'insecure', 'pinned', 'loopback'].map((s) => needsConsent(s as never))).toEqual([true, true, true, false, false])
  })

  it('pins the certificate the server shows now, and allows plain http only to another machine after the warning', () => {
    expect(trustChoice(probe({ pinned: 'CC:DD' }))).toEqual({ pin: 'AA:BB', allow_insecure_http: false })
    expect(trustChoice(probe({ https: false, fingerprint: null }))).toEqual({ pin: null, allow_insecure_http: true })
    expect(trustChoice(probe({ https: false, loopback: true, fingerprint: null }))).toEqual({ pin: null, allow_insecure_http: false })
  })

  it('groups a SHA-256 fingerprint into 16 groups of four for reading aloud', () => {
    const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':')
    const g = fingerprintGroups(fp)
    expect(g).toHaveLength(16)
    expect(g.slice(0, 3)).toEqual(['0001', '0203', '0405'])
    expect(g.join('')).toBe(fp.replace(/:/g, '').toUpperCase())
    expect(fingerprintGroups('')).toEqual([])
  })
})

describe('new password', () => {
  it('needs 8 characters, the same twice, and not the one-time password', () => {
    expect(newPasswordProblem('1234567', '1234567', 'otp')).toBe('short')
    expect(newPasswordProblem('柳荫社区网格员一', '柳荫社区网格员一', 'otp')).toBeNull() // characters, not bytes
    expect(newPasswordProblem('Liuyin-2026', 'Liuyin-2025', 'otp')).toBe('mismatch')
    expect(newPasswordProblem('k7QmX2pa9dRt', 'k7QmX2pa9dRt', 'k7QmX2pa9dRt')).toBe('same')
    expect(newPasswordProblem('Liuyin-2026', 'Liuyin-2026', 'k7QmX2pa9dRt')).toBeNull()
  })
})

describe('shared phone', () => {
  it('advises per refusal code', () => {
    const a = (code: string | null) => unsyncedAdvice({ error_code: code })
    expect(a(null)).toBeNull()
    expect(['out_of_scope', 'role_not_permitted', 'not_allowed_in_state', 'not_assigned'].map(a)).toEqual(['refused', 'refused', 'refused', 'refused'])
    expect(a('pending_for_other')).toBe('waiting')
    expect(a('offline')).toBe('retry')
    expect(a('hash_mismatch')).toBe('retry')
  })

  it('says whose work waits, with only the kinds they have, in both languages', () => {
    const w = { user_id: 'u-x', name: '王五', cases: 3, patrols: 0, photos: 1 }
    setLocale('zh-CN')
    expect(waitingWorkText(w, t)).toBe('王五 有 3 件案件、1 张照片未同步，需其本人登录后同步')
    setLocale('en-US')
    expect(waitingWorkText({ ...w, patrols: 2 }, t)).toBe('王五 has unsynced work on this phone (cases: 3, patrols: 2, photos: 1); only they can sync it, by logging in')
    setLocale('zh-CN')
    expect(withWork([w, { ...w, user_id: 'u-y', cases: 0, photos: 0 }]).map((x) => x.user_id)).toEqual(['u-x'])
  })
})
