//! Browser login: the authorization-code flow with PKCE against the issuer, then a session
//! cookie (HttpOnly, SameSite=Lax, Secure on https) naming a session kept in the store (see
//! [`super::sessions`]). The login in progress (state, PKCE verifier, nonce, where to return)
//! is kept in the browser's session: the state is single-use, expires after ten minutes, and
//! only completes the login in the browser that started it. A login gets a new session id
//! (no fixation). Cookie-authenticated mutations must repeat the session's CSRF token in the
//! `x-csrf-token` header.

use super::{AuthConfig, Principal, Verifier};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdTokenVerifier};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::Session;

/// The session cookie's name.
pub const COOKIE: &str = "almanac_session";
const LOGIN_TTL: Duration = Duration::from_secs(600);
/// Where a session keeps the login in progress, and who logged in.
const PENDING_KEY: &str = "login";
const USER_KEY: &str = "user";

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    nonce: String,
    return_to: String,
}

/// A logged-in browser: who, and the CSRF token its mutations repeat.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoggedIn {
    pub principal: Principal,
    pub csrf: String,
}

fn expiry_in(life: Duration) -> tower_sessions::Expiry {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(i64::try_from(life.as_secs()).unwrap_or(i64::MAX / 2));
    tower_sessions::Expiry::AtDateTime(at)
}

/// Browser login for one issuer and client.
pub struct BrowserLogin {
    verifier: Arc<Verifier>,
    client_id: String,
    client_secret: String,
    redirect: String,
    session_secs: u64,
    config: AuthConfig,
}

/// Why a login step failed (shown to the browser; never holds tokens).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("unknown or expired login state; start again at /auth/login")]
    State,
    #[error("the session store failed: {0}")]
    Store(String),
    #[error("the issuer refused the login: {0}")]
    Issuer(String),
    #[error("the issuer's tokens do not hold: {0}")]
    Token(String),
}

/// An error with its causes, for a clear message (`Request failed: connection refused`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Only same-site paths are followed after login (no open redirect).
fn safe_return(to: Option<&str>) -> String {
    match to {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/graphql".to_string(),
    }
}

impl BrowserLogin {
    /// Browser login when the configuration names a client and a redirect URL.
    pub fn new(config: &AuthConfig, verifier: Arc<Verifier>) -> Result<Option<BrowserLogin>, String> {
        let (Some(client_id), Some(redirect)) = (&config.client_id, &config.redirect_url) else { return Ok(None) };
        if verifier.metadata().is_none() {
            return Ok(None);
        }
        RedirectUrl::new(redirect.clone()).map_err(|e| format!("auth.redirect_url: {e}"))?;
        let client_secret = std::env::var(&config.client_secret_env)
            .map_err(|_| format!("browser login needs the client secret in ${}", config.client_secret_env))?;
        Ok(Some(BrowserLogin {
            verifier,
            client_id: client_id.clone(),
            client_secret,
            redirect: redirect.clone(),
            session_secs: config.session_secs,
            config: config.clone(),
        }))
    }

    /// Whether the session cookie must be `Secure`.
    pub fn secure(&self) -> bool {
        self.redirect.starts_with("https://")
    }

    fn client(
        &self,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        LoginError,
    > {
        let meta = self.verifier.metadata().ok_or(LoginError::State)?.clone();
        let redirect = RedirectUrl::new(self.redirect.clone()).map_err(|e| LoginError::Issuer(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            meta,
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a login in the browser's `session`: returns the issuer URL to send it to.
    pub async fn start(&self, session: &Session, return_to: Option<&str>) -> Result<String, LoginError> {
        let client = self.client()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("profile".into()))
            .add_extra_param("resource", self.verifier.audience().to_string())
            .set_pkce_challenge(challenge)
            .url();
        let pending = Pending {
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            return_to: safe_return(return_to),
        };
        session.insert(PENDING_KEY, pending).await.map_err(store)?;
        session.set_expiry(Some(expiry_in(LOGIN_TTL)));
        Ok(url.to_string())
    }

    /// Finishes a login: checks the state against the one this browser's session holds,
    /// redeems the code with the PKCE verifier, checks the ID token (signature, audience,
    /// nonce) and the access token, and logs the session in under a new id. Returns who and
    /// where to send the browser.
    pub async fn finish(&self, session: &Session, code: &str, state: &str) -> Result<(LoggedIn, String), LoginError> {
        let pending: Pending = session.get(PENDING_KEY).await.map_err(store)?.ok_or(LoginError::State)?;
        // A forged state leaves the real login in progress alone; a used one is gone.
        if pending.state != state {
            return Err(LoginError::State);
        }
        session.remove::<Pending>(PENDING_KEY).await.map_err(store)?;
        let client = self.client()?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| LoginError::Issuer(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .add_extra_param("resource", self.verifier.audience().to_string())
            .request_async(self.verifier.http())
            .await
            .map_err(|e| LoginError::Issuer(error_chain(&e)))?;
        // The access token first: checking it fetches the issuer's keys again if they rotated.
        let claims = self.verifier.verify(tokens.access_token().secret()).await.map_err(|e| LoginError::Token(e.to_string()))?;
        let principal = Principal::from_claims(&claims, &self.config).map_err(|e| LoginError::Token(e.to_string()))?;
        let id_token = tokens.id_token().ok_or_else(|| LoginError::Token("no ID token".into()))?;
        let issuer = IssuerUrl::new(self.verifier.issuer().to_string()).map_err(|e| LoginError::Token(e.to_string()))?;
        let id_verifier = CoreIdTokenVerifier::new_confidential_client(
            ClientId::new(self.client_id.clone()),
            ClientSecret::new(self.client_secret.clone()),
            issuer,
            self.verifier.keys().await,
        );
        let id_claims = id_token.claims(&id_verifier, &Nonce::new(pending.nonce)).map_err(|e| LoginError::Token(e.to_string()))?;
        if id_claims.subject().as_str() != principal.actor.subject {
            return Err(LoginError::Token("the ID token and the access token name different subjects".into()));
        }
        let exp = claims["exp"].as_i64().unwrap_or(0) - chrono::Utc::now().timestamp();
        let life = Duration::from_secs((exp.max(0) as u64).min(self.session_secs));
        let user = LoggedIn { principal, csrf: CsrfToken::new_random_len(32).secret().clone() };
        // A new id for the logged-in session: an id planted before the login is worthless.
        session.cycle_id().await.map_err(store)?;
        session.insert(USER_KEY, user.clone()).await.map_err(store)?;
        session.set_expiry(Some(expiry_in(life)));
        Ok((user, pending.return_to))
    }

    /// Who the browser's session belongs to, if it is logged in.
    pub async fn logged_in(session: &Session) -> Result<Option<LoggedIn>, LoginError> {
        session.get(USER_KEY).await.map_err(store)
    }

    /// Ends the session.
    pub async fn logout(session: &Session) -> Result<(), LoginError> {
        session.flush().await.map_err(store)
    }
}

fn store(e: tower_sessions::session::Error) -> LoginError {
    LoginError::Store(e.to_string())
}
