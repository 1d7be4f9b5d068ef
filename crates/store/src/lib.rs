//! The system of record: the [`Store`] trait and its SQL implementation on SQLite and PostgreSQL.
//!
//! Every read that returns registry data takes an [`Actor`] and filters by the actor's scope division
//! *inside the SQL*, so an out-of-scope household is indistinguishable from an absent one
//! ([`StoreError::NotFound`]). Every change writes an audit row in the same transaction.

mod audit;
mod households;
mod import;
mod lowincome;
mod monitoring;
mod screening;
mod sql;
mod users;

use std::collections::HashMap;

use async_trait::async_trait;
use time::Date;
use time::OffsetDateTime;
use zhenxing_domain::assistance::Measure;
use zhenxing_domain::case::{Action, ActionKind, Case, CaseKind, CaseState, EliminationMode};
use zhenxing_domain::elimination::IncomeCheck;
use zhenxing_domain::household::{
    DisabilityGrade, Household, HouseholdKind, MonitoringCategory, Relation, Sex,
};
use zhenxing_domain::lowincome::{
    AssistanceClass, CareGroup, CareLevel, CareParams, MedicalYear, PersonStatus, PremiumGroup,
    ReviewOutcome, RollKind, RollStatus, RosterStatus, SupportMode,
};
use zhenxing_domain::risk::RiskType;
use zhenxing_domain::{DivisionCode, DivisionLevel, Member, PolicyValue, Role, Yuan};

pub use lowincome::LOWINCOME_AUDIT_FIELDS;
pub use monitoring::MONITORING_AUDIT_FIELDS;
pub use screening::SCREENING_AUDIT_FIELDS;
pub use sql::{Backend, SqlStore};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Errors narrowed for callers: the web layer maps `NotFound` to 404, `Conflict` and `Invalid` to a
/// Chinese message for the user, and `Database` to an opaque 500 (logged with context).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("记录不存在")]
    NotFound,
    /// Someone else changed the row since it was read (optimistic `version`), or a uniqueness rule.
    #[error("{0}")]
    Conflict(String),
    /// A request the store refuses for a business reason, with a message for the user.
    #[error("{0}")]
    Invalid(String),
    #[error("数据库错误: {0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移失败: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据损坏: {0}")]
    Corrupt(String),
}

/// Who is acting: used for scoping every query and for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: DivisionCode,
}

impl Actor {
    /// The command-line operator: whole deployment, recorded as `system` unless named.
    pub fn system(scope: DivisionCode) -> Self {
        Actor {
            user_id: None,
            username: "system".into(),
            role: Role::Admin,
            scope,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    #[serde(skip)]
    pub level: DivisionLevel,
    /// True for codes we derived for the demo (village codes are not public): shown as such.
    pub is_demo_code: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    pub password_hash: String,
    pub active: bool,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    pub password_hash: String,
}

/// Filters of the household list; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdFilter {
    pub village: Option<DivisionCode>,
    pub group: Option<u16>,
    pub kind: Option<HouseholdKind>,
    /// Matches a member's name (substring) or the household number (prefix).
    pub text: Option<String>,
    /// A full ID number (any member), or its last 4+ characters.
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One line of the household list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdRow {
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    pub kind: HouseholdKind,
    pub monitoring_category: Option<MonitoringCategory>,
    pub head_name: Option<String>,
    /// Full stored ID of the head: callers mask it unless the role may see it.
    pub head_id_number: Option<String>,
    pub size: i64,
    pub latest_income_year: Option<i32>,
    pub latest_net_income_per_capita: Option<Yuan>,
}

/// Row identity and optimistic-lock version of an editable record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RowKey {
    pub id: i64,
    pub version: i64,
}

/// A household as stored: the domain value plus the keys needed to edit it.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdDetail {
    pub key: RowKey,
    pub village_name: String,
    pub household: Household,
    /// Aligned with `household.members`.
    pub member_keys: Vec<RowKey>,
    pub updated_at: String,
}

/// The editable household columns (members and incomes are edited on their own rows).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdFields {
    pub group: Option<u16>,
    pub kind: HouseholdKind,
    pub monitoring_category: Option<MonitoringCategory>,
    pub phone: Option<String>,
    pub house_safe: Option<bool>,
    pub water_safe: Option<bool>,
    pub farmland_centimu: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub households_created: u64,
    pub households_updated: u64,
    pub households_unchanged: u64,
    pub members_created: u64,
    pub members_updated: u64,
    pub members_removed: u64,
    /// Members in the file (all of them, changed or not).
    pub members_total: u64,
}

/// Households and people of one village, by household kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VillageStat {
    pub code: DivisionCode,
    pub name: String,
    pub exited: u64,
    pub monitored: u64,
    pub ordinary: u64,
    pub people: u64,
}

impl VillageStat {
    pub fn households(&self) -> u64 {
        self.exited + self.monitored + self.ordinary
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

// --- monitoring and assistance ---

/// A case with where it belongs, as lists and the case page show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseRecord {
    pub id: i64,
    pub version: i64,
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    pub head_name: Option<String>,
    /// Household size now (for notices: 家庭人口数).
    pub size: i64,
    pub case: Case,
    pub deadline: Option<Date>,
    pub step_due: Option<Date>,
    pub opened_by: String,
    pub created_at: String,
}

/// One step of a case's timeline. `action` is `None` for the clue (seq 0).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CaseEvent {
    pub seq: i64,
    pub kind: ActionKind,
    pub date: Date,
    pub action: Option<Action>,
    pub state_after: CaseState,
    pub actor: String,
    pub at: String,
}

