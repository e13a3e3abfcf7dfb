//! The sync protocol, version 1. Bodies are CBOR (`application/cbor`);
//! Automerge bytes travel as byte strings. Every request is safe to retry:
//! pushing a change twice is an idempotent insert on the server.
//!
//! Endpoints (all under `/v1`, all but login with `Authorization: Bearer`):
//! - `POST /login` (JSON): password → device token, user, reference data.
//!   A one-time password must be replaced: send `new_password` with it.
//! - `POST /logout`: revokes the token. `POST /token`: a fresh token for
//!   the one presented (which is revoked). `POST /password` (JSON): changes
//!   the password and revokes every token of the user but the new one.
//! - `POST /sync`: the batched exchange. The device sends its cursor and
//!   the changes of its dirty documents; the server applies what is in the
//!   user's scope, acknowledges or refuses per document, and answers with
//!   the changes the device lacks since its cursor, and a new cursor.
//! - `POST /sync/docs`: the Automerge sync protocol, many documents per
//!   request, for documents whose heads are unknown or inconsistent.
//! - `GET|PUT /blobs/{sha256}`: resumable, offset-based photo upload and
//!   download; `GET /blobs/{sha256}/status` tells how much has arrived.

use serde::{Deserialize, Serialize};

use crate::model::{DocKind, Reference, User};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 2;

/// A position in the server's commit sequence and that commit's tag. A
/// server restored from a backup has other commits at the same positions,
/// so a cursor from the history it lost does not match, and the device
/// sends everything again instead of silently skipping what was lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub seq: u64,
    pub tag: u64,
}

/// Content type of CBOR bodies.
pub const CBOR: &str = "application/cbor";

/// One Automerge change hash (32 bytes).
pub type Hash = serde_bytes::ByteArray<32>;

/// `POST /v1/login` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device's id (stable per install).
    pub device_id: String,
    /// A human name for the device list (model, OS).
    pub device_name: String,
    /// Replaces the password (required when it is a one-time password).
    #[serde(default)]
    pub new_password: Option<String>,
}

/// The answer to a successful login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The device token; send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user: User,
    pub reference: Reference,
    pub reference_version: u64,
    /// When the token dies if unused (each use extends it).
    pub expires_at: i64,
}

/// `POST /v1/token`: the replacement token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: String,
    pub expires_at: i64,
}

/// `POST /v1/password` (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

/// `POST /v1/sync`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u32,
    /// Everything in scope up to this commit is on the device.
    pub cursor: Cursor,
    /// The newest commit the server made of this device's pushes.
    pub acked: Cursor,
    /// The reference data version the device holds.
    pub reference_version: u64,
    /// Changes of the device's dirty documents.
    pub push: Vec<DocPush>,
}

/// A document's changes since the heads the server last acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPush {
    pub id: String,
    pub kind: DocKind,
    /// The device's heads after these changes.
    pub heads: Vec<Hash>,
    /// Raw Automerge changes, one per element.
    pub changes: Vec<serde_bytes::ByteBuf>,
}

/// The answer to a [`SyncRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u32,
    /// The cursor to send next time.
    pub cursor: Cursor,
    /// The newest commit made of this request's pushes (zero if none).
    pub acked: Cursor,
    /// More changes are waiting: sync again with the new cursor.
    pub more: bool,
    /// Pushed documents the server now holds up to the given heads.
    pub acks: Vec<DocAck>,
    /// Pushed documents the server refused, with the reason.
    pub refused: Vec<Refusal>,
    /// Changes the device lacks.
    pub pull: Vec<DocPull>,
    /// Newer reference data, when the device's version is behind.
    pub reference: Option<Box<Reference>>,
    pub reference_version: u64,
    /// The device's cursor or acknowledgement is from a history the server
    /// no longer has (restored from a backup): the device must send
    /// everything again; the server keeps what it has.
    #[serde(default)]
    pub resync: bool,
    /// Photos documents in the device's scope reference that the server
    /// lacks (lost, or never arrived): a device holding one uploads it.
    #[serde(default)]
    pub wanted_blobs: Vec<String>,
}

/// The server holds `heads` of document `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocAck {
    pub id: String,
    pub heads: Vec<Hash>,
}

/// A document, or a step, the server would not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub id: String,
    /// A stable code, e.g. `out_of_scope`, `malformed_automerge`,
    /// `missing_deps` (the device should fall back to `/sync/docs`).
    pub code: String,
    pub message: String,
}

/// Changes of one document the device lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocPull {
    pub id: String,
    pub kind: DocKind,
    /// These changes are the whole document (it is new since the cursor).
    pub complete: bool,
    pub changes: Vec<serde_bytes::ByteBuf>,
}

/// `POST /v1/sync/docs`: Automerge sync messages, one per document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSyncRequest {
    pub version: u32,
    pub docs: Vec<DocSyncMessage>,
}

/// One document's Automerge sync message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSyncMessage {
    pub id: String,
    pub kind: DocKind,
    /// An encoded `automerge::sync::Message`; empty when a side has
    /// nothing to say.
    pub message: serde_bytes::ByteBuf,
}

/// The answer to a [`DocSyncRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSyncResponse {
    pub version: u32,
    pub docs: Vec<DocSyncMessage>,
    pub refused: Vec<Refusal>,
}

/// `GET /v1/blobs/{hash}/status` and the answer to each chunk `PUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// Bytes received so far; the next chunk starts here.
    pub received: u64,
    /// The whole blob arrived and matched its hash.
    pub complete: bool,
}

/// An error body (JSON or CBOR, as the request was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// A body that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("malformed body: {0}")]
pub struct DecodeError(pub String);

/// Encodes a message as CBOR.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("writing to a Vec cannot fail");
    out
}

/// Decodes a CBOR message, with a recursion limit against hostile nesting.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    ciborium::de::from_reader_with_recursion_limit(bytes, 64).map_err(|e| DecodeError(e.to_string()))
}

/// Converts Automerge heads to wire hashes.
pub fn to_wire(heads: &[automerge::ChangeHash]) -> Vec<Hash> {
    heads.iter().map(|h| serde_bytes::ByteArray::new(h.0)).collect()
}

/// Converts wire hashes to Automerge heads.
pub fn from_wire(heads: &[Hash]) -> Vec<automerge::ChangeHash> {
    heads.iter().map(|h| automerge::ChangeHash(h.into_array())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: Cursor { seq: 42, tag: 7 },
            acked: Cursor::default(),
            reference_version: 3,
            push: vec![DocPush {
                id: "a".into(),
                kind: DocKind::Case,
                heads: vec![serde_bytes::ByteArray::new([7; 32])],
                changes: vec![serde_bytes::ByteBuf::from(vec![1, 2, 3])],
            }],
        };
        let bytes = encode(&req);
        assert_eq!(decode::<SyncRequest>(&bytes).unwrap(), req);
        assert!(decode::<SyncRequest>(&bytes[..bytes.len() - 2]).is_err());
        assert!(decode::<SyncRequest>(b"\xff\xff\xff").is_err());
        // Deeply nested arrays hit the recursion limit instead of the stack.
        let deep = vec![0x81u8; 100_000];
        assert!(decode::<SyncRequest>(&deep).is_err());
    }

    #[test]
    fn an_empty_exchange_is_small() {
        let req = SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: Cursor { seq: 123_456_789, tag: u64::MAX >> 1 },
            acked: Cursor { seq: 123_456_700, tag: u64::MAX >> 1 },
            reference_version: 9,
            push: vec![],
        };
        assert!(encode(&req).len() < 128, "{} bytes", encode(&req).len());
    }
}
