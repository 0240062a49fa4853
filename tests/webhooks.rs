//! Webhooks through the real HTTP surface and a receiver on this machine's loopback:
//! registration and who sees what, signed deliveries in commit order with ids stable across
//! retries, delivery only of what the creator may read, targets refused at registration and
//! at delivery, and each event delivered once however many instances deliver.

mod common;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};
use common::receiver::{Received, Receiver};
use common::{Fixture, TestApp};
use diesel::prelude::*;
use oversight::auth::Role;
use oversight::delivery::Pass;
use serde_json::{Value, json};

fn now() -> NaiveDateTime {
    oversight::types::now()
}

/// Passes of `app`'s worker at `at` until one claims nothing: what they did.
async fn deliver(app: &TestApp, at: NaiveDateTime) -> Pass {
    let mut total = Pass::default();
    for _ in 0..20 {
        let p = oversight::delivery::pass(&app.state, at).await.unwrap();
        if p.claimed == 0 {
            return total;
        }
        total.add(p);
    }
    panic!("the worker still finds work after 20 passes: {total:?}");
}

async fn register(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .post("/v1/webhooks")
        .token(token)
        .json(body)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The secret's bytes, as a receiver decodes them.
fn secret_of(hook: &Value) -> Vec<u8> {
    oversight::webhooks::rules::secret_bytes(hook["secret"].as_str().unwrap()).unwrap()
}

/// Checks a delivery's signature as a receiver would.
fn assert_signed(r: &Received, secret: &[u8]) {
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    let expected = oversight::webhooks::rules::signature(
        secret,
        r.header("webhook-id"),
        ts,
        r.body.as_bytes(),
    );
    assert_eq!(r.header("webhook-signature"), expected, "{r:?}");
    assert!((ts - now().and_utc().timestamp()).abs() < 600);
}

/// An item response written by Norfolk's editor: one change in the feed.
async fn answer(app: &TestApp, f: &Fixture, text: &str) {
    let editor = app.editor("norfolk");
    let path = format!("/v1/forces/norfolk/items/{}/response", f.rec);
    let res = common::put_any(
        app,
        &path,
        &editor,
        json!({"acceptance": "accepted", "response": text}),
    )
    .await;
    assert!(res.status.is_success(), "{}", res.text());
}

/// Every cursor of the feed `token` reads.
async fn feed(app: &TestApp, token: &str) -> Vec<String> {
    app.whole_feed(Some(token))
        .await
        .iter()
        .map(|e| s(&e["cursor"]))
        .collect()
}

both_backends!(
    a_webhook_is_its_creators_alone_and_its_secret_is_shown_once,
    |app| async move {
        let rx = Receiver::start();
        let editor = app.editor("norfolk");
        let made = app
            .post("/v1/webhooks")
            .token(&editor)
            .json(json!({"url": rx.url("/hook"), "events": ["item_response.updated", "section55.due_soon"], "forces": ["norfolk"]}))
            .send()
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let hook = made.json();
        let id = s(&hook["id"]);
        assert_eq!(
            made.header("location").unwrap(),
            format!("/v1/webhooks/{id}")
        );
        assert_eq!(
            hook["events"],
            json!(["item_response.update", "section55.due_soon"])
        );
        assert_eq!(hook["forces"], json!(["norfolk"]));
        assert_eq!(hook["active"], json!(true));
        assert_eq!(hook["version"], json!(1));
        assert!(hook["created_at"].is_string());
        assert_eq!(secret_of(&hook).len(), 32);

        // Read back, listed: never the secret.
        let got = app
            .get(&format!("/v1/webhooks/{id}"))
            .token(&editor)
            .send()
            .await;
        assert_eq!(got.status, 200);
        assert!(got.json().get("secret").is_none());
        let mine = app.get("/v1/webhooks").token(&editor).send().await.json();
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        assert!(mine["items"][0].get("secret").is_none());
        // At rest the secret is sealed: neither its text nor its base64 is in the table.
        let stored: String = {
            use oversight::db::schema::webhooks;
            let mut conn = app.db().conn().unwrap();
            webhooks::table
                .find(&id)
                .select(webhooks::secret)
                .first(&mut **conn)
                .unwrap()
        };
        let secret_text = s(&hook["secret"]);
        assert!(!stored.contains(secret_text.trim_start_matches("whsec_")));

        // Another caller (even of the same force) is told there is no such webhook.
        let other = app.token("editor-2", &[Role::ForceEditor], &["norfolk"]);
        for (method, path) in [
            ("GET", format!("/v1/webhooks/{id}")),
            ("DELETE", format!("/v1/webhooks/{id}")),
            ("GET", format!("/v1/webhooks/{id}/deliveries")),
            ("POST", format!("/v1/webhooks/{id}/ping")),
        ] {
            let res = app
                .req(method.parse().unwrap(), &path)
                .token(&other)
                .send()
                .await;
            res.assert_problem(404, "not_found");
        }
        let theirs = app.get("/v1/webhooks").token(&other).send().await.json();
        assert_eq!(theirs["items"], json!([]));
        // Admin sees everyone's.
        let all = app
            .get("/v1/webhooks")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
        // Nobody anonymous.
        app.post("/v1/webhooks")
            .json(json!({"url": rx.url("/")}))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        app.get("/v1/webhooks")
            .send()
            .await
            .assert_problem(401, "unauthenticated");

        // Bad input changes nothing.
        for (body, field) in [
            (
                json!({"url": rx.url("/"), "events": ["item.frobnicated"]}),
                "events[0]",
            ),
            (json!({"url": rx.url("/"), "events": []}), "events"),
            (
                json!({"url": rx.url("/"), "forces": ["atlantis"]}),
                "forces[0]",
            ),
            (json!({"url": "not a url"}), "url"),
            (json!({"url": "ftp://127.0.0.1/x"}), "url"),
        ] {
            let res = app
                .post("/v1/webhooks")
                .token(&editor)
                .json(body.clone())
                .send()
                .await;
            let p = res.assert_problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["field"], json!(field), "{body}: {p}");
        }
        app.post("/v1/webhooks")
            .token(&editor)
            .json(json!({"url": rx.url("/"), "colour": "red"}))
            .send()
            .await
            .assert_problem(422, "validation_failed");
        let mine = app.get("/v1/webhooks").token(&editor).send().await.json();
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);

        // At most 25 a caller; another caller is not held back by them.
        for _ in 1..25 {
            register(&app, &editor, json!({"url": rx.url("/more")})).await;
        }
        app.post("/v1/webhooks")
            .token(&editor)
            .json(json!({"url": rx.url("/more")}))
            .send()
            .await
            .assert_problem(409, "conflict");
        register(&app, &other, json!({"url": rx.url("/theirs")})).await;
        let page = app
            .get("/v1/webhooks?limit=100")
            .token(&editor)
            .send()
            .await
            .json();
        for hook in page["items"].as_array().unwrap() {
            if hook["id"] != json!(id) {
                let path = format!("/v1/webhooks/{}", s(&hook["id"]));
                let res = app
                    .req("DELETE".parse().unwrap(), &path)
                    .token(&editor)
                    .send()
                    .await;
                assert_eq!(res.status, 204);
            }
        }

        // Deleted: gone, with its deliveries.
        let ping = app
            .post(&format!("/v1/webhooks/{id}/ping"))
            .token(&editor)
            .send()
            .await;
        assert_eq!(ping.status, 202, "{}", ping.text());
        let gone = app
            .req("DELETE".parse().unwrap(), &format!("/v1/webhooks/{id}"))
            .token(&editor)
            .send()
            .await;
        assert_eq!(gone.status, 204);
        app.get(&format!("/v1/webhooks/{id}"))
            .token(&editor)
            .send()
            .await
            .assert_problem(404, "not_found");
        assert_eq!(deliver(&app, now()).await, Pass::default());
        assert!(rx.received().is_empty());
    }
);

