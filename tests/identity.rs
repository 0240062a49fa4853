//! Federated identity: Oversight trusting two force identity providers and a national one
//! (`OVERSIGHT_TRUST_FILE`), each serving OpenID discovery and a JWKS from a server in the
//! test, on loopback. Bounds, key selection, rotation, outages and claim rules, through HTTP
//! and GraphQL, on SQLite and on PostgreSQL.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use common::TestApp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn jwk(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{KEYS}/{name}.jwk.json")).unwrap())
        .unwrap()
}

/// What the in-test provider serves, changed as the test goes.
#[derive(Default)]
struct Served {
    /// Issuer path (`ns`) → its JWKS keys.
    keys: HashMap<String, Vec<Value>>,
    down: bool,
    /// JWKS requests answered, per issuer path.
    fetches: HashMap<String, usize>,
}

/// Identity providers at `http://127.0.0.1:{port}/{name}`: discovery and JWKS.
struct Provider {
    port: u16,
    served: Arc<Mutex<Served>>,
    handle: Option<actix_web::dev::ServerHandle>,
}

impl Provider {
    fn new(port: u16) -> Provider {
        Provider {
            port,
            served: Arc::default(),
            handle: None,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn iss(&self, name: &str) -> String {
        format!("{}/{name}", self.base())
    }

    fn set_keys(&self, issuer: &str, keys: Vec<Value>) {
        self.served.lock().unwrap().keys.insert(issuer.into(), keys);
    }

    fn set_down(&self, down: bool) {
        self.served.lock().unwrap().down = down;
    }

    fn fetches(&self, issuer: &str) -> usize {
        self.served
            .lock()
            .unwrap()
            .fetches
            .get(issuer)
            .copied()
            .unwrap_or(0)
    }

    fn start(&mut self) {
        let served = self.served.clone();
        let base = self.base();
        let server = HttpServer::new(move || {
            let served = served.clone();
            let base = base.clone();
            App::new().route(
                "/{issuer}/{rest:.*}",
                web::get().to(move |path: web::Path<(String, String)>| {
                    let served = served.clone();
                    let base = base.clone();
                    async move {
                        let (issuer, rest) = path.into_inner();
                        let mut s = served.lock().unwrap();
                        if s.down {
                            return HttpResponse::ServiceUnavailable().finish();
                        }
                        match rest.as_str() {
                            ".well-known/openid-configuration" => HttpResponse::Ok().json(json!({
                                "issuer": format!("{base}/{issuer}"),
                                "jwks_uri": format!("{base}/{issuer}/keys"),
                            })),
                            "keys" => {
                                *s.fetches.entry(issuer.clone()).or_default() += 1;
                                let keys = s.keys.get(&issuer).cloned().unwrap_or_default();
                                HttpResponse::Ok()
                                    .insert_header(("cache-control", "public, max-age=3600"))
                                    .json(json!({ "keys": keys }))
                            }
                            _ => HttpResponse::NotFound().finish(),
                        }
                    }
                }),
            )
        })
        .workers(1)
        .bind(("127.0.0.1", self.port))
        .unwrap()
        .run();
        self.handle = Some(server.handle());
        actix_rt::spawn(server);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            drop(h.stop(false));
        }
    }
}

/// The trust file: Norfolk and Suffolk's provider (RS256), Kent's (ES256) and the national
/// one (RS256, any force), all found by discovery over http on loopback.
fn trust_file(p: &Provider) -> std::path::PathBuf {
    let dir = common::temp_dir("oversight-trust");
    let path = dir.join("trust.toml");
    let text = format!(
        r#"
[[issuer]]
name = "norfolk-suffolk"
issuer = "{ns}"
audiences = ["api://oversight"]
algorithms = ["RS256"]
forces = ["norfolk", "suffolk"]
roles = ["force_viewer", "force_editor", "opcc_editor"]
forces_claim = "ext.forces"
allow_http = true

[[issuer]]
name = "kent"
issuer = "{kent}"
audiences = ["api://oversight"]
algorithms = ["ES256"]
forces = ["kent"]
roles = ["force_viewer", "force_editor"]
allow_http = true

[[issuer]]
name = "national"
issuer = "{national}"
audiences = ["api://oversight", "https://oversight.example"]
algorithms = ["RS256"]
forces = ["*"]
roles = ["analyst", "inspectorate", "admin"]
max_lifetime_secs = 3600
allow_http = true
"#,
        ns = p.iss("ns"),
        kent = p.iss("kent"),
        national = p.iss("national"),
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn now() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

/// A token signed with a test key.
fn token(private: &str, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let pem = std::fs::read(format!("{KEYS}/{private}")).unwrap();
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn claims(iss: &str, sub: &str, roles: &[&str], forces: Value) -> Value {
    json!({"iss": iss, "sub": sub, "aud": "api://oversight", "iat": now(), "exp": now() + 600,
        "roles": roles, "ext": {"forces": forces.clone()}, "forces": forces})
}

/// Oversight on a fresh database of `app`'s backend, trusting the providers of `p`.
async fn trusting(app: &TestApp, p: &Provider) -> TestApp {
    let path = trust_file(p).to_string_lossy().into_owned();
    app.like(move |c| c.trust_file = Some(path)).await
}

fn detail(res: &common::Res) -> String {
    res.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Asks until the answer is not 401, for at most a few seconds (keys being fetched).
async fn eventually_ok(app: &TestApp, path: &str, token: &str) -> common::Res {
    for _ in 0..60 {
        let res = app.get(path).token(token).send().await;
        if res.status != 401 {
            return res;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    app.get(path).token(token).send().await
}

both_backends!(
    each_issuer_grants_only_what_the_trust_file_allows,
    |app| async move {
        let mut p = Provider::new(common::free_port());
        p.set_keys("ns", vec![jwk("rsa-public")]);
        p.set_keys("kent", vec![jwk("ec-public")]);
        p.set_keys("national", vec![jwk("rsa2-public")]);
        p.start();
        let fed = trusting(&app, &p).await;
        let f = fed
            .fixture_as(&token(
                "rsa2-private.pem",
                Algorithm::RS256,
                Some("rsa-2"),
                &claims(
                    &p.iss("national"),
                    "hmicfrs-1",
                    &["inspectorate"],
                    json!([]),
                ),
            ))
            .await;
        let ns = |sub: &str, roles: &[&str], forces: Value| {
            token(
                "rsa-private.pem",
                Algorithm::RS256,
                Some("rsa-1"),
                &claims(&p.iss("ns"), sub, roles, forces),
            )
        };
        // A Suffolk editor of the joint provider writes Suffolk's response; the audit names
        // the issuer with the subject.
        let editor = ns("jo", &["force_editor"], json!(["suffolk"]));
        let put = eventually_ok(
            &fed,
            &format!("/v1/forces/suffolk/inspections/{}/response", f.inspection),
            &editor,
        )
        .await;
        assert_eq!(put.status, 404, "nothing written yet: {}", put.text());
        let res = fed
            .put(&format!(
                "/v1/forces/suffolk/inspections/{}/response",
                f.inspection
            ))
            .token(&editor)
            .json(json!({"comments": "From the joint provider."}))
            .send()
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let audit = fed
            .get("/v1/audit?force=suffolk")
            .token(&editor)
            .send()
            .await
            .json();
        assert_eq!(audit["items"][0]["actor"], "norfolk-suffolk:jo", "{audit}");
        // Beyond its bounds: another force, or a national role. Refused, never trimmed.
        for (bad, reason) in [
            (
                ns("jo", &["force_editor"], json!(["suffolk", "kent"])),
                "the force kent",
            ),
            (
                ns("jo", &["force_editor", "admin"], json!(["suffolk"])),
                "the role admin",
            ),
            (ns("jo", &["analyst"], json!([])), "the role analyst"),
        ] {
            let res = fed.get("/v1/forces").token(&bad).send().await;
            res.assert_problem(401, "unauthenticated");
            assert!(detail(&res).contains(reason), "{}", detail(&res));
            assert!(detail(&res).contains("norfolk-suffolk"), "{}", detail(&res));
        }
        // Kent's provider signs ES256; the national one grants national roles and any force.
        let kent = token(
            "ec-private.pem",
            Algorithm::ES256,
            Some("ec-1"),
            &claims(&p.iss("kent"), "k1", &["force_viewer"], json!(["kent"])),
        );
        assert_eq!(
            eventually_ok(&fed, "/v1/forces/kent/inspections", &kent)
                .await
                .status,
            200
        );
        let analyst = token(
            "rsa2-private.pem",
            Algorithm::RS256,
            Some("rsa-2"),
            &claims(&p.iss("national"), "a1", &["analyst"], json!([])),
        );
        assert_eq!(
            fed.get("/v1/compliance/section55")
                .token(&analyst)
                .send()
                .await
                .status,
            200
        );
        let gql = fed
            .gql(
                Some(&analyst),
                "{ section55Compliance { forceId } }",
                json!({}),
            )
            .await;
        assert!(gql["errors"].is_null(), "{gql}");
        // A key of another issuer under this issuer's iss: that issuer's keys alone decide.
        let crossed = token(
            "rsa2-private.pem",
            Algorithm::RS256,
            Some("rsa-2"),
            &claims(&p.iss("ns"), "jo", &["force_editor"], json!(["suffolk"])),
        );
        let res = fed.get("/v1/forces").token(&crossed).send().await;
        res.assert_problem(401, "unauthenticated");
        assert!(detail(&res).contains("signing key"), "{}", detail(&res));
        let unkeyed = token(
            "rsa2-private.pem",
            Algorithm::RS256,
            Some("rsa-1"),
            &claims(&p.iss("ns"), "jo", &["force_editor"], json!(["suffolk"])),
        );
        fed.get("/v1/forces")
            .token(&unkeyed)
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        // An algorithm the issuer does not use; HS256 signed with the RSA public key.
        let es_at_ns = token(
            "ec-private.pem",
            Algorithm::ES256,
            Some("rsa-1"),
            &claims(&p.iss("ns"), "jo", &["force_viewer"], json!(["suffolk"])),
        );
        let res = fed.get("/v1/forces").token(&es_at_ns).send().await;
        res.assert_problem(401, "unauthenticated");
        assert!(detail(&res).contains("algorithm"), "{}", detail(&res));
        let public = std::fs::read(format!("{KEYS}/rsa-public.pem")).unwrap();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        let confused = jsonwebtoken::encode(
            &header,
            &claims(&p.iss("ns"), "jo", &["force_editor"], json!(["suffolk"])),
            &EncodingKey::from_secret(&public).unwrap(),
        )
        .unwrap();
        fed.get("/v1/forces")
            .token(&confused)
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        // `aud` as a list holding one of the issuer's audiences; a lifetime over the bound.
        let mut listed = claims(&p.iss("national"), "a1", &["analyst"], json!([]));
        listed["aud"] = json!(["api://elsewhere", "https://oversight.example"]);
        let listed = token("rsa2-private.pem", Algorithm::RS256, Some("rsa-2"), &listed);
        assert_eq!(
            fed.get("/v1/compliance/section55")
                .token(&listed)
                .send()
                .await
                .status,
            200
        );
        let mut long = claims(&p.iss("national"), "a1", &["analyst"], json!([]));
        long["exp"] = json!(now() + 7200);
        let long = token("rsa2-private.pem", Algorithm::RS256, Some("rsa-2"), &long);
        let res = fed.get("/v1/forces").token(&long).send().await;
        res.assert_problem(401, "unauthenticated");
        assert!(
            detail(&res).contains("longer than issuer national allows"),
            "{}",
            detail(&res)
        );
        // An unknown issuer.
        let stranger = token(
            "rsa-private.pem",
            Algorithm::RS256,
            Some("rsa-1"),
            &claims("https://login.evil.example", "x", &["admin"], json!([])),
        );
        fed.get("/v1/forces")
            .token(&stranger)
            .send()
            .await
            .assert_problem(401, "unauthenticated");
        // An integration's client-credentials token: no sub, named by its client.
        let mut client = claims(&p.iss("ns"), "", &["force_viewer"], json!(["norfolk"]));
        client.as_object_mut().unwrap().remove("sub");
        client["azp"] = json!("norfolk-intranet-sync");
        let client = token("rsa-private.pem", Algorithm::RS256, Some("rsa-1"), &client);
        assert_eq!(
            fed.get("/v1/forces/norfolk/inspections")
                .token(&client)
                .send()
                .await
                .status,
            200
        );
        // The metrics count the refusals and show each issuer's keys.
        let metrics = fed.get("/metrics").peer("127.0.0.1:9").send().await.text();
        for line in [
            "oversight_issuer_keys{issuer=\"norfolk-suffolk\"} 1",
            "oversight_issuer_keys{issuer=\"kent\"} 1",
            "oversight_tokens_refused_total{reason=\"bounds\"} 3",
            "oversight_tokens_refused_total{reason=\"lifetime\"} 1",
        ] {
            assert!(metrics.contains(line), "{line} not in\n{metrics}");
        }
        assert!(
            metrics.contains(
                "oversight_issuer_keys_last_fetch_timestamp_seconds{issuer=\"national\"} 1"
            )
        );
    }
);

both_backends!(
    keys_rotate_without_a_restart_and_outlive_an_outage,
    |app| async move {
        let mut p = Provider::new(common::free_port());
        p.set_keys("ns", vec![jwk("rsa-public")]);
        p.start();
        let fed = trusting(&app, &p).await;
        let viewer = |private: &str, kid: &str| {
            token(
                private,
                Algorithm::RS256,
                Some(kid),
                &claims(&p.iss("ns"), "v", &["force_viewer"], json!(["norfolk"])),
            )
        };
        let path = "/v1/forces/norfolk/inspections";
        assert_eq!(
            eventually_ok(&fed, path, &viewer("rsa-private.pem", "rsa-1"))
                .await
                .status,
            200
        );
        // The provider rotates: a new kid appears, the old one goes. The first token signed
        // with the new key makes the service fetch the keys again; no restart.
        p.set_keys("ns", vec![jwk("rsa2-public")]);
        let before = p.fetches("ns");
        assert_eq!(
            fed.get(path)
                .token(&viewer("rsa2-private.pem", "rsa-2"))
                .send()
                .await
                .status,
            200
        );
        assert_eq!(p.fetches("ns"), before + 1);
        // Keys are kept for their time: the old key still verifies until it is fetched away…
        // …and an unknown kid does not make the service ask again within the minute.
        for _ in 0..5 {
            fed.get(path)
                .token(&viewer("rsa-private.pem", "no-such-kid"))
                .send()
                .await
                .assert_problem(401, "unauthenticated");
        }
        assert_eq!(
            p.fetches("ns"),
            before + 1,
            "at most one refresh a minute per issuer"
        );
        assert_eq!(
            fed.get(path)
                .token(&viewer("rsa-private.pem", "rsa-1"))
                .send()
                .await
                .status,
            401,
            "the rotated-out key is gone"
        );
        // The provider goes down: the keys held stay in use.
        p.set_down(true);
        for _ in 0..3 {
            assert_eq!(
                fed.get(path)
                    .token(&viewer("rsa2-private.pem", "rsa-2"))
                    .send()
                    .await
                    .status,
                200
            );
        }
        assert_eq!(
            fed.get("/readyz").send().await.status,
            200,
            "readiness is about the database"
        );
    }
);

both_backends!(
    the_service_starts_while_a_provider_is_down_and_accepts_its_tokens_once_it_is_back,
    |app| async move {
        let mut p = Provider::new(common::free_port());
        p.set_keys("ns", vec![jwk("rsa-public")]);
        // Nothing listens yet: Oversight starts all the same.
        let fed = trusting(&app, &p).await;
        assert_eq!(fed.get("/readyz").send().await.status, 200);
        assert_eq!(fed.get("/v1/forces").send().await.status, 200);
        let viewer = token(
            "rsa-private.pem",
            Algorithm::RS256,
            Some("rsa-1"),
            &claims(&p.iss("ns"), "v", &["force_viewer"], json!(["norfolk"])),
        );
        let res = fed
            .get("/v1/forces/norfolk/inspections")
            .token(&viewer)
            .send()
            .await;
        res.assert_problem(401, "unauthenticated");
        p.start();
        let res = eventually_ok(&fed, "/v1/forces/norfolk/inspections", &viewer).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let metrics = fed.get("/metrics").peer("127.0.0.1:9").send().await.text();
        assert!(
            !metrics.contains(
                "oversight_issuer_keys_fetch_failures_total{issuer=\"norfolk-suffolk\"} 0"
            ),
            "{metrics}"
        );
    }
);
