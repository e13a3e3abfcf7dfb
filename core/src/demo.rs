//! The demo street office the product starts with: 青石街道 with its
//! communities, a village, urban, rural and dedicated grids (a school, a
//! market), named streets, GeoJSON boundaries, users of every role, the
//! working calendar and the full category dictionary. Data, not code:
//! `core/data/demo.json` and `core/data/categories.json`.

use serde::Deserialize;

use crate::model::{CategoryDictionary, OrgTree, Reference, User};
use crate::workflow::WorkCalendar;

/// The password every demo user starts with (the server's `import` command
/// sets it; change it in production with `user passwd`).
pub const DEMO_PASSWORD: &str = "gridpatrol";

const DEMO_JSON: &str = include_str!("../data/demo.json");
const CATEGORIES_JSON: &str = include_str!("../data/categories.json");

#[derive(Deserialize)]
struct DemoFile {
    org: OrgTree,
    users: Vec<User>,
    calendar: WorkCalendar,
}

/// The full category dictionary (GB/T 30428.2 lineage plus local extensions).
pub fn categories() -> CategoryDictionary {
    CategoryDictionary::from_json(CATEGORIES_JSON).expect("built-in category dictionary is valid")
}

/// The demo street office as reference data.
pub fn reference() -> Reference {
    let demo: DemoFile = serde_json::from_str(DEMO_JSON).expect("built-in demo dataset is valid");
    Reference {
        org: demo.org,
        users: demo.users,
        categories: categories(),
        calendar: demo.calendar,
        rating_rules: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CategoryKind, GridKind, OrgKind, Role};

    #[test]
    fn the_demo_office_is_complete_and_valid() {
        let r = reference();
        r.validate().unwrap();
        let grids: Vec<_> = r.org.grids().collect();
        assert!(grids.len() >= 8, "{} grids", grids.len());
        for kind in [GridKind::Urban, GridKind::Rural, GridKind::Dedicated] {
            assert!(grids.iter().any(|g| g.grid_kind == Some(kind)), "no {kind:?} grid");
        }
        assert!(r.org.units.iter().any(|u| u.kind == OrgKind::Village));
        for g in &grids {
            let b = g.boundary.as_ref().unwrap_or_else(|| panic!("{} has no boundary", g.id));
            assert_eq!(b["type"], "Polygon");
            let ring = b["coordinates"][0].as_array().unwrap();
            assert!(ring.len() >= 4 && ring.first() == ring.last(), "{} ring not closed", g.id);
        }
        for role in Role::ALL {
            assert!(r.users.iter().any(|u| u.role == role), "no {role:?}");
        }
        // Every worker sees at least one grid; the street leader sees all.
        for u in &r.users {
            if let crate::model::Scope::Grids { grids } = r.org.scope_of(u) {
                assert!(!grids.is_empty(), "{} sees no grid", u.username);
            }
        }
        let leader = r.users.iter().find(|u| u.role == Role::StreetLeader).unwrap();
        assert_eq!(
            r.org.scope_of(leader),
            crate::model::Scope::Grids { grids: r.org.grids().map(|g| g.id.clone()).collect() }
        );
    }

    #[test]
    fn the_dictionary_covers_both_kinds_and_local_extensions() {
        let d = categories();
        assert!(d.categories.len() >= 80, "{} categories", d.categories.len());
        assert!(d.categories.iter().any(|c| c.kind == CategoryKind::Component));
        assert!(d.categories.iter().any(|c| c.local));
        assert_eq!(d.get("E0201").unwrap().name, "非法小广告");
    }
}
