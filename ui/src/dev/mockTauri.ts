import type { ErrorCode } from '../generated/ErrorCode'
// DEV ONLY (`npm run dev:mock`): an in-memory stand-in for the Rust side, so
// the UI can be tried and screenshotted in a plain browser. It installs the
// same window.__TAURI_INTERNALS__ hooks that @tauri-apps/api calls. It is not
// the contract: the real behaviour lives in Rust. Never bundled in production.
import type {
  SyncReport,
  CaseDetail,
  CaseEvent,
  CaseFilter,
  CaseListItem,
  CaseStatus,
  EventKind,
  GridStats,
  NewEvent,
  PhotoPick,
  PhotoRef,
  Reference,
  Role,
  SessionInfo,
  StagedPhoto,
  SyncProgress,
  TimelineEntry,
} from '../generated'
import { gridsOfUser } from '../lib/names'
import type { NearbyCase, NewCase, PatrolHistoryItem } from '../generated'
import { along, demoStreets, haversine } from './mockGeo'
import { createSpatial } from './mockSpatial'
import { planCases } from './mockHistory'
import { createOffice } from './mockOffice'
import { createDevice, NEWBIE } from './mockDevice'
import { DEFAULT_RATING_RULES } from '../lib/rating'
import demo from '../../../core/data/demo.json'
import categories from '../../../core/data/categories.json'

const reference = {
  ...(demo as unknown as Omit<Reference, 'categories'>),
  categories: JSON.parse(JSON.stringify(categories)),
  rating_rules: JSON.parse(JSON.stringify(DEFAULT_RATING_RULES)),
} as unknown as Reference
// A new colleague with a one-time password (see mockDevice).
reference.users.push({ ...NEWBIE, units: [...NEWBIE.units] })
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

type Err = { code: string; message: string }
const fail = (code: ErrorCode, message: string): never => {
  throw { code, message } satisfies Err
}

// --- workflow (a copy of core/src/workflow/rules.rs, for the mock only) ---
function isOpen(s: CaseStatus): boolean {
  return !['closed', 'deferred', 'voided'].includes(s)
}
function transition(s: CaseStatus, k: EventKind): CaseStatus | null {
  if (s === 'voided') return null
  if (k === 'voided') return 'voided'
  const any = (...xs: CaseStatus[]) => xs.includes(s)
  if (k === 'handled_on_spot' && any('reported', 'relapsed', 'rework', 'deferred')) return 'handled'
  if (k === 'escalated' && any('reported', 'relapsed', 'deferred')) return 'escalated'
  if (k === 'accepted' && any('escalated', 'deferred')) return 'accepted'
  if (k === 'dispatched' && any('escalated', 'accepted', 'dispatched', 'rework', 'deferred')) return 'dispatched'
  if (k === 'handled' && any('dispatched', 'rework', 'deferred')) return 'handled'
  if (k === 'verified' && any('handled')) return 'verified'
  if (k === 'closed' && any('handled', 'verified')) return 'closed'
  if (k === 'returned_for_rework' && any('handled', 'verified')) return 'rework'
  if (k === 'look_back_passed' && any('closed')) return 'closed'
  if (k === 'relapsed' && any('closed')) return 'relapsed'
  if (k === 'deferred' && isOpen(s)) return 'deferred'
  return null
}
function roleMay(r: Role, k: EventKind): boolean {
  switch (k) {
    case 'reported':
      return r !== 'department'
    case 'handled_on_spot':
      return ['grid_worker', 'grid_leader', 'admin'].includes(r)
    case 'escalated':
      return ['grid_worker', 'grid_leader', 'supervisor', 'admin'].includes(r)
    case 'accepted':
    case 'dispatched':
    case 'deferred':
    case 'voided':
      return ['grid_leader', 'supervisor', 'street_leader', 'admin'].includes(r)
    case 'handled':
      return ['department', 'admin'].includes(r)
    case 'look_back_passed':
    case 'relapsed':
      return ['grid_worker', 'grid_leader', 'supervisor', 'admin'].includes(r)
    default:
      return r !== 'department'
  }
}
const ALL_KINDS: EventKind[] = [
  'reported', 'handled_on_spot', 'escalated', 'accepted', 'dispatched', 'handled', 'verified', 'closed',
  'returned_for_rework', 'look_back_passed', 'relapsed', 'deferred', 'voided',
]

