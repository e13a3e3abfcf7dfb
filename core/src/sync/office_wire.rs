//! The office's API types (issue 11): the dashboard and export requests,
//! and what the administrators' screens send and receive. JSON over HTTP
//! (`/v1/dashboard`, `/v1/reports/…`, `/v1/admin/…`); the UI receives the
//! same shapes from the app's commands, so they derive [`TS`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::geo::ImportSummary;
use crate::kpi::RatingRules;
use crate::model::{Category, Role};
use crate::office::CaseExportFormat;
use crate::store::CaseFilter;
use crate::time::Millis;

/// The header carrying an export's suggested file name (percent-encoded UTF-8).
pub const FILE_NAME_HEADER: &str = "x-gridpatrol-file-name";
/// The header carrying the instant an export was made (ms), so a device can
/// build the same bytes from the same records.
pub const GENERATED_AT_HEADER: &str = "x-gridpatrol-generated-at";

/// `POST /v1/reports/patrol-log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatrolLogRequest {
    pub grid: String,
    /// `YYYY-MM-DD`, China Standard Time.
    pub day: String,
}

/// `POST /v1/reports/kpi`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiReportRequest {
    /// `YYYY-MM`.
    pub month: String,
}

/// `POST /v1/reports/cases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CasesExportRequest {
    pub format: CaseExportFormat,
    /// As the case list's (`limit` and `offset` are ignored).
    pub filter: CaseFilter,
}

/// A user as the administrator sees it: the reference profile plus the
/// server's login state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub units: Vec<String>,
    pub disabled: bool,
    /// Holds a one-time password not yet replaced.
    pub must_change: bool,
    /// The latest use of any of the user's tokens; `None`: never logged in.
    pub last_seen_at: Option<Millis>,
    /// Devices with a live token of this user.
    pub devices: u32,
}

/// A user to add; the server chooses the id and a one-time password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub role: Role,
    pub units: Vec<String>,
}

/// A one-time password, shown once; the user replaces it at first login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OneTimePassword {
    pub user: AdminUser,
    pub password: String,
}

/// A device as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AdminDevice {
    pub id: String,
    pub name: String,
    /// The user who logged in on it first.
    pub first_user: String,
    /// The user of its most recently used token; `None` when it has none.
    pub last_user: Option<String>,
    pub created_at: Millis,
    /// The latest use of any of its tokens.
    pub last_used_at: Option<Millis>,
    /// Revoked by an administrator; `None`: active.
    pub revoked_at: Option<Millis>,
}

/// One line of the server's audit log (the server stores this very type).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    /// Server time.
    pub at: Millis,
    pub user_id: String,
    pub device_id: String,
    /// The source address of the request.
    pub addr: String,
    /// `push`, `refused:<code>`, `login`, `admin:<action>`…
    pub action: String,
    /// What it was about: a document id, a photo hash, a user name.
    pub subject: String,
    pub detail: String,
}

/// Which audit lines to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub device_id: Option<String>,
    /// From this server time (inclusive).
    pub since: Option<Millis>,
    /// Before this server time (exclusive).
    pub until: Option<Millis>,
    /// Only actions starting with this, e.g. `refused:` or `admin:`.
    pub action_prefix: Option<String>,
    /// Page size, 1–500.
    pub limit: u32,
    pub offset: u32,
}

/// The most audit lines one page holds.
pub const MAX_AUDIT_PAGE: u32 = 500;

/// One page of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// More lines match after this page.
    pub has_more: bool,
}

/// `POST /v1/admin/users/disabled`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDisabledRequest {
    pub username: String,
    pub disabled: bool,
}

/// `POST /v1/admin/users/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub username: String,
}

/// `POST /v1/admin/devices/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeDeviceRequest {
    pub id: String,
}

/// `POST /v1/admin/categories`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryAddRequest {
    pub category: Category,
}

/// `POST /v1/admin/org/import`: the GeoJSON texts of the layers (either
/// may be absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgImportRequest {
    pub grids: Option<String>,
    pub streets: Option<String>,
    /// Only say what would change.
    pub dry_run: bool,
}

/// What `POST /v1/admin/org/import` answers.
pub type OrgImportResponse = ImportSummary;

/// `PUT /v1/admin/rating-rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRulesRequest {
    pub rules: RatingRules,
}

/// A file name for [`FILE_NAME_HEADER`]: UTF-8, every byte but ASCII
/// letters, digits, `.`, `-` and `_` percent-encoded.
pub fn encode_file_name(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// The file name in a [`FILE_NAME_HEADER`] value; `None` when it does not decode.
pub fn decode_file_name(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_travel_in_a_header() {
        let name = "巡查日志-柳荫社区第一网格-2026-12-04.xlsx";
        let encoded = encode_file_name(name);
        assert!(encoded.is_ascii() && !encoded.contains(' '), "{encoded}");
        assert_eq!(decode_file_name(&encoded).as_deref(), Some(name));
        assert_eq!(decode_file_name("%E5%"), None);
        assert_eq!(decode_file_name("%FF"), None);
    }
}
