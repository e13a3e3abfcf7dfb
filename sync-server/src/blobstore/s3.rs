//! Blobs in an S3-compatible object store (AWS S3, MinIO, Ceph, OSS, moto),
//! shared by every server instance. Published blobs are
//! `<prefix>/blobs/ab/<hash>`; an upload in progress is a run of chunk
//! objects `<prefix>/partial/<device>/<hash>/<offset>`, each written only if
//! absent (`If-None-Match: *`), so two instances can never both append at
//! the same offset and a resumed upload continues on any instance.

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use super::{BlobError, BlobStore, UploadKey, valid_hash};

/// Blobs in one bucket (under an optional key prefix).
#[derive(Debug)]
pub struct S3BlobStore {
    store: AmazonS3,
    prefix: String,
}

fn backend(e: object_store::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

fn checked(hash: &str) -> Result<(), BlobError> {
    if valid_hash(hash) { Ok(()) } else { Err(BlobError::Backend(format!("invalid blob id {hash:?}"))) }
}

/// One chunk object of an upload.
#[derive(Debug)]
struct Chunk {
    offset: u64,
    size: u64,
    path: Path,
}

impl S3BlobStore {
    /// Opens `url` (`s3://bucket` or `s3://bucket/prefix`). Credentials,
    /// region and endpoint come from the usual `AWS_*` environment variables
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`), then from `options` (object_store's
    /// S3 keys without the `aws_` prefix: `endpoint`, `region`,
    /// `access_key_id`, `secret_access_key`, `allow_http`, …).
    pub fn open(url: &str, options: &BTreeMap<String, String>) -> Result<Self, BlobError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| BlobError::Backend(format!("blob_url must be s3://bucket[/prefix], not {url:?}")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(BlobError::Backend("blob_url names no bucket".into()));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in options {
            let key = if key.starts_with("aws_") { key.clone() } else { format!("aws_{key}") };
            let key: AmazonS3ConfigKey =
                key.parse().map_err(|_| BlobError::Backend(format!("unknown object store option {key:?}")))?;
            builder = builder.with_config(key, value);
        }
        let store = builder.build().map_err(backend)?;
        Ok(S3BlobStore { store, prefix: prefix.trim_matches('/').to_owned() })
    }

    fn key(&self, rest: String) -> Path {
        if self.prefix.is_empty() { Path::from(rest) } else { Path::from(format!("{}/{rest}", self.prefix)) }
    }

    fn final_path(&self, hash: &str) -> Path {
        self.key(format!("blobs/{}/{hash}", &hash[..2]))
    }

    /// Device ids are UUIDs (checked at login); anything else is hashed so
    /// it can never break the key layout.
    fn partial_dir(&self, key: &UploadKey) -> Path {
        let device = if gridpatrol_core::ids::is_valid_id(&key.device_id) {
            key.device_id.clone()
        } else {
            gridpatrol_core::photo::sha256_hex(key.device_id.as_bytes())
        };
        self.key(format!("partial/{device}/{}", key.hash))
    }

    fn chunk_path(&self, key: &UploadKey, offset: u64) -> Path {
        self.partial_dir(key).join(format!("{offset:020}").as_str())
    }

    /// The upload's chunks that follow each other from byte 0, in order.
    /// A chunk object whose name is not an offset, or that leaves a gap, is
    /// not part of it.
    async fn chunks(&self, key: &UploadKey) -> Result<(Vec<Chunk>, bool), BlobError> {
        let dir = self.partial_dir(key);
        let mut all: Vec<Chunk> = self
            .store
            .list(Some(&dir))
            .map_err(backend)
            .try_filter_map(|meta| async move {
                let offset = meta.location.filename().and_then(|n| n.parse::<u64>().ok());
                Ok(offset.map(|offset| Chunk { offset, size: meta.size, path: meta.location }))
            })
            .try_collect()
            .await?;
        all.sort_by_key(|c| c.offset);
        let any = !all.is_empty();
        let mut run = Vec::with_capacity(all.len());
        let mut next = 0;
        for c in all {
            if c.offset != next || c.size == 0 {
                break;
            }
            next += c.size;
            run.push(c);
        }
        Ok((run, any))
    }

    /// The bytes of an upload's contiguous chunks.
    async fn assemble(&self, chunks: &[Chunk]) -> Result<Vec<u8>, BlobError> {
        let mut out = Vec::with_capacity(chunks.iter().map(|c| c.size as usize).sum());
        for c in chunks {
            let bytes = self.store.get(&c.path).await.map_err(backend)?.bytes().await.map_err(backend)?;
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }
}

fn len_of(chunks: &[Chunk]) -> u64 {
    chunks.iter().map(|c| c.size).sum()
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn size(&self, hash: &str) -> Result<Option<u64>, BlobError> {
        checked(hash)?;
        match self.store.head(&self.final_path(hash)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        checked(hash)?;
        match self.store.get(&self.final_path(hash)).await {
            Ok(got) => Ok(Some(got.bytes().await.map_err(backend)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn partial_len(&self, key: &UploadKey) -> Result<u64, BlobError> {
        checked(&key.hash)?;
        Ok(len_of(&self.chunks(key).await?.0))
    }

    async fn append(&self, key: &UploadKey, offset: u64, chunk: &[u8]) -> Result<u64, BlobError> {
        checked(&key.hash)?;
        let have = len_of(&self.chunks(key).await?.0);
        if offset != have {
            return Err(BlobError::OffsetMismatch { expected: have });
        }
        if chunk.is_empty() {
            return Ok(have);
        }
        let path = self.chunk_path(key, offset);
        let create = PutOptions::from(PutMode::Create);
        match self.store.put_opts(&path, PutPayload::from(chunk.to_vec()), create).await {
            Ok(_) => Ok(have + chunk.len() as u64),
            Err(object_store::Error::AlreadyExists { .. }) => {
                // Someone wrote this offset first: our own retried request
                // (the same bytes: done) or a racing one (start again there).
                let theirs = self.store.get(&path).await.map_err(backend)?.bytes().await.map_err(backend)?;
                if theirs.as_ref() == chunk {
                    return Ok(have + chunk.len() as u64);
                }
                Err(BlobError::OffsetMismatch { expected: len_of(&self.chunks(key).await?.0) })
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn read_partial(&self, key: &UploadKey) -> Result<Vec<u8>, BlobError> {
        checked(&key.hash)?;
        let (chunks, any) = self.chunks(key).await?;
        if chunks.is_empty() {
            // Gone, or being discarded (the first chunk goes first).
            let why = if any { "is being discarded" } else { "has no bytes" };
            return Err(BlobError::Backend(format!("upload of {} {why}", key.hash)));
        }
        self.assemble(&chunks).await
    }

    async fn publish(&self, key: &UploadKey) -> Result<(), BlobError> {
        checked(&key.hash)?;
        let done = self.final_path(&key.hash);
        if self.size(&key.hash).await?.is_none() {
            let bytes = self.read_partial(key).await?;
            // Content-addressed: a second instance publishing the same
            // upload writes the same bytes.
            if gridpatrol_core::photo::sha256_hex(&bytes) != key.hash {
                return Err(BlobError::Backend(format!("upload of {} changed before publishing", key.hash)));
            }
            self.store.put(&done, PutPayload::from(bytes)).await.map_err(backend)?;
        }
        self.discard(key).await
    }

    async fn discard(&self, key: &UploadKey) -> Result<(), BlobError> {
        checked(&key.hash)?;
        let dir = self.partial_dir(key);
        let mut paths: Vec<Path> =
            self.store.list(Some(&dir)).map_ok(|m| m.location).try_collect().await.map_err(backend)?;
        paths.sort();
        let mut paths = paths.into_iter();
        // The first chunk goes alone and first, so a reader racing with this
        // sees no upload rather than a shorter one.
        if let Some(first) = paths.next() {
            match self.store.delete(&first).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        let rest = futures::stream::iter(paths.map(Ok)).boxed();
        let mut deleted = self.store.delete_stream(rest);
        while let Some(r) = deleted.next().await {
            match r {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }
}
