//! The web application as a user meets it: real router on port 0, fresh database, real HTTP.
//! SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhenxing_testkit::{
    CHONGEN_HOUSEHOLD, PASSWORD, QINGYAN_CODE, QINGYAN_HOUSEHOLD, QINGYAN_MONITORED_HOUSEHOLD,
    TestApp, id18,
};

mod lowincome_pages;
mod lowincome_rolls;
mod monitoring;
mod screening;
mod vendor;

/// The id and version of the head of 张大山's household, read as 青岩's cadre would.
async fn head_key(app: &TestApp) -> (i64, i64) {
    let d = app
        .store
        .household_get(&app.actor("qingyan"), QINGYAN_HOUSEHOLD)
        .await
        .expect("household");
    (d.member_keys[0].id, d.member_keys[0].version)
}

async fn head_name(app: &TestApp) -> String {
    let d = app
        .store
        .household_get(&app.actor("town"), QINGYAN_HOUSEHOLD)
        .await
        .expect("household");
    d.household.members[0].name.clone()
}

/// The member form as the edit page would send it, with `name` changed.
fn member_form(version: i64, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("version", version.to_string()),
        ("name", name.to_string()),
        ("id_number", String::new()),
        ("relation", "head".into()),
        ("sex", "male".into()),
        ("birth_date", "1968-03-15".into()),
        ("ethnicity", "汉族".into()),
        ("health", "healthy".into()),
        ("labour", "ordinary".into()),
        ("work_months", "10".into()),
        ("medical_insured", "是".into()),
        ("pension_insured", "是".into()),
        ("dibao", "否".into()),
        ("tekun", "否".into()),
        ("phone", String::new()),
    ]
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

fn member_path(id: i64) -> String {
    format!("/households/{QINGYAN_HOUSEHOLD}/members/{id}/edit")
}

// ---------- login ----------

#[tokio::test]
async fn a_user_logs_in_and_sees_name_role_and_scope() {
    let app = TestApp::with_households().await;
    let page = app.login_as("qingyan", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/"));
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("扶欢镇乡村振兴衔接工作平台"));
    assert!(home.text.contains("青岩村周敏"));
    assert!(home.text.contains("青岩村 · 村干部"), "{}", home.text);
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_chinese_and_nothing_opens() {
    let app = TestApp::spawn().await;
    let page = app.login_as("town", "wrong-password").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.text.contains("用户名或密码错误"));
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        home.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login"))
    );
    // An unknown user gets the same answer.
    let page = app.login_as("nobody", PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.text.contains("用户名或密码错误"));
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let page = app.login_as("town", "guess-123").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = app.login_as("town", PASSWORD).await;
    assert_eq!(page.status, StatusCode::LOCKED);
    assert!(page.text.contains("锁定"), "{}", page.text);
    assert!(page.text.contains("联系管理员"));
    // The API refuses too, with 423.
    let api = app.new_client().api_login_as("town", PASSWORD).await;
    assert_eq!(api.status, StatusCode::LOCKED);
    assert!(
        api.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("锁定"))
    );
    // The lock is per account: a colleague on the same address still gets in.
    app.new_client().login("qingyan").await;

    // The admin lifts the lock; the right password works again.
    let admin = app.new_client();
    admin.login("admin").await;
    let town_id = app
        .store
        .user_by_username("town")
        .await
        .expect("lookup")
        .expect("town exists")
        .id;
    let page = admin
        .post_form(&format!("/users/{town_id}/unlock"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let page = app.login_as("town", PASSWORD).await;
    assert_ne!(page.status, StatusCode::LOCKED, "{}", page.text);
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.login("town").await;
    let page = app.post_form("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/households").await.status, StatusCode::SEE_OTHER);
}

// ---------- CSRF ----------

