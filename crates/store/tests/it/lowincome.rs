//! The low-income contract: roll entries checked against the standards of the policy table, one
//! active entry per household or person, scoping, optimistic versions, periodic reviews changing the
//! roll in one transaction, the 1.3 × rule between the standards, import from the civil feed, the
//! medical three tiers, the pension premium candidates, the care rosters and the low-income list
//! whose counts are its totals.

use time::Date;
use time::macros::date;
use zhenxing_domain::feed::{AssistanceProgram, FeedKind, FeedRecord, Period, VisitType};
use zhenxing_domain::household::{
    DisabilityGrade, Household, HouseholdKind, MonitoringCategory, Relation,
};
use zhenxing_domain::lowincome::{
    AssistanceClass, CareGroup, CareLevel, CareParams, PremiumGroup, ReviewOutcome, RollKind,
    RollStatus, RosterStatus, SupportMode,
};
use zhenxing_domain::{CodeEnum, IdNumber, PolicyKey, PolicyValue, Yuan};
use zhenxing_store::{
    Actor, CareFilter, FeedUpload, LowIncomeFilter, LowIncomeType, MedicalFilter, NewCareVisit,
    NewReview, NewRollEntry, PageRequest, RollFilter, RollSource, SqlStore, Store, StoreError,
};

use super::{CHONGEN, QINGYAN, cadre, code, id, member, no_progress, sample, stores, town};

const TODAY: Date = date!(2026 - 11 - 28);

fn y(yuan: i64) -> Yuan {
    Yuan::from_yuan(yuan)
}

/// The sample's people: QY0001 (head, spouse), QY0002 (head, spouse), CE0001 (head, spouse).
fn qy1_head() -> String {
    id("19700101", 3).base().to_string()
}
fn qy1_spouse() -> String {
    id("19720202", 2).base().to_string()
}
fn qy2_head() -> String {
    id("19700101", 5).base().to_string()
}
fn qy2_spouse() -> String {
    id("19720202", 4).base().to_string()
}
fn ce1_head() -> String {
    id("19700101", 7).base().to_string()
}
fn ce1_spouse() -> String {
    id("19720202", 6).base().to_string()
}

fn entry(kind: RollKind, start: Date) -> NewRollEntry {
    NewRollEntry {
        kind,
        covered: Vec::new(),
        person: None,
        monthly_amount: None,
        care_level: None,
        support_mode: None,
        amount: None,
        event: String::new(),
        reason: "入户核实".into(),
        start,
        end: None,
        today: TODAY,
    }
}

fn dibao(covered: &[String], monthly: Yuan, start: Date) -> NewRollEntry {
    NewRollEntry {
        covered: covered.to_vec(),
        monthly_amount: Some(monthly),
        ..entry(RollKind::Dibao, start)
    }
}

fn tekun(person: &str, level: CareLevel, monthly: Yuan, start: Date) -> NewRollEntry {
    NewRollEntry {
        person: Some(person.into()),
        monthly_amount: Some(monthly),
        care_level: Some(level),
        support_mode: Some(SupportMode::Dispersed),
        ..entry(RollKind::Tekun, start)
    }
}

fn temporary(event: &str, amount: Yuan, start: Date) -> NewRollEntry {
    NewRollEntry {
        event: event.into(),
        amount: Some(amount),
        ..entry(RollKind::Temporary, start)
    }
}

async fn with_sample(store: &SqlStore) {
    store
        .households_import(&town(), sample(), &no_progress)
        .await
        .expect("import");
}

async fn create(store: &SqlStore, no: &str, e: &NewRollEntry) -> i64 {
    store
        .roll_create(&town(), no, e)
        .await
        .expect("roll_create")
}

async fn version(store: &SqlStore, id: i64) -> i64 {
    store
        .roll_get(&town(), id)
        .await
        .expect("roll")
        .entry
        .version
}

