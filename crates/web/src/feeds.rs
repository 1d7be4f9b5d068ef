//! 部门数据上传: a department (or the town office) uploads a monthly file — kind, period, .xlsx or
//! .csv — and sees at once what became of every row: matched, 未匹配 (row and masked ID or 户编号)
//! or malformed (row, column, reason). The store writes an upload in one transaction and recognises
//! the same file sent again. The history of uploads is a list with its export.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use zhenxing_domain::CodeEnum;
use zhenxing_domain::feed::{FeedKind, Period};
use zhenxing_exchange::{Cell, Finding};
use zhenxing_store::{FeedUpload, FeedUploadRow, PageRequest, UnmatchedRecord, UploadOutcome};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::forms;
use crate::households::xlsx_download;
use crate::screening::{self, may_upload_feeds};
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, count};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds", get(page).post(upload))
        .route("/feeds/export.xlsx", get(export))
}

/// Rows of a result page's lists; the counts are always complete.
const SHOWN: usize = 500;

pub const DUPLICATE_MESSAGE: &str = "该文件已上传过，未做任何改动";

pub fn require_upload(user: &CurrentUser) -> Result<(), AppError> {
    if may_upload_feeds(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能上传部门数据。部门数据由部门账号或镇乡村振兴办上传。",
            user.role().label()
        )))
    }
}

/// What became of an uploaded file.
#[derive(Debug)]
pub struct Accepted {
    pub kind: FeedKind,
    pub period: Period,
    pub file_name: String,
    pub rows_total: u64,
    pub rows_malformed: u64,
    /// The reader's findings (malformed rows: row, column, reason).
    pub findings: Vec<Finding>,
    /// `None` when no row was usable: nothing was written.
    pub outcome: Option<UploadOutcome>,
}

impl Accepted {
    pub fn matched(&self) -> u64 {
        self.outcome.as_ref().map_or(0, |o| o.matched)
    }

    pub fn unmatched(&self) -> &[UnmatchedRecord] {
        self.outcome
            .as_ref()
            .map_or(&[], |o| o.unmatched.as_slice())
    }

    pub fn duplicate(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| o.duplicate)
    }
}

