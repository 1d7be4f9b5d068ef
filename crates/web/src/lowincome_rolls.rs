//! 救助名册: the 低保, 特困, 临时救助 and 低保边缘 rolls — the list with filters, pager and export,
//! entry per kind from a household, the entry's page with its reviews, 定期核查 and 终止救助, the
//! list of reviews due this month or overdue, the import of a civil (民政) upload and the 社会救助
//! panel of the household page. Amounts and dates are the domain's to judge (`check_draft`,
//! `amount_finding`, `review_state`, read from the policy table); the store writes, audits and
//! scopes (an entry of another village answers 404). The operations here are shared by the pages
//! and `api_lowincome`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use zhenxing_domain::household::{age_on, group_label};
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::lowincome::{
    CareLevel, ReviewOutcome, ReviewState, RollDraft, RollKind, RollStatus, Standards, SupportMode,
    amount_finding, check_draft, review_interval, review_state,
};
use zhenxing_domain::{CodeEnum, DivisionCode, Household, IdNumber, Policy, Yuan};
use zhenxing_exchange::Cell;
use zhenxing_store::{
    CivilImportSummary, NewReview, NewRollEntry, RollDetail, RollFilter, RollPerson, RollRow,
};

use crate::auth::CurrentUser;
use crate::case_forms::{Fields, parse_date};
use crate::error::AppError;
use crate::forms::{self, FieldErrors};
use crate::households::{household_href, xlsx_download};
use crate::lowincome::{may_edit_rolls, may_read};
use crate::monitoring;
use crate::state::AppState;
use crate::templates::Frame;
use crate::views::{self, Pager, count, query_string};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lowincome/rolls", get(list))
        .route("/lowincome/rolls/export.xlsx", get(export))
        .route("/lowincome/rolls/new", get(new_page).post(new_submit))
        .route("/lowincome/rolls/import", post(import_submit))
        .route("/lowincome/rolls/{id}", get(roll_page))
        .route("/lowincome/rolls/{id}/review", post(review_submit))
        .route("/lowincome/rolls/{id}/end", post(end_submit))
        .route("/lowincome/reviews", get(reviews))
        .route("/lowincome/reviews/export.xlsx", get(reviews_export))
}

/// What a stale 核查 or 终止 is told.
pub const STALE_ROLL: &str = "该救助记录已被他人核查或修改，请刷新后查看最新状态再操作";
const PER_PAGE: u32 = 20;
const TEXT_MAX: usize = 500;

// ---------- who may ----------

pub fn require_read(user: &CurrentUser) -> Result<(), AppError> {
    user.require_registry()?;
    if may_read(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）不能查看社会救助名册",
            user.role().label()
        )))
    }
}

pub fn require_edit(user: &CurrentUser) -> Result<(), AppError> {
    require_read(user)?;
    if may_edit_rolls(user.role()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "您的角色（{}）只能查看救助名册；录入、导入、核查和终止救助由镇里的经办人员办理",
            user.role().label()
        )))
    }
}

// ---------- the operations (pages and API) ----------

/// A new entry as typed: the page's form (members already turned into their ID numbers) or the
/// API's JSON. Every value is text so that a bad one becomes a message on its field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EntryInput {
    /// `dibao` | `tekun` | `temporary` | `marginal` (or 低保 / 特困 / 临时救助 / 低保边缘).
    pub kind: String,
    /// 低保 and 低保边缘: the covered members' ID numbers (低保边缘: none = the whole household).
    pub covered: Vec<String>,
    /// 特困 (required) and 临时救助 (optional): the person's ID number.
    pub person: String,
    /// 低保 and 特困: 月救助金 in yuan, e.g. `1160.00`.
    pub monthly_amount: String,
    /// 特困: `self_care` | `part_care` | `full_care` (全自理 / 半护理 / 全护理).
    pub care_level: String,
    /// 特困: `dispersed` | `centralised` (分散供养 / 集中供养).
    pub support_mode: String,
    /// 临时救助: the one-off amount in yuan.
    pub amount: String,
    /// 临时救助: 救助事由.
    pub event: String,
    /// 认定理由 or a note.
    pub reason: String,
    /// `YYYY-MM-DD`: 开始日期 (临时救助: 救助日期), not after today.
    pub start: String,
    /// `YYYY-MM-DD`, optional (not for 临时救助).
    pub end: String,
}

/// The Chinese name of a form field, for the error summary.
pub fn field_title(field: &str, kind: Option<RollKind>) -> &'static str {
    match field {
        "kind" => "救助类型",
        "covered" => "保障成员",
        "person" => "救助对象",
        "monthly_amount" => "月救助金",
        "care_level" => "生活自理能力",
        "support_mode" => "供养方式",
        "amount" => "救助金额",
        "event" => "救助事由",
        "reason" => "认定理由",
        "start" if kind == Some(RollKind::Temporary) => "救助日期",
        "start" => "开始日期",
        "end" => "终止日期",
        "date" => "核查日期",
        "outcome" => "核查结论",
        "new_amount" => "调整后月救助金",
        "note" => "核查说明",
        "end_date" => "终止日期",
        "end_reason" => "终止原因",
        _ => "",
    }
}

/// Field messages as one refusal: the summary lines joined, the fields kept for the form or JSON.
fn refusal(fields: FieldErrors, kind: Option<RollKind>) -> AppError {
    let message = fields
        .iter()
        .map(|(f, m)| match field_title(f, kind) {
            "" => m.clone(),
            t => format!("{t}：{m}"),
        })
        .collect::<Vec<_>>()
        .join("；");
    AppError::Invalid { message, fields }
}

fn summary_lines(errors: &FieldErrors, kind: Option<RollKind>) -> Vec<String> {
    errors
        .iter()
        .map(|(f, m)| match field_title(f, kind) {
            "" => m.clone(),
            t => format!("{t}：{m}"),
        })
        .collect()
}

fn optional_money(errors: &mut FieldErrors, field: &str, title: &str, text: &str) -> Option<Yuan> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match Yuan::parse(t) {
        Ok(y) => Some(y),
        Err(e) => {
            errors.insert(field.into(), format!("{title}：{e}"));
            None
        }
    }
}

fn optional_code<T: CodeEnum>(errors: &mut FieldErrors, field: &str, text: &str) -> Option<T> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let v = T::parse_label(t);
    if v.is_none() {
        errors.insert(field.into(), T::expected_message());
    }
    v
}

