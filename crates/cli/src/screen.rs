//! `zhenxing screen` and `zhenxing import feed`: department screening from the store (recorded as a
//! run, or a what-if that writes nothing), and the batch mode over files that touches no database.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use zhenxing_domain::feed::{FeedKind, FeedRecord, Period};
use zhenxing_domain::household::HouseholdKind;
use zhenxing_domain::{CodeEnum, DivisionCode, Policy};
use zhenxing_exchange::{Cell, RosterContext};
use zhenxing_screening::report::{self, Diff, Row};
use zhenxing_screening::{Household, Params, Person, Registry, default_rules, id_key};
use zhenxing_store::{Actor, FeedUpload, SqlStore, Store};

use crate::progress::Progress;

/// What the command line asked for.
pub struct ScreenArgs {
    pub period: Option<String>,
    pub set: Vec<String>,
    pub out: Option<PathBuf>,
    pub what_if: bool,
    pub roster: Vec<PathBuf>,
    pub feeds: Option<PathBuf>,
}

fn period_or_this_month(text: Option<&str>, today: time::Date) -> anyhow::Result<Period> {
    match text {
        Some(t) => Period::parse(t).map_err(|e| anyhow::anyhow!(e)),
        None => Ok(Period::of(today)),
    }
}

/// Writes rows as the CSV contract (`.csv`) or a workbook with Chinese headers (`.xlsx`).
fn write_rows(path: &Path, rows: &[Row], change: Option<&[&str]>) -> anyhow::Result<()> {
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        let mut headers = vec!["户编号", "行政村", "规则", "风险类型", "状态", "依据"];
        if change.is_some() {
            headers.insert(0, "变化");
        }
        let cells: Vec<Vec<Cell>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut v = vec![
                    Cell::Text(r.household_no.clone()),
                    Cell::Text(r.village.clone()),
                    Cell::Text(r.rule_id.clone()),
                    Cell::Text(r.risk_type.clone()),
                    Cell::Text(
                        if r.status == "monitored" {
                            "监测户"
                        } else {
                            "新预警"
                        }
                        .into(),
                    ),
                    Cell::Text(r.evidence.clone()),
                ];
                if let Some(c) = change {
                    v.insert(0, Cell::Text(c.get(i).copied().unwrap_or("").into()));
                }
                v
            })
            .collect();
        let bytes = zhenxing_exchange::write_table_xlsx_bytes("筛查预警", &headers, &cells)?;
        std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    } else {
        let bytes = report::to_csv(rows).context("无法生成 CSV")?;
        std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    }
    Ok(())
}

fn write_diff(path: &Path, diff: &Diff) -> anyhow::Result<()> {
    let mut rows: Vec<Row> = diff.entering.clone();
    rows.extend(diff.leaving.iter().cloned());
    let change: Vec<&str> = diff
        .entering
        .iter()
        .map(|_| "新增")
        .chain(diff.leaving.iter().map(|_| "减少"))
        .collect();
    write_rows(path, &rows, Some(&change))
}

fn print_diff(diff: &Diff) {
    println!(
        "假设分析：新增预警 {} 条，减少 {} 条",
        diff.entering.len(),
        diff.leaving.len()
    );
    for (village, entering, leaving) in diff.by_village() {
        println!("  {village}：新增 {entering} 户，减少 {leaving} 户");
    }
}

/// The integrated run: the store's registry and feeds, recorded unless `--what-if`.
pub async fn screen_store(
    store: &SqlStore,
    root: &DivisionCode,
    args: &ScreenArgs,
    today: time::Date,
) -> anyhow::Result<()> {
    let period = period_or_this_month(args.period.as_deref(), today)?;
    if args.what_if && args.set.is_empty() {
        bail!("假设分析需要用 --set 名称=值 给出要改变的参数，如 --set monitoring_line=7500");
    }
    let actor = Actor::system(root.clone());
    let r =
        zhenxing_web::screening::run(store, &actor, root, period, &args.set, None, args.what_if)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "筛查期间 {period}：{} 户，{} 条部门记录，{} 条规则；读取 {:.2} 秒，筛查 {:.2} 秒",
        r.households,
        r.records,
        r.rules,
        r.load_time.as_secs_f64(),
        r.screen_time.as_secs_f64()
    );
    if let Some(diff) = &r.diff {
        print_diff(diff);
        if let Some(out) = &args.out {
            write_diff(out, diff)?;
            println!("已写入 {}", out.display());
        }
        return Ok(());
    }
    if let Some(o) = &r.outcome {
        println!(
            "筛查完成（第 {} 次）：预警 {} 条，其中新预警 {} 条、监测户信息 {} 条，已有预警补充依据 {} 条",
            o.run_id,
            r.rows.len(),
            o.new,
            o.monitored,
            o.updated
        );
    }
    if let Some(out) = &args.out {
        write_rows(out, &r.rows, None)?;
        println!("已写入 {}", out.display());
    }
    Ok(())
}