// --- state ---
interface MockCase {
  c: CaseDetail['case']
  synced: boolean
  /** Whose unsynced change it is (a shared phone holds several people's). */
  author?: string
  /** Why the server refused it last time. */
  refused?: { code: string; message: string } | null
}
const cases = new Map<string, MockCase>()
const blobs = new Map<string, string>()
const staged = new Map<string, StagedPhoto>()
let session: SessionInfo | null = JSON.parse(localStorage.getItem('mock.session') ?? 'null') as SessionInfo | null
let seq = 100

const id = (p: string) => `${p}-${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`
const user = () => reference.users.find((u) => u.id === session?.user_id)

function fold(c: CaseDetail['case']) {
  const events = Object.values(c.events).sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))
  let status: CaseStatus = 'reported'
  let since = c.created_at
  let closedAt: number | null = null
  let department: string | null = null
  let lookbackPassed = false
  let onSpot = false
  const timeline: TimelineEntry[] = []
  for (const e of events) {
    if (e.kind === 'reported' || (e.kind as string) === 'evidence_added') {
      timeline.push({ event: e, outcome: { kind: 'applied', from: status, to: status } })
      continue
    }
    const next: CaseStatus | null = roleMay(e.role, e.kind) ? transition(status, e.kind) : null
    if (next === null) {
      timeline.push({ event: e, outcome: { kind: 'ignored', reason: roleMay(e.role, e.kind) ? 'not_allowed_in_state' : 'role_not_permitted' } })
      continue
    }
    timeline.push({ event: e, outcome: { kind: 'applied', from: status, to: next } })
    if (e.kind === 'dispatched') department = e.department
    if (e.kind === 'handled_on_spot') onSpot = true
    if (e.kind === 'closed') {
      closedAt = e.at
      lookbackPassed = false
    }
    if (e.kind === 'look_back_passed') lookbackPassed = true
    if (next !== status) since = e.at
    status = next
  }
  return { status, since, closedAt, department, lookbackPassed, onSpot, timeline, heads: events.slice(-1).map((e) => e.id) }
}

function slaOf(c: CaseDetail['case'], status: CaseStatus, since: number, now: number) {
  if (!isOpen(status)) return { sla: null, state: null }
  const limit = status === 'dispatched' || status === 'rework' ? DAY : 2 * HOUR
  const deadline = since + limit
  const warn = since + limit * 0.8
  const state = now >= deadline ? ('red' as const) : now >= warn ? ('yellow' as const) : ('green' as const)
  const step = status === 'escalated' ? 'accept' : status === 'accepted' ? 'dispatch' : status === 'dispatched' || status === 'rework' ? 'handle' : status === 'handled' || status === 'verified' ? 'verify' : 'respond'
  void c
  return { sla: { step, started_at: since, warn_at: warn, deadline } as const, state }
}

function lookbackDue(c: CaseDetail['case'], f: ReturnType<typeof fold>): number | null {
  if (f.status !== 'closed' || f.lookbackPassed || f.closedAt === null) return null
  const cat = reference.categories.categories.find((x) => x.id === c.category)
  return f.closedAt + (cat?.lookback_days ?? 7) * DAY
}

function detail(m: MockCase): CaseDetail {
  const now = Date.now()
  const f = fold(m.c)
  const { sla, state } = slaOf(m.c, f.status, f.since, now)
  const role = session?.role ?? 'grid_worker'
  return {
    case: m.c,
    derived: {
      status: f.status, since: f.since, closed_at: f.closedAt, lookback_passed: f.lookbackPassed,
      department: f.department, handled_on_spot: f.onSpot, timeline: f.timeline, heads: f.heads,
    },
    sla,
    sla_state: state,
    lookback_due: lookbackDue(m.c, f),
    actions: ALL_KINDS.filter((k) => k !== 'reported' && roleMay(role, k) && transition(f.status, k) !== null),
    synced: m.synced,
  }
}

