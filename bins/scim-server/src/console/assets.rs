//! The console's stylesheet and script, compiled into the binary: nothing to install, no CDN.
//! Their URLs carry a hash of their content, so they are cached for a year and a new release's
//! files are fetched anew.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

/// An embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 2] = [
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/console.css"),
    },
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/console.js"),
    },
];

/// The first 12 hex digits of the SHA-256 of every asset: the version in their URLs.
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hasher = Sha256::new();
        for asset in &ASSETS {
            hasher.update(asset.body.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The URL of the asset `name`.
pub(super) fn url(name: &str) -> String {
    format!("/console/assets/{}/{name}", version())
}

/// `GET /console/assets/{version}/{name}`: a year of caching for the current version; any
/// other version or name is not found.
pub(super) async fn serve(path: web::Path<(String, String)>) -> HttpResponse {
    let (asked, name) = path.into_inner();
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) if asked == version() => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, asset.content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.body),
        _ => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}
