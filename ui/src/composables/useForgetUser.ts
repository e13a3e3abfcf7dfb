import { usePatrolStore } from '../stores/patrol'
import { useSessionStore } from '../stores/session'
import { useSyncStore } from '../stores/sync'

/** Forgets, in the UI, everything that belonged to the user who just left (logout, revoked device). */
export function useForgetUser(): () => void {
  const session = useSessionStore()
  const patrol = usePatrolStore()
  const sync = useSyncStore()
  return () => {
    session.clear()
    patrol.active = null
    sync.reset()
  }
}
