//! Locates the shared real-photo fixtures (`../shared/fixtures/photos` next
//! to the checkout, or `$GRIDPATROL_FIXTURES`). Missing fixtures fail the
//! test loudly rather than skipping it.

use std::path::PathBuf;

pub fn photos_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GRIDPATROL_FIXTURES") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in here.ancestors() {
        let candidate = dir.join("shared/fixtures/photos");
        if candidate.is_dir() {
            return candidate;
        }
    }
    panic!("photo fixtures not found: set GRIDPATROL_FIXTURES or check out next to ../shared");
}

pub fn photo(name: &str) -> Vec<u8> {
    let path = photos_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
