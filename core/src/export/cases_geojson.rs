//! Cases as a GeoJSON FeatureCollection (RFC 7946: WGS-84 longitude,
//! latitude). A case without coordinates is a feature with a null geometry.

use serde_json::{Value, json};

use super::ExportError;
use super::records::{CaseRecord, status_label};
use crate::time::to_china;

/// The records as GeoJSON bytes.
pub fn cases_geojson(records: &[CaseRecord]) -> Result<Vec<u8>, ExportError> {
    let features: Vec<Value> = records.iter().map(feature).collect();
    let collection = json!({ "type": "FeatureCollection", "features": features });
    Ok(serde_json::to_vec_pretty(&collection)?)
}

fn feature(r: &CaseRecord) -> Value {
    let geometry = match (r.lat, r.lon) {
        (Some(lat), Some(lon)) => json!({ "type": "Point", "coordinates": [lon, lat] }),
        _ => Value::Null,
    };
    json!({
        "type": "Feature",
        "id": r.id,
        "geometry": geometry,
        "properties": {
            "id": r.id,
            "title": r.title,
            "category": r.category,
            "category_name": r.category_name,
            "status": r.status.as_str(),
            "status_label": status_label(r.status),
            "grid": r.grid,
            "grid_name": r.grid_name,
            "address": r.address,
            "created_at": to_china(r.created_at).to_rfc3339(),
            "closed_at": r.closed_at.map(|t| to_china(t).to_rfc3339()),
        }
    })
}
