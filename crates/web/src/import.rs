//! Roster import in the browser: upload → preview with every finding → confirm (all or nothing, or
//! only the households without errors) → "已导入 N 户 / M 人", with the error workbook on offer.
//!
//! The uploaded file waits in a temporary file named by a random token; the token is remembered in
//! the uploader's session, so nobody else can confirm or download it. Confirming parses the file
//! again rather than trusting anything kept from the preview.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use zhenxing_domain::DivisionLevel;
use zhenxing_exchange::{Roster, RosterContext, Severity};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, count};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/import", get(upload_page).post(upload))
        .route("/import/{token}/confirm", post(confirm))
        .route("/import/{token}/errors.xlsx", get(error_workbook))
}

/// Findings shown on the page; the error workbook has all of them.
const SHOWN_FINDINGS: usize = 1000;
/// Abandoned uploads are removed after this long.
const UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);

fn session_key(token: &str) -> String {
    format!("upload:{token}")
}

fn valid_token(token: &str) -> bool {
    token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn upload_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require_edit()?;
    render_upload(&state, &user, None, StatusCode::OK).await
}

async fn render_upload(
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "import", "导入花名册").await?;
    let html = state.render(
        "import.html",
        minijinja::context! { frame, error, max_mb => crate::MAX_UPLOAD_BYTES / (1024 * 1024) },
    )?;
    Ok((status, html).into_response())
}

