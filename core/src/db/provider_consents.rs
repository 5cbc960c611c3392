//! Sharing consents seen from the provider's side (the provider lifecycle ends them).

use diesel::prelude::*;

use super::consents::SharingConsent;
use super::schema::sharing_consents as sc;
use super::DbConn;
use crate::domain::ConsentStatus;

/// The provider's active consents.
pub fn active_for_provider(
    conn: &mut DbConn,
    provider_id: &str,
) -> QueryResult<Vec<SharingConsent>> {
    sc::table
        .filter(sc::provider_id.eq(provider_id))
        .filter(sc::status.eq(ConsentStatus::Active.as_str()))
        .order(sc::patient_id)
        .select(SharingConsent::as_select())
        .load(conn)
}
