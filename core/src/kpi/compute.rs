//! The computation: cases and patrols in, one row of figures per period ×
//! dimension × key out. Deterministic and independent of input order, so a
//! server over a user's scope and a device over its copy agree when they
//! hold the same records.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::figure::{FiguresAcc, KpiFigures, Metric};
use super::patrol::PatrolFacts;
use super::period::Period;
use super::samples::{Sample, case_samples};
use crate::model::{Case, OrgKind, OrgUnit, Reference, Role, Scope};
use crate::time::MINUTE;
use crate::workflow::derive;

/// What a row is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Everything in scope: one row per period.
    All,
    /// 网格.
    Grid,
    /// 社区 or 村: the parent of the grid.
    Community,
    /// A user: the reporter, or the actor of a handling or verification,
    /// or a patrol team member.
    Worker,
    /// 部门: the departments a case was dispatched to.
    Department,
}

impl Dimension {
    /// Every dimension, in report order.
    pub const ALL: [Dimension; 5] =
        [Dimension::All, Dimension::Grid, Dimension::Community, Dimension::Worker, Dimension::Department];
}

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiQuery {
    pub periods: Vec<Period>,
    pub dimensions: Vec<Dimension>,
    /// Only records in this scope count, and every grid, community,
    /// department and placed worker of the scope gets a row, with or
    /// without records.
    pub scope: Scope,
    /// Keep the ids behind every figure (for "open the cases behind it").
    pub include_ids: bool,
}

impl KpiQuery {
    /// Every dimension over `periods`, in `scope`, with ids.
    pub fn new(periods: Vec<Period>, scope: Scope) -> Self {
        KpiQuery { periods, dimensions: Dimension::ALL.to_vec(), scope, include_ids: true }
    }
}

/// Patrol totals of a row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct PatrolTotals {
    pub patrols: u64,
    /// Minutes patrolled (ended patrols only).
    pub minutes: u64,
    pub track_length_m: f64,
    pub cases_found: u64,
}

/// One row: the figures of one key of one dimension in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiRow {
    /// The label of the period.
    pub period: String,
    pub dimension: Dimension,
    /// Grid, community, user or department id; empty for [`Dimension::All`].
    pub key: String,
    /// Its display name.
    pub name: String,
    pub figures: KpiFigures,
    pub patrols: PatrolTotals,
}

/// The result: rows ordered by period (as queried), dimension (as queried)
/// and key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KpiTable {
    pub periods: Vec<Period>,
    pub rows: Vec<KpiRow>,
}

impl KpiTable {
    /// The row of `key` in `dimension` for the period labelled `period`.
    pub fn row(&self, period: &str, dimension: Dimension, key: &str) -> Option<&KpiRow> {
        self.rows.iter().find(|r| r.period == period && r.dimension == dimension && r.key == key)
    }

    /// The rows of one dimension.
    pub fn rows_of(&self, dimension: Dimension) -> impl Iterator<Item = &KpiRow> {
        self.rows.iter().filter(move |r| r.dimension == dimension)
    }
}

#[derive(Default)]
struct RowAcc {
    figures: FiguresAcc,
    patrols: PatrolTotals,
}

/// (period index, dimension index in the query, key).
type RowKey = (usize, usize, String);

/// Computes the KPIs of `cases` and `patrols` for `query`.
pub fn compute_kpis(cases: &[Case], patrols: &[PatrolFacts], reference: &Reference, query: &KpiQuery) -> KpiTable {
    let mut rows: BTreeMap<RowKey, RowAcc> = BTreeMap::new();
    let dims: Vec<Dimension> = dedup_in_order(&query.dimensions);
    for pi in 0..query.periods.len() {
        for (di, &dim) in dims.iter().enumerate() {
            for key in listed_keys(reference, &query.scope, dim) {
                rows.entry((pi, di, key)).or_default();
            }
        }
    }
    for case in distinct_cases(cases) {
        if !query.scope.sees(&case.grid, &case.departments()) {
            continue;
        }
        let community = community_of(reference, &case.grid).map(|u| u.id.clone());
        for sample in case_samples(case, &derive(case), reference) {
            for (pi, period) in query.periods.iter().enumerate() {
                if !period.contains(sample.at) {
                    continue;
                }
                for (di, &dim) in dims.iter().enumerate() {
                    for key in sample_keys(dim, &case.grid, community.as_deref(), &sample) {
                        let acc = rows.entry((pi, di, key)).or_default();
                        acc.figures.metric(sample.metric).add(&case.id, u64::from(sample.hit), 1, sample.hit);
                    }
                }
            }
        }
    }
    for patrol in distinct_patrols(patrols) {
        if !query.scope.sees(&patrol.grid, &[]) {
            continue;
        }
        let community = community_of(reference, &patrol.grid).map(|u| u.id.clone());
        for (pi, period) in query.periods.iter().enumerate() {
            if !period.contains(patrol.started_at) {
                continue;
            }
            for (di, &dim) in dims.iter().enumerate() {
                for key in patrol_keys(dim, patrol, community.as_deref()) {
                    add_patrol(rows.entry((pi, di, key)).or_default(), patrol);
                }
            }
        }
    }
    let rows = rows
        .into_iter()
        .map(|((pi, di, key), acc)| KpiRow {
            period: query.periods[pi].label.clone(),
            dimension: dims[di],
            name: display_name(reference, dims[di], &key),
            key,
            figures: acc.figures.finish(query.include_ids),
            patrols: acc.patrols,
        })
        .collect();
    KpiTable { periods: query.periods.clone(), rows }
}

