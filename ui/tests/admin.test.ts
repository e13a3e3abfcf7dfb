import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import AdminUsersView from '../src/views/admin/AdminUsersView.vue'
import AdminDevicesView from '../src/views/admin/AdminDevicesView.vue'
import AdminCategoriesView from '../src/views/admin/AdminCategoriesView.vue'
import AdminOrgView from '../src/views/admin/AdminOrgView.vue'
import AdminRulesView from '../src/views/admin/AdminRulesView.vue'
import AdminAuditView from '../src/views/admin/AdminAuditView.vue'
import SettingsView from '../src/views/SettingsView.vue'
import type { AdminDevice, AdminUser, AuditEntry, CategoryDictionary } from '../src/generated'
import { DEFAULT_RATING_RULES } from '../src/lib/rating'
import { useSessionStore } from '../src/stores/session'
import { reference } from './fixture'
import { invoke, last, mountApp } from './setup'

const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)
const argsOf = <T>(cmd: string) => last(calls(cmd))[1] as T

function router() {
  return createRouter({
    history: createMemoryHistory(),
    routes: ['/admin', '/settings', '/login', '/today'].map((path) => ({ path, name: path.slice(1), component: { template: '<div />' } })),
  })
}
/** Admin screens do not check the role themselves (the route guard does); street1 stands in. */
async function mountAdmin(view: object, answer: (cmd: string, a: Record<string, unknown>) => unknown) {
  invoke.mockImplementation(async (cmd: string, a?: unknown) => {
    const v = answer(cmd, (a ?? {}) as Record<string, unknown>)
    if (v instanceof Error) throw { code: v.message, message: v.message }
    return v ?? null
  })
  const w = mountApp(view, { global: { plugins: [router()] } }, 'u-street1')
  await flushPromises()
  return w
}
const fail = (code: string) => new Error(code)

const adminUser = (over: Partial<AdminUser>): AdminUser => ({
  id: 'u-worker1', username: 'worker1', name: '王芳', role: 'grid_worker', units: ['QS01-G01'], disabled: false, must_change: false, last_seen_at: Date.now() - 3_600_000, devices: 1, ...over,
})
const USERS = [adminUser({}), adminUser({ id: 'u-worker3', username: 'worker3', name: '张伟', units: ['QS01-G02'], must_change: true, last_seen_at: null, devices: 0 }), adminUser({ id: 'u-street1', username: 'street1', name: '钱国平', role: 'street_leader', units: ['QS'] })]

beforeEach(() => {
  invoke.mockReset()
})

async function fill(w: VueWrapper, testid: string, value: string): Promise<void> {
  await w.find(`[data-testid="${testid}"]`).setValue(value)
}

