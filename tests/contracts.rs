//! `openapi.yaml` and `schema.graphql` are generated from the code; these tests fail when the
//! committed files differ. `UPDATE_CONTRACTS=1 cargo test --test contracts` rewrites them.

fn check(path: &str, generated: String) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("UPDATE_CONTRACTS").is_ok_and(|v| v == "1") {
        std::fs::write(&full, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is out of date with the code: run `UPDATE_CONTRACTS=1 cargo test --test contracts` and commit it"
    );
}

#[test]
fn openapi_yaml_matches_the_code() {
    check("openapi.yaml", oversight::app::openapi_yaml());
}

#[test]
fn schema_graphql_matches_the_code() {
    check("schema.graphql", oversight::graphql::sdl());
}

#[test]
fn the_openapi_document_is_3_1_and_every_response_is_described() {
    let doc: serde_json::Value = serde_json::to_value(oversight::app::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let d = response["description"].as_str().unwrap_or("");
                assert!(!d.is_empty(), "{method} {path} {status} has no description");
            }
        }
    }
}

/// `docker-compose.yml` ships no secret: compose must be given them, and refuses to start
/// without; the service itself refuses a placeholder.
#[test]
fn compose_takes_its_secrets_from_the_environment() {
    let compose = include_str!("../docker-compose.yml");
    let value = |key: &str| {
        compose
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("{key} is not set in docker-compose.yml"))
            .trim()
            .to_string()
    };
    for key in ["OVERSIGHT_JWT_SECRET", "POSTGRES_PASSWORD"] {
        assert!(
            value(key).starts_with(&format!("${{{key}:?")),
            "{key}: {}",
            value(key)
        );
    }
    assert!(
        compose.contains("\"127.0.0.1:8080:8080\""),
        "published on loopback only"
    );
    for placeholder in [
        "change-me-change-me-change-me-change-me",
        "placeholder-placeholder-placeholder",
    ] {
        assert!(placeholder.parse::<oversight::config::Secret>().is_err());
    }
    assert!(
        "0123456789abcdef0123456789abcdef"
            .parse::<oversight::config::Secret>()
            .is_ok()
    );
}
