// The dev mock (`npm run dev:mock`) must play the device commands of
// ui/CONTRACT-device.md, so the login questions, the sync status and a
// revocation can be tried in a browser.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { installMockTauri } from '../src/dev/mockTauri'
import type { SessionInfo, UnsyncedSummary } from '../src/generated'
import type { AutoSyncStatus, ServerProbe, WaitingWork, WipeReport } from '../src/generated'

type Invoke = (cmd: string, args?: unknown) => Promise<unknown>
type Internals = { invoke: Invoke; transformCallback: (cb: (e: { payload: unknown }) => void) => number }
let tauri: Internals
const call: Invoke = (cmd, args) => tauri.invoke(cmd, args)
const LOCAL = 'http://127.0.0.1:8787'
const login = (username: string, over: Record<string, unknown> = {}) =>
  call('login', { server: LOCAL, username, password: 'Otp-1234', new_password: null, pin: null, allow_insecure_http: false, ...over }) as Promise<SessionInfo>
/** Everything the mock emitted on an event, in order. */
const heard = new Map<string, unknown[]>()

async function listenTo(event: string): Promise<void> {
  heard.set(event, [])
  const handler = tauri.transformCallback((e) => heard.get(event)!.push(e.payload))
  await call('plugin:event|listen', { event, target: { kind: 'Any' }, handler })
}

beforeAll(async () => {
  localStorage.clear()
  installMockTauri()
  tauri = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__
  await Promise.all(['sync-status', 'device-revoked'].map(listenTo))
})
beforeEach(async () => {
  for (const k of ['mock.offline', 'mock.certChanged', 'mock.revoked', 'mock.refuse']) localStorage.removeItem(k)
  await call('logout')
})

describe('dev mock: trusting the server', () => {
  it('answers https with a stable fake fingerprint, pins it at login and notices a changed certificate', async () => {
    const first = (await call('server_probe', { server: 'https://gp.example.cn/' })) as ServerProbe
    expect(first).toMatchObject({ server: 'https://gp.example.cn', https: true, loopback: false, pinned: null })
    expect(first.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    await expect(login('worker1', { server: first.server, pin: null })).rejects.toMatchObject({ code: 'tls_pin_mismatch' })
    await login('worker1', { server: first.server, pin: first.fingerprint })
    expect(await call('server_probe', { server: first.server })).toEqual({ ...first, pinned: first.fingerprint })

    localStorage.setItem('mock.certChanged', '1')
    const changed = (await call('server_probe', { server: first.server })) as ServerProbe
    expect(changed.fingerprint).not.toBe(first.fingerprint)
    expect(changed.pinned).toBe(first.fingerprint)
  })

  it('tells this machine from others over http and refuses plain http elsewhere unless allowed', async () => {
    expect(await call('server_probe', { server: 'http://localhost:8787' })).toMatchObject({ https: false, loopback: true, fingerprint: null })
    const lan = (await call('server_probe', { server: 'http://10.0.0.5:8787' })) as ServerProbe
    expect(lan).toMatchObject({ https: false, loopback: false })
    await expect(login('worker1', { server: lan.server })).rejects.toMatchObject({ code: 'insecure_http' })
    expect((await login('worker1', { server: lan.server, allow_insecure_http: true })).username).toBe('worker1')
    await expect(call('server_probe', { server: 'not a url' })).rejects.toMatchObject({ code: 'invalid' })
    localStorage.setItem('mock.offline', '1')
    await expect(call('server_probe', { server: LOCAL })).rejects.toMatchObject({ code: 'offline' })
  })

  it('makes newbie set an own password of 8 characters or more, once', async () => {
    await expect(login('newbie')).rejects.toMatchObject({ code: 'password_change_required' })
    await expect(login('newbie', { new_password: 'short' })).rejects.toMatchObject({ code: 'weak_password' })
    await expect(login('newbie', { new_password: 'Otp-1234' })).rejects.toMatchObject({ code: 'weak_password' })
    expect((await login('newbie', { new_password: 'Liuyin-2026' })).name).toBe('林小雨')
    await call('logout')
    expect((await login('newbie')).username).toBe('newbie')
  })
})

describe('dev mock: a shared phone and the automatic sync', () => {
  it('lists other people’s unsynced work, and keeps it waiting for them when the user syncs', async () => {
    const before = (await call('waiting_work')) as WaitingWork[]
    expect(before.map((w) => w.name).sort()).toEqual(['张伟', '李娜'])
    await login('worker1')
    const other = ((await call('sync_unsynced')) as UnsyncedSummary).items.find((i) => i.author === 'u-worker2')!
    expect(other.error_code).toBeNull()
    const events = heard.get('sync-status')!.length
    await call('sync_now')
    const after = (await call('sync_unsynced')) as UnsyncedSummary
    expect(after.items.map((i) => [i.author, i.error_code])).toEqual([['u-worker2', 'pending_for_other']])
    const s = (await call('sync_status')) as AutoSyncStatus
    expect(s).toMatchObject({ running: false, last_error: null, failures_in_a_row: 0 })
    expect(s.next_at! - s.last_ok_at!).toBeGreaterThan(60_000)
    const news = heard.get('sync-status')!.slice(events) as AutoSyncStatus[]
    expect(news.map((x) => x.running)).toEqual([true, false])
    expect(((await call('waiting_work')) as WaitingWork[]).map((w) => w.user_id).sort()).toEqual(['u-worker2', 'u-worker3'])
  })

  it('reports a refusal with its code, and an offline run in the status', async () => {
    await login('worker1')
    await call('case_create', { new_case: { grid: 'QS01-G01', category: 'E0201', title: '', description: 'x', location: { lat: null, lon: null, accuracy_m: null, source: 'street', street: '柳荫路', address: '' }, severity: 'normal', photos: [], handled_on_spot: false, patrol: null, at: null } })
    localStorage.setItem('mock.refuse', 'out_of_scope')
    const r = (await call('sync_now')) as { failures: Array<{ code: string }> }
    expect(r.failures.map((f) => f.code)).toEqual(['out_of_scope'])
    const mine = ((await call('sync_unsynced')) as UnsyncedSummary).items.find((i) => i.author === 'u-worker1')!
    expect(mine.error_code).toBe('out_of_scope')

    localStorage.setItem('mock.offline', '1')
    await expect(call('sync_now')).rejects.toMatchObject({ code: 'offline' })
    const s = (await call('sync_status')) as AutoSyncStatus
    expect(s.last_error?.code).toBe('offline')
    expect(s.failures_in_a_row).toBe(1)
    expect(await call('logout')).toEqual({ revoked: false })
  })

  it('with mock.revoked=1, the next contact emits device-revoked and ends the session', async () => {
    await login('worker1')
    localStorage.setItem('mock.revoked', '1')
    await expect(call('sync_now')).rejects.toMatchObject({ code: 'device_revoked' })
    await new Promise((r) => setTimeout(r, 10))
    const [report] = heard.get('device-revoked') as WipeReport[]
    expect(report.removed_docs).toBeGreaterThan(10)
    expect(report.kept_docs).toBeGreaterThan(0)
    expect(await call('session_get')).toBeNull()
    expect(localStorage.getItem('mock.revoked')).toBeNull()
  })
})
