import { useI18n } from 'vue-i18n'
import { showFailToast, showSuccessToast } from 'vant'
import 'vant/es/toast/style'
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
    ok(message: string): void {
      showSuccessToast({ message, duration: 1200, className: 'gp-toast-ok' })
    },
    text(e: unknown): string {
      return errorText(e, (k) => t(k), (k) => te(k))
    },
  }
}
