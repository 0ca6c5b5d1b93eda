//! `POST /graphql`: who calls (bearer token, browser session, or the local user), the request
//! read within its bounds (JSON only, body size, document limits, origin of mutations, the
//! session's CSRF token), then the schema runs it; every error carries a code. `GET /graphql`
//! serves GraphiQL, and `/schema.graphql` the SDL.

use super::{origin, refuse, ApiState};
use crate::app::AppState;
use crate::auth::browser::{self, BrowserLogin};
use crate::auth::{Principal, TokenError};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql_axum::GraphQLResponse;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tower_sessions::Session;

/// Documents kept parsed at most; when full, the cache starts over.
const CACHED_DOCUMENTS: usize = 256;
/// Longer documents are parsed every time. The two bounds cap the memory that a client sending
/// ever new documents can make the server hold.
const CACHED_DOCUMENT_BYTES: usize = 4 * 1024;

/// GraphQL documents already parsed, by their text. Clients send the same few documents again
/// and again with other variables, and parsing one (a pest grammar) took about 7% of the
/// server's CPU under the search load of bench_search. Validation still runs on every request.
#[derive(Default)]
pub(super) struct ParsedDocuments(Mutex<HashMap<String, Arc<ExecutableDocument>>>);

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

/// Whether the request carries a session cookie (a browser, not an API client).
fn has_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().strip_prefix(browser::COOKIE).is_some_and(|r| r.starts_with('=')))
}

/// How the caller proved who they are.
pub(super) enum Credential {
    Local,
    Bearer,
    /// A browser session: mutations must repeat its CSRF token.
    Session {
        csrf: String,
    },
}

/// Who calls: the local administrator in local mode, else the subject of a valid bearer token
/// or of a browser session.
pub(super) async fn authenticate(
    app: &AppState,
    headers: &axum::http::HeaderMap,
    session: &Session,
) -> Result<(Principal, Credential), Response> {
    let Some(verifier) = &app.auth else { return Ok((Principal::local(), Credential::Local)) };
    let unauthorized = |e: TokenError| refuse(StatusCode::UNAUTHORIZED, &e.to_string());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let token = match (bearer, &app.browser) {
        (Some(t), _) => t,
        (None, Some(_)) if has_session_cookie(headers) => {
            let user = BrowserLogin::logged_in(session)
                .await
                .ok()
                .flatten()
                .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "the session has ended; log in again at /auth/login"))?;
            return Ok((user.principal, Credential::Session { csrf: user.csrf }));
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

/// Reads a GraphQL request from a POST body: JSON only, at most `api.max_body_bytes`.
async fn read_request(headers: &axum::http::HeaderMap, body: axum::body::Body, limit: usize) -> Result<async_graphql::Request, Response> {
    if !origin::is_json_content(headers) {
        return Err(refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "a GraphQL request must be sent as Content-Type: application/json"));
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

pub(super) async fn graphql_handler(
    State(state): State<ApiState>,
    session: Session,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let (principal, credential) = match authenticate(&state.app, &headers, &session).await {
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
        if let Err(message) = super::graphql::limits::check(doc, &req.variables, api.max_complexity) {
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
            return refuse(
                StatusCode::FORBIDDEN,
                "a mutation with a session cookie needs the session's CSRF token in x-csrf-token (GET /auth/session)",
            );
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
        // The check above counts as async-graphql does; should they ever differ, its terse
        // message still names the limit.
        if error.message == "Query is too complex." {
            error.message = super::graphql::limits::too_complex(None, api.max_complexity);
        }
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

pub(super) async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("Almanac GraphiQL").finish())
}

pub(super) async fn sdl(State(state): State<ApiState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], state.schema.sdl()).into_response()
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
