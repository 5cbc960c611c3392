//! The demo seed loads once, and the access matrix it seeds has all thirteen rows.

use chrono::Duration;
use diesel::prelude::*;
use ehealth_core::actions::demo;
use ehealth_core::db::matrix::{self, MatrixFile};
use ehealth_core::db::schema::{access_matrix, accounts, providers};
use ehealth_core::db::{access_keys, consents, patients, DbConn};
use ehealth_core::domain::Profession;
use ehealth_core::ids::EhrNumber;

use crate::fixtures::{self, now, provider, CLINIC};

/// Providers, accounts, patients, consents, audit entries, jobs, matrix cells.
fn counts(conn: &mut DbConn) -> [i64; 7] {
    [
        providers::table.count().get_result(conn).unwrap(),
        accounts::table.count().get_result(conn).unwrap(),
        fixtures::patient_count(conn),
        fixtures::consent_count(conn),
        fixtures::audit_count(conn),
        fixtures::job_count(conn),
        access_matrix::table.count().get_result(conn).unwrap(),
    ]
}

both_backends! {
    fn demo_seed_loads_once(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let summary = demo::seed(conn, &hasher, now()).unwrap().expect("first seed loads");
        let seeded = counts(conn);
        assert_eq!(&seeded[..3], &[4, 3, 1], "providers, accounts, patients");

        let ehr = EhrNumber::parse(&summary.patient_ehr_number).unwrap();
        let patient = patients::find_by_ehr_number(conn, ehr.as_str()).unwrap().unwrap();
        let key = access_keys::current(conn, &patient.id).unwrap().unwrap();
        assert!(hasher.verify(&summary.patient_access_key, &key.key_hash).unwrap());
        let clinic = consents::current(conn, &patient.id, provider(CLINIC).as_str())
            .unwrap()
            .expect("the demo patient consents to the clinic");
        assert_eq!(clinic.consent_type.as_str(), "one_year");

        let again = demo::seed(conn, &hasher, now() + Duration::days(1)).unwrap();
        assert!(again.is_none(), "a second seed does nothing");
        assert_eq!(counts(conn), seeded);
        fixtures::assert_log_verifies(conn);
    }

    fn the_seeded_matrix_has_a_row_per_profession(conn: &mut DbConn) {
        demo::seed(conn, &fixtures::hasher(), now()).unwrap();
        let file = MatrixFile::parse(matrix::SEED).unwrap();
        assert_eq!(Profession::ALL.len(), 13);
        for profession in Profession::ALL {
            let row = matrix::row(conn, *profession).unwrap();
            assert!(!row.is_empty(), "{profession} has no row");
            assert_eq!(row, file.professions[profession], "{profession}");
        }
        assert_eq!(matrix::restricted(conn).unwrap(), file.restricted);
    }
}
