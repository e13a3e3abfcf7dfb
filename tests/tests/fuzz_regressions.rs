//! Replays every input in `fuzz/regressions/` (and a seed corpus of real
//! photos and documents) through the fuzz targets' bodies: once a crash is
//! found and fixed, it stays fixed.

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod bodies;

use std::path::PathBuf;

#[test]
fn every_regression_input_passes_its_target() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut ran = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        match name.split('-').next().unwrap() {
            "wire_decode" => bodies::wire_decode(&data),
            "doc_ingest" => bodies::doc_ingest(&data),
            "photo_ingest" => bodies::photo_ingest(&data),
            _ => continue,
        }
        ran += 1;
    }
    // Real inputs go through each body too.
    for (_, photo) in gridpatrol_tests::fixtures::jpegs() {
        bodies::photo_ingest(&photo);
        bodies::photo_ingest(&photo[..photo.len() / 3]);
        ran += 2;
    }
    println!("{ran} inputs replayed");
}
