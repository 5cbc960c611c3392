//! "Consent, audit-log and outbox writes happen in one transaction: a failure in the
//! middle leaves nothing behind." Each test breaks one step on a real database, so that
//! the use case fails after earlier steps have written, and shows nothing was kept.

use diesel::prelude::*;
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::actions::registration;
use ehealth_core::db::schema::{access_keys, notifications};
use ehealth_core::db::DbConn;
use ehealth_core::domain::{Actor, ActorKind, ConsentChannel, ConsentType};
use ehealth_core::ids::PatientId;
use ehealth_core::CoreError;

use crate::fixtures::{self, now, provider, CLINIC};
use crate::harness::exec;

/// Everything a use case may write.
#[derive(Debug, PartialEq)]
struct Snapshot {
    patients: i64,
    consents: i64,
    access_keys: i64,
    audit_entries: i64,
    audit_pending: i64,
    jobs: i64,
    inbox: i64,
}

fn snapshot(conn: &mut DbConn) -> Snapshot {
    Snapshot {
        patients: fixtures::patient_count(conn),
        consents: fixtures::consent_count(conn),
        access_keys: access_keys::table.count().get_result(conn).unwrap(),
        audit_entries: fixtures::audit_count(conn),
        audit_pending: fixtures::audit_pending(conn),
        jobs: fixtures::job_count(conn),
        inbox: notifications::table.count().get_result(conn).unwrap(),
    }
}

/// Runs `f` with `table` renamed away, so that any statement on it fails.
fn with_table_missing<T>(conn: &mut DbConn, table: &str, f: impl FnOnce(&mut DbConn) -> T) -> T {
    exec(
        conn,
        &format!("ALTER TABLE {table} RENAME TO {table}_broken"),
    );
    let out = f(conn);
    exec(
        conn,
        &format!("ALTER TABLE {table}_broken RENAME TO {table}"),
    );
    out
}

fn give_to_clinic(conn: &mut DbConn, patient_id: &PatientId) -> Result<(), CoreError> {
    let req = ConsentRequest {
        patient_id: patient_id.to_owned(),
        provider_id: provider(CLINIC),
        consent_type: ConsentType::OneYear,
        channel: ConsentChannel::Form,
        actor: Actor::new(ActorKind::Patient, patient_id),
    };
    consent::give(conn, &req, now()).map(drop)
}

fn register_second_patient(conn: &mut DbConn) -> Result<(), CoreError> {
    let hasher = fixtures::hasher();
    let p = fixtures::particulars(2);
    registration::register(conn, &hasher, &p, None, &fixtures::office(), now()).map(drop)
}

fn assert_database_error(result: Result<(), CoreError>) {
    let err = result.expect_err("the broken step must fail the use case");
    assert_eq!(err.code(), "internal_error", "{err:?}");
}

both_backends! {
    fn consent_is_not_kept_when_enqueueing_fails(conn: &mut DbConn) {
        let pid = fixtures::registered_patient(conn, &fixtures::hasher()).patient.id;
        let before = snapshot(conn);
        let result = with_table_missing(conn, "notification_jobs", |c| give_to_clinic(c, &pid));
        assert_database_error(result);
        assert_eq!(snapshot(conn), before);

        give_to_clinic(conn, &pid).unwrap();
        assert_eq!(snapshot(conn).consents, before.consents + 1, "with the table back it works");
    }

    fn consent_is_not_kept_when_the_audit_append_fails(conn: &mut DbConn) {
        let pid = fixtures::registered_patient(conn, &fixtures::hasher()).patient.id;
        let before = snapshot(conn);
        let result = with_table_missing(conn, "audit_pending", |c| give_to_clinic(c, &pid));
        assert_database_error(result);
        assert_eq!(snapshot(conn), before);
    }

    fn registration_is_not_kept_when_enqueueing_fails(conn: &mut DbConn) {
        fixtures::registered_patient(conn, &fixtures::hasher());
        let before = snapshot(conn);
        let result = with_table_missing(conn, "notification_jobs", register_second_patient);
        assert_database_error(result);
        assert_eq!(snapshot(conn), before);
    }

    fn registration_is_not_kept_when_the_audit_append_fails(conn: &mut DbConn) {
        fixtures::registered_patient(conn, &fixtures::hasher());
        let before = snapshot(conn);
        let result = with_table_missing(conn, "audit_pending", register_second_patient);
        assert_database_error(result);
        assert_eq!(snapshot(conn), before);
    }

    /// The key is the last step: patient, deemed consents, audit entry and jobs are all
    /// written by then.
    fn registration_is_not_kept_when_issuing_the_key_fails(conn: &mut DbConn) {
        fixtures::registered_patient(conn, &fixtures::hasher());
        let before = snapshot(conn);
        let result = with_table_missing(conn, "access_keys", register_second_patient);
        assert_database_error(result);
        assert_eq!(snapshot(conn), before);

        register_second_patient(conn).unwrap();
        assert_eq!(snapshot(conn).patients, before.patients + 1, "with the table back it works");
    }
}
