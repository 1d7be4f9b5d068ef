//! The CLI contract of DESIGN.md, run as a user runs it: the real binary on a fresh SQLite file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn zhenxing(dir: &Path, args: &[&str]) -> Output {
    zhenxing_with_input(dir, args, b"")
}

fn zhenxing_with_input(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhenxing"))
        .args(args)
        .env(
            "ZHENXING_DB",
            format!("sqlite://{}", dir.join("z.db").display()),
        )
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_roster_imports_reimports_as_a_no_op_and_exports_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let made = zhenxing(d, &["demo", "--persons", "600", "--roster", "roster.xlsx"]);
    assert!(made.status.success(), "{}", text(&made));

    let first = zhenxing(d, &["import", "households", "roster.xlsx"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let out = text(&first);
    assert!(out.contains("已导入") && out.contains("/ 600 人"), "{out}");

    let again = zhenxing(d, &["import", "households", "roster.xlsx"]);
    let out = text(&again);
    assert!(out.contains("新增 0 户，更新 0 户"), "{out}");

    let export = zhenxing(
        d,
        &["export", "households", "--out", "full.xlsx", "--unmasked"],
    );
    assert!(export.status.success(), "{}", text(&export));
    let back = zhenxing(d, &["import", "households", "full.xlsx"]);
    let out = text(&back);
    assert!(
        out.contains("新增 0 户，更新 0 户") && out.contains("成员新增 0、更新 0、移除 0"),
        "export → import must change nothing: {out}"
    );

    // The default export is masked: importing it back is refused with exit code 3 and nothing changes.
    let masked = zhenxing(
        d,
        &[
            "export",
            "households",
            "--out",
            "masked.xlsx",
            "--division",
            "500110120204",
        ],
    );
    assert!(masked.status.success(), "{}", text(&masked));
    let refused = zhenxing(
        d,
        &[
            "import",
            "households",
            "masked.xlsx",
            "--errors",
            "errors.xlsx",
        ],
    );
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(text(&refused).contains("未导入任何数据"));
    assert!(d.join("errors.xlsx").exists());
}

#[test]
fn partial_imports_only_the_valid_households() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let csv = "乡（镇）,行政村,户编号,户类型,姓名,证件号码,与户主关系\n\
               扶欢镇,青岩村,QY-1,一般农户,张三,11010519491231002X,户主\n\
               扶欢镇,青岩村,QY-2,一般农户,李四,110105194912310021,户主\n";
    std::fs::write(d.join("r.csv"), csv).expect("write csv");

    let all_or_nothing = zhenxing(d, &["import", "households", "r.csv"]);
    assert_eq!(all_or_nothing.status.code(), Some(3));
    let out = text(&all_or_nothing);
    assert!(
        out.contains("第3行【证件号码】身份证号码校验位错误，应为 X"),
        "{out}"
    );

    let partial = zhenxing(d, &["import", "households", "r.csv", "--partial"]);
    assert_eq!(
        partial.status.code(),
        Some(3),
        "some households were still rejected"
    );
    let out = text(&partial);
    assert!(
        out.contains("已导入 1 户 / 1 人") && out.contains("另有 1 户因错误被拒绝"),
        "{out}"
    );
}

#[test]
fn a_user_is_added_with_the_password_from_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let add = [
        "user",
        "add",
        "zhang",
        "--role",
        "village_cadre",
        "--division",
        "500110120204",
    ];
    let out = zhenxing_with_input(d, &add, b"a-long-password\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("已创建用户 zhang（村干部）"));
    assert!(
        !text(&out).contains("a-long-password"),
        "the password is never echoed"
    );

    let again = zhenxing_with_input(
        d,
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "村干部",
            "--division",
            "500110120204",
        ],
        b"another-password",
    );
    assert_eq!(
        again.status.code(),
        Some(1),
        "a duplicate user fails: {}",
        text(&again)
    );
    assert!(text(&again).contains("已存在"));
    let short = zhenxing_with_input(
        d,
        &[
            "user",
            "add",
            "li",
            "--role",
            "village_cadre",
            "--division",
            "500110120204",
        ],
        b"short",
    );
    assert_eq!(short.status.code(), Some(2));
    let bad_role = zhenxing_with_input(
        d,
        &[
            "user",
            "add",
            "li",
            "--role",
            "boss",
            "--division",
            "500110120204",
        ],
        b"a-long-password",
    );
    assert_eq!(bad_role.status.code(), Some(2));
}

