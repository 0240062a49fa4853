//! The database: one connection type over SQLite and PostgreSQL, the r2d2 pool, migrations
//! and the `Db` handle that runs blocking Diesel work off the async workers.

pub mod keys;
pub mod schema;
pub mod tls;
mod version;
pub use version::data_changed;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serialises migrations and reference data loads
/// across instances starting together.
const MIGRATION_LOCK_KEY: i64 = 0x0f5e_5163_7400;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres(url.to_string()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" {
                return Err(
                    "sqlite:// needs a file path (an in-memory database cannot be pooled)".into(),
                );
            }
            Ok(Backend::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

/// Error of opening a connection, with the real cause kept (the derived `establish` of a
/// MultiConnection would hide it).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

thread_local! {
    /// Set while the pool checks a connection, whose `SELECT 1` is not the request's.
    static VALIDATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Counts the SQL statements every pooled connection runs (for `/metrics` and for tests that
/// prove a query's statement count does not grow with its rows). Statements a connection runs
/// to set itself up, or to be checked by the pool, are not counted.
struct StatementCounter(Arc<AtomicU64>, bool);

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent as E;
        match event {
            E::StartEstablishConnection { .. } => self.1 = true,
            E::FinishEstablishConnection { .. } => self.1 = false,
            E::StartQuery { .. } if !self.1 && !VALIDATING.with(|v| v.get()) => {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Opens connections for r2d2, choosing the backend from the URL scheme.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    statements: Arc<AtomicU64>,
    /// The PostgreSQL URL without TLS, tried first, where it names this host and leaves TLS to
    /// libpq's default (`tls::plain_on_loopback`).
    plain: Option<Arc<tls::Plain>>,
}

impl Manager {
    pub fn new(backend: Backend) -> Self {
        let plain = match &backend {
            Backend::Postgres(url) => {
                tls::plain_on_loopback(url, std::env::var_os("PGSSLMODE").is_some())
                    .map(|plain| Arc::new(tls::Plain::new(plain)))
            }
            Backend::Sqlite(_) => None,
        };
        Manager {
            backend,
            statements: Arc::new(AtomicU64::new(0)),
            plain,
        }
    }

    pub fn connect(&self) -> Result<DbConn, ConnectError> {
        let counter = StatementCounter(self.statements.clone(), false);
        match &self.backend {
            Backend::Postgres(url) => {
                let mut conn = tls::establish(self.plain.as_deref(), url, |url| {
                    PgConnection::establish(url)
                })?;
                // Every statement is prepared once per connection and run thousands of times.
                // PostgreSQL re-plans the first five runs and then any whose generic plan it
                // costs above the custom ones: with `= ANY(…)` lists that was most of them, and
                // planning took up to half a statement's time. The indexes are built so that the
                // generic plans are good (force and inspection are conditions of every probe).
                // Measured on the national set: PostgreSQL's CPU per worklist page 0.70 → 0.54
                // ms, per dashboard 3.8 → 3.4 ms, per national query 3.7 → 3.1 ms.
                // (PostgreSQL before 12 has no such setting: there the default stays.)
                if let Err(e) = conn.batch_execute("SET plan_cache_mode = force_generic_plan") {
                    tracing::debug!(error = %e, "plan_cache_mode not set");
                }
                conn.set_instrumentation(counter);
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                )?;
                conn.set_instrumentation(counter);
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// How long after a connection last did its work it is taken on trust at check-out. Past
/// that (and after any failed work) the pool asks the database `SELECT 1` first.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection and the time until which it needs no check at check-out.
pub struct PoolConn {
    conn: DbConn,
    trusted_until: Option<Instant>,
}

impl PoolConn {
    /// Records how the connection's last work went: success earns it a short trust.
    pub fn worked(&mut self, ok: bool) {
        self.trusted_until = ok.then(|| Instant::now() + TRUSTED_FOR);
    }
}

impl std::ops::Deref for PoolConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<PoolConn, ConnectError> {
        Ok(PoolConn {
            conn: Manager::connect(self)?,
            trusted_until: None,
        })
    }

    /// A connection that worked a moment ago is handed out as it is; any other is asked
    /// `SELECT 1`, so that one the database dropped (a restart, a failover) is replaced and the
    /// service heals without a restart of its own. (Asking every time cost a round trip per
    /// unit of work: five per national query.)
    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), ConnectError> {
        if conn.trusted_until.is_some_and(|t| Instant::now() < t) {
            return Ok(());
        }
        VALIDATING.with(|v| v.set(true));
        let result = conn
            .conn
            .batch_execute("SELECT 1")
            .map_err(ConnectError::from);
        VALIDATING.with(|v| v.set(false));
        result
    }

    /// A connection left inside a transaction (a panic mid-way) is not reused.
    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        type Manager = <DbConn as Connection>::TransactionManager;
        let conn = &mut conn.conn;
        Manager::is_broken_transaction_manager(conn)
            || !matches!(
                Manager::transaction_manager_status_mut(conn).transaction_depth(),
                Ok(None)
            )
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// A pool of up to `max_size` connections, opened as needed. Connections are checked at
/// check-out (see `Manager::is_valid`), so one the database dropped (a restart, a failover) is
/// replaced and the service heals without a restart of its own.
fn pool_of(manager: Manager, max_size: u32) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(WAIT_AT_MOST)
        .test_on_check_out(true)
        .build_unchecked(manager)
}

/// How long a unit of database work may wait, for one of the instance's database threads and
/// then for a connection, before it fails as `unavailable`: saturation, or a database that
/// does not answer, fails fast rather than queueing without end (`OVERSIGHT_DB_THREADS`
/// bounds the threads, so work can queue for them as well as for the pool).
const WAIT_AT_MOST: Duration = Duration::from_secs(3);

/// Runs `f` with a connection of `pool` on the blocking thread pool, and notes whether the
/// connection worked (see `PoolConn`).
async fn run_on<T, F>(pool: Pool, name: &'static str, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    run_within(pool, name, WAIT_AT_MOST, f).await
}

/// `run_on`, with `wait` as the most the work waits for a thread and a connection together.
async fn run_within<T, F>(
    pool: Pool,
    name: &'static str,
    wait: Duration,
    f: F,
) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    blocking(name, wait, move |left| {
        let mut conn = pool
            .get_timeout(left)
            .map_err(|e| AppError::Unavailable(format!("{name}: {e}")))?;
        let result = f(&mut conn);
        conn.worked(result.is_ok());
        result
    })
    .await
}

/// Runs blocking database work `f` on the blocking thread pool, handing it what is left of
/// `wait` once a thread took it up; where none did within `wait`, fails as `unavailable`
/// without running it.
async fn blocking<T, F>(name: &'static str, wait: Duration, f: F) -> Result<T, AppError>
where
    F: FnOnce(Duration) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let queued = Instant::now();
    tokio::task::spawn_blocking(move || {
        let left = wait
            .checked_sub(queued.elapsed())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| {
                AppError::Unavailable(format!(
                    "{name}: no database thread was free within {wait:?}"
                ))
            })?;
        f(left)
    })
    .await
    .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
}

/// The shared database handle: a pool and the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// A PostgreSQL read replica for reads that tolerate its lag; the primary when absent.
    read: Option<Pool>,
    backend: Arc<Backend>,
    statements: Arc<AtomicU64>,
    /// SQLite's connection for the data version (`version`): the pool's cannot serve it, as a
    /// connection's data version does not move with its own commits. `None` on PostgreSQL.
    watch: Option<Arc<std::sync::Mutex<DbConn>>>,
    /// The service's own keys, read (or made) by [`Db::migrate`].
    keys: Arc<std::sync::OnceLock<keys::ServiceKeys>>,
    /// Set once work of one request has read the replica ([`Db::for_request`]).
    replica_read: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl Db {
    /// Builds the pool. SQLite gets its directory created and WAL switched on once, before
    /// any pooled connection exists.
    pub fn connect(url: &str, max_size: u32) -> Result<Db, String> {
        let backend = Backend::from_url(url)?;
        let manager = Manager::new(backend.clone());
        let mut watch = None;
        if let Backend::Sqlite(path) = &backend {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let mut conn = manager
                .connect()
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            conn.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot switch {} to WAL: {e}", path.display()))?;
            // Kept to read the data version (`version`), counted like the pool's statements.
            watch = Some(Arc::new(std::sync::Mutex::new(conn)));
        }
        let statements = manager.statements.clone();
        Ok(Db {
            pool: pool_of(manager, max_size),
            read: None,
            backend: Arc::new(backend),
            statements,
            watch,
            keys: Arc::default(),
            replica_read: None,
        })
    }

    /// Adds a read replica (`OVERSIGHT_DATABASE_READ_URL`): lists, analytics and documents are
    /// read from it; writes and the reads that must see them stay on the primary.
    pub fn with_read_replica(mut self, url: &str, max_size: u32) -> Result<Db, String> {
        let backend = Backend::from_url(url)?;
        if !backend.is_postgres() {
            return Err("OVERSIGHT_DATABASE_READ_URL must be a postgres:// URL".into());
        }
        let mut manager = Manager::new(backend);
        manager.statements = self.statements.clone();
        self.read = Some(pool_of(manager, max_size));
        Ok(self)
    }

    /// This handle for one request: it notes whether the request read the replica, for
    /// [`Db::read_the_replica`]. (Without a replica there is nothing to note.)
    pub fn for_request(&self) -> Db {
        let mut db = self.clone();
        if self.read.is_some() {
            db.replica_read = Some(Arc::default());
        }
        db
    }

    /// Whether work run through this request's handle read the replica: what it answers may
    /// lag the primary by an amount no version read from the primary can tell, so GraphQL
    /// keeps no such answer (`graphql::answers`).
    pub fn read_the_replica(&self) -> bool {
        self.replica_read
            .as_ref()
            .is_some_and(|r| r.load(Ordering::Relaxed))
    }

    /// Runs read-only work that tolerates replica lag on the replica, if there is one.
    pub async fn run_read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        match &self.read {
            Some(replica) => {
                if let Some(flag) = &self.replica_read {
                    flag.store(true, Ordering::Relaxed);
                }
                run_on(replica.clone(), "read replica", f).await
            }
            None => self.run(f).await,
        }
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A connection for blocking work on the current thread (start-up, CLI, inside `run`).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, AppError> {
        self.pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("database: {e}")))
    }

    /// Runs a unit of blocking database work on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run_on(self.pool.clone(), "database", f).await
    }

    /// Runs `f` in one write transaction on the blocking pool.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Applies pending migrations and loads the reference data (the territorial forces and
    /// their policing bodies) that every database holds; safe when several instances start
    /// at once.
    pub fn migrate(&self) -> Result<(), String> {
        let mut conn = self.pool.get().map_err(|e| format!("database: {e}"))?;
        with_migration_lock(&mut conn, &self.backend, |conn| {
            match conn {
                DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|_| ())?,
                DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())?,
            }
            crate::forces::reference::ensure(conn)?;
            let made = keys::ensure(conn)?;
            let _ = self.keys.set(made);
            Ok(())
        })
        .map_err(|e| format!("migrations failed: {e}"))
    }

    /// The service's own keys; an error before [`Db::migrate`] has run.
    pub fn keys(&self) -> Result<&keys::ServiceKeys, AppError> {
        self.keys
            .get()
            .ok_or_else(|| AppError::Internal("the service keys are not loaded".into()))
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), AppError> {
        self.run(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
    }

    /// SQL statements run by this pool's connections so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }
}

