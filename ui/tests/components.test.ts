import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import CaseActions from '../src/components/CaseActions.vue'
import CaseTimeline from '../src/components/CaseTimeline.vue'
import SlaBadge from '../src/components/SlaBadge.vue'
import StreetChecklist from '../src/components/StreetChecklist.vue'
import type { CaseDetail, EventKind } from '../src/generated'
import { caseDetail, T0 } from './fixture'
import { invoke, mountApp } from './setup'

beforeEach(() => {
  invoke.mockClear()
  invoke.mockResolvedValue(null)
})

describe('CaseActions', () => {
  it('renders exactly the actions given, in order', () => {
    const actions: EventKind[] = ['accepted', 'dispatched', 'deferred', 'voided']
    const w = mountApp(CaseActions, { props: { caseId: 'case-1', actions } })
    const buttons = w.findAll('[data-testid^="action-"]').filter((b) => b.element.tagName === 'BUTTON')
    expect(buttons.map((b) => b.attributes('data-testid'))).toEqual([
      'action-accepted',
      'action-dispatched',
      'action-deferred',
      'action-voided',
    ])
    expect(buttons.map((b) => b.text())).toEqual(['立案', '派遣', '挂账', '作废'])
  })

  it('renders nothing when no action is allowed', () => {
    const w = mountApp(CaseActions, { props: { caseId: 'case-1', actions: [] } })
    expect(w.find('[data-testid="case-actions"]').exists()).toBe(false)
  })

  it('dispatch needs a department and sends it', async () => {
    const after = caseDetail({ actions: ['handled'] })
    invoke.mockResolvedValue(after)
    const w = mountApp(CaseActions, { props: { caseId: 'case-1', actions: ['dispatched'] } })
    await w.find('[data-testid="action-dispatched"]').trigger('click')
    const confirm = w.find('[data-testid="action-confirm"]')
    expect(confirm.attributes('disabled')).toBeDefined()
    await w.find('[data-testid="dept-option-D-SZ"]').trigger('click')
    expect(w.find('[data-testid="action-confirm"]').attributes('disabled')).toBeUndefined()
    await w.find('[data-testid="action-note"]').setValue('请尽快处理')
    await w.find('[data-testid="action-confirm"]').trigger('click')
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('case_append_event', {
      id: 'case-1',
      event: { kind: 'dispatched', note: '请尽快处理', photos: [], department: 'D-SZ', at: null },
    })
    expect(w.emitted('updated')?.[0]).toEqual([after])
  })

  it('verify can close in the same step (two events)', async () => {
    invoke.mockResolvedValue(caseDetail())
    const w = mountApp(CaseActions, { props: { caseId: 'case-1', actions: ['verified', 'closed', 'returned_for_rework'] } })
    await w.find('[data-testid="action-verified"]').trigger('click')
    await w.find('[data-testid="action-confirm"]').trigger('click')
    await flushPromises()
    const kinds = invoke.mock.calls
      .filter((c) => c[0] === 'case_append_event')
      .map((c) => (c[1] as { event: { kind: string } }).event.kind)
    expect(kinds).toEqual(['verified', 'closed'])
  })

  it('shows a translated error and keeps the sheet open on failure', async () => {
    invoke.mockRejectedValue({ code: 'not_allowed_in_state', message: 'nope' })
    const w = mountApp(CaseActions, { props: { caseId: 'case-1', actions: ['voided'] } })
    await w.find('[data-testid="action-voided"]').trigger('click')
    await w.find('[data-testid="action-confirm"]').trigger('click')
    await flushPromises()
    expect(w.emitted('updated')).toBeUndefined()
    expect(w.find('[data-testid="action-dialog-title"]').text()).toBe('作废')
    expect(document.body.textContent).toContain('案件当前状态下不能执行此操作')
  })
})

describe('CaseTimeline', () => {
  const d: CaseDetail = caseDetail()
  it('shows every entry in fold order with names', () => {
    const w = mountApp(CaseTimeline, { props: { timeline: d.derived.timeline, photos: d.case.photos } })
    const entries = w.findAll('[data-testid^="timeline-entry-"]')
    expect(entries).toHaveLength(3)
    expect(entries.map((e) => e.attributes('data-kind'))).toEqual(['reported', 'escalated', 'handled_on_spot'])
    expect(entries[1].text()).toContain('王芳')
    expect(entries[1].text()).toContain('需要城管处理')
    expect(entries[1].text()).toContain('待处置 → 已提报')
  })
  it('greys an ignored event and says why, never hiding it', () => {
    const w = mountApp(CaseTimeline, { props: { timeline: d.derived.timeline } })
    const ignored = w.find('[data-testid="timeline-entry-2"]')
    expect(ignored.classes()).toContain('is-ignored')
    expect(ignored.attributes('data-outcome')).toBe('ignored')
    expect(ignored.text()).toContain('李娜')
    expect(ignored.text()).toContain('未生效')
    expect(ignored.text()).toContain('当时的状态下不能执行此操作')
    expect(w.find('[data-testid="timeline-entry-1"]').classes()).not.toContain('is-ignored')
  })
  it('names what superseded an event', () => {
    const tl = [
      ...d.derived.timeline.slice(0, 2),
      { event: { ...d.derived.timeline[1].event, id: 'e9', kind: 'closed' as const }, outcome: { kind: 'superseded' as const, by: 'e2' } },
    ]
    const w = mountApp(CaseTimeline, { props: { timeline: tl } })
    const e = w.find('[data-testid="timeline-entry-2"]')
    expect(e.classes()).toContain('is-superseded')
    expect(e.text()).toContain('已被「提报」取代')
  })
})

describe('StreetChecklist', () => {
  const streets = ['柳荫路', '凤起弄', '竹竿巷']
  it('marks checked streets with time and emits checks for unchecked ones', async () => {
    const w = mountApp(StreetChecklist, {
      props: { streets, checks: { 凤起弄: { checked_at: new Date(2026, 4, 6, 6, 12).getTime(), by: 'u-worker1', note: '路面干净' } } },
    })
    expect(w.find('[data-testid="street-1"]').attributes('data-checked')).toBe('true')
    expect(w.find('[data-testid="street-1"]').text()).toContain('06:12 已查')
    expect(w.find('[data-testid="street-1"]').text()).toContain('路面干净')
    await w.find('[data-testid="street-0"]').trigger('click')
    await w.find('[data-testid="street-1"]').trigger('click')
    expect(w.emitted('check')).toEqual([['柳荫路']])
    await w.find('[data-testid="street-note-2"]').trigger('click')
    expect(w.emitted('note')).toEqual([['竹竿巷']])
  })
})

describe('SlaBadge', () => {
  it('pairs the colour with a word', () => {
    const w = mountApp(SlaBadge, { props: { state: 'red', text: '已超期 1小时' } })
    expect(w.attributes('data-sla')).toBe('red')
    expect(w.text()).toContain('超期')
    expect(w.text()).toContain('已超期 1小时')
    expect(mountApp(SlaBadge, { props: { state: null } }).find('[data-testid="sla"]').exists()).toBe(false)
  })
  it('has a time fixture in the past', () => {
    expect(T0).toBeLessThan(Date.now())
  })
})
