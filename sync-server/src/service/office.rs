//! The office's figures and files on the server: the same functions the
//! device runs ([`gridpatrol_core::office`]) over every case and patrol in
//! the caller's scope, which is what makes the server's figure the
//! authoritative one. The `report_*` functions take a scope (the command
//! line runs them over everything); the `export_*` ones a logged-in caller,
//! with refusals audited.

use std::collections::HashMap;

use gridpatrol_core::export::{PatrolLog, thumbnail_hash};
use gridpatrol_core::kpi::PatrolFacts;
use gridpatrol_core::model::{Case, DocKind, Patrol, Reference, Scope};
use gridpatrol_core::office::{
    CaseExportFormat, Dashboard, DashboardQuery, DataSource, ExportFile, OfficeError, build_dashboard, case_matches,
    cases_file, check_dashboard_role, kpi_report_file, parse_day, patrol_log_file,
};
use gridpatrol_core::store::CaseFilter;
use gridpatrol_core::time::Millis;
use gridpatrol_core::workflow::derive;

use super::SyncService;
use crate::auth::AuthUser;
use crate::error::ServerError;

/// Documents read per storage page while collecting a scope's records.
const PAGE_DOCS: u32 = 1000;

/// An export file and the server time it was made at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub file: ExportFile,
    pub generated_at: Millis,
}

fn office_error(e: OfficeError) -> ServerError {
    ServerError::new(e.code, e.message)
}

impl SyncService {
    /// Every case and patrol stored in `scope`, hydrated (patrols as the
    /// office counts them, [`PatrolFacts::from_patrol`]). A document that
    /// does not read is left out with an error in the log.
    pub async fn office_records(
        &self,
        scope: &Scope,
        reference: &Reference,
    ) -> Result<(Vec<Case>, Vec<PatrolFacts>), ServerError> {
        let head = self.storage.head().await?;
        let (mut cases, mut patrols) = (Vec::new(), Vec::new());
        let mut cursor = 0;
        loop {
            let metas = self.storage.changed_since(cursor, head.seq, scope, PAGE_DOCS).await?;
            for meta in &metas {
                let Some((doc, _, _)) = self.load(&meta.id).await? else { continue };
                let read = match meta.kind {
                    DocKind::Case => Case::from_doc(&doc).map(|c| cases.push(c)),
                    DocKind::Patrol => {
                        Patrol::from_doc(&doc).map(|p| patrols.push(PatrolFacts::from_patrol(&p, reference)))
                    }
                };
                if let Err(e) = read {
                    tracing::error!(doc = %meta.id, error = %e, "stored document left out of the office figures");
                }
            }
            match metas.last() {
                Some(last) if metas.len() as u32 >= PAGE_DOCS => cursor = last.seq,
                _ => return Ok((cases, patrols)),
            }
        }
    }

    /// The caller's dashboard over everything in their scope (leader roles
    /// only: `role_not_permitted`).
    pub async fn dashboard(&self, who: &AuthUser, query: &DashboardQuery) -> Result<Dashboard, ServerError> {
        if let Err(e) = check_dashboard_role(who.user.role) {
            return Err(self.refused(&who.into(), "dashboard", office_error(e)).await);
        }
        let (_, reference) = self.reference().await?;
        let (cases, patrols) = self.office_records(&who.scope, &reference).await?;
        match build_dashboard(&cases, &patrols, &reference, &who.scope, query, self.now()) {
            Ok(d) => Ok(d),
            Err(e) => Err(self.refused(&who.into(), "dashboard", office_error(e)).await),
        }
    }

