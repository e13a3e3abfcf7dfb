// DEV ONLY (`npm run dev:mock`): plausible geometry for the demo street office
// (streets and buildings inside each grid's boundary), a walker that plays the
// Rust track recorder, a rough coverage, and the GCJ-02 shift. The real
// versions live in Rust; none of this is bundled in production.
import type { OrgUnit, Reference, TrackPoint } from '../generated'
import type { GeoFeature, GeoPosition, MapCrs, StreetCoverage } from '../generated'

const R = 6_371_008.8
const rad = (d: number) => (d * Math.PI) / 180

export function haversine(a: GeoPosition, b: GeoPosition): number {
  const dLat = rad(b[1] - a[1])
  const dLon = rad(b[0] - a[0])
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.sqrt(h))
}

function ring(u: OrgUnit): GeoPosition[] | null {
  const b = u.boundary as { type?: string; coordinates?: GeoPosition[][] } | null
  return b?.type === 'Polygon' && b.coordinates?.[0] ? b.coordinates[0] : null
}

function bbox(u: OrgUnit): [number, number, number, number] | null {
  const r = ring(u)
  if (!r) return null
  const xs = r.map((p) => p[0])
  const ys = r.map((p) => p[1])
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
}

export interface MockStreet {
  grid: string
  name: string
  line: GeoPosition[]
}
export interface MockBuilding {
  id: string
  name: string
  grid: string
  ring: GeoPosition[]
}

/** Streets laid out as a lattice inside each grid's bounding box: even ones run east–west, odd ones north–south. */
export function demoStreets(ref: Reference): MockStreet[] {
  const out: MockStreet[] = []
  for (const u of ref.org.units) {
    const b = u.kind === 'grid' ? bbox(u) : null
    if (!b || !u.streets.length) continue
    const [w, s, e, n] = b
    const ix = (e - w) * 0.1
    const iy = (n - s) * 0.1
    const ew = u.streets.filter((_, i) => i % 2 === 0)
    const ns = u.streets.filter((_, i) => i % 2 === 1)
    u.streets.forEach((name, i) => {
      const k = Math.floor(i / 2)
      if (i % 2 === 0) {
        const y = s + iy + ((n - s - 2 * iy) * (k + 0.5)) / ew.length
        out.push({ grid: u.id, name, line: [[w + ix, y], [(w + e) / 2, y + (n - s) * 0.01], [e - ix, y]] })
      } else {
        const x = w + ix + ((e - w - 2 * ix) * (k + 0.5)) / ns.length
        out.push({ grid: u.id, name, line: [[x, s + iy], [x, n - iy]] })
      }
    })
  }
  return out
}

/** Small blocks between the streets for the grid's building units. */
export function demoBuildings(ref: Reference): MockBuilding[] {
  const out: MockBuilding[] = []
  for (const g of ref.org.units) {
    const b = g.kind === 'grid' ? bbox(g) : null
    if (!b) continue
    const kids = ref.org.units.filter((u) => u.parent === g.id && u.kind === 'building')
    kids.forEach((u, i) => {
      const cx = b[0] + ((b[2] - b[0]) * (i + 1)) / (kids.length + 1) + (b[2] - b[0]) * 0.06
      const cy = b[1] + (b[3] - b[1]) * (0.3 + 0.2 * (i % 3))
      const dx = 0.00028
      const dy = 0.0002
      out.push({ id: u.id, name: u.name, grid: g.id, ring: [[cx - dx, cy - dy], [cx + dx, cy - dy], [cx + dx, cy + dy], [cx - dx, cy + dy], [cx - dx, cy - dy]] })
    })
  }
  return out
}

export function lineLength(line: GeoPosition[]): number {
  let m = 0
  for (let i = 1; i < line.length; i++) m += haversine(line[i - 1], line[i])
  return m
}

/** The point `d` metres along a line (clamped to its ends). */
export function along(line: GeoPosition[], d: number): GeoPosition {
  let left = Math.max(0, d)
  for (let i = 1; i < line.length; i++) {
    const seg = haversine(line[i - 1], line[i])
    if (left <= seg && seg > 0) {
      const f = left / seg
      return [line[i - 1][0] + (line[i][0] - line[i - 1][0]) * f, line[i - 1][1] + (line[i][1] - line[i - 1][1]) * f]
    }
    left -= seg
  }
  return line[line.length - 1]
}

/** A walk through the grid's streets, one after another from street `first`; `jumps` are the legs between streets. */
export interface Route {
  line: GeoPosition[]
  /** Indices i whose leg line[i] → line[i+1] goes from one street to the next (not recorded). */
  jumps: Set<number>
}

export function walkRoute(streets: MockStreet[], first = 0): Route {
  const order = [...streets.slice(first), ...streets.slice(0, first)]
  const line: GeoPosition[] = []
  const jumps = new Set<number>()
  order.forEach((s, i) => {
    if (line.length) jumps.add(line.length - 1)
    line.push(...(i % 2 === 0 ? s.line : [...s.line].reverse()))
  })
  return { line, jumps }
}

