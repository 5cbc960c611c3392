//! The voice line when the Argon2 pool is full (issue 15): the caller hears that the line
//! is busy and is asked to call again; nothing is counted against them or the key.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::audit_log;
use ehealth_core::db::{access_keys, patients};
use ehealth_core::secret::HashTurn;

use ehealth_core::db::Backend;

use super::call::{demo, identify, ivr_tests, Call, CALLER, DEMO_BIRTH_DATE};
use crate::support::TestApp;

/// Every place of the pool, held until dropped.
fn fill_the_pool(app: &TestApp) -> Vec<HashTurn<'_>> {
    std::iter::from_fn(|| app.services.hasher.reserve().ok()).collect()
}

fn key_attempts(app: &TestApp) -> i64 {
    audit_log::table
        .filter(audit_log::event.eq("access_key_attempt"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

ivr_tests! {
    async fn a_full_pool_is_a_busy_line_and_counts_nothing(app: TestApp) {
        let demo = demo(&app);
        let before = key_attempts(&app);
        let mut call = Call::dial(&app, CALLER).await;
        let held = fill_the_pool(&app);
        assert_eq!(held.len(), {
            let size = app.services.hasher.pool_size();
            size.threads + size.queue
        });
        identify(&mut call, "2", &demo, "87654321").await;
        let said = call.said();
        assert!(said.contains("the line is very busy"), "{said}");
        assert!(call.hung_up());
        assert!(!call.last_twiml.contains("<Dial>"), "no operator for a burst: {}", call.last_twiml);
        insta::assert_snapshot!("busy_line_english", call.last_twiml);
        assert_eq!(key_attempts(&app), before, "a refusal for load is not a try");
        let patient = patients::find_by_ehr_number(&mut app.conn(), &demo.patient_ehr_number)
            .unwrap()
            .unwrap();
        let key = access_keys::current(&mut app.conn(), &patient.id).unwrap().unwrap();
        assert_eq!(key.failed_attempts, 0);
        // The same answer whether or not the details match: a right key is refused alike.
        let mut right = Call::dial(&app, CALLER).await;
        identify(&mut right, "2", &demo, &demo.patient_access_key).await;
        assert_eq!(right.last_twiml, call.last_twiml);
        drop(held);
        let mut later = Call::dial(&app, CALLER).await;
        identify(&mut later, "2", &demo, &demo.patient_access_key).await;
        assert!(!later.said().contains("busy"), "{}", later.said());
        assert!(!later.hung_up(), "identified, at the menu: {}", later.said());
    }

    async fn a_full_pool_is_busy_at_once_while_every_connection_is_taken(app: TestApp) {
        let demo = demo(&app);
        let before = key_attempts(&app);
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        call.press_as(&demo.patient_ehr_number, "<eHR number>").await;
        call.press(DEMO_BIRTH_DATE).await;
        let held = fill_the_pool(&app);
        // The key's place is taken before a connection: with none free, the answer is still
        // the busy line at once, not an apology after the pool's connection timeout.
        let size = app.services.config.database.pool_size;
        let size = match app.services.db.backend() {
            Backend::Sqlite => size.min(8),
            Backend::Postgres => size,
        };
        let connections: Vec<_> = (0..size).map(|_| app.services.db.get().unwrap()).collect();
        call.press_as("87654321", "<access key>").await;
        let said = call.said();
        assert!(said.contains("the line is very busy"), "{said}");
        assert!(call.hung_up());
        drop(connections);
        drop(held);
        assert_eq!(key_attempts(&app), before, "a refusal for load is not a try");
    }
}
