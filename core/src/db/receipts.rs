//! Delivery receipts of SMS messages (Twilio's status callbacks), matched to the
//! notification job whose `provider_ref` is the message's SID.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{delivery_receipts as dr, notification_jobs as nj};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dr)]
pub struct DeliveryReceipt {
    pub message_sid: String,
    pub status: String,
    pub error_code: Option<String>,
    pub job_id: Option<String>,
    pub received_at: NaiveDateTime,
}

/// Statuses after which the message will not arrive.
pub fn is_failure(status: &str) -> bool {
    matches!(status, "failed" | "undelivered")
}

/// Records a receipt once per (message, status); a repeated callback changes nothing.
/// A failed delivery is noted on the job for the operator. Returns whether it was new.
pub fn record(
    conn: &mut DbConn,
    message_sid: &str,
    status: &str,
    error_code: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let seen: bool = diesel::select(diesel::dsl::exists(
        dr::table
            .filter(dr::message_sid.eq(message_sid))
            .filter(dr::status.eq(status)),
    ))
    .get_result(conn)?;
    if seen {
        return Ok(false);
    }
    let job_id: Option<String> = nj::table
        .filter(nj::provider_ref.eq(message_sid))
        .select(nj::id)
        .first(conn)
        .optional()?;
    let receipt = DeliveryReceipt {
        message_sid: message_sid.to_owned(),
        status: status.to_owned(),
        error_code: error_code.map(str::to_owned),
        job_id: job_id.clone(),
        received_at: at,
    };
    diesel::insert_into(dr::table)
        .values(&receipt)
        .execute(conn)?;
    if let (Some(id), true) = (job_id, is_failure(status)) {
        let note = format!(
            "delivery {status}: Twilio error {}",
            error_code.unwrap_or("-")
        );
        diesel::update(nj::table.find(id))
            .set((nj::last_error.eq(note), nj::updated_at.eq(at)))
            .execute(conn)?;
    }
    Ok(true)
}

pub fn for_message(conn: &mut DbConn, message_sid: &str) -> QueryResult<Vec<DeliveryReceipt>> {
    dr::table
        .filter(dr::message_sid.eq(message_sid))
        .order(dr::received_at.asc())
        .select(DeliveryReceipt::as_select())
        .load(conn)
}
