//! Hostile callers: a JWT attack suite, GraphQL floods, browser-facing headers and CORS — on
//! SQLite and on PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::SECRET;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn now() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

fn claims() -> Value {
    json!({"sub": "attacker", "roles": ["admin"], "forces": [], "iss": "oversight", "aud": "oversight", "exp": now() + 600})
}

fn sign(header: &Header, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
}

fn raw(header: Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string()),
        signature
    )
}

/// Every token an attacker might try, none of which may get in.
fn attacks() -> Vec<(&'static str, String)> {
    let good = sign(&Header::new(Algorithm::HS256), &claims(), SECRET.as_bytes());
    let parts: Vec<&str> = good.split('.').collect();
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        sign(&Header::new(Algorithm::HS256), &c, SECRET.as_bytes())
    };
    let without = |k: &str| {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(k);
        sign(&Header::new(Algorithm::HS256), &c, SECRET.as_bytes())
    };
    let mut tampered = claims();
    tampered["roles"] = json!(["admin", "inspectorate"]);
    let mut out = vec![
        (
            "alg none, no signature",
            raw(json!({"alg": "none", "typ": "JWT"}), &claims(), ""),
        ),
        (
            "alg None",
            raw(json!({"alg": "None", "typ": "JWT"}), &claims(), ""),
        ),
        (
            "alg NONE with the real signature",
            raw(json!({"alg": "NONE"}), &claims(), parts[2]),
        ),
        (
            "alg none, no separator",
            format!(
                "{}.{}",
                B64.encode(json!({"alg":"none"}).to_string()),
                B64.encode(claims().to_string())
            ),
        ),
        ("stripped signature", format!("{}.{}.", parts[0], parts[1])),
        (
            "forged signature",
            format!("{}.{}.{}", parts[0], parts[1], B64.encode([7u8; 32])),
        ),
        (
            "payload swapped under a valid signature",
            format!(
                "{}.{}.{}",
                parts[0],
                B64.encode(tampered.to_string()),
                parts[2]
            ),
        ),
        (
            "another secret",
            sign(
                &Header::new(Algorithm::HS256),
                &claims(),
                b"not-the-secret-not-the-secret-not-the",
            ),
        ),
        (
            "HS512 with the right secret",
            sign(&Header::new(Algorithm::HS512), &claims(), SECRET.as_bytes()),
        ),
        (
            "HS384 with the right secret",
            sign(&Header::new(Algorithm::HS384), &claims(), SECRET.as_bytes()),
        ),
        ("expired", with("exp", json!(now() - 3600))),
        ("not yet valid", with("nbf", json!(now() + 3600))),
        ("another audience", with("aud", json!("elsewhere"))),
        (
            "audience list without ours",
            with("aud", json!(["elsewhere", "other"])),
        ),
        ("another issuer", with("iss", json!("https://evil.example"))),
        ("no exp", without("exp")),
        ("no sub", without("sub")),
        ("no iss", without("iss")),
        ("no aud", without("aud")),
        ("exp as a string", with("exp", json!("never"))),
        ("empty token", String::new()),
        ("garbage", "not-a-jwt".into()),
        ("two parts", format!("{}.{}", parts[0], parts[1])),
        ("four parts", format!("{good}.extra")),
        ("bad base64", "@@@.@@@.@@@".into()),
        ("huge token", "a".repeat(20_000)),
    ];
    // kid/jku/x5u tricks with a signature from another key: the header never picks the key.
    for (name, header) in [
        (
            "kid path traversal",
            json!({"alg": "HS256", "kid": "../../../../dev/null"}),
        ),
        (
            "kid SQL",
            json!({"alg": "HS256", "kid": "x' UNION SELECT 'secret"}),
        ),
        (
            "jku to an attacker",
            json!({"alg": "HS256", "jku": "https://evil.example/jwks.json"}),
        ),
        (
            "x5u to an attacker",
            json!({"alg": "HS256", "x5u": "https://evil.example/cert.pem"}),
        ),
        (
            "embedded jwk",
            json!({"alg": "HS256", "jwk": {"kty": "oct", "k": B64.encode(b"attacker")}}),
        ),
    ] {
        let unsigned = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims().to_string())
        );
        let mac = {
            use jsonwebtoken::crypto::sign as jsign;
            jsign(
                unsigned.as_bytes(),
                &EncodingKey::from_secret(b"attacker").unwrap(),
                Algorithm::HS256,
            )
            .unwrap()
        };
        out.push((name, format!("{unsigned}.{mac}")));
    }
    out
}