fn required_date(errors: &mut FieldErrors, field: &str, title: &str, text: &str) -> Option<Date> {
    let t = text.trim();
    if t.is_empty() {
        errors.insert(field.into(), format!("请填写{title}"));
        return None;
    }
    let d = parse_date(t);
    if d.is_none() {
        errors.insert(
            field.into(),
            format!("{title}“{t}”不是有效日期，应为 2026-10-08 的形式"),
        );
    }
    d
}

fn optional_date(errors: &mut FieldErrors, field: &str, title: &str, text: &str) -> Option<Date> {
    if text.trim().is_empty() {
        None
    } else {
        required_date(errors, field, title, text)
    }
}

fn too_long(errors: &mut FieldErrors, field: &str, title: &str, text: &str) {
    if text.trim().chars().count() > TEXT_MAX {
        errors.insert(field.into(), format!("{title}不能超过 {TEXT_MAX} 字"));
    }
}

/// The 18-character base of a member of `h` named by an ID number as typed.
fn member_base(h: &Household, text: &str) -> Option<String> {
    let base = IdNumber::parse(text.trim(), Date::MAX)
        .ok()?
        .base()
        .to_string();
    h.members
        .iter()
        .any(|m| m.id_number.base() == base)
        .then_some(base)
}

/// Turns what was typed into an entry of household `h`, with the domain's amount and date rules
/// (standards of the start year for the household's village) on their fields.
pub fn parse_entry(
    input: &EntryInput,
    h: &Household,
    policy: &Policy,
    today: Date,
) -> Result<NewRollEntry, AppError> {
    let mut errors = FieldErrors::new();
    let Some(kind) = RollKind::parse_label(&input.kind) else {
        errors.insert("kind".into(), RollKind::expected_message());
        return Err(refusal(errors, None));
    };
    let mut covered: Vec<String> = Vec::new();
    if matches!(kind, RollKind::Dibao | RollKind::Marginal) {
        for c in input.covered.iter().filter(|c| !c.trim().is_empty()) {
            match member_base(h, c) {
                Some(b) if !covered.contains(&b) => covered.push(b),
                Some(_) => {}
                None => {
                    errors.insert(
                        "covered".into(),
                        format!("证件号码 {} 不是该户成员", mask_id(c.trim())),
                    );
                }
            }
        }
    }
    let mut person = None;
    let person_text = input.person.trim();
    match kind {
        RollKind::Tekun if person_text.is_empty() => {
            errors.insert("person".into(), "请选择特困供养人员".into());
        }
        RollKind::Tekun | RollKind::Temporary if !person_text.is_empty() => {
            match member_base(h, person_text) {
                Some(b) => person = Some(b),
                None => {
                    errors.insert(
                        "person".into(),
                        format!("证件号码 {} 不是该户成员", mask_id(person_text)),
                    );
                }
            }
        }
        _ => {}
    }
    let monthly_amount = optional_money(
        &mut errors,
        "monthly_amount",
        "月救助金",
        &input.monthly_amount,
    );
    let amount = optional_money(&mut errors, "amount", "救助金额", &input.amount);
    let care_level = optional_code::<CareLevel>(&mut errors, "care_level", &input.care_level);
    let support_mode =
        optional_code::<SupportMode>(&mut errors, "support_mode", &input.support_mode);
    let event = input.event.trim().to_string();
    if kind == RollKind::Temporary && event.is_empty() {
        errors.insert(
            "event".into(),
            "请填写救助事由（如：火灾、意外伤害、大病）".into(),
        );
    }
    too_long(&mut errors, "event", "救助事由", &event);
    too_long(&mut errors, "reason", "认定理由", &input.reason);
    let start_title = field_title("start", Some(kind));
    let start = required_date(&mut errors, "start", start_title, &input.start);
    let end = optional_date(&mut errors, "end", "终止日期", &input.end);
    if let Some(start) = start {
        let draft = RollDraft {
            kind,
            covered: match kind {
                RollKind::Dibao => covered.len(),
                RollKind::Marginal if covered.is_empty() => h.members.len(),
                RollKind::Marginal => covered.len(),
                RollKind::Tekun => 1,
                RollKind::Temporary => usize::from(person.is_some()),
            },
            monthly_amount,
            care_level,
            support_mode,
            amount,
            start,
            end,
        };
        let standards = Standards::resolve(policy, &h.village, start.year());
        if let Err(found) = check_draft(&draft, &standards, today) {
            for (field, message) in found {
                errors.entry(field.to_string()).or_insert(message);
            }
        }
    }
    let (Some(start), true) = (start, errors.is_empty()) else {
        return Err(refusal(errors, Some(kind)));
    };
    Ok(NewRollEntry {
        kind,
        covered,
        person,
        monthly_amount,
        care_level,
        support_mode,
        amount,
        event,
        reason: input.reason.trim().to_string(),
        start,
        end,
        today,
    })
}

/// Puts an entry on the roll for a household in scope; returns its id.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    household_no: &str,
    input: &EntryInput,
) -> Result<i64, AppError> {
    require_edit(user)?;
    let d = state.store.household_get(&user.actor, household_no).await?;
    let policy = monitoring::policy(state).await?;
    let entry = parse_entry(input, &d.household, &policy, views::today())?;
    let id = state
        .store
        .roll_create(&user.actor, household_no, &entry)
        .await?;
    tracing::info!(user.name = %user.user.username, roll.id = id, roll.kind = entry.kind.code(), "roll entry created");
    Ok(id)
}

/// A periodic review as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReviewInput {
    /// 核查日期 `YYYY-MM-DD`, not after today.
    pub date: String,
    /// `continue` | `adjust` | `end` (继续享受 / 调整金额 / 终止救助).
    pub outcome: String,
    /// 调整金额: the new monthly amount in yuan.
    pub new_amount: String,
    /// 核查说明; required when ending (it becomes the end reason).
    pub note: String,
}

