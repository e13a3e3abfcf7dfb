//! A flat metric frame for the few kilometres of a street office: an
//! equirectangular projection around an origin, x metres east and y metres
//! north. Within 10 km of the origin lengths are off by well under 0.1 %,
//! far below GPS error, which lets R-trees and segment distances work in
//! plain metres.

use geo::{Coord, MapCoords};

/// The mean Earth radius, as geo's haversine uses it.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// An equirectangular projection around an origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    lat0: f64,
    lon0: f64,
    metres_per_deg_lat: f64,
    metres_per_deg_lon: f64,
}

impl LocalFrame {
    /// The frame around `(lat, lon)`; scale is true along that latitude.
    pub fn around(lat: f64, lon: f64) -> Self {
        let metres_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let metres_per_deg_lon = metres_per_deg_lat * lat.to_radians().cos().max(1e-6);
        LocalFrame { lat0: lat, lon0: lon, metres_per_deg_lat, metres_per_deg_lon }
    }

    /// Projects a WGS-84 coordinate (x = longitude, y = latitude) to metres.
    pub fn to_metres(&self, c: Coord<f64>) -> Coord<f64> {
        Coord { x: (c.x - self.lon0) * self.metres_per_deg_lon, y: (c.y - self.lat0) * self.metres_per_deg_lat }
    }

    /// The inverse of [`LocalFrame::to_metres`].
    pub fn to_degrees(&self, c: Coord<f64>) -> Coord<f64> {
        Coord { x: self.lon0 + c.x / self.metres_per_deg_lon, y: self.lat0 + c.y / self.metres_per_deg_lat }
    }

    /// Projects a whole geometry.
    pub fn project<G: MapCoords<f64, f64>>(&self, g: &G) -> G::Output {
        g.map_coords(|c| self.to_metres(c))
    }
}

#[cfg(test)]
mod tests {
    use geo::{Distance, Euclidean, Haversine, Point};

    use super::*;

    #[test]
    fn distances_agree_with_haversine_across_a_street_office() {
        let frame = LocalFrame::around(30.2746, 120.1644);
        let a = Coord { x: 120.158, y: 30.269 };
        for b in [Coord { x: 120.1772, y: 30.2802 }, Coord { x: 120.1645, y: 30.2747 }, Coord { x: 120.2, y: 30.3 }] {
            let flat = Euclidean.distance(frame.to_metres(a), frame.to_metres(b));
            let round = Haversine.distance(Point(a), Point(b));
            assert!((flat - round).abs() / round < 1e-3, "{flat} vs {round}");
        }
    }

    #[test]
    fn the_round_trip_is_exact() {
        let frame = LocalFrame::around(30.27, 120.16);
        let c = Coord { x: 120.171234, y: 30.281234 };
        let back = frame.to_degrees(frame.to_metres(c));
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}
