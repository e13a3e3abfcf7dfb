//! The app's Tauri configuration: what the shell promises the UI and the
//! platforms. (Also makes `cargo test` build the app binary that the
//! end-to-end suite drives, with the same features as the other tests.)

use serde_json::Value;

fn config() -> Value {
    serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json is JSON")
}

#[test]
fn serves_the_built_ui_and_photos_under_a_strict_policy() {
    let c = config();
    assert_eq!(c["build"]["frontendDist"], "../ui/dist");
    assert_eq!(c["identifier"], "cn.gridpatrol.app");
    let csp = c["app"]["security"]["csp"].as_str().unwrap();
    assert!(csp.contains("img-src 'self' photo: http://photo.localhost"), "photos load through the photo: scheme");
    assert!(!csp.contains("unsafe-eval"));
    let window = &c["app"]["windows"][0];
    assert_eq!(window["title"], "网格巡查");
    assert!(window["width"].as_u64().unwrap() <= 430, "opens at phone width");
    let targets: Vec<&str> = c["bundle"]["targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(targets, ["deb", "rpm"]);
}

#[test]
fn the_main_window_may_use_core_ipc_only() {
    let cap: Value = serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(cap["permissions"], serde_json::json!(["core:default"]));
    let platforms = cap["platforms"].as_array().unwrap();
    assert!(platforms.iter().any(|p| p == "android") && platforms.iter().any(|p| p == "iOS"), "mobile-ready");
}

#[test]
fn the_map_may_start_its_worker_and_read_tiles() {
    let c = config();
    let csp = c["app"]["security"]["csp"].as_str().unwrap();
    let directive = |name: &str| {
        csp.split(';').map(str::trim).find(|d| d.starts_with(name)).unwrap_or_else(|| panic!("no {name}")).to_owned()
    };
    assert_eq!(directive("worker-src"), "worker-src 'self' blob:", "MapLibre's module worker");
    for d in ["connect-src", "img-src"] {
        let d = directive(d);
        for source in ["tiles:", "http://tiles.localhost", "https://*.tianditu.gov.cn"] {
            assert!(d.split(' ').any(|s| s == source), "{d} lacks {source}");
        }
    }
}
