import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { formatBytes } from '../lib/format'
import type { ExportResult } from '../generated'
import { useNotify } from './useNotify'

/** The file name of a path (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/)
  return parts[parts.length - 1] || path
}

/**
 * Runs one export at a time: `running` names what is being written while
 * Rust asks where to save it and writes the file; `result` is the last file
 * written. A cancelled save dialog (null) is a neutral note, not an error.
 */
export function useExport() {
  const { t } = useI18n()
  const notify = useNotify()
  const running = ref<string | null>(null)
  const result = ref<(ExportResult & { name: string; size: string; what: string }) | null>(null)

  async function run(what: string, job: () => Promise<ExportResult | null>): Promise<ExportResult | null> {
    if (running.value) return null
    running.value = what
    result.value = null
    try {
      const r = await job()
      if (!r) {
        notify.info(t('exports.cancelled'))
        return null
      }
      result.value = { ...r, name: baseName(r.path), size: formatBytes(r.bytes), what }
      notify.ok(t('exports.saved'))
      return r
    } catch (e) {
      notify.fail(e)
      return null
    } finally {
      running.value = null
    }
  }

  return { running, result, run }
}