/// Records a 定期核查 of an entry the user saw at `version`.
pub async fn review(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i64,
    input: &ReviewInput,
) -> Result<ReviewOutcome, AppError> {
    require_edit(user)?;
    let d = state.store.roll_get(&user.actor, id).await?;
    let e = &d.entry;
    if e.status == RollStatus::Ended {
        return Err(AppError::invalid("该救助已终止，无需核查"));
    }
    if e.kind == RollKind::Temporary {
        return Err(AppError::invalid("临时救助为一次性救助，无需定期核查"));
    }
    if e.version != version {
        return Err(AppError::Conflict(STALE_ROLL.into()));
    }
    let today = views::today();
    let mut errors = FieldErrors::new();
    let date = required_date(&mut errors, "date", "核查日期", &input.date);
    if let Some(d) = date {
        if d > today {
            errors.insert(
                "date".into(),
                format!("核查日期 {d} 不能晚于今天（{today}）"),
            );
        } else if d < e.start {
            errors.insert(
                "date".into(),
                format!("核查日期 {d} 不能早于开始日期 {}", e.start),
            );
        }
    }
    let outcome = ReviewOutcome::parse_label(&input.outcome);
    if outcome.is_none() {
        errors.insert(
            "outcome".into(),
            "请选择核查结论：继续享受、调整金额或终止救助".into(),
        );
    }
    let mut new_amount = None;
    match outcome {
        Some(ReviewOutcome::Adjust) if e.kind == RollKind::Marginal => {
            errors.insert(
                "outcome".into(),
                "低保边缘家庭没有救助金额，无需调整".into(),
            );
        }
        Some(ReviewOutcome::Adjust) => {
            new_amount = optional_money(
                &mut errors,
                "new_amount",
                "调整后月救助金",
                &input.new_amount,
            );
            match (new_amount, date) {
                (None, _) if !errors.contains_key("new_amount") => {
                    errors.insert("new_amount".into(), "调整金额须填写新的月救助金".into());
                }
                (Some(amount), Some(d)) => {
                    let policy = monitoring::policy(state).await?;
                    let s = Standards::resolve(&policy, &e.village_code, d.year());
                    if Some(amount) == e.monthly_amount {
                        errors.insert(
                            "new_amount".into(),
                            format!("新的月救助金与现在相同（{amount}）；金额不变请选择“继续享受”"),
                        );
                    } else if let Some(m) =
                        amount_finding(e.kind, covered_count(e), Some(amount), e.care_level, &s)
                    {
                        errors.insert("new_amount".into(), m);
                    }
                }
                _ => {}
            }
        }
        Some(ReviewOutcome::End) if input.note.trim().is_empty() => {
            errors.insert("note".into(), "终止救助须填写核查说明（终止原因）".into());
        }
        _ => {}
    }
    too_long(&mut errors, "note", "核查说明", &input.note);
    let (Some(date), Some(outcome), true) = (date, outcome, errors.is_empty()) else {
        return Err(refusal(errors, Some(e.kind)));
    };
    let r = NewReview {
        date,
        outcome,
        new_amount,
        note: input.note.trim().to_string(),
        today,
    };
    state
        .store
        .roll_review(&user.actor, id, version, &r)
        .await?;
    tracing::info!(user.name = %user.user.username, roll.id = id, review.outcome = outcome.code(), "roll reviewed");
    Ok(outcome)
}

/// 终止救助 as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EndInput {
    /// 终止日期 `YYYY-MM-DD`: not before the start, not after today.
    pub end_date: String,
    /// 终止原因 (required).
    pub end_reason: String,
}

/// Ends an active entry the user saw at `version`. Irreversible.
pub async fn end(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i64,
    input: &EndInput,
) -> Result<(), AppError> {
    require_edit(user)?;
    let d = state.store.roll_get(&user.actor, id).await?;
    let e = &d.entry;
    if e.status == RollStatus::Ended {
        return Err(AppError::invalid("该救助已终止"));
    }
    if e.version != version {
        return Err(AppError::Conflict(STALE_ROLL.into()));
    }
    let today = views::today();
    let mut errors = FieldErrors::new();
    let date = required_date(&mut errors, "end_date", "终止日期", &input.end_date);
    if let Some(d) = date {
        if d > today {
            errors.insert(
                "end_date".into(),
                format!("终止日期 {d} 不能晚于今天（{today}）"),
            );
        } else if d < e.start {
            errors.insert(
                "end_date".into(),
                format!("终止日期 {d} 不能早于开始日期 {}", e.start),
            );
        }
    }
    let reason = input.end_reason.trim();
    if reason.is_empty() {
        errors.insert("end_reason".into(), "请填写终止原因".into());
    }
    too_long(&mut errors, "end_reason", "终止原因", reason);
    let (Some(date), true) = (date, errors.is_empty()) else {
        return Err(refusal(errors, Some(e.kind)));
    };
    state
        .store
        .roll_end(&user.actor, id, version, date, reason)
        .await?;
    tracing::info!(user.name = %user.user.username, roll.id = id, "roll entry ended");
    Ok(())
}

/// 导入救助名册 from a civil (民政) upload.
pub async fn import_civil(
    state: &AppState,
    user: &CurrentUser,
    upload_id: i64,
) -> Result<CivilImportSummary, AppError> {
    require_edit(user)?;
    let s = state
        .store
        .roll_import_civil(&user.actor, upload_id)
        .await?;
    tracing::info!(
        user.name = %user.user.username,
        upload.id = upload_id,
        import.created = s.created(),
        import.already = s.already,
        import.refused = s.refused.len(),
        "civil feed imported into the rolls"
    );
    Ok(s)
}

/// An entry with every ID number masked (the API and exports that are not asked to unmask).
pub fn masked(row: &RollRow) -> RollRow {
    let mask = |p: &RollPerson| RollPerson {
        id_number: mask_id(&p.id_number),
        name: p.name.clone(),
    };
    RollRow {
        person: row.person.as_ref().map(mask),
        covered: row.covered.iter().map(mask).collect(),
        ..row.clone()
    }
}

/// The people an entry covers, for the amount rules: 低保/低保边缘 the covered members, 特困 one.
fn covered_count(e: &RollRow) -> usize {
    match e.kind {
        RollKind::Dibao | RollKind::Marginal => e.covered.len(),
        RollKind::Tekun => 1,
        RollKind::Temporary => usize::from(e.person.is_some()),
    }
}

// ---------- filters ----------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RollParams {
    pub kind: String,
    pub village: String,
    pub status: String,
    pub q: String,
    pub page: String,
    pub unmasked: String,
}

