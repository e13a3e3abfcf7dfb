//! `gridpatrol-server`: run the sync server and administer it. Every
//! administrative action is audited (as user `cli`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use gridpatrol_core::model::{Reference, Role, User};
use gridpatrol_server::Settings;
use gridpatrol_server::service::admin::InitialPasswords;
use gridpatrol_server::service::audit::Actor;
use gridpatrol_server::storage::AuditQuery;

/// mimalloc, not glibc's allocator: glibc raises its mmap threshold after
/// the first password hash frees its 19 MiB, and then keeps such blocks
/// (and sync bursts) resident; peak memory was several times higher.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options, read from the environment when the process starts:
/// commit arena memory as it is used, and give freed pages back at once.
/// Peak memory of a 100-device sync storm: 123 MiB with the defaults, 97
/// MiB with these (docs/BENCHMARKS.md).
const ALLOCATOR_OPTIONS: [(&str, &str); 2] = [("MIMALLOC_ARENA_EAGER_COMMIT", "0"), ("MIMALLOC_PURGE_DELAY", "0")];

/// Starts the binary again (same process id) with [`ALLOCATOR_OPTIONS`]
/// set, unless they are set already (an operator's own values win).
#[cfg(unix)]
fn settle_allocator() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR_OPTIONS.iter().all(|(k, _)| std::env::var_os(k).is_some()) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1));
    for (k, v) in ALLOCATOR_OPTIONS {
        if std::env::var_os(k).is_none() {
            cmd.env(k, v);
        }
    }
    let err = cmd.exec(); // returns only if it failed: go on as we are
    eprintln!("gridpatrol-server: could not apply allocator options ({err}); going on without");
}

#[cfg(not(unix))]
fn settle_allocator() {}

