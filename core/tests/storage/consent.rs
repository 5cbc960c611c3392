//! Giving, changing and revoking sharing consent keeps the whole history, and each change
//! is audited and notified.

use chrono::{Duration, TimeZone, Utc};
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::db::consents::SharingConsent;
use ehealth_core::db::{audit, consents, to_db, DbConn};
use ehealth_core::domain::{Actor, ActorKind, ConsentChannel, ConsentType};
use ehealth_core::ids::{PatientId, ProviderId};

use crate::fixtures::{self, now, provider, CLINIC, DH, HA};

fn request(patient_id: &PatientId, provider_id: ProviderId, kind: ConsentType) -> ConsentRequest {
    ConsentRequest {
        patient_id: patient_id.to_owned(),
        provider_id,
        consent_type: kind,
        channel: ConsentChannel::App,
        actor: Actor::new(ActorKind::Patient, patient_id),
    }
}

fn row(conn: &mut DbConn, patient_id: &PatientId, id: &str) -> SharingConsent {
    fixtures::history(conn, patient_id)
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("consent {id} not in the history"))
}

/// Consents, audit entries and jobs.
fn counts(conn: &mut DbConn) -> [i64; 3] {
    [
        fixtures::consent_count(conn),
        fixtures::audit_count(conn),
        fixtures::job_count(conn),
    ]
}