#[tokio::test]
async fn a_form_post_without_or_with_a_wrong_token_is_refused_and_changes_nothing() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let (id, version) = head_key(&app).await;
    let form = member_form(version, "篡改者");

    let page = app.post_form_raw(&member_path(id), &pairs(&form)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text.contains("安全校验未通过"), "{}", page.text);

    let mut with_wrong = pairs(&form);
    with_wrong.push(("csrf_token", "0123456789abcdef"));
    let page = app.post_form_raw(&member_path(id), &with_wrong).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    assert_eq!(head_name(&app).await, "张大山");
    // The same form with the session's token goes through.
    let page = app.post_form(&member_path(id), &pairs(&form)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(head_name(&app).await, "篡改者");
}

#[tokio::test]
async fn an_api_write_without_the_csrf_header_is_refused() {
    let app = TestApp::with_households().await;
    app.api_login("qingyan").await;
    let (id, version) = head_key(&app).await;
    let resp = app
        .http
        .put(app.url(&format!("/api/v1/members/{id}")))
        .json(&json!({ "version": version, "name": "篡改者" }))
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("安全校验"))
    );
    assert_eq!(head_name(&app).await, "张大山");
}

// ---------- scope and roles ----------

#[tokio::test]
async fn a_qingyan_cadre_cannot_see_a_chongen_household_by_page_list_or_api() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;

    let other = app.get(&format!("/households/{CHONGEN_HOUSEHOLD}")).await;
    let absent = app.get("/households/500110120204999999").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.text, absent.text,
        "an out-of-scope household must look exactly like an absent one"
    );
    assert!(!other.text.contains("陈志强"));

    let list = app.get("/households").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains(QINGYAN_HOUSEHOLD));
    assert!(!list.text.contains(CHONGEN_HOUSEHOLD));
    assert!(!list.text.contains("陈志强"));
    // Even asking for 崇恩's village by code gives nothing.
    let list = app.get("/households?village=500110120202").await;
    assert!(!list.text.contains(CHONGEN_HOUSEHOLD));

    app.api_login("qingyan").await;
    let (status, body) = app
        .api_get(&format!("/api/v1/households/{CHONGEN_HOUSEHOLD}"))
        .await;
    let (absent_status, absent_body) = app.api_get("/api/v1/households/500110120204999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(absent_status, StatusCode::NOT_FOUND);
    assert_eq!(body, absent_body);
    assert!(body["error"].is_string());
    let (_, list) = app.api_get("/api/v1/households").await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn the_department_role_cannot_see_the_household_list() {
    let app = TestApp::with_households().await;
    app.login("dept").await;
    let page = app.get("/households").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text.contains("不能查看农户信息"));
    assert!(!page.text.contains(QINGYAN_HOUSEHOLD));
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.text.contains("农户列表"),
        "the menu must not offer the list"
    );
    assert_eq!(
        app.get(&format!("/households/{QINGYAN_HOUSEHOLD}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.api_login("dept").await;
    assert_eq!(
        app.api_get("/api/v1/households").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_viewer_reads_but_cannot_edit() {
    let app = TestApp::with_households().await;
    app.login("viewer").await;
    let page = app.get(&format!("/households/{QINGYAN_HOUSEHOLD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("修改农户信息"));
    let (id, version) = head_key(&app).await;
    assert_eq!(
        app.get(&member_path(id)).await.status,
        StatusCode::FORBIDDEN
    );
    let page = app
        .post_form(&member_path(id), &pairs(&member_form(version, "领导改的")))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(head_name(&app).await, "张大山");
}

#[tokio::test]
async fn unauthenticated_pages_redirect_to_login_and_the_api_answers_401_json() {
    let app = TestApp::spawn().await;
    let page = app.get("/households?kind=exited").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some("/login?next=/households%3Fkind%3Dexited")
    );
    let (status, body) = app.api_get("/api/v1/households").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "请先登录");
}

// ---------- pages ----------

#[tokio::test]
async fn home_counts_link_to_lists_with_the_same_numbers() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let home = app.get("/").await;
    assert!(home.text.contains("青岩村"));
    assert!(
        home.text.contains(&format!(
            "href=\"/households?village={QINGYAN_CODE}&amp;kind=monitored\">1<"
        )),
        "{}",
        home.text
    );
    let list = app
        .get(&format!(
            "/households?village={QINGYAN_CODE}&kind=monitored"
        ))
        .await;
    assert!(list.text.contains("共 <strong>1</strong> 户"));
    assert!(list.text.contains(QINGYAN_MONITORED_HOUSEHOLD));
    assert!(
        !list.text.contains(QINGYAN_HOUSEHOLD),
        "only the monitored household is listed"
    );
}

#[tokio::test]
async fn the_detail_page_shows_members_masked_incomes_and_money() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let page = app.get(&format!("/households/{QINGYAN_HOUSEHOLD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let full_id = id18("50022219680315123");
    assert!(page.text.contains("张大山"));
    assert!(
        !page.text.contains(&full_id),
        "a cadre must not see a full ID number"
    );
    assert!(
        page.text
            .contains(&format!("500222********{}", &full_id[14..]))
    );
    assert!(page.text.contains("138****5678"));
    assert!(page.text.contains("42,200.50 元"), "纯收入");
    assert!(page.text.contains("14,066.83 元"), "人均纯收入");
    assert!(!page.text.contains(">显示<"), "a cadre may not unmask");
}

#[tokio::test]
async fn town_staff_reveal_a_full_id_and_the_reveal_is_recorded() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let (id, _) = head_key(&app).await;
    let full_id = id18("50022219680315123");
    let page = app.get(&format!("/households/{QINGYAN_HOUSEHOLD}")).await;
    assert!(!page.text.contains(&full_id));
    let page = app
        .post_form(
            &format!("/households/{QINGYAN_HOUSEHOLD}/reveal"),
            &[("member", &id.to_string())],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&full_id));
    let history = app
        .store
        .audit_for_household(&app.actor("town"), QINGYAN_HOUSEHOLD)
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|e| e.action == "reveal" && e.actor == "town")
    );
}

