//! Headers every answer carries (issue 11): `X-Content-Type-Options: nosniff` on all of
//! them, so a browser never runs an answer as something it is not; and
//! `Cache-Control: no-store` on everything under `/v1`, where answers carry personal data,
//! tokens and clinical records that no browser, proxy or app cache may keep.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CACHE_CONTROL, X_CONTENT_TYPE_OPTIONS};
use actix_web::middleware::Next;
use actix_web::Error;

/// Middleware: `.wrap(from_fn(security_headers))`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let personal = req.path().starts_with("/v1/") || req.path() == "/v1";
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if personal {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
