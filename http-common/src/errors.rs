//! Every 4xx/5xx answer is `{"error": {"code", "message"}}` with a stable code, one of
//! `ErrorCode`; the code names the status (`ErrorCode::status`, one list in core). 5xx log
//! their cause chain and never show it.

use actix_web::http::StatusCode;
use actix_web::{error, web, HttpRequest, HttpResponse, ResponseError};
use ehealth_core::error::Chain;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;
use serde_json::json;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A request the extractors could not read (bad JSON, bad path...).
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
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
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The code of the answer (which also names its status).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Core(e) => e.code(),
            Self::BadRequest { code, .. } => *code,
            Self::Field { .. } => ErrorCode::InvalidInput,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::Blocking => ErrorCode::InternalError,
        }
    }
}

/// The HTTP status of a code (every status in the list is a valid one).
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.code())
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            Self::Core(e) => {
                if status.is_server_error() {
                    tracing::error!(code = e.code().as_str(), error = %Chain(e), "request failed");
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
                    ErrorCode::BodyTooLarge,
                    format!("the body must be at most {JSON_LIMIT} bytes"),
                ),
                error::JsonPayloadError::ContentType => (
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json".to_owned(),
                ),
                error::JsonPayloadError::Deserialize(e) => (ErrorCode::InvalidJson, e.to_string()),
                other => (ErrorCode::InvalidJson, other.to_string()),
            };
            ApiError::bad_request(code, message).into()
        })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::bad_request(ErrorCode::InvalidPath, err.to_string()).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::bad_request(ErrorCode::InvalidQuery, err.to_string()).into()
    })
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

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn answer(err: ApiError) -> (u16, serde_json::Value) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body()).await.unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[actix_web::test]
    async fn an_answer_carries_a_listed_code_with_the_status_the_list_gives_it() {
        let cases = [
            ApiError::Core(CoreError::conflict(ErrorCode::NoConsent, "none")),
            ApiError::Core(CoreError::NotFound("approval")),
            ApiError::Core(CoreError::NotFound("patient")),
            ApiError::Core(CoreError::RateLimited {
                retry_after_secs: 3,
            }),
            ApiError::Core(CoreError::Internal("secret cause".into())),
            ApiError::bad_request(ErrorCode::UnsupportedMediaType, "json please"),
            ApiError::Field {
                field: "q".into(),
                message: "bad".into(),
            },
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::Blocking,
        ];
        let mut seen = Vec::new();
        for err in cases {
            let (status, body) = answer(err).await;
            let text = body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let code = ErrorCode::ALL.iter().find(|c| c.as_str() == text);
            assert_eq!(code.map(|c| c.status()), Some(status), "{body}");
            seen.push(text);
        }
        let expected = [
            "no_consent",
            "not_found",
            "patient_not_found",
            "rate_limited",
            "internal_error",
            "unsupported_media_type",
            "invalid_input",
            "not_found",
            "method_not_allowed",
            "internal_error",
        ];
        assert_eq!(seen, expected);
    }
}
