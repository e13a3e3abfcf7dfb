//! The HTTP sync client (reqwest + rustls). It moves bytes; the sans-IO
//! [`engine`](super::engine) decides what to send and applies answers. The
//! store is locked only between requests, never across one, so the app
//! stays responsive while syncing.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::StatusCode;

use super::progress::{SyncProgress, SyncReport};
use super::run::{Effect, Reply, SyncRun};
use super::session::{self, Session};
use super::wire::{self, BlobStatus, CBOR, ErrorBody, LoginRequest, LoginResponse};
use crate::store::{DeviceStore, StoreError};

/// The device store shared between the app and the sync client.
pub type SharedStore = Arc<Mutex<DeviceStore>>;

/// Why a sync (or login) failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("{message}")]
    Server { status: u16, code: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the server presented certificate {found}, not the pinned {expected}")]
    PinMismatch { expected: String, found: String },
    #[error("{0} is plain http: use https, or allow it for this server")]
    InsecureHttp(String),
}

impl ClientError {
    /// A stable code for the UI.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Network(_) => "offline",
            ClientError::Server { code, .. } => code,
            ClientError::Store(e) => e.code(),
            ClientError::Protocol(_) => "protocol",
            ClientError::NotLoggedIn => "not_logged_in",
            ClientError::PinMismatch { .. } => "tls_pin_mismatch",
            ClientError::InsecureHttp(_) => "insecure_http",
        }
    }

    /// Whether the same request may pass later (network, a busy server).
    pub fn retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// Retries with exponential backoff.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 6, first_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
}

pub use super::run::SyncOptions;

/// How a client trusts its server (kept in the session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// The server's certificate fingerprint, pinned at first login.
    pub pin: Option<String>,
    /// Plain http to a host other than this machine, allowed by the person.
    pub allow_insecure_http: bool,
}

/// Talks to one sync server.
#[derive(Debug, Clone)]
pub struct SyncClient {
    pub(super) http: reqwest::Client,
    base: String,
    token: Option<String>,
    retry: RetryPolicy,
    chunk_bytes: usize,
    trust: Trust,
    seen: super::tls::Seen,
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::fast());
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// Inflates a gzip'd answer, refusing more than 256 MiB (a bomb).
pub(super) fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, ClientError> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 3);
    flate2::read::GzDecoder::new(bytes)
        .take(256 << 20)
        .read_to_end(&mut out)
        .map_err(|e| ClientError::Protocol(format!("bad gzip body: {e}")))?;
    Ok(out)
}

fn lock(store: &SharedStore) -> MutexGuard<'_, DeviceStore> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

fn net(e: reqwest::Error) -> ClientError {
    ClientError::Network(e.to_string())
}

fn http_client(keep_alive: bool, trust: &Trust, seen: &super::tls::Seen) -> Result<reqwest::Client, ClientError> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("gridpatrol/", env!("CARGO_PKG_VERSION")));
    if let Some(pin) = &trust.pin {
        b = b.tls_backend_preconfigured(super::tls::pinned_config(Some(pin.clone()), seen.clone()));
    }
    if !keep_alive {
        b = b.pool_max_idle_per_host(0);
    }
    b.build().map_err(net)
}

/// Refuses plain http to anything but this machine, unless allowed.
fn check_scheme(base: &str, trust: &Trust) -> Result<(), ClientError> {
    if base.starts_with("http://") && !trust.allow_insecure_http && !super::tls::is_loopback(base) {
        return Err(ClientError::InsecureHttp(base.to_owned()));
    }
    Ok(())
}

/// First contact with a server: the fingerprint of its certificate (for
/// the person to compare before pinning it), or `None` over plain http.
/// Nothing secret is sent.
pub async fn probe(base: &str) -> Result<Option<String>, ClientError> {
    let base = base.trim_end_matches('/');
    if !base.starts_with("https://") {
        return Ok(None);
    }
    let seen = super::tls::Seen::default();
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(20))
        .tls_backend_preconfigured(super::tls::pinned_config(None, seen.clone()))
        .build()
        .map_err(net)?;
    http.get(format!("{base}/v1/health")).send().await.map_err(net)?;
    Ok(seen.last())
}

