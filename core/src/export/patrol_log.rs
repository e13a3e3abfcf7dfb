//! 巡查日志: the daily patrol log of one grid as XLSX. Two sheets, each
//! printable on its own: 巡查记录 (the patrols: kind, team, times, streets
//! covered, track length) and 发现问题 (the cases found that day: category,
//! location, status and a thumbnail photo per case).

use rust_xlsxwriter::{ColNum, Image, RowNum, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use super::ExportError;
use super::records::{CaseRecord, format_datetime, format_duration, format_time_in, patrol_kind_label, status_label};
use super::style::{Styles, print_setup, workbook};
use super::width::ColumnWidths;
use crate::kpi::{PatrolFacts, Period};
use crate::model::{Case, PatrolKind, PhotoRole, Reference};
use crate::time::Millis;
use crate::workflow::derive;

/// The daily log, filled by the caller (or by [`PatrolLog::build`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolLog {
    pub grid: String,
    pub grid_name: String,
    /// The day (its label is printed, e.g. 2026-12-01).
    pub day: Period,
    pub patrols: Vec<PatrolLogPatrol>,
    pub cases: Vec<PatrolLogCase>,
    /// When the log was made (printed, and the file's creation time).
    pub generated_at: Millis,
}

/// One patrol of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolLogPatrol {
    pub kind: PatrolKind,
    /// Display names of the team.
    pub team: Vec<String>,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub streets_covered: u32,
    pub streets_total: u32,
    pub track_length_m: f64,
    pub cases_found: u32,
}

/// One case found that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolLogCase {
    pub record: CaseRecord,
    /// A JPEG or PNG thumbnail; unreadable bytes print as text instead.
    #[serde(default, with = "serde_bytes")]
    pub thumbnail: Option<Vec<u8>>,
}

impl PatrolLog {
    /// The log of `grid` for `day`: patrols started that day, and cases of
    /// the grid reported that day or found on those patrols, oldest first.
    /// `thumbnail` returns the thumbnail bytes of a case (see
    /// [`thumbnail_hash`] for which photo to use).
    pub fn build(
        reference: &Reference,
        grid: &str,
        day: &Period,
        cases: &[Case],
        patrols: &[PatrolFacts],
        thumbnail: &dyn Fn(&Case) -> Option<Vec<u8>>,
        generated_at: Millis,
    ) -> PatrolLog {
        let mut day_patrols: Vec<&PatrolFacts> = crate::kpi::distinct_patrols(patrols)
            .into_iter()
            .filter(|p| p.grid == grid && day.contains(p.started_at))
            .collect();
        day_patrols.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let patrol_ids: Vec<&str> = day_patrols.iter().map(|p| p.id.as_str()).collect();
        let user_name = |id: &String| reference.user(id).map_or_else(|| id.clone(), |u| u.name.clone());
        let mut found: Vec<PatrolLogCase> = crate::kpi::distinct_cases(cases)
            .into_iter()
            .filter(|c| c.grid == grid)
            .filter(|c| {
                day.contains(c.created_at) || c.links.patrol.as_deref().is_some_and(|p| patrol_ids.contains(&p))
            })
            .map(|c| PatrolLogCase { record: CaseRecord::new(c, &derive(c), reference), thumbnail: thumbnail(c) })
            .collect();
        found.sort_by(|a, b| (a.record.created_at, &a.record.id).cmp(&(b.record.created_at, &b.record.id)));
        PatrolLog {
            grid: grid.to_owned(),
            grid_name: reference.org.unit(grid).map_or_else(|| grid.to_owned(), |u| u.name.clone()),
            day: day.clone(),
            patrols: day_patrols
                .into_iter()
                .map(|p| PatrolLogPatrol {
                    kind: p.kind,
                    team: p.team.iter().map(user_name).collect(),
                    started_at: p.started_at,
                    ended_at: p.ended_at,
                    streets_covered: p.covered(),
                    streets_total: p.streets_total,
                    track_length_m: p.track_length_m,
                    cases_found: p.cases_found,
                })
                .collect(),
            cases: found,
            generated_at,
        }
    }

    /// 「柳荫社区第一网格 巡查日志 2026-12-01」.
    pub fn title(&self) -> String {
        format!("{} 巡查日志 {}", self.grid_name, self.day.label)
    }
}

