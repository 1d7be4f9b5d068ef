//! `zhenxing`: one binary for the server, the demo, imports, exports, users and migrations
//! (the CLI contract of DESIGN.md). Commands parse arguments, call the library crates, print.

mod demo_care;
mod demo_lowincome;
mod demo_monitoring;
mod demo_screening;
mod progress;
mod screen;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use zhenxing_domain::{CodeEnum, DivisionCode, DivisionLevel, Role};
use zhenxing_exchange::{ExportHousehold, RosterContext};
use zhenxing_store::{Actor, HouseholdFilter, NewUser, SqlStore, Store};

use crate::progress::Progress;

/// Imports allocate millions of short strings (cells, names, IDs); mimalloc serves them several times
/// faster than the system allocator (measured with `bench/import.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code when the input is rejected (findings printed, and written to a workbook if asked).
const EXIT_REJECTED: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "zhenxing",
    version,
    about = "扶欢镇乡村振兴衔接工作平台 (zhenxing)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args, Clone)]
struct DbArg {
    /// Database: sqlite://FILE (created on first use) or postgres://…
    #[arg(
        long,
        env = "ZHENXING_DB",
        default_value = "sqlite://zhenxing.db",
        global = true
    )]
    db: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill an empty database with the synthetic 扶欢镇 and create one demo login per role.
        #[arg(long)]
        demo: bool,
    },
    /// Fill the database with a synthetic township (or write it as a roster workbook with --roster).
    Demo {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value_t = 43_000)]
        persons: u64,
        #[arg(long, default_value_t = 2021)]
        seed: u64,
        /// Write the synthetic roster instead of the database: to this .xlsx file (its households
        /// placed in 扶欢镇, for an import), or, when the path has no extension or is a directory,
        /// as roster-2024.csv and roster-2025.csv (one per income year, every town) in it.
        #[arg(long)]
        roster: Option<PathBuf>,
        /// Write synthetic department feed files (KIND-YYYY-MM.csv, every kind for the 12 months
        /// ending with --period) to this directory instead of the database (with --roster DIR: the
        /// input of batch screening).
        #[arg(long)]
        feeds: Option<PathBuf>,
        /// The month the feed files end with (default: last month).
        #[arg(long)]
        period: Option<String>,
    },
    /// Department screening: compare the registry with the department feeds and raise warnings.
    /// With --roster and --feeds it runs over files only (batch mode, no database).
    Screen {
        #[command(flatten)]
        db: DbArg,
        /// The month screened, YYYY-MM (default: this month; required in batch mode).
        #[arg(long)]
        period: Option<String>,
        /// Override a parameter for this run: NAME=VALUE (repeatable), e.g. monitoring_line=7500.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// Write the warnings (or the what-if comparison) to a .csv (the SCREENING.md contract) or
        /// .xlsx file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Compare with the current parameters and write nothing to the database.
        #[arg(long)]
        what_if: bool,
        /// Batch mode: a roster file in the LAYOUT.md layout (repeat for each income year).
        #[arg(long)]
        roster: Vec<PathBuf>,
        /// Batch mode: the directory of KIND-YYYY-MM.csv feed files.
        #[arg(long)]
        feeds: Option<PathBuf>,
    },
    /// Import a file.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export a list.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        what: UserWhat,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// A household roster (户籍花名册) in the national-export layout: .xlsx, .xls or .csv.
    Households {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Write the rejected rows with a 错误说明 column to this workbook.
        #[arg(long)]
        errors: Option<PathBuf>,
        /// Import the households without errors and reject only the others.
        #[arg(long)]
        partial: bool,
    },
    /// A department feed (部门数据) for one month: medical, disability, education, housing, police,
    /// civil, disaster, employment or water; .xlsx or .csv (UTF-8/GBK).
    Feed {
        kind: String,
        file: PathBuf,
        #[arg(long)]
        period: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// The household roster in the import layout (ID numbers and phones masked unless --unmasked).
    Households {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Only this division (a village, town or county code).
        #[arg(long)]
        division: Option<String>,
        /// Full ID numbers and phones (an internal export; audited).
        #[arg(long)]
        unmasked: bool,
    },
    /// The identification and elimination cases (办理流程), as on the 线索与识别 list.
    Cases {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Only this division (a village, town or county code).
        #[arg(long)]
        division: Option<String>,
    },
    /// The monitored households (监测户名单) with category, risks, dates and measures.
    Monitored {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Only this division (a village, town or county code).
        #[arg(long)]
        division: Option<String>,
    },
    /// The year's pension premium subsidy list (城乡居民养老保险代缴名单) for the social-insurance
    /// office: 序号, 姓名, 证件号码 (masked unless --unmasked), 行政村, 类别, 代缴金额.
    Premium {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArg,
        /// Only this division (a village, town or county code).
        #[arg(long)]
        division: Option<String>,
        /// Full ID numbers (for the social-insurance office; audited).
        #[arg(long)]
        unmasked: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserWhat {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        division: String,
        /// Name shown in the top bar (defaults to the user name).
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(db: &DbArg) -> anyhow::Result<SqlStore> {
    SqlStore::connect(&db.db)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(&db.db)))
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Migrate { db } => {
            connect(&db).await?;
            println!("数据库已是最新结构: {}", redact(&db.db));
        }
        Command::Serve { db, addr, demo } => {
            let store = connect(&db).await?;
            if demo {
                demo_fill(&store, 43_000, 2021).await?;
                demo_users(&store).await?;
                demo_monitoring::seed(&store, today()).await?;
                let root = root_division(&store).await?;
                demo_screening::seed(&store, &root, 43_000, 2021, today()).await?;
                demo_lowincome::seed(&store, &root, today()).await?;
                demo_care::seed(&store, &root, today()).await?;
            }
            // Keeps the screening cache of the whole registry current in the background, so a
            // run after a registry change does not pay for reading the tables.
            let warm = store.clone();
            let actor = Actor::system(root_division(&store).await?);
            tokio::spawn(async move {
                loop {
                    match warm.screening_cache_warm(&actor).await {
                        Ok(true) => tracing::info!("screening cache rebuilt"),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "screening cache not rebuilt"),
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                }
            });
            let town = town_name(&store).await?;
            let settings = zhenxing_web::Settings {
                township_name: town,
                supervisory_phone: "12317".into(),
                secure_cookies: false,
            };
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("无法监听 {addr}"))?;
            let local = listener.local_addr()?;
            println!("扶欢镇乡村振兴衔接工作平台 已启动: http://{local}/");
            if demo {
                print_demo_logins();
            }
            zhenxing_web::serve_on(listener, Arc::new(store), settings)
                .await
                .context("服务器异常退出")?;
        }
        Command::Demo {
            db,
            persons,
            seed,
            roster,
            feeds,
            period,
        } => match roster {
            Some(path) if is_file_target(&path) => {
                write_synthetic_roster(&path, persons, seed)?;
                if let Some(dir) = feeds {
                    write_demo_files(None, Some(&dir), persons, seed, period.as_deref())?;
                }
            }
            Some(dir) => {
                write_demo_files(
                    Some(&dir),
                    feeds.as_deref(),
                    persons,
                    seed,
                    period.as_deref(),
                )?;
            }
            None if feeds.is_some() => {
                write_demo_files(None, feeds.as_deref(), persons, seed, period.as_deref())?;
            }
            None => {
                let store = connect(&db).await?;
                demo_fill(&store, persons, seed).await?;
                demo_users(&store).await?;
                demo_monitoring::seed(&store, today()).await?;
                print_demo_logins();
            }
        },
        Command::Screen {
            db,
            period,
            set,
            out,
            what_if,
            roster,
            feeds,
        } => {
            let args = screen::ScreenArgs {
                period,
                set,
                out,
                what_if,
                roster,
                feeds,
            };
            if !args.roster.is_empty() || args.feeds.is_some() {
                screen::screen_files(&args, today())?;
            } else {
                let store = connect(&db).await?;
                let root = root_division(&store).await?;
                screen::screen_store(&store, &root, &args, today()).await?;
            }
        }
        Command::Import {
            what:
                ImportWhat::Feed {
                    kind,
                    file,
                    period,
                    db,
                },
        } => {
            let store = connect(&db).await?;
            let root = root_division(&store).await?;
            if !screen::import_feed(&store, &root, &kind, &file, &period, today()).await? {
                return Ok(ExitCode::from(EXIT_REJECTED));
            }
        }
        Command::Import {
            what:
                ImportWhat::Households {
                    file,
                    db,
                    errors,
                    partial,
                },
        } => {
            let store = connect(&db).await?;
            return import_households(&store, &file, errors.as_deref(), partial).await;
        }
        Command::Export {
            what:
                ExportWhat::Households {
                    out,
                    db,
                    division,
                    unmasked,
                },
        } => {
            let store = connect(&db).await?;
            export_households(&store, &out, division.as_deref(), unmasked).await?;
        }
        Command::Export {
            what: ExportWhat::Cases { out, db, division },
        } => {
            let store = connect(&db).await?;
            let actor = export_actor(&store, division.as_deref()).await?;
            let records = store
                .cases_export(&actor, &zhenxing_store::CaseFilter::default())
                .await?;
            let bytes = zhenxing_web::exports::cases_workbook(&records, today())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            store
                .audit_record(&actor, "export", "cases", actor.scope.as_str(), None)
                .await?;
            println!("已导出 {} 件办理流程到 {}", records.len(), out.display());
        }
        Command::Export {
            what: ExportWhat::Monitored { out, db, division },
        } => {
            let store = connect(&db).await?;
            let actor = export_actor(&store, division.as_deref()).await?;
            let rows = store
                .monitored_export(&actor, &zhenxing_store::MonitoredFilter::default())
                .await?;
            let bytes = zhenxing_web::exports::monitored_workbook(&rows)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            store
                .audit_record(&actor, "export", "monitored", actor.scope.as_str(), None)
                .await?;
            println!("已导出 {} 户监测户到 {}", rows.len(), out.display());
        }
        Command::Export {
            what:
                ExportWhat::Premium {
                    year,
                    out,
                    db,
                    division,
                    unmasked,
                },
        } => {
            let store = connect(&db).await?;
            export_premium(&store, year, &out, division.as_deref(), unmasked).await?;
        }
        Command::User {
            what:
                UserWhat::Add {
                    name,
                    role,
                    division,
                    display_name,
                    db,
                },
        } => {
            let store = connect(&db).await?;
            let Some(role) = Role::parse_label(&role) else {
                eprintln!(
                    "{}（可用: {}）",
                    Role::expected_message(),
                    Role::ALL
                        .iter()
                        .map(|r| r.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Ok(ExitCode::from(2));
            };
            let division = DivisionCode::parse(&division)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("无法从标准输入读取密码")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 8 {
                eprintln!("密码至少 8 个字符");
                return Ok(ExitCode::from(2));
            }
            let hash = zhenxing_web::hash_password(password).context("无法生成密码哈希")?;
            let actor = Actor::system(root_division(&store).await?);
            let user = NewUser {
                display_name: display_name.unwrap_or_else(|| name.clone()),
                username: name.clone(),
                role,
                division,
                password_hash: hash,
            };
            store.user_create(&actor, user).await?;
            println!("已创建用户 {name}（{}）", role.label());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The deployment's top division (the county): the CLI operator acts on the whole deployment.
async fn root_division(store: &SqlStore) -> anyhow::Result<DivisionCode> {
    let divisions = store.divisions().await?;
    divisions
        .into_iter()
        .find(|d| d.level == DivisionLevel::County)
        .map(|d| d.code)
        .context("数据库中没有区县")
}

async fn town_name(store: &SqlStore) -> anyhow::Result<String> {
    let divisions = store.divisions().await?;
    divisions
        .into_iter()
        .find(|d| d.level == DivisionLevel::Town)
        .map(|d| d.name)
        .context("数据库中没有乡镇")
}

/// China Standard Time's date: birth dates and effective years are judged in local time.
fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}

async fn roster_context(store: &SqlStore) -> anyhow::Result<RosterContext> {
    let divisions = store.divisions().await?;
    let township = divisions
        .iter()
        .find(|d| d.level == DivisionLevel::Town)
        .map(|d| d.name.clone())
        .context("数据库中没有乡镇")?;
    let villages = divisions
        .iter()
        .filter(|d| d.level == DivisionLevel::Village)
        .map(|d| (d.name.clone(), d.code.clone()))
        .collect();
    Ok(RosterContext {
        township,
        villages,
        today: today(),
    })
}

async fn import_households(
    store: &SqlStore,
    file: &std::path::Path,
    errors: Option<&std::path::Path>,
    partial: bool,
) -> anyhow::Result<ExitCode> {
    let ctx = roster_context(store).await?;
    let started = std::time::Instant::now();
    let reading = Progress::rows("读取", None);
    let mut roster = match zhenxing_exchange::read_roster(file, &ctx, &|n| reading.set(n as u64)) {
        Ok(r) => r,
        Err(e) => {
            reading.finish();
            eprintln!("文件被拒绝: {e}");
            return Ok(ExitCode::from(EXIT_REJECTED));
        }
    };
    reading.finish();
    let read_time = started.elapsed();
    let locations = store.member_locations(&roster.id_bases()).await?;
    roster.check_registry(&locations);
    tracing::info!(
        rows = roster.member_rows,
        read_s = read_time.as_secs_f64(),
        check_s = (started.elapsed() - read_time).as_secs_f64(),
        "roster read and checked"
    );
    let error_count = roster
        .findings
        .iter()
        .filter(|f| f.severity == zhenxing_exchange::Severity::Error)
        .count();
    for f in roster.findings.iter().take(200) {
        eprintln!("{}", f.describe());
    }
    if roster.findings.len() > 200 {
        eprintln!(
            "……共 {} 条问题，完整列表见错误工作簿",
            roster.findings.len()
        );
    }
    if let Some(path) = errors.filter(|_| roster.has_errors()) {
        zhenxing_exchange::write_error_workbook(path, &roster)?;
        eprintln!("错误工作簿已写入 {}", path.display());
    }
    if roster.has_errors() && !partial {
        eprintln!("文件有 {error_count} 处错误，未导入任何数据（可用 --partial 只导入无误的农户）");
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    let households: Vec<_> = roster.households.into_iter().map(|p| p.household).collect();
    let total = households.len() as u64;
    let writing = Progress::rows("写入", Some(total));
    let actor = Actor::system(root_division(store).await?);
    let write_started = std::time::Instant::now();
    let summary = store
        .households_import(&actor, households, &|n| writing.set(n))
        .await?;
    writing.finish();
    tracing::info!(
        write_s = write_started.elapsed().as_secs_f64(),
        total_s = started.elapsed().as_secs_f64(),
        "roster written"
    );
    println!(
        "已导入 {} 户 / {} 人（新增 {} 户，更新 {} 户，未变 {} 户；成员新增 {}、更新 {}、移除 {}）",
        total,
        summary.members_total,
        summary.households_created,
        summary.households_updated,
        summary.households_unchanged,
        summary.members_created,
        summary.members_updated,
        summary.members_removed
    );
    // The registry changed: rebuild the screening cache now rather than in the next run.
    if let Err(e) = store.screening_cache_warm(&actor).await {
        tracing::warn!(error = %e, "screening cache not rebuilt");
    }
    if !roster.rejected.is_empty() {
        eprintln!("另有 {} 户因错误被拒绝", roster.rejected.len());
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The operator acting on `division` (default: the whole deployment), refused outside it.
async fn export_actor(store: &SqlStore, division: Option<&str>) -> anyhow::Result<Actor> {
    let root = root_division(store).await?;
    let scope = match division {
        Some(d) => DivisionCode::parse(d)?,
        None => root.clone(),
    };
    if !root.contains(&scope) {
        bail!("行政区划 {scope} 不属于本系统");
    }
    Ok(Actor::system(scope))
}

async fn export_households(
    store: &SqlStore,
    out: &std::path::Path,
    division: Option<&str>,
    unmasked: bool,
) -> anyhow::Result<()> {
    let actor = export_actor(store, division).await?;
    let details = store
        .households_export(&actor, &HouseholdFilter::default())
        .await?;
    let town = town_name(store).await?;
    if unmasked {
        store
            .audit_record(
                &actor,
                "export_unmasked",
                "households",
                actor.scope.as_str(),
                None,
            )
            .await?;
    }
    let rows = details.iter().map(|d| ExportHousehold {
        township: &town,
        village_name: &d.village_name,
        household: &d.household,
    });
    let members = zhenxing_exchange::write_roster_xlsx(out, rows, !unmasked)?;
    println!(
        "已导出 {} 户 / {} 人到 {}{}",
        details.len(),
        members,
        out.display(),
        if unmasked {
            "（含完整证件号码，请妥善保管）"
        } else {
            ""
        }
    );
    Ok(())
}

/// `export premium`: the year's 代缴 list as the pages export it (same rows, same workbook).
async fn export_premium(
    store: &SqlStore,
    year: i32,
    out: &std::path::Path,
    division: Option<&str>,
    unmasked: bool,
) -> anyhow::Result<()> {
    if !(2000..=9999).contains(&year) {
        bail!("年度 {year} 无效");
    }
    let actor = export_actor(store, division).await?;
    let list = zhenxing_web::lowincome_exports::premium_list(
        store.premium_candidates(&actor, year).await?,
    );
    let bytes = zhenxing_web::lowincome_exports::premium_workbook(&list, unmasked)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    let action = if unmasked {
        "export_unmasked"
    } else {
        "export"
    };
    store
        .audit_record(
            &actor,
            action,
            "premium",
            &format!("year={year}&division={}", actor.scope),
            None,
        )
        .await?;
    println!(
        "已导出 {year} 年养老保险代缴名单 {} 人（合计 {}）到 {}{}",
        list.len(),
        zhenxing_web::lowincome_exports::premium_total(&list),
        out.display(),
        if unmasked {
            "（含完整证件号码，请妥善保管）"
        } else {
            ""
        }
    );
    Ok(())
}

/// Fills an empty registry with the synthetic township, in batches (each batch one transaction).
async fn demo_fill(store: &SqlStore, persons: u64, seed: u64) -> anyhow::Result<()> {
    let actor = Actor::system(root_division(store).await?);
    let existing = store
        .household_list(
            &actor,
            &HouseholdFilter::default(),
            zhenxing_store::PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await?;
    if existing.total > 0 {
        eprintln!("数据库中已有 {} 户，跳过演示数据", existing.total);
        return Ok(());
    }
    let cfg = zhenxing_synth::SynthConfig {
        seed,
        persons,
        today: today(),
        income_years: [2024, 2025],
    };
    // Beyond one township the synthetic region has more towns: their (demo) divisions come first.
    let divisions: Vec<(DivisionCode, String)> = zhenxing_synth::towns(persons)
        .into_iter()
        .flat_map(|t| {
            std::iter::once((t.code, t.name))
                .chain(t.units.into_iter().map(|u| (u.code, u.name.to_string())))
        })
        .collect();
    store.divisions_ensure(&actor, &divisions).await?;
    let bar = Progress::rows("生成演示数据（人）", Some(persons));
    let mut batch = Vec::with_capacity(5_000);
    let mut people = 0u64;
    for h in zhenxing_synth::households(&cfg) {
        people += h.members.len() as u64;
        batch.push(h);
        if batch.len() == 5_000 {
            store
                .households_import(&actor, std::mem::take(&mut batch), &|_| {})
                .await?;
            bar.set(people);
        }
    }
    if !batch.is_empty() {
        store.households_import(&actor, batch, &|_| {}).await?;
    }
    bar.finish();
    store.screening_cache_warm(&actor).await?;
    Ok(())
}

/// `--roster` names a file (written as one workbook) when it has an extension, else a directory
/// (one CSV per income year).
fn is_file_target(path: &std::path::Path) -> bool {
    !path.is_dir() && path.extension().is_some()
}

fn write_demo_files(
    roster_dir: Option<&std::path::Path>,
    feeds_dir: Option<&std::path::Path>,
    persons: u64,
    seed: u64,
    period: Option<&str>,
) -> anyhow::Result<()> {
    let period = match period {
        Some(p) => zhenxing_domain::feed::Period::parse(p).map_err(|e| anyhow::anyhow!(e))?,
        None => zhenxing_domain::feed::Period::of(today()).minus(1),
    };
    let started = std::time::Instant::now();
    let w = demo_screening::write_files(roster_dir, feeds_dir, persons, seed, period, today())?;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    for (path, rows, bytes) in &w.rosters {
        println!(
            "已写入花名册 {}：{rows} 行，{:.1} MiB",
            path.display(),
            mib(*bytes)
        );
    }
    if let Some(dir) = feeds_dir {
        let (mut medical, mut other, mut bytes) = (0u64, 0u64, 0u64);
        for (path, rows, b) in &w.feeds {
            let is_medical = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("medical-"));
            if is_medical {
                medical += rows;
            } else {
                other += rows;
            }
            bytes += b;
        }
        println!(
            "已写入 {} 个部门数据文件到 {}（{}−{period}）：医保结算 {medical} 行，其他 {other} 行，{:.1} MiB",
            w.feeds.len(),
            dir.display(),
            period.minus(11),
            mib(bytes)
        );
    }
    let total: u64 = w.rosters.iter().chain(&w.feeds).map(|(_, _, b)| b).sum();
    println!(
        "共 {} 户 / {} 人，文件合计 {:.2} GiB，用时 {:.1} 秒",
        w.households,
        w.persons,
        mib(total) / 1024.0,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The demo logins, one per role; printed by `serve --demo` and `demo`.
const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    ("town", "李文静", Role::TownStaff, "500110120"),
    ("qingyan", "王建华", Role::VillageCadre, "500110120204"),
    ("helper", "陈晓东", Role::Helper, "500110120204"),
    ("dept", "刘芳（区医保局）", Role::Department, "500110"),
    ("county", "赵志强", Role::CountyApprover, "500110"),
    ("viewer", "周国平", Role::Viewer, "500110120"),
    ("admin", "系统管理员", Role::Admin, "500110"),
];
const DEMO_PASSWORD: &str = "zhenxing-demo";

async fn demo_users(store: &SqlStore) -> anyhow::Result<()> {
    let actor = Actor::system(root_division(store).await?);
    for (name, display, role, division) in DEMO_USERS {
        if store.user_by_username(name).await?.is_some() {
            continue;
        }
        let hash = zhenxing_web::hash_password(DEMO_PASSWORD).context("无法生成密码哈希")?;
        let user = NewUser {
            username: (*name).into(),
            display_name: (*display).into(),
            role: *role,
            division: DivisionCode::parse(division)?,
            password_hash: hash,
        };
        store.user_create(&actor, user).await?;
    }
    Ok(())
}

fn print_demo_logins() {
    println!("演示账号（密码均为 {DEMO_PASSWORD}）:");
    for (name, display, role, _) in DEMO_USERS {
        println!("  {name:<8} {:<8} {display}", role.label());
    }
}

/// Writes a synthetic roster workbook for the township deployment: beyond 43,000 people the synthetic
/// region has more towns, and their households are placed in 扶欢镇's 16 units (same unit index) so
/// that the file imports into a fresh township database — a stress test, not a realistic township.
fn write_synthetic_roster(path: &std::path::Path, persons: u64, seed: u64) -> anyhow::Result<()> {
    let cfg = zhenxing_synth::SynthConfig {
        seed,
        persons,
        today: today(),
        income_years: [2024, 2025],
    };
    let units = zhenxing_synth::fuhuan_units();
    let unit_of = |code: &DivisionCode| -> usize {
        let suffix: usize = code.as_str()[9..].parse().unwrap_or(1);
        suffix.saturating_sub(200)
    };
    let bar = Progress::rows("生成（户）", None);
    let households: Vec<zhenxing_domain::Household> = zhenxing_synth::households(&cfg)
        .enumerate()
        .map(|(i, mut h)| {
            bar.set(i as u64 + 1);
            h.village = units[unit_of(&h.village).min(units.len() - 1)].code.clone();
            h
        })
        .collect();
    bar.finish();
    let rows = households.iter().map(|h| ExportHousehold {
        township: zhenxing_synth::TOWN_NAME,
        village_name: units
            .iter()
            .find(|u| u.code == h.village)
            .map_or("", |u| u.name),
        household: h,
    });
    let members = zhenxing_exchange::write_roster_xlsx(path, rows, false)?;
    println!(
        "已写入 {} 户 / {members} 人到 {}",
        households.len(),
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("postgres://app:secret@db:5432/z"),
            "postgres://app:***@db:5432/z"
        );
        assert_eq!(
            super::redact("sqlite://zhenxing.db"),
            "sqlite://zhenxing.db"
        );
    }
}
