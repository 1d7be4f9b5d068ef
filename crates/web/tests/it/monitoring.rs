//! The monitoring chain as its users meet it: a 青岩 cadre records a clue on an ordinary household,
//! the town checks the data, the village reviews and posts the notice, the town reviews and the
//! county approves; measures, elimination, notices, policy, the work queue and the exports.
//!
//! Dates are relative to today (China Standard Time, as the server counts them): every step is
//! backdated so that the 5-day notice has ended, never in the future and never before the step
//! before it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use zhenxing_domain::household::{DisabilityGrade, Health, HouseholdKind, Relation};
use zhenxing_domain::{DivisionCode, Household, IncomeRecord, Yuan};
use zhenxing_store::Actor;
use zhenxing_testkit::{
    CHONGEN_CODE, COUNTY_CODE, Client, Page, QINGYAN_CODE, QINGYAN_MONITORED_HOUSEHOLD, TOWN_CODE,
    TestApp, id18, member, sample_households,
};

/// An ordinary (一般农户) household of 青岩村 for the identification chain.
const HOUSEHOLD: &str = "500110120204000103";
const HEAD: &str = "赵建国";
const HEAD_ID17: &str = "50022219760808151";
const SPOUSE_ID17: &str = "50022219780612242";
const SON_ID17: &str = "50011020100405135";
const HEAD_PHONE: &str = "13700001111";
const STALE: &str = "该流程已被他人办理，请刷新后查看最新状态";

/// 赵建国's household: three people, a phone, and every health status a notice must never show.
fn ordinary_household() -> Household {
    let mut head = member(HEAD, HEAD_ID17, Relation::Head);
    head.phone = Some(HEAD_PHONE.into());
    head.health = Some(Health::SeriousIllness);
    let mut spouse = member("刘春花", SPOUSE_ID17, Relation::Spouse);
    spouse.health = Some(Health::Disabled);
    spouse.disability_grade = Some(DisabilityGrade::Two);
    spouse.phone = Some("13700002222".into());
    let mut son = member("赵小虎", SON_ID17, Relation::Son);
    son.health = Some(Health::ChronicIllness);
    Household {
        household_no: HOUSEHOLD.into(),
        village: DivisionCode::parse(QINGYAN_CODE).expect("code"),
        group: Some(4),
        kind: HouseholdKind::Ordinary,
        monitoring_category: None,
        phone: Some(HEAD_PHONE.into()),
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: Some(150),
        members: vec![head, spouse, son],
        incomes: vec![IncomeRecord {
            year: 2025,
            wage_income: Yuan::parse("9000").expect("yuan"),
            business_income: Yuan::parse("1500").expect("yuan"),
            property_income: Yuan::ZERO,
            transfer_income: Yuan::parse("1200").expect("yuan"),
            business_expense: Yuan::parse("600").expect("yuan"),
        }],
    }
}

/// The testkit households plus [`ordinary_household`].
async fn app() -> TestApp {
    let app = TestApp::with_households().await;
    let system = Actor::system(DivisionCode::parse(COUNTY_CODE).expect("code"));
    app.store
        .households_import(&system, vec![ordinary_household()], &|_| {})
        .await
        .expect("seed the ordinary household");
    app
}

// ---------- dates ----------

/// Today as the server counts it (China Standard Time).
fn today() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).expect("offset");
    OffsetDateTime::now_utc().to_offset(cst).date()
}

fn days_ago(n: i64) -> Date {
    today() - Duration::days(n)
}

fn ago(n: i64) -> String {
    days_ago(n).to_string()
}

/// `2026年10月8日`, as notices write dates.
fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

// ---------- page helpers ----------

/// The `value` of the first `<input … name="{name}" value="…">` of a page.
fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

/// The case id of a `/cases/{id}` redirect.
fn case_id_from(page: &Page) -> i64 {
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/cases/"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no case redirect: {:?} {}", page.status, page.text))
}

fn summary_count(html: &str) -> String {
    let marker = "共 <strong>";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no total on the page: {html}"))
        + marker.len();
    let end = html[at..].find('<').expect("total ends");
    html[at..at + end].to_string()
}

/// A client logged in to the pages as `username`.
async fn browser(app: &TestApp, username: &str) -> Client {
    let c = app.new_client();
    c.login(username).await;
    c
}

/// A client logged in to the API as `username`.
async fn api_client(app: &TestApp, username: &str) -> Client {
    let c = app.new_client();
    c.api_login(username).await;
    c
}

/// The case's version as stored (for posts a user crafts without the form).
async fn stored_version(app: &TestApp, id: i64) -> String {
    app.store
        .case_get(&app.actor("admin"), id)
        .await
        .expect("case")
        .version
        .to_string()
}

/// Posts a step the way the case page's form does: the version comes from the form the user sees,
/// or from the store when the user has no form (a post the user crafts).
async fn post_step(app: &TestApp, c: &Client, id: i64, fields: &[(&str, &str)]) -> Page {
    let page = c.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let version = match input_value(&page.text, "version") {
        Some(v) => v,
        None => stored_version(app, id).await,
    };
    let mut all: Vec<(&str, &str)> = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    c.post_form(&format!("/cases/{id}/step"), &all).await
}

/// A step that must go through: 303 back to the case page.
async fn step_ok(app: &TestApp, c: &Client, id: i64, fields: &[(&str, &str)]) {
    let page = post_step(app, c, id, fields).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{fields:?} refused: {}",
        page.text
    );
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/cases/{id}").as_str())
    );
}

fn clue_form(date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "identification".into()),
        ("source", "self_report".into()),
        ("date", date.into()),
        ("reporter", "户主赵建国".into()),
        ("description", "户主住院，自付医疗费用约3万元".into()),
    ]
}

fn visit_form(date: &str) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = vec![
        ("action", "home_visit".into()),
        ("date", date.into()),
        ("visitors", "周敏、王建国".into()),
        ("consent_signed", "1".into()),
        ("size", "3".into()),
        ("wage_income", "6000".into()),
        ("business_income", "2000".into()),
        ("property_income", "0".into()),
        ("transfer_income", "1000".into()),
        ("business_expense", "500".into()),
        ("rigid_expense", "30000".into()),
        ("risk_illness", "1".into()),
        ("findings", "情况属实".into()),
    ];
    for field in [
        "check_food",
        "check_clothing",
        "check_education",
        "check_medical",
        "check_housing",
        "check_water",
    ] {
        f.push((field, "是".into()));
    }
    f
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