/// Dates the caller computed with the policy rules in force (domain `Case::deadline`, `step_due`,
/// `assistance::measure_due`), stored so lists can filter overdue cases in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseTiming {
    pub deadline: Option<Date>,
    pub step_due: Option<Date>,
    /// Set when an identification is approved: the date by which a measure must be implemented.
    pub measure_due: Option<Date>,
}

/// Filters of the case lists (queue, identification, elimination, notices); combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub village: Option<DivisionCode>,
    pub kind: Option<CaseKind>,
    pub state: Option<CaseState>,
    pub open_only: bool,
    /// Only open cases whose deadline or step due date is before this day (noticing cases count
    /// only by their deadline).
    pub overdue_on: Option<Date>,
    /// Only open cases in these states (a role's queue).
    pub states: Vec<CaseState>,
    pub notice_start: Option<Date>,
    /// Cases closed (approved or rejected) on this day: the announcement of results.
    pub closed_on: Option<Date>,
    /// Head's name (substring) or household number (prefix).
    pub text: Option<String>,
}

/// A stored assistance measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeasureRecord {
    pub key: RowKey,
    pub household_no: String,
    pub measure: Measure,
    pub updated_at: String,
}

/// The helper paired with a household (结对帮扶).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pairing {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub start: Date,
}

/// A household's monitoring record: what the household page, measures and elimination need.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonitoringInfo {
    pub household_no: String,
    /// The county approval date of the current monitoring (None: never identified in the system).
    pub identified_on: Option<Date>,
    pub risks: Vec<RiskType>,
    pub risk_eliminated: bool,
    pub eliminated_on: Option<Date>,
    pub elimination_mode: Option<EliminationMode>,
    pub measure_due: Option<Date>,
    /// Newest first.
    pub cases: Vec<CaseRecord>,
    pub measures: Vec<MeasureRecord>,
    pub income_checks: Vec<IncomeCheck>,
    pub helper: Option<Pairing>,
}

/// Where a household stands in monitoring, for list filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum MonitoredStatus {
    /// 户类型 监测户, risk not eliminated.
    Monitoring,
    /// 户类型 监测户, risk eliminated.
    Eliminated,
}

/// Filters of the monitored-household list; the overview's numbers link here with the same filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoredFilter {
    pub village: Option<DivisionCode>,
    pub status: Option<MonitoredStatus>,
    pub category: Option<zhenxing_domain::household::MonitoringCategory>,
    pub risk: Option<RiskType>,
    /// Identified (county approval) in this month: `2026-10`.
    pub identified_month: Option<String>,
    /// Eliminated in this month: `2026-10`.
    pub eliminated_month: Option<String>,
    /// Monitored households whose measure due date is before this day and that have no implemented
    /// measure starting on or before it (the 1-month rule).
    pub no_measure_on: Option<Date>,
    /// Paired with this helper.
    pub helper_id: Option<i64>,
    pub text: Option<String>,
}

/// One monitored household in a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonitoredRow {
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    pub head_name: Option<String>,
    pub size: i64,
    pub category: Option<zhenxing_domain::household::MonitoringCategory>,
    pub risks: Vec<RiskType>,
    pub identified_on: Option<Date>,
    pub risk_eliminated: bool,
    pub eliminated_on: Option<Date>,
    pub elimination_mode: Option<EliminationMode>,
    pub measure_due: Option<Date>,
    pub implemented_measures: i64,
    pub helper_name: Option<String>,
}

/// A label and a count, in display order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    /// The filter value the count links to (a village code, a category code, `2026-10` …).
    pub key: String,
    pub label: String,
    pub count: u64,
}

/// The monitoring overview of the actor's scope. Every number equals the length of the list it links
/// to ([`MonitoredFilter`] or [`CaseFilter`] with the same values).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonitoringOverview {
    /// Monitored (not eliminated) households by village, every village of the scope listed.
    pub monitoring_by_village: Vec<Count>,
    pub eliminated_by_village: Vec<Count>,
    /// All 监测户 (risk eliminated or not) by category, every category listed: links to
    /// `MonitoredFilter { category }` alone.
    pub by_category: Vec<Count>,
    /// All 监测户 by risk type (a household counts once under each of its risks), zeros left out.
    pub by_risk: Vec<Count>,
    /// Households identified in the system, by month of county approval (`2026-10`), ascending.
    pub identified_by_month: Vec<Count>,
    pub eliminated_by_month: Vec<Count>,
    /// Open cases by state (identification and elimination together).
    pub open_by_state: Vec<Count>,
    pub overdue_cases: u64,
    pub no_measure: u64,
    pub monitoring_total: u64,
    pub eliminated_total: u64,
}

// --- department feeds and screening ---

