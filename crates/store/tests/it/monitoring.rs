//! The monitoring contract: cases decided by the domain and recorded by the store with their effects
//! on the household, scoping, optimistic versions, measures, pairings, the monitored list, the
//! overview (whose every number is the total of the list it links to) and the policy table.

use time::Date;
use time::macros::date;
use zhenxing_domain::assistance::{Measure, MeasureStatus, MeasureType, measure_due};
use zhenxing_domain::case::{
    Action, ActionKind, Case, CaseKind, CaseState, Clue, ClueSource, Context, DataCheck, Decision,
    EliminationMode, HomeVisit, NoticeClosing, NoticePosting, Reasoned, VillageReview, VisitIncome,
};
use zhenxing_domain::elimination::IncomeCheck;
use zhenxing_domain::household::{HouseholdKind, MonitoringCategory};
use zhenxing_domain::policy::add_days;
use zhenxing_domain::risk::{Checklist, RiskType};
use zhenxing_domain::{CodeEnum, PolicyKey, PolicyValue, Role, Rules, Yuan};
use zhenxing_store::{
    Actor, CaseFilter, CaseTiming, MonitoredFilter, MonitoredStatus, NewUser, PageRequest,
    SqlStore, Store, StoreError,
};

use super::{CHONGEN, QINGYAN, cadre, code, household, no_progress, sample, stores, town};

const TODAY: Date = date!(2026 - 11 - 28);
const CLUE: Date = date!(2026 - 10 - 08);

fn ctx(role: Role, household_kind: HouseholdKind) -> Context {
    Context {
        role,
        today: TODAY,
        rules: Rules::default(),
        household_kind,
    }
}

/// The dates the web computes with the rules in force and hands to the store.
fn timing(case: &Case) -> CaseTiming {
    let rules = Rules::default();
    let approved_identification =
        case.kind == CaseKind::Identification && case.state == CaseState::Approved;
    CaseTiming {
        deadline: case.deadline(&rules),
        step_due: case.step_due(&rules),
        measure_due: case
            .closed_on
            .filter(|_| approved_identification)
            .map(|d| measure_due(d, rules.measure_months)),
    }
}

fn new_case(kind: CaseKind, date: Date) -> Case {
    let clue = Clue {
        source: ClueSource::CadreCheck,
        date,
        reporter: "村干部张三".into(),
        description: "户主患病住院，医疗支出大".into(),
    };
    Case::open(kind, clue, &ctx(Role::VillageCadre, HouseholdKind::Exited)).expect("open")
}

async fn open(store: &SqlStore, actor: &Actor, no: &str, kind: CaseKind, date: Date) -> i64 {
    let case = new_case(kind, date);
    store
        .case_open(actor, no, &case, timing(&case))
        .await
        .expect("case_open")
}

/// Decides `action` with the domain (as the web does) and records it.
async fn step(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    (role, kind, action): &(Role, HouseholdKind, Action),
) -> Result<Case, StoreError> {
    let record = store.case_get(actor, id).await?;
    let next = record
        .case
        .apply(action, &ctx(*role, *kind))
        .expect("legal step");
    store
        .case_apply(actor, id, record.version, action, &next, timing(&next))
        .await
        .map(|()| next)
}

fn visit(date: Date, risks: Vec<RiskType>, net_yuan: i64, resolved: bool) -> Action {
    Action::HomeVisit(HomeVisit {
        date,
        visitors: "张三、李四".into(),
        consent_signed: true,
        findings: "入户核实属实".into(),
        income: VisitIncome {
            wage_income: Yuan::from_yuan(net_yuan),
            size: 2,
            ..Default::default()
        },
        checklist: Checklist::ALL_SECURE,
        risks,
        risk_resolved: resolved,
    })
}

fn decision(date: Date) -> Decision {
    Decision {
        date,
        passed: true,
        opinion: "同意".into(),
    }
}

/// The identification chain after the clue: visit (5,000 yuan per head) … county approval (clue + 12).
fn identification_steps(
    clue: Date,
    kind: HouseholdKind,
    risks: Vec<RiskType>,
    category: MonitoringCategory,
) -> Vec<(Role, HouseholdKind, Action)> {
    let d = |n| add_days(clue, n);
    vec![
        (Role::VillageCadre, kind, visit(d(1), risks, 10_000, false)),
        (
            Role::TownStaff,
            kind,
            Action::DataCheck(DataCheck {
                date: d(2),
                consistent: true,
                notes: String::new(),
            }),
        ),
        (
            Role::VillageCadre,
            kind,
            Action::VillageReview(VillageReview {
                date: d(3),
                attendance: 12,
                passed: true,
                opinion: "同意纳入".into(),
                category: Some(category),
                mode: None,
            }),
        ),
        (
            Role::VillageCadre,
            kind,
            Action::PostNotice(NoticePosting {
                start: d(4),
                end: d(9),
            }),
        ),
        (
            Role::VillageCadre,
            kind,
            Action::CloseNotice(NoticeClosing {
                date: d(10),
                objections: String::new(),
                upheld: false,
            }),
        ),
        (Role::TownStaff, kind, Action::TownReview(decision(d(11)))),
        (
            Role::CountyApprover,
            kind,
            Action::CountyApproval(decision(d(12))),
        ),
    ]
}

