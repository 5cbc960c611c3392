//! WebAuthn passkey ceremonies over webauthn-rs. Ceremony state is serialised so that the
//! caller keeps it server-side (the client only ever holds a ceremony id); passkeys are
//! stored as JSON by the caller. Credential ids travel as base64url without padding.
//! The options sent are webauthn-rs's, adjusted in `json` (see there why).

mod json;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

pub use webauthn_rs::prelude::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("WebAuthn configuration: {0}")]
    Config(String),
    /// The authenticator's answer does not prove what it must (wrong challenge, origin,
    /// signature, user verification...).
    #[error("the passkey was not accepted: {0}")]
    Rejected(String),
    /// The client's answer is not a WebAuthn credential at all.
    #[error("not a WebAuthn credential: {0}")]
    Malformed(String),
    #[error("stored WebAuthn state unreadable: {0}")]
    State(String),
}

/// A started ceremony: options for the client, state for the server to keep.
#[derive(Debug, Clone)]
pub struct Started {
    pub options: serde_json::Value,
    pub state: String,
}

#[derive(Debug, Clone)]
pub struct Enrolled {
    pub credential_id: String,
    pub passkey: String,
    /// The transports the authenticator reported (known ones only).
    pub transports: Vec<String>,
    /// `credProps.rk`: whether the credential is discoverable (usernameless sign-in), if
    /// the client said.
    pub discoverable: Option<bool>,
}

/// A stored passkey to offer at sign-in: its webauthn-rs JSON and recorded transports.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub passkey: String,
    pub transports: Vec<String>,
}

/// Sign-in state: for a known patient's passkeys, or discoverable (the passkey names the
/// user).
#[derive(Serialize, Deserialize)]
enum SignInState {
    Identified(PasskeyAuthentication),
    Discoverable(DiscoverableAuthentication),
}

#[derive(Clone)]
pub struct Passkeys {
    webauthn: std::sync::Arc<Webauthn>,
}

fn state_err(e: impl std::fmt::Display) -> PasskeyError {
    PasskeyError::State(e.to_string())
}

fn rejected(e: impl std::fmt::Display) -> PasskeyError {
    PasskeyError::Rejected(e.to_string())
}

fn parse_passkey(json: &str) -> Result<Passkey, PasskeyError> {
    serde_json::from_str(json).map_err(state_err)
}

pub fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a sign-in answer names: its credential id and, for a discoverable passkey, the
/// user handle (our user id).
#[derive(Debug, Clone)]
pub struct Assertion {
    credential: PublicKeyCredential,
    pub credential_id: String,
    pub user_handle: Option<Uuid>,
}

impl Assertion {
    pub fn parse(response: &serde_json::Value) -> Result<Self, PasskeyError> {
        json::check_base64url(response)?;
        let credential: PublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
        let user_handle = credential
            .get_user_unique_id()
            .and_then(|b| Uuid::from_slice(b).ok());
        Ok(Self {
            credential_id: credential_id(credential.get_credential_id()),
            user_handle,
            credential,
        })
    }
}

