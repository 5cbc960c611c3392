//! Rows hold the domain's enums (issue 13 item 4): a stored text is read back as its
//! variant, and a text outside the set fails the load with an error that names the
//! column's field, the text and the type, on both backends (never a panic, never a
//! default).

use chrono::Duration;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use ehealth_core::db::schema::sessions as se;
use ehealth_core::db::{sessions, DbConn};
use ehealth_core::domain::SessionSubject;
use ehealth_core::error::Chain;
use ehealth_core::ids::AccountId;
use ehealth_core::CoreError;

use crate::fixtures::now;

both_backends! {
    fn a_stored_text_is_read_back_as_its_variant_and_an_unknown_one_is_named(conn: &mut DbConn) {
        let (session, token) = sessions::start(conn, SessionSubject::Sdm, "s1", Duration::minutes(5), now()).unwrap();
        let stored: String = se::table.find(&session.id).select(se::subject_kind).first(conn).unwrap();
        assert_eq!(stored, "sdm", "written as the same text as before");
        let read = sessions::resolve(conn, &token, now()).unwrap().expect("live");
        assert_eq!(read.subject_kind, SessionSubject::Sdm);

        diesel::update(se::table.find(&session.id)).set(se::subject_kind.eq("robot")).execute(conn).unwrap();
        let err = sessions::resolve(conn, &token, now()).expect_err("not a subject kind");
        assert!(matches!(err, diesel::result::Error::DeserializationError(_)), "{err:?}");
        // What a service logs for the 500 it answers: the error with its cause chain.
        let logged = Chain(&CoreError::from(err)).to_string();
        assert!(
            logged.ends_with("Error deserializing field 'subject_kind': subject_kind \"robot\" in the database is not a known SessionSubject"),
            "{logged}"
        );
    }

    fn an_internal_id_is_stored_and_read_as_the_same_text(conn: &mut DbConn) {
        let id = AccountId::new("5f0c6a8e-0000-4000-8000-000000000001");
        let written: String = diesel::select(id.clone().into_sql::<Text>()).get_result(conn).unwrap();
        assert_eq!(written, "5f0c6a8e-0000-4000-8000-000000000001");
        let read: AccountId = diesel::select(sql::<Text>("'5f0c6a8e-0000-4000-8000-000000000001'")).get_result(conn).unwrap();
        assert_eq!(read, id);
    }
}
