// Loads MapLibre GL JS on first use (a separate chunk; most screens have no map).
// The worker is a same-origin asset: MapLibre can only derive its URL itself
// on http(s) pages, and the app is served from the tauri:// scheme.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'

export type Maplibre = typeof import('maplibre-gl')

let loading: Promise<Maplibre> | null = null

export function loadMaplibre(): Promise<Maplibre> {
  if (!loading) {
    loading = Promise.all([import('maplibre-gl'), import('maplibre-gl/dist/maplibre-gl.css')]).then(([m]) => {
      m.setWorkerUrl(new URL(workerUrl, globalThis.location?.href).href)
      return m
    })
    loading.catch(() => (loading = null))
  }
  return loading
}