/// The thumbnail to print for a case: of its "before" photos the first
/// added, else its first photo.
pub fn thumbnail_hash(case: &Case) -> Option<&str> {
    let mut photos: Vec<_> = case.photos.values().collect();
    photos.sort_by(|a, b| {
        (a.role != PhotoRole::Before, a.added_at, &a.hash).cmp(&(b.role != PhotoRole::Before, b.added_at, &b.hash))
    });
    photos.first().map(|p| p.thumb.as_str())
}

const PATROL_HEADERS: [&str; 10] = [
    "序号",
    "巡查类型",
    "巡查人员",
    "开始时间",
    "结束时间",
    "时长",
    "街巷覆盖",
    "覆盖率",
    "轨迹里程（公里）",
    "发现问题（件）",
];
const CASE_HEADERS: [&str; 9] =
    ["序号", "发现时间", "问题类别", "问题描述", "地址", "坐标（WGS-84）", "状态", "上报人", "照片"];
/// The photo column: room for a 4:3 thumbnail of about 150 × 112 pixels.
const PHOTO_COL_WIDTH: f64 = 21.0;
const PHOTO_ROW_HEIGHT_PX: u32 = 114;
/// The photo column in pixels, as Excel converts a width of 21 (7 px per
/// unit plus 5 px padding).
const PHOTO_COL_PX: u32 = 21 * 7 + 5;
const PHOTO_MARGIN_PX: u32 = 4;
const HEADER_ROW: RowNum = 2;

/// The log as an XLSX file.
pub fn patrol_log_xlsx(log: &PatrolLog) -> Result<Vec<u8>, ExportError> {
    let styles = Styles::new();
    let mut wb = workbook(&log.title(), log.generated_at)?;
    wb.push_worksheet(patrols_sheet(log, &styles)?);
    wb.push_worksheet(cases_sheet(log, &styles)?);
    Ok(wb.save_to_buffer()?)
}

/// Title row, subtitle row and header row; returns the column widths seen.
fn heading(
    sheet: &mut Worksheet,
    log: &PatrolLog,
    headers: &[&str],
    widths: &mut ColumnWidths,
    s: &Styles,
) -> Result<(), XlsxError> {
    let last = (headers.len() - 1) as ColNum;
    sheet.merge_range(0, 0, 0, last, &log.title(), &s.title)?;
    sheet.set_row_height(0, 30)?;
    let sub = format!(
        "网格：{}    日期：{}    巡查 {} 次    发现问题 {} 件    制表时间：{}",
        log.grid_name,
        log.day.label,
        log.patrols.len(),
        log.cases.len(),
        format_datetime(log.generated_at)
    );
    sheet.merge_range(1, 0, 1, last, &sub, &s.subtitle)?;
    sheet.set_row_height(1, 20)?;
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as ColNum, *h, &s.header)?;
        widths.fit(col as ColNum, h);
    }
    sheet.set_row_height(HEADER_ROW, 24)?;
    Ok(())
}

fn patrols_sheet(log: &PatrolLog, s: &Styles) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name("巡查记录")?;
    let mut widths =
        ColumnWidths::new(&[(5, 6), (8, 10), (10, 30), (8, 14), (8, 14), (8, 12), (8, 10), (7, 8), (10, 12), (10, 12)]);
    heading(&mut sheet, log, &PATROL_HEADERS, &mut widths, s)?;
    for (i, p) in log.patrols.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as RowNum;
        let team = p.team.join("、");
        let start = format_time_in(&log.day, p.started_at);
        let end = p.ended_at.map_or_else(|| "进行中".to_owned(), |e| format_time_in(&log.day, e));
        let duration = p.ended_at.map_or_else(|| "—".to_owned(), |e| format_duration(e - p.started_at));
        let streets = format!("{}/{}", p.streets_covered, p.streets_total);
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &s.integer)?;
        let texts = [patrol_kind_label(p.kind), &team, &start, &end, &duration, &streets];
        for (j, text) in texts.iter().enumerate() {
            let col = 1 + j as ColNum;
            sheet.write_string_with_format(row, col, *text, if col == 2 { &s.wrap } else { &s.center })?;
            widths.fit(col, text);
        }
        if p.streets_total > 0 {
            sheet.write_number_with_format(
                row,
                7,
                f64::from(p.streets_covered) / f64::from(p.streets_total),
                &s.percent,
            )?;
        } else {
            sheet.write_string_with_format(row, 7, "—", &s.center)?;
        }
        sheet.write_number_with_format(row, 8, p.track_length_m / 1000.0, &s.decimal)?;
        sheet.write_number_with_format(row, 9, f64::from(p.cases_found), &s.integer)?;
        sheet.set_row_height(row, 22)?;
    }
    if log.patrols.is_empty() {
        sheet.merge_range(HEADER_ROW + 1, 0, HEADER_ROW + 1, 9, "当日无巡查记录", &s.center)?;
    }
    widths.apply(&mut sheet)?;
    print_setup(&mut sheet, HEADER_ROW)?;
    Ok(sheet)
}