both_backends!(
    deliveries_are_signed_in_commit_order_and_keep_their_id_across_retries,
    |app| async move {
        let f = app.fixture().await;
        let rx = Receiver::start();
        let editor = app.editor("norfolk");
        let hook = register(&app, &editor, json!({"url": rx.url("/in")})).await;
        let id = s(&hook["id"]);
        let secret = secret_of(&hook);
        // The first attempt fails; later ones succeed.
        rx.answer(500, &[], "down for a moment");
        for n in 0..3 {
            answer(&app, &f, &format!("answer {n}")).await;
        }
        let t0 = now();
        let first = deliver(&app, t0).await;
        assert_eq!((first.queued, first.delivered, first.retrying), (3, 0, 1));
        // Not due again yet: nothing is sent, and nothing overtakes the first.
        let early = deliver(&app, t0 + Duration::seconds(3)).await;
        assert_eq!(early.delivered, 0);
        assert_eq!(rx.received().len(), 1);
        let later = deliver(&app, t0 + Duration::seconds(10)).await;
        assert_eq!(later.delivered, 3);

        let got = rx.received();
        assert_eq!(got.len(), 4);
        for r in &got {
            assert_signed(r, &secret);
            assert_eq!(r.path, "/in");
            assert_eq!(r.header("content-type"), "application/json");
        }
        // The failed attempt and its retry: the same id and body.
        assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
        assert_eq!(got[0].body, got[1].body);
        let ids: HashSet<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
        assert_eq!(ids.len(), 3);
        // In the feed's order, each the feed's event.
        let delivered: Vec<String> = got[1..]
            .iter()
            .map(|r| s(&r.json()["data"]["cursor"]))
            .collect();
        let admin_feed = feed(&app, &app.admin()).await;
        assert_eq!(&admin_feed[admin_feed.len() - 3..], delivered.as_slice());
        let body = got[1].json();
        assert_eq!(body["type"], json!("item_response.create"));
        assert_eq!(got[2].json()["type"], json!("item_response.update"));
        assert_eq!(body["data"]["entity"], json!("item_response"));
        assert_eq!(body["data"]["force_id"], json!("norfolk"));
        assert_eq!(body["timestamp"], body["data"]["at"]);

        // The deliveries, newest first: one of them took two attempts.
        let list = app
            .get(&format!("/v1/webhooks/{id}/deliveries"))
            .token(&editor)
            .send()
            .await;
        assert_eq!(list.status, 200);
        let items = list.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 3);
        let oldest = &items[2];
        assert_eq!(oldest["id"], json!(got[0].header("webhook-id")));
        assert_eq!(oldest["attempts"], json!(2));
        assert_eq!(oldest["status"], json!("delivered"));
        assert_eq!(oldest["response_status"], json!(200));
        assert_eq!(oldest["type"], json!("item_response.create"));
        assert_eq!(oldest["event_id"], json!(delivered[0]));
        for d in &items {
            assert_eq!(d["status"], json!("delivered"));
        }

        // A ping goes the same way.
        let ping = app
            .post(&format!("/v1/webhooks/{id}/ping"))
            .token(&editor)
            .send()
            .await
            .json();
        assert_eq!(ping["type"], json!("ping"));
        assert_eq!(ping["status"], json!("pending"));
        assert_eq!(ping["event_id"], json!(null));
        assert_eq!(
            deliver(&app, now() + Duration::seconds(20)).await.delivered,
            1
        );
        let got = rx.received();
        assert_eq!(got.len(), 5);
        assert_eq!(got[4].json()["type"], json!("ping"));
        assert_eq!(got[4].header("webhook-id"), s(&ping["id"]));
        assert_signed(&got[4], &secret);
    }
);

