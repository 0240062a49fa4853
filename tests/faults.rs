//! Reliability under database faults: a PostgreSQL cluster this test starts and stops itself,
//! requests that fail fast as 503 while it is down, healing when it returns; and a
//! transaction cut mid-way that leaves nothing half-written (both backends).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::TestApp;
use serde_json::json;

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .find(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root).
fn as_postgres(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    cmd.args(args).output().expect("run a PostgreSQL tool")
}

struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    fn start_new() -> Option<Cluster> {
        let bin = pg_bin()?;
        let dir =
            std::env::temp_dir().join(format!("oversight-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).ok()?;
        let _ = Command::new("chown")
            .args(["postgres:postgres", &dir.to_string_lossy()])
            .output();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let init = as_postgres(
            &bin,
            "initdb",
            &[
                "-D",
                &dir.join("data").to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        if !init.status.success() {
            eprintln!(
                "skipped the fault test: initdb failed: {}",
                String::from_utf8_lossy(&init.stderr)
            );
            return None;
        }
        let cluster = Cluster { bin, dir, port };
        cluster.start();
        Some(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.to_string_lossy()
        );
        let log = self.dir.join("log");
        self.pg_ctl(&["-o", &opts, "-l", &log.to_string_lossy(), "-w", "start"]);
    }

    fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    /// `pg_ctl -D <data> <args>`, which must succeed.
    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        let out = as_postgres(&self.bin, "pg_ctl", &all);
        assert!(
            out.status.success(),
            "pg_ctl {}: {}",
            args.last().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").to_string_lossy(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[actix_rt::test]
async fn with_postgresql_down_requests_fail_fast_as_503_and_the_service_heals() {
    let Some(cluster) = Cluster::start_new() else {
        eprintln!("skipped the fault test: no PostgreSQL server binaries to start a cluster with");
        return;
    };
    let app = TestApp::on_url(&cluster.url()).await;
    assert_eq!(app.get("/readyz").send().await.status, 200);
    assert_eq!(app.get("/v1/forces/norfolk").send().await.status, 200);

    cluster.stop();
    for path in ["/v1/forces/norfolk", "/v1/inspections", "/readyz"] {
        let started = Instant::now();
        let res = app.get(path).send().await;
        let took = started.elapsed();
        res.assert_problem(503, "unavailable");
        assert!(
            took < Duration::from_secs(5),
            "{path} took {took:?} to fail"
        );
        assert_eq!(res.header("retry-after").as_deref(), Some("1"));
        assert!(
            !res.text().contains("connection"),
            "no internals in the problem: {}",
            res.text()
        );
    }
    assert_eq!(
        app.get("/healthz").send().await.status,
        200,
        "the process is alive"
    );
    let write = app
        .post("/v1/inspections")
        .token(&app.inspectorate())
        .json(json!({"title": "T", "published_on": "2025-01-01", "scope": {"all_forces": true}}))
        .send()
        .await;
    write.assert_problem(503, "unavailable");

    cluster.start();
    let mut healed = false;
    for _ in 0..20 {
        if app.get("/v1/forces/norfolk").send().await.status == 200 {
            healed = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        healed,
        "the service did not heal after PostgreSQL came back"
    );
    assert_eq!(app.get("/readyz").send().await.status, 200);
    assert_eq!(
        app.get("/v1/inspections").send().await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "the refused write left nothing"
    );
}

/// Makes every audit insert fail, so a change fails at its last statement.
fn break_audit(app: &TestApp) {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    let mut conn = app.db().conn().unwrap();
    match &mut **conn {
        oversight::db::DbConn::Pg(c) => c
            .batch_execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql;
                 CREATE TRIGGER refuse BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse();",
            )
            .unwrap(),
        oversight::db::DbConn::Sqlite(c) => {
            diesel::sql_query("CREATE TRIGGER refuse BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'injected fault'); END;")
                .execute(c)
                .unwrap();
        }
    }
}

both_backends!(
    a_change_cut_at_its_last_statement_leaves_nothing_half_written,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let path = format!("/v1/forces/norfolk/inspections/{}/response", f.inspection);
        app.put(&path)
            .token(&editor)
            .json(json!({"comments": "before"}))
            .send()
            .await;
        break_audit(&app);
        let res = app
            .put(&path)
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"comments": "after"}))
            .send()
            .await;
        let problem = res.assert_problem(500, "internal");
        assert!(
            !problem["detail"].as_str().unwrap().contains("injected"),
            "no internals: {problem}"
        );
        let now = app.get(&path).token(&editor).send().await.json();
        assert_eq!(
            (now["comments"].as_str(), now["version"].as_i64()),
            (Some("before"), Some(1))
        );
        let created = app
            .put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        created.assert_problem(500, "internal");
        app.get(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);
