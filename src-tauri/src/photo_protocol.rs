//! The `photo:` URI scheme: `photo://localhost/<sha256>` (or
//! `http://photo.localhost/<sha256>` on Windows and Android) serves a photo
//! or thumbnail from the device store; 404 if the device lacks it.

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

/// Answers one `photo:` request.
pub fn handle<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let app = ctx.app_handle().clone();
    let hash: String = request.uri().path().trim_start_matches('/').chars().take(64).collect();
    std::thread::spawn(move || {
        let bytes = app.try_state::<AppState>().and_then(|s| s.store().blob(&hash).ok().flatten());
        let response = match bytes {
            Some(b) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "image/jpeg")
                .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
                .body(b),
            None => Response::builder().status(StatusCode::NOT_FOUND).body(Vec::new()),
        };
        responder.respond(response.unwrap_or_else(|_| Response::new(Vec::new())));
    });
}
