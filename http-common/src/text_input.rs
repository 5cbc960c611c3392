//! One check for every text input of the api (issue 11): the path, each query parameter
//! and every string (and member name) of a JSON or form body. Control characters and
//! bidirectional overrides are refused with 400 `invalid_input` naming the field, before
//! any handler runs: PostgreSQL cannot store NUL at all (it answered 500), and the others
//! have no place in a name, an id or an address where they would hide or reorder text
//! shown to staff and patients.
//!
//! Free text keeps its layout: tab, line feed and carriage return (and the invisible
//! left-to-right / right-to-left marks) are allowed in the members named in `FREE_TEXT`
//! and everything inside them (a FHIR `document`, a `reason`, a `postal_address` written
//! on several lines). NUL and the overrides are refused there too.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};
use ehealth_core::ErrorCode;
use serde_json::Value;

use super::errors::{ApiError, JSON_LIMIT};

/// Members whose strings are free text (see the module comment).
pub const FREE_TEXT: &[&str] = &["document", "reason", "postal_address"];

/// Whether `c` is refused; `free` for free text.
pub fn refused(c: char, free: bool) -> bool {
    match c {
        '\t' | '\n' | '\r' | '\u{200E}' | '\u{200F}' => !free,
        // Embeddings, overrides and isolates reorder what is displayed.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' => true,
        '\u{2028}' | '\u{2029}' => true,
        c => c.is_control(),
    }
}

fn check_str(field: &str, text: &str, free: bool) -> Result<(), ApiError> {
    match text.chars().find(|&c| refused(c, free)) {
        None => Ok(()),
        Some(c) => Err(ApiError::Field {
            field: field.to_owned(),
            message: format!(
                "must not contain control or bidirectional-override characters (found U+{:04X})",
                u32::from(c)
            ),
        }),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Every string and member name of `value`, named by its dotted path.
fn check_json(field: &str, value: &Value, free: bool) -> Result<(), ApiError> {
    match value {
        Value::String(s) => check_str(if field.is_empty() { "body" } else { field }, s, free),
        Value::Array(items) => items.iter().try_for_each(|v| check_json(field, v, free)),
        Value::Object(members) => members.iter().try_for_each(|(key, v)| {
            let name = join(field, key);
            check_str(&name, key, false)?;
            check_json(&name, v, free || FREE_TEXT.contains(&key.as_str()))
        }),
        _ => Ok(()),
    }
}

/// `%XX` decoded; invalid escapes are left as they are (the router refuses them).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| {
            char::from(b)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        };
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_pairs(pairs: &[(String, String)]) -> Result<(), ApiError> {
    pairs.iter().try_for_each(|(key, value)| {
        check_str(key, key, false)?;
        check_str(key, value, FREE_TEXT.contains(&key.as_str()))
    })
}

fn check_head(req: &ServiceRequest) -> Result<(), ApiError> {
    check_str("path", &percent_decode(req.path()), false)?;
    let query = req.query_string();
    if query.is_empty() {
        return Ok(());
    }
    // `+` is a space in a query; a query that does not parse is the extractor's to refuse.
    match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
        Ok(pairs) => check_pairs(&pairs),
        Err(_) => check_str("query", &percent_decode(query), false),
    }
}

#[derive(Clone, Copy)]
enum BodyKind {
    Json,
    Form,
}

fn body_kind(req: &ServiceRequest) -> Option<BodyKind> {
    let ct = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next()?.trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(BodyKind::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else {
        None
    }
}

fn check_body(kind: BodyKind, bytes: &[u8]) -> Result<(), ApiError> {
    // A body that does not parse is left to the extractor, which names the fault.
    match kind {
        BodyKind::Json => match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => check_json("", &value, false),
            Err(_) => Ok(()),
        },
        BodyKind::Form => match serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) {
            Ok(pairs) => check_pairs(&pairs),
            Err(_) => Ok(()),
        },
    }
}

fn too_large() -> ApiError {
    ApiError::bad_request(
        ErrorCode::BodyTooLarge,
        format!("the body must be at most {JSON_LIMIT} bytes"),
    )
}

/// Reads the body (at most `JSON_LIMIT` bytes), checks it and puts it back for the
/// handler's extractor.
async fn read_and_check(req: &mut ServiceRequest, kind: BodyKind) -> Result<(), ApiError> {
    let Ok(bytes) = req.extract::<web::Bytes>().await else {
        return Err(too_large());
    };
    if bytes.len() > JSON_LIMIT {
        return Err(too_large());
    }
    let checked = check_body(kind, &bytes);
    req.set_payload(Payload::from(bytes));
    checked
}

/// The one check of a request's text (query, headers that carry text, the body), for a
/// middleware that answers a refusal its own way (the portal answers with a page).
pub async fn check_request(req: &mut ServiceRequest) -> Result<(), ApiError> {
    check_head(req)?;
    if let Some(kind) = body_kind(req) {
        read_and_check(req, kind).await?;
    }
    Ok(())
}

/// Middleware: `.wrap(from_fn(refuse_control_characters))`.
pub async fn refuse_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match check_request(&mut req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(r: Result<(), ApiError>) -> Option<String> {
        match r {
            Err(ApiError::Field { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn nul_is_refused_everywhere_and_layout_only_in_free_text() {
        let body = json!({ "name_en": "CHAN\u{202E}", "id_document": { "number": "A1\u{0}" } });
        assert_eq!(
            field_of(check_json("", &body, false)).as_deref(),
            Some("id_document.number")
        );
        let free = json!({ "reason": "line one\nline two\tend", "document": { "text": { "div": "a\r\nb" } } });
        assert!(check_json("", &free, false).is_ok());
        let nul = json!({ "document": { "text": "a\u{0}" } });
        assert_eq!(
            field_of(check_json("", &nul, false)).as_deref(),
            Some("document.text")
        );
        let newline = json!({ "username": "dr\nchan" });
        assert_eq!(
            field_of(check_json("", &newline, false)).as_deref(),
            Some("username")
        );
    }

    #[test]
    fn percent_escapes_are_decoded_before_the_check() {
        assert_eq!(percent_decode("/a/%00/b%2"), "/a/\u{0}/b%2");
        assert!(check_str(
            "path",
            &percent_decode("/v1/app/applications/%E2%80%AE"),
            false
        )
        .is_err());
        assert!(check_str("path", &percent_decode("/v1/app/applications/abc"), false).is_ok());
    }
}
