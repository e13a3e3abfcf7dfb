// Sync status everywhere, the Sync screen's status and refusals, the network
// coming back, logout offline and a revoked device (ui/CONTRACT-device.md).
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { listen } from '@tauri-apps/api/event'
import { showToast } from 'vant'
import { createMemoryHistory, createRouter } from 'vue-router'
import DeviceRevokedDialog from '../src/components/DeviceRevokedDialog.vue'
import SyncIndicator from '../src/components/SyncIndicator.vue'
import SettingsView from '../src/views/SettingsView.vue'
import SyncView from '../src/views/SyncView.vue'
import type { SyncProgress, UnsyncedItem, UnsyncedSummary } from '../src/generated'
import { formatTime } from '../src/lib/format'
import type { AutoSyncStatus } from '../src/generated'
import { useSessionStore } from '../src/stores/session'
import { useSyncStore } from '../src/stores/sync'
import { invoke, mountApp } from './setup'

// Toasts are checked by what was asked for (Vant keeps one toast element and animates it).
vi.mock('vant', async (importOriginal) => ({ ...(await importOriginal<typeof import('vant')>()), showToast: vi.fn() }))

/** The handlers the UI registered with `listen`, by event name. */
const handlers = new Map<string, (e: { payload: unknown }) => void>()
const emit = (event: string, payload: unknown) => handlers.get(event)?.({ payload })
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)

const status = (over: Partial<AutoSyncStatus> = {}): AutoSyncStatus => ({
  running: false, last_ok_at: null, last_error: null, next_at: null, failures_in_a_row: 0, ...over,
})
const item = (over: Partial<UnsyncedItem>): UnsyncedItem => ({
  id: 'case-a', kind: 'case', title: '暴露垃圾', photos_pending: 0, updated_at: Date.now() - 60_000, author: 'u-worker1', error_code: null, error_message: null, ...over,
})
const summary = (items: UnsyncedItem[]): UnsyncedSummary => ({
  cases: items.filter((i) => i.kind === 'case').length, patrols: items.filter((i) => i.kind === 'patrol').length, photos: 0, photo_bytes: 0, items,
})

function router() {
  return createRouter({
    history: createMemoryHistory(),
    routes: ['/today', '/sync', '/login', '/settings', '/cases/:id', '/patrol/:id'].map((path) => ({
      path, name: path === '/cases/:id' ? 'case' : path === '/patrol/:id' ? 'patrol' : path.slice(1), component: { template: '<div />' },
    })),
  })
}