fn add_patrol(acc: &mut RowAcc, p: &PatrolFacts) {
    let covered = p.covered();
    acc.figures.metric(Metric::PatrolCoverage).add(
        &p.id,
        u64::from(covered),
        u64::from(p.streets_total),
        p.streets_total > 0 && covered == p.streets_total,
    );
    acc.patrols.patrols += 1;
    if let Some(end) = p.ended_at {
        acc.patrols.minutes += u64::try_from((end - p.started_at).max(0) / MINUTE).unwrap_or(0);
    }
    if p.track_length_m.is_finite() && p.track_length_m > 0.0 {
        acc.patrols.track_length_m += p.track_length_m;
    }
    acc.patrols.cases_found += u64::from(p.cases_found);
}

fn sample_keys(dim: Dimension, grid: &str, community: Option<&str>, s: &Sample) -> Vec<String> {
    match dim {
        Dimension::All => vec![String::new()],
        Dimension::Grid => vec![grid.to_owned()],
        Dimension::Community => community.map(str::to_owned).into_iter().collect(),
        Dimension::Worker => s.workers.clone(),
        Dimension::Department => s.departments.clone(),
    }
}

fn patrol_keys(dim: Dimension, p: &PatrolFacts, community: Option<&str>) -> Vec<String> {
    match dim {
        Dimension::All => vec![String::new()],
        Dimension::Grid => vec![p.grid.clone()],
        Dimension::Community => community.map(str::to_owned).into_iter().collect(),
        Dimension::Worker => p.team.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect(),
        Dimension::Department => vec![],
    }
}

/// The community or village a grid belongs to.
pub fn community_of<'a>(reference: &'a Reference, grid: &str) -> Option<&'a OrgUnit> {
    let parent = reference.grid(grid)?.parent.as_deref()?;
    reference.org.unit(parent).filter(|u| matches!(u.kind, OrgKind::Community | OrgKind::Village))
}

/// The keys that get a row even without records.
fn listed_keys(reference: &Reference, scope: &Scope, dim: Dimension) -> Vec<String> {
    let grids: BTreeSet<&str> =
        reference.org.grids().filter(|g| scope.sees(&g.id, &[])).map(|g| g.id.as_str()).collect();
    match dim {
        Dimension::All => vec![String::new()],
        Dimension::Grid => grids.iter().map(|g| g.to_string()).collect(),
        Dimension::Community => grids.iter().filter_map(|g| community_of(reference, g)).map(|u| u.id.clone()).collect(),
        Dimension::Worker => reference
            .users
            .iter()
            .filter(|u| matches!(u.role, Role::GridWorker | Role::GridLeader))
            .filter(|u| u.units.iter().any(|unit| grids.contains(unit.as_str())))
            .map(|u| u.id.clone())
            .collect(),
        Dimension::Department => reference
            .org
            .departments
            .iter()
            .filter(|d| match scope {
                Scope::Department { department } => &d.id == department,
                _ => true,
            })
            .map(|d| d.id.clone())
            .collect(),
    }
}

fn display_name(reference: &Reference, dim: Dimension, key: &str) -> String {
    let name = match dim {
        Dimension::All => Some("合计".to_owned()),
        Dimension::Grid | Dimension::Community => reference.org.unit(key).map(|u| u.name.clone()),
        Dimension::Worker => reference.user(key).map(|u| u.name.clone()),
        Dimension::Department => reference.org.departments.iter().find(|d| d.id == key).map(|d| d.name.clone()),
    };
    name.unwrap_or_else(|| key.to_owned())
}

fn dedup_in_order<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for &i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Cases by id, one per id: of copies of one case the one with the most
/// events wins, then the greatest serialised form, so the choice never
/// depends on input order.
pub(crate) fn distinct_cases(cases: &[Case]) -> Vec<&Case> {
    let mut by_id: BTreeMap<&str, &Case> = BTreeMap::new();
    for c in cases {
        match by_id.get(c.id.as_str()) {
            Some(prev) if !prefer(c, prev) => {}
            _ => {
                by_id.insert(&c.id, c);
            }
        }
    }
    by_id.into_values().collect()
}

fn prefer(a: &Case, b: &Case) -> bool {
    if a.events.len() != b.events.len() {
        return a.events.len() > b.events.len();
    }
    a != b && serde_json::to_string(a).ok() > serde_json::to_string(b).ok()
}

/// Patrols by id, one per id (the later-ended, then greater serialised copy).
pub(crate) fn distinct_patrols(patrols: &[PatrolFacts]) -> Vec<&PatrolFacts> {
    let mut by_id: BTreeMap<&str, &PatrolFacts> = BTreeMap::new();
    for p in patrols {
        let keep_prev = by_id.get(p.id.as_str()).is_some_and(|prev| {
            (prev.ended_at, serde_json::to_string(prev).ok()) >= (p.ended_at, serde_json::to_string(p).ok())
        });
        if !keep_prev {
            by_id.insert(&p.id, p);
        }
    }
    by_id.into_values().collect()
}
