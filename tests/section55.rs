//! PCC responses and Section 55: publication under 5(B), revisions, deadlines at their
//! boundaries, who answers, the document in three forms, public access, compliance — on SQLite
//! and on PostgreSQL.

mod common;

use common::{TestApp, put_any};
use serde_json::{Value, json};

const DEMO: &str = include_str!("../demo/norfolk-organised-immigration-crime.json");

fn pcc_path(force: &str, inspection: &str) -> String {
    format!("/v1/forces/{force}/inspections/{inspection}/pcc-response")
}

fn days_ago(n: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

/// Enters the published Norfolk example through the REST API, as the inspectorate, the force
/// and the OPCC would; answers the inspection id.
async fn enter_the_example(app: &TestApp) -> String {
    let demo: Value = serde_json::from_str(DEMO).unwrap();
    let inspection = app.create_inspection(demo["inspection"].clone()).await;
    let id = inspection["id"].as_str().unwrap().to_string();
    let mut ids = std::collections::HashMap::new();
    for item in demo["items"].as_array().unwrap() {
        let created = app.create_item(&id, item.clone()).await;
        ids.insert(
            created["number"].to_string(),
            created["id"].as_str().unwrap().to_string(),
        );
    }
    let editor = app.editor("norfolk");
    for (number, answer) in demo["item_responses"].as_object().unwrap() {
        let res = app
            .put(&format!(
                "/v1/forces/norfolk/items/{}/response",
                ids[number]
            ))
            .token(&editor)
            .json(answer.clone())
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    let res = app
        .put(&format!("/v1/forces/norfolk/inspections/{id}/response"))
        .token(&editor)
        .json(demo["force_response"].clone())
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let opcc = app.opcc("norfolk");
    let pcc = json!({"comments": demo["pcc_response"]["comments"], "checklist": demo["pcc_response"]["checklist"]});
    let res = app
        .put(&pcc_path("norfolk", &id))
        .token(&opcc)
        .json(pcc)
        .send()
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let res = app
        .post(&format!("{}/publish", pcc_path("norfolk", &id)))
        .token(&opcc)
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    id
}

fn document(
    app: &TestApp,
    id: &str,
    accept: &str,
) -> impl std::future::Future<Output = common::Res> {
    app.get(&format!("/v1/forces/norfolk/inspections/{id}/section55"))
        .header("accept", accept)
        .send()
}

both_backends!(
    the_example_document_renders_back_in_three_forms,
    |app| async move {
        let id = enter_the_example(&app).await;
        let md = document(&app, &id, "text/markdown").await;
        assert_eq!(md.status, 200);
        assert_eq!(
            md.header("content-type").as_deref(),
            Some("text/markdown; charset=utf-8")
        );
        insta::assert_snapshot!("example_markdown", md.text());
        let html = document(&app, &id, "text/html").await;
        assert!(
            html.header("content-security-policy")
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(
            html.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        insta::assert_snapshot!("example_html", html.text());
        let json = document(&app, &id, "application/json").await.json();
        // Published through the API today, after the deadline: late by as many days as have
        // passed since, which the snapshot cannot hold.
        let since_deadline = (chrono::Utc::now().date_naive()
            - chrono::NaiveDate::from_ymd_opt(2025, 7, 11).unwrap())
        .num_days();
        assert_eq!(json["section55"]["days_late"], since_deadline);
        insta::assert_json_snapshot!("example_json", json, {
            ".inspection.id" => "[id]",
            ".recommendations[].id" => "[id]",
            ".pcc_response.published_at" => "[time]",
            ".section55.days_late" => "[days since the deadline]",
        });
        // Every fact of the published example is held and printed again.
        let text = md.text();
        let example = include_str!("../demo/norfolk-organised-immigration-crime.json");
        let demo: Value = serde_json::from_str(example).unwrap();
        for fact in [
            "16 May 2025",
            "11 July 2025",
            "Serious and organised crime",
            "All local forces in England and Wales",
            "Ten recommendations are made within the report, four of which are directed at Chief Constables nationally:",
            "There were no areas for improvement.",
            "Norfolk Police and Crime Panel",
        ] {
            assert!(text.contains(fact), "missing {fact:?}");
        }
        for paragraph in demo["inspection"]["key_findings"]
            .as_str()
            .unwrap()
            .split("\n\n")
        {
            assert!(
                text.contains(paragraph),
                "missing key finding {paragraph:?}"
            );
        }
    }
);

both_backends!(the_demo_loader_enters_the_same_example, |app| async move {
    assert!(oversight::demo::load(&|p| app.state.ctx(p)).await.unwrap());
    assert!(
        !oversight::demo::load(&|p| app.state.ctx(p)).await.unwrap(),
        "loading twice changes nothing"
    );
    let list = app.get("/v1/inspections").send().await.json();
    let id = list["items"][0]["id"].as_str().unwrap();
    let pcc = app.get(&pcc_path("norfolk", id)).send().await.json();
    assert_eq!(pcc["published_at"], "2025-07-01T09:00:00Z");
    assert_eq!(
        pcc["section55"],
        json!({"deadline": "2025-07-11", "status": "published_on_time", "days_remaining": null, "days_late": null})
    );
    let md = document(&app, id, "text/markdown").await.text();
    assert!(md.contains("### Recommendation 9"));
});

both_backends!(
    publication_is_refused_until_every_recommendation_has_a_response,
    |app| async move {
        let f = app.fixture().await;
        let rec4 = app.create_item(&f.inspection, json!({"number": 4})).await;
        let afi_path = format!("/v1/forces/norfolk/items/{}/response", f.afi);
        let opcc = app.opcc("norfolk");
        let path = pcc_path("norfolk", &f.inspection);
        app.post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await
            .assert_problem(404, "not_found");
        assert_eq!(
            app.put(&path)
                .token(&opcc)
                .json(json!({"comments": "I note the report."}))
                .send()
                .await
                .status,
            201
        );
        let refused = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await
            .assert_problem(422, "validation_failed");
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            vec!["recommendations[2]", "recommendations[4]"],
            "{refused}"
        );
        assert!(
            refused["errors"][1]["message"]
                .as_str()
                .unwrap()
                .contains(rec4["id"].as_str().unwrap())
        );
        // The area for improvement and the recommendation to other bodies do not hold it up.
        let editor = app.editor("norfolk");
        app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        let refused = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(refused["errors"].as_array().unwrap().len(), 1);
        app.put(&format!(
            "/v1/forces/norfolk/items/{}/response",
            rec4["id"].as_str().unwrap()
        ))
        .token(&editor)
        .json(json!({"acceptance": "not_accepted"}))
        .send()
        .await;
        assert_eq!(
            app.get(&afi_path).token(&opcc).send().await.status,
            404,
            "the AFI still has no response"
        );
        app.post(&format!("{path}/publish"))
            .token(&editor)
            .send()
            .await
            .assert_problem(403, "forbidden");
        let published = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await;
        assert_eq!(published.status, 200, "{}", published.text());
        let p = published.json();
        assert_eq!(
            (p["status"].as_str(), p["revision"].as_i64()),
            (Some("published"), Some(1))
        );
        assert!(p["published_at"].is_string());
        let again = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await
            .json();
        assert_eq!(
            again["version"], p["version"],
            "publishing again changes nothing"
        );
    }
);

both_backends!(
    a_published_response_is_amended_by_new_revisions,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        let opcc = app.opcc("norfolk");
        let path = pcc_path("norfolk", &f.inspection);
        app.put(&path)
            .token(&opcc)
            .json(json!({"comments": "First."}))
            .send()
            .await;
        let first = app
            .post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await
            .json();
        let section55 = first["section55"].clone();
        app.get(&format!("{path}/revisions")).send().await;
        let v = first["version"].as_i64().unwrap();
        let amended = app
            .put(&path)
            .token(&opcc)
            .if_match(&format!("\"{v}\""))
            .json(json!({"comments": "Second."}))
            .send()
            .await;
        assert_eq!(amended.status, 200, "{}", amended.text());
        let a = amended.json();
        assert_eq!(
            (
                a["revision"].as_i64(),
                a["status"].as_str(),
                a["comments"].as_str()
            ),
            (Some(2), Some("published"), Some("Second."))
        );
        assert_eq!(
            a["section55"], section55,
            "later revisions do not change the Section 55 status"
        );
        let checklist_only = app
            .put(&path)
            .token(&opcc)
            .if_match(&format!("\"{}\"", a["version"]))
            .json(json!({"checklist": {"sent_to_home_secretary_on": "2025-07-02"}}))
            .send()
            .await
            .json();
        assert_eq!(
            checklist_only["revision"], 2,
            "checklist dates change in place"
        );
        assert_eq!(
            checklist_only["checklist"]["sent_to_home_secretary_on"],
            "2025-07-02"
        );
        let revisions = app.get(&format!("{path}/revisions")).send().await;
        assert_eq!(revisions.status, 200);
        let r = revisions.json();
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0]["revision"].as_i64(), items[0]["comments"].as_str()),
            (Some(1), Some("First."))
        );
        assert_eq!(
            (items[1]["revision"].as_i64(), items[1]["comments"].as_str()),
            (Some(2), Some("Second."))
        );
        assert!(items[0]["published_at"].is_string());
    }
);

