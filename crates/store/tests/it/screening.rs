//! The screening contract: feed uploads matched to the registry in scope (duplicates and unmatched
//! records reported), every record kind back through the snapshot with the 12-month window, who
//! counts as monitored, the rule set, runs recording warnings (one open per household and rule,
//! gaining evidence), dismiss/convert, scoping and all-or-nothing runs.

use time::Date;
use time::macros::date;
use zhenxing_domain::case::{Case, CaseKind, Clue, ClueSource, Context};
use zhenxing_domain::feed::{
    AssistanceProgram, DisabilityChange, EmploymentStatus, FeedKind, FeedRecord, Hazard,
    HouseRating, HouseholdRef, Period, PoliceEvent, SchoolStage, SchoolStatus, VisitType,
};
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Labour, MonitoringCategory};
use zhenxing_domain::id_number::mask_id;
use zhenxing_domain::risk::RiskType;
use zhenxing_domain::{CodeEnum, Household, Role, Rules, Yuan};
use zhenxing_screening::{RuleDef, id_key};
use zhenxing_store::{
    Actor, CaseTiming, FeedUpload, PageRequest, RunHit, ScreeningSnapshot, SqlStore, Store,
    StoreError, UnmatchedRecord, WarningFilter, WarningStatus,
};

use super::{CHONGEN, QINGYAN, cadre, code, id, no_progress, sample, stores, town};

fn period(p: &str) -> Period {
    Period::parse(p).expect("period")
}

fn upload(kind: FeedKind, p: &str, hash: &str, rows: u64) -> FeedUpload {
    FeedUpload {
        kind,
        period: period(p),
        file_name: format!("{}.xlsx", kind.code()),
        content_hash: hash.into(),
        rows_total: rows,
        rows_malformed: 0,
    }
}

/// The ID bases of the sample: QY0001 (head, spouse), QY0002 (head, spouse), CE0001 (head, spouse).
fn qy1_head() -> String {
    id("19700101", 3).base().to_string()
}
fn qy1_spouse() -> String {
    id("19720202", 2).base().to_string()
}
fn qy2_head() -> String {
    id("19700101", 5).base().to_string()
}
fn ce1_head() -> String {
    id("19700101", 7).base().to_string()
}
fn stranger() -> String {
    id("19800101", 900).base().to_string()
}

fn medical(person: &str, date: Date, oop_yuan: i64) -> FeedRecord {
    let y = Yuan::from_yuan;
    FeedRecord::Medical {
        person: person.into(),
        date,
        visit_type: VisitType::Inpatient,
        total: y(oop_yuan * 4),
        basic_paid: y(oop_yuan * 2),
        critical_paid: y(oop_yuan / 2),
        assistance_paid: y(oop_yuan / 2),
        out_of_pocket: y(oop_yuan),
        eligible_out_of_pocket: y(oop_yuan) - Yuan::from_fen(1),
    }
}

fn rows(records: Vec<FeedRecord>) -> Vec<(usize, FeedRecord)> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 2, r))
        .collect()
}

async fn count(store: &SqlStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .expect("count")
}

/// The sample with QY0001's head a disabled ordinary labourer and QY0002 a 监测户.
fn registry() -> Vec<Household> {
    let mut s = sample();
    s[0].members[0].labour = Some(Labour::Ordinary);
    s[0].members[0].disability_grade = Some(DisabilityGrade::Three);
    s[1].kind = HouseholdKind::Monitored;
    s[1].monitoring_category = Some(MonitoringCategory::Marginal);
    s
}

async fn with_registry(store: &SqlStore) {
    store
        .households_import(&town(), registry(), &no_progress)
        .await
        .expect("import");
}

/// A clue case as the domain opens it (department alert).
fn clue_case() -> (Case, CaseTiming) {
    let clue = Clue {
        source: ClueSource::DepartmentAlert,
        date: date!(2026 - 04 - 02),
        reporter: "医保局".into(),
        description: "住院自付高".into(),
    };
    let ctx = Context {
        role: Role::VillageCadre,
        today: date!(2026 - 04 - 10),
        rules: Rules::default(),
        household_kind: HouseholdKind::Exited,
    };
    let case = Case::open(CaseKind::Identification, clue, &ctx).expect("open");
    (case, CaseTiming::default())
}

async fn open_case(store: &SqlStore, no: &str) -> i64 {
    let (case, timing) = clue_case();
    store
        .case_open(&town(), no, &case, timing)
        .await
        .expect("case_open")
}

