//! Importing an office's GIS layers into its organisation tree (see
//! `docs/GIS-IMPORT.md`): a GeoJSON FeatureCollection of grids and one of
//! streets, both WGS-84.
//!
//! - Grids: Polygon or MultiPolygon features with properties `id`, `name`,
//!   `parent` and optionally `kind` (`urban`, `rural`, `dedicated`). A new id
//!   adds a grid under `parent`; a known grid gets the new boundary (its
//!   name, parent and kind stay as they are).
//! - Streets: LineString or MultiLineString features with properties `name`
//!   and `grid`. Every grid named in the layer gets exactly the layer's
//!   streets: its street lines are replaced, and its street list becomes
//!   the layer's names (names it had keep their walking order, new ones
//!   follow in the layer's order).
//!
//! The import is all or nothing: the tree is changed only when every feature
//! reads and the resulting tree validates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use geojson::{Feature, GeoJson};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::geometry::{parse_area, parse_lines};
use crate::model::{GridKind, OrgKind, OrgTree, OrgUnit, StreetLine};

/// The largest layer accepted, in bytes.
pub const MAX_LAYER_BYTES: usize = 64 * 1024 * 1024;
/// The most features one layer may have.
pub const MAX_FEATURES: usize = 20_000;

/// Which of the two layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Grids,
    Streets,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Grids => "grids",
            Layer::Streets => "streets",
        })
    }
}

/// Why an import was refused; the tree is unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the {layer} layer is {size} bytes, more than {max}")]
    TooLarge { layer: Layer, size: usize, max: usize },
    #[error("the {layer} layer is not a GeoJSON FeatureCollection: {reason}")]
    NotFeatureCollection { layer: Layer, reason: String },
    #[error("the {layer} layer has {count} features, more than {max}")]
    TooManyFeatures { layer: Layer, count: usize, max: usize },
    #[error("{layer} feature {index} ({id}): {reason}")]
    Feature { layer: Layer, index: usize, id: String, reason: String },
    #[error("the tree after the import is not valid: {0}")]
    Invalid(String),
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportSummary {
    /// Grids that were new, by id.
    pub grids_added: Vec<String>,
    /// Known grids whose boundary was replaced.
    pub boundaries_replaced: Vec<String>,
    /// Grids whose streets were replaced.
    pub streets_replaced: Vec<String>,
    /// Street features read.
    pub street_lines: u32,
}

/// Applies the grids layer, then the streets layer (either may be absent)
/// to `tree`.
pub fn import_gis(
    tree: &mut OrgTree,
    grids: Option<&str>,
    streets: Option<&str>,
) -> Result<ImportSummary, ImportError> {
    let mut next = tree.clone();
    let mut summary = ImportSummary::default();
    if let Some(text) = grids {
        apply_grids(&mut next, &features(Layer::Grids, text)?, &mut summary)?;
    }
    if let Some(text) = streets {
        apply_streets(&mut next, &features(Layer::Streets, text)?, &mut summary)?;
    }
    next.validate().map_err(ImportError::Invalid)?;
    *tree = next;
    tracing::info!(
        added = summary.grids_added.len(),
        boundaries = summary.boundaries_replaced.len(),
        streets = summary.street_lines,
        "GIS layers imported"
    );
    Ok(summary)
}

fn features(layer: Layer, text: &str) -> Result<Vec<Feature>, ImportError> {
    if text.len() > MAX_LAYER_BYTES {
        return Err(ImportError::TooLarge { layer, size: text.len(), max: MAX_LAYER_BYTES });
    }
    let not_fc = |reason: String| ImportError::NotFeatureCollection { layer, reason };
    match text.parse::<GeoJson>().map_err(|e| not_fc(e.to_string()))? {
        GeoJson::FeatureCollection(fc) if fc.features.len() > MAX_FEATURES => {
            Err(ImportError::TooManyFeatures { layer, count: fc.features.len(), max: MAX_FEATURES })
        }
        GeoJson::FeatureCollection(fc) => Ok(fc.features),
        GeoJson::Feature(_) => Err(not_fc("it is a single Feature".into())),
        GeoJson::Geometry(_) => Err(not_fc("it is a bare Geometry".into())),
    }
}

/// One feature being read, for error messages.
struct Reading<'a> {
    layer: Layer,
    index: usize,
    feature: &'a Feature,
}

