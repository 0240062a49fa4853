//! A property of the whole service: for a random sequence of writes by several forces,
//! nothing an outsider reads — REST, GraphQL, the Section 55 document, the change feed, CSV
//! exports, the deliveries of their webhooks — holds text that has only ever existed in a draft,
//! and no webhook is sent an event its creator's feed does not show. Outsiders: an anonymous
//! caller, a national analyst, and another force's viewer. Actions fall due in the past, so
//! the reminders of drafts are in the feed too. On SQLite and on PostgreSQL, with several
//! seeds.

mod common;

use std::collections::{HashMap, HashSet};

use common::{Fixture, TestApp};
use serde_json::{Value, json};

const FORCES: [&str; 3] = ["norfolk", "suffolk", "kent"];

/// A small deterministic generator (xorshift), so a failing seed can be run again.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What the model knows of one force's work: which texts stand now, and whether its
/// chief constable's response is submitted (which makes all its work readable nationally).
#[derive(Default)]
struct Work {
    submitted: bool,
    published: bool,
    /// Texts that make up the force's work now (a later write replaces some).
    current_force: HashMap<String, String>,
    pcc_comments: Option<String>,
    actions: Vec<String>,
    /// Every text of the force's work written so far (appended notes stay).
    all_force: Vec<String>,
}

struct Model {
    work: HashMap<&'static str, Work>,
    /// Texts that have been readable outside the force at some moment.
    exposed: HashSet<String>,
    /// Every text written.
    written: Vec<String>,
}

impl Model {
    fn expose_force_work(&mut self, force: &str) {
        let w = &self.work[force];
        let texts: Vec<String> = w
            .current_force
            .values()
            .cloned()
            .chain(w.all_force.iter().cloned())
            .collect();
        self.exposed.extend(texts);
    }

