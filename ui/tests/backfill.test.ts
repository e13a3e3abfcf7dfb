// 补录 (issue 14, scenario 7): a case handled on paper is entered afterwards
// from the report screen, with the steps that already happened. The screen
// runs against the dev mock, which checks every step as Rust does.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { showFailToast } from 'vant'
import { installMockTauri } from '../src/dev/mockTauri'
import type { CaseDetail, CaseFilter, CaseListItem, CasePage, EventKind, NewCase } from '../src/generated'
import { ERROR_TEXTS } from '../src/generated/errorTexts'
import { i18n, setLocale } from '../src/i18n'
import {
  defaultReportAt,
  fromLocalInput,
  kindsAfter,
  newStep,
  statusesBefore,
  stepProblems,
  toHistory,
  toLocalInput,
  type BackfillStep,
} from '../src/lib/backfill'
import { enteredLate, recordedAt } from '../src/lib/lateEntry'
import { uuidV7 } from '../src/dev/mockIds'
import { useSessionStore } from '../src/stores/session'
import CaseTimeline from '../src/components/CaseTimeline.vue'
import CaseDetailView from '../src/views/CaseDetailView.vue'
import ReportView from '../src/views/ReportView.vue'
import { invoke } from './setup'

// Toasts are checked by what was asked for (Vant keeps one toast element and animates it).
vi.mock('vant', async (importOriginal) => ({
  ...(await importOriginal<typeof import('vant')>()),
  showFailToast: vi.fn(),
  showSuccessToast: vi.fn(),
}))

// A UI whose copy of the workflow rules is out of date: it offers every kind
// and sees no problem, so only the backend (the mock, like Rust) can refuse.
const stale = vi.hoisted(() => ({ on: false }))
vi.mock('../src/lib/backfill', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/lib/backfill')>()
  return {
    ...real,
    kindsAfter: (...a: Parameters<typeof real.kindsAfter>) =>
      stale.on ? (['handled_on_spot', 'escalated', 'handled', 'verified', 'closed'] as const).slice() : real.kindsAfter(...a),
    stepProblems: (...a: Parameters<typeof real.stepProblems>) => (stale.on ? a[2].map(() => null) : real.stepProblems(...a)),
  }
})

const MIN = 60_000
const ALL: CaseFilter = { statuses: [], overdue: false, lookback_due: false, unsynced: false, limit: 1000 }
const HOUR = 60 * MIN
type Invoke = (cmd: string, args?: unknown) => Promise<unknown>
let call: Invoke

beforeAll(() => {
  localStorage.clear()
  installMockTauri()
  call = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } }).__TAURI_INTERNALS__.invoke
})
beforeEach(() => {
  stale.on = false
  invoke.mockReset()
  invoke.mockImplementation((cmd: string, args?: unknown) => call(cmd, args))
  vi.mocked(showFailToast).mockClear()
  globalThis.URL.createObjectURL = () => 'blob:preview'
  globalThis.URL.revokeObjectURL = () => {}
})
afterEach(() => {
  stale.on = false
})

/** Lets the mock's delayed answers (30 ms each) arrive until `done` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await flushPromises()
    if (done()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function loggedIn(username: string) {
  setLocale('zh-CN')
  const pinia = createPinia()
  setActivePinia(pinia)
  const session = useSessionStore()
  await session.login('http://127.0.0.1:8787', username, 'x')
  session.ready = true
  return pinia
}

async function mountReport(username = 'worker1') {
  const pinia = await loggedIn(username)
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/report', name: 'report', component: ReportView },
      { path: '/today', name: 'today', component: { template: '<div>today</div>' } },
      { path: '/case/:id', name: 'case', component: { template: '<div>case</div>' } },
      { path: '/patrol/:id', name: 'patrol', component: { template: '<div>patrol</div>' } },
    ],
  })
  await router.push('/report')
  await router.isReady()
  const w = mount(ReportView, { global: { plugins: [pinia, i18n, router] } })
  await until(() => w.find('[data-testid="location-status"]').text() !== '', 'the position')
  return { w, router }
}

const $ = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`)
/** The kinds a step's select offers (its enabled options, placeholder left out). */
function offered(w: VueWrapper, i: number): string[] {
  return $(w, `backfill-step-kind-${i}`)
    .findAll('option')
    .filter((o) => !(o.element as HTMLOptionElement).disabled)
    .map((o) => (o.element as HTMLOptionElement).value)
}
async function pickCategory(w: VueWrapper, id = 'E0102'): Promise<void> {
  await $(w, 'category-field').trigger('click')
  await $(w, `category-option-${id}`).trigger('click')
}
function createCalls(): NewCase[] {
  return invoke.mock.calls.filter((c) => c[0] === 'case_create').map((c) => (c[1] as { new_case: NewCase }).new_case)
}

