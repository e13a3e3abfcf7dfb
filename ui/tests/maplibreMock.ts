// A stand-in for maplibre-gl in jsdom (which has no WebGL): records what the
// app asks the map to do, and lets tests fire map events.
type Handler = (e: unknown) => void

export interface FakeSource {
  data: unknown
  setData(d: unknown): void
  getClusterExpansionZoom(id: number): Promise<number>
}

export class Map {
  static instances: Map[] = []
  static failNext = false
  options: Record<string, unknown>
  style: { sources: Record<string, { data?: unknown }>; layers: Array<{ id: string }> }
  handlers: Record<string, Handler[]> = {}
  sources: Record<string, FakeSource> = {}
  calls: Array<[string, unknown]> = []
  rendered: Array<{ layer: { id: string }; properties: Record<string, unknown>; geometry: unknown }> = []
  removed = false
  zoom = 3
  touchZoomRotate = { disableRotation: () => {} }

  constructor(options: Record<string, unknown>) {
    if (Map.failNext) {
      Map.failNext = false
      throw new Error('Failed to initialize WebGL')
    }
    this.options = options
    this.style = options.style as Map['style']
    this.makeSources()
    Map.instances.push(this)
  }
  private makeSources(): void {
    this.sources = {}
    for (const [id, spec] of Object.entries(this.style.sources)) {
      const src: FakeSource = {
        data: spec.data,
        setData(d) {
          src.data = d
        },
        getClusterExpansionZoom: async () => 15,
      }
      this.sources[id] = src
    }
  }
  on(type: string, fn: Handler): this {
    ;(this.handlers[type] ??= []).push(fn)
    return this
  }
  fire(type: string, e: unknown = {}): void {
    for (const fn of this.handlers[type] ?? []) fn(e)
  }
  getSource(id: string): FakeSource | undefined {
    return this.sources[id]
  }
  setStyle(style: Map['style']): void {
    this.calls.push(['setStyle', style])
    this.style = style
    this.makeSources()
  }
  fitBounds(b: unknown, o: unknown): void {
    this.calls.push(['fitBounds', [b, o]])
  }
  jumpTo(o: { zoom?: number }): void {
    this.calls.push(['jumpTo', o])
    if (o.zoom) this.zoom = o.zoom
  }
  easeTo(o: unknown): void {
    this.calls.push(['easeTo', o])
  }
  getZoom(): number {
    return this.zoom
  }
  queryRenderedFeatures(box: unknown, o: { layers: string[] }) {
    this.calls.push(['queryRenderedFeatures', [box, o]])
    return this.rendered.filter((f) => o.layers.includes(f.layer.id))
  }
  remove(): void {
    this.removed = true
  }
}

export class Marker {
  static instances: Marker[] = []
  options: { element: HTMLElement; draggable: boolean }
  lngLat: { lng: number; lat: number } = { lng: 0, lat: 0 }
  handlers: Record<string, Handler[]> = {}
  map: Map | null = null
  constructor(options: Marker['options']) {
    this.options = options
    Marker.instances.push(this)
  }
  setLngLat([lng, lat]: [number, number]): this {
    this.lngLat = { lng, lat }
    return this
  }
  getLngLat() {
    return this.lngLat
  }
  setDraggable(d: boolean): this {
    this.options.draggable = d
    return this
  }
  addTo(m: Map): this {
    this.map = m
    return this
  }
  on(type: string, fn: Handler): this {
    ;(this.handlers[type] ??= []).push(fn)
    return this
  }
  fire(type: string): void {
    for (const fn of this.handlers[type] ?? []) fn({})
  }
  remove(): void {
    this.map = null
  }
}

export const protocols: Record<string, unknown> = {}
export function addProtocol(name: string, fn: unknown): void {
  protocols[name] = fn
}
export let workerUrl = ''
export function setWorkerUrl(url: string): void {
  workerUrl = url
}

export function resetMaplibreMock(): void {
  Map.instances = []
  Map.failNext = false
  Marker.instances = []
}
