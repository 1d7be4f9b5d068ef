//! The batch readers of screening (`zhenxing_exchange::batch`) against the full readers, on files
//! written from the synthetic township: the same households, records, counts and findings — on the
//! clean files, and on copies with the flaws a clerk's or a department's file may have.

use std::path::Path;

use zhenxing_domain::CodeEnum;
use zhenxing_domain::feed::{FeedKind, FeedRecord, Period};
use zhenxing_domain::{Household, IncomeRecord};
use zhenxing_exchange::batch::{
    BatchHousehold, BatchRecord, id_key, read_feed_batch, read_roster_batch,
};
use zhenxing_exchange::{ExportHousehold, RosterContext, RosterCsvWriter, read_feed, read_roster};
use zhenxing_synth::{FeedFiles, FeedScale, TOWN_NAME, fuhuan_units};

use super::{today, township};

/// Households as compared: 户编号, village name, kind, members (ID key, birth, labour, grade) and
/// the income record.
type Compared = (
    String,
    String,
    String,
    Vec<(u64, time::Date, String, String)>,
    Option<IncomeRecord>,
);

fn roster_csv(hs: &[Household], year: i32) -> Vec<u8> {
    let units = fuhuan_units();
    let mut w = RosterCsvWriter::new(Vec::new()).expect("writer");
    for h in hs {
        let mut h = h.clone();
        h.incomes.retain(|r| r.year == year);
        let village = units
            .iter()
            .find(|u| u.code == h.village)
            .map_or("", |u| u.name);
        w.household(
            &ExportHousehold {
                township: TOWN_NAME,
                village_name: village,
                household: &h,
            },
            false,
        )
        .expect("row");
    }
    w.finish().expect("finish")
}

fn from_full(path: &Path) -> (Vec<Compared>, Vec<String>, usize, usize) {
    let ctx = RosterContext::open(today());
    let r = read_roster(path, &ctx, &|_| {}).expect("full read");
    let households = r
        .households
        .iter()
        .map(|ph| {
            let h = &ph.household;
            (
                h.household_no.clone(),
                r.village_name(&h.village).unwrap_or_default().to_string(),
                format!("{:?}", h.kind),
                h.members
                    .iter()
                    .map(|m| {
                        (
                            id_key(m.id_number.base()).expect("key"),
                            m.birth_date,
                            format!("{:?}", m.labour),
                            format!("{:?}", m.disability_grade),
                        )
                    })
                    .collect(),
                h.incomes.first().copied(),
            )
        })
        .collect();
    let findings = r.findings.iter().map(|f| format!("{f:?}")).collect();
    (households, findings, r.rejected.len(), r.member_rows)
}

fn from_batch(path: &Path) -> (Vec<Compared>, Vec<String>, usize, usize, usize) {
    let ctx = RosterContext::open(today());
    let r = read_roster_batch(path, &ctx).expect("batch read");
    let village = |h: &BatchHousehold| r.villages[h.village as usize].clone();
    let households = r
        .households
        .iter()
        .map(|h| {
            (
                h.household_no.clone(),
                village(h),
                format!("{:?}", h.kind),
                h.members
                    .iter()
                    .map(|m| {
                        (
                            m.id_key,
                            m.birth,
                            format!("{:?}", m.labour),
                            format!("{:?}", m.disability),
                        )
                    })
                    .collect(),
                h.income,
            )
        })
        .collect();
    let findings = r.findings.iter().map(|f| format!("{f:?}")).collect();
    (
        households,
        findings,
        r.rejected,
        r.member_rows,
        r.checked_in_full,
    )
}

/// Reads `bytes` both ways and asserts they agree; returns how many households the fast path
/// left to the full validator.
fn same_roster(name: &str, bytes: &[u8]) -> usize {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("roster.csv");
    std::fs::write(&path, bytes).expect("write");
    let (fh, ff, fr, fm) = from_full(&path);
    let (bh, bf, br, bm, checked) = from_batch(&path);
    assert_eq!(ff, bf, "{name}: findings");
    assert_eq!(fr, br, "{name}: rejected");
    assert_eq!(fm, bm, "{name}: member rows");
    assert_eq!(fh.len(), bh.len(), "{name}: households");
    for (a, b) in fh.iter().zip(&bh) {
        assert_eq!(a, b, "{name}");
    }
    checked
}

