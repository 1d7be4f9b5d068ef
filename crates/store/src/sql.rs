//! [`SqlStore`]: the `Store` on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! Both schemas use the types the two share (BIGINT/INTEGER, TEXT, ISO-8601 text for times), so one
//! set of queries with `$n` parameters serves both; the migrations live in one folder per backend.

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use time::OffsetDateTime;
use time::macros::format_description;
use zhenxing_domain::DivisionCode;

use crate::{Result, StoreError};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The largest number of bind parameters we put in one statement.
    pub(crate) fn max_params(self) -> usize {
        match self {
            Backend::Sqlite => 30_000,
            Backend::Postgres => 60_000,
        }
    }
}

/// The store over a connection pool. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
}

/// 綦江区 / 扶欢镇 / 扶欢社区 and the 15 villages (POLICY.md §10). Village codes are not public: the
/// codes under 500110120 are derived for the demo and stored with `is_demo_code = 1`.
pub const SEED_DIVISIONS: &[(&str, &str, bool)] = &[
    ("500110", "綦江区", false),
    ("500110120", "扶欢镇", false),
    ("500110120001", "扶欢社区", true),
    ("500110120201", "石足村", true),
    ("500110120202", "崇恩村", true),
    ("500110120203", "东升村", true),
    ("500110120204", "青岩村", true),
    ("500110120205", "插旗村", true),
    ("500110120206", "长榜村", true),
    ("500110120207", "高滩村", true),
    ("500110120208", "盘石村", true),
    ("500110120209", "松山村", true),
    ("500110120210", "文峰村", true),
    ("500110120211", "安育村", true),
    ("500110120212", "小卷村", true),
    ("500110120213", "岚垭村", true),
    ("500110120214", "民主村", true),
    ("500110120215", "大石板村", true),
];

