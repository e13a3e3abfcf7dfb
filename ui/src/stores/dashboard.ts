import { defineStore } from 'pinia'
import { ref } from 'vue'
import { backend, toBackendError, type BackendError } from '../backend'
import { neighbourAt } from '../lib/period'
import type { Dashboard, DashboardGranularity, DashboardQuery } from '../generated'
import { appNow } from '../lib/clock'

/** How many periods the trend shows. */
export const TREND_LENGTH: Record<DashboardGranularity, number> = { week: 8, month: 6 }
/** A dashboard younger than this is shown again without asking (coming back from the case list). */
const FRESH_MS = 60_000

/** The dashboard's selected period and its figures; kept while the user opens the cases behind a figure. */
export const useDashboardStore = defineStore('dashboard', () => {
  const granularity = ref<DashboardGranularity>('week')
  /** An instant inside the selected period; null: the current one. */
  const at = ref<number | null>(null)
  const data = ref<Dashboard | null>(null)
  const loading = ref(false)
  const error = ref<BackendError | null>(null)
  let loadedAt = 0
  let loadedKey = ''
  let generation = 0

  function query(now = appNow()): DashboardQuery {
    return { granularity: granularity.value, at: at.value ?? now, trend: TREND_LENGTH[granularity.value] }
  }

  /** Loads the figures of the selected period (again when `force`, or when they are old). */
  async function load(force = false): Promise<void> {
    const q = query()
    const key = `${q.granularity}|${at.value ?? 'now'}`
    if (!force && data.value && key === loadedKey && appNow() - loadedAt < FRESH_MS) return
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const d = await backend.dashboardGet(q)
      if (gen !== generation) return
      data.value = d
      loadedAt = appNow()
      loadedKey = key
    } catch (e) {
      if (gen !== generation) return
      error.value = toBackendError(e)
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  function setGranularity(g: DashboardGranularity): Promise<void> {
    if (g === granularity.value) return Promise.resolve()
    granularity.value = g
    // Keep the same moment: the month of the selected week, the week of… the current one.
    at.value = data.value && at.value !== null ? Math.min(data.value.period.to - 1, appNow()) : null
    return load()
  }

  function step(dir: -1 | 1): Promise<void> {
    if (!data.value) return Promise.resolve()
    const next = neighbourAt(data.value.period, dir)
    at.value = next > appNow() ? null : next
    return load()
  }

  /** Jumps to the period with this label in the trend. */
  function select(label: string): Promise<void> {
    const p = data.value?.trend.periods.find((x) => x.label === label)
    if (!p || p.label === data.value?.period.label) return Promise.resolve()
    at.value = p.from
    return load()
  }

  function current(): Promise<void> {
    at.value = null
    return load()
  }

  return { granularity, at, data, loading, error, query, load, setGranularity, step, select, current }
})