both_backends!(
    the_pcc_response_is_public_once_published_and_private_before,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .json(json!({"acceptance": "accepted", "response": "Draft thoughts"}))
            .send()
            .await;
        let opcc = app.opcc("norfolk");
        let path = pcc_path("norfolk", &f.inspection);
        let doc = format!("/v1/forces/norfolk/inspections/{}/section55", f.inspection);
        app.put(&path)
            .token(&opcc)
            .json(json!({"comments": "Draft."}))
            .send()
            .await;
        app.get(&path).send().await.assert_problem(404, "not_found");
        app.get(&path)
            .token(&app.analyst())
            .send()
            .await
            .assert_problem(404, "not_found");
        app.get(&doc).send().await.assert_problem(404, "not_found");
        app.get(&doc)
            .token(&app.viewer("kent"))
            .send()
            .await
            .assert_problem(404, "not_found");
        let analyst_doc = app.get(&doc).token(&app.analyst()).send().await.json();
        assert!(
            analyst_doc["pcc_response"]["comments"].is_null(),
            "a draft PCC response shows as not written"
        );
        assert!(analyst_doc["chief_constable_response"]["items"][0]["response"].is_null());
        // The document never shows a draft, even to the force's own people: their preview does.
        let own = app
            .get(&doc)
            .token(&app.viewer("norfolk"))
            .header("accept", "text/markdown")
            .send()
            .await
            .text();
        assert!(
            !own.contains("Draft.") && !own.contains("Draft thoughts"),
            "{own}"
        );
        let preview = app
            .get(&format!("{doc}?preview=true"))
            .token(&app.viewer("norfolk"))
            .header("accept", "text/markdown")
            .send()
            .await
            .text();
        assert!(preview.contains("Draft.") && preview.contains("Draft thoughts"));
        assert!(preview.contains("Preview: today's data"), "{preview}");
        app.get(&format!("{doc}?preview=true"))
            .token(&app.analyst())
            .send()
            .await
            .assert_problem(404, "not_found");
        assert_eq!(
            app.put(&path)
                .token(&editor)
                .if_match("\"1\"")
                .json(json!({"comments": "x"}))
                .send()
                .await
                .status,
            403
        );
        app.post(&format!("{path}/publish"))
            .token(&opcc)
            .send()
            .await;
        assert_eq!(app.get(&path).send().await.status, 200);
        assert_eq!(
            app.get(&path)
                .token(&app.viewer("kent"))
                .send()
                .await
                .status,
            200
        );
        // Publishing publishes the PCC's comments, never the force's drafts.
        let public = app.get(&doc).send().await.json();
        assert_eq!(public["pcc_response"]["comments"], "Draft.");
        assert!(public["chief_constable_response"]["items"][0]["response"].is_null());
        assert_eq!(
            public["chief_constable_response"]["note"],
            "The Chief Constable's response had not been submitted when this response was published."
        );
        assert_eq!(
            app.get(&format!("{path}/revisions")).send().await.status,
            200
        );
        // With public reading turned off, anonymous callers need a token.
        let closed = app.like(|c| c.public_read = false).await;
        closed
            .get("/v1/inspections")
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        assert_eq!(closed.get("/v1/forces").send().await.status, 200);
    }
);

