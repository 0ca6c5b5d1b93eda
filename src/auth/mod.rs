//! Authentication and authorization: OpenID Connect bearer tokens checked against the issuer's
//! keys, catalog roles mapped from a claim, and the policy table the GraphQL guards enforce.
//! Without an issuer the server runs in local mode: the local user is an administrator and the
//! server listens on loopback only.

pub mod browser;
pub mod sessions;
mod token;

use crate::audit::{Actor, Who};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
pub use token::{TokenError, Verifier};

/// The `[auth]` configuration section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// The OpenID Connect issuer URL (env ALMANAC_AUTH_ISSUER). None: local mode.
    pub issuer: Option<String>,
    /// Run in local mode even though an issuer is configured (env ALMANAC_AUTH_LOCAL_MODE=1):
    /// leaving out authentication is always said, never implied by an empty value.
    #[serde(deserialize_with = "flag")]
    pub local_mode: bool,
    /// The audience access tokens must name (env ALMANAC_AUTH_AUDIENCE).
    pub audience: Option<String>,
    /// The claim holding the caller's groups or roles; a dotted path reaches into objects
    /// (`realm_access.roles`).
    pub roles_claim: String,
    /// Claim value -> catalog roles. Values that are role names map to themselves.
    pub role_map: BTreeMap<String, Vec<String>>,
    /// Signature algorithms accepted (asymmetric only).
    pub algorithms: Vec<String>,
    /// Clock skew tolerated on `exp` and `nbf`, seconds.
    pub leeway_secs: u64,
    /// How often the issuer's keys are fetched again, seconds.
    pub jwks_refresh_secs: u64,
    /// Shortest time between two fetches caused by an unknown key id, seconds.
    pub jwks_min_refresh_secs: u64,
    /// Browser login (authorization code with PKCE): this catalog's client id at the issuer.
    pub client_id: Option<String>,
    /// The environment variable holding the client secret.
    pub client_secret_env: String,
    /// The public URL of `/auth/callback` as registered at the issuer. `https` makes the
    /// session cookie `Secure`.
    pub redirect_url: Option<String>,
    /// Longest life of a browser session, seconds (never beyond its access token's).
    pub session_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            issuer: None,
            local_mode: false,
            audience: None,
            roles_claim: "roles".into(),
            role_map: BTreeMap::new(),
            algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"].map(String::from).to_vec(),
            leeway_secs: 60,
            jwks_refresh_secs: 3600,
            jwks_min_refresh_secs: 10,
            client_id: None,
            client_secret_env: "ALMANAC_AUTH_CLIENT_SECRET".into(),
            redirect_url: None,
            session_secs: 8 * 3600,
        }
    }
}

/// A yes/no setting from a file (`true`) or an environment variable (`1`, `true`).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Int(0) => Ok(false),
        Flag::Int(1) => Ok(true),
        Flag::Text(t) if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
        Flag::Text(t) if t.eq_ignore_ascii_case("false") || t == "0" => Ok(false),
        _ => Err(serde::de::Error::custom("use true or false (1 or 0)")),
    }
}

impl AuthConfig {
    /// The issuer whose tokens the server requires, or None in local mode.
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.issuer.as_deref().filter(|_| !self.local_mode)
    }
}

/// The catalog's roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Analysts: search and read metadata.
    Viewer,
    /// Engineers: descriptions, tags, sources and scans.
    Editor,
    /// Confirm, reject and add personal-data classifications.
    Steward,
    /// Personal-data details, the audit log, erasure and access requests.
    PrivacyOfficer,
    /// Everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Viewer, Role::Editor, Role::Steward, Role::PrivacyOfficer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Steward => "steward",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The policy: which roles may do what. Every GraphQL guard looks up its operation here; the
/// README prints this table. `admin` may do everything and is not listed.
pub const POLICY: &[(&str, &[Role])] = &[
    (op::READ, &[Role::Viewer, Role::Editor, Role::Steward, Role::PrivacyOfficer]),
    (op::SOURCES, &[Role::Editor]),
    (op::CURATE, &[Role::Editor]),
    (op::CLASSIFY, &[Role::Steward, Role::PrivacyOfficer]),
    (op::EVIDENCE, &[Role::Steward, Role::PrivacyOfficer]),
    (op::MEANING, &[Role::Editor, Role::Steward]),
    (op::AUDIT, &[Role::PrivacyOfficer]),
    (op::LINEAGE, &[Role::Editor]),
    (op::ERASURE, &[Role::PrivacyOfficer]),
];

