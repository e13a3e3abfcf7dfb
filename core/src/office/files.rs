//! The office's files as the app saves them and the server sends them: the
//! day's 巡查日志, the month's 考核报表 and the cases as CSV or GeoJSON,
//! each with the file name the save dialog suggests. The arguments arrive
//! as text (from the UI, an API or the command line) and are checked here,
//! so every caller refuses the same things the same way.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::OfficeError;
use super::dashboard::DataSource;
use crate::codes::ErrorCode;
use crate::export::{KpiReport, PatrolLog, case_records, cases_csv, cases_geojson, kpi_report_xlsx, patrol_log_xlsx};
use crate::kpi::{PatrolFacts, Period};
use crate::model::{Case, OrgKind, Reference, Scope};
use crate::time::{Millis, to_china};

/// How cases are exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CaseExportFormat {
    /// UTF-8 with BOM, for Excel.
    Csv,
    /// A FeatureCollection of points (WGS-84).
    Geojson,
}

/// A file to save: its suggested name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A written export, as the app reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportResult {
    /// Absolute path of the written file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Whose data went into it.
    pub source: DataSource,
}

/// A calendar day `YYYY-MM-DD` (China Standard Time).
pub fn parse_day(day: &str) -> Result<Period, OfficeError> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == day)
        .map(Period::day)
        .ok_or_else(|| OfficeError::invalid(format!("{day:?} is not a day (YYYY-MM-DD)")))
}

/// A month `YYYY-MM` that has begun by `now` (China Standard Time).
pub fn parse_month(month: &str, now: Millis) -> Result<Period, OfficeError> {
    let bad = || OfficeError::invalid(format!("{month:?} is not a month (YYYY-MM)"));
    let (y, m) = month.split_once('-').filter(|(y, m)| y.len() == 4 && m.len() == 2).ok_or_else(bad)?;
    let (year, mon): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let period = Period::month(year, mon).ok_or_else(bad)?;
    let today = to_china(now);
    if (year, mon) > (today.year(), today.month()) {
        return Err(OfficeError::invalid(format!("{month} has not begun yet")));
    }
    Ok(period)
}

/// The name of what `scope` covers, for a report's title: the grid, the
/// community or the street office all its grids are in, or the department.
pub fn scope_title(reference: &Reference, scope: &Scope) -> String {
    let street = || reference.org.units.iter().find(|u| u.kind == OrgKind::Street).map(|u| u.name.clone());
    let name = match scope {
        Scope::All => street(),
        Scope::Department { department } => {
            reference.org.departments.iter().find(|d| &d.id == department).map(|d| d.name.clone())
        }
        Scope::Grids { grids } if grids.len() == 1 => {
            grids.first().and_then(|g| reference.org.unit(g)).map(|u| u.name.clone())
        }
        Scope::Grids { grids } => {
            let parents: std::collections::BTreeSet<Option<&str>> =
                grids.iter().map(|g| reference.org.unit(g).and_then(|u| u.parent.as_deref())).collect();
            match parents.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(p)] => reference.org.unit(p).map(|u| u.name.clone()),
                _ => street(),
            }
        }
    };
    name.unwrap_or_default()
}

/// The 巡查日志 of `grid` for `day`: `invalid` for a malformed day,
/// `unknown_grid`, `out_of_scope` for a grid outside `scope`.
#[allow(clippy::too_many_arguments)]
pub fn patrol_log_file(
    reference: &Reference,
    scope: &Scope,
    grid: &str,
    day: &str,
    cases: &[Case],
    patrols: &[PatrolFacts],
    thumbnail: &dyn Fn(&Case) -> Option<Vec<u8>>,
    now: Millis,
) -> Result<ExportFile, OfficeError> {
    let period = parse_day(day)?;
    let unit = reference
        .grid(grid)
        .ok_or_else(|| OfficeError::new(ErrorCode::UnknownGrid, format!("there is no grid {grid}")))?;
    if !scope.sees(grid, &[]) {
        return Err(OfficeError::new(ErrorCode::OutOfScope, format!("grid {grid} is outside your area")));
    }
    let log = PatrolLog::build(reference, grid, &period, cases, patrols, thumbnail, now);
    let bytes = patrol_log_xlsx(&log).map_err(failed)?;
    Ok(ExportFile { name: file_name(&format!("巡查日志-{}-{}.xlsx", unit.name, period.label)), bytes })
}

/// The monthly KPI and rating report of `month` over `scope`; `invalid`
/// for a malformed month or one that has not begun.
#[allow(clippy::too_many_arguments)]
pub fn kpi_report_file(
    reference: &Reference,
    scope: &Scope,
    month: &str,
    cases: &[Case],
    patrols: &[PatrolFacts],
    now: Millis,
    source: DataSource,
) -> Result<ExportFile, OfficeError> {
    let period = parse_month(month, now)?;
    let title = format!("{} {} 绩效与网格评级", scope_title(reference, scope), period.label);
    let report = KpiReport::build(cases, patrols, reference, scope, &period, now, title.trim(), source.label());
    let bytes = kpi_report_xlsx(&report).map_err(failed)?;
    Ok(ExportFile { name: file_name(&format!("考核报表-{}.xlsx", period.label)), bytes })
}

/// `cases` (already chosen by the caller's filter and scope) as CSV or
/// GeoJSON, named after the day of `now`.
pub fn cases_file(
    reference: &Reference,
    format: CaseExportFormat,
    cases: &[Case],
    now: Millis,
) -> Result<ExportFile, OfficeError> {
    let records = case_records(cases, reference);
    let (bytes, ext) = match format {
        CaseExportFormat::Csv => (cases_csv(&records).map_err(failed)?, "csv"),
        CaseExportFormat::Geojson => (cases_geojson(&records).map_err(failed)?, "geojson"),
    };
    let day = to_china(now).format("%Y-%m-%d");
    Ok(ExportFile { name: file_name(&format!("案件-{day}.{ext}")), bytes })
}

fn failed(e: crate::export::ExportError) -> OfficeError {
    OfficeError::new(ErrorCode::ExportFailed, e.to_string())
}

/// A name safe on every file system: no separators or reserved characters.
fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_parse_strictly() {
        assert_eq!(parse_day("2026-12-04").unwrap().label, "2026-12-04");
        for bad in ["2026-12-4", "2026-13-01", "04.12.2026", "", "2026-12-04x"] {
            assert_eq!(parse_day(bad).unwrap_err().code, ErrorCode::Invalid, "{bad}");
        }
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-10T12:00:00+08:00").unwrap().timestamp_millis();
        assert_eq!(parse_month("2026-12", now).unwrap().label, "2026-12");
        assert_eq!(parse_month("2026-11", now).unwrap().label, "2026-11");
        for bad in ["2027-01", "2026-1", "2026-00", "26-12", "2026/12"] {
            assert_eq!(parse_month(bad, now).unwrap_err().code, ErrorCode::Invalid, "{bad}");
        }
    }

    #[test]
    fn titles_name_the_scope_and_file_names_are_safe() {
        let r = crate::demo::reference();
        assert_eq!(scope_title(&r, &Scope::All), "青石街道");
        let g01: std::collections::BTreeSet<String> = ["QS01-G01".to_string()].into();
        assert_eq!(scope_title(&r, &Scope::Grids { grids: g01 }), "柳荫社区第一网格");
        assert_eq!(file_name("巡查日志-a/b:c.xlsx"), "巡查日志-a_b_c.xlsx");
    }
}
