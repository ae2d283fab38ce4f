//! JSON errors: `{"error": {"code", "message"}}`, with the status decided in one place.
//! Internal details go to the log, never to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::search::SearchError;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and people (`message`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid_parameter`, `unknown_parameter`, `not_found`,
    /// `method_not_allowed`, `overloaded`, `timeout`, `internal`.
    pub code: String,
    /// Human-readable explanation naming the offending parameter.
    pub message: String,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// An error with its status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `invalid_parameter`.
    pub fn invalid(parameter: &str, message: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("invalid value for `{parameter}`: {message}"),
        )
    }

    /// 500 without details.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> ApiError {
        let status = match &error {
            SearchError::InvalidParameter { .. } | SearchError::UnknownParameter { .. } => {
                StatusCode::BAD_REQUEST
            }
            SearchError::NotFound { .. } => StatusCode::NOT_FOUND,
            SearchError::Index(_) | SearchError::StoredRecord(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if !error.is_client_error() {
            tracing::error!(error = %error, "request failed");
            return ApiError::internal();
        }
        ApiError::new(status, error.code(), error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
