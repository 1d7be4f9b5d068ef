//! The browser UI and JSON API of zhenxing: an axum router by area, Chinese server-rendered pages,
//! sessions kept in the store, CSRF tokens, and roles and scopes taken from the logged-in user.
//!
//! Handlers only parse input, call the [`Store`] or `zhenxing_exchange`, and render; scoping is the
//! store's job (an out-of-scope record answers exactly like an absent one).

mod api;
mod api_lowincome;
mod api_lowincome_pages;
mod api_monitoring;
mod api_screening;
mod assistance;
mod auth;
mod case_forms;
mod cases;
mod csrf;
mod error;
pub mod exports;
mod feeds;
mod forms;
mod history;
mod home;
mod households;
mod import;
mod lowincome;
pub mod lowincome_exports;
mod lowincome_pages;
mod lowincome_rolls;
mod monitoring;
mod notices;
mod overview;
mod policy_admin;
pub mod screening;
mod screening_pages;
mod session_store;
mod state;
mod templates;
mod users;
mod vendor;
mod views;
mod warnings;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use zhenxing_store::Store;

pub use auth::{HashError, hash_password};
pub use error::AppError;
pub use state::AppState;

/// Deployment settings the CLI passes in.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The township's name as shown in the title bar and required in rosters ("扶欢镇").
    pub township_name: String,
    /// The supervisory phone printed on notices (12317).
    pub supervisory_phone: String,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "zhenxing_sid";

/// Largest request body: roster workbooks are uploaded whole.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The whole application: pages, static assets and `/api`, with sessions, CSRF checks and error
/// rendering around them.
pub fn router(store: Arc<dyn Store>, settings: Settings) -> Router {
    let secure = settings.secure_cookies;
    let state = AppState::new(store.clone(), settings);

    let sessions = SessionManagerLayer::new(session_store::DbSessionStore::new(store))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)));

    Router::new()
        .merge(auth::routes())
        .merge(home::routes())
        .merge(households::routes())
        .merge(import::routes())
        .merge(users::routes())
        .merge(cases::routes())
        .merge(assistance::routes())
        .merge(overview::routes())
        .merge(notices::routes())
        .merge(policy_admin::routes())
        .merge(feeds::routes())
        .merge(warnings::routes())
        .merge(screening_pages::routes())
        .merge(lowincome_rolls::routes())
        .merge(lowincome_pages::routes())
        .merge(api_monitoring::routes())
        .merge(api_screening::routes())
        .merge(api_lowincome::routes())
        .merge(api_lowincome_pages::routes())
        .merge(api::routes())
        .merge(templates::static_routes())
        .merge(vendor::routes())
        .fallback(error::not_found)
        .layer(middleware::from_fn(csrf::guard))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), error::render_errors))
        // The span names the path only: query strings may carry an ID number typed into a filter.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            tracing::info_span!("http", http.method = %req.method(), http.path = %req.uri().path())
        }))
        .with_state(state)
}

/// Binds `addr` and serves until ctrl-c, then finishes the requests in flight.
pub async fn serve(
    store: Arc<dyn Store>,
    settings: Settings,
    addr: SocketAddr,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, store, settings).await
}

/// Serves on a listener that is already bound (tests bind port 0 and read the port back).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    settings: Settings,
) -> std::io::Result<()> {
    let app = router(store, settings);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            if tokio::signal::ctrl_c().await.is_err() {
                // No signal handler available: serve until the process is stopped.
                std::future::pending::<()>().await;
            }
        })
        .await
}