    /// The 巡查日志 of `grid` for `day` over `scope`, with the thumbnails
    /// the server holds.
    pub async fn report_patrol_log(&self, scope: &Scope, grid: &str, day: &str) -> Result<Report, ServerError> {
        let (_, reference) = self.reference().await?;
        let period = parse_day(day).map_err(office_error)?;
        let (cases, patrols) = self.office_records(scope, &reference).await?;
        let now = self.now();
        // Which cases the log prints, then their thumbnails.
        let listed = PatrolLog::build(&reference, grid, &period, &cases, &patrols, &|_| None, now);
        let mut thumbs: HashMap<String, Vec<u8>> = HashMap::new();
        for row in &listed.cases {
            let hash = cases.iter().find(|c| c.id == row.record.id).and_then(thumbnail_hash);
            if let Some(hash) = hash
                && let Some(bytes) = self.blobs.get(hash).await.map_err(|e| {
                    tracing::error!(error = %e, "blob store failure");
                    ServerError::new(gridpatrol_core::codes::ErrorCode::StorageUnavailable, "photos cannot be read")
                })?
            {
                thumbs.insert(row.record.id.clone(), bytes);
            }
        }
        let thumbnail = |c: &Case| thumbs.get(&c.id).cloned();
        let file =
            patrol_log_file(&reference, scope, grid, day, &cases, &patrols, &thumbnail, now).map_err(office_error)?;
        Ok(Report { file, generated_at: now })
    }

    /// The monthly KPI and rating report over `scope`.
    pub async fn report_kpi(&self, scope: &Scope, month: &str) -> Result<Report, ServerError> {
        let (_, reference) = self.reference().await?;
        let (cases, patrols) = self.office_records(scope, &reference).await?;
        let now = self.now();
        let file = kpi_report_file(&reference, scope, month, &cases, &patrols, now, DataSource::Server)
            .map_err(office_error)?;
        Ok(Report { file, generated_at: now })
    }

    /// Every case in `scope` matching `filter` (as the case list means it;
    /// nothing on the server is unsynced), as CSV or GeoJSON.
    pub async fn report_cases(
        &self,
        scope: &Scope,
        format: CaseExportFormat,
        filter: &CaseFilter,
    ) -> Result<Report, ServerError> {
        let (_, reference) = self.reference().await?;
        let (cases, _) = self.office_records(scope, &reference).await?;
        let now = self.now();
        let chosen: Vec<Case> = cases
            .into_iter()
            .filter(|c| {
                let d = derive(c);
                scope.sees(&c.grid, d.department.as_slice()) && case_matches(filter, c, &d, &reference, false, now)
            })
            .collect();
        let file = cases_file(&reference, format, &chosen, now).map_err(office_error)?;
        Ok(Report { file, generated_at: now })
    }

    /// [`Self::report_patrol_log`] for a logged-in caller; refusals audited.
    pub async fn export_patrol_log(&self, who: &AuthUser, grid: &str, day: &str) -> Result<Report, ServerError> {
        let r = self.report_patrol_log(&who.scope, grid, day).await;
        self.audit_refusal(who, "report:patrol_log", r).await
    }

    /// [`Self::report_kpi`] for a logged-in caller; refusals audited.
    pub async fn export_kpi_report(&self, who: &AuthUser, month: &str) -> Result<Report, ServerError> {
        let r = self.report_kpi(&who.scope, month).await;
        self.audit_refusal(who, "report:kpi", r).await
    }

    /// [`Self::report_cases`] for a logged-in caller; refusals audited.
    pub async fn export_cases(
        &self,
        who: &AuthUser,
        format: CaseExportFormat,
        filter: &CaseFilter,
    ) -> Result<Report, ServerError> {
        let r = self.report_cases(&who.scope, format, filter).await;
        self.audit_refusal(who, "report:cases", r).await
    }

    /// Records a refusal (not a storage failure) in the audit log.
    async fn audit_refusal<T>(
        &self,
        who: &AuthUser,
        subject: &str,
        r: Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        use gridpatrol_core::codes::ErrorCode as E;
        match r {
            Err(e) if !matches!(e.code, E::StorageUnavailable | E::NotInitialised) => {
                Err(self.refused(&who.into(), subject, e).await)
            }
            other => other,
        }
    }
}
