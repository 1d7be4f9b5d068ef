//! Test support: [`TestApp::spawn`] starts the real router on `127.0.0.1:0` against a fresh
//! database (SQLite in a temporary directory, or a new PostgreSQL database when
//! `TEST_DATABASE_URL` is set), with one user per role and a browser-like [`Client`].

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;
use time::Date;
use time::macros::date;
use zhenxing_domain::household::{
    Health, HouseholdKind, Labour, MonitoringCategory, Relation, Sex,
};
use zhenxing_domain::id_number::check_character;
use zhenxing_domain::{DivisionCode, Household, IdNumber, IncomeRecord, Member, Role, Yuan};
use zhenxing_store::{Actor, NewUser, SqlStore, Store};

/// Every test user's password.
pub const PASSWORD: &str = "demo-pass-123";
pub const TOWNSHIP: &str = "扶欢镇";
pub const COUNTY_CODE: &str = "500110";
pub const TOWN_CODE: &str = "500110120";
pub const QINGYAN_CODE: &str = "500110120204";
pub const CHONGEN_CODE: &str = "500110120202";

/// The users [`TestApp::spawn`] creates: (username, display name, role, division).
pub const USERS: &[(&str, &str, Role, &str)] = &[
    ("town", "镇办刘洋", Role::TownStaff, TOWN_CODE),
    ("qingyan", "青岩村周敏", Role::VillageCadre, QINGYAN_CODE),
    ("chongen", "崇恩村吴刚", Role::VillageCadre, CHONGEN_CODE),
    ("admin", "管理员", Role::Admin, COUNTY_CODE),
    ("viewer", "镇领导", Role::Viewer, TOWN_CODE),
    ("dept", "医保局", Role::Department, TOWN_CODE),
    ("county", "县审定赵志强", Role::CountyApprover, COUNTY_CODE),
    ("helper", "帮扶人陈晓东", Role::Helper, QINGYAN_CODE),
    ("qingyan2", "青岩村王建国", Role::VillageCadre, QINGYAN_CODE),
];

/// Household numbers of [`TestApp::seed_households`].
pub const QINGYAN_HOUSEHOLD: &str = "500110120204000101";
pub const QINGYAN_MONITORED_HOUSEHOLD: &str = "500110120204000102";
pub const CHONGEN_HOUSEHOLD: &str = "500110120202000201";

/// A valid 18-character ID from its first 17 digits.
pub fn id18(first17: &str) -> String {
    let check = check_character(first17).unwrap_or('0');
    format!("{first17}{check}")
}

const TODAY: Date = date!(2026 - 11 - 28);

fn id(first17: &str) -> IdNumber {
    IdNumber::parse(&id18(first17), TODAY).unwrap_or_else(|e| panic!("test ID {first17}: {e}"))
}

