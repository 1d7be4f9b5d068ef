//! Screening runs shared by the pages, the API and the CLI: the rule set and parameters in force,
//! the store's snapshot, the engine, and either a recorded run or a what-if that writes nothing.

use std::time::{Duration, Instant};

use zhenxing_domain::feed::{FeedRecord, Period};
use zhenxing_domain::{CodeEnum, DivisionCode, Policy};
use zhenxing_screening::report::{self, Diff, Row};
use zhenxing_screening::{CompiledRule, MedicalTotals, Params, Registry, RuleDef, compile_rules};
use zhenxing_store::{Actor, RunHit, RunOutcome, Store, StoreError};

/// Why a run could not start, for the user.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<RunError> for crate::AppError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Invalid(m) => crate::AppError::invalid(m),
            RunError::Store(s) => s.into(),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    pub period: Period,
    pub households: usize,
    /// Records looked at: the period's, and the medical settlements of its 12 months.
    pub records: usize,
    pub rules: usize,
    /// Parameters as `name=value` lines, as recorded with the run.
    pub params: String,
    pub rows: Vec<Row>,
    /// Set for a recorded run.
    pub outcome: Option<RunOutcome>,
    /// Set for a what-if: compared with the parameters in force.
    pub diff: Option<Diff>,
    pub load_time: Duration,
    pub screen_time: Duration,
}

/// The enabled rules, compiled; a broken stored rule is named.
pub fn compile_enabled(defs: &[RuleDef]) -> Result<Vec<CompiledRule>, RunError> {
    let enabled: Vec<RuleDef> = defs.iter().filter(|d| d.enabled).cloned().collect();
    compile_rules(&enabled)
        .map_err(|(id, e)| RunError::Invalid(format!("规则 {id} 有误：{}", e.message)))
}

/// The parameters in force for `root` in the period's year.
pub async fn params_in_force(
    store: &dyn Store,
    root: &DivisionCode,
    period: Period,
) -> Result<Params, RunError> {
    Ok(Params::resolve(
        &Policy::new(store.policy_values().await?),
        root,
        period.year,
    ))
}

/// Applies `name=value` overrides.
pub fn with_overrides(base: &Params, sets: &[String]) -> Result<Params, RunError> {
    let mut p = base.clone();
    for s in sets.iter().filter(|s| !s.trim().is_empty()) {
        p.set(s).map_err(RunError::Invalid)?;
    }
    Ok(p)
}

pub fn params_text(p: &Params) -> String {
    p.describe()
        .into_iter()
        .map(|(k, v)| format!("{}={}", k.code(), v))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs screening for `period` over the actor's scope. `rules` defaults to the stored enabled set
/// (a dry run of one rule passes it). With `what_if`, nothing is written and the result is compared
/// with the parameters in force; otherwise the run and its warnings are recorded in one transaction.
pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    root: &DivisionCode,
    period: Period,
    sets: &[String],
    rules: Option<Vec<CompiledRule>>,
    what_if: bool,
) -> Result<RunResult, RunError> {
    let started = Instant::now();
    let base = params_in_force(store, root, period).await?;
    let params = with_overrides(&base, sets)?;
    let rules = match rules {
        Some(r) => r,
        None => {
            let defs: Vec<RuleDef> = store
                .screening_rules()
                .await?
                .into_iter()
                .map(|r| r.def)
                .collect();
            compile_enabled(&defs)?
        }
    };
    let snapshot = store.screening_snapshot(actor, period).await?;
    let load_time = started.elapsed();
    let records = snapshot.records;
    let registry = Registry::new(snapshot.households);
    let totals = MedicalTotals::from_persons(&registry, &snapshot.medical);
    let screen = |params: &Params| {
        zhenxing_screening::screen_with(&registry, &records, Some(&totals), period, &rules, params)
    };
    let hits = screen(&params);
    let rows = report::rows(&registry, &rules, &hits);
    let mut result = RunResult {
        period,
        households: registry.len(),
        // What the run looked at: the period's records and the window's medical settlements.
        records: records
            .iter()
            .filter(|r| !matches!(r, FeedRecord::Medical { .. }))
            .count()
            + snapshot.medical.iter().map(|m| m.2 as usize).sum::<usize>(),
        rules: rules.len(),
        params: params_text(&params),
        rows,
        outcome: None,
        diff: None,
        load_time,
        screen_time: Duration::ZERO,
    };
    if what_if {
        let current_hits = screen(&base);
        let current = report::rows(&registry, &rules, &current_hits);
        result.diff = Some(Diff::between(&current, &result.rows));
    } else {
        let run_hits: Vec<RunHit> = hits
            .iter()
            .filter_map(|h| {
                let hh = registry.households.get(h.household as usize)?;
                let r = rules.get(h.rule)?;
                Some(RunHit {
                    household_no: hh.household_no.clone(),
                    rule_id: r.def.id.clone(),
                    risk_type: r.def.risk_type,
                    evidence: h.evidence.clone(),
                })
            })
            .collect();
        result.outcome = Some(
            store
                .screening_run_record(actor, period, &result.params, &run_hits)
                .await?,
        );
    }
    result.screen_time = started.elapsed() - load_time;
    Ok(result)
}

// ---------- who may do what (pages, API and menus ask the same questions) ----------

use zhenxing_domain::Role;

/// Upload department files: departments, town staff and administrators.
pub fn may_upload_feeds(role: Role) -> bool {
    matches!(role, Role::Department | Role::TownStaff | Role::Admin)
}

/// Run screening (recorded), try parameters (what-if) and dry-run rules.
pub fn may_run(role: Role) -> bool {
    matches!(role, Role::TownStaff | Role::Admin)
}

/// Read the rule set and its parameters.
pub fn may_read_rules(role: Role) -> bool {
    matches!(role, Role::TownStaff | Role::Admin)
}

/// Change the rule set.
pub fn may_edit_rules(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// Turn a warning into a clue or dismiss it.
pub fn may_handle_warnings(role: Role) -> bool {
    matches!(role, Role::VillageCadre | Role::TownStaff)
}

/// The month a form proposes: this month (China time).
pub fn this_period() -> Period {
    Period::of(crate::views::today())
}

/// A period typed in a form or an API call: `2026-03`, not after this month.
pub fn parse_period(text: &str) -> Result<Period, String> {
    if text.trim().is_empty() {
        return Err("请填写期间（年-月，如 2026-03）".into());
    }
    let p = Period::parse(text)?;
    if p > this_period() {
        return Err(format!("期间 {p} 晚于本月，不能使用"));
    }
    Ok(p)
}

/// `2026-03` → `2026年3月`.
pub fn period_label(p: Period) -> String {
    format!("{}年{}月", p.year, p.month)
}