describe('补录 rules (lib/backfill)', () => {
  it('offers only the kinds the role may take next', () => {
    expect(kindsAfter('grid_worker', 'reported')).toEqual(['handled_on_spot', 'escalated'])
    expect(kindsAfter('grid_worker', 'handled')).toEqual(['verified', 'closed', 'returned_for_rework'])
    expect(kindsAfter('grid_worker', 'escalated')).toEqual([])
    expect(kindsAfter('grid_leader', 'escalated')).toEqual(['accepted', 'dispatched', 'deferred', 'voided'])
    expect(kindsAfter('department', 'dispatched')).toEqual(['handled'])
    expect(statusesBefore('grid_worker', [{ kind: 'handled_on_spot' }, { kind: 'closed' }])).toEqual(['reported', 'handled', 'closed'])
  })

  it('finds steps out of order, in the future, refused or without a department', () => {
    const now = Date.UTC(2026, 4, 6, 6, 0)
    const at = now - 3 * HOUR
    const s = (kind: BackfillStep['kind'], t: number, department: string | null = null): BackfillStep => ({
      ...newStep(`k${t}`, at, []), kind, at: t, department,
    })
    expect(stepProblems('grid_worker', at, [s('handled_on_spot', at), s('closed', at + HOUR)], now)).toEqual([null, null])
    expect(stepProblems('grid_worker', at, [s('handled_on_spot', at - MIN)], now)).toEqual([{ kind: 'before_previous' }])
    expect(stepProblems('grid_worker', at, [s('handled_on_spot', at + HOUR), s('closed', at + 30 * MIN)], now)[1]).toEqual({ kind: 'before_previous' })
    expect(stepProblems('grid_worker', at, [s('handled_on_spot', now + MIN)], now)).toEqual([{ kind: 'future' }])
    expect(stepProblems('grid_worker', at, [s('closed', at)], now)).toEqual([{ kind: 'refused', code: 'not_allowed_in_state' }])
    expect(stepProblems('grid_worker', at, [s('escalated', at), s('accepted', at)], now)[1]).toEqual({ kind: 'refused', code: 'role_not_permitted' })
    expect(stepProblems('grid_leader', at, [s('escalated', at), s('dispatched', at)], now)[1]).toEqual({ kind: 'no_department' })
    expect(stepProblems('grid_leader', at, [s('escalated', at), s('dispatched', at, 'D-SZ')], now)[1]).toBeNull()
    expect(stepProblems('grid_worker', at, [s(null, at)], now)).toEqual([{ kind: 'no_kind' }])
  })

  it('defaults to an hour ago, reads and writes the date-time field, and sends photos with their step’s role', () => {
    const now = new Date(2026, 4, 6, 14, 37, 25).getTime()
    expect(defaultReportAt(now)).toBe(new Date(2026, 4, 6, 13, 37).getTime())
    expect(toLocalInput(new Date(2026, 0, 2, 3, 4).getTime())).toBe('2026-01-02T03:04')
    expect(fromLocalInput('2026-01-02T03:04')).toBe(new Date(2026, 0, 2, 3, 4).getTime())
    expect(fromLocalInput('')).toBeNull()
    const ready = { key: 'p', name: 'a.jpg', status: 'ready' as const, staged: { hash: 'h1', thumb: 't', width: 1, height: 1, bytes: 1, captured_at: null, gps_lat: null, gps_lon: null, warnings: [] } }
    const steps: BackfillStep[] = [
      { key: 'a', kind: 'handled_on_spot', at: 1000, note: ' 已清理 ', photos: [ready], department: 'D-SZ' },
      { key: 'b', kind: null, at: 2000, note: '', photos: [], department: null },
    ]
    expect(toHistory(steps)).toEqual([{ kind: 'handled_on_spot', note: '已清理', photos: [{ hash: 'h1', role: 'after' }], department: null, at: 1000 }])
  })

  it('tells an entry written well after its time by its UUIDv7 id', () => {
    const at = Date.UTC(2026, 4, 6, 1, 0)
    expect(recordedAt(uuidV7(at))).toBe(at)
    expect(enteredLate(uuidV7(at + 2 * HOUR), at)).toBe(true)
    expect(enteredLate(uuidV7(at + MIN), at)).toBe(false)
    expect(enteredLate('3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e', at - 10 * HOUR)).toBe(false) // v4: tells nothing
  })
})

