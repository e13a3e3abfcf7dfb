// Shared test helpers: the mocked Tauri bridge, Pinia with the fixture loaded, i18n.
import { vi } from 'vitest'
import { invoke as realInvoke } from '@tauri-apps/api/core'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import type { Component } from 'vue'
import { i18n, setLocale } from '../src/i18n'
import { useSessionStore } from '../src/stores/session'
import { reference } from './fixture'

/** The mocked `invoke` (see tests/mocks.ts). */
export const invoke = vi.mocked(realInvoke)

/** A Pinia with a logged-in worker and the fixture reference. */
export function piniaWithSession(userId = 'u-worker1'): Pinia {
  const pinia = createPinia()
  setActivePinia(pinia)
  const s = useSessionStore()
  const u = reference.users.find((x) => x.id === userId)!
  s.session = {
    server: 'http://127.0.0.1:8787',
    user_id: u.id,
    username: u.username,
    name: u.name,
    role: u.role,
    device_id: 'dev-1',
    last_sync_at: null,
  }
  s.reference = reference
  s.ready = true
  return pinia
}

export function mountApp<C extends Component>(comp: C, options: ComponentMountingOptions<C> = {}, userId?: string) {
  setLocale('zh-CN')
  const pinia = piniaWithSession(userId)
  return mount(comp, {
    ...options,
    global: { ...(options.global ?? {}), plugins: [pinia, i18n, ...(options.global?.plugins ?? [])] },
  } as ComponentMountingOptions<C>)
}

/** The last element (the ES2021 lib has no Array.prototype.at). */
export function last<T>(xs: T[]): T {
  return xs[xs.length - 1]
}