describe('admin: users', () => {
  it('lists users with their state and finds them by name', async () => {
    const w = await mountAdmin(AdminUsersView, (cmd) => (cmd === 'admin_users' ? USERS : null))
    expect(w.find('[data-testid="admin-user-worker3"]').text()).toContain('待改密码')
    expect(w.find('[data-testid="admin-user-worker3"]').text()).toContain('从未登录')
    await fill(w, 'admin-user-search', '张')
    expect(w.findAll('[data-testid^="admin-user-worker"]').map((x) => x.attributes('data-testid'))).toEqual(['admin-user-worker3'])
  })

  it('adds a user and shows the one-time password once, big and copyable', async () => {
    const created = adminUser({ id: 'u-worker14', username: 'worker14', name: '周婷', units: ['QS01-G02'], must_change: true, last_seen_at: null, devices: 0 })
    const w = await mountAdmin(AdminUsersView, (cmd) => (cmd === 'admin_users' ? USERS : cmd === 'admin_user_add' ? { user: created, password: 'k7QmX2pa9dRt' } : null))
    await w.find('[data-testid="admin-user-add"]').trigger('click')
    await fill(w, 'user-form-username', 'w')
    await w.find('[data-testid="user-form-submit"]').trigger('click')
    expect(w.find('[data-testid="user-form-error"]').text()).toBe('用户名为 2–32 位字母、数字或 . _ -')
    expect(calls('admin_user_add')).toHaveLength(0)
    await fill(w, 'user-form-username', 'worker14')
    await fill(w, 'user-form-name', '周婷')
    await w.find('[data-testid="user-form-submit"]').trigger('click')
    expect(w.find('[data-testid="user-form-error"]').text()).toBe('请选择所属')
    // A department user has exactly one department; a grid worker one grid or more.
    await w.find('[data-testid="user-form-role-department"]').trigger('click')
    await w.find('[data-testid="user-form-unit-D-CG"]').trigger('click')
    await w.find('[data-testid="user-form-unit-D-SZ"]').trigger('click')
    expect(w.findAll('[data-testid^="user-form-unit-"].is-active').map((x) => x.attributes('data-testid'))).toEqual(['user-form-unit-D-SZ'])
    await w.find('[data-testid="user-form-role-grid_worker"]').trigger('click')
    await w.find('[data-testid="user-form-unit-QS01-G02"]').trigger('click')
    await w.find('[data-testid="user-form-submit"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_user_add')).toEqual({ user: { username: 'worker14', name: '周婷', role: 'grid_worker', units: ['QS01-G02'] } })

    const pw = w.find('[data-testid="otp-password"]')
    expect(pw.attributes('data-password')).toBe('k7QmX2pa9dRt')
    expect(pw.text()).toBe('k7Qm X2pa 9dRt')
    const writeText = vi.fn(async () => {})
    Object.defineProperty(globalThis.navigator, 'clipboard', { value: { writeText }, configurable: true })
    await w.find('[data-testid="otp-copy"]').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith('k7QmX2pa9dRt')
    await w.find('[data-testid="otp-done"]').trigger('click')
    expect(w.find('[data-testid="otp-password"]').exists()).toBe(false)
    expect(w.find('[data-testid="admin-user-worker14"]').exists()).toBe(true)
  })

  it('disables after confirmation, never oneself, and resets to a one-time password', async () => {
    const w = await mountAdmin(AdminUsersView, (cmd, a) =>
      cmd === 'admin_users' ? USERS
      : cmd === 'admin_user_set_disabled' ? adminUser({ disabled: a.disabled as boolean })
      : cmd === 'admin_user_reset_password' ? { user: adminUser({ must_change: true }), password: 'abcdEFGH2345' }
      : null,
    )
    await w.find('[data-testid="admin-user-street1"]').trigger('click')
    expect(w.find('[data-testid="admin-user-disable"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="admin-user-worker1"]').trigger('click')
    await w.find('[data-testid="admin-user-disable"]').trigger('click')
    expect(calls('admin_user_set_disabled')).toHaveLength(0)
    await w.find('[data-testid="admin-user-disable-confirm"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_user_set_disabled')).toEqual({ username: 'worker1', disabled: true })
    expect(w.find('[data-testid="admin-user-worker1"]').attributes('data-disabled')).toBe('true')

    await w.find('[data-testid="admin-user-worker1"]').trigger('click')
    await w.find('[data-testid="admin-user-reset"]').trigger('click')
    await w.find('[data-testid="admin-user-reset-confirm"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_user_reset_password')).toEqual({ username: 'worker1' })
    expect(w.find('[data-testid="otp-password"]').attributes('data-password')).toBe('abcdEFGH2345')
  })

  it('says so when the server cannot be reached, and retries', async () => {
    let online = false
    const w = await mountAdmin(AdminUsersView, (cmd) => (cmd === 'admin_users' ? (online ? USERS : fail('offline')) : null))
    expect(w.find('[data-testid="admin-offline"]').text()).toContain('管理功能需要联网')
    expect(w.find('[data-testid="admin-user-add"]').attributes('disabled')).toBeDefined()
    online = true
    await w.find('[data-testid="admin-retry"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="admin-offline"]').exists()).toBe(false)
    expect(w.find('[data-testid="admin-user-worker1"]').exists()).toBe(true)
  })

  it('tells an expired login and a non-admin apart from the offline state', async () => {
    const expired = await mountAdmin(AdminUsersView, () => fail('token_expired'))
    expect(expired.find('[data-testid="admin-login"]').exists()).toBe(true)
    const forbidden = await mountAdmin(AdminDevicesView, () => fail('admin_only'))
    expect(forbidden.find('[data-testid="admin-forbidden"]').text()).toContain('仅管理员')
  })
})

