//! Recognising a file's format from its first bytes, so that unsupported
//! formats get an error that names them.

/// What a file is, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    /// Recognised but not supported; the name is shown to the user.
    Unsupported(&'static str),
    Unknown,
}

/// Recognises a file's format from its first bytes.
pub fn sniff(bytes: &[u8]) -> SourceFormat {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return SourceFormat::Jpeg;
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return SourceFormat::Png;
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        return SourceFormat::Unsupported(match brand {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" => "HEIC",
            b"mif1" | b"msf1" => "HEIF",
            b"avif" | b"avis" => "AVIF",
            b"qt  " => "QuickTime video",
            _ => "MP4/ISO media",
        });
    }
    if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return SourceFormat::Unsupported("WebP");
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return SourceFormat::Unsupported("GIF");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return SourceFormat::Unsupported("TIFF/RAW");
    }
    if starts(b"BM") {
        return SourceFormat::Unsupported("BMP");
    }
    if starts(b"%PDF") {
        return SourceFormat::Unsupported("PDF");
    }
    SourceFormat::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_formats() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), SourceFormat::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), SourceFormat::Png);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), SourceFormat::Unsupported("HEIC"));
        assert_eq!(sniff(b"\0\0\0\x18ftypavif\0\0\0\0"), SourceFormat::Unsupported("AVIF"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), SourceFormat::Unsupported("WebP"));
        assert_eq!(sniff(b"GIF89a"), SourceFormat::Unsupported("GIF"));
        assert_eq!(sniff(b"hello"), SourceFormat::Unknown);
        assert_eq!(sniff(b""), SourceFormat::Unknown);
    }
}