/// An accepted feed file, as the uploader sent it (records are given beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUpload {
    pub kind: zhenxing_domain::feed::FeedKind,
    pub period: zhenxing_domain::feed::Period,
    pub file_name: String,
    /// SHA-256 of the file's bytes (hex): the same file uploaded again is detected by it.
    pub content_hash: String,
    /// Data rows in the file (malformed ones included).
    pub rows_total: u64,
    pub rows_malformed: u64,
}

/// A record whose person or household is not in the registry (in scope), for the uploader.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnmatchedRecord {
    /// 1-based row of the file.
    pub row: usize,
    /// The ID number (masked) or 户编号 it names.
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UploadOutcome {
    pub upload_id: i64,
    /// The same file (kind, period and content hash) was uploaded before: nothing was written.
    pub duplicate: bool,
    pub matched: u64,
    pub unmatched: Vec<UnmatchedRecord>,
}

/// One upload in the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedUploadRow {
    pub id: i64,
    pub kind: zhenxing_domain::feed::FeedKind,
    pub period: String,
    pub file_name: String,
    pub rows_total: i64,
    pub rows_matched: i64,
    pub rows_unmatched: i64,
    pub rows_malformed: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A stored screening rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredRule {
    pub def: zhenxing_screening::RuleDef,
    pub version: i64,
    /// One of the shipped rules of SCREENING.md (its expression may have been edited).
    pub is_default: bool,
    pub updated_by: String,
    pub updated_at: String,
}

/// One warning of a run, before the store decides its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunHit {
    pub household_no: String,
    pub rule_id: String,
    pub risk_type: RiskType,
    pub evidence: String,
}

zhenxing_domain::code_enum!(
    /// Where a warning stands.
    WarningStatus, "预警状态" {
        New = ("new", "待处理"),
        Monitored = ("monitored", "监测户信息"),
        Converted = ("converted", "已转为线索"),
        Dismissed = ("dismissed", "已排除"),
    }
);

impl WarningStatus {
    pub fn is_open(self) -> bool {
        matches!(self, WarningStatus::New | WarningStatus::Monitored)
    }
}

/// A run's summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunOutcome {
    pub run_id: i64,
    /// Warnings created with status `new` (village queue) and `monitored` (helper information).
    pub new: u64,
    pub monitored: u64,
    /// Hits on a (household, rule) that already had an open warning: evidence added, no new warning.
    pub updated: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRow {
    pub id: i64,
    pub period: String,
    pub started_by: String,
    pub started_at: String,
    /// Parameters as `name=value` lines.
    pub params: String,
    pub hits: i64,
    pub new: i64,
    pub monitored: i64,
    pub updated: i64,
}

/// A run's hits in one village for one rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunCount {
    pub village_code: DivisionCode,
    pub village_name: String,
    pub rule_id: String,
    pub rule_name: String,
    pub hits: i64,
}

/// Filters of the warning queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningFilter {
    pub village: Option<DivisionCode>,
    pub rule_id: Option<String>,
    pub status: Option<WarningStatus>,
    /// Only open warnings (`new` and `monitored`).
    pub open_only: bool,
    /// Warnings last hit by a run for this period (`2026-03`): after a run, the run's warnings.
    pub period: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WarningRow {
    pub id: i64,
    pub version: i64,
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub head_name: Option<String>,
    pub rule_id: String,
    pub rule_name: String,
    pub risk_type: RiskType,
    pub status: WarningStatus,
    /// Evidence lines, newest first (`2026-03：…`).
    pub evidence: String,
    pub first_period: String,
    pub last_period: String,
    pub dismiss_reason: Option<String>,
    pub case_id: Option<i64>,
    pub updated_at: String,
}

/// What an integrated screening run reads: the engine's inputs for one period and scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScreeningSnapshot {
    /// The scope's households in 户编号 order, with members and income years.
    pub households: Vec<zhenxing_screening::Household>,
    /// The feed records dated in the period, in upload order; of the medical settlements only the
    /// inpatient stays (`stay_oop_max`): the 12-month sum comes as `medical`.
    pub records: Vec<zhenxing_domain::feed::FeedRecord>,
    /// Per person with medical settlements in the 12 months ending with the period (matched when
    /// uploaded) who is a member of one of `households`: (person key, Σ 合规自付 in fen,
    /// settlements), in key order.
    pub medical: Vec<(u64, i64, u32)>,
}

// --- the rural low-income population ---

zhenxing_domain::code_enum!(
    /// How a roll entry came onto the roll.
    RollSource, "来源" {
        Manual = ("manual", "手工录入"),
        Import = ("import", "民政数据导入"),
    }
);

