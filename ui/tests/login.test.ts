// The login screen of ui/CONTRACT-device.md: probe the server first, ask
// before trusting it, set one's own password after a one-time one, and say
// whose unsynced work is still on a shared phone.
import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginView from '../src/views/LoginView.vue'
import type { ServerProbe, WaitingWork } from '../src/generated'
import { invoke, last, mountApp } from './setup'

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89'
const OLD = '00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF'
const https = (pinned: string | null): ServerProbe => ({ server: 'https://gp.example.cn', https: true, loopback: false, fingerprint: FP, pinned })
const http = (loopback: boolean): ServerProbe => ({ server: loopback ? 'http://127.0.0.1:8787' : 'http://10.0.0.5:8787', https: false, loopback, fingerprint: null, pinned: null })
const SESSION = { server: 'https://gp.example.cn', user_id: 'u-worker1', username: 'worker1', name: '王芳', role: 'grid_worker', device_id: 'd', last_sync_at: null }

type Answer = (cmd: string, a: Record<string, unknown>) => unknown
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd)
const loginArgs = () => last(calls('login'))[1] as Record<string, unknown>
const fail = (code: string) => ({ fail: { code, message: `rust says ${code}` } })

function router() {
  return createRouter({
    history: createMemoryHistory(),
    routes: ['/login', '/today'].map((path) => ({ path, name: path.slice(1), component: { template: '<div />' } })),
  })
}

async function mountLogin(answer: Answer, waiting: WaitingWork[] = []) {
  invoke.mockImplementation(async (cmd: string, a?: unknown) => {
    if (cmd === 'waiting_work') return waiting
    if (cmd === 'reference_get') return null
    const v = answer(cmd, (a ?? {}) as Record<string, unknown>) as { fail?: unknown } | undefined
    if (v && typeof v === 'object' && 'fail' in v) throw v.fail
    return v ?? null
  })
  const r = router()
  await r.push('/login')
  const w = mountApp(LoginView, { global: { plugins: [r] } })
  await flushPromises()
  return { w, r }
}

async function fillAndSubmit(w: VueWrapper, username = 'worker1', password = 'Otp-1234'): Promise<void> {
  await w.find('[data-testid="login-username"]').setValue(username)
  await w.find('[data-testid="login-password"]').setValue(password)
  await w.find('form').trigger('submit')
  await flushPromises()
}