impl Passkeys {
    /// `origins`: every origin a ceremony may come from. The first web origin (whose host
    /// is `rp_id` or under it) starts the builder; the others, such as an Android app's
    /// `android:apk-key-hash:...`, are appended and must then match exactly.
    pub fn new(rp_id: &str, origins: &[String], rp_name: &str) -> Result<Self, PasskeyError> {
        let config = |e: &dyn std::fmt::Display| PasskeyError::Config(e.to_string());
        let urls = origins
            .iter()
            .map(|o| Url::parse(o).map_err(|e| config(&format!("origin {o}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let web = urls
            .iter()
            .position(|u| {
                u.domain()
                    .is_some_and(|d| d == rp_id || d.ends_with(&format!(".{rp_id}")))
            })
            .ok_or_else(|| config(&format!("no origin is a web origin of {rp_id}")))?;
        let mut builder = WebauthnBuilder::new(rp_id, &urls[web])
            .map_err(|e| config(&e))?
            .rp_name(rp_name);
        for (i, url) in urls.iter().enumerate() {
            if i != web {
                builder = builder.append_allowed_origin(url);
            }
        }
        let webauthn = builder.build().map_err(|e| config(&e))?;
        Ok(Self {
            webauthn: std::sync::Arc::new(webauthn),
        })
    }

    /// Starts enrolling a passkey for `user`; `existing` passkeys (JSON) are excluded.
    pub fn start_registration(
        &self,
        user: Uuid,
        name: &str,
        display_name: &str,
        existing: &[String],
    ) -> Result<Started, PasskeyError> {
        let exclude = existing
            .iter()
            .map(|p| parse_passkey(p).map(|k| k.cred_id().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let (options, state) = self
            .webauthn
            .start_passkey_registration(user, name, display_name, Some(exclude))
            .map_err(rejected)?;
        let mut options = serde_json::to_value(options).map_err(state_err)?;
        json::prefer_resident_key(&mut options);
        Ok(Started {
            options,
            state: serde_json::to_string(&state).map_err(state_err)?,
        })
    }

    pub fn finish_registration(
        &self,
        state: &str,
        response: &serde_json::Value,
    ) -> Result<Enrolled, PasskeyError> {
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(state_err)?;
        json::check_base64url(response)?;
        let credential: RegisterPublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(rejected)?;
        let discoverable = response
            .pointer("/clientExtensionResults/credProps/rk")
            .and_then(serde_json::Value::as_bool);
        Ok(Enrolled {
            credential_id: credential_id(passkey.cred_id()),
            passkey: serde_json::to_string(&passkey).map_err(state_err)?,
            transports: json::known_transports(response.pointer("/response/transports")),
            discoverable,
        })
    }

    /// Sign-in with one of a known user's passkeys, offered with their transports.
    pub fn start_sign_in(&self, stored: &[StoredPasskey]) -> Result<Started, PasskeyError> {
        let keys = stored
            .iter()
            .map(|p| parse_passkey(&p.passkey))
            .collect::<Result<Vec<_>, _>>()?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(rejected)?;
        let offered: Vec<_> = keys
            .iter()
            .zip(stored)
            .map(|(k, s)| (k.cred_id().as_slice().to_vec(), s.transports.clone()))
            .collect();
        let mut started = Self::started(options, &SignInState::Identified(state))?;
        json::offer_credentials(&mut started.options, &offered);
        Ok(started)
    }

    /// A sign-in for an eHR number nobody can sign in with, shaped exactly like
    /// `start_sign_in`'s (the decoy ids are the caller's). No passkey has these ids, and
    /// the caller keeps a subject no passkey belongs to, so it cannot finish.
    pub fn start_decoy_sign_in(&self, decoy_ids: &[Vec<u8>]) -> Result<Started, PasskeyError> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(rejected)?;
        let transports: Vec<String> = json::DECOY_TRANSPORTS.map(str::to_owned).to_vec();
        let offered: Vec<_> = decoy_ids
            .iter()
            .map(|id| (id.clone(), transports.clone()))
            .collect();
        let mut started = Self::started(options, &SignInState::Discoverable(state))?;
        json::offer_credentials(&mut started.options, &offered);
        Ok(started)
    }

    /// Sign-in where the passkey itself says whose it is (usernameless). Sent without
    /// `mediation`: the client adds `"conditional"` itself for an autofill field.
    pub fn start_discoverable_sign_in(&self) -> Result<Started, PasskeyError> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(rejected)?;
        let mut started = Self::started(options, &SignInState::Discoverable(state))?;
        json::without_mediation(&mut started.options);
        Ok(started)
    }

    fn started(options: impl Serialize, state: &SignInState) -> Result<Started, PasskeyError> {
        Ok(Started {
            options: serde_json::to_value(options).map_err(state_err)?,
            state: serde_json::to_string(&state).map_err(state_err)?,
        })
    }

    /// Verifies the answer against the stored passkey; returns the passkey to store back
    /// (its signature counter may have moved).
    pub fn finish_sign_in(
        &self,
        state: &str,
        assertion: &Assertion,
        stored: &str,
    ) -> Result<String, PasskeyError> {
        let mut passkey = parse_passkey(stored)?;
        let state: SignInState = serde_json::from_str(state).map_err(state_err)?;
        let result =
            match state {
                SignInState::Identified(s) => self
                    .webauthn
                    .finish_passkey_authentication(&assertion.credential, &s),
                SignInState::Discoverable(s) => self
                    .webauthn
                    .finish_discoverable_authentication_v2(&assertion.credential, s, &passkey),
            }
            .map_err(rejected)?;
        if !result.user_verified() {
            return Err(PasskeyError::Rejected("user verification missing".into()));
        }
        passkey.update_credential(&result);
        serde_json::to_string(&passkey).map_err(state_err)
    }
}
