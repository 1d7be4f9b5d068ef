//! One error type for every handler, and the middleware that turns it into a page or JSON.
//!
//! Policy:
//! - A handler returns [`AppError`]; it never builds an error response itself. The error only says
//!   *what* went wrong (status and a message); [`render_errors`] decides *how* to show it: a Chinese
//!   HTML page for the browser, `{"error": "…"}` (plus `"fields"` for validation) under `/api`.
//! - 4xx errors carry a message that is safe to show to any user, written in plain Chinese for a
//!   township clerk, and never contain an ID number, a phone number or an internal detail.
//! - An out-of-scope record is reported exactly like an absent one ([`AppError::NotFound`]): same
//!   status, same words, so scoping cannot be probed.
//! - 5xx errors are logged here with their context (never with personal data) and shown to the user
//!   only as "系统内部错误，请稍后再试".
//! - Errors that axum itself produces (a malformed query string, an unknown method) are caught by
//!   the same middleware and get a Chinese message too, so no English text reaches a user.
//! - Nothing panics on user input: every parse returns a `Result` that ends up here.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use zhenxing_store::StoreError;

use crate::state::AppState;

/// Shown for every 5xx.
pub const INTERNAL_MESSAGE: &str = "系统内部错误，请稍后再试";
pub const NOT_FOUND_MESSAGE: &str = "记录不存在，或不在您的管辖范围内";
pub const CSRF_MESSAGE: &str = "页面已过期或请求来源无法验证（安全校验未通过），请刷新页面后重试";
pub const UNAUTHENTICATED_MESSAGE: &str = "请先登录";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{UNAUTHENTICATED_MESSAGE}")]
    Unauthenticated,
    /// Wrong user name or password (also for a user that does not exist).
    #[error("{0}")]
    BadCredentials(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{CSRF_MESSAGE}")]
    Csrf,
    #[error("{NOT_FOUND_MESSAGE}")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    /// Input that parsed but is not acceptable; `fields` maps a field name to its message.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("上传的文件过大：最大 {0} MB")]
    TooLarge(usize),
    /// A bug or an outage: the context goes to the log, never to the user.
    #[error("{INTERNAL_MESSAGE}")]
    Internal(String),
}

/// Field messages, summary line and status of a refused form ([`AppError::into_form_refusal`]).
pub type FormRefusal = (BTreeMap<String, String>, Option<String>, StatusCode);

impl AppError {
    pub fn internal(context: impl Into<String>) -> Self {
        AppError::Internal(context.into())
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid {
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    /// A form's refusal as its page shows it again: the field messages, a summary line when no
    /// field carries the message (or the record changed meanwhile), and the status (422, 409).
    /// Anything else is not the form's to show.
    pub fn into_form_refusal(self) -> Result<FormRefusal, AppError> {
        match self {
            AppError::Invalid { message, fields } => {
                let top = fields.is_empty().then_some(message);
                Ok((fields, top, StatusCode::UNPROCESSABLE_ENTITY))
            }
            AppError::Conflict(message) => {
                Ok((BTreeMap::new(), Some(message), StatusCode::CONFLICT))
            }
            e => Err(e),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials(_) => StatusCode::UNAUTHORIZED,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::invalid(m),
            other => AppError::Internal(format!("store: {other}")),
        }
    }
}

impl From<zhenxing_exchange::ExchangeError> for AppError {
    /// The exchange crate's errors are about the file the user gave us: show them.
    fn from(e: zhenxing_exchange::ExchangeError) -> Self {
        AppError::invalid(e.to_string())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Internal(format!("session: {e}"))
    }
}

/// The error as carried from the handler to [`render_errors`] in the response's extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub login_required: bool,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(context) = &self {
            tracing::error!(error.context = %context, "request failed");
        }
        let fields = match &self {
            AppError::Invalid { fields, .. } => fields.clone(),
            _ => BTreeMap::new(),
        };
        let info = ErrorInfo {
            status,
            message: self.to_string(),
            fields,
            login_required: matches!(self, AppError::Unauthenticated),
        };
        // A plain fallback body in case the response escapes the middleware (it should not).
        let mut resp = (status, info.message.clone()).into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}

#[derive(Serialize)]
struct JsonError<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fields: &'a BTreeMap<String, String>,
}

pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A message for errors that axum produced before a handler ran.
fn generic_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => NOT_FOUND_MESSAGE,
        StatusCode::METHOD_NOT_ALLOWED => "不支持该请求方式",
        StatusCode::PAYLOAD_TOO_LARGE => "上传的文件过大：最大 64 MB",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "请求格式不正确：内容类型不受支持",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            "请求格式不正确，请检查填写的内容"
        }
        s if s.is_server_error() => INTERNAL_MESSAGE,
        _ => "请求无法处理",
    }
}

/// Renders every error response of the application: [`AppError`]s and axum's own rejections.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let wanted = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let is_get = req.method() == axum::http::Method::GET;
    let resp = next.run(req).await;
    let status = resp.status();
    if !status.is_client_error() && !status.is_server_error() {
        return resp;
    }
    let info = match resp.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        None => {
            let is_plain = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|ct| ct.starts_with("text/plain"));
            if !is_plain {
                return resp;
            }
            if status.is_server_error() {
                tracing::error!(http.status = status.as_u16(), http.path = %path, "unhandled server error");
            }
            ErrorInfo {
                status,
                message: generic_message(status).to_string(),
                fields: BTreeMap::new(),
                login_required: false,
            }
        }
    };

    if is_api_path(&path) {
        let body = JsonError {
            error: &info.message,
            fields: &info.fields,
        };
        return (info.status, Json(body)).into_response();
    }
    if info.login_required {
        let target = if is_get && wanted != "/" {
            format!("/login?next={}", crate::views::url_encode(&wanted))
        } else {
            "/login".to_string()
        };
        return Redirect::to(&target).into_response();
    }
    let page = state.render(
        "error.html",
        minijinja::context! {
            township => state.settings.township_name.clone(),
            status => info.status.as_u16(),
            message => info.message,
        },
    );
    let mut resp = match page {
        Ok(html) => (info.status, html).into_response(),
        Err(_) => (info.status, info.message).into_response(),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Unknown paths answer like an absent record.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
