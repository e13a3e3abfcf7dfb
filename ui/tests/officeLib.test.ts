import { describe, expect, it } from 'vitest'
import { i18n, setLocale } from '../src/i18n'
import { baseName } from '../src/composables/useExport'
import { auditActionText, categoryId, categoryProblem, formatLimit, majorClasses, nextSubclass, parseLimit, unitChoices, unitsValid, validUsername } from '../src/lib/admin'
import { categoryChart, chartColors, departmentChart, shortName, trendChart } from '../src/lib/dashboardCharts'
import { emptyFilter, idsFromQuery, toCaseFilter } from '../src/lib/filters'
import { figureParts, formatRate, isEmptyRow, rowsOf, totalRow } from '../src/lib/kpi'
import { cstDay, cstMonth, neighbourAt, periodRange, periodShort, periodTitle, stepDay, stepMonth, weekNumber } from '../src/lib/period'
import { checkRule, checkText, DEFAULT_RATING_RULES, figureLevel, rate, ratingSummary, rulesProblem, sortRatings, trimNumber } from '../src/lib/rating'
import { containing, trendPeriods } from '../src/dev/mockKpi'
import { reference } from './fixture'
import { dashboard, fig, figures, MONTH, ratingG01, row, WEEK } from './officeFixture'

const t = (k: string, p?: Record<string, unknown>) => i18n.global.t(k, p ?? {})
const te = (k: string) => i18n.global.te(k)
const zh = () => setLocale('zh-CN')

describe('KPI figures', () => {
  it('read as a rate with one decimal, or — when nothing was counted', () => {
    expect(formatRate(fig(2, 3))).toBe('66.7%')
    expect(formatRate(fig(0, 0))).toBe('—')
    expect(formatRate(undefined)).toBe('—')
  })
  it('split the records behind a figure into numerator and the rest', () => {
    expect(figureParts(fig(1, 3, ['c2', 'c1', 'c3']))).toEqual({ all: ['c1', 'c2', 'c3'], hit: ['c2'], miss: ['c1', 'c3'] })
  })
  it('find rows by dimension and period, and the total row', () => {
    const d = dashboard()
    expect(rowsOf(d.table, 'department').map((r) => r.key)).toEqual(['D-SZ', 'D-CG'])
    expect(totalRow(d.trend, '2026-W48')?.figures.valid_report_rate.denominator).toBe(2)
    expect(totalRow(d.table)?.figures.closure_rate.numerator).toBe(3)
    expect(isEmptyRow(row('grid', 'g', 'g', figures()))).toBe(true)
    expect(isEmptyRow(rowsOf(d.table, 'grid')[0])).toBe(false)
  })
})

describe('ratings (a mirror of core::kpi::rating)', () => {
  it('compare exactly: 3/5 is not below 60 % but below 85 %', () => {
    const f = figures({ on_time_closure_rate: fig(3, 5), closure_rate: fig(10, 10) })
    const { level, checks } = rate(f, 0, DEFAULT_RATING_RULES)
    expect(level).toBe('yellow')
    const fired = checks.filter((c) => c.outcome === 'fired')
    expect(fired).toHaveLength(1)
    zh()
    expect(checkText(fired[0], 5, t)).toBe('按期结案率 60.0%（3/5），低于 85%') // Rust's text for the same check
  })
  it('turn red on a red rule and explain counts the way Rust does', () => {
    const f = figures({ on_time_closure_rate: fig(2, 5), closure_rate: fig(10, 10) })
    const { level, checks } = rate(f, 4, DEFAULT_RATING_RULES)
    expect(level).toBe('red')
    zh()
    expect(checks.filter((c) => c.level === 'red' && c.outcome === 'fired').map((c) => checkText(c, 5, t))).toEqual([
      '按期结案率 40.0%（2/5），低于 60%',
      '超期案件 4 件，多于 3 件',
    ])
  })
  it('do not rate small samples or missing data, and say so', () => {
    const c = checkRule('yellow', { measure: 'rework_rate', comparison: 'above', threshold: 20 }, figures({ rework_rate: fig(2, 3) }), 0, 5)
    expect(c.outcome).toBe('too_few_samples')
    zh()
    expect(checkText(c, 5, t)).toBe('返工率 66.7%（2/3）：样本不足 5 件，不参与评级')
    const none = checkRule('yellow', { measure: 'relapse_rate', comparison: 'above', threshold: 10 }, figures(), 0, 5)
    expect(none.outcome).toBe('no_data')
    expect(checkText(none, 5, t)).toBe('回潮率：无数据，不参与评级')
    expect(rate(figures(), 0, DEFAULT_RATING_RULES).level).toBe('blue')
  })
  it('explain themselves in English too', () => {
    setLocale('en-US')
    expect(checkText(ratingG01.reasons[0], 5, t)).toBe('On-time closure 66.7% (6/9), below 85%')
    expect(ratingSummary(ratingG01, 5, t)).toBe('Yellow: On-time closure 66.7% (6/9), below 85%')
    expect(checkText(ratingG01.checks[1], 5, t)).toBe('Overdue cases 1, not more than 3')
    zh()
    expect(ratingSummary({ ...ratingG01, level: 'blue', reasons: [] }, 5, t)).toBe('蓝：未触发任何红黄规则')
  })
  it('colour a figure by the worst rule it breaks', () => {
    const f = figures({ on_time_closure_rate: fig(5, 10), closure_rate: fig(8, 10) })
    expect(figureLevel('on_time_closure_rate', f, 0, DEFAULT_RATING_RULES)).toBe('red')
    expect(figureLevel('closure_rate', f, 0, DEFAULT_RATING_RULES)).toBe('yellow')
    expect(figureLevel('relapse_rate', f, 0, DEFAULT_RATING_RULES)).toBeNull()
    expect(figureLevel('closure_rate', f, 0, null)).toBeNull()
  })
  it('sort red first, then yellow, then blue', () => {
    const r = (grid: string, level: 'red' | 'yellow' | 'blue') => ({ ...ratingG01, grid, name: grid, level })
    expect(sortRatings([r('b', 'blue'), r('y', 'yellow'), r('r', 'red')]).map((x) => x.level)).toEqual(['red', 'yellow', 'blue'])
  })
  it('check an edit as RatingRules::validate does', () => {
    expect(rulesProblem(DEFAULT_RATING_RULES)).toBeNull()
    const bad = JSON.parse(JSON.stringify(DEFAULT_RATING_RULES))
    bad.yellow[2].threshold = 120
    expect(rulesProblem(bad)).toEqual({ key: 'admin.rules.badRate', level: 'yellow', index: 2 })
    bad.yellow[2].threshold = 10
    bad.red[2].threshold = 120 // overdue cases: a count, no upper bound
    expect(rulesProblem(bad)).toBeNull()
    bad.red[2].threshold = -1
    expect(rulesProblem(bad)).toEqual({ key: 'admin.rules.badCount', level: 'red', index: 2 })
    expect(trimNumber(60)).toBe('60')
    expect(trimNumber(85.5)).toBe('85.5')
  })
})