/// The file as lines of cells (the synthetic rosters quote nothing).
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8(bytes.to_vec())
        .expect("utf8")
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn join(rows: &[Vec<String>]) -> Vec<u8> {
    let mut s = String::from("\u{feff}");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s.into_bytes()
}

// Columns of the layout, in the order the writer writes them.
const VILLAGE: usize = 1;
const GROUP: usize = 2;
const NO: usize = 3;
const KIND: usize = 4;
const CATEGORY: usize = 5;
const SIZE: usize = 6;
const PHONE: usize = 7;
const WAGE: usize = 12;
const NET: usize = 17;
const NAME: usize = 19;
const ID: usize = 20;
const RELATION: usize = 21;
const SEX: usize = 22;
const BIRTH: usize = 23;
const ETHNICITY: usize = 24;
const HEALTH: usize = 27;
const GRADE: usize = 28;
const LABOUR: usize = 29;
const MONTHS: usize = 30;
const DIBAO: usize = 33;

/// Rows (1-based data rows) of the household starting at data row `at`.
fn household_rows(rows: &[Vec<String>], at: usize) -> std::ops::Range<usize> {
    let no = rows[at][NO].clone();
    let mut end = at;
    while end < rows.len() && rows[end][NO] == no {
        end += 1;
    }
    at..end
}

#[test]
fn clean_rosters_are_read_alike_and_entirely_by_the_fast_path() {
    let hs = &township()[..1500];
    for year in [2024, 2025] {
        let bytes = roster_csv(hs, year);
        assert_eq!(same_roster(&format!("clean-{year}"), &bytes), 0);
    }
}

