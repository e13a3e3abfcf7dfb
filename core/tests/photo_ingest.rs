//! Photo ingest on real camera and phone photos.

mod common;
use common as fixtures;

use gridpatrol_core::photo::{IngestLimits, PhotoError, ingest};
use image::RgbImage;

fn decode(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8()
}

/// Mean absolute difference per channel, 0–255.
fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Compares at 1/8 scale so that JPEG noise averages out.
fn coarse(img: &RgbImage) -> RgbImage {
    image::imageops::resize(img, img.width() / 8, img.height() / 8, image::imageops::FilterType::Triangle)
}

#[test]
fn all_eight_orientations_come_out_upright_and_alike() {
    let limits = IngestLimits::default();
    let outs: Vec<RgbImage> = (1..=8)
        .map(|n| {
            let photo = ingest(&fixtures::photo(&format!("orientation_landscape_{n}.jpg")), &limits).unwrap();
            assert_eq!((photo.width, photo.height), (600, 450), "orientation {n}");
            coarse(&decode(&photo.jpeg))
        })
        .collect();
    // Any wrong rotation or mirror of the scene is far from the upright one.
    let reference = &outs[1];
    let wrong = [
        image::imageops::flip_horizontal(reference),
        image::imageops::flip_vertical(reference),
        image::imageops::rotate180(reference),
    ];
    let nearest_wrong = wrong.iter().map(|w| mean_abs_diff(reference, w)).fold(f64::MAX, f64::min);
    assert!(nearest_wrong > 30.0, "the scene is too symmetric to test with ({nearest_wrong:.1})");
    for (i, a) in outs.iter().enumerate() {
        for (j, b) in outs.iter().enumerate() {
            let diff = mean_abs_diff(a, b);
            assert!(
                diff < nearest_wrong / 2.0,
                "orientation {} vs {}: {diff:.1} (a wrong turn is {nearest_wrong:.1})",
                i + 1,
                j + 1
            );
        }
    }
}

fn dms(d: f64, m: f64, s: f64) -> f64 {
    d + m / 60.0 + s / 3600.0
}

#[test]
fn gps_matches_the_exif_of_the_gps_files() {
    let cases = [
        ("gps_DSCN0010.jpg", dms(43.0, 28.0, 1407.0 / 500.0), dms(11.0, 53.0, 645_599_999.0 / 1e8)),
        ("gps_DSCN0021.jpg", dms(43.0, 28.0, 149_399_999.0 / 1e8), dms(11.0, 53.0, 433_799_999.0 / 1e8)),
        ("gps_DSCN0042.jpg", dms(43.0, 27.0, 26019.0 / 500.0), dms(11.0, 52.0, 26661.0 / 500.0)),
        ("mobile_HMD_Nokia_8.3_5G.jpg", dms(60.0, 8.0, 2407.0 / 50.0), dms(24.0, 54.0, 1219.0 / 50.0)),
    ];
    for (name, lat, lon) in cases {
        let p = ingest(&fixtures::photo(name), &IngestLimits::default()).unwrap();
        let (glat, glon) = (p.metadata.gps_lat.unwrap(), p.metadata.gps_lon.unwrap());
        assert!((glat - lat).abs() < 1e-7 && (glon - lon).abs() < 1e-7, "{name}: {glat},{glon} vs {lat},{lon}");
    }
    // The Nokia's GPS clock says 2022-08-14 11:12:32 UTC.
    let p = ingest(&fixtures::photo("mobile_HMD_Nokia_8.3_5G.jpg"), &IngestLimits::default()).unwrap();
    let want = chrono::DateTime::parse_from_rfc3339("2022-08-14T11:12:32Z").unwrap().timestamp_millis();
    assert_eq!(p.metadata.captured_at, Some(want));
    // Without GPS time: the camera's DateTimeOriginal, read as China time.
    let p = ingest(&fixtures::photo("tests_35-empty.jpg"), &IngestLimits::default()).unwrap();
    let want = chrono::DateTime::parse_from_rfc3339("2005-07-19T18:25:29+08:00").unwrap().timestamp_millis();
    assert_eq!(p.metadata.captured_at, Some(want));
    assert_eq!(p.metadata.gps_lat, None);
}

#[test]
fn stored_photos_are_bounded_stripped_and_hashed() {
    let original = fixtures::photo("mobile_HMD_Nokia_8.3_5G.jpg");
    let p = ingest(&original, &IngestLimits::default()).unwrap();
    assert_eq!(p.width.max(p.height), 2048);
    assert_eq!((p.width, p.height), (2048, 878)); // 4608×1976 scaled
    let thumb = decode(&p.thumb);
    assert_eq!(thumb.width().max(thumb.height()), 320);
    // No EXIF survives: no APP1 "Exif" segment, no GPS block to read back.
    assert!(!p.jpeg.windows(6).any(|w| w == b"Exif\0\0"));
    let again = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&p.jpeg));
    assert!(again.is_err(), "stored photo still has EXIF");
    use sha2::Digest;
    assert_eq!(p.original_sha256, hex::encode(sha2::Sha256::digest(&original)));
    assert_eq!(p.sha256, hex::encode(sha2::Sha256::digest(&p.jpeg)));
    assert_eq!(p.thumb_sha256, hex::encode(sha2::Sha256::digest(&p.thumb)));
    // Deterministic: the same file gives the same stored bytes.
    assert_eq!(ingest(&original, &IngestLimits::default()).unwrap().sha256, p.sha256);
}

