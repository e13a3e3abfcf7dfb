//! GeoJSON geometries of the reference data (grid boundaries, street lines,
//! buildings; `serde_json::Value` in the model) read into geo types, bounded:
//! at most [`MAX_VERTICES`] positions, every one a finite WGS-84
//! longitude/latitude, lines of two positions or more, closed rings.

use geo::{Geometry, MultiLineString, MultiPolygon};
use geojson::GeometryValue;
use serde::Deserialize;

/// The most positions one geometry may have (a grid boundary traced from a
/// survey has a few thousand).
pub const MAX_VERTICES: usize = 100_000;

/// Why a value is not a usable geometry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("not a GeoJSON geometry: {0}")]
    NotGeoJson(String),
    #[error("expected {expected}, found {found}")]
    WrongType { expected: &'static str, found: &'static str },
    #[error("{count} positions, more than the {max} allowed")]
    TooManyVertices { count: usize, max: usize },
    #[error("position {0:?} is not a WGS-84 longitude, latitude")]
    BadPosition(Vec<f64>),
    #[error("a line needs two positions or more")]
    ShortLine,
    #[error("a polygon ring needs four positions or more and must end where it starts")]
    BadRing,
    #[error("the geometry is empty")]
    Empty,
}

/// Reads any supported geometry (points, lines, polygons and their multi
/// forms; not collections).
pub fn parse_geometry(value: &serde_json::Value) -> Result<Geometry<f64>, GeometryError> {
    let g = geojson::Geometry::deserialize(value).map_err(|e| GeometryError::NotGeoJson(e.to_string()))?;
    check(&g.value)?;
    Geometry::try_from(&g.value).map_err(|e| GeometryError::NotGeoJson(e.to_string()))
}

/// Reads a street: a LineString or a MultiLineString.
pub fn parse_lines(value: &serde_json::Value) -> Result<MultiLineString<f64>, GeometryError> {
    match parse_geometry(value)? {
        Geometry::LineString(l) => Ok(MultiLineString(vec![l])),
        Geometry::MultiLineString(m) => Ok(m),
        other => Err(wrong("LineString or MultiLineString", &other)),
    }
}

/// Reads an area (a grid boundary): a Polygon or a MultiPolygon.
pub fn parse_area(value: &serde_json::Value) -> Result<MultiPolygon<f64>, GeometryError> {
    match parse_geometry(value)? {
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        Geometry::MultiPolygon(m) => Ok(m),
        other => Err(wrong("Polygon or MultiPolygon", &other)),
    }
}

/// Reads a building: a Point, a Polygon or a MultiPolygon.
pub fn parse_site(value: &serde_json::Value) -> Result<Geometry<f64>, GeometryError> {
    match parse_geometry(value)? {
        g @ (Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_)) => Ok(g),
        other => Err(wrong("Point, Polygon or MultiPolygon", &other)),
    }
}

/// A geo geometry as a GeoJSON geometry value.
pub fn to_value(g: &Geometry<f64>) -> serde_json::Value {
    serde_json::Value::from(&GeometryValue::from(g))
}

fn wrong(expected: &'static str, found: &Geometry<f64>) -> GeometryError {
    let found = match found {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        _ => "another geometry",
    };
    GeometryError::WrongType { expected, found }
}