both_backends!(section55_status_at_its_boundaries, |app| async move {
    // Deadlines relative to today: 15 days ahead, 14, today, yesterday.
    let cases = [
        (41, "not_due", Some(15), None),
        (42, "due_soon", Some(14), None),
        (56, "due_soon", Some(0), None),
        (57, "overdue", None, Some(1)),
    ];
    for (age, status, remaining, late) in cases {
        let i = app.create_inspection(json!({"published_on": days_ago(age), "title": format!("Published {age} days ago"), "scope": {"forces": ["norfolk"]}})).await;
        let entry = app
            .get(&format!(
                "/v1/forces/norfolk/inspections?q=Published%20{age}%20days"
            ))
            .send()
            .await
            .json();
        let s = &entry["items"][0]["section55"];
        assert_eq!(s["deadline"], i["section55_deadline"]);
        assert_eq!(
            (
                s["status"].as_str(),
                s["days_remaining"].as_i64(),
                s["days_late"].as_i64()
            ),
            (Some(status), remaining, late),
            "{age} days: {s}"
        );
    }
    // Published on day 56 is on time; on day 57, a day late.
    for (age, status, late) in [
        (56, "published_on_time", None),
        (57, "published_late", Some(1)),
    ] {
        let i = app.create_inspection(json!({"published_on": days_ago(age), "title": format!("Answered {age}"), "scope": {"forces": ["norfolk"]}})).await;
        let id = i["id"].as_str().unwrap();
        let opcc = app.opcc("norfolk");
        app.put(&pcc_path("norfolk", id))
            .token(&opcc)
            .json(json!({"comments": "Noted."}))
            .send()
            .await;
        let p = app
            .post(&format!("{}/publish", pcc_path("norfolk", id)))
            .token(&opcc)
            .send()
            .await
            .json();
        assert_eq!(
            (
                p["section55"]["status"].as_str(),
                p["section55"]["days_late"].as_i64()
            ),
            (Some(status), late),
            "{p}"
        );
    }
});

