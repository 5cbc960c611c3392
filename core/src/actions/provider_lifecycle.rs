//! The Office registers providers and moves them through their lifecycle: suspend,
//! reinstate, cancel, withdraw. Only a registered provider can act; a provider that
//! withdraws or is cancelled has its consents ended and its accounts' sessions revoked at
//! once. Access matrix changes are audited here too.

use crate::ErrorCode;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::accounts::{Staff, SESSION_KIND};
use super::consent::{tell_ended, EndedConsent};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::provider_changes::{self, ProviderParticulars};
use crate::db::providers::{self, Provider};
use crate::db::{account_factors, consents, matrix, patients, sessions, to_db, write_tx, DbConn};
use crate::domain::{
    AccountRole, Actor, AuditAction, AuditOutcome, ConsentChannel, ConsentStatus, DataType,
    EmailAddress, EstablishmentType, Language, PostalAddress, Profession, ProviderStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::ProviderId;

#[derive(Debug, Clone)]
pub struct NewProvider {
    pub name_en: String,
    pub name_zh: String,
    pub establishment_type: EstablishmentType,
    pub particulars: Particulars,
}

impl NewProvider {
    pub fn validate(&self) -> CoreResult<()> {
        for (field, value) in [("name_en", &self.name_en), ("name_zh", &self.name_zh)] {
            if value.trim().is_empty() || value.len() > 200 {
                return Err(CoreError::invalid(field, "must be 1 to 200 characters"));
            }
        }
        Ok(())
    }
}

/// Where the provider is written to (issue 16): letters about its status go to
/// `address`, in `language` (English when none is given).
#[derive(Debug, Clone, Default)]
pub struct Particulars {
    pub address: Option<PostalAddress>,
    pub contact_name: Option<String>,
    pub contact_email: Option<EmailAddress>,
    pub contact_phone: Option<String>,
    pub language: Option<Language>,
}

pub use crate::domain::ProviderTransition as Transition;

pub(crate) fn require_office(office: &Staff) -> CoreResult<()> {
    office.require(AccountRole::Office).map(drop)
}

pub fn register(
    conn: &mut DbConn,
    office: &Staff,
    new: &NewProvider,
    now: DateTime<Utc>,
) -> CoreResult<Provider> {
    require_office(office)?;
    new.validate()?;
    write_tx(conn, |conn| {
        insert_provider(conn, &office.actor(), new, now)
    })
}

/// Registers the provider (a fresh random id) and its particulars, audited, in the
/// caller's transaction: the Office's own registration, or an approved application.
pub(crate) fn insert_provider(
    conn: &mut DbConn,
    actor: &Actor,
    new: &NewProvider,
    now: DateTime<Utc>,
) -> CoreResult<Provider> {
    let id = loop {
        let serial = rand::Rng::gen_range(&mut rand::rngs::OsRng, 10_000..100_000_000u32);
        let id = ProviderId::from_serial(serial)?;
        if providers::find(conn, id.as_str())?.is_none() {
            break id;
        }
    };
    let provider = Provider {
        id: id.as_str().to_owned(),
        name_en: new.name_en.trim().to_owned(),
        name_zh: new.name_zh.trim().to_owned(),
        establishment_type: new.establishment_type,
        public_body: new.establishment_type.public_body(),
        status: ProviderStatus::Registered,
        registered_at: to_db(now),
        status_changed_at: to_db(now),
    };
    if let Some(body) = &provider.public_body {
        if providers::public_bodies(conn)?
            .iter()
            .any(|p| p.public_body.as_ref() == Some(body))
        {
            return Err(CoreError::conflict(
                ErrorCode::PublicBodyExists,
                "this public body is registered already",
            ));
        }
    }
    providers::insert(conn, &provider)?;
    let p = &new.particulars;
    provider_changes::insert_particulars(
        conn,
        &ProviderParticulars {
            provider_id: provider.id.clone(),
            address: p.address.as_ref().map(|a| a.as_str().to_owned()),
            contact_name: p.contact_name.clone(),
            contact_email: p.contact_email.as_ref().map(|e| e.as_str().to_owned()),
            contact_phone: p.contact_phone.clone(),
            language: p.language.unwrap_or(Language::English),
            updated_at: to_db(now),
        },
    )?;
    let entry = NewAuditEntry::new(
        AuditAction::ProviderRegistered,
        actor.clone(),
        AuditOutcome::Succeeded,
    )
    .provider(&provider.id)
    .details(
        json!({ "name_en": provider.name_en, "establishment_type": provider.establishment_type }),
    );
    audit::append(conn, &entry, now)?;
    Ok(provider)
}

/// What applying a transition came to.
pub(crate) enum Applied {
    Done {
        from: ProviderStatus,
        provider: Provider,
        consents_ended: usize,
    },
    /// The provider's status (now) does not allow it.
    NotAllowed(ProviderStatus),
}

/// Moves a provider to its next status with its consequences, in the caller's
/// transaction: consents ended on leaving, sessions revoked unless registered. The status
/// is compared and set in one statement, so that two changes racing apply once.
pub(crate) fn apply_transition(
    conn: &mut DbConn,
    actor: &Actor,
    provider: &Provider,
    transition: Transition,
    now: DateTime<Utc>,
) -> CoreResult<Applied> {
    let from = provider.status;
    let Some(to) = transition.apply(from) else {
        return Ok(Applied::NotAllowed(from));
    };
    if !providers::set_status_from(conn, &provider.id, from, to, to_db(now))? {
        let now_status = providers::find(conn, &provider.id)?
            .ok_or(CoreError::NotFound("provider"))?
            .status;
        return Ok(Applied::NotAllowed(now_status));
    }
    let consents_ended = if matches!(to, ProviderStatus::Withdrawn | ProviderStatus::Cancelled) {
        end_consents(conn, actor, provider, now)?
    } else {
        0
    };
    if to != ProviderStatus::Registered {
        for account in account_factors::at_provider(conn, &provider.id)? {
            sessions::revoke_all(conn, SESSION_KIND, account.id.as_str(), now)?;
        }
    }
    let provider = providers::find(conn, &provider.id)?.ok_or(CoreError::NotFound("provider"))?;
    Ok(Applied::Done {
        from,
        provider,
        consents_ended,
    })
}

/// Ends the provider's consents (they stop counting at once) and tells each patient.
fn end_consents(
    conn: &mut DbConn,
    actor: &Actor,
    provider: &Provider,
    now: DateTime<Utc>,
) -> CoreResult<usize> {
    let active = consents::active_for_provider(conn, &provider.id)?;
    for consent in &active {
        consents::end(
            conn,
            &consent.id,
            ConsentStatus::Ended,
            ConsentChannel::Withdrawal,
            actor,
            to_db(now),
        )?;
        let Some(patient) = patients::find(conn, &consent.patient_id)? else {
            continue;
        };
        let ended = EndedConsent {
            consent_id: &consent.id,
            channel: "provider_left",
            action: AuditAction::ConsentsEnded,
            event_id: format!("provider-left:{}", consent.id),
        };
        tell_ended(conn, &patient, provider, &ended, actor, now)?;
    }
    Ok(active.len())
}

/// Replaces a profession's row of the access matrix; the change is audited with the row
/// before and after.
pub fn set_matrix_row(
    conn: &mut DbConn,
    office: &Staff,
    profession: Profession,
    types: &BTreeSet<DataType>,
    now: DateTime<Utc>,
) -> CoreResult<BTreeSet<DataType>> {
    require_office(office)?;
    write_tx(conn, |conn| {
        let before = matrix::row(conn, profession)?;
        matrix::set_row(conn, profession, types)?;
        let list = |s: &BTreeSet<DataType>| s.iter().map(|t| t.as_str()).collect::<Vec<_>>();
        let mut entry = NewAuditEntry::new(AuditAction::MatrixChanged, office.actor(), AuditOutcome::Succeeded)
            .details(json!({ "profession": profession.as_str(), "before": list(&before), "after": list(types) }));
        entry.profession = Some(profession);
        entry.data_types = types.iter().copied().collect();
        audit::append(conn, &entry, now)?;
        Ok(types.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lifecycle_transitions_are_allowed_and_leaving_is_final() {
        use ProviderStatus::*;
        assert_eq!(Transition::Suspend.apply(Registered), Some(Suspended));
        assert_eq!(Transition::Reinstate.apply(Suspended), Some(Registered));
        assert_eq!(Transition::Reinstate.apply(Registered), None);
        assert_eq!(Transition::Suspend.apply(Suspended), None);
        for t in [Transition::Cancel, Transition::Withdraw] {
            assert!(t.apply(Registered).is_some() && t.apply(Suspended).is_some());
        }
        for from in [Cancelled, Withdrawn] {
            for t in [
                Transition::Suspend,
                Transition::Reinstate,
                Transition::Cancel,
                Transition::Withdraw,
            ] {
                assert_eq!(t.apply(from), None, "{from} is final");
            }
        }
        assert!(Transition::parse("delete").is_err());
    }
}
