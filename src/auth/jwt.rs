//! Token checking: the algorithm is pinned by configuration (per issuer with a trust file),
//! never taken from the token; `exp`, `iss`, `aud` are required (and `sub`, or with a trust
//! file `azp`/`appid`), and `nbf` is enforced when present. With one configured key
//! (`OVERSIGHT_JWT_*`) or, with `OVERSIGHT_TRUST_FILE`, many identity providers
//! (`federated`). Every refusal is counted by reason for `/metrics`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{Principal, Role};
use crate::config::{Config, JwtAlgorithm, Secret};
use crate::error::AppError;

/// The claims Oversight reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub forces: Vec<String>,
    pub iss: String,
    pub aud: Audience,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// `aud`: one audience, or several (RFC 7519 allows both); the validation requires that it
/// hold the configured one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Seconds of clock difference allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;

/// Why a token was refused, as `/metrics` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    Expired,
    NotYetValid,
    Audience,
    Issuer,
    Algorithm,
    UnknownKey,
    Signature,
    Claims,
    Lifetime,
    Bounds,
}

impl Refusal {
    const ALL: [Refusal; 11] = [
        Refusal::Malformed,
        Refusal::Expired,
        Refusal::NotYetValid,
        Refusal::Audience,
        Refusal::Issuer,
        Refusal::Algorithm,
        Refusal::UnknownKey,
        Refusal::Signature,
        Refusal::Claims,
        Refusal::Lifetime,
        Refusal::Bounds,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed",
            Refusal::Expired => "expired",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::Audience => "audience",
            Refusal::Issuer => "issuer",
            Refusal::Algorithm => "algorithm",
            Refusal::UnknownKey => "unknown_key",
            Refusal::Signature => "signature",
            Refusal::Claims => "claims",
            Refusal::Lifetime => "lifetime",
            Refusal::Bounds => "bounds",
        }
    }
}

/// A refused token: the reason counted, and the `detail` the caller reads (never which key).
#[derive(Debug, Clone)]
pub struct Refused {
    pub reason: Refusal,
    pub detail: String,
}

/// The refusal a failed `jsonwebtoken::decode` stands for.
pub fn refusal_of(e: Option<&jsonwebtoken::errors::Error>) -> Refused {
    use jsonwebtoken::errors::ErrorKind;
    let (reason, detail) = match e.map(|e| e.kind()) {
        Some(ErrorKind::ExpiredSignature) => (Refusal::Expired, "the token has expired"),
        Some(ErrorKind::ImmatureSignature) => (Refusal::NotYetValid, "the token is not valid yet"),
        Some(ErrorKind::InvalidAudience) => {
            (Refusal::Audience, "the token is for another audience")
        }
        Some(ErrorKind::InvalidIssuer) => (Refusal::Issuer, "the token is from another issuer"),
        Some(ErrorKind::InvalidAlgorithm) => {
            (Refusal::Algorithm, "the token's algorithm is not accepted")
        }
        Some(ErrorKind::MissingRequiredClaim(_)) => {
            (Refusal::Claims, "the token lacks a required claim")
        }
        Some(ErrorKind::InvalidSignature) => (Refusal::Signature, "the token is not valid"),
        Some(
            ErrorKind::Json(_)
            | ErrorKind::Base64(_)
            | ErrorKind::Utf8(_)
            | ErrorKind::InvalidToken,
        ) => (Refusal::Malformed, "the token is not valid"),
        _ => (Refusal::Signature, "the token is not valid"),
    };
    Refused {
        reason,
        detail: detail.into(),
    }
}

/// One configured key (`OVERSIGHT_JWT_*`).
struct SingleKey {
    keys: Vec<DecodingKey>,
    validation: Validation,
    signing: Option<EncodingKey>,
    algorithm: Algorithm,
    issuer: String,
    audience: String,
}

enum Mode {
    Single(Box<SingleKey>),
    Federated(super::federated::Federated),
}

/// Checks tokens with the configured key or the trusted issuers; with an HS256 secret it can
/// also mint them.
pub struct Verifier {
    mode: Mode,
    refused: [AtomicU64; Refusal::ALL.len()],
}

