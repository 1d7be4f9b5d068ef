//! The page frame, the templates (embedded at compile time) and the static stylesheet.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::{AutoEscape, Environment, Output, State, Value, escape_formatter};
use serde::Serialize;
use zhenxing_domain::CodeEnum;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("login.html", include_str!("templates/login.html")),
    ("me.html", include_str!("templates/me.html")),
    ("home.html", include_str!("templates/home.html")),
    ("households.html", include_str!("templates/households.html")),
    ("household.html", include_str!("templates/household.html")),
    (
        "household_edit.html",
        include_str!("templates/household_edit.html"),
    ),
    (
        "member_edit.html",
        include_str!("templates/member_edit.html"),
    ),
    ("import.html", include_str!("templates/import.html")),
    (
        "import_preview.html",
        include_str!("templates/import_preview.html"),
    ),
    (
        "import_done.html",
        include_str!("templates/import_done.html"),
    ),
    ("users.html", include_str!("templates/users.html")),
    ("case.html", include_str!("templates/case.html")),
    ("case_new.html", include_str!("templates/case_new.html")),
    ("cases.html", include_str!("templates/cases.html")),
    ("monitored.html", include_str!("templates/monitored.html")),
    (
        "household_monitoring.html",
        include_str!("templates/household_monitoring.html"),
    ),
    (
        "measure_edit.html",
        include_str!("templates/measure_edit.html"),
    ),
    ("overview.html", include_str!("templates/overview.html")),
    ("notice.html", include_str!("templates/notice.html")),
    ("policy.html", include_str!("templates/policy.html")),
    ("feeds.html", include_str!("templates/feeds.html")),
    (
        "feed_result.html",
        include_str!("templates/feed_result.html"),
    ),
    ("screening.html", include_str!("templates/screening.html")),
    ("warnings.html", include_str!("templates/warnings.html")),
    ("warning.html", include_str!("templates/warning.html")),
    ("rules.html", include_str!("templates/rules.html")),
    ("rule.html", include_str!("templates/rule.html")),
    ("what_if.html", include_str!("templates/what_if.html")),
    ("lowincome.html", include_str!("templates/lowincome.html")),
    ("medical.html", include_str!("templates/medical.html")),
    ("premium.html", include_str!("templates/premium.html")),
    ("care.html", include_str!("templates/care.html")),
    ("care_entry.html", include_str!("templates/care_entry.html")),
    ("rolls.html", include_str!("templates/rolls.html")),
    ("roll.html", include_str!("templates/roll.html")),
    ("roll_new.html", include_str!("templates/roll_new.html")),
    (
        "roll_import.html",
        include_str!("templates/roll_import.html"),
    ),
    ("roll_panel.html", include_str!("templates/roll_panel.html")),
    ("reviews.html", include_str!("templates/reviews.html")),
];

const APP_CSS: &str = include_str!("static/app.css");
const CHARTS_JS: &str = include_str!("static/charts.js");

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        // The templates are part of the binary; a syntax error is caught by the tests.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(template = name, error = %e, "template does not compile");
        }
    }
    env.set_formatter(html_formatter);
    env.add_filter("count", |v: Value| -> String {
        match i64::try_from(v.clone()) {
            Ok(n) => crate::views::count(n),
            Err(_) => v.to_string(),
        }
    });
    env
}

/// minijinja's HTML escaping, minus `/` → `&#x2f;`: our URLs stay readable in the page source, and
/// `/` is harmless in element content and quoted attributes (all our attributes are quoted).
fn html_formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), minijinja::Error> {
    if state.auto_escape() == AutoEscape::Html
        && !value.is_safe()
        && let Some(s) = value.as_str()
    {
        let mut escaped = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#x27;"),
                c => escaped.push(c),
            }
        }
        return out
            .write_str(&escaped)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()));
    }
    escape_formatter(out, state, value)
}

/// What the frame of every logged-in page shows: title bar, menus, the user and the form token.
#[derive(Debug, Serialize)]
pub struct Frame {
    pub township: String,
    pub title: String,
    /// The menu entry to highlight.
    pub nav: &'static str,
    pub display_name: String,
    pub role_label: &'static str,
    pub scope_label: String,
    pub csrf_token: String,
    pub can_read_registry: bool,
    pub can_edit: bool,
    pub can_unmask: bool,
    pub is_admin: bool,
    /// 部门预警 menu: upload files, run screening and what-if, read the rules.
    pub can_upload_feeds: bool,
    pub can_screen: bool,
    pub can_read_rules: bool,
    /// 低收入人口 menu: the population page, rolls, reviews, medical costs, premiums, care rosters.
    pub can_read_lowincome: bool,
    pub flash: Option<String>,
}

impl Frame {
    pub async fn build(
        state: &AppState,
        user: &CurrentUser,
        nav: &'static str,
        title: &str,
    ) -> Result<Frame, AppError> {
        let role = user.role();
        Ok(Frame {
            township: state.settings.township_name.clone(),
            title: title.to_string(),
            nav,
            display_name: user.user.display_name.clone(),
            role_label: role.label(),
            scope_label: state.division_name(&user.user.division).await?,
            csrf_token: user.csrf().await?,
            can_read_registry: role.can_read_registry(),
            can_edit: role.can_edit_registry(),
            can_unmask: role.can_unmask(),
            is_admin: role.can_manage_users(),
            can_upload_feeds: crate::screening::may_upload_feeds(role),
            can_screen: crate::screening::may_run(role),
            can_read_rules: crate::screening::may_read_rules(role),
            can_read_lowincome: crate::lowincome::may_read(role),
            flash: user.take_flash().await?,
        })
    }
}

pub fn static_routes() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(app_css))
        .route("/static/charts.js", get(charts_js))
}

async fn app_css() -> Response {
    let mut resp = APP_CSS.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

async fn charts_js() -> Response {
    let mut resp = CHARTS_JS.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_but_slashes_stay() {
        let mut env = environment();
        env.add_template("t.html", "<a href=\"{{ u }}\">{{ t }}</a>")
            .expect("template");
        let html = env
            .get_template("t.html")
            .and_then(|t| {
                t.render(minijinja::context! { u => "/a?b=1&c=2", t => "<script>'x'</script>" })
            })
            .expect("render");
        assert_eq!(
            html,
            "<a href=\"/a?b=1&amp;c=2\">&lt;script&gt;&#x27;x&#x27;&lt;/script&gt;</a>"
        );
    }

    #[test]
    fn every_template_compiles() {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            if let Err(e) = env.add_template(name, src) {
                panic!("{name}: {e:#}");
            }
        }
    }
}
