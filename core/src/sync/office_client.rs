//! The office's calls to the server: the dashboard, the export files and
//! the administrators' operations, as JSON over HTTP. Each request is sent
//! once (an admin's change is not blindly repeated, and the dashboard falls
//! back to the device rather than wait); the caller decides about retrying.

use std::time::Duration;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::{ClientError, SyncClient, gunzip};
use super::office_wire::*;
use crate::geo::ImportSummary;
use crate::kpi::RatingRules;
use crate::model::{Category, CategoryDictionary};
use crate::office::{CaseExportFormat, Dashboard, DashboardQuery, ExportFile};
use crate::store::CaseFilter;
use crate::time::Millis;

/// How long an export or an admin call may take.
const OFFICE_TIMEOUT: Duration = Duration::from_secs(120);

/// An export file from the server, with when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFile {
    pub file: ExportFile,
    /// The server's instant the file describes (its "generated at").
    pub generated_at: Option<Millis>,
}

impl SyncClient {
    async fn send_office(
        &self,
        rb: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<reqwest::Response, ClientError> {
        let resp = self
            .auth(rb)
            .header(ACCEPT_ENCODING, "gzip")
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| self.net_error(e))?;
        if !resp.status().is_success() {
            return Err(Self::error_of(resp).await);
        }
        Ok(resp)
    }

    async fn body_of(&self, resp: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let gzipped = resp.headers().get(CONTENT_ENCODING).is_some_and(|v| v == "gzip");
        let bytes = resp.bytes().await.map_err(|e| self.net_error(e))?;
        if gzipped { gunzip(&bytes) } else { Ok(bytes.to_vec()) }
    }

    async fn json_of<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body_of(resp).await?).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    async fn office_get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let resp = self.send_office(self.http.get(self.url(path)), OFFICE_TIMEOUT).await?;
        self.json_of(resp).await
    }

    async fn office_post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        let resp = self.send_office(self.http.post(self.url(path)).json(body), OFFICE_TIMEOUT).await?;
        self.json_of(resp).await
    }

    async fn office_file<B: Serialize>(&self, path: &str, body: &B) -> Result<ServerFile, ClientError> {
        let resp = self.send_office(self.http.post(self.url(path)).json(body), OFFICE_TIMEOUT).await?;
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let name = header(FILE_NAME_HEADER)
            .and_then(|v| decode_file_name(&v))
            .ok_or_else(|| ClientError::Protocol("the export has no file name".into()))?;
        let generated_at = header(GENERATED_AT_HEADER).and_then(|v| v.parse().ok());
        let bytes = self.body_of(resp).await?;
        Ok(ServerFile { file: ExportFile { name, bytes }, generated_at })
    }

    /// The dashboard over the user's whole scope, computed by the server;
    /// gives up after `timeout`.
    pub async fn dashboard(&self, query: &DashboardQuery, timeout: Duration) -> Result<Dashboard, ClientError> {
        let resp = self.send_office(self.http.post(self.url("/dashboard")).json(query), timeout).await?;
        self.json_of(resp).await
    }

    /// The day's 巡查日志 of `grid` (`day`: `YYYY-MM-DD`).
    pub async fn export_patrol_log(&self, grid: &str, day: &str) -> Result<ServerFile, ClientError> {
        self.office_file("/reports/patrol-log", &PatrolLogRequest { grid: grid.into(), day: day.into() }).await
    }

    /// The monthly KPI and rating report (`month`: `YYYY-MM`).
    pub async fn export_kpi_report(&self, month: &str) -> Result<ServerFile, ClientError> {
        self.office_file("/reports/kpi", &KpiReportRequest { month: month.into() }).await
    }

    /// Every case in scope matching `filter`, as CSV or GeoJSON.
    pub async fn export_cases(&self, format: CaseExportFormat, filter: &CaseFilter) -> Result<ServerFile, ClientError> {
        self.office_file("/reports/cases", &CasesExportRequest { format, filter: filter.clone() }).await
    }

    /// Every user, in reference order.
    pub async fn admin_users(&self) -> Result<Vec<AdminUser>, ClientError> {
        self.office_get("/admin/users").await
    }

    /// Adds a user; the answer holds their one-time password.
    pub async fn admin_user_add(&self, user: &NewUser) -> Result<OneTimePassword, ClientError> {
        self.office_post("/admin/users", user).await
    }

    /// Disables (every login ends) or enables a user.
    pub async fn admin_user_set_disabled(&self, username: &str, disabled: bool) -> Result<AdminUser, ClientError> {
        self.office_post("/admin/users/disabled", &SetDisabledRequest { username: username.into(), disabled }).await
    }

    /// Gives a user a new one-time password (every login ends).
    pub async fn admin_user_reset_password(&self, username: &str) -> Result<OneTimePassword, ClientError> {
        self.office_post("/admin/users/password", &ResetPasswordRequest { username: username.into() }).await
    }

    /// Every device.
    pub async fn admin_devices(&self) -> Result<Vec<AdminDevice>, ClientError> {
        self.office_get("/admin/devices").await
    }

    /// Revokes a device.
    pub async fn admin_device_revoke(&self, id: &str) -> Result<AdminDevice, ClientError> {
        self.office_post("/admin/devices/revoke", &RevokeDeviceRequest { id: id.into() }).await
    }

    /// The server's category dictionary.
    pub async fn admin_categories(&self) -> Result<CategoryDictionary, ClientError> {
        self.office_get("/admin/categories").await
    }

    /// Adds a local category; returns the new dictionary.
    pub async fn admin_category_add(&self, category: &Category) -> Result<CategoryDictionary, ClientError> {
        self.office_post("/admin/categories", &CategoryAddRequest { category: category.clone() }).await
    }

    /// Imports grid boundaries and streets (GeoJSON texts); `dry_run` stores nothing.
    pub async fn admin_org_import(
        &self,
        grids: Option<String>,
        streets: Option<String>,
        dry_run: bool,
    ) -> Result<ImportSummary, ClientError> {
        self.office_post("/admin/org/import", &OrgImportRequest { grids, streets, dry_run }).await
    }

    /// The server's rating rules.
    pub async fn admin_rating_rules(&self) -> Result<RatingRules, ClientError> {
        self.office_get("/admin/rating-rules").await
    }

    /// Replaces the rating rules; returns them as stored.
    pub async fn admin_rating_rules_set(&self, rules: &RatingRules) -> Result<RatingRules, ClientError> {
        let body = RatingRulesRequest { rules: rules.clone() };
        let resp = self.send_office(self.http.put(self.url("/admin/rating-rules")).json(&body), OFFICE_TIMEOUT).await?;
        self.json_of(resp).await
    }

    /// One page of the audit log, newest first.
    pub async fn admin_audit(&self, query: &AuditQuery) -> Result<AuditPage, ClientError> {
        self.office_post("/admin/audit", query).await
    }
}
