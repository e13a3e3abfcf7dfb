//! Automerge's chunk framing (magic, checksum, type, length, body), checked
//! before Automerge parses anything: only the chunk types a caller allows,
//! every count and length bounded, compressed changes inflated here under
//! our budget and handed on uncompressed.

use std::borrow::Cow;

use super::columns::{self, Column};
use super::reader::Reader;
use super::{Budget, UntrustedError};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// The chunk types Automerge knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// A whole document (a `save`), with possibly deflated columns.
    Document,
    /// One change.
    Change,
    /// One change, deflated as a whole.
    CompressedChange,
    /// Several changes in one chunk. Our devices never send these, and
    /// automerge 0.12 can be made to allocate gigabytes parsing one.
    Bundle,
}

impl ChunkKind {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => ChunkKind::Document,
            1 => ChunkKind::Change,
            2 => ChunkKind::CompressedChange,
            3 => ChunkKind::Bundle,
            _ => return None,
        })
    }
}

/// Splits `bytes` (chunks back to back, as the device stores a document it
/// made or fetched) into its chunks, if every one is a change, plain or
/// compressed; `None` if any is not (a compacted document) or the framing
/// is broken. Only frames: the chunks are parsed by whoever reads them.
pub fn split_changes(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    while !r.is_empty() {
        let start = r.position();
        if r.take(4).ok()? != MAGIC {
            return None;
        }
        r.take(4).ok()?;
        if !matches!(ChunkKind::from_byte(r.byte().ok()?)?, ChunkKind::Change | ChunkKind::CompressedChange) {
            return None;
        }
        r.prefixed().ok()?;
        out.push(&bytes[start..r.position()]);
    }
    Some(out)
}

/// Hashes, actors and dependencies beyond these counts are hostile.
const MAX_DEPS: u64 = 4096;
const MAX_ACTORS: u64 = 4096;

/// Checks every chunk in `bytes` and returns them ready for Automerge:
/// unchanged, except that compressed changes come back inflated (as plain
/// change chunks with the same checksum). `allowed` lists the chunk kinds
/// the caller accepts ([`ChunkKind::CompressedChange`] implies a change).
pub fn sanitize<'a>(
    bytes: &'a [u8],
    allowed: &[ChunkKind],
    budget: &mut Budget,
) -> Result<Cow<'a, [u8]>, UntrustedError> {
    let mut r = Reader::new(bytes);
    let mut out: Option<Vec<u8>> = None;
    while !r.is_empty() {
        let start = r.position();
        if r.take(4)? != MAGIC {
            return Err(UntrustedError::malformed("not an Automerge chunk"));
        }
        let checksum = r.take(4)?;
        let type_byte = r.byte()?;
        let kind = ChunkKind::from_byte(type_byte)
            .ok_or_else(|| UntrustedError::malformed(format!("unknown chunk type {type_byte}")))?;
        if !allowed.contains(&kind) {
            return Err(UntrustedError::Refused(format!("Automerge chunk type {type_byte} is not accepted here")));
        }
        let body = r.prefixed()?;
        match kind {
            ChunkKind::Change => {
                check_change(body, budget)?;
                if let Some(o) = out.as_mut() {
                    o.extend_from_slice(&bytes[start..r.position()]);
                }
            }
            ChunkKind::Document => {
                check_document(body, budget)?;
                if let Some(o) = out.as_mut() {
                    o.extend_from_slice(&bytes[start..r.position()]);
                }
            }
            ChunkKind::CompressedChange => {
                let inflated = columns::inflate(body, budget)?;
                check_change(&inflated, budget)?;
                let o = out.get_or_insert_with(|| bytes[..start].to_vec());
                o.extend_from_slice(&MAGIC);
                o.extend_from_slice(checksum);
                o.push(1);
                write_uleb(o, inflated.len() as u64);
                o.extend_from_slice(&inflated);
            }
            ChunkKind::Bundle => unreachable!("bundles are never allowed"),
        }
    }
    Ok(match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(bytes),
    })
}

fn write_uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A change chunk's body: dependencies, actor, counters, message, other
/// actors, then its operation columns (never deflated in a change).
fn check_change(body: &[u8], budget: &mut Budget) -> Result<(), UntrustedError> {
    let mut r = Reader::new(body);
    let deps = r.count(MAX_DEPS, "dependencies")?;
    r.take(deps * 32)?;
    r.prefixed()?; // actor
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.sleb()?; // time
    r.prefixed()?; // message
    let others = r.count(MAX_ACTORS, "actors")?;
    for _ in 0..others {
        r.prefixed()?;
    }
    let meta = columns::read_meta(&mut r)?;
    let cols = columns::read_data(&mut r, &meta)?;
    let ops = columns::check(&cols, false, budget)?;
    spend_rows(budget, ops)
}

/// A document chunk's body: actors, heads, change and operation column
/// metadata, both sets of columns (possibly deflated), head indices.
fn check_document(body: &[u8], budget: &mut Budget) -> Result<(), UntrustedError> {
    let mut r = Reader::new(body);
    let actors = r.count(MAX_ACTORS, "actors")?;
    for _ in 0..actors {
        r.prefixed()?;
    }
    let heads = r.count(MAX_DEPS, "heads")?;
    r.take(heads * 32)?;
    let change_meta = columns::read_meta(&mut r)?;
    let ops_meta = columns::read_meta(&mut r)?;
    let change_cols: Vec<Column<'_>> = columns::read_data(&mut r, &change_meta)?;
    let ops_cols = columns::read_data(&mut r, &ops_meta)?;
    let changes = columns::check(&change_cols, true, budget)?;
    let ops = columns::check(&ops_cols, true, budget)?;
    spend_rows(budget, changes.saturating_add(ops))
}

/// Charges rows to the whole input's budget (many small chunks add up).
fn spend_rows(budget: &mut Budget, rows: u64) -> Result<(), UntrustedError> {
    budget.max_rows = budget
        .max_rows
        .checked_sub(rows)
        .ok_or_else(|| UntrustedError::TooLarge("more operations than one document may hold".into()))?;
    Ok(())
}
