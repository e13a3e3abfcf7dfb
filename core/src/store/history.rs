//! The patrol lists: the team's running patrols today (to join one), and
//! the history of past patrols with their coverage. Rows are teams, read
//! from the index (coverage computed once per change).

use super::patrol_index;
use super::team::TeamRows;
use super::views::{Actor, PatrolHistoryFilter, PatrolHistoryItem};
use super::{DeviceStore, StoreError};
use crate::model::Role;
use crate::time::{HOUR, to_china};

/// The most rows the history returns.
pub const HISTORY_LIMIT: usize = 500;

/// A running patrol started this long ago is still offered to join, even
/// if it started before midnight.
const TODAY_WINDOW_MS: i64 = 12 * HOUR;

impl DeviceStore {
    /// The running patrols of the caller's grids started today (China
    /// time) or in the last 12 hours, of any kind, newest first: the ones
    /// the caller may join, and the one they are on.
    pub fn patrols_team_today(&self, actor: &Actor) -> Result<Vec<PatrolHistoryItem>, StoreError> {
        let now = self.now();
        let today = to_china(now).date_naive();
        let since = (now - TODAY_WINDOW_MS).min(self.start_of_china_day(now));
        let scope = self.reference()?.scope_of(&actor.user_id);
        let mut out = Vec::new();
        for team in TeamRows::group(patrol_index::rows_of_teams(&self.conn, self.viewer(), Some(since))?) {
            let started = team.started_at();
            let recent = to_china(started).date_naive() == today || now - started <= TODAY_WINDOW_MS;
            if recent && team.ended_at().is_none() && scope.sees(&team.head().grid, &[]) {
                out.push(self.team_item(&team, now)?);
            }
        }
        out.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Past and running patrols, newest first: leaders (grid leader,
    /// supervisor, street leader, admin) see every patrol of their grids,
    /// others the patrols they were on.
    pub fn patrol_history(
        &self,
        actor: &Actor,
        filter: &PatrolHistoryFilter,
    ) -> Result<Vec<PatrolHistoryItem>, StoreError> {
        let now = self.now();
        let leader = matches!(actor.role, Role::GridLeader | Role::Supervisor | Role::StreetLeader | Role::Admin);
        let scope = self.reference()?.scope_of(&actor.user_id);
        let mut teams: Vec<TeamRows> = TeamRows::group(patrol_index::rows_of_teams(&self.conn, self.viewer(), None)?)
            .into_iter()
            .filter(|t| {
                let head = t.head();
                let visible = if leader { scope.sees(&head.grid, &[]) } else { t.involves(&actor.user_id) };
                let day = to_china(t.started_at()).date_naive().format("%Y-%m-%d").to_string();
                visible
                    && filter.day.as_ref().is_none_or(|d| *d == day)
                    && filter.grid.as_ref().is_none_or(|g| *g == head.grid)
                    && filter.kind.is_none_or(|k| k == head.kind)
            })
            .collect();
        teams.sort_by(|a, b| b.started_at().cmp(&a.started_at()).then_with(|| a.id.cmp(&b.id)));
        teams.truncate(HISTORY_LIMIT);
        teams.iter().map(|t| self.team_item(t, now)).collect()
    }

    fn start_of_china_day(&self, now: i64) -> i64 {
        let midnight = to_china(now).date_naive().and_hms_opt(0, 0, 0).expect("midnight exists");
        midnight.and_local_timezone(crate::time::china()).single().map_or(now, |t| t.timestamp_millis())
    }
}
