//! CSRF protection: a random token per session, carried by every form (`csrf_token`) and by every
//! mutating API call (`X-CSRF-Token`), checked here before any handler runs.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{Extensions, HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use crate::error::{AppError, is_api_path};

const KEY: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";
/// Ordinary forms are small; only multipart uploads may be large.
const FORM_LIMIT: usize = 1024 * 1024;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(KEY).await? {
        return Ok(t);
    }
    rotate(session).await
}

/// A fresh token (at login, so a token seen before authentication is worthless after it).
pub async fn rotate(session: &Session) -> Result<String, AppError> {
    let t = crate::views::random_token()?;
    session.insert(KEY, &t).await?;
    Ok(t)
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Rejects a mutating request whose token does not match the session's, with 403.
pub async fn guard(session: Session, req: Request, next: Next) -> Result<Response, AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.run(req).await);
    }
    let path = req.uri().path();
    // Logging in through the API is how a client obtains its token.
    if req.method() == Method::POST && path == "/api/v1/session" {
        return Ok(next.run(req).await);
    }
    let expected: Option<String> = session.get(KEY).await?;
    let Some(expected) = expected else {
        return Err(AppError::Csrf);
    };
    if let Some(given) = header_token(req.headers()) {
        return if same(&given, &expected) {
            Ok(next.run(req).await)
        } else {
            Err(AppError::Csrf)
        };
    }
    if is_api_path(path) {
        return Err(AppError::Csrf);
    }

    // A browser form: the token is a body field. Read the body, look, and hand it on unchanged.
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let is_multipart = content_type.starts_with("multipart/form-data");
    let limit = if is_multipart {
        crate::MAX_UPLOAD_BYTES + 64 * 1024
    } else {
        FORM_LIMIT
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::TooLarge(crate::MAX_UPLOAD_BYTES / (1024 * 1024)))?;
    let given = if is_multipart {
        multipart_token(&content_type, &parts.extensions, bytes.clone()).await
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_token(&bytes)
    } else {
        None
    };
    match given {
        Some(g) if same(&g, &expected) => Ok(next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await),
        _ => {
            tracing::warn!(http.path = %parts.uri.path(), "csrf token missing or wrong");
            Err(AppError::Csrf)
        }
    }
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn form_token(body: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body)?;
    pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v)
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space, `%XX` a byte).
fn serde_urlencoded_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    let decode = |s: &str| -> Option<String> {
        let mut out = Vec::with_capacity(s.len());
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = s.get(i + 1..i + 3)?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8(out).ok()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

/// Finds the token field of a multipart form (it comes first in our forms, before the file).
async fn multipart_token(
    content_type: &str,
    extensions: &Extensions,
    bytes: Bytes,
) -> Option<String> {
    let mut req = Request::builder()
        .method(Method::POST)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .ok()?;
    // Carries the body limit that the router set for uploads.
    *req.extensions_mut() = extensions.clone();
    let mut mp = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_decoded() {
        let pairs = serde_urlencoded_pairs(b"a=1&csrf_token=ab%2Bc+d&empty=").expect("pairs");
        assert_eq!(pairs[1], ("csrf_token".to_string(), "ab+c d".to_string()));
        assert_eq!(form_token(b"x=1&csrf_token=tok"), Some("tok".to_string()));
        assert_eq!(form_token(b"x=1"), None);
        assert_eq!(form_token(b"csrf_token=%zz"), None);
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
