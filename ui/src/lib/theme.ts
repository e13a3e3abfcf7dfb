// Theme choice: auto follows the clock (dark 19:00–06:00) and night patrols.
export type ThemeMode = 'auto' | 'light' | 'dark'
export type Theme = 'light' | 'dark'

export function effectiveTheme(mode: ThemeMode, now: Date, nightPatrolActive: boolean): Theme {
  if (mode !== 'auto') return mode
  const h = now.getHours()
  return nightPatrolActive || h >= 19 || h < 6 ? 'dark' : 'light'
}
