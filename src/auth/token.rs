//! Access-token checks: a JWT signed by one of the issuer's keys with an allowed asymmetric
//! algorithm, for this audience, within its validity window. The issuer's discovery document
//! and key set come through the openidconnect crate; keys are fetched again on a schedule and
//! when a token names an unknown key id (at most once per `jwks_min_refresh_secs`).

use super::AuthConfig;
use base64::Engine;
use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{IssuerUrl, JsonWebKey, JsonWebKeySetUrl};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why a token was refused. The message is safe to show to the caller.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("no bearer token: send `Authorization: Bearer <access token>`")]
    Missing,
    #[error("the token is larger than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the token is not a signed JWT (header.payload.signature)")]
    Malformed,
    #[error("the token's algorithm `{0}` is not accepted")]
    AlgorithmNotAllowed(String),
    #[error("the token was signed with a key the issuer does not publish")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    #[error("the token is not meant for this API (audience)")]
    WrongAudience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(&'static str),
    #[error("the issuer's keys cannot be fetched: {0}")]
    Keys(String),
}

/// The accepted algorithm names (asymmetric only: never `none`, never an HMAC).
pub(super) fn algorithm(name: &str) -> Option<CoreJwsSigningAlgorithm> {
    Some(match name {
        "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        "RS384" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
        "RS512" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
        "PS256" => CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        "PS384" => CoreJwsSigningAlgorithm::RsaSsaPssSha384,
        "PS512" => CoreJwsSigningAlgorithm::RsaSsaPssSha512,
        "ES256" => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        "ES384" => CoreJwsSigningAlgorithm::EcdsaP384Sha384,
        _ => return None,
    })
}

struct Keys {
    set: CoreJsonWebKeySet,
    fetched: Instant,
}

/// Checks access tokens of one issuer.
pub struct Verifier {
    issuer: String,
    audience: String,
    algorithms: Vec<String>,
    leeway: u64,
    refresh: Duration,
    min_refresh: Duration,
    jwks_url: Option<JsonWebKeySetUrl>,
    http: openidconnect::reqwest::Client,
    metadata: Option<CoreProviderMetadata>,
    keys: RwLock<Keys>,
    last_forced: Mutex<Option<Instant>>,
}

fn b64(part: &str) -> Result<Vec<u8>, TokenError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).map_err(|_| TokenError::Malformed)
}

/// An error with the errors that caused it (`Request failed: error sending request:
/// connection refused`): the outermost alone rarely says what went wrong.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

impl Verifier {
    /// Reads the issuer's discovery document and key set.
    pub async fn discover(config: &AuthConfig) -> Result<Verifier, String> {
        let issuer = config.issuer.clone().ok_or("no issuer configured")?;
        config.audience.as_ref().ok_or("auth.audience is required with auth.issuer")?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        let url = IssuerUrl::new(issuer.clone()).map_err(|e| format!("auth.issuer `{issuer}`: {e}"))?;
        let document = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let meta = CoreProviderMetadata::discover_async(url, &http)
            .await
            .map_err(|e| format!("OpenID discovery failed reading {document}: {}", with_causes(&e)))?;
        let jwks_url = meta.jwks_uri().clone();
        let set = meta.jwks().clone();
        let mut v = Verifier::with_keys(config, set);
        v.jwks_url = Some(jwks_url);
        v.http = http;
        v.metadata = Some(meta);
        Ok(v)
    }