/// Ends an open case by rejecting it (the household may then get a new one).
async fn close_case(store: &SqlStore, id: i64) {
    let record = store.case_get(&town(), id).await.expect("case");
    let action = zhenxing_domain::case::Action::Reject(zhenxing_domain::case::Reasoned {
        date: date!(2026 - 04 - 03),
        reason: "演示".into(),
    });
    let ctx = Context {
        role: Role::VillageCadre,
        today: date!(2026 - 04 - 10),
        rules: Rules::default(),
        household_kind: HouseholdKind::Exited,
    };
    let next = record.case.apply(&action, &ctx).expect("reject");
    store
        .case_apply(
            &town(),
            id,
            record.version,
            &action,
            &next,
            CaseTiming::default(),
        )
        .await
        .expect("apply");
}

fn hit(no: &str, rule: &str, evidence: &str) -> RunHit {
    RunHit {
        household_no: no.into(),
        rule_id: rule.into(),
        risk_type: RiskType::Illness,
        evidence: evidence.into(),
    }
}

#[tokio::test]
async fn uploads_match_in_scope_report_unmatched_and_refuse_duplicates() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let d = date!(2026 - 03 - 05);
        let records = rows(vec![
            medical(&qy1_head(), d, 8200),
            medical(&qy1_spouse(), d, 100),
            medical(&ce1_head(), d, 300),
            medical(&stranger(), d, 400),
        ]);
        let file = upload(FeedKind::Medical, "2026-03", "hash-a", 4);
        let first = store
            .feed_upload(&town(), &file, &records)
            .await
            .expect("upload");
        assert!(!first.duplicate);
        assert_eq!(first.matched, 3);
        assert_eq!(
            first.unmatched,
            [UnmatchedRecord {
                row: 5,
                subject: mask_id(&stranger()),
            }]
        );
        assert!(first.unmatched[0].subject.contains("****"));

        let again = store
            .feed_upload(&town(), &file, &records)
            .await
            .expect("upload again");
        assert!(again.duplicate);
        assert_eq!(again.upload_id, first.upload_id);
        assert_eq!((again.matched, again.unmatched), (3, first.unmatched));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM feed_records").await, 4);

        // A 青岩 cadre's upload matches only 青岩 people.
        let mine = store
            .feed_upload(
                &cadre(QINGYAN),
                &upload(FeedKind::Medical, "2026-03", "hash-b", 4),
                &records,
            )
            .await
            .expect("cadre upload");
        assert_eq!(mine.matched, 2);
        assert_eq!(
            mine.unmatched.iter().map(|u| u.row).collect::<Vec<_>>(),
            [4, 5]
        );

        let houses = rows(vec![
            FeedRecord::Housing {
                household: HouseholdRef::Number("QY0002".into()),
                rating: HouseRating::D,
                date: d,
            },
            FeedRecord::Housing {
                household: HouseholdRef::Number("XX9999".into()),
                rating: HouseRating::C,
                date: d,
            },
            FeedRecord::Housing {
                household: HouseholdRef::Person(ce1_head()),
                rating: HouseRating::C,
                date: d,
            },
        ]);
        let h = store
            .feed_upload(
                &town(),
                &upload(FeedKind::Housing, "2026-03", "hash-c", 3),
                &houses,
            )
            .await
            .expect("housing upload");
        assert_eq!(h.matched, 2);
        assert_eq!(
            h.unmatched,
            [UnmatchedRecord {
                row: 3,
                subject: "XX9999".into()
            }]
        );

        let wrong = store
            .feed_upload(
                &town(),
                &upload(FeedKind::Civil, "2026-03", "hash-d", 3),
                &houses,
            )
            .await
            .expect_err("kind mismatch");
        assert!(matches!(wrong, StoreError::Invalid(_)));

        let list = store
            .feed_uploads(&town(), PageRequest::default())
            .await
            .expect("uploads");
        assert_eq!(list.total, 3);
        let oldest = &list.items[2];
        assert_eq!(
            (
                oldest.kind,
                oldest.period.as_str(),
                oldest.rows_total,
                oldest.rows_matched,
                oldest.rows_unmatched,
                oldest.uploaded_by.as_str()
            ),
            (FeedKind::Medical, "2026-03", 4, 3, 1, "town")
        );
        // The 青岩 cadre sees her own upload and the township's; 崇恩 only the township's.
        let qy = store
            .feed_uploads(&cadre(QINGYAN), PageRequest::default())
            .await
            .expect("uploads");
        assert_eq!(qy.total, 3);
        let ce = store
            .feed_uploads(&cadre(CHONGEN), PageRequest::default())
            .await
            .expect("uploads");
        assert_eq!(ce.total, 2);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'feed_upload'"
            )
            .await,
            3
        );
    }
}