both_backends!(
    a_receiver_that_keeps_failing_is_retried_for_a_day_then_given_up,
    |app| async move {
        let f = app.fixture().await;
        let rx = Receiver::start();
        let editor = app.editor("norfolk");
        let hook = register(&app, &editor, json!({"url": rx.url("/")})).await;
        let id = s(&hook["id"]);
        // A redirect is an answer like any other non-2xx: not followed.
        rx.answer(302, &[("Location", &rx.url("/elsewhere"))], "");
        // A long answer is kept to its first KiB.
        rx.answer(503, &[], &"x".repeat(4096));
        for _ in 0..50 {
            rx.answer(500, &[], "still down");
        }
        answer(&app, &f, "one").await;
        answer(&app, &f, "two").await;
        let t0 = now();
        deliver(&app, t0).await;
        deliver(&app, t0 + Duration::seconds(7)).await;
        let got = rx.received();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|r| r.path == "/"));
        let kept: Option<String> = {
            use oversight::db::schema::webhook_deliveries as d;
            let mut conn = app.db().conn().unwrap();
            d::table
                .filter(d::webhook_id.eq(&id))
                .order(d::n)
                .select(d::response_body)
                .first(&mut **conn)
                .unwrap()
        };
        assert_eq!(kept.unwrap().len(), 1024);
        // Retried, each time later, until a day has passed: then failed, and the next goes.
        let mut at = t0 + Duration::seconds(7);
        let mut gaps = vec![];
        let mut last = 0;
        while at < t0 + Duration::hours(25) {
            at += Duration::minutes(30);
            deliver(&app, at).await;
            let n = rx.received().len();
            if n > last {
                gaps.push(at);
                last = n;
            }
        }
        let items = app
            .get(&format!("/v1/webhooks/{id}/deliveries"))
            .token(&editor)
            .send()
            .await
            .json()["items"]
            .clone();
        assert_eq!(items[1]["status"], json!("failed"), "{items}");
        assert_eq!(items[0]["status"], json!("pending"), "{items}");
        let attempts = items[1]["attempts"].as_i64().unwrap();
        assert!(
            (20..=40).contains(&attempts),
            "{attempts} attempts in a day"
        );
        // The second delivery is tried only once the first has failed.
        let first_of_second = rx
            .received()
            .iter()
            .position(|r| r.header("webhook-id") == s(&items[0]["id"]))
            .unwrap();
        assert_eq!(first_of_second as i64, attempts);
    }
);

