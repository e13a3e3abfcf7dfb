import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import MapView from '../src/components/MapView.vue'
import type { MapLayers } from '../src/generated'
import { CLUSTER_LAYER, PIN_LAYER, SRC } from '../src/lib/mapStyle'
import { useSettingsStore } from '../src/stores/settings'
import { useMapStore } from '../src/stores/map'
import * as ml from './maplibreMock'
import { invoke, mountApp, last } from './setup'

function layers(over: Partial<MapLayers> = {}): MapLayers {
  return {
    grids: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[120.158, 30.2746], [120.1644, 30.2746], [120.1644, 30.2802], [120.158, 30.2746]]] }, properties: { id: 'QS01-G01', name: '柳荫社区第一网格' } }] },
    streets: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[120.159, 30.276], [120.163, 30.276]] }, properties: { name: '柳荫路', grid: 'QS01-G01' } }] },
    buildings: { type: 'FeatureCollection', features: [] },
    cases: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [120.16, 30.277] }, properties: { id: 'case-1', title: '非法小广告', category: 'E0201', status: 'reported', sla_state: 'red', closed: false } }] },
    tracks: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[120.159, 30.276], [120.16, 30.276]] }, properties: { user_id: 'u-worker2', name: '李娜' } }] },
    ...over,
  }
}

async function mountMap(props: Record<string, unknown>) {
  const w = mountApp(MapView, { props: { layers: null, ...props } as never, attachTo: document.body })
  await flushPromises()
  await flushPromises()
  const map = last(ml.Map.instances)!
  return { w, map }
}

