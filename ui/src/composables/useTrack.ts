import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { backend } from '../backend'
import { usePatrolStore } from '../stores/patrol'

export const TRACK_INTERVAL_MS = 15_000

/**
 * While the patrol screen is open: asks for the position every 15 s and
 * records each fix on the patrol's track.
 */
export function useTrack(patrolId: Ref<string | null>) {
  const store = usePatrolStore()
  const hasFix = ref<boolean | null>(null)
  let timer: ReturnType<typeof setInterval> | undefined
  let busy = false

  async function tick(): Promise<void> {
    const id = patrolId.value
    if (!id || busy) return
    busy = true
    try {
      const fix = await backend.locationCurrent()
      hasFix.value = fix !== null
      if (fix) {
        await store.recordTrack(id, [{ at: fix.at, lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m }])
      }
    } catch {
      hasFix.value = false
    } finally {
      busy = false
    }
  }

  onMounted(() => {
    timer = setInterval(() => void tick(), TRACK_INTERVAL_MS)
  })
  // First fix as soon as the patrol is known (it loads after mount).
  watch(patrolId, (id) => id && void tick(), { immediate: true })
  onBeforeUnmount(() => clearInterval(timer))
  return { hasFix, tick }
}