both_backends!(
    a_webhook_delivers_only_what_its_creator_may_read,
    |app| async move {
        let f = app.fixture().await;
        let rx = Receiver::start();
        let analyst = register(&app, &app.analyst(), json!({"url": rx.url("/analyst")})).await;
        let suffolk = register(
            &app,
            &app.viewer("suffolk"),
            json!({"url": rx.url("/suffolk")}),
        )
        .await;
        let narrowed = register(
            &app,
            &app.admin(),
            json!({"url": rx.url("/admin-kent"), "forces": ["kent"]}),
        )
        .await;
        let norfolk = register(&app, &app.viewer("norfolk"), json!({"url": rx.url("/norfolk"), "events": ["item_response.create", "item_response.update"]})).await;
        // Norfolk drafts: only Norfolk's own webhook hears of it.
        answer(&app, &f, "A draft no outsider may know of").await;
        deliver(&app, now()).await;
        let paths: Vec<String> = rx.received().iter().map(|r| r.path.clone()).collect();
        assert_eq!(paths, vec!["/norfolk".to_string()]);
        assert!(!rx.received()[0].body.contains("A draft"));
        // Norfolk submits: from now on its changes are national reading, not another force's.
        let path = format!("/v1/forces/norfolk/inspections/{}/response", f.inspection);
        let res = common::put_any(
            &app,
            &path,
            &app.editor("norfolk"),
            json!({"comments": "Submitted.", "status": "submitted"}),
        )
        .await;
        assert!(res.status.is_success(), "{}", res.text());
        answer(&app, &f, "After submission").await;
        deliver(&app, now()).await;
        let by_path = |p: &str| -> Vec<Value> {
            rx.received()
                .into_iter()
                .filter(|r| r.path == p)
                .map(|r| r.json())
                .collect()
        };
        let types = |v: &[Value]| -> Vec<String> { v.iter().map(|b| s(&b["type"])).collect() };
        // The analyst hears of the submission and what follows, never of the draft before it
        // (which its feed now shows, the response being submitted).
        let national = types(&by_path("/analyst"));
        assert!(
            national.iter().any(|t| t.starts_with("force_response.")),
            "{national:?}"
        );
        assert_eq!(
            national.last().map(String::as_str),
            Some("item_response.update")
        );
        assert!(
            !national.contains(&"item_response.create".to_string()),
            "{national:?}"
        );
        assert_eq!(
            types(&by_path("/norfolk")),
            vec!["item_response.create", "item_response.update"]
        );
        assert!(by_path("/suffolk").is_empty());
        assert!(by_path("/admin-kent").is_empty());
        // Every delivery is an event of its creator's own feed.
        for (hook, token, p) in [
            (&analyst, app.analyst(), "/analyst"),
            (&suffolk, app.viewer("suffolk"), "/suffolk"),
            (&narrowed, app.admin(), "/admin-kent"),
            (&norfolk, app.viewer("norfolk"), "/norfolk"),
        ] {
            let theirs: HashSet<String> = feed(&app, &token).await.into_iter().collect();
            for b in by_path(p) {
                assert!(
                    theirs.contains(&s(&b["data"]["cursor"])),
                    "{} got {b}",
                    hook["url"]
                );
            }
        }
    }
);