/// The elimination chain after the proposal: visit (10,000 yuan per head) … county approval (+11).
fn elimination_steps(start: Date) -> Vec<(Role, HouseholdKind, Action)> {
    let d = |n| add_days(start, n);
    let m = HouseholdKind::Monitored;
    vec![
        (Role::VillageCadre, m, visit(d(1), Vec::new(), 20_000, true)),
        (
            Role::VillageCadre,
            m,
            Action::VillageReview(VillageReview {
                date: d(2),
                attendance: 10,
                passed: true,
                opinion: "收入稳定，同意消除".into(),
                category: None,
                mode: Some(EliminationMode::Assisted),
            }),
        ),
        (
            Role::VillageCadre,
            m,
            Action::PostNotice(NoticePosting {
                start: d(3),
                end: d(8),
            }),
        ),
        (
            Role::VillageCadre,
            m,
            Action::CloseNotice(NoticeClosing {
                date: d(9),
                objections: String::new(),
                upheld: false,
            }),
        ),
        (Role::TownStaff, m, Action::TownReview(decision(d(10)))),
        (
            Role::CountyApprover,
            m,
            Action::CountyApproval(decision(d(11))),
        ),
    ]
}

/// Opens and walks a whole identification; returns the case id.
async fn identify(
    store: &SqlStore,
    no: &str,
    clue: Date,
    kind: HouseholdKind,
    risks: Vec<RiskType>,
    category: MonitoringCategory,
) -> i64 {
    let id = open(store, &town(), no, CaseKind::Identification, clue).await;
    for s in identification_steps(clue, kind, risks, category) {
        step(store, &town(), id, &s).await.expect("step");
    }
    id
}

async fn eliminate(store: &SqlStore, no: &str, start: Date) -> i64 {
    let id = open(store, &town(), no, CaseKind::Elimination, start).await;
    for s in elimination_steps(start) {
        step(store, &town(), id, &s).await.expect("step");
    }
    id
}

async fn events(store: &SqlStore, id: i64) -> usize {
    store.case_events(&town(), id).await.expect("events").len()
}

async fn income_checks(store: &SqlStore, no: &str) -> Vec<IncomeCheck> {
    store
        .monitoring_info(&town(), no)
        .await
        .expect("info")
        .income_checks
}

fn measure(kind: MeasureType, start: Date, status: MeasureStatus) -> Measure {
    Measure {
        kind,
        content: "申请医疗救助".into(),
        responsible_unit: "镇卫生院".into(),
        responsible_person: "刘医生".into(),
        start,
        end: None,
        funds: Yuan::from_yuan(3_000),
        status,
        result: String::new(),
        beneficiary: String::new(),
    }
}

#[tokio::test]
async fn an_identification_walked_to_the_end_makes_a_monitored_household() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let id = open(&store, &town(), "QY0001", CaseKind::Identification, CLUE).await;
        let record = store.case_get(&town(), id).await.expect("case");
        assert_eq!(record.case.state, CaseState::AwaitingVisit);
        assert_eq!(
            (record.household_no.as_str(), record.village_name.as_str()),
            ("QY0001", "青岩村")
        );
        assert_eq!(
            (record.size, record.head_name.as_deref()),
            (2, Some("王大山"))
        );
        assert_eq!(record.deadline, Some(date!(2026 - 10 - 23)));
        assert_eq!(record.step_due, Some(date!(2026 - 10 - 11)));
        let clue = store.case_events(&town(), id).await.expect("events");
        assert_eq!(clue.len(), 1);
        assert_eq!(
            (
                clue[0].seq,
                clue[0].kind,
                clue[0].date,
                clue[0].action.is_none()
            ),
            (0, ActionKind::Clue, CLUE, true)
        );

        let again = new_case(CaseKind::Identification, CLUE);
        let refused = store
            .case_open(&town(), "QY0001", &again, timing(&again))
            .await
            .expect_err("one open case per household");
        assert!(matches!(refused, StoreError::Conflict(_)));
        assert!(
            refused.to_string().contains("该户已有正在办理的流程")
                && refused.to_string().contains("待入户核实"),
            "{refused}"
        );

        let steps = identification_steps(
            CLUE,
            HouseholdKind::Exited,
            vec![RiskType::Illness, RiskType::Schooling],
            MonitoringCategory::UnstableExited,
        );
        for s in &steps {
            step(&store, &town(), id, s).await.expect("step");
        }
        let record = store.case_get(&town(), id).await.expect("case");
        assert_eq!(record.case.state, CaseState::Approved);
        assert_eq!(record.version, 1 + steps.len() as i64);
        assert_eq!(
            (record.deadline, record.step_due),
            (Some(date!(2026 - 10 - 23)), None)
        );
        let timeline = store.case_events(&town(), id).await.expect("events");
        assert_eq!(timeline.len(), 1 + steps.len());
        assert_eq!(
            timeline.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (0..=steps.len() as i64).collect::<Vec<_>>()
        );
        let last = timeline.last().expect("last");
        assert_eq!(
            (last.kind, last.state_after, last.date, last.actor.as_str()),
            (
                ActionKind::CountyApproval,
                CaseState::Approved,
                date!(2026 - 10 - 20),
                "town"
            )
        );
        assert_eq!(last.action.as_ref(), Some(&steps[6].2));

        let h = store
            .household_get(&town(), "QY0001")
            .await
            .expect("household");
        assert_eq!(
            (h.household.kind, h.household.monitoring_category),
            (
                HouseholdKind::Monitored,
                Some(MonitoringCategory::UnstableExited)
            )
        );
        let info = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info");
        assert_eq!(info.identified_on, Some(date!(2026 - 10 - 20)));
        assert_eq!(info.risks, [RiskType::Illness, RiskType::Schooling]);
        assert!(!info.risk_eliminated);
        assert_eq!(info.measure_due, Some(date!(2026 - 11 - 20)));
        assert_eq!(info.cases.len(), 1);
        assert_eq!(
            info.income_checks,
            [IncomeCheck {
                date: date!(2026 - 10 - 09),
                per_capita: Yuan::from_yuan(5_000)
            }]
        );

        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert!(
            history
                .iter()
                .any(|e| e.action == "case_open" && e.entity == "case")
        );
        let effect = history
            .iter()
            .find(|e| e.entity == "household" && e.action == "case_county_approval")
            .expect("household change audited");
        let after = effect.after.as_deref().unwrap_or_default();
        assert!(
            after.contains("监测户")
                && after.contains("2026-10-20")
                && after.contains("因病、因学"),
            "{after}"
        );
        assert!(
            effect
                .before
                .as_deref()
                .unwrap_or_default()
                .contains("脱贫户")
        );

        // The case is closed: a new one may be opened, and the list is newest first.
        let second = open(&store, &town(), "QY0001", CaseKind::Elimination, TODAY).await;
        let info = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info");
        assert_eq!(
            info.cases.iter().map(|c| c.id).collect::<Vec<_>>(),
            [second, id]
        );
    }
}

