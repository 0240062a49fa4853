//! The test harness: a fresh Oversight per test on SQLite or PostgreSQL, called in-process
//! through the whole actix application (routing, middleware, extractors), with helpers per
//! surface. PostgreSQL tests read `OVERSIGHT_TEST_PG` (an admin URL); each makes and drops
//! its own database.
#![allow(dead_code)]

pub mod cluster;
pub mod receiver;

use std::path::PathBuf;
use std::rc::Rc;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_service::{Service, ServiceExt};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test as atest;
use actix_web::web;
use diesel::{Connection, RunQueryDsl};
use oversight::app::{AppState, Clock};
use oversight::auth::Role;
use oversight::auth::jwt::Verifier;
use oversight::config::Config;
use oversight::db::Db;
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Drops what a test made when it ends.
enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
    Nothing,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
            Cleanup::Nothing => {}
        }
    }
}

type Svc = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

pub struct TestApp {
    svc: Rc<Svc>,
    pub state: web::Data<AppState>,
    pub backend_name: &'static str,
    pub database_url: String,
    _cleanup: Cleanup,
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("OVERSIGHT_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
}

/// One HTTP/1.1 request over a connection of its own to a binary the test started on `port`:
/// the whole answer as text (status line, headers, body).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// A new empty directory under the system's temporary one, named `{prefix}-{uuid}`; the
/// caller removes it.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Creates or changes the resource at `path` with `token`, whatever version stands (no
/// `If-Match` to create, `*` to change); asserts success.
pub async fn put_any(app: &TestApp, path: &str, token: &str, body: Value) -> Res {
    let exists = app.get(path).token(token).send().await.status == 200;
    let mut req = app.put(path).token(token);
    if exists {
        req = req.if_match("*");
    }
    let res = req.json(body).send().await;
    assert!(res.status.is_success(), "{path}: {}", res.text());
    res
}

/// A port free on this host now, for a binary the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The service's own binary, started by a test (for what only a process shows: signals, the
/// socket, start-up settings), with [`SECRET`], no demo data, on a free port; killed when
/// dropped, and its directory (if it made one) removed after.
pub struct Binary {
    pub child: std::process::Child,
    pub port: u16,
    /// The directory of its SQLite database, where [`Binary::on_new_sqlite`] made one.
    pub dir: Option<PathBuf>,
}

impl Binary {
    /// Starts the binary on `database_url`, with `env` set on top and its log to `stderr`;
    /// answers once it takes connections.
    pub fn start(database_url: &str, env: &[(&str, &str)], stderr: std::process::Stdio) -> Binary {
        let port = free_port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_oversight"))
            .env("DATABASE_URL", database_url)
            .env("OVERSIGHT_LISTEN", format!("127.0.0.1:{port}"))
            .env("OVERSIGHT_JWT_SECRET", SECRET)
            .env("OVERSIGHT_DEMO", "false")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut binary = Binary {
            child,
            port,
            dir: None,
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = binary.child.try_wait() {
                panic!("the service exited at start-up: {status}");
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "the service did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        binary
    }

    /// [`Binary::start`] on a new SQLite database in a directory of its own (`dir`).
    pub fn on_new_sqlite(env: &[(&str, &str)], stderr: std::process::Stdio) -> Binary {
        let dir = std::env::temp_dir().join(format!(
            "oversight-binary-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("o.db").display());
        let mut binary = Binary::start(&url, env, stderr);
        binary.dir = Some(dir);
        binary
    }

    /// A token it accepts (signed with [`SECRET`]).
    pub fn token(&self, sub: &str, roles: &[Role], forces: &[&str]) -> String {
        let forces: Vec<String> = forces.iter().map(|f| f.to_string()).collect();
        Verifier::hs256(
            &oversight::config::Secret::new(SECRET),
            "oversight",
            "oversight",
        )
        .unwrap()
        .mint(sub, roles, &forces, 3600)
        .unwrap()
    }

    /// The path of its SQLite database, where it made one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join("o.db"))
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A database of its own for one test: its URL, and what drops it.
fn fresh_database(backend: &Backend) -> (String, Cleanup) {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("oversight-test-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            (
                format!("sqlite://{}", dir.join("oversight.db").display()),
                Cleanup::Dir(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = pg_admin_url().expect("OVERSIGHT_TEST_PG");
            let name = format!("oversight_test_{tag}");
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at OVERSIGHT_TEST_PG: {e}"));
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .unwrap();
            let url = database_url(&admin_url, &name);
            (url, Cleanup::Database { admin_url, name })
        }
    }
}

/// The admin URL with its database name replaced.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::build(backend, Clock::System, |_| {}).await
    }

    pub async fn build(
        backend: Backend,
        clock: Clock,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let backend_name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let (url, cleanup) = fresh_database(&backend);
        TestApp::on(url, cleanup, backend_name, clock, adjust).await
    }

    /// A new instance on a fresh database of this one's backend.
    pub async fn another_instance_fresh(&self) -> TestApp {
        self.like(|_| {}).await
    }

    /// A new instance on a fresh database of this one's backend, configured differently, so
    /// that a test of a setting runs on both backends.
    pub async fn like(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let backend = if self.backend_name == "postgres" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        TestApp::build(backend, Clock::System, adjust).await
    }

    /// An instance on a database someone else made (and drops).
    pub async fn on_url(url: &str) -> TestApp {
        TestApp::on_url_with(url, |_| {}).await
    }

    /// An instance on a database someone else made, with its configuration adjusted.
    pub async fn on_url_with(url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let backend = if url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        TestApp::on(
            url.to_string(),
            Cleanup::Nothing,
            backend,
            Clock::System,
            adjust,
        )
        .await
    }

    /// A second instance of the service on this one's database (several instances, one store).
    pub async fn another_instance(&self) -> TestApp {
        TestApp::on(
            self.database_url.clone(),
            Cleanup::Nothing,
            self.backend_name,
            Clock::System,
            |_| {},
        )
        .await
    }

    async fn on(
        url: String,
        cleanup: Cleanup,
        backend_name: &'static str,
        clock: Clock,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = Config::for_tests(&url, SECRET);
        adjust(&mut config);
        let mut db = Db::connect(&config.database_url, config.db_pool_size).unwrap();
        db.migrate().unwrap();
        if let Some(read) = config.database_read_url.clone() {
            db = db.with_read_replica(&read, config.db_pool_size).unwrap();
        }
        let verifier = Verifier::from_config(&config).unwrap();
        let state = web::Data::new(AppState::with(config, db, verifier, clock).expect("state"));
        let svc = atest::init_service(oversight::app::app(state.clone())).await;
        let svc = boxed::service(svc.map(|res: ServiceResponse<_>| res.map_into_boxed_body()));
        TestApp {
            svc: Rc::new(svc),
            state,
            backend_name,
            database_url: url,
            _cleanup: cleanup,
        }
    }

    pub fn token(&self, sub: &str, roles: &[Role], forces: &[&str]) -> String {
        let forces: Vec<String> = forces.iter().map(|f| f.to_string()).collect();
        self.state.verifier.mint(sub, roles, &forces, 3600).unwrap()
    }

    pub fn admin(&self) -> String {
        self.token("admin-1", &[Role::Admin], &[])
    }

    pub fn inspectorate(&self) -> String {
        self.token("hmicfrs-1", &[Role::Inspectorate], &[])
    }

    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            method,
            path: path.to_string(),
            headers: vec![],
            body: None,
            peer: None,
        }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Req<'_> {
        self.req(Method::PATCH, path)
    }

    /// A GraphQL operation; answers the whole response (`data` and `errors`).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        match serde_json::from_str(&self.gql_text(token, query, variables).await) {
            Ok(v) => v,
            Err(e) => panic!("graphql: not JSON: {e}"),
        }
    }

