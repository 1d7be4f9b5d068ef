//! Department feeds for the demo township: synthetic files of the last month (12 months of medical
//! settlements), written as `KIND-YYYY-MM.csv` for batch mode, or uploaded through the same reader
//! and store path as a department clerk's upload, followed by one recorded screening run.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use zhenxing_domain::feed::{FeedKind, FeedRecord, Period};
use zhenxing_domain::{CodeEnum, DivisionCode, Household};
use zhenxing_store::{Actor, FeedUpload, PageRequest, SqlStore, Store};
use zhenxing_synth::FeedScale;

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
    let cfg = zhenxing_synth::SynthConfig {
        seed,
        persons,
        today,
        income_years: [2024, 2025],
    };
    zhenxing_synth::households(&cfg).collect()
}

/// `zhenxing demo --feeds DIR`: the files batch mode reads.
pub fn write_files(
    dir: &Path,
    persons: u64,
    seed: u64,
    period: Period,
    today: time::Date,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let households = synthetic_households(persons, seed, today);
    let files = monthly(&households, period, seed);
    for ((_, month), (kind, records)) in &files {
        let path = dir.join(format!("{}-{month}.csv", kind.code()));
        zhenxing_synth::write_feed_csv(*kind, records, &path)
            .with_context(|| format!("无法写入 {}", path.display()))?;
    }
    Ok(files.len())
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