#[tokio::test]
async fn a_stale_or_concurrent_step_is_refused_and_leaves_nothing_behind() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let id = open(&store, &town(), "QY0002", CaseKind::Identification, CLUE).await;
        let record = store.case_get(&town(), id).await.expect("case");
        let action = visit(add_days(CLUE, 1), vec![RiskType::Illness], 10_000, false);
        let next = record
            .case
            .apply(&action, &ctx(Role::VillageCadre, HouseholdKind::Exited))
            .expect("legal");
        let (one, two) = (town(), town());
        let (a, b) = tokio::join!(
            store.case_apply(&one, id, record.version, &action, &next, timing(&next)),
            store.case_apply(&two, id, record.version, &action, &next, timing(&next)),
        );
        let results = [a, b];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        let loser = results
            .into_iter()
            .find_map(Result::err)
            .expect("one loses");
        assert!(matches!(loser, StoreError::Conflict(_)), "{loser:?}");
        assert_eq!(
            loser.to_string(),
            "该流程已被他人办理，请刷新后查看最新状态"
        );
        assert_eq!(events(&store, id).await, 2);
        assert_eq!(income_checks(&store, "QY0002").await.len(), 1);

        // The same step again with the version read before: refused, nothing written.
        let stale = store
            .case_apply(&town(), id, record.version, &action, &next, timing(&next))
            .await
            .expect_err("stale");
        assert!(matches!(stale, StoreError::Conflict(_)));
        assert_eq!(events(&store, id).await, 2);
        assert_eq!(income_checks(&store, "QY0002").await.len(), 1);
        let history = store
            .audit_for_household(&town(), "QY0002")
            .await
            .expect("history");
        assert_eq!(
            history
                .iter()
                .filter(|e| e.action == "case_home_visit")
                .count(),
            1
        );
        let current = store.case_get(&town(), id).await.expect("case");
        assert_eq!(
            (current.version, current.case.state),
            (record.version + 1, CaseState::AwaitingDataCheck)
        );

        // A decision that does not belong to this case is refused before anything is written.
        let foreign = new_case(CaseKind::Elimination, CLUE);
        assert!(matches!(
            store
                .case_apply(
                    &town(),
                    id,
                    current.version,
                    &action,
                    &foreign,
                    timing(&foreign)
                )
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(events(&store, id).await, 2);
    }
}

