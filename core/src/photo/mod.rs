//! Photo ingest: a phone or camera photo in, a bounded, upright, EXIF-free
//! JPEG plus a thumbnail out, with the capture time and GPS position read
//! from the EXIF into the photo reference.
//!
//! Hostile input is expected: sizes are checked before decoding, the decoder
//! runs with allocation limits, and a panic inside a decoder is caught and
//! reported as an error.

mod format;
mod ingest;
mod metadata;

pub use format::{SourceFormat, sniff};
pub use ingest::{IngestLimits, IngestedPhoto, PhotoError, ingest, sha256_hex};
pub use metadata::PhotoMetadata;
