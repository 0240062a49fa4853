//! Who is calling: the `Principal` a verified token yields (each API verifies tokens its own
//! way), and `policy`, which holds every access rule.

pub mod policy;

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// A role a token may carry.
    Role {
        ForceViewer => "force_viewer",
        ForceEditor => "force_editor",
        OpccEditor => "opcc_editor",
        Analyst => "analyst",
        Inspectorate => "inspectorate",
        Admin => "admin",
    }
}

/// The caller: a verified token's subject, roles and forces, or an anonymous caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Principal {
    pub sub: Option<String>,
    pub roles: Vec<Role>,
    pub forces: Vec<String>,
    /// The trusted issuer's name, with a trust file: subjects are only unique within one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal::default()
    }

    pub fn new(sub: &str, roles: &[Role], forces: &[&str]) -> Principal {
        Principal {
            sub: Some(sub.to_string()),
            roles: roles.to_vec(),
            forces: forces.iter().map(|f| f.to_string()).collect(),
            issuer: None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.sub.is_none()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// Whether the token names this force.
    pub fn acts_for(&self, force: &str) -> bool {
        self.forces.iter().any(|f| f == force)
    }

    /// The name written in audit events, and the rate limit's key: the subject, after its
    /// issuer's name where a trust file names issuers (`norfolk-suffolk:8f3c…`).
    pub fn actor(&self) -> String {
        match (&self.issuer, &self.sub) {
            (Some(issuer), Some(sub)) => format!("{issuer}:{sub}"),
            (_, Some(sub)) => sub.clone(),
            (_, None) => "anonymous".into(),
        }
    }
}