describe('periods (China Standard Time)', () => {
  it('give the CST day and month, also just after midnight in Beijing', () => {
    const justAfter = Date.UTC(2026, 10, 30, 16, 5) // 2026-12-01 00:05 CST, still November in UTC
    expect(cstDay(justAfter)).toBe('2026-12-01')
    expect(cstMonth(justAfter)).toBe('2026-12')
    expect(stepMonth('2026-12', 1)).toBe('2027-01')
    expect(stepMonth('2027-01', -1)).toBe('2026-12')
    expect(stepDay('2026-12-31', 1)).toBe('2027-01-01')
    expect(stepDay('2026-03-01', -1)).toBe('2026-02-28')
  })
  it('title and range a week and a month', () => {
    zh()
    expect(periodTitle(WEEK, 'week', t)).toBe('2026年第49周')
    expect(periodRange(WEEK, t)).toBe('11月30日–12月6日')
    expect(periodTitle(MONTH, 'month', t)).toBe('2026年12月')
    expect(periodShort(WEEK, 'week', t)).toBe('11/30')
    expect(periodShort(MONTH, 'month', t)).toBe('12月')
    setLocale('en-US')
    expect(periodTitle(WEEK, 'week', t)).toBe('Week 49, 2026')
    expect(periodShort(MONTH, 'month', t)).toBe('Dec')
    zh()
    expect(weekNumber('2026-12')).toBeNull()
  })
  it('step to a neighbour by an instant inside it', () => {
    expect(neighbourAt(WEEK, -1)).toBe(WEEK.from - 1)
    expect(neighbourAt(WEEK, 1)).toBe(WEEK.to)
  })
  it('match the mock’s Period::containing (ISO weeks, months)', () => {
    expect(containing('week', Date.UTC(2026, 11, 3, 2))).toEqual(WEEK)
    expect(containing('month', Date.UTC(2026, 11, 3, 2))).toEqual(MONTH)
    expect(containing('week', Date.UTC(2027, 0, 1, 4)).label).toBe('2026-W53') // Friday 2027-01-01 belongs to 2026's last week
    expect(trendPeriods('month', Date.UTC(2026, 0, 15), 3).map((p) => p.label)).toEqual(['2025-11', '2025-12', '2026-01'])
  })
})