#[test]
fn the_demo_has_a_monitoring_history_that_exports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let made = zhenxing(d, &["demo", "--persons", "3000"]);
    assert!(made.status.success(), "{}", text(&made));

    let cases = zhenxing(d, &["export", "cases", "--out", "cases.xlsx"]);
    let out = text(&cases);
    assert_eq!(cases.status.code(), Some(0), "{out}");
    assert!(out.contains("件办理流程"), "{out}");
    // The demo walks cases through the real chain: some open, some approved.
    let n: usize = out
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert!(n > 10, "{out}");

    let monitored = zhenxing(
        d,
        &[
            "export",
            "monitored",
            "--out",
            "m.xlsx",
            "--division",
            "500110120204",
        ],
    );
    let out = text(&monitored);
    assert_eq!(monitored.status.code(), Some(0), "{out}");
    assert!(out.contains("户监测户"), "{out}");
    let bytes = std::fs::read(d.join("cases.xlsx")).expect("workbook");
    assert!(bytes.starts_with(b"PK"), "an xlsx (zip) file");

    let outside = zhenxing(
        d,
        &["export", "cases", "--out", "x.xlsx", "--division", "510100"],
    );
    assert_ne!(outside.status.code(), Some(0));
    assert!(
        text(&outside).contains("不属于本系统"),
        "{}",
        text(&outside)
    );
}

