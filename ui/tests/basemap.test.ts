import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BASEMAP_SOURCE, resetPmtilesProtocol, resolveBasemap } from '../src/lib/basemap'
import type { BasemapSettings } from '../src/generated'

/** A minimal PMTiles v3 archive: one z0 tile, no compression. */
function archive(tileType: number, metadata: object): Uint8Array {
  const meta = new TextEncoder().encode(JSON.stringify(metadata))
  const tile = new Uint8Array([1, 2, 3, 4])
  const dir = new Uint8Array([1, 0, 1, tile.length, 1]) // 1 entry: tile id 0, run 1, length 4, offset 0 (+1)
  const rootOff = 127
  const metaOff = rootOff + dir.length
  const dataOff = metaOff + meta.length
  const out = new Uint8Array(dataOff + tile.length)
  const v = new DataView(out.buffer)
  out.set(new TextEncoder().encode('PMTiles'), 0)
  out[7] = 3
  const u64 = (at: number, n: number) => v.setUint32(at, n, true)
  u64(8, rootOff); u64(16, dir.length); u64(24, metaOff); u64(32, meta.length)
  u64(40, 0); u64(48, 0); u64(56, dataOff); u64(64, tile.length)
  u64(72, 1); u64(80, 1); u64(88, 1)
  out[96] = 1; out[97] = 1; out[98] = 1; out[99] = tileType; out[100] = 0; out[101] = 14
  v.setInt32(102, 120.15e7, true); v.setInt32(106, 30.26e7, true); v.setInt32(110, 120.18e7, true); v.setInt32(114, 30.29e7, true)
  out.set(dir, rootOff)
  out.set(meta, metaOff)
  out.set(tile, dataOff)
  return out
}

/** Serves the archive as the app's custom scheme must: 206 with the requested byte range. */
function serve(bytes: Uint8Array) {
  const ranges: string[] = []
  const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
    const range = new Headers(init?.headers).get('range') ?? ''
    ranges.push(range)
    const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range) ?? []
    const start = Number(a)
    const end = Math.min(Number(b), bytes.length - 1)
    return new Response(bytes.slice(start, end + 1), { status: 206, headers: { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` } })
  })
  vi.stubGlobal('fetch', fetchMock)
  return { ranges, fetchMock }
}

const pmtiles = (url: string): BasemapSettings => ({ kind: 'pmtiles', crs: 'wgs84', url, attribution: '© 青石街道', name: '离线底图' })

beforeEach(() => resetPmtilesProtocol())
afterEach(() => vi.unstubAllGlobals())

describe('basemaps', () => {
  it('has none for `none` or a missing URL', async () => {
    const host = { addProtocol: vi.fn() }
    expect(await resolveBasemap(null, 'light', host)).toBeNull()
    expect(await resolveBasemap({ kind: 'none', crs: 'wgs84', url: null, attribution: '', name: '' }, 'light', host)).toBeNull()
    expect(await resolveBasemap({ ...pmtiles('x'), url: null }, 'light', host)).toBeNull()
    expect(host.addProtocol).not.toHaveBeenCalled()
  })

  it('uses an online template as a raster source', async () => {
    const b = await resolveBasemap({ kind: 'online', crs: 'cgcs2000', url: 'https://t0.example/{z}/{x}/{y}.png', attribution: '天地图', name: '' }, 'light', { addProtocol: vi.fn() })
    expect(b?.sources[BASEMAP_SOURCE]).toMatchObject({ type: 'raster', tiles: ['https://t0.example/{z}/{x}/{y}.png'], tileSize: 256, attribution: '天地图' })
    expect(b?.layers).toEqual([{ id: 'gp-basemap-raster', type: 'raster', source: BASEMAP_SOURCE }])
  })

  it('reads a vector PMTiles archive with range requests and styles its layers', async () => {
    const { ranges } = serve(archive(1, { vector_layers: [{ id: 'water' }, { id: 'roads' }] }))
    const host = { addProtocol: vi.fn() }
    const b = await resolveBasemap(pmtiles('tiles://localhost/qingshi.pmtiles'), 'dark', host)
    expect(host.addProtocol).toHaveBeenCalledTimes(1)
    expect(host.addProtocol.mock.calls[0][0]).toBe('pmtiles')
    expect(b?.sources[BASEMAP_SOURCE]).toEqual({ type: 'vector', url: 'pmtiles://tiles://localhost/qingshi.pmtiles', attribution: '© 青石街道' })
    expect(b?.layers.map((l) => l.id)).toEqual(['bm-water-fill', 'bm-water-line', 'bm-roads'])
    expect(ranges[0]).toBe('bytes=0-16383') // the header and root directory first
    // MapLibre then asks the protocol for tiles by z/x/y under the archive URL.
    const load = host.addProtocol.mock.calls[0][1] as (p: { url: string; type: string }, c: AbortController) => Promise<{ data: Uint8Array }>
    const tile = await load({ url: 'pmtiles://tiles://localhost/qingshi.pmtiles/0/0/0', type: 'arrayBuffer' }, new AbortController())
    expect([...tile.data]).toEqual([1, 2, 3, 4])
    expect(ranges.every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true)
  })

  it('reads a raster archive as a raster source and registers the protocol once', async () => {
    serve(archive(2, {}))
    const host = { addProtocol: vi.fn() }
    const b = await resolveBasemap(pmtiles('tiles://localhost/raster.pmtiles'), 'light', host)
    await resolveBasemap(pmtiles('tiles://localhost/raster.pmtiles'), 'light', host)
    expect(b?.sources[BASEMAP_SOURCE]).toMatchObject({ type: 'raster', url: 'pmtiles://tiles://localhost/raster.pmtiles', maxzoom: 14 })
    expect(host.addProtocol).toHaveBeenCalledTimes(1)
  })

  it('fails (so the map shows its badge) when the archive is not there', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('', { status: 404 })))
    await expect(resolveBasemap(pmtiles('tiles://localhost/missing.pmtiles'), 'light', { addProtocol: vi.fn() })).rejects.toThrow()
  })
})
