import { useI18n } from 'vue-i18n'
import { showFailToast, showSuccessToast, showToast } from 'vant'
import 'vant/es/toast/style'
import { toBackendError } from '../backend'
import { errorText } from '../lib/errors'

/** Toasts for success and for command failures (translated by error code). */
export function useNotify() {
  const { t, te } = useI18n()
  return {
    fail(e: unknown): string {
      const text = errorText(e, (k) => t(k), (k) => te(k))
      showFailToast({ message: text, duration: 3000, wordBreak: 'break-word', className: 'gp-toast-fail' })
      return text
    },
    /** A failure the screen itself found (a form to correct), in its own words. */
    failText(message: string): void {
      showFailToast({ message, duration: 3000, wordBreak: 'break-word', className: 'gp-toast-fail' })
    },
    ok(message: string): void {
      showSuccessToast({ message, duration: 1200, className: 'gp-toast-ok' })
    },
    /** A failure with the backend's message after the translation (for admin actions, where the server says what was wrong). */
    failDetail(e: unknown): string {
      const text = errorText(e, (k) => t(k), (k) => te(k))
      const { message } = toBackendError(e)
      const full = message && message !== text ? `${text} · ${message}` : text
      showFailToast({ message: full, duration: 4000, wordBreak: 'break-word', className: 'gp-toast-fail' })
      return full
    },
    /** A neutral note (e.g. an export the user cancelled). */
    info(message: string): void {
      showToast({ message, duration: 1500, className: 'gp-toast-info' })
    },
    text(e: unknown): string {
      return errorText(e, (k) => t(k), (k) => te(k))
    },
  }
}