describe('the dev mock honours NewCase.history and at', () => {
  const base = (over: Partial<NewCase>): NewCase => ({
    grid: 'QS01-G01', category: 'E0102', title: '', description: '补录测试', severity: 'normal', photos: [], patrol: null,
    location: { lat: null, lon: null, accuracy_m: null, source: 'street', street: '柳荫路', address: '' },
    handled_on_spot: false, at: null, related: [], ...over,
  })
  const count = async () => ((await call('cases_list', { filter: ALL })) as CasePage).total

  beforeAll(async () => {
    await call('login', { server: 'http://127.0.0.1:8787', username: 'worker1', password: 'x', new_password: null, pin: null, allow_insecure_http: false })
  })

  it('appends every step in order at its own time', async () => {
    const at = Date.now() - 3 * HOUR
    const d = (await call('case_create', {
      new_case: base({
        at,
        history: [
          { kind: 'handled_on_spot', note: '已清理', photos: [], department: null, at: at + 20 * MIN },
          { kind: 'closed', note: '', photos: [], department: null, at: at + 30 * MIN },
        ],
      }),
    })) as CaseDetail
    expect(d.case.created_at).toBe(at)
    expect(d.derived.status).toBe('closed')
    expect(d.derived.timeline.map((e) => [e.event.kind, e.event.at, e.outcome.kind])).toEqual([
      ['reported', at, 'applied'],
      ['handled_on_spot', at + 20 * MIN, 'applied'],
      ['closed', at + 30 * MIN, 'applied'],
    ])
    expect(d.derived.timeline.every((e) => enteredLate(e.event.id, e.event.at))).toBe(true)
  })

  it('keeps a step dated before the report at the report’s time, as Rust does', async () => {
    const at = Date.now() - HOUR
    const d = (await call('case_create', {
      new_case: base({ at, history: [{ kind: 'escalated', note: '', photos: [], department: null, at: at - HOUR }] }),
    })) as CaseDetail
    expect(d.derived.timeline.map((e) => e.event.at)).toEqual([at, at])
  })

  it('refuses an invalid step with the workflow’s code and stores nothing', async () => {
    const before = await count()
    const at = Date.now() - HOUR
    const step = (kind: EventKind) => ({ kind, note: '', photos: [], department: null, at })
    await expect(call('case_create', { new_case: base({ at, history: [step('closed')] }) })).rejects.toMatchObject({ code: 'not_allowed_in_state' })
    await expect(call('case_create', { new_case: base({ at, history: [step('escalated'), step('accepted')] }) })).rejects.toMatchObject({ code: 'role_not_permitted' })
    // The on-the-spot switch comes first, so the same handling again cannot follow it.
    await expect(call('case_create', { new_case: base({ at, handled_on_spot: true, history: [step('handled_on_spot')] }) })).rejects.toMatchObject({ code: 'not_allowed_in_state' })
    expect(await count()).toBe(before)
  })

  it('gives an ordinary report no late mark', async () => {
    const d = (await call('case_create', { new_case: base({}) })) as CaseDetail
    expect(d.derived.timeline.some((e) => enteredLate(e.event.id, e.event.at))).toBe(false)
  })
})

