// Vitest setup file: no test talks to a real Tauri bridge.
import { afterAll, vi } from 'vitest'

vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(),
  convertFileSrc: (path: string, protocol = 'asset') => `${protocol}://localhost/${path}`,
}))
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async () => () => {}),
}))
// jsdom has no WebGL: the map library is a recording fake (tests/maplibreMock.ts).
vi.mock('maplibre-gl', () => import('./maplibreMock'))
vi.mock('maplibre-gl/dist/maplibre-gl.css', () => ({}))
// ECharts draws on a canvas jsdom lacks: the chart component is a stub (tests/echartsMock.ts),
// and the tree-shaken registration (src/lib/echarts.ts) is not loaded.
vi.mock('vue-echarts', () => import('./echartsMock'))
vi.mock('../src/lib/echarts', () => ({}))

// Vant's nav bar measures itself on timers up to 300 ms after mounting; let
// them run before jsdom is torn down (else: "window is not defined").
afterAll(() => new Promise((resolve) => setTimeout(resolve, 350)))