/// One record of every kind about 青岩 households, dated in March 2026.
fn every_kind() -> Vec<FeedRecord> {
    let y = Yuan::from_yuan;
    let d = date!(2026 - 03 - 15);
    vec![
        medical(&qy1_head(), d, 8200),
        FeedRecord::Disability {
            person: qy1_head(),
            category: "肢体".into(),
            grade: Some(DisabilityGrade::Two),
            change: DisabilityChange::GradeChange,
            date: d,
        },
        FeedRecord::Education {
            person: qy1_spouse(),
            stage: SchoolStage::JuniorHigh,
            status: SchoolStatus::SuspectedDropout,
            fees: y(1200),
            date: d,
        },
        FeedRecord::Housing {
            household: HouseholdRef::Number("QY0001".into()),
            rating: HouseRating::D,
            date: d,
        },
        FeedRecord::Police {
            person: qy1_head(),
            event: PoliceEvent::Disability,
            date: d,
            cause: "交通事故".into(),
        },
        FeedRecord::Civil {
            person: qy2_head(),
            program: AssistanceProgram::Dibao,
            date: d,
            amount: y(600),
        },
        FeedRecord::Disaster {
            household: HouseholdRef::Person(qy2_head()),
            hazard: Hazard::Geological,
            loss: Yuan::from_fen(2_000_001),
            date: d,
        },
        FeedRecord::Employment {
            person: qy1_spouse(),
            status: EmploymentStatus::Unemployed,
            wage: Yuan::ZERO,
            date: d,
        },
        FeedRecord::Water {
            household_no: "QY0002".into(),
            days: 45,
            date: d,
        },
    ]
}

#[tokio::test]
async fn every_record_kind_comes_back_through_the_snapshot() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        for (i, r) in every_kind().into_iter().enumerate() {
            let outcome = store
                .feed_upload(
                    &town(),
                    &upload(r.kind(), "2026-03", &format!("h{i}"), 1),
                    &[(2, r)],
                )
                .await
                .expect("upload");
            assert_eq!((outcome.matched, outcome.unmatched.len()), (1, 0));
        }
        let ScreeningSnapshot {
            households,
            records,
            medical,
        } = store
            .screening_snapshot(&town(), period("2026-03"))
            .await
            .expect("snapshot");
        // The stay's 合规自付 is in the 12-month sums too.
        assert_eq!(medical, [(id_key(&qy1_head()).expect("key"), 819_999, 1)]);
        let mut expected = every_kind();
        // Records about a household come back by its 户编号.
        if let FeedRecord::Disaster { household, .. } = &mut expected[6] {
            *household = HouseholdRef::Number("QY0002".into());
        }
        assert_eq!(records, expected);

        assert_eq!(
            households
                .iter()
                .map(|h| h.household_no.as_str())
                .collect::<Vec<_>>(),
            ["CE0001", "QY0001", "QY0002"]
        );
        let qy1 = &households[1];
        assert_eq!(
            (qy1.village.as_str(), qy1.kind, qy1.monitored),
            ("青岩村", HouseholdKind::Exited, false)
        );
        assert_eq!(qy1.members.len(), 2);
        let head = &qy1.members[0];
        assert_eq!(head.key, id_key(&qy1_head()).expect("key"));
        assert_eq!(head.birth, date!(1970 - 01 - 01));
        assert_eq!(
            (head.labour, head.disability),
            (Some(Labour::Ordinary), Some(DisabilityGrade::Three))
        );
        assert_eq!(qy1.members[1].key, id_key(&qy1_spouse()).expect("key"));
        assert_eq!(qy1.incomes, registry()[0].incomes);

        // A 崇恩 cadre's snapshot holds her village only, and none of 青岩's records.
        let ce = store
            .screening_snapshot(&cadre(CHONGEN), period("2026-03"))
            .await
            .expect("snapshot");
        assert_eq!(ce.households.len(), 1);
        assert_eq!(ce.households[0].village, "崇恩村");
        assert!(ce.records.is_empty());
        assert!(ce.medical.is_empty(), "{:?}", ce.medical);
    }
}