    /// A GraphQL answer as the text the service sent (for key order and exact output).
    pub async fn gql_text(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let mut r = self
            .post("/graphql")
            .json(json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            r = r.token(t);
        }
        let res = r.send().await;
        assert_eq!(res.status, StatusCode::OK, "graphql: {}", res.text());
        res.text()
    }

    /// Counts SQL statements by reading the database's own statistics is backend-specific;
    /// tests that need it use this raw connection.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// An inspection the inspectorate publishes, with overrides merged in.
    pub async fn create_inspection(&self, overrides: Value) -> Value {
        self.create_inspection_as(&self.inspectorate(), overrides)
            .await
    }

    /// [`TestApp::create_inspection`] with the inspectorate's token given.
    pub async fn create_inspection_as(&self, inspectorate: &str, overrides: Value) -> Value {
        let mut body = json!({
            "title": "Improving the response to organised immigration crime",
            "published_on": "2025-05-16",
            "publication_types": ["Serious and organised crime"],
            "report_url": "https://hmicfrs.justiceinspectorates.gov.uk/report",
            "key_findings": "Reducing illegal migration to the UK is a priority.",
            "scope": {"all_forces": true}
        });
        merge(&mut body, overrides);
        let res = self
            .post("/v1/inspections")
            .token(inspectorate)
            .json(body)
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "create inspection: {}",
            res.text()
        );
        res.json()
    }

    pub async fn create_item(&self, inspection_id: &str, overrides: Value) -> Value {
        self.create_item_as(&self.inspectorate(), inspection_id, overrides)
            .await
    }

    /// [`TestApp::create_item`] with the inspectorate's token given.
    pub async fn create_item_as(
        &self,
        inspectorate: &str,
        inspection_id: &str,
        overrides: Value,
    ) -> Value {
        let mut body = json!({
            "kind": "recommendation",
            "number": 2,
            "text": "By 30 April 2026, chief constables should make sure …",
            "addressees": {"chief_constables": true},
            "due_on": "2026-04-30"
        });
        merge(&mut body, overrides);
        let res = self
            .post(&format!("/v1/inspections/{inspection_id}/items"))
            .token(inspectorate)
            .json(body)
            .send()
            .await;
        assert_eq!(
            res.status,
            StatusCode::CREATED,
            "create item: {}",
            res.text()
        );
        res.json()
    }
}