    /// Texts no outsider may ever read.
    fn secrets(&self) -> Vec<&String> {
        self.written
            .iter()
            .filter(|t| !self.exposed.contains(*t))
            .collect()
    }
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> common::Res {
    let exists = app.get(path).token(token).send().await.status == 200;
    let mut req = app.put(path).token(token);
    if exists {
        req = req.if_match("*");
    }
    req.json(body).send().await
}

/// One random write; answers a label for the failure message.
async fn step(app: &TestApp, f: &Fixture, model: &mut Model, rng: &mut Rng, n: usize) -> String {
    let force = FORCES[rng.below(FORCES.len() as u64) as usize];
    let text = format!("SECRET-{n:03}-{force}");
    let editor = app.editor(force);
    let opcc = app.opcc(force);
    let base = format!("/v1/forces/{force}");
    let kind = rng.below(8);
    let (label, ok, force_work) = match kind {
        0 | 1 => {
            let submit = kind == 1 && rng.below(2) == 0;
            let mut body = json!({"comments": text});
            if submit {
                body["status"] = json!("submitted");
            }
            let res = put(
                app,
                &format!("{base}/inspections/{}/response", f.inspection),
                &editor,
                body,
            )
            .await;
            model
                .work
                .get_mut(force)
                .unwrap()
                .current_force
                .insert("cc".into(), text.clone());
            if submit && res.status.is_success() {
                model.work.get_mut(force).unwrap().submitted = true;
            }
            ("force response", res.status.is_success(), true)
        }
        2 => {
            let res = put(
                app,
                &format!("{base}/items/{}/response", f.rec),
                &editor,
                json!({"acceptance": "accepted", "response": text}),
            )
            .await;
            model
                .work
                .get_mut(force)
                .unwrap()
                .current_force
                .insert("rec".into(), text.clone());
            ("recommendation answer", res.status.is_success(), true)
        }
        3 => {
            let res = put(
                app,
                &format!("{base}/items/{}/response", f.afi),
                &opcc,
                json!({"acceptance": "partially_accepted", "response": text}),
            )
            .await;
            model
                .work
                .get_mut(force)
                .unwrap()
                .current_force
                .insert("afi".into(), text.clone());
            ("policing body answer", res.status.is_success(), true)
        }
        4 => {
            let res = app
                .post(&format!("{base}/items/{}/actions", f.rec))
                .token(&editor)
                .json(json!({"title": text, "owner": format!("{text}-owner"), "due_on": "2025-06-01"}))
                .send()
                .await;
            if res.status.is_success() {
                let id = res.json()["id"].as_str().unwrap().to_string();
                model.work.get_mut(force).unwrap().actions.push(id);
                model
                    .work
                    .get_mut(force)
                    .unwrap()
                    .all_force
                    .push(format!("{text}-owner"));
                model.written.push(format!("{text}-owner"));
            }
            ("action", res.status.is_success(), true)
        }
        5 => {
            let actions = model.work[force].actions.clone();
            if actions.is_empty() {
                return "nothing".into();
            }
            let id = &actions[rng.below(actions.len() as u64) as usize];
            let res = app
                .post(&format!("{base}/actions/{id}/updates"))
                .token(&editor)
                .json(json!({"note": text}))
                .send()
                .await;
            ("progress update", res.status.is_success(), true)
        }
        6 => {
            let res = put(
                app,
                &format!("{base}/inspections/{}/pcc-response", f.inspection),
                &opcc,
                json!({"comments": text}),
            )
            .await;
            let w = model.work.get_mut(force).unwrap();
            w.pcc_comments = Some(text.clone());
            // Once published, a change of the comments is published at once, as a revision.
            if w.published {
                model.exposed.insert(text.clone());
            }
            ("PCC comments", res.status.is_success(), false)
        }
        _ => {
            let res = app
                .post(&format!(
                    "{base}/inspections/{}/pcc-response/publish",
                    f.inspection
                ))
                .token(&opcc)
                .send()
                .await;
            if res.status.is_success() {
                let w = model.work.get_mut(force).unwrap();
                w.published = true;
                if let Some(c) = w.pcc_comments.clone() {
                    model.exposed.insert(c);
                }
            }
            // 404 (nothing written yet) and 422 (an unanswered recommendation) are fine.
            return format!("{n}: publish {force} -> {}", res.status);
        }
    };
    if ok {
        model.written.push(text.clone());
        if force_work {
            model
                .work
                .get_mut(force)
                .unwrap()
                .all_force
                .push(text.clone());
        }
        if model.work[force].submitted {
            model.expose_force_work(force);
        }
    }
    format!(
        "{n}: {label} by {force} ({})",
        if ok { "written" } else { "refused" }
    )
}

/// Everything an outsider can read about the fixture, as text.
async fn outsider_reads(app: &TestApp, f: &Fixture, token: Option<&str>) -> Vec<(String, String)> {
    let mut out = vec![];
    let get = |path: String, accept: &'static str| {
        let app = &app;
        async move {
            let res = app
                .get(&path)
                .maybe_token(token)
                .header("accept", accept)
                .send()
                .await;
            assert!(res.status.as_u16() < 500, "{path}: {}", res.text());
            (format!("{path} ({accept})"), res.text())
        }
    };
    let mut paths = vec![
        ("/v1/events?limit=100".to_string(), "application/json"),
        (
            format!("/v1/inspections/{}/items", f.inspection),
            "application/json",
        ),
        (
            "/v1/item-responses?limit=100".to_string(),
            "application/json",
        ),
        ("/v1/item-responses?limit=100".to_string(), "text/csv"),
        ("/v1/actions?limit=100".to_string(), "application/json"),
        ("/v1/actions?limit=100".to_string(), "text/csv"),
        ("/v1/inspections".to_string(), "text/csv"),
    ];
    for force in FORCES {
        let i = &f.inspection;
        paths.extend([
            (
                format!("/v1/forces/{force}/inspections"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/response"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/items/{}/response", f.rec),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/items/{}/response", f.afi),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/items/{}/actions", f.rec),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/pcc-response"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/pcc-response/revisions"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/section55"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/section55"),
                "text/markdown",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/section55"),
                "text/html",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/section55?revision=1"),
                "application/json",
            ),
            (
                format!("/v1/forces/{force}/inspections/{i}/section55?preview=true"),
                "application/json",
            ),
        ]);
    }
    for (path, accept) in paths {
        out.push(get(path, accept).await);
    }
    let query = r#"query($i: ID!) {
      inspection(id: $i) {
        n: forceResponse(forceId: "norfolk") { comments } s: forceResponse(forceId: "suffolk") { comments }
        k: forceResponse(forceId: "kent") { comments }
        pn: pccResponse(forceId: "norfolk") { comments } ps: pccResponse(forceId: "suffolk") { comments }
        pk: pccResponse(forceId: "kent") { comments }
        items { edges { node { responses { edges { node { forceId response
          actions { edges { node { title owner updates { note } } } } } } } } } }
      }
      forces { id inspections { edges { node { responseStatus pccResponseStatus } } } }
    }"#;
    let answer = app.gql_text(token, query, json!({"i": f.inspection})).await;
    out.push(("GraphQL".into(), answer));
    out
}