/// Removes uploads nobody confirmed. Best effort: a failure here must not fail the upload.
async fn sweep(dir: &PathBuf) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > UPLOAD_TTL);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "upload could not be read");
                return render_upload(
                    &state,
                    &user,
                    Some("上传未完成或文件过大，请重新选择文件上传。".into()),
                    StatusCode::BAD_REQUEST,
                )
                .await;
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = match field.bytes().await {
                Ok(b) => b,
                Err(_) => {
                    return render_upload(
                        &state,
                        &user,
                        Some(format!(
                            "上传未完成或文件超过 {} MB，请重新上传。",
                            crate::MAX_UPLOAD_BYTES / (1024 * 1024)
                        )),
                        StatusCode::PAYLOAD_TOO_LARGE,
                    )
                    .await;
                }
            };
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render_upload(
            &state,
            &user,
            Some("请选择要导入的花名册文件（.xlsx、.xls 或 .csv）。".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let file_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("花名册.xlsx")
        .to_string();

    let roster = match parse(&state, bytes.clone(), file_name.clone()).await {
        Ok(r) => r,
        Err(AppError::Invalid { message, .. }) => {
            return render_upload(
                &state,
                &user,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e),
    };

    sweep(&state.upload_dir).await;
    tokio::fs::create_dir_all(&state.upload_dir)
        .await
        .map_err(|e| AppError::internal(format!("upload dir: {e}")))?;
    let token = views::random_token()?;
    tokio::fs::write(state.upload_dir.join(&token), &bytes)
        .await
        .map_err(|e| AppError::internal(format!("upload write: {e}")))?;
    user.session
        .insert(&session_key(&token), &file_name)
        .await?;
    tracing::info!(user.name = %user.user.username, import.households = roster.households.len(), import.findings = roster.findings.len(), "roster uploaded");
    render_preview(
        &state,
        &user,
        &token,
        &file_name,
        &roster,
        None,
        StatusCode::OK,
    )
    .await
}

/// Reads and checks a roster: the file's own findings, then ID numbers already in other households.
async fn parse(state: &AppState, bytes: Vec<u8>, file_name: String) -> Result<Roster, AppError> {
    let villages = state
        .divisions()
        .await?
        .iter()
        .filter(|d| d.level == DivisionLevel::Village)
        .map(|d| (d.name.clone(), d.code.clone()))
        .collect();
    let ctx = RosterContext {
        township: state.settings.township_name.clone(),
        villages,
        today: views::today(),
    };
    let mut roster = tokio::task::spawn_blocking(move || {
        zhenxing_exchange::read_roster_bytes(&bytes, &file_name, &ctx, &|_| {})
    })
    .await
    .map_err(|e| AppError::internal(format!("roster task: {e}")))??;
    let locations = state.store.member_locations(&roster.id_bases()).await?;
    roster.check_registry(&locations);
    Ok(roster)
}

#[derive(Serialize)]
struct FindingView {
    row: String,
    column: String,
    household_no: String,
    error: bool,
    message: String,
}

async fn render_preview(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
    file_name: &str,
    roster: &Roster,
    message: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "import", "导入花名册：检查结果").await?;
    let errors = roster
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = roster.findings.len() - errors;
    let findings: Vec<FindingView> = roster
        .findings
        .iter()
        .take(SHOWN_FINDINGS)
        .map(|f| FindingView {
            row: if f.row == 0 {
                String::new()
            } else {
                count(f.row as u64)
            },
            column: f.column.clone().unwrap_or_default(),
            household_no: f.household_no.clone().unwrap_or_default(),
            error: f.severity == Severity::Error,
            message: f.message.clone(),
        })
        .collect();
    let members_ok: usize = roster
        .households
        .iter()
        .map(|h| h.household.members.len())
        .sum();
    let html = state.render(
        "import_preview.html",
        minijinja::context! {
            frame,
            token,
            file_name,
            message,
            households => count(roster.households.len() as u64),
            members => count(members_ok as u64),
            member_rows => count(roster.member_rows as u64),
            rejected => count(roster.rejected.len() as u64),
            errors => count(errors as u64),
            warnings => count(warnings as u64),
            has_errors => roster.has_errors(),
            can_partial => roster.has_errors() && !roster.households.is_empty(),
            findings,
            truncated => roster.findings.len() > SHOWN_FINDINGS,
            shown => SHOWN_FINDINGS,
        },
    )?;
    Ok((status, html).into_response())
}

/// The upload of this session under `token`: its file name and bytes.
async fn load_upload(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
) -> Result<(String, Vec<u8>), AppError> {
    if !valid_token(token) {
        return Err(AppError::NotFound);
    }
    let Some(file_name) = user.session.get::<String>(&session_key(token)).await? else {
        return Err(AppError::NotFound);
    };
    match tokio::fs::read(state.upload_dir.join(token)).await {
        Ok(bytes) => Ok((file_name, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            user.session.remove_value(&session_key(token)).await?;
            Err(AppError::Conflict("上传的文件已过期，请重新上传。".into()))
        }
        Err(e) => Err(AppError::internal(format!("upload read: {e}"))),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    partial: String,
}

async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let (file_name, bytes) = load_upload(&state, &user, &token).await?;
    let partial = matches!(form.partial.as_str(), "1" | "on" | "true");
    let roster = parse(&state, bytes, file_name.clone()).await?;
    if roster.has_errors() && !partial {
        let msg = "文件中有错误，未导入任何数据。请下载错误工作簿修改后重新上传，或选择“仅导入无误的农户”。".to_string();
        return render_preview(
            &state,
            &user,
            &token,
            &file_name,
            &roster,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let rejected = roster.rejected.len();
    let households: Vec<_> = roster.households.into_iter().map(|p| p.household).collect();
    let summary = state
        .store
        .households_import(&user.actor, households, &|_| {})
        .await?;
    let _ = tokio::fs::remove_file(state.upload_dir.join(&token)).await;
    user.session.remove_value(&session_key(&token)).await?;
    let imported =
        summary.households_created + summary.households_updated + summary.households_unchanged;
    tracing::info!(
        user.name = %user.user.username,
        import.households = imported,
        import.members = summary.members_total,
        import.rejected = rejected,
        "roster imported"
    );
    let frame = Frame::build(&state, &user, "import", "导入花名册：完成").await?;
    let html = state.render(
        "import_done.html",
        minijinja::context! {
            frame,
            file_name,
            households => count(imported),
            members => count(summary.members_total),
            created => count(summary.households_created),
            updated => count(summary.households_updated),
            unchanged => count(summary.households_unchanged),
            members_created => count(summary.members_created),
            members_updated => count(summary.members_updated),
            members_removed => count(summary.members_removed),
            rejected => count(rejected as u64),
            partial,
        },
    )?;
    Ok(html.into_response())
}

async fn error_workbook(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    user.require_edit()?;
    let (file_name, bytes) = load_upload(&state, &user, &token).await?;
    let roster = parse(&state, bytes, file_name.clone()).await?;
    let workbook =
        tokio::task::spawn_blocking(move || zhenxing_exchange::write_error_workbook_bytes(&roster))
            .await
            .map_err(|e| AppError::internal(format!("error workbook task: {e}")))?
            .map_err(|e| AppError::internal(format!("error workbook: {e}")))?;
    let stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&file_name)
        .to_string();
    Ok(crate::households::xlsx_download(
        workbook,
        "errors.xlsx",
        &format!("{stem}-错误说明.xlsx"),
    ))
}