describe('admin: devices', () => {
  const dev = (over: Partial<AdminDevice>): AdminDevice => ({ id: 'dev-a', name: '王芳的手机', first_user: 'u-worker1', last_user: 'u-worker1', created_at: 1, last_used_at: Date.now() - 60_000, revoked_at: null, ...over })
  it('lists active devices first and revokes one after confirmation', async () => {
    const w = await mountAdmin(AdminDevicesView, (cmd, a) =>
      cmd === 'admin_devices' ? [dev({ id: 'dev-old', revoked_at: 5, last_used_at: 4 }), dev({})]
      : cmd === 'admin_device_revoke' ? dev({ id: String(a.id), revoked_at: Date.now() })
      : null,
    )
    expect(w.findAll('[data-testid^="admin-device-dev-"][data-revoked]').map((x) => x.attributes('data-testid'))).toEqual(['admin-device-dev-a', 'admin-device-dev-old'])
    expect(w.find('[data-testid="admin-device-dev-a"]').text()).toContain('首次登录：王芳')
    expect(w.find('[data-testid="admin-device-revoke-dev-old"]').exists()).toBe(false)
    await w.find('[data-testid="admin-device-revoke-dev-a"]').trigger('click')
    expect(w.find('[data-testid="device-revoke-dialog"]').text()).toContain('停用设备 王芳的手机？')
    await w.find('[data-testid="device-revoke-confirm"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_device_revoke')).toEqual({ id: 'dev-a' })
    expect(w.find('[data-testid="admin-device-dev-a"]').attributes('data-revoked')).toBe('true')
  })
})

describe('admin: categories', () => {
  const dict = (): CategoryDictionary => ({
    version: 3,
    categories: [...reference.categories.categories, { ...reference.categories.categories[0], id: 'E7701', code: '7701', kind: 'event', major_name: '本地事项', name: '共享单车乱停放', local: true }],
  })
  it('lists the local ones and adds one with limits and look-back days; the version bumps', async () => {
    const w = await mountAdmin(AdminCategoriesView, (cmd, a) =>
      cmd === 'admin_categories' ? dict()
      : cmd === 'admin_category_add' ? { version: 4, categories: [...dict().categories, a.category] }
      : null,
    )
    expect(w.find('[data-testid="admin-dict-version"]').attributes('data-version')).toBe('3')
    expect(w.findAll('[data-testid^="admin-category-E"]').map((x) => x.attributes('data-testid'))).toEqual(['admin-category-E7701'])
    await w.find('[data-testid="admin-category-add"]').trigger('click')
    await w.find('[data-testid="cat-form-major-02"]').trigger('click')
    expect((w.find('[data-testid="cat-form-code"]').element as HTMLInputElement).value).toBe('02') // E0201 exists
    await fill(w, 'cat-form-code', '01')
    await fill(w, 'cat-form-name', '横幅')
    await w.find('[data-testid="cat-form-submit"]').trigger('click')
    expect(w.find('[data-testid="cat-form-error"]').text()).toBe('该编码已存在')
    await fill(w, 'cat-form-code', '09')
    await w.find('[data-testid="cat-form-limit-handle"]').setValue(3)
    await w.find('[data-testid="cat-form-limit-handle-h"]').trigger('click')
    await fill(w, 'cat-form-lookback', '14')
    await w.find('[data-testid="cat-form-submit"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_category_add')).toEqual({
      category: {
        id: 'E0209', kind: 'event', code: '0209', major_name: '宣传广告', name: '横幅',
        limits: { respond: '2h', accept: '1h', dispatch: '1h', handle: '3h', verify: '4h' }, lookback_days: 14, local: true,
      },
    })
    expect(w.find('[data-testid="admin-dict-version"]').attributes('data-version')).toBe('4')
    expect(w.find('[data-testid="admin-category-E0209"]').exists()).toBe(true)
  })

  it('opens a new major class for components', async () => {
    const w = await mountAdmin(AdminCategoriesView, (cmd, a) => (cmd === 'admin_categories' ? dict() : cmd === 'admin_category_add' ? { version: 4, categories: [a.category] } : null))
    await w.find('[data-testid="admin-category-add"]').trigger('click')
    await w.find('[data-testid="cat-form-kind-component"]').trigger('click')
    await w.find('[data-testid="cat-form-major-new"]').trigger('click')
    await fill(w, 'cat-form-major-code', '88')
    await fill(w, 'cat-form-major-name', '智慧设施')
    await flushPromises()
    expect((w.find('[data-testid="cat-form-code"]').element as HTMLInputElement).value).toBe('01')
    await fill(w, 'cat-form-name', '烟感报警器')
    await w.find('[data-testid="cat-form-submit"]').trigger('click')
    await flushPromises()
    expect(argsOf<{ category: { id: string; major_name: string; kind: string } }>('admin_category_add').category).toMatchObject({ id: 'C8801', major_name: '智慧设施', kind: 'component' })
  })
})