/** Where a walker is `d` metres along a route, and whether that is between two streets. */
function onRoute(r: Route, d: number): { at: GeoPosition; jumping: boolean } {
  let left = Math.max(0, d)
  for (let i = 1; i < r.line.length; i++) {
    const seg = haversine(r.line[i - 1], r.line[i])
    // Between streets the walker hurries (a short cut), five times as fast.
    const cost = r.jumps.has(i - 1) ? seg / 5 : seg
    if (left <= cost && cost > 0) {
      const f = left / cost
      const a = r.line[i - 1]
      const b = r.line[i]
      return { at: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], jumping: r.jumps.has(i - 1) }
    }
    left -= cost
  }
  return { at: r.line[r.line.length - 1], jumping: false }
}

const WALK_M_PER_S = 1.1
const FIX_EVERY_MS = 5_000

/** The fixes a walker on `route` records between two times (every 5 s; none between streets). */
export function walkFixes(route: Route, startedAt: number, from: number, to: number): TrackPoint[] {
  const out: TrackPoint[] = []
  const first = Math.ceil((from - startedAt) / FIX_EVERY_MS) * FIX_EVERY_MS + startedAt
  for (let at = first; at <= to; at += FIX_EVERY_MS) {
    const { at: [lon, lat], jumping } = onRoute(route, ((at - startedAt) / 1000) * WALK_M_PER_S)
    if (jumping) continue
    const jitter = ((at / FIX_EVERY_MS) % 7) - 3
    out.push({ at, lat: lat + jitter * 0.000004, lon: lon - jitter * 0.000003, accuracy_m: 6 + Math.abs(jitter) })
  }
  return out
}

/** A track as lines, split where the recorder had a gap (over 30 s). */
export function trackLines(track: TrackPoint[]): GeoPosition[][] {
  const lines: GeoPosition[][] = []
  let prev: TrackPoint | undefined
  for (const p of track) {
    if (!prev || p.at - prev.at > 30_000) lines.push([])
    lines[lines.length - 1].push([p.lon, p.lat])
    prev = p
  }
  return lines.map((l) => (l.length === 1 ? [l[0], l[0]] : l))
}

const SAMPLE_M = 5
const NEAR_M = 15

/** Walked share of each street: samples every 5 m, walked when a fix is within 15 m. */
export function streetCoverage(streets: MockStreet[], tracks: TrackPoint[][], minShare: number): StreetCoverage[] {
  const pts: GeoPosition[] = tracks.flat().map((p) => [p.lon, p.lat])
  return streets.map((s) => {
    const length = lineLength(s.line)
    const n = Math.max(1, Math.floor(length / SAMPLE_M))
    let walked = 0
    for (let i = 0; i <= n; i++) {
      const q = along(s.line, (length * i) / n)
      if (pts.some((p) => Math.abs(p[1] - q[1]) < 0.0003 && haversine(p, q) <= NEAR_M)) walked++
    }
    const share = walked / (n + 1)
    return { name: s.name, length_m: Math.round(length), walked_m: Math.round(length * share), share, covered: share >= minShare }
  })
}

// --- GCJ-02 (the published "Mars" offset), for trying a GCJ-02 basemap in the mock ---
const A = 6378245.0
const EE = 0.00669342162296594323

function outOfChina(lat: number, lon: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}
function tLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3
  return r
}
function tLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3
  return r
}
function gcj(lat: number, lon: number): [number, number] {
  if (outOfChina(lat, lon)) return [lat, lon]
  let dLat = tLat(lon - 105, lat - 35)
  let dLon = tLon(lon - 105, lat - 35)
  const radLat = rad(lat)
  let magic = Math.sin(radLat)
  magic = 1 - EE * magic * magic
  const sq = Math.sqrt(magic)
  dLat = (dLat * 180) / (((A * (1 - EE)) / (magic * sq)) * Math.PI)
  dLon = (dLon * 180) / ((A / sq) * Math.cos(radLat) * Math.PI)
  return [lat + dLat, lon + dLon]
}

/** WGS-84 → the display CRS ([lon, lat]). */
export function toDisplay(crs: MapCrs, p: GeoPosition): GeoPosition {
  if (crs !== 'gcj02') return p
  const [lat, lon] = gcj(p[1], p[0])
  return [lon, lat]
}

/** The display CRS → WGS-84 ([lon, lat]), by fixed-point iteration. */
export function fromDisplay(crs: MapCrs, p: GeoPosition): GeoPosition {
  if (crs !== 'gcj02') return p
  let [lon, lat] = p
  for (let i = 0; i < 5; i++) {
    const [lat2, lon2] = gcj(lat, lon)
    lat -= lat2 - p[1]
    lon -= lon2 - p[0]
  }
  return [lon, lat]
}

/** Every position of a feature mapped (for shifting whole layers). */
export function mapFeature<P>(f: GeoFeature<P>, fn: (p: GeoPosition) => GeoPosition): GeoFeature<P> {
  const g = f.geometry
  switch (g.type) {
    case 'Point':
      return { ...f, geometry: { type: 'Point', coordinates: fn(g.coordinates) } }
    case 'LineString':
      return { ...f, geometry: { type: 'LineString', coordinates: g.coordinates.map(fn) } }
    case 'MultiLineString':
      return { ...f, geometry: { type: 'MultiLineString', coordinates: g.coordinates.map((l) => l.map(fn)) } }
    case 'Polygon':
      return { ...f, geometry: { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(fn)) } }
    case 'MultiPolygon':
      return { ...f, geometry: { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map((r) => r.map(fn))) } }
  }
}
