use std::io::Write;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};

use super::*;

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

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

fn chunk(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, kind];
    uleb(&mut out, body.len() as u64);
    out.extend_from_slice(body);
    out
}

fn a_change() -> (AutoCommit, Vec<u8>) {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "title", "柳荫路 12 号门口的小广告".repeat(40)).unwrap();
    let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    (doc, change)
}

/// A document body with one operation column of the given spec and data.
fn document_with_column(spec: u64, data: &[u8]) -> Vec<u8> {
    let mut body = vec![1, 1, 0xaa, 0]; // one actor (one byte), no heads
    body.push(0); // no change columns
    body.push(1); // one op column
    uleb(&mut body, spec);
    uleb(&mut body, data.len() as u64);
    body.extend_from_slice(data);
    chunk(0, &body)
}

#[test]
fn real_documents_and_changes_pass_unchanged() {
    let (mut doc, change) = a_change();
    let saved = doc.save();
    let mut b = Budget::document();
    assert!(matches!(sanitize(&saved, ANY_BUT_BUNDLES, &mut b).unwrap(), std::borrow::Cow::Borrowed(_)));
    let mut loaded = load(&saved, &mut Budget::document()).unwrap();
    assert_eq!(loaded.get_heads(), doc.get_heads());
    let parsed = parse_change(&change, &mut Budget::document()).unwrap();
    assert_eq!(parsed.hash(), doc.get_last_local_change().unwrap().hash());
    let mut both = saved.clone();
    both.extend_from_slice(&change);
    assert!(load(&both, &mut Budget::document()).is_ok());
}

#[test]
fn a_compressed_change_is_inflated_here_and_keeps_its_hash() {
    let (doc, change) = a_change();
    // Reframe the change as a type-2 chunk: same checksum, deflated body.
    let header_len = 9 + {
        let mut n = 0;
        while change[9 + n] & 0x80 != 0 {
            n += 1;
        }
        n + 1
    };
    let mut compressed = change[..8].to_vec();
    compressed.push(2);
    let body = deflate(&change[header_len..]);
    uleb(&mut compressed, body.len() as u64);
    compressed.extend_from_slice(&body);
    let parsed = parse_change(&compressed, &mut Budget::document()).unwrap();
    assert_eq!(parsed.hash(), doc.clone().get_last_local_change().unwrap().hash());
}

#[test]
fn a_deflate_bomb_in_a_compressed_change_is_refused_before_automerge() {
    // 64 KiB of deflate that would inflate to 64 MiB.
    let bomb = chunk(2, &deflate(&vec![0u8; 64 << 20]));
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let err = parse_change(&bomb, &mut Budget::document()).unwrap_err();
    assert!(matches!(err, DocumentError::Untrusted(UntrustedError::TooLarge(_))), "{err}");
}

#[test]
fn a_document_with_a_huge_deflated_column_is_refused() {
    let spec = (1 << 4) | 0b1000 | 2; // deflated, integer
    let doc = document_with_column(spec, &deflate(&vec![0u8; 64 << 20]));
    let err = load(&doc, &mut Budget::document()).unwrap_err();
    assert!(matches!(err, DocumentError::Untrusted(UntrustedError::TooLarge(_))), "{err}");
}

#[test]
fn a_billion_operations_in_a_few_bytes_is_refused() {
    // A run of 2^30 copies of one value: six bytes of column.
    let mut run = Vec::new();
    uleb(&mut run, 1 << 30);
    run.push(1);
    let doc = document_with_column((1 << 4) | 2, &run);
    let err = load(&doc, &mut Budget::document()).unwrap_err();
    assert!(matches!(err, DocumentError::Untrusted(UntrustedError::TooLarge(_))), "{err}");
    // The same run deflated.
    let doc = document_with_column((1 << 4) | 0b1000 | 2, &deflate(&run));
    assert!(load(&doc, &mut Budget::document()).is_err());
}

#[test]
fn bundles_are_refused_everywhere() {
    let (mut doc, _) = a_change();
    let mut bundle = doc.save();
    bundle[8] = 3;
    assert!(matches!(
        load(&bundle, &mut Budget::document()),
        Err(DocumentError::Untrusted(UntrustedError::Refused(_)))
    ));
    assert!(parse_change(&bundle, &mut Budget::document()).is_err());
}

/// A v1 sync message: heads, need, have (with one bloom), changes.
fn sync_message(bloom: &[u8], changes: &[Vec<u8>]) -> Vec<u8> {
    let mut m = vec![0x42, 0, 0, 1, 0];
    uleb(&mut m, bloom.len() as u64);
    m.extend_from_slice(bloom);
    uleb(&mut m, changes.len() as u64);
    for c in changes {
        uleb(&mut m, c.len() as u64);
        m.extend_from_slice(c);
    }
    m
}

#[test]
fn sync_messages_carry_only_sanitized_chunks() {
    let (mut doc, change) = a_change();
    let ok = sync_message(&[], std::slice::from_ref(&change));
    let msg = decode_sync_message(&ok, &mut Budget::document()).unwrap();
    let mut target = AutoCommit::new();
    receive_sync_message(&mut target, &mut State::new(), msg).unwrap();
    assert_eq!(target.get_heads(), doc.get_heads());

    let mut bundle = doc.save();
    bundle[8] = 3;
    let err = decode_sync_message(&sync_message(&[], &[bundle]), &mut Budget::document()).unwrap_err();
    assert!(matches!(err, DocumentError::Untrusted(UntrustedError::Refused(_))), "{err}");

    let bomb = chunk(2, &deflate(&vec![0u8; 64 << 20]));
    assert!(decode_sync_message(&sync_message(&[], &[bomb]), &mut Budget::document()).is_err());
}

#[test]
fn a_bloom_filter_asking_for_a_billion_probes_is_refused() {
    let mut bloom = Vec::new();
    uleb(&mut bloom, 1); // entries
    uleb(&mut bloom, 10); // bits per entry
    uleb(&mut bloom, 1 << 30); // probes
    bloom.extend_from_slice(&[0, 0]);
    let err = decode_sync_message(&sync_message(&bloom, &[]), &mut Budget::document()).unwrap_err();
    assert!(matches!(err, DocumentError::Untrusted(UntrustedError::Refused(_))), "{err}");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(load(b"\x85o\x4a\x83garbage", &mut Budget::document()).is_err());
    assert!(
        load(b"\x85\x6f\x4a\x83\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", &mut Budget::document()).is_err()
    );
    let mut doc = AutoCommit::new();
    assert!(apply_changes(&mut doc, vec![]).is_ok());
}
