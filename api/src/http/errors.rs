//! Every 4xx/5xx answer is `{"error": {"code", "message"}}` with a stable code. Core errors
//! are mapped to a status here, in one place; 5xx log their cause chain and never show it.

use actix_web::http::StatusCode;
use actix_web::{error, web, HttpRequest, HttpResponse, ResponseError};
use ehealth_core::error::Chain;
use ehealth_core::{CoreError, ErrorKind};
use serde_json::json;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A request the extractors could not read (bad JSON, bad path...).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Input refused by the HTTP layer's own checks, naming the field (path, query
    /// parameter or JSON member).
    #[error("{message}")]
    Field { field: String, message: String },
    #[error("no such resource")]
    NotFound,
    #[error("this path does not take that method")]
    MethodNotAllowed,
    #[error("the operation was cancelled")]
    Blocking,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Core(e) => e.code(),
            Self::BadRequest { code, .. } => code,
            Self::Field { .. } => "invalid_input",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Blocking => "internal_error",
        }
    }
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Refused => StatusCode::FORBIDDEN,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Locked => StatusCode::LOCKED,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable | ErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Core(e) => status_of(e.kind()),
            Self::BadRequest { .. } | Self::Field { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Blocking => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            Self::Core(e) => {
                if status.is_server_error() {
                    tracing::error!(code = e.code(), error = %Chain(e), "request failed");
                }
                e.public_message()
            }
            other => {
                if status.is_server_error() {
                    tracing::error!(error = %other, "request failed");
                }
                other.to_string()
            }
        };
        let mut body = json!({ "error": { "code": self.code(), "message": message } });
        if let Self::Core(e) = self {
            if let Some(field) = e.field() {
                body["error"]["field"] = json!(field);
            }
        }
        if let Self::Field { field, .. } = self {
            body["error"]["field"] = json!(field);
        }
        let mut response = HttpResponse::build(status);
        if let Self::Core(
            CoreError::RateLimited { retry_after_secs } | CoreError::Busy { retry_after_secs },
        ) = self
        {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        response.json(body)
    }
}

/// Runs blocking core work (diesel, Argon2) off the async threads.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, CoreError> + Send + 'static,
    T: Send + 'static,
{
    web::block(f)
        .await
        .map_err(|_| ApiError::Blocking)?
        .map_err(ApiError::from)
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| {
            let (code, message) = match &err {
                error::JsonPayloadError::OverflowKnownLength { .. }
                | error::JsonPayloadError::Overflow { .. } => (
                    "body_too_large",
                    format!("the body must be at most {JSON_LIMIT} bytes"),
                ),
                error::JsonPayloadError::ContentType => (
                    "unsupported_media_type",
                    "send the body as application/json".to_owned(),
                ),
                error::JsonPayloadError::Deserialize(e) => ("invalid_json", e.to_string()),
                other => ("invalid_json", other.to_string()),
            };
            ApiError::bad_request(code, message).into()
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::bad_request("invalid_path", err.to_string()).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::bad_request("invalid_query", err.to_string()).into())
}

/// The methods a path takes, for the `Allow` header of a 405 (`None`: not known). A
/// service registers it as app data (the api's comes from its OpenAPI document).
#[derive(Clone, Copy)]
pub struct AllowedMethods(pub fn(&str) -> Option<String>);

/// The answer when no route matched: 405 when a route has this path but another method
/// (so a client learns the path is right), else 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    tracing::debug!(path = req.path(), "no route");
    if !req.resource_map().has_resource(req.path()) {
        return ApiError::NotFound.error_response();
    }
    let mut response = ApiError::MethodNotAllowed.error_response();
    let allow = req
        .app_data::<web::Data<AllowedMethods>>()
        .and_then(|a| (a.0)(req.path()));
    if let Some(value) = allow.and_then(|a| a.parse().ok()) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}
