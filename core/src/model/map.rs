//! What an office configures for its maps (part of the reference data):
//! the basemaps it offers, how street coverage is judged and how tracks
//! are recorded. The map works without any basemap: grids, streets,
//! buildings, pins and tracks are drawn from reference data and local
//! cases on a plain background.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::geo::{CoverageSettings, Crs, TrackSettings};

/// The office's map settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct MapSettings {
    /// Basemaps the office offers (online templates, or PMTiles archives on
    /// a server); archives imported on a device are offered besides.
    pub basemaps: Vec<BasemapSettings>,
    /// When a street counts as covered.
    pub coverage: CoverageSettings,
    /// Which fixes the recorder keeps, and how often it asks.
    pub track: TrackSettings,
}

impl MapSettings {
    /// Checks the basemaps: each online or PMTiles with a URL the map can
    /// load (an http(s) address; an online one a `{z}/{x}/{y}` template).
    pub fn validate(&self) -> Result<(), String> {
        for b in &self.basemaps {
            let url = b.url.as_deref().unwrap_or_default();
            let web = url.starts_with("https://") || url.starts_with("http://");
            let ok = match b.kind {
                BasemapKind::None => false,
                BasemapKind::Pmtiles => web,
                BasemapKind::Online => web && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)),
            };
            if !ok {
                return Err(format!("basemap {:?} ({:?}) needs a usable URL, not {url:?}", b.name, b.kind));
            }
        }
        Ok(())
    }
}

/// Where a basemap's tiles come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BasemapKind {
    /// No basemap: the overlays on a plain background.
    #[default]
    None,
    /// A PMTiles archive (raster or vector), read with HTTP range requests.
    Pmtiles,
    /// An online raster template, 256 px tiles.
    Online,
}

/// A basemap the map can show.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct BasemapSettings {
    pub kind: BasemapKind,
    /// The datum its tiles are drawn in: overlays are shifted into it.
    pub crs: Crs,
    /// PMTiles: the archive's URL (the app's `tiles` scheme for imported
    /// ones); online: `https://…/{z}/{x}/{y}.png`; none: `None`.
    pub url: Option<String>,
    /// Shown on the map (may be empty).
    pub attribution: String,
    /// A label for the settings screen (may be empty).
    pub name: String,
}

impl BasemapSettings {
    /// No basemap.
    pub fn none() -> Self {
        BasemapSettings::default()
    }

    /// Whether two settings name the same tiles (kind, datum and URL).
    pub fn same_source(&self, other: &BasemapSettings) -> bool {
        self.kind == other.kind && self.crs == other.crs && self.url == other.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn online(url: &str) -> BasemapSettings {
        BasemapSettings { kind: BasemapKind::Online, url: Some(url.into()), ..Default::default() }
    }

    #[test]
    fn usable_basemaps_pass_and_others_are_named() {
        let mut m = MapSettings::default();
        assert!(m.validate().is_ok());
        m.basemaps.push(online("https://t0.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"));
        m.basemaps.push(BasemapSettings {
            kind: BasemapKind::Pmtiles,
            url: Some("https://tiles.example.cn/qs.pmtiles".into()),
            ..Default::default()
        });
        assert!(m.validate().is_ok());
        for bad in [online("https://tile.example/{z}.png"), online("file:///etc/{z}/{x}/{y}"), BasemapSettings::none()]
        {
            let m = MapSettings { basemaps: vec![bad], ..Default::default() };
            assert!(m.validate().is_err());
        }
    }

    #[test]
    fn settings_read_with_defaults_and_snake_case() {
        let m: MapSettings = serde_json::from_str(r#"{"coverage": {"min_share": 0.9}}"#).unwrap();
        assert_eq!(m.coverage.min_share, 0.9);
        assert_eq!(m.coverage.distance_m, CoverageSettings::default().distance_m);
        assert!(m.basemaps.is_empty());
        let b: BasemapSettings =
            serde_json::from_str(r#"{"kind": "pmtiles", "crs": "gcj02", "url": "x", "attribution": "", "name": ""}"#)
                .unwrap();
        assert_eq!((b.kind, b.crs), (BasemapKind::Pmtiles, Crs::Gcj02));
        assert!(b.same_source(&BasemapSettings { name: "other label".into(), ..b.clone() }));
        assert!(!b.same_source(&BasemapSettings { crs: Crs::Wgs84, ..b.clone() }));
    }
}
