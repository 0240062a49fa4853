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