#[tokio::test]
async fn a_cadre_cannot_reach_another_villages_cases_or_households() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let id = open(&store, &town(), "CE0001", CaseKind::Identification, CLUE).await;
        let m = store
            .measure_create(
                &town(),
                "CE0001",
                &measure(MeasureType::Health, CLUE, MeasureStatus::InProgress),
            )
            .await
            .expect("measure");
        let qy = cadre(QINGYAN);
        assert!(matches!(
            store.case_get(&qy, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.case_events(&qy, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.case_get(&town(), id + 100).await,
            Err(StoreError::NotFound)
        ));
        let record = store.case_get(&town(), id).await.expect("town sees it");
        let action = visit(add_days(CLUE, 1), vec![RiskType::Illness], 10_000, false);
        let next = record
            .case
            .apply(&action, &ctx(Role::VillageCadre, HouseholdKind::Exited))
            .expect("legal");
        assert!(matches!(
            store
                .case_apply(&qy, id, record.version, &action, &next, timing(&next))
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(events(&store, id).await, 1);
        let everything = CaseFilter::default();
        let listed = store
            .cases_list(&qy, &everything, PageRequest::default())
            .await
            .expect("list");
        assert_eq!((listed.total, listed.items.len()), (0, 0));
        let asked_for_other = CaseFilter {
            village: Some(code(CHONGEN)),
            ..Default::default()
        };
        assert_eq!(
            store
                .cases_list(&qy, &asked_for_other, PageRequest::default())
                .await
                .expect("list")
                .total,
            0
        );
        assert!(
            store
                .cases_export(&qy, &everything)
                .await
                .expect("export")
                .is_empty()
        );
        let ce = cadre(CHONGEN);
        assert_eq!(
            store
                .cases_list(&ce, &everything, PageRequest::default())
                .await
                .expect("list")
                .total,
            1
        );
        assert_eq!(store.case_get(&ce, id).await.expect("own village").id, id);

        let case = new_case(CaseKind::Identification, CLUE);
        assert!(matches!(
            store.case_open(&qy, "CE0001", &case, timing(&case)).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.monitoring_info(&qy, "CE0001").await,
            Err(StoreError::NotFound)
        ));
        let plan = measure(MeasureType::Health, CLUE, MeasureStatus::Planned);
        assert!(matches!(
            store.measure_create(&qy, "CE0001", &plan).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.measure_get(&qy, m).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.measure_update(&qy, m, 1, &plan).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.pairing_set(&qy, "CE0001", 1, CLUE).await,
            Err(StoreError::NotFound)
        ));
        let check = IncomeCheck {
            date: CLUE,
            per_capita: Yuan::from_yuan(9_000),
        };
        assert!(matches!(
            store.income_check_add(&qy, "CE0001", check, "").await,
            Err(StoreError::NotFound)
        ));
        assert!(income_checks(&store, "CE0001").await.is_empty());

        // A household moved to 青岩 by a re-import takes its cases along.
        let mut moved = household("CE0001", QINGYAN, 3);
        moved.group = Some(1);
        store
            .households_import(&town(), vec![moved], &no_progress)
            .await
            .expect("move");
        assert_eq!(
            store
                .case_get(&qy, id)
                .await
                .expect("now in 青岩")
                .village_name,
            "青岩村"
        );
        assert!(matches!(
            store.case_get(&ce, id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn two_clues_for_one_household_at_once_open_one_case() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let case = new_case(CaseKind::Identification, CLUE);
        let (one, two) = (town(), town());
        let (a, b) = tokio::join!(
            store.case_open(&one, "QY0001", &case, timing(&case)),
            store.case_open(&two, "QY0001", &case, timing(&case)),
        );
        let results = [a, b];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(StoreError::Conflict(m)) if m.contains("请先办结")))
        );
        let all = store
            .cases_export(&town(), &CaseFilter::default())
            .await
            .expect("export");
        assert_eq!(all.len(), 1);
        assert_eq!(events(&store, all[0].id).await, 1);
    }
}

#[tokio::test]
async fn an_approved_elimination_marks_the_risk_eliminated_and_a_rollback_undoes_it() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        identify(
            &store,
            "QY0001",
            CLUE,
            HouseholdKind::Exited,
            vec![RiskType::Illness],
            MonitoringCategory::UnstableExited,
        )
        .await;
        let start = date!(2026 - 11 - 01);
        let id = eliminate(&store, "QY0001", start).await;
        let info = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info");
        assert!(info.risk_eliminated);
        assert_eq!(info.eliminated_on, Some(date!(2026 - 11 - 12)));
        assert_eq!(info.elimination_mode, Some(EliminationMode::Assisted));
        assert_eq!(info.identified_on, Some(date!(2026 - 10 - 20)), "kept");
        let status = |s| MonitoredFilter {
            status: Some(s),
            ..Default::default()
        };
        let eliminated = store
            .monitored_list(
                &town(),
                &status(MonitoredStatus::Eliminated),
                PageRequest::default(),
            )
            .await
            .expect("list");
        assert_eq!(eliminated.total, 1);
        assert_eq!(
            eliminated.items[0].elimination_mode,
            Some(EliminationMode::Assisted)
        );
        assert_eq!(
            store
                .household_get(&town(), "QY0001")
                .await
                .expect("household")
                .household
                .kind,
            HouseholdKind::Monitored,
            "still a 监测户, risk eliminated"
        );

        let rollback = (
            Role::TownStaff,
            HouseholdKind::Monitored,
            Action::Rollback(Reasoned {
                date: date!(2026 - 11 - 20),
                reason: "帮扶措施未落实到位".into(),
            }),
        );
        let next = step(&store, &town(), id, &rollback)
            .await
            .expect("rollback");
        assert_eq!(next.state, CaseState::RolledBack);
        let info = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info");
        assert!(!info.risk_eliminated);
        assert_eq!((info.eliminated_on, info.elimination_mode), (None, None));
        let monitoring = store
            .monitored_list(
                &town(),
                &status(MonitoredStatus::Monitoring),
                PageRequest::default(),
            )
            .await
            .expect("list");
        assert_eq!(
            monitoring
                .items
                .iter()
                .map(|r| r.household_no.as_str())
                .collect::<Vec<_>>(),
            ["QY0001"]
        );
        let timeline = store.case_events(&town(), id).await.expect("events");
        assert_eq!(timeline.len(), 8);
        assert_eq!(timeline[7].kind, ActionKind::Rollback);
        // Both the case and the household changes are in the household's history.
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert!(
            history
                .iter()
                .any(|e| e.entity == "household" && e.action == "case_rollback")
        );
        assert!(
            history
                .iter()
                .any(|e| e.entity == "case" && e.action == "case_rollback")
        );
    }
}