fn cases_sheet(log: &PatrolLog, s: &Styles) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name("发现问题")?;
    let mut widths =
        ColumnWidths::new(&[(5, 6), (8, 14), (10, 18), (12, 26), (12, 26), (12, 22), (8, 10), (8, 10), (21, 21)]);
    heading(&mut sheet, log, &CASE_HEADERS, &mut widths, s)?;
    // The photo column's width must be final before images are fitted to it.
    sheet.set_column_width(8, PHOTO_COL_WIDTH)?;
    for (i, c) in log.cases.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as RowNum;
        let r = &c.record;
        sheet.set_row_height_pixels(row, PHOTO_ROW_HEIGHT_PX)?;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &s.integer)?;
        let category = if r.category_major.is_empty() {
            r.category_name.clone()
        } else {
            format!("{}\n{}", r.category_name, r.category_major)
        };
        let coords = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.6}, {lon:.6}"),
            _ => "—".to_owned(),
        };
        let texts = [
            format_time_in(&log.day, r.created_at),
            category,
            r.title.clone(),
            r.address.clone(),
            coords,
            status_label(r.status).to_owned(),
            r.reporter_name.clone(),
        ];
        for (j, text) in texts.iter().enumerate() {
            let col = 1 + j as ColNum;
            let fmt = if matches!(col, 2..=5) { &s.wrap } else { &s.center };
            sheet.write_string_with_format(row, col, text, fmt)?;
            widths.fit(col, text);
        }
        write_thumbnail(&mut sheet, row, 8, c.thumbnail.as_deref(), &r.id, s)?;
    }
    if log.cases.is_empty() {
        sheet.merge_range(HEADER_ROW + 1, 0, HEADER_ROW + 1, 8, "当日未发现问题", &s.center)?;
    }
    widths.apply(&mut sheet)?;
    print_setup(&mut sheet, HEADER_ROW)?;
    Ok(sheet)
}

/// The thumbnail scaled into its cell, or a note when there is none or it
/// cannot be read.
fn write_thumbnail(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    bytes: Option<&[u8]>,
    case_id: &str,
    s: &Styles,
) -> Result<(), XlsxError> {
    // The bordered cell under the picture.
    sheet.write_string_with_format(row, col, "", &s.center)?;
    let Some(bytes) = bytes else {
        sheet.write_string_with_format(row, col, "（无照片）", &s.center)?;
        return Ok(());
    };
    match Image::new_from_buffer(bytes) {
        Ok(image) => {
            // Scale into the cell less a margin (so the borders stay
            // visible), keep the aspect ratio, centre it.
            let (box_w, box_h) =
                (f64::from(PHOTO_COL_PX - 2 * PHOTO_MARGIN_PX), f64::from(PHOTO_ROW_HEIGHT_PX - 2 * PHOTO_MARGIN_PX));
            let (w, h) = (image.width() * 96.0 / image.width_dpi(), image.height() * 96.0 / image.height_dpi());
            let scale = (box_w / w).min(box_h / h);
            let (x, y) =
                ((f64::from(PHOTO_COL_PX) - w * scale) / 2.0, (f64::from(PHOTO_ROW_HEIGHT_PX) - h * scale) / 2.0);
            let image =
                image.set_scale_width(scale).set_scale_height(scale).set_alt_text(format!("问题 {case_id} 的照片"));
            sheet.insert_image_with_offset(row, col, &image, x.max(0.0) as u32, y.max(0.0) as u32)?;
        }
        Err(e) => {
            tracing::warn!(case = case_id, error = %e, "thumbnail not readable; printed as text");
            sheet.write_string_with_format(row, col, "（照片无法读取）", &s.center)?;
        }
    }
    Ok(())
}