describe('the report screen’s 补录', () => {
  it('is off by default and sends an ordinary report', async () => {
    const { w } = await mountReport()
    expect($(w, 'report-backfill').exists()).toBe(true)
    expect($(w, 'report-backfill-at').exists()).toBe(false)
    expect($(w, 'backfill-steps').exists()).toBe(false)
    await pickCategory(w)
    await $(w, 'save-case').trigger('click')
    await until(() => createCalls().length === 1, 'the report')
    expect(createCalls()[0].at).toBeNull()
    expect('history' in createCalls()[0]).toBe(false)
  })

  it('offers only valid next steps, keeps times in order and sends at and history', async () => {
    const { w, router } = await mountReport()
    const t0 = Date.now()
    await $(w, 'report-backfill').trigger('click')
    const found = $(w, 'report-backfill-at')
    expect(found.element.tagName).toBe('INPUT')
    expect(found.attributes('type')).toBe('datetime-local')
    const shown = fromLocalInput((found.element as HTMLInputElement).value)!
    expect(t0 - shown).toBeGreaterThanOrEqual(HOUR - MIN) // one hour ago, on a whole minute
    expect(t0 - shown).toBeLessThanOrEqual(HOUR + MIN)
    expect(fromLocalInput(found.attributes('max')!)!).toBeGreaterThanOrEqual(t0 - MIN)
    // The on-the-spot switch gives way to the steps.
    expect($(w, 'handled-on-spot').exists()).toBe(false)

    const at = new Date(t0 - 3 * HOUR)
    at.setSeconds(0, 0)
    const reportAt = at.getTime()
    await found.setValue(toLocalInput(reportAt))

    await $(w, 'backfill-add-step').trigger('click')
    expect(offered(w, 0)).toEqual(['handled_on_spot', 'escalated'])
    expect(fromLocalInput(($(w, 'backfill-step-at-0').element as HTMLInputElement).value)).toBe(reportAt)
    // A new step waits for its kind before another can be added.
    expect($(w, 'backfill-add-step').attributes('disabled')).toBeDefined()
    await $(w, 'backfill-step-kind-0').setValue('handled_on_spot')
    await $(w, 'backfill-step-at-0').setValue(toLocalInput(reportAt + 20 * MIN))
    await $(w, 'backfill-step-note-0').setValue('已清理干净')
    expect($(w, 'backfill-step-note-0').element.tagName).toBe('TEXTAREA')

    await $(w, 'backfill-add-step').trigger('click')
    expect(offered(w, 1)).toEqual(['verified', 'closed', 'returned_for_rework'])
    await $(w, 'backfill-step-kind-1').setValue('closed')
    // Before the previous step: marked, and nothing is sent.
    await $(w, 'backfill-step-at-1').setValue(toLocalInput(reportAt + 10 * MIN))
    expect($(w, 'backfill-step-error-1').attributes('data-problem')).toBe('before_previous')
    expect($(w, 'backfill-step-error-1').text()).toContain('不能早于上一步')
    await pickCategory(w)
    await $(w, 'save-case').trigger('click')
    await flushPromises()
    expect(createCalls()).toHaveLength(0)
    expect(showFailToast).toHaveBeenCalledWith(expect.objectContaining({ message: '请先改正补录中标红的内容' }))
    // In the future: marked too.
    await $(w, 'backfill-step-at-1').setValue(toLocalInput(Date.now() + 2 * HOUR))
    expect($(w, 'backfill-step-error-1').attributes('data-problem')).toBe('future')
    await $(w, 'backfill-step-at-1').setValue(toLocalInput(reportAt + 30 * MIN))
    expect($(w, 'backfill-step-error-1').exists()).toBe(false)

    await $(w, 'save-case').trigger('click')
    await until(() => router.currentRoute.value.name === 'today', 'the save')
    const sent = createCalls()
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ at: reportAt, handled_on_spot: false, category: 'E0102', grid: 'QS01-G01' })
    expect(sent[0].history).toEqual([
      { kind: 'handled_on_spot', note: '已清理干净', photos: [], department: null, at: reportAt + 20 * MIN },
      { kind: 'closed', note: '', photos: [], department: null, at: reportAt + 30 * MIN },
    ])

    // The mock kept it: the case detail shows the steps at their times, marked 补录.
    const list = (await call('cases_list', { filter: ALL })) as CasePage
    const item = list.items.find((c: CaseListItem) => c.created_at === reportAt)!
    expect(item.status).toBe('closed')
    const pinia = await loggedIn('worker1')
    const detailView = mount(CaseDetailView, { props: { id: item.id }, global: { plugins: [pinia, i18n, router] } })
    await until(() => $(detailView, 'timeline').exists(), 'the case detail')
    expect($(detailView, 'case-backfilled').text()).toBe('补录')
    const entries = detailView.findAll('[data-testid^="timeline-entry-"]')
    expect(entries.map((e) => e.attributes('data-kind'))).toEqual(['reported', 'handled_on_spot', 'closed'])
    expect(entries.map((e) => e.attributes('data-late'))).toEqual(['true', 'true', 'true'])
    expect($(detailView, 'timeline-late-1').text()).toBe('补录')
    expect(entries[1].text()).toContain('已清理干净')
  })

  it('re-checks the later steps when one is removed, with the generated error text', async () => {
    const { w } = await mountReport()
    await $(w, 'report-backfill').trigger('click')
    await $(w, 'backfill-add-step').trigger('click')
    await $(w, 'backfill-step-kind-0').setValue('handled_on_spot')
    await $(w, 'backfill-add-step').trigger('click')
    await $(w, 'backfill-step-kind-1').setValue('closed')
    expect($(w, 'backfill-steps').attributes('data-count')).toBe('2')

    await $(w, 'backfill-step-remove-0').trigger('click')
    expect($(w, 'backfill-steps').attributes('data-count')).toBe('1')
    expect($(w, 'backfill-step-0').attributes('data-kind')).toBe('closed')
    expect($(w, 'backfill-step-error-0').attributes('data-problem')).toBe('not_allowed_in_state')
    expect($(w, 'backfill-step-error-0').text()).toContain(ERROR_TEXTS.not_allowed_in_state.zh)
    // The stale choice stays visible but cannot be picked again.
    expect(offered(w, 0)).toEqual(['handled_on_spot', 'escalated'])
    await pickCategory(w)
    await $(w, 'save-case').trigger('click')
    await flushPromises()
    expect(createCalls()).toHaveLength(0)

    // Switching 补录 off forgets the steps.
    await $(w, 'report-backfill').trigger('click')
    expect($(w, 'backfill-steps').exists()).toBe(false)
    await $(w, 'report-backfill').trigger('click')
    expect($(w, 'backfill-steps').attributes('data-count')).toBe('0')
  })

  it('ends the list when the role has nothing more to enter, and asks a dispatch for its department', async () => {
    const { w } = await mountReport()
    await $(w, 'report-backfill').trigger('click')
    await $(w, 'backfill-add-step').trigger('click')
    await $(w, 'backfill-step-kind-0').setValue('escalated')
    expect($(w, 'backfill-no-more').exists()).toBe(true)
    expect($(w, 'backfill-add-step').attributes('disabled')).toBeDefined()
    w.unmount()

    const leader = (await mountReport('leader1')).w
    await $(leader, 'report-backfill').trigger('click')
    await $(leader, 'backfill-add-step').trigger('click')
    expect(offered(leader, 0)).toEqual(['handled_on_spot', 'escalated', 'deferred', 'voided'])
    await $(leader, 'backfill-step-kind-0').setValue('escalated')
    await $(leader, 'backfill-add-step').trigger('click')
    await $(leader, 'backfill-step-kind-1').setValue('dispatched')
    expect($(leader, 'backfill-step-error-1').attributes('data-problem')).toBe('no_department')
    await $(leader, 'backfill-step-dept-1').setValue('D-SZ')
    expect($(leader, 'backfill-step-error-1').exists()).toBe(false)
    await pickCategory(leader, 'C0101')
    await $(leader, 'save-case').trigger('click')
    await until(() => createCalls().length === 1, 'the report')
    expect(createCalls()[0].history?.map((s) => [s.kind, s.department])).toEqual([['escalated', null], ['dispatched', 'D-SZ']])
  })

  it('turns an on-the-spot handling into the first step when 补录 is switched on', async () => {
    const { w } = await mountReport()
    await $(w, 'handled-on-spot').trigger('click')
    await $(w, 'report-backfill').trigger('click')
    expect($(w, 'handled-on-spot').exists()).toBe(false)
    expect($(w, 'backfill-step-0').attributes('data-kind')).toBe('handled_on_spot')
    expect(offered(w, 0)).toEqual(['handled_on_spot', 'escalated'])
    await pickCategory(w)
    await $(w, 'save-case').trigger('click')
    await until(() => createCalls().length === 1, 'the report')
    expect(createCalls()[0]).toMatchObject({ handled_on_spot: false, history: [{ kind: 'handled_on_spot', photos: [] }] })
  })

  it('shows the translated error when the backend refuses a step', async () => {
    stale.on = true
    const { w } = await mountReport()
    await $(w, 'report-backfill').trigger('click')
    await $(w, 'backfill-add-step').trigger('click')
    expect(offered(w, 0)).toContain('handled')
    await $(w, 'backfill-step-kind-0').setValue('handled')
    await pickCategory(w)
    await $(w, 'save-case').trigger('click')
    await until(() => vi.mocked(showFailToast).mock.calls.length > 0, 'the refusal')
    expect(createCalls()[0].history?.map((s) => s.kind)).toEqual(['handled'])
    expect(showFailToast).toHaveBeenCalledWith(expect.objectContaining({ message: ERROR_TEXTS.role_not_permitted.zh, className: 'gp-toast-fail' }))
    expect($(w, 'report-page').exists()).toBe(true) // still on the form, nothing lost
    expect($(w, 'backfill-step-0').attributes('data-kind')).toBe('handled')
  })
})

describe('the timeline’s 补录 mark', () => {
  it('marks only the entries written well after their time', async () => {
    const pinia = await loggedIn('worker1')
    const at = Date.now() - 5 * HOUR
    const ev = (id: string, kind: 'reported' | 'escalated', t: number) => ({
      event: { id, kind, actor: 'u-worker1', role: 'grid_worker' as const, at: t, after: [], note: '', photos: [], department: null },
      outcome: { kind: 'applied' as const, from: 'reported' as const, to: 'reported' as const },
    })
    const w = mount(CaseTimeline, {
      props: { timeline: [ev(uuidV7(at), 'reported', at), ev(uuidV7(at + 4 * HOUR), 'escalated', at + HOUR)] },
      global: { plugins: [pinia, i18n] },
    })
    expect(w.findAll('[data-testid^="timeline-entry-"]').map((e) => e.attributes('data-late'))).toEqual(['false', 'true'])
    expect($(w, 'timeline-late-0').exists()).toBe(false)
    expect($(w, 'timeline-late-1').text()).toBe('补录')
  })
})
