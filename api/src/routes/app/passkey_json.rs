//! The WebAuthn JSON of the passkey calls, for `/openapi.json` only (issue 19 item 14):
//! the values are webauthn-rs's, passed through as JSON, and these types say what they
//! hold. They are the W3C WebAuthn Level 3 JSON types, i.e. what the browser's
//! `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take
//! and what `PublicKeyCredential.toJSON()` gives; Android's Credential Manager and iOS's
//! AuthenticationServices use the same JSON. Every binary value is base64url without
//! padding (RFC 4648 section 5), never standard base64.
#![allow(dead_code)] // described, never built: the handlers pass the JSON through

use serde::Serialize;
use utoipa::ToSchema;

/// `POST /v1/app/passkeys/registration/start`'s answer.
#[derive(Serialize, ToSchema)]
pub struct RegistrationCeremony {
    /// Send back with the authenticator's answer.
    pub ceremony_id: String,
    pub options: RegistrationOptions,
}

/// Wraps the options: hand `options.publicKey` (not `options`) to
/// `PublicKeyCredential.parseCreationOptionsFromJSON`, then `navigator.credentials.create({publicKey})`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationOptions {
    pub public_key: PublicKeyCredentialCreationOptionsJson,
}

/// `PublicKeyCredentialCreationOptionsJSON`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialCreationOptionsJson {
    #[schema(example = json!({"id": "ehealth.gov.hk", "name": "eHealth"}))]
    pub rp: serde_json::Value,
    /// `{id (base64url of the patient's id), name (eHR number), displayName}`.
    #[schema(value_type = Object)]
    pub user: serde_json::Value,
    /// base64url.
    pub challenge: String,
    /// `[{type: "public-key", alg}]`, COSE algorithm numbers (-7 ES256, -257 RS256).
    #[schema(value_type = Vec<Object>)]
    pub pub_key_cred_params: Vec<serde_json::Value>,
    /// Milliseconds.
    pub timeout: Option<u32>,
    /// The patient's passkeys already enrolled (so the same authenticator is not enrolled twice).
    pub exclude_credentials: Vec<PublicKeyCredentialDescriptorJson>,
    /// `residentKey: "preferred"` (a discoverable credential where the authenticator can
    /// store one), `requireResidentKey: false`, `userVerification: "required"`.
    #[schema(value_type = Object, example = json!({"residentKey": "preferred", "requireResidentKey": false, "userVerification": "required"}))]
    pub authenticator_selection: serde_json::Value,
    /// `"none"`.
    pub attestation: String,
    /// `credProps: true` (answer with `clientExtensionResults.credProps.rk`), `credentialProtectionPolicy`, `uvm`.
    #[schema(value_type = Object)]
    pub extensions: serde_json::Value,
}

/// `POST /v1/app/sessions/passkey/start`'s answer.
#[derive(Serialize, ToSchema)]
pub struct SignInCeremony {
    pub ceremony_id: String,
    pub options: SignInOptions,
}

/// Wraps the options: hand `options.publicKey` to `PublicKeyCredential.parseRequestOptionsFromJSON`,
/// then `navigator.credentials.get({publicKey})`. No `mediation` is sent: a button flow
/// calls `get` without one; an autofill field adds `mediation: "conditional"` itself (only
/// to a usernameless start).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInOptions {
    pub public_key: PublicKeyCredentialRequestOptionsJson,
}

/// `PublicKeyCredentialRequestOptionsJSON`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialRequestOptionsJson {
    /// base64url.
    pub challenge: String,
    pub timeout: Option<u32>,
    pub rp_id: String,
    /// By eHR number: that number's credentials, with the transports recorded at
    /// enrolment. Every well-formed number gets some (a number with no passkeys gets
    /// stable decoys), so the answer does not tell who uses passkeys. Usernameless: empty.
    pub allow_credentials: Vec<PublicKeyCredentialDescriptorJson>,
    /// `"required"`.
    pub user_verification: String,
    /// Usernameless only: `{uvm: true}`.
    #[schema(value_type = Option<Object>)]
    pub extensions: Option<serde_json::Value>,
}

/// `PublicKeyCredentialDescriptorJSON`.
#[derive(Serialize, ToSchema)]
pub struct PublicKeyCredentialDescriptorJson {
    /// `"public-key"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The credential id, base64url.
    pub id: String,
    /// Any of `usb`, `nfc`, `ble`, `smart-card`, `hybrid`, `internal`.
    pub transports: Option<Vec<String>>,
}

/// `RegistrationResponseJSON`: `credential.toJSON()` of `navigator.credentials.create`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    /// base64url, the same bytes as `rawId`.
    pub id: String,
    pub raw_id: String,
    /// `"public-key"`.
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AuthenticatorAttestationResponseJson,
    /// `{credProps: {rk}}`: tells whether the passkey is discoverable.
    #[schema(value_type = Object)]
    pub client_extension_results: serde_json::Value,
    pub authenticator_attachment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuthenticatorAttestationResponseJson {
    /// base64url.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url (CBOR).
    #[serde(rename = "attestationObject")]
    pub attestation_object: String,
    /// `getTransports()`: recorded and offered back at sign-in.
    pub transports: Option<Vec<String>>,
}

/// `AuthenticationResponseJSON`: `credential.toJSON()` of `navigator.credentials.get`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AuthenticatorAssertionResponseJson,
    #[schema(value_type = Object)]
    pub client_extension_results: serde_json::Value,
    pub authenticator_attachment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuthenticatorAssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "authenticatorData")]
    pub authenticator_data: String,
    pub signature: String,
    /// The patient's id (base64url of its 16 bytes); a discoverable passkey always sends it.
    #[serde(rename = "userHandle")]
    pub user_handle: Option<String>,
}