/// A roll entry as typed (form, API), before the store checks it against the standards of its
/// start year and the household's members. Fields that the kind does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRollEntry {
    pub kind: RollKind,
    /// 低保 and 低保边缘: the covered members' ID numbers (15 or 18 characters; stored as the
    /// 18-character base), all members of the household. 低保 needs at least one; an empty list
    /// for 低保边缘 covers every member of the household.
    pub covered: Vec<String>,
    /// 特困 (required) and 临时救助 (optional): the person's ID number, a member of the household.
    pub person: Option<String>,
    /// 低保 and 特困: the monthly amount (低保: at most covered × 低保标准; 特困: at least the basic
    /// living standard plus the care allowance of `care_level`).
    pub monthly_amount: Option<Yuan>,
    /// 特困 only (required).
    pub care_level: Option<CareLevel>,
    /// 特困 only (required).
    pub support_mode: Option<SupportMode>,
    /// 临时救助 only (required): the one-off amount.
    pub amount: Option<Yuan>,
    /// 临时救助 only (required): what happened (救助事由).
    pub event: String,
    /// 认定理由 / note, free text.
    pub reason: String,
    pub start: Date,
    /// An entry entered with an end on or before `today` is stored as ended.
    pub end: Option<Date>,
    /// The caller's today: the start may not be after it.
    pub today: Date,
}

/// A person named by a roll entry or a care roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RollPerson {
    /// The 18-character ID base (callers mask it unless the role may see it).
    pub id_number: String,
    /// The member's name now; `None` when the person is no longer in the registry.
    pub name: Option<String>,
}

/// One roll entry with its household, as lists, exports and the entry's page show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RollRow {
    pub id: i64,
    /// Optimistic-lock version: `roll_end` and `roll_review` need the one the user saw.
    pub version: i64,
    pub kind: RollKind,
    pub status: RollStatus,
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    pub head_name: Option<String>,
    /// 特困: the person; 临时救助: the person if one was named.
    pub person: Option<RollPerson>,
    /// 低保 and 低保边缘: the covered members, in the order entered.
    pub covered: Vec<RollPerson>,
    /// 低保 and 特困: the monthly amount now (after review adjustments).
    pub monthly_amount: Option<Yuan>,
    pub care_level: Option<CareLevel>,
    pub support_mode: Option<SupportMode>,
    /// 临时救助: the one-off amount.
    pub amount: Option<Yuan>,
    /// 临时救助: the event (救助事由).
    pub event: Option<String>,
    pub reason: String,
    pub start: Date,
    pub end: Option<Date>,
    pub end_reason: Option<String>,
    /// The date of the next 定期核查 (active 低保, 特困 and 低保边缘 entries only).
    pub next_review: Option<Date>,
    pub source: RollSource,
    /// The civil feed upload an imported entry came from.
    pub upload_id: Option<i64>,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// One periodic review of an entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RollReview {
    pub date: Date,
    pub outcome: ReviewOutcome,
    /// 调整金额: the monthly amount before and after.
    pub old_amount: Option<Yuan>,
    pub new_amount: Option<Yuan>,
    /// The next review the outcome set (`None` when the entry was ended).
    pub next_review: Option<Date>,
    pub note: String,
    pub reviewer: String,
    pub at: String,
}

/// A roll entry with its reviews (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RollDetail {
    pub entry: RollRow,
    pub reviews: Vec<RollReview>,
}

/// A periodic review as recorded by the clerk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// 核查日期: not after `today`, not before the entry's start.
    pub date: Date,
    pub outcome: ReviewOutcome,
    /// 调整金额 (required): the new monthly amount, checked against the standards of the review
    /// date's year like a new entry.
    pub new_amount: Option<Yuan>,
    /// 核查说明; required when the outcome ends the entry (it becomes the end reason).
    pub note: String,
    pub today: Date,
}

/// Filters of the roll list; combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollFilter {
    pub village: Option<DivisionCode>,
    pub kind: Option<RollKind>,
    pub status: Option<RollStatus>,
    /// Entries whose next review is on or after this day …
    pub next_review_from: Option<Date>,
    /// … and before this day. Due this month: `[today, first day of next month)`; overdue:
    /// before today. Either bound limits the list to entries that have a next review.
    pub next_review_before: Option<Date>,
    /// Household number (prefix) or head's name (substring).
    pub text: Option<String>,
}

/// One civil-feed record (or a household's records, for 低保) that was not put on the roll.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CivilRefusal {
    /// 1-based rows of the file.
    pub rows: Vec<usize>,
    /// The person's masked ID number, or the household number for 低保.
    pub subject: String,
    pub reason: String,
}

/// What `roll_import_civil` did with an upload's records in the actor's scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CivilImportSummary {
    /// Entries created: 低保 per household, 特困 per person, 临时救助 per record.
    pub created_dibao: u64,
    pub created_tekun: u64,
    pub created_temporary: u64,
    /// Entries not created because the household (低保) or person (特困) already has an active one,
    /// or the same 临时救助 (person, date, amount) is already on the roll.
    pub already: u64,
    pub refused: Vec<CivilRefusal>,
}

impl CivilImportSummary {
    pub fn created(&self) -> u64 {
        self.created_dibao + self.created_tekun + self.created_temporary
    }
}

/// Filters of the medical three-tier list. `min_ratio` and `min_out_of_pocket` select the people
/// above either (the 关注 list); without them everyone with records in the year is listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MedicalFilter {
    pub village: Option<DivisionCode>,
    /// 政策范围内个人自付比例 at or above this (×10^4).
    pub min_ratio: Option<i64>,
    /// 个人自付 of the year at or above this.
    pub min_out_of_pocket: Option<Yuan>,
}

