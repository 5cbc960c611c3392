//! What a patient changes about themselves in the app: language, notification means and
//! verified contact details.

use diesel::prelude::*;

use super::schema::patients;
use super::DbConn;
use crate::domain::{Language, NotificationMeans};
use crate::ids::PatientId;

pub fn set_language(conn: &mut DbConn, id: &PatientId, language: Language) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set(patients::language.eq(language.as_str()))
        .execute(conn)
}

pub fn set_means(
    conn: &mut DbConn,
    id: &PatientId,
    means: &[NotificationMeans],
) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set((
            patients::notify_sms.eq(means.contains(&NotificationMeans::Sms)),
            patients::notify_email.eq(means.contains(&NotificationMeans::Email)),
            patients::notify_post.eq(means.contains(&NotificationMeans::Post)),
        ))
        .execute(conn)
}

pub fn set_mobile(conn: &mut DbConn, id: &PatientId, mobile: &str) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set(patients::mobile.eq(mobile))
        .execute(conn)
}

pub fn set_email(conn: &mut DbConn, id: &PatientId, email: &str) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set(patients::email.eq(Some(email)))
        .execute(conn)
}

pub fn set_postal_address(
    conn: &mut DbConn,
    id: &PatientId,
    address: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(patients::table.find(id))
        .set(patients::postal_address.eq(address))
        .execute(conn)
}