impl RollParams {
    pub fn filter(&self) -> RollFilter {
        RollFilter {
            village: DivisionCode::parse(self.village.trim()).ok(),
            kind: RollKind::parse_label(&self.kind),
            status: RollStatus::parse_label(&self.status),
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
            ..RollFilter::default()
        }
    }

    pub fn query(&self) -> String {
        let f = self.filter();
        query_string([
            (
                "kind",
                f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            ),
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "status",
                f.status.map(|s| s.code().to_string()).unwrap_or_default(),
            ),
            ("q", f.text.unwrap_or_default()),
        ])
    }

    fn wants_unmasked(&self) -> bool {
        matches!(self.unmasked.trim(), "1" | "true" | "yes" | "on")
    }
}

/// The first day of the month after `today`'s.
fn next_month_start(today: Date) -> Date {
    let (y, m) = match today.month() {
        Month::December => (today.year() + 1, Month::January),
        m => (today.year(), m.next()),
    };
    Date::from_calendar_date(y, m, 1).unwrap_or(today)
}

/// Which reviews the due list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Overdue and due this month.
    All,
    Overdue,
    ThisMonth,
}

impl DueState {
    fn parse(text: &str) -> DueState {
        match text.trim() {
            "overdue" | "已逾期" => DueState::Overdue,
            "due" | "due_this_month" | "本月到期" => DueState::ThisMonth,
            _ => DueState::All,
        }
    }

