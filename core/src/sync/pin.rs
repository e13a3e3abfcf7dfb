//! Certificate fingerprints: how a device pins the server it first logged
//! in to (an office LAN server with a self-signed certificate), and how the
//! person compares it with what the server's operator reads out.

use sha2::{Digest, Sha256};

/// The SHA-256 of a DER certificate as `AB:CD:…` (32 pairs).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Normalises a fingerprint someone typed or pasted (any case, with or
/// without colons or spaces) to the form [`fingerprint`] returns.
pub fn normalise(s: &str) -> Option<String> {
    let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect::<String>().to_ascii_uppercase();
    let clean = s.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == ' ');
    if hex.len() != 64 || !clean {
        return None;
    }
    Some(hex.as_bytes().chunks(2).map(|p| std::str::from_utf8(p).expect("hex")).collect::<Vec<_>>().join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_compare_however_they_were_typed() {
        let f = fingerprint(b"certificate");
        assert_eq!(f.len(), 95);
        assert_eq!(normalise(&f.to_lowercase().replace(':', " ")).as_deref(), Some(f.as_str()));
        assert_eq!(normalise(&f.replace(':', "")).as_deref(), Some(f.as_str()));
        assert_eq!(normalise("AB:CD"), None);
        assert_eq!(normalise(&format!("{f}x")), None);
    }
}
