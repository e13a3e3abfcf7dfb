import type { Directive } from 'vue'

/**
 * Puts a data-testid on the real <input>/<textarea> inside a Vant field,
 * so end-to-end tests can type into it directly.
 * Usage (script setup imports it): <van-field v-input-testid="'login-username'" />
 */
export const vInputTestid: Directive<HTMLElement, string> = {
  mounted(el, binding) {
    const target = el.matches('input,textarea') ? el : el.querySelector('input,textarea')
    target?.setAttribute('data-testid', binding.value)
  },
  updated(el, binding) {
    const target = el.matches('input,textarea') ? el : el.querySelector('input,textarea')
    target?.setAttribute('data-testid', binding.value)
  },
}