/// One person's medical costs of a year with the facts of the medical-assistance class.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MedicalPersonRow {
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub name: String,
    /// Full stored ID (callers mask it).
    pub id_number: String,
    pub relation: Relation,
    pub birth_date: Date,
    /// The year's sums from the medical feed.
    pub medical: MedicalYear,
    /// 特困: member flag or a 特困 entry for the person in force during the year.
    pub tekun: bool,
    /// 孤儿 (approximation, docs/LOWINCOME.md): under 18 on 1 January of the year with no parent
    /// member in the household.
    pub orphan: bool,
    /// 低保: member flag or a 低保 entry covering the person in force during the year.
    pub dibao: bool,
    /// Member of a 监测户 (risk not eliminated) of category 脱贫不稳定户 or 突发严重困难户.
    pub returned_to_poverty: bool,
    /// Covered by a 低保边缘 entry in force during the year.
    pub marginal: bool,
    /// Member of a 监测户 whose risk is not eliminated.
    pub monitored: bool,
    /// The household's 纯收入 of the year before (`None`: no income record for it).
    pub household_net_income_last_year: Option<Yuan>,
    /// The domain's class from these facts (the year's 个人自付 as the 12 months' out-of-pocket).
    pub class: Option<AssistanceClass>,
}

impl MedicalPersonRow {
    /// The facts as the domain's `assistance_class` takes them.
    pub fn status(&self) -> PersonStatus {
        PersonStatus {
            tekun: self.tekun,
            orphan: self.orphan,
            dibao: self.dibao,
            returned_to_poverty: self.returned_to_poverty,
            marginal: self.marginal,
            monitored: self.monitored,
            oop_12m: self.medical.out_of_pocket,
            household_net_income_last_year: self.household_net_income_last_year,
        }
    }
}

/// A member who may be due the pension premium subsidy of a year: someone with a group fact
/// (特困 or 低保 by flag or by an entry in force during the year, monitored household, any
/// disability grade) born within a year of the 16–59 age range. The domain decides (`group`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PremiumCandidate {
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub name: String,
    /// Full stored ID (callers mask it unless asked and allowed).
    pub id_number: String,
    pub birth_date: Date,
    pub pension_insured: Option<bool>,
    pub tekun: bool,
    pub dibao: bool,
    /// Member of a 监测户 whose risk is not eliminated.
    pub monitored: bool,
    pub disability: Option<DisabilityGrade>,
    /// `premium_group` of the domain: `None` means not on the year's list (age, not insured, or a
    /// disability grade below 二级 only).
    pub group: Option<PremiumGroup>,
    /// The subsidy (lowest tier × share of the village's policy for the year) when `group` is set.
    pub subsidy: Option<Yuan>,
}

/// What `care_refresh` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CareRefreshSummary {
    /// New (person, group) pairs, inserted as 待核实.
    pub created: u64,
    /// 待核实 entries whose reason (or household) changed.
    pub updated: u64,
    pub unchanged: u64,
    /// Confirmed or rejected entries, left as the cadre set them.
    pub kept: u64,
    /// 待核实 entries the rules no longer derive and that have no visits: removed.
    pub removed: u64,
}

/// Filters of the care roster; combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CareFilter {
    pub village: Option<DivisionCode>,
    pub group: Option<CareGroup>,
    pub status: Option<RosterStatus>,
    /// Entries (not rejected) whose next visit is before this day.
    pub visit_overdue_on: Option<Date>,
    /// Household number (prefix) or the person's name (substring).
    pub text: Option<String>,
}

/// One person in one care group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CareRow {
    pub id: i64,
    pub version: i64,
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    /// The person (name `None` when no longer in the registry).
    pub person: RollPerson,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    pub relation: Option<Relation>,
    pub care_group: CareGroup,
    pub status: RosterStatus,
    /// Why the rules derived the entry (Chinese, from the domain).
    pub reason: String,
    /// The cadre's note on confirming or rejecting.
    pub note: String,
    pub next_visit: Option<Date>,
    pub last_visit: Option<Date>,
    pub visits: i64,
    pub updated_by: String,
    pub updated_at: String,
}

/// One visit to a person on a care roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CareVisit {
    pub date: Date,
    pub visitor: String,
    pub content: String,
    pub next_visit: Option<Date>,
    pub created_by: String,
    pub created_at: String,
}

/// A care-roster entry with its visits (newest first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CareDetail {
    pub entry: CareRow,
    pub visits: Vec<CareVisit>,
}

/// A visit as recorded by the cadre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCareVisit {
    /// Not after `today`.
    pub date: Date,
    /// 走访人 (required).
    pub visitor: String,
    /// 走访内容 (required).
    pub content: String,
    /// 下次走访日期: after `date`; becomes the entry's next visit.
    pub next_visit: Option<Date>,
    pub today: Date,
}

zhenxing_domain::code_enum!(
    /// The types of the low-income population list; a household can be of several.
    LowIncomeType, "低收入人口类型" {
        /// An active 低保 entry, or a member flagged 是否享受低保 in the roster.
        Dibao = ("dibao", "低保"),
        /// A member with an active 特困 entry or flagged 是否特困供养 in the roster.
        Tekun = ("tekun", "特困"),
        /// An active 低保边缘 entry.
        Marginal = ("marginal", "低保边缘"),
        /// 监测户 whose risk is not eliminated.
        Monitored = ("monitored", "监测对象"),
        /// 监测户 (risk not eliminated) of category 突发严重困难户.
        SuddenHardship = ("sudden_hardship", "突发严重困难户"),
        /// A 临时救助 entry dated within the 12 months ending today (after the same day a year
        /// earlier, up to today).
        Temporary = ("temporary", "临时救助"),
    }
);