function listItem(m: MockCase): CaseListItem {
  const d = detail(m)
  const before = Object.values(m.c.photos).find((p) => p?.role === 'before')
  const events = Object.values(m.c.events)
  return {
    id: m.c.id, title: m.c.title, grid: m.c.grid, category: m.c.category, status: d.derived.status, severity: m.c.severity,
    address: [m.c.location.street, m.c.location.address].filter(Boolean).join(' '), reporter: m.c.reporter,
    department: d.derived.department, created_at: m.c.created_at,
    updated_at: Math.max(m.c.created_at, ...events.map((e) => e?.at ?? 0)),
    sla_state: d.sla_state, sla_deadline: d.sla?.deadline ?? null, lookback_due: d.lookback_due,
    thumb: before?.thumb ?? null, photo_count: Object.keys(m.c.photos).length, synced: m.synced,
  }
}

function photoRef(pick: PhotoPick, by: string, at: number): PhotoRef {
  const s = staged.get(pick.hash)
  return {
    hash: pick.hash, original_sha256: pick.hash, thumb: s?.thumb ?? pick.hash, role: pick.role,
    width: s?.width ?? 0, height: s?.height ?? 0, bytes: s?.bytes ?? 0, captured_at: s?.captured_at ?? null,
    gps_lat: s?.gps_lat ?? null, gps_lon: s?.gps_lon ?? null, added_by: by, added_at: at,
  }
}

function event(kind: EventKind, actor: string, role: Role, at: number, note = '', photos: string[] = [], department: string | null = null): CaseEvent {
  return { id: id('ev'), kind, actor, role, at, after: [], note, photos, department }
}

const demoLines = demoStreets(reference)
/** A point `share` of the way along a demo street of the grid (WGS-84). */
function onStreet(grid: string, street: string, share: number): { lat: number; lon: number } {
  const s = demoLines.find((x) => x.grid === grid && x.name === street) ?? demoLines.find((x) => x.grid === grid)
  if (!s) return { lat: 30.277, lon: 120.161 }
  const len = s.line.slice(1).reduce((m, p, i) => m + haversine(s.line[i], p), 0)
  const [lon, lat] = along(s.line, len * share)
  return { lat, lon }
}

