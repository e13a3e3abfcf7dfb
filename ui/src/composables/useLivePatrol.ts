import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import type { MapLayers, PatrolDetail } from '../generated'
import { patrolMapQuery } from '../lib/patrolMap'
import { useMapStore } from '../stores/map'
import { usePatrolStore } from '../stores/patrol'

export const PATROL_REFRESH_MS = 5_000

/**
 * While the patrol screen is open: re-reads the patrol (coverage, members)
 * and its map (tracks, cases found) every few seconds. Rust records the
 * track by itself, whichever screen is open; this only shows it.
 */
export function useLivePatrol(patrolId: Ref<string>, detail: Ref<PatrolDetail | null>, onFirstError?: (e: unknown) => void) {
  const store = usePatrolStore()
  const mapStore = useMapStore()
  const layers = ref<MapLayers | null>(null)
  let timer: ReturnType<typeof setInterval> | undefined
  let busy = false
  let loaded = false

  async function refresh(): Promise<void> {
    const id = patrolId.value
    if (busy) return
    busy = true
    try {
      const d = await store.get(id)
      if (patrolId.value !== id) return
      detail.value = d
      loaded = true
      const l = await mapStore.layers(patrolMapQuery(d.patrol))
      if (patrolId.value === id) layers.value = l
    } catch (e) {
      // Keep showing the last state; the next tick tries again.
      if (!loaded) onFirstError?.(e)
      loaded = true
    } finally {
      busy = false
    }
  }

  onMounted(() => {
    void refresh()
    timer = setInterval(() => void refresh(), PATROL_REFRESH_MS)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return { layers, refresh }
}
