//! The assistance rolls as their users meet them: the town clerk enters 低保, 特困, 临时救助 and
//! 低保边缘 from the household page, is refused with the numbers when an amount does not fit the
//! standard, filters and exports the roll, records reviews (adjust, end) and ends an entry, works
//! through the reviews due this month and overdue, imports a civil upload from its result page;
//! the admin is stopped when a 特困 standard would fall below 1.3 × 低保; a cadre of another
//! village gets 404; the API does the same.
//!
//! Dates are relative to today (China time), so no date is in the future.

use reqwest::StatusCode;
use serde_json::json;
use time::{Date, Month, OffsetDateTime, UtcOffset};
use zhenxing_domain::lowincome::{CareLevel, RollKind, SupportMode};
use zhenxing_domain::{IdNumber, Yuan};
use zhenxing_store::NewRollEntry;
use zhenxing_testkit::{
    CHONGEN_HOUSEHOLD, Client, QINGYAN_HOUSEHOLD, QINGYAN_MONITORED_HOUSEHOLD, TestApp, id18,
};

use crate::sheet_cells;

const ZHANG_DASHAN: &str = "50022219680315123";
const LI_XIUYING: &str = "50022219700720124";
const WANG_GUILAN: &str = "50022219500105246";
const CHEN_ZHIQIANG: &str = "50022219751111357";
const STRANGER: &str = "11010519491231002";

fn today() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).expect("offset");
    OffsetDateTime::now_utc().to_offset(cst).date()
}

/// The first day of the month `back` months before this one.
fn month_start(back: i32) -> Date {
    let t = today();
    let index = t.year() * 12 + i32::from(u8::from(t.month())) - 1 - back;
    let month =
        Month::try_from(u8::try_from(index.rem_euclid(12) + 1).expect("month")).expect("month");
    Date::from_calendar_date(index.div_euclid(12), month, 1).expect("date")
}

/// The last day of the month `back` months before this one.
fn month_end(back: i32) -> Date {
    month_start(back - 1).previous_day().expect("date")
}

fn yuan(s: &str) -> Yuan {
    Yuan::parse(s).expect("yuan")
}

/// The member ids of a household (the form's checkbox values), in member order.
async fn member_ids(app: &TestApp, no: &str) -> Vec<String> {
    app.store
        .household_get(&app.actor("town"), no)
        .await
        .expect("household")
        .member_keys
        .iter()
        .map(|k| k.id.to_string())
        .collect()
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
        reason: "测试".into(),
        start,
        end: None,
        today: today(),
    }
}

/// 低保 for 张大山 and 李秀英 (青岩), 1,100 元 a month from `start`.
async fn dibao_qingyan(app: &TestApp, start: Date) -> i64 {
    let mut e = entry(RollKind::Dibao, start);
    e.covered = vec![id18(ZHANG_DASHAN), id18(LI_XIUYING)];
    e.monthly_amount = Some(yuan("1100"));
    app.store
        .roll_create(&app.actor("town"), QINGYAN_HOUSEHOLD, &e)
        .await
        .expect("dibao")
}

/// 特困 for 王桂兰 (青岩, the monitored household), 全自理, 900 元 from `start`.
async fn tekun_wang(app: &TestApp, start: Date) -> i64 {
    let mut e = entry(RollKind::Tekun, start);
    e.person = Some(id18(WANG_GUILAN));
    e.care_level = Some(CareLevel::SelfCare);
    e.support_mode = Some(SupportMode::Dispersed);
    e.monthly_amount = Some(yuan("900"));
    app.store
        .roll_create(&app.actor("town"), QINGYAN_MONITORED_HOUSEHOLD, &e)
        .await
        .expect("tekun")
}

/// 低保边缘 for the whole of 陈志强's household (崇恩) from `start`.
async fn marginal_chongen(app: &TestApp, start: Date) -> i64 {
    app.store
        .roll_create(
            &app.actor("town"),
            CHONGEN_HOUSEHOLD,
            &entry(RollKind::Marginal, start),
        )
        .await
        .expect("marginal")
}

/// The version of an entry as its page shows it.
async fn version_of(app: &TestApp, id: i64) -> String {
    app.store
        .roll_get(&app.actor("town"), id)
        .await
        .expect("roll")
        .entry
        .version
        .to_string()
}

