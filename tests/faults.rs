//! Reliability under database faults: a PostgreSQL cluster this test starts and stops itself,
//! requests that fail fast as 503 while it is down, healing when it returns; and a
//! transaction cut mid-way that leaves nothing half-written (both backends).

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use common::cluster::Cluster;
use serde_json::json;

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