const shown = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`).exists() && w.find(`[data-testid="${id}"]`).isVisible()

beforeEach(() => {
  invoke.mockReset()
  localStorage.clear()
})

describe('login: trusting the server', () => {
  it('on first contact over https, shows the fingerprint in groups and pins it only once confirmed', async () => {
    const { w, r } = await mountLogin((cmd) => (cmd === 'server_probe' ? https(null) : cmd === 'login' ? SESSION : null))
    await w.find('[data-testid="login-server"]').setValue('https://gp.example.cn/')
    await fillAndSubmit(w)
    expect(last(calls('server_probe'))[1]).toEqual({ server: 'https://gp.example.cn/' })
    expect(shown(w, 'login-pin-dialog')).toBe(true)
    expect(calls('login')).toHaveLength(0)
    const fp = w.find('[data-testid="login-pin-fingerprint"]')
    expect(fp.attributes('data-fingerprint')).toBe(FP)
    expect(fp.findAll('li').map((li) => li.text())).toHaveLength(16)
    expect(fp.findAll('li')[0].text()).toBe('1ABCD')
    expect(w.find('[data-testid="login-pin-dialog"]').text()).toContain('请与管理员核对服务器证书指纹')

    await w.find('[data-testid="login-pin-confirm"]').trigger('click')
    await flushPromises()
    expect(loginArgs()).toEqual({
      server: 'https://gp.example.cn', username: 'worker1', password: 'Otp-1234', new_password: null, pin: FP, allow_insecure_http: false,
    })
    expect(r.currentRoute.value.name).toBe('today')
    expect(localStorage.getItem('gridpatrol.server')).toBe('https://gp.example.cn')
  })

  it('sends nothing when the user cancels the fingerprint check', async () => {
    const { w } = await mountLogin((cmd) => (cmd === 'server_probe' ? https(null) : SESSION))
    await fillAndSubmit(w)
    await w.find('[data-testid="login-pin-cancel"]').trigger('click')
    await flushPromises()
    expect(shown(w, 'login-pin-dialog')).toBe(false)
    expect(calls('login')).toHaveLength(0)
    expect(w.find('[data-testid="login-submit"]').classes()).not.toContain('van-button--loading')
  })

  it('warns in red when the pinned certificate changed, and re-pins only if the user insists', async () => {
    const { w, r } = await mountLogin((cmd) => (cmd === 'server_probe' ? https(OLD) : cmd === 'login' ? SESSION : null))
    await fillAndSubmit(w)
    expect(shown(w, 'login-pin-changed')).toBe(true)
    expect(shown(w, 'login-pin-dialog')).toBe(false)
    expect(w.find('[data-testid="login-pin-changed"]').text()).toContain('可能有人冒充服务器')
    expect(w.find('[data-testid="login-pin-old"]').attributes('data-fingerprint')).toBe(OLD)
    expect(w.find('[data-testid="login-pin-changed-confirm"]').classes()).toContain('van-button--danger')
    await w.find('[data-testid="login-pin-changed-cancel"]').trigger('click')
    await flushPromises()
    expect(calls('login')).toHaveLength(0)

    await w.find('form').trigger('submit')
    await flushPromises()
    await w.find('[data-testid="login-pin-changed-confirm"]').trigger('click')
    await flushPromises()
    expect(loginArgs()).toMatchObject({ pin: FP, allow_insecure_http: false })
    expect(r.currentRoute.value.name).toBe('today')
  })

  it('logs in with the pin, without a question, when the certificate is the pinned one', async () => {
    const { w, r } = await mountLogin((cmd) => (cmd === 'server_probe' ? https(FP) : cmd === 'login' ? SESSION : null))
    await fillAndSubmit(w)
    expect(shown(w, 'login-pin-dialog')).toBe(false)
    expect(shown(w, 'login-pin-changed')).toBe(false)
    expect(loginArgs()).toMatchObject({ pin: FP, allow_insecure_http: false })
    expect(r.currentRoute.value.name).toBe('today')
  })

  it('warns about plain http to another machine and allows it only after 仍要继续', async () => {
    const { w } = await mountLogin((cmd) => (cmd === 'server_probe' ? http(false) : cmd === 'login' ? SESSION : null))
    await fillAndSubmit(w)
    expect(shown(w, 'login-insecure-dialog')).toBe(true)
    expect(w.find('[data-testid="login-insecure-dialog"]').text()).toContain('明文')
    expect(calls('login')).toHaveLength(0)
    const go = w.find('[data-testid="login-insecure-confirm"]')
    expect(go.text()).toBe('仍要继续')
    await go.trigger('click')
    await flushPromises()
    expect(loginArgs()).toMatchObject({ server: 'http://10.0.0.5:8787', pin: null, allow_insecure_http: true })
  })

  it('asks nothing for plain http to this machine', async () => {
    const { w, r } = await mountLogin((cmd) => (cmd === 'server_probe' ? http(true) : cmd === 'login' ? SESSION : null))
    await fillAndSubmit(w)
    expect(shown(w, 'login-insecure-dialog')).toBe(false)
    expect(loginArgs()).toMatchObject({ server: 'http://127.0.0.1:8787', pin: null, allow_insecure_http: false })
    expect(r.currentRoute.value.name).toBe('today')
  })

  it('shows the translated reason when the server cannot be probed, or refuses the login', async () => {
    const { w } = await mountLogin((cmd) => (cmd === 'server_probe' ? fail('offline') : null))
    await fillAndSubmit(w)
    expect(w.find('[data-testid="login-error"]').text()).toBe('网络不可用，将在恢复后自动同步')
    expect(calls('login')).toHaveLength(0)

    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'server_probe') return http(true)
      if (cmd === 'login') throw { code: 'wrong_credentials', message: 'no' }
      return null
    })
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="login-error"]').text()).toBe('用户名或密码错误')
  })
})

describe('login: a one-time password', () => {
  const answer = (weak = false): Answer => (cmd, a) => {
    if (cmd === 'server_probe') return https(FP)
    if (cmd !== 'login') return null
    if (a.new_password === null) return fail('password_change_required')
    if (weak) return fail('weak_password')
    return SESSION
  }

  it('asks for the user’s own password, twice, and logs in again with it', async () => {
    const { w, r } = await mountLogin(answer())
    await fillAndSubmit(w, 'worker1', 'k7QmX2pa9dRt')
    expect(w.find('[data-testid="login-new-password-form"]').exists()).toBe(true)
    expect(w.find('[data-testid="login-error"]').exists()).toBe(false)
    expect(w.find('[data-testid="login-new-password-form"]').text()).toContain('设置您自己的密码')

    await w.find('[data-testid="login-new-password"]').setValue('short')
    await w.find('[data-testid="login-new-password-again"]').setValue('short')
    await w.find('[data-testid="login-new-password-form"]').trigger('submit')
    expect(w.find('[data-testid="login-new-password-error"]').text()).toBe('新密码至少 8 位')
    await w.find('[data-testid="login-new-password"]').setValue('Liuyin-2026')
    await w.find('[data-testid="login-new-password-again"]').setValue('Liuyin-2025')
    await w.find('[data-testid="login-new-password-form"]').trigger('submit')
    expect(w.find('[data-testid="login-new-password-error"]').text()).toBe('两次输入的密码不一致')
    expect(calls('login')).toHaveLength(1)

    await w.find('[data-testid="login-new-password-again"]').setValue('Liuyin-2026')
    await w.find('[data-testid="login-new-password-form"]').trigger('submit')
    await flushPromises()
    expect(loginArgs()).toEqual({
      server: 'https://gp.example.cn', username: 'worker1', password: 'k7QmX2pa9dRt', new_password: 'Liuyin-2026', pin: FP, allow_insecure_http: false,
    })
    expect(r.currentRoute.value.name).toBe('today')
  })

  it('says so under the field when the server finds the new password weak', async () => {
    const { w, r } = await mountLogin(answer(true))
    await fillAndSubmit(w, 'worker1', 'k7QmX2pa9dRt')
    await w.find('[data-testid="login-new-password"]').setValue('12345678')
    await w.find('[data-testid="login-new-password-again"]').setValue('12345678')
    await w.find('[data-testid="login-new-password-form"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="login-new-password-error"]').text()).toBe('新密码至少 8 位，且不能与旧密码相同')
    expect(r.currentRoute.value.name).toBe('login')
    await w.find('[data-testid="login-new-password-cancel"]').trigger('click')
    expect(w.find('[data-testid="login-submit"]').exists()).toBe(true)
  })
})

describe('login: a shared phone', () => {
  it('names each person whose unsynced work is still on the phone', async () => {
    const waiting: WaitingWork[] = [
      { user_id: 'u-worker2', name: '王五', cases: 3, patrols: 0, photos: 1 },
      { user_id: 'u-worker3', name: '张伟', cases: 0, patrols: 1, photos: 0 },
      { user_id: 'u-worker9', name: '周婷', cases: 0, patrols: 0, photos: 0 },
    ]
    const { w } = await mountLogin(() => null, waiting)
    const box = w.find('[data-testid="login-waiting-work"]')
    expect(w.find('[data-testid="login-waiting-u-worker2"]').text()).toBe('王五 有 3 件案件、1 张照片未同步，需其本人登录后同步')
    expect(w.find('[data-testid="login-waiting-u-worker3"]').text()).toBe('张伟 有 1 次巡查未同步，需其本人登录后同步')
    expect(box.findAll('p')).toHaveLength(2)
  })

  it('shows no notice when nobody else’s work is waiting', async () => {
    const { w } = await mountLogin(() => null, [])
    expect(w.find('[data-testid="login-waiting-work"]').exists()).toBe(false)
  })
})
