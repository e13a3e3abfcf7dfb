//! `gridpatrol-server`: run the sync server and administer it.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use gridpatrol_core::model::{Reference, Role, User};
use gridpatrol_server::Settings;
use gridpatrol_server::auth::hash_password;
use gridpatrol_server::storage::Credentials;

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
        /// Import the demo street office first if the database is empty.
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
    /// Import the org tree, categories and users (the demo dataset by default).
    Import {
        /// A reference JSON file ({org, users, categories, calendar}).
        file: Option<PathBuf>,
        /// Initial password for users who have none yet.
        #[arg(long, default_value = gridpatrol_core::demo::DEMO_PASSWORD)]
        password: String,
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
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user (or update one with the same user name).
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
        password: String,
    },
    /// Set a user's password.
    Passwd {
        username: String,
        #[arg(long, env = "GRIDPATROL_USER_PASSWORD")]
        password: String,
    },
    /// Disable a user: no logins, and their devices stop syncing.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}

#[derive(Subcommand)]
enum DeviceAction {
    /// List devices.
    List,
    /// Revoke a device's token.
    Revoke { id: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| "one of grid_worker, grid_leader, supervisor, street_leader, department, admin".into())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("reading settings")?;
    match cli.command {
        Command::Serve { demo } => {
            let service = gridpatrol_server::build(&settings).await?;
            if demo && service.storage().reference().await?.is_none() {
                service.import(&gridpatrol_core::demo::reference(), gridpatrol_core::demo::DEMO_PASSWORD).await?;
                tracing::info!(password = "(the demo password)", "imported the demo street office");
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
                },
            };
            upsert_user(&mut reference, &admin, "管理员", Role::Admin, vec![])?;
            service.storage().put_reference(&reference).await?;
            set_password(&service, &reference, &admin, &password).await?;
            println!(
                "initialised {} with admin {admin}",
                gridpatrol_server::settings::redact_url(&settings.database_url)
            );
            Ok(())
        }
        Command::Import { file, password } => {
            let reference = match file {
                Some(f) => {
                    serde_json::from_slice(&std::fs::read(&f)?).with_context(|| format!("reading {}", f.display()))?
                }
                None => gridpatrol_core::demo::reference(),
            };
            let service = gridpatrol_server::build(&settings).await?;
            let version = service.import(&reference, &password).await?;
            println!(
                "imported {} users, {} org units (reference version {version})",
                reference.users.len(),
                reference.org.units.len()
            );
            Ok(())
        }
        Command::User { action } => {
            let service = gridpatrol_server::build(&settings).await?;
            let (_, mut reference) = service.storage().reference().await?.context("run import or init first")?;
            match action {
                UserAction::Add { username, name, role, units, password } => {
                    upsert_user(&mut reference, &username, &name, role, units)?;
                    reference.validate().map_err(anyhow::Error::msg)?;
                    service.storage().put_reference(&reference).await?;
                    set_password(&service, &reference, &username, &password).await?;
                    println!("saved user {username}");
                }
                UserAction::Passwd { username, password } => {
                    set_password(&service, &reference, &username, &password).await?;
                    println!("password changed for {username}");
                }
                UserAction::Disable { username } => set_disabled(&service, &username, true).await?,
                UserAction::Enable { username } => set_disabled(&service, &username, false).await?,
            }
            Ok(())
        }
        Command::Device { action } => {
            let service = gridpatrol_server::build(&settings).await?;
            match action {
                DeviceAction::List => {
                    for d in service.storage().devices().await? {
                        let state = if d.revoked {
                            "revoked"
                        } else if d.user_disabled {
                            "user disabled"
                        } else {
                            "active"
                        };
                        println!("{}\t{}\t{}\t{state}", d.id, d.user_id, d.name);
                    }
                }
                DeviceAction::Revoke { id } => {
                    if !service.storage().revoke_device(&id).await? {
                        bail!("no device {id}");
                    }
                    println!("revoked {id}");
                }
            }
            Ok(())
        }
    }
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

async fn set_password(
    service: &gridpatrol_server::service::SyncService,
    reference: &Reference,
    username: &str,
    password: &str,
) -> anyhow::Result<()> {
    if password.chars().count() < 8 {
        bail!("passwords need at least 8 characters");
    }
    let user = reference.user_by_name(username).with_context(|| format!("no user {username}"))?;
    let disabled = service.storage().credentials(username).await?.is_some_and(|c| c.disabled);
    service
        .storage()
        .put_credentials(&Credentials {
            user_id: user.id.clone(),
            username: username.into(),
            password_hash: hash_password(password),
            disabled,
        })
        .await?;
    Ok(())
}

async fn set_disabled(
    service: &gridpatrol_server::service::SyncService,
    username: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let mut cred = service.storage().credentials(username).await?.with_context(|| format!("no user {username}"))?;
    cred.disabled = disabled;
    service.storage().put_credentials(&cred).await?;
    println!("{username} is now {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}
