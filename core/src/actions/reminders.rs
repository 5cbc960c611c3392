//! The reminder before a one-year consent expires (SPEC §3): when a consent enters its
//! last `REMINDER_DAYS` days, the patient is told once, by their selected means, so that
//! they can renew it in the app, on the voice line or at the counter.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::notify::{notify_patient, PatientEvent};
use crate::db::consents::SharingConsent;
use crate::db::patients::Patient;
use crate::db::providers::Provider;
use crate::db::schema::{
    consent_reminders as cr, patients as pt, providers as pv, sharing_consents as sc,
};
use crate::db::{from_db, to_db, write_tx, DbConn};
use crate::domain::notice::{ConsentExpiringFacts, ProviderNames};
use crate::domain::{ConsentStatus, Notice, PatientStatus};
use crate::error::CoreResult;
use crate::ids::PatientId;
use crate::rules::consent_validity::REMINDER_DAYS;

/// Queues the reminders now due, up to `limit` consents in one transaction; returns how
/// many consents it took (call again while it returns `limit`). A consent is reminded once:
/// the `consent_reminders` row is written in the same transaction as its jobs, and a
/// second sweeper (another notifier) that reaches the same consent finds the row taken.
pub fn queue_expiry_reminders(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    limit: i64,
) -> CoreResult<usize> {
    write_tx(conn, |c| {
        let due: Vec<SharingConsent> = sc::table
            .filter(sc::status.eq(ConsentStatus::Active.as_str()))
            .filter(sc::expires_at.gt(to_db(now)))
            .filter(sc::expires_at.le(to_db(now + Duration::days(REMINDER_DAYS))))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                cr::table.filter(cr::consent_id.eq(sc::id)),
            )))
            .order(sc::expires_at)
            .limit(limit)
            .select(SharingConsent::as_select())
            .load(c)?;
        // The batch's patients and providers in two queries, not two per consent.
        let patient_ids: Vec<&PatientId> = due.iter().map(|c| &c.patient_id).collect();
        let provider_ids: Vec<&str> = due.iter().map(|c| c.provider_id.as_str()).collect();
        let patients: HashMap<PatientId, Patient> = pt::table
            .filter(pt::id.eq_any(&patient_ids))
            .filter(pt::status.eq(PatientStatus::Registered.as_str()))
            .select(Patient::as_select())
            .load(c)?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let providers: HashMap<String, Provider> = pv::table
            .filter(pv::id.eq_any(&provider_ids))
            .select(Provider::as_select())
            .load(c)?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        for consent in &due {
            if !claim(c, &consent.id, now)? {
                continue;
            }
            let (Some(patient), Some(provider)) = (
                patients.get(&consent.patient_id),
                providers.get(&consent.provider_id),
            ) else {
                continue;
            };
            let event = PatientEvent {
                event_id: format!("expiring:{}", consent.id),
                notice: Notice::ConsentExpiring(ConsentExpiringFacts {
                    consent_id: consent.id.clone(),
                    provider: ProviderNames::of(provider),
                    expires_at: consent.expires_at.map(|t| from_db(t).to_rfc3339()),
                }),
            };
            notify_patient(c, patient, &event, now)?;
        }
        Ok(due.len())
    })
}

/// Marks the consent reminded; false if another sweeper did first.
fn claim(conn: &mut DbConn, consent_id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let insert = diesel::insert_into(cr::table)
        .values((cr::consent_id.eq(consent_id), cr::queued_at.eq(to_db(now))))
        .on_conflict(cr::consent_id)
        .do_nothing();
    Ok(crate::db::insert_or_ignore(conn, insert)? == 1)
}
