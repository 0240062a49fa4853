//! Forces, inspections and items over REST and GraphQL, errors, and operations — on SQLite
//! and on PostgreSQL.

mod common;

use oversight::auth::Role;
use serde_json::{Value, json};

both_backends!(
    the_43_territorial_forces_are_there_with_their_policing_bodies,
    |app| async move {
        let res = app.get("/v1/forces").send().await;
        assert_eq!(res.status, 200);
        let body = res.json();
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 43);
        assert_eq!(body["next_cursor"], serde_json::Value::Null);
        let norfolk = app.get("/v1/forces/norfolk").send().await;
        assert_eq!(norfolk.status, 200);
        assert!(norfolk.header("etag").is_some());
        let n = norfolk.json();
        assert_eq!(n["name"], "Norfolk Constabulary");
        assert_eq!(n["country"], "england");
        assert_eq!(n["kind"], "territorial");
        assert_eq!(
            n["policing_body"],
            json!({"name": "Norfolk Police and Crime Commissioner", "kind": "pcc"})
        );
        let ny = app.get("/v1/forces/north-yorkshire").send().await.json();
        assert_eq!(
            ny["policing_body"]["name"],
            "Mayor of York and North Yorkshire"
        );
        assert_eq!(ny["governance"].as_array().unwrap().len(), 3);
        app.get("/v1/forces/atlantis")
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);

