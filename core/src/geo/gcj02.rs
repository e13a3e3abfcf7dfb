//! GCJ-02 (火星坐标), the shifted datum Chinese map providers (高德, 腾讯…)
//! draw their tiles in, and the [`Crs`] a basemap is drawn in.
//!
//! Stored coordinates stay WGS-84 as captured; overlays are shifted into the
//! basemap's datum for display only, and a pin dragged on such a map is
//! shifted back with the inverse. The forward transform is the published
//! one (Krasovsky ellipsoid constants); it has no closed-form inverse, so
//! [`gcj02_to_wgs84`] iterates until the round trip is within a millimetre.
//! Outside China's bounding box nothing is shifted.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The coordinate reference system a basemap is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "MapCrs")]
pub enum Crs {
    /// WGS-84: GPS, OpenStreetMap, the stored data.
    #[default]
    Wgs84,
    /// CGCS2000 (天地图): differs from WGS-84 by centimetres; no shift.
    Cgcs2000,
    /// GCJ-02 (高德, 腾讯): every overlay needs shifting.
    Gcj02,
}

impl Crs {
    /// A stored WGS-84 position as drawn on a basemap in this CRS.
    pub fn to_display(self, lat: f64, lon: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 | Crs::Cgcs2000 => (lat, lon),
            Crs::Gcj02 => wgs84_to_gcj02(lat, lon),
        }
    }

    /// A position picked on a basemap in this CRS, back in WGS-84.
    pub fn from_display(self, lat: f64, lon: f64) -> (f64, f64) {
        match self {
            Crs::Wgs84 | Crs::Cgcs2000 => (lat, lon),
            Crs::Gcj02 => gcj02_to_wgs84(lat, lon),
        }
    }
}

/// Semi-major axis of the Krasovsky 1940 ellipsoid, as the transform uses it.
const A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether a position lies outside the box GCJ-02 applies to (then it is
/// not shifted). The box is the conventional coarse one: it also holds a
/// little of China's neighbours.
pub fn outside_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// WGS-84 → GCJ-02, `(lat, lon)` in degrees.
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if !lat.is_finite() || !lon.is_finite() || outside_china(lat, lon) {
        return (lat, lon);
    }
    let (d_lat, d_lon) = offset(lat, lon);
    (lat + d_lat, lon + d_lon)
}

/// GCJ-02 → WGS-84, `(lat, lon)` in degrees: the WGS-84 position whose
/// forward transform is this one, to well under a metre.
pub fn gcj02_to_wgs84(lat: f64, lon: f64) -> (f64, f64) {
    if !lat.is_finite() || !lon.is_finite() || outside_china(lat, lon) {
        return (lat, lon);
    }
    // Fixed-point iteration: the shift changes slowly with position, so each
    // step gains about three orders of magnitude.
    let (mut w_lat, mut w_lon) = (lat, lon);
    for _ in 0..10 {
        let (g_lat, g_lon) = wgs84_to_gcj02(w_lat, w_lon);
        let (e_lat, e_lon) = (g_lat - lat, g_lon - lon);
        w_lat -= e_lat;
        w_lon -= e_lon;
        if e_lat.abs() < 1e-10 && e_lon.abs() < 1e-10 {
            break;
        }
    }
    (w_lat, w_lon)
}

/// The GCJ-02 shift at a WGS-84 position, in degrees of latitude and longitude.
fn offset(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    let (x, y) = (lon - 105.0, lat - 35.0);
    let d_lat_m = shift_lat(x, y);
    let d_lon_m = shift_lon(x, y);
    let rad_lat = lat.to_radians();
    let magic = 1.0 - EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = d_lat_m * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = d_lon_m * 180.0 / (A / sqrt_magic * rad_lat.cos() * PI);
    (d_lat, d_lon)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

#[cfg(test)]
mod tests {
    use geo::{Distance, Haversine, Point};
    use proptest::prelude::*;

    use super::*;

    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
    }

    /// (WGS-84 lat, lon, GCJ-02 lat, lon): the pairs the widely used
    /// eviltransform library publishes in its test suite.
    const KNOWN: [(f64, f64, f64, f64); 3] = [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215), // Shanghai
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363), // Shenzhen
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657), // Beijing
    ];

    #[test]
    fn known_pairs_match_to_the_centimetre() {
        for (w_lat, w_lon, g_lat, g_lon) in KNOWN {
            let shifted = wgs84_to_gcj02(w_lat, w_lon);
            assert!(metres(shifted, (g_lat, g_lon)) < 0.01, "{shifted:?} vs {g_lat},{g_lon}");
            let back = gcj02_to_wgs84(g_lat, g_lon);
            assert!(metres(back, (w_lat, w_lon)) < 0.01, "{back:?} vs {w_lat},{w_lon}");
            // The shift itself is hundreds of metres.
            assert!(metres((w_lat, w_lon), (g_lat, g_lon)) > 100.0);
        }
    }

    #[test]
    fn nothing_outside_china_is_shifted() {
        for (lat, lon) in [(48.8566, 2.3522), (35.6762, 139.6503), (-33.87, 151.21), (55.7558, 37.6173)] {
            assert!(outside_china(lat, lon));
            assert_eq!(wgs84_to_gcj02(lat, lon), (lat, lon));
            assert_eq!(gcj02_to_wgs84(lat, lon), (lat, lon));
            assert_eq!(Crs::Gcj02.to_display(lat, lon), (lat, lon));
        }
    }

    #[test]
    fn wgs84_and_cgcs2000_are_drawn_as_stored() {
        let p = (30.2774, 120.1612);
        for crs in [Crs::Wgs84, Crs::Cgcs2000] {
            assert_eq!(crs.to_display(p.0, p.1), p);
            assert_eq!(crs.from_display(p.0, p.1), p);
        }
        let shown = Crs::Gcj02.to_display(p.0, p.1);
        assert!(metres(shown, p) > 100.0);
        assert!(metres(Crs::Gcj02.from_display(shown.0, shown.1), p) < 0.01);
    }

    #[test]
    fn the_crs_names_are_snake_case() {
        assert_eq!(serde_json::to_value(Crs::Cgcs2000).unwrap(), "cgcs2000");
        assert_eq!(serde_json::from_value::<Crs>(serde_json::json!("gcj02")).unwrap(), Crs::Gcj02);
    }

    proptest! {
        #[test]
        fn the_inverse_is_within_a_metre_over_mainland_china(lat in 18.2f64..53.5, lon in 73.5f64..134.7) {
            let (g_lat, g_lon) = wgs84_to_gcj02(lat, lon);
            let back = gcj02_to_wgs84(g_lat, g_lon);
            prop_assert!(metres(back, (lat, lon)) < 1.0, "{lat},{lon} -> {g_lat},{g_lon} -> {back:?}");
        }
    }
}
