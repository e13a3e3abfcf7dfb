// What the map of a patrol shows: its grid, the cases found on it, and every member's track.
import { emptyFilter } from './filters'
import type { MapQuery } from '../generated'

export function patrolMapQuery(patrol: { id: string; grid: string }): Omit<MapQuery, 'crs'> {
  return { grids: [patrol.grid], cases: { ...emptyFilter(), patrol: patrol.id }, patrol: patrol.id }
}
