//! `POST /api/v1/lineage`: OpenLineage run events, as Marquez takes them. The caller
//! authenticates as for GraphQL (a service account's bearer token in production) and needs
//! the lineage permission; a malformed event gets 400 with the reason and writes nothing.

use super::graphql_http::{authenticate, Credential};
use super::{origin, refuse, ApiState};
use crate::lineage::openlineage;
use crate::lineage::LineageError;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower_sessions::Session;

pub(super) async fn post_lineage(
    State(state): State<ApiState>,
    session: Session,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let (principal, credential) = match authenticate(&state.app, &headers, &session).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    if !principal.may(crate::auth::op::LINEAGE) {
        return refuse(StatusCode::FORBIDDEN, "sending lineage events needs the editor role (or a service account granted it)");
    }
    if let Credential::Session { csrf } = &credential {
        if headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) != Some(csrf.as_str()) {
            return refuse(
                StatusCode::FORBIDDEN,
                "a lineage event sent with a session cookie needs the session's CSRF token in x-csrf-token",
            );
        }
    }
    if !origin::is_json_content(&headers) {
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "an OpenLineage event must be sent as Content-Type: application/json");
    }
    let limit = state.app.config.api.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, &format!("the event is larger than {limit} bytes (api.max_body_bytes)"));
    };
    let event = match openlineage::parse_event(&bytes) {
        Ok(e) => e,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let catalog = state.app.catalog.acting(principal.who(request_id));
    match openlineage::record_event(&catalog, event).await {
        Ok(done) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            Json(serde_json::json!({ "job": done.job, "runId": done.run_id, "datasets": done.datasets, "edges": done.edges })),
        )
            .into_response(),
        Err(LineageError::Store(e)) => {
            tracing::error!(error = %e, "openlineage event not recorded");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the event was not recorded (store error); nothing was written")
        }
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}
