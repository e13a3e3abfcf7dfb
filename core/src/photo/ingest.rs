//! The ingest pipeline: sniff → limits → EXIF metadata → bounded decode →
//! orientation → resize → JPEG encode → thumbnail → hashes.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use sha2::{Digest, Sha256};

use super::format::{SourceFormat, sniff};
use super::metadata::{self, PhotoMetadata};

/// Bounds on what ingest accepts and produces.
#[derive(Debug, Clone, Copy)]
pub struct IngestLimits {
    /// Largest input file accepted.
    pub max_input_bytes: usize,
    /// Largest decoded image accepted (width × height).
    pub max_pixels: u64,
    /// Longest edge of the stored photo.
    pub max_edge: u32,
    /// Longest edge of the thumbnail.
    pub thumb_edge: u32,
    /// JPEG quality of the stored photo (1–100).
    pub quality: u8,
    /// JPEG quality of the thumbnail.
    pub thumb_quality: u8,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_input_bytes: 40 << 20,
            max_pixels: 64_000_000,
            max_edge: 2048,
            thumb_edge: 320,
            quality: 85,
            thumb_quality: 70,
        }
    }
}

/// Why a photo was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "{0} photos are not supported; please use JPEG or PNG (on iPhone: Settings › Camera › Formats › Most Compatible)"
    )]
    UnsupportedFormat(&'static str),
    #[error("not an image file (neither JPEG nor PNG)")]
    UnknownFormat,
    #[error("the image is {width}×{height} pixels; the limit is {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image cannot be decoded: {0}")]
    Corrupt(String),
    #[error("cannot encode the photo: {0}")]
    Encode(String),
}

/// A photo ready to store: the bytes to keep and what to put in the case.
#[derive(Debug, Clone)]
pub struct IngestedPhoto {
    /// The stored JPEG: upright, long edge ≤ the limit, no EXIF.
    pub jpeg: Vec<u8>,
    /// SHA-256 (hex) of `jpeg`.
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// The thumbnail JPEG.
    pub thumb: Vec<u8>,
    /// SHA-256 (hex) of `thumb`.
    pub thumb_sha256: String,
    /// SHA-256 (hex) of the original file.
    pub original_sha256: String,
    pub metadata: PhotoMetadata,
    /// Problems that did not stop ingest (a malformed EXIF block).
    pub warnings: Vec<String>,
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Ingests a photo file.
pub fn ingest(bytes: &[u8], limits: &IngestLimits) -> Result<IngestedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(PhotoError::TooLarge { size: bytes.len(), limit: limits.max_input_bytes });
    }
    let format = match sniff(bytes) {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::Unsupported(name) => return Err(PhotoError::UnsupportedFormat(name)),
        SourceFormat::Unknown => return Err(PhotoError::UnknownFormat),
    };
    let mut warnings = Vec::new();
    let metadata = catch_unwind(|| metadata::read(bytes))
        .unwrap_or_else(|_| Err("EXIF reader crashed".into()))
        .unwrap_or_else(|e| {
            warnings.push(format!("EXIF ignored: {e}"));
            PhotoMetadata::default()
        });

    let upright = catch_unwind(AssertUnwindSafe(|| decode_upright(bytes, format, limits)))
        .map_err(|_| PhotoError::Corrupt("the decoder failed on this file".into()))??;
    let stored = scaled_within(&upright, limits.max_edge)?.unwrap_or(upright);
    let jpeg = encode_jpeg(&stored, limits.quality)?;
    let small = scaled_within(&stored, limits.thumb_edge)?;
    let thumb = encode_jpeg(small.as_ref().unwrap_or(&stored), limits.thumb_quality)?;
    Ok(IngestedPhoto {
        sha256: sha256_hex(&jpeg),
        width: stored.width(),
        height: stored.height(),
        thumb_sha256: sha256_hex(&thumb),
        thumb,
        jpeg,
        original_sha256: sha256_hex(bytes),
        metadata,
        warnings,
    })
}

/// Decodes within the pixel and allocation limits and applies the EXIF
/// orientation. Alpha is flattened onto white.
fn decode_upright(bytes: &[u8], format: ImageFormat, limits: &IngestLimits) -> Result<RgbImage, PhotoError> {
    let corrupt = |e: image::ImageError| PhotoError::Corrupt(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    l.max_alloc = Some(limits.max_pixels.saturating_mul(4) + (64 << 20));
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels || width == 0 || height == 0 {
        return Err(PhotoError::TooManyPixels { width, height, limit: limits.max_pixels });
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    img.apply_orientation(orientation);
    Ok(match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other if other.color().has_alpha() => flatten_on_white(other),
        other => other.to_rgb8(),
    })
}

fn flatten_on_white(img: DynamicImage) -> RgbImage {
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let mix = |c: u8| ((u16::from(c) * a + 255 * (255 - a)) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

/// A copy scaled down so its long edge is `edge`, or `None` if it already fits.
fn scaled_within(img: &RgbImage, edge: u32) -> Result<Option<RgbImage>, PhotoError> {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= edge {
        return Ok(None);
    }
    let scale = f64::from(edge) / f64::from(long);
    let (nw, nh) = (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1));
    let mut dst = RgbImage::new(nw, nh);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new().resize(img, &mut dst, &options).map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(Some(dst))
}

fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}