fn invalid(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn policy(key: PolicyKey, region: Option<&str>, year: i32, value: i64) -> PolicyValue {
    PolicyValue {
        key,
        region: region.map(code),
        year,
        value,
        is_default: false,
    }
}

#[tokio::test]
async fn rolls_are_entered_listed_and_ended_within_scope() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        let d = create(
            &store,
            "QY0001",
            &dibao(&[qy1_head(), qy1_spouse()], y(1_000), date!(2026 - 03 - 01)),
        )
        .await;
        let t = create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2026 - 01 - 01),
            ),
        )
        .await;
        let fire = create(
            &store,
            "QY0002",
            &temporary("火灾", y(2_000), date!(2026 - 10 - 10)),
        )
        .await;
        let err = invalid(store.roll_end(&town(), fire, 1, TODAY, "撤销").await);
        assert!(err.contains("一次性"), "{err}");
        let m = create(
            &store,
            "QY0002",
            &entry(RollKind::Marginal, date!(2026 - 05 - 01)),
        )
        .await;

        let detail = store.roll_get(&town(), d).await.expect("roll");
        let e = &detail.entry;
        assert_eq!(
            (e.kind, e.status, e.monthly_amount, e.source),
            (
                RollKind::Dibao,
                RollStatus::Active,
                Some(y(1_000)),
                RollSource::Manual
            )
        );
        let names: Vec<Option<&str>> = e.covered.iter().map(|p| p.name.as_deref()).collect();
        assert_eq!(names, [Some("王大山"), Some("李小梅")]);
        assert_eq!(e.next_review, Some(date!(2027 - 03 - 01)), "12 months");
        let marginal = store.roll_get(&town(), m).await.expect("roll").entry;
        assert_eq!(marginal.covered.len(), 2, "an empty list covers everyone");
        assert_eq!(marginal.monthly_amount, None);

        let qy = cadre(QINGYAN);
        let listed = store
            .roll_list(&qy, &RollFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(listed.total, 3);
        assert!(listed.items.iter().all(|r| r.village_name == "青岩村"));
        assert!(matches!(
            store.roll_get(&qy, t).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.roll_end(&qy, t, 1, TODAY, "迁出").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .roll_create(&qy, "CE0001", &temporary("火灾", y(100), TODAY))
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.rolls_for_household(&qy, "CE0001").await,
            Err(StoreError::NotFound)
        ));
        let tekun_only = RollFilter {
            kind: Some(RollKind::Tekun),
            ..Default::default()
        };
        assert_eq!(
            store
                .roll_export(&town(), &tekun_only)
                .await
                .expect("export")
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            [t]
        );

        let err = invalid(
            store
                .roll_end(
                    &town(),
                    d,
                    version(&store, d).await,
                    date!(2026 - 02 - 01),
                    "",
                )
                .await,
        );
        assert!(
            err.contains("不能早于开始日期") && err.contains("终止原因"),
            "{err}"
        );
        store
            .roll_end(
                &town(),
                d,
                version(&store, d).await,
                date!(2026 - 11 - 01),
                "家庭收入超过低保标准",
            )
            .await
            .expect("end");
        let ended = store.roll_get(&town(), d).await.expect("roll").entry;
        assert_eq!(
            (ended.status, ended.end, ended.next_review),
            (RollStatus::Ended, Some(date!(2026 - 11 - 01)), None)
        );
        assert_eq!(ended.end_reason.as_deref(), Some("家庭收入超过低保标准"));
        invalid(
            store
                .roll_end(&town(), d, ended.version, TODAY, "重复")
                .await,
        );
        let active = RollFilter {
            status: Some(RollStatus::Active),
            ..Default::default()
        };
        assert_eq!(
            store
                .roll_list(&qy, &active, PageRequest::default())
                .await
                .expect("list")
                .total,
            2
        );
        assert_eq!(
            store
                .rolls_for_household(&town(), "QY0002")
                .await
                .expect("household")
                .len(),
            2
        );
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        let end = history
            .iter()
            .find(|a| a.entity == "roll" && a.action == "end")
            .expect("end audited");
        assert!(end.after.as_deref().is_some_and(|a| a.contains("已终止")));
        assert!(
            history
                .iter()
                .any(|a| a.entity == "roll" && a.action == "create")
        );
    }
}

#[tokio::test]
async fn amounts_are_checked_against_the_standards_of_their_year_and_region() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        let both = [qy1_head(), qy1_spouse()];
        let err = invalid(
            store
                .roll_create(
                    &town(),
                    "QY0001",
                    &dibao(&both, y(1_300), date!(2026 - 03 - 01)),
                )
                .await,
        );
        assert!(
            err.contains("1,300.00 元") && err.contains("2 人 × 低保标准 600.00 元"),
            "{err}"
        );
        assert!(err.contains("1,200.00 元"), "{err}");
        create(
            &store,
            "QY0001",
            &dibao(&both, y(1_200), date!(2026 - 03 - 01)),
        )
        .await;

        let err = invalid(
            store
                .roll_create(
                    &town(),
                    "CE0001",
                    &tekun(
                        &ce1_head(),
                        CareLevel::FullCare,
                        y(800),
                        date!(2026 - 03 - 01),
                    ),
                )
                .await,
        );
        assert!(err.contains("1,380.00 元"), "780 + 600: {err}");
        let err = invalid(
            store
                .roll_create(
                    &town(),
                    "CE0001",
                    &tekun(
                        &qy1_head(),
                        CareLevel::SelfCare,
                        y(900),
                        date!(2026 - 03 - 01),
                    ),
                )
                .await,
        );
        assert!(err.contains("不是该户成员"), "{err}");
        assert!(!err.contains(&qy1_head()), "IDs are masked: {err}");
        let err = invalid(
            store
                .roll_create(
                    &town(),
                    "QY0002",
                    &NewRollEntry {
                        today: date!(2026 - 02 - 01),
                        ..temporary("", y(100), date!(2026 - 03 - 01))
                    },
                )
                .await,
        );
        assert!(
            err.contains("救助事由") && err.contains("不能晚于今天"),
            "{err}"
        );

        // A village of its own with higher standards from 2026: 2 × 700 = 1,400 fits there.
        store
            .policy_set(
                &town(),
                &policy(PolicyKey::TekunStandard, Some(QINGYAN), 2026, 91_000),
            )
            .await
            .expect("tekun first");
        store
            .policy_set(
                &town(),
                &policy(PolicyKey::DibaoStandard, Some(QINGYAN), 2026, 70_000),
            )
            .await
            .expect("dibao");
        let qy2 = [qy2_head(), qy2_spouse()];
        let err = invalid(
            store
                .roll_create(
                    &town(),
                    "QY0002",
                    &dibao(&qy2, y(1_400), date!(2025 - 12 - 01)),
                )
                .await,
        );
        assert!(err.contains("2025年"), "the start year's standard: {err}");
        create(
            &store,
            "QY0002",
            &dibao(&qy2, y(1_400), date!(2026 - 01 - 01)),
        )
        .await;
        invalid(
            store
                .roll_create(
                    &town(),
                    "CE0001",
                    &dibao(&[ce1_head()], y(700), date!(2026 - 01 - 01)),
                )
                .await,
        );
    }
}

