import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { effectiveTheme, type ThemeMode } from '../lib/theme'
import { usePatrolStore } from './patrol'

const KEY = 'gridpatrol.theme'

function savedMode(): ThemeMode {
  const v = globalThis.localStorage?.getItem(KEY)
  return v === 'light' || v === 'dark' ? v : 'auto'
}

/** Theme preference; the effective theme re-evaluates every minute. */
export const useSettingsStore = defineStore('settings', () => {
  const themeMode = ref<ThemeMode>(savedMode())
  const clock = ref(new Date())
  let timer: ReturnType<typeof setInterval> | undefined

  function startClock(): void {
    if (!timer) timer = setInterval(() => (clock.value = new Date()), 60_000)
  }

  const theme = computed(() => {
    const patrol = usePatrolStore().active
    return effectiveTheme(themeMode.value, clock.value, patrol?.patrol.kind === 'night')
  })

  function setThemeMode(m: ThemeMode): void {
    themeMode.value = m
    globalThis.localStorage?.setItem(KEY, m)
  }

  return { themeMode, theme, setThemeMode, startClock }
})