beforeEach(() => {
  ml.resetMaplibreMock()
  invoke.mockReset()
  invoke.mockImplementation(async (cmd: string) => (cmd === 'basemap_get' ? { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' } : null))
})

describe('MapView', () => {
  it('draws the layers on a plain style with local CJK glyphs, and says what it drew', async () => {
    const { w, map } = await mountMap({ layers: layers(), team: ['u-worker1', 'u-worker2'] })
    expect(ml.workerUrl).toMatch(/maplibre-gl-worker.*\.mjs/)
    expect(map.options.localIdeographFontFamily).toContain('Noto Sans CJK SC')
    expect(map.options.attributionControl).toBe(false)
    expect(w.attributes('data-state')).toBe('loading')
    map.fire('load')
    await flushPromises()
    expect(w.attributes('data-state')).toBe('ready')
    expect(w.attributes('data-grids')).toBe('1')
    expect(w.attributes('data-cases')).toBe('1')
    expect(w.attributes('data-tracks')).toBe('1')
    const tracks = map.getSource(SRC.tracks)!.data as MapLayers['tracks']
    expect((tracks.features[0].properties as { color?: string }).color).toBe('#8e24aa') // second member's colour
    // Fitted to the grid, the pins and the tracks.
    const fit = map.calls.find((c) => c[0] === 'fitBounds')![1] as [number[][], unknown]
    expect(fit[0]).toEqual([[120.158, 30.2746], [120.1644, 30.2802]])
    w.unmount()
    expect(map.removed).toBe(true)
  })

  it('updates the sources when new layers arrive, without a new style', async () => {
    const { w, map } = await mountMap({ layers: layers() })
    map.fire('load')
    await w.setProps({ layers: layers({ cases: { type: 'FeatureCollection', features: [] } }) } as never)
    expect((map.getSource(SRC.cases)!.data as MapLayers['cases']).features).toHaveLength(0)
    expect(w.attributes('data-cases')).toBe('0')
    expect(map.calls.some((c) => c[0] === 'setStyle')).toBe(false)
  })

  it('opens a tapped pin (with a slop box for fingers) and zooms into a tapped cluster', async () => {
    const { w, map } = await mountMap({ layers: layers() })
    map.fire('load')
    map.rendered = [{ layer: { id: PIN_LAYER }, properties: { id: 'case-1' }, geometry: { type: 'Point', coordinates: [120.16, 30.277] } }]
    map.fire('click', { lngLat: { lat: 30.277, lng: 120.16 }, point: { x: 100, y: 200 } })
    await flushPromises()
    expect(w.emitted('openCase')).toEqual([['case-1']])
    const box = map.calls.find((c) => c[0] === 'queryRenderedFeatures')![1] as [number[][], { layers: string[] }]
    expect(box[0]).toEqual([[82, 182], [118, 218]])
    expect(box[1].layers).toEqual([PIN_LAYER, CLUSTER_LAYER])

    map.rendered = [{ layer: { id: CLUSTER_LAYER }, properties: { cluster_id: 7, point_count: 4 }, geometry: { type: 'Point', coordinates: [120.161, 30.278] } }]
    map.fire('click', { lngLat: { lat: 30.278, lng: 120.161 }, point: { x: 10, y: 10 } })
    await flushPromises()
    expect(last(map.calls.filter((c) => c[0] === 'easeTo'))![1]).toEqual({ center: [120.161, 30.278], zoom: 15.5 })
    expect(w.emitted('openCase')).toHaveLength(1)

    map.rendered = []
    map.fire('click', { lngLat: { lat: 30.1, lng: 120.1 }, point: { x: 10, y: 10 } })
    expect(w.emitted('tap')).toEqual([[{ lat: 30.1, lon: 120.1 }]])
  })

  it('places and drags the report pin, in display coordinates', async () => {
    const { w, map } = await mountMap({ layers: layers(), pin: { lat: 30.277, lon: 120.16 }, pinDraggable: true, placeOnTap: true })
    map.fire('load')
    await flushPromises()
    const marker = ml.Marker.instances[0]
    expect(marker.options.draggable).toBe(true)
    expect(marker.options.element.dataset.testid).toBe('map-pin')
    expect(marker.lngLat).toEqual({ lng: 120.16, lat: 30.277 })
    marker.setLngLat([120.1605, 30.2772])
    marker.fire('dragend')
    map.fire('click', { lngLat: { lat: 30.278, lng: 120.162 }, point: { x: 1, y: 1 } })
    expect(w.emitted('pinMove')).toEqual([[{ lat: 30.2772, lon: 120.1605 }], [{ lat: 30.278, lon: 120.162 }]])
    expect(map.calls.some((c) => c[0] === 'queryRenderedFeatures')).toBe(false)
    await w.setProps({ pin: null } as never)
    expect(marker.map).toBeNull()
  })

  it('shows the position with its accuracy circle', async () => {
    const { w, map } = await mountMap({ layers: layers() })
    map.fire('load')
    await w.setProps({ position: { lat: 30.277, lon: 120.16, accuracy_m: 20 } } as never)
    const d = map.getSource(SRC.position)!.data as MapLayers['grids']
    expect(d.features.map((f) => f.geometry.type)).toEqual(['Polygon', 'Point'])
    await w.setProps({ position: { lat: 30.277, lon: 120.16, accuracy_m: null } } as never)
    expect((map.getSource(SRC.position)!.data as MapLayers['grids']).features.map((f) => f.geometry.type)).toEqual(['Point'])
  })

  it('re-styles for the dark theme and for a new basemap', async () => {
    localStorage.setItem('gridpatrol.theme', 'light')
    const { map } = await mountMap({ layers: layers() })
    expect((map.options.style as { layers: Array<{ paint?: Record<string, unknown> }> }).layers[0].paint?.['background-color']).toBe('#f2efe9')
    map.fire('load')
    useSettingsStore().setThemeMode('dark')
    await flushPromises()
    const dark = last(map.calls.filter((c) => c[0] === 'setStyle'))![1] as { layers: Array<{ id: string; paint?: Record<string, unknown> }> }
    expect(dark.layers[0].paint?.['background-color']).toBe('#1b1e24')
    useMapStore().basemap = { kind: 'online', crs: 'gcj02', url: 'https://example/{z}/{x}/{y}.png', attribution: 'x', name: '' }
    await flushPromises()
    const withBase = last(map.calls.filter((c) => c[0] === 'setStyle'))![1] as { layers: Array<{ id: string }> }
    expect(withBase.layers[1].id).toBe('gp-basemap-raster')
    localStorage.removeItem('gridpatrol.theme')
  })

  it('says so when the web view has no WebGL2, instead of a blank box', async () => {
    ml.Map.failNext = true
    const w = mountApp(MapView, { props: { layers: layers() } as never })
    await flushPromises()
    await flushPromises()
    expect(w.attributes('data-state')).toBe('unsupported')
    expect(w.find('[data-testid="map-unsupported"]').text()).toContain('WebGL2')
  })

  it('says it failed when the map never loads (e.g. its worker could not start)', async () => {
    const { w, map } = await mountMap({ layers: layers() })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      // The timer started before fake timers: mount again under them.
      w.unmount()
      const again = mountApp(MapView, { props: { layers: layers() } as never })
      await Promise.resolve()
      for (let i = 0; i < 20 && last(ml.Map.instances) === map; i++) await Promise.resolve()
      await vi.advanceTimersByTimeAsync(14_000)
      expect(again.attributes('data-state')).toBe('loading')
      await vi.advanceTimersByTimeAsync(2_000)
      expect(again.attributes('data-state')).toBe('failed')
      expect(again.find('[data-testid="map-failed"]').exists()).toBe(true)
      last(ml.Map.instances).fire('load')
      await Promise.resolve()
      expect(again.attributes('data-state')).toBe('ready')
    } finally {
      vi.useRealTimers()
    }
  })

  it('centres on a focus instead of fitting', async () => {
    const { map } = await mountMap({ layers: layers(), focus: { lat: 30.2775, lon: 120.1601 } })
    expect(map.options.center).toEqual([120.1601, 30.2775])
    expect(map.options.zoom).toBe(17)
    map.fire('load')
    await flushPromises()
    expect(map.calls.find((c) => c[0] === 'jumpTo')![1]).toEqual({ center: [120.1601, 30.2775], zoom: 17 })
    expect(map.calls.some((c) => c[0] === 'fitBounds')).toBe(false)
  })
})