#[tokio::test]
async fn measures_are_versioned_and_helpers_are_replaced() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let first = measure(
            MeasureType::Health,
            date!(2026 - 10 - 25),
            MeasureStatus::InProgress,
        );
        let id = store
            .measure_create(&town(), "QY0001", &first)
            .await
            .expect("create");
        let got = store.measure_get(&town(), id).await.expect("get");
        assert_eq!(
            (
                got.measure.clone(),
                got.key.version,
                got.household_no.as_str()
            ),
            (first.clone(), 1, "QY0001")
        );
        let mut done = first.clone();
        done.status = MeasureStatus::Completed;
        done.end = Some(date!(2026 - 11 - 25));
        done.result = "报销医疗费用 3,000 元".into();
        store
            .measure_update(&town(), id, 1, &done)
            .await
            .expect("update");
        let stale = store
            .measure_update(&town(), id, 1, &first)
            .await
            .expect_err("stale");
        assert!(matches!(stale, StoreError::Conflict(_)));
        assert_eq!(stale.to_string(), "该记录已被他人修改，请刷新后重试");
        // An unchanged save writes nothing.
        store
            .measure_update(&town(), id, 2, &done)
            .await
            .expect("unchanged");
        let got = store.measure_get(&town(), id).await.expect("get");
        assert_eq!((got.measure, got.key.version), (done, 2));
        let older = measure(
            MeasureType::Education,
            date!(2026 - 09 - 01),
            MeasureStatus::Planned,
        );
        store
            .measure_create(&town(), "QY0001", &older)
            .await
            .expect("create");
        let info = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info");
        assert_eq!(
            info.measures
                .iter()
                .map(|m| m.measure.start)
                .collect::<Vec<_>>(),
            [date!(2026 - 09 - 01), date!(2026 - 10 - 25)],
            "oldest start first"
        );
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        let update = history
            .iter()
            .find(|e| e.entity == "measure" && e.action == "update")
            .expect("measure update audited");
        assert_eq!(
            update.before.as_deref(),
            Some(r#"{"end_date":null,"measure_status":"实施中","result":null}"#)
        );
        assert_eq!(
            update.after.as_deref(),
            Some(
                r#"{"end_date":"2026-11-25","measure_status":"已完成","result":"报销医疗费用 3,000 元"}"#
            )
        );
        assert_eq!(
            history.iter().filter(|e| e.entity == "measure").count(),
            3,
            "two creations and one update"
        );

        let admin = Actor::system(code("500110"));
        let user = |name: &str| NewUser {
            username: name.into(),
            display_name: format!("帮扶人{name}"),
            role: Role::Helper,
            division: code(QINGYAN),
            password_hash: "x".into(),
        };
        let a = store.user_create(&admin, user("a")).await.expect("user");
        let b = store.user_create(&admin, user("b")).await.expect("user");
        let c = store.user_create(&admin, user("c")).await.expect("user");
        let c_version = store
            .user_by_id(c)
            .await
            .expect("lookup")
            .expect("exists")
            .version;
        store
            .user_set_active(&admin, c, c_version, false)
            .await
            .expect("deactivate");

        store
            .pairing_set(&town(), "QY0001", a, date!(2026 - 10 - 21))
            .await
            .expect("pair");
        let helper = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info")
            .helper
            .expect("paired");
        assert_eq!(
            (helper.user_id, helper.display_name.as_str(), helper.start),
            (a, "帮扶人a", date!(2026 - 10 - 21))
        );
        store
            .pairing_set(&town(), "QY0001", b, date!(2026 - 11 - 01))
            .await
            .expect("replace");
        let helper = store
            .monitoring_info(&town(), "QY0001")
            .await
            .expect("info")
            .helper
            .expect("paired");
        assert_eq!((helper.user_id, helper.username.as_str()), (b, "b"));
        for (user, what) in [(c, "inactive"), (c + 1000, "absent")] {
            let err = store
                .pairing_set(&town(), "QY0001", user, date!(2026 - 11 - 02))
                .await
                .expect_err(what);
            assert!(matches!(err, StoreError::Invalid(_)), "{what}");
            assert_eq!(err.to_string(), "帮扶责任人不存在或已停用");
        }
        assert!(matches!(
            store
                .pairing_set(&town(), "QY0001", a, date!(2026 - 10 - 01))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        let replaced = history
            .iter()
            .find(|e| e.entity == "pairing")
            .expect("pairing audited");
        assert!(
            replaced
                .before
                .as_deref()
                .unwrap_or_default()
                .contains("帮扶人a")
        );
        assert!(
            replaced
                .after
                .as_deref()
                .unwrap_or_default()
                .contains("帮扶人b")
        );

        store
            .income_check_add(
                &town(),
                "QY0001",
                IncomeCheck {
                    date: date!(2026 - 11 - 15),
                    per_capita: Yuan::from_yuan(8_200),
                },
                "务工收入增加",
            )
            .await
            .expect("check");
        assert_eq!(
            income_checks(&store, "QY0001").await,
            [IncomeCheck {
                date: date!(2026 - 11 - 15),
                per_capita: Yuan::from_yuan(8_200)
            }]
        );
    }
}

/// A small township: two identified in 青岩, one in 崇恩 (eliminated), one imported as monitored,
/// one open overdue case, one open case in time, measures for some.
async fn monitored_township(store: &SqlStore) {
    let mut households = sample();
    let mut ordinary = household("QY0003", QINGYAN, 4);
    ordinary.kind = HouseholdKind::Ordinary;
    households.push(ordinary);
    let mut imported = household("CE0002", CHONGEN, 5);
    imported.kind = HouseholdKind::Monitored;
    imported.monitoring_category = Some(MonitoringCategory::Marginal);
    households.push(imported);
    households.push(household("CE0003", CHONGEN, 6));
    store
        .households_import(&town(), households, &no_progress)
        .await
        .expect("import");
    identify(
        store,
        "QY0001",
        CLUE,
        HouseholdKind::Exited,
        vec![RiskType::Illness, RiskType::Schooling],
        MonitoringCategory::UnstableExited,
    )
    .await;
    identify(
        store,
        "QY0003",
        date!(2026 - 09 - 20),
        HouseholdKind::Ordinary,
        vec![RiskType::Illness],
        MonitoringCategory::Marginal,
    )
    .await;
    identify(
        store,
        "CE0001",
        date!(2026 - 09 - 10),
        HouseholdKind::Exited,
        vec![RiskType::LackOfLabour],
        MonitoringCategory::UnstableExited,
    )
    .await;
    eliminate(store, "CE0001", date!(2026 - 11 - 01)).await;
    // QY0001: measure in time (due 2026-11-20); QY0003 (due 2026-11-02): only a late one.
    for (no, start) in [
        ("QY0001", date!(2026 - 11 - 01)),
        ("QY0003", date!(2026 - 11 - 10)),
    ] {
        store
            .measure_create(
                &town(),
                no,
                &measure(MeasureType::Health, start, MeasureStatus::InProgress),
            )
            .await
            .expect("measure");
    }
    // QY0002: identification stuck at the data check, past its deadline; CE0003: fresh clue.
    let stuck = open(store, &town(), "QY0002", CaseKind::Identification, CLUE).await;
    step(
        store,
        &town(),
        stuck,
        &(
            Role::VillageCadre,
            HouseholdKind::Exited,
            visit(add_days(CLUE, 1), vec![RiskType::Disaster], 10_000, false),
        ),
    )
    .await
    .expect("visit");
    open(
        store,
        &town(),
        "CE0003",
        CaseKind::Identification,
        date!(2026 - 11 - 27),
    )
    .await;
}

async fn monitored_total(store: &SqlStore, actor: &Actor, f: MonitoredFilter) -> u64 {
    store
        .monitored_list(actor, &f, PageRequest::default())
        .await
        .expect("list")
        .total
}

async fn cases_total(store: &SqlStore, actor: &Actor, f: CaseFilter) -> u64 {
    store
        .cases_list(actor, &f, PageRequest::default())
        .await
        .expect("list")
        .total
}

#[tokio::test]
async fn every_number_of_the_overview_is_the_total_of_its_list() {
    for (store, _dir) in stores().await {
        monitored_township(&store).await;
        for actor in [town(), cadre(QINGYAN), cadre(CHONGEN)] {
            let o = store
                .monitoring_overview(&actor, TODAY)
                .await
                .expect("overview");
            let villages = store
                .divisions()
                .await
                .expect("divisions")
                .into_iter()
                .filter(|d| {
                    d.level == zhenxing_domain::DivisionLevel::Village
                        && actor.scope.contains(&d.code)
                })
                .map(|d| d.code.as_str().to_string())
                .collect::<Vec<_>>();
            for (list, status) in [
                (&o.monitoring_by_village, MonitoredStatus::Monitoring),
                (&o.eliminated_by_village, MonitoredStatus::Eliminated),
            ] {
                assert_eq!(
                    list.iter().map(|c| c.key.clone()).collect::<Vec<_>>(),
                    villages,
                    "every village in code order"
                );
                for c in list.iter() {
                    let f = MonitoredFilter {
                        village: Some(code(&c.key)),
                        status: Some(status),
                        ..Default::default()
                    };
                    assert_eq!(c.count, monitored_total(&store, &actor, f).await, "{c:?}");
                }
            }
            assert_eq!(
                o.by_category
                    .iter()
                    .map(|c| c.key.as_str())
                    .collect::<Vec<_>>(),
                MonitoringCategory::ALL
                    .iter()
                    .map(|c| c.code())
                    .collect::<Vec<_>>()
            );
            for c in &o.by_category {
                let f = MonitoredFilter {
                    category: MonitoringCategory::from_code(&c.key),
                    ..Default::default()
                };
                assert_eq!(c.count, monitored_total(&store, &actor, f).await, "{c:?}");
            }
            for c in &o.by_risk {
                assert!(c.count > 0);
                let f = MonitoredFilter {
                    risk: RiskType::from_code(&c.key),
                    ..Default::default()
                };
                assert_eq!(c.count, monitored_total(&store, &actor, f).await, "{c:?}");
            }
            for c in &o.identified_by_month {
                let f = MonitoredFilter {
                    identified_month: Some(c.key.clone()),
                    ..Default::default()
                };
                assert_eq!(c.count, monitored_total(&store, &actor, f).await, "{c:?}");
            }
            for c in &o.eliminated_by_month {
                let f = MonitoredFilter {
                    eliminated_month: Some(c.key.clone()),
                    ..Default::default()
                };
                assert_eq!(c.count, monitored_total(&store, &actor, f).await, "{c:?}");
            }
            for c in &o.open_by_state {
                let f = CaseFilter {
                    state: CaseState::from_code(&c.key),
                    open_only: true,
                    ..Default::default()
                };
                assert_eq!(c.count, cases_total(&store, &actor, f).await, "{c:?}");
            }
            let overdue = CaseFilter {
                open_only: true,
                overdue_on: Some(TODAY),
                ..Default::default()
            };
            assert_eq!(o.overdue_cases, cases_total(&store, &actor, overdue).await);
            let late = MonitoredFilter {
                no_measure_on: Some(TODAY),
                ..Default::default()
            };
            assert_eq!(o.no_measure, monitored_total(&store, &actor, late).await);
            for (total, status) in [
                (o.monitoring_total, MonitoredStatus::Monitoring),
                (o.eliminated_total, MonitoredStatus::Eliminated),
            ] {
                let f = MonitoredFilter {
                    status: Some(status),
                    ..Default::default()
                };
                assert_eq!(total, monitored_total(&store, &actor, f).await);
            }
        }

        // And the numbers are the expected ones.
        let o = store
            .monitoring_overview(&town(), TODAY)
            .await
            .expect("overview");
        assert_eq!((o.monitoring_total, o.eliminated_total), (3, 1));
        let count = |list: &[zhenxing_store::Count], key: &str| {
            list.iter().find(|c| c.key == key).map_or(0, |c| c.count)
        };
        assert_eq!(count(&o.monitoring_by_village, QINGYAN), 2);
        assert_eq!(count(&o.monitoring_by_village, CHONGEN), 1);
        assert_eq!(count(&o.eliminated_by_village, CHONGEN), 1);
        assert_eq!(o.monitoring_by_village.len(), 16);
        assert_eq!(
            o.by_category.iter().map(|c| c.count).collect::<Vec<_>>(),
            [2, 2, 0]
        );
        assert_eq!(
            o.by_risk
                .iter()
                .map(|c| (c.key.as_str(), c.count))
                .collect::<Vec<_>>(),
            [("illness", 2), ("schooling", 1), ("lack_of_labour", 1)],
            "RiskType order, zeros left out"
        );
        assert_eq!(
            o.identified_by_month
                .iter()
                .map(|c| (c.key.as_str(), c.label.as_str(), c.count))
                .collect::<Vec<_>>(),
            [("2026-09", "2026年9月", 1), ("2026-10", "2026年10月", 2)]
        );
        assert_eq!(
            o.eliminated_by_month
                .iter()
                .map(|c| (c.key.as_str(), c.count))
                .collect::<Vec<_>>(),
            [("2026-11", 1)]
        );
        assert_eq!(
            o.open_by_state
                .iter()
                .map(|c| (c.key.as_str(), c.count))
                .collect::<Vec<_>>(),
            [("awaiting_visit", 1), ("awaiting_data_check", 1)]
        );
        assert_eq!((o.overdue_cases, o.no_measure), (1, 1));
        let late = store
            .monitored_export(
                &town(),
                &MonitoredFilter {
                    no_measure_on: Some(TODAY),
                    ..Default::default()
                },
            )
            .await
            .expect("export");
        assert_eq!(
            late.iter()
                .map(|r| r.household_no.as_str())
                .collect::<Vec<_>>(),
            ["QY0003"]
        );
    }
}

#[tokio::test]
async fn the_lists_filter_and_order_in_sql() {
    for (store, _dir) in stores().await {
        monitored_township(&store).await;
        let all = store
            .monitored_export(&town(), &MonitoredFilter::default())
            .await
            .expect("export");
        assert_eq!(
            all.iter()
                .map(|r| r.household_no.as_str())
                .collect::<Vec<_>>(),
            ["CE0001", "CE0002", "QY0001", "QY0003"],
            "village, then household number"
        );
        let qy1 = all
            .iter()
            .find(|r| r.household_no == "QY0001")
            .expect("row");
        assert_eq!(
            (
                qy1.implemented_measures,
                qy1.village_name.as_str(),
                qy1.size
            ),
            (1, "青岩村", 2)
        );
        assert_eq!(qy1.risks, [RiskType::Illness, RiskType::Schooling]);
        let imported = all
            .iter()
            .find(|r| r.household_no == "CE0002")
            .expect("row");
        assert_eq!((imported.identified_on, imported.risks.len()), (None, 0));
        let by_text = MonitoredFilter {
            text: Some("QY".into()),
            ..Default::default()
        };
        assert_eq!(monitored_total(&store, &town(), by_text).await, 2);
        let wild = MonitoredFilter {
            text: Some("_".into()),
            ..Default::default()
        };
        assert_eq!(monitored_total(&store, &town(), wild).await, 0);
        // `lack_of_labour` holds LIKE wildcards: they are escaped.
        let labour = MonitoredFilter {
            risk: Some(RiskType::LackOfLabour),
            ..Default::default()
        };
        assert_eq!(monitored_total(&store, &town(), labour).await, 1);
        let page = store
            .monitored_list(
                &town(),
                &MonitoredFilter::default(),
                PageRequest {
                    page: 2,
                    per_page: 3,
                },
            )
            .await
            .expect("page");
        assert_eq!((page.total, page.items.len()), (4, 1));
        assert_eq!(page.items[0].household_no, "QY0003");

        let admin = Actor::system(code("500110"));
        let helper = store
            .user_create(
                &admin,
                NewUser {
                    username: "helper".into(),
                    display_name: "帮扶人甲".into(),
                    role: Role::Helper,
                    division: code(QINGYAN),
                    password_hash: "x".into(),
                },
            )
            .await
            .expect("user");
        store
            .pairing_set(&town(), "QY0003", helper, date!(2026 - 10 - 05))
            .await
            .expect("pair");
        let mine = store
            .monitored_export(
                &town(),
                &MonitoredFilter {
                    helper_id: Some(helper),
                    ..Default::default()
                },
            )
            .await
            .expect("export");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].helper_name.as_deref(), Some("帮扶人甲"));

        // Cases: the queue order is the due date, soonest first.
        let open = store
            .cases_list(
                &town(),
                &CaseFilter {
                    open_only: true,
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .expect("list");
        assert_eq!(
            open.items
                .iter()
                .map(|c| c.household_no.as_str())
                .collect::<Vec<_>>(),
            ["QY0002", "CE0003"]
        );
        let queue = CaseFilter {
            states: vec![CaseState::AwaitingDataCheck, CaseState::AwaitingTownReview],
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), queue).await, 1);
        let exported = store
            .cases_export(&town(), &CaseFilter::default())
            .await
            .expect("export");
        assert_eq!(
            exported
                .iter()
                .map(|c| (c.household_no.as_str(), c.case.kind))
                .collect::<Vec<_>>(),
            [
                ("CE0001", CaseKind::Identification),
                ("QY0003", CaseKind::Identification),
                ("QY0001", CaseKind::Identification),
                ("QY0002", CaseKind::Identification),
                ("CE0001", CaseKind::Elimination),
                ("CE0003", CaseKind::Identification),
            ],
            "oldest clue first"
        );
        let eliminations = CaseFilter {
            kind: Some(CaseKind::Elimination),
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), eliminations).await, 1);
        let announced = CaseFilter {
            closed_on: Some(date!(2026 - 10 - 20)),
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), announced).await, 1);
        let noticed = CaseFilter {
            notice_start: Some(add_days(CLUE, 4)),
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), noticed).await, 1);
        let by_no = CaseFilter {
            text: Some("CE".into()),
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), by_no).await, 3);
        let by_head = CaseFilter {
            text: Some("大山".into()),
            village: Some(code(QINGYAN)),
            ..Default::default()
        };
        assert_eq!(cases_total(&store, &town(), by_head).await, 3);
        let page = store
            .cases_list(
                &town(),
                &CaseFilter::default(),
                PageRequest {
                    page: 2,
                    per_page: 4,
                },
            )
            .await
            .expect("page");
        assert_eq!((page.total, page.items.len()), (6, 2));
    }
}