describe('admin: GIS import', () => {
  it('sends the picked files’ text, previews, then imports and shows the summary', async () => {
    const summary = { grids_added: ['QS01-G09'], boundaries_replaced: ['QS01-G01'], streets_replaced: ['QS01-G01'], street_lines: 12 }
    const w = await mountAdmin(AdminOrgView, (cmd) => (cmd === 'admin_org_import' ? summary : null))
    expect(w.find('[data-testid="org-preview"]').attributes('disabled')).toBeDefined()
    const text = '{"type":"FeatureCollection","features":[]}'
    const input = w.find('[data-testid="org-grids-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([text], '网格.geojson')], configurable: true })
    await input.trigger('change')
    await flushPromises()
    expect(w.find('[data-testid="org-grids-name"]').text()).toContain('网格.geojson')
    await w.find('[data-testid="org-preview"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_org_import')).toEqual({ grids: text, streets: null, dry_run: true })
    expect(w.find('[data-testid="org-summary"]').attributes('data-dry-run')).toBe('true')
    expect(w.find('[data-testid="org-summary-added"]').text()).toContain('QS01-G09')
    expect(w.find('[data-testid="org-summary-boundaries"]').text()).toContain('柳荫社区第一网格')
    expect(w.find('[data-testid="org-summary-lines"]').text()).toContain('12')
    await w.find('[data-testid="org-import"]').trigger('click')
    await flushPromises()
    expect(argsOf('admin_org_import')).toEqual({ grids: text, streets: null, dry_run: false })
    expect(w.find('[data-testid="org-summary"]').attributes('data-dry-run')).toBe('false')
  })

  it('shows why the server refused a layer', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'admin_org_import') throw { code: 'invalid', message: 'grids feature 3 (QS01-G09): unknown parent QS09' }
      return null
    })
    const w = mountApp(AdminOrgView, { global: { plugins: [router()] } }, 'u-street1')
    const input = w.find('[data-testid="org-grids-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['{}'], 'g.json')], configurable: true })
    await input.trigger('change')
    await flushPromises()
    await w.find('[data-testid="org-preview"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="org-error"]').text()).toBe('填写的内容有误 · grids feature 3 (QS01-G09): unknown parent QS09')
    expect(w.find('[data-testid="org-summary"]').exists()).toBe(false)
  })

  it('shows the offline state when the server cannot be reached', async () => {
    const w = await mountAdmin(AdminOrgView, () => fail('offline'))
    const input = w.find('[data-testid="org-streets-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['{}'], 's.json')], configurable: true })
    await input.trigger('change')
    await flushPromises()
    await w.find('[data-testid="org-import"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="admin-offline"]').exists()).toBe(true)
  })
})

describe('admin: rating rules', () => {
  it('edits thresholds, refuses out-of-range ones and saves', async () => {
    const w = await mountAdmin(AdminRulesView, (cmd, a) => (cmd === 'admin_rating_rules' ? DEFAULT_RATING_RULES : cmd === 'admin_rating_rules_set' ? a.rules : null))
    expect(w.findAll('[data-testid^="rules-red-"][data-testid$="-measure"]')).toHaveLength(3)
    expect(w.find('[data-testid="rules-save"]').attributes('disabled')).toBeDefined() // nothing changed
    await w.find('[data-testid="rules-yellow-0-threshold"]').setValue(120)
    expect(w.find('[data-testid="rules-error"]').text()).toBe('比率的阈值需在 0–100 之间')
    expect(w.find('[data-testid="rules-save"]').attributes('disabled')).toBeDefined()
    await w.find('[data-testid="rules-yellow-0-threshold"]').setValue(90)
    await w.find('[data-testid="rules-red-2-remove"]').trigger('click')
    await w.find('[data-testid="rules-yellow-add"]').trigger('click')
    await w.find('[data-testid="rules-yellow-6-measure"]').setValue('self_handled_rate')
    await w.find('[data-testid="rules-yellow-6-above"]').trigger('click')
    await w.find('[data-testid="rules-min-sample"]').setValue(3)
    await w.find('[data-testid="rules-save"]').trigger('click')
    await flushPromises()
    const sent = argsOf<{ rules: typeof DEFAULT_RATING_RULES }>('admin_rating_rules_set').rules
    expect(sent.yellow[0].threshold).toBe(90)
    expect(sent.red.map((r) => r.measure)).toEqual(['on_time_closure_rate', 'closure_rate'])
    expect(sent.yellow[6]).toEqual({ measure: 'self_handled_rate', comparison: 'above', threshold: 85 })
    expect(sent.min_sample).toBe(3)
    expect(w.find('[data-testid="rules-save"]').attributes('disabled')).toBeDefined() // saved
    await w.find('[data-testid="rules-defaults"]').trigger('click')
    expect(w.findAll('[data-testid^="rules-red-"][data-testid$="-measure"]')).toHaveLength(3)
  })
})

