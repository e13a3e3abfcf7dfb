// Work on a shared phone: whose unsynced records are still on it, and what
// to do about a record the server refused.
import type { UnsyncedItem } from '../generated'
import type { WaitingWork } from '../generated'
import type { Translate } from './format'

/** Refusals that need a person (the grid leader) rather than another try. */
export const REFUSED_CODES: readonly string[] = ['out_of_scope', 'role_not_permitted', 'not_allowed_in_state', 'not_assigned']

/** `refused`: ask the grid leader; `waiting`: another user must log in and sync; `retry`: Rust tries again by itself. */
export type UnsyncedAdvice = 'refused' | 'waiting' | 'retry'

/** What to do about an unsynced record, or null when the server never refused it. */
export function unsyncedAdvice(item: Pick<UnsyncedItem, 'error_code'>): UnsyncedAdvice | null {
  if (item.error_code === null) return null
  if (REFUSED_CODES.includes(item.error_code)) return 'refused'
  if (item.error_code === 'pending_for_other') return 'waiting'
  return 'retry'
}

/** 「王五 有 3 件案件、1 张照片未同步，需其本人登录后同步」 */
export function waitingWorkText(w: WaitingWork, t: Translate): string {
  const parts = [
    w.cases > 0 ? t('login.waiting.cases', { n: w.cases }) : '',
    w.patrols > 0 ? t('login.waiting.patrols', { n: w.patrols }) : '',
    w.photos > 0 ? t('login.waiting.photos', { n: w.photos }) : '',
  ].filter(Boolean)
  return t('login.waiting.notice', { name: w.name, what: parts.join(t('login.waiting.separator')) })
}

/** Only the people with something left to sync. */
export function withWork(list: WaitingWork[]): WaitingWork[] {
  return list.filter((w) => w.cases + w.patrols + w.photos > 0)
}
