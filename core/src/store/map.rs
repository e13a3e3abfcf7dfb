//! What the map draws, in one call: the viewer's grids (boundaries,
//! streets, buildings) from reference data, case pins from the index, and
//! a patrol's tracks per member — every position already in the basemap's
//! display CRS, so the web view never transforms a coordinate.

use geo::Coord;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::index;
use super::views::CaseFilter;
use super::{DeviceStore, StoreError};
use crate::geo::{
    Crs, GeoFeature, GeoFeatureCollection, GeoGeometry, GeoPosition, building_site, distance_m, parse_geometry,
    parse_lines,
};
use crate::model::{OrgKind, OrgUnit, TrackPoint};
use crate::time::{MINUTE, Millis};
use crate::workflow::{CaseStatus, SlaState};

/// The most case pins one map shows.
pub const MAX_PINS: u32 = 2000;

/// Fixes further apart in time than this are a gap in recording.
const TRACK_GAP_MS: Millis = 10 * MINUTE;

/// A latitude and longitude, in whichever datum the call says.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    /// A stored WGS-84 position as drawn on a basemap in `crs`.
    pub fn to_display(self, crs: Crs) -> LatLon {
        let (lat, lon) = crs.to_display(self.lat, self.lon);
        LatLon { lat, lon }
    }

    /// A position picked on a basemap in `crs`, back in WGS-84 (the
    /// inverse is within a millimetre).
    pub fn from_display(self, crs: Crs) -> LatLon {
        let (lat, lon) = crs.from_display(self.lat, self.lon);
        LatLon { lat, lon }
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct MapQuery {
    /// The basemap's datum.
    pub crs: Crs,
    /// Grids to draw: `None` every grid the viewer sees, `[]` none.
    pub grids: Option<Vec<String>>,
    /// Which case pins (as in the case list, paging ignored); `None`: no pins.
    pub cases: Option<CaseFilter>,
    /// Whose tracks: this patrol's members'; `None`: no tracks.
    pub patrol: Option<String>,
}

/// A grid's boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GridFeatureProps {
    pub id: String,
    pub name: String,
}

/// A street (one piece of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StreetFeatureProps {
    pub name: String,
    pub grid: String,
}

/// A building's point or outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BuildingFeatureProps {
    pub id: String,
    pub name: String,
    pub grid: String,
}

/// A case pin. `closed`: no longer open (closed, deferred or voided), grey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CasePinProps {
    pub id: String,
    pub title: String,
    pub category: String,
    pub status: CaseStatus,
    pub sla_state: Option<SlaState>,
    pub closed: bool,
}

/// One member's track on a patrol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrackFeatureProps {
    pub user_id: String,
    pub name: String,
}

/// Everything the map draws.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct MapLayers {
    pub grids: GeoFeatureCollection<GridFeatureProps>,
    pub streets: GeoFeatureCollection<StreetFeatureProps>,
    pub buildings: GeoFeatureCollection<BuildingFeatureProps>,
    pub cases: GeoFeatureCollection<CasePinProps>,
    pub tracks: GeoFeatureCollection<TrackFeatureProps>,
}

impl DeviceStore {
    /// The layers of `query`, in its display CRS, limited to the viewer's scope.
    pub fn map_layers(&self, query: &MapQuery, now: Millis) -> Result<MapLayers, StoreError> {
        let reference = self.reference()?.clone();
        let crs = query.crs;
        let sees = |grid: &str| self.viewer().is_none_or(|v| v.scope.sees(grid, &[]));
        let grids: Vec<&OrgUnit> = match &query.grids {
            None => reference.org.grids().filter(|g| sees(&g.id)).collect(),
            Some(ids) => ids.iter().filter_map(|id| reference.grid(id)).filter(|g| sees(&g.id)).collect(),
        };
        let mut layers = MapLayers::default();
        for grid in &grids {
            if let Some(boundary) = &grid.boundary
                && let Some(g) = parse_geometry(boundary).ok().and_then(|g| GeoGeometry::display(&g, crs))
            {
                let props = GridFeatureProps { id: grid.id.clone(), name: grid.name.clone() };
                layers.grids.features.push(GeoFeature::new(g, props));
            }
            for line in &grid.street_lines {
                let Ok(lines) = parse_lines(&line.geometry) else { continue };
                let coords = lines.iter().map(|l| l.0.iter().map(|c| GeoPosition::display(crs, *c)).collect());
                if let Some(g) = GeoGeometry::lines(coords.collect()) {
                    let props = StreetFeatureProps { name: line.name.clone(), grid: grid.id.clone() };
                    layers.streets.features.push(GeoFeature::new(g, props));
                }
            }
        }
        let drawn: Vec<&str> = grids.iter().map(|g| g.id.as_str()).collect();
        for b in reference.org.units.iter().filter(|u| u.kind == OrgKind::Building) {
            let Some(grid) = b.parent.as_deref().filter(|p| drawn.contains(p)) else { continue };
            if let Some(g) = building_site(b).ok().flatten().and_then(|g| GeoGeometry::display(&g, crs)) {
                let props = BuildingFeatureProps { id: b.id.clone(), name: b.name.clone(), grid: grid.to_owned() };
                layers.buildings.features.push(GeoFeature::new(g, props));
            }
        }
        if let Some(filter) = &query.cases {
            for pin in index::case_pins(&self.conn, self.viewer(), filter, now, MAX_PINS)? {
                let at = GeoPosition::display(crs, Coord { x: pin.lon, y: pin.lat });
                let i = pin.item;
                let props = CasePinProps {
                    closed: !i.status.is_open(),
                    id: i.id,
                    title: i.title,
                    category: i.category,
                    status: i.status,
                    sla_state: i.sla_state,
                };
                layers.cases.features.push(GeoFeature::new(GeoGeometry::Point(at), props));
            }
        }
        if let Some(patrol) = &query.patrol {
            layers.tracks = self.track_features(patrol, crs)?;
        }
        Ok(layers)
    }