/// Reads a department file and stores its records (one transaction in the store). A file the reader
/// cannot open at all (no recognisable header, wrong format) is an [`AppError::Invalid`] with the
/// reader's Chinese message.
pub async fn accept(
    state: &AppState,
    user: &CurrentUser,
    kind: FeedKind,
    period: Period,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Accepted, AppError> {
    require_upload(user)?;
    let today = views::today();
    let name = file_name.to_string();
    let file = tokio::task::spawn_blocking(move || {
        zhenxing_exchange::read_feed_bytes(kind, &bytes, &name, today)
    })
    .await
    .map_err(|e| AppError::internal(format!("feed task: {e}")))??;
    let mut accepted = Accepted {
        kind,
        period,
        file_name: file_name.to_string(),
        rows_total: file.rows_total as u64,
        rows_malformed: file.rows_malformed as u64,
        findings: file.findings,
        outcome: None,
    };
    if file.records.is_empty() {
        return Ok(accepted);
    }
    let upload = FeedUpload {
        kind,
        period,
        file_name: file_name.to_string(),
        content_hash: file.content_hash,
        rows_total: accepted.rows_total,
        rows_malformed: accepted.rows_malformed,
    };
    let outcome = state
        .store
        .feed_upload(&user.actor, &upload, &file.records)
        .await?;
    tracing::info!(
        user.name = %user.user.username,
        feed.kind = kind.code(),
        feed.period = %period,
        feed.rows = accepted.rows_total,
        feed.matched = outcome.matched,
        feed.unmatched = outcome.unmatched.len(),
        feed.malformed = accepted.rows_malformed,
        feed.duplicate = outcome.duplicate,
        "feed uploaded"
    );
    accepted.outcome = Some(outcome);
    Ok(accepted)
}

/// The fields and the file of a multipart upload.
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads a multipart form; a broken or too large upload is a Chinese message.
pub async fn read_multipart(mut multipart: Multipart) -> Result<UploadForm, String> {
    let mut form = UploadForm {
        fields: HashMap::new(),
        file: None,
    };
    let too_large = || {
        format!(
            "上传未完成或文件超过 {} MB，请重新上传。",
            crate::MAX_UPLOAD_BYTES / (1024 * 1024)
        )
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "feed upload could not be read");
                return Err(too_large());
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field
                .file_name()
                .unwrap_or("")
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .to_string();
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            form.file = Some((file_name, bytes.to_vec()));
        } else {
            let text = field.text().await.map_err(|_| too_large())?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

/// Checks kind, period and file of an upload form: field → message.
pub fn check_form(
    form: &UploadForm,
) -> Result<(FeedKind, Period, String, Vec<u8>), forms::FieldErrors> {
    let mut errors = forms::FieldErrors::new();
    let get = |k: &str| form.fields.get(k).map(|s| s.trim()).unwrap_or("");
    let kind = FeedKind::parse_label(get("kind"));
    if kind.is_none() {
        errors.insert("kind".into(), "请选择数据类型".into());
    }
    let period = match screening::parse_period(get("period")) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.insert("period".into(), e);
            None
        }
    };
    let file = form.file.clone().filter(|(_, b)| !b.is_empty());
    match &file {
        None => {
            errors.insert("file".into(), "请选择要上传的文件（.xlsx 或 .csv）".into());
        }
        Some((name, _)) => {
            let lower = name.to_lowercase();
            if !(lower.ends_with(".xlsx") || lower.ends_with(".csv") || lower.ends_with(".xls")) {
                errors.insert(
                    "file".into(),
                    "文件格式不支持：请上传 .xlsx 或 .csv 文件".into(),
                );
            }
        }
    }
    match (kind, period, file, errors.is_empty()) {
        (Some(k), Some(p), Some((n, b)), true) => Ok((k, p, n, b)),
        _ => Err(errors),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageParams {
    page: String,
}

#[derive(Serialize)]
struct UploadView {
    kind: &'static str,
    department: &'static str,
    period: String,
    file_name: String,
    rows: String,
    matched: String,
    unmatched: String,
    malformed: String,
    has_unmatched: bool,
    has_malformed: bool,
    by: String,
    at: String,
}

async fn display_names(
    state: &AppState,
    usernames: impl Iterator<Item = &String>,
) -> Result<HashMap<String, String>, AppError> {
    let mut names = HashMap::new();
    for u in usernames {
        if names.contains_key(u) {
            continue;
        }
        let shown = views::actor_name(
            u,
            state
                .store
                .user_by_username(u)
                .await?
                .map(|r| r.display_name),
        );
        names.insert(u.clone(), shown);
    }
    Ok(names)
}

fn upload_view(r: &FeedUploadRow, names: &HashMap<String, String>) -> UploadView {
    UploadView {
        kind: r.kind.label(),
        department: r.kind.department(),
        period: r.period.clone(),
        file_name: r.file_name.clone(),
        rows: count(r.rows_total),
        matched: count(r.rows_matched),
        unmatched: count(r.rows_unmatched),
        malformed: count(r.rows_malformed),
        has_unmatched: r.rows_unmatched > 0,
        has_malformed: r.rows_malformed > 0,
        by: names
            .get(&r.uploaded_by)
            .cloned()
            .unwrap_or_else(|| r.uploaded_by.clone()),
        at: views::timestamp(&r.uploaded_at),
    }
}

#[derive(Serialize)]
struct KindChoice {
    value: &'static str,
    label: String,
}

fn kind_choices() -> Vec<KindChoice> {
    FeedKind::ALL
        .iter()
        .map(|k| KindChoice {
            value: k.code(),
            label: format!("{}（{}）", k.label(), k.department()),
        })
        .collect()
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<PageParams>,
) -> Result<Response, AppError> {
    require_upload(&user)?;
    let mut form = HashMap::new();
    form.insert("period".to_string(), screening::this_period().to_string());
    render_page(
        &state,
        &user,
        views::page_number(&params.page),
        &form,
        &forms::FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    page_no: u32,
    form: &HashMap<String, String>,
    errors: &forms::FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "feeds", "部门数据上传").await?;
    let list = state
        .store
        .feed_uploads(
            &user.actor,
            PageRequest {
                page: page_no,
                per_page: 20,
            },
        )
        .await?;
    let names = display_names(state, list.items.iter().map(|r| &r.uploaded_by)).await?;
    let rows: Vec<UploadView> = list.items.iter().map(|r| upload_view(r, &names)).collect();
    let pager = Pager::new(&list, "/feeds", "");
    let mut summary: Vec<String> = top.into_iter().collect();
    for (field, message) in errors {
        let label = match field.as_str() {
            "kind" => "数据类型",
            "period" => "期间",
            _ => "文件",
        };
        summary.push(format!("{label}：{message}"));
    }
    let html = state.render(
        "feeds.html",
        minijinja::context! {
            frame,
            kinds => kind_choices(),
            form,
            errors,
            summary,
            rows,
            pager,
            max_mb => crate::MAX_UPLOAD_BYTES / (1024 * 1024),
            registry => user.role().can_read_registry(),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Serialize)]
struct FindingView {
    row: String,
    column: String,
    message: String,
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    require_upload(&user)?;
    let form = match read_multipart(multipart).await {
        Ok(f) => f,
        Err(message) => {
            return render_page(
                &state,
                &user,
                1,
                &HashMap::new(),
                &forms::FieldErrors::new(),
                Some(message),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let (kind, period, file_name, bytes) = match check_form(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render_page(
                &state,
                &user,
                1,
                &form.fields,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let accepted = match accept(&state, &user, kind, period, &file_name, bytes).await {
        Ok(a) => a,
        Err(AppError::Invalid { message, .. }) => {
            let mut errors = forms::FieldErrors::new();
            errors.insert("file".into(), message);
            return render_page(
                &state,
                &user,
                1,
                &form.fields,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    let frame = Frame::build(&state, &user, "feeds", "部门数据上传：结果").await?;
    let unmatched: Vec<&UnmatchedRecord> = accepted.unmatched().iter().take(SHOWN).collect();
    let findings: Vec<FindingView> = accepted
        .findings
        .iter()
        .take(SHOWN)
        .map(|f| FindingView {
            row: if f.row == 0 {
                String::new()
            } else {
                count(f.row as u64)
            },
            column: f.column.clone().unwrap_or_default(),
            message: f.message.clone(),
        })
        .collect();
    let status = if accepted.outcome.is_none() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = state.render(
        "feed_result.html",
        minijinja::context! {
            frame,
            kind => accepted.kind.label(),
            department => accepted.kind.department(),
            period => screening::period_label(accepted.period),
            file_name => accepted.file_name.clone(),
            duplicate => accepted.duplicate(),
            duplicate_message => DUPLICATE_MESSAGE,
            stored => accepted.outcome.is_some(),
            rows => count(accepted.rows_total),
            matched => count(accepted.matched()),
            unmatched_count => count(accepted.unmatched().len() as u64),
            malformed => count(accepted.rows_malformed),
            unmatched,
            unmatched_more => accepted.unmatched().len() > SHOWN,
            findings,
            findings_more => accepted.findings.len() > SHOWN,
            shown => SHOWN,
            can_screen => screening::may_run(user.role()),
            roll_import_upload => accepted.outcome.as_ref().filter(|_| accepted.kind == FeedKind::Civil && crate::lowincome::may_edit_rolls(user.role())).map(|o| o.upload_id),
        },
    )?;
    Ok((status, html).into_response())
}

/// Every upload of the history, page by page.
pub async fn all_uploads(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<FeedUploadRow>, AppError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = state
            .store
            .feed_uploads(
                &user.actor,
                PageRequest {
                    page,
                    per_page: 500,
                },
            )
            .await?;
        let n = p.items.len();
        out.extend(p.items);
        if n == 0 || out.len() as u64 >= p.total {
            break;
        }
        page += 1;
    }
    Ok(out)
}

async fn export(State(state): State<AppState>, user: CurrentUser) -> Result<Response, AppError> {
    require_upload(&user)?;
    let rows = all_uploads(&state, &user).await?;
    let names = display_names(&state, rows.iter().map(|r| &r.uploaded_by)).await?;
    let headers = [
        "数据类型",
        "部门",
        "期间",
        "文件名",
        "行数",
        "匹配",
        "未匹配",
        "格式错误",
        "上传人",
        "上传时间",
    ];
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.kind.label().into()),
                Cell::Text(r.kind.department().into()),
                Cell::Text(r.period.clone()),
                Cell::Text(r.file_name.clone()),
                Cell::Int(r.rows_total),
                Cell::Int(r.rows_matched),
                Cell::Int(r.rows_unmatched),
                Cell::Int(r.rows_malformed),
                Cell::Text(
                    names
                        .get(&r.uploaded_by)
                        .cloned()
                        .unwrap_or_else(|| r.uploaded_by.clone()),
                ),
                Cell::Text(views::timestamp(&r.uploaded_at)),
            ]
        })
        .collect();
    let bytes = zhenxing_exchange::write_table_xlsx_bytes("部门数据上传记录", &headers, &cells)
        .map_err(|e| AppError::internal(format!("uploads workbook: {e}")))?;
    state
        .store
        .audit_record(&user.actor, "export", "feed_uploads", "", None)
        .await?;
    Ok(xlsx_download(
        bytes,
        "feed-uploads.xlsx",
        &format!("部门数据上传记录-{}.xlsx", views::today()),
    ))
}
