//! The api under load: a release `ehealth api` process and an `ehealth audit sequence`
//! process on the benchmark's database, driven over loopback from this process by
//! `CLIENTS` concurrent clients.

use chrono::{NaiveDate, Utc};
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::actions::registration::{self, Particulars};
use ehealth_core::context::Services;
use ehealth_core::db::records::{self, SharedRecord};
use ehealth_core::db::{new_id, sessions, to_db};
use ehealth_core::domain::{
    Actor, ActorKind, ConsentChannel, ConsentType, EmailAddress, Language, MobileNumber,
    NotificationMeans, PersonName, Sex,
};
use ehealth_core::ids::{IdentityDocument, ProviderId};
use ehealth_core::testing::TestDb;
use serde_json::json;

pub use crate::support::api::{load, sign_in_doctor, start_api, start_sequencer, Process};
use crate::support::api::{Call, Method, Send, DATA_TYPES};

pub const CLIENTS: usize = 50;

/// One client's patient: registered at the clinic with a consent, three shared records
/// and a signed-in app session.
pub struct Patient {
    pub ehr: String,
    pub app_token: String,
}

fn particulars(i: usize) -> Particulars {
    Particulars {
        document: IdentityDocument::parse("passport", &format!("L{i:08}"), Some("CAN"))
            .expect("document"),
        name_en: PersonName::parse_english(&format!("BENCH, Patient {i}")).expect("name"),
        name_zh: None,
        date_of_birth: NaiveDate::from_ymd_opt(1970, 6, 1).expect("date"),
        sex: Sex::Male,
        mobile: MobileNumber::parse(&format!("+8529300{i:04}")).expect("mobile"),
        email: Some(EmailAddress::parse(&format!("p{i}@example.com")).expect("email")),
        postal_address: None,
        language: Language::English,
        means: vec![NotificationMeans::Sms, NotificationMeans::Email],
    }
}

/// The demo data and `CLIENTS` patients of the demo clinic.
pub fn seed(db: &TestDb, clinic: &ProviderId) -> Vec<Patient> {
    let services = Services::start(db.config()).expect("services");
    services.seed_demo().expect("demo");
    let office = Actor::new(ActorKind::Office, "bench");
    let mut conn = services.db.get().expect("conn");
    let now = Utc::now();
    (0..CLIENTS)
        .map(|i| {
            let r = registration::register(
                &mut conn,
                &services.hasher,
                &particulars(i),
                Some(clinic),
                &office,
                now,
            )
            .expect("register");
            let request = ConsentRequest {
                patient_id: r.patient.id.clone(),
                provider_id: clinic.clone(),
                consent_type: ConsentType::OneYear,
                channel: ConsentChannel::Form,
                actor: office.clone(),
            };
            consent::give(&mut conn, &request, now).expect("consent");
            for t in DATA_TYPES {
                let record = SharedRecord {
                    id: new_id(),
                    patient_id: r.patient.id.clone(),
                    provider_id: clinic.as_str().to_owned(),
                    data_type: t.to_owned(),
                    document: json!({ "text": format!("bench {t}") }).to_string(),
                    shared_by: None,
                    created_at: to_db(now),
                };
                records::insert(&mut conn, &record).expect("record");
            }
            let (_, app_token) = sessions::start(
                &mut conn,
                "patient",
                &r.patient.id,
                chrono::Duration::hours(4),
                now,
            )
            .expect("session");
            Patient {
                ehr: r.patient.ehr_number,
                app_token,
            }
        })
        .collect()
}

pub fn record_views(base: &str, token: &str, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| Call {
            method: Method::Post,
            sends: vec![Send {
                url: format!("{base}/v1/hcp/record-views"),
                token: token.to_owned(),
                body: Some(
                    json!({ "ehr_number": p.ehr, "purpose": { "reason": "bench" },
                                   "data_types": DATA_TYPES }),
                ),
            }],
        })
        .collect()
}

/// Each patient changes their own consent for the clinic, one year and indefinite in turn.
pub fn consent_changes(base: &str, clinic: &ProviderId, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| Call {
            method: Method::Put,
            sends: ["indefinite", "one_year"]
                .map(|kind| Send {
                    url: format!("{base}/v1/app/consents/{}", clinic.as_str()),
                    token: p.app_token.clone(),
                    body: Some(json!({ "type": kind })),
                })
                .to_vec(),
        })
        .collect()
}
