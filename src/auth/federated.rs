//! Tokens of many identity providers (`OVERSIGHT_TRUST_FILE`): a token is checked against the
//! one issuer its `iss` names, with that issuer's keys alone (by `kid`), algorithms and
//! audiences, and may grant only the forces and roles that issuer may grant. A token that
//! claims more is refused, never trimmed.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;

use super::jwks::{Key, KeyRing};
use super::jwt::{LEEWAY_SECS, Refusal, Refused};
use super::trust::Issuer;
use super::{Principal, Role};

pub struct Federated {
    pub ring: KeyRing,
}

fn refused(reason: Refusal, detail: impl Into<String>) -> Refused {
    Refused {
        reason,
        detail: detail.into(),
    }
}

/// The unverified claims, read only to choose the issuer whose keys then decide.
fn unverified_claims(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The value at a dotted claim path (`ext.forces`).
fn at_path<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(claims, |v, key| v.get(key))
}

/// A claim of one string or a list of strings; anything else is refused.
fn strings(claims: &Value, path: &str) -> Result<Vec<String>, Refused> {
    match at_path(claims, path) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::String(s)) => Ok(s.split_whitespace().map(str::to_string).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    refused(
                        Refusal::Claims,
                        format!("the claim `{path}` holds something other than strings"),
                    )
                })
            })
            .collect(),
        Some(_) => Err(refused(
            Refusal::Claims,
            format!("the claim `{path}` is not a string or a list of strings"),
        )),
    }
}

fn keys_for<'a>(keys: &'a [Key], kid: Option<&str>, alg: Algorithm) -> Vec<&'a Key> {
    keys.iter()
        .filter(|k| k.algorithm == alg)
        .filter(|k| match (kid, &k.kid) {
            (Some(want), Some(have)) => want == have,
            // A key without a kid serves any token; a token without one tries every key.
            _ => true,
        })
        .collect()
}

impl Federated {
    pub async fn verify(&self, token: &str) -> Result<Principal, Refused> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| refused(Refusal::Malformed, "the token is not a JWT"))?;
        let claims = unverified_claims(token)
            .ok_or_else(|| refused(Refusal::Malformed, "the token is not a JWT"))?;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| refused(Refusal::Claims, "the token lacks a required claim (iss)"))?;
        let issuer_keys = self.ring.find(iss).ok_or_else(|| {
            refused(
                Refusal::Issuer,
                "the token is from an issuer this service does not trust",
            )
        })?;
        let issuer = &issuer_keys.issuer;
        if !issuer.algorithms.contains(&header.alg) {
            return Err(refused(
                Refusal::Algorithm,
                format!(
                    "the token's algorithm is not accepted for issuer {}",
                    issuer.name
                ),
            ));
        }
        let kid = header.kid.as_deref();
        let mut keys = issuer_keys.keys();
        if keys_for(&keys, kid, header.alg).is_empty() && kid.is_some() {
            // A key the provider may have rotated in: ask for its keys again (rate limited).
            self.ring.refreshed(issuer_keys).await;
            keys = issuer_keys.keys();
        }
        let candidates = keys_for(&keys, kid, header.alg);
        if candidates.is_empty() {
            return Err(refused(
                Refusal::UnknownKey,
                format!(
                    "the token's signing key is not one of issuer {}'s",
                    issuer.name
                ),
            ));
        }
        let validation = validation(issuer, header.alg);
        let mut last = None;
        for key in candidates {
            match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
                Ok(data) => return principal_of(issuer, &data.claims),
                Err(e) => last = Some(e),
            }
        }
        Err(super::jwt::refusal_of(last.as_ref()))
    }
}

fn validation(issuer: &Issuer, alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.algorithms = vec![alg];
    v.set_issuer(&[&issuer.issuer]);
    v.set_audience(&issuer.audiences);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_exp = true;
    v.validate_nbf = true;
    v.leeway = LEEWAY_SECS;
    v
}

