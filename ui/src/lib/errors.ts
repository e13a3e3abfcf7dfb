// Turning a command failure into words for a toast or dialog.
import { toBackendError } from '../backend'

export type HasKey = (key: string) => boolean
export type Translate1 = (key: string) => string

/** `errors.<code>` when we have a translation, else the message from Rust. */
export function errorText(e: unknown, t: Translate1, te: HasKey): string {
  const err = toBackendError(e)
  const key = `errors.${err.code}`
  if (te(key)) return t(key)
  return err.message || t('errors.unknown')
}