/// Batch mode: roster files (one per income year) and a directory of `KIND-YYYY-MM.csv` feed files;
/// no database. Same rules, parameters and output as the integrated run.
pub fn screen_files(args: &ScreenArgs, today: time::Date) -> anyhow::Result<()> {
    let started = Instant::now();
    let Some(period_text) = args.period.as_deref() else {
        bail!("批量筛查需要 --period 年-月，如 --period 2026-03");
    };
    let period = Period::parse(period_text).map_err(|e| anyhow::anyhow!(e))?;
    let Some(dir) = &args.feeds else {
        bail!("批量筛查需要 --feeds 部门数据目录");
    };
    let Some(out) = &args.out else {
        bail!("批量筛查需要 --out 输出文件（.csv 或 .xlsx）");
    };
    if args.roster.is_empty() {
        bail!("批量筛查需要至少一个 --roster 花名册文件");
    }
    let registry = read_rosters(&args.roster, today)?;
    let records = read_feed_dir(dir, period, &registry, today)?;
    let read = started.elapsed();
    let base = Params::resolve(
        &Policy::defaults(),
        &DivisionCode::parse("000000").map_err(|e| anyhow::anyhow!(e.to_string()))?,
        period.year,
    );
    let params = zhenxing_web::screening::with_overrides(&base, &args.set)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rules = zhenxing_web::screening::compile_enabled(&default_rules())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hits = zhenxing_screening::screen(&registry, &records, period, &rules, &params);
    let rows = report::rows(&registry, &rules, &hits);
    write_rows(out, &rows, None)?;
    eprintln!(
        "批量筛查 {period}：{} 户，{} 条部门记录，预警 {} 条；读取 {:.2} 秒，筛查 {:.2} 秒",
        registry.len(),
        records.len(),
        rows.len(),
        read.as_secs_f64(),
        (started.elapsed() - read).as_secs_f64()
    );
    println!("已写入 {}", out.display());
    Ok(())
}

/// Reads the roster files into one registry: the first file that names a household gives its
/// members; every file adds its income years.
fn read_rosters(paths: &[PathBuf], today: time::Date) -> anyhow::Result<Registry> {
    let ctx = RosterContext::open(today);
    let mut households: Vec<Household> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut errors = 0usize;
    for path in paths {
        let bar = Progress::rows("读取花名册（人）", None);
        let roster = zhenxing_exchange::read_roster(path, &ctx, &|n| bar.set(n as u64))
            .with_context(|| format!("无法读取花名册 {}", path.display()))?;
        bar.finish();
        for f in roster
            .findings
            .iter()
            .filter(|f| f.severity == zhenxing_exchange::Severity::Error)
        {
            errors += 1;
            if errors <= 20 {
                eprintln!("{}：{}", path.display(), f.describe());
            }
        }
        for parsed in &roster.households {
            let h = &parsed.household;
            match index.get(&h.household_no) {
                Some(&i) => {
                    for inc in &h.incomes {
                        if !households[i].incomes.iter().any(|x| x.year == inc.year) {
                            households[i].incomes.push(*inc);
                        }
                    }
                }
                None => {
                    index.insert(h.household_no.clone(), households.len());
                    households.push(Household {
                        household_no: h.household_no.clone(),
                        village: roster
                            .village_name(&h.village)
                            .unwrap_or(h.village.as_str())
                            .to_string(),
                        kind: h.kind,
                        monitored: h.kind == HouseholdKind::Monitored,
                        members: h
                            .members
                            .iter()
                            .filter_map(|m| {
                                Some(Person {
                                    key: id_key(m.id_number.base())?,
                                    birth: m.birth_date,
                                    labour: m.labour,
                                    disability: m.disability_grade,
                                })
                            })
                            .collect(),
                        incomes: h.incomes.clone(),
                    });
                }
            }
        }
    }
    if errors > 20 {
        eprintln!("……花名册共 {errors} 处错误，出错的农户未参加筛查");
    }
    Ok(Registry::new(households))
}