function seed(): void {
  const now = Date.now()
  const mk = (cat: string, grid: string, street: string, addr: string, desc: string, ago: number, evs: (t0: number) => CaseEvent[], synced = true, share = 0.4, reporter = 'u-worker1', author = reporter) => {
    const t0 = now - ago
    const at = onStreet(grid, street, share)
    const c: CaseDetail['case'] = {
      schema: 1, id: id('case'), grid, category: cat, title: '', description: desc,
      location: { lat: at.lat, lon: at.lon, accuracy_m: 8, source: 'gps', street, address: addr },
      severity: 'normal', reporter, created_at: t0, photos: {},
      links: { patrol: null, related: [] }, events: {},
    }
    const cat0 = reference.categories.categories.find((x) => x.id === cat)
    c.title = cat0?.name ?? ''
    for (const e of [event('reported', reporter, 'grid_worker', t0), ...evs(t0)]) c.events[e.id] = e
    cases.set(c.id, { c, synced, author })
  }
  mk('E0201', 'QS01-G01', '柳荫路', '12号门口电线杆', '电线杆上贴满小广告', 3 * HOUR, () => [])
  mk('E0505', 'QS01-G01', '凤起弄', '凤起苑东门', '机动车停在绿化带上', 100 * MIN, () => [])
  mk('C0101', 'QS01-G01', '竹竿巷', '8号对面', '井盖破损，有安全隐患', 5 * HOUR, (t0) => [
    event('escalated', 'u-worker1', 'grid_worker', t0 + 10 * MIN, '需要市政更换'),
    event('handled_on_spot', 'u-worker2', 'grid_worker', t0 + 12 * MIN, '已放警示牌'),
    event('accepted', 'u-leader1', 'grid_leader', t0 + 30 * MIN),
    event('dispatched', 'u-leader1', 'grid_leader', t0 + 40 * MIN, '请尽快更换', [], 'D-SZ'),
  ])
  mk('E0102', 'QS01-G01', '梅花碑弄', '垃圾房旁', '暴露垃圾堆积', 9 * DAY, (t0) => [
    event('handled_on_spot', 'u-worker1', 'grid_worker', t0 + 20 * MIN, '已清理'),
    event('closed', 'u-worker1', 'grid_worker', t0 + 30 * MIN),
  ])
  mk('E0507', 'QS01-G01', '青石北街', '23号店外', '店外堆放杂物', 2 * DAY, (t0) => [
    event('handled_on_spot', 'u-worker2', 'grid_worker', t0 + 20 * MIN, '已劝导清理'),
    event('closed', 'u-worker2', 'grid_worker', t0 + 30 * MIN),
  ])
  mk('E0101', 'QS01-G02', '杨柳巷', '3幢楼顶', '楼顶疑似私搭乱建', 26 * HOUR, (t0) => [
    event('escalated', 'u-worker3', 'grid_worker', t0 + 5 * MIN),
  ], false, 0.4, 'u-worker3')
  // Left on the shared phone by 李娜 (worker2), who has not logged in since.
  mk('E0505', 'QS01-G01', '竹竿巷', '15号门前', '电动车堵住消防通道', 5 * HOUR, () => [], false, 0.7, 'u-worker2')
  // More pins, so that they cluster when zoomed out.
  const more: [string, string][] = [['E0201', '非法小广告'], ['E0102', '暴露垃圾'], ['E0505', '机动车乱停放'], ['C0101', '上水井盖']]
  for (const g of ['QS01-G01', 'QS01-G02', 'QS01-G03', 'QS02-G01']) {
    const u = reference.org.units.find((x) => x.id === g)
    u?.streets.forEach((street, i) => {
      if (i % 2) return
      const [cat, what] = more[(i / 2 + g.length) % more.length]
      const closed = i % 3 === 0
      mk(cat, g, street, `${street}${10 + i * 7}号`, `${what}（演示数据）`, (i + 2) * 3 * HOUR, (t0) => (closed ? [
        event('handled_on_spot', 'u-worker1', 'grid_worker', t0 + 10 * MIN),
        event('closed', 'u-worker1', 'grid_worker', t0 + 20 * MIN),
      ] : []), true, 0.15 + (i % 4) * 0.2)
    })
  }
  // Eight weeks of history for the dashboard's trend.
  planCases(reference, now).forEach((p, i) =>
    mk(p.category, p.grid, p.street, `${p.street}${3 + (i % 40)}号`, '（演示数据）', p.ago, (t0) =>
      p.steps.map((s) => event(s.kind, s.actor, s.role, t0 + s.after * MIN, '', [], s.department ?? null)), true, 0.1 + (i % 8) * 0.1, p.reporter))
}
seed()

/** Open and red at `t`, judged on the events recorded up to `t`. */
function redAt(m: MockCase, t: number): boolean {
  if (m.c.created_at > t) return false
  const events = Object.fromEntries(Object.entries(m.c.events).filter(([, e]) => e.at <= t))
  const c = { ...m.c, events }
  const f = fold(c)
  return slaOf(c, f.status, f.since, t).state === 'red'
}

function visible(m: MockCase): boolean {
  const u = user()
  if (!u) return false
  if (u.role === 'department') return fold(m.c).department === u.units[0]
  return gridsOfUser(reference, u).some((g) => g.id === m.c.grid)
}

