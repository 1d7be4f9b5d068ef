//! Logging in and out, password hashes, lockout, and the [`CurrentUser`] every page starts from.
//!
//! Lockout is per account, not per address (many government users share one intranet address):
//! after [`MAX_FAILURES`] failed attempts within [`LOCK_WINDOW`] the account refuses every login,
//! even with the right password, until the oldest failure leaves the window.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use zhenxing_domain::{CodeEnum, Role};
use zhenxing_store::{Actor, UserRecord};

use crate::error::AppError;
use crate::state::AppState;

pub const MAX_FAILURES: u32 = 5;
pub const LOCK_WINDOW: Duration = Duration::minutes(15);
const USER_KEY: &str = "uid";
const FLASH_KEY: &str = "flash";

pub const BAD_CREDENTIALS: &str = "用户名或密码错误";
pub const LOCKED: &str =
    "该账号连续登录失败次数过多，已暂时锁定。请 15 分钟后再试，或联系管理员处理。";
pub const INACTIVE: &str = "该账号已停用，请联系管理员";

#[derive(Debug, thiserror::Error)]
#[error("密码哈希失败：{0}")]
pub struct HashError(String);

/// An argon2id hash (default parameters, random salt) in PHC string form.
pub fn hash_password(plain: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(plain.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_password(plain: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(plain.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifying against this when the user does not exist keeps the answer time the same.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("zhenxing-no-such-user").unwrap_or_default())
}

async fn verify_blocking(plain: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || verify_password(&plain, &hash))
        .await
        .map_err(|e| AppError::internal(format!("password check task: {e}")))
}

/// Checks a login attempt and records it. Returns the user on success.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<UserRecord, AppError> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::BadCredentials("请填写用户名和密码".into()));
    }
    let store = &state.store;
    let since = OffsetDateTime::now_utc() - LOCK_WINDOW;
    if store.login_failures_since(username, since).await? >= MAX_FAILURES {
        tracing::warn!(user.name = %username, "login refused: account locked");
        return Err(AppError::Locked(LOCKED.into()));
    }
    let user = store.user_by_username(username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = verify_blocking(password.to_string(), hash).await? && user.is_some();
    match user {
        Some(user) if ok => {
            if !user.active {
                tracing::warn!(user.name = %username, "login refused: account inactive");
                return Err(AppError::Forbidden(INACTIVE.into()));
            }
            store.login_attempt_record(username, true).await?;
            tracing::info!(user.name = %username, user.role = user.role.code(), "login");
            Ok(user)
        }
        _ => {
            store.login_attempt_record(username, false).await?;
            tracing::info!(user.name = %username, "login failed");
            Err(AppError::BadCredentials(BAD_CREDENTIALS.into()))
        }
    }
}

/// Makes `user` the session's user under a new session id (no fixation) and a new CSRF token.
pub async fn start_session(session: &Session, user: &UserRecord) -> Result<String, AppError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user.id).await?;
    crate::csrf::rotate(session).await
}

/// The logged-in user of a request, with what they may do.
pub struct CurrentUser {
    pub user: UserRecord,
    pub actor: Actor,
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::internal(format!("session layer: {msg}")))?;
        let Some(uid) = session.get::<i64>(USER_KEY).await? else {
            return Err(AppError::Unauthenticated);
        };
        let Some(user) = state.store.user_by_id(uid).await? else {
            session.flush().await?;
            return Err(AppError::Unauthenticated);
        };
        if !user.active {
            session.flush().await?;
            return Err(AppError::Unauthenticated);
        }
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            role: user.role,
            scope: user.division.clone(),
        };
        Ok(CurrentUser {
            user,
            actor,
            session,
        })
    }
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn require_registry(&self) -> Result<(), AppError> {
        if self.role().can_read_registry() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "您的账号（部门）不能查看农户信息。部门账号只用于上传部门数据。".into(),
            ))
        }
    }

    pub fn require_edit(&self) -> Result<(), AppError> {
        self.require_registry()?;
        if self.role().can_edit_registry() {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "您的角色（{}）只能查看，不能修改农户信息。",
                self.role().label()
            )))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role().can_manage_users() {
            Ok(())
        } else {
            Err(AppError::Forbidden("只有管理员可以管理用户。".into()))
        }
    }

    pub async fn csrf(&self) -> Result<String, AppError> {
        crate::csrf::token(&self.session).await
    }

    pub async fn set_flash(&self, message: &str) -> Result<(), AppError> {
        self.session.insert(FLASH_KEY, message).await?;
        Ok(())
    }

    pub async fn take_flash(&self) -> Result<Option<String>, AppError> {
        Ok(self.session.remove::<String>(FLASH_KEY).await?)
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout))
        .route("/me", get(me_page))
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Serialize)]
struct LoginView {
    township: String,
    csrf_token: String,
    username: String,
    next: String,
    error: Option<String>,
}

/// Only local paths: never redirect to another site after login.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/".into()
    }
}

async fn login_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if session.get::<i64>(USER_KEY).await?.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    let view = LoginView {
        township: state.settings.township_name.clone(),
        csrf_token: crate::csrf::token(&session).await?,
        username: String::new(),
        next: q.next,
        error: None,
    };
    Ok(state.render("login.html", view)?.into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    match authenticate(&state, &form.username, &form.password).await {
        Ok(user) => {
            start_session(&session, &user).await?;
            Ok(Redirect::to(&safe_next(&form.next)).into_response())
        }
        Err(e @ (AppError::BadCredentials(_) | AppError::Locked(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let view = LoginView {
                township: state.settings.township_name.clone(),
                csrf_token: crate::csrf::token(&session).await?,
                username: form.username.trim().to_string(),
                next: form.next,
                error: Some(e.to_string()),
            };
            Ok((status, state.render("login.html", view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn logout(session: Session) -> Result<Response, AppError> {
    if let Ok(Some(uid)) = session.get::<i64>(USER_KEY).await {
        tracing::info!(user.id = uid, "logout");
    }
    session.flush().await?;
    Ok(Redirect::to("/login").into_response())
}

async fn me_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    let frame = crate::templates::Frame::build(&state, &user, "me", "我的").await?;
    let page = state.render(
        "me.html",
        minijinja::context! { frame, username => user.user.username.clone() },
    )?;
    Ok((StatusCode::OK, page).into_response())
}