/// Reads `KIND-YYYY-MM.csv` (or `.xlsx`) files of the 12 months ending with `period`.
fn read_feed_dir(
    dir: &Path,
    period: Period,
    registry: &Registry,
    today: time::Date,
) -> anyhow::Result<Vec<FeedRecord>> {
    let mut files: Vec<(FeedKind, Period, PathBuf)> = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("无法读取目录 {}", dir.display()))?
    {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let Some((kind, month)) = stem.split_once('-') else {
            continue;
        };
        let (Some(kind), Ok(p)) = (FeedKind::from_code(kind), Period::parse(month)) else {
            continue;
        };
        if p.index() <= period.index() && p.index() > period.index() - 12 {
            files.push((kind, p, path));
        }
    }
    files.sort_by(|a, b| a.2.cmp(&b.2));
    let mut records = Vec::new();
    let (mut malformed, mut unmatched) = (0usize, 0usize);
    for (kind, _, path) in &files {
        let file = zhenxing_exchange::read_feed(*kind, path, today)
            .with_context(|| format!("无法读取部门数据 {}", path.display()))?;
        malformed += file.rows_malformed;
        for f in file.findings.iter().take(5) {
            eprintln!("{}：{}", path.display(), f.describe());
        }
        for (_, r) in file.records {
            if zhenxing_screening::features::locate(registry, &r.subject()).is_none() {
                unmatched += 1;
            }
            records.push(r);
        }
    }
    if malformed + unmatched > 0 {
        eprintln!("部门数据：格式错误 {malformed} 行（已跳过），未匹配 {unmatched} 条");
    }
    Ok(records)
}

/// `zhenxing import feed KIND FILE --period YYYY-MM`: one transaction; a file seen before changes
/// nothing. Exit 3 when every row was malformed.
pub async fn import_feed(
    store: &SqlStore,
    root: &DivisionCode,
    kind: &str,
    file: &Path,
    period: &str,
    today: time::Date,
) -> anyhow::Result<bool> {
    let Some(kind) = FeedKind::parse_label(kind) else {
        let kinds: Vec<&str> = FeedKind::ALL.iter().map(|k| k.code()).collect();
        bail!("未知的部门数据类型“{kind}”：可用 {}", kinds.join("、"));
    };
    let period = Period::parse(period).map_err(|e| anyhow::anyhow!(e))?;
    let feed = zhenxing_exchange::read_feed(kind, file, today)
        .with_context(|| format!("无法读取 {}", file.display()))?;
    for f in feed.findings.iter().take(50) {
        eprintln!("{}", f.describe());
    }
    if feed.findings.len() > 50 {
        eprintln!("……共 {} 处问题", feed.findings.len());
    }
    if feed.records.is_empty() && feed.rows_total > 0 {
        eprintln!("文件中没有可用的记录：{} 行全部有误", feed.rows_total);
        return Ok(false);
    }
    let upload = FeedUpload {
        kind,
        period,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        content_hash: feed.content_hash.clone(),
        rows_total: feed.rows_total as u64,
        rows_malformed: feed.rows_malformed as u64,
    };
    let actor = Actor::system(root.clone());
    let outcome = store.feed_upload(&actor, &upload, &feed.records).await?;
    if outcome.duplicate {
        println!(
            "该文件已于之前上传（{} {period}），未做任何改动",
            kind.label()
        );
        return Ok(true);
    }
    println!(
        "已导入{} {period}：{} 行，匹配 {} 条，未匹配 {} 条，格式错误 {} 行",
        kind.label(),
        feed.rows_total,
        outcome.matched,
        outcome.unmatched.len(),
        feed.rows_malformed
    );
    for u in outcome.unmatched.iter().take(20) {
        println!("  未匹配：第{}行 {}", u.row, u.subject);
    }
    Ok(true)
}
