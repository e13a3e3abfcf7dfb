//! The `tiles:` URI scheme: `tiles://localhost/<name>.pmtiles` (or
//! `http://tiles.localhost/<name>.pmtiles` on Windows and Android) serves a
//! PMTiles archive imported into the device's `tiles` folder to the map,
//! with HTTP range requests as the `pmtiles` library reads them: `206` with
//! exactly the asked bytes (the end clamped to the file), `416` past the
//! end, `200` and the whole file without a `Range`. The page is another
//! origin, so every answer carries CORS headers and a preflight is
//! answered. Files are read off the main thread.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use gridpatrol_core::model::BasemapSettings;
use gridpatrol_core::store::{archive_basemap, is_archive_name};
use tauri::http::{Method, Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

/// The folder imported archives live in (`<data dir>/tiles`).
#[derive(Debug, Clone)]
pub struct TilesDir(pub PathBuf);

impl TilesDir {
    /// The tiles folder of a data folder (created if missing).
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("tiles");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot create the tiles folder");
        }
        TilesDir(dir)
    }

    /// The imported archives as basemap options, by file name.
    pub fn archives(&self) -> Vec<BasemapSettings> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        names.sort();
        names.iter().filter_map(|n| archive_basemap(n, url_of(n))).collect()
    }
}

/// The URL the web view reads an archive at (what `convertFileSrc(name, 'tiles')` gives).
pub fn url_of(name: &str) -> String {
    if cfg!(any(windows, target_os = "android")) {
        format!("http://tiles.localhost/{name}")
    } else {
        format!("tiles://localhost/{name}")
    }
}

/// What to answer to a `Range` header for a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePlan {
    /// `200`, the whole file (no range, or one this server ignores).
    Whole,
    /// `206`, bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// `416`: the range starts past the end.
    Unsatisfiable,
}

/// Reads a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`); several
/// ranges or a malformed one are ignored, as HTTP allows.
pub fn plan(range: Option<&str>, size: u64) -> RangePlan {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else { return RangePlan::Whole };
    if spec.contains(',') {
        return RangePlan::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else { return RangePlan::Whole };
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| s.parse::<u64>().ok();
    match (a.is_empty(), b.is_empty()) {
        // The last n bytes.
        (true, false) => match number(b) {
            Some(0) => RangePlan::Unsatisfiable,
            Some(_) if size == 0 => RangePlan::Unsatisfiable,
            Some(n) => RangePlan::Part { start: size - n.min(size), end: size - 1 },
            None => RangePlan::Whole,
        },
        (false, _) => {
            let Some(start) = number(a) else { return RangePlan::Whole };
            let end = if b.is_empty() { Some(u64::MAX) } else { number(b) };
            match end {
                Some(end) if end >= start => {
                    if start >= size {
                        RangePlan::Unsatisfiable
                    } else {
                        RangePlan::Part { start, end: end.min(size - 1) }
                    }
                }
                _ => RangePlan::Whole,
            }
        }
        (true, true) => RangePlan::Whole,
    }
}

/// Answers one `tiles:` request.
pub fn handle<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let dir = ctx.app_handle().try_state::<TilesDir>().map(|d| d.0.clone());
    let method = request.method().clone();
    let name = request.uri().path().trim_start_matches('/').to_owned();
    let range = request.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    std::thread::spawn(move || {
        let response = match dir {
            Some(dir) => respond(&dir, &method, &name, range.as_deref()),
            None => status(StatusCode::SERVICE_UNAVAILABLE),
        };
        responder.respond(response);
    });
}

/// The answer to a request for `name` in `dir`.
pub fn respond(dir: &Path, method: &Method, name: &str, range: Option<&str>) -> Response<Vec<u8>> {
    if method == Method::OPTIONS {
        return cors(Response::builder().status(StatusCode::NO_CONTENT))
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, "GET, OPTIONS")
            .header(header::ACCESS_CONTROL_ALLOW_HEADERS, "range")
            .header(header::ACCESS_CONTROL_MAX_AGE, "86400")
            .body(Vec::new())
            .unwrap_or_default();
    }
    if method != Method::GET && method != Method::HEAD {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    if !is_archive_name(name) {
        return status(StatusCode::NOT_FOUND);
    }
    let path = dir.join(name);
    let Ok(mut file) = File::open(&path) else { return status(StatusCode::NOT_FOUND) };
    let Ok(meta) = file.metadata() else { return status(StatusCode::NOT_FOUND) };
    let size = meta.len();
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let etag = format!("\"{size:x}-{:x}\"", modified.map_or(0, |d| d.as_nanos()));
    let (code, start, end) = match plan(range, size) {
        RangePlan::Whole => (StatusCode::OK, 0, size.saturating_sub(1)),
        RangePlan::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
        RangePlan::Unsatisfiable => {
            return cors(Response::builder().status(StatusCode::RANGE_NOT_SATISFIABLE))
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Vec::new())
                .unwrap_or_default();
        }
    };
    let len = if size == 0 { 0 } else { end - start + 1 };
    let mut body = Vec::new();
    if method == Method::GET {
        let read = file.seek(SeekFrom::Start(start)).and_then(|_| (&mut file).take(len).read_to_end(&mut body));
        if let Err(e) = read {
            tracing::warn!(path = %path.display(), error = %e, "cannot read a tiles archive");
            return status(StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    let mut builder = cors(Response::builder().status(code))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, len.to_string())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag);
    if code == StatusCode::PARTIAL_CONTENT {
        builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
    }
    builder.body(body).unwrap_or_default()
}