#[tokio::test]
async fn the_snapshot_sums_the_twelve_months_ending_with_the_period() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let dated = |d: Date, yuan: i64| medical(&qy1_head(), d, yuan);
        let outpatient = |d: Date, yuan: i64| match medical(&qy1_spouse(), d, yuan) {
            FeedRecord::Medical {
                person,
                date,
                total,
                basic_paid,
                critical_paid,
                assistance_paid,
                out_of_pocket,
                eligible_out_of_pocket,
                ..
            } => FeedRecord::Medical {
                person,
                date,
                visit_type: VisitType::Outpatient,
                total,
                basic_paid,
                critical_paid,
                assistance_paid,
                out_of_pocket,
                eligible_out_of_pocket,
            },
            other => other,
        };
        // Two uploads, so the windows add up across files; 合规自付 is 1 fen below 个人自付.
        for (name, records) in [
            (
                "a",
                vec![
                    dated(date!(2025 - 03 - 31), 100),
                    dated(date!(2025 - 04 - 01), 200),
                    outpatient(date!(2025 - 12 - 01), 50),
                ],
            ),
            (
                "b",
                vec![
                    dated(date!(2026 - 03 - 31), 400),
                    outpatient(date!(2026 - 03 - 02), 30),
                    dated(date!(2026 - 04 - 01), 800),
                ],
            ),
        ] {
            let n = records.len() as u64;
            store
                .feed_upload(
                    &town(),
                    &upload(FeedKind::Medical, "2026-03", name, n),
                    &rows(records),
                )
                .await
                .expect("upload");
        }
        let key = |id: &str| id_key(id).expect("key");
        let got = store
            .screening_snapshot(&town(), period("2026-03"))
            .await
            .expect("snapshot");
        let mut expected = vec![
            (key(&qy1_head()), 20_000 - 1 + 40_000 - 1, 2),
            (key(&qy1_spouse()), 5_000 - 1 + 3_000 - 1, 2),
        ];
        expected.sort_unstable();
        assert_eq!(got.medical, expected);
        // Of the period's settlements only the stay comes as a record (`stay_oop_max`).
        assert_eq!(
            got.records.iter().map(FeedRecord::date).collect::<Vec<_>>(),
            [date!(2026 - 03 - 31)]
        );
        // The window a month later: 2025-04 has left it, 2026-04 has come in.
        let april = store
            .screening_snapshot(&town(), period("2026-04"))
            .await
            .expect("snapshot");
        let mut expected = vec![
            (key(&qy1_head()), 40_000 - 1 + 80_000 - 1, 2),
            (key(&qy1_spouse()), 5_000 - 1 + 3_000 - 1, 2),
        ];
        expected.sort_unstable();
        assert_eq!(april.medical, expected);
    }
}

#[tokio::test]
async fn monitored_means_the_household_kind_or_an_open_identification() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        open_case(&store, "CE0001").await;
        let households = store
            .screening_snapshot(&town(), period("2026-04"))
            .await
            .expect("snapshot")
            .households;
        assert_eq!(
            households
                .iter()
                .map(|h| (h.household_no.as_str(), h.monitored))
                .collect::<Vec<_>>(),
            [("CE0001", true), ("QY0001", false), ("QY0002", true)]
        );
        let outcome = store
            .screening_run_record(
                &town(),
                period("2026-04"),
                "",
                &[
                    hit("CE0001", "medical_stay", "a"),
                    hit("QY0001", "medical_stay", "b"),
                    hit("QY0002", "medical_stay", "c"),
                ],
            )
            .await
            .expect("run");
        assert_eq!((outcome.new, outcome.monitored, outcome.updated), (1, 2, 0));
    }
}

