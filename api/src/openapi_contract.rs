//! What the OpenAPI document says beyond each handler's own annotation (issue 11), kept
//! in one place so that it holds for every operation, including ones added later:
//!
//! - `CommonResponses`: the statuses the HTTP layer itself can answer on any operation
//!   (400 from the input checks and extractors, 401/403 from the bearer check, 404 for an
//!   id in the path, 503 while the database is unreachable), so a generated client knows
//!   every status it may meet;
//! - `Constraints`: the shape of constrained fields (ids, codes, dates, enumerations) by
//!   the field's name, so a client validates before sending.

use std::sync::OnceLock;

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

pub struct CommonResponses;

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
        .into()
}

fn add_common(operation: &mut Operation, path: &str) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut common = vec![
        (
            "400",
            "malformed input: error body with a stable code (and the field)",
        ),
        (
            "503",
            "temporarily unavailable (the database does not answer)",
        ),
    ];
    if secured {
        common.push(("401", "not signed in, or the session has ended"));
        common.push(("403", "signed in but not allowed"));
    }
    if path.contains('{') {
        common.push(("404", "no such resource"));
    }
    for (status, description) in common {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_common(operation, path);
                constrain_parameters(operation);
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            for (name, schema) in components.schemas.iter_mut() {
                if let RefOr::T(Schema::Object(object)) = schema {
                    constrain_object(name, object);
                }
            }
        }
    }
}

/// `n` digits, with the spaces or hyphens people group them with (as core's parsers
/// accept them).
fn digits(n: usize) -> String {
    format!("^[ -]*([0-9][ -]*){{{n}}}$")
}

const KEY_ACTIONS: &[&str] = &["give", "renew", "change", "revoke"];
const CONSENT_TYPES: &[&str] = &["one_year", "indefinite"];
const ID_DOCUMENT_TYPES: &[&str] = &["hkic", "passport", "birth_certificate", "exit_entry_permit"];

/// The constraint of a field called `name` in schema `owner`, applied to `object`.
fn constrain(owner: &str, name: &str, object: &mut Object) {
    let string = match &object.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if !string {
        return;
    }
    match name {
        "ehr_number" => object.pattern = Some(digits(12)),
        "hcp_id" | "provider_id" => object.pattern = Some(digits(9)),
        "access_key" => object.pattern = Some(digits(8)),
        "code" | "totp_code" => object.pattern = Some(digits(6)),
        "date_of_birth" => object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
        "effective_on" | "received_on" | "expires_on" | "registration_expires_on" => {
            object.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date));
        }
        // A provider's supporting document (issue 16).
        "type" if owner == "DocumentBody" => {
            object.enum_values = Some(
                ehealth_core::domain::DocumentType::ALL
                    .iter()
                    .map(|v| v.as_str().into())
                    .collect(),
            );
        }
        "type" | "consent_type" if owner.contains("IdDocument") => {
            object.enum_values = Some(ID_DOCUMENT_TYPES.iter().map(|v| (*v).into()).collect());
        }
        "type" | "consent_type" => {
            object.enum_values = Some(CONSENT_TYPES.iter().map(|v| (*v).into()).collect());
        }
        "action" if owner.contains("Consent") || owner.contains("Key") => {
            object.enum_values = Some(KEY_ACTIONS.iter().map(|v| (*v).into()).collect());
        }
        _ => {}
    }
}

fn constrain_object(owner: &str, object: &mut Object) {
    // Only request bodies: an answer's fields (a consent's `deemed` type) may hold more.
    if !owner.ends_with("Body") && !owner.ends_with("Form") {
        return;
    }
    for (name, property) in object.properties.iter_mut() {
        if let RefOr::T(Schema::Object(field)) = property {
            constrain(owner, name, field);
        }
    }
}

fn constrain_parameters(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if !matches!(
            parameter.parameter_in,
            ParameterIn::Path | ParameterIn::Query
        ) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
            let name = parameter.name.clone();
            constrain("Parameter", &name, object);
        }
    }
}

/// A path template's segments and the methods it takes.
type Route = (Vec<String>, Vec<&'static str>);

fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, has)| has.then_some(m))
    .collect()
}

/// The methods the document lists for `path` (for a 405's `Allow`).
pub fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let doc = crate::openapi::ApiDoc::openapi();
        doc.paths
            .paths
            .iter()
            .map(|(p, item)| (p.split('/').map(str::to_owned).collect(), methods(item)))
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&str> = routes
        .iter()
        .filter(|(template, _)| {
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then(|| allowed.join(", "))
}
