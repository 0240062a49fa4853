//! The identity providers Oversight trusts (`OVERSIGHT_TRUST_FILE`): for each, the exact `iss`,
//! where its keys come from, what it may grant (forces, roles) and how its claims are read.
//! Parsed strictly at start-up, so a mistake names its file and key before anything is served.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::{Principal, Role};

/// Default most an issuer's token may live (`exp - iat`): 12 hours.
pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 43_200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    issuer: Vec<RawIssuer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    name: String,
    issuer: String,
    jwks_uri: Option<String>,
    audiences: Vec<String>,
    algorithms: Vec<String>,
    forces: Vec<String>,
    roles: Vec<String>,
    #[serde(default = "default_roles_claim")]
    roles_claim: String,
    #[serde(default = "default_forces_claim")]
    forces_claim: String,
    #[serde(default = "default_max_lifetime")]
    max_lifetime_secs: u64,
    keys: Option<Vec<String>>,
    secret_env: Option<String>,
    #[serde(default)]
    allow_http: bool,
}

fn default_roles_claim() -> String {
    "roles".into()
}

fn default_forces_claim() -> String {
    "forces".into()
}

fn default_max_lifetime() -> u64 {
    DEFAULT_MAX_LIFETIME_SECS
}

/// Where an issuer's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS at this URL.
    Jwks(String),
    /// OpenID discovery: the JWKS named by `{issuer}/.well-known/openid-configuration`.
    Discovery(String),
    /// PEM public keys read at start-up.
    Static(Vec<PathBuf>),
    /// An HS256 secret from this environment variable (development only).
    SecretEnv(String),
}

/// The forces an issuer may grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forces {
    Any,
    Only(Vec<String>),
}

impl Forces {
    pub fn allows(&self, force: &str) -> bool {
        match self {
            Forces::Any => true,
            Forces::Only(list) => list.iter().any(|f| f == force),
        }
    }
}

/// One trusted identity provider.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// For logs, metrics, errors and the audit trail.
    pub name: String,
    /// The exact `iss`.
    pub issuer: String,
    pub keys: KeySource,
    pub audiences: Vec<String>,
    pub algorithms: Vec<Algorithm>,
    pub forces: Forces,
    pub roles: Vec<Role>,
    /// Dotted claim paths.
    pub roles_claim: String,
    pub forces_claim: String,
    pub max_lifetime_secs: u64,
    pub allow_http: bool,
}

impl Issuer {
    /// The discovery document's URL.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        )
    }
}

/// A parsed, checked trust file.
#[derive(Debug, Clone)]
pub struct TrustFile {
    pub path: PathBuf,
    pub issuers: Vec<Issuer>,
}

/// Reads and checks a trust file; every error names the file and, where there is one, the
/// issuer and key.
pub fn load(path: &Path) -> Result<TrustFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let forces: HashSet<String> = crate::forces::reference::rows()?
        .into_iter()
        .map(|r| r.id)
        .collect();
    parse(path, &text, &forces)
}

