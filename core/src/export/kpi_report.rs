//! The monthly KPI and rating report as XLSX: one sheet per grid (with its
//! red / yellow / blue rating and the reasons), one per department, one per
//! worker. Each rate is printed as a percentage and as numerator/denominator.

use rust_xlsxwriter::{ColNum, RowNum, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::ExportError;
use super::records::format_datetime;
use super::style::{Styles, print_setup, workbook};
use super::width::ColumnWidths;
use crate::kpi::{
    Dimension, Figure, GridRating, KpiFigures, KpiQuery, KpiRow, Metric, PatrolFacts, PatrolTotals, Period,
    RatingLevel, community_of, compute_kpis, rate_grids,
};
use crate::model::{Case, Reference, Scope};
use crate::time::Millis;

/// The report, filled by the caller (or by [`KpiReport::build`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    /// E.g. 青石街道 2026-12 绩效与网格评级.
    pub title: String,
    pub period: Period,
    /// The instant the figures describe.
    pub as_of: Millis,
    /// Where the figures come from, e.g. 服务器 or 本机（截至上次同步）.
    pub source: String,
    pub grids: Vec<GridReportRow>,
    pub departments: Vec<KpiRow>,
    pub workers: Vec<KpiRow>,
}

/// A grid's line: its rating (with figures and overdue count) and patrols.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridReportRow {
    pub community: String,
    pub rating: GridRating,
    pub patrols: PatrolTotals,
}

impl KpiReport {
    /// The report of `month` over the records in `scope`, rated with the
    /// reference's rules as of `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        cases: &[Case],
        patrols: &[PatrolFacts],
        reference: &Reference,
        scope: &Scope,
        month: &Period,
        now: Millis,
        title: &str,
        source: &str,
    ) -> KpiReport {
        let query = KpiQuery {
            periods: vec![month.clone()],
            dimensions: vec![Dimension::Grid, Dimension::Department, Dimension::Worker],
            scope: scope.clone(),
            include_ids: false,
        };
        let table = compute_kpis(cases, patrols, reference, &query);
        let grids = rate_grids(cases, patrols, reference, scope, month, now)
            .into_iter()
            .map(|rating| GridReportRow {
                community: community_of(reference, &rating.grid).map(|u| u.name.clone()).unwrap_or_default(),
                patrols: table
                    .row(&month.label, Dimension::Grid, &rating.grid)
                    .map(|r| r.patrols.clone())
                    .unwrap_or_default(),
                rating,
            })
            .collect();
        KpiReport {
            title: title.to_owned(),
            period: month.clone(),
            as_of: if now < month.to { now } else { month.to - 1 },
            source: source.to_owned(),
            grids,
            departments: table.rows_of(Dimension::Department).cloned().collect(),
            workers: table.rows_of(Dimension::Worker).cloned().collect(),
        }
    }
}

const GRID_METRICS: [Metric; 8] = [
    Metric::ClosureRate,
    Metric::OnTimeClosureRate,
    Metric::ReworkRate,
    Metric::RelapseRate,
    Metric::SelfHandledRate,
    Metric::ValidReportRate,
    Metric::OnTimeVerifyRate,
    Metric::PatrolCoverage,
];
const DEPARTMENT_METRICS: [Metric; 5] =
    [Metric::ClosureRate, Metric::OnTimeClosureRate, Metric::OnTimeHandleRate, Metric::ReworkRate, Metric::RelapseRate];
const WORKER_METRICS: [Metric; 7] = [
    Metric::ValidReportRate,
    Metric::SelfHandledRate,
    Metric::ClosureRate,
    Metric::OnTimeClosureRate,
    Metric::OnTimeVerifyRate,
    Metric::ReworkRate,
    Metric::PatrolCoverage,
];
/// Row of the first header line; the second is below it, data after.
const HEAD: RowNum = 2;
const FIRST_DATA: RowNum = HEAD + 2;

