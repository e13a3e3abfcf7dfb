// ECharts options of the dashboard, built from the KPI data (pure, testable).
// Each builder returns the option and `keys`: what the bar at a data index
// stands for (a period label, a category id, a department id), for taps.
import type { EChartsCoreOption } from 'echarts/core'
import type { CategoryCount, DashboardGranularity, KpiRow, KpiTable } from '../generated'
import type { Translate } from './format'
import { percent, rowsOf } from './kpi'
import { periodShort } from './period'

export interface ChartColors {
  text: string
  muted: string
  split: string
  primary: string
  primarySoft: string
  green: string
  yellow: string
  red: string
  grey: string
}

export function chartColors(dark: boolean): ChartColors {
  return dark
    ? { text: '#f5f5f5', muted: '#aaaaaa', split: '#3a3a3c', primary: '#3d8cff', primarySoft: '#284a7a', green: '#2fd07a', yellow: '#ffa24d', red: '#ff5a66', grey: '#5c5c60' }
    : { text: '#323233', muted: '#646566', split: '#ebedf0', primary: '#1989fa', primarySoft: '#a9cdf7', green: '#07a550', yellow: '#e8740c', red: '#e0101f', grey: '#c8c9cc' }
}

export interface Chart {
  option: EChartsCoreOption
  keys: string[]
}

/** Shortens a long name for a narrow axis (the tables below show it whole). */
export function shortName(s: string, max = 7): string {
  const chars = [...s]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s
}

const base = (c: ChartColors) => ({
  backgroundColor: 'transparent',
  textStyle: { color: c.text, fontSize: 12 },
  animationDuration: 200,
})

/** Reports per period (bars) with 结案率 and 按期结案率 (lines, right axis); the selected period stands out. */
export function trendChart(trend: KpiTable, g: DashboardGranularity, selected: string, t: Translate, c: ChartColors): Chart {
  const rows = trend.periods.map((p) => rowsOf(trend, 'all', p.label)[0])
  const keys = trend.periods.map((p) => p.label)
  const reports = rows.map((r, i) => ({
    value: r?.figures.valid_report_rate.denominator ?? 0,
    itemStyle: { color: keys[i] === selected ? c.primary : c.primarySoft },
  }))
  return {
    keys,
    option: {
      ...base(c),
      grid: { left: 36, right: 40, top: 36, bottom: 24 },
      legend: { top: 0, textStyle: { color: c.muted, fontSize: 12 }, itemWidth: 14, itemHeight: 8 },
      tooltip: { trigger: 'axis', confine: true },
      xAxis: {
        type: 'category',
        data: trend.periods.map((p) => periodShort(p, g, t)),
        axisLabel: { color: c.muted, fontSize: 11, hideOverlap: true },
        axisLine: { lineStyle: { color: c.split } },
      },
      yAxis: [
        { type: 'value', minInterval: 1, axisLabel: { color: c.muted, fontSize: 11 }, splitLine: { lineStyle: { color: c.split } } },
        { type: 'value', min: 0, max: 100, axisLabel: { color: c.muted, fontSize: 11, formatter: '{value}%' }, splitLine: { show: false } },
      ],
      series: [
        { name: t('dashboard.chart.reports'), type: 'bar', data: reports, barMaxWidth: 28 },
        { name: t('kpi.metric.closure_rate'), type: 'line', yAxisIndex: 1, data: rows.map((r) => percent(r?.figures.closure_rate)), connectNulls: true, symbolSize: 7, lineStyle: { width: 2.5 }, itemStyle: { color: c.green } },
        { name: t('kpi.metric.on_time_closure_rate'), type: 'line', yAxisIndex: 1, data: rows.map((r) => percent(r?.figures.on_time_closure_rate)), connectNulls: true, symbolSize: 7, lineStyle: { width: 2.5, type: 'dashed' }, itemStyle: { color: c.yellow } },
      ],
    },
  }
}

/** The most reported categories (horizontal bars, most on top), closed and not closed stacked. */
export function categoryChart(cats: CategoryCount[], t: Translate, c: ChartColors, limit = 8): Chart {
  const top = cats.slice(0, limit).reverse()
  return {
    keys: top.map((x) => x.category),
    option: {
      ...base(c),
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: c.muted, fontSize: 12 }, itemWidth: 14, itemHeight: 8 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: c.muted, fontSize: 11 }, splitLine: { lineStyle: { color: c.split } } },
      yAxis: { type: 'category', data: top.map((x) => shortName(x.name)), axisLabel: { color: c.text, fontSize: 12 }, axisLine: { lineStyle: { color: c.split } } },
      series: [
        { name: t('dashboard.chart.closed'), type: 'bar', stack: 'n', data: top.map((x) => x.closed), itemStyle: { color: c.green }, barMaxWidth: 22 },
        { name: t('dashboard.chart.open'), type: 'bar', stack: 'n', data: top.map((x) => x.reported - x.closed), itemStyle: { color: c.yellow }, barMaxWidth: 22 },
      ],
    },
  }
}

/** Departments' 按期处置率 (horizontal bars, worst on top); a department without feedback shows no bar. */
export function departmentChart(rows: KpiRow[], t: Translate, c: ChartColors): Chart {
  const withData = rows.filter((r) => r.figures.on_time_handle_rate.denominator > 0)
  const sorted = [...withData].sort((a, b) => (percent(b.figures.on_time_handle_rate) ?? 0) - (percent(a.figures.on_time_handle_rate) ?? 0))
  const colour = (v: number) => (v < 60 ? c.red : v < 85 ? c.yellow : c.green)
  return {
    keys: sorted.map((r) => r.key),
    option: {
      ...base(c),
      grid: { left: 8, right: 44, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      xAxis: { type: 'value', min: 0, max: 100, axisLabel: { color: c.muted, fontSize: 11, formatter: '{value}%' }, splitLine: { lineStyle: { color: c.split } } },
      yAxis: { type: 'category', data: sorted.map((r) => shortName(r.name)), axisLabel: { color: c.text, fontSize: 12 } },
      series: [
        {
          name: t('kpi.metric.on_time_handle_rate'),
          type: 'bar',
          barMaxWidth: 22,
          label: { show: true, position: 'right', color: c.text, fontSize: 12, formatter: '{c}%' },
          data: sorted.map((r) => {
            const v = percent(r.figures.on_time_handle_rate) ?? 0
            return { value: v, itemStyle: { color: colour(v) } }
          }),
        },
      ],
    },
  }
}

/** A chart's height in px for `n` horizontal bars. */
export function barsHeight(n: number): number {
  return Math.max(120, 44 + n * 34)
}
