// DEV ONLY (`npm run dev:mock`): eight weeks of past cases and patrols for the
// dashboard's trend, the same on every load (a seeded random sequence).
import type { EventKind, Reference, Role } from '../generated'
import type { PatrolFact } from './mockKpi'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

/** Deterministic pseudo-random numbers in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

export interface PlannedStep {
  kind: EventKind
  /** Minutes after the report. */
  after: number
  actor: string
  role: Role
  department?: string
}

export interface PlannedCase {
  category: string
  grid: string
  street: string
  reporter: string
  /** How long ago it was reported (ms). */
  ago: number
  steps: PlannedStep[]
}

const CATEGORIES = ['E0201', 'E0102', 'E0505', 'C0101', 'E0507', 'E0101']
const DEPARTMENTS: Record<string, string> = { E0201: 'D-CG', E0102: 'D-HW', E0505: 'D-CG', C0101: 'D-SZ', E0507: 'D-CG', E0101: 'D-CG' }

/** Past cases of every grid with a worker: handled on the spot, dispatched and closed (some late, some sent back), relapsed, voided. */
export function planCases(ref: Reference, now: number): PlannedCase[] {
  const rnd = prng(7)
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]
  const out: PlannedCase[] = []
  for (const g of ref.org.units.filter((u) => u.kind === 'grid' && u.streets.length)) {
    const workers = ref.users.filter((u) => u.role === 'grid_worker' && u.units.includes(g.id))
    const leader = ref.users.find((u) => u.role === 'grid_leader' && u.units.includes(g.id))
    if (!workers.length || !leader) continue
    const n = 6 + Math.floor(rnd() * 10)
    for (let i = 0; i < n; i++) {
      const ago = (1 + rnd() * 55) * DAY
      const w = pick(workers)
      const category = pick(CATEGORIES)
      const dept = DEPARTMENTS[category]
      const deptUser = ref.users.find((u) => u.role === 'department' && u.units.includes(dept))?.id ?? 'u-dept-cg'
      const W = { actor: w.id, role: 'grid_worker' as Role }
      const L = { actor: leader.id, role: 'grid_leader' as Role }
      const D = { actor: deptUser, role: 'department' as Role }
      const r = rnd()
      let steps: PlannedStep[]
      if (r < 0.25) steps = [{ kind: 'handled_on_spot', after: 15, ...W }, { kind: 'closed', after: 25, ...W }]
      else if (r < 0.3) steps = [{ kind: 'voided', after: 60, ...L }]
      else {
        const handleAfter = 60 + rnd() * (rnd() < 0.25 ? 60 * 60 : 20 * 60)
        steps = [
          { kind: 'escalated', after: 10, ...W },
          { kind: 'accepted', after: 30, ...L },
          { kind: 'dispatched', after: 40, ...L, department: dept },
          { kind: 'handled', after: handleAfter, ...D },
        ]
        let t = handleAfter
        if (rnd() < 0.15) {
          steps.push({ kind: 'returned_for_rework', after: (t += 90), ...L }, { kind: 'handled', after: (t += 300), ...D })
        }
        steps.push({ kind: 'verified', after: (t += 60 + rnd() * 300), ...W }, { kind: 'closed', after: (t += 5), ...W })
        if (rnd() < 0.1) steps.push({ kind: 'relapsed', after: t + 2 * 24 * 60, ...W })
      }
      // Only what has happened by now.
      steps = steps.filter((s) => s.after * MIN < ago - MIN)
      out.push({ category, grid: g.id, street: pick(g.streets), reporter: w.id, ago, steps })
    }
  }
  void now
  return out
}

/** Past patrols of the last eight weeks (facts for the KPIs; the map does not draw them). */
export function planPatrols(ref: Reference, now: number): PatrolFact[] {
  const rnd = prng(11)
  const out: PatrolFact[] = []
  for (const g of ref.org.units.filter((u) => u.kind === 'grid')) {
    const workers = ref.users.filter((u) => u.role === 'grid_worker' && u.units.includes(g.id)).map((u) => u.id)
    if (!workers.length) continue
    for (let day = 1; day <= 56; day += 1 + Math.floor(rnd() * 4)) {
      const start = now - day * DAY - (7 + rnd() * 10) * HOUR
      const minutes = 20 + Math.floor(rnd() * 40)
      const total = g.streets.length
      out.push({
        id: `patrol-h-${g.id}-${day}`, grid: g.id, team: [workers[Math.floor(rnd() * workers.length)]], started_at: start,
        ended_at: start + minutes * MIN, streets_total: total, streets_covered: Math.min(total, Math.round(total * (0.5 + rnd() * 0.6))),
        track_length_m: Math.round(minutes * 55 + rnd() * 400), cases_found: rnd() < 0.4 ? 1 : 0,
      })
    }
  }
  return out
}
