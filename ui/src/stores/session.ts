import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { backend, PLAIN_LOGIN, type LoginOptions } from '../backend'
import type { Reference, SessionInfo, User } from '../generated'
import { gridsOfUser, isLeader, makeNames, PATROL_ROLES } from '../lib/names'
import type { LogoutResult } from '../generated'

/** Who is logged in, and the reference data (org tree, users, categories). */
export const useSessionStore = defineStore('session', () => {
  const session = ref<SessionInfo | null>(null)
  const reference = ref<Reference | null>(null)
  const ready = ref(false)
  let initializing: Promise<void> | null = null

  const names = computed(() => makeNames(reference.value))
  const me = computed<User | undefined>(() => reference.value?.users.find((u) => u.id === session.value?.user_id))
  const role = computed(() => session.value?.role)
  const myGrids = computed(() =>
    reference.value && session.value
      ? gridsOfUser(reference.value, { role: session.value.role, units: me.value?.units ?? [] })
      : [],
  )
  const leader = computed(() => isLeader(role.value))
  const patrols = computed(() => !!role.value && PATROL_ROLES.includes(role.value))

  async function loadReference(): Promise<void> {
    try {
      reference.value = await backend.referenceGet()
    } catch {
      // No reference yet (never synced): screens fall back to showing ids.
    }
  }

  /** Decides at startup whether we have a session (works offline). */
  function init(): Promise<void> {
    if (!initializing) {
      initializing = (async () => {
        try {
          session.value = await backend.sessionGet()
          if (session.value) await loadReference()
        } catch {
          session.value = null
        } finally {
          ready.value = true
        }
      })()
    }
    return initializing
  }

  async function login(server: string, username: string, password: string, options: LoginOptions = PLAIN_LOGIN): Promise<void> {
    session.value = await backend.login(server, username, password, options)
    await loadReference()
  }

  /** Logs out; `revoked: false` means Rust revokes the token once it is online. */
  async function logout(): Promise<LogoutResult> {
    const r = await backend.logout()
    clear()
    return r ?? { revoked: true }
  }

  /** Forgets the session here (after a logout, or when Rust ended it: the device was revoked). */
  function clear(): void {
    session.value = null
    reference.value = null
  }

  /** Re-reads the session (e.g. last sync time) and reference after a sync. */
  async function refresh(): Promise<void> {
    try {
      const s = await backend.sessionGet()
      if (s) session.value = s
    } catch {
      /* keep what we have */
    }
    await loadReference()
  }

  return { session, reference, ready, names, me, role, myGrids, leader, patrols, init, login, logout, clear, refresh, loadReference }
})
