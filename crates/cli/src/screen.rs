//! `zhenxing screen` and `zhenxing import feed`: department screening from the store (recorded as a
//! run, or a what-if that writes nothing), and the batch mode over files that touches no database.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use zhenxing_domain::feed::{FeedKind, FeedRecord, Period, VisitType};
use zhenxing_domain::household::HouseholdKind;
use zhenxing_domain::{CodeEnum, DivisionCode, Policy};
use zhenxing_exchange::batch::{BatchHousehold, BatchRecord};
use zhenxing_exchange::{Cell, RosterContext};
use zhenxing_screening::report::{self, Diff, Row};
use zhenxing_screening::{
    Household, MedicalTotals, Params, Person, Registry, default_rules, features,
};
use zhenxing_store::{Actor, FeedUpload, SqlStore, Store};

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
///
/// Files are read by `zhenxing_exchange::batch` (the full readers' results and findings, at CSV
/// speed), several at a time (one thread per core). Feed records are not held: medical settlements
/// are added up per household as they stream by ([`MedicalTotals`]); only the records dated in the
/// period (the ones event rules and evidence look at) are kept, in file order.
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
    let base = Params::resolve(
        &Policy::defaults(),
        &DivisionCode::parse("000000").map_err(|e| anyhow::anyhow!(e.to_string()))?,
        period.year,
    );
    let params = zhenxing_web::screening::with_overrides(&base, &args.set)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rules = zhenxing_web::screening::compile_enabled(&default_rules())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let registry = read_rosters(&args.roster, today)?;
    let roster_time = started.elapsed();
    let feeds = read_feed_dir(dir, period, &registry, today)?;
    let read = started.elapsed();
    let hits = zhenxing_screening::screen_with(
        &registry,
        &feeds.records,
        Some(&feeds.totals),
        period,
        &rules,
        &params,
    );
    let rows = report::rows(&registry, &rules, &hits);
    write_rows(out, &rows, None)?;
    eprintln!(
        "批量筛查 {period}：{} 户，{} 条部门记录，预警 {} 条；读取 {:.2} 秒（花名册 {:.2} 秒），筛查 {:.2} 秒",
        registry.len(),
        feeds.count,
        rows.len(),
        read.as_secs_f64(),
        roster_time.as_secs_f64(),
        (started.elapsed() - read).as_secs_f64()
    );
    println!("已写入 {}", out.display());
    // The process ends here: freeing a province's registry (millions of small allocations, half
    // of them made on other threads) would only add a second to the run.
    std::mem::forget((registry, feeds, hits, rows));
    Ok(())
}