#[derive(Parser)]
#[command(name = "gridpatrol-server", about = "Gridpatrol sync server", version)]
struct Cli {
    /// A TOML settings file (GRIDPATROL_* environment variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API.
    Serve {
        /// Import the demo street office first if the database is empty
        /// (every demo user's password is `gridpatrol`).
        #[arg(long)]
        demo: bool,
    },
    /// Create the database and an admin user.
    Init {
        #[arg(long, default_value = "admin")]
        admin: String,
        #[arg(long, env = "GRIDPATROL_ADMIN_PASSWORD")]
        password: String,
    },
    /// Import the org tree, categories and users (the demo dataset by
    /// default). New users get a one-time password each, printed once.
    Import {
        /// A reference JSON file ({org, users, categories, calendar}).
        file: Option<PathBuf>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage devices.
    Device {
        #[command(subcommand)]
        action: DeviceAction,
    },
    /// Read the audit log, newest first.
    Audit {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        device: Option<String>,
        /// From this time (RFC 3339, or a date like 2026-12-01).
        #[arg(long)]
        since: Option<String>,
        /// Until this time (exclusive).
        #[arg(long)]
        until: Option<String>,
        /// Only actions starting with this (e.g. `refused:`, `login`).
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// HTTPS certificates.
    Cert {
        #[command(subcommand)]
        action: CertAction,
    },
    /// Write an office report: the same files the app exports.
    Report {
        #[command(subcommand)]
        report: ReportKind,
        /// Over this user's scope (a user name); default: everything.
        #[arg(long = "as", global = true)]
        as_user: Option<String>,
        /// Where to write: a file, or a folder for the suggested name
        /// (default: the current folder).
        #[arg(long, global = true)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ReportKind {
    /// 巡查日志: one grid's patrols and cases of one day (XLSX).
    PatrolLog {
        #[arg(long)]
        grid: String,
        /// YYYY-MM-DD (China Standard Time).
        #[arg(long)]
        day: String,
    },
    /// The monthly KPI and red/yellow/blue rating report (XLSX).
    Kpi {
        /// YYYY-MM.
        #[arg(long)]
        month: String,
    },
    /// Cases as CSV (UTF-8 with BOM) or GeoJSON.
    Cases {
        #[arg(long, value_enum, default_value = "csv")]
        format: CasesFormat,
        /// A case-list filter as JSON, e.g. '{"grid":"QS01-G01","statuses":["closed"]}'.
        #[arg(long, default_value = "{}")]
        filter: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CasesFormat {
    Csv,
    Geojson,
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user (or update one with the same user name). Without
    /// --password a one-time password is generated and printed.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Org unit ids (grids, a community, the street) or a department id.
        #[arg(long, value_delimiter = ',')]
        units: Vec<String>,
        #[arg(long, env = "GRIDPATROL_USER_PASSWORD")]
        password: Option<String>,
    },
    /// Set a user's password (without --password: a one-time password,
    /// changed at next login). Every login of the user ends.
    Passwd {
        username: String,
        #[arg(long, env = "GRIDPATROL_USER_PASSWORD")]
        password: Option<String>,
    },
    /// Disable a user: no logins, and every login of theirs ends.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}

#[derive(Subcommand)]
enum DeviceAction {
    /// List devices.
    List,
    /// Revoke a device: its logins end and no login revives it.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum CertAction {
    /// Generate a self-signed certificate for an office LAN.
    Generate {
        /// Host names and IP addresses the server is reached at.
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Where to write cert.pem and key.pem.
        #[arg(long, default_value = "gridpatrol-data/tls")]
        out: PathBuf,
    },
    /// Print a certificate's SHA-256 fingerprint (what devices pin).
    Fingerprint { cert: PathBuf },
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| "one of grid_worker, grid_leader, supervisor, street_leader, department, admin".into())
}

fn parse_time(s: &str) -> anyhow::Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("not a time or date: {s}"))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis())
}

fn print_passwords(created: &[(String, String)], one_time: bool) {
    if created.is_empty() {
        return;
    }
    if one_time {
        println!("one-time passwords (shown once; each user sets their own at first login):");
    }
    for (user, password) in created {
        println!("  {user}\t{password}");
    }
}

fn main() -> anyhow::Result<()> {
    settle_allocator();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("reading settings")?;
    let cli_actor = Actor::cli();
    match cli.command {
        Command::Serve { demo } => {
            let service = gridpatrol_server::build(&settings).await?;
            if demo && service.storage().reference().await?.is_none() {
                let shared = InitialPasswords::Shared(gridpatrol_core::demo::DEMO_PASSWORD.into());
                service.import(&cli_actor, &gridpatrol_core::demo::reference(), &shared).await?;
                tracing::warn!("imported the demo street office; every demo user's password is `gridpatrol`");
            }
            let listener = tokio::net::TcpListener::bind(settings.listen).await?;
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            gridpatrol_server::serve_service(service, &settings, listener, shutdown).await
        }
        Command::Init { admin, password } => {
            let service = gridpatrol_server::build(&settings).await?;
            let mut reference = match service.storage().reference().await? {
                Some((_, r)) => r,
                None => Reference {
                    org: Default::default(),
                    users: vec![],
                    categories: gridpatrol_core::demo::categories(),
                    calendar: Default::default(),
                    rating_rules: Default::default(),
                    map: Default::default(),
                },
            };
            upsert_user(&mut reference, &admin, "管理员", Role::Admin, vec![])?;
            service.import(&cli_actor, &reference, &InitialPasswords::Shared(password.clone())).await?;
            service.set_password(&cli_actor, &admin, &password, false).await?;
            println!(
                "initialised {} with admin {admin}",
                gridpatrol_server::settings::redact_url(&settings.database_url)
            );
            Ok(())
        }
        Command::Import { file } => {
            let service = gridpatrol_server::build(&settings).await?;
            let (reference, passwords) = match file {
                Some(f) => {
                    let r: Reference = serde_json::from_slice(&std::fs::read(&f)?)
                        .with_context(|| format!("reading {}", f.display()))?;
                    (r, InitialPasswords::OneTime)
                }
                None => {
                    println!("importing the demo street office: every demo user's password is `gridpatrol`");
                    (
                        gridpatrol_core::demo::reference(),
                        InitialPasswords::Shared(gridpatrol_core::demo::DEMO_PASSWORD.into()),
                    )
                }
            };
            let (version, created) = service.import(&cli_actor, &reference, &passwords).await?;
            println!(
                "imported {} users, {} org units (reference version {version}); {} new users",
                reference.users.len(),
                reference.org.units.len(),
                created.len()
            );
            print_passwords(&created, passwords == InitialPasswords::OneTime);
            Ok(())
        }
        Command::User { action } => user(&settings, &cli_actor, action).await,
        Command::Device { action } => {
            let service = gridpatrol_server::build(&settings).await?;
            match action {
                DeviceAction::List => {
                    for d in service.storage().devices().await? {
                        let state = if d.revoked_at.is_some() { "revoked" } else { "active" };
                        let tokens = service.storage().tokens_of_device(&d.id).await?;
                        let live = tokens.iter().filter(|t| t.revoked_at.is_none()).count();
                        println!("{}\t{}\t{}\t{state}\t{live} live logins", d.id, d.first_user, d.name);
                    }
                }
                DeviceAction::Revoke { id } => {
                    service.revoke_device(&cli_actor, &id).await?;
                    println!("revoked {id}");
                }
            }
            Ok(())
        }
        Command::Audit { user, device, since, until, action, limit } => {
            let service = gridpatrol_server::build(&settings).await?;
            let user_id = match user {
                Some(u) if !u.starts_with("u-") && u != "cli" => {
                    let (_, r) = service.reference().await?;
                    Some(r.user_by_name(&u).map(|x| x.id.clone()).unwrap_or(u))
                }
                other => other,
            };
            let q = AuditQuery {
                user_id,
                device_id: device,
                since: since.as_deref().map(parse_time).transpose()?,
                until: until.as_deref().map(parse_time).transpose()?,
                action_prefix: action,
                limit,
                offset: 0,
            };
            for e in service.audit_log(&q).await? {
                let at = chrono::DateTime::from_timestamp_millis(e.at).map(|t| t.to_rfc3339()).unwrap_or_default();
                println!(
                    "{at}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.user_id,
                    e.device_id,
                    e.addr,
                    e.action,
                    e.subject,
                    e.detail.escape_debug()
                );
            }
            Ok(())
        }
        Command::Report { report: kind, as_user, out } => report(&settings, kind, as_user, out).await,
        Command::Cert { action } => match action {
            CertAction::Generate { hosts, out } => {
                let (cert, key, fingerprint) = gridpatrol_server::net::tls::self_signed(&hosts)?;
                std::fs::create_dir_all(&out)?;
                std::fs::write(out.join("cert.pem"), cert)?;
                write_private(&out.join("key.pem"), key.as_bytes())?;
                println!("wrote {0}/cert.pem and {0}/key.pem", out.display());
                println!("set tls_cert and tls_key (or GRIDPATROL_TLS_CERT / GRIDPATROL_TLS_KEY) to serve HTTPS");
                println!("fingerprint (devices show it at first login; compare it):\n  {fingerprint}");
                Ok(())
            }
            CertAction::Fingerprint { cert } => {
                println!("{}", gridpatrol_server::net::tls::fingerprint_of(&cert)?);
                Ok(())
            }
        },
    }
}

async fn report(
    settings: &Settings,
    kind: ReportKind,
    as_user: Option<String>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    use gridpatrol_core::office::CaseExportFormat;
    let service = gridpatrol_server::build(settings).await?;
    let (_, reference) = service.reference().await.context("run import or init first")?;
    let scope = match &as_user {
        Some(name) => {
            let user = reference.user_by_name(name).with_context(|| format!("no user {name}"))?;
            reference.org.scope_of(user)
        }
        None => gridpatrol_core::model::Scope::All,
    };
    let made = match kind {
        ReportKind::PatrolLog { grid, day } => service.report_patrol_log(&scope, &grid, &day).await,
        ReportKind::Kpi { month } => service.report_kpi(&scope, &month).await,
        ReportKind::Cases { format, filter } => {
            let filter: gridpatrol_core::store::CaseFilter =
                serde_json::from_str(&filter).context("--filter is not a case filter (JSON)")?;
            let format = match format {
                CasesFormat::Csv => CaseExportFormat::Csv,
                CasesFormat::Geojson => CaseExportFormat::Geojson,
            };
            service.report_cases(&scope, format, &filter).await
        }
    };
    let made = made.map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    let path = match out {
        Some(p) if p.is_dir() => p.join(&made.file.name),
        Some(p) => p,
        None => PathBuf::from(&made.file.name),
    };
    std::fs::write(&path, &made.file.bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {} ({} bytes)", path.display(), made.file.bytes.len());
    Ok(())
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(bytes)?;
    Ok(())
}

async fn user(settings: &Settings, actor: &Actor, action: UserAction) -> anyhow::Result<()> {
    let service = gridpatrol_server::build(settings).await?;
    let (_, reference) = service.reference().await.context("run import or init first")?;
    let mut reference = (*reference).clone();
    match action {
        UserAction::Add { username, name, role, units, password } => {
            upsert_user(&mut reference, &username, &name, role, units)?;
            reference.validate().map_err(anyhow::Error::msg)?;
            let passwords = match &password {
                Some(p) => InitialPasswords::Shared(p.clone()),
                None => InitialPasswords::OneTime,
            };
            let (_, created) = service.import(actor, &reference, &passwords).await?;
            if let Some(p) = password.filter(|_| created.is_empty()) {
                service.set_password(actor, &username, &p, false).await?;
            }
            println!("saved user {username}");
            print_passwords(&created, passwords == InitialPasswords::OneTime);
        }
        UserAction::Passwd { username, password } => {
            let (password, one_time) = match password {
                Some(p) => (p, false),
                None => (gridpatrol_server::auth::tokens::one_time_password(), true),
            };
            service.set_password(actor, &username, &password, one_time).await?;
            if one_time {
                println!("one-time password for {username} (changed at next login): {password}");
            } else {
                println!("password changed for {username}; their logins have ended");
            }
        }
        UserAction::Disable { username } => {
            service.set_disabled(actor, &username, true).await?;
            println!("{username} is now disabled; their logins have ended");
        }
        UserAction::Enable { username } => {
            service.set_disabled(actor, &username, false).await?;
            println!("{username} is now enabled");
        }
    }
    Ok(())
}

fn upsert_user(
    reference: &mut Reference,
    username: &str,
    name: &str,
    role: Role,
    units: Vec<String>,
) -> anyhow::Result<()> {
    if username.is_empty() || !username.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        bail!("user names are ASCII letters, digits, '-', '_' or '.'");
    }
    let id = format!("u-{username}");
    reference.users.retain(|u| u.username != username);
    reference.users.push(User { id, username: username.into(), name: name.into(), role, units });
    Ok(())
}
