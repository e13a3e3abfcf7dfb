//! Reference data: what a device needs besides documents to work offline —
//! the org tree, users, the category dictionary, the working calendar and
//! the map settings.
//! The server sends it at login and whenever its version changes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Category, CategoryDictionary, MapSettings, OrgTree, OrgUnit, Scope, User};
use crate::kpi::RatingRules;
use crate::workflow::WorkCalendar;

/// Everything a device needs to know about its street office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Reference {
    pub org: OrgTree,
    pub users: Vec<User>,
    pub categories: CategoryDictionary,
    pub calendar: WorkCalendar,
    /// The rules of the monthly red / yellow / blue grid rating.
    #[serde(default)]
    pub rating_rules: RatingRules,
    /// Basemaps, coverage and track settings (defaults when absent).
    #[serde(default)]
    #[ts(as = "Option<MapSettings>", optional)]
    pub map: MapSettings,
}

impl Reference {
    /// Looks a user up by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Looks a user up by login name.
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    /// Looks a category up by id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.get(id)
    }

    /// Looks a grid up by id.
    pub fn grid(&self, id: &str) -> Option<&OrgUnit> {
        self.org.unit(id).filter(|u| u.kind == super::OrgKind::Grid)
    }

    /// The scope of a user id (an unknown user sees nothing).
    pub fn scope_of(&self, user_id: &str) -> Scope {
        match self.user(user_id) {
            Some(u) => self.org.scope_of(u),
            None => Scope::Grids { grids: Default::default() },
        }
    }

    /// Checks the tree and that every user is placed in a known unit.
    pub fn validate(&self) -> Result<(), String> {
        self.org.validate()?;
        self.map.validate()?;
        for u in &self.users {
            for unit in &u.units {
                let known = self.org.unit(unit).is_some() || self.org.departments.iter().any(|d| &d.id == unit);
                if !known {
                    return Err(format!("user {} is placed in unknown unit {unit}", u.username));
                }
            }
        }
        Ok(())
    }
}
