//! The store contract: the same story runs on SQLite (always) and on PostgreSQL (when
//! `TEST_DATABASE_URL` points at a server; CI sets it). Each test gets a fresh database.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;
use time::macros::date;
use zhenxing_domain::household::{Household, HouseholdKind, MonitoringCategory, Relation, Sex};
use zhenxing_domain::id_number::check_character;
use zhenxing_domain::{DivisionCode, IdNumber, IncomeRecord, Member, Role, Yuan};
use zhenxing_store::{
    Actor, HouseholdFields, HouseholdFilter, NewUser, PageRequest, SqlStore, Store, StoreError,
};

const QINGYAN: &str = "500110120204";
const CHONGEN: &str = "500110120202";

/// Fresh stores to run a test on: a SQLite file, and a new PostgreSQL database if configured.
async fn stores() -> Vec<(SqlStore, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut out = vec![(
        SqlStore::connect(&url).await.expect("sqlite store"),
        Some(dir),
    )];
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "zhenxing_store_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("postgres admin connection");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await
            .expect("drop");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        out.push((
            SqlStore::connect(&format!("{base}/{name}"))
                .await
                .expect("postgres store"),
            None,
        ));
    }
    out
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("division")
}

fn town() -> Actor {
    Actor {
        user_id: None,
        username: "town".into(),
        role: Role::TownStaff,
        scope: code("500110120"),
    }
}

fn cadre(village: &str) -> Actor {
    Actor {
        user_id: None,
        username: format!("cadre{village}"),
        role: Role::VillageCadre,
        scope: code(village),
    }
}

/// A valid synthetic ID: address 500222, the birth date, and a serial.
fn id(birth: &str, serial: u32) -> IdNumber {
    let first17 = format!("500222{birth}{serial:03}");
    let check = check_character(&first17).expect("digits");
    IdNumber::parse(&format!("{first17}{check}"), date!(2026 - 11 - 28)).expect("valid id")
}

fn member(name: &str, relation: Relation, id_number: IdNumber) -> Member {
    Member {
        name: name.into(),
        sex: if id_number.is_male() {
            Sex::Male
        } else {
            Sex::Female
        },
        birth_date: id_number.birth_date(),
        id_number,
        relation,
        ethnicity: Some("汉族".into()),
        education: None,
        schooling: None,
        health: None,
        disability_grade: None,
        labour: None,
        work_months: Some(6),
        medical_insured: Some(true),
        pension_insured: None,
        dibao: None,
        tekun: None,
        phone: None,
    }
}

fn household(no: &str, village: &str, serial: u32) -> Household {
    Household {
        household_no: no.into(),
        village: code(village),
        group: Some(3),
        kind: HouseholdKind::Exited,
        monitoring_category: None,
        phone: Some("13800001234".into()),
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: Some(250),
        members: vec![
            member("王大山", Relation::Head, id("19700101", serial * 2 + 1)),
            member("李小梅", Relation::Spouse, id("19720202", serial * 2)),
        ],
        incomes: vec![IncomeRecord {
            year: 2025,
            wage_income: Yuan::from_yuan(20000),
            business_income: Yuan::from_yuan(3000),
            property_income: Yuan::ZERO,
            transfer_income: Yuan::from_yuan(1000),
            business_expense: Yuan::from_yuan(500),
        }],
    }
}

fn sample() -> Vec<Household> {
    vec![
        household("QY0001", QINGYAN, 1),
        household("QY0002", QINGYAN, 2),
        household("CE0001", CHONGEN, 3),
    ]
}

fn no_progress(_: u64) {}

/// How many households the list reports for `filter` (its total, not just the page).
async fn total(store: &SqlStore, actor: &Actor, filter: &HouseholdFilter) -> u64 {
    store
        .household_list(actor, filter, PageRequest::default())
        .await
        .expect("list")
        .total
}