/// The report as an XLSX file: sheets 网格评级, 部门, 人员.
pub fn kpi_report_xlsx(report: &KpiReport) -> Result<Vec<u8>, ExportError> {
    let s = Styles::new();
    let mut wb = workbook(&report.title, report.as_of)?;
    wb.push_worksheet(grid_sheet(report, &s)?);
    wb.push_worksheet(rows_sheet(report, "部门", "部门", &report.departments, &DEPARTMENT_METRICS, &s)?);
    wb.push_worksheet(rows_sheet(report, "人员", "人员", &report.workers, &WORKER_METRICS, &s)?);
    Ok(wb.save_to_buffer()?)
}

/// Leading columns (one header cell spanning two rows each), then two
/// columns per metric under its name: 比率 and 分子/分母.
struct Layout<'a> {
    lead: &'a [&'a str],
    metrics: &'a [Metric],
    trail: &'a [&'a str],
}

impl Layout<'_> {
    fn columns(&self) -> usize {
        self.lead.len() + 2 * self.metrics.len() + self.trail.len()
    }

    fn metric_col(&self, i: usize) -> ColNum {
        (self.lead.len() + 2 * i) as ColNum
    }

    fn write_heading(
        &self,
        sheet: &mut Worksheet,
        report: &KpiReport,
        widths: &mut ColumnWidths,
        s: &Styles,
    ) -> Result<(), XlsxError> {
        let last = (self.columns() - 1) as ColNum;
        sheet.merge_range(0, 0, 0, last, &report.title, &s.title)?;
        sheet.set_row_height(0, 30)?;
        let sub = format!(
            "统计期：{}    数据截至：{}（{}）",
            report.period.label,
            format_datetime(report.as_of),
            report.source
        );
        sheet.merge_range(1, 0, 1, last, &sub, &s.subtitle)?;
        let spanning = |sheet: &mut Worksheet, col: ColNum, text: &str| {
            sheet.merge_range(HEAD, col, HEAD + 1, col, text, &s.header).map(|_| ())
        };
        for (i, h) in self.lead.iter().enumerate() {
            spanning(sheet, i as ColNum, h)?;
            widths.fit(i as ColNum, h);
        }
        for (i, m) in self.metrics.iter().enumerate() {
            let col = self.metric_col(i);
            sheet.merge_range(HEAD, col, HEAD, col + 1, m.label(), &s.header)?;
            sheet.write_string_with_format(HEAD + 1, col, "比率", &s.header)?;
            sheet.write_string_with_format(HEAD + 1, col + 1, "分子/分母", &s.header)?;
        }
        for (i, h) in self.trail.iter().enumerate() {
            let col = (self.lead.len() + 2 * self.metrics.len() + i) as ColNum;
            spanning(sheet, col, h)?;
            widths.fit(col, h);
        }
        sheet.set_row_height(HEAD, 20)?;
        sheet.set_row_height(HEAD + 1, 20)?;
        Ok(())
    }

    fn write_figures(
        &self,
        sheet: &mut Worksheet,
        row: RowNum,
        figures: &KpiFigures,
        s: &Styles,
    ) -> Result<(), XlsxError> {
        for (i, m) in self.metrics.iter().enumerate() {
            write_figure(sheet, row, self.metric_col(i), figures.get(*m), s)?;
        }
        Ok(())
    }

    fn widths(&self, lead: &[(usize, usize)], trail: &[(usize, usize)]) -> ColumnWidths {
        let mut bounds = lead.to_vec();
        for _ in self.metrics {
            bounds.extend([(7, 8), (7, 9)]);
        }
        bounds.extend_from_slice(trail);
        ColumnWidths::new(&bounds)
    }
}

fn write_figure(sheet: &mut Worksheet, row: RowNum, col: ColNum, f: &Figure, s: &Styles) -> Result<(), XlsxError> {
    match f.rate {
        Some(rate) => sheet.write_number_with_format(row, col, rate, &s.percent)?,
        None => sheet.write_string_with_format(row, col, "—", &s.center)?,
    };
    sheet.write_string_with_format(row, col + 1, format!("{}/{}", f.numerator, f.denominator), &s.center)?;
    Ok(())
}

