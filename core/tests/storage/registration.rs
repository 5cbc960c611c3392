//! Completing a registration writes the patient, deemed consents, the first access key,
//! the audit entries and the notification jobs; a document registers once.

use diesel::prelude::*;
use ehealth_core::actions::registration;
use ehealth_core::db::applications::{self, Application};
use ehealth_core::db::schema::notifications;
use ehealth_core::db::{access_keys, audit, jobs, new_id, patients, to_db, DbConn};
use ehealth_core::domain::ApplicationStatus;
use ehealth_core::domain::NotificationMeans;
use ehealth_core::ids::EhrNumber;

use crate::fixtures::{self, provider, CLINIC, DH, HA};

both_backends! {
    fn a_walk_in_registration_closes_the_open_application(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        fixtures::add_providers(conn);
        let p = fixtures::particulars(7);
        let at = to_db(fixtures::now());
        let application = Application {
            id: new_id(),
            id_doc_type: p.document.kind(),
            id_doc_number: p.document.number().to_owned(),
            id_doc_place: p.document.place().map(str::to_owned),
            id_doc_key: p.document.key(),
            name_en: p.name_en.to_string(),
            name_zh: None,
            date_of_birth: p.date_of_birth,
            sex: p.sex,
            mobile: p.mobile.to_string(),
            email: p.email.as_ref().map(ToString::to_string),
            postal_address: None,
            language: p.language,
            notify_sms: true,
            notify_email: true,
            notify_post: false,
            sdm_id: None,
            status: ApplicationStatus::PendingIdentityVerification,
            patient_id: None,
            created_at: at,
            updated_at: at,
        };
        applications::insert(conn, &application).unwrap();
        fixtures::register(conn, &hasher, 7);
        let after = applications::find(conn, &application.id).unwrap().unwrap();
        assert_eq!(after.status, ApplicationStatus::Cancelled);
        assert!(applications::open_for_document(conn, &p.document.key()).unwrap().is_none());
    }

    fn registration_writes_patient_deemed_consents_key_audit_and_jobs(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        fixtures::add_providers(conn);
        let registered = fixtures::register(conn, &hasher, 1);
        let id = registered.patient.id.clone();

        let patient = patients::find(conn, &id).unwrap().unwrap();
        assert_eq!(patient, registered.patient);
        let ehr = EhrNumber::parse(&patient.ehr_number).unwrap();
        assert_eq!(ehr.as_str(), patient.ehr_number);
        assert_eq!(patient.id_doc_key, "passport:GB:P1");
        assert_eq!(patient.registered_by_provider.as_deref(), Some(provider(CLINIC).as_str()));

        let mut deemed: Vec<_> = fixtures::history(conn, &id)
            .into_iter()
            .map(|c| {
                let texts = (c.consent_type.as_str(), c.channel.as_str(), c.status.as_str());
                (c.provider_id, texts.0.to_owned(), texts.1.to_owned(), texts.2.to_owned(), c.expires_at)
            })
            .collect();
        deemed.sort();
        let row = |serial| {
            let id = provider(serial).as_str().to_owned();
            (id, "deemed".to_owned(), "deemed".to_owned(), "active".to_owned(), None)
        };
        assert_eq!(deemed, vec![row(HA), row(DH)]);

        let key = access_keys::current(conn, &id).unwrap().unwrap();
        assert!(key.key_hash.starts_with("$argon2id$"), "{}", key.key_hash);
        assert!(!key.key_hash.contains(registered.access_key.expose()));
        assert!(hasher.verify(registered.access_key.expose(), &key.key_hash).unwrap());
        assert_eq!((key.issued_channel, key.failed_attempts), (ehealth_core::domain::AccessKeyChannel::Registration, 0));

        let events: Vec<_> = audit::for_patient(conn, &id, None, 10)
            .unwrap()
            .into_iter()
            .map(|e| (e.event.to_string(), e.provider_id))
            .collect();
        let clinic = Some(provider(CLINIC).as_str().to_owned());
        assert_eq!(
            events,
            vec![
                ("access_key_issued".to_owned(), None),
                ("registration_completed".to_owned(), clinic),
            ]
        );
        fixtures::assert_log_verifies(conn);

        let jobs = fixtures::jobs_for(conn, &id);
        assert_eq!(jobs.len(), 4, "{jobs:#?}");
        assert_eq!(fixtures::channels_of(&jobs, "registration_completed"), ["email", "sms"]);
        assert_eq!(fixtures::channels_of(&jobs, "access_key_issued"), ["email", "sms"]);
        assert!(jobs.iter().all(|j| j.status == jobs::PENDING && j.attempts == 0));

        let inbox: Vec<String> = notifications::table
            .filter(notifications::patient_id.eq(&id))
            .select(notifications::payload)
            .load(conn)
            .unwrap();
        assert_eq!(inbox.len(), 2);
        assert!(inbox.iter().all(|p| !p.contains(registered.access_key.expose())));
    }

    fn a_second_registration_with_the_same_document_is_refused(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        let first = fixtures::registered_patient(conn, &hasher);
        let before = counts(conn);

        let mut again = fixtures::particulars(1);
        again.name_en = ehealth_core::domain::PersonName::parse_english("SOMEONE, Else").unwrap();
        again.mobile = ehealth_core::domain::MobileNumber::parse("+85298765432").unwrap();
        let err = registration::register(
            conn,
            &hasher,
            &again,
            None,
            &fixtures::office(),
            fixtures::now(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "already_registered");
        assert_eq!(counts(conn), before, "a refused registration writes nothing");
        assert_eq!(fixtures::patient_count(conn), 1);

        let other = fixtures::register(conn, &hasher, 2);
        assert_ne!(other.patient.ehr_number, first.patient.ehr_number);
        assert_eq!(fixtures::patient_count(conn), 2);
    }

    fn registration_notifies_by_exactly_the_selected_means(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        fixtures::add_providers(conn);
        let mut p = fixtures::particulars(3);
        p.means = vec![NotificationMeans::Post];
        p.postal_address =
            Some(ehealth_core::domain::PostalAddress::parse("1 Harbour Road, Wan Chai").unwrap());
        let registered =
            registration::register(conn, &hasher, &p, None, &fixtures::office(), fixtures::now())
                .unwrap();

        let jobs = fixtures::jobs_for(conn, &registered.patient.id);
        assert_eq!(fixtures::channels_of(&jobs, "registration_completed"), ["post"]);
        assert_eq!(fixtures::channels_of(&jobs, "access_key_issued"), ["post"]);
        assert_eq!(jobs.len(), 2);
    }
}

/// Patients, consents, audit entries and jobs.
fn counts(conn: &mut DbConn) -> [i64; 4] {
    [
        fixtures::patient_count(conn),
        fixtures::consent_count(conn),
        fixtures::audit_count(conn),
        fixtures::job_count(conn),
    ]
}
