//! What the sign-in handlers share: the session they start and how long it lasts.

use chrono::Duration;
use ehealth_core::actions::sign_in::SignedIn;
use ehealth_core::context::Services;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Opaque bearer token, shown once: `Authorization: Bearer <token>`.
    pub token: String,
    /// `patient` or `sdm`
    pub subject_kind: String,
    pub expires_at: String,
}

pub fn session_view(signed_in: SignedIn) -> SessionView {
    SessionView {
        token: signed_in.token,
        subject_kind: signed_in.session.subject_kind.to_string(),
        expires_at: signed_in.session.expires_at.and_utc().to_rfc3339(),
    }
}

pub fn session_ttl(services: &Services) -> Duration {
    Duration::minutes(services.config.security.session_ttl_minutes)
}
