import { onMounted, ref, type Ref } from 'vue'
import { adminFailure, type AdminFailure } from '../lib/admin'
import { useNotify } from './useNotify'

export type AdminLoadState = 'loading' | 'ready' | AdminFailure

/**
 * Loads what an admin screen shows from the server. Administration is online
 * only: an unreachable server is the `offline` state (shown as such, with a
 * retry), not a toast.
 */
export function useAdminLoad<T>(load: () => Promise<T>) {
  const notify = useNotify()
  const data = ref(null) as Ref<T | null>
  const state = ref<AdminLoadState>('loading')
  const message = ref('')

  async function reload(): Promise<void> {
    state.value = 'loading'
    try {
      data.value = await load()
      state.value = 'ready'
    } catch (e) {
      state.value = adminFailure(e)
      message.value = notify.text(e)
    }
  }

  onMounted(reload)
  return { data, state, message, reload }
}
