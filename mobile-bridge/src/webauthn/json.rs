//! The WebAuthn JSON both sides exchange (what the browser's `toJSON()` gives and
//! `PublicKeyCredential.parse*OptionsFromJSON` takes), adjusted where webauthn-rs's
//! defaults do not suit a phone app, and checked before webauthn-rs parses it so that a
//! client's usual mistakes get a message that says what is wrong.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::PasskeyError;

/// Transports a client may report (WebAuthn Level 3 `AuthenticatorTransport`); others
/// are dropped (the specification tells clients to ignore unknown ones too).
const TRANSPORTS: [&str; 6] = ["ble", "hybrid", "internal", "nfc", "smart-card", "usb"];

/// Transports offered with a decoy credential id: those of a phone's platform passkey.
pub const DECOY_TRANSPORTS: [&str; 2] = ["hybrid", "internal"];

/// The base64url fields of a `RegistrationResponseJSON` / `AuthenticationResponseJSON`.
const BINARY_FIELDS: [&str; 2] = ["id", "rawId"];
const RESPONSE_BINARY_FIELDS: [&str; 6] = [
    "clientDataJSON",
    "attestationObject",
    "authenticatorData",
    "signature",
    "userHandle",
    "publicKey",
];

fn public_key(options: &mut Value) -> Option<&mut Map<String, Value>> {
    options.get_mut("publicKey")?.as_object_mut()
}

/// Enrolment asks for a discoverable credential where the authenticator can store one
/// (`preferred`, so usernameless sign-in works) and still accepts one that cannot (a
/// security key signs in by eHR number); `credProps` tells which was made.
pub fn prefer_resident_key(options: &mut Value) {
    if let Some(pk) = public_key(options) {
        let selection = pk
            .entry("authenticatorSelection")
            .or_insert_with(|| json!({}));
        if let Some(selection) = selection.as_object_mut() {
            selection.insert("residentKey".into(), json!("preferred"));
            selection.insert("requireResidentKey".into(), json!(false));
        }
        let extensions = pk.entry("extensions").or_insert_with(|| json!({}));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert("credProps".into(), json!(true));
        }
    }
}

/// Sign-in options as every sign-in by eHR number gets them, real or decoy: these
/// credentials with their transports (if any were recorded), no extensions, and no `mediation` (webauthn-rs
/// forces `conditional`; whether to use autofill is the client's choice, not ours).
pub fn offer_credentials(options: &mut Value, credentials: &[(Vec<u8>, Vec<String>)]) {
    if let Some(map) = options.as_object_mut() {
        map.remove("mediation");
    }
    if let Some(pk) = public_key(options) {
        pk.remove("extensions");
        let allow: Vec<Value> = credentials
            .iter()
            .map(|(id, transports)| {
                let mut entry = json!({ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(id) });
                // None recorded (enrolled before transports were kept): any transport.
                if !transports.is_empty() {
                    entry["transports"] = json!(transports);
                }
                entry
            })
            .collect();
        pk.insert("allowCredentials".into(), Value::Array(allow));
    }
}

/// A usernameless sign-in: no credentials offered, no `mediation` (see above).
pub fn without_mediation(options: &mut Value) {
    if let Some(map) = options.as_object_mut() {
        map.remove("mediation");
    }
}

/// The known transports in a stored or reported list, in the specification's order.
pub fn known_transports(reported: Option<&Value>) -> Vec<String> {
    let reported: Vec<&str> = reported
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    TRANSPORTS
        .iter()
        .filter(|t| reported.contains(t))
        .map(|t| (*t).to_owned())
        .collect()
}

/// Refuses a binary field in standard base64 (`+`, `/`) with a message that says so:
/// webauthn-rs would only say "Invalid symbol 47".
pub fn check_base64url(credential: &Value) -> Result<(), PasskeyError> {
    let top = BINARY_FIELDS.iter().map(|f| (*f, credential.get(*f)));
    let inner = RESPONSE_BINARY_FIELDS
        .iter()
        .map(|f| (*f, credential.get("response").and_then(|r| r.get(*f))));
    for (field, value) in top.chain(inner) {
        if let Some(text) = value.and_then(Value::as_str) {
            if text.contains(['+', '/']) {
                return Err(PasskeyError::Malformed(format!(
                    "{field} is standard base64 ('+' or '/'); WebAuthn JSON is base64url \
                     (RFC 4648 section 5: '-' and '_' instead, no '=' padding), as the \
                     browser's PublicKeyCredential.toJSON() gives"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_base64_is_named_as_such() {
        let credential = json!({ "id": "ab/c", "rawId": "abc", "response": {} });
        let e = check_base64url(&credential).unwrap_err().to_string();
        assert!(e.contains("id is standard base64"), "{e}");
        let credential = json!({ "id": "a-_b", "response": { "signature": "x+y" } });
        let e = check_base64url(&credential).unwrap_err().to_string();
        assert!(e.contains("signature is standard base64"), "{e}");
        assert!(
            check_base64url(&json!({ "id": "a-_b", "response": { "signature": "xy" } })).is_ok()
        );
    }

    #[test]
    fn only_known_transports_are_kept() {
        let reported = json!(["internal", "carrier-pigeon", "hybrid", 7]);
        assert_eq!(known_transports(Some(&reported)), ["hybrid", "internal"]);
        assert!(known_transports(None).is_empty());
    }
}