describe('admin: audit log', () => {
  const entry = (i: number, action = 'push'): AuditEntry => ({ at: Date.now() - i * 60_000, user_id: 'u-worker1', device_id: 'dev-a', addr: '10.0.0.2', action, subject: `case-${i}`, detail: '' })
  it('reads newest first with filters, and pages', async () => {
    const w = await mountAdmin(AdminAuditView, (cmd, a) => {
      if (cmd !== 'admin_audit') return null
      const q = a.query as { offset: number }
      return q.offset === 0 ? { items: Array.from({ length: 50 }, (_, i) => entry(i, i === 0 ? 'refused:out_of_scope' : 'push')), has_more: true } : { items: [entry(50)], has_more: false }
    })
    expect(calls('admin_audit')[0][1]).toEqual({ query: { user_id: null, device_id: null, since: null, until: null, action_prefix: null, limit: 50, offset: 0 } })
    expect(w.find('[data-testid="audit-row-0"]').text()).toContain('被拒绝：该网格不在您的负责范围内')
    expect(w.find('[data-testid="audit-row-0"]').text()).toContain('王芳')
    const list = w.findComponent({ name: 'van-list' })
    list.vm.$emit('load')
    await flushPromises()
    expect(argsOf<{ query: { offset: number } }>('admin_audit').query.offset).toBe(50)
    expect(w.findAll('[data-testid^="audit-row-"]')).toHaveLength(51)

    await w.find('[data-testid="audit-action-refused"]').trigger('click')
    await flushPromises()
    expect(argsOf<{ query: { action_prefix: string; offset: number } }>('admin_audit').query).toMatchObject({ action_prefix: 'refused:', offset: 0 })
    await w.find('[data-testid="audit-filter-user"]').trigger('click')
    await w.find('[data-testid="audit-user-option-u-worker3"]').trigger('click')
    await w.find('[data-testid="audit-filter-from"]').setValue('2026-12-01')
    await w.find('[data-testid="audit-filter-to"]').setValue('2026-12-01')
    await flushPromises()
    expect(argsOf<{ query: Record<string, unknown> }>('admin_audit').query).toMatchObject({
      user_id: 'u-worker3',
      since: new Date(2026, 11, 1).getTime(),
      until: new Date(2026, 11, 2).getTime(),
    })
  })
})

describe('admin: entry', () => {
  it('appears in Settings for administrators only', async () => {
    invoke.mockResolvedValue(null)
    const w = mountApp(SettingsView, { global: { plugins: [router()] } }, 'u-leader1')
    expect(w.find('[data-testid="settings-admin"]').exists()).toBe(false)
    useSessionStore().session!.role = 'admin'
    await nextTick()
    expect(w.find('[data-testid="settings-admin"]').exists()).toBe(true)
  })
})

describe('routes', () => {
  it('let only administrators into administration, and only leaders onto the dashboard', async () => {
    const { router: app } = await import('../src/router')
    const { createPinia, setActivePinia } = await import('pinia')
    const as = async (userId: string, role?: 'admin') => {
      setActivePinia(createPinia())
      const u = { ...reference.users.find((x) => x.id === userId)!, ...(role ? { role } : {}) }
      invoke.mockImplementation(async (cmd: string) =>
        cmd === 'session_get' ? { server: 's', user_id: u.id, username: u.username, name: u.name, role: u.role, device_id: 'd', last_sync_at: null }
        : cmd === 'reference_get' ? reference
        : null,
      )
      await app.push('/today')
    }
    await as('u-leader1')
    await app.push('/admin/users')
    expect(app.currentRoute.value.name).toBe('today')
    await app.push('/dashboard')
    expect(app.currentRoute.value.name).toBe('dashboard')
    await as('u-worker1')
    await app.push('/dashboard')
    expect(app.currentRoute.value.name).toBe('today')
    await as('u-street1', 'admin')
    await app.push('/admin/audit')
    expect(app.currentRoute.value.name).toBe('admin-audit')
  })
})