#[tokio::test]
async fn rules_are_seeded_once_and_saved_with_versions() {
    for (store, _dir) in stores().await {
        let rules = store.screening_rules().await.expect("rules");
        assert_eq!(rules.len(), zhenxing_screening::default_rules().len());
        let ids: Vec<&str> = rules.iter().map(|r| r.def.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        assert!(
            rules
                .iter()
                .all(|r| r.is_default && r.version == 1 && r.def.enabled)
        );

        let water = rules
            .iter()
            .find(|r| r.def.id == "water_cut")
            .expect("water_cut");
        let mut edited = water.def.clone();
        edited.expression = "water_cut_days_max > 20".into();
        edited.enabled = false;
        store
            .screening_rule_save(&town(), &edited, Some(water.version))
            .await
            .expect("save");
        let stale = store
            .screening_rule_save(&town(), &edited, Some(water.version))
            .await
            .expect_err("stale");
        assert!(matches!(stale, StoreError::Conflict(_)));
        assert_eq!(stale.to_string(), "该规则已被他人修改，请刷新后重试");

        store.migrate().await.expect("migrate again");
        let rules = store.screening_rules().await.expect("rules");
        assert_eq!(rules.len(), zhenxing_screening::default_rules().len());
        let water = rules
            .iter()
            .find(|r| r.def.id == "water_cut")
            .expect("water_cut");
        assert_eq!(water.def, edited, "an edit survives the seeding");
        assert_eq!(
            (water.version, water.is_default, water.updated_by.as_str()),
            (2, true, "town")
        );

        let mine = RuleDef {
            id: "long_stay".into(),
            name: "住院多次".into(),
            risk_type: RiskType::Illness,
            expression: "stay_oop_max > 1000".into(),
            enabled: true,
        };
        store
            .screening_rule_save(&town(), &mine, None)
            .await
            .expect("create");
        assert!(matches!(
            store.screening_rule_save(&town(), &mine, None).await,
            Err(StoreError::Conflict(_))
        ));
        let missing = RuleDef {
            id: "nobody".into(),
            ..mine.clone()
        };
        assert!(matches!(
            store.screening_rule_save(&town(), &missing, Some(1)).await,
            Err(StoreError::NotFound)
        ));
        let stored = store.screening_rules().await.expect("rules");
        let long = stored
            .iter()
            .find(|r| r.def.id == "long_stay")
            .expect("stored");
        assert_eq!((long.def.clone(), long.is_default), (mine, false));
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'rule'"
            )
            .await,
            2
        );
    }
}