/// The principal a verified token names, within its issuer's bounds.
fn principal_of(issuer: &Issuer, claims: &Value) -> Result<Principal, Refused> {
    let number = |k: &str| claims.get(k).and_then(Value::as_i64);
    let exp = number("exp").unwrap_or_default();
    let lifetime = match number("iat") {
        Some(iat) => exp - iat,
        None => exp - crate::types::now().and_utc().timestamp(),
    };
    if lifetime > issuer.max_lifetime_secs as i64 {
        return Err(refused(
            Refusal::Lifetime,
            format!(
                "the token lives {lifetime} s, longer than issuer {} allows ({} s)",
                issuer.name, issuer.max_lifetime_secs
            ),
        ));
    }
    // A person's `sub`; an integration's client-credentials token may name its client instead
    // (`azp`, Entra ID's `appid`, RFC 9068's `client_id`).
    let subject = ["sub", "azp", "appid", "client_id"]
        .iter()
        .find_map(|k| {
            claims
                .get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .ok_or_else(|| {
            refused(
                Refusal::Claims,
                "the token names no subject (sub, azp, appid or client_id)",
            )
        })?;
    let mut roles = Vec::new();
    for name in strings(claims, &issuer.roles_claim)? {
        // Roles of other applications may share the identity provider: not Oversight's.
        let Some(role) = Role::parse(&name) else {
            continue;
        };
        if !issuer.roles.contains(&role) {
            return Err(refused(
                Refusal::Bounds,
                format!(
                    "the token claims the role {name}, which issuer {} may not grant",
                    issuer.name
                ),
            ));
        }
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    let mut forces: Vec<String> = Vec::new();
    for force in strings(claims, &issuer.forces_claim)? {
        if !issuer.forces.allows(&force) {
            return Err(refused(
                Refusal::Bounds,
                format!(
                    "the token claims the force {force}, which issuer {} may not grant",
                    issuer.name
                ),
            ));
        }
        if !forces.contains(&force) {
            forces.push(force);
        }
    }
    Ok(Principal {
        sub: Some(subject.to_string()),
        roles,
        forces,
        issuer: Some(issuer.name.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::trust::{Forces, KeySource};

    fn issuer() -> Issuer {
        Issuer {
            name: "norfolk-suffolk".into(),
            issuer: "https://login.example/ns".into(),
            keys: KeySource::Jwks("https://login.example/ns/keys".into()),
            audiences: vec!["api://oversight".into()],
            algorithms: vec![Algorithm::RS256],
            forces: Forces::Only(vec!["norfolk".into(), "suffolk".into()]),
            roles: vec![Role::ForceViewer, Role::ForceEditor],
            roles_claim: "roles".into(),
            forces_claim: "ext.forces".into(),
            max_lifetime_secs: 3600,
            allow_http: false,
        }
    }

    fn claims(extra: Value) -> Value {
        let now = crate::types::now().and_utc().timestamp();
        let mut c = serde_json::json!({"sub": "u1", "iat": now, "exp": now + 600,
            "roles": ["force_editor", "Directory.Read"], "ext": {"forces": ["suffolk"]}});
        if let (Some(c), Value::Object(e)) = (c.as_object_mut(), extra) {
            c.extend(e);
        }
        c
    }

    #[test]
    fn claims_within_bounds_make_the_principal_and_others_are_refused() {
        let p = principal_of(&issuer(), &claims(serde_json::json!({}))).unwrap();
        assert_eq!(p.roles, vec![Role::ForceEditor]);
        assert_eq!(p.forces, vec!["suffolk"]);
        assert_eq!(p.actor(), "norfolk-suffolk:u1");
        for (extra, expected) in [
            (serde_json::json!({"roles": ["admin"]}), "the role admin"),
            (
                serde_json::json!({"ext": {"forces": ["kent"]}}),
                "the force kent",
            ),
            (
                serde_json::json!({"ext": {"forces": "suffolk kent"}}),
                "the force kent",
            ),
            (serde_json::json!({"roles": [1]}), "other than strings"),
            (
                serde_json::json!({"exp": 99_999_999_999i64}),
                "longer than issuer",
            ),
        ] {
            let e = principal_of(&issuer(), &claims(extra.clone())).unwrap_err();
            assert!(e.detail.contains(expected), "{extra}: {}", e.detail);
        }
    }

    #[test]
    fn an_integration_is_named_by_its_client_when_it_has_no_sub() {
        let mut c = claims(serde_json::json!({"azp": "intranet-sync"}));
        c.as_object_mut().unwrap().remove("sub");
        assert_eq!(
            principal_of(&issuer(), &c).unwrap().sub.as_deref(),
            Some("intranet-sync")
        );
        c.as_object_mut().unwrap().remove("azp");
        assert!(principal_of(&issuer(), &c).is_err());
    }
}