#[tokio::test]
async fn a_fresh_database_holds_the_township_and_its_villages() {
    for (store, _dir) in stores().await {
        let divisions = store.divisions().await.expect("divisions");
        assert_eq!(divisions.len(), 18, "{:?}", store.backend());
        assert!(
            divisions
                .iter()
                .any(|d| d.name == "青岩村" && d.code.as_str() == QINGYAN && d.is_demo_code)
        );
        assert!(
            divisions
                .iter()
                .any(|d| d.name == "扶欢镇" && !d.is_demo_code)
        );
        store.migrate().await.expect("migrating twice is harmless");
        assert_eq!(store.divisions().await.expect("divisions").len(), 18);
    }
}

#[tokio::test]
async fn reimporting_the_same_households_changes_nothing() {
    for (store, _dir) in stores().await {
        let first = store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        assert_eq!((first.households_created, first.members_created), (3, 6));
        let again = store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("re-import");
        assert_eq!(
            (
                again.households_created,
                again.households_updated,
                again.households_unchanged
            ),
            (0, 0, 3)
        );
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert_eq!(history.len(), 1, "only the creation is recorded");
    }
}

#[tokio::test]
async fn a_changed_file_changes_exactly_what_changed() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let mut changed = sample();
        changed[0].members[1].name = "李晓梅".into();
        changed[0]
            .members
            .push(member("王小川", Relation::Son, id("20000505", 99)));
        changed[1].incomes[0].wage_income = Yuan::from_yuan(21000);
        let s = store
            .households_import(&town(), changed, &no_progress)
            .await
            .expect("import");
        assert_eq!((s.households_updated, s.households_unchanged), (2, 1));
        assert_eq!(
            (s.members_updated, s.members_created, s.members_removed),
            (1, 1, 0)
        );
        let d = store
            .household_get(&town(), "QY0001")
            .await
            .expect("household");
        assert_eq!(d.household.members.len(), 3);
        assert_eq!(d.household.members[1].name, "李晓梅");
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        let rename = history
            .iter()
            .find(|e| e.entity == "member" && e.action == "import_update")
            .expect("member change audited");
        assert_eq!(rename.before.as_deref(), Some(r#"{"name":"李小梅"}"#));
        assert_eq!(rename.after.as_deref(), Some(r#"{"name":"李晓梅"}"#));
        let page = store
            .household_list(
                &town(),
                &HouseholdFilter {
                    text: Some("QY0001".into()),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .expect("list");
        assert_eq!(page.items[0].size, 3);
    }
}

#[tokio::test]
async fn a_cadre_sees_only_her_village() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let qy = cadre(QINGYAN);
        let page = store
            .household_list(&qy, &HouseholdFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(page.total, 2);
        assert!(page.items.iter().all(|r| r.village_name == "青岩村"));
        assert!(matches!(
            store.household_get(&qy, "CE0001").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.audit_for_household(&qy, "CE0001").await,
            Err(StoreError::NotFound)
        ));
        let asked_for_other = HouseholdFilter {
            village: Some(code(CHONGEN)),
            ..Default::default()
        };
        assert_eq!(total(&store, &qy, &asked_for_other).await, 0);
        assert!(
            store
                .households_export(&qy, &HouseholdFilter::default())
                .await
                .expect("export")
                .iter()
                .all(|d| d.household.village.as_str() == QINGYAN)
        );
        let stats = store.village_stats(&qy).await.expect("stats");
        assert_eq!(stats.len(), 1);
        assert_eq!((stats[0].exited, stats[0].people), (2, 4));
        let detail = store
            .household_get(&town(), "CE0001")
            .await
            .expect("town sees all");
        let m = detail.household.members[0].clone();
        assert!(matches!(
            store
                .member_update(
                    &qy,
                    detail.member_keys[0].id,
                    detail.member_keys[0].version,
                    m
                )
                .await,
            Err(StoreError::NotFound)
        ));
        let err = store
            .households_import(&qy, vec![household("CE0009", CHONGEN, 9)], &no_progress)
            .await
            .expect_err("out of scope");
        assert!(err.to_string().contains("不在您的管辖范围内"));
    }
}

#[tokio::test]
async fn filters_and_pagination_count_what_they_show() {
    for (store, _dir) in stores().await {
        let mut many: Vec<Household> = (0..25)
            .map(|i| household(&format!("QY{i:04}"), QINGYAN, 10 + i))
            .collect();
        many[3].kind = HouseholdKind::Monitored;
        many[3].monitoring_category = Some(MonitoringCategory::Marginal);
        many[4].members[0].name = "赵铁柱".into();
        store
            .households_import(&town(), many, &no_progress)
            .await
            .expect("import");
        let all = HouseholdFilter::default();
        let p2 = store
            .household_list(
                &town(),
                &all,
                PageRequest {
                    page: 2,
                    per_page: 10,
                },
            )
            .await
            .expect("list");
        assert_eq!(
            (p2.total, p2.items.len(), p2.items[0].household_no.as_str()),
            (25, 10, "QY0010")
        );
        let p3 = store
            .household_list(
                &town(),
                &all,
                PageRequest {
                    page: 3,
                    per_page: 10,
                },
            )
            .await
            .expect("list");
        assert_eq!(p3.items.len(), 5);
        let monitored = HouseholdFilter {
            kind: Some(HouseholdKind::Monitored),
            ..Default::default()
        };
        assert_eq!(total(&store, &town(), &monitored).await, 1);
        let by_name = HouseholdFilter {
            text: Some("铁柱".into()),
            ..Default::default()
        };
        let found = store
            .household_list(&town(), &by_name, PageRequest::default())
            .await
            .expect("list");
        assert_eq!(
            found
                .items
                .iter()
                .map(|r| r.household_no.as_str())
                .collect::<Vec<_>>(),
            ["QY0004"]
        );
        let head_id = found.items[0].head_id_number.clone().expect("head id");
        let by_id = HouseholdFilter {
            id_number: Some(head_id.clone()),
            ..Default::default()
        };
        assert_eq!(total(&store, &town(), &by_id).await, 1);
        let by_suffix = HouseholdFilter {
            id_number: Some(head_id[14..].to_string()),
            ..Default::default()
        };
        assert_eq!(total(&store, &town(), &by_suffix).await, 1);
        let row = &found.items[0];
        assert_eq!(
            row.latest_net_income_per_capita,
            Some(Yuan::from_yuan(11750))
        );
        let wild = HouseholdFilter {
            text: Some("%".into()),
            ..Default::default()
        };
        assert_eq!(total(&store, &town(), &wild).await, 0);
    }
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_a_fresh_one_is_audited() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), sample(), &no_progress)
            .await
            .expect("import");
        let d = store
            .household_get(&town(), "QY0001")
            .await
            .expect("household");
        let key = d.member_keys[1];
        let mut m = d.household.members[1].clone();
        m.name = "李梅".into();
        store
            .member_update(&town(), key.id, key.version, m.clone())
            .await
            .expect("edit");
        m.name = "李冬梅".into();
        let stale = store
            .member_update(&town(), key.id, key.version, m)
            .await
            .expect_err("stale");
        assert!(matches!(stale, StoreError::Conflict(_)));
        assert_eq!(stale.to_string(), "该记录已被他人修改，请刷新后重试");
        let after = store
            .household_get(&town(), "QY0001")
            .await
            .expect("household");
        assert_eq!(after.household.members[1].name, "李梅");
        assert_eq!(after.member_keys[1].version, key.version + 1);
        let history = store
            .audit_for_household(&town(), "QY0001")
            .await
            .expect("history");
        assert_eq!(history[0].actor, "town");
        assert_eq!(history[0].after.as_deref(), Some(r#"{"name":"李梅"}"#));

        let mut second_head = after.household.members[1].clone();
        second_head.relation = Relation::Head;
        let err = store
            .member_update(&town(), key.id, key.version + 1, second_head)
            .await
            .expect_err("two heads");
        assert!(err.to_string().contains("户主"));

        let fields = HouseholdFields {
            group: Some(5),
            kind: HouseholdKind::Monitored,
            monitoring_category: None,
            phone: None,
            house_safe: Some(false),
            water_safe: Some(true),
            farmland_centimu: None,
        };
        assert!(matches!(
            store
                .household_update(&town(), "QY0001", after.key.version, fields.clone())
                .await,
            Err(StoreError::Invalid(_))
        ));
        let fields = HouseholdFields {
            monitoring_category: Some(MonitoringCategory::SuddenHardship),
            ..fields
        };
        store
            .household_update(&town(), "QY0001", after.key.version, fields.clone())
            .await
            .expect("update");
        assert!(matches!(
            store
                .household_update(&town(), "QY0001", after.key.version, fields)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let h = store
            .household_get(&town(), "QY0001")
            .await
            .expect("household");
        assert_eq!(
            (h.household.group, h.household.kind),
            (Some(5), HouseholdKind::Monitored)
        );
    }
}

#[tokio::test]
async fn a_failed_import_leaves_no_trace() {
    for (store, _dir) in stores().await {
        store
            .households_import(&town(), vec![household("QY0001", QINGYAN, 1)], &no_progress)
            .await
            .expect("import");
        // The second household reuses a member of QY0001: the whole import must roll back.
        let mut thief = household("QY0777", QINGYAN, 7);
        thief.members[1] = member("王二", Relation::Spouse, id("19700101", 3));
        let batch = vec![household("QY0500", QINGYAN, 50), thief];
        assert!(
            store
                .households_import(&town(), batch, &no_progress)
                .await
                .is_err()
        );
        let page = store
            .household_list(&town(), &HouseholdFilter::default(), PageRequest::default())
            .await
            .expect("list");
        assert_eq!(page.total, 1);
        let locations = store
            .member_locations(&[id("19700101", 3).base().to_string()])
            .await
            .expect("locations");
        assert_eq!(locations.values().collect::<Vec<_>>(), ["QY0001"]);
    }
}

#[tokio::test]
async fn users_logins_and_sessions() {
    for (store, _dir) in stores().await {
        let admin = Actor::system(code("500110"));
        let new = NewUser {
            username: "qingyan".into(),
            display_name: "青岩村干部".into(),
            role: Role::VillageCadre,
            division: code(QINGYAN),
            password_hash: "x".into(),
        };
        let id = store
            .user_create(&admin, new.clone())
            .await
            .expect("create");
        assert!(matches!(
            store.user_create(&admin, new.clone()).await,
            Err(StoreError::Conflict(_))
        ));
        let outside = NewUser {
            username: "far".into(),
            division: code("500110121201"),
            ..new
        };
        assert!(matches!(
            store.user_create(&admin, outside).await,
            Err(StoreError::Invalid(_))
        ));
        let u = store
            .user_by_username("qingyan")
            .await
            .expect("lookup")
            .expect("exists");
        assert_eq!((u.id, u.role, u.active), (id, Role::VillageCadre, true));
        assert_eq!(store.users(&cadre(CHONGEN)).await.expect("users").len(), 0);
        store
            .user_set_active(&admin, id, u.version, false)
            .await
            .expect("deactivate");
        assert!(matches!(
            store.user_set_active(&admin, id, u.version, true).await,
            Err(StoreError::Conflict(_))
        ));

        let since = time::OffsetDateTime::now_utc() - time::Duration::minutes(15);
        for _ in 0..3 {
            store
                .login_attempt_record("qingyan", false)
                .await
                .expect("attempt");
        }
        assert_eq!(
            store
                .login_failures_since("qingyan", since)
                .await
                .expect("count"),
            3
        );
        store
            .login_attempt_record("qingyan", true)
            .await
            .expect("attempt");
        assert_eq!(
            store
                .login_failures_since("qingyan", since)
                .await
                .expect("count"),
            0
        );

        let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        store
            .session_save("s1", "{\"a\":1}", expires)
            .await
            .expect("save");
        store
            .session_save("s1", "{\"a\":2}", expires)
            .await
            .expect("save again");
        assert_eq!(
            store.session_load("s1").await.expect("load").as_deref(),
            Some("{\"a\":2}")
        );
        store
            .session_save(
                "old",
                "{}",
                time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            )
            .await
            .expect("save");
        assert_eq!(store.session_load("old").await.expect("load"), None);
        store.session_delete("s1").await.expect("delete");
        assert_eq!(store.session_load("s1").await.expect("load"), None);
    }
}

mod lowincome;
mod monitoring;
mod screening;
