import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import PhotoViewer from '../src/components/PhotoViewer.vue'
import { invoke, mountApp } from './setup'

beforeEach(() => {
  invoke.mockClear()
  invoke.mockResolvedValue(null)
})

describe('PhotoViewer', () => {
  it('fetches a missing full photo from the server and retries once', async () => {
    const w = mountApp(PhotoViewer, { props: { hash: 'abc' } })
    await flushPromises()
    const img = () => w.find('img')
    expect(img().attributes('src')).toBe('photo://localhost/abc')
    await img().trigger('error')
    await flushPromises()
    expect(invoke).toHaveBeenCalledWith('photo_fetch', { hash: 'abc' })
    expect(img().attributes('src')).toBe('photo://localhost/abc?try=1')
    await img().trigger('error')
    await flushPromises()
    expect(w.find('[data-testid="photo-missing"]').exists()).toBe(true)
    expect(invoke.mock.calls.filter((c) => c[0] === 'photo_fetch')).toHaveLength(1)
  })

  it('says so when offline', async () => {
    invoke.mockImplementation(async () => {
      throw { code: 'offline', message: 'no network' }
    })
    const w = mountApp(PhotoViewer, { props: { hash: 'abc' } })
    await flushPromises()
    await w.find('img').trigger('error')
    await flushPromises()
    const missing = w.find('[data-testid="photo-missing"]')
    expect(missing.text()).toContain('本机没有这张照片')
    expect(missing.text()).toContain('网络不可用')
  })
})