#[tokio::test]
async fn one_active_dibao_per_household_and_one_tekun_per_person() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        let first = create(
            &store,
            "QY0001",
            &dibao(&[qy1_head()], y(500), date!(2026 - 01 - 01)),
        )
        .await;
        let second = store
            .roll_create(
                &town(),
                "QY0001",
                &dibao(&[qy1_spouse()], y(500), date!(2026 - 02 - 01)),
            )
            .await;
        match second {
            Err(StoreError::Conflict(m)) => assert!(m.contains("已有在册的低保"), "{m}"),
            other => panic!("expected Conflict, got {other:?}"),
        }
        // A marginal entry is a roll of its own; so is an entry that already ended.
        create(
            &store,
            "QY0001",
            &entry(RollKind::Marginal, date!(2026 - 01 - 01)),
        )
        .await;
        create(
            &store,
            "QY0001",
            &NewRollEntry {
                end: Some(date!(2025 - 12 - 31)),
                ..dibao(&[qy1_head()], y(500), date!(2025 - 01 - 01))
            },
        )
        .await;
        store
            .roll_end(&town(), first, version(&store, first).await, TODAY, "迁出")
            .await
            .expect("end");
        create(
            &store,
            "QY0001",
            &dibao(&[qy1_spouse()], y(500), date!(2026 - 11 - 01)),
        )
        .await;

        create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2026 - 01 - 01),
            ),
        )
        .await;
        assert!(matches!(
            store
                .roll_create(
                    &town(),
                    "CE0001",
                    &tekun(
                        &ce1_head(),
                        CareLevel::PartCare,
                        y(1_080),
                        date!(2026 - 02 - 01)
                    ),
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        create(
            &store,
            "CE0001",
            &tekun(
                &ce1_spouse(),
                CareLevel::PartCare,
                y(1_080),
                date!(2026 - 02 - 01),
            ),
        )
        .await;
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        let id = create(
            &store,
            "QY0001",
            &dibao(&[qy1_head()], y(500), date!(2025 - 01 - 01)),
        )
        .await;
        let seen = version(&store, id).await;
        let review = NewReview {
            date: date!(2026 - 01 - 05),
            outcome: ReviewOutcome::Continue,
            new_amount: None,
            note: String::new(),
            today: TODAY,
        };
        store
            .roll_review(&town(), id, seen, &review)
            .await
            .expect("review");
        let stale = store.roll_review(&town(), id, seen, &review).await;
        assert!(
            matches!(&stale, Err(StoreError::Conflict(m)) if m == "该记录已被他人修改，请刷新后重试"),
            "{stale:?}"
        );
        assert!(matches!(
            store.roll_end(&town(), id, seen, TODAY, "迁出").await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store
                .roll_get(&town(), id)
                .await
                .expect("roll")
                .reviews
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn reviews_continue_adjust_or_end_the_roll_and_set_the_next_review() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        let both = [qy1_head(), qy1_spouse()];
        let d = create(
            &store,
            "QY0001",
            &dibao(&both, y(1_000), date!(2025 - 06 - 15)),
        )
        .await;
        let t = create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2025 - 11 - 30),
            ),
        )
        .await;
        let tmp = create(
            &store,
            "QY0002",
            &temporary("火灾", y(2_000), date!(2026 - 10 - 10)),
        )
        .await;

        let due_this_month = RollFilter {
            next_review_from: Some(TODAY),
            next_review_before: Some(date!(2026 - 12 - 01)),
            ..Default::default()
        };
        let overdue = RollFilter {
            next_review_before: Some(TODAY),
            ..Default::default()
        };
        let ids = |f: RollFilter| {
            let store = &store;
            async move {
                store
                    .roll_export(&town(), &f)
                    .await
                    .expect("export")
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(ids(overdue.clone()).await, [d], "due 2026-06-15");
        assert_eq!(ids(due_this_month.clone()).await, [t], "due 2026-11-30");

        let review = |date, outcome, new_amount: Option<Yuan>, note: &str| NewReview {
            date,
            outcome,
            new_amount,
            note: note.into(),
            today: TODAY,
        };
        store
            .roll_review(
                &town(),
                d,
                version(&store, d).await,
                &review(
                    date!(2026 - 11 - 20),
                    ReviewOutcome::Continue,
                    None,
                    "收入未变",
                ),
            )
            .await
            .expect("continue");
        let e = store.roll_get(&town(), d).await.expect("roll");
        assert_eq!(e.entry.next_review, Some(date!(2027 - 11 - 20)));
        assert!(ids(overdue.clone()).await.is_empty());

        let err = invalid(
            store
                .roll_review(
                    &town(),
                    d,
                    e.entry.version,
                    &review(
                        date!(2026 - 11 - 21),
                        ReviewOutcome::Adjust,
                        Some(y(1_300)),
                        "",
                    ),
                )
                .await,
        );
        assert!(err.contains("1,200.00 元"), "{err}");
        invalid(
            store
                .roll_review(
                    &town(),
                    d,
                    e.entry.version,
                    &review(date!(2026 - 11 - 21), ReviewOutcome::Adjust, None, ""),
                )
                .await,
        );
        invalid(
            store
                .roll_review(
                    &town(),
                    d,
                    e.entry.version,
                    &review(date!(2026 - 11 - 29), ReviewOutcome::Continue, None, ""),
                )
                .await,
        );
        let unchanged = store.roll_get(&town(), d).await.expect("roll");
        assert_eq!(
            (unchanged.entry.version, unchanged.reviews.len()),
            (e.entry.version, 1),
            "a refused review changes nothing"
        );

        store
            .roll_review(
                &town(),
                d,
                e.entry.version,
                &review(
                    date!(2026 - 11 - 21),
                    ReviewOutcome::Adjust,
                    Some(y(1_100)),
                    "增加一人患病",
                ),
            )
            .await
            .expect("adjust");
        let e = store.roll_get(&town(), d).await.expect("roll");
        assert_eq!(e.entry.monthly_amount, Some(y(1_100)));
        assert_eq!(e.entry.next_review, Some(date!(2027 - 11 - 21)));
        let last = e.reviews.last().expect("review");
        assert_eq!(
            (last.outcome, last.old_amount, last.new_amount),
            (ReviewOutcome::Adjust, Some(y(1_000)), Some(y(1_100)))
        );

        invalid(
            store
                .roll_review(
                    &town(),
                    d,
                    e.entry.version,
                    &review(date!(2026 - 11 - 25), ReviewOutcome::End, None, " "),
                )
                .await,
        );
        store
            .roll_review(
                &town(),
                d,
                e.entry.version,
                &review(
                    date!(2026 - 11 - 25),
                    ReviewOutcome::End,
                    None,
                    "家庭成员就业",
                ),
            )
            .await
            .expect("end");
        let e = store.roll_get(&town(), d).await.expect("roll");
        assert_eq!(
            (
                e.entry.status,
                e.entry.end,
                e.entry.next_review,
                e.reviews.len()
            ),
            (RollStatus::Ended, Some(date!(2026 - 11 - 25)), None, 3)
        );
        assert_eq!(e.entry.end_reason.as_deref(), Some("家庭成员就业"));

        invalid(
            store
                .roll_review(
                    &town(),
                    tmp,
                    version(&store, tmp).await,
                    &review(TODAY, ReviewOutcome::Continue, None, ""),
                )
                .await,
        );
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert_eq!(
            history
                .iter()
                .filter(|a| a.entity == "roll" && a.action == "review")
                .count(),
            3
        );
    }
}

#[tokio::test]
async fn the_tekun_standard_stays_at_least_1_3_times_the_dibao_standard() {
    for (store, _dir) in stores().await {
        // Defaults: 低保 600.00, 特困 780.00 = exactly 1.3 ×.
        let err = invalid(
            store
                .policy_set(
                    &town(),
                    &policy(PolicyKey::TekunStandard, None, 2027, 77_900),
                )
                .await,
        );
        assert!(
            err.contains("779.00") && err.contains("600.00") && err.contains("780.00"),
            "{err}"
        );
        store
            .policy_set(
                &town(),
                &policy(PolicyKey::TekunStandard, None, 2027, 78_000),
            )
            .await
            .expect("exactly 1.3 ×");
        let err = invalid(
            store
                .policy_set(
                    &town(),
                    &policy(PolicyKey::DibaoStandard, None, 2027, 60_100),
                )
                .await,
        );
        assert!(
            err.contains("781.30"),
            "a 低保 raise would leave 特困 behind: {err}"
        );
        store
            .policy_set(
                &town(),
                &policy(PolicyKey::TekunStandard, None, 2027, 130_000),
            )
            .await
            .expect("raise 特困 first");
        store
            .policy_set(
                &town(),
                &policy(PolicyKey::DibaoStandard, None, 2027, 100_000),
            )
            .await
            .expect("then 低保: exactly 1.3 ×");
        invalid(
            store
                .policy_set(
                    &town(),
                    &policy(PolicyKey::DibaoStandard, Some(QINGYAN), 2028, 100_100),
                )
                .await,
        );
        invalid(
            store
                .policy_set(
                    &town(),
                    &policy(PolicyKey::TekunMinRatio, None, 2028, 14_000),
                )
                .await,
        );
        let values = store.policy_values().await.expect("values");
        let stored = |key: PolicyKey, year: i32| {
            values
                .iter()
                .filter(|v| v.key == key && v.year == year)
                .map(|v| v.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(stored(PolicyKey::TekunStandard, 2027), [130_000]);
        assert_eq!(stored(PolicyKey::DibaoStandard, 2027), [100_000]);
        assert!(
            stored(PolicyKey::DibaoStandard, 2028).is_empty(),
            "refused values are not stored"
        );
        assert!(stored(PolicyKey::TekunMinRatio, 2028).is_empty());
        // Keys of other parts pass untouched.
        store
            .policy_set(&town(), &policy(PolicyKey::NoticeDays, None, 2027, 7))
            .await
            .expect("notice days");
    }
}

fn civil(person: &str, program: AssistanceProgram, date: Date, amount: Yuan) -> FeedRecord {
    FeedRecord::Civil {
        person: person.into(),
        program,
        date,
        amount,
    }
}

fn feed(kind: FeedKind, period: &str, hash: &str, rows: usize) -> FeedUpload {
    FeedUpload {
        kind,
        period: Period::parse(period).expect("period"),
        file_name: format!("{}.xlsx", kind.code()),
        content_hash: hash.into(),
        rows_total: rows as u64,
        rows_malformed: 0,
    }
}

async fn upload(store: &SqlStore, kind: FeedKind, period: &str, records: Vec<FeedRecord>) -> i64 {
    let rows: Vec<(usize, FeedRecord)> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r))
        .collect();
    store
        .feed_upload(&town(), &feed(kind, period, period, rows.len()), &rows)
        .await
        .expect("upload")
        .upload_id
}

#[tokio::test]
async fn the_civil_feed_fills_the_rolls_once() {
    for (store, _dir) in stores().await {
        with_sample(&store).await;
        use AssistanceProgram::{Dibao, Tekun, Temporary};
        let march = date!(2026 - 03 - 05);
        let stranger = id("19800101", 900).base().to_string();
        let records = vec![
            civil(&qy1_head(), Dibao, march, y(500)),   // row 2
            civil(&qy1_spouse(), Dibao, march, y(500)), // row 3: QY0001 2 人 1,000 ≤ 1,200
            civil(&qy2_head(), Dibao, march, y(700)),   // row 4
            civil(&qy2_spouse(), Dibao, march, y(600)), // row 5: QY0002 1,300 > 1,200
            civil(&ce1_head(), Tekun, march, y(840)),   // row 6: 780 + 60
            civil(&ce1_spouse(), Tekun, march, y(700)), // row 7: below 840
            civil(&qy1_head(), Temporary, date!(2026 - 04 - 01), y(1_500)), // row 8
            civil(&stranger, Temporary, march, y(300)), // row 9: not in the registry
        ];
        let up = upload(&store, FeedKind::Civil, "2026-03", records).await;
        let s = store.roll_import_civil(&town(), up).await.expect("import");
        assert_eq!(
            (
                s.created_dibao,
                s.created_tekun,
                s.created_temporary,
                s.already
            ),
            (1, 1, 1, 0)
        );
        let refused: Vec<(Vec<usize>, &str)> = s
            .refused
            .iter()
            .map(|r| (r.rows.clone(), r.subject.as_str()))
            .collect();
        assert_eq!(refused.len(), 3, "{:?}", s.refused);
        assert_eq!(refused[0], (vec![4, 5], "QY0002"));
        assert_eq!(refused[1].0, [7]);
        assert_eq!(refused[2].0, [9]);
        assert!(
            s.refused[0].reason.contains("1,300.00 元"),
            "{:?}",
            s.refused[0]
        );
        assert!(
            s.refused[1].reason.contains("840.00 元"),
            "{:?}",
            s.refused[1]
        );
        assert!(s.refused[2].reason.contains("花名册"), "{:?}", s.refused[2]);
        assert!(!s.refused[2].subject.contains(&stranger), "masked");

        let rolls = store
            .roll_export(&town(), &RollFilter::default())
            .await
            .expect("export");
        assert_eq!(rolls.len(), 3);
        let d = rolls
            .iter()
            .find(|r| r.kind == RollKind::Dibao)
            .expect("低保");
        assert_eq!(
            (
                d.household_no.as_str(),
                d.covered.len(),
                d.monthly_amount,
                d.start
            ),
            ("QY0001", 2, Some(y(1_000)), march)
        );
        assert_eq!((d.source, d.upload_id), (RollSource::Import, Some(up)));
        let t = rolls
            .iter()
            .find(|r| r.kind == RollKind::Tekun)
            .expect("特困");
        assert_eq!(
            (t.care_level, t.support_mode, t.monthly_amount),
            (
                Some(CareLevel::SelfCare),
                Some(SupportMode::Dispersed),
                Some(y(840))
            )
        );
        let tmp = rolls
            .iter()
            .find(|r| r.kind == RollKind::Temporary)
            .expect("临时救助");
        assert_eq!(
            (tmp.amount, tmp.start, tmp.event.as_deref()),
            (Some(y(1_500)), date!(2026 - 04 - 01), Some("民政数据导入"))
        );

        let again = store.roll_import_civil(&town(), up).await.expect("again");
        assert_eq!(
            (again.created(), again.already, again.refused.len()),
            (0, 3, 3)
        );
        assert_eq!(
            store
                .roll_export(&town(), &RollFilter::default())
                .await
                .expect("export")
                .len(),
            3
        );

        // A cadre imports only her village's records; others' are not hers to report.
        let ce = store
            .roll_import_civil(&cadre(CHONGEN), up)
            .await
            .expect("cadre");
        assert_eq!((ce.created(), ce.already), (0, 1));
        assert_eq!(
            ce.refused
                .iter()
                .map(|r| r.rows.clone())
                .collect::<Vec<_>>(),
            [vec![7], vec![9]]
        );

        let medical = upload(&store, FeedKind::Medical, "2026-04", Vec::new()).await;
        invalid(store.roll_import_civil(&town(), medical).await);
        assert!(matches!(
            store.roll_import_civil(&town(), up + 100).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one amount per column of the feed"
)]
fn medical(
    person: &str,
    date: Date,
    total: i64,
    basic: i64,
    critical: i64,
    assistance: i64,
    oop: i64,
    eligible: i64,
) -> FeedRecord {
    FeedRecord::Medical {
        person: person.into(),
        date,
        visit_type: VisitType::Inpatient,
        total: y(total),
        basic_paid: y(basic),
        critical_paid: y(critical),
        assistance_paid: y(assistance),
        out_of_pocket: y(oop),
        eligible_out_of_pocket: y(eligible),
    }
}

/// An under-18 living alone: an orphan by the registry's approximation.
fn orphan_id() -> IdNumber {
    id("20120505", 31)
}

#[tokio::test]
async fn medical_years_sum_each_persons_year_with_the_facts_of_the_class() {
    for (store, _dir) in stores().await {
        let mut registry = sample();
        registry[1].kind = HouseholdKind::Monitored;
        registry[1].monitoring_category = Some(MonitoringCategory::SuddenHardship);
        let mut alone = super::household("QY0003", QINGYAN, 30);
        alone.members = vec![member("王小孤", Relation::Head, orphan_id())];
        alone.incomes.clear();
        registry.push(alone);
        store
            .households_import(&town(), registry, &no_progress)
            .await
            .expect("import");
        // 特困 by the roll, not the member flag.
        create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2026 - 01 - 01),
            ),
        )
        .await;
        let records = vec![
            medical(
                &qy1_head(),
                date!(2026 - 02 - 01),
                20_000,
                8_000,
                3_000,
                1_000,
                8_000,
                6_000,
            ),
            medical(
                &qy1_head(),
                date!(2026 - 07 - 01),
                10_000,
                4_000,
                1_000,
                1_000,
                4_000,
                2_000,
            ),
            medical(&qy1_head(), date!(2025 - 12 - 31), 999, 999, 0, 0, 0, 0),
            medical(
                &qy2_head(),
                date!(2026 - 03 - 01),
                1_000,
                600,
                0,
                100,
                300,
                300,
            ),
            medical(&ce1_head(), date!(2026 - 03 - 01), 500, 400, 0, 0, 100, 50),
            medical(
                orphan_id().base(),
                date!(2026 - 05 - 01),
                800,
                0,
                0,
                0,
                800,
                800,
            ),
        ];
        upload(&store, FeedKind::Medical, "2026-07", records).await;

        let rows = store
            .medical_years(&town(), 2026, &MedicalFilter::default())
            .await
            .expect("medical");
        let people: Vec<&str> = rows.iter().map(|r| r.household_no.as_str()).collect();
        assert_eq!(people, ["CE0001", "QY0001", "QY0002", "QY0003"]);
        let qy1 = &rows[1];
        let m = qy1.medical;
        assert_eq!(
            (
                m.records,
                m.total,
                m.basic,
                m.critical,
                m.assistance,
                m.out_of_pocket,
                m.eligible
            ),
            (
                2,
                y(30_000),
                y(12_000),
                y(4_000),
                y(2_000),
                y(12_000),
                y(8_000)
            )
        );
        assert_eq!(m.in_scope(), y(26_000));
        assert_eq!(m.in_scope_ratio(), Some(3_077), "8,000 / 26,000");
        assert_eq!(qy1.household_net_income_last_year, Some(y(23_500)));
        assert_eq!(
            qy1.class,
            Some(AssistanceClass::Four),
            "12,000 > 0.5 × 23,500"
        );
        assert_eq!(qy1.name, "王大山");
        let qy2 = &rows[2];
        assert!(qy2.monitored && qy2.returned_to_poverty && !qy2.dibao);
        assert_eq!(qy2.class, Some(AssistanceClass::Two));
        assert!(rows[0].tekun, "by the roll entry");
        assert_eq!(rows[0].class, Some(AssistanceClass::One));
        assert!(rows[3].orphan);
        assert_eq!(rows[3].class, Some(AssistanceClass::One));

        let by_ratio = MedicalFilter {
            min_ratio: Some(3_050),
            ..Default::default()
        };
        let listed = |f: MedicalFilter, actor: Actor| {
            let store = &store;
            async move {
                store
                    .medical_years(&actor, 2026, &f)
                    .await
                    .expect("medical")
                    .into_iter()
                    .map(|r| r.household_no)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(listed(by_ratio, town()).await, ["QY0001", "QY0003"]);
        let by_amount = MedicalFilter {
            min_out_of_pocket: Some(y(300)),
            ..Default::default()
        };
        assert_eq!(
            listed(by_amount, town()).await,
            ["QY0001", "QY0002", "QY0003"]
        );
        let either = MedicalFilter {
            min_ratio: Some(9_000),
            min_out_of_pocket: Some(y(5_000)),
            ..Default::default()
        };
        assert_eq!(
            listed(either, town()).await,
            ["QY0001", "QY0003"],
            "ratio 1.0 or 12,000"
        );
        assert_eq!(
            listed(MedicalFilter::default(), cadre(CHONGEN)).await,
            ["CE0001"]
        );
        let other_village = MedicalFilter {
            village: Some(code(CHONGEN)),
            ..Default::default()
        };
        assert!(listed(other_village, cadre(QINGYAN)).await.is_empty());
        assert!(
            store
                .medical_years(&town(), 2025, &MedicalFilter::default())
                .await
                .expect("2025")
                .iter()
                .all(|r| r.household_no == "QY0001" && r.medical.records == 1)
        );
    }
}

#[tokio::test]
async fn premium_candidates_carry_their_facts_and_the_domains_decision() {
    for (store, _dir) in stores().await {
        let mut registry = sample();
        registry[0].members[0].dibao = Some(true);
        registry[0].members[0].pension_insured = Some(true);
        registry[0].members[1].pension_insured = Some(true);
        registry[1].kind = HouseholdKind::Monitored;
        registry[1].monitoring_category = Some(MonitoringCategory::Marginal);
        registry[1].members[0].pension_insured = Some(true);
        registry[1].members[1].pension_insured = Some(false);
        registry[2].members[0].pension_insured = Some(true);
        // Ages in 2026: 60, 59, 16, 15 — all 一级 disabled and insured; and a 三级 one.
        let mut ages = super::household("QY0009", QINGYAN, 40);
        let disabled = |name: &str, relation, birth: &str, serial, grade| {
            let mut m = member(name, relation, id(birth, serial));
            m.disability_grade = Some(grade);
            m.pension_insured = Some(true);
            m
        };
        ages.members = vec![
            disabled("甲", Relation::Head, "19661231", 81, DisabilityGrade::One),
            disabled("乙", Relation::Spouse, "19670101", 82, DisabilityGrade::One),
            disabled("丙", Relation::Son, "20101231", 83, DisabilityGrade::Two),
            disabled(
                "丁",
                Relation::Daughter,
                "20110101",
                84,
                DisabilityGrade::One,
            ),
            disabled("戊", Relation::Son, "20050601", 85, DisabilityGrade::Three),
        ];
        registry.push(ages);
        store
            .households_import(&town(), registry, &no_progress)
            .await
            .expect("import");
        create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2026 - 01 - 01),
            ),
        )
        .await;

        let all = store
            .premium_candidates(&town(), 2026)
            .await
            .expect("candidates");
        let decided: Vec<(&str, Option<PremiumGroup>)> =
            all.iter().map(|c| (c.name.as_str(), c.group)).collect();
        assert_eq!(
            decided,
            [
                ("王大山", Some(PremiumGroup::Tekun)),
                ("王大山", Some(PremiumGroup::Dibao)),
                ("王大山", Some(PremiumGroup::Monitored)),
                ("李小梅", None),
                ("甲", None),
                ("乙", Some(PremiumGroup::SevereDisability)),
                ("丙", Some(PremiumGroup::SevereDisability)),
                ("丁", None),
                ("戊", None),
            ]
        );
        assert_eq!(all[0].household_no, "CE0001");
        assert!(all[0].tekun && !all[0].dibao, "by the roll entry");
        assert_eq!(all[1].subsidy, Some(y(200)), "lowest tier 200 × share 1");
        assert_eq!(all[3].subsidy, None);
        assert_eq!(all[3].pension_insured, Some(false));
        assert_eq!(all[8].disability, Some(DisabilityGrade::Three));

        let qy = store
            .premium_candidates(&cadre(QINGYAN), 2026)
            .await
            .expect("candidates");
        assert_eq!(qy.len(), all.len() - 1);
        assert!(qy.iter().all(|c| c.village_name == "青岩村"));
    }
}

