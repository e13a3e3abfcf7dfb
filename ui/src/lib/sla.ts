// SLA colours and labels. Always shown as colour plus words (colour-blind friendly).
import type { CaseStatus, SlaState } from '../generated'
import { formatDuration, type Translate } from './format'

export const SLA_COLORS: Record<SlaState, string> = {
  green: '#07c160',
  yellow: '#ff976a',
  red: '#ee0a24',
}

/** 正常 / 临期 / 超期 */
export function slaLabel(state: SlaState | null | undefined, t: Translate): string {
  return state ? t(`sla.${state}`) : ''
}

/** 剩余 2小时5分钟 / 已超期 1小时 */
export function slaCountdown(deadline: number, now: number, t: Translate): string {
  const left = deadline - now
  return left >= 0
    ? t('sla.remaining', { d: formatDuration(left, t) })
    : t('sla.overdueBy', { d: formatDuration(-left, t) })
}

/** The grid rating (红黄蓝): green is called blue in Chinese practice. */
export type Rating = 'red' | 'yellow' | 'blue'
export function ratingOf(state: SlaState): Rating {
  return state === 'green' ? 'blue' : state
}
export const RATING_COLORS: Record<Rating, string> = { red: '#ee0a24', yellow: '#ff976a', blue: '#1989fa' }

export type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'
export function statusTagType(s: CaseStatus): TagType {
  switch (s) {
    case 'closed':
      return 'success'
    case 'voided':
    case 'deferred':
      return 'default'
    case 'relapsed':
    case 'rework':
      return 'danger'
    case 'handled':
    case 'verified':
      return 'warning'
    default:
      return 'primary'
  }
}
