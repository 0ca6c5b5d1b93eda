//! HTTP surface: GraphQL at `/graphql` (GraphiQL on GET), `/health`, and the SDL at
//! `/schema.graphql`, with a tracing span per request.

pub mod graphql;
pub mod origin;

use crate::app::AppState;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use crate::auth::{browser, Principal, TokenError};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use graphql::AlmanacSchema;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
struct ApiState {
    app: AppState,
    schema: AlmanacSchema,
    documents: Arc<ParsedDocuments>,
}

/// Documents kept parsed at most; when full, the cache starts over.
const CACHED_DOCUMENTS: usize = 256;
/// Longer documents are parsed every time. The two bounds cap the memory that a client sending
/// ever new documents can make the server hold.
const CACHED_DOCUMENT_BYTES: usize = 4 * 1024;

/// GraphQL documents already parsed, by their text. Clients send the same few documents again
/// and again with other variables, and parsing one (a pest grammar) took about 7% of the
/// server's CPU under the search load of bench_search. Validation still runs on every request.
#[derive(Default)]
struct ParsedDocuments(Mutex<HashMap<String, Arc<ExecutableDocument>>>);

impl ParsedDocuments {
    /// The parsed document, or None when it does not parse (GraphQL then says why).
    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let known = self.0.lock().ok().and_then(|docs| docs.get(query).cloned());
        if let Some(doc) = known {
            return Some(doc.as_ref().clone());
        }
        let doc = async_graphql::parser::parse_query(query).ok()?;
        if query.len() <= CACHED_DOCUMENT_BYTES {
            if let Ok(mut docs) = self.0.lock() {
                if docs.len() >= CACHED_DOCUMENTS {
                    docs.clear();
                }
                docs.insert(query.to_string(), Arc::new(doc.clone()));
            }
        }
        Some(doc)
    }
}

/// The full router over `app`.
pub fn router(app: AppState) -> Router {
    let schema = graphql::build_schema(app.clone());
    Router::new()
        .route("/graphql", get(graphiql).post(graphql_handler))
        .route("/health", get(health))
        .route("/schema.graphql", get(sdl))
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/session", get(session_info))
        .route("/auth/logout", axum::routing::post(logout))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), check_host))
        .layer(middleware::from_fn(request_span))
        .with_state(ApiState { app, schema, documents: Arc::default() })
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

/// The session cookie's value, if the request carries one.
fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(browser::COOKIE).and_then(|r| r.strip_prefix('=')))
        .map(str::to_string)
}

/// How the caller proved who they are.
enum Credential {
    Local,
    Bearer,
    /// A browser session: mutations must repeat its CSRF token.
    Session { csrf: String },
}

/// Who calls: the local administrator in local mode, else the subject of a valid bearer token
/// or of a browser session.
async fn authenticate(app: &AppState, headers: &axum::http::HeaderMap) -> Result<(Principal, Credential), Response> {
    let Some(verifier) = &app.auth else { return Ok((Principal::local(), Credential::Local)) };
    let unauthorized = |e: TokenError| refuse(StatusCode::UNAUTHORIZED, &e.to_string());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let token = match (bearer, session_cookie(headers), &app.browser) {
        (Some(t), _, _) => t,
        (None, Some(id), Some(b)) => {
            let session = b.session(&id).ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "the session has ended; log in again at /auth/login"))?;
            return Ok((session.principal, Credential::Session { csrf: session.csrf }));
        }
        _ => return Err(unauthorized(TokenError::Missing)),
    };
    let claims = verifier.verify(token).await.map_err(|e| {
        tracing::info!(reason = %e, "refused an access token");
        unauthorized(e)
    })?;
    let principal = Principal::from_claims(&claims, &app.config.auth).map_err(unauthorized)?;
    if principal.roles.is_empty() {
        return Err(refuse(StatusCode::FORBIDDEN, "the token carries no catalog role"));
    }
    Ok((principal, Credential::Bearer))
}

/// Whether a GraphQL document holds a mutation (an unparsable one is treated as one).
fn has_mutation(doc: Option<&ExecutableDocument>) -> bool {
    doc.is_none_or(|doc| doc.operations.iter().any(|(_, op)| op.node.ty == OperationType::Mutation))
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

/// Reads a GraphQL request from a POST body: JSON only, at most `api.max_body_bytes`.
async fn read_request(headers: &axum::http::HeaderMap, body: axum::body::Body, limit: usize) -> Result<async_graphql::Request, Response> {
    if !origin::is_json_content(headers) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a GraphQL request must be sent as Content-Type: application/json",
        ));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        refuse(StatusCode::PAYLOAD_TOO_LARGE, &format!("the request body is larger than {limit} bytes (api.max_body_bytes)"))
    })?;
    serde_json::from_slice::<async_graphql::Request>(&bytes)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, &format!("the body is not a GraphQL request in JSON: {e}")))
}

