//! A cursor over untrusted bytes: LEB128 integers and length-prefixed
//! slices, every read checked against what is left.

use super::UntrustedError;

/// Reads Automerge's binary encodings from a byte slice.
#[derive(Debug, Clone)]
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    pub(super) fn position(&self) -> usize {
        self.at
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: u64) -> Result<&'a [u8], UntrustedError> {
        if n > self.remaining() as u64 {
            return Err(UntrustedError::malformed("a length runs past the end of its input"));
        }
        let start = self.at;
        self.at += n as usize;
        Ok(&self.bytes[start..self.at])
    }

    pub(super) fn byte(&mut self) -> Result<u8, UntrustedError> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 integer (at most 64 bits).
    pub(super) fn uleb(&mut self) -> Result<u64, UntrustedError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(UntrustedError::malformed("an integer overflows 64 bits"));
            }
            value |= part << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(UntrustedError::malformed("an integer overflows 64 bits"))
    }

    /// A signed LEB128 integer (at most 64 bits).
    pub(super) fn sleb(&mut self) -> Result<i64, UntrustedError> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return Err(UntrustedError::malformed("an integer overflows 64 bits"));
            }
            value |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// A count that must not exceed `max` (so no caller allocates for it).
    pub(super) fn count(&mut self, max: u64, what: &str) -> Result<u64, UntrustedError> {
        let n = self.uleb()?;
        if n > max {
            return Err(UntrustedError::TooLarge(format!("{n} {what} (at most {max})")));
        }
        Ok(n)
    }

    /// A LEB128-length-prefixed byte string.
    pub(super) fn prefixed(&mut self) -> Result<&'a [u8], UntrustedError> {
        let n = self.uleb()?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_and_overflow_is_an_error() {
        let mut r = Reader::new(&[0xe5, 0x8e, 0x26, 0x7f, 0x80, 0x7f]);
        assert_eq!(r.uleb().unwrap(), 624_485);
        assert_eq!(r.sleb().unwrap(), -1);
        assert_eq!(r.sleb().unwrap(), -128);
        assert!(r.is_empty());
        assert!(Reader::new(&[0xff; 11]).uleb().is_err());
        assert!(Reader::new(&[0xff; 11]).sleb().is_err());
        assert!(Reader::new(&[0x80]).uleb().is_err());
        let mut r = Reader::new(&[0x05, 1, 2]);
        assert!(r.prefixed().is_err());
    }
}
