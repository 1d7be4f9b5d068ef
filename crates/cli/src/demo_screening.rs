//! Department feeds for the demo: a year of synthetic files (and the roster, one CSV per income year)
//! written as `KIND-YYYY-MM.csv` for batch mode at any scale, streamed; or, for `serve --demo`, last
//! month's files uploaded through the same reader and store path as a department clerk's upload,
//! followed by one recorded screening run.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use zhenxing_domain::feed::{FeedKind, FeedRecord, Period};
use zhenxing_domain::{CodeEnum, DivisionCode, Household};
use zhenxing_exchange::{ExportHousehold, RosterCsvWriter};
use zhenxing_store::{Actor, FeedUpload, PageRequest, SqlStore, Store};
use zhenxing_synth::{FeedFiles, FeedScale};

use crate::progress::Progress;

/// The synthetic township's records for `period`, per (kind, month) as the departments send them.
fn monthly(
    households: &[Household],
    period: Period,
    seed: u64,
) -> BTreeMap<(usize, Period), (FeedKind, Vec<FeedRecord>)> {
    let mut files: BTreeMap<(usize, Period), (FeedKind, Vec<FeedRecord>)> = BTreeMap::new();
    for (kind, records) in zhenxing_synth::feeds(households, period, seed, FeedScale::default()) {
        let k = FeedKind::ALL.iter().position(|x| *x == kind).unwrap_or(0);
        for r in records {
            files
                .entry((k, Period::of(r.date())))
                .or_insert_with(|| (kind, Vec::new()))
                .1
                .push(r);
        }
    }
    files
}

fn synthetic_households(persons: u64, seed: u64, today: time::Date) -> Vec<Household> {
    zhenxing_synth::households(&config(persons, seed, today)).collect()
}

fn config(persons: u64, seed: u64, today: time::Date) -> zhenxing_synth::SynthConfig {
    zhenxing_synth::SynthConfig {
        seed,
        persons,
        today,
        income_years: [2024, 2025],
    }
}

/// What [`write_files`] wrote: (path, data rows, bytes) per file.
pub struct Written {
    pub households: u64,
    pub persons: u64,
    pub rosters: Vec<(PathBuf, u64, u64)>,
    pub feeds: Vec<(PathBuf, u64, u64)>,
}

/// Households travel from the generator to the feed writer in batches of this many.
const BATCH: usize = 2_000;

