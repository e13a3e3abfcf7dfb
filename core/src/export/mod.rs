//! Files the office prints or sends upward. Inputs are plain structs the
//! caller fills (server and device alike); outputs are bytes.
//!
//! - [`patrol_log_xlsx`]: 巡查日志, the daily patrol log of a grid.
//! - [`kpi_report_xlsx`]: the monthly KPI and rating report.
//! - [`cases_csv`]: cases as CSV for Excel (UTF-8 with BOM).
//! - [`cases_geojson`]: cases as a GeoJSON FeatureCollection.
//!
//! Column widths are counted with CJK characters as two ([`display_width`]).

mod cases_csv;
mod cases_geojson;
mod kpi_report;
mod patrol_log;
mod records;
mod style;
mod width;

pub use cases_csv::{BOM, cases_csv};
pub use cases_geojson::cases_geojson;
pub use kpi_report::{GridReportRow, KpiReport, kpi_report_xlsx};
pub use patrol_log::{PatrolLog, PatrolLogCase, PatrolLogPatrol, patrol_log_xlsx, thumbnail_hash};
pub use records::{
    CaseRecord, case_records, format_datetime, format_duration, format_time_in, patrol_kind_label, severity_label,
    status_label,
};
pub use width::display_width;

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the spreadsheet: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the JSON: {0}")]
    Json(#[from] serde_json::Error),
}
