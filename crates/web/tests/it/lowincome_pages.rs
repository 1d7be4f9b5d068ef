//! The low-income pages as their users meet them: the population page whose dashboard numbers
//! equal the lists they link to, the medical three tiers of one person computed by hand, the
//! year's 代缴 list at the age boundaries with its masked workbook, the care rosters refreshed,
//! confirmed and visited by 青岩's cadre (and closed to 崇恩's), and the 低收入人口 menu per role.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use zhenxing_domain::household::{DisabilityGrade, HouseholdKind, Relation};
use zhenxing_domain::lowincome::{CareLevel, RollKind, SupportMode};
use zhenxing_domain::{DivisionCode, Household, Yuan};
use zhenxing_store::{Actor, CareFilter, NewRollEntry, PageRequest};
use zhenxing_testkit::{
    CHONGEN_HOUSEHOLD, COUNTY_CODE, Client, QINGYAN_CODE, QINGYAN_HOUSEHOLD,
    QINGYAN_MONITORED_HOUSEHOLD, TestApp, id18, member,
};

// The testkit households' people (first 17 digits).
const ZHANG_DASHAN: &str = "50022219680315123";
const WANG_GUILAN: &str = "50022219500105246";
const CHEN_ZHIQIANG: &str = "50022219751111357";

fn today() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).expect("offset");
    OffsetDateTime::now_utc().to_offset(cst).date()
}

fn yuan(s: &str) -> Yuan {
    Yuan::parse(s).expect("yuan")
}

async fn browser(app: &TestApp, username: &str) -> Client {
    let c = app.new_client();
    c.login(username).await;
    c
}

/// `data-total` of a list page: the list's total.
fn list_total(html: &str) -> String {
    let marker = "data-total>";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no total on the page: {html}"))
        + marker.len();
    let end = html[at..].find('<').expect("total ends");
    html[at..at + end].to_string()
}

/// The text of the element marked `data-stat="{name}"`.
fn stat(html: &str, name: &str) -> String {
    let marker = format!("data-stat=\"{name}\">");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len();
    let end = html[at..].find('<').expect("ends");
    html[at..at + end].to_string()
}

/// Every `data-bucket="village:type"` number of the dashboard's village table.
fn buckets(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-bucket=\"") {
        rest = &rest[at + "data-bucket=\"".len()..];
        let end = rest.find('"').expect("bucket ends");
        let key = rest[..end].to_string();
        let gt = rest.find('>').expect("tag ends");
        let close = rest[gt..].find('<').expect("number ends");
        out.push((key, rest[gt + 1..gt + close].to_string()));
    }
    out
}

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

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("code")
}

fn system() -> Actor {
    Actor::system(code(COUNTY_CODE))
}

fn roll(kind: RollKind) -> NewRollEntry {
    NewRollEntry {
        kind,
        covered: Vec::new(),
        person: None,
        monthly_amount: None,
        care_level: None,
        support_mode: None,
        amount: None,
        event: String::new(),
        reason: "测试".into(),
        start: today() - Duration::days(30),
        end: None,
        today: today(),
    }
}

/// 低保 for 张大山's household, 特困 and 低保边缘 for 陈志强's, 临时救助 for 王桂兰's (a 监测户).
async fn with_rolls(app: &TestApp) {
    let town = app.actor("town");
    let entries = [
        (
            QINGYAN_HOUSEHOLD,
            NewRollEntry {
                covered: vec![id18(ZHANG_DASHAN)],
                monthly_amount: Some(yuan("500")),
                ..roll(RollKind::Dibao)
            },
        ),
        (
            CHONGEN_HOUSEHOLD,
            NewRollEntry {
                person: Some(id18(CHEN_ZHIQIANG)),
                monthly_amount: Some(yuan("900")),
                care_level: Some(CareLevel::SelfCare),
                support_mode: Some(SupportMode::Dispersed),
                ..roll(RollKind::Tekun)
            },
        ),
        (CHONGEN_HOUSEHOLD, roll(RollKind::Marginal)),
        (
            QINGYAN_MONITORED_HOUSEHOLD,
            NewRollEntry {
                amount: Some(yuan("2000")),
                event: "房屋失火".into(),
                ..roll(RollKind::Temporary)
            },
        ),
    ];
    for (no, e) in entries {
        app.store
            .roll_create(&town, no, &e)
            .await
            .unwrap_or_else(|err| panic!("{:?} for {no}: {err}", e.kind));
    }
}

