//! What we keep from EXIF: capture time and GPS position. Everything else
//! (maker notes, serial numbers, thumbnails) is dropped with the EXIF block.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use exif::{Exif, In, Reader, Tag, Value};

use crate::time::{Millis, china};

/// Metadata read from a photo's EXIF.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoMetadata {
    /// When it was taken: the GPS time (UTC) when present, else the camera's
    /// `DateTimeOriginal` with its offset, or China time if it has none.
    pub captured_at: Option<Millis>,
    /// WGS-84 latitude, degrees north.
    pub gps_lat: Option<f64>,
    /// WGS-84 longitude, degrees east.
    pub gps_lon: Option<f64>,
}

/// Reads the metadata. A missing EXIF block is `Ok(default)`; a malformed
/// one is an error the caller reports as a warning (the pixels may be fine).
pub fn read(bytes: &[u8]) -> Result<PhotoMetadata, String> {
    let exif = match Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(exif::Error::NotFound(_)) => return Ok(PhotoMetadata::default()),
        Err(e) => return Err(e.to_string()),
    };
    let (gps_lat, gps_lon) = match (
        coord(&exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        coord(&exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
    ) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (lat, lon) != (0.0, 0.0) =>
        {
            (Some(lat), Some(lon))
        }
        _ => (None, None),
    };
    let captured_at = gps_time(&exif).or_else(|| camera_time(&exif));
    Ok(PhotoMetadata { captured_at, gps_lat, gps_lon })
}

fn rationals(exif: &Exif, tag: Tag) -> Option<Vec<f64>> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Rational(v) if !v.is_empty() => {
            Some(v.iter().map(|r| if r.denom == 0 { f64::NAN } else { r.to_f64() }).collect())
        }
        // Some phones (the Nokia 8.3) write signed rationals.
        Value::SRational(v) if !v.is_empty() => {
            Some(v.iter().map(|r| if r.denom == 0 { f64::NAN } else { r.to_f64() }).collect())
        }
        _ => None,
    }
}

fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(v) => v.first().map(|s| String::from_utf8_lossy(s).trim().to_owned()),
        _ => None,
    }
}

fn coord(exif: &Exif, tag: Tag, ref_tag: Tag, negative: u8) -> Option<f64> {
    let v = rationals(exif, tag)?;
    let deg = v.first().copied()? + v.get(1).copied().unwrap_or(0.0) / 60.0 + v.get(2).copied().unwrap_or(0.0) / 3600.0;
    if !deg.is_finite() {
        return None;
    }
    let sign = match ascii(exif, ref_tag) {
        Some(r) if r.as_bytes().first() == Some(&negative) => -1.0,
        _ => 1.0,
    };
    Some(sign * deg)
}

fn gps_time(exif: &Exif) -> Option<Millis> {
    let date = NaiveDate::parse_from_str(&ascii(exif, Tag::GPSDateStamp)?, "%Y:%m:%d").ok()?;
    let t = rationals(exif, Tag::GPSTimeStamp)?;
    let secs = t.first()? * 3600.0 + t.get(1).copied().unwrap_or(0.0) * 60.0 + t.get(2).copied().unwrap_or(0.0);
    if !(0.0..86_400.0).contains(&secs) {
        return None;
    }
    let midnight = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(midnight + (secs * 1000.0) as i64)
}

fn camera_time(exif: &Exif) -> Option<Millis> {
    let text = ascii(exif, Tag::DateTimeOriginal).or_else(|| ascii(exif, Tag::DateTime))?;
    let local = NaiveDateTime::parse_from_str(&text, "%Y:%m:%d %H:%M:%S").ok()?;
    let offset = ascii(exif, Tag::OffsetTimeOriginal)
        .and_then(|o| chrono::DateTime::parse_from_str(&format!("2000-01-01T00:00:00{o}"), "%Y-%m-%dT%H:%M:%S%:z").ok())
        .map(|d| *d.offset())
        .unwrap_or_else(china);
    offset.from_local_datetime(&local).single().map(|d| d.timestamp_millis())
}
