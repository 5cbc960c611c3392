//! The one JSON shape of a sharing consent, in every answer that carries one: the app's
//! list and changes, the portal's consent and identity-verification answers. Its fields
//! are the union of what each answer carried before (`hcp_id` and `provider_id`,
//! `given_by` and `actor_kind` name the same things for the app and the portal).

use chrono::{DateTime, Utc};
use ehealth_core::actions::consent_history::ConsentView;
use ehealth_core::rules::consent_in_force;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentItem {
    pub id: String,
    /// The provider's 9-digit id (the app's name for it).
    pub hcp_id: String,
    /// The same id (the portal's name for it).
    pub provider_id: String,
    pub provider_name_en: Option<String>,
    pub provider_name_zh: Option<String>,
    /// `one_year`, `indefinite` or `deemed` (HA/DH)
    #[serde(rename = "type")]
    pub consent_type: String,
    /// `active`, `superseded`, `revoked` or `ended`
    pub status: String,
    /// Active and not expired: the provider may view the record now.
    pub in_force: bool,
    pub channel: String,
    /// Who gave it: `patient`, `sdm`, `hcprof`, `caller`, `system`…
    pub given_by: String,
    /// The same (the portal's name for it).
    pub actor_kind: String,
    pub given_by_id: Option<String>,
    pub given_at: String,
    pub expires_at: Option<String>,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
    pub superseded_by: Option<String>,
}

impl ConsentItem {
    /// The consent as it stands at `now` (`in_force` depends on it).
    pub fn of(view: &ConsentView, now: DateTime<Utc>) -> Self {
        let c = &view.consent;
        let in_force = consent_in_force(c.status, c.expires_at.map(|t| t.and_utc()), now);
        let provider = view.provider.as_ref();
        Self {
            id: c.id.clone(),
            hcp_id: c.provider_id.clone(),
            provider_id: c.provider_id.clone(),
            provider_name_en: provider.map(|p| p.name_en.clone()),
            provider_name_zh: provider.map(|p| p.name_zh.clone()),
            consent_type: c.consent_type.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            in_force,
            channel: c.channel.as_str().to_owned(),
            given_by: c.actor_kind.as_str().to_owned(),
            actor_kind: c.actor_kind.as_str().to_owned(),
            given_by_id: c.actor_id.clone(),
            given_at: c.given_at.and_utc().to_rfc3339(),
            expires_at: c.expires_at.map(|t| t.and_utc().to_rfc3339()),
            ended_at: c.ended_at.map(|t| t.and_utc().to_rfc3339()),
            ended_by: c.ended_actor_kind.map(|k| k.as_str().to_owned()),
            superseded_by: c.superseded_by.clone(),
        }
    }
}