/// How many threads read files at once.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `f` over `items` on [`workers`] threads, each taking the next item when done; results in the
/// order of `items`.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    order: &[usize],
    f: &(dyn Fn(usize, &T) -> R + Sync),
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers().min(items.len()) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let r = f(i, &items[i]);
                    if let Ok(mut v) = results.lock() {
                        v[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Reads the roster files into one registry: the first file that names a household gives its
/// members; every file adds its income years.
fn read_rosters(paths: &[PathBuf], today: time::Date) -> anyhow::Result<Registry> {
    let ctx = RosterContext::open(today);
    let order: Vec<usize> = (0..paths.len()).collect();
    let t0 = Instant::now();
    let read = parallel(paths, &order, &|_, path: &PathBuf| {
        let t = Instant::now();
        let r = zhenxing_exchange::batch::read_roster_batch(path, &ctx)
            .with_context(|| format!("无法读取花名册 {}", path.display()));
        if let Ok(r) = &r {
            tracing::debug!(
                file = %path.display(),
                seconds = t.elapsed().as_secs_f64(),
                households = r.households.len(),
                checked_in_full = r.checked_in_full,
                full_reader = r.full_reader,
                "roster read"
            );
        }
        r
    });
    tracing::debug!(seconds = t0.elapsed().as_secs_f64(), "rosters read");
    let mut errors = 0usize;
    let mut registry: Option<Registry> = None;
    for (path, roster) in paths.iter().zip(read) {
        let roster = roster?;
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
        let villages = roster.villages;
        let household = |h: BatchHousehold| Household {
            village: villages
                .get(h.village as usize)
                .cloned()
                .unwrap_or_default(),
            monitored: h.kind == HouseholdKind::Monitored,
            kind: h.kind,
            members: h
                .members
                .into_iter()
                .map(|m| Person {
                    key: m.id_key,
                    birth: m.birth,
                    labour: m.labour,
                    disability: m.disability,
                })
                .collect(),
            incomes: {
                // One income year per file: room for all of them, no regrowth.
                let mut v = Vec::with_capacity(paths.len());
                v.extend(h.income);
                v
            },
            household_no: h.household_no,
        };
        let t = Instant::now();
        registry = Some(match registry.take() {
            None => {
                let households: Vec<Household> =
                    roster.households.into_iter().map(household).collect();
                tracing::debug!(seconds = t.elapsed().as_secs_f64(), "households converted");
                Registry::new(households)
            }
            Some(mut reg) => {
                let mut new = Vec::new();
                for (j, h) in roster.households.into_iter().enumerate() {
                    // Files of one system list households in the same order: try the same place
                    // first (a look at the next household rather than a lookup).
                    let same_place = reg
                        .households
                        .get(j)
                        .is_some_and(|x| x.household_no == h.household_no)
                        .then(|| u32::try_from(j).ok())
                        .flatten();
                    match same_place.or_else(|| reg.household_by_number(&h.household_no)) {
                        Some(i) => {
                            let incomes = &mut reg.households[i as usize].incomes;
                            if let Some(inc) = h.income
                                && !incomes.iter().any(|x| x.year == inc.year)
                            {
                                incomes.push(inc);
                            }
                        }
                        None => new.push(household(h)),
                    }
                }
                tracing::debug!(seconds = t.elapsed().as_secs_f64(), "income years merged");
                if new.is_empty() {
                    reg
                } else {
                    let mut all = std::mem::take(&mut reg.households);
                    drop(reg);
                    all.extend(new);
                    Registry::new(all)
                }
            }
        });
    }
    if errors > 20 {
        eprintln!("……花名册共 {errors} 处错误，出错的农户未参加筛查");
    }
    tracing::debug!(seconds = t0.elapsed().as_secs_f64(), "registry built");
    Ok(registry.unwrap_or_default())
}

/// What the feed files give a batch run.
struct Feeds {
    /// The records dated in the period, in file order (files by name, then rows).
    records: Vec<FeedRecord>,
    /// The 12-month medical sums.
    totals: MedicalTotals,
    /// Well-formed records read.
    count: usize,
}

/// What one thread gathered from the files it read.
struct Gathered {
    /// (file, row, record) of the records dated in the period.
    kept: Vec<(usize, usize, FeedRecord)>,
    /// Empty until the thread reads a medical file; then one slot per household.
    totals: MedicalTotals,
    count: usize,
    unmatched: usize,
    /// (file, malformed rows, its first findings).
    files: Vec<(usize, usize, Vec<zhenxing_exchange::Finding>)>,
}

/// Medical settlements looked up together (see [`Gathered::medical`]).
const LOOKUP_BATCH: usize = 32;

impl Gathered {
    /// Adds a batch of medical settlements of file `fi` (and empties it): the 12-month sums, and
    /// the stays of the period kept for `stay_oop_max` and its evidence.
    fn medical(
        &mut self,
        registry: &Registry,
        period: Period,
        fi: usize,
        pending: &mut Vec<(usize, BatchRecord)>,
    ) {
        let mut homes = [None; LOOKUP_BATCH];
        for (home, (_, r)) in homes.iter_mut().zip(pending.iter()) {
            if let BatchRecord::Medical { person, .. } = r {
                *home = registry.person(*person);
            }
        }
        for ((row, r), home) in pending.drain(..).zip(homes) {
            let BatchRecord::Medical {
                date,
                visit_type,
                eligible_out_of_pocket,
                ..
            } = r
            else {
                continue;
            };
            let Some((h, _)) = home else {
                self.unmatched += 1;
                continue;
            };
            if period.window_contains(12, date) {
                self.totals.add(h as usize, eligible_out_of_pocket.fen());
            }
            if visit_type == VisitType::Inpatient && period.contains(date) {
                self.kept.push((fi, row, r.into_record()));
            }
        }
    }
}

/// Reads the `KIND-YYYY-MM.csv` (or `.xlsx`) files of the 12 months ending with `period`, on
/// [`workers`] threads, each with its own sums (merged at the end, so that no lock is taken per
/// record).
fn read_feed_dir(
    dir: &Path,
    period: Period,
    registry: &Registry,
    today: time::Date,
) -> anyhow::Result<Feeds> {
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
    // Largest files first, so that the threads finish together.
    let mut order: Vec<usize> = (0..files.len()).collect();
    let size = |i: &usize| std::fs::metadata(&files[*i].2).map_or(0, |m| m.len());
    order.sort_by_key(|i| std::cmp::Reverse(size(i)));
    let n = registry.len();
    let next = AtomicUsize::new(0);
    let gather = || -> anyhow::Result<Gathered> {
        let mut g = Gathered {
            kept: Vec::new(),
            totals: MedicalTotals::default(),
            count: 0,
            unmatched: 0,
            files: Vec::new(),
        };
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&fi) = order.get(k) else { break };
            let (kind, _, path) = &files[fi];
            if *kind == FeedKind::Medical && g.totals.is_empty() {
                g.totals = MedicalTotals::new(n);
            }
            // Medical settlements are looked up a few dozen at a time: the lookups of a batch miss
            // the cache independently of each other, so the processor overlaps them.
            let mut pending: Vec<(usize, BatchRecord)> = Vec::with_capacity(LOOKUP_BATCH);
            let mut on_record = |row: usize, r: BatchRecord| {
                g.count += 1;
                match r {
                    BatchRecord::Medical { .. } => {
                        pending.push((row, r));
                        if pending.len() == LOOKUP_BATCH {
                            g.medical(registry, period, fi, &mut pending);
                        }
                    }
                    BatchRecord::Event { person, date, .. } => {
                        if registry.person(person).is_none() {
                            g.unmatched += 1;
                        } else if period.contains(date) {
                            g.kept.push((fi, row, r.into_record()));
                        }
                    }
                    BatchRecord::Other(r) => {
                        if features::locate_record(registry, &r).is_none() {
                            g.unmatched += 1;
                        } else if period.contains(r.date()) {
                            g.kept.push((fi, row, r));
                        }
                    }
                }
            };
            let file =
                zhenxing_exchange::batch::read_feed_batch(*kind, path, today, &mut on_record)
                    .with_context(|| format!("无法读取部门数据 {}", path.display()))?;
            g.medical(registry, period, fi, &mut pending);
            g.files.push((
                fi,
                file.rows_malformed,
                file.findings.into_iter().take(5).collect(),
            ));
        }
        Ok(g)
    };
    let gathered: Vec<anyhow::Result<Gathered>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers().min(files.len()))
            .map(|_| s.spawn(gather))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("读取部门数据的线程异常退出")))
            })
            .collect()
    });
    let mut feeds = Feeds {
        records: Vec::new(),
        totals: MedicalTotals::default(),
        count: 0,
    };
    let (mut malformed, mut unmatched) = (0usize, 0usize);
    let mut kept = Vec::new();
    let mut reports = Vec::new();
    for g in gathered {
        let g = g?;
        feeds.count += g.count;
        unmatched += g.unmatched;
        if feeds.totals.is_empty() {
            feeds.totals = g.totals;
        } else if !g.totals.is_empty() {
            feeds.totals.merge(&g.totals);
        }
        kept.extend(g.kept);
        reports.extend(g.files);
    }
    reports.sort_by_key(|(fi, _, _)| *fi);
    for (fi, bad, findings) in reports {
        malformed += bad;
        for f in findings {
            eprintln!("{}：{}", files[fi].2.display(), f.describe());
        }
    }
    // Files by name, rows in order: the order a single reader would have seen them in.
    kept.sort_by_key(|(fi, row, _)| (*fi, *row));
    feeds.records = kept.into_iter().map(|(_, _, r)| r).collect();
    if malformed + unmatched > 0 {
        eprintln!("部门数据：格式错误 {malformed} 行（已跳过），未匹配 {unmatched} 条");
    }
    Ok(feeds)
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