fn id_of_location(location: Option<&str>) -> i64 {
    location
        .and_then(|l| l.strip_prefix("/lowincome/rolls/"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("redirect to an entry: {location:?}"))
}

async fn post_new(c: &Client, fields: &[(&str, &str)]) -> zhenxing_testkit::Page {
    c.post_form("/lowincome/rolls/new", fields).await
}

#[tokio::test]
async fn a_clerk_puts_each_kind_on_the_roll_from_the_household_page() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let start = today().to_string();

    // The household page offers the panel, empty, with the way in.
    let page = app.get(&format!("/households/{QINGYAN_HOUSEHOLD}")).await;
    assert!(page.text.contains("社会救助"), "{}", page.text);
    assert!(
        page.text
            .contains("该户没有低保、特困、临时救助或低保边缘记录")
    );
    let new_href = format!("/lowincome/rolls/new?household={QINGYAN_HOUSEHOLD}");
    assert!(page.text.contains(&new_href));

    // 低保: the form lists the members as checkboxes, with this year's standard.
    let form = app.get(&new_href).await;
    assert_eq!(form.status, StatusCode::OK);
    let ids = member_ids(&app, QINGYAN_HOUSEHOLD).await;
    for id in &ids {
        assert!(
            form.text
                .contains(&format!("name=\"covered\" value=\"{id}\"")),
            "{}",
            form.text
        );
    }
    assert!(form.text.contains("低保标准 600.00 元/人·月"));
    assert!(form.text.contains("最多 1,800.00 元"), "3 people × 600");
    assert!(
        !form.text.contains(&id18(ZHANG_DASHAN)),
        "no full ID in the form"
    );
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_HOUSEHOLD),
            ("kind", "dibao"),
            ("covered", &ids[0]),
            ("covered", &ids[1]),
            ("monthly_amount", "1,100"),
            ("start", &start),
            ("reason", "家庭人均收入低于低保标准"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let dibao = id_of_location(page.location.as_deref());
    let detail = app.get(&format!("/lowincome/rolls/{dibao}")).await;
    assert!(detail.text.contains("已录入低保"), "{}", detail.text);
    assert!(detail.text.contains("1,100.00 元/月"));
    assert!(detail.text.contains("张大山") && detail.text.contains("李秀英"));
    assert!(!detail.text.contains("张小明"), "only the covered members");
    assert!(detail.text.contains("500222********"));
    assert!(!detail.text.contains(&id18(ZHANG_DASHAN)));
    assert!(detail.text.contains("尚未核查"));

    // 特困: one person, care level and support mode.
    let wang = member_ids(&app, QINGYAN_MONITORED_HOUSEHOLD).await;
    let form = app
        .get(&format!(
            "/lowincome/rolls/new?household={QINGYAN_MONITORED_HOUSEHOLD}&kind=tekun"
        ))
        .await;
    assert!(form.text.contains("特困人员基本生活标准 780.00 元/人·月"));
    assert!(form.text.contains("全自理"));
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_MONITORED_HOUSEHOLD),
            ("kind", "tekun"),
            ("person", &wang[0]),
            ("care_level", "self_care"),
            ("support_mode", "dispersed"),
            ("monthly_amount", "840"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let tekun = id_of_location(page.location.as_deref());
    let detail = app.get(&format!("/lowincome/rolls/{tekun}")).await;
    assert!(detail.text.contains("王桂兰") && detail.text.contains("840.00 元/月"));
    assert!(detail.text.contains("全自理") && detail.text.contains("分散供养"));

    // 临时救助: event, one-off amount, no review (the household may come in the address).
    let page = app
        .post_form(
            &new_href,
            &[
                ("kind", "temporary"),
                ("event", "房屋火灾"),
                ("amount", "2000"),
                ("start", &start),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let temporary = id_of_location(page.location.as_deref());
    let detail = app.get(&format!("/lowincome/rolls/{temporary}")).await;
    assert!(detail.text.contains("2,000.00 元（一次性）"));
    assert!(detail.text.contains("房屋火灾"));
    assert!(detail.text.contains("临时救助为一次性救助，不定期核查"));
    assert!(!detail.text.contains("记录核查"));

    // 低保边缘: nobody ticked is the whole household.
    let page = post_new(
        &app,
        &[
            ("household", CHONGEN_HOUSEHOLD),
            ("kind", "marginal"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let marginal = id_of_location(page.location.as_deref());
    let detail = app.get(&format!("/lowincome/rolls/{marginal}")).await;
    assert!(detail.text.contains("陈志强") && detail.text.contains("陈晓燕"));

    // The household page lists its entries with amount and state, and the history names them.
    let page = app.get(&format!("/households/{QINGYAN_HOUSEHOLD}")).await;
    let panel = &page.text[page.text.find("id=\"rolls\"").expect("panel")..];
    assert!(panel.contains(&format!("/lowincome/rolls/{dibao}")));
    assert!(panel.contains(&format!("/lowincome/rolls/{temporary}")));
    assert!(panel.contains("1,100.00 元/月") && panel.contains("在册"));
    let history = &page.text[page.text.find("id=\"history\"").expect("history")..];
    assert!(history.contains("社会救助"), "{history}");
    assert!(history.contains("月救助金"));

    // The list has all four.
    let list = app.get("/lowincome/rolls").await;
    assert!(
        list.text.contains("共 <strong>4</strong> 条"),
        "{}",
        list.text
    );
}

#[tokio::test]
async fn an_amount_that_does_not_fit_the_standard_is_refused_with_the_numbers() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let start = today().to_string();
    let year = today().year();
    let ids = member_ids(&app, QINGYAN_HOUSEHOLD).await;
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_HOUSEHOLD),
            ("kind", "dibao"),
            ("covered", &ids[0]),
            ("covered", &ids[1]),
            ("monthly_amount", "1300"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message =
        format!("月救助金 1,300.00 元超过 2 人 × 低保标准 600.00 元 = 1,200.00 元（{year}年标准）");
    assert!(page.text.contains(&message), "{}", page.text);
    assert!(page.text.contains("请修改以下内容后再保存"));
    assert!(page.text.contains("id=\"err-monthly_amount\""));
    assert!(page.text.contains("value=\"1300\""), "the input stays");
    // What was ticked stays ticked, what was not stays unticked.
    assert!(
        page.text
            .contains(&format!("name=\"covered\" value=\"{}\" checked", ids[1]))
    );
    assert!(
        !page
            .text
            .contains(&format!("name=\"covered\" value=\"{}\" checked", ids[2]))
    );

    // 特困 one fen under the standard plus the allowance.
    let wang = member_ids(&app, QINGYAN_MONITORED_HOUSEHOLD).await;
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_MONITORED_HOUSEHOLD),
            ("kind", "tekun"),
            ("person", &wang[0]),
            ("care_level", "self_care"),
            ("support_mode", "dispersed"),
            ("monthly_amount", "839.99"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains(
        "月救助金 839.99 元低于特困人员基本生活标准 780.00 元 + 全自理照料护理补贴 60.00 元 = 840.00 元"
    ), "{}", page.text);

    // Missing fields are named; a date in the future is refused.
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_MONITORED_HOUSEHOLD),
            ("kind", "tekun"),
            ("start", "2999-01-01"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("请选择特困供养人员"), "{}", page.text);
    assert!(page.text.contains("特困人员须选择生活自理能力"));
    assert!(page.text.contains("不能晚于今天"));
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_HOUSEHOLD),
            ("kind", "temporary"),
            ("amount", "两千"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("请填写救助事由"), "{}", page.text);
    assert!(page.text.contains("救助金额："));
    assert!(
        app.store
            .roll_list(
                &app.actor("town"),
                &Default::default(),
                zhenxing_store::PageRequest {
                    page: 1,
                    per_page: 10
                }
            )
            .await
            .expect("list")
            .total
            == 0,
        "nothing was written"
    );

    // A second active 低保 for the household: 409 with the reason.
    dibao_qingyan(&app, today()).await;
    let page = post_new(
        &app,
        &[
            ("household", QINGYAN_HOUSEHOLD),
            ("kind", "dibao"),
            ("covered", &ids[2]),
            ("monthly_amount", "500"),
            ("start", &start),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text);
    assert!(page.text.contains("该户已有在册的低保"), "{}", page.text);
}

#[tokio::test]
async fn the_list_filters_pages_and_exports_with_masked_ids() {
    let app = TestApp::with_households().await;
    let dibao = dibao_qingyan(&app, today()).await;
    let tekun = tekun_wang(&app, today()).await;
    let marginal = marginal_chongen(&app, today()).await;
    app.login("town").await;

    let list = app.get("/lowincome/rolls").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("共 <strong>3</strong> 条"));
    assert!(list.text.contains(&format!(
        "{}年救助标准：低保 600.00 元/人·月",
        today().year()
    )));
    for id in [dibao, tekun, marginal] {
        assert!(list.text.contains(&format!("id=\"roll-{id}\"")));
    }

    let list = app.get("/lowincome/rolls?kind=tekun").await;
    assert!(list.text.contains("共 <strong>1</strong> 条"));
    assert!(list.text.contains(&format!("id=\"roll-{tekun}\"")));
    assert!(!list.text.contains(&format!("id=\"roll-{dibao}\"")));
    assert!(
        list.text
            .contains("href=\"/lowincome/rolls/export.xlsx?kind=tekun\"")
    );

    let list = app
        .get(&format!(
            "/lowincome/rolls?village={}",
            &CHONGEN_HOUSEHOLD[..12]
        ))
        .await;
    assert!(list.text.contains(&format!("id=\"roll-{marginal}\"")));
    assert!(!list.text.contains(&format!("id=\"roll-{dibao}\"")));

    let list = app.get("/lowincome/rolls?q=张大山").await;
    assert!(list.text.contains(&format!("id=\"roll-{dibao}\"")));
    assert!(!list.text.contains(&format!("id=\"roll-{tekun}\"")));

    let list = app.get("/lowincome/rolls?status=ended").await;
    assert!(list.text.contains("没有符合条件的救助记录"));

    // The export keeps the filter and masks ID numbers; the unmasked one is the clerk's, recorded.
    let (status, _, bytes) = app
        .get_bytes("/lowincome/rolls/export.xlsx?kind=dibao")
        .await;
    assert_eq!(status, StatusCode::OK);
    let cells = sheet_cells(&bytes);
    assert!(cells.contains(&"救助对象".to_string()));
    assert!(
        cells.iter().any(|c| c.contains("张大山 500222********")),
        "{cells:?}"
    );
    assert!(!cells.iter().any(|c| c.contains(&id18(ZHANG_DASHAN))));
    assert!(!cells.iter().any(|c| c.contains("王桂兰")), "only 低保");
    assert!(cells.contains(&"1100".to_string()) || cells.iter().any(|c| c.starts_with("1100")));
    let (status, _, bytes) = app
        .get_bytes("/lowincome/rolls/export.xlsx?kind=dibao&unmasked=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        sheet_cells(&bytes)
            .iter()
            .any(|c| c.contains(&id18(ZHANG_DASHAN)))
    );
    // A cadre may not unmask.
    let cadre = app.new_client();
    cadre.login("qingyan").await;
    let (status, _, _) = cadre
        .get_bytes("/lowincome/rolls/export.xlsx?unmasked=1")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_cadre_sees_only_her_village_and_another_village_gets_404() {
    let app = TestApp::with_households().await;
    let dibao = dibao_qingyan(&app, today()).await;
    let marginal = marginal_chongen(&app, today()).await;

    let chongen = app.new_client();
    chongen.login("chongen").await;
    let other = chongen.get(&format!("/lowincome/rolls/{dibao}")).await;
    let absent = chongen.get("/lowincome/rolls/999999").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(other.text, absent.text, "out of scope looks like absent");
    assert!(!other.text.contains("张大山"));
    let list = chongen.get("/lowincome/rolls").await;
    assert!(list.text.contains(&format!("id=\"roll-{marginal}\"")));
    assert!(!list.text.contains(&format!("id=\"roll-{dibao}\"")));
    assert!(!list.text.contains("张大山"));
    let (_, _, bytes) = chongen.get_bytes("/lowincome/rolls/export.xlsx").await;
    assert!(!sheet_cells(&bytes).iter().any(|c| c.contains("张大山")));
    let page = chongen
        .post_form(
            &format!("/lowincome/rolls/{dibao}/review"),
            &[
                ("version", "1"),
                ("date", &today().to_string()),
                ("outcome", "continue"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "a cadre does not review"
    );

    chongen.api_login("chongen").await;
    let (status, body) = chongen.api_get(&format!("/api/v1/rolls/{dibao}")).await;
    let (absent_status, absent_body) = chongen.api_get("/api/v1/rolls/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(absent_status, StatusCode::NOT_FOUND);
    assert_eq!(body, absent_body);

    // 青岩's cadre reads her village's entry but has no review or end form.
    let qingyan = app.new_client();
    qingyan.login("qingyan").await;
    let page = qingyan.get(&format!("/lowincome/rolls/{dibao}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("张大山"));
    assert!(!page.text.contains("记录核查"));
    assert!(!page.text.contains("action=\"/lowincome/rolls/"));
    assert_eq!(
        qingyan
            .get(&format!(
                "/lowincome/rolls/new?household={QINGYAN_HOUSEHOLD}"
            ))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A helper may not read the rolls at all.
    let helper = app.new_client();
    helper.login("helper").await;
    assert_eq!(
        helper.get("/lowincome/rolls").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_review_adjusts_the_amount_and_an_entry_is_ended() {
    let app = TestApp::with_households().await;
    let start = month_start(13);
    let id = dibao_qingyan(&app, start).await;
    app.login("town").await;
    let path = format!("/lowincome/rolls/{id}");
    let today = today().to_string();

    let page = app.get(&path).await;
    assert!(page.text.contains("定期核查"));
    assert!(page.text.contains("已逾期"), "13 months after the start");
    let v1 = version_of(&app, id).await;

    // Adjusting above the standard is refused with the numbers of the review's year.
    let page = app
        .post_form(
            &format!("{path}/review"),
            &[
                ("version", &v1),
                ("date", &today),
                ("outcome", "adjust"),
                ("new_amount", "1250"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("月救助金 1,250.00 元超过 2 人 × 低保标准 600.00 元 = 1,200.00 元"),
        "{}",
        page.text
    );
    // Adjust without an amount, end without a reason.
    let page = app
        .post_form(
            &format!("{path}/review"),
            &[("version", &v1), ("date", &today), ("outcome", "adjust")],
        )
        .await;
    assert!(page.text.contains("调整金额须填写新的月救助金"));
    let page = app
        .post_form(
            &format!("{path}/review"),
            &[("version", &v1), ("date", &today), ("outcome", "end")],
        )
        .await;
    assert!(page.text.contains("终止救助须填写核查说明"));

    let page = app
        .post_form(
            &format!("{path}/review"),
            &[
                ("version", &v1),
                ("date", &today),
                ("outcome", "adjust"),
                ("new_amount", "900"),
                ("note", "儿子外出务工，收入增加"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(page.location.as_deref(), Some(path.as_str()));
    let page = app.get(&path).await;
    assert!(
        page.text.contains("月救助金调整为 900.00 元"),
        "{}",
        page.text
    );
    assert!(page.text.contains("1,100.00 元 → 900.00 元"));
    assert!(page.text.contains("900.00 元/月"));
    assert!(
        !page.text.contains("已逾期"),
        "the next review moved on a year"
    );
    let next = zhenxing_domain::policy::add_months(self::today(), 12).to_string();
    assert!(page.text.contains(&next), "next review {next}");

    // The same form sent again with the old version: 409, nothing changes.
    let page = app
        .post_form(
            &format!("{path}/review"),
            &[("version", &v1), ("date", &today), ("outcome", "continue")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.text.contains("已被他人核查或修改"), "{}", page.text);

    // 终止救助: a reason is required; then the entry is ended for good.
    let v2 = version_of(&app, id).await;
    let page = app
        .post_form(
            &format!("{path}/end"),
            &[("version", &v2), ("end_date", &today)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("请填写终止原因"));
    assert!(
        page.text.contains("<details open>"),
        "the end form stays open"
    );
    let page = app
        .post_form(
            &format!("{path}/end"),
            &[
                ("version", &v2),
                ("end_date", &today),
                ("end_reason", "家庭人均收入已高于低保标准"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = app.get(&path).await;
    assert!(page.text.contains("已终止"));
    assert!(page.text.contains("家庭人均收入已高于低保标准"));
    assert!(
        !page.text.contains("记录核查"),
        "no review of an ended entry"
    );
    assert!(!page.text.contains(">终止救助</button>"));
    let list = app.get("/lowincome/rolls?status=ended").await;
    assert!(list.text.contains(&format!("id=\"roll-{id}\"")));

    // A 特困 entry ended through its review.
    let tekun = tekun_wang(&app, month_start(2)).await;
    let v = version_of(&app, tekun).await;
    let page = app
        .post_form(
            &format!("/lowincome/rolls/{tekun}/review"),
            &[
                ("version", &v),
                ("date", &today),
                ("outcome", "end"),
                ("note", "本人已入住敬老院，转为集中供养另行认定"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = app.get(&format!("/lowincome/rolls/{tekun}")).await;
    assert!(page.text.contains("已终止"));
    assert!(page.text.contains("本人已入住敬老院"));
}

#[tokio::test]
async fn the_due_list_shows_this_month_and_overdue_by_village() {
    let app = TestApp::with_households().await;
    // Overdue: the review fell due two months ago. Due: the last day of this month. Not due: started today.
    let overdue = dibao_qingyan(&app, month_start(14)).await;
    let due = marginal_chongen(&app, month_end(12)).await;
    let not_due = tekun_wang(&app, today()).await;
    app.login("town").await;

    let page = app.get("/lowincome/reviews").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("data-stat=\"overdue\">1<"),
        "{}",
        page.text
    );
    assert!(page.text.contains("data-stat=\"due\">1<"));
    assert!(page.text.contains(&format!("id=\"roll-{overdue}\"")));
    assert!(page.text.contains(&format!("id=\"roll-{due}\"")));
    assert!(!page.text.contains(&format!("id=\"roll-{not_due}\"")));
    let by_village = &page.text[page.text.find("id=\"by-village\"").expect("by village")..];
    assert!(by_village.contains("青岩村") && by_village.contains("崇恩村"));
    assert!(page.text.contains(&format!(
        "{}#review",
        format_args!("/lowincome/rolls/{overdue}")
    )));

    let page = app.get("/lowincome/reviews?state=overdue").await;
    assert!(page.text.contains("共 <strong>1</strong> 条"));
    assert!(page.text.contains(&format!("id=\"roll-{overdue}\"")));
    assert!(!page.text.contains(&format!("id=\"roll-{due}\"")));
    let page = app.get("/lowincome/reviews?state=due").await;
    assert!(page.text.contains(&format!("id=\"roll-{due}\"")));
    assert!(!page.text.contains(&format!("id=\"roll-{overdue}\"")));

    let (status, _, bytes) = app.get_bytes("/lowincome/reviews/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let cells = sheet_cells(&bytes);
    assert!(cells.contains(&"已逾期".to_string()), "{cells:?}");
    assert!(cells.contains(&"本月到期".to_string()));
    assert!(!cells.iter().any(|c| c.contains("王桂兰")));

    // The cadre of 青岩 sees her village only.
    let cadre = app.new_client();
    cadre.login("qingyan").await;
    let page = cadre.get("/lowincome/reviews").await;
    assert!(page.text.contains("data-stat=\"overdue\">1<"));
    assert!(page.text.contains("data-stat=\"due\">0<"));
    assert!(!page.text.contains("崇恩村"), "{}", page.text);

    // Reviewing the overdue entry takes it off the list.
    let v = version_of(&app, overdue).await;
    let page = app
        .post_form(
            &format!("/lowincome/rolls/{overdue}/review"),
            &[
                ("version", &v),
                ("date", &today().to_string()),
                ("outcome", "continue"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = app.get("/lowincome/reviews").await;
    assert!(page.text.contains("data-stat=\"overdue\">0<"));
    assert!(!page.text.contains(&format!("id=\"roll-{overdue}\"")));
}

/// A civil (民政) file of this month: 低保 for 张大山 and 李秀英 (青岩), 特困 for 陈志强 (崇恩),
/// 临时救助 for 王桂兰 (青岩), 特困 below the standard for nobody we know… and a stranger.
fn civil_csv() -> Vec<u8> {
    let d = month_start(0);
    let mut text = String::from("证件号码,救助类型,开始日期,金额\n");
    text.push_str(&format!("{},低保,{d},500\n", id18(ZHANG_DASHAN)));
    text.push_str(&format!("{},低保,{d},500\n", id18(LI_XIUYING)));
    text.push_str(&format!("{},特困,{d},840\n", id18(CHEN_ZHIQIANG)));
    text.push_str(&format!("{},临时救助,{d},300\n", id18(WANG_GUILAN)));
    text.push_str(&format!("{},临时救助,{d},300\n", id18(STRANGER)));
    text.into_bytes()
}

fn period() -> String {
    let t = today();
    format!("{}-{:02}", t.year(), u8::from(t.month()))
}

#[tokio::test]
async fn a_civil_upload_offers_the_roll_import_to_the_clerk() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let page = app
        .post_file(
            "/feeds",
            "file",
            "民政救助.csv",
            civil_csv(),
            &[("kind", "civil"), ("period", &period())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("导入救助名册"), "{}", page.text);
    let upload_id = page
        .text
        .split("name=\"upload_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("upload id in the form")
        .to_string();

    let page = app
        .post_form("/lowincome/rolls/import", &[("upload_id", &upload_id)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text
            .contains("3 条（低保 1 户、特困 1 人、临时救助 1 笔）"),
        "{}",
        page.text
    );
    assert!(page.text.contains("data-count=\"already\">0 条"));
    assert!(page.text.contains("未在花名册中找到此人"));
    assert!(
        !page.text.contains(&id18(STRANGER)),
        "the stranger's ID is masked"
    );

    let list = app.get("/lowincome/rolls").await;
    assert!(
        list.text.contains("共 <strong>3</strong> 条"),
        "{}",
        list.text
    );
    let list = app.get("/lowincome/rolls?kind=dibao").await;
    assert!(list.text.contains("1,000.00 元/月"));

    // Importing again enters nothing twice.
    let page = app
        .post_form("/lowincome/rolls/import", &[("upload_id", &upload_id)])
        .await;
    assert!(
        page.text.contains("data-count=\"already\">3 条"),
        "{}",
        page.text
    );
    assert!(page.text.contains("data-count=\"created\">0 条"));

    // The department uploads too but is not offered the import; a cadre may not import.
    let dept = app.new_client();
    dept.login("dept").await;
    let mut bytes = civil_csv();
    bytes.extend_from_slice(
        format!("{},临时救助,{},100\n", id18(ZHANG_DASHAN), month_start(0)).as_bytes(),
    );
    let page = dept
        .post_file(
            "/feeds",
            "file",
            "民政救助2.csv",
            bytes,
            &[("kind", "civil"), ("period", &period())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(!page.text.contains("导入救助名册"));
    let cadre = app.new_client();
    cadre.login("qingyan").await;
    let page = cadre
        .post_form("/lowincome/rolls/import", &[("upload_id", &upload_id)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_policy_page_groups_the_values_and_refuses_a_tekun_standard_below_1_3_times_dibao() {
    let app = TestApp::spawn().await;
    app.login("admin").await;
    let page = app.get("/policy").await;
    for heading in ["监测帮扶", "部门筛查", "低收入人口"] {
        assert!(
            page.text.contains(&format!("<h2>{heading}</h2>")),
            "{heading}"
        );
    }
    let page = app.get("/policy?group=lowincome").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<h2>低收入人口</h2>"));
    assert!(!page.text.contains("<h2>监测帮扶</h2>"));
    assert!(page.text.contains("农村低保标准（每人每月）"));
    assert!(
        !page.text.contains(">监测范围（"),
        "only this group's values"
    );
    assert!(
        page.text
            .contains("特困标准不得低于低保标准的 1.3 倍（至少 780.00 元）")
    );

    let year = today().year().to_string();
    let page = app
        .post_form(
            "/policy",
            &[
                ("group", "lowincome"),
                ("key", "tekun_standard"),
                ("region", ""),
                ("year", &year),
                ("value", "750"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    let message = format!(
        "特困人员基本生活标准 750.00 元低于低保标准 600.00 元的 1.3 倍（780.00 元）（{year}年）"
    );
    assert!(page.text.contains(&message), "{}", page.text);
    assert!(page.text.contains("id=\"err-value\""));
    assert!(page.text.contains("value=\"750\""));

    // The other direction: raising 低保 so that the standing 特困 standard falls short.
    let page = app
        .post_form(
            "/policy",
            &[
                ("group", "lowincome"),
                ("key", "dibao_standard"),
                ("region", ""),
                ("year", &year),
                ("value", "601"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("特困人员基本生活标准 780.00 元低于低保标准 601.00 元的 1.3 倍（781.30 元）"),
        "{}",
        page.text
    );

    // Exactly 1.3 × passes and the page goes back to its group.
    let page = app
        .post_form(
            "/policy",
            &[
                ("group", "lowincome"),
                ("key", "tekun_standard"),
                ("region", ""),
                ("year", &year),
                ("value", "781.30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(page.location.as_deref(), Some("/policy?group=lowincome"));
}

#[tokio::test]
async fn the_api_enters_lists_reviews_and_ends_an_entry() {
    let app = TestApp::with_households().await;
    app.api_login("town").await;
    let start = today().to_string();
    let (status, body) = app
        .api_post(
            "/api/v1/rolls",
            &json!({
                "household_no": QINGYAN_HOUSEHOLD,
                "kind": "dibao",
                "covered": [id18(ZHANG_DASHAN), id18(LI_XIUYING)],
                "monthly_amount": "1300",
                "start": start,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["monthly_amount"]
            .as_str()
            .is_some_and(|m| m.contains("1,200.00 元")),
        "{body}"
    );
    let (status, body) = app
        .api_post(
            "/api/v1/rolls",
            &json!({
                "household_no": QINGYAN_HOUSEHOLD,
                "kind": "dibao",
                "covered": [id18(ZHANG_DASHAN), id18(CHEN_ZHIQIANG)],
                "monthly_amount": "1000",
                "start": start,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["covered"]
            .as_str()
            .is_some_and(|m| m.contains("不是该户成员"))
    );
    let (status, body) = app
        .api_post(
            "/api/v1/rolls",
            &json!({
                "household_no": QINGYAN_HOUSEHOLD,
                "kind": "dibao",
                "covered": [id18(ZHANG_DASHAN), id18(LI_XIUYING)],
                "monthly_amount": "1000",
                "start": start,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().expect("id");

    let (status, list) = app.api_get("/api/v1/rolls?kind=dibao").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    let covered = list["items"][0]["covered"][0]["id_number"]
        .as_str()
        .expect("id");
    assert!(covered.contains("********"), "{covered}");
    let base = IdNumber::parse(&id18(ZHANG_DASHAN), today()).expect("id");
    assert!(!list.to_string().contains(base.base()));

    let (status, detail) = app.api_get(&format!("/api/v1/rolls/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let version = detail["entry"]["version"].as_i64().expect("version");
    let (status, body) = app
        .api_post(
            &format!("/api/v1/rolls/{id}/reviews"),
            &json!({ "version": version, "date": start, "outcome": "adjust", "new_amount": "800" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entry"]["monthly_amount"], "800.00");
    assert_eq!(body["reviews"][0]["outcome"], "adjust");
    let (status, body) = app
        .api_post(
            &format!("/api/v1/rolls/{id}/end"),
            &json!({ "version": version, "end_date": start, "end_reason": "迁出" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .api_post(
            &format!("/api/v1/rolls/{id}/end"),
            &json!({ "version": version + 1, "end_date": start, "end_reason": "迁出" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ended");

    let (status, due) = app.api_get("/api/v1/rolls/due").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(due["total"], 0);

    let page = app.get("/api/openapi.json").await;
    let doc = page.json();
    for path in [
        "/api/v1/rolls",
        "/api/v1/rolls/{id}",
        "/api/v1/rolls/{id}/reviews",
        "/api/v1/rolls/{id}/end",
        "/api/v1/rolls/due",
        "/api/v1/rolls/import-civil",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}
