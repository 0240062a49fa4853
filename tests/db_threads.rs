//! `OVERSIGHT_DB_THREADS`: the binary runs its database work on as many threads as it is
//! given, and with one a worker it still serves concurrent reads and writes, each answered
//! and none lost (work beyond the threads waits its turn; nothing waits on work behind it).

mod common;

use std::process::Stdio;

both_backends!(
    one_database_thread_a_worker_serves_concurrent_work,
    |app| async move {
        let log = std::env::temp_dir().join(format!(
            "oversight-db-threads-{}.log",
            uuid::Uuid::now_v7().simple()
        ));
        // One database thread a worker, and a JSON log to read the setting back from.
        let server = common::Binary::start(
            &app.database_url,
            &[
                ("OVERSIGHT_RATE_LIMIT", "0"),
                ("OVERSIGHT_DB_THREADS", "1"),
                ("OVERSIGHT_LOG_FORMAT", "json"),
                ("RUST_LOG", "info"),
            ],
            Stdio::from(std::fs::File::create(&log).unwrap()),
        );
        let port = server.port;
        let token = app.inspectorate();

        // Sixteen clients at once, each publishing two inspections and reading the list between.
        let clients: Vec<_> = (0..16)
        .map(|c| {
            let token = token.clone();
            std::thread::spawn(move || {
                let mut answers = Vec::new();
                for n in 0..2 {
                    let body = format!(
                        r#"{{"title": "Concurrent {c}-{n}", "published_on": "2025-01-01", "scope": {{"all_forces": true}}}}"#
                    );
                    answers.push(common::http(port, "POST", "/v1/inspections", Some(&token), &body).unwrap());
                    answers.push(common::http(port, "GET", "/v1/inspections?limit=5", Some(&token), "").unwrap());
                }
                answers
            })
        })
        .collect();
        for client in clients {
            for answer in client.join().unwrap() {
                assert!(
                    answer.starts_with("HTTP/1.1 201") || answer.starts_with("HTTP/1.1 200"),
                    "{answer}"
                );
            }
        }

        // Every write landed.
        let list =
            common::http(port, "GET", "/v1/inspections?limit=100", Some(&token), "").unwrap();
        assert_eq!(list.matches("\"Concurrent ").count(), 32, "{list}");

        // The setting reached the server: one thread a worker.
        let logged = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        assert!(
            logged.contains(r#""db_threads_per_worker":1"#),
            "the start-up log names the database threads: {logged}"
        );
    }
);