#[tokio::test]
async fn runs_raise_one_open_warning_per_household_and_rule() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let first = store
            .screening_run_record(
                &town(),
                period("2026-03"),
                "monitoring_line=7,000.00 元",
                &[
                    hit("QY0001", "medical_stay", "住院 个人自付 8,200.00 元"),
                    hit("QY0002", "medical_stay", "住院 个人自付 7,000.00 元"),
                ],
            )
            .await
            .expect("run 1");
        assert_eq!((first.new, first.monitored, first.updated), (1, 1, 0));
        // The run's hits by village and rule, for the run history.
        let counts = store
            .screening_run_counts(&town(), first.run_id)
            .await
            .expect("counts");
        let summary: Vec<(&str, &str, i64)> = counts
            .iter()
            .map(|c| (c.village_name.as_str(), c.rule_id.as_str(), c.hits))
            .collect();
        assert_eq!(summary, vec![("青岩村", "medical_stay", 2)]);
        let all = WarningFilter::default();
        let list = store
            .warnings_list(&town(), &all, PageRequest::default())
            .await
            .expect("list");
        assert_eq!(list.total, 2);
        let w = &list.items[0];
        assert_eq!(
            (
                w.household_no.as_str(),
                w.village_name.as_str(),
                w.head_name.as_deref(),
                w.rule_name.as_str(),
                w.risk_type,
                w.status
            ),
            (
                "QY0001",
                "青岩村",
                Some("王大山"),
                "单次住院自付高",
                RiskType::Illness,
                WarningStatus::New
            )
        );
        assert_eq!(w.evidence, "2026-03：住院 个人自付 8,200.00 元");
        assert_eq!(list.items[1].status, WarningStatus::Monitored);

        let second = store
            .screening_run_record(
                &town(),
                period("2026-04"),
                "",
                &[
                    hit("QY0001", "medical_stay", "住院 个人自付 9,000.00 元"),
                    hit("QY0002", "medical_stay", "住院 个人自付 7,500.00 元"),
                ],
            )
            .await
            .expect("run 2");
        assert_eq!((second.new, second.monitored, second.updated), (0, 0, 2));
        let w = store.warning_get(&town(), w.id).await.expect("get");
        assert_eq!(
            w.evidence,
            "2026-04：住院 个人自付 9,000.00 元\n2026-03：住院 个人自付 8,200.00 元"
        );
        assert_eq!(
            (w.first_period.as_str(), w.last_period.as_str(), w.version),
            ("2026-03", "2026-04", 2)
        );
        assert_eq!(
            store
                .warnings_list(&town(), &all, PageRequest::default())
                .await
                .expect("list")
                .total,
            2
        );

        // 排除 needs a reason and the version the user saw.
        let blank = store
            .warning_dismiss(&town(), w.id, w.version, "  ")
            .await
            .expect_err("blank");
        assert_eq!(blank.to_string(), "请填写排除原因");
        assert!(matches!(
            store
                .warning_dismiss(&town(), w.id, w.version - 1, "已核实")
                .await,
            Err(StoreError::Conflict(_))
        ));
        store
            .warning_dismiss(&town(), w.id, w.version, "已核实，医保报销后负担不重")
            .await
            .expect("dismiss");
        let dismissed = store.warning_get(&town(), w.id).await.expect("get");
        assert_eq!(dismissed.status, WarningStatus::Dismissed);
        assert_eq!(
            dismissed.dismiss_reason.as_deref(),
            Some("已核实，医保报销后负担不重")
        );
        assert!(matches!(
            store
                .warning_dismiss(&town(), w.id, dismissed.version, "again")
                .await,
            Err(StoreError::Invalid(_))
        ));

        // After 排除, a new hit is a new warning.
        let third = store
            .screening_run_record(
                &town(),
                period("2026-05"),
                "",
                &[hit("QY0001", "medical_stay", "住院 个人自付 12,000.00 元")],
            )
            .await
            .expect("run 3");
        assert_eq!((third.new, third.monitored, third.updated), (1, 0, 0));
        let open = WarningFilter {
            open_only: true,
            ..Default::default()
        };
        let open_list = store
            .warnings_list(&town(), &open, PageRequest::default())
            .await
            .expect("open");
        assert_eq!(open_list.total, 2);
        let fresh = open_list
            .items
            .iter()
            .find(|x| x.household_no == "QY0001")
            .expect("fresh warning");
        assert_ne!(fresh.id, w.id);
        assert_eq!(fresh.evidence, "2026-05：住院 个人自付 12,000.00 元");

        // 转为线索: the case is opened with the warning's state in one transaction; a household
        // that already has an open case refuses both.
        let (case, timing) = clue_case();
        let blocked = open_case(&store, "QY0001").await;
        assert!(matches!(
            store
                .warning_convert(&town(), fresh.id, fresh.version, &case, timing)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store
                .warning_get(&town(), fresh.id)
                .await
                .expect("get")
                .status,
            WarningStatus::New,
            "nothing changed"
        );
        close_case(&store, blocked).await;
        let case_id = store
            .warning_convert(&town(), fresh.id, fresh.version, &case, timing)
            .await
            .expect("convert");
        let converted = store.warning_get(&town(), fresh.id).await.expect("get");
        assert_eq!(
            (converted.status, converted.case_id),
            (WarningStatus::Converted, Some(case_id))
        );

        let by = |f: WarningFilter| {
            let store = store.clone();
            async move {
                store
                    .warnings_export(&town(), &f)
                    .await
                    .expect("export")
                    .len()
            }
        };
        assert_eq!(by(all.clone()).await, 3);
        assert_eq!(
            by(WarningFilter {
                status: Some(WarningStatus::Dismissed),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            by(WarningFilter {
                period: Some("2026-05".into()),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            by(WarningFilter {
                rule_id: Some("water_cut".into()),
                ..Default::default()
            })
            .await,
            0
        );
        assert_eq!(
            by(WarningFilter {
                text: Some("QY0002".into()),
                ..Default::default()
            })
            .await,
            1
        );

        let runs = store
            .screening_runs(&town(), PageRequest::default())
            .await
            .expect("runs");
        assert_eq!(runs.total, 3);
        let oldest = &runs.items[2];
        assert_eq!(
            (
                oldest.period.as_str(),
                oldest.params.as_str(),
                oldest.hits,
                oldest.new,
                oldest.monitored,
                oldest.updated
            ),
            ("2026-03", "monitoring_line=7,000.00 元", 2, 1, 1, 0)
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'warning'"
            )
            .await,
            2
        );
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert!(
            history
                .iter()
                .any(|e| e.entity == "warning" && e.action == "dismiss")
        );
    }
}

#[tokio::test]
async fn a_cadre_sees_and_handles_only_her_villages_warnings() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        store
            .screening_run_record(
                &town(),
                period("2026-03"),
                "",
                &[
                    hit("QY0001", "medical_stay", "a"),
                    hit("CE0001", "medical_stay", "b"),
                ],
            )
            .await
            .expect("run");
        let ce_warning = store
            .warnings_export(
                &town(),
                &WarningFilter {
                    village: Some(code(CHONGEN)),
                    ..Default::default()
                },
            )
            .await
            .expect("export")
            .pop()
            .expect("崇恩 warning");

        let qy = cadre(QINGYAN);
        let mine = store
            .warnings_list(&qy, &WarningFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(mine.total, 1);
        assert!(mine.items.iter().all(|w| w.village_name == "青岩村"));
        let asked_for_other = WarningFilter {
            village: Some(code(CHONGEN)),
            ..Default::default()
        };
        assert_eq!(
            store
                .warnings_list(&qy, &asked_for_other, PageRequest::default())
                .await
                .expect("list")
                .total,
            0
        );
        assert!(matches!(
            store.warning_get(&qy, ce_warning.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .warning_dismiss(&qy, ce_warning.id, ce_warning.version, "不属实")
                .await,
            Err(StoreError::NotFound)
        ));

        // Her run cannot touch 崇恩: refused whole, nothing written.
        let err = store
            .screening_run_record(
                &qy,
                period("2026-04"),
                "",
                &[
                    hit("QY0001", "medical_stay", "c"),
                    hit("CE0001", "medical_stay", "d"),
                ],
            )
            .await
            .expect_err("out of scope");
        assert!(matches!(err, StoreError::Invalid(_)));
        assert!(err.to_string().contains("CE0001"));
        let qy1 = store.warning_get(&qy, mine.items[0].id).await.expect("get");
        assert_eq!(qy1.evidence, "2026-03：a");
        assert_eq!(
            store
                .screening_runs(&town(), PageRequest::default())
                .await
                .expect("runs")
                .total,
            1
        );
    }
}

#[tokio::test]
async fn a_failing_run_leaves_nothing() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let err = store
            .screening_run_record(
                &town(),
                period("2026-03"),
                "",
                &[
                    hit("QY0001", "medical_stay", "a"),
                    hit("XX9999", "medical_stay", "b"),
                ],
            )
            .await
            .expect_err("unknown household");
        assert!(matches!(err, StoreError::Invalid(_)));
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM screening_runs").await,
            0
        );
        assert_eq!(count(&store, "SELECT COUNT(*) FROM warnings").await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'screening_run'"
            )
            .await,
            0
        );
        assert!(
            store
                .warnings_export(&town(), &WarningFilter::default())
                .await
                .expect("export")
                .is_empty()
        );
    }
}

