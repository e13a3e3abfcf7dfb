//! Tests of the GIS import, against the demo street office.

use serde_json::{Value, json};

use super::*;
use crate::geo::grid_streets;

fn tree() -> OrgTree {
    crate::demo::reference().org
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn square(lon: f64, lat: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]})
}

fn grid(props: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": geometry})
}

fn street(name: &str, grid: &str, coords: Value) -> Value {
    json!({"type": "Feature", "properties": {"name": name, "grid": grid}, "geometry": {"type": "LineString", "coordinates": coords}})
}

#[test]
fn a_new_grid_with_its_streets_is_added() {
    let mut t = tree();
    let grids = collection(vec![grid(
        json!({"id": "QS04-G03", "name": "桃园村第三网格", "parent": "QS04", "kind": "rural"}),
        square(120.1772, 30.264, 0.004),
    )]);
    let streets = collection(vec![
        street("桃园东路", "QS04-G03", json!([[120.1775, 30.265], [120.1808, 30.265]])),
        street("果林弄", "QS04-G03", json!([[120.178, 30.2645], [120.178, 30.2675]])),
        street("桃园东路", "QS04-G03", json!([[120.1775, 30.267], [120.1808, 30.267]])),
    ]);
    let summary = import_gis(&mut t, Some(&grids), Some(&streets)).unwrap();
    assert_eq!(summary.grids_added, ["QS04-G03"]);
    assert_eq!(summary.streets_replaced, ["QS04-G03"]);
    assert_eq!(summary.street_lines, 3);
    let g = t.unit("QS04-G03").unwrap();
    assert_eq!((g.kind, g.grid_kind, g.parent.as_deref()), (OrgKind::Grid, Some(GridKind::Rural), Some("QS04")));
    assert_eq!(g.streets, ["桃园东路", "果林弄"]);
    let streets = grid_streets(g).unwrap();
    assert_eq!(streets[0].lines.0.len(), 2);
    t.validate().unwrap();
}

#[test]
fn a_known_grid_gets_new_boundary_and_streets_keeping_their_order() {
    let mut t = tree();
    let before = t.unit("QS01-G03").unwrap().clone();
    assert_eq!(before.streets, ["杨柳巷", "桐荫弄", "槐树弄"]);
    let grids = collection(vec![grid(json!({"id": "QS01-G03"}), square(120.1676, 30.2718, 0.0032))]);
    let streets = collection(vec![
        street("新桥弄", "QS01-G03", json!([[120.1680, 30.2730], [120.1700, 30.2730]])),
        street("槐树弄", "QS01-G03", json!([[120.1680, 30.2740], [120.1700, 30.2740]])),
        street("杨柳巷", "QS01-G03", json!([[120.1680, 30.2760], [120.1700, 30.2760]])),
    ]);
    let summary = import_gis(&mut t, Some(&grids), Some(&streets)).unwrap();
    assert_eq!(summary.boundaries_replaced, ["QS01-G03"]);
    let after = t.unit("QS01-G03").unwrap();
    assert_eq!(after.streets, ["杨柳巷", "槐树弄", "新桥弄"], "桐荫弄 is gone, the known ones keep their order");
    assert_eq!(after.street_lines.len(), 3);
    assert_eq!(after.name, before.name);
    assert_eq!(after.boundary, Some(square(120.1676, 30.2718, 0.0032)));
    // Other grids are untouched.
    assert_eq!(t.unit("QS01-G01"), tree().unit("QS01-G01"));
}

#[test]
fn numeric_ids_and_feature_ids_are_accepted() {
    let mut t = tree();
    let mut f = grid(json!({"name": "新网格", "parent": "QS03"}), square(120.16, 30.26, 0.001));
    f["id"] = json!("QS03-G09");
    let grids = collection(vec![f]);
    let streets = collection(vec![json!({"type": "Feature", "properties": {"name": "一号路", "grid": "QS03-G09"},
        "geometry": {"type": "MultiLineString", "coordinates": [[[120.1602, 30.2602], [120.1608, 30.2602]]]}})]);
    import_gis(&mut t, Some(&grids), Some(&streets)).unwrap();
    assert!(t.unit("QS03-G09").is_some());
    let mut t = tree();
    let grids = collection(vec![grid(json!({"id": 7, "name": "七", "parent": "QS03"}), square(120.16, 30.26, 0.001))]);
    let streets = collection(vec![street("七号路", "7", json!([[120.1602, 30.2602], [120.1608, 30.2602]]))]);
    import_gis(&mut t, Some(&grids), Some(&streets)).unwrap();
    assert_eq!(t.unit("7").unwrap().streets, ["七号路"]);
}