/// Parses a trust file's text; `known_forces` are the force ids a grant may name.
pub fn parse(path: &Path, text: &str, known_forces: &HashSet<String>) -> Result<TrustFile, String> {
    let file = path.display();
    let raw: File = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    if raw.issuer.is_empty() {
        return Err(format!("{file}: no [[issuer]] is listed"));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut names = HashSet::new();
    let mut isses = HashSet::new();
    let mut issuers = Vec::new();
    for (i, r) in raw.issuer.into_iter().enumerate() {
        let at = |key: &str| format!("{file}: issuer {} ({:?}), `{key}`", i + 1, r.name);
        if r.name.trim().is_empty() {
            return Err(at("name") + ": must not be empty");
        }
        if !names.insert(r.name.clone()) {
            return Err(at("name") + ": another issuer has this name");
        }
        if !isses.insert(r.issuer.clone()) {
            return Err(at("issuer") + ": listed twice");
        }
        if r.audiences.is_empty() || r.audiences.iter().any(|a| a.is_empty()) {
            return Err(at("audiences") + ": name at least one audience");
        }
        if r.algorithms.is_empty() {
            return Err(at("algorithms") + ": name at least one of RS256, ES256, HS256");
        }
        let mut algorithms = Vec::new();
        for a in &r.algorithms {
            let alg = match a.as_str() {
                "RS256" => Algorithm::RS256,
                "ES256" => Algorithm::ES256,
                "HS256" => Algorithm::HS256,
                other => {
                    return Err(at("algorithms")
                        + &format!(": {other:?} is not one of RS256, ES256, HS256"));
                }
            };
            if !algorithms.contains(&alg) {
                algorithms.push(alg);
            }
        }
        let hs256 = algorithms.contains(&Algorithm::HS256);
        if hs256 && r.secret_env.is_none() {
            return Err(at("algorithms") + ": HS256 needs `secret_env` (development only)");
        }
        if hs256 && algorithms.len() > 1 {
            return Err(at("algorithms")
                + ": HS256 is for development alone; an issuer with a secret signs with nothing else");
        }
        if r.secret_env.is_some() && !hs256 {
            return Err(at("secret_env") + ": a secret is only for HS256");
        }
        let sources = [
            r.jwks_uri.is_some(),
            r.keys.is_some(),
            r.secret_env.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(at("jwks_uri")
                + ": give one of `jwks_uri`, `keys`, `secret_env` (or none, for discovery)");
        }
        let keys = match (r.jwks_uri, r.keys, r.secret_env) {
            (Some(uri), None, None) => {
                check_url(&uri, r.allow_http).map_err(|e| format!("{}: {e}", at("jwks_uri")))?;
                KeySource::Jwks(uri)
            }
            (None, Some(paths), None) => {
                if paths.is_empty() {
                    return Err(at("keys") + ": name at least one PEM file");
                }
                KeySource::Static(paths.iter().map(|p| dir.join(p)).collect())
            }
            (None, None, Some(var)) => KeySource::SecretEnv(var),
            _ => {
                // Discovery reads `{issuer}/.well-known/…`: the issuer must then be a URL.
                check_url(&r.issuer, r.allow_http).map_err(|e| {
                    format!("{}: {e} (its keys are found by discovery)", at("issuer"))
                })?;
                KeySource::Discovery(r.issuer.clone())
            }
        };
        if r.forces.is_empty() {
            return Err(
                at("forces") + ": name the forces it may grant, or [\"*\"] for a national issuer"
            );
        }
        let forces = if r.forces == ["*"] {
            Forces::Any
        } else {
            for f in &r.forces {
                if f == "*" {
                    return Err(at("forces") + ": \"*\" stands alone");
                }
                if !known_forces.contains(f) {
                    return Err(at("forces") + &format!(": {f:?} is not a known force"));
                }
            }
            Forces::Only(r.forces.clone())
        };
        if r.roles.is_empty() {
            return Err(at("roles") + ": name the roles it may grant");
        }
        let mut roles = Vec::new();
        for name in &r.roles {
            let role = Role::parse(name).ok_or_else(|| {
                at("roles") + &format!(": {name:?} is not one of {}", role_names())
            })?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        for (key, path) in [
            ("roles_claim", &r.roles_claim),
            ("forces_claim", &r.forces_claim),
        ] {
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(at(key) + ": a dotted claim path such as `roles` or `ext.forces`");
            }
        }
        if r.max_lifetime_secs == 0 {
            return Err(at("max_lifetime_secs") + ": must be above 0");
        }
        issuers.push(Issuer {
            name: r.name,
            issuer: r.issuer,
            keys,
            audiences: r.audiences,
            algorithms,
            forces,
            roles,
            roles_claim: r.roles_claim,
            forces_claim: r.forces_claim,
            max_lifetime_secs: r.max_lifetime_secs,
            allow_http: r.allow_http,
        });
    }
    Ok(TrustFile {
        path: path.to_path_buf(),
        issuers,
    })
}

fn role_names() -> String {
    Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A provider's URL must be `https`, unless the file allows `http` (development and tests).
fn check_url(url: &str, allow_http: bool) -> Result<(), String> {
    if url.starts_with("https://") {
        return Ok(());
    }
    if url.starts_with("http://") {
        return if allow_http {
            Ok(())
        } else {
            Err(format!(
                "{url:?} is not https (set allow_http = true for development)"
            ))
        };
    }
    Err(format!("{url:?} is not an https URL"))
}

impl TrustFile {
    /// What `oversight trust check` prints: per issuer, where its keys come from and what it
    /// may grant.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{}: {} issuer(s), all valid\n",
            self.path.display(),
            self.issuers.len()
        );
        for i in &self.issuers {
            let keys = match &i.keys {
                KeySource::Jwks(uri) => format!("JWKS at {uri}"),
                KeySource::Discovery(_) => format!("OpenID discovery at {}", i.discovery_url()),
                KeySource::Static(paths) => format!(
                    "static keys {}",
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                KeySource::SecretEnv(var) => format!("HS256 secret from ${var} (development only)"),
            };
            let forces = match &i.forces {
                Forces::Any => "any force".to_string(),
                Forces::Only(f) => f.join(", "),
            };
            let roles: Vec<&str> = i.roles.iter().map(|r| r.as_str()).collect();
            let algorithms: Vec<String> = i.algorithms.iter().map(|a| format!("{a:?}")).collect();
            out.push_str(&format!(
                "\n[{}] iss = {}\n  keys:        {keys}\n  algorithms:  {}\n  audiences:   {}\n  may grant:   forces {forces}; roles {}\n  claims:      roles from `{}`, forces from `{}`\n  lifetime:    at most {} s\n",
                i.name,
                i.issuer,
                algorithms.join(", "),
                i.audiences.join(", "),
                roles.join(", "),
                i.roles_claim,
                i.forces_claim,
                i.max_lifetime_secs,
            ));
        }
        out
    }
}

/// Whether the issuers trusted now would grant a principal one of them granted before: its
/// issuer still listed, and allowed every force and role the principal holds.
pub fn still_grants<'a>(issuers: impl IntoIterator<Item = &'a Issuer>, p: &Principal) -> bool {
    let Some(name) = &p.issuer else {
        return false;
    };
    issuers.into_iter().any(|issuer| {
        issuer.name == *name
            && p.forces.iter().all(|force| issuer.forces.allows(force))
            && p.roles.iter().all(|role| issuer.roles.contains(role))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["norfolk", "suffolk", "kent"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    const GOOD: &str = r#"
[[issuer]]
name = "norfolk-suffolk"
issuer = "https://login.example/norfolk-suffolk/v2.0"
jwks_uri = "https://login.example/norfolk-suffolk/keys"
audiences = ["api://oversight"]
algorithms = ["RS256"]
forces = ["norfolk", "suffolk"]
roles = ["force_viewer", "force_editor", "opcc_editor"]

[[issuer]]
name = "national"
issuer = "https://login.example/national/v2.0"
audiences = ["api://oversight"]
algorithms = ["RS256", "ES256"]
forces = ["*"]
roles = ["analyst", "inspectorate"]
roles_claim = "app.roles"
max_lifetime_secs = 3600
"#;

    fn parse_text(text: &str) -> Result<TrustFile, String> {
        parse(Path::new("/etc/oversight/trust.toml"), text, &known())
    }

    #[test]
    fn a_principal_is_still_granted_only_what_its_issuer_grants_now() {
        let t = parse_text(GOOD).unwrap();
        let mut p = Principal::new("u", &[Role::ForceEditor], &["norfolk"]);
        p.issuer = Some("norfolk-suffolk".into());
        assert!(still_grants(&t.issuers, &p));
        // The force left the issuer's scope, or the role its grants, or the issuer the file.
        let narrowed = parse_text(&GOOD.replace(
            r#"forces = ["norfolk", "suffolk"]"#,
            r#"forces = ["suffolk"]"#,
        ))
        .unwrap();
        assert!(!still_grants(&narrowed.issuers, &p));
        p.roles.push(Role::Analyst);
        assert!(!still_grants(&t.issuers, &p));
        p.roles.pop();
        p.issuer = Some("gone".into());
        assert!(!still_grants(&t.issuers, &p));
        p.issuer = None;
        assert!(!still_grants(&t.issuers, &p));
    }

    #[test]
    fn a_good_file_parses_with_its_defaults() {
        let t = parse_text(GOOD).unwrap();
        assert_eq!(t.issuers.len(), 2);
        let a = &t.issuers[0];
        assert_eq!(
            a.keys,
            KeySource::Jwks("https://login.example/norfolk-suffolk/keys".into())
        );
        assert_eq!(a.roles_claim, "roles");
        assert_eq!(a.forces_claim, "forces");
        assert_eq!(a.max_lifetime_secs, DEFAULT_MAX_LIFETIME_SECS);
        assert!(a.forces.allows("suffolk") && !a.forces.allows("kent"));
        let b = &t.issuers[1];
        assert_eq!(b.keys, KeySource::Discovery(b.issuer.clone()));
        assert_eq!(
            b.discovery_url(),
            "https://login.example/national/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(b.forces, Forces::Any);
        assert_eq!(b.roles_claim, "app.roles");
        let described = t.describe();
        assert!(described.contains("OpenID discovery at https://login.example/national"));
        assert!(
            described
                .contains("forces norfolk, suffolk; roles force_viewer, force_editor, opcc_editor")
        );
    }

    #[test]
    fn mistakes_are_named_with_file_issuer_and_key() {
        let cases: [(&str, &str, &str); 10] = [
            (
                "name = \"norfolk-suffolk\"",
                "name = \"norfolk-suffolk\"\ncolour = \"blue\"",
                "unknown field `colour`",
            ),
            (
                "name = \"national\"\nissuer = \"https://login.example/national/v2.0\"",
                "name = \"national\"\nissuer = \"https://login.example/norfolk-suffolk/v2.0\"",
                "`issuer`: listed twice",
            ),
            (
                "forces = [\"norfolk\", \"suffolk\"]",
                "forces = []",
                "`forces`: name the forces",
            ),
            (
                "roles = [\"force_viewer\", \"force_editor\", \"opcc_editor\"]",
                "roles = []",
                "`roles`: name the roles",
            ),
            (
                "roles = [\"analyst\", \"inspectorate\"]",
                "roles = [\"analyst\", \"superuser\"]",
                "\"superuser\" is not one of",
            ),
            (
                "forces = [\"norfolk\", \"suffolk\"]",
                "forces = [\"norfolk\", \"atlantis\"]",
                "\"atlantis\" is not a known force",
            ),
            (
                "algorithms = [\"RS256\"]",
                "algorithms = [\"HS256\"]",
                "HS256 needs `secret_env`",
            ),
            (
                "algorithms = [\"RS256\"]",
                "algorithms = [\"PS512\"]",
                "\"PS512\" is not one of",
            ),
            (
                "jwks_uri = \"https://login.example/norfolk-suffolk/keys\"",
                "jwks_uri = \"http://login.example/keys\"",
                "is not https",
            ),
            (
                "forces = [\"*\"]",
                "forces = [\"*\", \"kent\"]",
                "stands alone",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(GOOD.contains(from), "{from}");
            let e = parse_text(&GOOD.replacen(from, to, 1)).unwrap_err();
            assert!(e.starts_with("/etc/oversight/trust.toml"), "{e}");
            assert!(e.contains(expected), "{to}: {e}");
        }
        let e = parse_text(&GOOD.replacen("forces = []", "", 1).replacen(
            "roles = [\"force_viewer\", \"force_editor\", \"opcc_editor\"]",
            "roles = []",
            1,
        ))
        .unwrap_err();
        assert!(e.contains("issuer 1 (\"norfolk-suffolk\")"), "{e}");
        assert!(parse_text("").unwrap_err().contains("no [[issuer]]"));
    }

    #[test]
    fn an_issuer_is_a_url_where_its_keys_are_discovered() {
        let e = parse_text(&GOOD.replacen(
            "issuer = \"https://login.example/national/v2.0\"",
            "issuer = \"national\"",
            1,
        ))
        .unwrap_err();
        assert!(e.contains("found by discovery"), "{e}");
    }

    #[test]
    fn development_issuers_may_use_http_and_a_secret() {
        let dev = r#"
[[issuer]]
name = "dev"
issuer = "http://127.0.0.1:9000"
audiences = ["oversight"]
algorithms = ["HS256"]
secret_env = "DEV_SECRET"
forces = ["kent"]
roles = ["force_viewer"]
allow_http = true
"#;
        let t = parse_text(dev).unwrap();
        assert_eq!(t.issuers[0].keys, KeySource::SecretEnv("DEV_SECRET".into()));
        // A provider reached over plain http needs the file to say so.
        let fetched = dev
            .replace("algorithms = [\"HS256\"]", "algorithms = [\"RS256\"]")
            .replace("secret_env = \"DEV_SECRET\"", "");
        assert!(parse_text(&fetched).is_ok());
        let e = parse_text(&fetched.replace("allow_http = true", "")).unwrap_err();
        assert!(e.contains("is not https"), "{e}");
    }
}