impl SqlStore {
    /// Connects to `sqlite://path` (the file is created) or `postgres://…`, applies the migrations
    /// and seeds the divisions of a fresh database.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            let url = if url.contains('?') || url.contains(":memory:") {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::Invalid(format!(
                "不支持的数据库地址“{url}”：应以 sqlite:// 或 postgres:// 开头"
            )));
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = SqlStore { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations, seeds the divisions if there are none, and the documented policy
    /// defaults and screening rules that are missing (edited ones are kept). Idempotent.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM divisions")
            .fetch_one(&self.pool)
            .await?;
        if count == 0 {
            let mut tx = self.pool.begin().await?;
            for (code, name, demo) in SEED_DIVISIONS {
                let code =
                    DivisionCode::parse(code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                division_insert(&mut tx, &code, name, *demo).await?;
            }
            tx.commit().await?;
        }
        self.policy_seed().await?;
        self.rules_seed().await?;
        Ok(())
    }

    /// A transaction that is going to write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting out the busy timeout), so a read-then-write transaction waits for a
    /// concurrent writer instead of failing on its stale snapshot; PostgreSQL locks rows as it goes.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub(crate) async fn divisions_ensure_impl(
        &self,
        actor: &crate::Actor,
        divisions: &[(DivisionCode, String)],
    ) -> Result<u64> {
        if let Some((code, _)) = divisions.iter().find(|(c, _)| !actor.scope.contains(c)) {
            return Err(StoreError::Invalid(format!(
                "行政区划 {code} 不在您的管辖范围内"
            )));
        }
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for (code, name) in divisions {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE code = $1")
                .bind(code.as_str().to_string())
                .fetch_one(&mut *tx)
                .await?;
            if exists == 0 {
                division_insert(&mut tx, code, name, true).await?;
                crate::audit::audit_insert(
                    &mut tx,
                    actor,
                    "create",
                    "division",
                    code.as_str(),
                    None,
                    None,
                    Some(serde_json::json!({"name": name})),
                )
                .await?;
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

async fn division_insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    code: &DivisionCode,
    name: &str,
    demo: bool,
) -> Result<()> {
    let level = match code.level() {
        zhenxing_domain::DivisionLevel::County => "county",
        zhenxing_domain::DivisionLevel::Town => "town",
        zhenxing_domain::DivisionLevel::Village => "village",
        zhenxing_domain::DivisionLevel::Group => "group",
    };
    sqlx::query("INSERT INTO divisions (code, name, level, parent_code, is_demo_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
        .bind(code.as_str().to_string())
        .bind(name.to_string())
        .bind(level)
        .bind(code.parent().map(|p| p.as_str().to_string()))
        .bind(i64::from(demo))
        .bind(now_text())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) fn now_text() -> String {
    time_text(OffsetDateTime::now_utc())
}

/// UTC timestamps as fixed-width, sortable text: `2026-11-28T21:58:54.123456Z`.
pub(crate) fn time_text(t: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The half-open text range `[scope, scope + ":")` of codes inside `scope` (':' sorts after '9').
pub(crate) fn scope_range(scope: &DivisionCode) -> (String, String) {
    (scope.as_str().to_string(), format!("{}:", scope.as_str()))
}

impl Backend {
    /// A subquery giving the texts of the JSON array bound at `param` as rows of one column: a
    /// list of any length in one parameter (an IN list of thousands of placeholders cost ~25 µs a
    /// value through sqlx; this, ~2 µs).
    pub(crate) fn json_texts(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
            Backend::Postgres => {
                format!("SELECT json_array_elements_text(CAST({param} AS json))")
            }
        }
    }

    /// [`Backend::json_texts`] for a JSON array of integers, as integers.
    pub(crate) fn json_ints(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
            Backend::Postgres => {
                format!("SELECT CAST(json_array_elements_text(CAST({param} AS json)) AS BIGINT)")
            }
        }
    }

    /// `count` placeholders for an IN list that binds its values in order (see [`crate::households::Query`]).
    pub(crate) fn placeholders(self, count: usize) -> String {
        match self {
            Backend::Sqlite => vec!["?"; count].join(", "),
            Backend::Postgres => (1..=count)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[async_trait::async_trait]
impl crate::Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn divisions(&self) -> Result<Vec<crate::Division>> {
        use sqlx::Row;
        let rows = sqlx::query("SELECT code, name, is_demo_code FROM divisions ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("code")?;
                let code =
                    DivisionCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(crate::Division {
                    level: code.level(),
                    code,
                    name: r.try_get("name")?,
                    is_demo_code: r.try_get::<i64, _>("is_demo_code")? != 0,
                })
            })
            .collect()
    }

    async fn divisions_ensure(
        &self,
        actor: &crate::Actor,
        divisions: &[(DivisionCode, String)],
    ) -> Result<u64> {
        self.divisions_ensure_impl(actor, divisions).await
    }

    async fn user_create(&self, actor: &crate::Actor, user: crate::NewUser) -> Result<i64> {
        self.user_create_impl(actor, user).await
    }
    async fn user_by_username(&self, username: &str) -> Result<Option<crate::UserRecord>> {
        self.user_by_username_impl(username).await
    }
    async fn user_by_id(&self, id: i64) -> Result<Option<crate::UserRecord>> {
        self.user_by_id_impl(id).await
    }
    async fn users(&self, actor: &crate::Actor) -> Result<Vec<crate::UserRecord>> {
        self.users_impl(actor).await
    }
    async fn user_set_active(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        active: bool,
    ) -> Result<()> {
        self.user_set_active_impl(actor, id, expected_version, active)
            .await
    }
    async fn login_attempt_record(&self, username: &str, success: bool) -> Result<()> {
        self.login_attempt_record_impl(username, success).await
    }
    async fn login_failures_clear(&self, actor: &crate::Actor, username: &str) -> Result<()> {
        let user = self
            .user_by_username_impl(username)
            .await?
            .filter(|u| actor.scope.contains(&u.division))
            .ok_or(StoreError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        // A success row ends the run of failures that the lockout counts.
        sqlx::query("INSERT INTO login_attempts (username, at, success) VALUES ($1, $2, 1)")
            .bind(user.username.clone())
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        crate::audit::audit_insert(
            &mut tx,
            actor,
            "unlock",
            "user",
            &user.username,
            None,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    async fn login_failures_since(&self, username: &str, since: OffsetDateTime) -> Result<u32> {
        self.login_failures_since_impl(username, since).await
    }
    async fn session_load(&self, id: &str) -> Result<Option<String>> {
        self.session_load_impl(id).await
    }
    async fn session_save(&self, id: &str, data: &str, expires_at: OffsetDateTime) -> Result<()> {
        self.session_save_impl(id, data, expires_at).await
    }
    async fn session_delete(&self, id: &str) -> Result<()> {
        self.session_delete_impl(id).await
    }
    async fn village_stats(&self, actor: &crate::Actor) -> Result<Vec<crate::VillageStat>> {
        self.village_stats_impl(actor).await
    }
    async fn household_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::HouseholdFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::HouseholdRow>> {
        self.household_list_impl(actor, filter, page).await
    }
    async fn household_get(
        &self,
        actor: &crate::Actor,
        household_no: &str,
    ) -> Result<crate::HouseholdDetail> {
        self.household_get_impl(actor, household_no).await
    }
    async fn households_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::HouseholdFilter,
    ) -> Result<Vec<crate::HouseholdDetail>> {
        self.households_export_impl(actor, filter).await
    }
    async fn member_household(&self, actor: &crate::Actor, member_id: i64) -> Result<String> {
        let (lo, hi) = scope_range(&actor.scope);
        sqlx::query_scalar("SELECT h.household_no FROM members m JOIN households h ON h.id = m.household_id WHERE m.id = $1 AND h.village_code >= $2 AND h.village_code < $3")
            .bind(member_id)
            .bind(lo)
            .bind(hi)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }
    async fn member_locations(
        &self,
        id_bases: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        self.member_locations_impl(id_bases).await
    }
    async fn household_update(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        expected_version: i64,
        fields: crate::HouseholdFields,
    ) -> Result<()> {
        self.household_update_impl(actor, household_no, expected_version, fields)
            .await
    }
    async fn member_update(
        &self,
        actor: &crate::Actor,
        member_id: i64,
        expected_version: i64,
        member: zhenxing_domain::Member,
    ) -> Result<()> {
        self.member_update_impl(actor, member_id, expected_version, member)
            .await
    }
    async fn households_import(
        &self,
        actor: &crate::Actor,
        households: Vec<zhenxing_domain::Household>,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<crate::ImportSummary> {
        self.households_import_impl(actor, households, progress)
            .await
    }
    async fn policy_values(&self) -> Result<Vec<zhenxing_domain::PolicyValue>> {
        self.policy_values_impl().await
    }
    async fn policy_set(
        &self,
        actor: &crate::Actor,
        value: &zhenxing_domain::PolicyValue,
    ) -> Result<()> {
        self.policy_set_impl(actor, value).await
    }
    async fn policy_history(&self) -> Result<Vec<crate::AuditEntry>> {
        self.policy_history_impl().await
    }
    async fn case_open(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        case: &zhenxing_domain::case::Case,
        timing: crate::CaseTiming,
    ) -> Result<i64> {
        self.case_open_impl(actor, household_no, case, timing).await
    }
    async fn case_get(&self, actor: &crate::Actor, id: i64) -> Result<crate::CaseRecord> {
        self.case_get_impl(actor, id).await
    }
    async fn case_events(&self, actor: &crate::Actor, id: i64) -> Result<Vec<crate::CaseEvent>> {
        self.case_events_impl(actor, id).await
    }
    async fn case_apply(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        action: &zhenxing_domain::case::Action,
        next: &zhenxing_domain::case::Case,
        timing: crate::CaseTiming,
    ) -> Result<()> {
        self.case_apply_impl(actor, id, expected_version, action, next, timing)
            .await
    }
    async fn cases_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::CaseFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::CaseRecord>> {
        self.cases_list_impl(actor, filter, page).await
    }
    async fn cases_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::CaseFilter,
    ) -> Result<Vec<crate::CaseRecord>> {
        self.cases_export_impl(actor, filter).await
    }
    async fn monitoring_info(
        &self,
        actor: &crate::Actor,
        household_no: &str,
    ) -> Result<crate::MonitoringInfo> {
        self.monitoring_info_impl(actor, household_no).await
    }
    async fn measure_create(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        measure: &zhenxing_domain::assistance::Measure,
    ) -> Result<i64> {
        self.measure_create_impl(actor, household_no, measure).await
    }
    async fn measure_update(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        measure: &zhenxing_domain::assistance::Measure,
    ) -> Result<()> {
        self.measure_update_impl(actor, id, expected_version, measure)
            .await
    }
    async fn measure_get(&self, actor: &crate::Actor, id: i64) -> Result<crate::MeasureRecord> {
        self.measure_get_impl(actor, id).await
    }
    async fn pairing_set(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        user_id: i64,
        start: time::Date,
    ) -> Result<()> {
        self.pairing_set_impl(actor, household_no, user_id, start)
            .await
    }
    async fn income_check_add(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        check: zhenxing_domain::elimination::IncomeCheck,
        notes: &str,
    ) -> Result<()> {
        self.income_check_add_impl(actor, household_no, check, notes)
            .await
    }
    async fn monitored_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::MonitoredFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::MonitoredRow>> {
        self.monitored_list_impl(actor, filter, page).await
    }
    async fn monitored_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::MonitoredFilter,
    ) -> Result<Vec<crate::MonitoredRow>> {
        self.monitored_export_impl(actor, filter).await
    }
    async fn monitoring_overview(
        &self,
        actor: &crate::Actor,
        today: time::Date,
    ) -> Result<crate::MonitoringOverview> {
        self.monitoring_overview_impl(actor, today).await
    }
    async fn feed_upload(
        &self,
        actor: &crate::Actor,
        upload: &crate::FeedUpload,
        records: &[(usize, zhenxing_domain::feed::FeedRecord)],
    ) -> Result<crate::UploadOutcome> {
        self.feed_upload_impl(actor, upload, records).await
    }
    async fn feed_uploads(
        &self,
        actor: &crate::Actor,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::FeedUploadRow>> {
        self.feed_uploads_impl(actor, page).await
    }
    async fn screening_cache_warm(&self, actor: &crate::Actor) -> Result<bool> {
        self.screening_cache_warm_impl(actor).await
    }
    async fn screening_snapshot(
        &self,
        actor: &crate::Actor,
        period: zhenxing_domain::feed::Period,
    ) -> Result<crate::ScreeningSnapshot> {
        self.screening_snapshot_impl(actor, period).await
    }
    async fn screening_rules(&self) -> Result<Vec<crate::StoredRule>> {
        self.screening_rules_impl().await
    }
    async fn screening_rule_save(
        &self,
        actor: &crate::Actor,
        rule: &zhenxing_screening::RuleDef,
        expected_version: Option<i64>,
    ) -> Result<()> {
        self.screening_rule_save_impl(actor, rule, expected_version)
            .await
    }
    async fn screening_run_record(
        &self,
        actor: &crate::Actor,
        period: zhenxing_domain::feed::Period,
        params: &str,
        hits: &[crate::RunHit],
    ) -> Result<crate::RunOutcome> {
        self.screening_run_record_impl(actor, period, params, hits)
            .await
    }
    async fn screening_run_counts(
        &self,
        actor: &crate::Actor,
        run_id: i64,
    ) -> Result<Vec<crate::RunCount>> {
        self.screening_run_counts_impl(actor, run_id).await
    }
    async fn screening_runs(
        &self,
        actor: &crate::Actor,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::RunRow>> {
        self.screening_runs_impl(actor, page).await
    }
    async fn warnings_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::WarningFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::WarningRow>> {
        self.warnings_list_impl(actor, filter, page).await
    }
    async fn warnings_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::WarningFilter,
    ) -> Result<Vec<crate::WarningRow>> {
        self.warnings_export_impl(actor, filter).await
    }
    async fn warning_get(&self, actor: &crate::Actor, id: i64) -> Result<crate::WarningRow> {
        self.warning_get_impl(actor, id).await
    }
    async fn warning_dismiss(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        reason: &str,
    ) -> Result<()> {
        self.warning_dismiss_impl(actor, id, expected_version, reason)
            .await
    }
    async fn warning_convert(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        case: &zhenxing_domain::case::Case,
        timing: crate::CaseTiming,
    ) -> Result<i64> {
        self.warning_convert_impl(actor, id, expected_version, case, timing)
            .await
    }
    async fn roll_create(
        &self,
        actor: &crate::Actor,
        household_no: &str,
        entry: &crate::NewRollEntry,
    ) -> Result<i64> {
        self.roll_create_impl(actor, household_no, entry).await
    }
    async fn roll_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::RollFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::RollRow>> {
        self.roll_list_impl(actor, filter, page).await
    }
    async fn roll_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::RollFilter,
    ) -> Result<Vec<crate::RollRow>> {
        self.roll_export_impl(actor, filter).await
    }
    async fn roll_get(&self, actor: &crate::Actor, id: i64) -> Result<crate::RollDetail> {
        self.roll_get_impl(actor, id).await
    }
    async fn roll_end(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        end: time::Date,
        reason: &str,
    ) -> Result<()> {
        self.roll_end_impl(actor, id, expected_version, end, reason)
            .await
    }
    async fn roll_review(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        review: &crate::NewReview,
    ) -> Result<()> {
        self.roll_review_impl(actor, id, expected_version, review)
            .await
    }
    async fn rolls_for_household(
        &self,
        actor: &crate::Actor,
        household_no: &str,
    ) -> Result<Vec<crate::RollRow>> {
        self.rolls_for_household_impl(actor, household_no).await
    }
    async fn roll_import_civil(
        &self,
        actor: &crate::Actor,
        upload_id: i64,
    ) -> Result<crate::CivilImportSummary> {
        self.roll_import_civil_impl(actor, upload_id).await
    }
    async fn medical_years(
        &self,
        actor: &crate::Actor,
        year: i32,
        filter: &crate::MedicalFilter,
    ) -> Result<Vec<crate::MedicalPersonRow>> {
        self.medical_years_impl(actor, year, filter).await
    }
    async fn premium_candidates(
        &self,
        actor: &crate::Actor,
        year: i32,
    ) -> Result<Vec<crate::PremiumCandidate>> {
        self.premium_candidates_impl(actor, year).await
    }
    async fn care_refresh(
        &self,
        actor: &crate::Actor,
        today: time::Date,
        params: &zhenxing_domain::lowincome::CareParams,
    ) -> Result<crate::CareRefreshSummary> {
        self.care_refresh_impl(actor, today, params).await
    }
    async fn care_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::CareFilter,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::CareRow>> {
        self.care_list_impl(actor, filter, page).await
    }
    async fn care_set_status(
        &self,
        actor: &crate::Actor,
        id: i64,
        expected_version: i64,
        status: zhenxing_domain::lowincome::RosterStatus,
        note: &str,
    ) -> Result<()> {
        self.care_set_status_impl(actor, id, expected_version, status, note)
            .await
    }
    async fn care_visit(
        &self,
        actor: &crate::Actor,
        id: i64,
        visit: &crate::NewCareVisit,
    ) -> Result<()> {
        self.care_visit_impl(actor, id, visit).await
    }
    async fn care_get(&self, actor: &crate::Actor, id: i64) -> Result<crate::CareDetail> {
        self.care_get_impl(actor, id).await
    }
    async fn low_income_list(
        &self,
        actor: &crate::Actor,
        filter: &crate::LowIncomeFilter,
        today: time::Date,
        page: crate::PageRequest,
    ) -> Result<crate::Page<crate::LowIncomeRow>> {
        self.low_income_list_impl(actor, filter, today, page).await
    }
    async fn low_income_export(
        &self,
        actor: &crate::Actor,
        filter: &crate::LowIncomeFilter,
        today: time::Date,
    ) -> Result<Vec<crate::LowIncomeRow>> {
        self.low_income_export_impl(actor, filter, today).await
    }
    async fn low_income_counts(
        &self,
        actor: &crate::Actor,
        today: time::Date,
    ) -> Result<Vec<crate::LowIncomeCount>> {
        self.low_income_counts_impl(actor, today).await
    }
    async fn audit_record(
        &self,
        actor: &crate::Actor,
        action: &str,
        entity: &str,
        entity_key: &str,
        household_no: Option<&str>,
    ) -> Result<()> {
        self.audit_record_impl(actor, action, entity, entity_key, household_no)
            .await
    }
    async fn audit_for_household(
        &self,
        actor: &crate::Actor,
        household_no: &str,
    ) -> Result<Vec<crate::AuditEntry>> {
        self.audit_for_household_impl(actor, household_no).await
    }
}