/// A GraphQL error answer (HTTP 200, as for errors found while executing) with a code.
fn graphql_error(message: String, code: &str) -> Response {
    Json(serde_json::json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] })).into_response()
}

async fn graphql_handler(State(state): State<ApiState>, headers: axum::http::HeaderMap, body: axum::body::Body) -> Response {
    let (principal, credential) = match authenticate(&state.app, &headers).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let api = &state.app.config.api;
    let mut req = match read_request(&headers, body, api.max_body_bytes).await {
        Ok(r) => r,
        Err(refusal) => return refusal,
    };
    let doc = state.documents.get(&req.query);
    if let Some(doc) = &doc {
        if let Err(message) = graphql::limits::check(doc, api.max_complexity) {
            return graphql_error(message, "INVALID_QUERY");
        }
    }
    if has_mutation(doc.as_ref()) {
        if let Err(reason) = origin::mutation_origin_allowed(&headers, &api.allowed_origins) {
            tracing::info!(%reason, "refused a cross-origin mutation");
            return refuse(StatusCode::FORBIDDEN, &reason);
        }
    }
    if let Credential::Session { csrf } = &credential {
        // A cookie rides along with cross-site requests; the CSRF token does not.
        let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if has_mutation(doc.as_ref()) && sent != Some(csrf.as_str()) {
            return refuse(StatusCode::FORBIDDEN, "a mutation with a session cookie needs the session's CSRF token in x-csrf-token (GET /auth/session)");
        }
    }
    if let Some(doc) = doc {
        req.set_parsed_query(doc);
    }
    // The request id ties audit entries to the request.
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let who = principal.who(request_id);
    let mut response = state.schema.execute(req.data(who).data(principal)).await;
    for error in &mut response.errors {
        coded(error);
    }
    GraphQLResponse::from(response).into_response()
}

/// Gives an error that async-graphql raised itself a code, as resolver errors have (they
/// always carry one): before execution (a document that does not parse or validate, the depth
/// and complexity limits, variables of the wrong type) the error has no path and the query
/// is at fault; during execution it is the server's.
fn coded(error: &mut async_graphql::ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", if error.path.is_empty() { "INVALID_QUERY" } else { "INTERNAL" });
    }
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

#[derive(serde::Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn no_browser_login() -> Response {
    refuse(StatusCode::NOT_FOUND, "browser login is not configured (auth.issuer, auth.client_id, auth.redirect_url)")
}

/// Starts a browser login at the issuer.
async fn login(State(state): State<ApiState>, axum::extract::Query(q): axum::extract::Query<LoginQuery>) -> Response {
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
async fn callback(State(state): State<ApiState>, axum::extract::Query(q): axum::extract::Query<CallbackQuery>) -> Response {
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
async fn session_info(State(state): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
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
async fn logout(State(state): State<ApiState>, headers: axum::http::HeaderMap) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_parsed_once_and_the_cache_stays_bounded() {
        let docs = ParsedDocuments::default();
        let query = "query($q: String!) { search(query: $q) { hits { qualifiedName } } }";
        let first = docs.get(query).expect("parses");
        assert_eq!(docs.0.lock().unwrap().len(), 1);
        // The same text again: the kept document, equal to a fresh parse.
        let again = docs.get(query).expect("parses");
        assert_eq!(format!("{again:?}"), format!("{first:?}"));
        assert_eq!(docs.0.lock().unwrap().len(), 1);
        assert!(!has_mutation(Some(&again)));
        // A broken document is not kept, and counts as a mutation for the CSRF check.
        assert!(docs.get("{ search(query: ").is_none());
        assert!(has_mutation(docs.get("{ search(query: ").as_ref()));
        assert!(has_mutation(docs.get("mutation { addTag(targetId: \"x\", tag: \"y\") }").as_ref()));
        // Bounded: many distinct documents never keep more than the limit.
        for i in 0..CACHED_DOCUMENTS + 10 {
            docs.get(&format!("{{ search(query: \"q{i}\") {{ total }} }}")).expect("parses");
            assert!(docs.0.lock().unwrap().len() <= CACHED_DOCUMENTS);
        }
        // A long document is parsed but not kept.
        let long = format!("{{ search(query: \"{}\") {{ total }} }}", "x".repeat(CACHED_DOCUMENT_BYTES));
        docs.0.lock().unwrap().clear();
        assert!(docs.get(&long).is_some());
        assert!(docs.0.lock().unwrap().is_empty());
    }
}
