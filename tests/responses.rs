//! The chief constable's side: force responses, item responses, action plans, the worklist,
//! tenancy, no lost writes, and the audit trail — on SQLite and on PostgreSQL.

mod common;

use oversight::auth::Role;
use serde_json::json;

fn response_path(force: &str, inspection: &str) -> String {
    format!("/v1/forces/{force}/inspections/{inspection}/response")
}

fn item_response_path(force: &str, item: &str) -> String {
    format!("/v1/forces/{force}/items/{item}/response")
}

both_backends!(
    a_force_editor_drafts_then_submits_the_chief_constables_response,
    |app| async move {
        let f = app.fixture().await;
        let path = response_path("norfolk", &f.inspection);
        let editor = app.editor("norfolk");
        app.get(&path)
            .token(&editor)
            .send()
            .await
            .assert_problem(404, "not_found");
        let res = app
            .put(&path)
            .token(&editor)
            .json(json!({"comments": "I note this report."}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(res.etag(), "\"1\"");
        let body = res.json();
        assert_eq!(body["status"], "draft");
        assert_eq!(body["version"], 1);
        assert_eq!(body["submitted_at"], serde_json::Value::Null);
        assert_eq!(body["force_id"], "norfolk");
        app.put(&path)
            .token(&editor)
            .json(json!({"comments": "x"}))
            .send()
            .await
            .assert_problem(428, "precondition_required");
        app.put(&path)
            .token(&editor)
            .if_match("\"9\"")
            .json(json!({"comments": "x"}))
            .send()
            .await
            .assert_problem(412, "version_mismatch");
        let same = app
            .put(&path)
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"comments": "I note this report."}))
            .send()
            .await;
        assert_eq!(
            (same.status.as_u16(), same.json()["version"].as_i64()),
            (200, Some(1))
        );
        let submitted = app
            .put(&path)
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"status": "submitted"}))
            .send()
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.text());
        let s = submitted.json();
        assert_eq!(
            (s["status"].as_str(), s["version"].as_i64()),
            (Some("submitted"), Some(2))
        );
        assert!(s["submitted_at"].is_string());
        assert_eq!(s["comments"], "I note this report.");
        app.put(&path)
            .token(&editor)
            .if_match("\"2\"")
            .json(json!({"status": "draft"}))
            .send()
            .await
            .assert_problem(409, "conflict");
        app.put(&path)
            .token(&editor)
            .if_match("\"2\"")
            .json(json!({"status": "final"}))
            .send()
            .await
            .assert_problem(422, "validation_failed");
        let amended = app
            .put(&path)
            .token(&editor)
            .if_match("\"2\"")
            .json(json!({"comments": "Amended."}))
            .send()
            .await
            .json();
        assert_eq!(
            (amended["status"].as_str(), amended["submitted_at"].as_str()),
            (Some("submitted"), s["submitted_at"].as_str())
        );
        let other_inspection = app
            .create_inspection(json!({"scope": {"forces": ["kent"]}}))
            .await;
        app.put(&response_path(
            "norfolk",
            other_inspection["id"].as_str().unwrap(),
        ))
        .token(&editor)
        .json(json!({}))
        .send()
        .await
        .assert_problem(404, "not_found");
        app.put(&response_path("atlantis", &f.inspection))
            .token(&editor)
            .json(json!({}))
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);

both_backends!(
    drafts_are_private_to_the_force_and_submissions_reach_national_readers,
    |app| async move {
        let f = app.fixture().await;
        let path = response_path("norfolk", &f.inspection);
        let editor = app.editor("norfolk");
        app.put(&path)
            .token(&editor)
            .json(json!({"comments": "draft"}))
            .send()
            .await;
        let readers = [
            (app.viewer("norfolk"), 200),
            (app.opcc("norfolk"), 200),
            (app.admin(), 200),
            (app.viewer("suffolk"), 404),
            (app.analyst(), 404),
            (app.inspectorate(), 404),
        ];
        for (t, code) in &readers {
            assert_eq!(app.get(&path).token(t).send().await.status.as_u16(), *code);
        }
        app.get(&path).send().await.assert_problem(404, "not_found");
        app.put(&path)
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"status": "submitted"}))
            .send()
            .await;
        assert_eq!(
            app.get(&path).token(&app.analyst()).send().await.status,
            200
        );
        assert_eq!(
            app.get(&path)
                .token(&app.inspectorate())
                .send()
                .await
                .status,
            200
        );
        assert_eq!(
            app.get(&path)
                .token(&app.viewer("suffolk"))
                .send()
                .await
                .status,
            404
        );
        app.get(&path).send().await.assert_problem(404, "not_found");
    }
);

