import type { ErrorCode } from '../generated/ErrorCode'
// DEV ONLY (`npm run dev:mock`): the map, basemap and patrol commands of the
// in-memory fake backend. Tracks are "recorded" by a simulated walker on the
// demo streets whenever a patrol is read, as Rust's recorder would have done.
import type { CaseFilter, CaseListItem, OrgUnit, Patrol, PatrolKind, Reference, TrackPoint, User } from '../generated'
import { isoDay } from '../lib/format'
import { gridsOfUser, isLeader } from '../lib/names'
import type { BasemapSettings, CasePinProps, GeoFeature, MapCrs, MapQuery, PatrolCoverage, PatrolDetail, PatrolHistoryFilter, PatrolHistoryItem, PatrolMember } from '../generated'
import { demoBuildings, demoStreets, fromDisplay, mapFeature, streetCoverage, toDisplay, trackLines, walkFixes, walkRoute, lineLength, type MockStreet } from './mockGeo'

export interface SpatialCtx {
  reference: Reference
  user(): User | undefined
  fail(code: ErrorCode, message: string): never
  id(prefix: string): string
  /** The visible cases matching a filter (no paging), with their WGS-84 position. */
  cases(f: CaseFilter & { patrol?: string }): Array<{ item: CaseListItem; lat: number | null; lon: number | null }>
  handledOnSpot(caseId: string): boolean
}

interface MockMember extends PatrolMember {
  track: TrackPoint[]
  /** Where on the grid's route this walker starts. */
  firstStreet: number
  walkFrom: number
  recordedTo: number
}
interface MockPatrol {
  p: Patrol
  synced: boolean
  code: string
  members: MockMember[]
}

const MIN_SHARE = 0.8
const DAY = 86_400_000
const HOUR = 3_600_000

