import { beforeEach, describe, expect, it } from 'vitest'
import { backend, isBackendError, photoUrl, toBackendError } from '../src/backend'
import { emptyFilter } from '../src/lib/filters'
import { invoke } from './setup'

beforeEach(() => {
  invoke.mockClear()
  invoke.mockResolvedValue(null)
})

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

describe('backend commands', () => {
  it('passes snake_case argument keys exactly as the contract says', async () => {
    invoke.mockResolvedValue(null)
    const filter = emptyFilter({ overdue: true })
    await backend.casesList(filter)
    expect(invoke).toHaveBeenLastCalledWith('cases_list', { filter })

    const nc = {
      grid: 'QS01-G01', category: 'E0201', title: '', description: '', severity: 'normal' as const,
      location: { lat: null, lon: null, accuracy_m: null, source: 'manual' as const, street: null, address: '' },
      photos: [], patrol: null, handled_on_spot: false, at: null, related: ['c0'],
    }
    await backend.caseCreate(nc)
    expect(invoke).toHaveBeenLastCalledWith('case_create', { new_case: nc })

    await backend.caseAppendEvent('c1', { kind: 'escalated', note: 'x', photos: [], department: null, at: null })
    expect(invoke).toHaveBeenLastCalledWith('case_append_event', {
      id: 'c1',
      event: { kind: 'escalated', note: 'x', photos: [], department: null, at: null },
    })

    await backend.patrolStart('night', 'QS01-G01', ['u1', 'u2'])
    expect(invoke).toHaveBeenLastCalledWith('patrol_start', { kind: 'night', grid: 'QS01-G01', team: ['u1', 'u2'] })

    await backend.patrolCheckStreet('p1', '柳荫路', '')
    expect(invoke).toHaveBeenLastCalledWith('patrol_check_street', { id: 'p1', street: '柳荫路', note: '' })


    await backend.login('https://s', 'worker1', 'pw', { new_password: 'my own pw', pin: 'AB:CD', allow_insecure_http: false })
    expect(invoke).toHaveBeenLastCalledWith('login', {
      server: 'https://s', username: 'worker1', password: 'pw', new_password: 'my own pw', pin: 'AB:CD', allow_insecure_http: false,
    })
    await backend.login('http://s', 'worker1', 'pw')
    expect(invoke).toHaveBeenLastCalledWith('login', { server: 'http://s', username: 'worker1', password: 'pw', new_password: null, pin: null, allow_insecure_http: false })

    await backend.photoFetch('abc')
    expect(invoke).toHaveBeenLastCalledWith('photo_fetch', { hash: 'abc' })

    await backend.sessionGet()
    expect(invoke).toHaveBeenLastCalledWith('session_get', undefined)
  })

  it('sends the map and team-patrol commands with the keys of ui/CONTRACT-map.md', async () => {
    const cases = emptyFilter({ patrol: 'p1' } as never)
    const expectations: Array<[() => Promise<unknown>, string, unknown]> = [
      [() => backend.mapLayers({ crs: 'gcj02', grids: ['QS01-G01'], cases, patrol: 'p1' }), 'map_layers', { query: { crs: 'gcj02', grids: ['QS01-G01'], cases, patrol: 'p1' } }],
      [() => backend.mapFromWgs84('gcj02', 30.27, 120.16), 'map_from_wgs84', { crs: 'gcj02', lat: 30.27, lon: 120.16 }],
      [() => backend.mapToWgs84('gcj02', 30.272, 120.165), 'map_to_wgs84', { crs: 'gcj02', lat: 30.272, lon: 120.165 }],
      [() => backend.basemapGet(), 'basemap_get', undefined],
      [() => backend.basemapOptions(), 'basemap_options', undefined],
      [() => backend.basemapSet({ kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }), 'basemap_set', { settings: { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' } }],
      [() => backend.patrolJoin('p1'), 'patrol_join', { id: 'p1' }],
      [() => backend.patrolJoinCode('482913'), 'patrol_join_code', { code: '482913' }],
      [() => backend.patrolsTeamToday(), 'patrols_team_today', undefined],
      [() => backend.patrolEndPart('p1', '收队'), 'patrol_end_part', { id: 'p1', note: '收队' }],
      [() => backend.patrolHistory({ day: '2026-05-06', grid: null, kind: 'night' }), 'patrol_history', { filter: { day: '2026-05-06', grid: null, kind: 'night' } }],
      [() => backend.casesNearby('E0201', 30.27, 120.16, 50), 'cases_nearby', { category: 'E0201', lat: 30.27, lon: 120.16, radius_m: 50 }],
      [() => backend.caseAddEvidence('c1', '又贴了', [{ hash: 'h', role: 'evidence' }]), 'case_add_evidence', { id: 'c1', note: '又贴了', photos: [{ hash: 'h', role: 'evidence' }] }],
    ]
    for (const [send, cmd, args] of expectations) {
      await send()
      expect(invoke).toHaveBeenLastCalledWith(cmd, args)
    }
  })

  it('sends photo bytes as the raw request body', async () => {
    invoke.mockResolvedValue({ hash: 'h' })
    const bytes = new Uint8Array([0xff, 0xd8, 0xff])
    await backend.photoStage(bytes)
    expect(invoke).toHaveBeenLastCalledWith('photo_stage', bytes)
    expect(invoke.mock.lastCall?.[1]).toBeInstanceOf(Uint8Array)
  })

  it('passes {code, message} rejections through unchanged', async () => {
    invoke.mockRejectedValue({ code: 'not_allowed_in_state', message: 'Closed is not possible while the case is Reported' })
    expect(await caught(backend.caseGet('x'))).toStrictEqual({
      code: 'not_allowed_in_state',
      message: 'Closed is not possible while the case is Reported',
    })
  })

  it('maps strings and Errors to {code: unknown}', async () => {
    invoke.mockRejectedValue('boom')
    expect(await caught(backend.syncNow())).toStrictEqual({ code: 'unknown', message: 'boom' })
    invoke.mockRejectedValue(new Error('bad'))
    expect(await caught(backend.syncNow())).toStrictEqual({ code: 'unknown', message: 'bad' })
  })
})

describe('error normalisation', () => {
  it('recognises backend errors', () => {
    expect(isBackendError({ code: 'a', message: 'b' })).toBe(true)
    expect(isBackendError({ code: 1, message: 'b' })).toBe(false)
    expect(isBackendError(null)).toBe(false)
  })
  it('handles odd shapes without leaking objects', () => {
    expect(toBackendError({ message: 'only message' })).toEqual({ code: 'unknown', message: 'only message' })
    expect(toBackendError({ code: 'x' }).code).toBe('x')
    expect(typeof toBackendError({ code: 'x' }).message).toBe('string')
    expect(toBackendError(42)).toEqual({ code: 'unknown', message: '42' })
    expect(toBackendError(new TypeError("Cannot read properties of undefined (reading 'invoke')")).code).toBe('no_backend')
  })
})

describe('photo URLs', () => {
  it('uses the photo protocol, with a retry marker after a fetch', () => {
    expect(photoUrl('abc')).toBe('photo://localhost/abc')
    expect(photoUrl('abc', 1)).toBe('photo://localhost/abc?try=1')
  })
})

describe('location', () => {
  it('prefers the Rust source and falls back to the platform geolocation', async () => {
    const fix = { lat: 30.27, lon: 120.16, accuracy_m: 5, source: 'track' as const, at: 1 }
    invoke.mockResolvedValueOnce(fix)
    expect(await backend.locationCurrent()).toEqual(fix)

    const getCurrentPosition = (ok: (p: unknown) => void) =>
      ok({ coords: { latitude: 31.2, longitude: 121.4, accuracy: 12 }, timestamp: 42 })
    Object.defineProperty(globalThis.navigator, 'geolocation', { value: { getCurrentPosition }, configurable: true })
    invoke.mockResolvedValueOnce(null)
    expect(await backend.locationCurrent()).toEqual({ lat: 31.2, lon: 121.4, accuracy_m: 12, source: 'gps', at: 42 })

    const denied = (_ok: unknown, fail: () => void) => fail()
    Object.defineProperty(globalThis.navigator, 'geolocation', { value: { getCurrentPosition: denied }, configurable: true })
    invoke.mockResolvedValueOnce(null)
    expect(await backend.locationCurrent()).toBeNull()
  })
})