pub fn merge(base: &mut Value, overrides: Value) {
    if let (Some(b), Value::Object(o)) = (base.as_object_mut(), overrides) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
}

pub struct Req<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    peer: Option<std::net::SocketAddr>,
}

impl<'a> Req<'a> {
    pub fn token(mut self, token: &str) -> Self {
        self.headers
            .push(("authorization".into(), format!("Bearer {token}")));
        self
    }

    pub fn maybe_token(self, token: Option<&str>) -> Self {
        match token {
            Some(t) => self.token(t),
            None => self,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The address the request comes from (`ip:port`).
    pub fn peer(mut self, addr: &str) -> Self {
        self.peer = Some(addr.parse().unwrap());
        self
    }

    pub fn if_match(self, etag: &str) -> Self {
        self.header("if-match", etag)
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(serde_json::to_vec(&body).unwrap());
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self
    }

    pub fn raw(mut self, body: &[u8]) -> Self {
        self.body = Some(body.to_vec());
        self
    }

    pub async fn send(self) -> Res {
        let mut r = atest::TestRequest::default()
            .method(self.method)
            .uri(&self.path);
        for (k, v) in &self.headers {
            r = r.insert_header((k.as_str(), v.as_str()));
        }
        if let Some(b) = self.body {
            r = r.set_payload(b);
        }
        if let Some(addr) = self.peer {
            r = r.peer_addr(addr);
        }
        let res = self.app.svc.call(r.to_request()).await.unwrap_or_else(|e| {
            e.error_response()
                .map_into_boxed_body()
                .into_service_response()
        });
        let status = res.status();
        let headers = res.headers().clone();
        let body = atest::read_body(res).await.to_vec();
        Res {
            status,
            headers,
            body,
        }
    }
}

trait IntoSr {
    fn into_service_response(self) -> ServiceResponse<BoxBody>;
}

impl IntoSr for actix_web::HttpResponse<BoxBody> {
    fn into_service_response(self) -> ServiceResponse<BoxBody> {
        ServiceResponse::new(atest::TestRequest::default().to_http_request(), self)
    }
}

pub struct Res {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Vec<u8>,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag")
    }

    /// Asserts a problem+json error with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status} {code}, got: {}",
            self.text()
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "problem content type: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status);
        assert!(
            body["type"].is_string() && body["title"].is_string() && body["detail"].is_string()
        );
        body
    }
}

