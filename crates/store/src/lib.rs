//! The system of record: the [`Store`] trait and its SQL implementation on SQLite and PostgreSQL.
//!
//! Every read that returns registry data takes an [`Actor`] and filters by the actor's scope division
//! *inside the SQL*, so an out-of-scope household is indistinguishable from an absent one
//! ([`StoreError::NotFound`]). Every change writes an audit row in the same transaction.

mod audit;
mod households;
mod import;
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
use zhenxing_domain::household::{Household, HouseholdKind, MonitoringCategory};
use zhenxing_domain::risk::RiskType;
use zhenxing_domain::{DivisionCode, DivisionLevel, Member, PolicyValue, Role, Yuan};

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
    /// The registry of the actor's scope as screening sees it, and the feed records dated in the
    /// 12 months ending with `period`.
    async fn screening_snapshot(
        &self,
        actor: &Actor,
        period: zhenxing_domain::feed::Period,
    ) -> Result<(
        Vec<zhenxing_screening::Household>,
        Vec<zhenxing_domain::feed::FeedRecord>,
    )>;
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