    fn code(self) -> &'static str {
        match self {
            DueState::All => "",
            DueState::Overdue => "overdue",
            DueState::ThisMonth => "due",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DueParams {
    pub kind: String,
    pub village: String,
    /// `overdue` | `due` | empty (both).
    pub state: String,
    pub page: String,
    pub unmasked: String,
}

impl DueParams {
    pub fn state(&self) -> DueState {
        DueState::parse(&self.state)
    }

    /// Active entries whose next review is before the end of this month (`state` narrows it).
    pub fn filter(&self, today: Date) -> RollFilter {
        let (from, before) = match self.state() {
            DueState::All => (None, next_month_start(today)),
            DueState::Overdue => (None, today),
            DueState::ThisMonth => (Some(today), next_month_start(today)),
        };
        RollFilter {
            village: DivisionCode::parse(self.village.trim()).ok(),
            kind: RollKind::parse_label(&self.kind).filter(|k| *k != RollKind::Temporary),
            status: Some(RollStatus::Active),
            next_review_from: from,
            next_review_before: Some(before),
            text: None,
        }
    }

    pub fn query(&self, today: Date) -> String {
        let f = self.filter(today);
        query_string([
            (
                "kind",
                f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            ),
            (
                "village",
                f.village.map(|v| v.to_string()).unwrap_or_default(),
            ),
            ("state", self.state().code().to_string()),
        ])
    }
}

// ---------- views ----------

#[derive(Debug, Serialize)]
pub struct PersonView {
    pub name: String,
    pub id_number: String,
}

fn person_view(p: &RollPerson) -> PersonView {
    PersonView {
        name: p.name.clone().unwrap_or_else(|| "（已不在户籍中）".into()),
        id_number: mask_id(&p.id_number),
    }
}

#[derive(Debug, Serialize)]
pub struct RollView {
    pub id: i64,
    pub version: i64,
    pub href: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub status: &'static str,
    pub status_badge: &'static str,
    pub active: bool,
    pub household_no: String,
    pub household_href: String,
    pub head_name: String,
    pub village_name: String,
    pub group: String,
    /// Who it covers, in words: "张三、李四" or "张三".
    pub subject: String,
    pub people: Vec<PersonView>,
    pub amount: String,
    pub care_level: &'static str,
    pub support_mode: &'static str,
    pub event: String,
    pub reason: String,
    pub start: String,
    pub end: String,
    pub end_reason: String,
    pub next_review: String,
    pub review_state: &'static str,
    pub review_badge: &'static str,
    pub source: &'static str,
}

fn amount_text(r: &RollRow) -> String {
    match (r.monthly_amount, r.amount) {
        (Some(m), _) => format!("{m}/月"),
        (None, Some(a)) => format!("{a}（一次性）"),
        _ => String::new(),
    }
}

fn state_badge(s: ReviewState) -> &'static str {
    match s {
        ReviewState::Overdue => "red",
        ReviewState::DueThisMonth => "orange",
        ReviewState::NotDue => "grey",
    }
}

pub fn roll_view(r: &RollRow, today: Date) -> RollView {
    let people: Vec<PersonView> = match &r.person {
        Some(p) => vec![person_view(p)],
        None => r.covered.iter().map(person_view).collect(),
    };
    let state = r
        .next_review
        .filter(|_| r.status == RollStatus::Active)
        .map(|n| review_state(n, today));
    RollView {
        id: r.id,
        version: r.version,
        href: format!("/lowincome/rolls/{}", r.id),
        kind: r.kind.label(),
        kind_code: r.kind.code(),
        status: r.status.label(),
        status_badge: match r.status {
            RollStatus::Active => "green",
            RollStatus::Ended => "grey",
        },
        active: r.status == RollStatus::Active,
        household_no: r.household_no.clone(),
        household_href: household_href(&r.household_no),
        head_name: r.head_name.clone().unwrap_or_default(),
        village_name: r.village_name.clone(),
        group: r.group.map(group_label).unwrap_or_default(),
        subject: people
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        people,
        amount: amount_text(r),
        care_level: views::label(r.care_level),
        support_mode: views::label(r.support_mode),
        event: r.event.clone().unwrap_or_default(),
        reason: r.reason.clone(),
        start: r.start.to_string(),
        end: r.end.map(|d| d.to_string()).unwrap_or_default(),
        end_reason: r.end_reason.clone().unwrap_or_default(),
        next_review: r
            .next_review
            .filter(|_| r.status == RollStatus::Active)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        review_state: state.map_or("", |s| s.label()),
        review_badge: state.map_or("", state_badge),
        source: r.source.label(),
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn kind_choices(with_temporary: bool) -> Vec<Choice> {
    RollKind::ALL
        .iter()
        .filter(|k| with_temporary || **k != RollKind::Temporary)
        .map(|k| Choice {
            value: k.code().into(),
            label: k.label().into(),
        })
        .collect()
}

async fn village_choices(state: &AppState, user: &CurrentUser) -> Result<Vec<Choice>, AppError> {
    Ok(state
        .villages_in_scope(&user.actor)
        .await?
        .into_iter()
        .map(|d| Choice {
            value: d.code.to_string(),
            label: d.name,
        })
        .collect())
}

/// The standards of this year where the user works, in one line.
#[derive(Serialize)]
struct StandardsView {
    year: i32,
    dibao: String,
    tekun: String,
    care_self: String,
    care_part: String,
    care_full: String,
}

fn standards_view(s: &Standards) -> StandardsView {
    StandardsView {
        year: s.year,
        dibao: s.dibao.to_string(),
        tekun: s.tekun.to_string(),
        care_self: s.care_self.to_string(),
        care_part: s.care_part.to_string(),
        care_full: s.care_full.to_string(),
    }
}

// ---------- list ----------

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<RollParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let filter = params.filter();
    let page = state
        .store
        .roll_list(
            &user.actor,
            &filter,
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    let frame = Frame::build(&state, &user, "lowincome-rolls", "救助名册").await?;
    let q = params.query();
    let pager = Pager::new(&page, "/lowincome/rolls", &q);
    let rows: Vec<RollView> = page.items.iter().map(|r| roll_view(r, today)).collect();
    let policy = monitoring::policy(&state).await?;
    let standards = Standards::resolve(&policy, &user.user.division, today.year());
    let with_query = |path: &str, extra: &str| {
        let q = [q.as_str(), extra]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("&");
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    };
    let html = state.render(
        "rolls.html",
        minijinja::context! {
            frame,
            rows,
            pager,
            params,
            selected_kind => filter.kind.map(|k| k.code()).unwrap_or(""),
            selected_status => filter.status.map(|s| s.code()).unwrap_or(""),
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            kinds => kind_choices(true),
            statuses => forms::choices::<RollStatus>(),
            villages => village_choices(&state, &user).await?,
            filtered => filter != RollFilter::default(),
            export_href => with_query("/lowincome/rolls/export.xlsx", ""),
            export_unmasked_href => with_query("/lowincome/rolls/export.xlsx", "unmasked=1"),
            may_edit => may_edit_rolls(user.role()),
            standards => standards_view(&standards),
        },
    )?;
    Ok(html.into_response())
}

/// The roll as an xlsx workbook; ID numbers masked unless `unmasked`.
pub fn workbook(rows: &[RollRow], unmasked: bool, today: Date) -> Result<Vec<u8>, AppError> {
    let headers = [
        "户编号",
        "行政村",
        "村民小组",
        "户主姓名",
        "救助类型",
        "状态",
        "救助对象",
        "保障人数",
        "月救助金（元）",
        "一次性救助金额（元）",
        "生活自理能力",
        "供养方式",
        "救助事由",
        "认定理由",
        "开始日期",
        "终止日期",
        "终止原因",
        "下次核查日期",
        "核查状态",
        "来源",
    ];
    let date = |d: Option<Date>| d.map_or(Cell::Empty, |d| Cell::Text(d.to_string()));
    let money = |y: Option<Yuan>| y.map_or(Cell::Empty, Cell::Money);
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let people: Vec<&RollPerson> = match &r.person {
                Some(p) => vec![p],
                None => r.covered.iter().collect(),
            };
            let people_text = people
                .iter()
                .map(|p| {
                    let id = views::id_shown(&p.id_number, unmasked);
                    match &p.name {
                        Some(n) => format!("{n} {id}"),
                        None => id,
                    }
                })
                .collect::<Vec<_>>()
                .join("、");
            let active = r.status == RollStatus::Active;
            vec![
                Cell::Text(r.household_no.clone()),
                Cell::Text(r.village_name.clone()),
                Cell::text(r.group.map(group_label).unwrap_or_default()),
                Cell::text(r.head_name.clone().unwrap_or_default()),
                Cell::Text(r.kind.label().into()),
                Cell::Text(r.status.label().into()),
                Cell::text(people_text),
                Cell::Int(people.len() as i64),
                money(r.monthly_amount),
                money(r.amount),
                Cell::text(views::label(r.care_level)),
                Cell::text(views::label(r.support_mode)),
                Cell::text(r.event.clone().unwrap_or_default()),
                Cell::text(r.reason.clone()),
                Cell::Text(r.start.to_string()),
                date(r.end),
                Cell::text(r.end_reason.clone().unwrap_or_default()),
                date(r.next_review.filter(|_| active)),
                Cell::text(
                    r.next_review
                        .filter(|_| active)
                        .map_or("", |n| review_state(n, today).label()),
                ),
                Cell::Text(r.source.label().into()),
            ]
        })
        .collect();
    zhenxing_exchange::write_table_xlsx_bytes("救助名册", &headers, &cells)
        .map_err(|e| AppError::internal(format!("rolls workbook: {e}")))
}

async fn send_workbook(
    state: &AppState,
    user: &CurrentUser,
    rows: Vec<RollRow>,
    unmasked: bool,
    what: &str,
    query: &str,
    name: &str,
) -> Result<Response, AppError> {
    if unmasked && !user.role().can_unmask() {
        return Err(AppError::Forbidden(
            "您的角色不能导出完整的证件号码。".into(),
        ));
    }
    let action = if unmasked {
        "export_unmasked"
    } else {
        "export"
    };
    state
        .store
        .audit_record(&user.actor, action, what, query, None)
        .await?;
    tracing::info!(user.name = %user.user.username, export.rows = rows.len(), export.unmasked = unmasked, "rolls exported");
    let today = views::today();
    let bytes = tokio::task::spawn_blocking(move || workbook(&rows, unmasked, today))
        .await
        .map_err(|e| AppError::internal(format!("export task: {e}")))??;
    Ok(xlsx_download(
        bytes,
        &format!("{what}.xlsx"),
        &format!("{name}-{}.xlsx", views::today()),
    ))
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<RollParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let rows = state
        .store
        .roll_export(&user.actor, &params.filter())
        .await?;
    send_workbook(
        &state,
        &user,
        rows,
        params.wants_unmasked(),
        "rolls",
        &params.query(),
        "救助名册",
    )
    .await
}

// ---------- new entry ----------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct NewParams {
    household: String,
    kind: String,
}