#[tokio::test]
async fn a_member_edit_is_audited_and_shown_in_the_household_history() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let (id, version) = head_key(&app).await;
    let form_page = app.get(&member_path(id)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(
        form_page
            .text
            .contains(&format!("name=\"version\" value=\"{version}\""))
    );

    let page = app
        .post_form(&member_path(id), &pairs(&member_form(version, "张大善")))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let detail = app.get(page.location.as_deref().expect("redirect")).await;
    assert!(detail.text.contains("已保存成员“张大善”的信息"));
    let history = &detail.text[detail.text.find("id=\"history\"").expect("history section")..];
    assert!(history.contains("qingyan"));
    assert!(history.contains("修改"));
    assert!(history.contains("姓名"));
    assert!(history.contains("张大山"));
    assert!(history.contains("张大善"));
}

#[tokio::test]
async fn a_bad_field_is_named_in_chinese_and_the_input_is_kept() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let (id, version) = head_key(&app).await;
    let mut form = member_form(version, "张大山");
    form[2].1 = format!("{}1", &id18("50022219680315123")[..17]);
    form[9].1 = "13".into();
    let page = app.post_form(&member_path(id), &pairs(&form)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("身份证号码校验位错误"), "{}", page.text);
    assert!(page.text.contains("务工时间应为 0 到 12 之间的整数"));
    assert!(
        page.text.contains("value=\"13\""),
        "the user's input stays in the form"
    );
}

