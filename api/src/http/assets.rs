//! The browser files the binary carries (`api/assets/`: the dashboard, the explorer and their
//! third-party scripts), served under `/assets/`, so both pages work on a network with no
//! internet and under a Content-Security-Policy that allows this origin only.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// Every page and script of `api/assets/`: compiled into release builds; debug builds read the
/// folder instead, so an edit shows on reload.
#[derive(RustEmbed)]
#[folder = "assets/"]
#[include = "*.html"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "*.graphql"]
struct Assets;

/// The policy of the pages the binary serves: scripts, styles and requests from this origin
/// only, nothing inline, no frames. Fonts and images may also be `data:` URLs (GraphiQL's
/// stylesheet carries its fonts that way).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The media type of a served file, from its extension.
fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("graphql") => "application/graphql; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// One embedded file with its strong ETag (the SHA-256 of its bytes).
pub struct Asset {
    pub bytes: std::borrow::Cow<'static, [u8]>,
    etag: String,
    media_type: &'static str,
}

/// The embedded file at `path` (relative to `api/assets/`), if there is one.
pub fn find(path: &str) -> Option<Asset> {
    let file = Assets::get(path)?;
    let hash = file.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    Some(Asset {
        bytes: file.data,
        etag,
        media_type: media_type(path),
    })
}

impl Asset {
    /// The file as a response: 304 when the browser's copy is current. Browsers revalidate
    /// every time (`no-cache`), so a new binary's files are picked up at once.
    pub fn respond(self, request: &HeaderMap) -> Response {
        let etag = HeaderValue::from_str(&self.etag).ok();
        let current = request
            .get(header::IF_NONE_MATCH)
            .zip(etag.as_ref())
            .is_some_and(|(asked, etag)| asked == etag);
        let mut response = if current {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.media_type),
                )],
                self.bytes.into_owned(),
            )
                .into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if let Some(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
        secure(response)
    }
}

/// The GraphQL document the dashboard sends (all its operations, picked by name).
pub fn dashboard_document() -> anyhow::Result<String> {
    let file = Assets::get("dashboard/dashboard.graphql")
        .ok_or_else(|| anyhow::anyhow!("this build has no dashboard document"))?;
    Ok(String::from_utf8(file.data.into_owned())?)
}

/// `GET /assets/{*path}`: an embedded file, or 404.
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match find(&path) {
        Some(asset) => asset.respond(&headers),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// Adds the security headers of everything a browser loads from this server: the policy, no
/// referrer, no content sniffing.
pub fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
