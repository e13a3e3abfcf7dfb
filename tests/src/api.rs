//! Raw HTTP against a test server, for requests no honest client sends.

use gridpatrol_core::sync::wire::{self, SyncRequest, SyncResponse};

/// A plain HTTP client for one server's `/v1`.
#[derive(Debug, Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub url: String,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The `code` of a JSON error body (empty otherwise).
    pub code: String,
    pub body: Vec<u8>,
}

impl Api {
    /// A client for the server at `base` (its root URL).
    pub fn new(base: &str) -> Self {
        // A fresh connection per request: a refusal sent before the body
        // was read (413) closes its connection, and a pooled one picked
        // for the next request in that instant fails with
        // IncompleteMessage (seen once in a full run).
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("an HTTP client");
        Api { http, url: format!("{base}/v1") }
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> Answer {
        let resp = rb.send().await.expect("server answers");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap().to_vec();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned))
            .unwrap_or_default();
        Answer { status, code, body }
    }

    /// POSTs a CBOR body.
    pub async fn post_cbor(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut rb = self.http.post(format!("{}{path}", self.url)).header("content-type", wire::CBOR).body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        self.send(rb).await
    }

    /// A sync that must be answered with 200.
    pub async fn sync(&self, token: &str, req: &SyncRequest) -> SyncResponse {
        let a = self.post_cbor("/sync", Some(token), wire::encode(req)).await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        wire::decode(&a.body).unwrap()
    }

    /// A JSON login body.
    pub fn login_body(username: &str, password: &str, device_id: &str) -> serde_json::Value {
        serde_json::json!({"username": username, "password": password, "device_id": device_id, "device_name": "test"})
    }

    /// POSTs a JSON login.
    pub async fn login(&self, body: &serde_json::Value) -> Answer {
        self.send(self.http.post(format!("{}/login", self.url)).json(body)).await
    }
}