impl Verifier {
    pub fn from_config(config: &Config) -> Result<Verifier, String> {
        if let Some(path) = config.trust_file.as_deref().filter(|p| !p.is_empty()) {
            let trust = super::trust::load(Path::new(path))?;
            return Verifier::federated(trust);
        }
        match config.jwt_algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = match &config.jwt_secret {
                    Some(s) => s.clone(),
                    None if !config.is_postgres() => embedded_secret(config)?,
                    None => {
                        return Err("OVERSIGHT_JWT_SECRET is required with PostgreSQL \
                                    (or set OVERSIGHT_JWT_ALGORITHM=RS256/ES256 and OVERSIGHT_JWT_PUBLIC_KEY, \
                                    or OVERSIGHT_TRUST_FILE)"
                            .into());
                    }
                };
                Verifier::hs256(&secret, &config.jwt_issuer, &config.jwt_audience)
            }
            alg @ (JwtAlgorithm::Rs256 | JwtAlgorithm::Es256) => {
                let paths = config
                    .jwt_public_key
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                if paths.is_empty() {
                    return Err(format!("OVERSIGHT_JWT_PUBLIC_KEY is required with {alg:?}"));
                }
                let mut pems = Vec::new();
                for path in paths.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    pems.push(
                        std::fs::read(path)
                            .map_err(|e| format!("cannot read public key {path}: {e}"))?,
                    );
                }
                Verifier::public_keys(alg, &pems, &config.jwt_issuer, &config.jwt_audience)
            }
        }
    }

    /// The issuers of a trust file; their keys are fetched from now on.
    pub fn federated(trust: super::trust::TrustFile) -> Result<Verifier, String> {
        let ring = super::jwks::KeyRing::start(trust.issuers)?;
        Ok(Verifier::of(Mode::Federated(super::federated::Federated {
            ring,
        })))
    }

    fn of(mode: Mode) -> Verifier {
        Verifier {
            mode,
            refused: Default::default(),
        }
    }

    pub fn hs256(secret: &Secret, issuer: &str, audience: &str) -> Result<Verifier, String> {
        let bytes = secret.expose().as_bytes();
        let key = DecodingKey::from_secret(bytes).map_err(|e| format!("bad HS256 secret: {e}"))?;
        let signing =
            EncodingKey::from_secret(bytes).map_err(|e| format!("bad HS256 secret: {e}"))?;
        Ok(Verifier::build(
            Algorithm::HS256,
            vec![key],
            Some(signing),
            issuer,
            audience,
        ))
    }

    /// RS256 or ES256 with one or more PEM public keys (more than one during a rotation).
    pub fn public_keys(
        alg: JwtAlgorithm,
        pems: &[Vec<u8>],
        issuer: &str,
        audience: &str,
    ) -> Result<Verifier, String> {
        let (algorithm, keys) = match alg {
            JwtAlgorithm::Rs256 => (
                Algorithm::RS256,
                pems.iter()
                    .map(|p| {
                        DecodingKey::from_rsa_pem(p).map_err(|e| format!("bad RSA public key: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            JwtAlgorithm::Es256 => (
                Algorithm::ES256,
                pems.iter()
                    .map(|p| {
                        DecodingKey::from_ec_pem(p).map_err(|e| format!("bad EC public key: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            JwtAlgorithm::Hs256 => return Err("HS256 takes a secret, not a public key".into()),
        };
        Ok(Verifier::build(algorithm, keys, None, issuer, audience))
    }

    fn build(
        algorithm: Algorithm,
        keys: Vec<DecodingKey>,
        signing: Option<EncodingKey>,
        issuer: &str,
        audience: &str,
    ) -> Verifier {
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Verifier::of(Mode::Single(Box::new(SingleKey {
            keys,
            validation,
            signing,
            algorithm,
            issuer: issuer.into(),
            audience: audience.into(),
        })))
    }

    /// Verifies a bearer token and turns it into a `Principal`; `401` with the reason.
    pub async fn verify(&self, token: &str) -> Result<Principal, AppError> {
        let result = match &self.mode {
            Mode::Single(single) => single.verify(token),
            Mode::Federated(federated) => federated.verify(token).await,
        };
        result.map_err(|r| {
            if let Some(i) = Refusal::ALL.iter().position(|x| *x == r.reason) {
                self.refused[i].fetch_add(1, Ordering::Relaxed);
            }
            AppError::Unauthenticated(r.detail)
        })
    }

    /// Whether a principal verified earlier (a webhook's creator, as it registered) would
    /// still be granted now: its issuer still trusted, for every force and role it holds. The
    /// trust file's grants are the only part of a principal the service can look at again
    /// without a token; as a token claiming more is refused, never trimmed, so is this.
    pub fn still_grants(&self, p: &Principal) -> bool {
        match (&self.mode, &p.issuer) {
            (Mode::Single(_), None) => true,
            (Mode::Single(_), Some(_)) | (Mode::Federated(_), None) => false,
            (Mode::Federated(f), Some(_)) => {
                super::trust::still_grants(f.ring.issuers.iter().map(|i| &i.issuer), p)
            }
        }
    }

    /// `/metrics`: tokens refused by reason, and each trusted issuer's keys.
    pub fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str("# HELP oversight_tokens_refused_total Bearer tokens refused, by reason.\n");
        out.push_str("# TYPE oversight_tokens_refused_total counter\n");
        for (i, reason) in Refusal::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "oversight_tokens_refused_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                self.refused[i].load(Ordering::Relaxed)
            );
        }
        let Mode::Federated(f) = &self.mode else {
            return;
        };
        let series: [(&str, &str, &str); 3] = [
            (
                "oversight_issuer_keys",
                "gauge",
                "Verification keys held for each trusted issuer.",
            ),
            (
                "oversight_issuer_keys_last_fetch_timestamp_seconds",
                "gauge",
                "When each issuer's keys were last fetched (0: never).",
            ),
            (
                "oversight_issuer_keys_fetch_failures_total",
                "counter",
                "Failed fetches of each issuer's keys.",
            ),
        ];
        for (n, (name, kind, help)) in series.iter().enumerate() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for issuer in &f.ring.issuers {
                let value = match n {
                    0 => issuer.stats.keys.load(Ordering::Relaxed) as i64,
                    1 => issuer.stats.last_success.load(Ordering::Relaxed),
                    _ => issuer.stats.failures.load(Ordering::Relaxed) as i64,
                };
                let _ = writeln!(
                    out,
                    "{name}{{issuer=\"{}\"}} {value}",
                    issuer
                        .issuer
                        .name
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                );
            }
        }
    }

    /// Mints a development token (HS256 only: the service never holds a private key).
    pub fn mint(
        &self,
        sub: &str,
        roles: &[Role],
        forces: &[String],
        ttl_secs: u64,
    ) -> Result<String, String> {
        let refusal = "tokens can only be minted with an HS256 secret; use your identity provider";
        let Mode::Single(single) = &self.mode else {
            return Err(refusal.into());
        };
        let key = single.signing.as_ref().ok_or(refusal)?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: sub.into(),
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
            forces: forces.to_vec(),
            iss: single.issuer.clone(),
            aud: Audience::One(single.audience.clone()),
            exp: now + ttl_secs,
            nbf: Some(now),
            iat: Some(now),
        };
        jsonwebtoken::encode(&Header::new(single.algorithm), &claims, key)
            .map_err(|e| e.to_string())
    }
}

impl SingleKey {
    fn verify(&self, token: &str) -> Result<Principal, Refused> {
        let mut last = None;
        for key in &self.keys {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return Ok(principal_of(data.claims)),
                Err(e) => last = Some(e),
            }
        }
        Err(refusal_of(last.as_ref()))
    }
}

fn principal_of(claims: Claims) -> Principal {
    let mut roles: Vec<Role> = Vec::new();
    for r in &claims.roles {
        match Role::parse(r) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            // Roles of other applications may share the identity provider: ignore them.
            None => tracing::debug!(token.role = %r, "ignoring unknown role"),
        }
    }
    let mut forces: Vec<String> = Vec::new();
    for f in claims.forces {
        if !forces.contains(&f) {
            forces.push(f);
        }
    }
    Principal {
        sub: Some(claims.sub),
        roles,
        forces,
        issuer: None,
    }
}

/// The HS256 secret of embedded mode: read from, or generated into, the database's directory.
fn embedded_secret(config: &Config) -> Result<Secret, String> {
    let dir = config
        .data_dir()
        .ok_or("no data directory for an embedded secret")?;
    let path = dir.join("jwt-secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let text = text.trim();
        if text.len() >= 32 {
            return Ok(Secret::new(text));
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a secret: {e}"))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &secret)?;
    Ok(Secret::new(secret))
}

pub(crate) fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    /// `verify` on a runtime of its own.
    trait Check {
        fn check(&self, token: &str) -> Result<Principal, AppError>;
    }

    impl Check for Verifier {
        fn check(&self, token: &str) -> Result<Principal, AppError> {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(self.verify(token))
        }
    }

    fn verifier() -> Verifier {
        Verifier::hs256(&Secret::new(SECRET), "oversight", "oversight").unwrap()
    }

    fn token_with(claims: serde_json::Value, alg: Algorithm, secret: &str) -> String {
        jsonwebtoken::encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    fn claims(exp_offset: i64) -> serde_json::Value {
        let now = jsonwebtoken::get_current_timestamp() as i64;
        serde_json::json!({"sub": "u1", "roles": ["force_editor", "someone_elses_role"], "forces": ["norfolk", "suffolk"],
            "iss": "oversight", "aud": "oversight", "exp": now + exp_offset})
    }

    #[test]
    fn a_valid_token_yields_its_roles_and_forces() {
        let p = verifier()
            .check(&token_with(claims(3600), Algorithm::HS256, SECRET))
            .unwrap();
        assert_eq!(p.sub.as_deref(), Some("u1"));
        assert_eq!(p.roles, vec![Role::ForceEditor]);
        assert!(p.acts_for("norfolk") && p.acts_for("suffolk") && !p.acts_for("kent"));
    }

    #[test]
    fn minted_tokens_verify() {
        let v = verifier();
        let t = v.mint("dev", &[Role::Admin], &[], 60).unwrap();
        assert!(v.check(&t).unwrap().has(Role::Admin));
    }

    #[test]
    fn an_expired_token_is_refused() {
        assert!(
            verifier()
                .check(&token_with(claims(-3600), Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn a_token_not_yet_valid_is_refused() {
        let mut c = claims(7200);
        c["nbf"] = serde_json::json!(jsonwebtoken::get_current_timestamp() + 3600);
        assert!(
            verifier()
                .check(&token_with(c, Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn a_token_for_another_audience_or_issuer_is_refused() {
        let mut c = claims(3600);
        c["aud"] = serde_json::json!("elsewhere");
        assert!(
            verifier()
                .check(&token_with(c, Algorithm::HS256, SECRET))
                .is_err()
        );
        let mut c = claims(3600);
        c["iss"] = serde_json::json!("elsewhere");
        assert!(
            verifier()
                .check(&token_with(c, Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn an_audience_given_as_a_list_must_hold_ours() {
        let with = |aud: serde_json::Value| {
            let mut c = claims(3600);
            c["aud"] = aud;
            verifier().check(&token_with(c, Algorithm::HS256, SECRET))
        };
        assert!(with(serde_json::json!(["api://other", "oversight"])).is_ok());
        assert!(with(serde_json::json!(["oversight"])).is_ok());
        assert!(with(serde_json::json!(["api://other"])).is_err());
        assert!(with(serde_json::json!([])).is_err());
        assert!(with(serde_json::json!(7)).is_err());
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let t = token_with(
            claims(3600),
            Algorithm::HS256,
            "another-secret-another-secret-another",
        );
        assert!(verifier().check(&t).is_err());
    }

    #[test]
    fn a_token_without_exp_is_refused() {
        let mut c = claims(3600);
        c.as_object_mut().unwrap().remove("exp");
        assert!(
            verifier()
                .check(&token_with(c, Algorithm::HS256, SECRET))
                .is_err()
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims(3600).to_string());
        assert!(verifier().check(&format!("{header}.{body}.")).is_err());
        assert!(verifier().check(&format!("{header}.{body}")).is_err());
    }

    #[test]
    fn an_algorithm_other_than_the_configured_one_is_refused() {
        // HS512 with the right secret: still refused, the algorithm is pinned.
        let t = token_with(claims(3600), Algorithm::HS512, SECRET);
        assert!(verifier().check(&t).is_err());
    }
}
