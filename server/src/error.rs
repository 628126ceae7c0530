//! Errors of the HTTP layer and their one mapping to responses. Internal detail is logged,
//! never shown: the user gets a translated generic page, an OAuth client a generic JSON error.

use crate::db::DbError;
use crate::keys::KeyError;
use crate::password::PasswordError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An unexpected failure while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("serialisation: {0}")]
    Json(#[from] serde_json::Error),
    #[error("outbound request: {0}")]
    Http(#[from] reqwest::Error),
    #[error("webauthn: {0}")]
    Webauthn(#[from] webauthn_rs::prelude::WebauthnError),
    /// Something that cannot happen did.
    #[error("invariant: {0}")]
    Invariant(String),
}

impl AppError {
    /// True when the failure is overload rather than a fault.
    pub fn is_busy(&self) -> bool {
        matches!(self, AppError::Password(PasswordError::Busy))
    }
}

/// Seconds an overloaded Sesame asks a client to wait (`Retry-After`).
pub const BUSY_RETRY_SECS: i64 = 1;

/// Makes `response` an overload answer: 503 with `Retry-After`, whatever its body says.
pub fn busy(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(BUSY_RETRY_SECS),
    );
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.is_busy() {
            tracing::warn!(error = %self, "overloaded");
            return busy("busy".into_response());
        }
        tracing::error!(error = %self, "internal error");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    }
}
