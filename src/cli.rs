//! The command line: `serve` (the default), `migrate`, `seed`, `remind`, `token`, `trust check`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{AppState, serve};
use crate::auth::Role;
use crate::auth::jwt::Verifier;
use crate::config::{Config, LogFormat};
use crate::db::Db;

#[derive(Parser)]
#[command(
    name = "oversight",
    version,
    about = "HMICFRS inspections, force responses and Section 55 PCC responses"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the REST and GraphQL API (the default).
    Serve,
    /// Apply pending migrations and load the reference forces, then exit.
    Migrate,
    /// Load a data set.
    Seed {
        #[command(subcommand)]
        set: SeedSet,
    },
    /// Look once for deadline reminders that have fallen due, emit them, and print what was
    /// found, the time it took and the SQL statements it ran (serving instances look at
    /// start-up and every OVERSIGHT_REMINDER_INTERVAL_SECS by themselves).
    Remind,
    /// Mint a development token with the configured HS256 secret.
    Token {
        /// Subject (who the token is for).
        #[arg(long)]
        sub: String,
        /// Role (repeatable): force_viewer, force_editor, opcc_editor, analyst, inspectorate, admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Force the token acts for (repeatable).
        #[arg(long = "force")]
        forces: Vec<String>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// The identity providers' trust file.
    Trust {
        #[command(subcommand)]
        action: TrustAction,
    },
}

#[derive(Subcommand)]
pub enum TrustAction {
    /// Validate a trust file and print, per issuer, where its keys come from and what it may
    /// grant; exits 1 with the first mistake, file and key named.
    Check {
        /// The TOML file.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum SeedSet {
    /// The published Norfolk response to the organised immigration crime inspection.
    Demo,
    /// A national data set: inspections over ten years with items, responses, actions, updates
    /// and PCC responses in every Section 55 state, generated deterministically from a seed.
    National {
        /// Territorial forces taking part (at most 43).
        #[arg(long, default_value_t = 43)]
        forces: usize,
        /// Inspections over the ten years.
        #[arg(long, default_value_t = 1500)]
        inspections: usize,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2025)]
        seed: u64,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_serve(cli.config),
        Command::Migrate => run_migrate(&cli.config),
        Command::Seed { set: SeedSet::Demo } => run_seed_demo(cli.config),
        Command::Seed {
            set:
                SeedSet::National {
                    forces,
                    inspections,
                    seed,
                },
        } => run_seed_national(&cli.config, forces, inspections, seed),
        Command::Remind => run_remind(&cli.config),
        Command::Token {
            sub,
            roles,
            forces,
            ttl,
        } => run_token(&cli.config, &sub, &roles, &forces, &ttl),
        Command::Trust {
            action: TrustAction::Check { file },
        } => crate::auth::trust::load(&file).map(|t| print!("{}", t.describe())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("oversight: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn run_migrate(config: &Config) -> Result<(), String> {
    let db = Db::connect(&config.database_url, 2)?;
    db.migrate()?;
    println!("migrations applied; reference forces present");
    Ok(())
}

fn run_seed_demo(config: Config) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let state = AppState::new(config)?;
        let loaded = crate::demo::load(&|p| state.ctx(p))
            .await
            .map_err(|e| format!("demo data: {e}"))?;
        println!(
            "{}",
            if loaded {
                "demo data loaded"
            } else {
                "demo data already present"
            }
        );
        Ok(())
    })
}

fn run_seed_national(
    config: &Config,
    forces: usize,
    inspections: usize,
    seed: u64,
) -> Result<(), String> {
    let db = Db::connect(&config.database_url, 2)?;
    db.migrate()?;
    let options = crate::seed::NationalOptions {
        forces,
        inspections,
        seed,
        today: chrono::Utc::now().date_naive(),
    };
    let loaded =
        crate::seed::national(&db, &options).map_err(|e| format!("seeding failed: {e}"))?;
    println!(
        "loaded {} inspections, {} items, {} force responses, {} item responses, {} actions, {} updates, {} PCC responses in {:.1} s",
        loaded.inspections,
        loaded.items,
        loaded.force_responses,
        loaded.item_responses,
        loaded.actions,
        loaded.updates,
        loaded.pcc_responses,
        loaded.seconds
    );
    Ok(())
}

fn run_remind(config: &Config) -> Result<(), String> {
    let db = Db::connect(&config.database_url, 1)?;
    db.migrate()?;
    let before = db.statements();
    let started = std::time::Instant::now();
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let pass = crate::reminders::service::check(&mut conn, crate::types::now())
        .map_err(|e| format!("reminders: {e}"))?;
    drop(conn);
    println!(
        "reminders: {} due, emitted {} section55.due_soon, {} section55.overdue, {} action.overdue in {} ms, {} SQL statements",
        pass.candidates,
        pass.section55_due_soon,
        pass.section55_overdue,
        pass.action_overdue,
        started.elapsed().as_millis(),
        db.statements() - before
    );
    Ok(())
}

fn run_serve(config: Config) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let started = std::time::Instant::now();
        let listen = config.listen.clone();
        let embedded = !config.is_postgres();
        let load_demo = config.load_demo();
        let database = redact_url(&config.database_url);
        let state = AppState::new(config)?;
        if load_demo {
            match crate::demo::load(&|p| state.ctx(p)).await {
                Ok(true) => tracing::info!("demo data loaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "demo data not loaded"),
            }
        }
        let (server, addr) = serve(state, &listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        tracing::info!(listen = %addr, database = %database, startup_ms = started.elapsed().as_millis() as u64, "serving");
        println!("Oversight is serving on http://{addr} ({database})");
        println!("  REST:     http://{addr}/v1/forces");
        println!("  GraphiQL: http://{addr}/graphql");
        println!("  OpenAPI:  http://{addr}/openapi.yaml");
        if embedded {
            println!("  A token:  cargo run -- token --sub me --role admin   (then: curl -H \"Authorization: Bearer $TOKEN\" …)");
        }
        server.await.map_err(|e| format!("server: {e}"))
    })
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn run_token(
    config: &Config,
    sub: &str,
    roles: &[String],
    forces: &[String],
    ttl: &str,
) -> Result<(), String> {
    let roles = roles
        .iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| format!("unknown role {r:?}; one of {}", Role::expected()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ttl = parse_ttl(ttl)?;
    let verifier = Verifier::from_config(config)?;
    let token = verifier.mint(sub, &roles, forces, ttl)?;
    println!("{token}");
    Ok(())
}

/// `90s`, `30m`, `1h`, `7d`, or plain seconds.
pub fn parse_ttl(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits.parse().map_err(|_| format!("bad --ttl {s:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("bad --ttl {s:?}: use s, m, h or d")),
    };
    if secs == 0 {
        return Err("--ttl must be positive".into());
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("1h"), Ok(3600));
        assert_eq!(parse_ttl("90"), Ok(90));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("0").is_err());
    }

    #[test]
    fn database_passwords_are_not_printed() {
        assert_eq!(
            redact_url("postgres://u:secret@db/x"),
            "postgres://***@db/x"
        );
        assert_eq!(
            redact_url("sqlite://data/oversight.db"),
            "sqlite://data/oversight.db"
        );
    }
}
