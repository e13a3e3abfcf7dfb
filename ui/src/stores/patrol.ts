import { defineStore } from 'pinia'
import { ref } from 'vue'
import { backend } from '../backend'
import type { PatrolKind } from '../generated'
import type { PatrolDetail } from '../generated'
import { useSessionStore } from './session'

/**
 * The patrol in progress on this device, if any: one the user started or
 * joined and whose part they have not ended. Rust records its track.
 */
export const usePatrolStore = defineStore('patrol', () => {
  const active = ref<PatrolDetail | null>(null)

  /** Keeps `d` as the active patrol while it (and my part of it) runs. */
  function keep(d: PatrolDetail): PatrolDetail {
    const me = useSessionStore().session?.user_id
    const mine = d.members.find((m) => m.user_id === me)
    const running = d.patrol.ended_at === null && (!mine || mine.ended_at === null)
    if (running) active.value = d
    else if (active.value?.patrol.id === d.patrol.id) active.value = null
    return d
  }

  async function loadActive(): Promise<PatrolDetail | null> {
    try {
      active.value = await backend.patrolActive()
    } catch {
      active.value = null
    }
    return active.value
  }

  async function start(kind: PatrolKind, grid: string, team: string[]): Promise<PatrolDetail> {
    return keep(await backend.patrolStart(kind, grid, team))
  }

  async function get(id: string): Promise<PatrolDetail> {
    return keep(await backend.patrolGet(id))
  }

  async function checkStreet(id: string, street: string, note: string): Promise<PatrolDetail> {
    return keep(await backend.patrolCheckStreet(id, street, note))
  }

  async function join(id: string): Promise<PatrolDetail> {
    return keep(await backend.patrolJoin(id))
  }

  async function joinCode(code: string): Promise<PatrolDetail> {
    return keep(await backend.patrolJoinCode(code))
  }

  /** Ends the whole patrol for everyone. */
  async function end(id: string, note: string): Promise<PatrolDetail> {
    const d = await backend.patrolEnd(id, note)
    active.value = null
    return d
  }

  /** Ends only my part of a team patrol. */
  async function endPart(id: string, note: string): Promise<PatrolDetail> {
    const d = await backend.patrolEndPart(id, note)
    if (active.value?.patrol.id === id) active.value = null
    return d
  }

  return { active, loadActive, start, get, checkStreet, join, joinCode, end, endPart }
})