both_backends!(the_jwt_attack_suite_is_refused, |app| async move {
    let attacks = attacks();
    for (name, token) in &attacks {
        for path in ["/v1/forces", "/v1/audit"] {
            let res = app
                .get(path)
                .header("authorization", &format!("Bearer {token}"))
                .send()
                .await;
            assert!(
                res.status == 401
                    || (res.status == 400 && token.len() > 10_000)
                    || res.status == 431,
                "{name} on {path}: {} {}",
                res.status,
                res.text()
            );
        }
        let gql = app
            .post("/graphql")
            .header("authorization", &format!("Bearer {token}"))
            .json(json!({"query": "{ forces { id } }"}))
            .send()
            .await;
        assert_ne!(gql.status, 200, "{name} on GraphQL");
    }
    // The one real token does get in.
    let good = sign(&Header::new(Algorithm::HS256), &claims(), SECRET.as_bytes());
    assert_eq!(
        app.get("/v1/audit")
            .header("authorization", &format!("Bearer {good}"))
            .send()
            .await
            .status,
        200
    );
    eprintln!(
        "{}: {} forged tokens refused on 3 surfaces",
        app.backend_name,
        attacks.len()
    );
});

both_backends!(graphql_floods_are_refused_quickly, |app| async move {
    let aliases: String = (0..2000)
        .map(|i| format!("a{i}: forces {{ id }} "))
        .collect();
    let started = Instant::now();
    let res = app
        .post("/graphql")
        .json(json!({"query": format!("{{ {aliases} }}")}))
        .send()
        .await;
    res.assert_problem(400, "bad_request");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let batch: Vec<Value> = (0..500)
        .map(|_| json!({"query": "{ forces { id } }"}))
        .collect();
    let started = Instant::now();
    app.post("/graphql")
        .json(Value::Array(batch))
        .send()
        .await
        .assert_problem(400, "bad_request");
    assert!(started.elapsed() < Duration::from_secs(1));
    let deep = format!(
        "{{ {}id{} }}",
        "force(id: \"norfolk\") { inspections { edges { node { inspection { ".repeat(4),
        " } } } } }".repeat(4)
    );
    let res = app.gql(None, &deep, json!({})).await;
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{res}"
    );
    let long = format!("{{ forces {{ id }} }} # {}", "x".repeat(40_000));
    app.post("/graphql")
        .json(json!({"query": long}))
        .send()
        .await
        .assert_problem(400, "bad_request");
    app.post("/graphql")
        .raw(b"{not json")
        .send()
        .await
        .assert_problem(400, "bad_request");
    // `first` beyond 100 costs as 100: huge values can neither overflow the cost nor slip past it.
    let huge = "{ inspections(first: 2147483647) { edges { node { items(first: 2147483647) { edges { node { responses(first: 2147483647) { edges { node { forceId } } } } } } } } } }";
    let res = app.gql(None, huge, json!({})).await;
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too complex"),
        "{res}"
    );
    let big = app
        .gql(
            None,
            "{ inspections(first: 2147483647) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(big["errors"].is_null(), "{big}");
    let fine = app
        .gql(None, "{ a: forces { id } b: forces { name } }", json!({}))
        .await;
    assert!(fine["errors"].is_null(), "{fine}");
    // Fragments that each spread the next twice: 2 KB of text, two to the fortieth fields once
    // spread. Refused before the executor walks them (its depth check would take as many steps).
    let mut doubled = String::from("{ forces { ...F0 } }");
    for i in 0..40 {
        doubled.push_str(&format!(
            " fragment F{i} on Force {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    doubled.push_str(" fragment F40 on Force { id }");
    let res = app
        .post("/graphql")
        .json(json!({"query": doubled}))
        .send()
        .await;
    res.assert_problem(400, "bad_request");
    assert!(
        res.text().contains("once its fragments are spread"),
        "{}",
        res.text()
    );
    let cyclic =
        "{ forces { ...F } } fragment F on Force { id ...G ...G } fragment G on Force { ...F }";
    app.post("/graphql")
        .json(json!({"query": cyclic}))
        .send()
        .await
        .assert_problem(400, "bad_request");
    // A fragment spread in several places is fine.
    let reused = app
        .gql(
            None,
            "{ a: forces { ...F } b: forces { ...F } } fragment F on Force { id name }",
            json!({}),
        )
        .await;
    assert!(reused["errors"].is_null(), "{reused}");
});

both_backends!(
    responses_carry_security_headers_and_cors_is_denied_by_default,
    |app| async move {
        let res = app
            .get("/v1/forces")
            .header("origin", "https://evil.example")
            .send()
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            res.header("referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert!(
            res.header("access-control-allow-origin").is_none(),
            "no CORS unless configured"
        );
        let open = app
            .like(|c| c.cors_origins = "https://dashboard.opcc.example".into())
            .await;
        let allowed = open
            .get("/v1/forces")
            .header("origin", "https://dashboard.opcc.example")
            .send()
            .await;
        assert_eq!(
            allowed.header("access-control-allow-origin").as_deref(),
            Some("https://dashboard.opcc.example")
        );
        let preflight = open
            .req(actix_web::http::Method::OPTIONS, "/v1/inspections")
            .header("origin", "https://dashboard.opcc.example")
            .header("access-control-request-method", "PATCH")
            .header(
                "access-control-request-headers",
                "authorization, if-match, content-type",
            )
            .send()
            .await;
        assert!(preflight.status.is_success(), "{}", preflight.status);
        let other = open
            .get("/v1/forces")
            .header("origin", "https://evil.example")
            .send()
            .await;
        assert!(other.header("access-control-allow-origin").is_none());
    }
);

both_backends!(
    during_a_key_rotation_tokens_of_either_key_are_accepted_and_then_only_the_new,
    |app| async move {
        use jsonwebtoken::Algorithm::RS256;
        let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");
        let token = |private: &str| {
            let pem = std::fs::read(format!("{keys}/{private}")).unwrap();
            jsonwebtoken::encode(
                &Header::new(RS256),
                &claims(),
                &EncodingKey::from_rsa_pem(&pem).unwrap(),
            )
            .unwrap()
        };
        let (old, new) = (token("rsa-private.pem"), token("rsa2-private.pem"));
        let configure = |public: String| {
            move |c: &mut oversight::config::Config| {
                c.jwt_algorithm = oversight::config::JwtAlgorithm::Rs256;
                c.jwt_secret = None;
                c.jwt_public_key = Some(public);
            }
        };
        let rotating = app
            .like(configure(format!(
                "{keys}/rsa-public.pem, {keys}/rsa2-public.pem"
            )))
            .await;
        for t in [&old, &new] {
            assert_eq!(rotating.get("/v1/audit").token(t).send().await.status, 200);
        }
        let rotated = app.like(configure(format!("{keys}/rsa2-public.pem"))).await;
        assert_eq!(
            rotated.get("/v1/audit").token(&new).send().await.status,
            200
        );
        rotated
            .get("/v1/audit")
            .token(&old)
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
);

both_backends!(
    failed_sign_ins_are_limited_by_address_before_any_signature_is_checked,
    |app| async move {
        let limited = app
            .like(|c| {
                c.rate_limit = 5;
                c.trusted_proxies = "10.0.0.0/8".parse().unwrap();
            })
            .await;
        let forged = sign(
            &Header::new(Algorithm::HS256),
            &claims(),
            b"not the secret at all, no",
        );
        let attempt = |peer: &'static str, forwarded: Option<&'static str>| {
            let limited = &limited;
            let forged = &forged;
            async move {
                let mut req = limited.get("/v1/forces").token(forged).peer(peer);
                if let Some(f) = forwarded {
                    req = req.header("x-forwarded-for", f);
                }
                req.send().await
            }
        };
        let mut codes = vec![];
        for _ in 0..20 {
            let res = attempt("203.0.113.5:4000", None).await;
            if res.status == 429 {
                res.assert_problem(429, "rate_limited");
                assert!(res.header("retry-after").is_some());
            }
            codes.push(res.status.as_u16());
        }
        assert_eq!(codes.iter().filter(|c| **c == 401).count(), 5, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| **c == 429).count(), 15, "{codes:?}");
        // Another address has a bucket of its own; a client cannot pick its address by header
        // unless its peer is a trusted proxy.
        assert_eq!(attempt("203.0.113.6:4000", None).await.status, 401);
        assert_eq!(
            attempt("203.0.113.6:4000", Some("203.0.113.5"))
                .await
                .status,
            401
        );
        // Behind a trusted proxy the forwarded client is the one counted.
        for _ in 0..5 {
            assert_eq!(
                attempt("10.0.0.2:80", Some("198.51.100.7")).await.status,
                401
            );
        }
        attempt("10.0.0.2:80", Some("198.51.100.7"))
            .await
            .assert_problem(429, "rate_limited");
        assert_eq!(
            attempt("10.0.0.2:80", Some("198.51.100.8, 10.0.0.9"))
                .await
                .status,
            401
        );
        // A GraphQL batch counts as its operations.
        let token = limited.analyst();
        let batch = |n: usize| {
            let ops: Vec<Value> = (0..n)
                .map(|_| json!({"query": "{ forces { id } }"}))
                .collect();
            limited
                .post("/graphql")
                .token(&token)
                .peer("192.0.2.1:1")
                .json(Value::Array(ops))
                .send()
        };
        assert_eq!(batch(4).await.status, 200);
        batch(4).await.assert_problem(429, "rate_limited");
    }
);

both_backends!(
    a_token_whose_audience_is_a_list_holding_ours_is_accepted,
    |app| async move {
        let with = |aud: Value| {
            let mut c = claims();
            c["aud"] = aud;
            sign(&Header::new(Algorithm::HS256), &c, SECRET.as_bytes())
        };
        let listed = with(json!(["api://elsewhere", "oversight"]));
        assert_eq!(app.get("/v1/audit").token(&listed).send().await.status, 200);
        let gql = app.gql(Some(&listed), "{ forces { id } }", json!({})).await;
        assert!(gql["errors"].is_null(), "{gql}");
        app.get("/v1/audit")
            .token(&with(json!(["api://elsewhere"])))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
);

/// The same attacks against a trust-file configuration: one issuer, `oversight`, with the
/// HS256 secret the attacks know from an environment variable (so that the tokens they forge
/// would pass if any check were missing), served by the binary.
#[test]
fn the_jwt_attack_suite_is_refused_under_a_trust_file() {
    let dir = common::temp_dir("oversight-attack");
    let trust = dir.join("trust.toml");
    std::fs::write(
        &trust,
        r#"
[[issuer]]
name = "development"
issuer = "oversight"
audiences = ["oversight"]
algorithms = ["HS256"]
secret_env = "OVERSIGHT_ATTACK_SECRET"
forces = ["*"]
roles = ["force_viewer", "force_editor", "opcc_editor", "analyst", "inspectorate", "admin"]
"#,
    )
    .unwrap();
    let trust_path = trust.to_string_lossy().into_owned();
    let server = common::Binary::on_new_sqlite(
        &[
            ("OVERSIGHT_TRUST_FILE", trust_path.as_str()),
            ("OVERSIGHT_ATTACK_SECRET", SECRET),
            ("OVERSIGHT_RATE_LIMIT", "0"),
        ],
        std::process::Stdio::null(),
    );
    let attacks = attacks();
    for (name, token) in &attacks {
        let answer = common::http(server.port, "GET", "/v1/audit", Some(token), "").unwrap();
        let status = &answer[9..12];
        assert!(
            status == "401" || (token.len() > 10_000 && (status == "400" || status == "431")),
            "{name}: {answer}"
        );
    }
    let good = sign(&Header::new(Algorithm::HS256), &claims(), SECRET.as_bytes());
    let answer = common::http(server.port, "GET", "/v1/audit", Some(&good), "").unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{} forged tokens refused under a trust file", attacks.len());
}
