// A small street office by hand, following the generated types.
import type { Category, CaseDetail, Reference, StepLimits } from '../src/generated'
import { DEFAULT_RATING_RULES } from '../src/lib/rating'

const limits: StepLimits = { respond: '2h', accept: '1h', dispatch: '1h', handle: '1d', verify: '4h' }

function cat(id: string, name: string, major_name: string): Category {
  return {
    id,
    kind: id.startsWith('E') ? 'event' : 'component',
    code: id.slice(1),
    major_name,
    name,
    limits,
    lookback_days: 7,
    local: false,
  }
}

export const reference: Reference = {
  org: {
    units: [
      { id: 'QS', parent: null, kind: 'street', name: '青石街道', grid_kind: null, dedicated_to: null, streets: [], boundary: null, street_lines: [] },
      { id: 'QS01', parent: 'QS', kind: 'community', name: '柳荫社区', grid_kind: null, dedicated_to: null, streets: [], boundary: null, street_lines: [] },
      { id: 'QS01-G01', parent: 'QS01', kind: 'grid', name: '柳荫社区第一网格', grid_kind: 'urban', dedicated_to: null, streets: ['柳荫路', '凤起弄', '竹竿巷'], boundary: null, street_lines: [] },
      { id: 'QS01-G01-B01', parent: 'QS01-G01', kind: 'building', name: '柳荫小区1幢', grid_kind: null, dedicated_to: null, streets: [], boundary: null, street_lines: [] },
      { id: 'QS01-G02', parent: 'QS01', kind: 'grid', name: '柳荫社区第二网格', grid_kind: 'urban', dedicated_to: null, streets: ['杨柳巷', '芳草弄'], boundary: null, street_lines: [] },
      { id: 'QS02', parent: 'QS', kind: 'community', name: '东湖社区', grid_kind: null, dedicated_to: null, streets: [], boundary: null, street_lines: [] },
      { id: 'QS02-G01', parent: 'QS02', kind: 'grid', name: '东湖社区第一网格', grid_kind: 'urban', dedicated_to: null, streets: ['东湖路'], boundary: null, street_lines: [] },
    ],
    departments: [
      { id: 'D-CG', name: '青石街道综合行政执法队' },
      { id: 'D-SZ', name: '青石街道市政养护所' },
    ],
  },
  users: [
    { id: 'u-worker1', username: 'worker1', name: '王芳', role: 'grid_worker', units: ['QS01-G01'] },
    { id: 'u-worker2', username: 'worker2', name: '李娜', role: 'grid_worker', units: ['QS01-G01'] },
    { id: 'u-worker3', username: 'worker3', name: '张伟', role: 'grid_worker', units: ['QS01-G02'] },
    { id: 'u-leader1', username: 'leader1', name: '郑晓东', role: 'grid_leader', units: ['QS01-G01', 'QS01-G02'] },
    { id: 'u-supervisor1', username: 'supervisor1', name: '许文斌', role: 'supervisor', units: ['QS01'] },
    { id: 'u-street1', username: 'street1', name: '钱国平', role: 'street_leader', units: ['QS'] },
    { id: 'u-dept-cg', username: 'dept-cg', name: '陆海军', role: 'department', units: ['D-CG'] },
  ],
  categories: {
    version: 1,
    categories: [
      cat('C0101', '上水井盖', '公用设施'),
      cat('C0112', '路灯', '公用设施'),
      cat('C0401', '行道树', '园林绿化'),
      cat('E0102', '暴露垃圾', '市容环境'),
      cat('E0101', '私搭乱建', '市容环境'),
      cat('E0201', '非法小广告', '宣传广告'),
      cat('E0505', '机动车乱停放', '街面秩序'),
    ],
  },
  calendar: { windows: [[510, 720], [810, 1050]], holidays: [], extra_workdays: [] },
  rating_rules: DEFAULT_RATING_RULES,
}

export const T0 = Date.UTC(2026, 4, 6, 1, 0, 0) // 2026-05-06 09:00 in Beijing

/** A case that was escalated twice: the second escalation was ignored. */
export function caseDetail(over: Partial<CaseDetail> = {}): CaseDetail {
  return {
    case: {
      schema: 1,
      id: 'case-1',
      grid: 'QS01-G01',
      category: 'E0201',
      title: '',
      description: '电线杆上贴满小广告',
      location: { lat: 30.27, lon: 120.16, accuracy_m: 8, source: 'gps', street: '柳荫路', address: '12号门口' },
      severity: 'normal',
      reporter: 'u-worker1',
      created_at: T0,
      photos: {
        aaa: { hash: 'aaa', original_sha256: 'o1', thumb: 'aaa-t', role: 'before', width: 2048, height: 1536, bytes: 300000, captured_at: T0, gps_lat: null, gps_lon: null, added_by: 'u-worker1', added_at: T0 },
      },
      links: { patrol: null, related: [] },
      events: {},
    },
    derived: {
      status: 'escalated',
      since: T0 + 60_000,
      closed_at: null,
      lookback_passed: false,
      department: null,
      handled_on_spot: false,
      timeline: [
        {
          event: { id: 'e1', kind: 'reported', actor: 'u-worker1', role: 'grid_worker', at: T0, after: [], note: '', photos: ['aaa'], department: null },
          outcome: { kind: 'applied', from: 'reported', to: 'reported' },
        },
        {
          event: { id: 'e2', kind: 'escalated', actor: 'u-worker1', role: 'grid_worker', at: T0 + 60_000, after: ['e1'], note: '需要城管处理', photos: [], department: null },
          outcome: { kind: 'applied', from: 'reported', to: 'escalated' },
        },
        {
          event: { id: 'e3', kind: 'handled_on_spot', actor: 'u-worker2', role: 'grid_worker', at: T0 + 120_000, after: ['e1'], note: '已撕掉', photos: [], department: null },
          outcome: { kind: 'ignored', reason: 'not_allowed_in_state' },
        },
      ],
      heads: ['e2', 'e3'],
    },
    sla: { step: 'accept', started_at: T0 + 60_000, warn_at: T0 + 2_940_000, deadline: T0 + 3_660_000 },
    sla_state: 'green',
    lookback_due: null,
    actions: ['accepted', 'dispatched', 'deferred', 'voided'],
    synced: false,
    ...over,
  }
}
