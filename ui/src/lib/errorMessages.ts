// The error texts come from the one Rust list (core/src/codes.rs), generated
// into src/generated/errorTexts.ts: the UI cannot show a code it has no
// words for, nor translate one Rust never sends.
import type { ErrorCode } from '../generated/ErrorCode'
import { ERROR_TEXTS } from '../generated/errorTexts'

/** The `errors.*` messages of one language. */
export function errorMessages(lang: 'zh' | 'en'): Record<ErrorCode, string> {
  return Object.fromEntries(Object.entries(ERROR_TEXTS).map(([code, t]) => [code, t[lang]])) as Record<ErrorCode, string>
}