both_backends!(
    the_body_in_office_on_the_publication_date_answers,
    |app| async move {
        for (day, body, kind) in [
            (
                "2024-05-06",
                "North Yorkshire Police, Fire and Crime Commissioner",
                "pfcc",
            ),
            ("2024-05-07", "Mayor of York and North Yorkshire", "mayor"),
        ] {
            let i = app
                .create_inspection(
                    json!({"published_on": day, "scope": {"forces": ["north-yorkshire"]}}),
                )
                .await;
            let id = i["id"].as_str().unwrap();
            let doc = app
                .get(&format!(
                    "/v1/forces/north-yorkshire/inspections/{id}/section55"
                ))
                .token(&app.admin())
                .send()
                .await
                .json();
            assert_eq!(doc["policing_body"], json!({"name": body, "kind": kind}));
            assert!(
                doc["title"].as_str().unwrap().starts_with(body),
                "{}",
                doc["title"]
            );
        }
    }
);

both_backends!(
    markup_is_stored_verbatim_and_rendered_escaped,
    |app| async move {
        let hostile = "<script>alert('x')</script> & \"quotes\" '; DROP TABLE inspections; --";
        let i = app.create_inspection(json!({"title": hostile, "key_findings": "Text <img src=x onerror=alert(1)> [link](javascript:alert(1))", "scope": {"forces": ["norfolk"]}})).await;
        assert_eq!(i["title"], hostile);
        let id = i["id"].as_str().unwrap();
        let opcc = app.opcc("norfolk");
        app.put(&pcc_path("norfolk", id))
            .token(&opcc)
            .json(json!({"comments": "<b onmouseover=alert(1)>bold</b>"}))
            .send()
            .await;
        app.post(&format!("{}/publish", pcc_path("norfolk", id)))
            .token(&opcc)
            .send()
            .await;
        let html = document(&app, id, "text/html").await.text();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(
            !html.contains("<img")
                && !html.contains("javascript:")
                && !html.contains("<b onmouseover"),
            "{html}"
        );
        let back = app
            .get(&format!("/v1/inspections/{id}"))
            .send()
            .await
            .json();
        assert_eq!(back["title"], hostile, "stored verbatim");
    }
);

