//! Errors of the search core. Each knows its stable machine-readable `code`; the HTTP layer
//! maps them to a status in one place.

/// Why a search or lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A request parameter has a bad value (`per_page=0`, `day=yesterday`).
    #[error("invalid value for `{parameter}`: {message}")]
    InvalidParameter { parameter: String, message: String },
    /// A parameter this API does not know (likely a typo).
    #[error("unknown parameter `{parameter}` (known: {known})")]
    UnknownParameter { parameter: String, known: String },
    /// No record with that key.
    #[error("no contribution {event}/{id}")]
    NotFound { event: String, id: String },
    /// The index failed underneath; details go to the log, not to clients.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A stored record could not be decoded (index written by another version).
    #[error("stored record is unreadable: {0}")]
    StoredRecord(#[from] serde_json::Error),
}

impl SearchError {
    /// Stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            SearchError::InvalidParameter { .. } => "invalid_parameter",
            SearchError::UnknownParameter { .. } => "unknown_parameter",
            SearchError::NotFound { .. } => "not_found",
            SearchError::Index(_) | SearchError::StoredRecord(_) => "internal",
        }
    }

    /// True when the client is at fault (a 4xx), false for our own failures.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, SearchError::Index(_) | SearchError::StoredRecord(_))
    }

    pub(crate) fn invalid(parameter: &str, message: impl Into<String>) -> SearchError {
        SearchError::InvalidParameter {
            parameter: parameter.to_string(),
            message: message.into(),
        }
    }
}
