//! Overload protection for the whole server: at most N requests in flight (the next one gets
//! a 503 JSON answer at once instead of queueing), and a time limit per request (503 JSON).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::error::ApiError;

/// The limits in force.
#[derive(Clone)]
pub struct Limits {
    in_flight: Arc<Semaphore>,
    timeout: Duration,
}

impl Limits {
    /// `max_in_flight` concurrent requests, each at most `timeout`.
    pub fn new(max_in_flight: usize, timeout: Duration) -> Limits {
        Limits {
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
            timeout,
        }
    }
}

/// Shed load beyond the limit and bound each request's time.
pub async fn guard(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let Ok(_permit) = limits.in_flight.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "too many requests in flight; retry shortly",
        )
        .into_response();
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} ms",
                limits.timeout.as_millis()
            ),
        )
        .into_response(),
    }
}