/// 户主 away 10 months, 配偶 at home, 之子 11, 之父 76 with a 三级 disability.
fn care_household() -> Household {
    let mut h = super::household("QY0005", QINGYAN, 50);
    let mut head = member("张大勇", Relation::Head, id("19850301", 51));
    head.work_months = Some(10);
    let mut wife = member("刘小芳", Relation::Spouse, id("19870401", 52));
    wife.work_months = Some(0);
    let mut son = member("张小宝", Relation::Son, id("20150601", 53));
    son.work_months = None;
    let mut father = member("张老汉", Relation::Father, id("19500101", 55));
    father.work_months = Some(0);
    father.disability_grade = Some(DisabilityGrade::Three);
    h.members = vec![head, wife, son, father];
    h
}

#[tokio::test]
async fn care_rosters_are_derived_again_without_touching_the_cadres_decisions() {
    for (store, _dir) in stores().await {
        let mut registry = sample();
        registry.push(care_household());
        store
            .households_import(&town(), registry, &no_progress)
            .await
            .expect("import");
        let params = CareParams::default();
        let first = store
            .care_refresh(&town(), TODAY, &params)
            .await
            .expect("refresh");
        assert_eq!((first.created, first.unchanged), (3, 0), "{first:?}");
        let again = store
            .care_refresh(&town(), TODAY, &params)
            .await
            .expect("refresh");
        assert_eq!(
            (again.created, again.updated, again.unchanged, again.removed),
            (0, 0, 3, 0)
        );

        let list = store
            .care_list(&town(), &CareFilter::default(), PageRequest::default())
            .await
            .expect("list");
        let groups: Vec<(&str, CareGroup, RosterStatus)> = list
            .items
            .iter()
            .map(|r| {
                (
                    r.person.name.as_deref().unwrap_or(""),
                    r.care_group,
                    r.status,
                )
            })
            .collect();
        assert_eq!(list.total, 3);
        assert!(groups.contains(&("刘小芳", CareGroup::LeftBehindWoman, RosterStatus::Derived)));
        assert!(groups.contains(&("张老汉", CareGroup::LeftBehindElder, RosterStatus::Derived)));
        assert!(groups.contains(&("张老汉", CareGroup::Disabled, RosterStatus::Derived)));
        let woman = list
            .items
            .iter()
            .find(|r| r.care_group == CareGroup::LeftBehindWoman)
            .expect("woman")
            .clone();
        assert!(!woman.reason.is_empty());

        assert!(matches!(
            store.care_get(&cadre(CHONGEN), woman.id).await,
            Err(StoreError::NotFound)
        ));
        invalid(
            store
                .care_set_status(&town(), woman.id, woman.version, RosterStatus::Rejected, "")
                .await,
        );
        store
            .care_set_status(
                &town(),
                woman.id,
                woman.version,
                RosterStatus::Confirmed,
                "入户核实",
            )
            .await
            .expect("confirm");
        assert!(matches!(
            store
                .care_set_status(
                    &town(),
                    woman.id,
                    woman.version,
                    RosterStatus::Rejected,
                    "x"
                )
                .await,
            Err(StoreError::Conflict(_))
        ));

        let visit = |date, content: &str, next| NewCareVisit {
            date,
            visitor: "村干部张三".into(),
            content: content.into(),
            next_visit: next,
            today: TODAY,
        };
        invalid(
            store
                .care_visit(
                    &town(),
                    woman.id,
                    &visit(date!(2026 - 11 - 29), "看望", None),
                )
                .await,
        );
        invalid(
            store
                .care_visit(&town(), woman.id, &visit(TODAY, " ", None))
                .await,
        );
        store
            .care_visit(
                &town(),
                woman.id,
                &visit(
                    date!(2026 - 11 - 20),
                    "了解生活情况",
                    Some(date!(2026 - 12 - 20)),
                ),
            )
            .await
            .expect("visit");
        let detail = store.care_get(&town(), woman.id).await.expect("care");
        assert_eq!(detail.visits.len(), 1);
        assert_eq!(
            (
                detail.entry.status,
                detail.entry.next_visit,
                detail.entry.last_visit
            ),
            (
                RosterStatus::Confirmed,
                Some(date!(2026 - 12 - 20)),
                Some(date!(2026 - 11 - 20))
            )
        );
        let overdue = |on| CareFilter {
            visit_overdue_on: Some(on),
            ..Default::default()
        };
        let total = |f: CareFilter| {
            let store = &store;
            async move {
                store
                    .care_list(&town(), &f, PageRequest::default())
                    .await
                    .expect("list")
                    .total
            }
        };
        assert_eq!(total(overdue(TODAY)).await, 0);
        assert_eq!(total(overdue(date!(2027 - 01 - 01))).await, 1);
        assert_eq!(
            total(CareFilter {
                group: Some(CareGroup::Disabled),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            total(CareFilter {
                text: Some("老汉".into()),
                ..Default::default()
            })
            .await,
            2
        );

        // The head comes home and the father's grade changes: the confirmed woman stays, the
        // derived elder goes, the disabled entry's reason follows the registry.
        let h = store
            .household_get(&town(), "QY0005")
            .await
            .expect("household");
        let mut head = h.household.members[0].clone();
        head.work_months = Some(0);
        store
            .member_update(&town(), h.member_keys[0].id, h.member_keys[0].version, head)
            .await
            .expect("head home");
        let mut father = h.household.members[3].clone();
        father.disability_grade = Some(DisabilityGrade::Four);
        store
            .member_update(
                &town(),
                h.member_keys[3].id,
                h.member_keys[3].version,
                father,
            )
            .await
            .expect("grade");
        let third = store
            .care_refresh(&town(), TODAY, &params)
            .await
            .expect("refresh");
        assert_eq!(
            (
                third.created,
                third.updated,
                third.unchanged,
                third.kept,
                third.removed
            ),
            (0, 1, 0, 1, 1),
            "{third:?}"
        );
        let list = store
            .care_list(&town(), &CareFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(list.total, 2);
        let woman = store.care_get(&town(), woman.id).await.expect("care");
        assert_eq!(woman.entry.status, RosterStatus::Confirmed);
        assert_eq!(woman.entry.note, "入户核实");
        assert!(
            list.items
                .iter()
                .any(|r| r.care_group == CareGroup::Disabled && r.reason.contains("四级"))
        );
        assert!(
            store
                .audit_for_household(&town(), "QY0005")
                .await
                .expect("history")
                .iter()
                .any(|a| a.entity == "care_roster" && a.action == "care_visit")
        );
    }
}

#[tokio::test]
async fn low_income_counts_are_the_totals_of_the_list() {
    for (store, _dir) in stores().await {
        let mut registry = sample();
        registry[1].kind = HouseholdKind::Monitored;
        registry[1].monitoring_category = Some(MonitoringCategory::SuddenHardship);
        let mut eliminated = super::household("QY0004", QINGYAN, 60);
        eliminated.kind = HouseholdKind::Monitored;
        eliminated.monitoring_category = Some(MonitoringCategory::Marginal);
        registry.push(eliminated);
        registry.push(super::household("CE0002", CHONGEN, 61));
        registry.push(super::household("CE0003", CHONGEN, 62));
        store
            .households_import(&town(), registry, &no_progress)
            .await
            .expect("import");
        sqlx::query("UPDATE households SET risk_eliminated = 1 WHERE household_no = 'QY0004'")
            .execute(store.pool())
            .await
            .expect("eliminate");
        create(
            &store,
            "QY0001",
            &dibao(&[qy1_head()], y(500), date!(2026 - 01 - 01)),
        )
        .await;
        create(
            &store,
            "CE0001",
            &tekun(
                &ce1_head(),
                CareLevel::SelfCare,
                y(840),
                date!(2026 - 01 - 01),
            ),
        )
        .await;
        create(
            &store,
            "CE0001",
            &entry(RollKind::Marginal, date!(2026 - 01 - 01)),
        )
        .await;
        create(
            &store,
            "QY0002",
            &temporary("火灾", y(2_000), date!(2026 - 10 - 01)),
        )
        .await;
        create(
            &store,
            "CE0002",
            &temporary("车祸", y(1_000), date!(2025 - 11 - 28)),
        )
        .await;
        let ended = create(
            &store,
            "CE0003",
            &dibao(
                &[id("19700101", 125).base().to_string()],
                y(500),
                date!(2026 - 01 - 01),
            ),
        )
        .await;
        store
            .roll_end(&town(), ended, version(&store, ended).await, TODAY, "迁出")
            .await
            .expect("end");

        let page = store
            .low_income_list(
                &town(),
                &LowIncomeFilter::default(),
                TODAY,
                PageRequest::default(),
            )
            .await
            .expect("list");
        let rows: Vec<(&str, Vec<LowIncomeType>)> = page
            .items
            .iter()
            .map(|r| (r.household_no.as_str(), r.types.clone()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "CE0001",
                    vec![LowIncomeType::Tekun, LowIncomeType::Marginal]
                ),
                ("QY0001", vec![LowIncomeType::Dibao]),
                (
                    "QY0002",
                    vec![
                        LowIncomeType::Monitored,
                        LowIncomeType::SuddenHardship,
                        LowIncomeType::Temporary
                    ]
                ),
            ],
            "eliminated, ended and a year-old 临时救助 are not counted"
        );
        assert_eq!(page.items[1].dibao_amount, Some(y(500)));
        assert_eq!(page.items[1].latest_net_income_per_capita, Some(y(11_750)));

        for actor in [town(), cadre(QINGYAN)] {
            let counts = store
                .low_income_counts(&actor, TODAY)
                .await
                .expect("counts");
            let villages = if actor.scope.as_str() == QINGYAN {
                1
            } else {
                16
            };
            assert_eq!(counts.len(), villages * (LowIncomeType::ALL.len() + 1));
            for c in &counts {
                let filter = LowIncomeFilter {
                    village: Some(c.village_code.clone()),
                    kind: c.kind,
                    ..Default::default()
                };
                let listed = store
                    .low_income_list(&actor, &filter, TODAY, PageRequest::default())
                    .await
                    .expect("list");
                assert_eq!(listed.total, c.count, "{c:?}");
                assert_eq!(
                    store
                        .low_income_export(&actor, &filter, TODAY)
                        .await
                        .expect("export")
                        .len() as u64,
                    c.count
                );
            }
            let sum: u64 = counts
                .iter()
                .filter(|c| c.kind.is_none())
                .map(|c| c.count)
                .sum();
            let expected = if actor.scope.as_str() == QINGYAN {
                2
            } else {
                3
            };
            assert_eq!(sum, expected);
        }
        let temporary_now = LowIncomeFilter {
            kind: Some(LowIncomeType::Temporary),
            ..Default::default()
        };
        assert_eq!(
            store
                .low_income_list(
                    &town(),
                    &temporary_now,
                    date!(2026 - 11 - 27),
                    PageRequest::default()
                )
                .await
                .expect("list")
                .total,
            2,
            "the 2025-11-28 entry is within the 12 months ending 2026-11-27"
        );
    }
}
