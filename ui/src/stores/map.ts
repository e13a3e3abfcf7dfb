import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { backend } from '../backend'
import type { BasemapSettings, LatLon, MapCrs, MapLayers, MapQuery } from '../generated'

export const NO_BASEMAP: BasemapSettings = { kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }

/** The basemap in use and the display CRS every overlay is asked for. */
export const useMapStore = defineStore('map', () => {
  const basemap = ref<BasemapSettings | null>(null)
  const options = ref<BasemapSettings[]>([])
  let loading: Promise<BasemapSettings> | null = null

  const crs = computed<MapCrs>(() => basemap.value?.crs ?? 'wgs84')

  /** Reads the basemap once (the map works without one). */
  function load(): Promise<BasemapSettings> {
    if (basemap.value) return Promise.resolve(basemap.value)
    if (!loading) {
      loading = backend
        .basemapGet()
        .catch(() => NO_BASEMAP)
        .then((b) => (basemap.value = b ?? NO_BASEMAP))
        .finally(() => (loading = null))
    }
    return loading
  }

  async function loadOptions(): Promise<BasemapSettings[]> {
    try {
      options.value = await backend.basemapOptions()
    } catch {
      options.value = []
    }
    return options.value
  }

  async function choose(settings: BasemapSettings): Promise<void> {
    basemap.value = await backend.basemapSet(settings)
  }

  /** Map layers in the current display CRS. */
  async function layers(query: Omit<MapQuery, 'crs'>): Promise<MapLayers> {
    await load()
    return backend.mapLayers({ crs: crs.value, ...query })
  }

  /** A WGS-84 fix → display coordinates. */
  async function toDisplay(p: LatLon): Promise<LatLon> {
    await load()
    return backend.mapFromWgs84(crs.value, p.lat, p.lon)
  }

  /** Display coordinates (a placed pin) → WGS-84. */
  async function toWgs84(p: LatLon): Promise<LatLon> {
    await load()
    return backend.mapToWgs84(crs.value, p.lat, p.lon)
  }

  return { basemap, options, crs, load, loadOptions, choose, layers, toDisplay, toWgs84 }
})