both_backends!(
    item_responses_are_answered_by_whom_the_item_addresses,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let opcc = app.opcc("norfolk");
        let rec = item_response_path("norfolk", &f.rec);
        let afi = item_response_path("norfolk", &f.afi);
        let e = app
            .put(&rec)
            .token(&editor)
            .json(json!({"response": "We will."}))
            .send()
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "acceptance");
        let e = app
            .put(&rec)
            .token(&editor)
            .json(json!({"acceptance": "maybe"}))
            .send()
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "acceptance");
        app.put(&rec)
            .token(&opcc)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        let created = app
            .put(&rec)
            .token(&editor)
            .json(json!({"acceptance": "accepted", "response": "A dedicated officer."}))
            .send()
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let c = created.json();
        assert_eq!(
            (
                c["acceptance"].as_str(),
                c["hmicfrs_status"].as_str(),
                c["version"].as_i64()
            ),
            (Some("accepted"), Some("awaiting_review"), Some(1))
        );
        app.put(&rec)
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"hmicfrs_status": "complete"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.put(&afi)
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        assert_eq!(
            app.put(&afi)
                .token(&opcc)
                .json(json!({"acceptance": "partially_accepted"}))
                .send()
                .await
                .status,
            201
        );
        app.get(&item_response_path("norfolk", &f.other))
            .token(&editor)
            .send()
            .await
            .assert_problem(404, "not_found");
        app.put(&item_response_path("norfolk", &f.other))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await
            .assert_problem(404, "not_found");
        // The inspectorate sees it, and sets the HMICFRS status, once the force has submitted.
        let insp = app.inspectorate();
        app.put(&rec)
            .token(&insp)
            .if_match("\"1\"")
            .json(json!({"hmicfrs_status": "being_progressed"}))
            .send()
            .await
            .assert_problem(404, "not_found");
        app.put(&response_path("norfolk", &f.inspection))
            .token(&editor)
            .json(json!({"status": "submitted"}))
            .send()
            .await;
        app.put(&rec)
            .token(&insp)
            .if_match("\"1\"")
            .json(json!({"acceptance": "not_accepted"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        let set = app
            .put(&rec)
            .token(&insp)
            .if_match("\"1\"")
            .json(json!({"hmicfrs_status": "being_progressed", "acceptance": "accepted"}))
            .send()
            .await;
        assert_eq!(set.status, 200, "{}", set.text());
        assert_eq!(
            (
                set.json()["hmicfrs_status"].as_str(),
                set.json()["version"].as_i64()
            ),
            (Some("being_progressed"), Some(2))
        );
        app.put(&item_response_path("suffolk", &f.rec))
            .token(&insp)
            .json(json!({"hmicfrs_status": "complete"}))
            .send()
            .await
            .assert_problem(404, "not_found");
        app.put(&rec)
            .token(&app.analyst())
            .if_match("\"2\"")
            .json(json!({"hmicfrs_status": "complete"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
);

both_backends!(action_plans_keep_every_update, |app| async move {
    let f = app.fixture().await;
    let editor = app.editor("norfolk");
    let actions = format!("/v1/forces/norfolk/items/{}/actions", f.rec);
    let new = json!({"title": "Appoint an OIC intelligence officer", "owner": "Joint Force Intelligence Unit", "due_on": "2025-10-31", "rag": "amber"});
    app.post(&actions)
        .token(&editor)
        .json(new.clone())
        .send()
        .await
        .assert_problem(409, "conflict");
    app.put(&item_response_path("norfolk", &f.rec))
        .token(&editor)
        .json(json!({"acceptance": "accepted"}))
        .send()
        .await;
    let e = app
        .post(&actions)
        .token(&editor)
        .json(json!({"title": " ", "evidence": ["not a url"], "rag": "purple"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "rag");
    let e = app
        .post(&actions)
        .token(&editor)
        .json(json!({"title": "x".repeat(501), "evidence": ["not a url"]}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["title", "evidence[0]"]);
    let created = app.post(&actions).token(&editor).json(new).send().await;
    assert_eq!(created.status, 201, "{}", created.text());
    let a = created.json();
    assert_eq!(
        (
            a["status"].as_str(),
            a["rag"].as_str(),
            a["version"].as_i64()
        ),
        (Some("planned"), Some("amber"), Some(1))
    );
    let id = a["id"].as_str().unwrap();
    let action = format!("/v1/forces/norfolk/actions/{id}");
    app.post(&actions)
        .token(&app.viewer("norfolk"))
        .json(json!({"title": "x"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.post(&actions)
        .token(&app.editor("suffolk"))
        .json(json!({"title": "x"}))
        .send()
        .await
        .assert_problem(404, "not_found");
    app.patch(&action)
        .token(&editor)
        .json(json!({"status": "in_progress"}))
        .send()
        .await
        .assert_problem(428, "precondition_required");
    let patched = app
        .patch(&action)
        .token(&editor)
        .if_match("\"1\"")
        .json(json!({"status": "in_progress", "rag": null}))
        .send()
        .await
        .json();
    assert_eq!(
        (
            patched["status"].as_str(),
            patched["rag"].is_null(),
            patched["version"].as_i64()
        ),
        (Some("in_progress"), true, Some(2))
    );
    let upd = format!("{action}/updates");
    let u1 = app
        .post(&upd)
        .token(&editor)
        .json(json!({"note": "Business case submitted"}))
        .send()
        .await;
    assert_eq!(u1.status, 201, "{}", u1.text());
    let u2 = app.post(&upd).token(&editor).json(json!({"note": "Post filled", "status": "done", "evidence": ["https://intranet.example/jfiu"]})).send().await.json();
    assert_eq!(u2["status"], "done");
    assert_eq!(u2["evidence"], json!(["https://intranet.example/jfiu"]));
    let updates = u2["updates"].as_array().unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(
        (
            updates[0]["note"].as_str(),
            updates[0]["author"].as_str(),
            updates[0]["status"].is_null()
        ),
        (
            Some("Business case submitted"),
            Some("editor-norfolk"),
            true
        )
    );
    assert_eq!(updates[1]["status"], "done");
    app.post(&upd)
        .token(&editor)
        .json(json!({"note": "reopen", "status": "in_progress"}))
        .send()
        .await
        .assert_problem(409, "conflict");
    app.post(&upd)
        .token(&editor)
        .json(json!({"note": ""}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    let list = app
        .get(&actions)
        .token(&app.viewer("norfolk"))
        .send()
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["updates"].as_array().unwrap().len(), 3 - 1);
    app.get(&actions)
        .token(&app.analyst())
        .send()
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/v1/forces/suffolk/actions/{id}"))
        .token(&app.admin())
        .send()
        .await
        .assert_problem(404, "not_found");
});

/// Norfolk's action counts on the fixture's recommendation (item 2), as each way of reaching a
/// response reads them: a force's `response` on an inspection's items, every force's
/// `responses` on them (both loaded ahead, the counts read with the responses), and `responses`
/// of an item asked on its own (the loader's batch). All three must agree. In order: planned,
/// in progress, blocked, pending sign-off, done, cancelled, total, overdue.
async fn counts_of(app: &common::TestApp, token: &str, inspection: &str) -> [i64; 8] {
    const FIELDS: [&str; 8] = [
        "planned",
        "inProgress",
        "blocked",
        "pendingSignOff",
        "done",
        "cancelled",
        "total",
        "overdue",
    ];
    let counts = FIELDS.join(" ");
    let of = |c: &serde_json::Value| FIELDS.map(|k| c[k].as_i64().unwrap());
    let query = format!(
        r#"query($i: ID!) {{ inspection(id: $i) {{ items(first: 10) {{ nodes {{ id number
        response(forceId: "norfolk") {{ actionCounts {{ {counts} }} }}
        responses {{ nodes {{ forceId actionCounts {{ {counts} }} }} }} }} }} }} }}"#
    );
    let res = app.gql(Some(token), &query, json!({"i": inspection})).await;
    assert!(res["errors"].is_null(), "{res}");
    let items = res["data"]["inspection"]["items"]["nodes"]
        .as_array()
        .unwrap();
    let rec = items
        .iter()
        .find(|i| i["number"] == 2 && !i["response"].is_null())
        .unwrap();
    let by_response = of(&rec["response"]["actionCounts"]);
    let norfolk = |responses: &serde_json::Value| {
        let found = responses["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["forceId"] == "norfolk")
            .cloned()
            .unwrap();
        of(&found["actionCounts"])
    };
    assert_eq!(norfolk(&rec["responses"]), by_response, "{res}");
    let alone = format!(
        r#"query($i: ID!) {{ item(id: $i) {{ responses {{ nodes {{ forceId actionCounts {{ {counts} }} }} }} }} }}"#
    );
    let res = app.gql(Some(token), &alone, json!({"i": rec["id"]})).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(
        norfolk(&res["data"]["item"]["responses"]),
        by_response,
        "{res}"
    );
    by_response
}

// Writers of one item's actions at once: none deadlocks or fails, and the tally holds every
// one of their writes (each recount runs under the response's row lock, after the others'
// commits).
both_backends!(
    concurrent_writers_of_one_items_actions_keep_its_tally,
    |app| async move {
        let app = &app;
        let f = app.fixture().await;
        let editor = &app.editor("norfolk");
        app.put(&item_response_path("norfolk", &f.rec))
            .token(editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        let actions = format!("/v1/forces/norfolk/items/{}/actions", f.rec);
        let creates = (0..8).map(|n| {
            let actions = &actions;
            async move {
                let (status, due) = if n % 2 == 0 {
                    ("planned", "2020-01-01")
                } else {
                    ("done", "2099-01-01")
                };
                let res = app
                    .post(actions)
                    .token(editor)
                    .json(json!({"title": format!("Action {n}"), "status": status, "due_on": due}))
                    .send()
                    .await;
                assert_eq!(res.status, 201, "{}", res.text());
                (status, res.json()["id"].as_str().unwrap().to_string())
            }
        });
        let created = futures_util::future::join_all(creates).await;
        assert_eq!(
            counts_of(app, editor, &f.inspection).await,
            [4, 0, 0, 0, 4, 0, 8, 4]
        );
        let moves = created
            .iter()
            .filter(|(status, _)| *status == "planned")
            .map(|(_, id)| async move {
                let res = app
                    .patch(&format!("/v1/forces/norfolk/actions/{id}"))
                    .token(editor)
                    .if_match("\"1\"")
                    .json(json!({"status": "in_progress", "due_on": "2099-01-01"}))
                    .send()
                    .await;
                assert_eq!(res.status, 200, "{}", res.text());
            });
        futures_util::future::join_all(moves).await;
        assert_eq!(
            counts_of(app, editor, &f.inspection).await,
            [0, 4, 0, 0, 4, 0, 8, 0]
        );
    }
);

// Each response keeps a tally of its actions (migration 000006), recounted at every write of
// one: the counts read through GraphQL follow creates, status moves by patch and by progress
// update, and due dates, and a write of the response itself leaves them as they are.
both_backends!(
    action_counts_follow_every_write_of_an_action,
    |app| async move {
        let app = &app;
        let f = app.fixture().await;
        let editor = &app.editor("norfolk");
        let response = item_response_path("norfolk", &f.rec);
        app.put(&response)
            .token(editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        let counts = || counts_of(app, editor, &f.inspection);
        assert_eq!(counts().await, [0, 0, 0, 0, 0, 0, 0, 0]);
        let actions = format!("/v1/forces/norfolk/items/{}/actions", f.rec);
        let mut ids = vec![];
        for body in [
            json!({"title": "Long overdue", "due_on": "2020-01-01"}),
            json!({"title": "Under way", "status": "in_progress", "due_on": "2099-01-01"}),
            json!({"title": "Stuck", "status": "blocked"}),
        ] {
            let res = app.post(&actions).token(editor).json(body).send().await;
            assert_eq!(res.status, 201, "{}", res.text());
            ids.push(format!(
                "/v1/forces/norfolk/actions/{}",
                res.json()["id"].as_str().unwrap()
            ));
        }
        assert_eq!(counts().await, [1, 1, 1, 0, 0, 0, 3, 1]);
        let patch = |path: String, body| async move {
            let res = app
                .patch(&path)
                .token(editor)
                .if_match("\"1\"")
                .json(body)
                .send()
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        };
        patch(ids[0].clone(), json!({"status": "done"})).await;
        assert_eq!(counts().await, [0, 1, 1, 0, 1, 0, 3, 0]);
        patch(ids[1].clone(), json!({"due_on": "2020-06-01"})).await;
        assert_eq!(counts().await, [0, 1, 1, 0, 1, 0, 3, 1]);
        let res = app
            .post(&format!("{}/updates", ids[2]))
            .token(editor)
            .json(json!({"note": "Dropped", "status": "cancelled"}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        assert_eq!(counts().await, [0, 1, 0, 0, 1, 1, 3, 1]);
        // A write that moves neither status nor due date, and a write of the response itself.
        let res = app
            .patch(&ids[1])
            .token(editor)
            .if_match("\"2\"")
            .json(json!({"title": "Under way, renamed", "status": "pending_sign_off"}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        let etag = app.get(&response).token(editor).send().await.etag();
        let res = app
            .put(&response)
            .token(editor)
            .if_match(&etag)
            .json(json!({"acceptance": "partially_accepted"}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(counts().await, [0, 0, 0, 1, 1, 1, 3, 1]);
    }
);

both_backends!(
    the_worklist_shows_each_inspection_with_its_statuses,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        app.create_inspection(json!({"title": "Kent only", "scope": {"forces": ["kent"]}}))
            .await;
        app.put(&response_path("norfolk", &f.inspection))
            .token(&editor)
            .json(json!({"comments": "draft"}))
            .send()
            .await;
        let own = app
            .get("/v1/forces/norfolk/inspections")
            .token(&app.viewer("norfolk"))
            .send()
            .await;
        assert_eq!(own.status, 200, "{}", own.text());
        let own = own.json();
        let items = own["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["inspection"]["id"], f.inspection.as_str());
        assert_eq!(items[0]["response_status"], "draft");
        assert_eq!(items[0]["pcc_response_status"], serde_json::Value::Null);
        assert_eq!(items[0]["section55"]["status"], "overdue");
        assert_eq!(items[0]["section55"]["deadline"], "2025-07-11");
        assert!(items[0]["section55"]["days_late"].as_i64().unwrap() > 300);
        let national = app
            .get("/v1/forces/norfolk/inspections")
            .token(&app.analyst())
            .send()
            .await
            .json();
        assert_eq!(
            national["items"][0]["response_status"],
            serde_json::Value::Null,
            "a draft is not shown outside the force"
        );
        let kent = app.get("/v1/forces/kent/inspections").send().await.json();
        assert_eq!(kent["items"].as_array().unwrap().len(), 2);
        app.get("/v1/forces/atlantis/inspections")
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);

both_backends!(a_joint_token_acts_for_both_forces, |app| async move {
    let f = app.fixture().await;
    let joint = app.token("joint-1", &[Role::ForceEditor], &["norfolk", "suffolk"]);
    for force in ["norfolk", "suffolk"] {
        let res = app
            .put(&response_path(force, &f.inspection))
            .token(&joint)
            .json(json!({"comments": "Joint working group."}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{force}: {}", res.text());
    }
    app.put(&response_path("kent", &f.inspection))
        .token(&joint)
        .json(json!({}))
        .send()
        .await
        .assert_problem(404, "not_found");
});

both_backends!(
    concurrent_writers_retrying_on_412_lose_nothing,
    |app| async move {
        let f = app.fixture().await;
        let path = response_path("norfolk", &f.inspection);
        let editor = app.editor("norfolk");
        app.put(&path)
            .token(&editor)
            .json(json!({"comments": "start"}))
            .send()
            .await;
        let writers = 8;
        let mut conflicts = 0;
        let futures = (0..writers).map(|w| {
            let (app, path, editor) = (&app, path.clone(), editor.clone());
            async move {
                let mut retries = 0;
                loop {
                    let current = app.get(&path).token(&editor).send().await;
                    let etag = current.etag();
                    let comments = current.json()["comments"].as_str().unwrap().to_string();
                    let res = app
                        .put(&path)
                        .token(&editor)
                        .if_match(&etag)
                        .json(json!({"comments": format!("{comments}\nwriter {w}")}))
                        .send()
                        .await;
                    match res.status.as_u16() {
                        200 => return retries,
                        412 => retries += 1,
                        other => panic!("writer {w}: {other} {}", res.text()),
                    }
                }
            }
        });
        for r in futures_util::future::join_all(futures).await {
            conflicts += r;
        }
        let last = app.get(&path).token(&editor).send().await.json();
        let comments = last["comments"].as_str().unwrap();
        for w in 0..writers {
            assert!(
                comments.contains(&format!("writer {w}")),
                "writer {w}'s change was lost: {comments}"
            );
        }
        assert_eq!(last["version"].as_i64(), Some(1 + writers));
        eprintln!(
            "{} backend: {writers} writers, {conflicts} retries after 412",
            app.backend_name
        );
    }
);

both_backends!(
    every_change_is_in_the_audit_trail_for_admin_and_the_force,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        app.put(&response_path("norfolk", &f.inspection))
            .token(&editor)
            .json(json!({"comments": "a"}))
            .send()
            .await;
        app.put(&response_path("norfolk", &f.inspection))
            .token(&editor)
            .if_match("\"1\"")
            .json(json!({"comments": "b"}))
            .send()
            .await;
        app.put(&response_path("suffolk", &f.inspection))
            .token(&app.editor("suffolk"))
            .json(json!({"comments": "s"}))
            .send()
            .await;
        let own = app
            .get("/v1/audit")
            .token(&app.viewer("norfolk"))
            .send()
            .await;
        assert_eq!(own.status, 200, "{}", own.text());
        let own = own.json();
        let events = own["items"].as_array().unwrap();
        assert_eq!(events.len(), 2, "{own}");
        assert_eq!(events[0]["action"], "update");
        assert_eq!(events[0]["before"]["comments"], "a");
        assert_eq!(events[0]["after"]["comments"], "b");
        assert_eq!(events[0]["actor"], "editor-norfolk");
        assert_eq!(events[0]["entity"], "force_response");
        assert_eq!(events[1]["action"], "create");
        assert!(events[1]["before"].is_null());
        app.get("/v1/audit?force=suffolk")
            .token(&app.viewer("norfolk"))
            .send()
            .await
            .assert_problem(404, "not_found");
        app.get("/v1/audit")
            .token(&app.analyst())
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.get("/v1/audit")
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        let all = app
            .get("/v1/audit?limit=100")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(
            all["items"].as_array().unwrap().len(),
            4 + 3,
            "1 inspection + 3 items + 3 responses"
        );
        let by_actor = app
            .get("/v1/audit?actor=editor-suffolk")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(by_actor["items"].as_array().unwrap().len(), 1);
        let items = app
            .get("/v1/audit?entity=item")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(items["items"].as_array().unwrap().len(), 3);
        let future = app
            .get("/v1/audit?from=2999-01-01")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert!(future["items"].as_array().unwrap().is_empty());
        app.get("/v1/audit?entity=thing")
            .token(&app.admin())
            .send()
            .await
            .assert_problem(400, "bad_request");
        let page = app
            .get("/v1/audit?limit=3")
            .token(&app.admin())
            .send()
            .await
            .json();
        let next = page["next_cursor"].as_str().unwrap();
        let rest = app
            .get(&format!("/v1/audit?limit=100&cursor={next}"))
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(rest["items"].as_array().unwrap().len(), 4);
    }
);

both_backends!(
    graphql_reads_and_writes_responses_through_the_same_rules,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let put = r#"mutation($i: ID!, $v: Int) { putForceResponse(forceId: "norfolk", inspectionId: $i, expectedVersion: $v, input: {comments: "Noted", status: SUBMITTED}) { status version } }"#;
        let other = app
            .gql(Some(&app.editor("kent")), put, json!({"i": f.inspection}))
            .await;
        assert_eq!(
            other["errors"][0]["extensions"]["code"], "not_found",
            "{other}"
        );
        let viewer = app
            .gql(
                Some(&app.viewer("norfolk")),
                put,
                json!({"i": f.inspection}),
            )
            .await;
        assert_eq!(viewer["errors"][0]["extensions"]["code"], "forbidden");
        let ok = app
            .gql(Some(&editor), put, json!({"i": f.inspection}))
            .await;
        assert_eq!(
            ok["data"]["putForceResponse"]["status"], "SUBMITTED",
            "{ok}"
        );
        let again = app
            .gql(Some(&editor), put, json!({"i": f.inspection}))
            .await;
        assert_eq!(
            again["errors"][0]["extensions"]["code"],
            "precondition_required"
        );
        let item = r#"mutation($i: ID!) { putItemResponse(forceId: "norfolk", itemId: $i, input: {acceptance: ACCEPTED, response: "Yes"}) { acceptance } }"#;
        assert_eq!(
            app.gql(Some(&editor), item, json!({"i": f.rec})).await["data"]["putItemResponse"]["acceptance"],
            "ACCEPTED"
        );
        let suffolk_item = r#"mutation($i: ID!) { putItemResponse(forceId: "suffolk", itemId: $i, input: {acceptance: NOT_ACCEPTED}) { acceptance } }"#;
        app.gql(
            Some(&app.editor("suffolk")),
            suffolk_item,
            json!({"i": f.rec}),
        )
        .await;
        let action = r#"mutation($i: ID!) { createAction(forceId: "norfolk", itemId: $i, input: {title: "Train staff", dueOn: "2026-01-31"}) { id version } }"#;
        let a = app.gql(Some(&editor), action, json!({"i": f.rec})).await;
        let aid = a["data"]["createAction"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let upd = r#"mutation($a: ID!) { addActionUpdate(forceId: "norfolk", actionId: $a, input: {note: "Started", status: IN_PROGRESS}) { status updates { note author } } }"#;
        let u = app.gql(Some(&editor), upd, json!({"a": aid})).await;
        assert_eq!(
            u["data"]["addActionUpdate"]["updates"][0]["author"], "editor-norfolk",
            "{u}"
        );
        let q = r#"query($i: ID!) { inspection(id: $i) {
        forceResponse(forceId: "norfolk") { status comments }
        suffolk: forceResponse(forceId: "suffolk") { status }
        items { edges { node { number
            response(forceId: "norfolk") { acceptance actions { edges { node { title status } } } }
            responses { edges { node { forceId acceptance } } } } } } } }"#;
        let as_analyst = app
            .gql(Some(&app.analyst()), q, json!({"i": f.inspection}))
            .await;
        assert!(as_analyst["errors"].is_null(), "{as_analyst}");
        let insp = &as_analyst["data"]["inspection"];
        assert_eq!(insp["forceResponse"]["status"], "SUBMITTED");
        assert!(insp["suffolk"].is_null());
        let rec2 = insp["items"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["number"] == 2 && e["node"]["response"].is_object())
            .unwrap();
        assert_eq!(
            rec2["node"]["response"]["actions"]["edges"][0]["node"]["status"],
            "IN_PROGRESS"
        );
        let forces: Vec<&str> = rec2["node"]["responses"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["forceId"].as_str().unwrap())
            .collect();
        assert_eq!(
            forces,
            vec!["norfolk"],
            "suffolk's response is a draft: not for analysts"
        );
        let as_suffolk = app
            .gql(Some(&app.viewer("suffolk")), q, json!({"i": f.inspection}))
            .await;
        let rec2 = as_suffolk["data"]["inspection"]["items"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["node"]["number"] == 2
                    && e["node"]["responses"]["edges"].as_array().unwrap().len() == 1
            })
            .unwrap();
        assert_eq!(
            rec2["node"]["responses"]["edges"][0]["node"]["forceId"],
            "suffolk"
        );
        let wl = app.gql(None, r#"{ force(id: "norfolk") { inspections(first: 5) { edges { node { inspection { title } responseStatus section55 { status deadline } } } } } }"#, json!({})).await;
        assert!(wl["errors"].is_null(), "{wl}");
        let node = &wl["data"]["force"]["inspections"]["edges"][0]["node"];
        assert_eq!(
            node["responseStatus"],
            serde_json::Value::Null,
            "anonymous callers do not see submissions"
        );
        assert_eq!(node["section55"]["status"], "OVERDUE");
    }
);

both_backends!(
    tokens_signed_with_rs256_and_es256_keys_are_accepted_when_configured,
    |base| async move {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        use oversight::config::JwtAlgorithm;
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
        for (alg, jalg, public, private) in [
            (
                JwtAlgorithm::Rs256,
                Algorithm::RS256,
                "rsa-public.pem",
                "rsa-private.pem",
            ),
            (
                JwtAlgorithm::Es256,
                Algorithm::ES256,
                "ec-public.pem",
                "ec-private.pem",
            ),
        ] {
            let app = base
                .like(|c| {
                    c.jwt_algorithm = alg;
                    c.jwt_secret = None;
                    c.jwt_public_key = Some(format!("{keys}/{public}"));
                })
                .await;
            let pem = std::fs::read(format!("{keys}/{private}")).unwrap();
            let key = match jalg {
                Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
                _ => EncodingKey::from_ec_pem(&pem).unwrap(),
            };
            let now = jsonwebtoken::get_current_timestamp();
            let claims = json!({"sub": "idp-user", "roles": ["admin"], "iss": "oversight", "aud": "oversight", "exp": now + 600});
            let token = jsonwebtoken::encode(&Header::new(jalg), &claims, &key).unwrap();
            let res = app.get("/v1/audit").token(&token).send().await;
            assert_eq!(res.status, 200, "{alg:?}: {}", res.text());
            // The public key used as an HS256 secret (algorithm confusion) is refused.
            let public_pem = std::fs::read(format!("{keys}/{public}")).unwrap();
            let forged = jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(&public_pem).unwrap(),
            )
            .unwrap();
            app.get("/v1/audit")
                .token(&forged)
                .send()
                .await
                .assert_problem(401, "unauthenticated");
        }
    }
);

both_backends!(
    each_items_response_of_a_force_is_its_own_across_inspections_and_forces,
    |app| async move {
        // A force's responses are loaded per (force, inspection) and handed out by item: two
        // inspections, two items in one of them, two forces, asked together in one query.
        let first = app.fixture().await;
        let second = app.fixture().await;
        let third_item = app
            .create_item(&first.inspection, json!({"number": 3}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        for (force, item, text) in [
            ("norfolk", &first.rec, "Norfolk on the first"),
            ("norfolk", &third_item, "Norfolk on the third"),
            ("norfolk", &second.rec, "Norfolk on the second inspection"),
            ("suffolk", &first.rec, "Suffolk on the first"),
        ] {
            let res = app
                .put(&item_response_path(force, item))
                .token(&app.editor(force))
                .json(json!({"acceptance": "accepted", "response": text}))
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.text());
        }
        let both = app.token("viewer-both", &[Role::ForceViewer], &["norfolk", "suffolk"]);
        let q = r#"query($a: ID!, $b: ID!) {
            a: inspection(id: $a) { ...answers }
            b: inspection(id: $b) { ...answers } }
          fragment answers on Inspection { items { edges { node { id
            n: response(forceId: "norfolk") { forceId itemId response actionCounts { total } }
            s: response(forceId: "suffolk") { forceId itemId response } } } } }"#;
        let res = app
            .gql(
                Some(&both),
                q,
                json!({"a": first.inspection, "b": second.inspection}),
            )
            .await;
        assert!(res["errors"].is_null(), "{res}");
        let mut seen = Vec::new();
        for key in ["a", "b"] {
            for edge in res["data"][key]["items"]["edges"].as_array().unwrap() {
                let node = &edge["node"];
                for (alias, force) in [("n", "norfolk"), ("s", "suffolk")] {
                    let answer = &node[alias];
                    if answer.is_null() {
                        continue;
                    }
                    assert_eq!(answer["itemId"], node["id"], "{res}");
                    assert_eq!(answer["forceId"], force, "{res}");
                    seen.push(answer["response"].as_str().unwrap().to_string());
                }
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            vec![
                "Norfolk on the first",
                "Norfolk on the second inspection",
                "Norfolk on the third",
                "Suffolk on the first",
            ]
        );
        // A force's reader sees only its own force's responses.
        let res = app
            .gql(
                Some(&app.viewer("suffolk")),
                q,
                json!({"a": first.inspection, "b": second.inspection}),
            )
            .await;
        let answers: Vec<&serde_json::Value> = res["data"]["a"]["items"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"]["n"])
            .collect();
        assert!(answers.iter().all(|a| a.is_null()), "{res}");
    }
);
