//! HTTP surface: the router (GraphQL at `/graphql`, GraphiQL on GET, OpenLineage events at
//! `/api/v1/lineage`, `/health`, the SDL at
//! `/schema.graphql`, browser login under `/auth/`), the checks every request passes (its
//! `Host` in local mode, see [`origin`]), a tracing span per request, and JSON refusals.

mod auth_routes;
pub mod graphql;
mod graphql_http;
mod health;
mod openlineage;
pub mod origin;

use crate::app::AppState;
use auth_routes::{callback, login, logout, session_info};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use graphql::AlmanacSchema;
use graphql_http::{graphiql, graphql_handler, sdl, ParsedDocuments};
use health::health;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Clone)]
struct ApiState {
    app: AppState,
    schema: AlmanacSchema,
    documents: Arc<ParsedDocuments>,
}

/// The full router over `app`.
pub fn router(app: AppState) -> Router {
    let schema = graphql::build_schema(app.clone());
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/api/v1/lineage", axum::routing::post(openlineage::post_lineage))
        .route("/health", get(health))
        .route("/schema.graphql", get(sdl))
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/session", get(session_info))
        .route("/auth/logout", axum::routing::post(logout))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(sessions(&app))
        .layer(middleware::from_fn_with_state(app.clone(), check_host))
        .layer(middleware::from_fn(request_span))
        .with_state(ApiState { app, schema, documents: Arc::default() })
}

/// Browser sessions, kept in the store: the cookie `almanac_session` is HttpOnly, SameSite=Lax,
/// and Secure when the login's redirect URL is https. A session is loaded only by a handler
/// that uses it, so API clients with bearer tokens never touch the session table.
fn sessions(app: &AppState) -> tower_sessions::SessionManagerLayer<crate::auth::sessions::StoreSessions> {
    let secure = app.browser.as_ref().is_some_and(|b| b.secure());
    tower_sessions::SessionManagerLayer::new(crate::auth::sessions::StoreSessions::new(app.catalog.connection().clone()))
        .with_name(crate::auth::browser::COOKIE)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
}

/// Serves `router(app)` on `listener` until `shutdown` resolves.
pub async fn serve(
    app: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Keep the search index following the store's outbox while serving.
    let follower = app.search.clone().map(|index| crate::search::spawn_follower(index, app.catalog.clone()));
    let result = axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await;
    if let Some(f) = follower {
        f.abort();
    }
    result
}

/// A refusal before GraphQL runs: a status and a reason, never data.
fn refuse(status: StatusCode, reason: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "INVALID_REQUEST",
        StatusCode::UNAUTHORIZED => "UNAUTHENTICATED",
        StatusCode::FORBIDDEN => "FORBIDDEN",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::MISDIRECTED_REQUEST => "UNKNOWN_HOST",
        s if s.is_server_error() => "INTERNAL",
        _ => "REFUSED",
    };
    let mut res = (status, Json(serde_json::json!({ "error": reason, "code": code }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"almanac\""));
    }
    res
}

/// In local mode, answers only requests addressed to this machine (see [`origin`]).
async fn check_host(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    let local_mode = app.config.auth.oidc_issuer().is_none();
    if let Err(reason) = origin::host_allowed(host, local_mode, &app.config.api.allowed_hosts) {
        tracing::info!(host = host.unwrap_or(""), "refused a request for a foreign host");
        return refuse(StatusCode::MISDIRECTED_REQUEST, &reason);
    }
    next.run(req).await
}

/// Any path the server does not serve.
async fn not_found(req: Request) -> Response {
    refuse(StatusCode::NOT_FOUND, &format!("no such path: {} {}", req.method(), req.uri().path()))
}

async fn method_not_allowed(req: Request) -> Response {
    refuse(StatusCode::METHOD_NOT_ALLOWED, &format!("{} does not answer {}", req.uri().path(), req.method()))
}

static REQUEST_SEQ: AtomicU64 = AtomicU64::new(1);

async fn request_span(mut req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_string)
        .unwrap_or_else(|| format!("req-{}", REQUEST_SEQ.fetch_add(1, Ordering::Relaxed)));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id);
    let started = std::time::Instant::now();
    let mut response = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    span.in_scope(|| {
        tracing::debug!(status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request done")
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
