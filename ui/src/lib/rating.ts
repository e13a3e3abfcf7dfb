// The red / yellow / blue grid rating: a mirror of core::kpi::rating's rule
// check (for the figure colours, the rules editor and the dev mock), and its
// explanation in the user's language (Rust writes `RuleCheck.text` in Chinese only).
import type {
  GridRating,
  KpiFigures,
  Measure,
  Metric,
  RatingLevel,
  RatingRule,
  RatingRules,
  RuleCheck,
} from '../generated'
import type { Translate } from './format'

export const MEASURES: readonly Measure[] = [
  'on_time_closure_rate',
  'closure_rate',
  'overdue_cases',
  'relapse_rate',
  'rework_rate',
  'patrol_coverage',
  'on_time_handle_rate',
  'on_time_verify_rate',
  'self_handled_rate',
  'valid_report_rate',
]

export const LEVELS: readonly RatingLevel[] = ['red', 'yellow', 'blue']
export const LEVEL_ORDER: Record<RatingLevel, number> = { red: 0, yellow: 1, blue: 2 }

/** The defaults of `RatingRules::default()` (docs/KPI.md), for the editor's "restore defaults". */
export const DEFAULT_RATING_RULES: RatingRules = {
  red: [
    { measure: 'on_time_closure_rate', comparison: 'below', threshold: 60 },
    { measure: 'closure_rate', comparison: 'below', threshold: 60 },
    { measure: 'overdue_cases', comparison: 'above', threshold: 3 },
  ],
  yellow: [
    { measure: 'on_time_closure_rate', comparison: 'below', threshold: 85 },
    { measure: 'closure_rate', comparison: 'below', threshold: 85 },
    { measure: 'relapse_rate', comparison: 'above', threshold: 10 },
    { measure: 'rework_rate', comparison: 'above', threshold: 20 },
    { measure: 'patrol_coverage', comparison: 'below', threshold: 80 },
    { measure: 'overdue_cases', comparison: 'above', threshold: 0 },
  ],
  min_sample: 5,
}

/** The KPI behind a rate measure; null for the overdue count. */
export function metricOf(m: Measure): Metric | null {
  return m === 'overdue_cases' ? null : m
}

/** One rule against one set of figures, exactly as `rating::check` (text left empty). */
export function checkRule(level: RatingLevel, rule: RatingRule, figures: KpiFigures, overdue: number, minSample: number): RuleCheck {
  const metric = metricOf(rule.measure)
  const numerator = metric ? figures[metric].numerator : overdue
  const denominator = metric ? figures[metric].denominator : 1
  // Exact comparison without rounding: num·100 against threshold·den.
  const scaled = metric ? numerator * 100 : numerator
  const bound = rule.threshold * denominator
  const fires = rule.comparison === 'below' ? scaled < bound : scaled > bound
  const value = denominator > 0 ? scaled / denominator : null
  const outcome =
    denominator === 0 ? 'no_data' : metric && denominator < minSample ? 'too_few_samples' : fires ? 'fired' : 'passed'
  return { level, rule, outcome, value, numerator, denominator, text: '' }
}

/** The level and every check, red rules first, as `rating::rate`. */
export function rate(figures: KpiFigures, overdue: number, rules: RatingRules): { level: RatingLevel; checks: RuleCheck[] } {
  const checks = [
    ...rules.red.map((r) => checkRule('red', r, figures, overdue, rules.min_sample)),
    ...rules.yellow.map((r) => checkRule('yellow', r, figures, overdue, rules.min_sample)),
  ]
  const fired = (l: RatingLevel) => checks.some((c) => c.level === l && c.outcome === 'fired')
  return { level: fired('red') ? 'red' : fired('yellow') ? 'yellow' : 'blue', checks }
}

/** The worst level a figure reaches under the rules (for colouring it), or null when no rule on it fires. */
export function figureLevel(measure: Measure, figures: KpiFigures, overdue: number, rules: RatingRules | null | undefined): RatingLevel | null {
  if (!rules) return null
  const { checks } = rate(figures, overdue, { ...rules, red: rules.red.filter((r) => r.measure === measure), yellow: rules.yellow.filter((r) => r.measure === measure) })
  if (checks.some((c) => c.level === 'red' && c.outcome === 'fired')) return 'red'
  if (checks.some((c) => c.level === 'yellow' && c.outcome === 'fired')) return 'yellow'
  return null
}

/** `60` for 60, `85.5` for 85.5 (as Rust's `trim_number`). */
export function trimNumber(x: number): string {
  return x.toFixed(2).replace(/0+$/, '').replace(/\.$/, '')
}

/** The measure's name: `kpi.metric.<m>`, `kpi.overdue` for the count. */
export function measureName(m: Measure, t: Translate): string {
  return m === 'overdue_cases' ? t('kpi.overdue') : t(`kpi.metric.${m}`)
}

/**
 * A check in words, e.g. 按期结案率 55.0%（11/20），低于 60% or
 * On-time closure 55.0% (11/20), below 60%.
 */
export function checkText(c: RuleCheck, minSample: number, t: Translate): string {
  const isRate = c.rule.measure !== 'overdue_cases'
  const name = measureName(c.rule.measure, t)
  const shown = isRate
    ? c.value === null
      ? t('rating.noValue')
      : t('rating.rateShown', { v: c.value.toFixed(1), num: c.numerator, den: c.denominator })
    : t('rating.countShown', { n: c.numerator })
  const fired = c.outcome === 'fired'
  const cmp = t(`rating.cmp.${isRate ? 'rate' : 'count'}.${c.rule.comparison}.${fired ? 'fired' : 'passed'}`)
  const threshold = isRate ? t('rating.ratePercent', { t: trimNumber(c.rule.threshold) }) : t('rating.countShown', { n: trimNumber(c.rule.threshold) })
  switch (c.outcome) {
    case 'no_data':
      return t('rating.noData', { name })
    case 'too_few_samples':
      return t('rating.tooFew', { name, shown, min: minSample })
    default:
      return t('rating.check', { name, shown, cmp, threshold })
  }
}

/** 黄：按期结案率 75.0%（3/4），低于 85%；… or 蓝：未触发任何红黄规则. */
export function ratingSummary(r: GridRating, minSample: number, t: Translate): string {
  const level = t(`rating.level.${r.level}`)
  if (!r.reasons.length) return t('rating.summaryNone', { level })
  return t('rating.summary', { level, reasons: r.reasons.map((c) => checkText(c, minSample, t)).join(t('rating.separator')) })
}

/** Red first, then yellow, then blue; by name within a level. */
export function sortRatings(rs: GridRating[]): GridRating[] {
  return [...rs].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.name.localeCompare(b.name, 'zh-CN'))
}

/** Why an edit would be refused by `RatingRules::validate` (an i18n key), or null when it is fine. */
export function rulesProblem(rules: RatingRules): { key: string; level?: RatingLevel; index?: number } | null {
  if (!Number.isInteger(rules.min_sample) || rules.min_sample < 0) return { key: 'admin.rules.badMinSample' }
  for (const level of ['red', 'yellow'] as const) {
    const list = rules[level]
    for (let i = 0; i < list.length; i++) {
      const r = list[i]
      const ok = Number.isFinite(r.threshold) && r.threshold >= 0 && (r.measure === 'overdue_cases' || r.threshold <= 100)
      if (!ok) return { key: r.measure === 'overdue_cases' ? 'admin.rules.badCount' : 'admin.rules.badRate', level, index: i }
    }
  }
  return null
}