both_backends!(
    targets_of_this_machine_and_its_networks_are_refused,
    |app| async move {
        let strict = app.like(|c| c.webhook_allow_private = false).await;
        let token = strict.editor("norfolk");
        for url in [
            "http://example.org/hook",
            "https://127.0.0.1/hook",
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://2130706433/hook",
            "https://localhost/hook",
        ] {
            let res = strict
                .post("/v1/webhooks")
                .token(&token)
                .json(json!({"url": url}))
                .send()
                .await;
            let p = res.assert_problem(422, "validation_failed");
            assert_eq!(p["errors"][0]["field"], json!("url"), "{url}: {p}");
        }
        assert_eq!(
            strict.get("/v1/webhooks").token(&token).send().await.json()["items"],
            json!([])
        );

        // Registered where private targets were allowed, then delivered by an instance where
        // they are not: refused at delivery, for an address and for a name, with nothing sent.
        let f = app.fixture().await;
        let rx = Receiver::start();
        let editor = app.editor("norfolk");
        let by_address = register(&app, &editor, json!({"url": rx.url("/a")})).await;
        let by_name = register(
            &app,
            &editor,
            json!({"url": format!("http://localhost:{}/n", rx.port)}),
        )
        .await;
        let https_name = register(
            &app,
            &editor,
            json!({"url": format!("https://localhost:{}/s", rx.port)}),
        )
        .await;
        answer(&app, &f, "something").await;
        let refusing =
            TestApp::on_url_with(&app.database_url, |c| c.webhook_allow_private = false).await;
        let pass = deliver(&refusing, now()).await;
        assert_eq!((pass.queued, pass.delivered, pass.retrying), (3, 0, 3));
        assert!(rx.received().is_empty());
        for hook in [&by_address, &by_name, &https_name] {
            let d = app
                .get(&format!("/v1/webhooks/{}/deliveries", s(&hook["id"])))
                .token(&editor)
                .send()
                .await
                .json();
            assert_eq!(d["items"][0]["attempts"], json!(1));
            assert_eq!(d["items"][0]["response_status"], json!(null));
        }
        // Where they are allowed, the same deliveries go (the https one has no TLS here: fails).
        let pass = deliver(&app, now() + Duration::seconds(10)).await;
        assert_eq!(pass.delivered, 2);
        assert_eq!(rx.received().len(), 2);
    }
);