function matching(f: CaseFilter & { patrol?: string; ids?: string[] }) {
  const now = Date.now()
  const only = f.ids ? new Set(f.ids) : null
  let items = [...cases.values()]
    .filter(visible)
    .filter((m) => (!f.patrol || m.c.links.patrol === f.patrol) && (!only || only.has(m.c.id)))
    .map(listItem)
  if (f.statuses.length) items = items.filter((i) => f.statuses.includes(i.status))
  if (f.grid) items = items.filter((i) => i.grid === f.grid)
  if (f.category) items = items.filter((i) => i.category === f.category)
  if (f.reporter) items = items.filter((i) => i.reporter === f.reporter)
  if (f.overdue) items = items.filter((i) => i.sla_state === 'red' || i.sla_state === 'yellow')
  if (f.lookback_due) items = items.filter((i) => i.lookback_due !== null && i.lookback_due <= now)
  if (f.unsynced) items = items.filter((i) => !i.synced)
  if (f.text) items = items.filter((i) => i.title.includes(f.text!) || i.address.includes(f.text!))
  items.sort((a, b) => b.updated_at - a.updated_at)
  return items
}

function listCases(f: CaseFilter) {
  const items = matching(f)
  const offset = f.offset ?? 0
  return { items: items.slice(offset, offset + (f.limit ?? 50)), total: items.length }
}

const spatial = createSpatial({
  reference,
  user,
  fail,
  id,
  cases: (f) => matching(f).map((item) => {
    const l = cases.get(item.id)!.c.location
    return { item, lat: l.lat, lon: l.lon }
  }),
  handledOnSpot: (cid) => !!cases.get(cid) && fold(cases.get(cid)!.c).onSpot,
})

const office = createOffice({
  reference,
  user,
  session: () => session,
  fail,
  cases: () =>
    [...cases.values()].filter(visible).map((m) => {
      const f = fold(m.c)
      return { c: m.c, status: f.status, onSpot: f.onSpot, timeline: f.timeline, redAt: (t: number) => redAt(m, t) }
    }),
  patrols: () => (spatial.handle('patrol_history', { filter: { day: null, grid: null, kind: null } })?.value ?? []) as PatrolHistoryItem[],
})

/** Open cases of the category near a point, and closed ones still in their look-back window. */
function nearby(category: string, lat: number, lon: number, radius: number): NearbyCase[] {
  const now = Date.now()
  return [...cases.values()].filter(visible).flatMap((m) => {
    const l = m.c.location
    if (m.c.category !== category || l.lat === null || l.lon === null) return []
    const d = haversine([lon, lat], [l.lon, l.lat])
    if (d > radius) return []
    const f = fold(m.c)
    const due = lookbackDue(m.c, f)
    const relapse = due !== null && due > now
    if (!isOpen(f.status) && !relapse) return []
    return [{ id: m.c.id, title: m.c.title, status: f.status, address: [l.street, l.address].filter(Boolean).join(' '), created_at: m.c.created_at, distance_m: Math.round(d), relapse_window: relapse }]
  })
}

const callbacks = new Map<number, (e: unknown) => void>()
/** Event name → the callback ids listening to it. */
const listeners = new Map<string, Set<number>>()
let cbSeq = 1
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

function emit(event: string, payload: unknown): void {
  for (const h of listeners.get(event) ?? []) callbacks.get(h)?.({ event, id: h, payload: JSON.parse(JSON.stringify(payload)) })
}

function emitProgress(p: SyncProgress): void {
  emit('sync-progress', p)
}

/** A change by `author` waits for the server. */
function edited(m: MockCase, author: string): void {
  m.synced = false
  m.author = author
  m.refused = null
}

function unsynced() {
  const items = [...cases.values()]
    .filter((m) => !m.synced && visible(m))
    .map((m) => ({
      id: m.c.id, kind: 'case' as const, title: listItem(m).title, photos_pending: Object.keys(m.c.photos).length, updated_at: listItem(m).updated_at,
      author: m.author ?? null, error_code: m.refused?.code ?? null, error_message: m.refused?.message ?? null,
    }))
  const pt = spatial.unsynced()
  return {
    cases: items.length,
    patrols: pt.length,
    photos: items.reduce((s, i) => s + i.photos_pending, 0),
    photo_bytes: items.reduce((s, i) => s + i.photos_pending * 350_000, 0),
    items: [
      ...items,
      ...pt.map((p) => ({
        id: p.id, kind: 'patrol' as const, title: reference.org.units.find((u) => u.id === p.grid)?.name ?? '', photos_pending: 0, updated_at: p.started_at,
        author: p.started_by, error_code: null, error_message: null,
      })),
    ].sort((a, b) => b.updated_at - a.updated_at),
  }
}

