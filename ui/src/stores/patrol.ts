import { defineStore } from 'pinia'
import { ref } from 'vue'
import { backend } from '../backend'
import type { PatrolDetail, PatrolKind, TrackPoint } from '../generated'

/** The patrol in progress on this device, if any. */
export const usePatrolStore = defineStore('patrol', () => {
  const active = ref<PatrolDetail | null>(null)
  /** Track points recorded in this app run (for the indicator). */
  const trackPoints = ref(0)
  const lastFixAt = ref<number | null>(null)

  function keep(d: PatrolDetail): PatrolDetail {
    active.value = d.patrol.ended_at === null ? d : null
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
    trackPoints.value = 0
    lastFixAt.value = null
    return keep(await backend.patrolStart(kind, grid, team))
  }

  async function get(id: string): Promise<PatrolDetail> {
    const d = await backend.patrolGet(id)
    if (d.patrol.ended_at === null) active.value = d
    else if (active.value?.patrol.id === id) active.value = null
    return d
  }

  async function checkStreet(id: string, street: string, note: string): Promise<PatrolDetail> {
    return keep(await backend.patrolCheckStreet(id, street, note))
  }

  async function recordTrack(id: string, points: TrackPoint[]): Promise<void> {
    await backend.patrolRecordTrack(id, points)
    trackPoints.value += points.length
    lastFixAt.value = points[points.length - 1]?.at ?? lastFixAt.value
  }

  async function end(id: string, note: string): Promise<PatrolDetail> {
    const d = await backend.patrolEnd(id, note)
    active.value = null
    return d
  }

  return { active, trackPoints, lastFixAt, loadActive, start, get, checkStreet, recordTrack, end }
})
