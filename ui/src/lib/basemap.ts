// Optional basemaps under the overlays: an offline PMTiles archive read with
// HTTP range requests from the app's custom scheme (through the `pmtiles`
// package's MapLibre protocol), or an online raster template.
import type { AddProtocolAction, FilterSpecification, LayerSpecification } from 'maplibre-gl'
import { PMTiles, Protocol, TileType } from 'pmtiles'
import type { Theme } from './theme'
import type { ResolvedBasemap } from './mapStyle'
import { LABEL_FONTS, PALETTES } from './mapStyle'
import type { BasemapSettings } from '../generated'

export const BASEMAP_SOURCE = 'gp-basemap'

/** What basemap.ts needs from the maplibre-gl module (injected, so tests need no WebGL). */
export interface ProtocolHost {
  addProtocol: (name: string, load: AddProtocolAction) => void
}

let protocol: Protocol | null = null

/** Registers the `pmtiles://` protocol once per page. */
export function pmtilesProtocol(host: ProtocolHost): Protocol {
  if (!protocol) {
    protocol = new Protocol()
    // pmtiles' handler returns MapLibre's response shape; only its declared types differ.
    host.addProtocol('pmtiles', protocol.tilev4 as unknown as AddProtocolAction)
  }
  return protocol
}

/** For tests: forget the registered protocol. */
export function resetPmtilesProtocol(): void {
  protocol = null
}

function raster(tiles: string[] | null, url: string | null, attribution: string, maxzoom: number): ResolvedBasemap {
  return {
    sources: {
      [BASEMAP_SOURCE]: {
        type: 'raster',
        ...(tiles ? { tiles } : { url: url! }),
        tileSize: 256,
        maxzoom,
        attribution,
      },
    },
    layers: [{ id: 'gp-basemap-raster', type: 'raster', source: BASEMAP_SOURCE }],
    attribution,
  }
}

interface VectorLayerMeta {
  id: string
}

/**
 * A plain style for any vector archive (Protomaps, OpenMapTiles, an office's
 * own export): layers are drawn by what their name says (water, green, roads,
 * buildings, places); everything else as faint lines.
 */
export function genericVectorLayers(ids: string[], theme: Theme): LayerSpecification[] {
  const p = PALETTES[theme]
  const dark = theme === 'dark'
  const water = dark ? '#1d3347' : '#b9d3ea'
  const green = dark ? '#1f2b22' : '#dde9d3'
  const out: LayerSpecification[] = []
  const src = { source: BASEMAP_SOURCE }
  for (const id of ids) {
    const base = { ...src, 'source-layer': id }
    const name = id.toLowerCase()
    const polygons: FilterSpecification = ['==', ['geometry-type'], 'Polygon']
    const lines: FilterSpecification = ['==', ['geometry-type'], 'LineString']
    if (/water|ocean|lake|river/.test(name)) {
      out.push({ id: `bm-${id}-fill`, type: 'fill', ...base, filter: polygons, paint: { 'fill-color': water } })
      out.push({ id: `bm-${id}-line`, type: 'line', ...base, filter: lines, paint: { 'line-color': water, 'line-width': 2 } })
    } else if (/park|green|landuse|landcover|natural/.test(name)) {
      out.push({ id: `bm-${id}`, type: 'fill', ...base, filter: polygons, paint: { 'fill-color': green, 'fill-opacity': 0.7 } })
    } else if (/building/.test(name)) {
      out.push({ id: `bm-${id}`, type: 'fill', ...base, filter: polygons, paint: { 'fill-color': p.building, 'fill-opacity': 0.8 } })
    } else if (/road|transport|street|highway/.test(name)) {
      out.push({ id: `bm-${id}`, type: 'line', ...base, filter: lines, paint: { 'line-color': p.streetCasing, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 18, 8] } })
    } else if (/place|poi|label/.test(name)) {
      out.push({
        id: `bm-${id}`,
        type: 'symbol',
        ...base,
        minzoom: 14,
        layout: { 'text-field': ['coalesce', ['get', 'name:zh'], ['get', 'name_zh'], ['get', 'name']], 'text-font': LABEL_FONTS, 'text-size': 11 },
        paint: { 'text-color': p.text, 'text-halo-color': p.halo, 'text-halo-width': 1.2, 'text-opacity': 0.7 },
      })
    } else if (!/earth|boundar/.test(name)) {
      out.push({ id: `bm-${id}`, type: 'line', ...base, filter: lines, paint: { 'line-color': p.streetCasing, 'line-width': 0.6, 'line-opacity': 0.6 } })
    }
  }
  return out
}

/**
 * The sources and layers of a basemap; null for `none`. A PMTiles archive is
 * opened to learn whether it holds raster or vector tiles.
 */
export async function resolveBasemap(s: BasemapSettings | null, theme: Theme, host: ProtocolHost): Promise<ResolvedBasemap | null> {
  if (!s || s.kind === 'none' || !s.url) return null
  if (s.kind === 'online') return raster([s.url], null, s.attribution, 19)
  const archive = new PMTiles(s.url)
  pmtilesProtocol(host).add(archive)
  const header = await archive.getHeader()
  const url = `pmtiles://${s.url}`
  if (header.tileType !== TileType.Mvt) return raster(null, url, s.attribution, header.maxZoom)
  const meta = (await archive.getMetadata()) as { vector_layers?: VectorLayerMeta[] } | null
  const ids = (meta?.vector_layers ?? []).map((l) => l.id)
  return {
    sources: { [BASEMAP_SOURCE]: { type: 'vector', url, attribution: s.attribution } },
    layers: genericVectorLayers(ids, theme),
    attribution: s.attribution,
  }
}
