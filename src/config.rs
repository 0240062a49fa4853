//! Typed configuration, read from the environment (and the matching flags) by clap.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/oversight.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlgorithm {
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() < 32 {
            return Err("an HS256 secret must be at least 32 bytes".into());
        }
        // Copied from an example, a secret is everyone's: refuse the placeholders.
        let lower = s.to_ascii_lowercase();
        if ["change-me", "changeme", "change_me", "placeholder"]
            .iter()
            .any(|p| lower.contains(p))
        {
            return Err(
                "the HS256 secret is a placeholder: make one with `openssl rand -hex 32`".into(),
            );
        }
        Ok(Secret(s.to_string()))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// A PostgreSQL read replica for lists, analytics and documents (optional).
    #[arg(long, env = "OVERSIGHT_DATABASE_READ_URL", global = true)]
    pub database_read_url: Option<String>,

    /// Address to serve on.
    #[arg(
        long,
        env = "OVERSIGHT_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,

    /// The one token algorithm accepted.
    #[arg(
        long,
        env = "OVERSIGHT_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256",
        global = true
    )]
    pub jwt_algorithm: JwtAlgorithm,

    /// HS256 secret (at least 32 bytes). Generated into the database's directory in embedded
    /// SQLite mode when not given.
    #[arg(
        long,
        env = "OVERSIGHT_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<Secret>,

    /// Path of a PEM public key for RS256/ES256; several paths separated by commas are all
    /// accepted (key rotation).
    #[arg(long, env = "OVERSIGHT_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<String>,

    /// The identity providers' TOML (docs/OPERATIONS.md): tokens are checked against the
    /// issuers it lists instead of the single `OVERSIGHT_JWT_*` key.
    #[arg(long, env = "OVERSIGHT_TRUST_FILE", global = true)]
    pub trust_file: Option<String>,

    /// Required `iss`.
    #[arg(
        long,
        env = "OVERSIGHT_JWT_ISSUER",
        default_value = "oversight",
        global = true
    )]
    pub jwt_issuer: String,

    /// Required `aud`.
    #[arg(
        long,
        env = "OVERSIGHT_JWT_AUDIENCE",
        default_value = "oversight",
        global = true
    )]
    pub jwt_audience: String,

    /// Whether anonymous callers read published documents.
    #[arg(long, env = "OVERSIGHT_PUBLIC_READ", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub public_read: bool,

    /// Reverse proxies (comma-separated CIDRs) whose `X-Forwarded-For` names the client, for
    /// the rate limit; none by default, when the peer's address is the client's.
    #[arg(
        long,
        env = "OVERSIGHT_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: crate::limits::TrustedProxies,

    /// A separate address to serve `/metrics` on. Without it `/metrics` is served on the main
    /// listener to loopback callers only.
    #[arg(long, env = "OVERSIGHT_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<String>,

    /// Requests per second per token (per address for anonymous callers); 0 turns it off.
    #[arg(
        long,
        env = "OVERSIGHT_RATE_LIMIT",
        default_value_t = 100,
        global = true
    )]
    pub rate_limit: u32,

    /// Load the demo data into a new database (default: only with the default DATABASE_URL).
    #[arg(long, env = "OVERSIGHT_DEMO", action = clap::ArgAction::Set, global = true)]
    pub demo: Option<bool>,

    /// Log format.
    #[arg(
        long,
        env = "OVERSIGHT_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Origins allowed to call the API from a browser (comma-separated, e.g.
    /// `https://dashboard.opcc.example`); none by default.
    #[arg(
        long,
        env = "OVERSIGHT_CORS_ORIGINS",
        default_value = "",
        global = true
    )]
    pub cors_origins: String,

    /// Seconds a client has to send its request headers before it gets `408` (slow clients).
    #[arg(
        long,
        env = "OVERSIGHT_REQUEST_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Database connections per instance.
    #[arg(
        long,
        env = "OVERSIGHT_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,

    /// Units of database work an instance runs at once: the threads of its blocking pool,
    /// shared out among its HTTP workers (one per CPU core). 0 picks two per core. Work beyond
    /// it waits its turn, first come first served (docs/PERFORMANCE.md, "Database threads").
    #[arg(long, env = "OVERSIGHT_DB_THREADS", default_value_t = 0, global = true)]
    pub db_threads: u32,

    /// Megabytes of GraphQL answers each instance keeps, to answer a query asked again of
    /// unchanged data without running it (`graphql::answers`); 0 keeps none.
    #[arg(
        long,
        env = "OVERSIGHT_ANSWER_CACHE_MB",
        default_value_t = 64,
        global = true
    )]
    pub answer_cache_mb: u32,

    /// Seconds between looks for deadline reminders (`reminders`), which also run at
    /// start-up; 0 turns them off for this instance.
    #[arg(
        long,
        env = "OVERSIGHT_REMINDER_INTERVAL_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub reminder_interval_secs: u64,

    /// Allow `http` and private, loopback and link-local addresses as webhook targets (for
    /// development and tests only).
    #[arg(long, env = "OVERSIGHT_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub webhook_allow_private: bool,

    /// The key webhook secrets are sealed with at rest: base64 of 32 bytes. Without it,
    /// embedded mode generates one into the database's directory, and otherwise it is derived
    /// from `OVERSIGHT_JWT_SECRET` (docs/OPERATIONS.md, "Webhooks").
    #[arg(
        long,
        env = "OVERSIGHT_WEBHOOK_KEY",
        hide_env_values = true,
        global = true
    )]
    pub webhook_key: Option<Secret>,
}

impl Config {
    /// The configuration of an embedded test or development instance.
    pub fn for_tests(database_url: &str, secret: &str) -> Config {
        Config {
            database_url: database_url.to_string(),
            database_read_url: None,
            listen: "127.0.0.1:0".into(),
            jwt_algorithm: JwtAlgorithm::Hs256,
            jwt_secret: Some(Secret::new(secret)),
            jwt_public_key: None,
            trust_file: None,
            jwt_issuer: "oversight".into(),
            jwt_audience: "oversight".into(),
            public_read: true,
            rate_limit: 0,
            trusted_proxies: Default::default(),
            metrics_listen: None,
            demo: Some(false),
            log_format: LogFormat::Text,
            cors_origins: String::new(),
            request_timeout_secs: 10,
            db_pool_size: 4,
            db_threads: 0,
            answer_cache_mb: 64,
            reminder_interval_secs: 0,
            webhook_allow_private: true,
            webhook_key: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
    }

    /// Whether demo data goes into a new database.
    pub fn load_demo(&self) -> bool {
        self.demo
            .unwrap_or(self.database_url == DEFAULT_DATABASE_URL)
    }

    /// Directory of the SQLite file, where embedded mode keeps its generated secret.
    pub fn data_dir(&self) -> Option<PathBuf> {
        let path = self.database_url.strip_prefix("sqlite://")?;
        let dir = PathBuf::from(path)
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        Some(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        })
    }
}