// ---------- the population page ----------

#[tokio::test]
async fn every_dashboard_number_equals_the_total_of_the_list_it_links_to() {
    let app = TestApp::with_households().await;
    with_rolls(&app).await;
    let town = browser(&app, "town").await;
    let page = town.get("/lowincome").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("echarts.min.js"), "charts are drawn");
    assert!(page.text.contains("&quot;kind&quot;:&quot;stacked&quot;"));
    assert_eq!(stat(&page.text, "any"), "3");
    for (t, n) in [
        // 张大山's household by its entry, 王桂兰's by the roster's 是否享受低保.
        ("dibao", "2"),
        ("tekun", "1"),
        ("marginal", "1"),
        ("monitored", "1"),
        ("sudden_hardship", "0"),
        ("temporary", "1"),
    ] {
        assert_eq!(stat(&page.text, t), n, "{t}");
    }
    assert_eq!(list_total(&page.text), "3");
    // The tags of one household: 王桂兰's is a 监测户 with 临时救助.
    let row = &page.text[page.text.find(QINGYAN_MONITORED_HOUSEHOLD).expect("listed")..];
    let row = &row[..row.find("</tr>").expect("row")];
    for tag in [">低保<", ">监测对象<", ">临时救助<"] {
        assert!(row.contains(tag), "{tag} in {row}");
    }

    let all = buckets(&page.text);
    assert!(
        all.len() >= 2 * 7,
        "every village × (types, any): {}",
        all.len()
    );
    let mut checked_nonzero = 0;
    for (key, shown) in &all {
        let (village, kind) = key.split_once(':').expect("village:type");
        let url = match (village, kind) {
            ("all", t) => format!("/lowincome?type={t}"),
            (v, "any") => format!("/lowincome?village={v}"),
            (v, t) => format!("/lowincome?village={v}&type={t}"),
        };
        // Only the non-zero ones are links; their href is the same list.
        if shown != "0" {
            checked_nonzero += 1;
            assert!(
                page.text.contains(&format!(
                    "data-bucket=\"{key}\" href=\"{}\"",
                    url.replace('&', "&amp;")
                )),
                "{key} links to {url}"
            );
        }
        let list = town.get(&url).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(&list_total(&list.text), shown, "{key}: {url}");
    }
    assert!(checked_nonzero >= 8, "{checked_nonzero}");

    // Filters: text and village.
    let found = town.get("/lowincome?q=王桂兰").await;
    assert_eq!(list_total(&found.text), "1");
    let qingyan = town
        .get(&format!("/lowincome?village={QINGYAN_CODE}"))
        .await;
    assert_eq!(list_total(&qingyan.text), "2");

    // The API gives the same numbers.
    let api = app.new_client();
    api.api_login("town").await;
    let (status, counts) = api.api_get("/api/v1/low-income/counts").await;
    assert_eq!(status, StatusCode::OK);
    for c in counts.as_array().expect("counts") {
        let village = c["village_code"].as_str().expect("village");
        let url = match c["kind"].as_str() {
            Some(t) => format!("/api/v1/low-income?village={village}&type={t}"),
            None => format!("/api/v1/low-income?village={village}"),
        };
        let (_, list) = api.api_get(&url).await;
        assert_eq!(list["total"], c["count"], "{url}");
    }
    let (_, list) = api.api_get("/api/v1/low-income?type=tekun").await;
    assert_eq!(list["items"][0]["household_no"], CHONGEN_HOUSEHOLD);
    assert_eq!(list["items"][0]["types"], json!(["tekun", "marginal"]));

    // The export: one row per household, no ID numbers.
    let (status, content_type, bytes) = town.get_bytes("/lowincome/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let rows = sheet_rows(&bytes);
    assert_eq!(rows[0][0], "户编号");
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().any(|r| r[7] == "特困、低保边缘"), "{rows:?}");
    for p in [ZHANG_DASHAN, WANG_GUILAN, CHEN_ZHIQIANG] {
        assert!(!rows.iter().flatten().any(|c| c.contains(&id18(p))));
    }

    // 青岩's cadre sees 青岩 only.
    let cadre = browser(&app, "qingyan").await;
    let page = cadre.get("/lowincome").await;
    assert_eq!(stat(&page.text, "any"), "2");
    assert!(!page.text.contains(CHONGEN_HOUSEHOLD));
}

// ---------- medical three tiers ----------

