//! GeoJSON (RFC 7946) as the map receives it: plain typed features whose
//! positions are already in the basemap's display CRS ([`Crs::to_display`]),
//! so the web view never transforms a coordinate.

use geo::{Coord, Geometry, LineString, Polygon};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::gcj02::Crs;

/// A position, `[longitude, latitude]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct GeoPosition(pub [f64; 2]);

impl GeoPosition {
    /// A stored WGS-84 coordinate (x = longitude, y = latitude) as drawn in `crs`.
    pub fn display(crs: Crs, c: Coord<f64>) -> Self {
        let (lat, lon) = crs.to_display(c.y, c.x);
        GeoPosition([lon, lat])
    }
}

/// A GeoJSON geometry of the kinds the map draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "coordinates")]
pub enum GeoGeometry {
    Point(GeoPosition),
    LineString(Vec<GeoPosition>),
    MultiLineString(Vec<Vec<GeoPosition>>),
    Polygon(Vec<Vec<GeoPosition>>),
    MultiPolygon(Vec<Vec<Vec<GeoPosition>>>),
}

impl GeoGeometry {
    /// A WGS-84 geometry shifted into `crs`; `None` for kinds the map does
    /// not draw (multi-points, collections…).
    pub fn display(g: &Geometry<f64>, crs: Crs) -> Option<Self> {
        let line = |l: &LineString<f64>| l.0.iter().map(|c| GeoPosition::display(crs, *c)).collect::<Vec<_>>();
        let polygon =
            |p: &Polygon<f64>| std::iter::once(p.exterior()).chain(p.interiors()).map(line).collect::<Vec<_>>();
        Some(match g {
            Geometry::Point(p) => GeoGeometry::Point(GeoPosition::display(crs, p.0)),
            Geometry::LineString(l) => GeoGeometry::LineString(line(l)),
            Geometry::MultiLineString(m) => GeoGeometry::MultiLineString(m.iter().map(line).collect()),
            Geometry::Polygon(p) => GeoGeometry::Polygon(polygon(p)),
            Geometry::MultiPolygon(m) => GeoGeometry::MultiPolygon(m.iter().map(polygon).collect()),
            _ => return None,
        })
    }

    /// Lines as one LineString, or a MultiLineString when there are several.
    pub fn lines(mut lines: Vec<Vec<GeoPosition>>) -> Option<Self> {
        match lines.len() {
            0 => None,
            1 => lines.pop().map(GeoGeometry::LineString),
            _ => Some(GeoGeometry::MultiLineString(lines)),
        }
    }
}

/// The `type` of a feature: always `"Feature"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FeatureTag {
    #[default]
    Feature,
}

/// The `type` of a feature collection: always `"FeatureCollection"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CollectionTag {
    #[default]
    FeatureCollection,
}

/// A feature with typed properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GeoFeature<P: TS> {
    #[serde(rename = "type")]
    #[ts(type = "\"Feature\"")]
    pub tag: FeatureTag,
    pub geometry: GeoGeometry,
    pub properties: P,
}

impl<P: TS> GeoFeature<P> {
    /// A feature of `geometry` with `properties`.
    pub fn new(geometry: GeoGeometry, properties: P) -> Self {
        GeoFeature { tag: FeatureTag::Feature, geometry, properties }
    }
}

/// A feature collection with typed properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GeoFeatureCollection<P: TS> {
    #[serde(rename = "type")]
    #[ts(type = "\"FeatureCollection\"")]
    pub tag: CollectionTag,
    pub features: Vec<GeoFeature<P>>,
}

impl<P: TS> GeoFeatureCollection<P> {
    /// A collection of `features`.
    pub fn new(features: Vec<GeoFeature<P>>) -> Self {
        GeoFeatureCollection { tag: CollectionTag::FeatureCollection, features }
    }
}

impl<P: TS> Default for GeoFeatureCollection<P> {
    fn default() -> Self {
        GeoFeatureCollection::new(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use geo::{LineString, MultiLineString, Point, polygon};
    use serde_json::json;

    use super::*;
    use crate::geo::wgs84_to_gcj02;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
    struct Props {
        id: String,
    }

    #[test]
    fn features_serialize_as_geojson() {
        let f = GeoFeature::new(GeoGeometry::Point(GeoPosition([120.16, 30.27])), Props { id: "c1".into() });
        let fc = GeoFeatureCollection::new(vec![f]);
        assert_eq!(
            serde_json::to_value(&fc).unwrap(),
            json!({"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.16, 30.27]}, "properties": {"id": "c1"}}
            ]})
        );
        let back: GeoFeatureCollection<Props> = serde_json::from_value(serde_json::to_value(&fc).unwrap()).unwrap();
        assert_eq!(back, fc);
    }

    #[test]
    fn geometries_are_shifted_for_gcj02_only() {
        let line = Geometry::LineString(LineString::from(vec![(120.16, 30.27), (120.17, 30.27)]));
        let Some(GeoGeometry::LineString(plain)) = GeoGeometry::display(&line, Crs::Wgs84) else { panic!() };
        assert_eq!(plain[1], GeoPosition([120.17, 30.27]));
        let Some(GeoGeometry::LineString(shifted)) = GeoGeometry::display(&line, Crs::Gcj02) else { panic!() };
        let (lat, lon) = wgs84_to_gcj02(30.27, 120.17);
        assert_eq!(shifted[1], GeoPosition([lon, lat]));
        let square =
            Geometry::Polygon(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)]);
        let Some(GeoGeometry::Polygon(rings)) = GeoGeometry::display(&square, Crs::Cgcs2000) else { panic!() };
        assert_eq!(rings.len(), 1);
        assert_eq!(rings[0].len(), 4, "the ring stays closed");
        let multi = Geometry::MultiLineString(MultiLineString(vec![LineString::from(vec![(1.0, 2.0), (3.0, 4.0)])]));
        assert!(matches!(GeoGeometry::display(&multi, Crs::Wgs84), Some(GeoGeometry::MultiLineString(_))));
        assert!(GeoGeometry::display(&Geometry::MultiPoint(vec![Point::new(1.0, 2.0)].into()), Crs::Wgs84).is_none());
    }

    #[test]
    fn several_lines_make_a_multilinestring() {
        let a = vec![GeoPosition([0.0, 0.0]), GeoPosition([1.0, 0.0])];
        assert_eq!(GeoGeometry::lines(vec![]), None);
        assert_eq!(GeoGeometry::lines(vec![a.clone()]), Some(GeoGeometry::LineString(a.clone())));
        assert!(
            matches!(GeoGeometry::lines(vec![a.clone(), a]), Some(GeoGeometry::MultiLineString(l)) if l.len() == 2)
        );
    }
}