#[test]
fn feeds_import_once_and_screening_runs_in_the_store_and_on_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let made = zhenxing(d, &["demo", "--persons", "3000"]);
    assert!(made.status.success(), "{}", text(&made));
    let files = zhenxing(
        d,
        &[
            "demo",
            "--persons",
            "3000",
            "--roster",
            "roster.csv",
            "--feeds",
            "feeds",
            "--period",
            "2026-03",
        ],
    );
    assert!(files.status.success(), "{}", text(&files));

    let medical = d.join("feeds").join("medical-2026-03.csv");
    let medical = medical.to_str().expect("path");
    let first = zhenxing(
        d,
        &["import", "feed", "medical", medical, "--period", "2026-03"],
    );
    let out = text(&first);
    assert_eq!(first.status.code(), Some(0), "{out}");
    assert!(out.contains("已导入医保结算 2026-03"), "{out}");
    let again = zhenxing(
        d,
        &["import", "feed", "medical", medical, "--period", "2026-03"],
    );
    assert!(text(&again).contains("未做任何改动"), "{}", text(&again));

    let bad = zhenxing(
        d,
        &["import", "feed", "medicine", medical, "--period", "2026-03"],
    );
    assert_ne!(bad.status.code(), Some(0));
    assert!(text(&bad).contains("未知的部门数据类型"), "{}", text(&bad));

    let run = zhenxing(d, &["screen", "--period", "2026-03", "--out", "run.csv"]);
    let out = text(&run);
    assert_eq!(run.status.code(), Some(0), "{out}");
    assert!(out.contains("筛查完成"), "{out}");
    let csv = std::fs::read_to_string(d.join("run.csv")).expect("csv");
    assert!(
        csv.starts_with("household_no,village,rule_id,risk_type,status,evidence\n"),
        "{csv}"
    );
    assert!(csv.lines().count() > 1, "some warnings");

    let what_if = zhenxing(
        d,
        &[
            "screen",
            "--period",
            "2026-03",
            "--what-if",
            "--set",
            "monitoring_line=9000",
            "--out",
            "diff.xlsx",
        ],
    );
    let out = text(&what_if);
    assert_eq!(what_if.status.code(), Some(0), "{out}");
    assert!(out.contains("假设分析：新增预警"), "{out}");
    let unknown = zhenxing(d, &["screen", "--what-if", "--set", "line=9000"]);
    assert!(text(&unknown).contains("未知的参数"), "{}", text(&unknown));

    let batch = zhenxing(
        d,
        &[
            "screen",
            "--period",
            "2026-03",
            "--roster",
            "roster.csv",
            "--feeds",
            "feeds",
            "--out",
            "batch.csv",
        ],
    );
    let out = text(&batch);
    assert_eq!(batch.status.code(), Some(0), "{out}");
    let batch_csv = std::fs::read_to_string(d.join("batch.csv")).expect("csv");
    assert!(batch_csv.lines().count() > 1, "{out}");

    // The roster and every feed file imported into a new database, the store's run (which keeps
    // 12-month medical sums per person rather than every settlement) reports what batch mode
    // reports from the same files, a period later too (the window moves by a month).
    let fresh = d.join("fresh");
    std::fs::create_dir(&fresh).expect("dir");
    let roster = d.join("roster.csv");
    let imported = zhenxing(
        &fresh,
        &["import", "households", roster.to_str().expect("path")],
    );
    assert_eq!(imported.status.code(), Some(0), "{}", text(&imported));
    for entry in std::fs::read_dir(d.join("feeds")).expect("feeds") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let (kind, month) = name.split_once('-').expect("KIND-YYYY-MM");
        let path = path.to_str().expect("path");
        let imported = zhenxing(&fresh, &["import", "feed", kind, path, "--period", month]);
        assert_eq!(imported.status.code(), Some(0), "{}", text(&imported));
    }
    for period in ["2026-03", "2026-04"] {
        let rows = |file: &str| -> Vec<String> {
            let csv = std::fs::read_to_string(d.join(file)).expect("csv");
            csv.lines().map(str::to_string).collect()
        };
        let integrated = zhenxing(
            &fresh,
            &[
                "screen",
                "--period",
                period,
                "--out",
                d.join("i.csv").to_str().expect("path"),
            ],
        );
        assert_eq!(integrated.status.code(), Some(0), "{}", text(&integrated));
        let batch = zhenxing(
            d,
            &[
                "screen",
                "--period",
                period,
                "--roster",
                "roster.csv",
                "--feeds",
                "feeds",
                "--out",
                "b.csv",
            ],
        );
        assert_eq!(batch.status.code(), Some(0), "{}", text(&batch));
        let (i, b) = (rows("i.csv"), rows("b.csv"));
        assert!(i.len() > 10, "{period}: {i:?}");
        let only_i: Vec<&String> = i.iter().filter(|r| !b.contains(r)).collect();
        let only_b: Vec<&String> = b.iter().filter(|r| !i.contains(r)).collect();
        assert!(
            only_i.is_empty() && only_b.is_empty(),
            "{period}: only in the store's run {only_i:?}, only in batch mode {only_b:?}"
        );
    }
}

#[test]
fn the_premium_list_exports_masked_unless_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let made = zhenxing(d, &["demo", "--persons", "3000"]);
    assert!(made.status.success(), "{}", text(&made));

    let masked = zhenxing(
        d,
        &["export", "premium", "--year", "2026", "--out", "p.xlsx"],
    );
    let out = text(&masked);
    assert_eq!(masked.status.code(), Some(0), "{out}");
    assert!(out.contains("已导出 2026 年养老保险代缴名单"), "{out}");
    assert!(!out.contains("含完整证件号码"), "{out}");
    let bytes = std::fs::read(d.join("p.xlsx")).expect("workbook");
    assert!(bytes.starts_with(b"PK"), "an xlsx (zip) file");

    let full = zhenxing(
        d,
        &[
            "export",
            "premium",
            "--year",
            "2026",
            "--out",
            "full.xlsx",
            "--unmasked",
            "--division",
            "500110120204",
        ],
    );
    let out = text(&full);
    assert_eq!(full.status.code(), Some(0), "{out}");
    assert!(out.contains("含完整证件号码"), "{out}");

    let missing = zhenxing(d, &["export", "premium", "--out", "x.xlsx"]);
    assert_eq!(missing.status.code(), Some(2), "--year is required");
}
