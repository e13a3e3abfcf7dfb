//! A finished upload is checked as an image before anyone can download it:
//! JPEG (what the devices' ingest writes) with dimensions, read from the
//! header only, within the devices' ingest limits.

use gridpatrol_core::codes::ErrorCode;

use crate::error::{ServerError, refuse};

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
}

/// Checks `bytes` as a JPEG no larger than `max_edge` on either side.
pub fn check(bytes: &[u8], max_edge: u32) -> Result<ImageInfo, ServerError> {
    let bad = |why: String| refuse(ErrorCode::InvalidImage, why);
    let reader =
        image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().map_err(|e| bad(e.to_string()))?;
    if reader.format() != Some(image::ImageFormat::Jpeg) {
        return Err(bad(format!("photos are JPEG, this is {:?}", reader.format())));
    }
    let (width, height) = reader.into_dimensions().map_err(|e| bad(format!("unreadable JPEG header: {e}")))?;
    if width == 0 || height == 0 || width > max_edge || height > max_edge {
        return Err(bad(format!("{width}×{height} is outside the photo limits (≤ {max_edge} px)")));
    }
    Ok(ImageInfo { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
        out
    }

    #[test]
    fn jpegs_within_limits_pass_and_anything_else_is_refused() {
        assert_eq!(check(&jpeg(64, 48), 2048).unwrap(), ImageInfo { width: 64, height: 48 });
        assert_eq!(check(&jpeg(300, 10), 256).unwrap_err().code, ErrorCode::InvalidImage);
        assert_eq!(check(b"not an image at all", 2048).unwrap_err().code, ErrorCode::InvalidImage);
        let mut png = Vec::new();
        image::RgbImage::new(4, 4).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert_eq!(check(&png, 2048).unwrap_err().code, ErrorCode::InvalidImage);
        let mut truncated = jpeg(64, 48);
        truncated.truncate(20);
        assert!(check(&truncated, 2048).is_err());
    }
}
