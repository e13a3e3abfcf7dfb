// DEV ONLY: the device side of ui/CONTRACT-device.md for `npm run dev:mock` —
// the server probe (https answers with a fake certificate fingerprint, pinned
// on first login), one-time passwords, other people's work left on a shared
// phone, the automatic sync's status and schedule, and revocation.
//
// Knobs in localStorage: `mock.offline=1` (no server: probes, syncs and the
// logout's revocation fail), `mock.certChanged=1` (the https certificate no
// longer matches the pin), `mock.revoked=1` (the next contact finds this
// device revoked: `device-revoked` is emitted and the session ends).
import type { ErrorCode } from '../generated/ErrorCode'
import type { SessionInfo, SyncReport } from '../generated'
import type { AutoSyncStatus, LogoutResult, ServerProbe, WaitingWork, WipeReport } from '../generated'

/** The user who must change a one-time password at first login, until they have. */
export const NEWBIE = { id: 'u-newbie', username: 'newbie', name: '林小雨', role: 'grid_worker' as const, units: ['QS01-G01'] }

const SECOND = 1000
const MIN = 60 * SECOND
/** Automatic runs: every 5 minutes; after failures 30 s, 1 min, 2 min … up to 10 min. */
const PERIOD = 5 * MIN
const backoff = (failures: number) => Math.min(10 * MIN, 30 * SECOND * 2 ** Math.max(0, failures - 1))

export interface DeviceContext {
  session: () => SessionInfo | null
  /** The session ends (revocation). */
  endSession: () => void
  fail: (code: ErrorCode, message: string) => never
  emit: (event: string, payload: unknown) => void
  /** One sync exchange with the "server" (the mock's sync_now). */
  exchange: () => Promise<SyncReport>
  /** Unconfirmed records on the device and whose they are. */
  pending: () => Array<{ author: string; kind: 'case' | 'patrol'; photos: number }>
  /** Records the server has confirmed (a revocation wipes them). */
  confirmed: () => { docs: number; photos: number }
  userName: (id: string) => string
  /** Admin-made users (and resets) must change the one-time password. */
  mustChange: (username: string) => boolean
  passwordSet: (username: string) => void
}

const offline = () => localStorage.getItem('mock.offline') === '1'

/** A stable fake SHA-256 fingerprint of a host: 32 bytes `AB:CD:…`. */
function fakeFingerprint(host: string): string {
  let h = 2166136261
  for (const c of host) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  const bytes: string[] = []
  for (let i = 0; i < 32; i++) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0
    bytes.push(((h >>> 16) & 0xff).toString(16).toUpperCase().padStart(2, '0'))
  }
  return bytes.join(':')
}

function pins(): Record<string, string> {
  return JSON.parse(localStorage.getItem('mock.pins') ?? '{}') as Record<string, string>
}

