//! Static assets, embedded in the binary so the image needs no files next to it.
//!
//! Pages link them with a `?v=` fingerprint of their content, so browsers may cache them for a
//! long time and still fetch a new version after a deploy.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "cruddur.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/cruddur.css"),
    },
    Asset {
        name: "cruddur.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/cruddur.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/favicon.svg"),
    },
];

const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// A fingerprint of every asset's content, appended to their URLs.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = DefaultHasher::new();
    for asset in ASSETS {
        asset.body.hash(&mut hasher);
    }
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
});

/// The URL of an asset, with the fingerprint.
pub fn url(name: &str) -> String {
    format!("/static/{name}?v={}", *VERSION)
}

pub async fn serve(Path(file): Path<String>) -> Result<Response, PageError> {
    let asset = ASSETS
        .iter()
        .find(|asset| asset.name == file)
        .ok_or(PageError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, CACHE_CONTROL),
        ],
        asset.body,
    )
        .into_response())
}
