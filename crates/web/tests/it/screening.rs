//! Department screening as its users meet it: the 医保 department uploads a medical file (counts,
//! 未匹配, malformed rows, a re-upload that changes nothing), the town runs screening, 青岩's cadre
//! finds the warnings in her queue, turns one into a clue and dismisses another; the admin edits
//! rules (Chinese errors under the field, dry run), the town tries a higher monitoring line; the
//! API does the same; the exports open in calamine; the overview counts match the lists.
//!
//! The period is this month (China time), so no date is in the future.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime, UtcOffset};
use zhenxing_domain::case::ClueSource;
use zhenxing_store::{WarningFilter, WarningRow, WarningStatus};
use zhenxing_testkit::{
    CHONGEN_HOUSEHOLD, Client, Page, QINGYAN_HOUSEHOLD, QINGYAN_MONITORED_HOUSEHOLD, TestApp, id18,
};

// The testkit households' people (first 17 digits).
const ZHANG_DASHAN: &str = "50022219680315123";
const WANG_GUILAN: &str = "50022219500105246";
const CHEN_ZHIQIANG: &str = "50022219751111357";
/// Somebody the registry does not know.
const STRANGER: &str = "11010519491231002";

fn today() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).expect("offset");
    OffsetDateTime::now_utc().to_offset(cst).date()
}

/// This month, `YYYY-MM`.
fn period() -> String {
    let t = today();
    format!("{}-{:02}", t.year(), u8::from(t.month()))
}

/// The first day of this month: a settlement date inside the period, never in the future.
fn settle_date() -> String {
    format!("{}-01", period())
}

/// A medical CSV with the Chinese headers of SCREENING.md: a 住院 stay with 12,000 元 个人自付 for
/// 张大山 (脱贫户, 青岩), 王桂兰 (监测户, 青岩) and 陈志强 (一般农户, 崇恩); one row of a person the
/// registry does not know (row 5) and one whose 总费用 does not add up (row 6).
fn medical_csv() -> Vec<u8> {
    let d = settle_date();
    let mut text = String::from(
        "证件号码,结算日期,就诊类型,总费用,基本医保支付,大病保险支付,医疗救助支付,个人自付,合规自付\n",
    );
    for person in [ZHANG_DASHAN, WANG_GUILAN, CHEN_ZHIQIANG, STRANGER] {
        text.push_str(&format!(
            "{},{d},住院,30000,15000,2000,1000,12000,12000\n",
            id18(person)
        ));
    }
    text.push_str(&format!(
        "{},{d},住院,99999,15000,2000,1000,12000,12000\n",
        id18(ZHANG_DASHAN)
    ));
    text.into_bytes()
}

async fn browser(app: &TestApp, username: &str) -> Client {
    let c = app.new_client();
    c.login(username).await;
    c
}

async fn api_client(app: &TestApp, username: &str) -> Client {
    let c = app.new_client();
    c.api_login(username).await;
    c
}

/// `共 <strong>N</strong>` of a list page.
fn summary_count(html: &str) -> String {
    let marker = "共 <strong>";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no total on the page: {html}"))
        + marker.len();
    let end = html[at..].find('<').expect("total ends");
    html[at..at + end].to_string()
}

/// The text of the element marked `data-count="{name}"`.
fn data_count(html: &str, name: &str) -> String {
    let marker = format!("data-count=\"{name}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} on the page: {html}"))
        + marker.len();
    let rest = &html[at..];
    let end = rest.find("</").expect("element ends");
    // Strip a nested badge.
    let inner = &rest[..end];
    let inner = inner.rsplit('>').next().unwrap_or(inner);
    inner.trim().to_string()
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

async fn upload(c: &Client, kind: &str, bytes: Vec<u8>) -> Page {
    c.post_file(
        "/feeds",
        "file",
        "医保结算.csv",
        bytes,
        &[("kind", kind), ("period", &period())],
    )
    .await
}

/// The warnings of the whole town, as stored.
async fn all_warnings(app: &TestApp) -> Vec<WarningRow> {
    app.store
        .warnings_export(&app.actor("town"), &WarningFilter::default())
        .await
        .expect("warnings")
}

fn find<'a>(rows: &'a [WarningRow], household: &str, rule: &str) -> &'a WarningRow {
    rows.iter()
        .find(|w| w.household_no == household && w.rule_id == rule)
        .unwrap_or_else(|| panic!("no {rule} warning for {household}: {rows:#?}"))
}

