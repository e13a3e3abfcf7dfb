import { describe, expect, it } from 'vitest'
import { boundsOf, circlePolygon, emptyCollection, formatCoord, formatDistance, formatShare, lastPositionOf } from '../src/lib/geo'
import type { GeoFeatureCollection, GeoPosition } from '../src/generated'
import { haversine } from '../src/dev/mockGeo'

const t = (k: string, p?: Record<string, unknown>) => `${k}:${JSON.stringify(p)}`

describe('geo helpers (display coordinates, no CRS transform)', () => {
  it('bounds every position of points, lines and polygons, and extra points', () => {
    const c: GeoFeatureCollection<unknown> = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[120.158, 30.2746], [120.1644, 30.2746], [120.1644, 30.2802], [120.158, 30.2746]]] }, properties: {} },
        { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: [[[120.17, 30.27], [120.171, 30.271]]] }, properties: {} },
      ],
    }
    expect(boundsOf([c])).toEqual([120.158, 30.27, 120.171, 30.2802])
    expect(boundsOf([c], [[120.2, 30.3]])).toEqual([120.158, 30.27, 120.2, 30.3])
    expect(boundsOf([emptyCollection()])).toBeNull()
    expect(boundsOf([], [[Number.NaN, 1]])).toBeNull()
  })

  it('draws the accuracy circle with the right radius in metres', () => {
    const center: GeoPosition = [120.161, 30.277]
    const f = circlePolygon(center, 25)
    expect(f.geometry.type).toBe('Polygon')
    const ring = (f.geometry as { coordinates: GeoPosition[][] }).coordinates[0]
    expect(ring[0]).toEqual(ring[ring.length - 1])
    for (const p of ring) expect(Math.abs(haversine(center, p) - 25)).toBeLessThan(0.5)
  })

  it('takes a member’s live position from the end of their track', () => {
    const tracks = {
      type: 'FeatureCollection' as const,
      features: [
        { type: 'Feature' as const, geometry: { type: 'LineString' as const, coordinates: [[1, 2], [3, 4]] as GeoPosition[] }, properties: { user_id: 'a' } },
        { type: 'Feature' as const, geometry: { type: 'MultiLineString' as const, coordinates: [[[5, 6]], [[7, 8], [9, 10]]] as GeoPosition[][] }, properties: { user_id: 'b' } },
      ],
    }
    expect(lastPositionOf(tracks, 'a')).toEqual([3, 4])
    expect(lastPositionOf(tracks, 'b')).toEqual([9, 10])
    expect(lastPositionOf(tracks, 'c')).toBeNull()
    expect(lastPositionOf(null, 'a')).toBeNull()
  })

  it('formats coordinates to 6 decimals, distances and shares', () => {
    expect(formatCoord(30.2771234567)).toBe('30.277123')
    expect(formatDistance(34.6, t)).toBe('map.metres:{"n":35}')
    expect(formatDistance(1234, t)).toBe('map.kilometres:{"n":"1.2"}')
    expect(formatDistance(23_456, t)).toBe('map.kilometres:{"n":"23"}')
    expect(formatShare(0.834)).toBe('83%')
    expect(formatShare(1.2)).toBe('100%')
  })
})