#[derive(Serialize)]
struct MemberChoice {
    id: i64,
    name: String,
    relation: &'static str,
    age: i32,
    id_number: String,
    checked: bool,
    selected: bool,
}

async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<NewParams>,
) -> Result<Response, AppError> {
    require_edit(&user)?;
    let kind = RollKind::parse_label(&params.kind).unwrap_or(RollKind::Dibao);
    let mut form = Fields::default();
    form.set("start", views::today().to_string());
    render_new(
        &state,
        &user,
        params.household.trim(),
        kind,
        &form,
        None,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

#[expect(
    clippy::too_many_arguments,
    reason = "the form as typed, its errors and the answer's status"
)]
async fn render_new(
    state: &AppState,
    user: &CurrentUser,
    household_no: &str,
    kind: RollKind,
    form: &Fields,
    chosen: Option<&[i64]>,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let frame = Frame::build(state, user, "lowincome-rolls", "新增救助").await?;
    let kinds: Vec<Choice> = kind_choices(true);
    if household_no.is_empty() {
        let html = state.render(
            "roll_new.html",
            minijinja::context! { frame, kinds, kind => kind.code(), household => minijinja::Value::UNDEFINED },
        )?;
        return Ok((status, html).into_response());
    }
    let d = state.store.household_get(&user.actor, household_no).await?;
    let h = &d.household;
    let today = views::today();
    let person = form.get("person");
    let members: Vec<MemberChoice> = h
        .members
        .iter()
        .zip(d.member_keys.iter())
        .map(|(m, k)| MemberChoice {
            id: k.id,
            name: m.name.clone(),
            relation: m.relation.label(),
            age: age_on(m.birth_date, today),
            id_number: mask_id(m.id_number.base()),
            // A first visit covers the whole household; afterwards what was ticked.
            checked: chosen.is_none_or(|c| c.contains(&k.id)),
            selected: person == k.id.to_string(),
        })
        .collect();
    let policy = monitoring::policy(state).await?;
    let start_year = parse_date(form.get("start")).map_or(today.year(), |d| d.year());
    let standards = Standards::resolve(&policy, &h.village, start_year);
    let existing: Vec<RollView> = state
        .store
        .rolls_for_household(&user.actor, household_no)
        .await?
        .iter()
        .filter(|r| r.status == RollStatus::Active)
        .map(|r| roll_view(r, today))
        .collect();
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(summary_lines(errors, Some(kind)));
    let dibao_limit = Yuan::from_fen(standards.dibao.fen().saturating_mul(h.members.len() as i64));
    let html = state.render(
        "roll_new.html",
        minijinja::context! {
            frame,
            kinds,
            kind => kind.code(),
            kind_label => kind.label(),
            household => minijinja::context! {
                no => h.household_no.clone(),
                href => household_href(&h.household_no),
                head_name => h.head().map(|m| m.name.clone()).unwrap_or_default(),
                village_name => d.village_name.clone(),
                size => h.members.len(),
            },
            members,
            standards => standards_view(&standards),
            dibao_limit => dibao_limit.to_string(),
            review_months => review_interval(&policy, &h.village, start_year, kind),
            care_levels => forms::choices::<CareLevel>(),
            support_modes => forms::choices::<SupportMode>(),
            existing,
            form,
            errors,
            summary,
            start_title => field_title("start", Some(kind)),
        },
    )?;
    Ok((status, html).into_response())
}

/// The member ids of the household and their ID numbers, to turn the form's choices into IDs.
fn ids_of(d: &zhenxing_store::HouseholdDetail) -> BTreeMap<i64, String> {
    d.member_keys
        .iter()
        .zip(d.household.members.iter())
        .map(|(k, m)| (k.id, m.id_number.base().to_string()))
        .collect()
}

async fn new_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<NewParams>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_edit(&user)?;
    let chosen: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "covered")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let fields = Fields::from_pairs(pairs);
    // The form carries the household; a form posted to `?household=NO` may leave it out.
    let household_no = match fields.get("household") {
        "" => params.household.trim().to_string(),
        no => no.to_string(),
    };
    if household_no.is_empty() {
        return Err(AppError::BadRequest("缺少户编号，请从农户页面进入".into()));
    }
    let kind = RollKind::parse_label(fields.get("kind")).unwrap_or(RollKind::Dibao);
    let d = state
        .store
        .household_get(&user.actor, &household_no)
        .await?;
    let ids = ids_of(&d);
    let mut errors = FieldErrors::new();
    let covered: Vec<String> = chosen
        .iter()
        .filter_map(|id| {
            let found = ids.get(id).cloned();
            if found.is_none() {
                errors.insert(
                    "covered".into(),
                    "所选成员已不在该户，请刷新页面后重新选择".into(),
                );
            }
            found
        })
        .collect();
    let person = match fields.get("person") {
        "" => String::new(),
        t => match t.parse::<i64>().ok().and_then(|id| ids.get(&id)) {
            Some(base) => base.clone(),
            None => {
                errors.insert(
                    "person".into(),
                    "所选成员已不在该户，请刷新页面后重新选择".into(),
                );
                String::new()
            }
        },
    };
    let input = EntryInput {
        kind: kind.code().into(),
        covered,
        person,
        monthly_amount: fields.get("monthly_amount").into(),
        care_level: fields.get("care_level").into(),
        support_mode: fields.get("support_mode").into(),
        amount: fields.get("amount").into(),
        event: fields.get("event").into(),
        reason: fields.get("reason").into(),
        start: fields.get("start").into(),
        end: fields.get("end").into(),
    };
    let result = if errors.is_empty() {
        create(&state, &user, &household_no, &input).await
    } else {
        Err(refusal(errors, Some(kind)))
    };
    match result {
        Ok(id) => {
            let head = d
                .household
                .head()
                .map(|m| m.name.clone())
                .unwrap_or_default();
            user.set_flash(&format!(
                "已录入{}：{head}户（{household_no}）。",
                kind.label()
            ))
            .await?;
            Ok(Redirect::to(&format!("/lowincome/rolls/{id}")).into_response())
        }
        Err(e) => {
            // The store's own refusals (one message) go to the summary, field ones under fields.
            let (errors, summary, status) = e.into_form_refusal()?;
            render_new(
                &state,
                &user,
                &household_no,
                kind,
                &fields,
                Some(&chosen),
                &errors,
                summary,
                status,
            )
            .await
        }
    }
}

