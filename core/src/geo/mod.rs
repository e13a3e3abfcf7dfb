//! The spatial half of patrols, pure and IO-free: coordinates for display
//! ([`Crs`]) and the map's GeoJSON ([`GeoFeature`]), which fixes become
//! track points ([`TrackFilter`], [`Recorder`]), street
//! coverage as evidence ([`patrol_coverage`]), the duplicate hint's spatial
//! index ([`NearbyIndex`]), the reference data's GeoJSON geometry and the
//! import of an office's GIS layers ([`import_gis`]). Geometry is the `geo`
//! crate's, spatial indexes are `rstar` R-trees.

mod coverage;
mod features;
mod gcj02;
mod geometry;
mod import;
mod local;
mod nearby;
mod recorder;
mod reference;
mod track;

pub use coverage::{CoverageSettings, PatrolCoverage, Street, StreetCoverage, patrol_coverage};
pub use features::{CollectionTag, FeatureTag, GeoFeature, GeoFeatureCollection, GeoGeometry, GeoPosition};
pub use gcj02::{Crs, gcj02_to_wgs84, outside_china, wgs84_to_gcj02};
pub use geometry::{GeometryError, MAX_VERTICES, parse_area, parse_geometry, parse_lines, parse_site, to_value};
pub use import::{ImportError, ImportSummary, Layer, MAX_FEATURES, MAX_LAYER_BYTES, import_gis};
pub use local::LocalFrame;
pub use nearby::{Nearby, NearbyIndex};
pub use recorder::{FixOutcome, IDLE_WAIT, Recorder, RunningPart};
pub use reference::{UnitGeometryError, building_site, check_unit_geometry, grid_streets, unit_area};
pub use track::{Dropped, TrackFilter, TrackSettings, distance_m, speed_mps};