fn grid_sheet(report: &KpiReport, s: &Styles) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name("网格评级")?;
    let layout = Layout {
        lead: &["网格", "所属社区", "评级", "评级理由", "超期案件"],
        metrics: &GRID_METRICS,
        trail: &["巡查次数"],
    };
    let mut widths = layout.widths(&[(10, 20), (8, 12), (6, 6), (16, 34), (6, 8)], &[(6, 8)]);
    layout.write_heading(&mut sheet, report, &mut widths, s)?;
    for (i, g) in report.grids.iter().enumerate() {
        let row = FIRST_DATA + i as RowNum;
        let r = &g.rating;
        let reasons = if r.reasons.is_empty() {
            "—".to_owned()
        } else {
            r.reasons.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n")
        };
        sheet.write_string_with_format(row, 0, &r.name, &s.text)?;
        sheet.write_string_with_format(row, 1, &g.community, &s.text)?;
        sheet.write_string_with_format(row, 2, r.level.label(), &level_format(r.level, s))?;
        sheet.write_string_with_format(row, 3, &reasons, &s.wrap)?;
        sheet.write_number_with_format(row, 4, f64::from(r.overdue.overdue), &s.integer)?;
        layout.write_figures(&mut sheet, row, &r.figures, s)?;
        let last = layout.columns() as ColNum - 1;
        sheet.write_number_with_format(row, last, g.patrols.patrols as f64, &s.integer)?;
        for (col, text) in [(0, r.name.as_str()), (1, g.community.as_str()), (3, reasons.as_str())] {
            widths.fit(col, text);
        }
        let lines = r.reasons.len().max(1) as f64;
        sheet.set_row_height(row, (16.0 * lines).max(20.0))?;
    }
    widths.apply(&mut sheet)?;
    print_setup(&mut sheet, HEAD + 1)?;
    sheet.set_freeze_panes(FIRST_DATA, 1)?;
    Ok(sheet)
}

fn level_format(level: RatingLevel, s: &Styles) -> rust_xlsxwriter::Format {
    let (fill, font) = match level {
        RatingLevel::Red => (0xF4B6B6, 0x9C0006),
        RatingLevel::Yellow => (0xFFEB9C, 0x7F6000),
        RatingLevel::Blue => (0xBDD7EE, 0x1F4E79),
    };
    s.center.clone().set_bold().set_background_color(fill).set_font_color(font)
}

fn rows_sheet(
    report: &KpiReport,
    sheet_name: &str,
    key_header: &str,
    rows: &[KpiRow],
    metrics: &[Metric],
    s: &Styles,
) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(sheet_name)?;
    let layout = Layout { lead: &[key_header], metrics, trail: &["巡查次数", "巡查里程（公里）"] };
    let mut widths = layout.widths(&[(8, 30)], &[(6, 8), (8, 10)]);
    layout.write_heading(&mut sheet, report, &mut widths, s)?;
    for (i, r) in rows.iter().enumerate() {
        let row = FIRST_DATA + i as RowNum;
        sheet.write_string_with_format(row, 0, &r.name, &s.text)?;
        widths.fit(0, &r.name);
        layout.write_figures(&mut sheet, row, &r.figures, s)?;
        let last = layout.columns() as ColNum - 1;
        sheet.write_number_with_format(row, last - 1, r.patrols.patrols as f64, &s.integer)?;
        sheet.write_number_with_format(row, last, r.patrols.track_length_m / 1000.0, &s.decimal)?;
        sheet.set_row_height(row, 20)?;
    }
    widths.apply(&mut sheet)?;
    print_setup(&mut sheet, HEAD + 1)?;
    sheet.set_freeze_panes(FIRST_DATA, 1)?;
    Ok(sheet)
}