both_backends! {
    fn consent_history_keeps_every_change(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let pid = fixtures::registered_patient(conn, &hasher).patient.id;
        let clinic = provider(CLINIC);
        let [consents_0, audit_0, jobs_0] = counts(conn);

        let one_year_request = request(&pid, clinic.clone(), ConsentType::OneYear);
        let one_year = consent::give(conn, &one_year_request, now()).unwrap();
        assert_eq!(consents::current(conn, &pid, clinic.as_str()).unwrap(), Some(one_year.clone()));
        // 10:15 on 3 March 2026 in Hong Kong: 10:15 on 3 March 2027 there.
        let a_year_later = Utc.with_ymd_and_hms(2027, 3, 3, 2, 15, 0).unwrap();
        assert_eq!(one_year.expires_at, Some(to_db(a_year_later)));
        assert_eq!(counts(conn), [consents_0 + 1, audit_0 + 1, jobs_0 + 2]);

        let changed_at = now() + Duration::days(10);
        let indefinite = consent::give(
            conn,
            &request(&pid, clinic.clone(), ConsentType::Indefinite),
            changed_at,
        )
        .unwrap();
        let old = row(conn, &pid, &one_year.id);
        assert_eq!(old.status.as_str(), "superseded");
        assert_eq!(old.superseded_by.as_deref(), Some(indefinite.id.as_str()));
        assert_eq!(old.ended_at, Some(to_db(changed_at)));
        let current = consents::current(conn, &pid, clinic.as_str()).unwrap().unwrap();
        assert_eq!(current, indefinite);
        assert_eq!((current.status.as_str(), current.expires_at), ("active", None));
        assert_eq!(counts(conn), [consents_0 + 2, audit_0 + 2, jobs_0 + 4]);

        let revoked_at = changed_at + Duration::hours(1);
        let actor = Actor::new(ActorKind::Caller, "+85291234567");
        let revoked =
            consent::revoke(conn, &pid, &clinic, ConsentChannel::Ivr, &actor, revoked_at).unwrap();
        let stored = row(conn, &pid, &indefinite.id);
        assert_eq!(revoked, stored, "revoke returns the row as stored");
        assert_eq!(stored.status.as_str(), "revoked");
        assert_eq!(stored.ended_at, Some(to_db(revoked_at)));
        assert_eq!(stored.ended_channel.map(|c| c.as_str()), Some("ivr"));
        assert_eq!(stored.ended_actor_kind.map(|k| k.as_str()), Some("caller"));
        assert_eq!(stored.ended_actor_id.as_deref(), Some("+85291234567"));
        assert_eq!(consents::current(conn, &pid, clinic.as_str()).unwrap(), None);
        assert_eq!(counts(conn), [consents_0 + 2, audit_0 + 3, jobs_0 + 6]);

        let clinic_history: Vec<String> = fixtures::history(conn, &pid)
            .into_iter()
            .filter(|c| c.provider_id == clinic.as_str())
            .map(|c| c.id)
            .collect();
        assert_eq!(clinic_history, vec![indefinite.id.clone(), one_year.id.clone()]);

        let events: Vec<String> = audit::for_patient(conn, &pid, None, 3)
            .unwrap()
            .into_iter()
            .map(|e| e.event.to_string())
            .collect();
        assert_eq!(events, ["consent_revoked", "consent_given", "consent_given"]);
        let jobs = fixtures::jobs_for(conn, &pid);
        assert_eq!(fixtures::channels_of(&jobs, "consent_given"), ["email", "email", "sms", "sms"]);
        assert_eq!(fixtures::channels_of(&jobs, "consent_revoked"), ["email", "sms"]);
        fixtures::assert_log_verifies(conn);
    }

    fn deemed_consent_can_be_neither_given_nor_revoked(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let pid = fixtures::registered_patient(conn, &hasher).patient.id;
        let before = counts(conn);
        for body in [HA, DH] {
            let req = request(&pid, provider(body), ConsentType::Indefinite);
            let err = consent::give(conn, &req, now()).unwrap_err();
            assert_eq!(err.code(), "deemed_consent");
            let err = consent::revoke(
                conn,
                &pid,
                &provider(body),
                ConsentChannel::App,
                &Actor::new(ActorKind::Patient, pid.as_str()),
                now(),
            )
            .unwrap_err();
            assert_eq!(err.code(), "deemed_consent");
            let deemed = consents::current(conn, &pid, provider(body).as_str()).unwrap().unwrap();
            assert_eq!(deemed.status.as_str(), "active");
        }
        let err = consent::give(conn, &request(&pid, provider(CLINIC), ConsentType::Deemed), now())
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(counts(conn), before);
    }

    fn revoking_when_there_is_no_consent_is_refused(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let pid = fixtures::registered_patient(conn, &hasher).patient.id;
        let actor = Actor::new(ActorKind::Patient, pid.as_str());
        let before = counts(conn);
        let err = consent::revoke(conn, &pid, &provider(CLINIC), ConsentChannel::App, &actor, now())
            .unwrap_err();
        assert_eq!(err.code(), "no_consent");
        assert_eq!(counts(conn), before);

        consent::give(conn, &request(&pid, provider(CLINIC), ConsentType::OneYear), now()).unwrap();
        consent::revoke(conn, &pid, &provider(CLINIC), ConsentChannel::App, &actor, now()).unwrap();
        let err = consent::revoke(conn, &pid, &provider(CLINIC), ConsentChannel::App, &actor, now())
            .unwrap_err();
        assert_eq!(err.code(), "no_consent", "a revoked consent cannot be revoked again");
    }

    fn a_status_outside_the_set_fails_to_load_with_its_text(conn: &mut DbConn) {
        use diesel::prelude::*;
        use ehealth_core::db::schema::sharing_consents as sc;
        let hasher = fixtures::hasher();
        let pid = fixtures::registered_patient(conn, &hasher).patient.id;
        consent::give(conn, &request(&pid, provider(CLINIC), ConsentType::OneYear), now()).unwrap();
        diesel::update(sc::table.filter(sc::patient_id.eq(&pid)))
            .set(sc::status.eq("paused"))
            .execute(conn)
            .unwrap();
        let err = consents::history(conn, &pid).unwrap_err();
        assert!(
            matches!(err, diesel::result::Error::DeserializationError(_)),
            "a deserialisation error, not a panic or a default: {err:?}"
        );
        // Diesel's message names the field; the cause under it names the text.
        let cause = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
        assert!(cause.contains("\"paused\""), "names the text: {cause}");
    }
}
