//! The real photos in `../shared/fixtures/photos` (or `$GRIDPATROL_FIXTURES`).

use std::path::PathBuf;

/// The folder of real camera and phone photos.
pub fn photos_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GRIDPATROL_FIXTURES") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|d| d.join("shared/fixtures/photos"))
        .find(|c| c.is_dir())
        .expect("photo fixtures not found: set GRIDPATROL_FIXTURES or check out next to ../shared")
}

/// One fixture photo's bytes.
pub fn photo(name: &str) -> Vec<u8> {
    let path = photos_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The decodable JPEG fixtures, in a stable order (for "a real photo per case").
pub fn jpegs() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(photos_dir())
        .expect("fixtures readable")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), photo(&n))).collect()
}
