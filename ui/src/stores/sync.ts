import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { backend, onSyncProgress, onSyncStatus, toBackendError, type BackendError } from '../backend'
import type { SyncProgress, SyncReport, UnsyncedSummary } from '../generated'
import type { AutoSyncStatus } from '../generated'
import { useSessionStore } from './session'

/**
 * Sync state. Rust syncs by itself (after saves, periodically, when the
 * network is back); this store follows it through the `sync-status` and
 * `sync-progress` events, and runs a manual sync on request.
 */
export const useSyncStore = defineStore('sync', () => {
  /** A manual run (the button) is waiting for its report. */
  const manual = ref(false)
  /** The automatic sync's state, from `sync_status` and the `sync-status` event. */
  const status = ref<AutoSyncStatus | null>(null)
  const progress = ref<SyncProgress | null>(null)
  const report = ref<SyncReport | null>(null)
  const error = ref<BackendError | null>(null)
  const unsynced = ref<UnsyncedSummary | null>(null)
  let starting: Promise<void> | null = null

  /** A run is going on, manual or automatic. */
  const running = computed(() => manual.value || status.value?.running === true)
  /** Records (cases and patrols) not yet confirmed by the server. */
  const unsyncedCount = computed(() => unsynced.value?.items.length ?? 0)
  /** When the last run succeeded: the automatic sync's record, else the session's. */
  const lastOkAt = computed(() => status.value?.last_ok_at ?? useSessionStore().session?.last_sync_at ?? null)

  async function refreshUnsynced(): Promise<void> {
    try {
      unsynced.value = await backend.syncUnsynced()
    } catch {
      /* offline store problems show elsewhere */
    }
  }

  /** Status events received; an answer to `sync_status` older than the last one is dropped. */
  let statusEvents = 0

  async function refreshStatus(): Promise<void> {
    const seen = statusEvents
    try {
      const s = await backend.syncStatus()
      // An event that came while asking is newer than this answer (an
      // answer saying "running" kept the button spinning after the run).
      if (s && statusEvents === seen) status.value = s
    } catch {
      /* not logged in yet, or outside Tauri */
    }
  }

  /** A new status from Rust: keep it, re-read what is pending, and after a successful run the session and reference. */
  async function statusChanged(s: AutoSyncStatus): Promise<void> {
    statusEvents += 1
    const before = status.value
    status.value = s
    if (s.running && !before?.running) progress.value = null
    if (s.last_ok_at !== null && s.last_ok_at !== before?.last_ok_at) await useSessionStore().refresh()
    await refreshUnsynced()
  }

  /**
   * Follows Rust's sync for the life of the app (call once; later calls do
   * nothing): the status and progress events, and the window's `online`
   * event, which tells Rust to sync at once.
   */
  function start(): Promise<void> {
    starting ??= (async () => {
      globalThis.window?.addEventListener('online', () => void backend.syncNetworkUp().catch(() => {}))
      await Promise.all([
        onSyncStatus((s) => void statusChanged(s)),
        onSyncProgress((p) => {
          progress.value = p
        }),
      ])
      await refreshStatus()
    })()
    return starting
  }

  /** Runs one sync (joining an automatic run if one is going); never throws (the error is kept in `error`). */
  async function run(): Promise<SyncReport | null> {
    if (manual.value) return null
    manual.value = true
    error.value = null
    progress.value = null
    await start()
    try {
      const r = await backend.syncNow()
      report.value = r
      progress.value = r.progress
      await useSessionStore().refresh()
      return r
    } catch (e) {
      error.value = toBackendError(e)
      return null
    } finally {
      manual.value = false
      await Promise.all([refreshUnsynced(), refreshStatus()])
    }
  }

  /** Forgets what belonged to the previous user (logout, revocation). */
  function reset(): void {
    report.value = null
    progress.value = null
    error.value = null
    unsynced.value = null
    status.value = null
  }

  return {
    running, status, progress, report, error, unsynced, unsyncedCount, lastOkAt,
    run, start, refreshUnsynced, refreshStatus, reset,
  }
})