    /// A verifier over a fixed key set (no refresh): for tests and offline checks.
    pub fn with_keys(config: &AuthConfig, set: CoreJsonWebKeySet) -> Verifier {
        Verifier {
            issuer: config.issuer.clone().unwrap_or_default(),
            audience: config.audience.clone().unwrap_or_default(),
            algorithms: config.algorithms.clone(),
            leeway: config.leeway_secs,
            refresh: Duration::from_secs(config.jwks_refresh_secs),
            min_refresh: Duration::from_secs(config.jwks_min_refresh_secs),
            jwks_url: None,
            http: openidconnect::reqwest::Client::new(),
            metadata: None,
            keys: RwLock::new(Keys { set, fetched: Instant::now() }),
            last_forced: Mutex::new(None),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The discovery document (absent for a verifier over fixed keys).
    pub fn metadata(&self) -> Option<&CoreProviderMetadata> {
        self.metadata.as_ref()
    }

    /// The HTTP client used towards the issuer (no redirects, 10 s timeout).
    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

    /// The issuer's keys as last fetched.
    pub async fn keys(&self) -> CoreJsonWebKeySet {
        self.keys.read().await.set.clone()
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    async fn fetch(&self) -> Result<(), TokenError> {
        let Some(url) = &self.jwks_url else { return Ok(()) };
        let set = CoreJsonWebKeySet::fetch_async(url, &self.http)
            .await
            .map_err(|e| TokenError::Keys(format!("{}: {}", url.as_str(), with_causes(&e))))?;
        tracing::info!(keys = set.keys().len(), "fetched the issuer's signing keys");
        *self.keys.write().await = Keys { set, fetched: Instant::now() };
        Ok(())
    }

    /// The key named `kid` (or the only signing key when the token names none).
    async fn key(&self, kid: Option<&str>) -> Option<CoreJsonWebKey> {
        let keys = self.keys.read().await;
        let all = keys.set.keys();
        match kid {
            Some(kid) => all.iter().find(|k| k.key_id().map(|i| i.as_str()) == Some(kid)).cloned(),
            None if all.len() == 1 => all.first().cloned(),
            None => None,
        }
    }

    /// Checks a token; returns its claims.
    pub async fn verify(&self, token: &str) -> Result<serde_json::Value, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(TokenError::Malformed);
        };
        let header: serde_json::Value = serde_json::from_slice(&b64(h)?).map_err(|_| TokenError::Malformed)?;
        let alg_name = header["alg"].as_str().ok_or(TokenError::Malformed)?;
        if !self.algorithms.iter().any(|a| a == alg_name) {
            return Err(TokenError::AlgorithmNotAllowed(alg_name.chars().take(20).collect()));
        }
        let alg = algorithm(alg_name).ok_or_else(|| TokenError::AlgorithmNotAllowed(alg_name.into()))?;
        let signature = b64(s)?;
        let kid = header["kid"].as_str();

        // Keys on a schedule; an unknown key id forces a fetch, rate-limited.
        if self.jwks_url.is_some() && self.keys.read().await.fetched.elapsed() > self.refresh {
            self.fetch().await?;
        }
        let key = match self.key(kid).await {
            Some(k) => k,
            None => {
                let mut last = self.last_forced.lock().await;
                if self.jwks_url.is_some() && last.is_none_or(|t| t.elapsed() >= self.min_refresh) {
                    *last = Some(Instant::now());
                    self.fetch().await?;
                }
                drop(last);
                self.key(kid).await.ok_or(TokenError::UnknownKey)?
            }
        };
        let signing_input = &token[..h.len() + 1 + p.len()];
        key.verify_signature(&alg, signing_input.as_bytes(), &signature).map_err(|_| TokenError::BadSignature)?;

        let claims: serde_json::Value = serde_json::from_slice(&b64(p)?).map_err(|_| TokenError::Malformed)?;
        if claims["iss"].as_str() != Some(self.issuer.as_str()) {
            return Err(TokenError::WrongIssuer);
        }
        let aud_ok = match &claims["aud"] {
            serde_json::Value::String(a) => *a == self.audience,
            serde_json::Value::Array(list) => list.iter().any(|a| a.as_str() == Some(self.audience.as_str())),
            _ => false,
        };
        if !aud_ok {
            return Err(TokenError::WrongAudience);
        }
        let now = chrono::Utc::now().timestamp();
        let exp = claims["exp"].as_i64().ok_or(TokenError::MissingClaim("exp"))?;
        if now > exp.saturating_add(self.leeway as i64) {
            return Err(TokenError::Expired);
        }
        if let Some(nbf) = claims["nbf"].as_i64() {
            if now.saturating_add(self.leeway as i64) < nbf {
                return Err(TokenError::NotYetValid);
            }
        }
        Ok(claims)
    }
}