/// Two instances delivering at once, each pass concurrently: every event reaches the receiver
/// once.
async fn two_instances_deliver_once(app: TestApp) {
    let f = app.fixture().await;
    let other = app.another_instance().await;
    let rx = Receiver::start();
    let mut hooks = vec![];
    for n in 0..4 {
        hooks.push(
            register(
                &app,
                &app.editor("norfolk"),
                json!({"url": rx.url(&format!("/{n}"))}),
            )
            .await,
        );
    }
    let mut made = 0;
    for round in 0..5 {
        for n in 0..3 {
            answer(&app, &f, &format!("round {round} change {n}")).await;
            made += 1;
        }
        let (a, b) = futures_util::join!(
            oversight::delivery::pass(&app.state, now()),
            oversight::delivery::pass(&other.state, now())
        );
        a.unwrap();
        b.unwrap();
    }
    deliver(&app, now()).await;
    deliver(&other, now()).await;
    let got = rx.received();
    let mut per_id: HashMap<&str, usize> = HashMap::new();
    for r in &got {
        *per_id.entry(r.header("webhook-id")).or_default() += 1;
    }
    assert!(per_id.values().all(|n| *n == 1), "{per_id:?}");
    assert_eq!(got.len(), made * hooks.len());
    // Each webhook's in order.
    for n in 0..hooks.len() {
        let path = format!("/{n}");
        let cursors: Vec<String> = got
            .iter()
            .filter(|r| r.path == path)
            .map(|r| s(&r.json()["data"]["cursor"]))
            .collect();
        let feed = feed(&app, &app.admin()).await;
        let positions: Vec<usize> = cursors
            .iter()
            .map(|c| feed.iter().position(|x| x == c).unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{path}: {positions:?}"
        );
    }
}

both_backends!(two_instances_deliver_each_event_once, |app| {
    two_instances_deliver_once(app)
});

both_backends!(
    a_running_instance_delivers_without_being_asked,
    |app| async move {
        let f = app.fixture().await;
        let rx = Receiver::start();
        let hook = register(
            &app,
            &app.editor("norfolk"),
            json!({"url": rx.url("/live")}),
        )
        .await;
        let binary = common::Binary::start(
            &app.database_url,
            &[
                ("OVERSIGHT_WEBHOOK_ALLOW_PRIVATE", "true"),
                ("OVERSIGHT_REMINDER_INTERVAL_SECS", "0"),
            ],
            std::process::Stdio::null(),
        );
        answer(&app, &f, "made through another instance").await;
        let started = std::time::Instant::now();
        while rx.received().is_empty() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "nothing delivered 30 s after the change"
            );
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let got = rx.received();
        assert_eq!(got.len(), 1);
        assert_signed(&got[0], &secret_of(&hook));
        assert_eq!(got[0].json()["type"], json!("item_response.create"));
        drop(binary);
    }
);

const ASKED: &str = r#"query($id: ID!) { inspection(id: $id) { title
    items(first: 10) { edges { node { number response(forceId: "norfolk") { acceptance } } } } } }"#;

both_backends!(
    deliveries_leave_kept_answers_standing_and_changes_do_not,
    |app| async move {
        let f = app.fixture().await;
        let rx = Receiver::start();
        let opcc = app.opcc("norfolk");
        let vars = json!({"id": f.inspection});
        register(&app, &opcc, json!({"url": rx.url("/")})).await;
        answer(&app, &f, "first").await;
        let version = app.db().data_version().await.unwrap();
        let first = app.gql_text(Some(&opcc), ASKED, vars.clone()).await;
        // Queueing, sending, recording, a ping: bookkeeping, not data.
        let pass = deliver(&app, now()).await;
        assert_eq!(pass.delivered, 1);
        assert_eq!(app.db().data_version().await.unwrap(), version);
        let statements = app.db().statements();
        assert_eq!(app.gql_text(Some(&opcc), ASKED, vars.clone()).await, first);
        assert_eq!(app.db().statements() - statements, 1, "answered as kept");
        // A change through the service moves it; so does a write around the feed.
        answer(&app, &f, "second").await;
        let changed = app.db().data_version().await.unwrap();
        assert_ne!(changed, version);
        let statements = app.db().statements();
        app.gql_text(Some(&opcc), ASKED, vars.clone()).await;
        assert!(app.db().statements() - statements > 1, "asked again");
        app.db()
            .transaction(oversight::db::data_changed)
            .await
            .unwrap();
        assert_ne!(app.db().data_version().await.unwrap(), changed);
    }
);
