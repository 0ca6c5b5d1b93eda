//! `GET /health`: whether the server and its store answer.

use super::ApiState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// `{"status":"ok","store":"ok"}`, or 503 when the store does not answer.
pub(super) async fn health(State(state): State<ApiState>) -> Response {
    match state.app.catalog.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "store": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "store": "unreachable" }))).into_response()
        }
    }
}
