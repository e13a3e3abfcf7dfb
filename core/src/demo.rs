//! The demo street office the product starts with: 青石街道 with its
//! communities, a village, urban, rural and dedicated grids (a school, a
//! market), named streets, GeoJSON boundaries, users of every role, the
//! working calendar and the full category dictionary, and street lines and
//! buildings drawn inside the grids. Data, not code: `core/data/demo.json`,
//! `core/data/demo-geo.json` (from `scripts/gen-demo-geo.py`) and
//! `core/data/categories.json`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{CategoryDictionary, OrgTree, Reference, StreetLine, User};
use crate::workflow::WorkCalendar;

/// The password every demo user starts with (the server's `import` command
/// sets it; change it in production with `user passwd`).
pub const DEMO_PASSWORD: &str = "gridpatrol";

const DEMO_JSON: &str = include_str!("../data/demo.json");
const DEMO_GEO_JSON: &str = include_str!("../data/demo-geo.json");
const CATEGORIES_JSON: &str = include_str!("../data/categories.json");

#[derive(Deserialize)]
struct DemoFile {
    org: OrgTree,
    users: Vec<User>,
    calendar: WorkCalendar,
}

/// The demo's geometry, merged into the tree by unit id.
#[derive(Deserialize)]
struct DemoGeo {
    /// Grid id → its street lines.
    street_lines: BTreeMap<String, Vec<StreetLine>>,
    /// Building id → its point or outline.
    buildings: BTreeMap<String, serde_json::Value>,
}

/// The full category dictionary (GB/T 30428.2 lineage plus local extensions).
pub fn categories() -> CategoryDictionary {
    CategoryDictionary::from_json(CATEGORIES_JSON).expect("built-in category dictionary is valid")
}

/// The demo street office as reference data.
pub fn reference() -> Reference {
    let mut demo: DemoFile = serde_json::from_str(DEMO_JSON).expect("built-in demo dataset is valid");
    let mut geo: DemoGeo = serde_json::from_str(DEMO_GEO_JSON).expect("built-in demo geometry is valid");
    for unit in &mut demo.org.units {
        if let Some(lines) = geo.street_lines.remove(&unit.id) {
            unit.street_lines = lines;
        }
        if let Some(site) = geo.buildings.remove(&unit.id) {
            unit.boundary = Some(site);
        }
    }
    Reference {
        org: demo.org,
        users: demo.users,
        categories: categories(),
        calendar: demo.calendar,
        rating_rules: Default::default(),
        map: Default::default(),
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
    fn every_street_and_building_is_drawn_inside_its_grid() {
        use ::geo::Contains;

        use crate::geo::{building_site, grid_streets, unit_area};

        let org = reference().org;
        for g in org.grids() {
            let area = unit_area(g).unwrap().unwrap_or_else(|| panic!("{} has no boundary", g.id));
            let streets = grid_streets(g).unwrap();
            let drawn: Vec<&str> = streets.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(drawn, g.streets, "{}: every street has geometry", g.id);
            for s in &streets {
                assert!(area.contains(&s.lines), "{} {} leaves its grid", g.id, s.name);
            }
        }
        let buildings: Vec<_> = org.units.iter().filter(|u| u.kind == OrgKind::Building).collect();
        assert!(buildings.len() >= 15);
        for b in buildings {
            let site = building_site(b).unwrap().unwrap_or_else(|| panic!("{} has no geometry", b.id));
            let grid = org.unit(b.parent.as_deref().unwrap()).unwrap();
            assert_eq!(grid.kind, OrgKind::Grid);
            assert!(unit_area(grid).unwrap().unwrap().contains(&site), "{} lies outside {}", b.id, grid.id);
        }
        // The geometry file names only units of the tree.
        let geo: DemoGeo = serde_json::from_str(DEMO_GEO_JSON).unwrap();
        for id in geo.street_lines.keys().chain(geo.buildings.keys()) {
            assert!(org.unit(id).is_some(), "demo-geo.json names unknown unit {id}");
        }
    }

    #[test]
    fn a_street_shared_by_two_grids_has_a_piece_in_each() {
        let org = reference().org;
        let g1 = crate::geo::grid_streets(org.unit("QS01-G01").unwrap()).unwrap();
        let g2 = crate::geo::grid_streets(org.unit("QS01-G02").unwrap()).unwrap();
        let piece = |streets: &[crate::geo::Street]| streets.iter().find(|s| s.name == "柳荫路").unwrap().lines.clone();
        let (a, b) = (piece(&g1), piece(&g2));
        assert_ne!(a, b);
        // The same road: the pieces lie on one latitude.
        assert_eq!(a.0[0].0[0].y, b.0[0].0[0].y);
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
