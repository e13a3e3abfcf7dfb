// The MapLibre style of the app's map: a plain background (no tiles needed),
// an optional basemap, and the overlays drawn from reference data and local
// cases. Pure functions, so they are testable without WebGL.
//
// Labels: the style has no `glyphs` URL, so MapLibre draws every glyph
// (Chinese, Latin and digits alike) locally with TinySDF from the fonts in
// `text-font` — no glyph PBFs, no server, works with no signal.
import type {
  ExpressionSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl'
import type { Theme } from './theme'
import type { GeoFeatureCollection, MapLayers, TrackFeatureProps } from '../generated'
import { emptyCollection, emptyLayers } from './geo'
import { SLA_COLORS } from './sla'

/** CSS font families for labels (system fonts; the first one present wins). */
export const LABEL_FONTS = ['Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei']
/** MapLibre's `localIdeographFontFamily` map option: the same families, as a CSS list. */
export const LOCAL_IDEOGRAPH_FONTS = LABEL_FONTS.map((f) => `'${f}'`).join(', ') + ', sans-serif'

export const CLOSED_COLOR = '#9e9e9e'
/** One colour per team member, in team order. */
export const TRACK_COLORS = ['#1565c0', '#8e24aa', '#00897b', '#d81b60', '#6d4c41', '#f4511e']

/** Overlay source ids. */
export const SRC = {
  grids: 'gp-grids',
  streets: 'gp-streets',
  buildings: 'gp-buildings',
  cases: 'gp-cases',
  tracks: 'gp-tracks',
  position: 'gp-position',
} as const

/** Layers a tap on the map looks for. */
export const PIN_LAYER = 'gp-case-pin'
export const CLUSTER_LAYER = 'gp-case-cluster'

export interface Palette {
  background: string
  gridFill: string
  gridLine: string
  street: string
  streetCasing: string
  building: string
  buildingLine: string
  text: string
  halo: string
  position: string
}

export const PALETTES: Record<Theme, Palette> = {
  light: {
    background: '#f2efe9',
    gridFill: 'rgba(25, 137, 250, 0.06)',
    gridLine: '#1989fa',
    street: '#ffffff',
    streetCasing: '#c8c1b4',
    building: '#dcd3c4',
    buildingLine: '#c4b9a6',
    text: '#2b2b2b',
    halo: '#ffffff',
    position: '#1989fa',
  },
  dark: {
    background: '#1b1e24',
    gridFill: 'rgba(77, 163, 255, 0.08)',
    gridLine: '#4da3ff',
    street: '#444b58',
    streetCasing: '#5a6273',
    building: '#2c313b',
    buildingLine: '#3b4250',
    text: '#e6e6e6',
    halo: '#111318',
    position: '#4da3ff',
  },
}

/** A basemap ready for the style: its sources and layers (drawn under the overlays). */
export interface ResolvedBasemap {
  sources: Record<string, SourceSpecification>
  layers: LayerSpecification[]
  attribution: string
}

const isRed: ExpressionSpecification = ['all', ['!', ['get', 'closed']], ['==', ['get', 'sla_state'], 'red']]
const isYellow: ExpressionSpecification = ['all', ['!', ['get', 'closed']], ['==', ['get', 'sla_state'], 'yellow']]

/** The pin colour: grey when closed, else the SLA colour (grey when it has none). */
export const PIN_COLOR: ExpressionSpecification = [
  'case',
  ['boolean', ['get', 'closed'], false],
  CLOSED_COLOR,
  ['match', ['get', 'sla_state'], 'red', SLA_COLORS.red, 'yellow', SLA_COLORS.yellow, 'green', SLA_COLORS.green, CLOSED_COLOR],
]

/** A cluster takes the worst colour among its pins. */
export const CLUSTER_COLOR: ExpressionSpecification = [
  'case',
  ['>', ['get', 'red'], 0],
  SLA_COLORS.red,
  ['>', ['get', 'yellow'], 0],
  SLA_COLORS.yellow,
  ['>', ['get', 'open'], 0],
  SLA_COLORS.green,
  CLOSED_COLOR,
]

function geojson(data: unknown, extra: Record<string, unknown> = {}): SourceSpecification {
  return { type: 'geojson', data: data as never, ...extra } as SourceSpecification
}

/** The overlay sources; the case source clusters, counting red, yellow and open pins. */
export function overlaySources(layers: MapLayers, position: GeoFeatureCollection<unknown> = emptyCollection()): Record<string, SourceSpecification> {
  return {
    [SRC.grids]: geojson(layers.grids),
    [SRC.streets]: geojson(layers.streets),
    [SRC.buildings]: geojson(layers.buildings),
    [SRC.tracks]: geojson(layers.tracks),
    [SRC.position]: geojson(position),
    [SRC.cases]: geojson(layers.cases, {
      cluster: true,
      clusterRadius: 44,
      clusterMaxZoom: 16,
      clusterProperties: {
        red: ['+', ['case', isRed, 1, 0]],
        yellow: ['+', ['case', isYellow, 1, 0]],
        open: ['+', ['case', ['boolean', ['get', 'closed'], false], 0, 1]],
      },
    }),
  }
}

function label(p: Palette) {
  return { 'text-color': p.text, 'text-halo-color': p.halo, 'text-halo-width': 1.6 }
}

/** The overlay layers, bottom to top. */
export function overlayLayers(p: Palette): LayerSpecification[] {
  const font = LABEL_FONTS
  const polygon: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon']
  const point: ExpressionSpecification = ['==', ['geometry-type'], 'Point']
  return [
    { id: 'gp-grid-fill', type: 'fill', source: SRC.grids, paint: { 'fill-color': p.gridFill } },
    { id: 'gp-building-fill', type: 'fill', source: SRC.buildings, filter: polygon, paint: { 'fill-color': p.building, 'fill-outline-color': p.buildingLine } },
    { id: 'gp-building-dot', type: 'circle', source: SRC.buildings, filter: point, paint: { 'circle-radius': 5, 'circle-color': p.building, 'circle-stroke-color': p.buildingLine, 'circle-stroke-width': 1.5 } },
    { id: 'gp-street-casing', type: 'line', source: SRC.streets, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': p.streetCasing, 'line-width': ['interpolate', ['linear'], ['zoom'], 13, 3, 18, 14] } },
    { id: 'gp-street', type: 'line', source: SRC.streets, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': p.street, 'line-width': ['interpolate', ['linear'], ['zoom'], 13, 1.5, 18, 11] } },
    { id: 'gp-grid-line', type: 'line', source: SRC.grids, paint: { 'line-color': p.gridLine, 'line-width': 2.5, 'line-dasharray': [3, 2] } },
    { id: 'gp-track', type: 'line', source: SRC.tracks, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['coalesce', ['get', 'color'], TRACK_COLORS[0]], 'line-width': 4, 'line-opacity': 0.85 } },
    { id: 'gp-position-accuracy', type: 'fill', source: SRC.position, filter: polygon, paint: { 'fill-color': p.position, 'fill-opacity': 0.15 } },
    { id: 'gp-position', type: 'circle', source: SRC.position, filter: point, paint: { 'circle-radius': 7, 'circle-color': p.position, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } },
    { id: 'gp-street-label', type: 'symbol', source: SRC.streets, minzoom: 15, layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': font, 'text-size': 13, 'text-max-angle': 40 }, paint: label(p) },
    { id: 'gp-building-label', type: 'symbol', source: SRC.buildings, minzoom: 16.5, layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': 11, 'text-offset': [0, 1], 'text-optional': true }, paint: label(p) },
    { id: 'gp-grid-label', type: 'symbol', source: SRC.grids, layout: { 'text-field': ['get', 'name'], 'text-font': font, 'text-size': 15, 'text-max-width': 8 }, paint: { ...label(p), 'text-color': p.gridLine } },
    { id: CLUSTER_LAYER, type: 'circle', source: SRC.cases, filter: ['has', 'point_count'], paint: { 'circle-color': CLUSTER_COLOR, 'circle-radius': ['step', ['get', 'point_count'], 16, 10, 20, 50, 26], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } },
    { id: 'gp-case-cluster-count', type: 'symbol', source: SRC.cases, filter: ['has', 'point_count'], layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-font': font, 'text-size': 14, 'text-allow-overlap': true }, paint: { 'text-color': '#ffffff' } },
    { id: PIN_LAYER, type: 'circle', source: SRC.cases, filter: ['!', ['has', 'point_count']], paint: { 'circle-color': PIN_COLOR, 'circle-radius': 10, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 } },
  ]
}

/** The whole style. Without a basemap, only the plain background is under the overlays. */
export function buildStyle(
  theme: Theme,
  basemap: ResolvedBasemap | null,
  layers: MapLayers | null = null,
  position: GeoFeatureCollection<unknown> = emptyCollection(),
): StyleSpecification {
  const p = PALETTES[theme]
  return {
    version: 8,
    sources: { ...(basemap?.sources ?? {}), ...overlaySources(layers ?? emptyLayers(), position) },
    layers: [{ id: 'gp-background', type: 'background', paint: { 'background-color': p.background } }, ...(basemap?.layers ?? []), ...overlayLayers(p)],
  }
}

/** The colour of a team member's track: by their place in the team. */
export function trackColor(userId: string, team: string[]): string {
  const i = team.indexOf(userId)
  return TRACK_COLORS[(i < 0 ? team.length : i) % TRACK_COLORS.length]
}

/** The tracks with a `color` property for the line layer. */
export function colorTracks(
  tracks: GeoFeatureCollection<TrackFeatureProps>,
  team: string[],
): GeoFeatureCollection<TrackFeatureProps & { color: string }> {
  const order = [...team, ...tracks.features.map((f) => f.properties.user_id).filter((u) => !team.includes(u))]
  return {
    type: 'FeatureCollection',
    features: tracks.features.map((f) => ({ ...f, properties: { ...f.properties, color: trackColor(f.properties.user_id, order) } })),
  }
}
