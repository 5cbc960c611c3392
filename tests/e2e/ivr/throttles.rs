//! Wrong identities on the voice line count per caller number, per identifier keyed (known
//! or not) and for the whole line; once one is locked, every claim is refused before any
//! detail is checked, so the answer is the same whether or not the details match.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{NaiveDate, Utc};
use ehealth_core::actions::ivr::{identify, Claim, ClaimedId, Identification, LineChecks, Proof};
use ehealth_core::config::SecurityConfig;
use ehealth_core::db::attempts;
use ehealth_core::ids::AccessKey;

use super::call::{demo, ivr_tests};
use crate::support::TestApp;

const WRONG_KEY: &str = "99999999";

fn try_as(
    app: &TestApp,
    security: &SecurityConfig,
    caller: &str,
    id: &ClaimedId,
    key: &str,
) -> Identification {
    let claim = Claim {
        caller,
        id,
        date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
    };
    let proof = Proof::Key(AccessKey::parse(key).unwrap());
    let checks = LineChecks {
        hasher: &app.services.hasher,
        security,
        now: Utc::now(),
    };
    identify(&mut app.conn(), checks, &claim, &proof).unwrap()
}

fn failures(app: &TestApp, scope: &str) -> u32 {
    attempts::load(&mut app.conn(), scope)
        .unwrap()
        .map_or(0, |s| s.failures)
}

ivr_tests! {
    async fn wrong_identities_count_per_identifier_and_for_the_whole_line(app: TestApp) {
        let demo = demo(&app);
        let mut security = app.services.config.security.clone();
        security.account_max_failures = 3;
        security.ivr_global_max_failures = 7;
        // Six HKIC digits nobody has: three callers, one wrong try each, lock the identifier.
        let nobody = ClaimedId::parse("999999").unwrap();
        assert_eq!(try_as(&app, &security, "+85290000001", &nobody, WRONG_KEY), Identification::Mismatch);
        assert_eq!(try_as(&app, &security, "+85290000002", &nobody, WRONG_KEY), Identification::Mismatch);
        assert_eq!(try_as(&app, &security, "+85290000003", &nobody, WRONG_KEY), Identification::Throttled);
        assert_eq!(try_as(&app, &security, "+85290000004", &nobody, WRONG_KEY), Identification::Throttled);
        assert_eq!(failures(&app, "ivr-id:999999"), 3);
        assert_eq!(failures(&app, "caller:+85290000001"), 1, "each wrong try counts on its caller too");
        assert_eq!(failures(&app, "caller:+85290000004"), 0, "a refused try checks nothing");
        // The patient's own identifier is not affected by another identifier's lock...
        let patient = ClaimedId::parse(&demo.patient_ehr_number).unwrap();
        assert!(matches!(try_as(&app, &security, "+85290000005", &patient, &demo.patient_access_key), Identification::Identified(_)));
        // ...but wrong tries at other identifiers from other callers add up for the line.
        for i in 0..4 {
            let other = ClaimedId::parse(&format!("99999{i}")).unwrap();
            let outcome = try_as(&app, &security, &format!("+8529100000{i}"), &other, WRONG_KEY);
            let want = if i == 3 { Identification::Throttled } else { Identification::Mismatch };
            assert_eq!(outcome, want, "wrong try {i} at another identifier");
        }
        assert_eq!(failures(&app, "ivr:global"), 7);
        // The line is locked: the right details and key get the same answer as wrong ones.
        assert_eq!(try_as(&app, &security, "+85290000006", &patient, &demo.patient_access_key), Identification::Throttled);
        assert_eq!(try_as(&app, &security, "+85290000007", &patient, WRONG_KEY), Identification::Throttled);
    }
}