describe('dashboard charts', () => {
  const c = chartColors(false)
  it('trend: one key per period, the selected one highlighted', () => {
    zh()
    const d = dashboard()
    const chart = trendChart(d.trend, 'week', WEEK.label, t, c)
    expect(chart.keys).toEqual(['2026-W48', '2026-W49'])
    const series = (chart.option as { series: Array<{ data: unknown[] }> }).series
    expect(series[0].data).toEqual([{ value: 2, itemStyle: { color: c.primarySoft } }, { value: 4, itemStyle: { color: c.primary } }])
    expect(series[1].data).toEqual([50, 75])
    expect(series[2].data).toEqual([null, 66.7]) // 6/9
  })
  it('categories: most reported on top, closed and not closed stacked', () => {
    const chart = categoryChart(dashboard().categories, t, c)
    expect(chart.keys).toEqual(['C0101', 'E0201'])
    const series = (chart.option as { series: Array<{ data: number[] }> }).series
    expect(series[0].data).toEqual([1, 2])
    expect(series[1].data).toEqual([0, 1])
  })
  it('departments: only those with feedback, coloured by rate', () => {
    const chart = departmentChart(rowsOf(dashboard().table, 'department'), t, c)
    expect(chart.keys).toEqual(['D-SZ'])
    const s = (chart.option as { series: Array<{ data: Array<{ value: number; itemStyle: { color: string } }> }> }).series[0]
    expect(s.data).toEqual([{ value: 50, itemStyle: { color: c.red } }])
    expect(shortName('青石街道综合行政执法队')).toBe('青石街道综合…')
  })
})

describe('case list ids', () => {
  it('come from a comma list and go into the filter', () => {
    expect(idsFromQuery('a, b,,a')).toEqual(['a', 'b'])
    expect(idsFromQuery('')).toBeUndefined()
    expect(idsFromQuery(['a'])).toBeUndefined()
    const f = toCaseFilter({ group: 'all', mine: false, overdue: false, text: '', ids: ['a', 'b'] }, 'u1', { limit: 30, offset: 0 })
    expect(f.ids).toEqual(['a', 'b'])
    expect(emptyFilter().ids).toBeUndefined()
  })
  it('export names come from the path', () => {
    expect(baseName('/home/a/巡查日志.xlsx')).toBe('巡查日志.xlsx')
    expect(baseName('C:\\Users\\a\\report.xlsx')).toBe('report.xlsx')
  })
})

describe('administration helpers', () => {
  it('place each role in its kind of unit', () => {
    expect(unitChoices(reference, 'grid_worker').map((u) => u.id)).toEqual(['QS01-G01', 'QS01-G02', 'QS02-G01'])
    expect(unitChoices(reference, 'supervisor').map((u) => u.id)).toEqual(['QS01', 'QS02'])
    expect(unitChoices(reference, 'street_leader').map((u) => u.id)).toEqual(['QS'])
    expect(unitChoices(reference, 'department').map((u) => u.id)).toEqual(['D-CG', 'D-SZ'])
    expect(unitsValid('department', ['D-CG', 'D-SZ'])).toBe(false)
    expect(unitsValid('grid_leader', ['QS01-G01', 'QS01-G02'])).toBe(true)
    expect(unitsValid('grid_worker', [])).toBe(false)
  })
  it('check user names', () => {
    expect(validUsername('worker14')).toBe(true)
    expect(validUsername('w')).toBe(false)
    expect(validUsername('王芳')).toBe(false)
    expect(validUsername('a b')).toBe(false)
  })
  it('build a local category: limits, major classes, the next free code', () => {
    expect(parseLimit('4h')).toEqual({ n: 4, unit: 'h' })
    expect(parseLimit('2d')).toEqual({ n: 2, unit: 'd' })
    expect(parseLimit('4 hours')).toBeNull()
    expect(formatLimit({ n: 3, unit: 'd' })).toBe('3d')
    const cats = reference.categories.categories
    expect(majorClasses(cats, 'event')).toEqual([{ code: '01', name: '市容环境' }, { code: '02', name: '宣传广告' }, { code: '05', name: '街面秩序' }])
    expect(nextSubclass(cats, 'event', '01')).toBe('03')
    expect(nextSubclass(cats, 'event', '77')).toBe('01')
    expect(categoryId('component', '0199')).toBe('C0199')
    const c = { ...cats[0], id: 'E0103', kind: 'event' as const, code: '0103', major_name: '市容环境', name: '共享单车乱停放', local: true }
    expect(categoryProblem(c, cats)).toBeNull()
    expect(categoryProblem({ ...c, id: 'E0102', code: '0102' }, cats)).toBe('admin.categories.taken')
    expect(categoryProblem({ ...c, code: '0100', id: 'E0100' }, cats)).toBe('admin.categories.badCode')
    expect(categoryProblem({ ...c, limits: { ...c.limits, handle: '0d' } }, cats)).toBe('admin.categories.badLimit')
    expect(categoryProblem({ ...c, lookback_days: 0 }, cats)).toBe('admin.categories.badLookback')
    expect(categoryProblem({ ...c, name: ' ' }, cats)).toBe('admin.categories.needName')
  })
  it('name audit actions, with the refusal code and admin action translated', () => {
    zh()
    expect(auditActionText('login_failed', t, te)).toBe('登录失败')
    expect(auditActionText('refused:out_of_scope', t, te)).toBe('被拒绝：该网格不在您的负责范围内')
    expect(auditActionText('admin:category_add', t, te)).toBe('管理：添加类别')
    expect(auditActionText('admin:something_new', t, te)).toBe('管理：something_new')
    expect(auditActionText('weird', t, te)).toBe('weird')
  })
})