/// The department uploads the medical file and the town runs screening for this month.
async fn uploaded_and_screened(app: &TestApp) {
    let dept = browser(app, "dept").await;
    let page = upload(&dept, "medical", medical_csv()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let town = browser(app, "town").await;
    let page = town
        .post_form("/screening/runs", &[("period", &period())])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
}

// ---------- 1. upload, run, queue, convert, dismiss ----------

#[tokio::test]
async fn a_department_uploads_the_town_screens_and_the_village_handles_its_warnings() {
    let app = TestApp::with_households().await;

    // The department's home leads to the upload page; the registry stays closed to it.
    let dept = browser(&app, "dept").await;
    let home = dept.get("/").await;
    assert!(home.text.contains("href=\"/feeds\""), "{}", home.text);
    assert!(!home.text.contains("后续版本"));
    assert!(home.text.contains("部门数据上传"));
    assert!(
        !home.text.contains("href=\"/warnings\""),
        "no queue in the menu"
    );
    assert_eq!(dept.get("/warnings").await.status, StatusCode::FORBIDDEN);
    assert_eq!(dept.get("/screening").await.status, StatusCode::FORBIDDEN);
    let form = dept.get("/feeds").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("医保结算（医保）"));
    assert!(form.text.contains("还没有上传过部门数据"));

    // A missing period and file are named under their fields.
    let page = dept
        .post_file(
            "/feeds",
            "file",
            "空.csv",
            Vec::new(),
            &[("kind", "medical")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("请填写期间"), "{}", page.text);
    assert!(page.text.contains("请选择要上传的文件"));

    // A file that is no medical file at all: told under the file field, nothing stored.
    let page = upload(&dept, "medical", "姓名,年龄\n张三,30\n".as_bytes().to_vec()).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"err-file\""), "{}", page.text);
    assert!(page.text.contains("证件号码"), "{}", page.text);

    let page = upload(&dept, "medical", medical_csv()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(data_count(&page.text, "rows"), "5");
    assert_eq!(data_count(&page.text, "matched"), "3 条");
    assert_eq!(data_count(&page.text, "unmatched"), "1 条");
    assert_eq!(data_count(&page.text, "malformed"), "1 行");
    // The 未匹配 row with its ID masked, never in full.
    assert!(page.text.contains("id=\"unmatched\""));
    assert!(page.text.contains("110105********"), "{}", page.text);
    assert!(!page.text.contains(&id18(STRANGER)));
    // The malformed row with its row, column and reason.
    assert!(page.text.contains("id=\"malformed\""));
    assert!(
        page.text.contains("<td class=\"num\">6</td>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("相差超过1元"), "{}", page.text);
    assert!(!page.text.contains("该文件已上传过"));

    // The same file again changes nothing and says so.
    let again = upload(&dept, "medical", medical_csv()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(again.text.contains("该文件已上传过，未做任何改动"));
    let history = dept.get("/feeds").await;
    assert_eq!(
        summary_count(&history.text),
        "1",
        "one upload in the history"
    );
    assert!(
        history.text.contains("医保局"),
        "uploaded by the display name"
    );
    assert!(history.text.contains(&period()));
    let (status, _, bytes) = dept.get_bytes("/feeds/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0][..8],
        [
            "数据类型",
            "部门",
            "期间",
            "文件名",
            "行数",
            "匹配",
            "未匹配",
            "格式错误"
        ]
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "医保结算");
    assert_eq!(rows[1][4..8], ["5", "3", "1", "1"]);

    // A cadre may not run screening.
    let cadre = browser(&app, "qingyan").await;
    assert_eq!(cadre.get("/screening").await.status, StatusCode::FORBIDDEN);
    let refused = cadre
        .post_form("/screening/runs", &[("period", &period())])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The town runs screening for this month.
    let town = browser(&app, "town").await;
    let runs = town.get("/screening").await;
    assert!(runs.text.contains("还没有运行过筛查"));
    assert!(runs.text.contains(&format!("value=\"{}\"", period())));
    let page = town
        .post_form("/screening/runs", &[("period", &period())])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let location = page.location.clone().expect("redirect");
    assert!(location.starts_with("/screening?run="), "{location}");
    let done = town.get(&location).await;
    // 张大山: 单次住院自付高 and 医疗费用负担重 (脱贫户 thresholds); 陈志强: 单次住院自付高 only
    // (一般农户); 王桂兰 is monitored: both as information.
    assert!(
        done.text.contains("新预警 3 条，监测户信息 2 条"),
        "{}",
        done.text
    );
    assert_eq!(data_count(&done.text, "new"), "3 条");
    assert!(
        done.text
            .contains(&format!("/warnings?period={}&amp;status=new", period()))
    );

    let stored = all_warnings(&app).await;
    assert_eq!(stored.len(), 5, "{stored:#?}");
    let stay = find(&stored, QINGYAN_HOUSEHOLD, "medical_stay").clone();
    let burden = find(&stored, QINGYAN_HOUSEHOLD, "medical_burden").clone();
    let chongen = find(&stored, CHONGEN_HOUSEHOLD, "medical_stay").clone();
    assert_eq!(stay.status, WarningStatus::New);
    assert_eq!(
        find(&stored, QINGYAN_MONITORED_HOUSEHOLD, "medical_stay").status,
        WarningStatus::Monitored
    );
    assert!(
        !stored
            .iter()
            .any(|w| w.evidence.contains(&id18(ZHANG_DASHAN))),
        "evidence masks IDs"
    );

    // 青岩's cadre: her village only, with a count on her home page.
    let home = cadre.get("/").await;
    assert_eq!(data_count(&home.text, "warnings"), "2");
    assert!(home.text.contains("href=\"/warnings?status=new\""));
    let queue = cadre.get("/warnings?status=new").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert_eq!(summary_count(&queue.text), "2");
    assert!(queue.text.contains("张大山"));
    assert!(queue.text.contains("单次住院自付高"));
    assert!(queue.text.contains("医疗费用负担重"));
    assert!(queue.text.contains("因病"));
    assert!(queue.text.contains("badge red\">待处理"));
    assert!(queue.text.contains("转为线索"));
    assert!(queue.text.contains("排除"));
    assert!(!queue.text.contains("陈志强"));
    assert_eq!(summary_count(&cadre.get("/warnings").await.text), "4");
    assert_eq!(
        cadre.get(&format!("/warnings/{}", chongen.id)).await.status,
        StatusCode::NOT_FOUND
    );
    // 崇恩's cadre sees 陈志强 and not 青岩's.
    let chongen_cadre = browser(&app, "chongen").await;
    let theirs = chongen_cadre.get("/warnings").await;
    assert_eq!(summary_count(&theirs.text), "1");
    assert!(theirs.text.contains("陈志强"));
    assert!(!theirs.text.contains("张大山"));
    assert_eq!(
        chongen_cadre
            .get(&format!("/warnings/{}", stay.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let refused = chongen_cadre
        .post_form(
            &format!("/warnings/{}/convert", stay.id),
            &[("version", &stay.version.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // A helper sees the monitored household's warnings as information, without actions.
    let helper = browser(&app, "helper").await;
    let info = helper.get("/warnings").await;
    assert_eq!(summary_count(&info.text), "2");
    assert!(info.text.contains("王桂兰"));
    assert!(info.text.contains("监测户信息"));
    assert!(!info.text.contains("张大山"));
    assert!(!info.text.contains("/convert"));
    assert_eq!(
        helper.get(&format!("/warnings/{}", stay.id)).await.status,
        StatusCode::NOT_FOUND
    );

    // 转为线索: an identification case with the channel 部门筛查预警.
    let page = cadre
        .post_form(
            &format!("/warnings/{}/convert", stay.id),
            &[("version", &stay.version.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let case_id: i64 = page
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/cases/"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no case redirect: {:?}", page.location));
    let case = app
        .store
        .case_get(&app.actor("qingyan"), case_id)
        .await
        .expect("case");
    assert_eq!(case.household_no, QINGYAN_HOUSEHOLD);
    assert_eq!(case.case.clue.source, ClueSource::DepartmentAlert);
    assert_eq!(case.case.clue.date, today());
    assert_eq!(case.case.clue.reporter, "部门筛查预警：单次住院自付高");
    assert!(
        case.case.clue.description.contains("住院"),
        "{:?}",
        case.case.clue
    );
    let case_page = cadre.get(&format!("/cases/{case_id}")).await;
    assert!(case_page.text.contains("部门筛查预警"));
    assert!(case_page.text.contains("已转为线索"), "the flash");
    let w = app
        .store
        .warning_get(&app.actor("qingyan"), stay.id)
        .await
        .expect("warning");
    assert_eq!(w.status, WarningStatus::Converted);
    assert_eq!(w.case_id, Some(case_id));

    // The second warning of the household cannot open a second case: said in Chinese.
    let refused = cadre
        .post_form(
            &format!("/warnings/{}/convert", burden.id),
            &[("version", &burden.version.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(
        refused.text.contains("该户已有正在办理的识别纳入监测流程"),
        "{}",
        refused.text
    );

    // 排除 needs a reason.
    let refused = cadre
        .post_form(
            &format!("/warnings/{}/dismiss", burden.id),
            &[("version", &burden.version.to_string()), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("请填写排除原因"));
    let reason = "已入户核实，费用已由大病保险报销";
    let page = cadre
        .post_form(
            &format!("/warnings/{}/dismiss", burden.id),
            &[
                ("version", &burden.version.to_string()),
                ("reason", reason),
                ("back", "/warnings?status=new"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(page.location.as_deref(), Some("/warnings?status=new"));
    let w = app
        .store
        .warning_get(&app.actor("qingyan"), burden.id)
        .await
        .expect("warning");
    assert_eq!(w.status, WarningStatus::Dismissed);
    assert_eq!(w.dismiss_reason.as_deref(), Some(reason));
    // Stale: the same form again is refused, nothing changes.
    let again = cadre
        .post_form(
            &format!("/warnings/{}/dismiss", burden.id),
            &[("version", &burden.version.to_string()), ("reason", "再次")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("该预警已排除"));

    let queue = cadre.get("/warnings?status=new").await;
    assert!(queue.text.contains("没有符合条件的预警"), "{}", queue.text);
    assert_eq!(data_count(&cadre.get("/").await.text, "warnings"), "0");
    let dismissed = cadre.get("/warnings?status=dismissed").await;
    assert!(dismissed.text.contains(reason));

    // The export: Chinese headers, the cadre's village, no ID numbers.
    let (status, content_type, bytes) = cadre.get_bytes("/warnings/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0][..7],
        [
            "户编号",
            "行政村",
            "户主姓名",
            "预警规则",
            "风险类型",
            "状态",
            "预警依据"
        ]
    );
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(rows.iter().skip(1).all(|r| r[1] == "青岩村"));
    assert!(rows.iter().any(|r| r.contains(&"已转为线索".to_string())));
    assert!(rows.iter().any(|r| r.contains(&"已排除".to_string())));
    for p in [ZHANG_DASHAN, WANG_GUILAN] {
        assert!(!rows.iter().flatten().any(|c| c.contains(&id18(p))));
    }
    let (_, _, bytes) = cadre
        .get_bytes("/warnings/export.xlsx?status=dismissed")
        .await;
    assert_eq!(
        sheet_rows(&bytes).len(),
        2,
        "the filter carries into the export"
    );

    // The run history.
    let runs = town.get("/screening").await;
    assert_eq!(summary_count(&runs.text), "1");
    assert!(runs.text.contains("镇办刘洋"));
    assert!(
        runs.text.contains("防止返贫监测范围"),
        "parameters by label"
    );
}

// ---------- 2. overview and queue numbers ----------

#[tokio::test]
async fn the_overview_counts_open_warnings_by_rule_and_village_as_the_list_does() {
    let app = TestApp::with_households().await;
    uploaded_and_screened(&app).await;
    let town = browser(&app, "town").await;
    let page = town.get("/monitoring/overview").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("部门预警（待处理）按规则"));
    assert!(page.text.contains("部门预警（待处理）按村"));
    // Every count of the two charts equals the total of the list it links to.
    let mut checked = 0;
    let mut rest = page.text.as_str();
    while let Some(at) = rest.find("<a href=\"/warnings?") {
        let tail = &rest[at + "<a href=\"".len()..];
        let end = tail.find('"').expect("href ends");
        let href = tail[..end].replace("&amp;", "&");
        let num_at = tail.find('>').expect("link text") + 1;
        let num_end = tail[num_at..].find('<').expect("text ends");
        let shown = tail[num_at..num_at + num_end].to_string();
        let list = town.get(&href).await;
        assert_eq!(summary_count(&list.text), shown, "{href}");
        checked += 1;
        rest = &tail[num_at..];
    }
    // Two rules (住院, 负担) and two villages.
    assert_eq!(checked, 4, "{}", page.text);
    assert!(
        page.text
            .contains("/warnings?rule=medical_stay&amp;status=new\">2<")
    );

    // A helper's overview has no 待处理 charts (her list shows 监测户信息 only).
    let helper = browser(&app, "helper").await;
    let page = helper.get("/monitoring/overview").await;
    assert!(!page.text.contains("部门预警（待处理）"));
}

// ---------- 3. rules ----------

fn rule_form<'a>(id: &'a str, expression: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("id", id),
        ("name", "住院自付超八千"),
        ("risk_type", "illness"),
        ("expression", expression),
        ("enabled", "1"),
    ]
}

#[tokio::test]
async fn an_admin_edits_rules_with_checked_expressions_and_tries_them_without_writing() {
    let app = TestApp::with_households().await;
    let dept = browser(&app, "dept").await;
    assert_eq!(
        upload(&dept, "medical", medical_csv()).await.status,
        StatusCode::OK
    );

    // The town reads the rules, features and parameters, and may not change them.
    let town = browser(&app, "town").await;
    let page = town.get("/screening/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("medical_stay"));
    assert!(page.text.contains("单次住院自付高"));
    assert!(page.text.contains("出厂规则"));
    assert!(page.text.contains("stay_oop_max"));
    assert!(page.text.contains("本期单次住院个人自付最高额"));
    assert!(page.text.contains("monitoring_line"));
    assert!(page.text.contains("7,000.00 元"));
    assert!(!page.text.contains("新增规则"));
    let refused = town
        .post_form(
            "/screening/rules/new",
            &rule_form("big_stay", "stay_oop_max > 8000"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Cadres see no rules at all.
    let cadre = browser(&app, "qingyan").await;
    assert_eq!(
        cadre.get("/screening/rules").await.status,
        StatusCode::FORBIDDEN
    );

    let admin = browser(&app, "admin").await;
    let page = admin.get("/screening/rules/new").await;
    assert_eq!(page.status, StatusCode::OK);
    // Syntax, unknown name and type errors, in Chinese under the field.
    for (expression, message) in [
        ("stay_oop_max >", "规则表达式语法错误"),
        ("foo > 1", "未知的名称“foo”"),
        ("stay_oop_max AND dropout", "应为真假条件"),
    ] {
        let page = admin
            .post_form("/screening/rules/new", &rule_form("big_stay", expression))
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expression}"
        );
        assert!(page.text.contains("id=\"err-expression\""), "{}", page.text);
        assert!(page.text.contains(message), "{expression}: {}", page.text);
        assert!(page.text.contains("住院自付超八千"), "input kept");
    }
    let bad_id = admin
        .post_form(
            "/screening/rules/new",
            &rule_form("Big Stay", "stay_oop_max > 8000"),
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_id.text.contains("规则编号应为"));
    let taken = admin
        .post_form(
            "/screening/rules/new",
            &rule_form("medical_stay", "stay_oop_max > 8000"),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.text.contains("已存在"));

    // A dry run of the text in the form, before saving: 3 households, nothing written.
    let mut form = rule_form("", "stay_oop_max > 8000");
    let p = period();
    form.push(("dry_period", &p));
    let page = admin.post_form("/screening/rules/dry-run", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(data_count(&page.text, "households"), "3");
    assert!(page.text.contains(QINGYAN_HOUSEHOLD));
    assert!(page.text.contains("未写入任何数据"));

    // Saved.
    let page = admin
        .post_form(
            "/screening/rules/new",
            &rule_form("big_stay", "stay_oop_max > 8000"),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let list = admin.get("/screening/rules").await;
    assert!(list.text.contains("big_stay"));
    assert!(list.text.contains("自定义"));
    assert!(list.text.contains("已保存规则「住院自付超八千」"));
    let stored = app.store.screening_rules().await.expect("rules");
    let big = stored
        .iter()
        .find(|r| r.def.id == "big_stay")
        .expect("saved rule");
    assert!(big.def.enabled);

    // The town dry-runs the stored rule (it cannot change it) for the period.
    let page = town
        .post_form(
            "/screening/rules/dry-run",
            &[("id", "big_stay"), ("dry_period", &period())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(data_count(&page.text, "households"), "3");
    let page = town
        .post_form(
            "/screening/rules/dry-run",
            &[("id", "big_stay"), ("dry_period", "2026-13")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("期间"));

    // Nothing was written by the dry runs.
    assert!(all_warnings(&app).await.is_empty());
    let runs = app
        .store
        .screening_runs(&app.actor("town"), zhenxing_store::PageRequest::default())
        .await
        .expect("runs");
    assert_eq!(runs.total, 0);

    // An edit with a stale version is a conflict; the current one goes through.
    let version = big.version.to_string();
    let mut edit = rule_form("big_stay", "stay_oop_max > 9000");
    edit.push(("version", &version));
    let page = admin.post_form("/screening/rules/big_stay", &edit).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let stale = admin.post_form("/screening/rules/big_stay", &edit).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("该规则已被他人修改"));
    // An edit of a default rule shows it as edited.
    let default = stored
        .iter()
        .find(|r| r.def.id == "water_cut")
        .expect("default rule");
    let dv = default.version.to_string();
    let page = admin
        .post_form(
            "/screening/rules/water_cut",
            &[
                ("version", &dv),
                ("name", "断水时间长"),
                ("risk_type", "drinking_water"),
                ("expression", "water_cut_days_max > 20"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert!(
        admin
            .get("/screening/rules")
            .await
            .text
            .contains("出厂规则（已修改）")
    );

    // Disabled: the rule stays, a run skips it.
    let now = app.store.screening_rules().await.expect("rules");
    let big = now.iter().find(|r| r.def.id == "big_stay").expect("rule");
    let page = admin
        .post_form(
            "/screening/rules/big_stay/toggle",
            &[("version", &big.version.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let now = app.store.screening_rules().await.expect("rules");
    assert!(!now.iter().any(|r| r.def.id == "big_stay" && r.def.enabled));
    let run = town
        .post_form("/screening/runs", &[("period", &period())])
        .await;
    assert_eq!(run.status, StatusCode::SEE_OTHER);
    assert!(
        !all_warnings(&app)
            .await
            .iter()
            .any(|w| w.rule_id == "big_stay"),
        "a disabled rule raises nothing"
    );
}

// ---------- 4. what-if ----------

#[tokio::test]
async fn a_higher_monitoring_line_shows_who_would_enter_and_writes_nothing() {
    let app = TestApp::with_households().await;
    let town = browser(&app, "town").await;
    let page = town.get("/screening/what-if").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("防止返贫监测范围"));
    assert!(
        page.text
            .contains("name=\"monitoring_line\" value=\"7000.00\""),
        "{}",
        page.text
    );

    // 张大山's household: 人均纯收入 14,066.83 元 (2025) — under a 15,000 line.
    let q = format!(
        "/screening/what-if?period={}&monitoring_line=15000",
        period()
    );
    let page = town.get(&q).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(data_count(&page.text, "entering"), "1");
    assert_eq!(data_count(&page.text, "leaving"), "0");
    assert!(page.text.contains("id=\"entering\""));
    assert!(page.text.contains(QINGYAN_HOUSEHOLD));
    assert!(page.text.contains("人均纯收入低于监测范围"));
    assert!(page.text.contains("15,000.00 元"));
    assert!(
        !page.text.contains(CHONGEN_HOUSEHOLD),
        "no income, no warning"
    );
    assert!(
        page.text
            .contains("<td>青岩村</td><td class=\"num\">1</td><td class=\"num\">0</td>")
    );

    let (status, _, bytes) = town
        .get_bytes(&format!(
            "/screening/what-if/export.xlsx?period={}&monitoring_line=15000",
            period()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet_rows(&bytes);
    assert_eq!(
        rows[0],
        ["变化", "户编号", "行政村", "规则", "风险类型", "依据"]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][..5],
        [
            "新进入",
            QINGYAN_HOUSEHOLD,
            "青岩村",
            "人均纯收入低于监测范围",
            "其他"
        ]
    );

    // A value out of range is refused under its field.
    let page = town
        .get(&format!(
            "/screening/what-if?period={}&monitoring_line=abc",
            period()
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("id=\"err-monitoring_line\""),
        "{}",
        page.text
    );

    // Nothing was written.
    assert!(all_warnings(&app).await.is_empty());
    // Cadres have no what-if.
    let cadre = browser(&app, "qingyan").await;
    assert_eq!(cadre.get(&q).await.status, StatusCode::FORBIDDEN);
}

// ---------- 5. the API ----------

#[tokio::test]
async fn the_api_uploads_runs_converts_dismisses_and_checks_rules() {
    let app = TestApp::with_households().await;

    let dept = api_client(&app, "dept").await;
    let (status, body) = dept
        .api_post_file(
            "/api/v1/feeds",
            "file",
            "medical.csv",
            medical_csv(),
            &[("kind", "medical"), ("period", &period())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], false);
    assert_eq!(body["rows_total"], 5);
    assert_eq!(body["matched"], 3);
    assert_eq!(body["malformed"], 1);
    assert_eq!(body["unmatched"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["unmatched"][0]["row"], 5);
    assert!(
        body["unmatched"][0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains('*')),
        "{body}"
    );
    assert_eq!(body["findings"][0]["row"], 6);
    let (status, body) = dept
        .api_post_file(
            "/api/v1/feeds",
            "file",
            "medical.csv",
            medical_csv(),
            &[("kind", "medical"), ("period", &period())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["duplicate"], true);
    assert_eq!(body["message"], "该文件已上传过，未做任何改动");
    let (status, body) = dept
        .api_post_file(
            "/api/v1/feeds",
            "file",
            "medical.csv",
            medical_csv(),
            &[("kind", "nonsense"), ("period", &period())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["kind"], "请选择数据类型");
    let (status, body) = dept.api_get("/api/v1/feeds").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 1);
    let (status, _) = dept.api_get("/api/v1/warnings").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let town = api_client(&app, "town").await;
    let (status, body) = town
        .api_post(
            "/api/v1/screening/runs",
            &json!({"period": "2026-13", "set": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().is_some_and(|e| e.contains("期间")));
    let (status, body) = town
        .api_post(
            "/api/v1/screening/runs",
            &json!({"period": period(), "set": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["new"], 3);
    assert_eq!(body["monitored"], 2);
    assert_eq!(body["updated"], 0);
    let (_, runs) = town.api_get("/api/v1/screening/runs").await;
    assert_eq!(runs["total"], 1);
    // A second run of the same period raises nothing new: the open warnings gain the evidence.
    let (_, body) = town
        .api_post("/api/v1/screening/runs", &json!({"period": period()}))
        .await;
    assert_eq!(body["new"], 0, "{body}");
    assert_eq!(body["updated"], 5, "{body}");

    // What-if through the API.
    let (status, body) = town
        .api_post(
            "/api/v1/screening/what-if",
            &json!({"period": period(), "set": ["monitoring_line=15000"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entering"][0]["household_no"], QINGYAN_HOUSEHOLD);
    assert_eq!(body["by_village"][0]["entering"], 1);
    let (status, body) = town
        .api_post(
            "/api/v1/screening/what-if",
            &json!({"period": period(), "set": ["no_such=1"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("未知的参数"))
    );

    // The cadre's queue, convert and dismiss.
    let cadre = api_client(&app, "qingyan").await;
    let (status, body) = cadre.api_get("/api/v1/warnings?status=new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 2, "{body}");
    let items: Vec<Value> = body["items"].as_array().cloned().unwrap_or_default();
    let pick = |rule: &str| {
        items
            .iter()
            .find(|w| w["rule_id"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule}: {items:?}"))
    };
    let stay = pick("medical_stay");
    let burden = pick("medical_burden");
    let (status, _) = cadre
        .api_post(
            &format!("/api/v1/warnings/{}/convert", stay["id"]),
            &json!({"version": stay["version"].as_i64().unwrap_or(0) + 7}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version");
    let (status, body) = cadre
        .api_post(
            &format!("/api/v1/warnings/{}/convert", stay["id"]),
            &json!({"version": stay["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let case_id = body["case_id"].as_i64().expect("case id");
    let (_, case) = cadre.api_get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(case["record"]["case"]["clue"]["source"], "department_alert");
    let (status, body) = cadre
        .api_post(
            &format!("/api/v1/warnings/{}/dismiss", burden["id"]),
            &json!({"version": burden["version"], "reason": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["reason"], "请填写排除原因");
    let (status, _) = cadre
        .api_post(
            &format!("/api/v1/warnings/{}/dismiss", burden["id"]),
            &json!({"version": burden["version"], "reason": "已核实，无风险"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, w) = cadre
        .api_get(&format!("/api/v1/warnings/{}", burden["id"]))
        .await;
    assert_eq!(w["status"], "dismissed");
    assert_eq!(w["dismiss_reason"], "已核实，无风险");
    // 崇恩's cadre cannot reach 青岩's warning.
    let chongen = api_client(&app, "chongen").await;
    let (status, _) = chongen
        .api_get(&format!("/api/v1/warnings/{}", stay["id"]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Rules: a save error answers 422 with the Chinese message; a valid rule saves and dry-runs.
    let admin = api_client(&app, "admin").await;
    let (status, rules) = admin.api_get("/api/v1/screening/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert!(rules.as_array().is_some_and(|r| r.len() == 13), "{rules}");
    let (status, body) = admin
        .api_put(
            "/api/v1/screening/rules/big_stay",
            &json!({"name": "住院自付超八千", "risk_type": "因病", "expression": "stay_oop_max >"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("规则表达式语法错误")),
        "{body}"
    );
    assert!(body["fields"]["expression"].is_string());
    let (status, body) = admin
        .api_put(
            "/api/v1/screening/rules/big_stay",
            &json!({"name": "住院自付超八千", "risk_type": "illness", "expression": "unknown_thing > 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("未知的名称"))
    );
    let (status, body) = admin
        .api_put(
            "/api/v1/screening/rules/big_stay",
            &json!({"name": "住院自付超八千", "risk_type": "illness", "expression": "stay_oop_max > 8000"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = admin
        .api_post(
            "/api/v1/screening/rules/big_stay/dry-run",
            &json!({"period": period()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["households"], 3);
    let (_, rules) = admin.api_get("/api/v1/screening/rules").await;
    let big = rules
        .as_array()
        .and_then(|r| r.iter().find(|x| x["id"] == "big_stay").cloned())
        .expect("saved");
    let (status, _) = admin
        .api_put(
            "/api/v1/screening/rules/big_stay",
            &json!({"version": big["version"].as_i64().unwrap_or(0) + 1, "name": "x", "risk_type": "illness", "expression": "stay_oop_max > 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The town may not change rules.
    let (status, _) = town
        .api_put(
            "/api/v1/screening/rules/big_stay",
            &json!({"name": "x", "risk_type": "illness", "expression": "stay_oop_max > 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The paths are in the OpenAPI document.
    let (_, doc) = admin.api_get("/api/openapi.json").await;
    for path in [
        "/api/v1/feeds",
        "/api/v1/screening/runs",
        "/api/v1/screening/what-if",
        "/api/v1/warnings",
        "/api/v1/warnings/{id}/convert",
        "/api/v1/warnings/{id}/dismiss",
        "/api/v1/screening/rules",
        "/api/v1/screening/rules/{id}",
        "/api/v1/screening/rules/{id}/dry-run",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}

// ---------- 6. menus ----------

#[tokio::test]
async fn the_menu_shows_each_role_only_the_screening_pages_it_may_use() {
    let app = TestApp::with_households().await;
    let town = browser(&app, "town").await.get("/").await.text;
    for href in [
        "/warnings",
        "/feeds",
        "/screening",
        "/screening/what-if",
        "/screening/rules",
    ] {
        assert!(town.contains(&format!("href=\"{href}\"")), "town: {href}");
    }
    assert!(town.contains("部门预警"));
    let cadre = browser(&app, "qingyan").await.get("/").await.text;
    assert!(cadre.contains("href=\"/warnings\""));
    for href in ["/feeds", "/screening", "/screening/rules"] {
        assert!(
            !cadre.contains(&format!("href=\"{href}\"")),
            "cadre: {href}"
        );
    }
    let dept = browser(&app, "dept").await.get("/").await.text;
    assert!(dept.contains("href=\"/feeds\""));
    assert!(!dept.contains("href=\"/warnings\""));
    let admin = browser(&app, "admin").await.get("/").await.text;
    assert!(admin.contains("href=\"/screening/rules\""));
}
