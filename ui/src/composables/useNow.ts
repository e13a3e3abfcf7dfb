import { onBeforeUnmount, onMounted, ref } from 'vue'
import { appNow } from '../lib/clock'

/** The current time in ms, refreshed every `intervalMs` while the component lives. */
export function useNow(intervalMs = 1000) {
  const now = ref(appNow())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => (now.value = appNow()), intervalMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