/// A batch of pairs a loader asks for together, (force, inspection) for instance. One statement
/// serves them: `first = ANY($1) AND second = ANY($2)`, with each column's distinct values
/// bound, which matches every first with every second; [`PairBatch::asked`] keeps the pairs
/// that were asked for. (Binding one value per pair, a force named 400 times, led PostgreSQL
/// to estimate hundreds of times the rows there are and to read every force's rows of the
/// items: 14,850 rows read to keep 342, for one dashboard.)
pub struct PairBatch<'a> {
    firsts: Vec<&'a str>,
    seconds: Vec<&'a str>,
    asked: foldhash::HashSet<(&'a str, &'a str)>,
}

impl<'a> PairBatch<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> PairBatch<'a> {
        let distinct = |mut values: Vec<&'a str>| {
            values.sort_unstable();
            values.dedup();
            values
        };
        PairBatch {
            firsts: distinct(pairs.iter().map(|(a, _)| a.as_str()).collect()),
            seconds: distinct(pairs.iter().map(|(_, b)| b.as_str()).collect()),
            asked: pairs
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect(),
        }
    }

    /// The distinct first values, to bind.
    pub fn firsts(&self) -> &[&'a str] {
        &self.firsts
    }

    /// The distinct second values, to bind.
    pub fn seconds(&self) -> &[&'a str] {
        &self.seconds
    }

    /// Whether the pair was asked for (the statement also returns the others it matches).
    pub fn asked(&self, first: &str, second: &str) -> bool {
        self.asked.contains(&(first, second))
    }
}

