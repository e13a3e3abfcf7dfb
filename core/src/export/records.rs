//! One flat row per case, with names resolved from the reference data: the
//! input of the CSV, GeoJSON and patrol-log exports. Also the Chinese
//! labels and time formats the exports print.

use serde::{Deserialize, Serialize};

use crate::kpi::Period;
use crate::model::{Case, PatrolKind, Reference, Severity};
use crate::time::{Millis, to_china};
use crate::workflow::{CaseStatus, Derived, derive};

/// A case as the exports print it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: String,
    pub title: String,
    /// Category id, e.g. `E0505`.
    pub category: String,
    /// The major class, e.g. 街面秩序.
    pub category_major: String,
    /// The subclass, e.g. 机动车乱停放.
    pub category_name: String,
    pub status: CaseStatus,
    pub severity: Severity,
    pub grid: String,
    pub grid_name: String,
    pub address: String,
    /// WGS-84.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub reporter: String,
    pub reporter_name: String,
    /// The department holding the case, by name.
    pub department: Option<String>,
    pub created_at: Millis,
    pub closed_at: Option<Millis>,
}

impl CaseRecord {
    /// The record of a case and its derived state.
    pub fn new(case: &Case, derived: &Derived, reference: &Reference) -> Self {
        let category = reference.category(&case.category);
        let department = derived.department.as_deref().map(|d| {
            reference.org.departments.iter().find(|x| x.id == d).map_or_else(|| d.to_owned(), |x| x.name.clone())
        });
        CaseRecord {
            id: case.id.clone(),
            title: case.title.clone(),
            category: case.category.clone(),
            category_major: category.map(|c| c.major_name.clone()).unwrap_or_default(),
            category_name: category.map_or_else(|| case.category.clone(), |c| c.name.clone()),
            status: derived.status,
            severity: case.severity,
            grid: case.grid.clone(),
            grid_name: reference.org.unit(&case.grid).map_or_else(|| case.grid.clone(), |u| u.name.clone()),
            address: case.location.address.clone(),
            lat: case.location.lat.filter(|v| v.is_finite()),
            lon: case.location.lon.filter(|v| v.is_finite()),
            reporter: case.reporter.clone(),
            reporter_name: reference.user(&case.reporter).map_or_else(|| case.reporter.clone(), |u| u.name.clone()),
            department,
            created_at: case.created_at,
            closed_at: derived.closed_at,
        }
    }
}

/// Records of `cases` (one per id), oldest first, ties by id.
pub fn case_records(cases: &[Case], reference: &Reference) -> Vec<CaseRecord> {
    let mut out: Vec<CaseRecord> =
        crate::kpi::distinct_cases(cases).into_iter().map(|c| CaseRecord::new(c, &derive(c), reference)).collect();
    out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    out
}

/// The Chinese name of a status.
pub fn status_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Reported => "待处置",
        CaseStatus::Escalated => "已提报",
        CaseStatus::Accepted => "已立案",
        CaseStatus::Dispatched => "处置中",
        CaseStatus::Handled => "待核查",
        CaseStatus::Verified => "已核查",
        CaseStatus::Closed => "已结案",
        CaseStatus::Rework => "返工中",
        CaseStatus::Relapsed => "已回潮",
        CaseStatus::Deferred => "挂账",
        CaseStatus::Voided => "已作废",
    }
}

/// The Chinese name of a patrol kind.
pub fn patrol_kind_label(kind: PatrolKind) -> &'static str {
    match kind {
        PatrolKind::Morning => "晨检",
        PatrolKind::Night => "夜巡",
        PatrolKind::Supervision => "督查",
        PatrolKind::Special => "专项",
    }
}

/// The Chinese name of a severity.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "轻微",
        Severity::Normal => "一般",
        Severity::High => "较重",
        Severity::Urgent => "紧急",
    }
}

/// `2026-12-01 08:30` in China Standard Time.
pub fn format_datetime(ms: Millis) -> String {
    to_china(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// `08:30` when `ms` falls on the day of `day`, else `12-02 01:10`.
pub fn format_time_in(day: &Period, ms: Millis) -> String {
    let fmt = if day.contains(ms) { "%H:%M" } else { "%m-%d %H:%M" };
    to_china(ms).format(fmt).to_string()
}

/// `1小时05分` or `45分`.
pub fn format_duration(ms: Millis) -> String {
    let minutes = ms.max(0) / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}分"),
        (h, m) => format!("{h}小时{m:02}分"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_china_time() {
        let day = Period::day(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let at = day.from + 6 * 3_600_000 + 5 * 60_000;
        assert_eq!(format_time_in(&day, at), "06:05");
        assert_eq!(format_time_in(&day, day.to + 70 * 60_000), "12-02 01:10");
        assert_eq!(format_datetime(at), "2026-12-01 06:05");
        assert_eq!(format_duration(125 * 60_000), "2小时05分");
        assert_eq!(format_duration(45 * 60_000), "45分");
    }
}
