//! The front-end scripts embedded in the binary: ECharts and htmx from npm, and our charts.js.

use reqwest::StatusCode;
use zhenxing_testkit::TestApp;

#[tokio::test]
async fn the_vendored_and_own_scripts_are_served_as_javascript() {
    let app = TestApp::spawn().await;
    for (path, marker, min_len) in [
        ("/static/vendor/echarts.min.js", "echarts", 100_000),
        ("/static/vendor/htmx.min.js", "htmx", 10_000),
        ("/static/charts.js", "echarts", 1_000),
    ] {
        let resp = app.http.get(app.url(path)).send().await.expect(path);
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            header("content-type"),
            "text/javascript; charset=utf-8",
            "{path}"
        );
        assert!(
            header("cache-control").starts_with("public, max-age="),
            "{path}"
        );
        let body = resp.text().await.expect("body");
        assert!(body.len() > min_len, "{path}: only {} bytes", body.len());
        assert!(body.contains(marker), "{path} does not mention {marker}");
    }
}

#[tokio::test]
async fn every_page_loads_htmx_and_a_page_without_charts_not_echarts() {
    let app = TestApp::spawn().await;
    app.login_as("town", zhenxing_testkit::PASSWORD).await;
    let me = app.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        me.text
            .contains(r#"<script src="/static/vendor/htmx.min.js" defer></script>"#)
    );
    assert!(!me.text.contains("/static/vendor/echarts.min.js"));
}