/// The worked example of docs/LOWINCOME.md §4 for 王桂兰 (two settlements), and one small one for
/// 张大山 below both lines.
fn medical_csv() -> Vec<u8> {
    let t = today();
    let d = format!("{}-{:02}-01", t.year(), u8::from(t.month()));
    let mut text = String::from(
        "证件号码,结算日期,就诊类型,总费用,基本医保支付,大病保险支付,医疗救助支付,个人自付,合规自付\n",
    );
    let wang = id18(WANG_GUILAN);
    text.push_str(&format!("{wang},{d},住院,10000,6000,1000,500,2500,1500\n"));
    text.push_str(&format!("{wang},{d},门诊,3000,2000,0,200,800,800\n"));
    text.push_str(&format!(
        "{},{d},门诊,10000,9500,0,0,500,500\n",
        id18(ZHANG_DASHAN)
    ));
    text.into_bytes()
}

#[tokio::test]
async fn the_medical_page_shows_the_three_tiers_the_ratio_and_the_class_computed_by_hand() {
    let app = TestApp::with_households().await;
    let t = today();
    let period = format!("{}-{:02}", t.year(), u8::from(t.month()));
    let dept = browser(&app, "dept").await;
    let up = dept
        .post_file(
            "/feeds",
            "file",
            "医保结算.csv",
            medical_csv(),
            &[("kind", "medical"), ("period", &period)],
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.text);

    let town = browser(&app, "town").await;
    let page = town.get("/lowincome/medical").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    // The lines default to the policy: 10% and 10,000 元; 张大山 (5%, 500 元) is below both.
    assert!(
        page.text.contains("name=\"ratio\" value=\"10\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("name=\"amount\" value=\"10000.00\""));
    assert_eq!(list_total(&page.text), "1");
    assert!(!page.text.contains("张大山"));
    let at = page.text.find("王桂兰").expect("王桂兰 listed");
    let row = &page.text[at..];
    let row = &row[..row.find("</tr>").expect("row")];
    // Σ: total 13,000 = basic 8,000 + critical 1,000 + assistance 700 + out of pocket 3,300, of
    // which 2,300 合规; in scope 13,000 − (3,300 − 2,300) = 12,000; 2,300 / 12,000 = 19.17%.
    let mut from = 0;
    for cell in [
        ">2<",
        ">13,000.00<",
        ">8,000.00<",
        ">1,000.00<",
        ">700.00<",
        ">3,300.00<",
        ">2,300.00<",
        ">19.17%<",
        ">二类：低保对象、返贫致贫人口<",
    ] {
        let found = row[from..]
            .find(cell)
            .unwrap_or_else(|| panic!("{cell} in order in {row}"));
        from += found + cell.len();
    }
    // Names and masked IDs only; no health status anywhere.
    assert!(page.text.contains("500222********246"), "masked ID");
    assert!(!page.text.contains(&id18(WANG_GUILAN)));
    assert!(!page.text.contains("慢性病"));

    // Everyone, and the class filter.
    let all = town.get("/lowincome/medical?ratio=&amount=").await;
    assert_eq!(list_total(&all.text), "2");
    assert!(all.text.contains("张大山"));
    let class2 = town.get("/lowincome/medical?ratio=&amount=&class=2").await;
    assert_eq!(list_total(&class2.text), "1");
    assert!(class2.text.contains("王桂兰"));
    let none = town
        .get("/lowincome/medical?ratio=&amount=&class=none")
        .await;
    assert_eq!(list_total(&none.text), "1");
    assert!(none.text.contains("张大山"));
    // A higher line leaves her out; an unreadable one is explained.
    let high = town.get("/lowincome/medical?ratio=20&amount=").await;
    assert_eq!(list_total(&high.text), "0");
    let bad = town.get("/lowincome/medical?ratio=abc&amount=").await;
    assert!(bad.text.contains("自付比例应为 0 到 100 之间的百分数"));

    // The export: the same row, masked.
    let (status, _, bytes) = town.get_bytes("/lowincome/medical/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet_rows(&bytes);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "王桂兰");
    let wang = id18(WANG_GUILAN);
    assert_eq!(rows[1][1], format!("500222********{}", &wang[14..]));
    assert_eq!(rows[1][13], "19.17%");
    assert!(!rows.iter().flatten().any(|c| c.contains("慢性病")));

    // The API: same row, ratio in ten-thousandths.
    let api = app.new_client();
    api.api_login("town").await;
    let (status, body) = api.api_get("/api/v1/medical-years").await;
    assert_eq!(status, StatusCode::OK);
    let items = body.as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["total"], "13000.00");
    assert_eq!(items[0]["in_scope"], "12000.00");
    assert_eq!(items[0]["in_scope_ratio"], 1917);
    assert_eq!(items[0]["class"], "2");
    assert_eq!(
        items[0]["id_number"],
        Value::String(format!("500222********{}", &wang[14..]))
    );
    let (status, _) = api.api_get("/api/v1/medical-years?ratio=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // 崇恩's cadre sees none of 青岩's people.
    let chongen = browser(&app, "chongen").await;
    let page = chongen.get("/lowincome/medical?ratio=&amount=").await;
    assert_eq!(list_total(&page.text), "0");
}

// ---------- pension premium subsidy ----------

/// In 2026: 59 (born 1 Jan 1967) and 16 (born 31 Dec 2010) are in; 60 (born 31 Dec 1966), 15 and
/// an uninsured 30-year-old are out. All have a grade 一级/二级 disability.
fn premium_household() -> Household {
    let person = |name: &str, first17: &str, relation, insured: bool, grade| {
        let mut m = member(name, first17, relation);
        m.disability_grade = Some(grade);
        m.pension_insured = Some(insured);
        m
    };
    Household {
        household_no: "500110120204000103".into(),
        village: code(QINGYAN_CODE),
        group: Some(4),
        kind: HouseholdKind::Ordinary,
        monitoring_category: None,
        phone: None,
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: None,
        members: vec![
            person(
                "孙立本",
                "50022219670101011",
                Relation::Head,
                true,
                DisabilityGrade::One,
            ),
            person(
                "周桂芝",
                "50022219661231022",
                Relation::Spouse,
                true,
                DisabilityGrade::One,
            ),
            person(
                "孙小明",
                "50022220101231031",
                Relation::Son,
                true,
                DisabilityGrade::Two,
            ),
            person(
                "孙小红",
                "50022219960505042",
                Relation::Daughter,
                false,
                DisabilityGrade::One,
            ),
            person(
                "孙小刚",
                "50022220110101051",
                Relation::Son,
                true,
                DisabilityGrade::One,
            ),
        ],
        incomes: vec![],
    }
}

#[tokio::test]
async fn the_premium_list_keeps_ages_16_to_59_insured_and_exports_masked_ids() {
    let app = TestApp::with_households().await;
    app.store
        .households_import(&system(), vec![premium_household()], &|_| {})
        .await
        .expect("import");
    let town = browser(&app, "town").await;
    let page = town.get("/lowincome/premium?year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("孙立本"), "59: in");
    assert!(page.text.contains("孙小明"), "16: in");
    assert!(!page.text.contains("周桂芝"), "60: out");
    assert!(!page.text.contains("孙小刚"), "15: out");
    assert!(!page.text.contains("孙小红"), "not insured: out");
    assert_eq!(list_total(&page.text), "2");
    assert_eq!(stat(&page.text, "severe_disability"), "2");
    assert_eq!(stat(&page.text, "people"), "2");
    assert!(page.text.contains("400.00 元"), "2 × 200.00");
    assert!(!page.text.contains(&id18("50022219670101011")));

    // The workbook for the social-insurance office: masked by default.
    let (status, _, bytes) = town
        .get_bytes("/lowincome/premium/export.xlsx?year=2026")
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0],
        [
            "序号",
            "姓名",
            "证件号码",
            "行政村",
            "类别",
            "代缴金额（元）"
        ]
    );
    assert_eq!(rows.len(), 4, "two people and the 合计 row: {rows:?}");
    let sun = id18("50022219670101011");
    assert_eq!(rows[1][1], "孙立本");
    assert_eq!(rows[1][2], format!("500222********{}", &sun[14..]));
    assert_eq!(rows[1][3], "青岩村");
    assert_eq!(rows[1][4], "一级二级重度残疾人");
    assert_eq!(rows[1][5], "200");
    assert_eq!(rows[3][0], "合计");
    assert_eq!(rows[3][5], "400");
    assert!(!rows.iter().flatten().any(|c| c == &sun));

    // Unmasked on request for town staff; the cadre may not export at all.
    let (status, _, bytes) = town
        .get_bytes("/lowincome/premium/export.xlsx?year=2026&unmasked=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sheet_rows(&bytes)[1][2], sun);
    let cadre = browser(&app, "qingyan").await;
    let page = cadre.get("/lowincome/premium?year=2026").await;
    assert_eq!(list_total(&page.text), "2");
    assert!(!page.text.contains("/lowincome/premium/export.xlsx"));
    let (status, _, _) = cadre
        .get_bytes("/lowincome/premium/export.xlsx?year=2026")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The API: the same two, masked.
    let api = app.new_client();
    api.api_login("town").await;
    let (status, body) = api.api_get("/api/v1/premium?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["people"], 2);
    assert_eq!(body["total"], "400.00");
    let names: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["孙立本", "孙小明"]);
    assert!(!body.to_string().contains(&sun));
}

// ---------- care rosters ----------

/// 户主 and 配偶 both away 10 months, 之子 aged 10: a left-behind child.
fn care_household() -> Household {
    let mut head = member("刘大勇", "50022219850301011", Relation::Head);
    head.work_months = Some(10);
    let mut wife = member("王小芳", "50022219870401022", Relation::Spouse);
    wife.work_months = Some(10);
    let child = member("刘小宝", "50022220160601031", Relation::Son);
    Household {
        household_no: "500110120204000104".into(),
        village: code(QINGYAN_CODE),
        group: Some(2),
        kind: HouseholdKind::Ordinary,
        monitoring_category: None,
        phone: None,
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: None,
        members: vec![head, wife, child],
        incomes: vec![],
    }
}

#[tokio::test]
async fn a_cadre_refreshes_confirms_and_visits_and_another_village_gets_404() {
    let app = TestApp::with_households().await;
    app.store
        .households_import(&system(), vec![care_household()], &|_| {})
        .await
        .expect("import");
    let cadre = browser(&app, "qingyan").await;
    let empty = cadre.get("/lowincome/care").await;
    assert!(empty.text.contains("关爱名册还没有生成"));

    // 重新生成: 刘小宝 (child) and 李秀英 (her husband 张大山 is away 10 months).
    let done = cadre.post_form("/lowincome/care/refresh", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let list = cadre.get("/lowincome/care").await;
    assert!(list.text.contains("新增待核实 2 人次"), "{}", list.text);
    assert_eq!(list_total(&list.text), "2");
    assert!(list.text.contains("刘小宝") && list.text.contains("农村留守儿童"));
    assert!(list.text.contains("李秀英") && list.text.contains("农村留守妇女"));
    let children = cadre.get("/lowincome/care?group=child").await;
    assert_eq!(list_total(&children.text), "1");

    let entries = app
        .store
        .care_list(
            &app.actor("qingyan"),
            &CareFilter::default(),
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .expect("care list");
    let child = entries
        .items
        .iter()
        .find(|e| e.person.name.as_deref() == Some("刘小宝"))
        .expect("child");
    let path = format!("/lowincome/care/{}", child.id);
    let page = cadre.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("待核实"));
    assert!(
        page.text.contains("户主 10 个月、配偶 10 个月"),
        "{}",
        page.text
    );
    assert!(!page.text.contains(&id18("50022220160601031")));

    // 不属实 needs a note; 已核实 does not.
    let version = child.version.to_string();
    let refused = cadre
        .post_form(
            &format!("{path}/status"),
            &[("version", &version), ("status", "rejected"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("核实为不属实须填写说明"));
    let ok = cadre
        .post_form(
            &format!("{path}/status"),
            &[
                ("version", &version),
                ("status", "confirmed"),
                ("note", "已入户，父母均在外务工，由祖母照看"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    // The same version again is stale.
    let stale = cadre
        .post_form(
            &format!("{path}/status"),
            &[("version", &version), ("status", "confirmed"), ("note", "")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);

    // A visit with the next one; a visit in the future is refused under its field.
    let t = today();
    let tomorrow = (t + Duration::days(1)).to_string();
    let bad = cadre
        .post_form(
            &format!("{path}/visits"),
            &[
                ("date", &tomorrow),
                ("visitor", "周敏"),
                ("content", "见到本人"),
                ("next_visit", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("不能晚于今天"), "{}", bad.text);
    let next = (t + Duration::days(30)).to_string();
    let visited = cadre
        .post_form(
            &format!("{path}/visits"),
            &[
                ("date", &t.to_string()),
                ("visitor", "周敏"),
                ("content", "见到本人，学习正常，祖母身体尚可"),
                ("next_visit", &next),
            ],
        )
        .await;
    assert_eq!(visited.status, StatusCode::SEE_OTHER, "{}", visited.text);
    let page = cadre.get(&path).await;
    assert!(page.text.contains("已核实"));
    assert!(page.text.contains("见到本人，学习正常，祖母身体尚可"));
    assert!(page.text.contains(&next));
    let confirmed = cadre.get("/lowincome/care?status=confirmed").await;
    assert_eq!(list_total(&confirmed.text), "1");

    // A second refresh keeps the cadre's decision.
    let again = cadre.post_form("/lowincome/care/refresh", &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let list = cadre.get("/lowincome/care").await;
    assert!(list.text.contains("新增待核实 0 人次"), "{}", list.text);
    assert!(list.text.contains("保留已核实或不属实 1"));

    // 崇恩's cadre: the same 404 as for an absent entry, for the page, the actions and the API.
    let other = browser(&app, "chongen").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let post = other
        .post_form(
            &format!("{path}/status"),
            &[("version", "1"), ("status", "confirmed"), ("note", "")],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let post = other
        .post_form(
            &format!("{path}/visits"),
            &[
                ("date", &t.to_string()),
                ("visitor", "吴刚"),
                ("content", "x"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get("/lowincome/care/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let api = app.new_client();
    api.api_login("chongen").await;
    let (status, _) = api.api_get(&format!("/api/v1/care/{}", child.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A viewer reads but may not act.
    let viewer = browser(&app, "viewer").await;
    let page = viewer.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("记录走访"));
    let refused = viewer.post_form("/lowincome/care/refresh", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The API of 青岩's cadre: the detail with the visit, and a rejection with a note.
    let api = app.new_client();
    api.api_login("qingyan").await;
    let (status, detail) = api.api_get(&format!("/api/v1/care/{}", child.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["entry"]["status"], "confirmed");
    assert_eq!(detail["visits"][0]["next_visit"], Value::String(next));
    let woman = entries
        .items
        .iter()
        .find(|e| e.person.name.as_deref() == Some("李秀英"))
        .expect("woman");
    let (status, _) = api
        .api_post(
            &format!("/api/v1/care/{}/status", woman.id),
            &json!({"version": woman.version, "status": "rejected", "note": "丈夫已返乡"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = api.api_get("/api/v1/care?status=rejected").await;
    assert_eq!(list["total"], 1);
}

// ---------- the menu ----------

#[tokio::test]
async fn the_low_income_menu_shows_its_entries_per_role() {
    let app = TestApp::with_households().await;
    let entries = [
        "href=\"/lowincome\"",
        "href=\"/lowincome/rolls\"",
        "href=\"/lowincome/reviews\"",
        "href=\"/lowincome/medical\"",
        "href=\"/lowincome/premium\"",
        "href=\"/lowincome/care\"",
    ];
    let standards = "href=\"/policy?group=lowincome\"";
    for (user, menu, admin) in [
        ("town", true, false),
        ("qingyan", true, false),
        ("viewer", true, false),
        ("county", true, false),
        ("admin", true, true),
        ("helper", false, false),
        ("dept", false, false),
    ] {
        let c = browser(&app, user).await;
        let home = c.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{user}");
        assert_eq!(home.text.contains(">低收入人口<"), menu, "{user}");
        for e in entries {
            assert_eq!(home.text.contains(e), menu, "{user}: {e}");
        }
        assert_eq!(home.text.contains(standards), admin, "{user}");
        let page = c.get("/lowincome").await;
        let expected = if menu {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(page.status, expected, "{user}");
    }
    // The page's own entry is highlighted.
    let town = browser(&app, "town").await;
    for (path, entry) in [
        ("/lowincome", "/lowincome\""),
        ("/lowincome/medical", "/lowincome/medical\""),
        ("/lowincome/premium", "/lowincome/premium\""),
        ("/lowincome/care", "/lowincome/care\""),
    ] {
        let page = town.get(path).await;
        assert!(
            page.text.contains(&format!(
                "href=\"{entry} class=\"active\" aria-current=\"page\""
            )),
            "{path}"
        );
    }
    // The OpenAPI document lists the endpoints.
    let (_, doc) = town.api_get("/api/openapi.json").await;
    for p in [
        "/api/v1/low-income",
        "/api/v1/low-income/counts",
        "/api/v1/medical-years",
        "/api/v1/premium",
        "/api/v1/care",
        "/api/v1/care/{id}/visits",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
}