/// SQLite lets one transaction write at a time. This process's writers take their turn here,
/// before `BEGIN IMMEDIATE`: left to SQLite's busy handler, a waiting writer sleeps and
/// retries with a growing back-off (up to 100 ms a try), and under 16 concurrent writers some
/// waited over a second while later ones went through (W4 on SQLite: p99 1.15 s). Writers of
/// another process on the same file still meet the busy timeout. One lock for the process: a
/// deployment has one database, and writes to two (tests) only queue, they cannot deadlock,
/// since no write waits on another while it holds its turn.
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A transaction that will write. On SQLite it begins `IMMEDIATE`, taking the write lock at
/// once: two deferred transactions that both read and then write would otherwise fail with
/// "database is locked" instead of waiting their turn.
pub fn write_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    type Manager = <DbConn as Connection>::TransactionManager;
    // Held until the transaction ends, commit or rollback.
    let _turn = match conn {
        DbConn::Sqlite(_) => Some(
            SQLITE_WRITERS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ),
        DbConn::Pg(_) => None,
    };
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Runs `f` while holding the start-up lock: an advisory lock on PostgreSQL, an exclusive
/// file lock beside the SQLite database.
pub fn with_migration_lock<T>(
    conn: &mut DbConn,
    backend: &Backend,
    f: impl FnOnce(&mut DbConn) -> Result<T, Box<dyn std::error::Error + Send + Sync>>,
) -> Result<T, Box<dyn std::error::Error + Send + Sync>> {
    match backend {
        Backend::Postgres(_) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(conn)?;
            let result = f(conn);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(conn)?;
            result
        }
        Backend::Sqlite(path) => {
            let mut lock_path = path.clone().into_os_string();
            lock_path.push(".lock");
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)?;
            file.lock()?;
            let result = f(conn);
            file.unlock()?;
            result
        }
    }
}