both_backends!(compliance_counts_each_force_by_period, |app| async move {
    let f = app.fixture().await;
    app.create_inspection(
        json!({"published_on": days_ago(10), "title": "Recent", "scope": {"forces": ["kent"]}}),
    )
    .await;
    let editor = app.editor("norfolk");
    app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
        .token(&editor)
        .json(json!({"acceptance": "accepted"}))
        .send()
        .await;
    let opcc = app.opcc("norfolk");
    app.put(&pcc_path("norfolk", &f.inspection))
        .token(&opcc)
        .json(json!({"comments": "Late."}))
        .send()
        .await;
    app.post(&format!("{}/publish", pcc_path("norfolk", &f.inspection)))
        .token(&opcc)
        .send()
        .await;
    app.get("/v1/compliance/section55")
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/v1/compliance/section55")
        .token(&app.editor("norfolk"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let res = app
        .get("/v1/compliance/section55")
        .token(&app.analyst())
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    let rows = body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 43);
    let row = |id: &str| rows.iter().find(|r| r["force_id"] == id).unwrap().clone();
    assert_eq!(
        row("norfolk"),
        json!({"force_id": "norfolk", "not_due": 0, "due_soon": 0, "overdue": 0, "published_on_time": 0, "published_late": 1})
    );
    assert_eq!(
        row("suffolk"),
        json!({"force_id": "suffolk", "not_due": 0, "due_soon": 0, "overdue": 1, "published_on_time": 0, "published_late": 0})
    );
    assert_eq!(row("kent")["not_due"], 1);
    assert_eq!(row("kent")["overdue"], 1);
    let window = app
        .get(&format!(
            "/v1/compliance/section55?published_from={}",
            days_ago(30)
        ))
        .token(&app.inspectorate())
        .send()
        .await
        .json();
    let kent = window["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["force_id"] == "kent")
        .unwrap()
        .clone();
    assert_eq!(
        (kent["not_due"].as_i64(), kent["overdue"].as_i64()),
        (Some(1), Some(0))
    );
    app.get("/v1/compliance/section55?published_from=2025-13-01")
        .token(&app.admin())
        .send()
        .await
        .assert_problem(400, "bad_request");
    let gql = app
        .gql(
            Some(&app.analyst()),
            "{ section55Compliance { forceId publishedLate overdue } }",
            json!({}),
        )
        .await;
    assert_eq!(
        gql["data"]["section55Compliance"].as_array().unwrap().len(),
        43,
        "{gql}"
    );
    let denied = app
        .gql(None, "{ section55Compliance { forceId } }", json!({}))
        .await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "unauthenticated");
});

both_backends!(
    graphql_reads_and_publishes_pcc_responses,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let opcc = app.opcc("norfolk");
        let put = r#"mutation($i: ID!) { putPccResponse(forceId: "norfolk", inspectionId: $i, input: {comments: "Noted", checklist: {forwardedToChiefConstableOn: "2025-07-01"}}) { status version checklist { forwardedToChiefConstableOn } } }"#;
        let created = app.gql(Some(&opcc), put, json!({"i": f.inspection})).await;
        assert_eq!(
            created["data"]["putPccResponse"]["checklist"]["forwardedToChiefConstableOn"],
            "2025-07-01",
            "{created}"
        );
        let publish = r#"mutation($i: ID!) { publishPccResponse(forceId: "norfolk", inspectionId: $i) { status revision section55 { status daysLate } } }"#;
        let refused = app
            .gql(Some(&opcc), publish, json!({"i": f.inspection}))
            .await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"],
            "validation_failed"
        );
        assert_eq!(
            refused["errors"][0]["extensions"]["errors"][0]["field"],
            "recommendations[2]"
        );
        app.put(&format!("/v1/forces/norfolk/items/{}/response", f.rec))
            .token(&editor)
            .json(json!({"acceptance": "accepted"}))
            .send()
            .await;
        let ok = app
            .gql(Some(&opcc), publish, json!({"i": f.inspection}))
            .await;
        assert_eq!(
            ok["data"]["publishPccResponse"]["status"], "PUBLISHED",
            "{ok}"
        );
        assert_eq!(
            ok["data"]["publishPccResponse"]["section55"]["status"],
            "PUBLISHED_LATE"
        );
        let q = r#"query($i: ID!) { inspection(id: $i) { section55Deadline pccResponse(forceId: "norfolk") { comments revision } suffolk: pccResponse(forceId: "suffolk") { comments } } }"#;
        let public = app.gql(None, q, json!({"i": f.inspection})).await;
        assert_eq!(
            public["data"]["inspection"]["pccResponse"]["revision"], 1,
            "{public}"
        );
        assert!(public["data"]["inspection"]["suffolk"].is_null());
    }
);