/// A member with the given identity and the optional fields empty.
pub fn member(name: &str, first17: &str, relation: Relation) -> Member {
    let id_number = id(first17);
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
        health: Some(Health::Healthy),
        disability_grade: None,
        labour: Some(Labour::Ordinary),
        work_months: None,
        medical_insured: Some(true),
        pension_insured: Some(true),
        dibao: Some(false),
        tekun: Some(false),
        phone: None,
    }
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn yuan(s: &str) -> Yuan {
    Yuan::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

/// Three households: two in 青岩村, one in 崇恩村.
pub fn sample_households() -> Vec<Household> {
    let mut head = member("张大山", "50022219680315123", Relation::Head);
    head.phone = Some("13812345678".into());
    head.work_months = Some(10);
    let qingyan = Household {
        household_no: QINGYAN_HOUSEHOLD.into(),
        village: code(QINGYAN_CODE),
        group: Some(3),
        kind: HouseholdKind::Exited,
        monitoring_category: None,
        phone: Some("13812345678".into()),
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: Some(325),
        members: vec![
            head,
            member("李秀英", "50022219700720124", Relation::Spouse),
            member("张小明", "50011020010901135", Relation::Son),
        ],
        incomes: vec![IncomeRecord {
            year: 2025,
            wage_income: yuan("36000"),
            business_income: yuan("5000.50"),
            property_income: yuan("0"),
            transfer_income: yuan("2400"),
            business_expense: yuan("1200"),
        }],
    };
    let mut old = member("王桂兰", "50022219500105246", Relation::Head);
    old.health = Some(Health::ChronicIllness);
    old.labour = Some(Labour::None);
    old.dibao = Some(true);
    let monitored = Household {
        household_no: QINGYAN_MONITORED_HOUSEHOLD.into(),
        village: code(QINGYAN_CODE),
        group: Some(5),
        kind: HouseholdKind::Monitored,
        monitoring_category: Some(MonitoringCategory::Marginal),
        phone: None,
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: Some(80),
        members: vec![old],
        incomes: vec![IncomeRecord {
            year: 2025,
            wage_income: yuan("0"),
            business_income: yuan("1800"),
            property_income: yuan("0"),
            transfer_income: yuan("4200"),
            business_expense: yuan("300"),
        }],
    };
    let mut chen = member("陈志强", "50022219751111357", Relation::Head);
    chen.phone = Some("13987654321".into());
    let chongen = Household {
        household_no: CHONGEN_HOUSEHOLD.into(),
        village: code(CHONGEN_CODE),
        group: Some(2),
        kind: HouseholdKind::Ordinary,
        monitoring_category: None,
        phone: Some("13987654321".into()),
        house_safe: Some(true),
        water_safe: Some(true),
        farmland_centimu: None,
        members: vec![
            chen,
            member("陈晓燕", "50022220050302168", Relation::Daughter),
        ],
        incomes: vec![],
    };
    vec![qingyan, monitored, chongen]
}

/// One hash for every test user: argon2 is slow without optimisation and the password is shared.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| zhenxing_web::hash_password(PASSWORD).unwrap_or_else(|e| panic!("{e}")))
        .clone()
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:x}{:x}{:x}",
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates a fresh PostgreSQL database next to the one `admin_url` names, and returns its URL.
async fn fresh_postgres(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("zhenxing_t_{}", unique_suffix());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
    let _ = conn.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The application under test, running on its own port with its own database.
pub struct TestApp {
    pub base_url: String,
    pub store: Arc<dyn Store>,
    pub db_url: String,
    /// A client of its own (cookies kept); [`TestApp::new_client`] makes more.
    pub client: Client,
    _dir: Option<tempfile::TempDir>,
    server: tokio::task::JoinHandle<()>,
}

impl Deref for TestApp {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// Starts the app on a fresh database with the users of [`USERS`].
    pub async fn spawn() -> TestApp {
        let (db_url, dir) = match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if !admin.trim().is_empty() => (fresh_postgres(admin.trim()).await, None),
            _ => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                (
                    format!("sqlite://{}", dir.path().join("zhenxing.db").display()),
                    Some(dir),
                )
            }
        };
        let store: Arc<dyn Store> = Arc::new(
            SqlStore::connect(&db_url)
                .await
                .unwrap_or_else(|e| panic!("connect {db_url}: {e}")),
        );
        let system = Actor::system(code(COUNTY_CODE));
        let hash = password_hash();
        for (username, display_name, role, division) in USERS {
            let user = NewUser {
                username: (*username).into(),
                display_name: (*display_name).into(),
                role: *role,
                division: code(division),
                password_hash: hash.clone(),
            };
            store
                .user_create(&system, user)
                .await
                .unwrap_or_else(|e| panic!("create user {username}: {e}"));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        let settings = zhenxing_web::Settings {
            township_name: TOWNSHIP.into(),
            supervisory_phone: "12317".into(),
            secure_cookies: false,
        };
        let server_store = store.clone();
        let server = tokio::spawn(async move {
            if let Err(e) = zhenxing_web::serve_on(listener, server_store, settings).await {
                panic!("server: {e}");
            }
        });
        let base_url = format!("http://{addr}");
        TestApp {
            client: Client::new(&base_url),
            base_url,
            store,
            db_url,
            _dir: dir,
            server,
        }
    }

    /// [`TestApp::spawn`] and [`TestApp::seed_households`].
    pub async fn with_households() -> TestApp {
        let app = TestApp::spawn().await;
        app.seed_households().await;
        app
    }

    /// Imports [`sample_households`] as the system.
    pub async fn seed_households(&self) {
        let system = Actor::system(code(COUNTY_CODE));
        self.store
            .households_import(&system, sample_households(), &|_| {})
            .await
            .unwrap_or_else(|e| panic!("seed households: {e}"));
    }

    /// Another browser: its own cookies and session.
    pub fn new_client(&self) -> Client {
        Client::new(&self.base_url)
    }

    /// An actor for direct store calls in assertions.
    pub fn actor(&self, username: &str) -> Actor {
        let (_, _, role, division) = USERS
            .iter()
            .find(|u| u.0 == username)
            .unwrap_or_else(|| panic!("no test user {username}"));
        Actor {
            user_id: None,
            username: username.into(),
            role: *role,
            scope: code(division),
        }
    }
}

/// A browser-like HTTP client: keeps cookies, does not follow redirects (tests look at them),
/// and remembers the CSRF token of its session.
pub struct Client {
    pub http: reqwest::Client,
    pub base_url: String,
    csrf: Mutex<Option<String>>,
}

/// A response read to the end.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub text: String,
}