/// Filters of the low-income population list; combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LowIncomeFilter {
    pub village: Option<DivisionCode>,
    /// Only households of this type (the dashboard's numbers link here).
    pub kind: Option<LowIncomeType>,
    /// Household number (prefix) or head's name (substring).
    pub text: Option<String>,
}

/// One household of the low-income population.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LowIncomeRow {
    pub household_no: String,
    pub village_code: DivisionCode,
    pub village_name: String,
    pub group: Option<u16>,
    pub head_name: Option<String>,
    pub size: i64,
    pub household_kind: HouseholdKind,
    pub monitoring_category: Option<MonitoringCategory>,
    /// Every type the household is of, in [`LowIncomeType::ALL`] order (never empty).
    pub types: Vec<LowIncomeType>,
    /// The active 低保 entry's monthly amount.
    pub dibao_amount: Option<Yuan>,
    pub latest_income_year: Option<i32>,
    pub latest_net_income_per_capita: Option<Yuan>,
}

/// Households of one village of one type (`kind` None: of any type, each household once). Every
/// number equals the total of `low_income_list` with `village` and `kind` set to the same values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LowIncomeCount {
    pub village_code: DivisionCode,
    pub village_name: String,
    pub kind: Option<LowIncomeType>,
    pub count: u64,
}

