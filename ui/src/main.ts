import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import './styles/app.css'
import { syncClock } from './lib/clock'

async function start(): Promise<void> {
  // `npm run dev:mock` only: an in-memory backend for trying the UI in a browser.
  if (import.meta.env.VITE_MOCK === '1') (await import('./dev/mockTauri')).installMockTauri()
  await syncClock()
  createApp(App).use(createPinia()).use(i18n).use(router).mount('#app')
}
void start()
