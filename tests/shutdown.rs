//! SIGTERM: the binary stops taking connections, finishes the requests in flight, exits 0.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;

const SECRET: &str = "shutdown-secret-shutdown-secret-00000000";

#[test]
fn sigterm_finishes_requests_in_flight_and_exits_0() {
    let dir = std::env::temp_dir().join(format!("oversight-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("o.db");
    let port = common::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("OVERSIGHT_LISTEN", format!("127.0.0.1:{port}"))
        .env("OVERSIGHT_JWT_SECRET", SECRET)
        .env("OVERSIGHT_DEMO", "false")
        .env("OVERSIGHT_RATE_LIMIT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while common::http(port, "GET", "/healthz", None, "").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the service did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let verifier = oversight::auth::jwt::Verifier::hs256(
        &oversight::config::Secret::new(SECRET),
        "oversight",
        "oversight",
    )
    .unwrap();
    let token = verifier
        .mint("hmicfrs", &[oversight::auth::Role::Inspectorate], &[], 600)
        .unwrap();

    // Hold the database so that a write waits inside the service.
    let mut holder = diesel::SqliteConnection::establish(&db.to_string_lossy()).unwrap();
    holder.batch_execute("BEGIN EXCLUSIVE").unwrap();
    let body =
        r#"{"title": "In flight", "published_on": "2025-01-01", "scope": {"all_forces": true}}"#;
    let in_flight = std::thread::spawn(move || {
        common::http(port, "POST", "/v1/inspections", Some(&token), body)
    });
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        common::http(port, "GET", "/healthz", None, "").is_err(),
        "a stopping service takes no new connections"
    );
    holder.batch_execute("ROLLBACK").unwrap();

    let answer = in_flight
        .join()
        .unwrap()
        .expect("the request in flight was answered");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