#[test]
fn flawed_rosters_give_the_same_households_and_findings() {
    let hs = &township()[..600];
    let clean = cells(&roster_csv(hs, 2025));
    let monitored = (1..clean.len())
        .find(|i| clean[*i][KIND] == "监测户" && clean[*i][RELATION] == "户主")
        .expect("a 监测户");
    let disabled = (1..clean.len())
        .find(|i| clean[*i][HEALTH] == "残疾")
        .expect("a disabled member");
    let ends_x = (1..clean.len())
        .find(|i| clean[*i][ID].ends_with('X'))
        .expect("an ID ending in X");
    let born_1900s = (1..clean.len())
        .find(|i| clean[*i][ID][6..8] == *"19" && !clean[*i][ID].ends_with('X'))
        .expect("an ID of the 1900s");
    type Flaw = (&'static str, Box<dyn Fn(&mut Vec<Vec<String>>)>);
    let flaws: Vec<Flaw> = vec![
        (
            "check character",
            Box::new(|r| {
                let id = &mut r[5][ID];
                let last = if id.ends_with('0') { "1" } else { "0" };
                id.replace_range(17..18, last);
            }),
        ),
        (
            "15-digit ID",
            Box::new(move |r| {
                let id = r[born_1900s][ID].clone();
                r[born_1900s][ID] = format!("{}{}", &id[..6], &id[8..17]);
            }),
        ),
        (
            "lowercase x and spaces",
            Box::new(move |r| {
                r[ends_x][ID] = format!(" {} ", r[ends_x][ID].to_lowercase());
            }),
        ),
        (
            "duplicate ID",
            Box::new(|r| {
                r[40][ID] = r[3][ID].clone();
                r[40][SEX] = r[3][SEX].clone();
                r[40][BIRTH] = r[3][BIRTH].clone();
            }),
        ),
        ("row without 户编号", Box::new(|r| r[7][NO] = String::new())),
        (
            "unknown relation",
            Box::new(|r| r[9][RELATION] = "表哥".into()),
        ),
        (
            "alias relation",
            Box::new(|r| {
                let head = (1..r.len())
                    .find(|i| r[*i][RELATION] == "户主")
                    .unwrap_or(1);
                r[head][RELATION] = "本人".into();
            }),
        ),
        (
            "group spelled otherwise on a later row",
            Box::new(|r| {
                let rows = household_rows(r, 1);
                let last = rows.end - 1;
                if let Ok(n) = r[last][GROUP].trim_end_matches('组').parse::<usize>() {
                    r[last][GROUP] = n.to_string();
                }
            }),
        ),
        (
            "size mismatch",
            Box::new(|r| {
                for i in household_rows(r, 11) {
                    r[i][SIZE] = "9".into();
                }
            }),
        ),
        (
            "net income off by a fen",
            Box::new(|r| {
                for i in household_rows(r, 20) {
                    let v: f64 = r[i][NET].parse().unwrap_or(0.0);
                    r[i][NET] = format!("{:.2}", v + 0.01);
                }
            }),
        ),
        (
            "sex against the ID",
            Box::new(|r| {
                r[13][SEX] = if r[13][SEX] == "男" { "女" } else { "男" }.into();
            }),
        ),
        (
            "birth date spelled YYYYMMDD",
            Box::new(|r| r[14][BIRTH] = r[14][BIRTH].replace('-', "")),
        ),
        (
            "birth date against the ID",
            Box::new(|r| r[15][BIRTH] = "1999-01-01".into()),
        ),
        (
            "placeholder ID",
            Box::new(|r| r[16][ID] = "999999199001010012".into()),
        ),
        (
            "监测户 without category",
            Box::new(move |r| {
                for i in household_rows(r, monitored) {
                    r[i][CATEGORY] = String::new();
                }
            }),
        ),
        (
            "残疾 without grade",
            Box::new(move |r| r[disabled][GRADE] = String::new()),
        ),
        ("work months", Box::new(|r| r[17][MONTHS] = "13".into())),
        (
            "phone",
            Box::new(|r| {
                for i in household_rows(r, 25) {
                    r[i][PHONE] = "123".into();
                }
            }),
        ),
        (
            "money with a thousands separator",
            Box::new(|r| {
                for i in household_rows(r, 30) {
                    let v = r[i][WAGE].clone();
                    if let Some((int, frac)) = v.split_once('.')
                        && int.len() > 3
                    {
                        let (a, b) = int.split_at(int.len() - 3);
                        r[i][WAGE] = format!("\"{a},{b}.{frac}\"");
                    }
                }
            }),
        ),
        (
            "padded code",
            Box::new(|r| r[33][LABOUR] = format!("{} ", r[33][LABOUR])),
        ),
        (
            "ideographic space around 户编号",
            Box::new(|r| {
                let rows = household_rows(r, 35);
                r[rows.end - 1][NO] = format!("\u{3000}{}", r[rows.end - 1][NO]);
            }),
        ),
        (
            "disagreeing 户类型 on a later row",
            Box::new(|r| {
                let rows = household_rows(r, 45);
                let last = rows.end - 1;
                r[last][KIND] = if r[last][KIND] == "一般农户" {
                    "脱贫户"
                } else {
                    "一般农户"
                }
                .into();
            }),
        ),
        (
            "income without year",
            Box::new(|r| {
                for i in household_rows(r, 50) {
                    r[i][11] = String::new();
                }
            }),
        ),
        ("是/否 spelled Y", Box::new(|r| r[52][DIBAO] = "N".into())),
        ("blank name", Box::new(|r| r[55][NAME] = " ".into())),
        (
            "village with another suffix",
            Box::new(|r| {
                for i in household_rows(r, 60) {
                    r[i][VILLAGE] = r[i][VILLAGE].trim_end_matches('村').to_string();
                }
            }),
        ),
        ("free text", Box::new(|r| r[62][ETHNICITY] = "  ".into())),
        (
            "household rows apart",
            Box::new(|r| {
                let row = r.remove(2);
                r.push(row);
            }),
        ),
        (
            "blank and whitespace lines",
            Box::new(|r| {
                r.insert(30, vec![String::new()]);
                r.insert(31, vec![" ".into(), "  ".into()]);
            }),
        ),
    ];
    let mut all = clean.clone();
    for (name, flaw) in &flaws {
        let mut rows = clean.clone();
        flaw(&mut rows);
        same_roster(name, &join(&rows));
        flaw(&mut all);
    }
    assert!(same_roster("every flaw at once", &join(&all)) > 0);

    // Bytes that are not UTF-8: in a free-text cell (read by nobody) and in a name.
    let mut bytes = join(&clean);
    let at = bytes
        .windows(6)
        .position(|w| w == "汉族".as_bytes())
        .expect("汉族");
    bytes[at] = 0xFF;
    same_roster("not UTF-8 in 民族", &bytes);
    let mut rows = clean.clone();
    rows[8][NAME] = "NAME".into();
    let mut bytes = join(&rows);
    let at = bytes.windows(4).position(|w| w == b"NAME").expect("NAME");
    bytes[at] = 0xB2;
    same_roster("not UTF-8 in 姓名", &bytes);

    // Files the fast path does not start on: a title above the header, an unknown column.
    let mut rows = clean.clone();
    rows.insert(0, vec!["扶欢镇花名册".into()]);
    same_roster("title row", &join(&rows));
    let mut rows = clean.clone();
    for r in &mut rows {
        r.push(String::new());
    }
    rows[0][36] = "备注".into();
    same_roster("unknown column", &join(&rows));
}

fn records_full(kind: FeedKind, path: &Path) -> (Vec<(usize, FeedRecord)>, String) {
    let f = read_feed(kind, path, today()).expect("full read");
    let summary = format!("{} {} {:?}", f.rows_total, f.rows_malformed, f.findings);
    (f.records, summary)
}

fn records_batch(kind: FeedKind, path: &Path) -> (Vec<(usize, FeedRecord)>, String, usize) {
    let mut records = Vec::new();
    let f = read_feed_batch(kind, path, today(), &mut |row, r: BatchRecord| {
        records.push((row, r.into_record()));
    })
    .expect("batch read");
    let summary = format!("{} {} {:?}", f.rows_total, f.rows_malformed, f.findings);
    (records, summary, f.rows_in_full)
}

#[test]
fn feed_files_are_read_alike_clean_and_flawed() {
    let dir = tempfile::tempdir().expect("tmp");
    let period = Period::parse("2026-10").expect("period");
    let scale = FeedScale {
        events: 20.0,
        ..FeedScale::default()
    };
    let mut files = FeedFiles::create(dir.path(), period, 7, scale).expect("create");
    for h in &township()[..400] {
        files.household(h).expect("household");
    }
    let written = files.finish().expect("finish");
    for (path, _, _) in &written {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let kind = FeedKind::from_code(name.split('-').next().unwrap_or("")).expect("kind");
        let (full, fs) = records_full(kind, path);
        let (batch, bs, slow) = records_batch(kind, path);
        assert_eq!(fs, bs, "{name}");
        assert_eq!(full, batch, "{name}");
        assert_eq!(slow, 1, "{name}: only the header goes to the feed reader");

        // The same file with a flaw on every few rows.
        let text = std::fs::read_to_string(path).expect("text");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (i, line) in lines.iter_mut().enumerate().skip(1) {
            let mut c: Vec<String> = line.split(',').map(str::to_string).collect();
            match i % 23 {
                1 => c[0] = format!("{} ", c[0]),
                2 if !c[0].is_empty() => c[0].replace_range(0..1, "x"),
                3 => {
                    if let Some(d) = c
                        .iter_mut()
                        .find(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
                    {
                        *d = d.replace('-', "/");
                    }
                }
                4 => {
                    if let Some(d) = c
                        .iter_mut()
                        .find(|d| d.len() == 10 && d.as_bytes()[4] == b'-')
                    {
                        *d = format!("{}-13-01", &d[..4]);
                    }
                }
                5 => {
                    if let Some(m) = c.iter_mut().rev().find(|m| m.contains('.')) {
                        *m = format!("-{m}");
                    }
                }
                6 => {
                    if let Some(m) = c.iter_mut().rev().find(|m| m.contains('.')) {
                        *m = format!("\"{m}元\"");
                    }
                }
                7 => {
                    if let Some(last) = c.last_mut() {
                        *last = String::new();
                    }
                }
                8 => c[1] = format!("\u{3000}{}", c[1]),
                9 => c[0] = String::new(),
                10 if c[0].len() == 18 && &c[0][6..8] == "19" => {
                    c[0] = format!("{}{}", &c[0][..6], &c[0][8..17]);
                }
                11 => c[1] = "未知".into(),
                12 => {
                    if let Some(m) = c.iter_mut().find(|m| m.contains('.')) {
                        *m = "1.005".into();
                    }
                }
                _ => {}
            }
            *line = c.join(",");
        }
        lines.insert(3, String::new());
        let flawed = dir.path().join(format!("flawed-{name}.csv"));
        std::fs::write(&flawed, lines.join("\n")).expect("write");
        let (full, fs) = records_full(kind, &flawed);
        let (batch, bs, _) = records_batch(kind, &flawed);
        assert_eq!(fs, bs, "flawed {name}");
        assert_eq!(full, batch, "flawed {name}");
    }
}
