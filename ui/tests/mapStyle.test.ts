import { last } from './setup'
import { describe, expect, it } from 'vitest'
import { createExpression, validateStyleMin } from '@maplibre/maplibre-gl-style-spec'
import {
  buildStyle,
  CLOSED_COLOR,
  CLUSTER_COLOR,
  CLUSTER_LAYER,
  colorTracks,
  LABEL_FONTS,
  LOCAL_IDEOGRAPH_FONTS,
  PIN_COLOR,
  PIN_LAYER,
  SRC,
  TRACK_COLORS,
  trackColor,
} from '../src/lib/mapStyle'
import { genericVectorLayers } from '../src/lib/basemap'
import { emptyLayers } from '../src/lib/geo'
import { SLA_COLORS } from '../src/lib/sla'

function colorOf(expr: unknown, properties: Record<string, unknown>): string {
  const e = createExpression(expr, 'test', { type: 'color' } as never)
  if (e.result !== 'success') throw new Error(JSON.stringify(e.value))
  const c = e.value.evaluate({ zoom: 15 } as never, { type: 1, properties } as never) as { toString(): string }
  return c.toString()
}
const rgba = (hex: string) => colorOf(hex, {})

describe('map style', () => {
  it('is a valid style with only a background under the overlays when there is no basemap', () => {
    const style = buildStyle('light', null, emptyLayers())
    expect(validateStyleMin(style)).toEqual([])
    expect(style.glyphs).toBeUndefined() // labels are drawn locally, no glyph server
    expect(style.layers[0]).toMatchObject({ id: 'gp-background', type: 'background' })
    const types = Object.values(style.sources).map((s) => s.type)
    expect(types.every((t) => t === 'geojson')).toBe(true) // no tiles at all
    expect(last(style.layers)?.id).toBe(PIN_LAYER) // pins on top, to tap
  })

  it('labels with system CJK fonts, and the same fonts as the local ideograph family', () => {
    const style = buildStyle('dark', null)
    const symbols = style.layers.filter((l) => l.type === 'symbol')
    expect(symbols.length).toBeGreaterThan(3)
    for (const l of symbols) expect((l.layout as Record<string, unknown>)['text-font']).toEqual(LABEL_FONTS)
    expect(LOCAL_IDEOGRAPH_FONTS).toContain("'Noto Sans CJK SC'")
    expect(LOCAL_IDEOGRAPH_FONTS.endsWith('sans-serif')).toBe(true)
  })

  it('clusters case pins, counting red, yellow and open ones', () => {
    const src = buildStyle('light', null).sources[SRC.cases] as unknown as Record<string, unknown>
    expect(src.cluster).toBe(true)
    expect(Object.keys(src.clusterProperties as object).sort()).toEqual(['open', 'red', 'yellow'])
    expect(buildStyle('light', null).layers.some((l) => l.id === CLUSTER_LAYER)).toBe(true)
  })

  it('colours a pin by its SLA state, and grey when closed', () => {
    expect(colorOf(PIN_COLOR, { closed: false, sla_state: 'red' })).toBe(rgba(SLA_COLORS.red))
    expect(colorOf(PIN_COLOR, { closed: false, sla_state: 'yellow' })).toBe(rgba(SLA_COLORS.yellow))
    expect(colorOf(PIN_COLOR, { closed: false, sla_state: 'green' })).toBe(rgba(SLA_COLORS.green))
    expect(colorOf(PIN_COLOR, { closed: true, sla_state: 'red' })).toBe(rgba(CLOSED_COLOR))
    expect(colorOf(PIN_COLOR, { closed: false, sla_state: null })).toBe(rgba(CLOSED_COLOR))
  })

  it('colours a cluster by its worst pin', () => {
    expect(colorOf(CLUSTER_COLOR, { red: 1, yellow: 3, open: 5 })).toBe(rgba(SLA_COLORS.red))
    expect(colorOf(CLUSTER_COLOR, { red: 0, yellow: 2, open: 5 })).toBe(rgba(SLA_COLORS.yellow))
    expect(colorOf(CLUSTER_COLOR, { red: 0, yellow: 0, open: 1 })).toBe(rgba(SLA_COLORS.green))
    expect(colorOf(CLUSTER_COLOR, { red: 0, yellow: 0, open: 0 })).toBe(rgba(CLOSED_COLOR))
  })

  it('gives each team member their own track colour, in team order', () => {
    const team = ['u1', 'u2', 'u3']
    expect(trackColor('u1', team)).toBe(TRACK_COLORS[0])
    expect(trackColor('u3', team)).toBe(TRACK_COLORS[2])
    const tracks = colorTracks(
      {
        type: 'FeatureCollection',
        features: ['u2', 'x9', 'u1'].map((u) => ({ type: 'Feature' as const, geometry: { type: 'LineString' as const, coordinates: [[0, 0], [1, 1]] as [number, number][] }, properties: { user_id: u, name: u } })),
      },
      team,
    )
    expect(tracks.features.map((f) => f.properties.color)).toEqual([TRACK_COLORS[1], TRACK_COLORS[3], TRACK_COLORS[0]])
  })

  it('puts a basemap between the background and the overlays, and stays valid with a vector archive', () => {
    const basemap = {
      sources: { 'gp-basemap': { type: 'vector' as const, url: 'pmtiles://tiles://localhost/a.pmtiles' } },
      layers: genericVectorLayers(['water', 'roads', 'buildings', 'places', 'earth', 'misc'], 'light'),
      attribution: '',
    }
    const style = buildStyle('light', basemap, emptyLayers())
    expect(validateStyleMin(style)).toEqual([])
    const ids = style.layers.map((l) => l.id)
    expect(ids.indexOf('bm-water-fill')).toBeGreaterThan(ids.indexOf('gp-background'))
    expect(ids.indexOf('bm-roads')).toBeLessThan(ids.indexOf('gp-grid-fill'))
    expect(ids).not.toContain('bm-earth')
    expect(ids).toContain('bm-misc')
  })
})