export function createSpatial(ctx: SpatialCtx) {
  const streets = demoStreets(ctx.reference)
  const buildings = demoBuildings(ctx.reference)
  const patrols = new Map<string, MockPatrol>()
  const streetsOf = (grid: string) => streets.filter((s) => s.grid === grid)
  const unit = (id: string): OrgUnit | undefined => ctx.reference.org.units.find((u) => u.id === id)
  const me = () => ctx.user() ?? ctx.fail('not_logged_in', 'not logged in')
  let basemap: BasemapSettings = JSON.parse(localStorage.getItem('mock.basemap') ?? 'null') ?? { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }
  const options: BasemapSettings[] = [
    { kind: 'online', crs: 'wgs84', url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '© OpenStreetMap', name: 'OpenStreetMap（开发用）' },
    { kind: 'online', crs: 'gcj02', url: 'https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}', attribution: '© 高德', name: '高德（GCJ-02，开发用）' },
  ]

  // --- the simulated recorder ---
  function record(mp: MockPatrol, now = Date.now()): void {
    for (const m of mp.members) {
      const until = m.ended_at ?? mp.p.ended_at ?? now
      const last = Math.max(m.recordedTo, m.walkFrom - 1)
      m.recordedTo = Math.max(m.recordedTo, until)
      if (until <= last || streetsOf(mp.p.grid).length === 0) continue
      const own = walkRoute(streetsOf(mp.p.grid), m.firstStreet)
      const fixes = walkFixes(own, m.walkFrom, last + 1, until)
      m.track.push(...fixes)
      m.track_points = m.track.length
      m.last_fix_at = m.track[m.track.length - 1]?.at ?? null
      m.track_length_m = Math.round(trackLines(m.track).reduce((a, l) => a + lineLength(l), 0))
    }
  }

  function coverage(mp: MockPatrol): PatrolCoverage | null {
    const s = streetsOf(mp.p.grid)
    if (!s.length) return null
    const per = streetCoverage(s, mp.members.map((m) => m.track), MIN_SHARE)
    const total = per.reduce((a, c) => a + c.length_m, 0)
    return {
      streets: per,
      covered: per.filter((c) => c.covered).length,
      total: per.length,
      share: total ? per.reduce((a, c) => a + c.walked_m, 0) / total : 0,
      min_share: MIN_SHARE,
      track_length_m: mp.members.reduce((a, m) => a + m.track_length_m, 0),
      duration_ms: (mp.p.ended_at ?? Date.now()) - mp.p.started_at,
    }
  }

  function detail(mp: MockPatrol): PatrolDetail {
    record(mp)
    const p = mp.p
    const names = unit(p.grid)?.streets ?? []
    const found = Object.keys(p.cases)
    return {
      patrol: { ...p, track: mp.members.flatMap((m) => m.track) },
      summary: {
        duration_ms: (p.ended_at ?? Date.now()) - p.started_at,
        streets_checked: Object.keys(p.streets).length,
        streets_total: names.length,
        cases_found: found.length,
        cases_handled: found.filter((c) => ctx.handledOnSpot(c)).length,
      },
      streets: names,
      synced: mp.synced,
      coverage: coverage(mp),
      join_code: mp.code,
      members: mp.members.map(({ track: _t, firstStreet: _f, walkFrom: _w, recordedTo: _r, ...m }) => m),
    }
  }

  function historyItem(mp: MockPatrol): PatrolHistoryItem {
    const d = detail(mp)
    return {
      id: mp.p.id, grid: mp.p.grid, kind: mp.p.kind, started_by: mp.p.started_by, started_at: mp.p.started_at, ended_at: mp.p.ended_at,
      team: mp.members.map((m) => m.user_id), cases_found: d.summary.cases_found, streets_checked: d.summary.streets_checked,
      streets_total: d.summary.streets_total, streets_covered: d.coverage?.covered ?? null, coverage_share: d.coverage?.share ?? null,
      track_length_m: d.coverage?.track_length_m ?? 0, duration_ms: d.summary.duration_ms, synced: mp.synced,
    }
  }

  function member(userId: string, at: number, firstStreet: number): MockMember {
    return { user_id: userId, joined_at: at, ended_at: null, track_points: 0, track_length_m: 0, last_fix_at: null, track: [], firstStreet, walkFrom: at, recordedTo: 0 }
  }

  function start(kind: PatrolKind, grid: string, team: string[], by: string, at: number, code?: string): MockPatrol {
    const p: Patrol = { schema: 1, id: ctx.id('patrol'), kind, grid, team, team_code: '', lead: null, started_by: by, started_at: at, ended_at: null, track: [], streets: {}, cases: {}, note: '' }
    const mp: MockPatrol = { p, synced: false, code: code ?? String(100000 + Math.floor(Math.random() * 900000)), members: [member(by, at, 0)] }
    patrols.set(p.id, mp)
    return mp
  }

  function get(id: string): MockPatrol {
    return patrols.get(id) ?? ctx.fail('not_found', `no patrol with id ${id}`)
  }

  function endPart(mp: MockPatrol, userId: string, at: number): void {
    const m = mp.members.find((x) => x.user_id === userId) ?? ctx.fail('not_a_member', 'you are not on this patrol')
    record(mp, at)
    m.ended_at = at
    if (mp.members.every((x) => x.ended_at !== null)) mp.p.ended_at = at
    mp.synced = false
  }

  function join(mp: MockPatrol): PatrolDetail {
    const u = me()
    if (mp.p.ended_at !== null) ctx.fail('patrol_ended', 'this patrol has already ended')
    const other = [...patrols.values()].find((x) => x !== mp && x.p.ended_at === null && x.members.some((m) => m.user_id === u.id && m.ended_at === null))
    if (other) ctx.fail('already_in_patrol', 'you are on another patrol')
    const existing = mp.members.find((m) => m.user_id === u.id)
    if (existing && existing.ended_at !== null) ctx.fail('part_ended', 'your part of this patrol has ended')
    if (!existing) mp.members.push(member(u.id, Date.now(), Math.min(3, mp.members.length * 3)))
    if (!mp.p.team.includes(u.id)) mp.p.team.push(u.id)
    mp.synced = false
    return detail(mp)
  }

  function inScope(mp: MockPatrol, u: User): boolean {
    if (mp.members.some((m) => m.user_id === u.id) || mp.p.team.includes(u.id)) return true
    return isLeader(u.role) && gridsOfUser(ctx.reference, u).some((g) => g.id === mp.p.grid)
  }

  // --- map layers ---
  function layers(q: MapQuery) {
    const u = me()
    const shift = (f: GeoFeature<unknown>) => mapFeature(f, (p) => toDisplay(q.crs, p))
    const scope = gridsOfUser(ctx.reference, u).map((g) => g.id)
    const grids = (q.grids ?? scope).map(unit).filter((g): g is OrgUnit => !!g?.boundary)
    const ids = new Set(grids.map((g) => g.id))
    const fc = <P>(features: GeoFeature<P>[]) => ({ type: 'FeatureCollection' as const, features: features.map((f) => shift(f) as GeoFeature<P>) })
    const line = (s: MockStreet): GeoFeature<{ name: string; grid: string }> => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: s.line }, properties: { name: s.name, grid: s.grid } })
    const pins = q.cases
      ? ctx.cases(q.cases).flatMap(({ item, lat, lon }): GeoFeature<CasePinProps>[] =>
          lat === null || lon === null
            ? []
            : [{ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: { id: item.id, title: item.title, category: item.category, status: item.status, sla_state: item.sla_state, closed: ['closed', 'deferred', 'voided'].includes(item.status) } }],
        )
      : []
    const mp = q.patrol ? patrols.get(q.patrol) : undefined
    if (mp) record(mp)
    const tracks = (mp?.members ?? [])
      .filter((m) => m.track.length > 0)
      .map((m): GeoFeature<{ user_id: string; name: string }> => {
        const lines = trackLines(m.track)
        const properties = { user_id: m.user_id, name: ctx.reference.users.find((x) => x.id === m.user_id)?.name ?? m.user_id }
        return { type: 'Feature', geometry: lines.length === 1 ? { type: 'LineString', coordinates: lines[0] } : { type: 'MultiLineString', coordinates: lines }, properties }
      })
    return {
      grids: fc(grids.map((g): GeoFeature<{ id: string; name: string }> => ({ type: 'Feature', geometry: g.boundary as GeoFeature<unknown>['geometry'], properties: { id: g.id, name: g.name } }))),
      streets: fc(streets.filter((s) => ids.has(s.grid)).map(line)),
      buildings: fc(buildings.filter((b) => ids.has(b.grid)).map((b): GeoFeature<{ id: string; name: string; grid: string }> => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [b.ring] }, properties: { id: b.id, name: b.name, grid: b.grid } }))),
      cases: fc(pins),
      tracks: fc(tracks),
    }
  }

  // --- demo history and an open team patrol to join ---
  function seed(): void {
    const now = Date.now()
    const past = (kind: PatrolKind, grid: string, team: string[], startAgo: number, minutes: number) => {
      const mp = start(kind, grid, [...team], team[0], now - startAgo)
      team.slice(1).forEach((u, i) => mp.members.push(member(u, now - startAgo + 60_000, 3 + i)))
      mp.p.ended_at = now - startAgo + minutes * 60_000
      for (const m of mp.members) m.ended_at = mp.p.ended_at
      record(mp, mp.p.ended_at)
      mp.synced = true
    }
    past('morning', 'QS01-G01', ['u-worker1'], DAY + 2 * HOUR, 38)
    past('night', 'QS01-G01', ['u-worker1', 'u-worker2'], 2 * DAY + 3 * HOUR, 45)
    past('morning', 'QS01-G02', ['u-worker3'], 5 * HOUR, 25)
    past('supervision', 'QS01-G03', ['u-supervisor1'], 3 * DAY, 30)
    const open = start('night', 'QS01-G01', ['u-worker2', 'u-worker1'], 'u-worker2', now - 20 * 60_000, '482913')
    open.synced = true
  }
  seed()

  return {
    patrols,
    /** The walker's position on my running patrol, for location_current. */
    myPosition(userId: string): TrackPoint | null {
      const mp = [...patrols.values()].find((x) => x.p.ended_at === null && x.members.some((m) => m.user_id === userId && m.ended_at === null))
      if (!mp) return null
      record(mp)
      const t = mp.members.find((m) => m.user_id === userId)?.track
      return t?.[t.length - 1] ?? null
    },
    addCase(patrolId: string, caseId: string, at: number): void {
      const mp = patrols.get(patrolId)
      if (mp) mp.p.cases[caseId] = at
    },
    markSynced(): void {
      for (const x of patrols.values()) x.synced = true
    },
    unsynced: () => [...patrols.values()].filter((x) => !x.synced).map((x) => x.p),

    handle(cmd: string, args: Record<string, unknown>): { value: unknown } | null {
      const now = Date.now()
      const value = (v: unknown) => ({ value: v })
      switch (cmd) {
        case 'map_layers':
          return value(layers(args.query as MapQuery))
        case 'map_from_wgs84': {
          const [lon, lat] = toDisplay(args.crs as MapCrs, [Number(args.lon), Number(args.lat)])
          return value({ lat, lon })
        }
        case 'map_to_wgs84': {
          const [lon, lat] = fromDisplay(args.crs as MapCrs, [Number(args.lon), Number(args.lat)])
          return value({ lat, lon })
        }
        case 'basemap_get':
          return value(basemap)
        case 'basemap_options':
          return value(options)
        case 'basemap_set':
          basemap = args.settings as BasemapSettings
          localStorage.setItem('mock.basemap', JSON.stringify(basemap))
          return value(basemap)
        case 'patrol_start': {
          const u = me()
          const mine = [...patrols.values()].find((x) => x.p.ended_at === null && x.members.some((m) => m.user_id === u.id && m.ended_at === null))
          if (mine) ctx.fail('already_in_patrol', 'you are on another patrol')
          return value(detail(start(args.kind as PatrolKind, String(args.grid), args.team as string[], u.id, now)))
        }
        case 'patrol_active': {
          const id = ctx.user()?.id
          const mp = [...patrols.values()].find((x) => x.p.ended_at === null && x.members.some((m) => m.user_id === id && m.ended_at === null))
          return value(mp ? detail(mp) : null)
        }
        case 'patrol_get':
          return value(detail(get(String(args.id))))
        case 'patrol_check_street': {
          const mp = get(String(args.id))
          if (mp.p.ended_at !== null) ctx.fail('patrol_ended', 'this patrol has already ended')
          mp.p.streets[String(args.street)] = { checked_at: now, by: me().id, note: String(args.note) }
          mp.synced = false
          return value(detail(mp))
        }
        case 'patrol_join':
          return value(join(get(String(args.id))))
        case 'patrol_join_code': {
          const code = String(args.code)
          const mp = [...patrols.values()].find((x) => x.code === code && x.p.ended_at === null)
          return value(join(mp ?? ctx.fail('join_code_invalid', `no running patrol with code ${code}`)))
        }
        case 'patrols_team_today': {
          const u = me()
          const mine = new Set(gridsOfUser(ctx.reference, u).map((g) => g.id))
          const today = isoDay(now)
          return value([...patrols.values()].filter((x) => mine.has(x.p.grid) && isoDay(x.p.started_at) === today && x.p.ended_at === null).map(historyItem))
        }
        case 'patrol_end_part': {
          const mp = get(String(args.id))
          if (args.note) mp.p.note = [mp.p.note, String(args.note)].filter(Boolean).join('；')
          endPart(mp, me().id, now)
          return value(detail(mp))
        }
        case 'patrol_end': {
          const mp = get(String(args.id))
          record(mp, now)
          mp.p.ended_at = now
          for (const m of mp.members) m.ended_at ??= now
          mp.p.note = String(args.note)
          mp.synced = false
          return value(detail(mp))
        }
        case 'patrols_list':
          return value([...patrols.values()].map((mp) => {
            const h = historyItem(mp)
            return { id: h.id, grid: h.grid, kind: h.kind, started_by: h.started_by, started_at: h.started_at, ended_at: h.ended_at, streets_checked: h.streets_checked, streets_total: h.streets_total, cases_found: h.cases_found }
          }))
        case 'patrol_history': {
          const u = me()
          const f = args.filter as PatrolHistoryFilter
          return value(
            [...patrols.values()]
              .filter((x) => inScope(x, u))
              .filter((x) => (f.day ? isoDay(x.p.started_at) === f.day : true) && (f.grid ? x.p.grid === f.grid : true) && (f.kind ? x.p.kind === f.kind : true))
              .sort((a, b) => b.p.started_at - a.p.started_at)
              .map(historyItem),
          )
        }
        default:
          return null
      }
    },
  }
}

export type Spatial = ReturnType<typeof createSpatial>