fn cors(b: tauri::http::response::Builder) -> tauri::http::response::Builder {
    b.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS, "Content-Range, Content-Length, ETag")
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    cors(Response::builder().status(code)).body(Vec::new()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_the_pmtiles_reader_sends_them() {
        use RangePlan::*;
        // The first read asks for 16 KiB of a smaller file: clamped.
        assert_eq!(plan(Some("bytes=0-16383"), 5000), Part { start: 0, end: 4999 });
        assert_eq!(plan(Some("bytes=100-199"), 5000), Part { start: 100, end: 199 });
        assert_eq!(plan(Some("bytes=4999-4999"), 5000), Part { start: 4999, end: 4999 });
        assert_eq!(plan(Some("bytes=4000-"), 5000), Part { start: 4000, end: 4999 });
        assert_eq!(plan(Some("bytes=-100"), 5000), Part { start: 4900, end: 4999 });
        assert_eq!(plan(Some("bytes=-9000"), 5000), Part { start: 0, end: 4999 });
        assert_eq!(plan(Some("bytes=5000-5100"), 5000), Unsatisfiable);
        assert_eq!(plan(Some("bytes=0-10"), 0), Unsatisfiable);
        assert_eq!(plan(Some("bytes=-0"), 5000), Unsatisfiable);
        for ignored in
            [None, Some("bytes=0-1,5-6"), Some("items=0-1"), Some("bytes=9-3"), Some("bytes=a-b"), Some("bytes=-")]
        {
            assert_eq!(plan(ignored, 5000), Whole, "{ignored:?}");
        }
    }

    #[test]
    fn answers_carry_exactly_the_bytes_and_the_headers() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("qs.pmtiles"), &bytes).unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
        let get = |name: &str, range: Option<&str>| respond(dir.path(), &Method::GET, name, range);
        let h =
            |r: &Response<Vec<u8>>, k: header::HeaderName| r.headers().get(k).map(|v| v.to_str().unwrap().to_owned());

        let part = get("qs.pmtiles", Some("bytes=0-16383"));
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.body(), &bytes);
        assert_eq!(h(&part, header::CONTENT_RANGE).as_deref(), Some("bytes 0-4999/5000"));
        assert_eq!(h(&part, header::CONTENT_LENGTH).as_deref(), Some("5000"));
        assert_eq!(h(&part, header::ACCEPT_RANGES).as_deref(), Some("bytes"));
        assert_eq!(h(&part, header::ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(), Some("*"));
        assert!(h(&part, header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap().contains("Content-Range"));
        let middle = get("qs.pmtiles", Some("bytes=1000-1099"));
        assert_eq!(middle.body(), &bytes[1000..1100]);
        assert_eq!(h(&middle, header::CONTENT_RANGE).as_deref(), Some("bytes 1000-1099/5000"));
        let etag = h(&middle, header::ETAG).unwrap();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag");
        assert_eq!(h(&get("qs.pmtiles", Some("bytes=5-6")), header::ETAG), Some(etag), "and a stable one");

        let past = get("qs.pmtiles", Some("bytes=6000-6100"));
        assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(h(&past, header::CONTENT_RANGE).as_deref(), Some("bytes */5000"));
        let whole = get("qs.pmtiles", None);
        assert_eq!((whole.status(), whole.body().len()), (StatusCode::OK, 5000));

        let preflight = respond(dir.path(), &Method::OPTIONS, "qs.pmtiles", None);
        assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
        assert_eq!(h(&preflight, header::ACCESS_CONTROL_ALLOW_METHODS).as_deref(), Some("GET, OPTIONS"));
        assert_eq!(h(&preflight, header::ACCESS_CONTROL_ALLOW_HEADERS).as_deref(), Some("range"));

        for name in ["secret.txt", "../qs.pmtiles", "missing.pmtiles"] {
            assert_eq!(get(name, None).status(), StatusCode::NOT_FOUND, "{name}");
        }
        assert_eq!(respond(dir.path(), &Method::POST, "qs.pmtiles", None).status(), StatusCode::METHOD_NOT_ALLOWED);
        let listed = TilesDir(dir.path().to_owned()).archives();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].url.as_deref(), Some(url_of("qs.pmtiles").as_str()));
    }
}
