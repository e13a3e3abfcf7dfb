import { defineStore } from 'pinia'
import { ref } from 'vue'
import { backend, onSyncProgress, toBackendError, type BackendError } from '../backend'
import type { SyncProgress, SyncReport, UnsyncedSummary } from '../generated'
import { useSessionStore } from './session'

/** Sync state: a run in progress, its live progress, the last result, what is pending. */
export const useSyncStore = defineStore('sync', () => {
  const running = ref(false)
  const progress = ref<SyncProgress | null>(null)
  const report = ref<SyncReport | null>(null)
  const error = ref<BackendError | null>(null)
  const unsynced = ref<UnsyncedSummary | null>(null)

  async function refreshUnsynced(): Promise<void> {
    try {
      unsynced.value = await backend.syncUnsynced()
    } catch {
      /* offline store problems show elsewhere */
    }
  }

  /** Runs one sync; never throws (the error is kept in `error`). */
  async function run(): Promise<SyncReport | null> {
    if (running.value) return null
    running.value = true
    error.value = null
    progress.value = null
    const unlisten = await onSyncProgress((p) => {
      progress.value = p
    })
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
      try {
        void Promise.resolve(unlisten()).catch(() => {})
      } catch {
        /* already gone */
      }
      running.value = false
      await refreshUnsynced()
    }
  }

  return { running, progress, report, error, unsynced, run, refreshUnsynced }
})
