// Small helpers over GeoJSON that is already in display coordinates: bounds,
// the accuracy circle around a fix, and display formats. No CRS transform
// happens here (Rust shifts overlays for GCJ-02 basemaps).
import type { GeoFeature, GeoFeatureCollection, GeoGeometry, GeoPosition, LatLon, MapLayers } from '../generated'
import type { Translate } from './format'

/** A position on the map with the accuracy of the fix it came from. */
export type DisplayPosition = LatLon & { accuracy_m: number | null }

/** [west, south, east, north] */
export type Bounds = [number, number, number, number]

const EARTH_RADIUS_M = 6_371_008.8

export function emptyCollection<P>(): GeoFeatureCollection<P> {
  return { type: 'FeatureCollection', features: [] }
}

export function emptyLayers(): MapLayers {
  return {
    grids: emptyCollection(),
    streets: emptyCollection(),
    buildings: emptyCollection(),
    cases: emptyCollection(),
    tracks: emptyCollection(),
  }
}

function positions(g: GeoGeometry): GeoPosition[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates]
    case 'LineString':
      return g.coordinates
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.flat()
    case 'MultiPolygon':
      return g.coordinates.flat(2)
  }
}

/** The bounds of every position in the collections, or null when there is none. */
export function boundsOf(collections: Array<GeoFeatureCollection<unknown>>, extra: GeoPosition[] = []): Bounds | null {
  let b: Bounds | null = null
  const add = ([x, y]: GeoPosition) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return
    b = b ? [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)] : [x, y, x, y]
  }
  for (const c of collections) for (const f of c.features) positions(f.geometry).forEach(add)
  extra.forEach(add)
  return b
}

/** How many features a collection has (for data attributes the WebDriver suite reads). */
export function countOf(c: GeoFeatureCollection<unknown> | null | undefined): number {
  return c?.features.length ?? 0
}

/** A polygon approximating a circle of `radiusM` metres around a point (for the accuracy of a fix). */
export function circlePolygon(center: GeoPosition, radiusM: number, steps = 48): GeoFeature<Record<string, never>> {
  const [lon, lat] = center
  const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI)
  const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6)
  const ring: GeoPosition[] = []
  for (let i = 0; i <= steps; i++) {
    const a = (2 * Math.PI * (i % steps)) / steps
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)])
  }
  return { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: {} }
}

export function pointFeature<P>(p: GeoPosition, properties: P): GeoFeature<P> {
  return { type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties }
}

/** Latitude or longitude to 6 decimals (about 0.1 m). */
export function formatCoord(x: number): string {
  return x.toFixed(6)
}

/** 35 米 / 1.2 公里 */
export function formatDistance(m: number, t: Translate): string {
  if (m < 1000) return t('map.metres', { n: Math.round(m) })
  return t('map.kilometres', { n: (m / 1000).toFixed(m < 10_000 ? 1 : 0) })
}

/** 0.834 → 83% */
export function formatShare(share: number): string {
  return `${Math.round(Math.max(0, Math.min(1, share)) * 100)}%`
}

/** The last position of a member's track (their live position during a patrol). */
export function lastPositionOf(tracks: GeoFeatureCollection<{ user_id: string }> | null | undefined, userId: string | undefined): GeoPosition | null {
  const f = tracks?.features.find((x) => x.properties.user_id === userId)
  if (!f) return null
  const g = f.geometry
  const line = g.type === 'LineString' ? g.coordinates : g.type === 'MultiLineString' ? g.coordinates[g.coordinates.length - 1] : null
  return line && line.length ? line[line.length - 1] : null
}