impl TestApp {
    /// Every event of the change feed as `token` reads it (anonymous for `None`), page by page.
    pub async fn whole_feed(&self, token: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut path = "/v1/events?limit=100".to_string();
        loop {
            let page = self.get(&path).maybe_token(token).send().await.json();
            let events = page["events"].as_array().unwrap().clone();
            if events.is_empty() {
                return out;
            }
            out.extend(events);
            let next = page["next_cursor"].as_str().unwrap();
            path = format!("/v1/events?limit=100&after={next}");
        }
    }
}

/// Sets up a typical inspection for force tests: all forces in scope, published 16 May 2025,
/// with recommendation 2 to chief constables, area for improvement 1 to policing bodies, and
/// recommendation 1 to other bodies only.
pub struct Fixture {
    pub inspection: String,
    pub rec: String,
    pub afi: String,
    pub other: String,
}

impl TestApp {
    pub async fn fixture(&self) -> Fixture {
        self.fixture_as(&self.inspectorate()).await
    }

    /// [`TestApp::fixture`] with the inspectorate's token given (a trust-file instance mints
    /// none).
    pub async fn fixture_as(&self, inspectorate: &str) -> Fixture {
        let inspection = self.create_inspection_as(inspectorate, json!({})).await;
        let id = inspection["id"].as_str().unwrap().to_string();
        let rec = self
            .create_item_as(inspectorate, &id, json!({"number": 2}))
            .await;
        let afi = self
            .create_item_as(inspectorate, &id, json!({"kind": "area_for_improvement", "number": 1, "addressees": {"policing_bodies": true}}))
            .await;
        let other = self
            .create_item_as(
                inspectorate,
                &id,
                json!({"number": 1, "addressees": {"other_bodies": ["Home Office"]}}),
            )
            .await;
        Fixture {
            inspection: id,
            rec: rec["id"].as_str().unwrap().to_string(),
            afi: afi["id"].as_str().unwrap().to_string(),
            other: other["id"].as_str().unwrap().to_string(),
        }
    }

    pub fn editor(&self, force: &str) -> String {
        self.token(&format!("editor-{force}"), &[Role::ForceEditor], &[force])
    }

    pub fn opcc(&self, force: &str) -> String {
        self.token(&format!("opcc-{force}"), &[Role::OpccEditor], &[force])
    }

    pub fn viewer(&self, force: &str) -> String {
        self.token(&format!("viewer-{force}"), &[Role::ForceViewer], &[force])
    }

    pub fn analyst(&self) -> String {
        self.token("analyst-1", &[Role::Analyst], &[])
    }
}

/// Runs a test body once per backend: `both_backends!(name, |app| async move { … });`
/// The PostgreSQL run says plainly when it is skipped.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_rt::test]
            async fn sqlite() {
                let $app = $crate::common::TestApp::new($crate::common::Backend::Sqlite).await;
                $body.await;
            }

            #[actix_rt::test]
            async fn postgres() {
                if $crate::common::pg_admin_url().is_none() {
                    eprintln!("skipped PostgreSQL: OVERSIGHT_TEST_PG is not set");
                    return;
                }
                let $app = $crate::common::TestApp::new($crate::common::Backend::Postgres).await;
                $body.await;
            }
        }
    };
}