/// Checks sizes, positions and shapes before anything is converted.
fn check(value: &GeometryValue) -> Result<(), GeometryError> {
    type Pos = geojson::Position;
    fn line(l: &[Pos]) -> Result<(), GeometryError> {
        if l.len() < 2 { Err(GeometryError::ShortLine) } else { Ok(()) }
    }
    fn ring(r: &[Pos]) -> Result<(), GeometryError> {
        if r.len() < 4 || r.first() != r.last() { Err(GeometryError::BadRing) } else { Ok(()) }
    }
    fn polygon(p: &[Vec<Pos>]) -> Result<(), GeometryError> {
        if p.is_empty() {
            return Err(GeometryError::Empty);
        }
        p.iter().try_for_each(|r| ring(r))
    }
    fn non_empty<T>(v: &[T]) -> Result<(), GeometryError> {
        if v.is_empty() { Err(GeometryError::Empty) } else { Ok(()) }
    }
    let positions: Vec<&Pos> = match value {
        GeometryValue::Point { coordinates } => vec![coordinates],
        GeometryValue::MultiPoint { coordinates } => {
            non_empty(coordinates)?;
            coordinates.iter().collect()
        }
        GeometryValue::LineString { coordinates } => {
            line(coordinates)?;
            coordinates.iter().collect()
        }
        GeometryValue::MultiLineString { coordinates } => {
            non_empty(coordinates)?;
            coordinates.iter().try_for_each(|l| line(l))?;
            coordinates.iter().flatten().collect()
        }
        GeometryValue::Polygon { coordinates } => {
            polygon(coordinates)?;
            coordinates.iter().flatten().collect()
        }
        GeometryValue::MultiPolygon { coordinates } => {
            non_empty(coordinates)?;
            coordinates.iter().try_for_each(|p| polygon(p))?;
            coordinates.iter().flatten().flatten().collect()
        }
        GeometryValue::GeometryCollection { .. } => {
            return Err(GeometryError::WrongType { expected: "a simple geometry", found: "GeometryCollection" });
        }
    };
    if positions.len() > MAX_VERTICES {
        return Err(GeometryError::TooManyVertices { count: positions.len(), max: MAX_VERTICES });
    }
    for p in positions {
        let ok = p.len() >= 2
            && p.as_slice().iter().all(|v| v.is_finite())
            && (-180.0..=180.0).contains(&p[0])
            && (-90.0..=90.0).contains(&p[1]);
        if !ok {
            return Err(GeometryError::BadPosition(p.as_slice().to_vec()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lines_areas_and_sites_are_read() {
        let l = parse_lines(&json!({"type": "LineString", "coordinates": [[120.16, 30.27], [120.17, 30.27]]})).unwrap();
        assert_eq!(l.0.len(), 1);
        assert_eq!(l.0[0].0[1].x, 120.17);
        let m = json!({"type": "MultiLineString", "coordinates": [[[120.16, 30.27], [120.17, 30.27]], [[1.0, 2.0], [3.0, 4.0]]]});
        assert_eq!(parse_lines(&m).unwrap().0.len(), 2);
        let square = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]});
        assert_eq!(parse_area(&square).unwrap().0.len(), 1);
        assert!(matches!(parse_site(&square).unwrap(), Geometry::Polygon(_)));
        assert!(matches!(
            parse_site(&json!({"type": "Point", "coordinates": [120.1, 30.2]})).unwrap(),
            Geometry::Point(_)
        ));
        // And back to GeoJSON.
        let back = to_value(&Geometry::MultiLineString(parse_lines(&m).unwrap()));
        assert_eq!(back, m);
    }

    #[test]
    fn the_wrong_kind_is_refused_by_name() {
        let point = json!({"type": "Point", "coordinates": [120.1, 30.2]});
        assert_eq!(
            parse_lines(&point),
            Err(GeometryError::WrongType { expected: "LineString or MultiLineString", found: "Point" })
        );
        assert!(matches!(parse_area(&point), Err(GeometryError::WrongType { .. })));
        let collection = json!({"type": "GeometryCollection", "geometries": [point]});
        assert!(matches!(parse_geometry(&collection), Err(GeometryError::WrongType { .. })));
    }

    #[test]
    fn bad_values_are_refused_without_panicking() {
        let cases = [
            json!(null),
            json!("LineString"),
            json!({"type": "LineString"}),
            json!({"type": "Circle", "coordinates": [1.0, 2.0]}),
            json!({"type": "LineString", "coordinates": [[120.16, 30.27]]}),
            json!({"type": "LineString", "coordinates": [[120.16], [120.17, 30.27]]}),
            json!({"type": "LineString", "coordinates": [[200.0, 30.27], [120.17, 30.27]]}),
            json!({"type": "LineString", "coordinates": [[120.0, 95.0], [120.17, 30.27]]}),
            json!({"type": "LineString", "coordinates": [[120.0, 30.0], ["a", 30.27]]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]]}),
            json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]]]}),
            json!({"type": "Polygon", "coordinates": []}),
            json!({"type": "MultiLineString", "coordinates": []}),
            json!({"type": "MultiPolygon", "coordinates": [[]]}),
        ];
        for c in cases {
            assert!(parse_geometry(&c).is_err(), "accepted {c}");
        }
    }

    #[test]
    fn absurd_vertex_counts_are_refused() {
        let coords: Vec<[f64; 2]> = (0..=MAX_VERTICES).map(|i| [120.0 + i as f64 * 1e-7, 30.0]).collect();
        let value = json!({"type": "LineString", "coordinates": coords});
        assert_eq!(
            parse_lines(&value),
            Err(GeometryError::TooManyVertices { count: MAX_VERTICES + 1, max: MAX_VERTICES })
        );
    }

    #[test]
    fn non_finite_positions_built_in_code_are_refused() {
        let mut value = json!({"type": "Point", "coordinates": [120.0, 30.0]});
        value["coordinates"][0] = serde_json::Value::from(f64::NAN); // serde_json turns NaN into null
        assert!(parse_geometry(&value).is_err());
    }
}