/// Records a clue on [`HOUSEHOLD`] through the page form; returns the case id.
async fn record_clue(c: &Client, date: &str) -> i64 {
    let page = c
        .post_form(
            &format!("/households/{HOUSEHOLD}/cases/new"),
            &pairs(&clue_form(date)),
        )
        .await;
    case_id_from(&page)
}

// ---------- API helpers ----------

/// Where the API walk stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Clue,
    Visited,
    DataChecked,
    Reviewed,
    Noticing,
    NoticeClosed,
    TownReviewed,
    Approved,
}

struct Api {
    cadre: Client,
    town: Client,
    county: Client,
}

impl Api {
    async fn new(app: &TestApp) -> Api {
        Api {
            cadre: api_client(app, "qingyan").await,
            town: api_client(app, "town").await,
            county: api_client(app, "county").await,
        }
    }
}

async fn api_case(c: &Client, id: i64) -> Value {
    let (status, body) = c.api_get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// One step through the API with the case's current version; must succeed.
async fn api_step(c: &Client, id: i64, action: Value) -> Value {
    let version = api_case(c, id).await["record"]["version"].clone();
    let (status, body) = c
        .api_post(
            &format!("/api/v1/cases/{id}/actions"),
            &json!({ "version": version, "action": action }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}: {body}");
    body
}

fn api_visit(date: Date) -> Value {
    json!({
        "action": "home_visit", "date": date.to_string(), "visitors": "周敏", "consent_signed": true,
        "findings": "情况属实",
        "income": {"wage_income": "6000", "business_income": "2000", "property_income": "0",
                   "transfer_income": "1000", "business_expense": "500", "rigid_expense": "30000", "size": 3},
        "checklist": {"food": true, "clothing": true, "education": true, "medical": true, "housing": true, "water": true},
        "risks": ["illness"]
    })
}

/// Identification of [`HOUSEHOLD`] through the API: the clue on `clue`, then a step a day (the
/// notice from clue+3 to clue+8, closed on clue+9, approved on clue+10), up to `until`.
async fn identify(api: &Api, clue: Date, until: Stage) -> i64 {
    let d = |n: i64| (clue + Duration::days(n)).to_string();
    let (status, body) = api
        .cadre
        .api_post(
            "/api/v1/cases",
            &json!({"household_no": HOUSEHOLD, "kind": "identification",
                    "clue": {"source": "self_report", "date": d(0), "reporter": "户主", "description": "住院自付3万元"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["id"].as_i64().expect("case id");
    let steps: [(Stage, &Client, Value); 7] = [
        (
            Stage::Visited,
            &api.cadre,
            api_visit(clue + Duration::days(1)),
        ),
        (
            Stage::DataChecked,
            &api.town,
            json!({"action": "data_check", "date": d(2), "consistent": true, "notes": ""}),
        ),
        (
            Stage::Reviewed,
            &api.cadre,
            json!({"action": "village_review", "date": d(2), "attendance": 25, "passed": true,
                   "opinion": "同意", "category": "marginal", "mode": null}),
        ),
        (
            Stage::Noticing,
            &api.cadre,
            json!({"action": "post_notice", "start": d(3), "end": d(8)}),
        ),
        (
            Stage::NoticeClosed,
            &api.cadre,
            json!({"action": "close_notice", "date": d(9), "objections": "", "upheld": false}),
        ),
        (
            Stage::TownReviewed,
            &api.town,
            json!({"action": "town_review", "date": d(9), "passed": true, "opinion": "同意"}),
        ),
        (
            Stage::Approved,
            &api.county,
            json!({"action": "county_approval", "date": d(10), "passed": true, "opinion": "同意"}),
        ),
    ];
    for (stage, client, action) in steps {
        if stage > until {
            break;
        }
        api_step(client, id, action).await;
    }
    id
}

// ---------- 1. the whole chain by pages ----------

#[tokio::test]
async fn the_identification_chain_by_pages_ends_with_a_monitored_household_counted_everywhere() {
    let app = app().await;
    let cadre = browser(&app, "qingyan").await;
    let town = browser(&app, "town").await;
    let county = browser(&app, "county").await;

    // The household page offers 登记线索 on an ordinary household.
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert_eq!(household.status, StatusCode::OK);
    assert!(household.text.contains("未纳入监测"), "{}", household.text);
    assert!(household.text.contains("登记线索"));

    let id = record_clue(&cadre, &ago(10)).await;
    let case = cadre.get(&format!("/cases/{id}")).await;
    assert!(
        case.text.contains("线索已登记，下一步：入户核实。"),
        "{}",
        case.text
    );
    assert!(case.text.contains("待入户核实"));
    assert!(case.text.contains("办理：入户核实"));

    step_ok(&app, &cadre, id, &pairs(&visit_form(&ago(9)))).await;
    let case = cadre.get(&format!("/cases/{id}")).await;
    assert!(case.text.contains("待信息比对"));
    assert!(
        case.text.contains("等待镇乡村振兴办办理「信息比对」"),
        "{}",
        case.text
    );
    assert!(
        case.text.contains("2,833.33"),
        "per capita (8,500 / 3) is shown"
    );
    assert!(case.text.contains("因病"));

    step_ok(
        &app,
        &town,
        id,
        &[
            ("action", "data_check"),
            ("date", &ago(8)),
            ("consistent", "是"),
            ("notes", ""),
        ],
    )
    .await;
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "village_review"),
            ("date", &ago(8)),
            ("attendance", "25"),
            ("passed", "是"),
            ("category", "marginal"),
            ("opinion", "同意纳入"),
        ],
    )
    .await;
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "post_notice"),
            ("start", &ago(7)),
            ("end", &ago(2)),
        ],
    )
    .await;
    let case = cadre.get(&format!("/cases/{id}")).await;
    assert!(case.text.contains("公示中"));
    assert!(case.text.contains(&format!("{} 至 {}", ago(7), ago(2))));
    assert!(case.text.contains("打印公示"));
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "close_notice"),
            ("date", &ago(1)),
            ("objections", ""),
        ],
    )
    .await;
    step_ok(
        &app,
        &town,
        id,
        &[
            ("action", "town_review"),
            ("date", &ago(1)),
            ("passed", "是"),
            ("opinion", "同意"),
        ],
    )
    .await;
    step_ok(
        &app,
        &county,
        id,
        &[
            ("action", "county_approval"),
            ("date", &ago(0)),
            ("passed", "是"),
            ("opinion", "同意"),
        ],
    )
    .await;

    let case = county.get(&format!("/cases/{id}")).await;
    assert!(
        case.text
            .contains("县级审定通过：该户已纳入监测。请在1个月内落实帮扶措施。")
    );
    assert!(case.text.contains("已纳入监测"));
    assert!(case.text.contains("打印结果公告"));
    // The timeline has the clue and the seven steps, each by its actor.
    for label in [
        "登记线索",
        "入户核实",
        "信息比对",
        "村级民主评议",
        "村内公示",
        "公示结束",
        "乡镇审核",
        "县级审定",
    ] {
        assert!(
            case.text.contains(&format!("<strong>{label}</strong>")),
            "{label} missing from the timeline"
        );
    }

    // The household page: 监测中 and the category.
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(household.text.contains("监测中"), "{}", household.text);
    assert!(household.text.contains("边缘易致贫户"));
    assert!(!household.text.contains("未纳入监测"));

    // The monitored list and the overview count it (with the imported monitored household).
    let list = town.get("/monitoring/households?status=monitoring").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains(HEAD), "{}", list.text);
    assert_eq!(summary_count(&list.text), "2");
    let overview = town.get("/monitoring/overview").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(
        overview.text.contains("data-stat=\"monitoring\">2<"),
        "{}",
        overview.text
    );

    // The API's overview agrees with the lists it links to.
    let api = api_client(&app, "town").await;
    let (status, o) = api.api_get("/api/v1/monitoring/overview").await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["monitoring_total"], 2);
    assert_eq!(o["eliminated_total"], 0);
    let eliminated = town.get("/monitoring/households?status=eliminated").await;
    assert_eq!(summary_count(&eliminated.text), "0");
    for c in o["monitoring_by_village"].as_array().expect("by village") {
        let list = town
            .get(&format!(
                "/monitoring/households?village={}&status=monitoring",
                c["key"].as_str().expect("key")
            ))
            .await;
        assert_eq!(
            summary_count(&list.text),
            c["count"].to_string(),
            "{} counts differ",
            c["label"]
        );
    }
    let qingyan = o["monitoring_by_village"]
        .as_array()
        .expect("by village")
        .iter()
        .find(|c| c["key"] == QINGYAN_CODE)
        .expect("青岩 listed");
    assert_eq!(qingyan["count"], 2);
    let month = &today().to_string()[..7];
    let by_month = o["identified_by_month"]
        .as_array()
        .expect("by month")
        .iter()
        .find(|c| c["key"] == month)
        .expect("this month listed");
    assert_eq!(by_month["count"], 1);
    let list = town
        .get(&format!("/monitoring/households?month={month}"))
        .await;
    assert_eq!(summary_count(&list.text), "1");
    assert!(list.text.contains(HEAD));
}

