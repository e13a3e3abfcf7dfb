//! The office's screens and files over a set of records, the same code on
//! the server (over everything in a user's scope) and on the device (over
//! its copy): the dashboard ([`build_dashboard`]), the export files
//! ([`patrol_log_file`], [`kpi_report_file`], [`cases_file`]), the case
//! filter applied to documents ([`case_matches`]) and the checks of the
//! administrators' edits ([`check_new_user`], [`check_new_category`]).
//!
//! Everything here is pure: records and the reference data in, a value or
//! an [`OfficeError`] with a stable [`ErrorCode`] out.

mod admin_checks;
mod case_filter;
mod dashboard;
mod files;

pub use admin_checks::{check_new_category, check_new_user, valid_username};
pub use case_filter::case_matches;
pub use dashboard::{
    CategoryCount, Dashboard, DashboardGranularity, DashboardQuery, DataSource, MAX_TREND, build_dashboard,
    check_dashboard_role, may_view_dashboard,
};
pub use files::{
    CaseExportFormat, ExportFile, ExportResult, cases_file, kpi_report_file, parse_day, parse_month, patrol_log_file,
    scope_title,
};

use crate::codes::ErrorCode;

/// Why an office request was refused: a stable code and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OfficeError {
    pub code: ErrorCode,
    pub message: String,
}

impl OfficeError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        OfficeError { code, message: message.into() }
    }

    /// An `invalid` error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }
}