/// The operations of the policy table, by the names the guards use.
pub mod op {
    pub const READ: &str = "read metadata and search";
    pub const SOURCES: &str = "registerSource, scanSource";
    pub const CURATE: &str = "setDatasetDescription, setColumnDescription, setDatasetOwner, addTag, removeTag";
    pub const CLASSIFY: &str = "confirmClassification, rejectClassification, addClassification";
    pub const EVIDENCE: &str = "Classification.evidence";
    pub const MEANING: &str = "annotateMeaning, acknowledgeChange, dismissChange";
    pub const AUDIT: &str = "auditLog";
    pub const LINEAGE: &str = "addLineageSql, addLineageEdge, removeLineageEdge, POST /api/v1/lineage";
    pub const ERASURE: &str =
        "erasureRequest, createErasureRequest, planErasureRequest, approveErasureRequest, executeErasureRequest, verifyErasureRequest";
}

/// The roles allowed an operation of the policy table.
pub fn allowed(operation: &str) -> &'static [Role] {
    POLICY.iter().find(|(op, _)| *op == operation).map(|(_, r)| *r).unwrap_or(&[])
}

/// An authenticated caller.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Principal {
    pub actor: Actor,
    pub roles: BTreeSet<Role>,
    /// A client acting for itself (client-credentials token), not a person.
    pub service: bool,
}

impl Principal {
    /// The local user in local mode: an administrator.
    pub fn local() -> Principal {
        Principal { actor: Actor::local(), roles: [Role::Admin].into(), service: false }
    }

    /// Whether the caller may do `operation` of the policy table.
    pub fn may(&self, operation: &str) -> bool {
        self.roles.contains(&Role::Admin) || allowed(operation).iter().any(|r| self.roles.contains(r))
    }

    pub fn who(&self, request_id: Option<String>) -> Who {
        Who { actor: self.actor.clone(), request_id }
    }

    /// The caller named by verified token claims, with roles mapped by `config`.
    pub fn from_claims(claims: &serde_json::Value, config: &AuthConfig) -> Result<Principal, TokenError> {
        let sub = claims["sub"].as_str().filter(|s| !s.is_empty()).ok_or(TokenError::MissingClaim("sub"))?;
        let iss = claims["iss"].as_str().unwrap_or_default();
        let client = claims["client_id"].as_str().or_else(|| claims["azp"].as_str());
        let name = claims["name"].as_str().or_else(|| claims["preferred_username"].as_str()).or(client).map(str::to_string);
        let mut node = claims;
        for part in config.roles_claim.split('.') {
            node = &node[part];
        }
        let values: Vec<&str> = match node {
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
            serde_json::Value::String(s) => s.split_whitespace().collect(),
            _ => Vec::new(),
        };
        let mut roles = BTreeSet::new();
        for v in values {
            match config.role_map.get(v) {
                Some(mapped) => roles.extend(mapped.iter().filter_map(|r| Role::parse(r))),
                None => roles.extend(Role::parse(v)),
            }
        }
        Ok(Principal {
            actor: Actor { issuer: iss.to_string(), subject: sub.to_string(), name },
            roles,
            service: client.is_some_and(|c| c == sub),
        })
    }
}

/// Checks the role names of a role map.
pub fn validate(config: &AuthConfig) -> Result<(), String> {
    for (claim, roles) in &config.role_map {
        for r in roles {
            if Role::parse(r).is_none() {
                return Err(format!("auth.role_map.{claim}: `{r}` is not a role (viewer, editor, steward, privacy_officer, admin)"));
            }
        }
    }
    for a in &config.algorithms {
        if token::algorithm(a).is_none() {
            return Err(format!("auth.algorithms: `{a}` is not an accepted asymmetric algorithm"));
        }
    }
    if config.issuer.as_deref().is_some_and(|i| i.trim().is_empty()) {
        return Err("auth.issuer is empty: name the issuer, or set auth.local_mode = true to run without authentication".into());
    }
    if config.oidc_issuer().is_some() && config.audience.is_none() {
        return Err("auth.audience is required with auth.issuer".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_come_from_a_nested_claim_through_the_map() {
        let mut config = AuthConfig { roles_claim: "realm_access.roles".into(), ..Default::default() };
        config.role_map.insert("data-eng".into(), vec!["editor".into()]);
        let claims =
            json!({ "iss": "https://id", "sub": "u1", "name": "Ada", "realm_access": { "roles": ["data-eng", "viewer", "unknown"] } });
        let p = Principal::from_claims(&claims, &config).unwrap();
        assert_eq!(p.roles, [Role::Viewer, Role::Editor].into());
        assert_eq!(p.actor.name.as_deref(), Some("Ada"));
        assert!(!p.service);
        assert!(p.may(op::CURATE));
        assert!(!p.may(op::AUDIT));
        assert!(!p.may(op::EVIDENCE));
    }

    #[test]
    fn a_client_acting_for_itself_is_a_service_account_and_admin_may_all() {
        let claims = json!({ "iss": "https://id", "sub": "ci", "client_id": "ci", "roles": "admin" });
        let p = Principal::from_claims(&claims, &AuthConfig::default()).unwrap();
        assert!(p.service);
        assert!(POLICY.iter().all(|(op, _)| p.may(op)));
        assert!(Principal::from_claims(&json!({ "iss": "x" }), &AuthConfig::default()).is_err());
    }
}
