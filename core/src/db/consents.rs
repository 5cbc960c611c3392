//! Sharing consents. Rows are never overwritten: a renewal or change of type supersedes
//! the current row with a new one; revocation and withdrawal end it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::providers::Provider;
use super::schema::providers;
use super::schema::sharing_consents as sc;
use super::DbConn;
use crate::domain::{Actor, ActorKind, ConsentChannel, ConsentStatus, ConsentType};
use crate::ids::PatientId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sc)]
// No column has a default: None is NULL, and the rows can be COPYed (`ehealth bench seed`).
#[diesel(treat_none_as_default_value = false)]
pub struct SharingConsent {
    pub id: String,
    pub patient_id: PatientId,
    pub provider_id: String,
    pub consent_type: ConsentType,
    pub channel: ConsentChannel,
    pub actor_kind: ActorKind,
    pub actor_id: Option<String>,
    pub given_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub status: ConsentStatus,
    pub superseded_by: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_channel: Option<ConsentChannel>,
    pub ended_actor_kind: Option<ActorKind>,
    pub ended_actor_id: Option<String>,
}

impl SharingConsent {
    /// A new active consent with a fresh id, given by `actor` at `given_at` through
    /// `channel`; nothing superseded or ended yet.
    pub fn active(
        patient_id: &PatientId,
        provider_id: &str,
        consent_type: ConsentType,
        channel: ConsentChannel,
        actor: &Actor,
        given_at: NaiveDateTime,
        expires_at: Option<NaiveDateTime>,
    ) -> Self {
        SharingConsent {
            id: super::new_id(),
            patient_id: patient_id.clone(),
            provider_id: provider_id.to_owned(),
            consent_type,
            channel,
            actor_kind: actor.kind,
            actor_id: actor.id.clone(),
            given_at,
            expires_at,
            status: ConsentStatus::Active,
            superseded_by: None,
            ended_at: None,
            ended_channel: None,
            ended_actor_kind: None,
            ended_actor_id: None,
        }
    }
}

pub fn insert(conn: &mut DbConn, consent: &SharingConsent) -> QueryResult<()> {
    diesel::insert_into(sc::table)
        .values(consent)
        .execute(conn)
        .map(drop)
}

/// The active row for (patient, provider), if any (it may have expired: see the rules).
pub fn current(
    conn: &mut DbConn,
    patient_id: &PatientId,
    provider_id: &str,
) -> QueryResult<Option<SharingConsent>> {
    sc::table
        .filter(sc::patient_id.eq(patient_id))
        .filter(sc::provider_id.eq(provider_id))
        .filter(sc::status.eq(ConsentStatus::Active))
        .select(SharingConsent::as_select())
        .first(conn)
        .optional()
}

/// All rows of a patient, newest first: the full history.
pub fn history(conn: &mut DbConn, patient_id: &PatientId) -> QueryResult<Vec<SharingConsent>> {
    sc::table
        .filter(sc::patient_id.eq(patient_id))
        .order((sc::given_at.desc(), sc::id))
        .select(SharingConsent::as_select())
        .load(conn)
}

/// As `history`, each row with the provider it is for, in one query (the app's list).
pub fn history_with_providers(
    conn: &mut DbConn,
    patient_id: &PatientId,
) -> QueryResult<Vec<(SharingConsent, Option<Provider>)>> {
    sc::table
        .left_join(providers::table.on(providers::id.eq(sc::provider_id)))
        .filter(sc::patient_id.eq(patient_id))
        .order((sc::given_at.desc(), sc::id))
        .select((SharingConsent::as_select(), Option::<Provider>::as_select()))
        .load(conn)
}

pub fn supersede(conn: &mut DbConn, id: &str, by: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sc::table.find(id))
        .set((
            sc::status.eq(ConsentStatus::Superseded),
            sc::superseded_by.eq(Some(by)),
            sc::ended_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// Ends the row as `status` (revoked, or ended by withdrawal), recording how and by whom.
pub fn end(
    conn: &mut DbConn,
    id: &str,
    status: ConsentStatus,
    channel: ConsentChannel,
    actor: &Actor,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sc::table
            .find(id)
            .filter(sc::status.eq(ConsentStatus::Active)),
    )
    .set((
        sc::status.eq(status),
        sc::ended_at.eq(Some(at)),
        sc::ended_channel.eq(Some(channel)),
        sc::ended_actor_kind.eq(Some(actor.kind)),
        sc::ended_actor_id.eq(actor.id.as_deref()),
    ))
    .execute(conn)
}

pub fn active_for_patient(
    conn: &mut DbConn,
    patient_id: &PatientId,
) -> QueryResult<Vec<SharingConsent>> {
    sc::table
        .filter(sc::patient_id.eq(patient_id))
        .filter(sc::status.eq(ConsentStatus::Active))
        .order(sc::provider_id)
        .select(SharingConsent::as_select())
        .load(conn)
}

/// The provider's active consents.
pub fn active_for_provider(
    conn: &mut DbConn,
    provider_id: &str,
) -> QueryResult<Vec<SharingConsent>> {
    sc::table
        .filter(sc::provider_id.eq(provider_id))
        .filter(sc::status.eq(ConsentStatus::Active))
        .order(sc::patient_id)
        .select(SharingConsent::as_select())
        .load(conn)
}
