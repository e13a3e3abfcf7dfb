// 补录: a case handled on paper, entered afterwards with the steps that
// already happened. The form's rules: each step's kind must be allowed next
// (the same workflow rules as Rust), times run in order from the report and
// none lies in the future.
import type { CaseStatus, ErrorCode, EventKind, NewEvent, Role } from '../generated'
import { photoRoleFor } from './actions'
import { readyPicks, type PickedPhoto } from './photos'
import { allowedActions, appendRefusal, transition } from './workflow'

const MIN = 60_000

/** One past step as the form holds it. */
export interface BackfillStep {
  /** A stable key for the list (steps can be removed from the middle). */
  key: string
  /** `null` until the worker picks one. */
  kind: EventKind | null
  /** When it happened (Unix ms, whole minutes). */
  at: number
  note: string
  photos: PickedPhoto[]
  /** For a dispatch: the department. */
  department: string | null
}

/** What is wrong with one step (the first problem found). */
export type StepProblem =
  | { kind: 'no_kind' }
  | { kind: 'refused'; code: ErrorCode }
  | { kind: 'before_previous' }
  | { kind: 'future' }
  | { kind: 'no_department' }

/** The report's default time: one hour ago, on a whole minute. */
export function defaultReportAt(now: number): number {
  return floorMinute(now - 60 * MIN)
}

export function floorMinute(ms: number): number {
  return Math.floor(ms / MIN) * MIN
}

/** The kinds a worker may enter as past steps (the workflow ones; not the report itself). */
export function kindsAfter(role: Role, status: CaseStatus): EventKind[] {
  return allowedActions(role, status)
}

/**
 * The status before each step and after the last, following the steps that
 * apply; a step that cannot apply (no kind, or refused) leaves it unchanged.
 */
export function statusesBefore(role: Role, steps: Pick<BackfillStep, 'kind'>[]): CaseStatus[] {
  const out: CaseStatus[] = []
  let status: CaseStatus = 'reported'
  for (const s of steps) {
    out.push(status)
    if (s.kind && appendRefusal(role, status, s.kind) === null) status = transition(status, s.kind) ?? status
  }
  out.push(status)
  return out
}

/** The first problem of each step (`null`: fine), given the report's time and now. */
export function stepProblems(role: Role, reportAt: number, steps: BackfillStep[], now: number): (StepProblem | null)[] {
  const before = statusesBefore(role, steps)
  return steps.map((s, i) => {
    if (!s.kind) return { kind: 'no_kind' }
    const code = appendRefusal(role, before[i], s.kind)
    if (code) return { kind: 'refused', code }
    const previous = i === 0 ? reportAt : steps[i - 1].at
    if (s.at < previous) return { kind: 'before_previous' }
    if (s.at > now) return { kind: 'future' }
    if (s.kind === 'dispatched' && !s.department) return { kind: 'no_department' }
    return null
  })
}

/** Whether the report's own time is acceptable (not in the future). */
export function reportAtOk(reportAt: number, now: number): boolean {
  return Number.isFinite(reportAt) && reportAt <= now
}

/** A new step after the others: no kind yet, at the previous step's time. */
export function newStep(key: string, reportAt: number, steps: BackfillStep[]): BackfillStep {
  const previous = steps.length ? steps[steps.length - 1].at : reportAt
  return { key, kind: null, at: previous, note: '', photos: [], department: null }
}

/** The steps as `NewCase.history`, photos with the role their step gives them. */
export function toHistory(steps: BackfillStep[]): NewEvent[] {
  return steps
    .filter((s): s is BackfillStep & { kind: EventKind } => s.kind !== null)
    .map((s) => ({
      kind: s.kind,
      note: s.note.trim(),
      photos: readyPicks(s.photos, photoRoleFor(s.kind)),
      department: s.kind === 'dispatched' ? s.department : null,
      at: s.at,
    }))
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** Unix ms → the value of an `<input type="datetime-local">` (local time, minutes). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The value of an `<input type="datetime-local">` → Unix ms, or `null` when empty or malformed. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value)
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  const ms = new Date(y, mo - 1, d, h, mi).getTime()
  return Number.isFinite(ms) ? ms : null
}
