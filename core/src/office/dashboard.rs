//! The leaders' dashboard (考核看板): one period's figures with their trend,
//! cases by category, the month's grid ratings and the overdue cases. The
//! server builds it over a user's whole scope, the device over its copy;
//! both call [`build_dashboard`], so the same records give the same board.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::OfficeError;
use crate::codes::ErrorCode;
use crate::kpi::{
    Dimension, Granularity, GridOverdue, GridRating, KpiQuery, KpiTable, PatrolFacts, Period, compute_kpis, is_overdue,
    overdue_by_grid, rate_grids,
};
use crate::model::{Case, Reference, Role, Scope};
use crate::time::Millis;
use crate::workflow::{CaseStatus, derive};

/// The most trend periods a dashboard shows.
pub const MAX_TREND: u32 = 26;

/// Where figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// The server: authoritative, over the user's whole scope.
    Server,
    /// This device's copy, as of its last sync.
    Device,
}

impl DataSource {
    /// 服务器 / 本机（截至上次同步）, as the files print it.
    pub fn label(self) -> &'static str {
        match self {
            DataSource::Server => "服务器",
            DataSource::Device => "本机（截至上次同步）",
        }
    }
}

/// The dashboard's period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DashboardGranularity {
    Week,
    Month,
}

impl DashboardGranularity {
    /// The KPI granularity.
    pub fn granularity(self) -> Granularity {
        match self {
            DashboardGranularity::Week => Granularity::Week,
            DashboardGranularity::Month => Granularity::Month,
        }
    }
}

/// What the dashboard shows: the period of `granularity` containing `at`,
/// with `trend` periods ending with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DashboardQuery {
    pub granularity: DashboardGranularity,
    /// Any instant inside the selected period (ms).
    pub at: Millis,
    /// How many periods the trend shows (1–26), ending with the selected one.
    pub trend: u32,
}

/// The cases reported in the selected period with one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CategoryCount {
    pub category: String,
    /// The dictionary's name, or the id when it is not in the dictionary.
    pub name: String,
    pub reported: u32,
    /// Of those, closed now.
    pub closed: u32,
    /// Of those, overdue at [`Dashboard::overdue_as_of`].
    pub overdue: u32,
    /// The reported cases, sorted.
    pub ids: Vec<String>,
}

/// Everything the dashboard shows for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Dashboard {
    pub source: DataSource,
    /// Server: when it computed the figures; device: its last sync (`None`:
    /// never synced).
    pub as_of: Option<Millis>,
    /// Why the server was not used (an error code); `None` from the server.
    pub fallback: Option<String>,
    pub granularity: DashboardGranularity,
    /// The selected period.
    pub period: Period,
    /// Dimension `all`, one row per period, oldest first, without ids.
    pub trend: KpiTable,
    /// The selected period: dimensions `all`, `grid`, `department`,
    /// `worker`, with ids.
    pub table: KpiTable,
    /// Cases reported in the period by category, most reported first.
    pub categories: Vec<CategoryCount>,
    /// The month of the ratings (the one containing `at`).
    pub rating_period: Period,
    /// Every grid of the scope, rated for `rating_period`.
    pub ratings: Vec<GridRating>,
    /// Now while the period runs, else its last millisecond.
    pub overdue_as_of: Millis,
    /// Overdue cases per grid at `overdue_as_of`: every grid of the scope.
    pub overdue: Vec<GridOverdue>,
}

/// Whether `role` may open the dashboard: the leader roles.
pub fn may_view_dashboard(role: Role) -> bool {
    matches!(role, Role::GridLeader | Role::Supervisor | Role::StreetLeader | Role::Admin)
}