/**
 * One exchange with the "server": the user's own unsynced work goes up
 * (`mock.refuse=<code>` makes the server refuse it); other people's stays,
 * waiting for them (`pending_for_other`).
 */
async function exchange(): Promise<SyncReport> {
  const me = session?.user_id
  const u = unsynced()
  const photos = u.photos
  const p: SyncProgress = { phase: 'documents', docs_up: 0, docs_up_total: u.cases + u.patrols, docs_down: 0, photos_up: 0, photos_up_total: photos, photos_down: 0, photos_down_total: 2, bytes_up: 0, bytes_down: 0 }
  emitProgress({ ...p })
  await delay(400)
  p.docs_up = p.docs_up_total
  p.docs_down = 3
  p.bytes_up = 4200
  p.bytes_down = 9100
  p.phase = 'photos_up'
  emitProgress({ ...p })
  for (let i = 0; i < photos; i++) {
    await delay(250)
    p.photos_up = i + 1
    p.bytes_up += 350_000
    emitProgress({ ...p })
  }
  p.phase = 'photos_down'
  for (let i = 0; i < 2; i++) {
    await delay(200)
    p.photos_down = i + 1
    p.bytes_down += 120_000
    emitProgress({ ...p })
  }
  p.phase = 'done'
  emitProgress({ ...p })
  office.audit({ user_id: me ?? '', device_id: 'mock-device', action: 'push', subject: `${u.cases + u.patrols} documents`, detail: `${photos} photos` })
  const refuse = localStorage.getItem('mock.refuse') as ErrorCode | null
  const failures: SyncReport['failures'] = []
  for (const m of cases.values()) {
    if (m.synced) continue
    if (m.author && m.author !== me) {
      m.refused = { code: 'pending_for_other', message: `waiting for ${m.author} to log in and sync` }
    } else if (refuse) {
      m.refused = { code: refuse, message: `the server refused ${m.c.id}` }
      failures.push({ item: m.c.id, ...m.refused })
    } else {
      m.synced = true
      m.refused = null
    }
  }
  spatial.markSynced()
  if (session) {
    session = { ...session, last_sync_at: Date.now() }
    localStorage.setItem('mock.session', JSON.stringify(session))
  }
  return { progress: p, round_trips: 2, failures, finished_at: Date.now() }
}

const device = createDevice({
  session: () => session,
  endSession: () => {
    session = null
    localStorage.removeItem('mock.session')
  },
  fail,
  emit,
  exchange,
  pending: () => [
    ...[...cases.values()].filter((m) => !m.synced).map((m) => ({ author: m.author ?? m.c.reporter, kind: 'case' as const, photos: Object.keys(m.c.photos).length })),
    ...spatial.unsynced().map((p) => ({ author: p.started_by, kind: 'patrol' as const, photos: 0 })),
  ],
  confirmed: () => {
    const done = [...cases.values()].filter((m) => m.synced)
    return { docs: done.length, photos: done.reduce((n, m) => n + Object.keys(m.c.photos).length, 0) }
  },
  userName: (uid) => reference.users.find((x) => x.id === uid)?.name ?? uid,
  mustChange: (username) => office.mustChange(username),
  passwordSet: (username) => office.passwordSet(username),
})

