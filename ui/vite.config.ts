/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'

export default defineConfig({
  plugins: [
    vue(),
    // Vant components used in templates are imported on demand (with their styles).
    Components({ resolvers: [VantResolver()], dts: 'src/components.d.ts', dirs: [] }),
  ],
  clearScreen: false,
  // The dev-only mock backend (npm run dev:mock) reads the demo data in ../core/data.
  server: { port: 5173, strictPort: true, fs: { allow: ['..'] } },
  // maplibre-gl is one 1.1 MB chunk of its own, loaded only when a screen shows a map.
  build: { target: 'es2021', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/mocks.ts'],
    css: false,
    // Vant's ES modules import their CSS; let Vite (not Node) load them.
    server: { deps: { inline: ['vant'] } },
  },
})