/// [`probe`], with what this device knows of the server: for the login
/// screen to ask the person to confirm a first fingerprint, warn of a
/// changed one, or of plain http to another machine.
pub async fn probe_server(store: &SharedStore, server: &str) -> Result<super::session::ServerProbe, ClientError> {
    let server = server.trim().trim_end_matches('/').to_owned();
    let https = server.starts_with("https://");
    if !https && !server.starts_with("http://") {
        return Err(ClientError::Store(crate::store::StoreError::Invalid(format!(
            "{server}: the address starts with https://"
        ))));
    }
    let fingerprint = probe(&server).await?;
    let pinned = super::session::pinned_for(&lock(store), &server)?;
    Ok(super::session::ServerProbe { loopback: super::tls::is_loopback(&server), server, https, fingerprint, pinned })
}

impl SyncClient {
    /// A client for the server at `base` (e.g. `https://gridpatrol.example`,
    /// or `http://127.0.0.1:8787` on this machine), trusting the usual roots.
    pub fn new(base: &str) -> Result<Self, ClientError> {
        Self::with_trust(base, Trust::default())
    }

    /// A client for `base` that trusts it as `trust` says.
    pub fn with_trust(base: &str, trust: Trust) -> Result<Self, ClientError> {
        let base = base.trim_end_matches('/').to_owned();
        check_scheme(&base, &trust)?;
        let seen = super::tls::Seen::default();
        let http = http_client(true, &trust, &seen)?;
        Ok(SyncClient { http, base, token: None, retry: RetryPolicy::default(), chunk_bytes: 256 << 10, trust, seen })
    }

    /// The client for a stored session.
    pub fn for_session(s: &Session) -> Result<Self, ClientError> {
        Ok(Self::with_trust(&s.server, s.trust())?.with_token(&s.token))
    }

    /// A network error, or a pinned certificate that did not match.
    pub(super) fn net_error(&self, e: reqwest::Error) -> ClientError {
        if let (Some(expected), Some(found)) = (&self.trust.pin, self.seen.last())
            && *expected != found
        {
            return ClientError::PinMismatch { expected: expected.clone(), found };
        }
        net(e)
    }

    /// Uses a device token.
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Changes the retry policy (tests shorten it).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Opens a new connection for every request instead of keeping one
    /// alive (for networks that silently kill idle connections).
    pub fn with_fresh_connections(mut self) -> Result<Self, ClientError> {
        self.http = http_client(false, &self.trust, &self.seen)?;
        Ok(self)
    }