/// Builds the dashboard of `query` over `cases` and `patrols` in `scope`
/// at `now`, labelled as the server's (`as_of = now`); the device relabels
/// it with [`Dashboard::from_device`].
pub fn build_dashboard(
    cases: &[Case],
    patrols: &[PatrolFacts],
    reference: &Reference,
    scope: &Scope,
    query: &DashboardQuery,
    now: Millis,
) -> Result<Dashboard, OfficeError> {
    if !(1..=MAX_TREND).contains(&query.trend) {
        return Err(OfficeError::invalid(format!("trend must be 1–{MAX_TREND} periods, not {}", query.trend)));
    }
    let granularity = query.granularity.granularity();
    let period = Period::containing(granularity, query.at);
    let mut trend_periods = vec![period.clone()];
    while trend_periods.len() < query.trend as usize {
        let earliest = &trend_periods[trend_periods.len() - 1];
        trend_periods.push(Period::containing(granularity, earliest.from - 1));
    }
    trend_periods.reverse();
    let trend = compute_kpis(
        cases,
        patrols,
        reference,
        &KpiQuery {
            periods: trend_periods,
            dimensions: vec![Dimension::All],
            scope: scope.clone(),
            include_ids: false,
        },
    );
    let table = compute_kpis(
        cases,
        patrols,
        reference,
        &KpiQuery {
            periods: vec![period.clone()],
            dimensions: vec![Dimension::All, Dimension::Grid, Dimension::Department, Dimension::Worker],
            scope: scope.clone(),
            include_ids: true,
        },
    );
    let overdue_as_of = if now < period.to { now } else { period.to - 1 };
    let reported: BTreeSet<&str> = table
        .row(&period.label, Dimension::All, "")
        .map(|r| r.figures.valid_report_rate.ids.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let categories = count_categories(cases, reference, &reported, overdue_as_of);
    let rating_period = Period::containing(Granularity::Month, query.at);
    Ok(Dashboard {
        source: DataSource::Server,
        as_of: Some(now),
        fallback: None,
        granularity: query.granularity,
        ratings: rate_grids(cases, patrols, reference, scope, &rating_period, now),
        overdue: overdue_by_grid(cases, reference, scope, overdue_as_of),
        rating_period,
        period,
        trend,
        table,
        categories,
        overdue_as_of,
    })
}

impl Dashboard {
    /// The same board labelled as the device's: as of its last sync, and
    /// why the server was not asked (an error code).
    pub fn from_device(mut self, last_sync_at: Option<Millis>, fallback: Option<String>) -> Self {
        self.source = DataSource::Device;
        self.as_of = last_sync_at;
        self.fallback = fallback;
        self
    }
}

/// The cases with ids in `reported` grouped by category (the cases behind
/// the period's 有效上报率: reported in the period, in scope).
fn count_categories(
    cases: &[Case],
    reference: &Reference,
    reported: &BTreeSet<&str>,
    overdue_as_of: Millis,
) -> Vec<CategoryCount> {
    let mut by_category: BTreeMap<&str, CategoryCount> = BTreeMap::new();
    for case in crate::kpi::distinct_cases(cases).into_iter().filter(|c| reported.contains(c.id.as_str())) {
        let entry = by_category.entry(case.category.as_str()).or_insert_with(|| CategoryCount {
            category: case.category.clone(),
            name: reference.category(&case.category).map_or_else(|| case.category.clone(), |c| c.name.clone()),
            reported: 0,
            closed: 0,
            overdue: 0,
            ids: vec![],
        });
        entry.reported += 1;
        entry.closed += u32::from(derive(case).status == CaseStatus::Closed);
        entry.overdue += u32::from(is_overdue(case, reference, overdue_as_of));
        entry.ids.push(case.id.clone());
    }
    let mut out: Vec<CategoryCount> = by_category.into_values().collect();
    for c in &mut out {
        c.ids.sort();
    }
    out.sort_by(|a, b| b.reported.cmp(&a.reported).then_with(|| a.category.cmp(&b.category)));
    out
}

/// Refuses roles that may not see the dashboard (`role_not_permitted`).
pub fn check_dashboard_role(role: Role) -> Result<(), OfficeError> {
    if may_view_dashboard(role) {
        Ok(())
    } else {
        Err(OfficeError::new(ErrorCode::RoleNotPermitted, "the dashboard is for leaders, supervisors and admins"))
    }
}
