import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import CaseDetailView from '../src/views/CaseDetailView.vue'
import { caseDetail } from './fixture'
import { invoke, mountApp } from './setup'

const sent = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1])

async function mountDetail(status: 'reported' | 'voided' = 'reported') {
  const detail = caseDetail()
  detail.derived.status = status
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'case_get':
        return detail
      case 'case_add_evidence':
        return caseDetail()
      default:
        return null
    }
  })
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/cases/:id', name: 'case', component: CaseDetailView, props: true },
      { path: '/patrol/:id/summary', name: 'patrol-summary', component: { template: '<div>summary</div>' } },
    ],
  })
  await router.push(`/cases/${detail.case.id}`)
  await router.isReady()
  const w = mountApp(CaseDetailView, { props: { id: detail.case.id }, global: { plugins: [router] } })
  await flushPromises()
  return { w, detail }
}

beforeEach(() => invoke.mockReset())

describe('补充 on the case screen', () => {
  it('sends a note alone as evidence, one timeline entry of its own', async () => {
    const { w, detail } = await mountDetail()
    expect(w.find('[data-testid="evidence-confirm"]').exists()).toBe(false)
    await w.find('[data-testid="evidence-note"]').setValue('  垃圾又多了两车 ')
    await w.find('[data-testid="evidence-confirm"]').trigger('click')
    await flushPromises()
    expect(sent('case_add_evidence')).toEqual([{ id: detail.case.id, note: '垃圾又多了两车', photos: [] }])
    expect((w.find('[data-testid="evidence-note"]').element as HTMLTextAreaElement).value).toBe('')
  })

  it('is not offered on a voided case', async () => {
    const { w } = await mountDetail('voided')
    expect(w.find('[data-testid="evidence-card"]').exists()).toBe(false)
  })
})
