//! Browser login routes: `/auth/login` (to the issuer, with PKCE), `/auth/callback` (the
//! session cookie), `/auth/session` (who, and the CSRF token), `/auth/logout`.

use super::{refuse, ApiState};
use crate::auth::browser;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The session cookie's value, if the request carries one.
pub(super) fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(browser::COOKIE).and_then(|r| r.strip_prefix('=')))
        .map(str::to_string)
}

#[derive(serde::Deserialize)]
pub(super) struct LoginQuery {
    return_to: Option<String>,
}

#[derive(serde::Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn no_browser_login() -> Response {
    refuse(StatusCode::NOT_FOUND, "browser login is not configured (auth.issuer, auth.client_id, auth.redirect_url)")
}

/// Starts a browser login at the issuer.
pub(super) async fn login(State(state): State<ApiState>, axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    match b.start(q.return_to.as_deref()) {
        Ok(url) => axum::response::Redirect::to(&url).into_response(),
        Err(e) => refuse(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}

fn cookie(name: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")).expect("cookie is ASCII")
}

/// The issuer sends the browser back here with a code.
pub(super) async fn callback(State(state): State<ApiState>, axum::extract::Query(q): axum::extract::Query<CallbackQuery>) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    if let Some(err) = q.error {
        return refuse(StatusCode::BAD_REQUEST, &format!("the issuer ended the login: {err} {}", q.error_description.unwrap_or_default()));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else { return refuse(StatusCode::BAD_REQUEST, "the callback needs code and state") };
    match b.finish(&code, &st).await {
        Ok((id, session, to)) => {
            tracing::info!(subject = %session.principal.actor.subject, "browser login");
            let life = session.expires.saturating_duration_since(std::time::Instant::now()).as_secs();
            let mut res = axum::response::Redirect::to(&to).into_response();
            res.headers_mut().insert(header::SET_COOKIE, cookie(browser::COOKIE, &id, life, b.secure()));
            res
        }
        Err(e @ browser::LoginError::State) => refuse(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e) => refuse(StatusCode::UNAUTHORIZED, &e.to_string()),
    }
}

/// Who the session belongs to, and its CSRF token (for the `x-csrf-token` header).
pub(super) async fn session_info(State(state): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    match session_cookie(&headers).and_then(|id| b.session(&id)) {
        Some(s) => Json(serde_json::json!({
            "issuer": s.principal.actor.issuer,
            "subject": s.principal.actor.subject,
            "name": s.principal.actor.name,
            "roles": s.principal.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "csrfToken": s.csrf,
        }))
        .into_response(),
        None => refuse(StatusCode::UNAUTHORIZED, "no session; log in at /auth/login"),
    }
}

/// Ends the session (POST with the CSRF token) and clears the cookie.
pub(super) async fn logout(State(state): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    let Some(id) = session_cookie(&headers) else { return refuse(StatusCode::UNAUTHORIZED, "no session") };
    if let Some(s) = b.session(&id) {
        if headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != Some(s.csrf.as_str()) {
            return refuse(StatusCode::FORBIDDEN, "logout needs the session's CSRF token in x-csrf-token");
        }
    }
    b.logout(&id);
    let mut res = Json(serde_json::json!({ "loggedOut": true })).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(browser::COOKIE, "", 0, b.secure()));
    res
}

