import { onBeforeUnmount, onMounted, ref } from 'vue'
import { backend } from '../backend'
import type { DisplayPosition } from '../lib/geo'
import type { LocationFix } from '../generated'
import { useMapStore } from '../stores/map'

export const POSITION_INTERVAL_MS = 10_000

/**
 * The device's position while the component lives: asks every `intervalMs`
 * and converts each fix to the map's display coordinates (it records nothing).
 */
export function usePosition(intervalMs = POSITION_INTERVAL_MS) {
  const mapStore = useMapStore()
  const fix = ref<LocationFix | null>(null)
  const display = ref<DisplayPosition | null>(null)
  let timer: ReturnType<typeof setInterval> | undefined
  let busy = false

  async function refresh(): Promise<void> {
    if (busy) return
    busy = true
    try {
      const f = await backend.locationCurrent()
      fix.value = f
      display.value = f ? { ...(await mapStore.toDisplay({ lat: f.lat, lon: f.lon })), accuracy_m: f.accuracy_m } : null
    } catch {
      display.value = null
    } finally {
      busy = false
    }
  }

  onMounted(() => {
    void refresh()
    timer = setInterval(() => void refresh(), intervalMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return { fix, display, refresh }
}