export function createDevice(ctx: DeviceContext) {
  const changed = new Set<string>()
  const status: AutoSyncStatus = { running: false, last_ok_at: null, last_error: null, next_at: null, failures_in_a_row: 0 }
  let current: Promise<SyncReport> | null = null
  let timer: ReturnType<typeof setTimeout> | undefined

  const publish = () => ctx.emit('sync-status', { ...status, last_error: status.last_error && { ...status.last_error } })

  function probe(raw: string): ServerProbe {
    let url: URL
    try {
      url = new URL(raw.trim())
    } catch {
      return ctx.fail('invalid', `not a server address: ${raw}`)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.fail('invalid', `not http or https: ${raw}`)
    const server = url.origin + url.pathname.replace(/\/+$/, '')
    const https = url.protocol === 'https:'
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
    const fingerprint = https ? fakeFingerprint(url.host + (localStorage.getItem('mock.certChanged') === '1' ? '#new' : '')) : null
    return { server, https, loopback, fingerprint, pinned: https ? (pins()[server] ?? null) : null }
  }

  /** The trust and password checks of a login (after the user name and password were found good). */
  function checkLogin(args: Record<string, unknown>, username: string): void {
    const p = probe(String(args.server))
    if (p.https) {
      if (args.pin !== p.fingerprint) ctx.fail('tls_pin_mismatch', `the certificate of ${p.server} does not match the pin`)
      localStorage.setItem('mock.pins', JSON.stringify({ ...pins(), [p.server]: p.fingerprint }))
    } else if (!p.loopback && args.allow_insecure_http !== true) {
      ctx.fail('insecure_http', `${p.server} is plain http`)
    }
    const must = (username === NEWBIE.username || ctx.mustChange(username)) && !changed.has(username)
    if (!must) return
    const next = typeof args.new_password === 'string' ? args.new_password : null
    if (next === null) ctx.fail('password_change_required', 'a one-time password: set your own')
    if ([...next!].length < 8 || next === args.password) ctx.fail('weak_password', 'at least 8 characters, not the old one')
    changed.add(username)
    ctx.passwordSet(username)
  }

  function logout(): LogoutResult {
    return { revoked: !offline() }
  }

  function waitingWork(): WaitingWork[] {
    const me = ctx.session()?.user_id
    const by = new Map<string, WaitingWork>()
    for (const p of ctx.pending()) {
      if (p.author === me) continue
      const w = by.get(p.author) ?? { user_id: p.author, name: ctx.userName(p.author), cases: 0, patrols: 0, photos: 0 }
      if (p.kind === 'case') w.cases += 1
      else w.patrols += 1
      w.photos += p.photos
      by.set(p.author, w)
    }
    return [...by.values()]
  }

  /** `mock.revoked=1` and logged in: wipe (the mock only counts), end the session, tell the UI. */
  function revokedNow(): boolean {
    if (localStorage.getItem('mock.revoked') !== '1' || !ctx.session()) return false
    localStorage.removeItem('mock.revoked')
    const c = ctx.confirmed()
    const report: WipeReport = { removed_docs: c.docs, removed_photos: c.photos, kept_docs: ctx.pending().length }
    clearTimeout(timer)
    Object.assign(status, { running: false, next_at: null })
    ctx.endSession()
    setTimeout(() => ctx.emit('device-revoked', report), 0)
    return true
  }

  function schedule(ms: number): void {
    clearTimeout(timer)
    if (!ctx.session()) {
      status.next_at = null
      return
    }
    status.next_at = Date.now() + ms
    timer = setTimeout(() => void run().catch(() => {}), ms)
  }

  /** One run at a time; a run asked for during another starts after it (so it includes everything saved). */
  async function run(): Promise<SyncReport> {
    while (current) await current.catch(() => {})
    current = (async () => {
      status.running = true
      publish()
      try {
        if (revokedNow()) ctx.fail('device_revoked', 'this device was revoked')
        if (offline()) {
          await new Promise((r) => setTimeout(r, 600))
          ctx.fail('offline', 'the server cannot be reached')
        }
        const r = await ctx.exchange()
        Object.assign(status, { last_ok_at: r.finished_at, last_error: null, failures_in_a_row: 0 })
        schedule(PERIOD)
        return r
      } catch (e) {
        const err = e as { code: string; message: string }
        status.failures_in_a_row += 1
        status.last_error = { code: err.code, message: err.message, at: Date.now() }
        if (err.code === 'device_revoked') status.next_at = null
        else schedule(backoff(status.failures_in_a_row))
        throw e
      } finally {
        status.running = false
        current = null
        publish()
      }
    })()
    return current
  }

  function handle(cmd: string, args: Record<string, unknown>): { value: unknown } | null {
    const value = (v: unknown) => ({ value: v })
    switch (cmd) {
      case 'server_probe':
        // (A login itself still works with `mock.offline=1`, as other screens' demos rely on it.)
        if (offline()) ctx.fail('offline', 'the server cannot be reached')
        return value(probe(String(args.server ?? '')))
      case 'waiting_work':
        return value(waitingWork())
      case 'sync_status':
        // Opening the app with `mock.revoked=1` set: the first contact finds the device revoked.
        if (revokedNow()) return value({ ...status })
        if (ctx.session() && status.next_at === null && !status.running) schedule(PERIOD)
        return value({ ...status })
      case 'sync_network_up':
        if (ctx.session()) schedule(300)
        return value(null)
      default:
        return null
    }
  }

  /** A session ends or begins: no automatic run scheduled, a fresh status. */
  function reset(): void {
    clearTimeout(timer)
    Object.assign(status, { running: false, last_ok_at: null, last_error: null, next_at: null, failures_in_a_row: 0 })
  }

  return { handle, checkLogin, logout, run, reset }
}
