//! The data the storage tests start from, and small read-backs used by several of them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use ehealth_core::actions::registration::{self, Particulars, Registered};
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::consents::{self, SharingConsent};
use ehealth_core::db::jobs::{self, Job};
use ehealth_core::db::providers::{self, Provider};
use ehealth_core::db::schema::{audit_pending, notification_jobs, patients, sharing_consents};
use ehealth_core::db::{to_db, write_tx, DbConn};
use ehealth_core::domain::{
    Actor, ActorKind, AuditAction, AuditOutcome, EstablishmentType, Language, NotificationMeans,
    ProviderStatus, Sex,
};
use ehealth_core::ids::{IdentityDocument, PatientId, ProviderId};
use ehealth_core::secret::{Argon2Cost, SecretHasher};
use secrecy::SecretString;

pub const HA: u32 = 1;
pub const DH: u32 = 2;
pub const CLINIC: u32 = 1001;

/// 10:15 on 3 March 2026 in Hong Kong.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 3, 2, 15, 0).unwrap()
}

/// Argon2id at a cost that keeps tests fast; the algorithm is the production one.
pub fn hasher() -> SecretHasher {
    let cost = Argon2Cost {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    SecretHasher::new(cost, SecretString::from("k")).unwrap()
}

pub fn provider(serial: u32) -> ProviderId {
    ProviderId::from_serial(serial).unwrap()
}

pub fn office() -> Actor {
    Actor::new(ActorKind::Office, "office-test")
}

/// HA, DH and a registered clinic.
pub fn add_providers(conn: &mut DbConn) {
    let list = [
        (HA, EstablishmentType::HospitalAuthority),
        (DH, EstablishmentType::DepartmentOfHealth),
        (CLINIC, EstablishmentType::MedicalClinic),
    ];
    for (serial, kind) in list {
        let p = Provider {
            id: provider(serial).as_str().to_owned(),
            name_en: format!("Provider {serial}"),
            name_zh: format!("機構 {serial}"),
            establishment_type: kind,
            public_body: kind.public_body(),
            status: ProviderStatus::Registered,
            registered_at: to_db(now()),
            status_changed_at: to_db(now()),
        };
        providers::insert(conn, &p).unwrap();
    }
}

/// Particulars with a passport numbered `P<n>`, told by SMS and email.
pub fn particulars(n: u32) -> Particulars {
    Particulars {
        document: IdentityDocument::parse("passport", &format!("P{n}"), Some("GB")).unwrap(),
        name_en: ehealth_core::domain::PersonName::parse_english(&format!("TEST, Patient {n}"))
            .unwrap(),
        name_zh: None,
        date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
        sex: Sex::Female,
        mobile: ehealth_core::domain::MobileNumber::parse("+85291234567").unwrap(),
        email: Some(
            ehealth_core::domain::EmailAddress::parse(&format!("patient{n}@example.com")).unwrap(),
        ),
        postal_address: None,
        language: Language::English,
        means: vec![NotificationMeans::Sms, NotificationMeans::Email],
    }
}

pub fn register(conn: &mut DbConn, hasher: &SecretHasher, n: u32) -> Registered {
    registration::register(
        conn,
        hasher,
        &particulars(n),
        Some(&provider(CLINIC)),
        &office(),
        now(),
    )
    .unwrap()
}

/// Providers plus one registered patient.
pub fn registered_patient(conn: &mut DbConn, hasher: &SecretHasher) -> Registered {
    add_providers(conn);
    register(conn, hasher, 1)
}

/// Appends `n` entries, each in its own write transaction, as the application does.
pub fn append_entries(conn: &mut DbConn, n: usize) {
    for i in 0..n {
        let entry = NewAuditEntry::new(
            AuditAction::RecordView,
            Actor::new(ActorKind::Hcprof, format!("doctor-{i}")),
            AuditOutcome::Granted,
        )
        .patient(&PatientId::new(format!("patient-{}", i % 3)))
        .reason(format!("visit {i}"));
        write_tx(conn, |c| Ok(audit::append(c, &entry, now())?)).unwrap();
    }
}

pub fn audit_pending(conn: &mut DbConn) -> i64 {
    audit_pending::table.count().get_result(conn).unwrap()
}

/// Integrates everything pending, then verifies the whole log; panics on a problem.
pub fn assert_log_verifies(conn: &mut DbConn) {
    ehealth_core::testing::assert_log_verifies(conn);
}

pub fn audit_count(conn: &mut DbConn) -> i64 {
    audit::count(conn).unwrap()
}

pub fn patient_count(conn: &mut DbConn) -> i64 {
    patients::table.count().get_result(conn).unwrap()
}

pub fn consent_count(conn: &mut DbConn) -> i64 {
    sharing_consents::table.count().get_result(conn).unwrap()
}

pub fn job_count(conn: &mut DbConn) -> i64 {
    notification_jobs::table.count().get_result(conn).unwrap()
}

pub fn history(conn: &mut DbConn, patient_id: &PatientId) -> Vec<SharingConsent> {
    consents::history(conn, patient_id).unwrap()
}

pub fn jobs_for(conn: &mut DbConn, patient_id: &PatientId) -> Vec<Job> {
    jobs::for_patient(conn, patient_id).unwrap()
}

/// The channels of the jobs of one kind, sorted.
pub fn channels_of(jobs: &[Job], job_type: &str) -> Vec<String> {
    let mut channels: Vec<String> = jobs
        .iter()
        .filter(|j| j.job_type == job_type)
        .map(|j| j.channel.clone())
        .collect();
    channels.sort();
    channels
}