#[test]
fn every_fixture_ingests_or_fails_cleanly() {
    let mut names: Vec<_> = std::fs::read_dir(fixtures::photos_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    assert!(names.len() >= 17);
    for name in names {
        match ingest(&fixtures::photo(&name), &IngestLimits::default()) {
            Ok(p) => assert!(p.width > 0 && p.width.max(p.height) <= 2048, "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[test]
fn a_photo_with_a_broken_metadata_block_still_ingests() {
    // Its APP1 segment holds XMP where EXIF readers look for EXIF.
    let p = ingest(&fixtures::photo("invalid_image01088.jpg"), &IngestLimits::default()).unwrap();
    assert_eq!((p.width, p.height), (425, 120));
    assert_eq!(p.metadata.gps_lat, None);
}

#[test]
fn a_malformed_exif_block_is_a_warning_not_fatal() {
    // A real photo whose EXIF IFD count is overwritten with garbage.
    let mut bytes = fixtures::photo("gps_DSCN0010.jpg");
    let at = bytes.windows(6).position(|w| w == b"Exif\0\0").unwrap() + 6;
    // TIFF header (8 bytes), then IFD0's entry count: claim 0xFFFF entries.
    bytes[at + 8] = 0xFF;
    bytes[at + 9] = 0xFF;
    let p = ingest(&bytes, &IngestLimits::default()).unwrap();
    assert_eq!((p.width, p.height), (640, 480));
    assert!(p.warnings.iter().any(|w| w.contains("EXIF")), "{:?}", p.warnings);
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let limits = IngestLimits::default();
    for name in ["gps_DSCN0010.jpg", "mobile_HMD_Nokia_8.3_5G.jpg", "orientation_landscape_6.jpg", "Canon_40D.jpg"] {
        let bytes = fixtures::photo(name);
        // Cut at many points: header only, mid-scan, just before the end.
        for cut in [3, 20, 200, 2_000, bytes.len() / 3, bytes.len() / 2] {
            if let Err(e) = ingest(&bytes[..cut], &limits) {
                assert!(matches!(e, PhotoError::Corrupt(_) | PhotoError::UnknownFormat), "{name} cut at {cut}: {e}");
            }
        }
        // Flip bytes in the entropy-coded data.
        let mut garbled = bytes.clone();
        for i in (bytes.len() / 2..bytes.len() - 2).step_by(97) {
            garbled[i] ^= 0x5A;
        }
        let _ = ingest(&garbled, &limits);
    }
    // A header-only JPEG cannot be decoded.
    let bytes = fixtures::photo("gps_DSCN0010.jpg");
    assert!(matches!(ingest(&bytes[..200], &limits), Err(PhotoError::Corrupt(_))));
}

#[test]
fn limits_and_unsupported_formats_are_clear_errors() {
    let bytes = fixtures::photo("mobile_HMD_Nokia_8.3_5G.jpg");
    let small = IngestLimits { max_input_bytes: 1 << 20, ..IngestLimits::default() };
    assert_eq!(ingest(&bytes, &small).unwrap_err(), PhotoError::TooLarge { size: bytes.len(), limit: 1 << 20 });
    let few = IngestLimits { max_pixels: 1_000_000, ..IngestLimits::default() };
    assert_eq!(
        ingest(&bytes, &few).unwrap_err(),
        PhotoError::TooManyPixels { width: 4608, height: 1976, limit: 1_000_000 }
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = ingest(heic, &IngestLimits::default()).unwrap_err();
    assert_eq!(err, PhotoError::UnsupportedFormat("HEIC"));
    assert!(err.to_string().contains("HEIC"));
    assert_eq!(ingest(b"", &IngestLimits::default()).unwrap_err(), PhotoError::Empty);
    assert_eq!(ingest(b"<html>", &IngestLimits::default()).unwrap_err(), PhotoError::UnknownFormat);
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    // A valid PNG header claiming 100,000 × 100,000 pixels.
    let mut png = Vec::new();
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&ihdr);
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    let err = ingest(&png, &IngestLimits::default()).unwrap_err();
    assert!(matches!(err, PhotoError::TooManyPixels { width: 100_000, .. } | PhotoError::Corrupt(_)), "{err}");
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn png_with_alpha_is_flattened() {
    let img = image::RgbaImage::from_fn(64, 48, |x, _| image::Rgba([200, 10, 10, if x < 32 { 0 } else { 255 }]));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let p = ingest(&png, &IngestLimits::default()).unwrap();
    let out = decode(&p.jpeg);
    assert!(out.get_pixel(5, 5).0.iter().all(|c| *c > 230), "transparent became {:?}", out.get_pixel(5, 5));
    assert!(out.get_pixel(60, 5).0[0] > 170);
}