diesel::define_sql_function! {
    /// `lower(text)`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Locks a row for the rest of the transaction (PostgreSQL; SQLite write transactions hold
/// the database already), so that concurrent writers of one resource queue up: a writer with
/// `If-Match: *` then never fails on a change that landed between its read and its write,
/// and a stale `If-Match` is still `412`. `table` and the column names are constants of the
/// caller, never input.
pub fn lock_row(
    conn: &mut DbConn,
    table: &'static str,
    keys: &[(&'static str, &str)],
) -> Result<(), AppError> {
    if let DbConn::Pg(_) = conn {
        use diesel::sql_types::Text;
        let condition: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, (column, _))| format!("{column} = ${}", i + 1))
            .collect();
        let sql = format!(
            "SELECT 1 FROM {table} WHERE {} FOR UPDATE",
            condition.join(" AND ")
        );
        match keys {
            [(_, a)] => diesel::sql_query(sql).bind::<Text, _>(*a).execute(conn)?,
            [(_, a), (_, b)] => diesel::sql_query(sql)
                .bind::<Text, _>(*a)
                .bind::<Text, _>(*b)
                .execute(conn)?,
            _ => {
                return Err(AppError::Internal(
                    "lock_row takes one or two key columns".into(),
                ));
            }
        };
    }
    Ok(())
}

/// The `n`th bound parameter of a statement written as text: `$n` on PostgreSQL, `?n` on
/// SQLite.
pub fn placeholder(conn: &DbConn, n: usize) -> String {
    match conn {
        DbConn::Pg(_) => format!("${n}"),
        DbConn::Sqlite(_) => format!("?{n}"),
    }
}

/// The SQL form of the read rule for rows of force work in cross-force lists
/// (`policy::work_scope`: every force's at every stage, the caller's own forces' at every
/// stage, other forces' once the chief constable's response is submitted) and of the embargo
/// (`policy::sees_embargoed`), applied to a boxed query over a table whose rows carry
/// `$force` and `$inspection` and that is joined to `inspections`. Written once, for every list.
#[macro_export]
macro_rules! filter_readable_work {
    ($q:ident, $ctx:expr, $scope:expr, $force:expr, $inspection:expr) => {
        if !$scope.everything {
            let own = $force.eq_any($scope.own_forces.clone());
            if $scope.submitted_elsewhere {
                use $crate::db::schema::force_responses;
                let submitted = diesel::dsl::exists(
                    force_responses::table
                        .filter(force_responses::force_id.eq($force))
                        .filter(force_responses::inspection_id.eq($inspection))
                        .filter(
                            force_responses::status
                                .eq($crate::responses::model::ResponseStatus::Submitted.as_str()),
                        ),
                );
                $q = $q.filter(own.or(submitted));
            } else {
                $q = $q.filter(own);
            }
        }
        if !$crate::auth::policy::sees_embargoed(&$ctx.principal) {
            $q = $q.filter($crate::db::schema::inspections::published_on.le($ctx.policy.today.0));
        }
    };
}

#[cfg(test)]
mod tests {
    use super::PairBatch;

    #[test]
    fn work_that_waited_too_long_for_a_thread_fails_as_unavailable_without_running() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;

        let dir =
            std::env::temp_dir().join(format!("oversight-wait-{}", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}", dir.join("o.db").display());
        let db = super::Db::connect(&url, 4).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        // One database thread: the second unit waits behind the first, longer than it may.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .enable_time()
            .build()
            .unwrap();
        let wait = Duration::from_millis(200);
        let (first, second) = runtime.block_on(async {
            let slow = super::run_within(db.pool.clone(), "database", wait, |_| {
                std::thread::sleep(Duration::from_millis(400));
                Ok(())
            });
            let counted = ran.clone();
            let behind = super::run_within(db.pool.clone(), "database", wait, move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            futures_util::join!(slow, behind)
        });
        assert!(first.is_ok(), "{first:?}");
        assert!(
            matches!(second, Err(crate::error::AppError::Unavailable(_))),
            "{second:?}"
        );
        assert_eq!(ran.load(Ordering::SeqCst), 0, "the late unit did not run");
        // Within its wait, the same work runs.
        let counted = ran.clone();
        let in_time = runtime.block_on(super::run_within(
            db.pool.clone(),
            "database",
            wait,
            move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        ));
        assert!(
            in_time.is_ok() && ran.load(Ordering::SeqCst) == 1,
            "{in_time:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_pair_batch_binds_each_value_once_and_keeps_only_the_pairs_asked() {
        let pairs: Vec<(String, String)> = [("suffolk", "b"), ("norfolk", "a"), ("norfolk", "b")]
            .iter()
            .map(|(f, i)| (f.to_string(), i.to_string()))
            .collect();
        let batch = PairBatch::new(&pairs);
        assert_eq!(batch.firsts(), ["norfolk", "suffolk"]);
        assert_eq!(batch.seconds(), ["a", "b"]);
        assert!(batch.asked("norfolk", "a") && batch.asked("norfolk", "b"));
        assert!(batch.asked("suffolk", "b"));
        // Matched by the statement (suffolk × a) but not asked for.
        assert!(!batch.asked("suffolk", "a"));
    }
}