/** Mounts with a fake Rust: `sync_status` and `sync_unsynced` answer what the test holds now. */
async function mountWith(comp: object, state: { status: AutoSyncStatus; unsynced: UnsyncedSummary }, extra: (cmd: string) => unknown = () => undefined) {
  invoke.mockImplementation(async (cmd: string) => {
    const v = extra(cmd)
    if (v !== undefined) return v
    if (cmd === 'sync_status') return state.status
    if (cmd === 'sync_unsynced') return state.unsynced
    return null
  })
  const r = router()
  await r.push('/today')
  const w = mountApp(comp, { global: { plugins: [r] } })
  await flushPromises()
  return { w, r }
}
const text = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`).text()

beforeEach(() => {
  invoke.mockReset()
  handlers.clear()
  vi.mocked(listen).mockImplementation(async (event, handler) => {
    handlers.set(event, handler as never)
    return () => handlers.delete(event)
  })
  vi.mocked(showToast).mockClear()
})

describe('sync indicator', () => {
  it('says when the last run succeeded and how many records wait, and opens the Sync screen', async () => {
    const at = new Date().setHours(12, 3, 0, 0)
    const { w, r } = await mountWith(SyncIndicator, { status: status({ last_ok_at: at }), unsynced: summary([item({}), item({ id: 'p-1', kind: 'patrol' })]) })
    const ind = w.find('[data-testid="sync-indicator"]')
    expect(ind.attributes('data-state')).toBe('ok')
    expect(text(w, 'sync-indicator-text')).toBe('已同步 · 12:03')
    expect(text(w, 'sync-indicator-count')).toBe('2 条待上传')
    await ind.trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.name).toBe('sync')
  })

  it('turns amber with the translated reason after a failure, and shows a spinner while a run goes on', async () => {
    const state = { status: status({ last_ok_at: Date.now() - 3_600_000, last_error: { code: 'offline', message: 'connect refused', at: Date.now() } }), unsynced: summary([]) }
    const { w } = await mountWith(SyncIndicator, state)
    expect(w.find('[data-testid="sync-indicator"]').attributes('data-state')).toBe('error')
    expect(w.find('[data-testid="sync-indicator"]').classes()).toContain('is-error')
    expect(text(w, 'sync-indicator-text')).toBe('未同步 · 网络不可用，将在恢复后自动同步')
    expect(w.find('[data-testid="sync-indicator-count"]').exists()).toBe(false)

    emit('sync-status', status({ running: true, last_error: state.status.last_error }))
    await flushPromises()
    expect(w.find('[data-testid="sync-indicator"]').attributes('data-state')).toBe('running')
    expect(w.find('.van-loading').exists()).toBe(true)
  })

  it('follows the sync-status event and re-reads the unsynced count on it', async () => {
    const state = { status: status({ running: true }), unsynced: summary([item({}), item({ id: 'case-b' })]) }
    const { w } = await mountWith(SyncIndicator, state)
    expect(w.find('[data-testid="sync-indicator"]').attributes('data-unsynced')).toBe('2')
    const before = calls('sync_unsynced').length
    const done = Date.now()
    state.unsynced = summary([])
    emit('sync-status', status({ last_ok_at: done, next_at: done + 300_000 }))
    await flushPromises()
    expect(calls('sync_unsynced').length).toBeGreaterThan(before)
    expect(w.find('[data-testid="sync-indicator"]').attributes('data-state')).toBe('ok')
    expect(w.find('[data-testid="sync-indicator"]').attributes('data-unsynced')).toBe('0')
    expect(text(w, 'sync-indicator-text')).toBe(`已同步 · ${formatTime(done)}`)
    // A successful run refreshes the session (last sync) and the reference.
    expect(calls('session_get').length).toBeGreaterThan(0)
  })

  it('tells Rust at once when the network comes back', async () => {
    await mountWith(SyncIndicator, { status: status(), unsynced: summary([]) })
    expect(calls('sync_network_up')).toHaveLength(0)
    window.dispatchEvent(new Event('online'))
    await flushPromises()
    expect(calls('sync_network_up').length).toBeGreaterThan(0)
  })
})

describe('Sync screen', () => {
  it('shows the last run, the next automatic one and the last error with its reason', async () => {
    const next = Date.now() + 4 * 60_000
    const failedAt = Date.now() - 60_000
    const { w } = await mountWith(SyncView, {
      status: status({ last_ok_at: Date.now() - 2 * 3_600_000, next_at: next, last_error: { code: 'too_many_connections', message: 'busy', at: failedAt }, failures_in_a_row: 3 }),
      unsynced: summary([]),
    })
    expect(text(w, 'sync-last')).toContain('2小时前')
    expect(text(w, 'sync-status-next')).toContain(formatTime(next))
    expect(text(w, 'sync-status-next')).toContain('分钟后')
    const err = w.find('[data-testid="sync-status-error"]')
    expect(err.attributes('data-code')).toBe('too_many_connections')
    expect(err.text()).toContain('服务器繁忙，请稍后再试')
    expect(err.text()).toContain(`连续 3 次失败，最近一次 ${formatTime(failedAt)}`)
  })

  it('names other people’s records and says what to do about each refusal', async () => {
    const items = [
      item({ id: 'c-mine' }),
      item({ id: 'c-scope', error_code: 'out_of_scope', error_message: 'grid QS01-G02 is not yours' }),
      item({ id: 'c-other', author: 'u-worker2', error_code: 'pending_for_other', error_message: 'waiting' }),
      item({ id: 'c-busy', error_code: 'busy', error_message: 'try later' }),
      item({ id: 'p-team', kind: 'patrol', title: '', author: 'u-worker3' }),
    ]
    const { w, r } = await mountWith(SyncView, { status: status(), unsynced: summary(items) })
    const row = (id: string) => w.find(`[data-testid="unsynced-${id}"]`)
    expect(row('c-mine').find('[data-testid="unsynced-author"]').exists()).toBe(false)
    expect(row('c-mine').find('[data-testid="unsynced-error"]').exists()).toBe(false)

    const scope = row('c-scope').find('[data-testid="unsynced-error"]')
    expect(scope.attributes('data-advice')).toBe('refused')
    expect(scope.text()).toBe('服务器拒收：该网格不在您的负责范围内。请联系网格长处理')

    expect(row('c-other').find('[data-testid="unsynced-author"]').text()).toBe('李娜 的记录')
    expect(row('c-other').find('[data-testid="unsynced-advice"]').text()).toBe('等待 李娜 登录同步')
    expect(row('c-other').find('[data-testid="unsynced-reason"]').text()).toContain('需等该用户登录同步')

    expect(row('c-busy').find('[data-testid="unsynced-reason"]').text()).toBe('服务器繁忙，请稍后再试')
    expect(row('c-busy').find('[data-testid="unsynced-advice"]').text()).toBe('将自动重试')

    expect(row('p-team').find('[data-testid="unsynced-author"]').text()).toBe('张伟 的记录')
    await row('c-scope').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.fullPath).toBe('/cases/c-scope')
  })

  it('keeps the manual button: it calls sync_now and shows the live progress', async () => {
    let finish: (v: unknown) => void = () => {}
    const progress: SyncProgress = { phase: 'photos_up', docs_up: 2, docs_up_total: 2, docs_down: 0, photos_up: 1, photos_up_total: 3, photos_down: 0, photos_down_total: 0, bytes_up: 1, bytes_down: 0 }
    const { w } = await mountWith(SyncView, { status: status(), unsynced: summary([]) }, (cmd) =>
      cmd === 'sync_now' ? new Promise((resolve) => (finish = resolve)) : undefined,
    )
    await w.find('[data-testid="sync-now"]').trigger('click')
    await flushPromises()
    expect(calls('sync_now')).toHaveLength(1)
    emit('sync-progress', progress)
    await flushPromises()
    expect(w.find('[data-testid="sync-progress"]').text()).toContain('正在上传照片')
    expect(w.find('[data-testid="sync-now"]').classes()).toContain('van-button--loading')
    finish({ progress: { ...progress, phase: 'done', photos_up: 3 }, round_trips: 2, failures: [], finished_at: Date.now() })
    await flushPromises()
    expect(w.find('[data-testid="sync-result"]').attributes('data-result')).toBe('ok')
  })

  it('keeps the newest status when an answer to sync_status comes after a status event', async () => {
    // Rust answers "running" while the automatic run is going; the answer
    // arrives only after the event saying that run finished.
    let answer: (v: unknown) => void = () => {}
    let slow = false
    const { w } = await mountWith(SyncView, { status: status(), unsynced: summary([]) }, (cmd) =>
      cmd === 'sync_status' && slow ? new Promise((resolve) => (answer = resolve)) : undefined,
    )
    emit('sync-status', status({ running: true }))
    await flushPromises()
    slow = true
    const asked = useSyncStore().refreshStatus()
    const done = Date.now()
    emit('sync-status', status({ last_ok_at: done, next_at: done + 300_000 }))
    answer(status({ running: true }))
    await asked
    await flushPromises()
    expect(w.find('[data-testid="sync-status"]').attributes('data-running')).toBe('false')
    expect(w.find('[data-testid="sync-now"]').classes()).not.toContain('van-button--loading')
  })

  it('shows progress of an automatic run too', async () => {
    const { w } = await mountWith(SyncView, { status: status(), unsynced: summary([]) })
    emit('sync-status', status({ running: true }))
    emit('sync-progress', { phase: 'documents', docs_up: 0, docs_up_total: 4, docs_down: 0, photos_up: 0, photos_up_total: 0, photos_down: 0, photos_down_total: 0, bytes_up: 0, bytes_down: 0 })
    await flushPromises()
    expect(w.find('[data-testid="sync-progress"]').text()).toContain('正在同步记录')
    expect(w.find('[data-testid="sync-status"]').attributes('data-running')).toBe('true')
  })
})

describe('logout', () => {
  async function logout(revoked: boolean) {
    const { w, r } = await mountWith(SettingsView, { status: status(), unsynced: summary([]) }, (cmd) => (cmd === 'logout' ? { revoked } : undefined))
    await r.push('/settings')
    await w.find('[data-testid="logout"]').trigger('click')
    await w.find('[data-testid="logout-confirm"]').trigger('click')
    await flushPromises()
    return r
  }

  it('says the token is revoked once online when the phone is offline, then goes to login', async () => {
    const r = await logout(false)
    expect(calls('logout')).toHaveLength(1)
    expect(r.currentRoute.value.name).toBe('login')
    expect(useSessionStore().session).toBeNull()
    expect(showToast).toHaveBeenCalledWith(expect.objectContaining({ message: '已退出；联网后将注销此设备上的登录', className: 'gp-toast-info' }))
  })

  it('says nothing more when the server revoked the token at once', async () => {
    const r = await logout(true)
    expect(r.currentRoute.value.name).toBe('login')
    expect(showToast).not.toHaveBeenCalled()
  })
})

describe('revoked device', () => {
  it('blocks with what was wiped and kept, ends the session and goes to login', async () => {
    const { w, r } = await mountWith(DeviceRevokedDialog, { status: status(), unsynced: summary([item({})]) })
    useSyncStore().unsynced = summary([item({})])
    expect(w.find('[data-testid="device-revoked-dialog"]').exists() && w.find('[data-testid="device-revoked-dialog"]').isVisible()).toBe(false)
    emit('device-revoked', { removed_docs: 120, removed_photos: 30, kept_docs: 2 })
    await flushPromises()
    expect(w.find('[data-testid="device-revoked-dialog"]').isVisible()).toBe(true)
    expect(text(w, 'device-revoked-text')).toBe('此设备已被管理员停用。已确认上传的记录已从本机清除；尚未上传的 2 条记录已加密保留，请联系管理员。')
    expect(useSessionStore().session).toBeNull()
    expect(useSyncStore().unsynced).toBeNull()
    await w.find('[data-testid="device-revoked-ok"]').trigger('click')
    await flushPromises()
    expect(r.currentRoute.value.name).toBe('login')
    expect(w.find('[data-testid="device-revoked-dialog"]').isVisible()).toBe(false)
  })
})