    /// Changes the photo upload chunk size.
    pub fn with_chunk_bytes(mut self, n: usize) -> Self {
        self.chunk_bytes = n.max(1);
        self
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.base)
    }

    pub(super) fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub(super) async fn error_of(resp: reqwest::Response) -> ClientError {
        let status = resp.status().as_u16();
        match resp.bytes().await {
            Ok(body) => match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => ClientError::Server { status, code: e.code, message: e.message },
                Err(_) => ClientError::Server {
                    status,
                    code: format!("http_{status}"),
                    message: String::from_utf8_lossy(&body).chars().take(200).collect(),
                },
            },
            Err(e) => net(e),
        }
    }

    /// Runs `op` until it succeeds, fails for good, or attempts run out.
    async fn retrying<T, F, Fut>(&self, mut op: F) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut delay = self.retry.first_delay;
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if e.retryable() && attempt < self.retry.attempts => {
                    tracing::debug!(attempt, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.retry.max_delay);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// POSTs a CBOR message; returns the decoded answer and the bytes sent
    /// and received.
    async fn post_cbor<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<(Resp, u64, u64), ClientError> {
        let plain = wire::encode(req);
        // Above 1 KiB the body goes gzip'd (the server decompresses).
        let (body, gzipped) = if plain.len() > 1024 { (gzip(&plain), true) } else { (plain, false) };
        let sent = body.len() as u64;
        self.retrying(|| {
            let body = body.clone();
            async move {
                let mut rb = self
                    .auth(self.http.post(self.url(path)))
                    .header(reqwest::header::CONTENT_TYPE, CBOR)
                    .header(reqwest::header::ACCEPT_ENCODING, "gzip");
                if gzipped {
                    rb = rb.header(reqwest::header::CONTENT_ENCODING, "gzip");
                }
                let resp = rb.body(body).send().await.map_err(|e| self.net_error(e))?;
                if !resp.status().is_success() {
                    return Err(Self::error_of(resp).await);
                }
                let gzipped = resp.headers().get(reqwest::header::CONTENT_ENCODING).is_some_and(|v| v == "gzip");
                let bytes = resp.bytes().await.map_err(net)?;
                let plain = if gzipped { gunzip(&bytes)? } else { bytes.to_vec() };
                let decoded = wire::decode(&plain).map_err(|e| ClientError::Protocol(e.to_string()))?;
                Ok((decoded, sent, bytes.len() as u64))
            }
        })
        .await
    }

    /// Logs in and records the session in the store.
    pub async fn login(
        &self,
        store: &SharedStore,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Session, ClientError> {
        self.login_with(store, username, password, None, device_name).await
    }

    /// Logs in, replacing the password (required for a one-time password).
    pub async fn login_with(
        &self,
        store: &SharedStore,
        username: &str,
        password: &str,
        new_password: Option<&str>,
        device_name: &str,
    ) -> Result<Session, ClientError> {
        let device_id = lock(store).device_id().to_owned();
        let req = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_id,
            device_name: device_name.to_owned(),
            new_password: new_password.map(str::to_owned),
        };
        let login: LoginResponse = self
            .retrying(|| async {
                let resp = self.http.post(self.url("/login")).json(&req).send().await.map_err(|e| self.net_error(e))?;
                if !resp.status().is_success() {
                    return Err(Self::error_of(resp).await);
                }
                resp.json().await.map_err(|e| ClientError::Protocol(e.to_string()))
            })
            .await?;
        let (pin, insecure) = (self.trust.pin.clone(), self.trust.allow_insecure_http);
        Ok(session::begin_trusting(&mut lock(store), &self.base, login, pin, insecure)?)
    }

    /// Ends this login on the server (the token is revoked).
    pub async fn logout(&self) -> Result<(), ClientError> {
        let resp = self.auth(self.http.post(self.url("/logout"))).send().await.map_err(|e| self.net_error(e))?;
        if !resp.status().is_success() {
            return Err(Self::error_of(resp).await);
        }
        Ok(())
    }

    /// Uploads a blob in chunks, resuming from what the server already has;
    /// returns the bytes sent.
    pub async fn upload_blob(&self, hash: &str, bytes: &[u8]) -> Result<u64, ClientError> {
        let total = bytes.len() as u64;
        let mut sent = 0u64;
        let mut status = self.blob_status(hash).await?;
        while !status.complete {
            let start = status.received.min(total) as usize;
            let end = (start + self.chunk_bytes).min(bytes.len());
            let next = self.put_chunk(hash, start as u64, total, &bytes[start..end]).await?;
            sent += (end - start) as u64;
            if !next.complete && next.received as usize <= start {
                return Err(ClientError::Protocol(format!("upload of {hash} makes no progress")));
            }
            status = next;
        }
        Ok(sent)
    }

    /// Downloads a blob; `None` if the server does not have it yet.
    pub async fn download_blob(&self, hash: &str) -> Result<Option<Vec<u8>>, ClientError> {
        self.retrying(|| async {
            let resp = self
                .auth(self.http.get(self.url(&format!("/blobs/{hash}"))))
                .send()
                .await
                .map_err(|e| self.net_error(e))?;
            if resp.status() == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !resp.status().is_success() {
                return Err(Self::error_of(resp).await);
            }
            Ok(Some(resp.bytes().await.map_err(net)?.to_vec()))
        })
        .await
    }

    /// Fetches one photo on demand (e.g. opening a full-size view).
    pub async fn fetch_blob(&self, store: &SharedStore, hash: &str) -> Result<bool, ClientError> {
        match self.download_blob(hash).await? {
            Some(bytes) => {
                lock(store).put_remote_blob(hash, &bytes)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// One full sync, driving the core's [`SyncRun`]: photos up, documents
    /// both ways (with the Automerge sync protocol where needed), photos the
    /// server asked for again, thumbnails (and optionally photos) down. The
    /// store is locked only between requests. A network failure (after
    /// retries) ends the run; the next run goes on from where it stopped.
    pub async fn sync(
        &self,
        store: &SharedStore,
        options: SyncOptions,
        on_progress: &(dyn Fn(&SyncProgress) + Send + Sync),
    ) -> Result<SyncReport, ClientError> {
        if self.token.is_none() {
            return Err(ClientError::NotLoggedIn);
        }
        let mut run = SyncRun::new(options, self.chunk_bytes);
        let mut effect = run.start(&mut lock(store))?;
        loop {
            on_progress(run.progress());
            let reply = match effect {
                Effect::Done => break,
                Effect::BlobStatus { hash } => self.item(&hash, self.blob_status(&hash).await)?,
                Effect::UploadChunk { hash, offset, total, bytes } => {
                    self.item(&hash, self.put_chunk(&hash, offset, total, &bytes).await)?
                }
                Effect::PostSync(req) => {
                    let (resp, up, down) = self.post_cbor("/sync", &req).await?;
                    run.count_bytes(up, down);
                    Reply::Sync(resp)
                }
                Effect::PostDocSync(req) => {
                    let (resp, up, down) = self.post_cbor("/sync/docs", &req).await?;
                    run.count_bytes(up, down);
                    Reply::DocSync(resp)
                }
                Effect::Download { hash } => match self.download_blob(&hash).await {
                    Ok(bytes) => {
                        run.count_bytes(0, bytes.as_ref().map_or(0, |b| b.len() as u64));
                        Reply::Downloaded(bytes)
                    }
                    Err(e) => self.item(&hash, Err::<BlobStatus, _>(e))?,
                },
            };
            effect = run.step(&mut lock(store), reply)?;
        }
        on_progress(run.progress());
        Ok(run.report().clone())
    }

    /// A photo's answer: a network failure ends the run, a refusal is the
    /// photo's alone.
    fn item(&self, hash: &str, r: Result<BlobStatus, ClientError>) -> Result<Reply, ClientError> {
        match r {
            Ok(status) => Ok(Reply::Blob(status)),
            Err(e @ (ClientError::Network(_) | ClientError::PinMismatch { .. })) => Err(e),
            Err(e @ ClientError::Server { status: 401 | 403, .. }) => Err(e),
            Err(e) => {
                tracing::debug!(%hash, error = %e, "photo refused");
                Ok(Reply::Refused { code: e.code().to_owned(), message: e.to_string() })
            }
        }
    }

    /// How much of a photo the server has.
    async fn blob_status(&self, hash: &str) -> Result<BlobStatus, ClientError> {
        self.retrying(|| async {
            let resp = self
                .auth(self.http.get(self.url(&format!("/blobs/{hash}/status"))))
                .send()
                .await
                .map_err(|e| self.net_error(e))?;
            if !resp.status().is_success() {
                return Err(Self::error_of(resp).await);
            }
            resp.json().await.map_err(|e| ClientError::Protocol(e.to_string()))
        })
        .await
    }

    /// Sends one chunk; a 409 answer says where to resume.
    async fn put_chunk(&self, hash: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<BlobStatus, ClientError> {
        self.retrying(|| async {
            let resp = self
                .auth(self.http.put(self.url(&format!("/blobs/{hash}?offset={offset}&total={total}"))))
                .header("x-chunk-sha256", crate::photo::sha256_hex(chunk))
                .body(chunk.to_vec())
                .send()
                .await
                .map_err(|e| self.net_error(e))?;
            if resp.status().is_success() || resp.status() == StatusCode::CONFLICT {
                return resp.json::<BlobStatus>().await.map_err(|e| ClientError::Protocol(e.to_string()));
            }
            Err(Self::error_of(resp).await)
        })
        .await
    }
}