impl Reading<'_> {
    fn fail(&self, reason: impl Into<String>) -> ImportError {
        let id = ["id", "name"].iter().find_map(|k| self.text(k)).unwrap_or_else(|| "no id".into());
        ImportError::Feature { layer: self.layer, index: self.index, id, reason: reason.into() }
    }

    /// A property as text (strings, and numbers from numeric GIS fields);
    /// `id` falls back to the feature's own id.
    fn text(&self, key: &str) -> Option<String> {
        let property = self.feature.property(key).and_then(|v| match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if key != "id" {
            return property;
        }
        property.or_else(|| match &self.feature.id {
            Some(geojson::feature::Id::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    }

    fn required(&self, key: &str) -> Result<String, ImportError> {
        self.text(key).ok_or_else(|| self.fail(format!("property `{key}` is missing")))
    }

    fn geometry(&self) -> Result<serde_json::Value, ImportError> {
        let g = self.feature.geometry.as_ref().ok_or_else(|| self.fail("no geometry"))?;
        Ok(serde_json::Value::from(&g.value))
    }
}

fn apply_grids(tree: &mut OrgTree, features: &[Feature], summary: &mut ImportSummary) -> Result<(), ImportError> {
    let mut seen = BTreeSet::new();
    for (index, feature) in features.iter().enumerate() {
        let r = Reading { layer: Layer::Grids, index, feature };
        let id = r.required("id")?;
        if !seen.insert(id.clone()) {
            return Err(r.fail("the id appears twice in the layer"));
        }
        let boundary = r.geometry()?;
        parse_area(&boundary).map_err(|e| r.fail(e.to_string()))?;
        let parent = r.text("parent");
        if let Some(unit) = tree.units.iter_mut().find(|u| u.id == id) {
            if unit.kind != OrgKind::Grid {
                return Err(r.fail(format!("{id} is a {:?} unit, not a grid", unit.kind)));
            }
            if parent.is_some() && parent != unit.parent {
                return Err(r.fail("moving a grid to another parent is not done by the GIS import"));
            }
            unit.boundary = Some(boundary);
            summary.boundaries_replaced.push(id);
            continue;
        }
        let parent = parent.ok_or_else(|| r.fail("a new grid needs property `parent`"))?;
        match tree.unit(&parent).map(|p| p.kind) {
            Some(OrgKind::Street | OrgKind::Community | OrgKind::Village) => {}
            Some(kind) => return Err(r.fail(format!("parent {parent} is a {kind:?} unit"))),
            None => return Err(r.fail(format!("parent {parent} is not in the tree"))),
        }
        let grid_kind = match r.text("kind") {
            None => None,
            Some(k) => Some(
                serde_json::from_value::<GridKind>(serde_json::Value::String(k.clone()))
                    .map_err(|_| r.fail(format!("kind `{k}` is not urban, rural or dedicated")))?,
            ),
        };
        tree.units.push(OrgUnit {
            id: id.clone(),
            parent: Some(parent),
            kind: OrgKind::Grid,
            name: r.required("name")?,
            grid_kind,
            dedicated_to: None,
            streets: Vec::new(),
            boundary: Some(boundary),
            street_lines: Vec::new(),
        });
        summary.grids_added.push(id);
    }
    Ok(())
}

fn apply_streets(tree: &mut OrgTree, features: &[Feature], summary: &mut ImportSummary) -> Result<(), ImportError> {
    let mut by_grid: BTreeMap<String, Vec<StreetLine>> = BTreeMap::new();
    for (index, feature) in features.iter().enumerate() {
        let r = Reading { layer: Layer::Streets, index, feature };
        let name = r.required("name")?;
        let grid = r.required("grid")?;
        if tree.unit(&grid).is_none_or(|u| u.kind != OrgKind::Grid) {
            return Err(r.fail(format!("grid {grid} is not a grid of the tree")));
        }
        let geometry = r.geometry()?;
        parse_lines(&geometry).map_err(|e| r.fail(e.to_string()))?;
        by_grid.entry(grid).or_default().push(StreetLine { name, geometry });
        summary.street_lines += 1;
    }
    for (grid, lines) in by_grid {
        let Some(unit) = tree.units.iter_mut().find(|u| u.id == grid) else { continue };
        let names: Vec<String> = lines.iter().fold(Vec::new(), |mut acc, l| {
            if !acc.contains(&l.name) {
                acc.push(l.name.clone());
            }
            acc
        });
        let mut streets: Vec<String> = unit.streets.iter().filter(|s| names.contains(s)).cloned().collect();
        streets.extend(names.into_iter().filter(|n| !unit.streets.contains(n)));
        unit.streets = streets;
        unit.street_lines = lines;
        summary.streets_replaced.push(grid);
    }
    Ok(())
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
