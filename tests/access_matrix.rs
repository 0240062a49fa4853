//! The access matrix: every force-scoped endpoint and GraphQL field × every role × own force,
//! another force and a joint token, while Norfolk's response is a draft and once submitted.
//! Each cell is asserted, on both backends.

mod common;

use common::TestApp;
use oversight::auth::Role;
use serde_json::{Value, json};

/// The callers, in the column order of the tables below.
const CALLERS: [&str; 11] = [
    "anonymous",
    "viewer_own",
    "viewer_other",
    "editor_own",
    "editor_other",
    "editor_joint",
    "opcc_own",
    "opcc_other",
    "analyst",
    "inspectorate",
    "admin",
];

fn tokens(app: &TestApp) -> Vec<Option<String>> {
    vec![
        None,
        Some(app.viewer("norfolk")),
        Some(app.viewer("kent")),
        Some(app.editor("norfolk")),
        Some(app.editor("kent")),
        Some(app.token("joint", &[Role::ForceEditor], &["suffolk", "norfolk"])),
        Some(app.opcc("norfolk")),
        Some(app.opcc("kent")),
        Some(app.analyst()),
        Some(app.inspectorate()),
        Some(app.admin()),
    ]
}

/// HMICFRS statuses, one per caller in turn, so that consecutive writes differ.
const HMICFRS: [&str; 6] = [
    "awaiting_review",
    "being_progressed",
    "complete",
    "no_further_action_needed",
    "superseded",
    "discharged",
];

struct Call {
    name: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
}

fn calls(inspection: &str, rec: &str, afi: &str, action: &str) -> Vec<Call> {
    let call = |name, method, path: String, body: Option<Value>| Call {
        name,
        method,
        path,
        body,
    };
    vec![
        call(
            "GET response",
            "GET",
            format!("/v1/forces/norfolk/inspections/{inspection}/response"),
            None,
        ),
        call(
            "GET item response",
            "GET",
            format!("/v1/forces/norfolk/items/{rec}/response"),
            None,
        ),
        call(
            "GET actions",
            "GET",
            format!("/v1/forces/norfolk/items/{rec}/actions"),
            None,
        ),
        call(
            "GET action",
            "GET",
            format!("/v1/forces/norfolk/actions/{action}"),
            None,
        ),
        call(
            "GET worklist",
            "GET",
            "/v1/forces/norfolk/inspections".into(),
            None,
        ),
        call("GET audit", "GET", "/v1/audit?force=norfolk".into(), None),
        call(
            "PUT response",
            "PUT",
            format!("/v1/forces/norfolk/inspections/{inspection}/response"),
            Some(json!({"comments": "x {caller}"})),
        ),
        call(
            "PUT item acceptance",
            "PUT",
            format!("/v1/forces/norfolk/items/{rec}/response"),
            Some(json!({"acceptance": "accepted", "response": "y {caller}"})),
        ),
        call(
            "PUT item hmicfrs",
            "PUT",
            format!("/v1/forces/norfolk/items/{rec}/response"),
            Some(json!({"hmicfrs_status": "{status}"})),
        ),
        call(
            "PUT body item",
            "PUT",
            format!("/v1/forces/norfolk/items/{afi}/response"),
            Some(json!({"acceptance": "accepted", "response": "z {caller}"})),
        ),
        call(
            "POST action",
            "POST",
            format!("/v1/forces/norfolk/items/{rec}/actions"),
            Some(json!({"title": "t"})),
        ),
        call(
            "PATCH action",
            "PATCH",
            format!("/v1/forces/norfolk/actions/{action}"),
            Some(json!({"owner": "o {caller}"})),
        ),
        call(
            "POST update",
            "POST",
            format!("/v1/forces/norfolk/actions/{action}/updates"),
            Some(json!({"note": "n"})),
        ),
    ]
}