/// `zhenxing demo --roster DIR --feeds DIR`: the input of batch screening at any scale, streamed.
/// Rosters: `roster-YEAR.csv` per income year in the LAYOUT.md layout (every household of the
/// synthetic region under its own town and village). Feeds: a year of `KIND-YYYY-MM.csv` files
/// ending with `period` (`zhenxing_synth::household_year`). One thread generates households and
/// writes the rosters, another draws and writes the feeds; memory holds a few batches.
pub fn write_files(
    roster_dir: Option<&Path>,
    feeds_dir: Option<&Path>,
    persons: u64,
    seed: u64,
    period: Period,
    today: time::Date,
) -> anyhow::Result<Written> {
    let cfg = config(persons, seed, today);
    let names: HashMap<DivisionCode, (String, &'static str)> = zhenxing_synth::towns(persons)
        .into_iter()
        .flat_map(|t| {
            let town = t.name;
            t.units
                .into_iter()
                .map(move |u| (u.code, (town.clone(), u.name)))
        })
        .collect();
    let mut rosters = Vec::new();
    if let Some(dir) = roster_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
        for year in cfg.income_years {
            let path = dir.join(format!("roster-{year}.csv"));
            let file = std::fs::File::create(&path)
                .with_context(|| format!("无法写入 {}", path.display()))?;
            let w = RosterCsvWriter::new(BufWriter::with_capacity(1 << 17, file))?;
            rosters.push((year, path, w));
        }
    }
    let feeds = match feeds_dir {
        Some(dir) => Some(
            FeedFiles::create(dir, period, seed, FeedScale::default())
                .with_context(|| format!("无法创建目录 {}", dir.display()))?,
        ),
        None => None,
    };
    let bar = Progress::rows("生成（人）", Some(persons));
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Household>>(4);
    let (households, people, feed_files) = std::thread::scope(|s| -> anyhow::Result<_> {
        let feed_thread = s.spawn(move || -> anyhow::Result<Vec<(PathBuf, u64, u64)>> {
            let Some(mut files) = feeds else {
                for _ in rx {}
                return Ok(Vec::new());
            };
            for batch in rx {
                for h in &batch {
                    files.household(h)?;
                }
            }
            Ok(files.finish()?)
        });
        let (mut households, mut people) = (0u64, 0u64);
        let mut batch = Vec::with_capacity(BATCH);
        let send = |batch: Vec<Household>| {
            tx.send(batch)
                .map_err(|_| anyhow::anyhow!("写入部门数据的线程已退出"))
        };
        for mut h in zhenxing_synth::households(&cfg) {
            households += 1;
            people += h.members.len() as u64;
            if !rosters.is_empty() {
                let (town, village) = names
                    .get(&h.village)
                    .map_or(("", ""), |(t, v)| (t.as_str(), *v));
                let incomes = std::mem::take(&mut h.incomes);
                for (year, _, w) in &mut rosters {
                    h.incomes = incomes
                        .iter()
                        .filter(|r| r.year == *year)
                        .copied()
                        .collect();
                    w.household(
                        &ExportHousehold {
                            township: town,
                            village_name: village,
                            household: &h,
                        },
                        false,
                    )?;
                }
                h.incomes = incomes;
            }
            batch.push(h);
            if batch.len() == BATCH {
                send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
                bar.set(people);
            }
        }
        if !batch.is_empty() {
            send(batch)?;
        }
        drop(tx);
        let feed_files = feed_thread
            .join()
            .map_err(|_| anyhow::anyhow!("写入部门数据的线程异常退出"))??;
        Ok((households, people, feed_files))
    })?;
    bar.finish();
    let mut roster_files = Vec::new();
    for (_, path, w) in rosters {
        let rows = w.rows();
        let mut file = w.finish()?;
        file.flush()?;
        let bytes = std::fs::metadata(&path)?.len();
        roster_files.push((path, rows, bytes));
    }
    Ok(Written {
        households,
        persons: people,
        rosters: roster_files,
        feeds: feed_files,
    })
}

/// Uploads last month's synthetic feeds into an empty demo database and runs screening once.
pub async fn seed(
    store: &SqlStore,
    root: &DivisionCode,
    persons: u64,
    seed: u64,
    today: time::Date,
) -> anyhow::Result<()> {
    let actor = Actor::system(root.clone());
    let uploads = store
        .feed_uploads(
            &actor,
            PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?;
    if uploads.total > 0 {
        return Ok(());
    }
    let period = Period::of(today).minus(1);
    let households = synthetic_households(persons, seed, today);
    for ((_, month), (kind, records)) in monthly(&households, period, seed) {
        // Through the same reader a clerk's upload goes through.
        let mut bytes = Vec::new();
        zhenxing_exchange::write_feed_csv(kind, &records, &mut bytes)?;
        let name = format!("{}-{month}.csv", kind.code());
        let file = zhenxing_exchange::read_feed_bytes(kind, &bytes, &name, today)?;
        let upload = FeedUpload {
            kind,
            period: month,
            file_name: name,
            content_hash: file.content_hash.clone(),
            rows_total: file.rows_total as u64,
            rows_malformed: file.rows_malformed as u64,
        };
        store.feed_upload(&actor, &upload, &file.records).await?;
    }
    let run = zhenxing_web::screening::run(store, &actor, root, period, &[], None, false)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(o) = run.outcome {
        eprintln!(
            "演示部门数据：筛查 {period}，预警 {} 条（新预警 {}，监测户信息 {}）",
            run.rows.len(),
            o.new,
            o.monitored
        );
    }
    Ok(())
}
