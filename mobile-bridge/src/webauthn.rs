//! WebAuthn passkey ceremonies over webauthn-rs. Ceremony state is serialised so that the
//! caller keeps it server-side (the client only ever holds a ceremony id); passkeys are
//! stored as JSON by the caller. Credential ids travel as base64url without padding.

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

fn state_err(e: serde_json::Error) -> PasskeyError {
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
    pub fn new(rp_id: &str, rp_origin: &str, rp_name: &str) -> Result<Self, PasskeyError> {
        let origin = Url::parse(rp_origin).map_err(|e| PasskeyError::Config(e.to_string()))?;
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .map_err(|e| PasskeyError::Config(e.to_string()))?
            .rp_name(rp_name)
            .build()
            .map_err(|e| PasskeyError::Config(e.to_string()))?;
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
        Ok(Started {
            options: serde_json::to_value(options).map_err(state_err)?,
            state: serde_json::to_string(&state).map_err(state_err)?,
        })
    }

    pub fn finish_registration(
        &self,
        state: &str,
        response: &serde_json::Value,
    ) -> Result<Enrolled, PasskeyError> {
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(state_err)?;
        let credential: RegisterPublicKeyCredential = serde_json::from_value(response.clone())
            .map_err(|e| PasskeyError::Malformed(e.to_string()))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(rejected)?;
        Ok(Enrolled {
            credential_id: credential_id(passkey.cred_id()),
            passkey: serde_json::to_string(&passkey).map_err(state_err)?,
        })
    }

    /// Sign-in with one of a known user's passkeys (JSON).
    pub fn start_sign_in(&self, passkeys: &[String]) -> Result<Started, PasskeyError> {
        let keys = passkeys
            .iter()
            .map(|p| parse_passkey(p))
            .collect::<Result<Vec<_>, _>>()?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(rejected)?;
        Self::started(options, SignInState::Identified(state))
    }

    /// Sign-in where the passkey itself says whose it is.
    pub fn start_discoverable_sign_in(&self) -> Result<Started, PasskeyError> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(rejected)?;
        Self::started(options, SignInState::Discoverable(state))
    }

    fn started(options: impl Serialize, state: SignInState) -> Result<Started, PasskeyError> {
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
