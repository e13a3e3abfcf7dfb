import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises } from '@vue/test-utils'
import { TRACK_INTERVAL_MS, useTrack } from '../src/composables/useTrack'
import { invoke, mountApp } from './setup'

describe('track recording', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    invoke.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('records a fix once the patrol is known, then every 15 s, and skips empty fixes', async () => {
    let fixes = 0
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'location_current') {
        fixes += 1
        return fixes === 2 ? null : { lat: 30.27, lon: 120.16, accuracy_m: 9, source: 'gps', at: 1000 * fixes }
      }
      return null
    })
    const id = ref<string | null>(null)
    const Probe = defineComponent({
      setup() {
        const { hasFix } = useTrack(id)
        return () => h('span', String(hasFix.value))
      },
    })
    const w = mountApp(Probe)
    await flushPromises()
    expect(invoke).not.toHaveBeenCalled()

    id.value = 'p1'
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('patrol_record_track', {
      id: 'p1',
      points: [{ at: 1000, lat: 30.27, lon: 120.16, accuracy_m: 9 }],
    })

    await vi.advanceTimersByTimeAsync(TRACK_INTERVAL_MS)
    expect(w.text()).toBe('false')
    expect(invoke.mock.calls.filter((c) => c[0] === 'patrol_record_track')).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(TRACK_INTERVAL_MS)
    expect(invoke.mock.calls.filter((c) => c[0] === 'patrol_record_track')).toHaveLength(2)
    expect(w.text()).toBe('true')
    w.unmount()
  })
})