both_backends!(
    a_force_draft_never_reaches_the_published_document,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("suffolk");
        let opcc = app.opcc("suffolk");
        put_any(
            &app,
            &format!("/v1/forces/suffolk/inspections/{}/response", f.inspection),
            &editor,
            json!({"comments": "SUFFOLK DRAFT chief constable comments"}),
        )
        .await;
        put_any(
            &app,
            &format!("/v1/forces/suffolk/items/{}/response", f.rec),
            &editor,
            json!({"acceptance": "accepted", "response": "SUFFOLK DRAFT narrative"}),
        )
        .await;
        put_any(
            &app,
            &format!("/v1/forces/suffolk/items/{}/response", f.afi),
            &opcc,
            json!({"acceptance": "accepted", "response": "SUFFOLK DRAFT body answer"}),
        )
        .await;
        let pcc = pcc_path("suffolk", &f.inspection);
        put_any(
            &app,
            &pcc,
            &opcc,
            json!({"comments": "The PCC's published words."}),
        )
        .await;
        // Section 55 is the PCC's duty: publishing while the force's response is a draft is allowed.
        let published = app
            .post(&format!("{pcc}/publish"))
            .token(&opcc)
            .send()
            .await;
        assert_eq!(published.status, 200, "{}", published.text());
        let doc = format!("/v1/forces/suffolk/inspections/{}/section55", f.inspection);
        for token in [
            None,
            Some(app.viewer("norfolk")),
            Some(app.analyst()),
            Some(editor.clone()),
        ] {
            for accept in ["application/json", "text/markdown", "text/html"] {
                let res = app
                    .get(&doc)
                    .maybe_token(token.as_deref())
                    .header("accept", accept)
                    .send()
                    .await;
                assert_eq!(res.status, 200, "{}", res.text());
                let text = res.text();
                assert!(!text.contains("SUFFOLK DRAFT"), "{accept}: {text}");
                assert!(text.contains("The PCC's published words."));
                assert!(
                    text.contains("had not been submitted when this response was published"),
                    "{text}"
                );
            }
        }
        // The REST resource says the same: a draft is not the public's.
        app.get(&format!(
            "/v1/forces/suffolk/inspections/{}/response",
            f.inspection
        ))
        .send()
        .await
        .assert_problem(404, "not_found");
        // The force's own preview shows its drafts, marked.
        let preview = app
            .get(&format!("{doc}?preview=true"))
            .token(&app.viewer("suffolk"))
            .send()
            .await
            .json();
        assert_eq!(preview["preview"], true);
        assert_eq!(preview["chief_constable_response"]["draft"], true);
        assert_eq!(
            preview["chief_constable_response"]["comments"],
            "SUFFOLK DRAFT chief constable comments"
        );
        assert_eq!(
            preview["chief_constable_response"]["items"][0]["draft"],
            true
        );
        assert_eq!(
            preview["pcc_response"]["items"][0]["response"],
            "SUFFOLK DRAFT body answer"
        );
    }
);