fn refused(grids: Option<String>, streets: Option<String>) -> ImportError {
    let mut t = tree();
    let err = import_gis(&mut t, grids.as_deref(), streets.as_deref()).unwrap_err();
    assert_eq!(t, tree(), "a refused import changes nothing");
    err
}

fn reason(e: ImportError) -> String {
    match e {
        ImportError::Feature { reason, .. } => reason,
        other => panic!("not a feature error: {other}"),
    }
}

#[test]
fn bad_layers_are_refused_with_a_clear_reason() {
    let ok_square = square(120.16, 30.26, 0.001);
    let new = |props: Value| Some(collection(vec![grid(props, ok_square.clone())]));
    assert!(
        reason(refused(new(json!({"id": "X", "name": "X", "parent": "NOPE"})), None))
            .contains("NOPE is not in the tree")
    );
    assert!(
        reason(refused(new(json!({"id": "X", "name": "X", "parent": "QS01-G01"})), None)).contains("is a Grid unit")
    );
    assert!(reason(refused(new(json!({"id": "X", "name": "X"})), None)).contains("needs property `parent`"));
    assert!(reason(refused(new(json!({"id": "X", "parent": "QS01"})), None)).contains("`name` is missing"));
    assert!(
        reason(refused(new(json!({"id": "X", "name": "X", "parent": "QS01", "kind": "suburban"})), None))
            .contains("suburban")
    );
    assert!(reason(refused(new(json!({"id": "QS01", "parent": "QS"})), None)).contains("not a grid"));
    assert!(reason(refused(new(json!({"id": "QS01-G01", "parent": "QS02"})), None)).contains("another parent"));
    let point = json!({"type": "Point", "coordinates": [120.16, 30.26]});
    let e = refused(Some(collection(vec![grid(json!({"id": "QS01-G01"}), point)])), None);
    assert_eq!(e.to_string(), "grids feature 0 (QS01-G01): expected Polygon or MultiPolygon, found Point");
    let twice = Some(collection(vec![
        grid(json!({"id": "QS01-G01"}), ok_square.clone()),
        grid(json!({"id": "QS01-G01"}), ok_square.clone()),
    ]));
    assert!(reason(refused(twice, None)).contains("twice"));
    // A new grid that gets no streets leaves an invalid tree.
    let e = refused(new(json!({"id": "X", "name": "X", "parent": "QS01"})), None);
    assert_eq!(e, ImportError::Invalid("grid X has no streets".into()));

    let line = json!([[120.16, 30.27], [120.161, 30.27]]);
    let e = refused(None, Some(collection(vec![street("某路", "QS99", line.clone())])));
    assert!(reason(e).contains("QS99 is not a grid"));
    let e = refused(None, Some(collection(vec![street("", "QS01-G01", line.clone())])));
    assert!(reason(e).contains("`name` is missing"));
    let e = refused(None, Some(collection(vec![street("短路", "QS01-G01", json!([[120.16, 30.27]]))])));
    assert!(reason(e).contains("two positions"));
}

#[test]
fn what_is_not_a_feature_collection_is_refused() {
    for (text, says) in [
        ("not json".to_string(), "not a GeoJSON FeatureCollection"),
        (json!({"type": "Point", "coordinates": [1.0, 2.0]}).to_string(), "bare Geometry"),
        (json!({"type": "Feature", "properties": {}, "geometry": null}).to_string(), "single Feature"),
    ] {
        let e = refused(Some(text), None);
        assert!(e.to_string().contains(says), "{e}");
    }
    let huge = " ".repeat(MAX_LAYER_BYTES + 1);
    assert!(matches!(refused(None, Some(huge)), ImportError::TooLarge { layer: Layer::Streets, .. }));
    let many: Vec<Value> =
        (0..=MAX_FEATURES).map(|_| json!({"type": "Feature", "properties": {}, "geometry": null})).collect();
    assert!(matches!(refused(Some(collection(many)), None), ImportError::TooManyFeatures { .. }));
}
