//! User administration (admin only): the list with export, a create form, activate/deactivate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use zhenxing_domain::{CodeEnum, DivisionCode, DivisionLevel, Role};
use zhenxing_exchange::Cell;
use zhenxing_store::{NewUser, UserRecord};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::state::AppState;
use crate::templates::Frame;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/export.xlsx", get(export))
        .route("/users/{id}/active", post(set_active))
        .route("/users/{id}/unlock", post(unlock))
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    division: String,
    password: String,
}

#[derive(Serialize)]
struct UserView {
    id: i64,
    version: i64,
    username: String,
    display_name: String,
    role: &'static str,
    division: String,
    active: bool,
    is_self: bool,
}

#[derive(Serialize)]
struct DivisionChoice {
    value: String,
    label: String,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    form: &NewUserForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "users", "用户管理").await?;
    let users = state.store.users(&user.actor).await?;
    let mut views = Vec::with_capacity(users.len());
    for u in &users {
        views.push(UserView {
            id: u.id,
            version: u.version,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label(),
            division: state.division_name(&u.division).await?,
            active: u.active,
            is_self: u.id == user.user.id,
        });
    }
    let divisions: Vec<DivisionChoice> = state
        .divisions()
        .await?
        .iter()
        .filter(|d| user.actor.scope.contains(&d.code))
        .map(|d| {
            let indent = match d.level {
                DivisionLevel::County => "",
                DivisionLevel::Town => "· ",
                _ => "· · ",
            };
            DivisionChoice {
                value: d.code.to_string(),
                label: format!("{indent}{}（{}）", d.name, d.code),
            }
        })
        .collect();
    let html = state.render(
        "users.html",
        minijinja::context! {
            frame,
            users => views,
            form,
            errors,
            summary => forms::summary(errors),
            roles => forms::choices::<Role>(),
            divisions,
        },
    )?;
    Ok((status, html).into_response())
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require_admin()?;
    render(
        &state,
        &user,
        &NewUserForm::default(),
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

fn validate(
    form: &NewUserForm,
    scope: &DivisionCode,
) -> Result<(String, String, Role, DivisionCode), FieldErrors> {
    let mut e = FieldErrors::new();
    let username = form.username.trim().to_string();
    let ok_chars = username
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'));
    if !(2..=32).contains(&username.len()) || !ok_chars {
        e.insert(
            "username".into(),
            "用户名应为 2 到 32 位小写英文字母、数字或 _ - .".into(),
        );
    }
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 30 {
        e.insert("display_name".into(), "请填写姓名（不超过 30 个字）".into());
    }
    let role = Role::parse_label(&form.role);
    if role.is_none() {
        e.insert("role".into(), "请选择角色".into());
    }
    let division = DivisionCode::parse(&form.division)
        .ok()
        .filter(|d| scope.contains(d));
    match (&division, role) {
        (None, _) => {
            e.insert("division".into(), "请选择管辖范围".into());
        }
        (Some(d), Some(Role::VillageCadre | Role::Helper))
            if d.level() != DivisionLevel::Village =>
        {
            e.insert(
                "division".into(),
                "村干部和帮扶责任人的管辖范围应为一个村或社区".into(),
            );
        }
        _ => {}
    }
    if form.password.chars().count() < 8 {
        e.insert("password".into(), "初始密码至少 8 位".into());
    }
    match (e.is_empty(), role, division) {
        (true, Some(role), Some(division)) => Ok((username, display_name, role, division)),
        _ => Err(e),
    }
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    user.require_admin()?;
    let (username, display_name, role, division) = match validate(&form, &user.actor.scope) {
        Ok(v) => v,
        Err(errors) => {
            return render(
                &state,
                &user,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let password = form.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| AppError::internal(format!("hash task: {e}")))?
        .map_err(|e| AppError::internal(e.to_string()))?;
    let new = NewUser {
        username: username.clone(),
        display_name,
        role,
        division,
        password_hash,
    };
    match state.store.user_create(&user.actor, new).await {
        Ok(_) => {
            tracing::info!(user.name = %user.user.username, created.user = %username, "user created");
            user.set_flash(&format!(
                "已创建用户 {username}。请把初始密码当面告知本人。"
            ))
            .await?;
            Ok(Redirect::to("/users").into_response())
        }
        Err(zhenxing_store::StoreError::Conflict(_)) => {
            let errors =
                FieldErrors::from([("username".to_string(), "该用户名已被使用".to_string())]);
            let form = NewUserForm {
                password: String::new(),
                ..form
            };
            render(&state, &user, &form, &errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    version: i64,
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, AppError> {
    user.require_admin()?;
    let active = form.active == "1";
    if id == user.user.id && !active {
        return Err(AppError::BadRequest("不能停用自己的账号。".into()));
    }
    match state
        .store
        .user_set_active(&user.actor, id, form.version, active)
        .await
    {
        Ok(()) => {
            tracing::info!(user.name = %user.user.username, target.user_id = id, active, "user activation changed");
            user.set_flash(if active {
                "已启用该用户。"
            } else {
                "已停用该用户，其会话将立即失效。"
            })
            .await?;
            Ok(Redirect::to("/users").into_response())
        }
        Err(zhenxing_store::StoreError::Conflict(_)) => {
            user.set_flash(crate::households::CONFLICT_MESSAGE).await?;
            Ok(Redirect::to("/users").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Lifts a login lockout (5 failures in 15 minutes) for a user who asked the admin.
async fn unlock(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    user.require_admin()?;
    let target = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .login_failures_clear(&user.actor, &target.username)
        .await?;
    tracing::info!(user.name = %user.user.username, target.user_id = id, "login lockout lifted");
    user.set_flash("已解除该用户的登录锁定。").await?;
    Ok(Redirect::to("/users").into_response())
}

fn user_row(u: &UserRecord, division: String) -> Vec<Cell> {
    vec![
        Cell::Text(u.username.clone()),
        Cell::Text(u.display_name.clone()),
        Cell::Text(u.role.label().into()),
        Cell::Text(u.division.to_string()),
        Cell::Text(division),
        Cell::Text(if u.active { "启用" } else { "停用" }.into()),
    ]
}

async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    user.require_admin()?;
    let users = state.store.users(&user.actor).await?;
    let mut rows = Vec::with_capacity(users.len());
    for u in &users {
        rows.push(user_row(u, state.division_name(&u.division).await?));
    }
    let headers = ["用户名", "姓名", "角色", "管辖区划代码", "管辖范围", "状态"];
    let bytes = zhenxing_exchange::write_table_xlsx_bytes("用户", &headers, &rows)
        .map_err(|e| AppError::internal(format!("users workbook: {e}")))?;
    Ok(crate::households::xlsx_download(
        bytes,
        "users.xlsx",
        &format!("用户名单-{}.xlsx", crate::views::today()),
    ))
}
