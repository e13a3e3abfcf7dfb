//! The geometry the reference data carries, read from org units: a grid's
//! boundary and street lines, a building's point or outline.

use geo::{Geometry, MultiLineString, MultiPolygon};

use super::coverage::Street;
use super::geometry::{GeometryError, parse_area, parse_lines, parse_site};
use crate::model::{OrgKind, OrgUnit};

/// A geometry of an org unit that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{unit}: {part}: {source}")]
pub struct UnitGeometryError {
    /// The unit's id.
    pub unit: String,
    /// Which geometry: `boundary` or `street 柳荫路`.
    pub part: String,
    pub source: GeometryError,
}

impl UnitGeometryError {
    fn new(unit: &OrgUnit, part: impl Into<String>, source: GeometryError) -> Self {
        UnitGeometryError { unit: unit.id.clone(), part: part.into(), source }
    }
}

/// A grid's streets that have geometry, in the grid's walking order, each
/// with all of its pieces. Streets without geometry are left out (they can
/// only be ticked, not evidenced).
pub fn grid_streets(unit: &OrgUnit) -> Result<Vec<Street>, UnitGeometryError> {
    let mut out = Vec::new();
    for name in &unit.streets {
        let mut lines = Vec::new();
        for sl in unit.street_lines.iter().filter(|sl| &sl.name == name) {
            let m = parse_lines(&sl.geometry).map_err(|e| UnitGeometryError::new(unit, format!("street {name}"), e))?;
            lines.extend(m.0);
        }
        if !lines.is_empty() {
            out.push(Street { name: name.clone(), lines: MultiLineString(lines) });
        }
    }
    Ok(out)
}

/// A unit's boundary as an area (grids, communities, the street office).
pub fn unit_area(unit: &OrgUnit) -> Result<Option<MultiPolygon<f64>>, UnitGeometryError> {
    unit.boundary.as_ref().map(|b| parse_area(b).map_err(|e| UnitGeometryError::new(unit, "boundary", e))).transpose()
}

/// A building's point or outline.
pub fn building_site(unit: &OrgUnit) -> Result<Option<Geometry<f64>>, UnitGeometryError> {
    unit.boundary.as_ref().map(|b| parse_site(b).map_err(|e| UnitGeometryError::new(unit, "boundary", e))).transpose()
}

/// Checks a unit's geometry: its boundary reads as the right kind, street
/// lines only on grids, each readable and named in the grid's streets.
pub fn check_unit_geometry(unit: &OrgUnit) -> Result<(), String> {
    if unit.kind == OrgKind::Building {
        building_site(unit).map_err(|e| e.to_string())?;
    } else {
        unit_area(unit).map_err(|e| e.to_string())?;
    }
    if unit.kind != OrgKind::Grid && !unit.street_lines.is_empty() {
        return Err(format!("{} has street lines but is not a grid", unit.id));
    }
    if let Some(sl) = unit.street_lines.iter().find(|sl| !unit.streets.contains(&sl.name)) {
        return Err(format!("{}: street line {} is not one of the grid's streets", unit.id, sl.name));
    }
    grid_streets(unit).map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::StreetLine;

    fn grid() -> OrgUnit {
        serde_json::from_value(json!({
            "id": "G", "parent": "C", "kind": "grid", "name": "网格",
            "streets": ["甲路", "乙巷", "丙弄"],
            "boundary": {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.0]]]}
        }))
        .unwrap()
    }

    fn line(name: &str, coords: serde_json::Value) -> StreetLine {
        StreetLine { name: name.into(), geometry: json!({"type": "LineString", "coordinates": coords}) }
    }

    #[test]
    fn a_grid_has_its_streets_in_walking_order_with_every_piece() {
        let mut g = grid();
        g.street_lines = vec![
            line("丙弄", json!([[120.001, 30.001], [120.002, 30.001]])),
            line("甲路", json!([[120.001, 30.002], [120.002, 30.002]])),
            line("甲路", json!([[120.003, 30.002], [120.004, 30.002]])),
        ];
        check_unit_geometry(&g).unwrap();
        let streets = grid_streets(&g).unwrap();
        let names: Vec<&str> = streets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["甲路", "丙弄"], "乙巷 has no geometry");
        assert_eq!(streets[0].lines.0.len(), 2);
        assert_eq!(unit_area(&g).unwrap().unwrap().0.len(), 1);
    }

    #[test]
    fn bad_geometry_is_reported_with_the_unit_and_part() {
        let mut g = grid();
        g.street_lines = vec![line("乙巷", json!([[120.001, 30.001]]))];
        assert_eq!(check_unit_geometry(&g).unwrap_err(), "G: street 乙巷: a line needs two positions or more");
        g.street_lines = vec![line("丁街", json!([[120.001, 30.001], [120.002, 30.001]]))];
        assert!(check_unit_geometry(&g).unwrap_err().contains("丁街 is not one of the grid's streets"));
        g.street_lines.clear();
        g.boundary = Some(json!({"type": "Point", "coordinates": [120.0, 30.0]}));
        assert!(check_unit_geometry(&g).unwrap_err().starts_with("G: boundary: expected Polygon"));
        g.kind = OrgKind::Building;
        check_unit_geometry(&g).unwrap();
        g.street_lines = vec![line("甲路", json!([[120.001, 30.001], [120.002, 30.001]]))];
        assert!(check_unit_geometry(&g).unwrap_err().contains("not a grid"));
    }
}
