//! SIGTERM: the binary stops taking connections, finishes the requests in flight, exits 0.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;

#[test]
fn sigterm_finishes_requests_in_flight_and_exits_0() {
    let mut server = common::Binary::on_new_sqlite(&[("OVERSIGHT_RATE_LIMIT", "0")], Stdio::null());
    let (port, db) = (server.port, server.sqlite_path().unwrap());
    let token = server.token("hmicfrs", &[oversight::auth::Role::Inspectorate], &[]);

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
        .args(["-TERM", &server.child.id().to_string()])
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
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
}

/// With `OVERSIGHT_METRICS_LISTEN`, metrics are served there and nowhere else.
#[test]
fn metrics_move_to_their_own_listener_when_one_is_configured() {
    let metrics_port = common::free_port();
    let listen = format!("127.0.0.1:{metrics_port}");
    let server = common::Binary::on_new_sqlite(
        &[("OVERSIGHT_METRICS_LISTEN", listen.as_str())],
        Stdio::null(),
    );
    let started = std::time::Instant::now();
    let scraped = loop {
        match common::http(metrics_port, "GET", "/metrics", None, "") {
            Ok(answer) => break answer,
            Err(_) if started.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("the metrics listener does not answer: {e}"),
        }
    };
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    assert!(
        scraped.contains("oversight_db_statements_total"),
        "{scraped}"
    );
    let main = common::http(server.port, "GET", "/metrics", None, "").unwrap();
    assert!(main.starts_with("HTTP/1.1 404"), "{main}");
    let other = common::http(metrics_port, "GET", "/v1/forces", None, "").unwrap();
    assert!(
        other.starts_with("HTTP/1.1 404"),
        "the metrics listener serves metrics only: {other}"
    );
}