// ---------- one entry ----------

async fn roll_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let mut form = Fields::default();
    let today = views::today().to_string();
    form.set("date", today.clone());
    form.set("end_date", today);
    render_roll(
        &state,
        &user,
        id,
        &form,
        &FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Serialize)]
struct ReviewView {
    date: String,
    outcome: &'static str,
    badge: &'static str,
    change: String,
    next_review: String,
    note: String,
    reviewer: String,
}

async fn render_roll(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &Fields,
    errors: &FieldErrors,
    top: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    require_read(user)?;
    let RollDetail { entry, reviews } = state.store.roll_get(&user.actor, id).await?;
    let today = views::today();
    let r = roll_view(&entry, today);
    let frame = Frame::build(
        state,
        user,
        "lowincome-rolls",
        &format!("{} · {}", r.kind, r.head_name),
    )
    .await?;
    let mut names = BTreeMap::new();
    for u in reviews
        .iter()
        .map(|v| &v.reviewer)
        .chain([&entry.created_by, &entry.updated_by])
    {
        if !names.contains_key(u) {
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
    }
    let name_of = |u: &String| names.get(u).cloned().unwrap_or_else(|| u.clone());
    let review_views: Vec<ReviewView> = reviews
        .iter()
        .rev()
        .map(|v| ReviewView {
            date: v.date.to_string(),
            outcome: v.outcome.label(),
            badge: match v.outcome {
                ReviewOutcome::Continue => "green",
                ReviewOutcome::Adjust => "blue",
                ReviewOutcome::End => "grey",
            },
            change: match (v.old_amount, v.new_amount) {
                (Some(a), Some(b)) => format!("{a} → {b}"),
                (None, Some(b)) => format!("→ {b}"),
                _ => String::new(),
            },
            next_review: v.next_review.map(|d| d.to_string()).unwrap_or_default(),
            note: v.note.clone(),
            reviewer: name_of(&v.reviewer),
        })
        .collect();
    // Does the amount still fit this year's standards (e.g. after the 特困 standard was raised)?
    let policy = monitoring::policy(state).await?;
    let this_year = Standards::resolve(&policy, &entry.village_code, today.year());
    let finding = (entry.status == RollStatus::Active)
        .then(|| {
            amount_finding(
                entry.kind,
                covered_count(&entry),
                entry.monthly_amount,
                entry.care_level,
                &this_year,
            )
        })
        .flatten();
    let editable = may_edit_rolls(user.role()) && entry.status == RollStatus::Active;
    let mut summary: Vec<String> = top.into_iter().collect();
    summary.extend(summary_lines(errors, Some(entry.kind)));
    let outcomes: Vec<Choice> = ReviewOutcome::ALL
        .iter()
        .filter(|o| entry.kind != RollKind::Marginal || **o != ReviewOutcome::Adjust)
        .map(|o| Choice {
            value: o.code().into(),
            label: o.label().into(),
        })
        .collect();
    let html = state.render(
        "roll.html",
        minijinja::context! {
            frame,
            r,
            reviews => review_views,
            finding,
            this_year => today.year(),
            created => format!("{} · {}", name_of(&entry.created_by), views::timestamp(&entry.created_at)),
            updated => format!("{} · {}", name_of(&entry.updated_by), views::timestamp(&entry.updated_at)),
            upload_id => entry.upload_id,
            may_review => editable && entry.kind != RollKind::Temporary,
            may_end => editable,
            outcomes,
            form,
            errors,
            summary,
            end_open => errors.contains_key("end_date") || errors.contains_key("end_reason"),
        },
    )?;
    Ok((status, html).into_response())
}

/// Re-renders the entry's page with a refusal: field messages under their fields, anything else
/// in the summary; 422 for bad input, 409 for a stale version.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    fields: &Fields,
    e: AppError,
) -> Result<Response, AppError> {
    let (errors, summary, status) = e.into_form_refusal()?;
    render_roll(state, user, id, fields, &errors, summary, status).await
}

async fn review_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let version = fields.version()?;
    let input = ReviewInput {
        date: fields.get("date").into(),
        outcome: fields.get("outcome").into(),
        new_amount: fields.get("new_amount").into(),
        note: fields.get("note").into(),
    };
    match review(&state, &user, id, version, &input).await {
        Ok(outcome) => {
            let message = match outcome {
                ReviewOutcome::Continue => "已记录定期核查：继续享受。".to_string(),
                ReviewOutcome::Adjust => format!(
                    "已记录定期核查：月救助金调整为 {}。",
                    Yuan::parse(&input.new_amount)
                        .map_or_else(|_| input.new_amount.clone(), |y| y.to_string())
                ),
                ReviewOutcome::End => "已记录定期核查：终止救助。".to_string(),
            };
            user.set_flash(&message).await?;
            Ok(Redirect::to(&format!("/lowincome/rolls/{id}")).into_response())
        }
        Err(e) => refused(&state, &user, id, &fields, e).await,
    }
}

async fn end_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields = Fields::from_pairs(pairs);
    let version = fields.version()?;
    let input = EndInput {
        end_date: fields.get("end_date").into(),
        end_reason: fields.get("end_reason").into(),
    };
    match end(&state, &user, id, version, &input).await {
        Ok(()) => {
            user.set_flash(&format!("已终止救助（终止日期 {}）。", input.end_date))
                .await?;
            Ok(Redirect::to(&format!("/lowincome/rolls/{id}")).into_response())
        }
        Err(e) => refused(&state, &user, id, &fields, e).await,
    }
}

// ---------- civil import ----------

#[derive(Serialize)]
struct RefusalView {
    rows: String,
    subject: String,
    reason: String,
}

async fn import_submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_edit(&user)?;
    let fields = Fields::from_pairs(pairs);
    let upload_id = fields
        .get("upload_id")
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("缺少上传编号，请从部门数据上传结果页面操作".into()))?;
    let s = import_civil(&state, &user, upload_id).await?;
    let frame = Frame::build(&state, &user, "lowincome-rolls", "导入救助名册：结果").await?;
    let refusals: Vec<RefusalView> = s
        .refused
        .iter()
        .map(|r| RefusalView {
            rows: r
                .rows
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join("、"),
            subject: r.subject.clone(),
            reason: r.reason.clone(),
        })
        .collect();
    let html = state.render(
        "roll_import.html",
        minijinja::context! {
            frame,
            upload_id,
            created => count(s.created()),
            created_dibao => count(s.created_dibao),
            created_tekun => count(s.created_tekun),
            created_temporary => count(s.created_temporary),
            already => count(s.already),
            refused_count => count(s.refused.len() as u64),
            refusals,
        },
    )?;
    Ok(html.into_response())
}

