//! The reminder 30 days before a one-year consent expires: queued once per consent, by
//! each selected means, only for consents in force and in their last 30 days.

use chrono::Duration;
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::actions::reminders::queue_expiry_reminders;
use ehealth_core::db::DbConn;
use ehealth_core::domain::{Actor, ActorKind, ConsentChannel, ConsentType};
use ehealth_core::ids::PatientId;

use crate::fixtures::{self, now, provider, CLINIC};

fn give(conn: &mut DbConn, patient_id: &PatientId, kind: ConsentType, days_ago: i64) -> String {
    let request = ConsentRequest {
        patient_id: patient_id.to_owned(),
        provider_id: provider(CLINIC),
        consent_type: kind,
        channel: ConsentChannel::App,
        actor: Actor::new(ActorKind::Patient, patient_id),
    };
    consent::give(conn, &request, now() - Duration::days(days_ago))
        .unwrap()
        .id
}

fn reminders(conn: &mut DbConn, patient_id: &PatientId) -> Vec<String> {
    let jobs = fixtures::jobs_for(conn, patient_id);
    fixtures::channels_of(&jobs, "consent_expiring")
}

both_backends! {
    fn a_consent_in_its_last_thirty_days_is_reminded_once(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        fixtures::add_providers(conn);
        let due = fixtures::register(conn, &hasher, 1).patient.id;
        let early = fixtures::register(conn, &hasher, 2).patient.id;
        let revoked = fixtures::register(conn, &hasher, 3).patient.id;
        let open_ended = fixtures::register(conn, &hasher, 4).patient.id;
        // Given 340 days ago: 25 days left. Given 300 days ago: 65 left.
        give(conn, &due, ConsentType::OneYear, 340);
        give(conn, &early, ConsentType::OneYear, 300);
        give(conn, &revoked, ConsentType::OneYear, 340);
        consent::revoke(conn, &revoked, &provider(CLINIC), ConsentChannel::App,
            &Actor::new(ActorKind::Patient, revoked.clone()), now() - Duration::days(1)).unwrap();
        give(conn, &open_ended, ConsentType::Indefinite, 340);

        assert_eq!(queue_expiry_reminders(conn, now(), 100).unwrap(), 1);
        let mut channels = reminders(conn, &due);
        channels.sort();
        assert_eq!(channels, vec!["email", "sms"], "by each selected means");
        for other in [&early, &revoked, &open_ended] {
            assert!(reminders(conn, other).is_empty(), "not due: {other}");
        }
        // A second sweep, however soon, reminds no one again.
        assert_eq!(queue_expiry_reminders(conn, now(), 100).unwrap(), 0);
        assert_eq!(reminders(conn, &due).len(), 2);
        // The early one is reminded when it enters its last 30 days.
        assert_eq!(queue_expiry_reminders(conn, now() + Duration::days(40), 100).unwrap(), 1);
        assert_eq!(reminders(conn, &early).len(), 2);
    }

    fn renewing_gives_the_new_consent_its_own_reminder(conn: &mut DbConn) {
        let hasher = fixtures::hasher();
        fixtures::add_providers(conn);
        let patient = fixtures::register(conn, &hasher, 1).patient.id;
        give(conn, &patient, ConsentType::OneYear, 340);
        assert_eq!(queue_expiry_reminders(conn, now(), 100).unwrap(), 1);
        // Renewed today: the old row is superseded, the new one expires in a year.
        give(conn, &patient, ConsentType::OneYear, 0);
        assert_eq!(queue_expiry_reminders(conn, now(), 100).unwrap(), 0);
        assert_eq!(queue_expiry_reminders(conn, now() + Duration::days(340), 100).unwrap(), 1);
        assert_eq!(reminders(conn, &patient).len(), 4);
    }
}