// ---------- 2. role refusals ----------

#[tokio::test]
async fn each_step_belongs_to_one_role_and_others_are_refused_in_chinese() {
    let app = app().await;
    let api = Api::new(&app).await;
    let town = browser(&app, "town").await;
    let cadre = browser(&app, "qingyan").await;
    let county = browser(&app, "county").await;
    let viewer = browser(&app, "viewer").await;

    let id = identify(&api, days_ago(10), Stage::Clue).await;
    // Town staff cannot do the home visit; the page has no form for them, a crafted post is refused.
    let page = town.get(&format!("/cases/{id}")).await;
    assert!(!page.text.contains("办理：入户核实"));
    assert!(page.text.contains("等待村干部办理「入户核实」"));
    let page = post_step(&app, &town, id, &pairs(&visit_form(&ago(9)))).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("「入户核实」由村干部办理，您的角色是镇乡村振兴办"),
        "{}",
        page.text
    );

    api_step(&api.cadre, id, api_visit(days_ago(9))).await;
    // The county cannot do the data check.
    let page = post_step(
        &app,
        &county,
        id,
        &[
            ("action", "data_check"),
            ("date", &ago(8)),
            ("consistent", "是"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("「信息比对」由镇乡村振兴办办理，您的角色是县级审定"),
        "{}",
        page.text
    );

    // A viewer reads the case but has no form, and a crafted post is refused.
    let page = viewer.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("办理：信息比对"));
    assert!(!page.text.contains("/step\""), "no step form for a viewer");
    let page = post_step(
        &app,
        &viewer,
        id,
        &[
            ("action", "data_check"),
            ("date", &ago(8)),
            ("consistent", "是"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("您的角色是领导"), "{}", page.text);
    // Nor record a clue or propose elimination, whatever the household's state: the role comes first.
    for (no, kind) in [
        ("500110120204000101", "identification"),
        (QINGYAN_MONITORED_HOUSEHOLD, "elimination"),
        (HOUSEHOLD, "identification"),
    ] {
        let page = viewer
            .post_form(
                &format!("/households/{no}/cases/new?kind={kind}"),
                &[
                    ("kind", kind),
                    ("source", "cadre_check"),
                    ("date", &ago(1)),
                    ("reporter", "镇领导"),
                    ("description", "试试"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{no}");
        assert!(
            page.text.contains(
                "领导不能登记线索或发起风险消除，请由村干部、帮扶责任人或镇乡村振兴办办理"
            ),
            "{no}: {}",
            page.text
        );
    }
    let api_viewer = api_client(&app, "viewer").await;
    let (status, body) = api_viewer
        .api_post(
            "/api/v1/cases",
            &json!({"household_no": "500110120204000101", "kind": "identification",
                    "clue": {"source": "cadre_check", "date": ago(1), "reporter": "领导", "description": "试试"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("领导不能登记线索")),
        "{body}"
    );

    api_step(
        &api.town,
        id,
        json!({"action": "data_check", "date": ago(8), "consistent": true, "notes": ""}),
    )
    .await;
    for action in [
        json!({"action": "village_review", "date": ago(8), "attendance": 25, "passed": true, "opinion": "同意", "category": "marginal", "mode": null}),
        json!({"action": "post_notice", "start": ago(7), "end": ago(2)}),
        json!({"action": "close_notice", "date": ago(1), "objections": "", "upheld": false}),
    ] {
        api_step(&api.cadre, id, action).await;
    }
    // The cadre cannot do the town review.
    let page = post_step(
        &app,
        &cadre,
        id,
        &[
            ("action", "town_review"),
            ("date", &ago(1)),
            ("passed", "是"),
            ("opinion", "同意"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("「乡镇审核」由镇乡村振兴办办理，您的角色是村干部"),
        "{}",
        page.text
    );
    // Nothing moved: the case still waits for the town.
    let case = api_case(&api.town, id).await;
    assert_eq!(case["record"]["case"]["state"], "awaiting_town_review");
    assert_eq!(case["acting_role"], "town_staff");

    // A department user sees no monitoring page at all.
    let dept = browser(&app, "dept").await;
    for path in [
        "/monitoring/cases".to_string(),
        "/monitoring/households".to_string(),
        "/monitoring/overview".to_string(),
        format!("/cases/{id}"),
        format!("/households/{HOUSEHOLD}/cases/new"),
        format!(
            "/notices/identification?village={QINGYAN_CODE}&start={}",
            ago(7)
        ),
        "/monitoring/cases/export.xlsx".to_string(),
    ] {
        let page = dept.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.text.contains("不能查看农户信息"), "{path}");
        assert!(!page.text.contains(HEAD), "{path}");
    }
    let version = stored_version(&app, id).await;
    let page = dept
        .post_form(
            &format!("/cases/{id}/step"),
            &[
                ("version", &version),
                ("action", "town_review"),
                ("date", &ago(1)),
                ("passed", "是"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api_case(&api.town, id).await["record"]["case"]["state"],
        "awaiting_town_review"
    );
    let api_dept = api_client(&app, "dept").await;
    assert_eq!(
        api_dept.api_get("/api/v1/cases").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api_dept.api_get(&format!("/api/v1/cases/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
}

// ---------- 3. scoping ----------

#[tokio::test]
async fn a_chongen_cadre_meets_a_qingyan_case_as_if_it_did_not_exist() {
    let app = app().await;
    let api = Api::new(&app).await;
    let id = identify(&api, days_ago(10), Stage::Noticing).await;
    let absent = id + 1000;

    let chongen = browser(&app, "chongen").await;
    let other = chongen.get(&format!("/cases/{id}")).await;
    let missing = chongen.get(&format!("/cases/{absent}")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.text, missing.text,
        "an out-of-scope case must look exactly like an absent one"
    );
    assert!(!other.text.contains(HEAD));

    // A step posted with the right version is refused exactly like one on an absent case.
    let version = stored_version(&app, id).await;
    let step_path = |case: i64| format!("/cases/{case}/step");
    let fields = [
        ("version", version.as_str()),
        ("action", "close_notice"),
        ("date", &ago(1)),
        ("objections", ""),
    ];
    let other = chongen.post_form(&step_path(id), &fields).await;
    let missing = chongen.post_form(&step_path(absent), &fields).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(other.text, missing.text);
    assert_eq!(
        api_case(&api.cadre, id).await["record"]["case"]["state"],
        "noticing",
        "nothing changed"
    );

    let list = chongen.get("/monitoring/cases").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(summary_count(&list.text), "0");
    assert!(!list.text.contains(HEAD));
    assert!(!list.text.contains(&format!("/cases/{id}\"")));
    let list = chongen
        .get(&format!("/monitoring/cases?village={QINGYAN_CODE}"))
        .await;
    assert!(
        !list.text.contains(HEAD),
        "asking for 青岩 by code gives nothing"
    );
    let home = chongen.get("/").await;
    assert!(home.text.contains("我的待办（0 件）"), "{}", home.text);
    assert!(!home.text.contains(&format!("/cases/{id}\"")));
    // The notice of 青岩 is not 崇恩's to print; its own village's is (and is empty).
    let notice = chongen
        .get(&format!(
            "/notices/identification?village={QINGYAN_CODE}&start={}",
            ago(7)
        ))
        .await;
    assert_eq!(notice.status, StatusCode::NOT_FOUND);
    assert!(!notice.text.contains(HEAD));
    let own = chongen
        .get(&format!(
            "/notices/identification?village={CHONGEN_CODE}&start={}",
            ago(7)
        ))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text.contains("没有符合条件的农户"));

    // The API: the same 404 for the case and its actions, and an empty list.
    let api_chongen = api_client(&app, "chongen").await;
    let (status, body) = api_chongen.api_get(&format!("/api/v1/cases/{id}")).await;
    let (absent_status, absent_body) = api_chongen
        .api_get(&format!("/api/v1/cases/{absent}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(absent_status, StatusCode::NOT_FOUND);
    assert_eq!(body, absent_body);
    let action = json!({"version": version.parse::<i64>().expect("version"), "action": {"action": "close_notice", "date": ago(1), "objections": "", "upheld": false}});
    let (status, body) = api_chongen
        .api_post(&format!("/api/v1/cases/{id}/actions"), &action)
        .await;
    let (absent_status, absent_body) = api_chongen
        .api_post(&format!("/api/v1/cases/{absent}/actions"), &action)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(absent_status, StatusCode::NOT_FOUND);
    assert_eq!(body, absent_body);
    let (_, list) = api_chongen.api_get("/api/v1/cases").await;
    assert_eq!(list["total"], 0, "{list}");
    let (status, body) = api_chongen
        .api_get(&format!("/api/v1/households/{HOUSEHOLD}/monitoring"))
        .await;
    let (_, absent_body) = api_chongen
        .api_get("/api/v1/households/500110120204999999/monitoring")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, absent_body);
}

// ---------- 4. conflicts ----------

#[tokio::test]
async fn two_cadres_on_the_same_version_record_one_step_and_the_other_is_told() {
    let app = app().await;
    let api = Api::new(&app).await;
    let id = identify(&api, days_ago(10), Stage::Clue).await;

    // Both 青岩 cadres open the case page and see the same version.
    let first = browser(&app, "qingyan").await;
    let second = browser(&app, "qingyan2").await;
    let page1 = first.get(&format!("/cases/{id}")).await;
    let page2 = second.get(&format!("/cases/{id}")).await;
    let version = input_value(&page1.text, "version").expect("a form for the cadre");
    assert_eq!(input_value(&page2.text, "version"), Some(version.clone()));

    let visit = visit_form(&ago(9));
    let mut fields = vec![("version", version.as_str())];
    fields.extend(pairs(&visit));
    let done = first.post_form(&format!("/cases/{id}/step"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let late = second
        .post_form(&format!("/cases/{id}/step"), &fields)
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text.contains(STALE), "{}", late.text);
    assert!(
        late.text.contains("待信息比对"),
        "the page shows the new state"
    );

    let case = api_case(&api.cadre, id).await;
    let events = case["events"].as_array().expect("events");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["clue", "home_visit"],
        "exactly one visit is recorded"
    );
    assert_eq!(events[1]["actor"], "qingyan");

    // Refreshed, the second cadre's repeated visit is refused by the chain itself.
    let page = post_step(&app, &second, id, &pairs(&visit)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("当前状态为「待信息比对」，下一步应为「信息比对」，不能办理「入户核实」"),
        "{}",
        page.text
    );

    // The API: both cadres send the village review at once with the same version.
    api_step(
        &api.town,
        id,
        json!({"action": "data_check", "date": ago(8), "consistent": true, "notes": ""}),
    )
    .await;
    let other = api_client(&app, "qingyan2").await;
    let version = api_case(&api.cadre, id).await["record"]["version"].clone();
    let review = |category: &str| {
        json!({"version": version, "action": {"action": "village_review", "date": ago(8), "attendance": 20,
               "passed": true, "opinion": "同意", "category": category, "mode": null}})
    };
    let (a, b) = (review("marginal"), review("sudden_hardship"));
    let path = format!("/api/v1/cases/{id}/actions");
    let ((status_a, body_a), (status_b, body_b)) =
        tokio::join!(api.cadre.api_post(&path, &a), other.api_post(&path, &b));
    let mut statuses = [status_a, status_b];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{body_a} / {body_b}"
    );
    let loser = if status_a == StatusCode::CONFLICT {
        &body_a
    } else {
        &body_b
    };
    assert_eq!(loser["error"], STALE);
    let case = api_case(&api.cadre, id).await;
    let reviews = case["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "village_review")
        .count();
    assert_eq!(reviews, 1);
    let winner = if status_a == StatusCode::OK {
        "marginal"
    } else {
        "sudden_hardship"
    };
    assert_eq!(case["record"]["case"]["category"], winner);
    assert_eq!(case["record"]["case"]["state"], "awaiting_notice");

    // The same review again with the new version: the chain refuses it (422), not the version.
    let current = case["record"]["version"].clone();
    let (status, body) = api
        .cadre
        .api_post(
            &path,
            &json!({"version": current, "action": {"action": "village_review", "date": ago(8), "attendance": 20,
                    "passed": true, "opinion": "同意", "category": "marginal", "mode": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("下一步应为「村内公示」")),
        "{body}"
    );
}

// ---------- 5. printed notices ----------

/// Every ID number, phone and health label a notice must not show.
fn assert_nothing_private(html: &str) {
    let mut households = sample_households();
    households.push(ordinary_household());
    for h in &households {
        for m in &h.members {
            let id = m.id_number.to_string();
            assert!(!html.contains(&id), "ID number {id} on a notice");
            assert!(!html.contains(&id[..14]), "an ID prefix on a notice");
            if let Some(p) = &m.phone {
                assert!(!html.contains(p.as_str()), "phone {p} on a notice");
            }
        }
        if let Some(p) = &h.phone {
            assert!(!html.contains(p.as_str()), "phone {p} on a notice");
        }
    }
    for label in ["健康", "残疾", "大病", "慢性病"] {
        assert!(!html.contains(label), "health status {label} on a notice");
    }
    // No run of 11 or more digits at all: no ID number, phone, bank account or household number.
    let longest = html
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest < 11, "a long number on a notice");
}

/// The printed sheet, with today-dependent dates replaced by placeholders.
fn sheet(html: &str, dates: &[(Date, &str)]) -> String {
    let start = html.find("<main").expect("a sheet");
    let end = html.find("</main>").expect("sheet ends") + "</main>".len();
    let mut s = html[start..end].to_string();
    for (d, placeholder) in dates {
        s = s.replace(&chinese_date(*d), placeholder);
        s = s.replace(&d.to_string(), placeholder);
    }
    s
}

#[tokio::test]
async fn the_identification_notice_and_result_show_no_id_phone_or_health() {
    let app = app().await;
    let api = Api::new(&app).await;
    let id = identify(&api, days_ago(10), Stage::Noticing).await;
    let (start, end) = (days_ago(7), days_ago(2));
    let cadre = browser(&app, "qingyan").await;

    let case = cadre.get(&format!("/cases/{id}")).await;
    let href = format!("/notices/identification?village={QINGYAN_CODE}&amp;start={start}");
    assert!(case.text.contains(&href), "the case page links its notice");
    let notice = cadre
        .get(&format!(
            "/notices/identification?village={QINGYAN_CODE}&start={start}"
        ))
        .await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(notice.content_type.starts_with("text/html"));
    assert!(notice.text.contains(HEAD));
    assert!(notice.text.contains("边缘易致贫户"));
    assert!(notice.text.contains("因病"));
    assert!(notice.text.contains("监督电话：12317"));
    assert!(
        !notice.text.contains("退出"),
        "a printed notice has no menus"
    );
    assert_nothing_private(&notice.text);
    insta::assert_snapshot!(
        "identification_notice",
        sheet(&notice.text, &[(start, "[公示开始]"), (end, "[公示结束]")])
    );

    // A notice of another day lists nobody.
    let other_day = cadre
        .get(&format!(
            "/notices/identification?village={QINGYAN_CODE}&start={}",
            ago(6)
        ))
        .await;
    assert_eq!(other_day.status, StatusCode::OK);
    assert!(!other_day.text.contains(HEAD));
    assert!(other_day.text.contains("没有符合条件的农户"));

    // The county approves today: the result announcement in the township's name.
    for (client, action) in [
        (
            &api.cadre,
            json!({"action": "close_notice", "date": ago(1), "objections": "", "upheld": false}),
        ),
        (
            &api.town,
            json!({"action": "town_review", "date": ago(1), "passed": true, "opinion": "同意"}),
        ),
        (
            &api.county,
            json!({"action": "county_approval", "date": ago(0), "passed": true, "opinion": "同意"}),
        ),
    ] {
        api_step(client, id, action).await;
    }
    let date = today();
    let result = cadre
        .get(&format!(
            "/notices/result?kind=identification&village={QINGYAN_CODE}&date={date}"
        ))
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.text.contains(HEAD));
    assert!(result.text.contains("纳入监测"));
    assert!(result.text.contains("扶欢镇人民政府"));
    assert_nothing_private(&result.text);
    insta::assert_snapshot!(
        "identification_result",
        sheet(&result.text, &[(date, "[审定日期]")])
    );
}

#[tokio::test]
async fn six_months_on_the_elimination_chain_prints_its_notice_and_result_without_private_data() {
    let app = app().await;
    let api = Api::new(&app).await;
    // Identified about eight months ago.
    let clue = days_ago(250);
    identify(&api, clue, Stage::Approved).await;
    let identified = clue + Duration::days(10);
    let cadre = browser(&app, "qingyan").await;

    // Not yet eligible: no measure, no income above the line.
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(household.text.contains("暂不符合风险消除条件"));
    assert!(!household.text.contains("发起风险消除"));

    // A measure from the second week, and income checks above the line since then.
    let measure_start = (identified + Duration::days(5)).to_string();
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/measures/new"),
            &[
                ("kind", "employment"),
                ("status", "in_progress"),
                ("content", "推荐到县城工业园务工"),
                ("responsible_unit", "镇人社服务中心"),
                ("responsible_person", "王建国"),
                ("start", &measure_start),
                ("end", ""),
                ("funds", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    for (date, per_capita) in [
        (identified + Duration::days(20), "8200"),
        (days_ago(30), "9600"),
    ] {
        let page = cadre
            .post_form(
                &format!("/households/{HOUSEHOLD}/income-checks"),
                &[
                    ("date", &date.to_string()),
                    ("per_capita", per_capita),
                    ("notes", "务工收入稳定"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    }
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(
        household.text.contains("符合风险消除条件。"),
        "{}",
        household.text
    );
    assert!(household.text.contains("发起风险消除"));

    // The cadre proposes elimination and takes it to the notice.
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/cases/new?kind=elimination"),
            &[
                ("kind", "elimination"),
                ("date", &ago(9)),
                ("reporter", "青岩村周敏"),
                ("description", "务工收入稳定，住院费用已报销"),
            ],
        )
        .await;
    let id = case_id_from(&page);
    let mut visit = visit_form(&ago(8));
    for (k, v) in visit.iter_mut() {
        if *k == "wage_income" {
            *v = "30000".into();
        }
    }
    visit.push(("risk_resolved", "1".into()));
    visit.retain(|(k, _)| *k != "risk_illness");
    step_ok(&app, &cadre, id, &pairs(&visit)).await;
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "village_review"),
            ("date", &ago(8)),
            ("attendance", "30"),
            ("passed", "是"),
            ("mode", "assisted"),
            ("opinion", "同意标注风险消除"),
        ],
    )
    .await;
    let (start, end) = (days_ago(7), days_ago(2));
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "post_notice"),
            ("start", &start.to_string()),
            ("end", &end.to_string()),
        ],
    )
    .await;

    let notice = cadre
        .get(&format!(
            "/notices/elimination?village={QINGYAN_CODE}&start={start}"
        ))
        .await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(notice.text.contains(HEAD));
    assert!(notice.text.contains("帮扶消除"));
    assert!(
        notice.text.contains("<td>边缘易致贫户</td><td>因病</td>"),
        "the household's category and risks, as monitored"
    );
    assert_nothing_private(&notice.text);
    insta::assert_snapshot!(
        "elimination_notice",
        sheet(&notice.text, &[(start, "[公示开始]"), (end, "[公示结束]")])
    );

    for (client, action) in [
        (
            &api.cadre,
            json!({"action": "close_notice", "date": ago(1), "objections": "", "upheld": false}),
        ),
        (
            &api.town,
            json!({"action": "town_review", "date": ago(1), "passed": true, "opinion": "同意"}),
        ),
        (
            &api.county,
            json!({"action": "county_approval", "date": ago(0), "passed": true, "opinion": "同意"}),
        ),
    ] {
        api_step(client, id, action).await;
    }
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(household.text.contains("已消除"), "{}", household.text);
    let date = today();
    let result = cadre
        .get(&format!(
            "/notices/result?kind=elimination&village={QINGYAN_CODE}&date={date}"
        ))
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.text.contains("风险已消除（帮扶消除）"));
    assert_nothing_private(&result.text);
    insta::assert_snapshot!(
        "elimination_result",
        sheet(&result.text, &[(date, "[审定日期]")])
    );
    let (_, o) = api.town.api_get("/api/v1/monitoring/overview").await;
    assert_eq!(o["eliminated_total"], 1);
    assert_eq!(o["monitoring_total"], 1);
}

// ---------- 6. measures and elimination ----------

#[tokio::test]
async fn a_measure_is_added_and_listed_and_elimination_is_refused_before_six_months() {
    let app = app().await;
    let api = Api::new(&app).await;
    identify(&api, days_ago(10), Stage::Approved).await;
    let cadre = browser(&app, "qingyan").await;

    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(household.text.contains("暂无帮扶措施"));
    assert!(household.text.contains("新增帮扶措施"));
    let form = cadre
        .get(&format!("/households/{HOUSEHOLD}/measures/new"))
        .await;
    assert_eq!(form.status, StatusCode::OK);

    // End before start: field errors in Chinese, the input kept, nothing saved.
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/measures/new"),
            &[
                ("kind", "health"),
                ("status", "in_progress"),
                ("content", "大病专项救助"),
                ("responsible_unit", "镇卫生院"),
                ("responsible_person", "李医生"),
                ("start", &ago(0)),
                ("end", &ago(3)),
                ("funds", "1,500"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = format!("结束日期 {} 不能早于开始日期 {}", ago(3), ago(0));
    assert!(page.text.contains(&message), "{}", page.text);
    assert!(page.text.contains("id=\"err-end\""), "the field is marked");
    assert!(page.text.contains("大病专项救助"), "the input is kept");
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/measures/new"),
            &[
                ("kind", "industry"),
                ("status", "in_progress"),
                ("content", ""),
                ("responsible_unit", ""),
                ("responsible_person", "王建国"),
                ("start", &ago(0)),
                ("funds", "-5"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["请填写帮扶内容", "请填写责任单位", "帮扶资金不能为负数"] {
        assert!(page.text.contains(msg), "{msg}: {}", page.text);
    }

    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/measures/new"),
            &[
                ("kind", "industry"),
                ("status", "in_progress"),
                ("content", "发放中蜂养殖补助"),
                ("responsible_unit", "镇农业服务中心"),
                ("responsible_person", "王建国"),
                ("start", &ago(0)),
                ("end", ""),
                ("funds", "3,000"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/households/{HOUSEHOLD}#monitoring").as_str())
    );
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(household.text.contains("帮扶措施已保存。"));
    assert!(
        household.text.contains("帮扶措施（1 项）"),
        "{}",
        household.text
    );
    assert!(household.text.contains("发放中蜂养殖补助"));
    assert!(household.text.contains("产业帮扶"));
    assert!(household.text.contains("3,000.00"));
    assert!(household.text.contains("实施中"));
    assert_eq!(
        household.text.matches("暂无帮扶措施").count(),
        0,
        "the empty note is gone"
    );

    // The conditions of elimination, with the monitoring time not yet met.
    assert!(household.text.contains("风险消除条件"));
    assert!(household.text.contains("<strong>监测时间</strong>"));
    assert!(household.text.contains("满6个月为"));
    assert!(household.text.contains("暂不符合风险消除条件。"));
    assert!(household.text.contains("已落实 1 项帮扶措施"));
    assert!(
        !household.text.contains("/cases/new?kind=elimination"),
        "no button to start it"
    );

    // Starting elimination anyway is refused with the reasons.
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/cases/new?kind=elimination"),
            &[
                ("kind", "elimination"),
                ("date", &ago(0)),
                ("reporter", "青岩村周敏"),
                ("description", "收入已稳定"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("暂不符合风险消除条件："),
        "{}",
        page.text
    );
    assert!(page.text.contains("监测时间："));
    assert!(page.text.contains("收入稳定："));
    let (_, list) = api.cadre.api_get("/api/v1/cases?kind=elimination").await;
    assert_eq!(list["total"], 0, "no elimination case was opened");

    // The cadre pairs 青岩's helper, who finds the household in the work queue and records a check.
    let helper_id = app
        .store
        .user_by_username("helper")
        .await
        .expect("store")
        .expect("helper")
        .id;
    assert!(
        household.text.contains("帮扶人陈晓东（helper）"),
        "offered as helper"
    );
    let page = cadre
        .post_form(
            &format!("/households/{HOUSEHOLD}/helper"),
            &[("user_id", &helper_id.to_string()), ("start", &ago(0))],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(
        household
            .text
            .contains(&format!("帮扶人陈晓东（{} 起）", ago(0))),
        "{}",
        household.text
    );
    let helper = browser(&app, "helper").await;
    let home = helper.get("/").await;
    assert!(home.text.contains("我结对的监测户 1 户"), "{}", home.text);
    let mine = helper.get("/monitoring/households?mine=1").await;
    assert_eq!(summary_count(&mine.text), "1");
    assert!(mine.text.contains(HEAD));
    let page = helper
        .post_form(
            &format!("/households/{HOUSEHOLD}/income-checks"),
            &[
                ("date", &ago(0)),
                ("per_capita", "6,800"),
                ("notes", "回访"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let household = cadre.get(&format!("/households/{HOUSEHOLD}")).await;
    assert!(
        household
            .text
            .contains(&format!("{}：人均纯收入 6,800.00 元", ago(0)))
    );

    // The API reports the same conditions.
    let (status, m) = api
        .cadre
        .api_get(&format!("/api/v1/households/{HOUSEHOLD}/monitoring"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["status"], "监测中");
    assert_eq!(m["eligible"], false);
    let monitored = m["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .find(|c| c["label"] == "监测时间")
        .expect("monitoring time");
    assert_eq!(monitored["met"], false);
    assert_eq!(m["info"]["measures"].as_array().map(Vec::len), Some(1));
}

// ---------- 7. policy ----------

#[tokio::test]
async fn the_admin_lengthens_the_notice_for_the_town_and_the_cadre_must_follow() {
    let app = app().await;
    let admin = browser(&app, "admin").await;
    let year = today().year().to_string();

    let page = admin.get("/policy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("默认值"));
    assert!(page.text.contains("公示天数"));
    assert!(!page.text.contains("已核定"), "nothing confirmed yet");

    // 4 days is below the national minimum.
    let page = admin
        .post_form(
            "/policy",
            &[
                ("key", "notice_days"),
                ("region", TOWN_CODE),
                ("year", &year),
                ("value", "4"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("不得少于5天"), "{}", page.text);

    // Only the admin may change the table.
    let town = browser(&app, "town").await;
    let refused = town
        .post_form(
            "/policy",
            &[
                ("key", "notice_days"),
                ("region", TOWN_CODE),
                ("year", &year),
                ("value", "10"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("只有管理员可以修改政策参数"));
    let page = town.get("/policy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("设置参数"), "no form for town staff");

    let page = admin
        .post_form(
            "/policy",
            &[
                ("key", "notice_days"),
                ("region", TOWN_CODE),
                ("year", &year),
                ("value", "7"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = admin.get("/policy").await;
    assert!(
        page.text
            .contains(&format!("已保存：公示天数 {year} 年起为 7 天")),
        "{}",
        page.text
    );
    assert!(page.text.contains("已核定"));
    assert!(
        page.text.contains("默认值"),
        "the other values are still defaults"
    );
    assert!(page.text.contains("7 天"));
    let api_admin = api_client(&app, "admin").await;
    let (_, values) = api_admin.api_get("/api/v1/policy").await;
    assert!(
        values
            .as_array()
            .expect("values")
            .iter()
            .any(|v| v["key"] == "notice_days"
                && v["region"] == TOWN_CODE
                && v["value"] == "7"
                && v["is_default"] == false),
        "{values}"
    );

    // A cadre's five-day notice is now too short; seven days pass.
    let api = Api::new(&app).await;
    let id = identify(&api, days_ago(12), Stage::Reviewed).await;
    let cadre = browser(&app, "qingyan").await;
    let case = cadre.get(&format!("/cases/{id}")).await;
    assert!(case.text.contains("公示期不少于7天"), "the form says so");
    let start = days_ago(9);
    let page = post_step(
        &app,
        &cadre,
        id,
        &[
            ("action", "post_notice"),
            ("start", &start.to_string()),
            ("end", &(start + Duration::days(5)).to_string()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = format!(
        "公示期不少于7天：公示自 {start} 开始，结束日期最早为 {}",
        start + Duration::days(7)
    );
    assert!(page.text.contains(&message), "{}", page.text);
    step_ok(
        &app,
        &cadre,
        id,
        &[
            ("action", "post_notice"),
            ("start", &start.to_string()),
            ("end", &(start + Duration::days(7)).to_string()),
        ],
    )
    .await;
}

// ---------- 8. work queue ----------

#[tokio::test]
async fn the_work_queue_shows_each_role_its_next_step() {
    let app = app().await;
    let cadre = browser(&app, "qingyan").await;
    let town = browser(&app, "town").await;

    let home = cadre.get("/").await;
    assert!(home.text.contains("我的待办（0 件）"), "{}", home.text);
    let id = record_clue(&cadre, &ago(1)).await;

    let home = cadre.get("/").await;
    assert!(home.text.contains("我的待办（1 件）"), "{}", home.text);
    assert!(
        home.text.contains(&format!(
            "<a class=\"go\" href=\"/cases/{id}\">入户核实</a>"
        )),
        "{}",
        home.text
    );
    assert!(home.text.contains(&format!("{HEAD}户 · 青岩村")));
    let town_home = town.get("/").await;
    assert!(
        town_home.text.contains("我的待办（0 件）"),
        "{}",
        town_home.text
    );

    step_ok(&app, &cadre, id, &pairs(&visit_form(&ago(0)))).await;
    let town_home = town.get("/").await;
    assert!(
        town_home.text.contains("我的待办（1 件）"),
        "{}",
        town_home.text
    );
    assert!(
        town_home.text.contains(&format!(
            "<a class=\"go\" href=\"/cases/{id}\">信息比对</a>"
        )),
        "{}",
        town_home.text
    );
    let home = cadre.get("/").await;
    assert!(home.text.contains("我的待办（0 件）"), "the visit is done");
    // The county and the viewer: the county waits, the viewer has no queue.
    let county = browser(&app, "county").await;
    assert!(county.get("/").await.text.contains("我的待办（0 件）"));
    let viewer = browser(&app, "viewer").await;
    assert!(!viewer.get("/").await.text.contains("我的待办"));
}

// ---------- 9. OpenAPI ----------

#[tokio::test]
async fn the_openapi_document_lists_the_monitoring_paths() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/openapi.json").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.json();
    for (path, method) in [
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions", "post"),
        ("/api/v1/households/{household_no}/monitoring", "get"),
        ("/api/v1/households/{household_no}/measures", "post"),
        ("/api/v1/measures/{id}", "put"),
        ("/api/v1/households/{household_no}/helper", "put"),
        ("/api/v1/households/{household_no}/income-checks", "post"),
        ("/api/v1/monitoring/overview", "get"),
        ("/api/v1/policy", "get"),
        ("/api/v1/policy", "put"),
    ] {
        assert!(
            doc["paths"][path].get(method).is_some(),
            "{method} {path} missing"
        );
    }
    // The household paths are still there after the merge.
    assert!(doc["paths"].get("/api/v1/households").is_some());
    assert!(
        doc["components"]["schemas"]
            .get("CaseActionRequest")
            .is_some()
    );
}

// ---------- 10. exports ----------

fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn the_case_and_monitored_lists_export_to_excel_with_chinese_headers() {
    let app = app().await;
    let api = Api::new(&app).await;
    identify(&api, days_ago(10), Stage::Approved).await;
    let cadre = browser(&app, "qingyan").await;

    let list = cadre.get("/monitoring/cases").await;
    assert!(list.text.contains("href=\"/monitoring/cases/export.xlsx\""));
    let (status, content_type, bytes) = cadre.get_bytes("/monitoring/cases/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0][0], "户编号");
    assert!(rows[0].iter().any(|h| h == "办理状态"));
    assert!(rows[0].iter().any(|h| h == "监测对象类别"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], HOUSEHOLD);
    assert!(rows[1].iter().any(|c| c == "已纳入监测"));
    assert!(rows[1].iter().any(|c| c == "边缘易致贫户"));

    let (status, content_type, bytes) = cadre.get_bytes("/monitoring/households/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0][..6],
        [
            "户编号",
            "行政村",
            "村民小组",
            "户主姓名",
            "家庭人口数",
            "监测对象类别"
        ]
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == HOUSEHOLD && r.contains(&HEAD.to_string()))
    );
    assert!(rows.iter().any(|r| r[0] == QINGYAN_MONITORED_HOUSEHOLD));
    assert!(
        !rows.iter().flatten().any(|c| c.contains(&id18(HEAD_ID17))),
        "no ID numbers in the list"
    );

    // The filter carries into the export.
    let (_, _, bytes) = cadre
        .get_bytes("/monitoring/households/export.xlsx?category=sudden_hardship")
        .await;
    assert_eq!(sheet_rows(&bytes).len(), 1, "only the header row");
    // 崇恩's cadre exports nothing of 青岩.
    let chongen = browser(&app, "chongen").await;
    let (status, _, bytes) = chongen.get_bytes("/monitoring/cases/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sheet_rows(&bytes).len(), 1);
}
