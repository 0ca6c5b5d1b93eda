//! HTTP surface: GraphQL at `/graphql` (GraphiQL on GET), `/health`, and the SDL at
//! `/schema.graphql`, with a tracing span per request.

pub mod graphql;

use crate::app::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use crate::auth::{Principal, TokenError};
use graphql::AlmanacSchema;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone)]
struct ApiState {
    app: AppState,
    schema: AlmanacSchema,
}

/// The full router over `app`.
pub fn router(app: AppState) -> Router {
    let schema = graphql::build_schema(app.clone());
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/health", get(health))
        .route("/schema.graphql", get(sdl))
        .layer(middleware::from_fn(request_span))
        .with_state(ApiState { app, schema })
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
    let mut res = (status, Json(serde_json::json!({ "error": reason }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"almanac\""));
    }
    res
}

/// Who calls: the local administrator in local mode, else the subject of a valid bearer token.
async fn authenticate(app: &AppState, headers: &axum::http::HeaderMap) -> Result<Principal, Response> {
    let Some(verifier) = &app.auth else { return Ok(Principal::local()) };
    let unauthorized = |e: TokenError| refuse(StatusCode::UNAUTHORIZED, &e.to_string());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized(TokenError::Missing))?;
    let claims = verifier.verify(token).await.map_err(|e| {
        tracing::info!(reason = %e, "refused an access token");
        unauthorized(e)
    })?;
    let principal = Principal::from_claims(&claims, &app.config.auth).map_err(unauthorized)?;
    if principal.roles.is_empty() {
        return Err(refuse(StatusCode::FORBIDDEN, "the token carries no catalog role"));
    }
    Ok(principal)
}

async fn graphql_handler(State(state): State<ApiState>, headers: axum::http::HeaderMap, req: GraphQLRequest) -> Response {
    let principal = match authenticate(&state.app, &headers).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    // The request id ties audit entries to the request.
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let who = principal.who(request_id);
    GraphQLResponse::from(state.schema.execute(req.into_inner().data(who).data(principal)).await).into_response()
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Almanac GraphiQL").finish())
}

async fn sdl(State(state): State<ApiState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], state.schema.sdl()).into_response()
}

async fn health(State(state): State<ApiState>) -> Response {
    match state.app.catalog.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "store": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "store": "unreachable" })))
                .into_response()
        }
    }
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
