//! Care episodes: a patient under the care of a provider, the usual stated purpose of a
//! record view (patient-under-care).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::care_episodes as ce;
use super::DbConn;
use crate::ids::{AccountId, PatientId};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ce)]
pub struct CareEpisode {
    pub id: String,
    pub patient_id: PatientId,
    pub provider_id: String,
    pub opened_by: Option<AccountId>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, episode: &CareEpisode) -> QueryResult<()> {
    diesel::insert_into(ce::table)
        .values(episode)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<CareEpisode>> {
    ce::table
        .find(id)
        .select(CareEpisode::as_select())
        .first(conn)
        .optional()
}