impl Page {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

async fn read(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let location = header(reqwest::header::LOCATION);
    let content_type = header(CONTENT_TYPE).unwrap_or_default();
    let text = resp.text().await.unwrap_or_default();
    Page {
        status,
        location,
        content_type,
        text,
    }
}

/// The value of `<input … name="csrf_token" value="…">` in a page.
pub fn csrf_from_html(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\"")?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + "value=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_string())
}

impl Client {
    pub fn new(base_url: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        Client {
            http,
            base_url: base_url.into(),
            csrf: Mutex::new(None),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn remember(&self, token: Option<String>) {
        if let Some(t) = token
            && let Ok(mut g) = self.csrf.lock()
        {
            *g = Some(t);
        }
    }

    fn remembered(&self) -> Option<String> {
        self.csrf.lock().ok().and_then(|g| g.clone())
    }

    /// GET a path; HTML pages update the remembered CSRF token.
    pub async fn get(&self, path: &str) -> Page {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let page = read(resp).await;
        if page.content_type.starts_with("text/html") {
            self.remember(csrf_from_html(&page.text));
        }
        page
    }

    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status();
        let ct = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        (status, ct, bytes)
    }

    /// The session's CSRF token, fetched from a page if none is known yet.
    pub async fn csrf_token(&self) -> String {
        if let Some(t) = self.remembered() {
            return t;
        }
        let page = self.get("/me").await;
        if let Some(t) = csrf_from_html(&page.text) {
            return t;
        }
        let page = self.get("/login").await;
        csrf_from_html(&page.text)
            .unwrap_or_else(|| panic!("no csrf token on /login: {}", page.text))
    }

    /// POST a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POST a form exactly as given (no token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send_post(path, self.http.post(self.url(path)).form(fields))
            .await
    }

    /// Sends a POST and keeps the CSRF token of the HTML page it answers with.
    async fn send_post(&self, path: &str, request: reqwest::RequestBuilder) -> Page {
        let resp = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let page = read(resp).await;
        if page.content_type.starts_with("text/html") {
            self.remember(csrf_from_html(&page.text));
        }
        page
    }

    /// POST a multipart form with one file, plus the CSRF token.
    pub async fn post_file(
        &self,
        path: &str,
        file_field: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> Page {
        let token = self.csrf_token().await;
        let mut form = reqwest::multipart::Form::new().text("csrf_token", token);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            file_field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        self.send_post(path, self.http.post(self.url(path)).multipart(form))
            .await
    }

    /// Logs in through the login form; returns the response to the POST (303 on success).
    pub async fn login_as(&self, username: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        let token = csrf_from_html(&page.text)
            .or_else(|| self.remembered())
            .unwrap_or_default();
        let page = self
            .post_form_raw(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", username),
                    ("password", password),
                ],
            )
            .await;
        if page.status == StatusCode::SEE_OTHER {
            // The token changes at login: forget the old one.
            if let Ok(mut g) = self.csrf.lock() {
                *g = None;
            }
        }
        page
    }

    /// Logs in with [`PASSWORD`] and panics unless it worked.
    pub async fn login(&self, username: &str) {
        let page = self.login_as(username, PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login {username} failed: {}",
            page.text
        );
    }

    /// `POST /api/v1/session`; remembers the returned CSRF token.
    pub async fn api_login_as(&self, username: &str, password: &str) -> Page {
        let body = serde_json::json!({ "username": username, "password": password });
        let resp = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("api login: {e}"));
        let page = read(resp).await;
        if page.status == StatusCode::OK {
            self.remember(
                page.json()
                    .get("csrf_token")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            );
        }
        page
    }

    pub async fn api_login(&self, username: &str) -> Value {
        let page = self.api_login_as(username, PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "api login {username}: {}",
            page.text
        );
        page.json()
    }

    pub async fn api_get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let page = read(resp).await;
        let v = serde_json::from_str(&page.text).unwrap_or(Value::Null);
        (page.status, v)
    }

    /// A mutating API call with the remembered `X-CSRF-Token`.
    pub async fn api_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = self.remembered() {
            req = req.header("X-CSRF-Token", t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let page = read(req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))).await;
        let v = serde_json::from_str(&page.text).unwrap_or(Value::Null);
        (page.status, v)
    }

    /// A multipart API upload (one file plus text fields) with the remembered `X-CSRF-Token`.
    pub async fn api_post_file(
        &self,
        path: &str,
        file_field: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            file_field.to_string(),
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        let mut req = self.http.post(self.url(path)).multipart(form);
        if let Some(t) = self.remembered() {
            req = req.header("X-CSRF-Token", t);
        }
        let page = read(req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))).await;
        let v = serde_json::from_str(&page.text).unwrap_or(Value::Null);
        (page.status, v)
    }

    pub async fn api_post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.api_send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn api_put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.api_send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn api_delete(&self, path: &str) -> (StatusCode, Value) {
        self.api_send(reqwest::Method::DELETE, path, None).await
    }
}