/// CPU time of this process so far (user + system; Linux), to read timings on a busy machine.
fn cpu() -> std::time::Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<u64> = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect();
            Some(fields.get(11)? + fields.get(12)?)
        })
        .unwrap_or(0);
    std::time::Duration::from_millis(ticks * 10)
}

/// Runs `f`, printing its wall-clock and CPU time.
async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    let (wall, cpu0) = (std::time::Instant::now(), cpu());
    let out = f.await;
    println!("{what}: {:.2?} (cpu {:.2?})", wall.elapsed(), cpu() - cpu0);
    out
}

/// Timings on a copy of a demo database (it writes to it):
/// `ZHENXING_BENCH_DB=sqlite:///tmp/copy.db cargo test --release -p zhenxing-store --test it
/// screening::timing -- --ignored --nocapture`. Snapshot, a 100,000-row medical upload, the
/// snapshot with it, and a run hitting every third household, recorded twice.
#[tokio::test]
#[ignore = "needs ZHENXING_BENCH_DB (a copy of a demo database); prints timings"]
async fn timing() {
    let url = std::env::var("ZHENXING_BENCH_DB").expect("ZHENXING_BENCH_DB");
    let store = SqlStore::connect(&url).await.expect("connect");
    let scope = store.divisions().await.expect("divisions")[0].code.clone();
    let actor = Actor::system(scope);
    let p = period("2026-03");
    let ScreeningSnapshot {
        households,
        records,
        ..
    } = timed("snapshot", store.screening_snapshot(&actor, p))
        .await
        .expect("snapshot");
    let people: usize = households.iter().map(|h| h.members.len()).sum();
    println!(
        "  {} households, {people} people, {} records",
        households.len(),
        records.len()
    );

    let persons: Vec<String> = households
        .iter()
        .flat_map(|h| h.members.iter())
        .map(|m| zhenxing_screening::id_text(m.key))
        .collect();
    let n = 100_000;
    let records: Vec<(usize, FeedRecord)> = (0..n)
        .map(|i| {
            let day = u8::try_from(i % 28 + 1).expect("day");
            let d = Date::from_calendar_date(2026, time::Month::March, day).expect("date");
            let oop = 100 + i64::try_from(i % 9000).expect("small");
            (i + 2, medical(&persons[(i * 7919) % persons.len()], d, oop))
        })
        .collect();
    let file = upload(
        FeedKind::Medical,
        "2026-03",
        &format!("bench-{}", std::process::id()),
        n as u64,
    );
    let outcome = timed(
        "upload of 100,000 medical rows",
        store.feed_upload(&actor, &file, &records),
    )
    .await
    .expect("upload");
    println!("  {} matched", outcome.matched);
    let records = timed("snapshot with them", store.screening_snapshot(&actor, p))
        .await
        .expect("snapshot")
        .records;
    println!("  {} records", records.len());

    let hits: Vec<RunHit> = households
        .iter()
        .step_by(3)
        .map(|h| hit(&h.household_no, "medical_stay", "住院 个人自付 8,200.00 元"))
        .collect();
    let run = timed(
        &format!("run record, {} hits", hits.len()),
        store.screening_run_record(&actor, p, "", &hits),
    )
    .await
    .expect("run");
    println!("  {} new, {} monitored", run.new, run.monitored);
    let run = timed(
        "run record again",
        store.screening_run_record(&actor, p, "", &hits),
    )
    .await
    .expect("run");
    println!("  {} updated", run.updated);
}

