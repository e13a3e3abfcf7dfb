//! Photos for the benchmarks: unique, photo-like JPEGs made once and kept
//! in a folder (`target/bench/photos` by default), so a second run, or a
//! second scenario of the same run, reads them instead of encoding 2,400
//! JPEGs again. Made on every core.

use std::path::{Path, PathBuf};

/// Bumped when [`synthetic_photo`] changes, so old files are not reused.
const VERSION: u32 = 1;

/// A unique, photo-like JPEG (gradient and texture, about 1.2 MP).
pub fn synthetic_photo(seed: u64) -> Vec<u8> {
    let (w, h) = (1280u32, 960u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let n = (x as u64).wrapping_mul(2654435761) ^ (y as u64).wrapping_mul(40503) ^ seed.wrapping_mul(0x9E37_79B9);
        let grain = (n >> 7 & 0x1F) as u8;
        image::Rgb([
            (x * 255 / w) as u8 / 2 + grain,
            (y * 255 / h) as u8 / 2 + grain,
            ((seed % 200) as u8).wrapping_add(grain),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

/// The folder photos are kept in: `GRIDPATROL_BENCH_PHOTOS`, else
/// `target/bench/photos` of the workspace.
pub fn default_dir() -> PathBuf {
    std::env::var_os("GRIDPATROL_BENCH_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench/photos"))
}

/// The photos of `seeds`, read from `dir` or made (and written there).
pub fn photos(dir: &Path, seeds: &[u64]) -> Vec<Vec<u8>> {
    std::fs::create_dir_all(dir).expect("photo folder");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let chunk = seeds.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = seeds
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|&seed| one(dir, seed)).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|p| p.join().expect("photo thread")).collect()
    })
}

fn one(dir: &Path, seed: u64) -> Vec<u8> {
    let path = dir.join(format!("v{VERSION}-{seed}.jpg"));
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes;
    }
    let bytes = synthetic_photo(seed);
    // Written beside and renamed, so a cut run leaves no half file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &bytes).expect("write photo");
    std::fs::rename(&tmp, &path).expect("rename photo");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_made_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let first = photos(dir.path(), &[1, 2, 3]);
        assert_eq!(first.len(), 3);
        assert_ne!(first[0], first[1], "each seed its own photo");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
        assert_eq!(photos(dir.path(), &[1, 2, 3]), first);
    }
}
