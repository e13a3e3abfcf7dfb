//! A spatial index of points with ids, for the duplicate hint: which cases
//! lie within 50 m of the one being reported.
//!
//! Points live in an R-tree in an equirectangular frame whose scale is true
//! at the indexed latitude farthest from the equator, so projected
//! distances never exceed true ones and the tree's candidates are a
//! superset; each candidate's true (haversine) distance decides.

use geo::{Coord, Distance, Haversine, Point};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::local::LocalFrame;

/// An id found near a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearby<T> {
    pub id: T,
    pub distance_m: f64,
}

/// Points with ids, indexed for radius queries.
#[derive(Debug)]
pub struct NearbyIndex<T> {
    frame: LocalFrame,
    tree: RTree<GeomWithData<[f64; 2], usize>>,
    items: Vec<(T, Point<f64>)>,
}

impl<T: Clone> NearbyIndex<T> {
    /// Indexes `(id, lat, lon)` triples; positions that are not on Earth are
    /// left out.
    pub fn new(points: impl IntoIterator<Item = (T, f64, f64)>) -> Self {
        let items: Vec<(T, Point<f64>)> = points
            .into_iter()
            .filter(|(_, lat, lon)| lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0)
            .map(|(id, lat, lon)| (id, Point::new(lon, lat)))
            .collect();
        let widest = items.iter().map(|(_, p)| p.y()).max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(0.0);
        let frame = LocalFrame::around(widest, items.first().map_or(0.0, |(_, p)| p.x()));
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, (_, p))| {
                let c = frame.to_metres(p.0);
                GeomWithData::new([c.x, c.y], i)
            })
            .collect();
        NearbyIndex { frame, tree: RTree::bulk_load(entries), items }
    }

    /// How many points are indexed.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The ids within `radius_m` of `(lat, lon)`, nearest first.
    pub fn within(&self, lat: f64, lon: f64, radius_m: f64) -> Vec<Nearby<T>> {
        if !(lat.is_finite() && lon.is_finite() && radius_m >= 0.0) {
            return Vec::new();
        }
        let here = Point::new(lon, lat);
        let c = self.frame.to_metres(Coord { x: lon, y: lat });
        // A little slack for the sphere's curvature over the radius.
        let reach = radius_m * 1.01 + 1.0;
        let mut found: Vec<Nearby<T>> = self
            .tree
            .locate_within_distance([c.x, c.y], reach * reach)
            .filter_map(|e| {
                let (id, p) = &self.items[e.data];
                let distance_m = Haversine.distance(here, *p);
                (distance_m <= radius_m).then(|| Nearby { id: id.clone(), distance_m })
            })
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        found
    }
}

#[cfg(test)]
mod tests {
    use geo::{Destination, Haversine, Point};
    use proptest::prelude::*;

    use super::*;

    /// The position `metres` from `(lat, lon)` towards `bearing` degrees.
    fn away(lat: f64, lon: f64, bearing: f64, metres: f64) -> (f64, f64) {
        let p = Haversine.destination(Point::new(lon, lat), bearing, metres);
        (p.y(), p.x())
    }

    #[test]
    fn ids_within_the_radius_come_nearest_first() {
        let here = (30.2774, 120.1612);
        let at = |b, m| away(here.0, here.1, b, m);
        let points = [("far", at(0.0, 80.0)), ("b", at(90.0, 30.0)), ("a", at(200.0, 10.0)), ("edge", at(300.0, 49.0))];
        let index = NearbyIndex::new(points.iter().map(|(id, (lat, lon))| (id.to_string(), *lat, *lon)));
        let found = index.within(here.0, here.1, 50.0);
        let ids: Vec<&str> = found.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "edge"]);
        assert!((found[0].distance_m - 10.0).abs() < 0.01);
        assert!(index.within(here.0, here.1, 5.0).is_empty());
        assert_eq!(index.len(), 4);
    }

    #[test]
    fn unusable_positions_are_not_indexed_or_queried() {
        let index = NearbyIndex::new([(1, f64::NAN, 120.0), (2, 30.0, 120.0), (3, 95.0, 120.0)]);
        assert_eq!(index.len(), 1);
        assert!(index.within(f64::NAN, 120.0, 50.0).is_empty());
        assert!(NearbyIndex::<u8>::new([]).within(30.0, 120.0, 50.0).is_empty());
    }

    proptest! {
        /// The index finds exactly what a scan of every point finds, even
        /// for points spread over all of China.
        #[test]
        fn the_index_agrees_with_a_full_scan(
            pts in proptest::collection::vec((18.0f64..53.0, 73.0f64..135.0), 1..40),
            near in proptest::collection::vec((0.0f64..360.0, 0.0f64..120.0), 0..20),
            pick in 0usize..40,
            radius in 1.0f64..100.0,
        ) {
            let centre = pts[pick % pts.len()];
            let mut all: Vec<(f64, f64)> = pts.clone();
            all.extend(near.iter().map(|&(b, m)| away(centre.0, centre.1, b, m)));
            let index = NearbyIndex::new(all.iter().enumerate().map(|(i, &(lat, lon))| (i, lat, lon)));
            let mut found: Vec<usize> = index.within(centre.0, centre.1, radius).into_iter().map(|n| n.id).collect();
            found.sort();
            let here = Point::new(centre.1, centre.0);
            let scan: Vec<usize> = all
                .iter()
                .enumerate()
                .filter(|(_, (lat, lon))| Haversine.distance(here, Point::new(*lon, *lat)) <= radius)
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(found, scan);
        }
    }
}