both_backends!(
    the_inspectorate_publishes_an_inspection_with_the_default_deadline,
    |app| async move {
        let created = app.create_inspection(json!({})).await;
        assert_eq!(created["section55_deadline"], "2025-07-11");
        assert_eq!(created["version"], 1);
        assert_eq!(created["scope"], json!({"all_forces": true, "forces": []}));
        let id = created["id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
        let res = app.get(&format!("/v1/inspections/{id}")).send().await;
        assert_eq!(res.status, 200);
        assert_eq!(res.etag(), "\"1\"");
        assert_eq!(
            res.json()["title"],
            "Improving the response to organised immigration crime"
        );
        let explicit = app
            .create_inspection(json!({"section55_deadline": "2025-07-10"}))
            .await;
        assert_eq!(explicit["section55_deadline"], "2025-07-10");
    }
);

both_backends!(
    only_the_inspectorate_and_admin_publish_inspections,
    |app| async move {
        let body =
            json!({"title": "T", "published_on": "2025-01-01", "scope": {"all_forces": true}});
        app.post("/v1/inspections")
            .json(body.clone())
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        for role in [
            Role::ForceViewer,
            Role::ForceEditor,
            Role::OpccEditor,
            Role::Analyst,
        ] {
            let t = app.token("u", &[role], &["norfolk"]);
            app.post("/v1/inspections")
                .token(&t)
                .json(body.clone())
                .send()
                .await
                .assert_problem(403, "forbidden");
        }
        let res = app
            .post("/v1/inspections")
            .token(&app.admin())
            .json(body)
            .send()
            .await;
        assert_eq!(res.status, 201);
        assert!(
            res.header("location")
                .unwrap()
                .starts_with("/v1/inspections/")
        );
    }
);

both_backends!(
    an_invalid_token_is_401_even_where_anonymous_callers_may_read,
    |app| async move {
        let res = app
            .get("/v1/forces")
            .header("authorization", "Bearer not.a.token")
            .send()
            .await;
        res.assert_problem(401, "unauthenticated");
        assert!(
            res.header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
        let res = app
            .get("/v1/forces")
            .header("authorization", "Basic abc")
            .send()
            .await;
        res.assert_problem(401, "unauthenticated");
        let gql = app
            .post("/graphql")
            .header("authorization", "Bearer x.y.z")
            .json(json!({"query": "{ forces { id } }"}))
            .send()
            .await;
        gql.assert_problem(401, "unauthenticated");
    }
);

both_backends!(
    bad_input_is_refused_with_the_field_named_and_changes_nothing,
    |app| async move {
        let t = app.inspectorate();
        let post = |body: &[u8]| {
            app.post("/v1/inspections")
                .token(&t)
                .header("content-type", "application/json")
                .raw(body)
                .send()
        };
        post(b"{not json").await.assert_problem(400, "bad_request");
        post(b"").await.assert_problem(400, "bad_request");
        let e =
            post(br#"{"title": "T", "published_on": "2025-02-30", "scope": {"all_forces": true}}"#)
                .await
                .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "published_on");
        let e = post(br#"{"title": 5, "published_on": "2025-02-01"}"#)
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "title");
        let e = post(br#"{"title": "T", "published_on": "2025-02-01", "colour": "red"}"#)
            .await
            .assert_problem(422, "validation_failed");
        assert!(
            e["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("colour")
        );
        let e = post(br#"{"title": " ", "published_on": "2025-02-01", "report_url": "javascript:alert(1)", "scope": {"forces": ["atlantis"]}}"#)
        .await
        .assert_problem(422, "validation_failed");
        let fields: Vec<&str> = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"title") && fields.contains(&"report_url"),
            "{fields:?}"
        );
        let e = post(
            br#"{"title": "T", "published_on": "2025-02-01", "scope": {"forces": ["atlantis"]}}"#,
        )
        .await
        .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "scope.forces[0]");
        let e = post(br#"{"title": "T", "published_on": "2025-02-01"}"#)
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "scope");
        let e = post(br#"{"title": "T", "published_on": "2025-02-01", "section55_deadline": "2025-01-01", "scope": {"all_forces": true}}"#)
        .await
        .assert_problem(422, "validation_failed");
        assert_eq!(e["errors"][0]["field"], "section55_deadline");
        let big = format!(
            r#"{{"title": "T", "published_on": "2025-02-01", "key_findings": "{}"}}"#,
            "x".repeat(1_100_000)
        );
        post(big.as_bytes())
            .await
            .assert_problem(413, "payload_too_large");
        app.get("/v1/inspections/not-a-uuid")
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get("/v1/inspections?published_from=yesterday")
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get("/v1/inspections?limit=ten")
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get("/v1/inspections?limit=0")
            .send()
            .await
            .assert_problem(422, "validation_failed");
        app.get("/v1/inspections?cursor=garbage")
            .send()
            .await
            .assert_problem(400, "bad_request");
        app.get("/v1/inspections?force=atlantis")
            .send()
            .await
            .assert_problem(422, "validation_failed");
        let list = app.get("/v1/inspections").send().await.json();
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            0,
            "nothing was written"
        );
    }
);

both_backends!(
    patching_an_inspection_needs_the_current_etag,
    |app| async move {
        let created = app.create_inspection(json!({})).await;
        let path = format!("/v1/inspections/{}", created["id"].as_str().unwrap());
        let t = app.inspectorate();
        app.patch(&path)
            .token(&t)
            .json(json!({"title": "New"}))
            .send()
            .await
            .assert_problem(428, "precondition_required");
        app.patch(&path)
            .token(&t)
            .if_match("\"7\"")
            .json(json!({"title": "New"}))
            .send()
            .await
            .assert_problem(412, "version_mismatch");
        let res = app
            .patch(&path)
            .token(&t)
            .if_match("\"1\"")
            .json(json!({"published_on": "2025-06-01"}))
            .send()
            .await;
        assert_eq!(res.status, 200, "{}", res.text());
        assert_eq!(res.etag(), "\"2\"");
        let body = res.json();
        assert_eq!(body["version"], 2);
        assert_eq!(
            body["section55_deadline"], "2025-07-27",
            "the default deadline follows publication"
        );
        // A write that changes nothing answers the current resource, unchanged.
        let same = app
            .patch(&path)
            .token(&t)
            .if_match("\"2\"")
            .json(json!({"published_on": "2025-06-01"}))
            .send()
            .await;
        assert_eq!(same.status, 200);
        assert_eq!(same.json()["version"], 2);
        // Access comes before preconditions: a force editor is forbidden whatever the ETag.
        let editor = app.token("e", &[Role::ForceEditor], &["norfolk"]);
        app.patch(&path)
            .token(&editor)
            .json(json!({"title": "x"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        app.patch(&path)
            .token(&t)
            .if_match("\"2\"")
            .json(json!({"title": ""}))
            .send()
            .await
            .assert_problem(422, "validation_failed");
        app.patch(&path)
            .token(&t)
            .if_match("\"2\"")
            .json(json!({"section55_deadline": "2025-07-01"}))
            .send()
            .await;
        let cleared = app
            .patch(&path)
            .token(&t)
            .if_match("\"3\"")
            .json(json!({"section55_deadline": null}))
            .send()
            .await
            .json();
        assert_eq!(cleared["section55_deadline"], "2025-07-27");
    }
);

both_backends!(
    an_embargoed_inspection_is_seen_only_by_the_inspectorate_and_admin,
    |app| async move {
        let ahead = (chrono::Utc::now().date_naive() + chrono::Duration::days(10))
            .format("%Y-%m-%d")
            .to_string();
        let created = app
            .create_inspection(json!({"published_on": ahead, "title": "Embargoed"}))
            .await;
        let id = created["id"].as_str().unwrap();
        let path = format!("/v1/inspections/{id}");
        app.get(&path).send().await.assert_problem(404, "not_found");
        for role in [Role::ForceViewer, Role::Analyst, Role::OpccEditor] {
            let t = app.token("u", &[role], &["norfolk"]);
            app.get(&path)
                .token(&t)
                .send()
                .await
                .assert_problem(404, "not_found");
            let list = app.get("/v1/inspections").token(&t).send().await.json();
            assert!(list["items"].as_array().unwrap().is_empty());
            app.get(&format!("{path}/items"))
                .token(&t)
                .send()
                .await
                .assert_problem(404, "not_found");
        }
        assert_eq!(
            app.get(&path)
                .token(&app.inspectorate())
                .send()
                .await
                .status,
            200
        );
        assert_eq!(app.get(&path).token(&app.admin()).send().await.status, 200);
        let list = app
            .get("/v1/inspections")
            .token(&app.admin())
            .send()
            .await
            .json();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
);

both_backends!(inspections_page_by_cursor_and_filter, |app| async move {
    for i in 0..25 {
        let day = format!("2024-01-{:02}", i + 1);
        let kind = if i % 2 == 0 {
            "PEEL"
        } else {
            "Serious and organised crime"
        };
        let scope = if i % 5 == 0 {
            json!({"forces": ["norfolk"]})
        } else {
            json!({"forces": ["kent"]})
        };
        app.create_inspection(json!({"published_on": day, "title": format!("Report {i}"), "publication_types": [kind], "scope": scope})).await;
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/inspections?limit=10&cursor={c}"),
            None => "/v1/inspections?limit=10".to_string(),
        };
        let page = app.get(&path).send().await.json();
        for i in page["items"].as_array().unwrap() {
            seen.push(i["published_on"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, no repeats");
    let default = app.get("/v1/inspections").send().await.json();
    assert_eq!(default["items"].as_array().unwrap().len(), 20);
    let clamped = app.get("/v1/inspections?limit=1000").send().await.json();
    assert_eq!(clamped["items"].as_array().unwrap().len(), 25);
    let peel = app
        .get("/v1/inspections?type=peel&limit=100")
        .send()
        .await
        .json();
    assert_eq!(peel["items"].as_array().unwrap().len(), 13);
    let norfolk = app.get("/v1/inspections?force=norfolk").send().await.json();
    assert_eq!(norfolk["items"].as_array().unwrap().len(), 5);
    let window = app
        .get("/v1/inspections?published_from=2024-01-05&published_to=2024-01-09")
        .send()
        .await
        .json();
    assert_eq!(window["items"].as_array().unwrap().len(), 5);
    let q = app.get("/v1/inspections?q=REPORT%2012").send().await.json();
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
    let wildcard = app.get("/v1/inspections?q=%25").send().await.json();
    assert_eq!(
        wildcard["items"].as_array().unwrap().len(),
        0,
        "LIKE wildcards are literal"
    );
});

both_backends!(items_are_added_listed_and_changed, |app| async move {
    let inspection = app.create_inspection(json!({})).await;
    let iid = inspection["id"].as_str().unwrap();
    app.create_item(iid, json!({"number": 4})).await;
    app.create_item(iid, json!({"number": 2})).await;
    app.create_item(iid, json!({"kind": "area_for_improvement", "number": 1, "addressees": {"policing_bodies": true}})).await;
    let other = app.create_item(iid, json!({"number": 1, "addressees": {"other_bodies": ["National Crime Agency"]}, "due_on": null})).await;
    assert_eq!(
        other["addressees"],
        json!({"chief_constables": false, "policing_bodies": false, "forces": [], "other_bodies": ["National Crime Agency"]})
    );
    let dup = app.post(&format!("/v1/inspections/{iid}/items")).token(&app.inspectorate())
        .json(json!({"kind": "recommendation", "number": 2, "text": "again", "addressees": {"chief_constables": true}}))
        .send().await;
    dup.assert_problem(409, "conflict");
    let e = app
        .post(&format!("/v1/inspections/{iid}/items"))
        .token(&app.inspectorate())
        .json(json!({"kind": "recommendation", "number": 0, "text": "", "addressees": {}}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(e["errors"].as_array().unwrap().len(), 3);
    let e = app
        .post(&format!("/v1/inspections/{iid}/items"))
        .token(&app.inspectorate())
        .json(json!({"kind": "suggestion", "number": 1, "text": "x"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "kind");
    let list = app
        .get(&format!("/v1/inspections/{iid}/items"))
        .send()
        .await
        .json();
    let order: Vec<(String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["number"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("recommendation".into(), 1),
            ("recommendation".into(), 2),
            ("recommendation".into(), 4),
            ("area_for_improvement".into(), 1)
        ]
    );
    let page = app
        .get(&format!("/v1/inspections/{iid}/items?limit=2"))
        .send()
        .await
        .json();
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!(
            "/v1/inspections/{iid}/items?limit=2&cursor={next}"
        ))
        .send()
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next_cursor"].is_null());
    let afi = app
        .get(&format!(
            "/v1/inspections/{iid}/items?kind=area_for_improvement"
        ))
        .send()
        .await
        .json();
    assert_eq!(afi["items"].as_array().unwrap().len(), 1);
    let item_path = format!("/v1/items/{}", other["id"].as_str().unwrap());
    assert_eq!(app.get(&item_path).send().await.status, 200);
    let changed = app
        .patch(&item_path)
        .token(&app.inspectorate())
        .if_match("\"1\"")
        .json(json!({"text": "Changed", "due_on": "2026-01-31"}))
        .send()
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["due_on"], "2026-01-31");
    assert_eq!(changed.etag(), "\"2\"");
    app.patch(&item_path)
        .token(&app.inspectorate())
        .if_match("\"2\"")
        .json(json!({"number": 2}))
        .send()
        .await
        .assert_problem(409, "conflict");
    let kent_only = app
        .create_inspection(json!({"scope": {"forces": ["kent"]}}))
        .await;
    let e = app.post(&format!("/v1/inspections/{}/items", kent_only["id"].as_str().unwrap())).token(&app.inspectorate())
        .json(json!({"kind": "recommendation", "number": 1, "text": "x", "addressees": {"forces": ["norfolk"]}}))
        .send().await.assert_problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "addressees.forces[0]");
});

both_backends!(
    graphql_reads_forces_inspections_and_items,
    |app| async move {
        let inspection = app.create_inspection(json!({})).await;
        let iid = inspection["id"].as_str().unwrap();
        app.create_item(iid, json!({"number": 2})).await;
        app.create_item(iid, json!({"number": 4})).await;
        let res = app.gql(None, r#"{ forces { id name policingBody { name kind } }
        inspections(first: 5) { edges { cursor node { id title publishedOn section55Deadline scope { allForces }
            items(first: 10) { edges { node { kind number addressees { chiefConstables } dueOn } } } } }
            pageInfo { hasNextPage } } }"#, json!({})).await;
        assert!(res["errors"].is_null(), "{res}");
        assert_eq!(res["data"]["forces"].as_array().unwrap().len(), 43);
        let node = &res["data"]["inspections"]["edges"][0]["node"];
        assert_eq!(node["section55Deadline"], "2025-07-11");
        assert_eq!(node["items"]["edges"].as_array().unwrap().len(), 2);
        assert_eq!(node["items"]["edges"][0]["node"]["kind"], "RECOMMENDATION");
        let one = app
            .gql(
                None,
                "query($id: ID!) { inspection(id: $id) { title } }",
                json!({"id": iid}),
            )
            .await;
        assert_eq!(one["data"]["inspection"]["title"], inspection["title"]);
        let missing = app
            .gql(
                None,
                "query($id: ID!) { inspection(id: $id) { title } }",
                json!({"id": uuid::Uuid::now_v7().to_string()}),
            )
            .await;
        assert!(missing["data"]["inspection"].is_null());
        assert_eq!(missing["errors"][0]["extensions"]["code"], "not_found");
    }
);

both_backends!(graphql_mutations_apply_the_same_rules, |app| async move {
    let q = r#"mutation($input: NewInspectionInput!) { createInspection(input: $input) { id version section55Deadline } }"#;
    let input = json!({"input": {"title": "Thematic", "publishedOn": "2025-05-16", "scope": {"allForces": true}}});
    let editor = app.token("e", &[Role::ForceEditor], &["norfolk"]);
    let denied = app.gql(Some(&editor), q, input.clone()).await;
    assert_eq!(denied["errors"][0]["extensions"]["code"], "forbidden");
    let anon = app.gql(None, q, input.clone()).await;
    assert_eq!(anon["errors"][0]["extensions"]["code"], "unauthenticated");
    let ok = app.gql(Some(&app.inspectorate()), q, input).await;
    assert!(ok["errors"].is_null(), "{ok}");
    let id = ok["data"]["createInspection"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ok["data"]["createInspection"]["section55Deadline"],
        "2025-07-11"
    );
    let u = r#"mutation($id: ID!, $v: Int!) { updateInspection(id: $id, expectedVersion: $v, input: {title: "Renamed"}) { title version } }"#;
    let stale = app
        .gql(Some(&app.inspectorate()), u, json!({"id": id, "v": 9}))
        .await;
    assert_eq!(stale["errors"][0]["extensions"]["code"], "version_mismatch");
    let fresh = app
        .gql(Some(&app.inspectorate()), u, json!({"id": id, "v": 1}))
        .await;
    assert_eq!(fresh["data"]["updateInspection"]["version"], 2);
    let item = r#"mutation($id: ID!) { createItem(inspectionId: $id, input: {kind: RECOMMENDATION, number: 1, text: "Do it", addressees: {chiefConstables: true}}) { number } }"#;
    let created = app
        .gql(Some(&app.inspectorate()), item, json!({"id": id}))
        .await;
    assert_eq!(created["data"]["createItem"]["number"], 1, "{created}");
    let invalid = app.gql(Some(&app.inspectorate()), r#"mutation($id: ID!) { createItem(inspectionId: $id, input: {kind: RECOMMENDATION, number: 3, text: "", addressees: {}}) { number } }"#, json!({"id": id})).await;
    assert_eq!(
        invalid["errors"][0]["extensions"]["code"],
        "validation_failed"
    );
});

both_backends!(
    graphql_refuses_queries_that_are_too_deep_or_costly,
    |app| async move {
        let costly = "{ inspections(first: 100) { edges { node { items(first: 100) { edges { node { text responses(first: 100) { edges { node { forceId } } } } } } } } } }";
        let res = app.gql(None, costly, json!({})).await;
        assert!(
            res["errors"][0]["message"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("complex"),
            "{res}"
        );
        let batch: Vec<_> = (0..11)
            .map(|_| json!({"query": "{ forces { id } }"}))
            .collect();
        app.post("/graphql")
            .json(serde_json::Value::Array(batch))
            .send()
            .await
            .assert_problem(400, "bad_request");
        let page = app.get("/graphql").send().await;
        assert_eq!(page.status, 200);
        assert!(page.text().contains("graphiql"));
        assert!(
            page.header("content-security-policy")
                .unwrap()
                .contains("script-src 'self'")
        );
        let js = app.get("/graphiql/graphiql.min.js").send().await;
        assert_eq!(js.status, 200);
        assert!(js.body.len() > 100_000);
        // GraphiQL opens on an example of Oversight's own, which runs for anyone as written.
        let start = app.get("/graphiql/start.js").send().await.text();
        assert!(start.contains("/graphiql/example.graphql"), "{start}");
        let example = app.get("/graphiql/example.graphql").send().await;
        assert_eq!(example.status, 200);
        let answer = app.gql(None, &example.text(), json!({})).await;
        assert!(answer["errors"].is_null(), "{answer}");
        assert!(
            answer["data"]["inspections"]["edges"].is_array(),
            "{answer}"
        );
        assert_eq!(
            answer["data"]["force"]["name"], "Norfolk Constabulary",
            "{answer}"
        );
        app.get("/graphiql/..%2Fsecret")
            .send()
            .await
            .assert_problem(404, "not_found");
    }
);

both_backends!(operations_endpoints_answer, |app| async move {
    assert_eq!(app.get("/healthz").send().await.status, 200);
    assert_eq!(app.get("/readyz").send().await.status, 200);
    let res = app
        .get("/v1/forces")
        .header("x-request-id", "abc-123")
        .send()
        .await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("abc-123"));
    let made = app.get("/v1/forces").send().await;
    assert!(made.header("x-request-id").is_some());
    let metrics = app.get("/metrics").peer("127.0.0.1:9").send().await.text();
    assert!(
        metrics.contains(
            "oversight_http_requests_total{method=\"GET\",route=\"/v1/forces\",status=\"200\"}"
        ),
        "{metrics}"
    );
    // Metrics are for a scraper on the host: not for other addresses, nor through a proxy.
    for (peer, forwarded) in [
        ("203.0.113.5:1", None),
        ("127.0.0.1:9", Some("203.0.113.5")),
    ] {
        let mut req = app.get("/metrics").peer(peer);
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        req.send().await.assert_problem(404, "not_found");
    }
    let openapi = app.get("/openapi.yaml").send().await.text();
    assert!(openapi.starts_with("openapi: 3.1"));
    app.req(actix_web::http::Method::DELETE, "/v1/forces")
        .send()
        .await
        .assert_problem(404, "not_found");
});

both_backends!(
    every_write_is_audited_in_its_transaction,
    |app| async move {
        use diesel::prelude::*;
        use oversight::db::schema::audit_events;
        let created = app.create_inspection(json!({})).await;
        let iid = created["id"].as_str().unwrap().to_string();
        app.create_item(&iid, json!({})).await;
        app.patch(&format!("/v1/inspections/{iid}"))
            .token(&app.inspectorate())
            .if_match("\"1\"")
            .json(json!({"title": "Renamed"}))
            .send()
            .await;
        let rows: Vec<(String, String, String)> = app
            .db()
            .run(|conn| {
                Ok(audit_events::table
                    .order(audit_events::id)
                    .select((
                        audit_events::entity,
                        audit_events::action,
                        audit_events::actor,
                    ))
                    .load(conn)?)
            })
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("inspection".into(), "create".into(), "hmicfrs-1".into()),
                ("item".into(), "create".into(), "hmicfrs-1".into()),
                ("inspection".into(), "update".into(), "hmicfrs-1".into()),
            ]
        );
    }
);

both_backends!(
    callers_over_the_rate_limit_get_429_with_retry_after,
    |base| async move {
        let app = base.like(|c| c.rate_limit = 3).await;
        let token = app.admin();
        for _ in 0..3 {
            assert_eq!(
                app.get("/v1/forces/norfolk")
                    .token(&token)
                    .send()
                    .await
                    .status,
                200
            );
        }
        let limited = app.get("/v1/forces/norfolk").token(&token).send().await;
        limited.assert_problem(429, "rate_limited");
        assert_eq!(limited.header("retry-after").as_deref(), Some("1"));
        // Another token has a bucket of its own; health checks are never limited.
        assert_eq!(
            app.get("/v1/forces/norfolk")
                .token(&app.inspectorate())
                .send()
                .await
                .status,
            200
        );
        assert_eq!(app.get("/healthz").send().await.status, 200);
    }
);

both_backends!(admin_keeps_forces_and_their_governance, |app| async move {
    let body = json!({"name": "British Transport Police", "country": "united_kingdom", "kind": "british_transport_police"});
    app.put("/v1/forces/british-transport-police")
        .json(body.clone())
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.put("/v1/forces/british-transport-police")
        .token(&app.inspectorate())
        .json(body.clone())
        .send()
        .await
        .assert_problem(403, "forbidden");
    let created = app
        .put("/v1/forces/british-transport-police")
        .token(&app.admin())
        .json(body.clone())
        .send()
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["kind"], "british_transport_police");
    // A force without a policing body is read whole, by itself and in the list.
    let btp = app
        .get("/v1/forces/british-transport-police")
        .send()
        .await
        .json();
    assert_eq!(btp["policing_body"], Value::Null);
    assert_eq!(btp["governance"], json!([]));
    let listed = app.get("/v1/forces").send().await.json();
    let listed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "british-transport-police")
        .unwrap();
    assert_eq!(listed["governance"], json!([]));
    app.put("/v1/forces/british-transport-police")
        .token(&app.admin())
        .json(body.clone())
        .send()
        .await
        .assert_problem(428, "precondition_required");
    let e = app
        .put("/v1/forces/Not_A_Slug")
        .token(&app.admin())
        .json(body.clone())
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "force");
    let e = app
        .put("/v1/forces/x")
        .token(&app.admin())
        .json(json!({"name": "X", "country": "france", "kind": "other"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(e["errors"][0]["field"], "country");
    assert_eq!(
        app.get("/v1/forces").send().await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        44
    );
    // A national inspection does not cover a non-territorial force unless it is named.
    let national = app.create_inspection(json!({})).await;
    let wl = app
        .get("/v1/forces/british-transport-police/inspections")
        .send()
        .await
        .json();
    assert!(wl["items"].as_array().unwrap().is_empty());
    let named = app
        .create_inspection(
            json!({"scope": {"all_forces": true, "forces": ["british-transport-police"]}}),
        )
        .await;
    let wl = app
        .get("/v1/forces/british-transport-police/inspections")
        .send()
        .await
        .json();
    assert_eq!(wl["items"][0]["inspection"]["id"], named["id"]);
    assert_ne!(wl["items"][0]["inspection"]["id"], national["id"]);
    // Governance: the new body answers from its first day; the old one stops the day before.
    let g = json!({"name": "Norfolk Police, Fire and Crime Commissioner", "kind": "pfcc", "valid_from": "2026-05-07"});
    app.post("/v1/forces/norfolk/governance")
        .token(&app.editor("norfolk"))
        .json(g.clone())
        .send()
        .await
        .assert_problem(403, "forbidden");
    let changed = app
        .post("/v1/forces/norfolk/governance")
        .token(&app.admin())
        .json(g.clone())
        .send()
        .await;
    assert_eq!(changed.status, 201, "{}", changed.text());
    let gov = changed.json()["governance"].clone();
    assert_eq!(gov[0]["valid_to"], "2026-05-06");
    assert_eq!(
        gov[1]["name"],
        "Norfolk Police, Fire and Crime Commissioner"
    );
    app.post("/v1/forces/norfolk/governance")
        .token(&app.admin())
        .json(json!({"name": "Earlier", "kind": "pcc", "valid_from": "2020-01-01"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    app.post("/v1/forces/atlantis/governance")
        .token(&app.admin())
        .json(g)
        .send()
        .await
        .assert_problem(404, "not_found");
});
