// Patrol payloads shaped as the contract says (ui/CONTRACT-map.md).
import type { MapLayers, PatrolDetail, PatrolMember } from '../src/generated'
import { T0 } from './fixture'

export function member(user_id: string, over: Partial<PatrolMember> = {}): PatrolMember {
  return { user_id, joined_at: T0, ended_at: null, track_points: 120, track_length_m: 830, last_fix_at: Date.now() - 5_000, ...over }
}

export function patrolDetail(over: Partial<PatrolDetail> = {}, patrol: Partial<PatrolDetail['patrol']> = {}): PatrolDetail {
  return {
    patrol: {
      schema: 1, id: 'p1', kind: 'morning', grid: 'QS01-G01', team: ['u-worker1'], team_code: '', lead: null, started_by: 'u-worker1',
      started_at: T0, ended_at: null, track: [], streets: {}, cases: {}, note: '', ...patrol,
    },
    summary: { duration_ms: 600_000, streets_checked: 0, streets_total: 3, cases_found: 0, cases_handled: 0 },
    streets: ['柳荫路', '凤起弄', '竹竿巷'],
    synced: false,
    coverage: {
      streets: [
        { name: '柳荫路', length_m: 400, walked_m: 380, share: 0.95, covered: true },
        { name: '凤起弄', length_m: 300, walked_m: 120, share: 0.4, covered: false },
        { name: '竹竿巷', length_m: 200, walked_m: 0, share: 0, covered: false },
      ],
      covered: 1,
      total: 3,
      share: 500 / 900,
      min_share: 0.8,
      track_length_m: 830,
      duration_ms: 600_000,
    },
    join_code: '482913',
    members: [member('u-worker1')],
    ...over,
  }
}

export function patrolLayers(): MapLayers {
  const fc = <P>(features: MapLayers['cases']['features'] | unknown[]) => ({ type: 'FeatureCollection' as const, features }) as unknown as { type: 'FeatureCollection'; features: P[] }
  return {
    grids: fc([]),
    streets: fc([]),
    buildings: fc([]),
    cases: fc([]),
    tracks: fc([{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[120.159, 30.276], [120.1601, 30.2762]] }, properties: { user_id: 'u-worker1', name: '王芳' } }]),
  } as MapLayers
}
