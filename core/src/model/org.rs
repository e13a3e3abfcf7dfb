//! The organisation tree (street → community/village → grid → building),
//! departments, users with roles, and the scope a user may see.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The level of a unit in the organisation tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 街道: a street office, the root.
    Street,
    /// 社区: an urban community.
    Community,
    /// 村: a rural village.
    Village,
    /// 网格: the unit grid workers patrol.
    Grid,
    /// 楼院: a building or courtyard inside a grid.
    Building,
}

/// What kind of grid a grid is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GridKind {
    /// 城市网格.
    Urban,
    /// 农村网格.
    Rural,
    /// 专属网格: a school, hospital, market…
    Dedicated,
}

/// One node of the organisation tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OrgUnit {
    /// Stable code, e.g. `QS01-G02`.
    pub id: String,
    /// The parent unit; `None` only for the street office.
    pub parent: Option<String>,
    pub kind: OrgKind,
    /// Display name in Chinese.
    pub name: String,
    /// For grids: urban, rural or dedicated.
    #[serde(default)]
    pub grid_kind: Option<GridKind>,
    /// For dedicated grids: what the grid is dedicated to (a school, a market).
    #[serde(default)]
    pub dedicated_to: Option<String>,
    /// For grids: the streets to check on a patrol, in walking order.
    #[serde(default)]
    pub streets: Vec<String>,
    /// For grids (and communities, the street office): the boundary as a
    /// GeoJSON Polygon or MultiPolygon; for buildings: a Point or Polygon.
    /// WGS-84.
    #[serde(default)]
    #[ts(type = "unknown")]
    pub boundary: Option<serde_json::Value>,
    /// For grids: the streets' geometry, by name (a name may have several
    /// pieces); names are among `streets`.
    #[serde(default)]
    pub street_lines: Vec<StreetLine>,
}

/// A street of a grid as drawn: one piece of its geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StreetLine {
    /// The street's name, as in the grid's `streets`.
    pub name: String,
    /// A GeoJSON LineString or MultiLineString (WGS-84).
    #[ts(type = "unknown")]
    pub geometry: serde_json::Value,
}

/// A department that cases are dispatched to (城管, 市政, 物业…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Department {
    pub id: String,
    pub name: String,
}

/// What a user does; decides which workflow steps they may take.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    TS,
    autosurgeon::Reconcile,
    autosurgeon::Hydrate,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 网格员.
    GridWorker,
    /// 网格长.
    GridLeader,
    /// 督查 / 网格指导员.
    Supervisor,
    /// 街道班子成员 / 社区书记.
    StreetLeader,
    /// 部门: handles dispatched cases.
    Department,
    /// 管理员.
    Admin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 6] =
        [Role::GridWorker, Role::GridLeader, Role::Supervisor, Role::StreetLeader, Role::Department, Role::Admin];
}

/// A person who uses the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct User {
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name in Chinese.
    pub name: String,
    pub role: Role,
    /// Org units the user is placed in (grids for workers, a community or
    /// the street for leaders); for a department user, the department id.
    pub units: Vec<String>,
}

/// What a user may see and write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (admins).
    All,
    /// Cases and patrols of these grids.
    Grids { grids: BTreeSet<String> },
    /// Cases dispatched to this department.
    Department { department: String },
}

impl Scope {
    /// Whether a document in `grid`, dispatched to `departments`, is visible.
    pub fn sees(&self, grid: &str, departments: &[String]) -> bool {
        match self {
            Scope::All => true,
            Scope::Grids { grids } => grids.contains(grid),
            Scope::Department { department } => departments.iter().any(|d| d == department),
        }
    }

    /// Whether a document in `grid` may be created or edited in this scope.
    /// Departments may edit the cases dispatched to them.
    pub fn writes(&self, grid: &str, departments: &[String]) -> bool {
        self.sees(grid, departments)
    }
}

/// The organisation tree and departments of one street office.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct OrgTree {
    pub units: Vec<OrgUnit>,
    pub departments: Vec<Department>,
}

impl OrgTree {
    /// Looks a unit up by id.
    pub fn unit(&self, id: &str) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// All grids, in tree order.
    pub fn grids(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.iter().filter(|u| u.kind == OrgKind::Grid)
    }

    /// The grids at or below `id` (a grid itself, or every grid in a subtree).
    pub fn grids_under(&self, id: &str) -> BTreeSet<String> {
        let mut children: BTreeMap<&str, Vec<&OrgUnit>> = BTreeMap::new();
        for u in &self.units {
            if let Some(p) = &u.parent {
                children.entry(p.as_str()).or_default().push(u);
            }
        }
        let mut out = BTreeSet::new();
        let mut stack: Vec<&str> = vec![id];
        while let Some(cur) = stack.pop() {
            if let Some(u) = self.unit(cur)
                && u.kind == OrgKind::Grid
            {
                out.insert(u.id.clone());
            }
            if let Some(kids) = children.get(cur) {
                stack.extend(kids.iter().map(|k| k.id.as_str()));
            }
        }
        out
    }

    /// The scope of a user, from their role and place in the tree.
    pub fn scope_of(&self, user: &User) -> Scope {
        match user.role {
            Role::Admin => Scope::All,
            Role::Department => Scope::Department { department: user.units.first().cloned().unwrap_or_default() },
            _ => Scope::Grids { grids: user.units.iter().flat_map(|u| self.grids_under(u)).collect() },
        }
    }

    /// Checks the tree: unique ids, parents exist, grids have streets, and
    /// geometry reads (see [`crate::geo::check_unit_geometry`]).
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for u in &self.units {
            if !seen.insert(u.id.as_str()) {
                return Err(format!("duplicate org unit id {}", u.id));
            }
        }
        for u in &self.units {
            match (&u.parent, u.kind) {
                (None, OrgKind::Street) => {}
                (None, _) => return Err(format!("{} has no parent", u.id)),
                (Some(p), _) if !seen.contains(p.as_str()) => {
                    return Err(format!("{} has unknown parent {p}", u.id));
                }
                _ => {}
            }
            if u.kind == OrgKind::Grid && u.streets.is_empty() {
                return Err(format!("grid {} has no streets", u.id));
            }
            crate::geo::check_unit_geometry(u)?;
        }
        Ok(())
    }
}