/// The whole registry's projection comes from the screening cache while the registry is
/// unchanged; every write to households, members or incomes (triggers) makes the next run read
/// the tables again, and who is monitored is read fresh every time.
#[tokio::test]
async fn the_cached_registry_follows_every_change() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let snapshot = |store: SqlStore| async move {
            store
                .screening_snapshot(&town(), period("2026-03"))
                .await
                .expect("snapshot")
                .households
        };
        // Warming builds the cache once; a village cadre cannot warm the whole registry's.
        assert!(
            !store
                .screening_cache_warm(&cadre(QINGYAN))
                .await
                .expect("warm")
        );
        assert!(store.screening_cache_warm(&town()).await.expect("warm"));
        assert!(!store.screening_cache_warm(&town()).await.expect("warm"));
        let first = snapshot(store.clone()).await;
        assert_eq!(
            snapshot(store.clone()).await,
            first,
            "read back from the cache"
        );

        // A member's labour and an income year change through a re-import.
        let mut changed = registry();
        changed[0].members[0].labour = Some(Labour::Weak);
        changed[0].incomes[0].wage_income = Yuan::from_yuan(123_456);
        store
            .households_import(&town(), changed, &no_progress)
            .await
            .expect("import");
        assert!(
            store.screening_cache_warm(&town()).await.expect("warm"),
            "the import made the cache stale"
        );
        let after = snapshot(store.clone()).await;
        let qy1 = after
            .iter()
            .find(|h| h.household_no == "QY0001")
            .expect("QY0001");
        assert_eq!(qy1.members[0].labour, Some(Labour::Weak));
        assert_eq!(qy1.incomes[0].wage_income, Yuan::from_yuan(123_456));

        // A case makes a household monitored without touching the registry.
        assert!(
            !after
                .iter()
                .any(|h| h.household_no == "CE0001" && h.monitored)
        );
        open_case(&store, "CE0001").await;
        let with_case = snapshot(store.clone()).await;
        assert!(
            with_case
                .iter()
                .any(|h| h.household_no == "CE0001" && h.monitored)
        );
    }
}

/// A warning's evidence holds one line per period: running a period again (the latest or an
/// older one) repeats none, while a new month's run — which reads no evidence at all — adds its own.
#[tokio::test]
async fn running_a_period_again_repeats_no_evidence() {
    for (store, _dir) in stores().await {
        with_registry(&store).await;
        let run = |p: &'static str, oop: &'static str| {
            let store = store.clone();
            async move {
                store
                    .screening_run_record(
                        &town(),
                        period(p),
                        "",
                        &[hit(
                            "QY0001",
                            "medical_stay",
                            &format!("住院 个人自付 {oop} 元"),
                        )],
                    )
                    .await
                    .expect("run")
            }
        };
        run("2026-03", "8,200.00").await;
        run("2026-04", "9,000.00").await;
        run("2026-03", "8,200.00").await;
        run("2026-04", "9,000.00").await;
        let list = store
            .warnings_list(&town(), &WarningFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(list.total, 1);
        assert_eq!(
            list.items[0].evidence,
            "2026-04：住院 个人自付 9,000.00 元\n2026-03：住院 个人自付 8,200.00 元"
        );
        run("2026-05", "9,500.00").await;
        let w = store
            .warning_get(&town(), list.items[0].id)
            .await
            .expect("get");
        assert_eq!(w.evidence.lines().count(), 3);
        assert!(w.evidence.starts_with("2026-05："), "{}", w.evidence);
    }
}