#[tokio::test]
async fn a_stale_edit_gets_the_conflict_message_and_changes_nothing() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let (id, version) = head_key(&app).await;
    // Someone else saves first.
    let other = app.new_client();
    other.login("town").await;
    let page = other
        .post_form(&member_path(id), &pairs(&member_form(version, "张先到")))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);

    let page = app
        .post_form(&member_path(id), &pairs(&member_form(version, "张后到")))
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.text.contains("该记录已被他人修改，请刷新后重试"));
    assert!(
        page.text.contains("value=\"张后到\""),
        "the user's input is kept"
    );
    assert_eq!(head_name(&app).await, "张先到");
}

#[tokio::test]
async fn a_household_edit_saves_and_validates() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let d = app
        .store
        .household_get(&app.actor("qingyan"), QINGYAN_HOUSEHOLD)
        .await
        .expect("household");
    let v = d.key.version.to_string();
    let path = format!("/households/{QINGYAN_HOUSEHOLD}/edit");
    let page = app
        .post_form(
            &path,
            &[
                ("version", &v),
                ("group", "4组"),
                ("kind", "monitored"),
                ("monitoring_category", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("监测户须选择监测对象类别"));
    let page = app
        .post_form(
            &path,
            &[
                ("version", &v),
                ("group", "4组"),
                ("kind", "monitored"),
                ("monitoring_category", "marginal"),
                ("farmland_mu", "2.5"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let d = app
        .store
        .household_get(&app.actor("qingyan"), QINGYAN_HOUSEHOLD)
        .await
        .expect("household");
    assert_eq!(d.household.group, Some(4));
    assert_eq!(d.household.farmland_centimu, Some(250));
    assert_eq!(
        d.household.phone.as_deref(),
        Some("13812345678"),
        "an empty phone field keeps the phone"
    );
}

#[tokio::test]
async fn an_empty_village_says_what_to_do() {
    let app = TestApp::spawn().await;
    app.login("qingyan").await;
    let page = app.get("/households").await;
    assert!(page.text.contains("本村暂无农户。可从 导入花名册 开始。"));
}

// ---------- export ----------

fn sheet_cells(bytes: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("sheet");
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect()
}

#[tokio::test]
async fn a_cadre_exports_her_list_with_masked_ids() {
    let app = TestApp::with_households().await;
    app.login("qingyan").await;
    let list = app.get("/households?kind=exited").await;
    assert!(
        list.text
            .contains("href=\"/households/export.xlsx?kind=exited\""),
        "export keeps the filter"
    );
    let (status, content_type, bytes) = app.get_bytes("/households/export.xlsx?kind=exited").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.contains("spreadsheetml"));
    let cells = sheet_cells(&bytes);
    let full_id = id18("50022219680315123");
    assert!(cells.iter().any(|c| c == "张大山"));
    assert!(
        cells.iter().any(|c| c.starts_with("500222********")),
        "{cells:?}"
    );
    assert!(!cells.iter().any(|c| c.contains(&full_id)));
    assert!(!cells.iter().any(|c| c == "陈志强"), "崇恩 is out of scope");
    assert!(!cells.iter().any(|c| c == "王桂兰"), "the filter applies");
    // Unmasking is not for cadres.
    assert_eq!(
        app.get_bytes("/households/export.xlsx?unmasked=1").await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn town_staff_may_export_unmasked_and_it_is_audited() {
    let app = TestApp::with_households().await;
    app.login("town").await;
    let (status, _, bytes) = app
        .get_bytes(&format!(
            "/households/export.xlsx?village={QINGYAN_CODE}&unmasked=1"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let cells = sheet_cells(&bytes);
    assert!(cells.iter().any(|c| c == &id18("50022219680315123")));
}

// ---------- import ----------

fn roster_csv(rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "乡（镇）,行政村,村民小组,户编号,户类型,家庭人口数,姓名,证件号码,与户主关系\n",
    );
    let size = rows.len();
    for (no, name, id, relation) in rows {
        s.push_str(&format!(
            "扶欢镇,青岩村,4组,{no},一般农户,{size},{name},{id},{relation}\n"
        ));
    }
    s.into_bytes()
}

#[tokio::test]
async fn a_roster_is_previewed_then_imported() {
    let app = TestApp::spawn().await;
    app.login("town").await;
    let csv = roster_csv(&[
        (
            "500110120204000301",
            "赵一",
            &id18("50022219800101123"),
            "户主",
        ),
        (
            "500110120204000301",
            "钱二",
            &id18("50022219820202124"),
            "配偶",
        ),
    ]);
    let page = app
        .post_file("/import", "file", "花名册.csv", csv, &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("检查通过"), "{}", page.text);
    assert!(
        app.store
            .household_get(&app.actor("town"), "500110120204000301")
            .await
            .is_err(),
        "nothing is written before confirming"
    );
    let start = page.text.find("/import/").expect("confirm action");
    let action = &page.text[start..start + page.text[start..].find('"').expect("end")];
    assert!(action.ends_with("/confirm"));
    let done = app.post_form(action, &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("已导入 1 户 / 2 人"), "{}", done.text);
    let d = app
        .store
        .household_get(&app.actor("qingyan"), "500110120204000301")
        .await
        .expect("imported");
    assert_eq!(d.household.members.len(), 2);
}

#[tokio::test]
async fn a_roster_with_errors_is_refused_with_findings_and_an_error_workbook() {
    let app = TestApp::spawn().await;
    app.login("town").await;
    let bad_id = format!("{}1", &id18("50022219800101123")[..17]);
    let csv = roster_csv(&[("500110120204000302", "孙三", &bad_id, "户主")]);
    let page = app
        .post_file("/import", "file", "花名册.csv", csv, &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("身份证号码校验位错误"), "{}", page.text);
    assert!(page.text.contains("证件号码"));
    let start = page.text.find("/import/").expect("token link");
    let token = &page.text[start + "/import/".len()..start + "/import/".len() + 48];
    let refused = app
        .post_form(&format!("/import/{token}/confirm"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("未导入任何数据"));
    let (status, _, bytes) = app.get_bytes(&format!("/import/{token}/errors.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sheet_cells(&bytes).iter().any(|c| c.contains("校验位")));
    // Another user cannot use this upload.
    let other = app.new_client();
    other.login("admin").await;
    assert_eq!(
        other
            .get_bytes(&format!("/import/{token}/errors.xlsx"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

// ---------- users ----------

#[tokio::test]
async fn the_admin_creates_and_deactivates_a_user_who_then_cannot_log_in() {
    let app = TestApp::spawn().await;
    app.login("admin").await;
    let page = app
        .post_form(
            "/users",
            &[
                ("username", "shizu"),
                ("display_name", "石足村李华"),
                ("role", "village_cadre"),
                ("division", "500110120201"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("初始密码至少 8 位"));
    let page = app
        .post_form(
            "/users",
            &[
                ("username", "shizu"),
                ("display_name", "石足村李华"),
                ("role", "village_cadre"),
                ("division", "500110120201"),
                ("password", "new-pass-456"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(
        app.new_client()
            .login_as("shizu", "new-pass-456")
            .await
            .status,
        StatusCode::SEE_OTHER,
        "the new user logs in"
    );

    let user = app
        .store
        .user_by_username("shizu")
        .await
        .expect("store")
        .expect("user");
    let page = app
        .post_form(
            &format!("/users/{}/active", user.id),
            &[("version", &user.version.to_string()), ("active", "0")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let refused = app.new_client().login_as("shizu", "new-pass-456").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("已停用"));
    // Not for anyone else.
    let cadre = app.new_client();
    cadre.login("qingyan").await;
    assert_eq!(cadre.get("/users").await.status, StatusCode::FORBIDDEN);
}

// ---------- JSON API ----------

#[tokio::test]
async fn the_api_logs_in_lists_and_shows_a_household() {
    let app = TestApp::with_households().await;
    let (status, body) = app.api_get("/api/v1/households").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"].is_string());

    let wrong = app.api_login_as("qingyan", "nope-nope").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"], "用户名或密码错误");

    let session = app.api_login("qingyan").await;
    assert_eq!(session["username"], "qingyan");
    assert_eq!(session["role"], "village_cadre");
    assert_eq!(session["division"], QINGYAN_CODE);
    assert!(
        session["csrf_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 32)
    );

    let (status, list) = app
        .api_get(&format!("/api/v1/households?village={QINGYAN_CODE}&page=1"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 2);
    let items = list["items"].as_array().expect("items");
    assert!(items.iter().all(|i| {
        i["head_id_number"]
            .as_str()
            .is_some_and(|id| id.contains("********"))
    }));
    let (status, _) = app.api_get("/api/v1/households?unmasked=true").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, detail) = app
        .api_get(&format!("/api/v1/households/{QINGYAN_HOUSEHOLD}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["members"].as_array().map(Vec::len), Some(3));
    assert_eq!(detail["members"][0]["name"], "张大山");
    assert!(
        detail["members"][0]["id_number"]
            .as_str()
            .is_some_and(|id| id.starts_with("500222********"))
    );
    assert_eq!(detail["members"][0]["phone"], "138****5678");
    assert_eq!(detail["incomes"][0]["net_income"], "42200.50");
    assert_eq!(detail["incomes"][0]["net_income_per_capita"], "14066.83");

    let (status, villages) = app.api_get("/api/v1/villages").await;
    assert_eq!(status, StatusCode::OK);
    let qingyan = villages
        .as_array()
        .and_then(|v| v.iter().find(|v| v["code"] == QINGYAN_CODE))
        .expect("青岩");
    assert_eq!(qingyan["households"], 2);
    assert_eq!(qingyan["people"], 4);

    let (status, _) = app.api_delete("/api/v1/session").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get("/api/v1/households").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_api_updates_a_member_with_versions_and_field_errors() {
    let app = TestApp::with_households().await;
    app.api_login("qingyan").await;
    let (_, detail) = app
        .api_get(&format!("/api/v1/households/{QINGYAN_HOUSEHOLD}"))
        .await;
    let id = detail["members"][0]["id"].as_i64().expect("id");
    let version = detail["members"][0]["version"].as_i64().expect("version");
    let path = format!("/api/v1/members/{id}");

    let (status, body) = app
        .api_put(
            &path,
            &json!({ "version": version, "id_number": "110105194912310021", "work_months": 13 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["id_number"], "身份证号码校验位错误，应为 X");
    assert!(body["fields"]["work_months"].is_string());

    let (status, body) = app
        .api_put(
            &path,
            &json!({ "version": version, "name": "张大川", "dibao": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "张大川");
    assert_eq!(body["dibao"], true);
    assert_eq!(body["phone"], "138****5678", "a left-out phone is kept");

    let (status, body) = app
        .api_put(&path, &json!({ "version": version, "name": "张旧版" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "该记录已被他人修改，请刷新后重试");
    assert_eq!(head_name(&app).await, "张大川");

    let history = app
        .store
        .audit_for_household(&app.actor("qingyan"), QINGYAN_HOUSEHOLD)
        .await
        .expect("history");
    assert!(
        history
            .iter()
            .any(|e| e.action == "update" && e.entity == "member" && e.actor == "qingyan")
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_path() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/openapi.json").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in [
        "/api/v1/session",
        "/api/v1/households",
        "/api/v1/households/{household_no}",
        "/api/v1/members/{id}",
        "/api/v1/villages",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("HouseholdDto").is_some());
}

#[tokio::test]
async fn the_stylesheet_is_served_with_a_cache_header() {
    let app = TestApp::spawn().await;
    let resp = app
        .http
        .get(app.url("/static/app.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("cache-control").is_some());
    assert!(
        resp.text()
            .await
            .expect("text")
            .contains("@media (max-width: 767px)")
    );
}
