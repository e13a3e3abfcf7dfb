import { describe, expect, it } from 'vitest'
import zhCN from '../src/locales/zh-CN'
import enUS from '../src/locales/en-US'
import { ERROR_CODES, ERROR_TEXTS } from '../src/generated/errorTexts'

/** Every screen, library and dev-mock source, as text. */
const sources = import.meta.glob<string>(['../src/**/*.{ts,vue}', '!../src/generated/**', '!../src/locales/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
})

function keys(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix]
  return Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}
function leaves(o: unknown): unknown[] {
  if (typeof o !== 'object' || o === null) return [o]
  return Object.values(o).flatMap(leaves)
}

describe('locale files', () => {
  it('have exactly the same keys', () => {
    const zh = keys(zhCN).sort()
    const en = keys(enUS).sort()
    expect(en.filter((k) => !zh.includes(k))).toEqual([])
    expect(zh.filter((k) => !en.includes(k))).toEqual([])
  })
  it('have only non-empty strings', () => {
    for (const v of [...leaves(zhCN), ...leaves(enUS)]) {
      expect(typeof v).toBe('string')
      expect((v as string).trim()).not.toBe('')
    }
  })
  it('use the same placeholders in both languages', () => {
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',')
    for (const k of keys(zhCN)) {
      const get = (o: unknown) => k.split('.').reduce<unknown>((a, p) => (a as Record<string, unknown>)[p], o) as string
      expect(ph(get(enUS)), k).toBe(ph(get(zhCN)))
    }
  })
  it('avoid characters vue-i18n would parse as syntax', () => {
    for (const v of [...leaves(zhCN), ...leaves(enUS)] as string[]) {
      expect(v).not.toMatch(/[@|$]/)
    }
  })
  it('translate every status, event, role and ignore reason the backend can send', () => {
    const statuses = ['reported', 'escalated', 'accepted', 'dispatched', 'handled', 'verified', 'closed', 'rework', 'relapsed', 'deferred', 'voided']
    const events = ['reported', 'handled_on_spot', 'escalated', 'accepted', 'dispatched', 'handled', 'verified', 'closed', 'returned_for_rework', 'look_back_passed', 'relapsed', 'deferred', 'voided', 'evidence_added', 'amended']
    const roles = ['grid_worker', 'grid_leader', 'supervisor', 'street_leader', 'department', 'admin']
    const reasons = ['not_allowed_in_state', 'role_not_permitted', 'after_void', 'raced_with_rework', 'duplicate_report', 'not_assigned']
    expect(Object.keys(zhCN.status).sort()).toEqual(statuses.sort())
    expect(Object.keys(zhCN.events).sort()).toEqual(events.sort())
    expect(Object.keys(zhCN.roles).sort()).toEqual(roles.sort())
    expect(Object.keys(zhCN.ignore).sort()).toEqual(reasons.sort())
  })
  it('show exactly the Rust list of error codes, each in both languages', () => {
    expect(Object.keys(zhCN.errors).sort()).toEqual([...ERROR_CODES].sort())
    expect(Object.keys(enUS.errors).sort()).toEqual([...ERROR_CODES].sort())
    for (const c of ERROR_CODES) {
      expect(zhCN.errors[c], c).toBe(ERROR_TEXTS[c].zh)
      expect(enUS.errors[c], c).toBe(ERROR_TEXTS[c].en)
      expect(zhCN.errors[c], c).toMatch(/[\u4e00-\u9fff]/)
    }
  })
  it('use only codes from the Rust list, in the screens and the dev mock alike', () => {
    const known = new Set<string>(ERROR_CODES)
    const used = new Map<string, string>()
    const pattern = /(?:fail\(\s*|code:\s*|errors\.)'?([a-z][a-z_]+)'?/g
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(pattern)) {
        if (m[0].startsWith('errors.') || m[0].includes("'")) used.set(m[1], file)
      }
    }
    expect(used.size).toBeGreaterThan(10)
    const unknown = [...used].filter(([c]) => !known.has(c)).map(([c, f]) => `${c} (${f})`)
    expect(unknown).toEqual([])
  })
})
