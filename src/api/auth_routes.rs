//! Browser login routes: `/auth/login` (to the issuer, with PKCE), `/auth/callback` (the
//! session cookie), `/auth/session` (who, and the CSRF token), `/auth/logout`.

use super::{refuse, ApiState};
use crate::auth::browser::{self, BrowserLogin};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower_sessions::Session;

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
pub(super) async fn login(
    State(state): State<ApiState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    match b.start(&session, q.return_to.as_deref()).await {
        Ok(url) => axum::response::Redirect::to(&url).into_response(),
        Err(e) => refuse(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}

/// The issuer sends the browser back here with a code.
pub(super) async fn callback(
    State(state): State<ApiState>,
    session: Session,
    axum::extract::Query(q): axum::extract::Query<CallbackQuery>,
) -> Response {
    let Some(b) = &state.app.browser else { return no_browser_login() };
    if let Some(err) = q.error {
        return refuse(StatusCode::BAD_REQUEST, &format!("the issuer ended the login: {err} {}", q.error_description.unwrap_or_default()));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else { return refuse(StatusCode::BAD_REQUEST, "the callback needs code and state") };
    match b.finish(&session, &code, &st).await {
        Ok((user, to)) => {
            tracing::info!(subject = %user.principal.actor.subject, "browser login");
            axum::response::Redirect::to(&to).into_response()
        }
        Err(e @ browser::LoginError::State) => refuse(StatusCode::BAD_REQUEST, &e.to_string()),
        Err(e @ browser::LoginError::Store(_)) => {
            tracing::error!(error = %e, "browser login");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the session could not be kept; see the server log")
        }
        Err(e) => refuse(StatusCode::UNAUTHORIZED, &e.to_string()),
    }
}

/// Who the session belongs to, and its CSRF token (for the `x-csrf-token` header).
pub(super) async fn session_info(State(state): State<ApiState>, session: Session) -> Response {
    if state.app.browser.is_none() {
        return no_browser_login();
    }
    match BrowserLogin::logged_in(&session).await {
        Ok(Some(s)) => Json(serde_json::json!({
            "issuer": s.principal.actor.issuer,
            "subject": s.principal.actor.subject,
            "name": s.principal.actor.name,
            "roles": s.principal.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "csrfToken": s.csrf,
        }))
        .into_response(),
        Ok(None) => refuse(StatusCode::UNAUTHORIZED, "no session; log in at /auth/login"),
        Err(e) => {
            tracing::error!(error = %e, "reading a browser session");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the session could not be read; see the server log")
        }
    }
}

/// Ends the session (POST with the CSRF token) and clears the cookie.
pub(super) async fn logout(State(state): State<ApiState>, session: Session, headers: axum::http::HeaderMap) -> Response {
    if state.app.browser.is_none() {
        return no_browser_login();
    }
    let Ok(Some(s)) = BrowserLogin::logged_in(&session).await else { return refuse(StatusCode::UNAUTHORIZED, "no session") };
    if headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != Some(s.csrf.as_str()) {
        return refuse(StatusCode::FORBIDDEN, "logout needs the session's CSRF token in x-csrf-token");
    }
    if let Err(e) = BrowserLogin::logout(&session).await {
        tracing::error!(error = %e, "ending a browser session");
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "the session could not be ended; see the server log");
    }
    Json(serde_json::json!({ "loggedOut": true })).into_response()
}