#[tokio::test]
async fn the_policy_table_is_seeded_upserted_and_audited() {
    for (store, _dir) in stores().await {
        let values = store.policy_values().await.expect("values");
        assert_eq!(values.len(), zhenxing_domain::policy::defaults().len());
        for d in zhenxing_domain::policy::defaults() {
            assert!(values.contains(&d), "{d:?}");
        }
        let line = |region: Option<&str>, year, yuan, is_default| PolicyValue {
            key: PolicyKey::MonitoringLine,
            region: region.map(code),
            year,
            value: Yuan::from_yuan(yuan).fen(),
            is_default,
        };
        let admin = Actor::system(code("500110"));
        store
            .policy_set(&admin, &line(Some("500110"), 2026, 7_600, false))
            .await
            .expect("set");
        store
            .policy_set(&admin, &line(Some("500110"), 2026, 7_800, false))
            .await
            .expect("replace");
        store
            .policy_set(&admin, &line(Some("500110"), 2026, 7_800, false))
            .await
            .expect("same again");
        // An administrator confirms the national default: it stops being a default.
        store
            .policy_set(&admin, &line(None, 2021, 7_000, false))
            .await
            .expect("confirm");
        store.migrate().await.expect("migrate again");
        let values = store.policy_values().await.expect("values");
        assert_eq!(values.len(), zhenxing_domain::policy::defaults().len() + 1);
        assert!(values.contains(&line(Some("500110"), 2026, 7_800, false)));
        assert!(
            values.contains(&line(None, 2021, 7_000, false)),
            "not re-seeded"
        );
        let policy = zhenxing_domain::Policy::new(values);
        assert_eq!(
            policy.monitoring_line(&code(QINGYAN), 2026),
            Yuan::from_yuan(7_800)
        );

        let history = store.policy_history().await.expect("history");
        assert_eq!(history.len(), 3, "an unchanged value writes nothing");
        assert_eq!(history[0].entity_key, "monitoring_line//2021");
        assert_eq!(history[0].before.as_deref(), Some(r#"{"is_default":true}"#));
        assert_eq!(history[1].entity_key, "monitoring_line/500110/2026");
        assert_eq!(history[1].before.as_deref(), Some(r#"{"value":760000}"#));
        assert_eq!(history[1].after.as_deref(), Some(r#"{"value":780000}"#));
        assert_eq!(
            (history[2].action.as_str(), history[2].before.as_deref()),
            ("create", None)
        );
        assert_eq!(history[2].actor, "system");
    }
}