/// The store as the rest of the system sees it. One implementation ([`SqlStore`]) serves SQLite and
/// PostgreSQL; the trait is the seam for a distributed backend and keeps callers off SQL.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    // --- divisions ---
    /// All divisions of the deployment (county, town, villages), ordered by code.
    async fn divisions(&self) -> Result<Vec<Division>>;
    /// Adds the divisions that are missing (a synthetic region, a new village); existing codes keep
    /// their names. Parents must come before children.
    async fn divisions_ensure(
        &self,
        actor: &Actor,
        divisions: &[(DivisionCode, String)],
    ) -> Result<u64>;

    // --- users, login attempts and sessions ---
    async fn user_create(&self, actor: &Actor, user: NewUser) -> Result<i64>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>>;
    /// Users inside the actor's scope.
    async fn users(&self, actor: &Actor) -> Result<Vec<UserRecord>>;
    async fn user_set_active(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        active: bool,
    ) -> Result<()>;
    async fn login_attempt_record(&self, username: &str, success: bool) -> Result<()>;
    /// Lifts a lockout: earlier failures of `username` stop counting (audited; admins only).
    async fn login_failures_clear(&self, actor: &Actor, username: &str) -> Result<()>;
    /// Failed attempts for `username` at or after `since` and after its last success.
    async fn login_failures_since(&self, username: &str, since: OffsetDateTime) -> Result<u32>;
    async fn session_load(&self, id: &str) -> Result<Option<String>>;
    async fn session_save(&self, id: &str, data: &str, expires_at: OffsetDateTime) -> Result<()>;
    async fn session_delete(&self, id: &str) -> Result<()>;

    // --- registry reads (scoped) ---
    async fn village_stats(&self, actor: &Actor) -> Result<Vec<VillageStat>>;
    async fn household_list(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
        page: PageRequest,
    ) -> Result<Page<HouseholdRow>>;
    async fn household_get(&self, actor: &Actor, household_no: &str) -> Result<HouseholdDetail>;
    /// Full households matching the filter, for export, in household-number order.
    async fn households_export(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdDetail>>;
    /// The household number of a member in the actor's scope (`NotFound` otherwise).
    async fn member_household(&self, actor: &Actor, member_id: i64) -> Result<String>;
    /// Which household (number) each of these resident IDs (18-char base) belongs to, if any.
    async fn member_locations(&self, id_bases: &[String]) -> Result<HashMap<String, String>>;

    // --- registry writes (scoped, versioned, audited) ---
    async fn household_update(
        &self,
        actor: &Actor,
        household_no: &str,
        expected_version: i64,
        fields: HouseholdFields,
    ) -> Result<()>;
    async fn member_update(
        &self,
        actor: &Actor,
        member_id: i64,
        expected_version: i64,
        member: Member,
    ) -> Result<()>;
    /// Upserts whole households (members and income years as given) in one transaction.
    /// `progress` is called with the number of households written so far.
    async fn households_import(
        &self,
        actor: &Actor,
        households: Vec<Household>,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportSummary>;

    // --- policy table ---
    /// The whole policy table (not scoped: policy is public and small).
    async fn policy_values(&self) -> Result<Vec<PolicyValue>>;
    /// Sets a value for (key, region, year), replacing one already there; audited with the old value.
    async fn policy_set(&self, actor: &Actor, value: &PolicyValue) -> Result<()>;
    /// Changes of the policy table, newest first.
    async fn policy_history(&self) -> Result<Vec<AuditEntry>>;

    // --- cases (scoped by the household's village) ---
    /// Stores a new case for a household in scope. `Conflict` if the household already has an
    /// open case.
    async fn case_open(
        &self,
        actor: &Actor,
        household_no: &str,
        case: &Case,
        timing: CaseTiming,
    ) -> Result<i64>;
    async fn case_get(&self, actor: &Actor, id: i64) -> Result<CaseRecord>;
    async fn case_events(&self, actor: &Actor, id: i64) -> Result<Vec<CaseEvent>>;
    /// Records one step decided by the domain (`next` = `case.apply(action)`), in one transaction
    /// with its effects on the household (identification approved → 监测户 with category and risks;
    /// elimination approved → risk eliminated; rollback → monitored again) and the audit row.
    /// `Conflict` when the case's version is no longer `expected_version`.
    async fn case_apply(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        action: &Action,
        next: &Case,
        timing: CaseTiming,
    ) -> Result<()>;
    async fn cases_list(
        &self,
        actor: &Actor,
        filter: &CaseFilter,
        page: PageRequest,
    ) -> Result<Page<CaseRecord>>;
    /// All cases matching the filter (exports, notices), oldest clue first.
    async fn cases_export(&self, actor: &Actor, filter: &CaseFilter) -> Result<Vec<CaseRecord>>;

    // --- assistance ---
    async fn monitoring_info(&self, actor: &Actor, household_no: &str) -> Result<MonitoringInfo>;
    async fn measure_create(
        &self,
        actor: &Actor,
        household_no: &str,
        measure: &Measure,
    ) -> Result<i64>;
    async fn measure_update(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        measure: &Measure,
    ) -> Result<()>;
    async fn measure_get(&self, actor: &Actor, id: i64) -> Result<MeasureRecord>;
    /// Pairs a helper (an active user) with a household from `start`, ending the previous pairing.
    async fn pairing_set(
        &self,
        actor: &Actor,
        household_no: &str,
        user_id: i64,
        start: Date,
    ) -> Result<()>;
    /// Records a follow-up income check (人均纯收入 found on a helper's visit).
    async fn income_check_add(
        &self,
        actor: &Actor,
        household_no: &str,
        check: IncomeCheck,
        notes: &str,
    ) -> Result<()>;
    async fn monitored_list(
        &self,
        actor: &Actor,
        filter: &MonitoredFilter,
        page: PageRequest,
    ) -> Result<Page<MonitoredRow>>;
    async fn monitored_export(
        &self,
        actor: &Actor,
        filter: &MonitoredFilter,
    ) -> Result<Vec<MonitoredRow>>;
    /// Counts for the overview; `today` decides what is overdue.
    async fn monitoring_overview(&self, actor: &Actor, today: Date) -> Result<MonitoringOverview>;

    // --- department feeds and screening ---
    /// Stores an accepted feed file and its records in one transaction, matching each record's
    /// person or household against the registry (15-digit IDs are already upgraded); a file seen
    /// before (kind, period, content hash) changes nothing and says so.
    async fn feed_upload(
        &self,
        actor: &Actor,
        upload: &FeedUpload,
        records: &[(usize, zhenxing_domain::feed::FeedRecord)],
    ) -> Result<UploadOutcome>;
    async fn feed_uploads(&self, actor: &Actor, page: PageRequest) -> Result<Page<FeedUploadRow>>;
    /// The registry of the actor's scope as screening sees it, the feed records dated in `period`
    /// and the 12-month medical sums per person (see [`ScreeningSnapshot`]).
    async fn screening_snapshot(
        &self,
        actor: &Actor,
        period: zhenxing_domain::feed::Period,
    ) -> Result<ScreeningSnapshot>;
    /// Rebuilds the screening cache of the whole registry if the registry changed since it was
    /// written (see [`ScreeningSnapshot`]; the next whole-registry run then reads it instead of
    /// the tables). True when it rebuilt. Does nothing for an actor who cannot see every
    /// household.
    async fn screening_cache_warm(&self, actor: &Actor) -> Result<bool>;
    /// The rule set (the defaults of SCREENING.md are seeded on first use), in id order.
    async fn screening_rules(&self) -> Result<Vec<StoredRule>>;
    /// Creates or changes a rule (the caller has compiled it); `expected_version` for a change.
    async fn screening_rule_save(
        &self,
        actor: &Actor,
        rule: &zhenxing_screening::RuleDef,
        expected_version: Option<i64>,
    ) -> Result<()>;
    /// Records a run and its hits in one transaction: a (household, rule) with an open warning
    /// gains the evidence; otherwise a warning is created, `monitored` when the household is
    /// monitored (监测户 or an open/approved identification case), else `new`.
    async fn screening_run_record(
        &self,
        actor: &Actor,
        period: zhenxing_domain::feed::Period,
        params: &str,
        hits: &[RunHit],
    ) -> Result<RunOutcome>;
    async fn screening_runs(&self, actor: &Actor, page: PageRequest) -> Result<Page<RunRow>>;
    /// A run's hits by village and rule, villages in the actor's scope only.
    async fn screening_run_counts(&self, actor: &Actor, run_id: i64) -> Result<Vec<RunCount>>;
    async fn warnings_list(
        &self,
        actor: &Actor,
        filter: &WarningFilter,
        page: PageRequest,
    ) -> Result<Page<WarningRow>>;
    async fn warnings_export(
        &self,
        actor: &Actor,
        filter: &WarningFilter,
    ) -> Result<Vec<WarningRow>>;
    async fn warning_get(&self, actor: &Actor, id: i64) -> Result<WarningRow>;
    /// 排除: closes an open warning with a reason (versioned, audited).
    async fn warning_dismiss(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<()>;
    /// 转为线索: opens the identification case `case` (the caller decided it with the domain) for the
    /// warning's household and marks the warning converted with its id, in one transaction.
    async fn warning_convert(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        case: &Case,
        timing: CaseTiming,
    ) -> Result<i64>;

    // --- the rural low-income population (scoped by the household's village) ---
    /// Puts an entry on a roll for a household in scope, checked against the household's members,
    /// the standards of the start year (domain `check_draft`; `Invalid` with the field messages)
    /// and the one-active-entry rules (`Conflict`); the next review is set from the policy's
    /// interval. Audited.
    async fn roll_create(
        &self,
        actor: &Actor,
        household_no: &str,
        entry: &NewRollEntry,
    ) -> Result<i64>;
    async fn roll_list(
        &self,
        actor: &Actor,
        filter: &RollFilter,
        page: PageRequest,
    ) -> Result<Page<RollRow>>;
    /// All entries matching the filter, by village and household.
    async fn roll_export(&self, actor: &Actor, filter: &RollFilter) -> Result<Vec<RollRow>>;
    async fn roll_get(&self, actor: &Actor, id: i64) -> Result<RollDetail>;
    /// Ends an active 低保, 特困 or 低保边缘 entry on `end` (not before its start) with a reason;
    /// 临时救助 is one-off and has no end.
    async fn roll_end(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        end: Date,
        reason: &str,
    ) -> Result<()>;
    /// Records a periodic review and its effect on the entry in one transaction: continue (next
    /// review from the review date), adjust (new monthly amount checked against the standards of
    /// the review's year; next review) or end.
    async fn roll_review(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        review: &NewReview,
    ) -> Result<()>;
    /// A household's entries (active first, newest first).
    async fn rolls_for_household(&self, actor: &Actor, household_no: &str) -> Result<Vec<RollRow>>;
    /// Puts the civil feed records of one upload (in the actor's scope) on the rolls, in one
    /// transaction: 临时救助 per record, 低保 per household (covered = its people in the upload,
    /// amount = the sum of their latest amounts), 特困 per person (全自理, 分散供养); entries already
    /// on the roll are counted, entries that do not fit the standards are refused with the reason.
    async fn roll_import_civil(&self, actor: &Actor, upload_id: i64) -> Result<CivilImportSummary>;
    /// Per person with medical records dated in `year` (household in scope): the three-tier sums,
    /// the facts of the medical-assistance class and the class; by village, household and name.
    async fn medical_years(
        &self,
        actor: &Actor,
        year: i32,
        filter: &MedicalFilter,
    ) -> Result<Vec<MedicalPersonRow>>;
    /// The candidates of the year's pension premium subsidy list with the domain's decision.
    async fn premium_candidates(&self, actor: &Actor, year: i32) -> Result<Vec<PremiumCandidate>>;
    /// Derives the care rosters of every household in scope on `today` (domain `derive_care`):
    /// new pairs as 待核实, reasons of 待核实 entries refreshed, confirmed/rejected ones kept.
    async fn care_refresh(
        &self,
        actor: &Actor,
        today: Date,
        params: &CareParams,
    ) -> Result<CareRefreshSummary>;
    async fn care_list(
        &self,
        actor: &Actor,
        filter: &CareFilter,
        page: PageRequest,
    ) -> Result<Page<CareRow>>;
    /// 核实: confirms or rejects an entry (a rejection needs a note).
    async fn care_set_status(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        status: RosterStatus,
        note: &str,
    ) -> Result<()>;
    /// Records a visit and sets the entry's next visit.
    async fn care_visit(&self, actor: &Actor, id: i64, visit: &NewCareVisit) -> Result<()>;
    async fn care_get(&self, actor: &Actor, id: i64) -> Result<CareDetail>;
    /// The households of the low-income population in scope (any [`LowIncomeType`] on `today`).
    async fn low_income_list(
        &self,
        actor: &Actor,
        filter: &LowIncomeFilter,
        today: Date,
        page: PageRequest,
    ) -> Result<Page<LowIncomeRow>>;
    async fn low_income_export(
        &self,
        actor: &Actor,
        filter: &LowIncomeFilter,
        today: Date,
    ) -> Result<Vec<LowIncomeRow>>;
    /// Every village of the scope × (every type, and any type): the totals of the list filtered
    /// the same way.
    async fn low_income_counts(&self, actor: &Actor, today: Date) -> Result<Vec<LowIncomeCount>>;

    // --- audit ---
    async fn audit_record(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_key: &str,
        household_no: Option<&str>,
    ) -> Result<()>;
    async fn audit_for_household(
        &self,
        actor: &Actor,
        household_no: &str,
    ) -> Result<Vec<AuditEntry>>;
}