async fn run(app: TestApp, seed: u64) {
    let f = app.fixture().await;
    let mut rng = Rng(seed);
    let mut model = Model {
        work: FORCES.iter().map(|f| (*f, Work::default())).collect(),
        exposed: HashSet::new(),
        written: vec![],
    };
    let outsiders = [
        ("anonymous", None),
        ("analyst", Some(app.analyst())),
        ("essex viewer", Some(app.viewer("essex"))),
    ];
    let rx = common::receiver::Receiver::start();
    for (who, token) in &outsiders {
        if let Some(token) = token {
            let res = app
                .post("/v1/webhooks")
                .token(token)
                .json(json!({"url": rx.url(&format!("/{}", who.replace(' ', "-")))}))
                .send()
                .await;
            assert_eq!(res.status, 201, "{}", res.text());
        }
    }
    let mut log = vec![];
    let mut reads = 0;
    let mut deliveries = 0;
    for n in 0..60 {
        log.push(step(&app, &f, &mut model, &mut rng, n).await);
        if n % 15 == 14 {
            oversight::jobs::remind(&app.state).await.unwrap();
            while oversight::delivery::pass(&app.state, oversight::types::now())
                .await
                .unwrap()
                .claimed
                > 0
            {}
            let secrets = model.secrets();
            for (who, token) in &outsiders {
                let Some(token) = token else { continue };
                let feed = Value::Array(app.whole_feed(Some(token)).await).to_string();
                let path = format!("/{}", who.replace(' ', "-"));
                for r in rx.received().iter().filter(|r| r.path == path) {
                    deliveries += 1;
                    let cursor = r.json()["data"]["cursor"].as_str().unwrap().to_string();
                    assert!(
                        feed.contains(&cursor),
                        "seed {seed}: {who}'s webhook was sent {} which its feed does not show",
                        r.body
                    );
                    for s in &secrets {
                        assert!(
                            !r.body.contains(s.as_str()),
                            "seed {seed}: {who}'s webhook got {s}"
                        );
                    }
                }
            }
            for (who, token) in &outsiders {
                for (what, text) in outsider_reads(&app, &f, token.as_deref()).await {
                    reads += 1;
                    for s in &secrets {
                        assert!(
                            !text.contains(s.as_str()),
                            "seed {seed}: {what} as {who} shows draft text {s}\nsteps:\n{}",
                            log.join("\n")
                        );
                    }
                }
            }
        }
    }
    assert!(
        !model.secrets().is_empty(),
        "seed {seed}: the sequence left no draft to hide"
    );
    eprintln!(
        "{} seed {seed}: {} texts written, {} never readable outside their force, {reads} outsider reads and {deliveries} webhook deliveries checked",
        app.backend_name,
        model.written.len(),
        model.secrets().len()
    );
}

both_backends!(no_outsider_ever_reads_draft_text_seed_1, |app| run(
    app,
    0x9e37_79b9_7f4a_7c15
));
both_backends!(no_outsider_ever_reads_draft_text_seed_2, |app| run(
    app,
    0x2545_f491_4f6c_dd1d
));
both_backends!(no_outsider_ever_reads_draft_text_seed_3, |app| run(
    app,
    0x1234_5678_9abc_def1
));
