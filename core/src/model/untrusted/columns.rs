//! Automerge's column encodings, read only far enough to know how many rows
//! a column holds and how large it inflates, so that a few bytes claiming a
//! billion operations (a run-length bomb) or a deflate bomb are refused
//! before Automerge expands them.

use std::io::Read;

use super::reader::Reader;
use super::{Budget, UntrustedError};

/// The deflate bit of a column specification.
const DEFLATE: u32 = 0b1000;
/// More columns than Automerge has ever defined is hostile.
const MAX_COLUMNS: u64 = 128;

/// One column: its specification and its bytes (still compressed if the
/// deflate bit is set).
#[derive(Debug, Clone, Copy)]
pub(super) struct Column<'a> {
    pub spec: u32,
    pub data: &'a [u8],
}

/// Reads a column metadata block (count, then `(spec, length)` pairs); the
/// column bytes follow later in the chunk.
pub(super) fn read_meta(r: &mut Reader<'_>) -> Result<Vec<(u32, u64)>, UntrustedError> {
    let n = r.count(MAX_COLUMNS, "columns")?;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let spec = r.uleb()?;
        let spec = u32::try_from(spec).map_err(|_| UntrustedError::malformed("column specification overflows"))?;
        out.push((spec, r.uleb()?));
    }
    Ok(out)
}

/// Splits the column bytes that follow a metadata block.
pub(super) fn read_data<'a>(r: &mut Reader<'a>, meta: &[(u32, u64)]) -> Result<Vec<Column<'a>>, UntrustedError> {
    meta.iter().map(|&(spec, len)| Ok(Column { spec, data: r.take(len)? })).collect()
}

/// Checks every column: deflated ones inflate within the budget, and no
/// column holds more rows than the budget allows. Returns the most rows any
/// column holds (the number of operations or changes).
pub(super) fn check(cols: &[Column<'_>], allow_deflate: bool, budget: &mut Budget) -> Result<u64, UntrustedError> {
    let mut most = 0;
    for c in cols {
        let rows = if c.spec & DEFLATE != 0 {
            if !allow_deflate {
                return Err(UntrustedError::malformed("compressed columns are not allowed in a change"));
            }
            let inflated = inflate(c.data, budget)?;
            rows(c.spec, &inflated, budget.max_rows)?
        } else {
            rows(c.spec, c.data, budget.max_rows)?
        };
        most = most.max(rows);
    }
    Ok(most)
}

/// Inflates a raw deflate stream, charging its size to the budget.
pub(super) fn inflate(data: &[u8], budget: &mut Budget) -> Result<Vec<u8>, UntrustedError> {
    let limit = budget.inflate_left;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| UntrustedError::malformed(format!("bad deflate stream: {e}")))?;
    if out.len() > limit {
        return Err(UntrustedError::TooLarge(format!("compressed data inflates beyond {limit} bytes")));
    }
    budget.inflate_left -= out.len();
    Ok(out)
}

/// How a column's values are encoded (the low three bits of its spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// Run-length encoded unsigned integers (group, actor, integer, value metadata).
    RleUnsigned,
    /// Run-length encoded signed integers (delta columns).
    RleSigned,
    /// Run-length encoded strings.
    RleString,
    /// Alternating run lengths of false and true.
    Boolean,
    /// Raw bytes described by a value-metadata column.
    Raw,
}

fn encoding(spec: u32) -> Encoding {
    match spec & 0b111 {
        0..=2 | 6 => Encoding::RleUnsigned,
        3 => Encoding::RleSigned,
        4 => Encoding::Boolean,
        5 => Encoding::RleString,
        _ => Encoding::Raw,
    }
}

/// The number of rows in a column, refusing more than `max`.
fn rows(spec: u32, data: &[u8], max: u64) -> Result<u64, UntrustedError> {
    let mut r = Reader::new(data);
    let mut rows = 0u64;
    let mut add = |n: u64| {
        rows = rows.saturating_add(n);
        if rows > max { Err(UntrustedError::TooLarge(format!("a column holds more than {max} rows"))) } else { Ok(()) }
    };
    let enc = encoding(spec);
    match enc {
        Encoding::Raw => return Ok(0),
        Encoding::Boolean => {
            while !r.is_empty() {
                add(r.uleb()?)?;
            }
        }
        _ => {
            while !r.is_empty() {
                let run = r.sleb()?;
                if run > 0 {
                    add(run as u64)?;
                    skip_value(&mut r, enc)?;
                } else if run < 0 {
                    let n = run.unsigned_abs();
                    // Each literal takes at least one byte: a longer run is a lie.
                    if n > r.remaining() as u64 {
                        return Err(UntrustedError::malformed("a literal run is longer than its column"));
                    }
                    add(n)?;
                    for _ in 0..n {
                        skip_value(&mut r, enc)?;
                    }
                } else {
                    add(r.uleb()?)?;
                }
            }
        }
    }
    Ok(rows)
}

fn skip_value(r: &mut Reader<'_>, enc: Encoding) -> Result<(), UntrustedError> {
    match enc {
        Encoding::RleSigned => r.sleb().map(drop),
        Encoding::RleString => r.prefixed().map(drop),
        _ => r.uleb().map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget { inflate_left: 1 << 20, max_rows: 1000 }
    }

    #[test]
    fn run_lengths_are_counted_not_expanded() {
        // A run of 5 copies of 7, a literal run of 2, 3 nulls: 10 rows.
        assert_eq!(rows(2, &[0x05, 0x07, 0x7e, 0x01, 0x02, 0x00, 0x03], 1000).unwrap(), 10);
        // One run claiming 2^40 rows in six bytes is refused.
        let bomb = [0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x01];
        assert!(matches!(rows(2, &bomb, 1_000_000), Err(UntrustedError::TooLarge(_))));
        // Nulls too.
        assert!(rows(3, &[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f], 1_000_000).is_err());
        // Booleans: runs of 3 false and 4 true.
        assert_eq!(rows(4, &[0x03, 0x04], 1000).unwrap(), 7);
        // Strings: a run of 2 copies of "ab".
        assert_eq!(rows(5, &[0x02, 0x02, b'a', b'b'], 1000).unwrap(), 2);
        // A literal run longer than the data is malformed.
        assert!(rows(2, &[0x40], 1000).is_err());
        assert_eq!(rows(7, &[1, 2, 3], 1000).unwrap(), 0);
    }

    #[test]
    fn inflation_is_bounded() {
        use std::io::Write;
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 4 << 20]).unwrap();
        let bomb = enc.finish().unwrap();
        assert!(bomb.len() < 10_000);
        let mut b = budget();
        assert!(matches!(inflate(&bomb, &mut b), Err(UntrustedError::TooLarge(_))));
        let mut b = Budget { inflate_left: 8 << 20, max_rows: 10 };
        assert_eq!(inflate(&bomb, &mut b).unwrap().len(), 4 << 20);
        assert_eq!(b.inflate_left, 4 << 20, "the budget is spent");
    }
}
