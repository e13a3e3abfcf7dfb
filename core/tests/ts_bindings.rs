//! Writes the TypeScript twins of the types the UI receives into
//! `ui/src/generated/`. CI checks that the committed files are current
//! (`git diff --exit-code ui/src/generated` after the tests).

use std::path::PathBuf;

use gridpatrol_core::codes::ErrorCode;
use gridpatrol_core::geo::{CoverageSettings, Crs, ImportSummary, PatrolCoverage, TrackSettings};
use gridpatrol_core::kpi::{
    Dimension, Granularity, GridOverdue, GridRating, KpiQuery, KpiTable, Measure, Metric, RatingLevel, RatingRules,
};
use gridpatrol_core::model::{BasemapSettings, Department, LocationFix, OrgUnit, Reference, TrackPoint};
use gridpatrol_core::office::{
    CaseExportFormat, CategoryCount, Dashboard, DashboardGranularity, DashboardQuery, DataSource, ExportResult,
};
use gridpatrol_core::store::{
    Actor, CaseDetail, CaseFilter, CasePage, GridStats, LatLon, MapLayers, MapQuery, NearbyCase, NewCase, NewEvent,
    PatrolDetail, PatrolHistoryFilter, PatrolHistoryItem, PatrolListItem, StagedPhoto, UnsyncedSummary,
};
use gridpatrol_core::store::{WaitingWork, WipeReport};
use gridpatrol_core::sync::office_wire::{
    AdminDevice, AdminUser, AuditEntry, AuditPage, AuditQuery, NewUser, OneTimePassword,
};
use gridpatrol_core::sync::schedule::{AutoSyncStatus, SyncTrouble};
use gridpatrol_core::sync::session::{LogoutResult, ServerProbe};
use gridpatrol_core::sync::{SessionInfo, SyncProgress, SyncReport};
use ts_rs::{Config, TS};

/// The one list of error codes with both texts, as a table the UI's
/// locale files are built from (a code without a text cannot exist).
fn write_error_texts(out: &std::path::Path) {
    let mut ts = String::from(
        "// Generated from core/src/codes.rs; do not edit.\nimport type { ErrorCode } from './ErrorCode'\n\n\
         /** Every error code with its zh-CN and English text. */\n\
         export const ERROR_TEXTS: Record<ErrorCode, { zh: string; en: string }> = {\n",
    );
    for &c in ErrorCode::ALL {
        let (zh, en) = (serde_json::to_string(c.zh()).unwrap(), serde_json::to_string(c.en()).unwrap());
        ts.push_str(&format!("  {}: {{ zh: {zh}, en: {en} }},\n", c.as_str()));
    }
    ts.push_str("}\n\n/** Every error code, in the Rust list's order. */\nexport const ERROR_CODES = Object.keys(ERROR_TEXTS) as ErrorCode[]\n");
    std::fs::write(out.join("errorTexts.ts"), ts).unwrap();
}

#[test]
fn export_typescript_bindings() {
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/generated");
    std::fs::create_dir_all(&out).unwrap();
    let cfg = Config::new().with_out_dir(&out).with_large_int("number");
    Reference::export_all(&cfg).unwrap();
    OrgUnit::export_all(&cfg).unwrap();
    Department::export_all(&cfg).unwrap();
    Actor::export_all(&cfg).unwrap();
    CaseDetail::export_all(&cfg).unwrap();
    CaseFilter::export_all(&cfg).unwrap();
    CasePage::export_all(&cfg).unwrap();
    GridStats::export_all(&cfg).unwrap();
    NewCase::export_all(&cfg).unwrap();
    NewEvent::export_all(&cfg).unwrap();
    PatrolDetail::export_all(&cfg).unwrap();
    PatrolListItem::export_all(&cfg).unwrap();
    StagedPhoto::export_all(&cfg).unwrap();
    TrackPoint::export_all(&cfg).unwrap();
    LocationFix::export_all(&cfg).unwrap();
    Crs::export_all(&cfg).unwrap();
    CoverageSettings::export_all(&cfg).unwrap();
    PatrolCoverage::export_all(&cfg).unwrap();
    TrackSettings::export_all(&cfg).unwrap();
    ImportSummary::export_all(&cfg).unwrap();
    UnsyncedSummary::export_all(&cfg).unwrap();
    SessionInfo::export_all(&cfg).unwrap();
    SyncProgress::export_all(&cfg).unwrap();
    SyncReport::export_all(&cfg).unwrap();
    KpiQuery::export_all(&cfg).unwrap();
    KpiTable::export_all(&cfg).unwrap();
    Dimension::export_all(&cfg).unwrap();
    Granularity::export_all(&cfg).unwrap();
    Metric::export_all(&cfg).unwrap();
    GridOverdue::export_all(&cfg).unwrap();
    GridRating::export_all(&cfg).unwrap();
    RatingLevel::export_all(&cfg).unwrap();
    RatingRules::export_all(&cfg).unwrap();
    Measure::export_all(&cfg).unwrap();
    MapQuery::export_all(&cfg).unwrap();
    MapLayers::export_all(&cfg).unwrap();
    LatLon::export_all(&cfg).unwrap();
    BasemapSettings::export_all(&cfg).unwrap();
    PatrolHistoryItem::export_all(&cfg).unwrap();
    PatrolHistoryFilter::export_all(&cfg).unwrap();
    NearbyCase::export_all(&cfg).unwrap();
    ErrorCode::export_all(&cfg).unwrap();
    WaitingWork::export_all(&cfg).unwrap();
    WipeReport::export_all(&cfg).unwrap();
    AutoSyncStatus::export_all(&cfg).unwrap();
    SyncTrouble::export_all(&cfg).unwrap();
    ServerProbe::export_all(&cfg).unwrap();
    LogoutResult::export_all(&cfg).unwrap();
    DataSource::export_all(&cfg).unwrap();
    DashboardGranularity::export_all(&cfg).unwrap();
    DashboardQuery::export_all(&cfg).unwrap();
    CategoryCount::export_all(&cfg).unwrap();
    Dashboard::export_all(&cfg).unwrap();
    CaseExportFormat::export_all(&cfg).unwrap();
    ExportResult::export_all(&cfg).unwrap();
    AdminUser::export_all(&cfg).unwrap();
    NewUser::export_all(&cfg).unwrap();
    OneTimePassword::export_all(&cfg).unwrap();
    AdminDevice::export_all(&cfg).unwrap();
    AuditEntry::export_all(&cfg).unwrap();
    AuditQuery::export_all(&cfg).unwrap();
    AuditPage::export_all(&cfg).unwrap();
    write_error_texts(&out);
    // An index module so the UI imports from one place.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ts") && n != "index.ts" && n != "errorTexts.ts")
        .map(|n| n.trim_end_matches(".ts").to_owned())
        .collect();
    names.sort();
    let index: String = names.iter().map(|n| format!("export type {{ {n} }} from './{n}'\n")).collect();
    std::fs::write(out.join("index.ts"), format!("// Generated from the Rust types; do not edit.\n{index}")).unwrap();
    assert!(names.len() >= 40, "{} types exported", names.len());
}