both_backends!(
    each_revision_freezes_the_submitted_work_it_published,
    |app| async move {
        let f = app.fixture().await;
        let editor = app.editor("norfolk");
        let opcc = app.opcc("norfolk");
        let response = format!("/v1/forces/norfolk/inspections/{}/response", f.inspection);
        let rec = format!("/v1/forces/norfolk/items/{}/response", f.rec);
        put_any(
            &app,
            &response,
            &editor,
            json!({"comments": "Chief constable v1.", "status": "submitted"}),
        )
        .await;
        put_any(
            &app,
            &rec,
            &editor,
            json!({"acceptance": "accepted", "response": "Narrative v1."}),
        )
        .await;
        let pcc = pcc_path("norfolk", &f.inspection);
        put_any(&app, &pcc, &opcc, json!({"comments": "PCC v1."})).await;
        let publish = || app.post(&format!("{pcc}/publish")).token(&opcc).send();
        assert_eq!(publish().await.json()["revision"], 1);
        let doc = format!("/v1/forces/norfolk/inspections/{}/section55", f.inspection);
        let read = |q: &str| {
            app.get(&format!("{doc}{q}"))
                .header("accept", "text/markdown")
                .send()
        };
        let first = read("").await.text();
        assert!(first.contains("Chief constable v1.") && first.contains("Narrative v1."));
        // Edited after publication: the public record does not move.
        put_any(
            &app,
            &response,
            &editor,
            json!({"comments": "INTERNAL: do not share"}),
        )
        .await;
        put_any(
            &app,
            &rec,
            &editor,
            json!({"acceptance": "partially_accepted", "response": "Narrative v2."}),
        )
        .await;
        assert_eq!(read("").await.text(), first);
        // Publishing again freezes the force's work as it now stands, as revision 2.
        let second = publish().await.json();
        assert_eq!(second["revision"], 2, "{second}");
        let now = app.get(&doc).send().await.json();
        assert_eq!(now["pcc_response"]["revision"], 2);
        assert_eq!(now["pcc_response"]["latest_revision"], 2);
        assert_eq!(
            now["chief_constable_response"]["comments"],
            "INTERNAL: do not share"
        );
        assert_eq!(
            now["chief_constable_response"]["items"][0]["acceptance"],
            "partially_accepted"
        );
        assert!(read("").await.text().contains("Revision 2 of 2"));
        // Revision 1 stays readable as it was.
        let old = app.get(&format!("{doc}?revision=1")).send().await.json();
        assert_eq!(old["pcc_response"]["revision"], 1);
        assert_eq!(
            old["chief_constable_response"]["comments"],
            "Chief constable v1."
        );
        assert_eq!(
            old["chief_constable_response"]["items"][0]["response"],
            "Narrative v1."
        );
        assert_eq!(
            old["chief_constable_response"]["items"][0]["acceptance"],
            "accepted"
        );
        // Nothing moved since: publishing again changes nothing.
        assert_eq!(publish().await.json()["revision"], 2);
        // An amendment of the PCC's comments is a revision too, and freezes the work with it.
        put_any(&app, &pcc, &opcc, json!({"comments": "PCC v3."})).await;
        let third = app.get(&doc).send().await.json();
        assert_eq!(third["pcc_response"]["revision"], 3);
        assert_eq!(third["pcc_response"]["comments"], "PCC v3.");
        assert_eq!(
            third["chief_constable_response"]["comments"],
            "INTERNAL: do not share"
        );
        let revisions = app.get(&format!("{pcc}/revisions")).send().await.json();
        assert_eq!(revisions["items"].as_array().unwrap().len(), 3);
        // Revisions that do not exist, and views that cannot be.
        app.get(&format!("{doc}?revision=4"))
            .send()
            .await
            .assert_problem(404, "not_found");
        app.get(&format!("{doc}?revision=0"))
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get(&format!("{doc}?revision=x"))
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get(&format!("{doc}?revision=1&preview=true"))
            .token(&editor)
            .send()
            .await
            .assert_problem(400, "bad_request");
        // Access is decided first: an outsider asking for a preview, valid or not, learns nothing.
        app.get(&format!("{doc}?revision=1&preview=true"))
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);