async function handle(cmd: string, a: Record<string, unknown> | Uint8Array | undefined): Promise<unknown> {
  const args = (a ?? {}) as Record<string, unknown>
  const now = Date.now()
  const me = () => user() ?? fail('not_logged_in', 'not logged in')
  const done = spatial.handle(cmd, args) ?? device.handle(cmd, args) ?? (await office.handle(cmd, args))
  if (done) return done.value
  switch (cmd) {
    case 'session_get':
      return session
    case 'login': {
      await delay(300)
      const u = reference.users.find((x) => x.username === args.username)
      if (!u || !args.password) fail('wrong_credentials', 'wrong username or password')
      if (office.disabled(u!.username)) fail('user_disabled', `${u!.username} is disabled`)
      device.checkLogin(args, u!.username)
      device.reset()
      session = { server: String(args.server), user_id: u!.id, username: u!.username, name: u!.name, role: u!.role, device_id: 'mock-device', last_sync_at: null }
      office.audit({ user_id: u!.id, device_id: 'mock-device', action: 'login', subject: u!.username, detail: '' })
      localStorage.setItem('mock.session', JSON.stringify(session))
      return session
    }
    case 'logout': {
      const r = device.logout()
      device.reset()
      session = null
      localStorage.removeItem('mock.session')
      return r
    }
    case 'reference_get':
      return reference
    case 'cases_list':
      return listCases(args.filter as CaseFilter)
    case 'case_get':
      return detail(cases.get(String(args.id)) ?? fail('not_found', `no case with id ${String(args.id)}`))
    case 'case_create': {
      const n = args.new_case as NewCase
      const u = me()
      const at = n.at ?? now
      const cat = reference.categories.categories.find((x) => x.id === n.category) ?? fail('unknown_category', n.category)
      const c: CaseDetail['case'] = {
        schema: 1, id: id('case'), grid: n.grid, category: n.category, title: n.title || cat.name, description: n.description,
        location: n.location, severity: n.severity, reporter: u.id, created_at: at, photos: {},
        links: { patrol: n.patrol, related: n.related ?? [] }, events: {},
      }
      for (const p of n.photos) c.photos[p.hash] = photoRef(p, u.id, at)
      const r = event('reported', u.id, u.role, at, '', n.photos.filter((p) => p.role === 'before').map((p) => p.hash))
      c.events[r.id] = r
      if (n.handled_on_spot) {
        const h = event('handled_on_spot', u.id, u.role, at + 1, '', n.photos.filter((p) => p.role === 'after').map((p) => p.hash))
        c.events[h.id] = h
      }
      cases.set(c.id, { c, synced: false, author: u.id })
      if (n.patrol) spatial.addCase(n.patrol, c.id, at)
      return detail(cases.get(c.id)!)
    }
    case 'case_append_event': {
      const m = cases.get(String(args.id)) ?? fail('not_found', 'no such case')
      const e = args.event as NewEvent
      const u = me()
      const st = fold(m.c).status
      if (!roleMay(u.role, e.kind)) fail('role_not_permitted', `a ${u.role} may not record ${e.kind}`)
      if (transition(st, e.kind) === null) fail('not_allowed_in_state', `${e.kind} is not possible while the case is ${st}`)
      if (e.kind === 'dispatched' && !e.department) fail('missing_department', 'a dispatch needs a department')
      const at = Math.max(now, ...Object.values(m.c.events).map((x) => (x?.at ?? 0) + 1))
      for (const p of e.photos) m.c.photos[p.hash] = photoRef(p, u.id, at)
      const ev = event(e.kind, u.id, u.role, at, e.note, e.photos.map((p) => p.hash), e.department)
      m.c.events[ev.id] = ev
      edited(m, me().id)
      return detail(m)
    }
    case 'case_attach_photos': {
      const m = cases.get(String(args.id)) ?? fail('not_found', 'no such case')
      for (const p of args.photos as PhotoPick[]) m.c.photos[p.hash] = photoRef(p, me().id, now)
      edited(m, me().id)
      return detail(m)
    }
    case 'grid_stats': {
      const u = me()
      return gridsOfUser(reference, u).map<GridStats>((g) => {
        const items = [...cases.values()].filter((m) => m.c.grid === g.id).map(listItem)
        const open = items.filter((i) => isOpen(i.status))
        const red = open.filter((i) => i.sla_state === 'red').length
        const yellow = open.filter((i) => i.sla_state === 'yellow').length
        return {
          grid: g.id, open: open.length, yellow, red,
          closed_this_week: items.filter((i) => i.status === 'closed' && now - i.updated_at < 7 * DAY).length,
          reported_this_week: items.filter((i) => now - i.created_at < 7 * DAY).length,
          rating: red ? 'red' : yellow ? 'yellow' : 'green',
        }
      })
    }
    case 'photo_stage': {
      const bytes = a as Uint8Array
      await delay(250)
      const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8
      const png = bytes[0] === 0x89 && bytes[1] === 0x50
      if (!jpeg && !png) {
        const ftyp = String.fromCharCode(...bytes.slice(4, 12))
        if (ftyp.startsWith('ftyp')) fail('photo_unsupported_format', 'HEIC photos are not supported; please use JPEG or PNG')
        fail('photo_invalid', 'not an image file (neither JPEG nor PNG)')
      }
      const hash = id('ph')
      const url = URL.createObjectURL(new Blob([bytes.slice()], { type: jpeg ? 'image/jpeg' : 'image/png' }))
      blobs.set(hash, url)
      blobs.set(`${hash}-t`, url)
      const s: StagedPhoto = { hash, thumb: `${hash}-t`, width: 2048, height: 1536, bytes: bytes.length, captured_at: null, gps_lat: null, gps_lon: null, warnings: [] }
      staged.set(hash, s)
      return s
    }
    case 'photo_fetch':
      await delay(400)
      return fail('offline', 'the server cannot be reached')
    case 'cases_nearby':
      return nearby(String(args.category), Number(args.lat), Number(args.lon), Number(args.radius_m ?? 50))
    case 'case_add_evidence': {
      const m = cases.get(String(args.id)) ?? fail('not_found', 'no such case')
      const u = me()
      const photos = args.photos as PhotoPick[]
      const at = Math.max(now, ...Object.values(m.c.events).map((x) => (x?.at ?? 0) + 1))
      for (const p of photos) m.c.photos[p.hash] = photoRef({ ...p, role: 'evidence' }, u.id, at)
      // No state change: an evidence_added entry on the timeline (a kind the lead adds to EventKind).
      const ev = event('evidence_added' as EventKind, u.id, u.role, at, String(args.note ?? ''), photos.map((p) => p.hash))
      m.c.events[ev.id] = ev
      edited(m, me().id)
      return detail(m)
    }
    case 'location_current': {
      if (localStorage.getItem('mock.nofix')) return null
      const walking = session ? spatial.myPosition(session.user_id) : null
      if (walking) return { lat: walking.lat, lon: walking.lon, accuracy_m: walking.accuracy_m, source: 'track', at: walking.at }
      // Near the first demo case (柳荫路), so that the duplicate hint shows for 非法小广告.
      const first = [...cases.values()][0].c.location
      const poor = localStorage.getItem('mock.poorfix') ? 45 : 9
      return { lat: first.lat! + (Math.random() - 0.5) / 20000, lon: first.lon! + (Math.random() - 0.5) / 20000, accuracy_m: poor, source: 'gps', at: now }
    }
    case 'sync_unsynced':
      return unsynced()
    case 'sync_now':
      return device.run()
    case 'plugin:event|listen': {
      const event = String(args.event)
      const handler = Number(args.handler)
      listeners.set(event, (listeners.get(event) ?? new Set()).add(handler))
      return handler
    }
    case 'plugin:event|unlisten':
      listeners.get(String(args.event))?.delete(Number(args.eventId))
      return null
    default:
      return fail('unknown', `mock: no command ${cmd}`)
  }
}

export function installMockTauri(): void {
  const w = window as unknown as Record<string, unknown>
  w.__TAURI_INTERNALS__ = {
    invoke: async (cmd: string, args?: Record<string, unknown> | Uint8Array) => {
      await delay(30)
      const out = await handle(cmd, args)
      // Like real IPC: the UI gets a fresh copy, never the mock's own objects.
      return out === undefined ? null : (JSON.parse(JSON.stringify(out)) as unknown)
    },
    transformCallback: (cb: (e: unknown) => void) => {
      const n = cbSeq++
      callbacks.set(n, cb)
      return n
    },
    unregisterCallback: (n: number) => callbacks.delete(n),
    convertFileSrc: (hash: string, protocol: string) => blobs.get(hash) ?? `${protocol}://localhost/${hash}`,
  }
  w.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} }
  void listeners
}