// ---------- the due list ----------

#[derive(Serialize)]
struct VillageDue {
    name: String,
    overdue: String,
    due: String,
    total: String,
    overdue_href: String,
    due_href: String,
    total_href: String,
}

async fn reviews(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<DueParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let filter = params.filter(today);
    let page = state
        .store
        .roll_list(
            &user.actor,
            &filter,
            views::page_request(&params.page, PER_PAGE),
        )
        .await?;
    // Counts by village over the same entries as the list (all of this month's and the overdue).
    let all = DueParams {
        state: String::new(),
        village: String::new(),
        ..params.clone()
    };
    let due_rows = state
        .store
        .roll_export(&user.actor, &all.filter(today))
        .await?;
    let mut by_village: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
    for r in &due_rows {
        let e = by_village
            .entry(r.village_code.to_string())
            .or_insert_with(|| (r.village_name.clone(), 0, 0));
        match r.next_review.map(|n| review_state(n, today)) {
            Some(ReviewState::Overdue) => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    let href = |village: &str, state: &str| {
        let q = DueParams {
            village: village.to_string(),
            state: state.to_string(),
            ..all.clone()
        }
        .query(today);
        if q.is_empty() {
            "/lowincome/reviews".to_string()
        } else {
            format!("/lowincome/reviews?{q}")
        }
    };
    let (mut overdue_total, mut due_total) = (0u64, 0u64);
    let villages: Vec<VillageDue> = by_village
        .iter()
        .map(|(code, (name, o, d))| {
            overdue_total += o;
            due_total += d;
            VillageDue {
                name: name.clone(),
                overdue: count(*o),
                due: count(*d),
                total: count(o + d),
                overdue_href: href(code, "overdue"),
                due_href: href(code, "due"),
                total_href: href(code, ""),
            }
        })
        .collect();
    let frame = Frame::build(&state, &user, "lowincome-reviews", "定期核查").await?;
    let q = params.query(today);
    let pager = Pager::new(&page, "/lowincome/reviews", &q);
    let rows: Vec<RollView> = page.items.iter().map(|r| roll_view(r, today)).collect();
    let policy = monitoring::policy(&state).await?;
    let intervals: Vec<String> = [RollKind::Dibao, RollKind::Tekun, RollKind::Marginal]
        .iter()
        .filter_map(|k| {
            review_interval(&policy, &user.user.division, today.year(), *k)
                .map(|m| format!("{} {m} 个月", k.label()))
        })
        .collect();
    let export_href = if q.is_empty() {
        "/lowincome/reviews/export.xlsx".to_string()
    } else {
        format!("/lowincome/reviews/export.xlsx?{q}")
    };
    let html = state.render(
        "reviews.html",
        minijinja::context! {
            frame,
            rows,
            pager,
            villages,
            overdue_total => count(overdue_total),
            due_total => count(due_total),
            all_total => count(overdue_total + due_total),
            overdue_href => href("", "overdue"),
            due_href => href("", "due"),
            selected_kind => filter.kind.map(|k| k.code()).unwrap_or(""),
            selected_state => params.state().code(),
            selected_village => filter.village.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            kinds => kind_choices(false),
            villages_choice => village_choices(&state, &user).await?,
            month => format!("{}年{}月", today.year(), u8::from(today.month())),
            today => today.to_string(),
            intervals => intervals.join("、"),
            filtered => !q.is_empty(),
            export_href,
            may_edit => may_edit_rolls(user.role()),
        },
    )?;
    Ok(html.into_response())
}

async fn reviews_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(params): Query<DueParams>,
) -> Result<Response, AppError> {
    require_read(&user)?;
    let today = views::today();
    let rows = state
        .store
        .roll_export(&user.actor, &params.filter(today))
        .await?;
    send_workbook(
        &state,
        &user,
        rows,
        matches!(params.unmasked.trim(), "1" | "true" | "yes" | "on"),
        "roll_reviews",
        &params.query(today),
        "定期核查",
    )
    .await
}

// ---------- the household page's panel ----------

/// The 社会救助 panel of a household page: its entries (active first) with amount and state;
/// `None` for a role that may not read the rolls.
#[derive(Serialize)]
pub struct Panel {
    pub rows: Vec<RollView>,
    pub may_add: bool,
    pub new_href: String,
}

pub async fn panel(
    state: &AppState,
    user: &CurrentUser,
    household_no: &str,
) -> Result<Option<Panel>, AppError> {
    if !may_read(user.role()) {
        return Ok(None);
    }
    let today = views::today();
    let rows = state
        .store
        .rolls_for_household(&user.actor, household_no)
        .await?
        .iter()
        .map(|r| roll_view(r, today))
        .collect();
    Ok(Some(Panel {
        rows,
        may_add: may_edit_rolls(user.role()),
        new_href: format!(
            "/lowincome/rolls/new?household={}",
            views::url_encode(household_no)
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_month_after_december_is_january_of_the_next_year() {
        assert_eq!(
            next_month_start(date!(2026 - 12 - 31)),
            date!(2027 - 01 - 01)
        );
        assert_eq!(
            next_month_start(date!(2026 - 02 - 10)),
            date!(2026 - 03 - 01)
        );
    }

    #[test]
    fn the_due_list_filter_is_overdue_before_today_and_this_month_from_today() {
        let today = date!(2026 - 05 - 20);
        let p = |s: &str| DueParams {
            state: s.into(),
            ..DueParams::default()
        };
        let f = p("overdue").filter(today);
        assert_eq!(
            (f.next_review_from, f.next_review_before),
            (None, Some(today))
        );
        let f = p("due").filter(today);
        assert_eq!(
            (f.next_review_from, f.next_review_before),
            (Some(today), Some(date!(2026 - 06 - 01)))
        );
        let f = p("").filter(today);
        assert_eq!(f.next_review_before, Some(date!(2026 - 06 - 01)));
        assert_eq!(f.status, Some(RollStatus::Active));
    }
}
