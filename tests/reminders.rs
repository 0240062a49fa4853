//! Deadline reminders in the change feed: each falls due on its day, is emitted once however
//! often and from however many instances the check runs, catches up with its true date, and
//! is read under the same rules as the change it is about.

mod common;

use chrono::{Duration, NaiveDateTime, Utc};
use common::TestApp;
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// Today plus `offset` days, as the API writes a date.
fn day(offset: i64) -> String {
    (today() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// The start of that day, as the feed writes a reminder's `at`.
fn midnight(offset: i64) -> String {
    format!("{}T00:00:00Z", day(offset))
}

fn noon(offset: i64) -> NaiveDateTime {
    (today() + Duration::days(offset))
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

/// One reminder as the feed shows it: `{entity}.{action}`, force, subject, `at`.
type Reminder = (String, String, String, String);

/// The reminders of the feed `token` reads, in feed order.
async fn reminders(app: &TestApp, token: Option<&str>) -> Vec<Reminder> {
    app.whole_feed(token)
        .await
        .iter()
        .map(|e| {
            let kind = format!("{}.{}", s(&e["entity"]), s(&e["action"]));
            (kind, s(&e["force_id"]), s(&e["entity_id"]), s(&e["at"]))
        })
        .filter(|r| {
            ["section55.due_soon", "section55.overdue", "action.overdue"].contains(&r.0.as_str())
        })
        .collect()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn reminder(kind: &str, force: &str, subject: &str, at: String) -> Reminder {
    (kind.into(), force.into(), subject.into(), at)
}

/// An inspection of Norfolk's (and any `more` forces') published `published` days from today
/// with its deadline `deadline` days from today.
async fn inspection(app: &TestApp, published: i64, deadline: i64, more: &[&str]) -> String {
    let mut forces = vec!["norfolk"];
    forces.extend_from_slice(more);
    let made = app
        .create_inspection(json!({
            "published_on": day(published),
            "section55_deadline": day(deadline),
            "scope": {"all_forces": false, "forces": forces},
        }))
        .await;
    s(&made["id"])
}

async fn check(app: &TestApp) -> oversight::reminders::service::Pass {
    oversight::jobs::remind(&app.state).await.unwrap()
}

both_backends!(
    section55_reminders_fall_due_on_their_days_once,
    |app| async move {
        let admin = app.admin();
        let later = inspection(&app, -60, 15, &[]).await;
        let fortnight = inspection(&app, -60, 14, &[]).await;
        let on_the_day = inspection(&app, -60, 0, &[]).await;
        let yesterday = inspection(&app, -60, -1, &["suffolk"]).await;
        let embargoed = inspection(&app, 3, 5, &[]).await;
        // Suffolk publishes its response (an inspection with no items asks for none): nothing
        // is due from Suffolk.
        let opcc = app.opcc("suffolk");
        let path = format!("/v1/forces/suffolk/inspections/{yesterday}/pcc-response");
        let made = app
            .put(&path)
            .token(&opcc)
            .json(json!({"comments": "I note the report."}))
            .send()
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let published = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await;
        assert_eq!(published.status, 200, "{}", published.text());

        let pass = check(&app).await;
        let mut expected = vec![
            reminder("section55.due_soon", "norfolk", &yesterday, midnight(-15)),
            reminder("section55.due_soon", "norfolk", &on_the_day, midnight(-14)),
            reminder("section55.due_soon", "norfolk", &fortnight, midnight(0)),
            reminder("section55.overdue", "norfolk", &yesterday, midnight(0)),
        ];
        assert_eq!(reminders(&app, Some(&admin)).await, expected);
        assert_eq!(
            (
                pass.section55_due_soon,
                pass.section55_overdue,
                pass.action_overdue
            ),
            (3, 1, 0)
        );
        for id in [&later, &embargoed] {
            assert!(!expected.iter().any(|r| &r.2 == id));
        }

        // Looked at again, and again the next day: nothing new until something falls due.
        assert_eq!(check(&app).await.emitted(), 0);
        let tomorrow = oversight::reminders::service::run(app.db(), noon(1))
            .await
            .unwrap();
        assert_eq!(tomorrow.emitted(), 2, "{tomorrow:?}");
        expected.push(reminder(
            "section55.due_soon",
            "norfolk",
            &later,
            midnight(1),
        ));
        expected.push(reminder(
            "section55.overdue",
            "norfolk",
            &on_the_day,
            midnight(1),
        ));
        assert_eq!(reminders(&app, Some(&admin)).await, expected);
        assert_eq!(
            oversight::reminders::service::run(app.db(), noon(1))
                .await
                .unwrap()
                .emitted(),
            0
        );

        // Whether a response is published, and the deadline, are public: so is a reminder, to
        // everyone who reads the inspection.
        assert_eq!(reminders(&app, None).await, expected);
        assert_eq!(
            reminders(&app, Some(&app.viewer("suffolk"))).await,
            expected
        );
    }
);

both_backends!(
    a_reminder_missed_while_no_instance_ran_comes_late_with_its_own_day,
    |app| async move {
        let id = inspection(&app, -30, 20, &[]).await;
        assert_eq!(check(&app).await.emitted(), 0);
        // Nothing looked for 40 days: the first look emits both, each on its day.
        let pass = oversight::reminders::service::run(app.db(), noon(40))
            .await
            .unwrap();
        assert_eq!(pass.emitted(), 2);
        assert_eq!(
            reminders(&app, Some(&app.admin())).await,
            vec![
                reminder("section55.due_soon", "norfolk", &id, midnight(6)),
                reminder("section55.overdue", "norfolk", &id, midnight(21)),
            ]
        );
        let audit = app
            .get("/v1/audit?entity=section55")
            .token(&app.admin())
            .send()
            .await
            .json();
        let first = &audit["items"][0];
        assert_eq!(first["actor"], "oversight:reminders");
        assert_eq!(first["after"], json!({"section55_deadline": day(20)}));
    }
);

both_backends!(
    an_open_action_is_overdue_the_day_after_it_was_due,
    |app| async move {
        let id = inspection(&app, -60, -1, &["suffolk"]).await;
        let rec = s(&app.create_item(&id, json!({"number": 1})).await["id"]);
        let editor = app.editor("norfolk");
        let answered = app
            .put(&format!("/v1/forces/norfolk/items/{rec}/response"))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        assert!(answered.status.is_success(), "{}", answered.text());
        let mut actions = Vec::new();
        for (title, due, status) in [
            ("due yesterday", -1, None),
            ("due today", 0, None),
            ("done late", -3, Some("done")),
            ("cancelled", -3, Some("cancelled")),
            ("long overdue", -100, Some("blocked")),
        ] {
            let made = app
                .post(&format!("/v1/forces/norfolk/items/{rec}/actions"))
                .token(&editor)
                .json(json!({"title": title, "due_on": day(due)}))
                .send()
                .await;
            assert_eq!(made.status, 201, "{}", made.text());
            let action = made.json();
            let action_id = s(&action["id"]);
            if let Some(status) = status {
                let moved = app
                    .patch(&format!("/v1/forces/norfolk/actions/{action_id}"))
                    .token(&editor)
                    .if_match("*")
                    .json(json!({"status": status}))
                    .send()
                    .await;
                assert!(moved.status.is_success(), "{}", moved.text());
            }
            actions.push(action_id);
        }
        check(&app).await;
        let of_actions = |all: Vec<Reminder>| -> Vec<Reminder> {
            all.into_iter()
                .filter(|r| r.0 == "action.overdue")
                .collect()
        };
        let expected = vec![
            reminder("action.overdue", "norfolk", &actions[4], midnight(-99)),
            reminder("action.overdue", "norfolk", &actions[0], midnight(0)),
        ];
        assert_eq!(
            of_actions(reminders(&app, Some(&app.viewer("norfolk"))).await),
            expected
        );
        // An action is Norfolk's draft work until Norfolk submits its response: so is its
        // reminder. Suffolk's people and national readers see it only then; the public never.
        for outsider in [
            Some(app.analyst()),
            Some(app.viewer("suffolk")),
            Some(app.opcc("suffolk")),
            None,
        ] {
            assert!(of_actions(reminders(&app, outsider.as_deref()).await).is_empty());
        }
        let submitted = app
            .put(&format!("/v1/forces/norfolk/inspections/{id}/response"))
            .token(&editor)
            .json(json!({"status": "submitted"}))
            .send()
            .await;
        assert!(submitted.status.is_success(), "{}", submitted.text());
        assert_eq!(
            of_actions(reminders(&app, Some(&app.analyst())).await),
            expected
        );
        assert!(of_actions(reminders(&app, None).await).is_empty());
        // Done after its reminder: nothing more; the reminder stays what it was.
        app.patch(&format!("/v1/forces/norfolk/actions/{}", actions[0]))
            .token(&editor)
            .if_match("*")
            .json(json!({"status": "done"}))
            .send()
            .await;
        assert_eq!(check(&app).await.emitted(), 0);
        assert_eq!(
            of_actions(reminders(&app, Some(&app.admin())).await),
            expected
        );
    }
);

both_backends!(instances_look_for_reminders_at_start_up, |app| async move {
    let id = inspection(&app, -60, -1, &[]).await;
    let binary = common::Binary::start(
        &app.database_url,
        &[("OVERSIGHT_REMINDER_INTERVAL_SECS", "3600")],
        std::process::Stdio::null(),
    );
    let started = std::time::Instant::now();
    let expected = vec![
        reminder("section55.due_soon", "norfolk", &id, midnight(-15)),
        reminder("section55.overdue", "norfolk", &id, midnight(0)),
    ];
    loop {
        let seen = reminders(&app, Some(&app.admin())).await;
        if seen == expected {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no reminders 30 s after start-up: {seen:?}"
        );
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(binary);
});

/// Two instances on one PostgreSQL looking at the same moment: every reminder once.
#[actix_rt::test]
async fn two_instances_emit_each_reminder_once() {
    if common::pg_admin_url().is_none() {
        eprintln!("skipped PostgreSQL: OVERSIGHT_TEST_PG is not set");
        return;
    }
    let one = TestApp::new(common::Backend::Postgres).await;
    let two = one.another_instance().await;
    let mut total = 0;
    for round in 0..5 {
        // An overdue national inspection: two reminders for each territorial force.
        one.create_inspection(json!({
            "published_on": day(-60 - round),
            "section55_deadline": day(-1 - round),
        }))
        .await;
        let (a, b) = futures_util::join!(check(&one), check(&two));
        assert_eq!(a.emitted() + b.emitted(), 2 * 43, "{a:?} {b:?}");
        total += 2 * 43;
    }
    let seen = reminders(&one, Some(&one.admin())).await;
    assert_eq!(seen.len(), total);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total, "a reminder was emitted twice");
}

both_backends!(
    a_look_that_finds_nothing_leaves_kept_answers_alone,
    |app| async move {
        let before = app.db().data_version().await.unwrap();
        inspection(&app, -60, -1, &[]).await;
        assert_eq!(check(&app).await.emitted(), 2);
        assert_ne!(app.db().data_version().await.unwrap(), before);
        // A look that emits nothing writes nothing: the data version, under which GraphQL
        // answers are kept, stays. (PostgreSQL's moves with every other test's writes too: a
        // look between two equal readings proves it.)
        let mut observed = false;
        for _ in 0..50 {
            let before = app.db().data_version().await.unwrap();
            assert_eq!(check(&app).await.emitted(), 0);
            if app.db().data_version().await.unwrap() == before {
                observed = true;
                break;
            }
        }
        if app.backend_name == "sqlite" {
            assert!(
                observed,
                "a look that found nothing moved SQLite's data version"
            );
        } else if !observed {
            eprintln!("PostgreSQL's snapshot moved during every look: not observed");
        }
    }
);
