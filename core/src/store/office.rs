//! The office on the device, offline: the dashboard and the export files
//! computed from the device's copy ([`DeviceStore::all_cases`],
//! [`DeviceStore::all_patrols`]) over the logged-in viewer's scope, with
//! the same functions the server uses ([`crate::office`]).

use std::collections::BTreeSet;

use super::{CaseFilter, DeviceStore, StoreError};
use crate::codes::ErrorCode;
use crate::export::thumbnail_hash;
use crate::kpi::PatrolFacts;
use crate::model::{Case, Role, Scope};
use crate::office::{
    CaseExportFormat, Dashboard, DashboardQuery, DataSource, ExportFile, OfficeError, build_dashboard, cases_file,
    check_dashboard_role, kpi_report_file, patrol_log_file,
};
use crate::time::Millis;

impl From<StoreError> for OfficeError {
    fn from(e: StoreError) -> Self {
        OfficeError::new(ErrorCode::parse(e.code()), e.to_string())
    }
}

/// The most rows one page of the case list returns.
const PAGE: u32 = 500;

impl DeviceStore {
    /// The records the office's figures are computed from: every case the
    /// device holds, and every patrol as [`PatrolFacts::from_patrol`].
    pub fn office_records(&self) -> Result<(Vec<Case>, Vec<PatrolFacts>), StoreError> {
        let reference = self.reference()?;
        let patrols = self.all_patrols()?.iter().map(|p| PatrolFacts::from_patrol(p, reference)).collect();
        Ok((self.all_cases()?, patrols))
    }

    /// The viewer's role and scope (`not_logged_in` without a viewer).
    fn office_viewer(&self) -> Result<(Role, Scope), StoreError> {
        let viewer = self.viewer().ok_or(StoreError::NotLoggedIn)?;
        let role = self.reference()?.user(&viewer.user_id).map(|u| u.role).ok_or(StoreError::NotLoggedIn)?;
        Ok((role, viewer.scope.clone()))
    }

    /// The dashboard over the device's copy, for a leader role
    /// (`role_not_permitted` otherwise). Labelled as the server's; the app
    /// relabels it with [`Dashboard::from_device`].
    pub fn office_dashboard(&self, query: &DashboardQuery, now: Millis) -> Result<Dashboard, OfficeError> {
        let (role, scope) = self.office_viewer()?;
        check_dashboard_role(role)?;
        let (cases, patrols) = self.office_records()?;
        build_dashboard(&cases, &patrols, self.reference()?, &scope, query, now)
    }

    /// The day's 巡查日志 of `grid`, with the thumbnails the device holds.
    pub fn office_patrol_log(&self, grid: &str, day: &str, now: Millis) -> Result<ExportFile, OfficeError> {
        let (_, scope) = self.office_viewer()?;
        let (cases, patrols) = self.office_records()?;
        let thumbnail = |c: &Case| thumbnail_hash(c).and_then(|h| self.blob(h).ok().flatten());
        patrol_log_file(self.reference()?, &scope, grid, day, &cases, &patrols, &thumbnail, now)
    }

    /// The month's KPI and rating report over the viewer's scope.
    pub fn office_kpi_report(&self, month: &str, now: Millis) -> Result<ExportFile, OfficeError> {
        let (_, scope) = self.office_viewer()?;
        let (cases, patrols) = self.office_records()?;
        kpi_report_file(self.reference()?, &scope, month, &cases, &patrols, now, DataSource::Device)
    }

    /// Every case the case list shows for `filter` (all pages), as CSV or
    /// GeoJSON.
    pub fn office_cases(
        &self,
        format: CaseExportFormat,
        filter: &CaseFilter,
        now: Millis,
    ) -> Result<ExportFile, OfficeError> {
        let ids = self.listed_case_ids(filter, now)?;
        let cases: Vec<Case> = self.all_cases()?.into_iter().filter(|c| ids.contains(&c.id)).collect();
        cases_file(self.reference()?, format, &cases, now)
    }

    /// The ids of every case `list_cases` shows for `filter`, page by page.
    fn listed_case_ids(&self, filter: &CaseFilter, now: Millis) -> Result<BTreeSet<String>, StoreError> {
        let mut ids = BTreeSet::new();
        let mut offset = 0;
        loop {
            let page = CaseFilter { limit: Some(PAGE), offset: Some(offset), ..filter.clone() };
            let got = self.list_cases(&page, now)?;
            let n = got.items.len() as u32;
            ids.extend(got.items.into_iter().map(|i| i.id));
            offset += n;
            if n < PAGE || offset >= got.total {
                return Ok(ids);
            }
        }
    }
}