    /// One feature per member with points: a LineString, or a
    /// MultiLineString where recording had a gap.
    fn track_features(&self, patrol: &str, crs: Crs) -> Result<GeoFeatureCollection<TrackFeatureProps>, StoreError> {
        let team = match self.team_rows(patrol) {
            Ok(t) => t,
            Err(StoreError::NotFound { .. }) => return Ok(GeoFeatureCollection::default()),
            Err(e) => return Err(e),
        };
        let reference = self.reference()?.clone();
        let max_join_m = reference.map.coverage.max_join_m;
        let mut out = Vec::new();
        for p in self.team_docs(&team)? {
            let runs = track_runs(&p.track, max_join_m);
            let lines = runs.iter().map(|run| run.iter().map(|t| GeoPosition::display(crs, coord(t))).collect());
            if let Some(g) = GeoGeometry::lines(lines.collect()) {
                let name = reference.user(&p.started_by).map_or_else(|| p.started_by.clone(), |u| u.name.clone());
                out.push(GeoFeature::new(g, TrackFeatureProps { user_id: p.started_by, name }));
            }
        }
        Ok(GeoFeatureCollection::new(out))
    }
}

fn coord(t: &TrackPoint) -> Coord<f64> {
    Coord { x: t.lon, y: t.lat }
}

/// A track cut where recording had a gap (long in time, or a jump the
/// coverage would not join either); a lone point is drawn as a line of no
/// length, so the position still shows.
fn track_runs(track: &[TrackPoint], max_join_m: f64) -> Vec<Vec<TrackPoint>> {
    let mut pts: Vec<TrackPoint> = track.iter().filter(|p| p.lat.is_finite() && p.lon.is_finite()).copied().collect();
    pts.sort_by_key(|p| p.at);
    let mut runs: Vec<Vec<TrackPoint>> = Vec::new();
    for p in pts {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|l| p.at - l.at <= TRACK_GAP_MS && distance_m(l, &p) <= max_join_m) => {
                run.push(p)
            }
            _ => runs.push(vec![p]),
        }
    }
    for run in &mut runs {
        if run.len() == 1 {
            run.push(run[0]);
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(at: Millis, north_m: f64) -> TrackPoint {
        TrackPoint { at, lat: 30.27 + north_m / 111_195.0, lon: 120.16, accuracy_m: None }
    }

    #[test]
    fn tracks_are_cut_at_gaps_in_time_and_space() {
        let track = [at(0, 0.0), at(5_000, 6.0), at(10_000, 12.0), at(700_000, 20.0), at(705_000, 600.0)];
        let runs = track_runs(&track, 200.0);
        let lens: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(lens, [3, 2, 2], "the walk, a lone fix after 11 minutes, a lone fix 580 m on");
        assert_eq!(runs[1][0], runs[1][1]);
        assert!(track_runs(&[], 200.0).is_empty());
        // Out of order points are sorted first.
        assert_eq!(track_runs(&[at(5_000, 6.0), at(0, 0.0)], 200.0)[0][0].at, 0);
    }

    #[test]
    fn positions_convert_both_ways_within_a_millimetre() {
        let p = LatLon { lat: 30.2746, lon: 120.1644 };
        let shown = p.to_display(Crs::Gcj02);
        assert!((shown.lat - p.lat).abs() > 1e-4, "GCJ-02 shifts");
        let back = shown.from_display(Crs::Gcj02);
        assert!((back.lat - p.lat).abs() < 1e-8 && (back.lon - p.lon).abs() < 1e-8);
        assert_eq!(p.to_display(Crs::Cgcs2000), p);
    }
}
