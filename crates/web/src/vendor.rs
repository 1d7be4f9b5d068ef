//! Third-party front-end libraries, embedded at compile time from `assets/node_modules` (installed
//! from npm by `build.rs`, pinned by `assets/package-lock.json`; never committed).

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

const ECHARTS_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/node_modules/echarts/dist/echarts.min.js"
));

const HTMX_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/node_modules/htmx.org/dist/htmx.min.js"
));

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/vendor/echarts.min.js", get(echarts_js))
        .route("/static/vendor/htmx.min.js", get(htmx_js))
}

async fn echarts_js() -> Response {
    javascript(ECHARTS_JS)
}

async fn htmx_js() -> Response {
    javascript(HTMX_JS)
}

fn javascript(body: &'static [u8]) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    resp
}
