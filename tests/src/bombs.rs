//! Hostile Automerge inputs, built byte by byte: each is small on the wire
//! and would make Automerge inflate or allocate far more if nothing
//! stopped it first. Shared by the hostile-input catalogue and the test
//! that measures the server's memory while they arrive.

use std::io::Write;

fn uleb(out: &mut Vec<u8>, mut v: u64) {
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

/// A raw deflate stream of `n` zero bytes.
pub fn deflated_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        enc.write_all(&block[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}

/// An Automerge chunk of `kind` around `body` (checksum zero: it is never
/// meant to get as far as a checksum test).
pub fn chunk(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, kind];
    uleb(&mut out, body.len() as u64);
    out.extend_from_slice(body);
    out
}

/// A compressed change (chunk type 2) whose deflate stream inflates to
/// `inflated` bytes; about 1 MB on the wire for 1 GB inflated.
pub fn deflate_bomb(inflated: usize) -> Vec<u8> {
    chunk(2, &deflated_zeros(inflated))
}

/// A document chunk with one deflated operation column of `inflated` bytes.
pub fn document_with_huge_column(inflated: usize) -> Vec<u8> {
    document_with_huge_column_from(&deflated_zeros(inflated))
}

/// A document chunk whose one operation column is this deflate stream.
pub fn document_with_huge_column_from(column: &[u8]) -> Vec<u8> {
    let mut body = vec![1, 1, 0xaa, 0, 0, 1]; // one actor, no heads, no change columns, one op column
    uleb(&mut body, (1 << 4) | 0b1000 | 2); // deflated integer column
    uleb(&mut body, column.len() as u64);
    body.extend_from_slice(column);
    chunk(0, &body)
}

/// A document chunk claiming `rows` operations in a few bytes of run-length encoding.
pub fn document_with_row_bomb(rows: u64) -> Vec<u8> {
    let mut run = Vec::new();
    uleb(&mut run, rows);
    run.push(1);
    let mut body = vec![1, 1, 0xaa, 0, 0, 1];
    uleb(&mut body, (1 << 4) | 2);
    uleb(&mut body, run.len() as u64);
    body.extend_from_slice(&run);
    chunk(0, &body)
}

/// A bundle chunk (type 3): what automerge 0.12 parses with huge allocations.
pub fn bundle_of(saved_doc: &[u8]) -> Vec<u8> {
    let mut b = saved_doc.to_vec();
    b[8] = 3;
    b
}

/// A v1 Automerge sync message carrying `chunks`, with an optional bloom
/// filter (`(entries, bits per entry, probes)`).
pub fn sync_message(chunks: &[Vec<u8>], bloom: Option<(u64, u64, u64)>) -> Vec<u8> {
    let mut m = vec![0x42, 0, 0];
    match bloom {
        None => m.push(0),
        Some((entries, bits, probes)) => {
            m.push(1); // one `have`
            m.push(0); // no last_sync hashes
            let mut b = Vec::new();
            uleb(&mut b, entries);
            uleb(&mut b, bits);
            uleb(&mut b, probes);
            b.extend(std::iter::repeat_n(0u8, (entries * bits).div_ceil(8) as usize));
            uleb(&mut m, b.len() as u64);
            m.extend_from_slice(&b);
        }
    }
    uleb(&mut m, chunks.len() as u64);
    for c in chunks {
        uleb(&mut m, c.len() as u64);
        m.extend_from_slice(c);
    }
    m
}