//                      anon own  oth  ed   edo  jnt  opc  opco anl  insp adm
#[rustfmt::skip]
const DRAFT: [(&str, [u16; 11]); 13] = [
    ("GET response",        [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("GET item response",   [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("GET actions",         [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("GET action",          [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("GET worklist",        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET audit",           [401, 200, 404, 200, 404, 200, 200, 404, 403, 403, 200]),
    ("PUT response",        [401, 403, 404, 200, 404, 200, 403, 404, 404, 404, 403]),
    ("PUT item acceptance", [401, 403, 404, 200, 404, 200, 403, 404, 404, 404, 403]),
    ("PUT item hmicfrs",    [401, 403, 404, 403, 404, 403, 403, 404, 404, 404, 200]),
    ("PUT body item",       [401, 403, 404, 403, 404, 403, 200, 404, 404, 404, 403]),
    ("POST action",         [401, 403, 404, 201, 404, 201, 403, 404, 404, 404, 403]),
    ("PATCH action",        [401, 403, 404, 200, 404, 200, 403, 404, 404, 404, 403]),
    ("POST update",         [401, 403, 404, 201, 404, 201, 403, 404, 404, 404, 403]),
];

//                      anon own  oth  ed   edo  jnt  opc  opco anl  insp adm
#[rustfmt::skip]
const SUBMITTED: [(&str, [u16; 11]); 13] = [
    ("GET response",        [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("GET item response",   [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("GET actions",         [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("GET action",          [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("GET worklist",        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET audit",           [401, 200, 404, 200, 404, 200, 200, 404, 403, 403, 200]),
    ("PUT response",        [401, 403, 404, 200, 404, 200, 403, 404, 403, 403, 403]),
    ("PUT item acceptance", [401, 403, 404, 200, 404, 200, 403, 404, 403, 403, 403]),
    ("PUT item hmicfrs",    [401, 403, 404, 403, 404, 403, 403, 404, 403, 200, 200]),
    ("PUT body item",       [401, 403, 404, 403, 404, 403, 200, 404, 403, 403, 403]),
    ("POST action",         [401, 403, 404, 201, 404, 201, 403, 404, 403, 403, 403]),
    ("PATCH action",        [401, 403, 404, 200, 404, 200, 403, 404, 403, 403, 403]),
    ("POST update",         [401, 403, 404, 201, 404, 201, 403, 404, 403, 403, 403]),
];

fn graphql_code(res: &Value) -> u16 {
    match res["errors"][0]["extensions"]["status"].as_u64() {
        Some(s) => s as u16,
        None => 200,
    }
}

async fn check(
    app: &TestApp,
    table: &[(&str, [u16; 11]); 13],
    calls: &[Call],
    state: &str,
) -> usize {
    let tokens = tokens(app);
    let mut cells = 0;
    let mut failures = vec![];
    for (name, expected) in table.iter() {
        let call = calls.iter().find(|c| c.name == *name).unwrap();
        for (i, token) in tokens.iter().enumerate() {
            let mut req = app
                .req(call.method.parse().unwrap(), &call.path)
                .maybe_token(token.as_deref());
            if call.method == "PUT" || call.method == "PATCH" {
                req = req.if_match("*");
            }
            if let Some(b) = &call.body {
                // Each caller writes a different value, so that no write is a no-op.
                let text = b
                    .to_string()
                    .replace("{caller}", CALLERS[i])
                    .replace("{status}", HMICFRS[i % HMICFRS.len()]);
                req = req.json(serde_json::from_str(&text).unwrap());
            }
            let res = req.send().await;
            cells += 1;
            if res.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{state}: {name} as {}: expected {}, got {} {}",
                    CALLERS[i],
                    expected[i],
                    res.status,
                    res.text()
                ));
            } else if expected[i] >= 400 {
                assert_eq!(
                    res.header("content-type").as_deref(),
                    Some("application/problem+json")
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cells
}

/// The GraphQL fields and mutations of the same resources, against the REST expectations.
async fn check_graphql(
    app: &TestApp,
    table: &[(&str, [u16; 11]); 13],
    inspection: &str,
    rec: &str,
    state: &str,
) -> usize {
    let tokens = tokens(app);
    let expect = |name: &str| table.iter().find(|(n, _)| *n == name).unwrap().1;
    let read = r#"query($i: ID!, $r: ID!) { inspection(id: $i) { forceResponse(forceId: "norfolk") { status } }
        item(id: $r) { response(forceId: "norfolk") { acceptance actions { edges { node { id } } } } } }"#;
    let put = r#"mutation($i: ID!) { putForceResponse(forceId: "norfolk", inspectionId: $i, expectedVersion: null, input: {comments: "g"}) { version } }"#;
    let hmicfrs = r#"mutation($r: ID!) { putItemResponse(forceId: "norfolk", itemId: $r, input: {hmicfrsStatus: COMPLETE}) { version } }"#;
    let mut cells = 0;
    let mut failures = vec![];
    for (i, token) in tokens.iter().enumerate() {
        let r = app
            .gql(token.as_deref(), read, json!({"i": inspection, "r": rec}))
            .await;
        let sees = !r["data"]["inspection"]["forceResponse"].is_null();
        if sees != (expect("GET response")[i] == 200) {
            failures.push(format!("{state}: forceResponse as {}: {r}", CALLERS[i]));
        }
        let sees_item = !r["data"]["item"]["response"].is_null();
        if sees_item != (expect("GET item response")[i] == 200) {
            failures.push(format!("{state}: item.response as {}: {r}", CALLERS[i]));
        }
        // Without expectedVersion an existing response answers 428 once access is granted.
        for (name, q) in [("PUT response", put), ("PUT item hmicfrs", hmicfrs)] {
            let res = app
                .gql(token.as_deref(), q, json!({"i": inspection, "r": rec}))
                .await;
            let want = match expect(name)[i] {
                200 => 428,
                other => other,
            };
            if graphql_code(&res) != want {
                failures.push(format!(
                    "{state}: {name} (GraphQL) as {}: expected {want}: {res}",
                    CALLERS[i]
                ));
            }
        }
        cells += 4;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    cells
}

both_backends!(every_role_against_every_force_endpoint, |app| async move {
    let f = app.fixture().await;
    let editor = app.editor("norfolk");
    app.put(&format!(
        "/v1/forces/norfolk/inspections/{}/response",
        f.inspection
    ))
    .token(&editor)
    .json(json!({"comments": "draft"}))
    .send()
    .await;
    app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
        .token(&editor)
        .json(json!({"acceptance": "accepted"}))
        .send()
        .await;
    app.put(&format!("/v1/forces/norfolk/items/{}/response", f.afi))
        .token(&app.opcc("norfolk"))
        .json(json!({"acceptance": "accepted"}))
        .send()
        .await;
    let action = app
        .post(&format!("/v1/forces/norfolk/items/{}/actions", f.rec))
        .token(&editor)
        .json(json!({"title": "first"}))
        .send()
        .await
        .json();
    let calls = calls(
        &f.inspection,
        &f.rec,
        &f.afi,
        action["id"].as_str().unwrap(),
    );
    let mut cells = check(&app, &DRAFT, &calls, "draft").await;
    cells += check_graphql(&app, &DRAFT, &f.inspection, &f.rec, "draft").await;
    app.put(&format!(
        "/v1/forces/norfolk/inspections/{}/response",
        f.inspection
    ))
    .token(&editor)
    .if_match("*")
    .json(json!({"status": "submitted"}))
    .send()
    .await;
    cells += check(&app, &SUBMITTED, &calls, "submitted").await;
    cells += check_graphql(&app, &SUBMITTED, &f.inspection, &f.rec, "submitted").await;
    eprintln!(
        "{}: {cells} cells of the access matrix asserted",
        app.backend_name
    );
});

/// The Section 55 document and its preview, per caller, in three states of Norfolk's work.
//                       anon own  oth  ed   edo  jnt  opc  opco anl  insp adm
#[rustfmt::skip]
const DOCUMENT: [(&str, [u16; 11]); 6] = [
    ("draft",             [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("draft preview",     [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("submitted",         [404, 200, 404, 200, 404, 200, 200, 404, 200, 200, 200]),
    ("submitted preview", [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
    ("amended",           [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("amended preview",   [404, 200, 404, 200, 404, 200, 200, 404, 404, 404, 200]),
];

/// Asserts one state's row and its preview's: the codes, and that the document shows no text
/// in `hidden` while a preview shows it.
async fn check_document(app: &TestApp, inspection: &str, state: &str, hidden: &[&str]) -> usize {
    let tokens = tokens(app);
    let path = format!("/v1/forces/norfolk/inspections/{inspection}/section55");
    let mut failures = vec![];
    let mut cells = 0;
    for (name, preview) in [
        (state.to_string(), false),
        (format!("{state} preview"), true),
    ] {
        let expected = DOCUMENT.iter().find(|(n, _)| *n == name).unwrap().1;
        for (i, token) in tokens.iter().enumerate() {
            for accept in ["application/json", "text/markdown", "text/html"] {
                let url = if preview {
                    format!("{path}?preview=true")
                } else {
                    path.clone()
                };
                let res = app
                    .get(&url)
                    .maybe_token(token.as_deref())
                    .header("accept", accept)
                    .send()
                    .await;
                cells += 1;
                if res.status.as_u16() != expected[i] {
                    failures.push(format!(
                        "{name} as {} ({accept}): expected {}, got {} {}",
                        CALLERS[i],
                        expected[i],
                        res.status,
                        res.text()
                    ));
                    continue;
                }
                if res.status != 200 {
                    continue;
                }
                let text = res.text();
                for h in hidden {
                    if text.contains(h) != preview {
                        failures.push(format!(
                            "{name} as {} ({accept}): {h:?} {}",
                            CALLERS[i],
                            if preview {
                                "missing from the preview"
                            } else {
                                "shown"
                            }
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} document cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cells
}

both_backends!(
    every_role_against_the_document_in_each_state_of_the_work,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let opcc = app.opcc("norfolk");
        let response = format!("/v1/forces/norfolk/inspections/{}/response", f.inspection);
        let rec = format!("/v1/forces/norfolk/items/{}/response", f.rec);
        let pcc = format!(
            "/v1/forces/norfolk/inspections/{}/pcc-response",
            f.inspection
        );
        // Creates, then changes whatever version stands (`*`).
        let put = |path: String, token: String, body: Value| {
            let app = &app;
            async move {
                let exists = app.get(&path).token(&token).send().await.status == 200;
                let mut req = app.put(&path).token(&token);
                if exists {
                    req = req.if_match("*");
                }
                let res = req.json(body).send().await;
                assert!(res.status.is_success(), "{path}: {}", res.text());
            }
        };
        put(
            response.clone(),
            editor.clone(),
            json!({"comments": "DRAFT-CC-COMMENTS"}),
        )
        .await;
        put(
            rec.clone(),
            editor.clone(),
            json!({"acceptance": "accepted", "response": "DRAFT-CC-NARRATIVE"}),
        )
        .await;
        put(
            pcc.clone(),
            opcc.clone(),
            json!({"comments": "DRAFT-PCC-COMMENTS"}),
        )
        .await;
        let mut cells = check_document(
            &app,
            &f.inspection,
            "draft",
            &[
                "DRAFT-CC-COMMENTS",
                "DRAFT-CC-NARRATIVE",
                "DRAFT-PCC-COMMENTS",
            ],
        )
        .await;
        put(
            response.clone(),
            editor.clone(),
            json!({"comments": "SUBMITTED-CC", "status": "submitted"}),
        )
        .await;
        put(
            rec.clone(),
            editor.clone(),
            json!({"response": "SUBMITTED-NARRATIVE"}),
        )
        .await;
        // Submitted work is no draft: the document shows it, and only the PCC's draft is hidden.
        cells += check_document(&app, &f.inspection, "submitted", &["DRAFT-PCC-COMMENTS"]).await;
        let doc = app
            .get(&format!(
                "/v1/forces/norfolk/inspections/{}/section55",
                f.inspection
            ))
            .token(&app.analyst())
            .send()
            .await
            .text();
        assert!(
            doc.contains("SUBMITTED-CC") && doc.contains("SUBMITTED-NARRATIVE"),
            "{doc}"
        );
        let published = app
            .post(&format!("{pcc}/publish"))
            .token(&opcc)
            .send()
            .await;
        assert_eq!(published.status, 200, "{}", published.text());
        put(
            response.clone(),
            editor.clone(),
            json!({"comments": "AMENDED-CC"}),
        )
        .await;
        put(
            rec.clone(),
            editor.clone(),
            json!({"response": "AMENDED-NARRATIVE"}),
        )
        .await;
        // Amended after publication: the public record keeps what was published.
        cells += check_document(
            &app,
            &f.inspection,
            "amended",
            &["AMENDED-CC", "AMENDED-NARRATIVE"],
        )
        .await;
        eprintln!("{}: {cells} document cells asserted", app.backend_name);
    }
);

/// Webhooks per caller: a webhook is its creator's (and admin's) alone; anyone signed in may
/// register one.
//                       anon own  oth  ed   edo  jnt  opc  opco anl  insp adm
#[rustfmt::skip]
const WEBHOOKS: [(&str, [u16; 11]); 6] = [
    ("POST webhooks",       [401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("GET webhooks",        [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET webhook",         [401, 404, 404, 200, 404, 404, 404, 404, 404, 404, 200]),
    ("GET deliveries",      [401, 404, 404, 200, 404, 404, 404, 404, 404, 404, 200]),
    ("POST ping",           [401, 404, 404, 202, 404, 404, 404, 404, 404, 404, 202]),
    ("DELETE webhook",      [401, 404, 404, 204, 404, 404, 404, 404, 404, 404, 404]),
];

both_backends!(
    every_role_against_every_webhook_endpoint,
    |app| async move {
        let rx = common::receiver::Receiver::start();
        let hook = app
            .post("/v1/webhooks")
            .token(&app.editor("norfolk"))
            .json(json!({"url": rx.url("/")}))
            .send()
            .await
            .json();
        let id = hook["id"].as_str().unwrap();
        let call = |name, method, path: String, body: Option<Value>| Call {
            name,
            method,
            path,
            body,
        };
        let calls = [
            call(
                "POST webhooks",
                "POST",
                "/v1/webhooks".into(),
                Some(json!({"url": rx.url("/{caller}")})),
            ),
            call("GET webhooks", "GET", "/v1/webhooks".into(), None),
            call("GET webhook", "GET", format!("/v1/webhooks/{id}"), None),
            call(
                "GET deliveries",
                "GET",
                format!("/v1/webhooks/{id}/deliveries"),
                None,
            ),
            call("POST ping", "POST", format!("/v1/webhooks/{id}/ping"), None),
            // The creator deletes it first: admin then finds nothing.
            call(
                "DELETE webhook",
                "DELETE",
                format!("/v1/webhooks/{id}"),
                None,
            ),
        ];
        let tokens = tokens(&app);
        let mut failures = vec![];
        for (name, expected) in WEBHOOKS.iter() {
            let c = calls.iter().find(|c| c.name == *name).unwrap();
            for (i, token) in tokens.iter().enumerate() {
                let mut req = app
                    .req(c.method.parse().unwrap(), &c.path)
                    .maybe_token(token.as_deref());
                if let Some(b) = &c.body {
                    let text = b.to_string().replace("{caller}", CALLERS[i]);
                    req = req.json(serde_json::from_str(&text).unwrap());
                }
                let res = req.send().await;
                if res.status.as_u16() != expected[i] {
                    failures.push(format!(
                        "{name} as {}: expected {}, got {} {}",
                        CALLERS[i],
                        expected[i],
                        res.status,
                        res.text()
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);

// What each caller's webhook is sent of Norfolk's work, as a draft and once submitted: exactly
// what the caller may read of it (the `GET item response` rows above).
both_backends!(every_role_is_sent_what_it_may_read, |app| async move {
    let f = app.fixture().await;
    let rx = common::receiver::Receiver::start();
    let tokens = tokens(&app);
    for (i, token) in tokens.iter().enumerate().skip(1) {
        let res = app
            .post("/v1/webhooks")
            .token(token.as_deref().unwrap())
            .json(json!({"url": rx.url(&format!("/{}", CALLERS[i])), "events": ["item_response.create", "item_response.update"]}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let editor = app.editor("norfolk");
    let answer = |n: usize| {
        let (app, editor, rec) = (&app, &editor, &f.rec);
        async move {
            let res = common::put_any(
                app,
                &format!("/v1/forces/norfolk/items/{rec}/response"),
                editor,
                json!({"acceptance": "accepted", "response": format!("answer {n}")}),
            )
            .await;
            assert!(res.status.is_success(), "{}", res.text());
        }
    };
    let sent_to = |from: usize| -> Vec<bool> {
        let got = rx.received();
        CALLERS
            .iter()
            .map(|c| got[from..].iter().any(|r| r.path == format!("/{c}")))
            .collect()
    };
    answer(0).await;
    while oversight::delivery::pass(&app.state, oversight::types::now())
        .await
        .unwrap()
        .claimed
        > 0
    {}
    let row = |table: &[(&str, [u16; 11]); 13]| -> Vec<bool> {
        let r = table
            .iter()
            .find(|(n, _)| *n == "GET item response")
            .unwrap()
            .1;
        let mut v: Vec<bool> = r.iter().map(|s| *s == 200).collect();
        v[0] = false; // anonymous callers register nothing
        v
    };
    assert_eq!(sent_to(0), row(&DRAFT), "draft, per caller {CALLERS:?}");
    let seen = rx.received().len();
    app.put(&format!(
        "/v1/forces/norfolk/inspections/{}/response",
        f.inspection
    ))
    .token(&editor)
    .json(json!({"comments": "c", "status": "submitted"}))
    .send()
    .await;
    answer(1).await;
    while oversight::delivery::pass(&app.state, oversight::types::now())
        .await
        .unwrap()
        .claimed
        > 0
    {}
    assert_eq!(
        sent_to(seen),
        row(&SUBMITTED),
        "submitted, per caller {CALLERS:?}"
    );
});
