//! The basemap this device shows: one of the office's (reference data) or
//! a PMTiles archive imported into the device's `tiles` folder, kept in the
//! device's meta. The app lists the folder and knows the URL its custom
//! scheme serves an archive under; the rules for both are here.

use super::{DeviceStore, StoreError};
use crate::geo::Crs;
use crate::model::{BasemapKind, BasemapSettings};

const BASEMAP_KEY: &str = "basemap";

/// Whether `name` may be an archive's file name: letters, digits, `-`,
/// `_` and `.`, not starting with a dot, ending in `.pmtiles`, at most 128
/// bytes. Anything else (a path, `..`) is never served.
pub fn is_archive_name(name: &str) -> bool {
    name.len() <= 128
        && name.len() > ".pmtiles".len()
        && name.ends_with(".pmtiles")
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The basemap option of an imported archive, served at `url`. Its datum
/// is WGS-84, or GCJ-02 when the name says so (`qingshi.gcj02.pmtiles`).
pub fn archive_basemap(file_name: &str, url: String) -> Option<BasemapSettings> {
    if !is_archive_name(file_name) {
        return None;
    }
    let stem = file_name.trim_end_matches(".pmtiles");
    let (name, crs) = match stem.rsplit_once('.') {
        Some((n, "gcj02")) => (n, Crs::Gcj02),
        Some((n, "cgcs2000")) => (n, Crs::Cgcs2000),
        _ => (stem, Crs::Wgs84),
    };
    Some(BasemapSettings {
        kind: BasemapKind::Pmtiles,
        crs,
        url: Some(url),
        attribution: String::new(),
        name: name.into(),
    })
}

impl DeviceStore {
    /// What the user may pick: the office's basemaps, then `archives` (the
    /// imported ones, from [`archive_basemap`]). Never `none`.
    pub fn basemap_options(&self, archives: &[BasemapSettings]) -> Result<Vec<BasemapSettings>, StoreError> {
        let office = self.reference().map(|r| r.map.basemaps.clone()).unwrap_or_default();
        Ok(office.into_iter().chain(archives.iter().cloned()).filter(|b| b.kind != BasemapKind::None).collect())
    }

    /// The basemap picked on this device, if it is still offered; else none.
    pub fn basemap(&self, archives: &[BasemapSettings]) -> Result<BasemapSettings, StoreError> {
        let stored: Option<BasemapSettings> = self.meta(BASEMAP_KEY)?.and_then(|b| serde_json::from_slice(&b).ok());
        let options = self.basemap_options(archives)?;
        Ok(stored.and_then(|s| options.into_iter().find(|o| o.same_source(&s))).unwrap_or_else(BasemapSettings::none))
    }

    /// Picks a basemap: `none`, or one of the options (as offered).
    pub fn set_basemap(
        &self,
        settings: &BasemapSettings,
        archives: &[BasemapSettings],
    ) -> Result<BasemapSettings, StoreError> {
        let chosen = if settings.kind == BasemapKind::None {
            BasemapSettings::none()
        } else {
            self.basemap_options(archives)?
                .into_iter()
                .find(|o| o.same_source(settings))
                .ok_or_else(|| StoreError::Invalid("this basemap is not one of the options".into()))?
        };
        let json = serde_json::to_vec(&chosen).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.set_meta(BASEMAP_KEY, &json)?;
        Ok(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_archive_names_are_served() {
        for ok in ["qingshi.pmtiles", "qs-2026_03.gcj02.pmtiles", "a.pmtiles"] {
            assert!(is_archive_name(ok), "{ok}");
        }
        for bad in [
            "../gridpatrol.sqlite",
            "..pmtiles",
            ".hidden.pmtiles",
            "a/b.pmtiles",
            "a\\b.pmtiles",
            "qingshi.mbtiles",
            ".pmtiles",
            "青石.pmtiles",
            "a%2F.pmtiles",
        ] {
            assert!(!is_archive_name(bad), "{bad}");
        }
        assert!(!is_archive_name(&format!("{}.pmtiles", "a".repeat(130))));
    }

    #[test]
    fn an_archive_names_its_datum() {
        let b = archive_basemap("qingshi.gcj02.pmtiles", "tiles://localhost/qingshi.gcj02.pmtiles".into()).unwrap();
        assert_eq!((b.kind, b.crs, b.name.as_str()), (BasemapKind::Pmtiles, Crs::Gcj02, "qingshi"));
        assert_eq!(b.url.as_deref(), Some("tiles://localhost/qingshi.gcj02.pmtiles"));
        assert_eq!(archive_basemap("osm.pmtiles", String::new()).unwrap().crs, Crs::Wgs84);
        assert!(archive_basemap("../x.pmtiles", String::new()).is_none());
    }
}
