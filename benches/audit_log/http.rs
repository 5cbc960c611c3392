//! The api under load: a release `ehealth api` process and an `ehealth audit sequence`
//! process on the benchmark's database, driven over loopback from this process by
//! `CLIENTS` concurrent clients.

use chrono::Utc;
use ehealth_core::db::sessions;
use ehealth_core::domain::SessionSubject;
use ehealth_core::ids::ProviderId;
use ehealth_core::testing::TestDb;
use serde_json::json;

use crate::setup;
pub use crate::support::api::{
    load, paced_load, sign_in_doctor, start_api, start_sequencer, Process,
};
use crate::support::api::{Call, Method, Send, DATA_TYPES};

pub const CLIENTS: usize = 50;

/// One client's patient: registered at the clinic with a consent, three shared records
/// and a signed-in app session.
pub struct Patient {
    pub ehr: String,
    pub app_token: String,
}

/// The demo data and `CLIENTS` patients of the demo clinic.
pub fn seed(db: &TestDb, clinic: &ProviderId) -> Vec<Patient> {
    let (services, registered) = setup::demo_with_patients(db.config(), clinic, CLIENTS);
    let mut conn = services.db.get().expect("conn");
    let now = Utc::now();
    registered
        .into_iter()
        .map(|r| {
            let (_, app_token) = sessions::start(
                &mut conn,
                SessionSubject::Patient,
                r.patient.id.as_str(),
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

/// A client that sends one request again and again.
fn one_call(method: Method, url: String, token: &str, body: Option<serde_json::Value>) -> Call {
    Call {
        method,
        sends: vec![Send {
            url,
            token: token.to_owned(),
            body,
        }],
    }
}

pub fn record_views(base: &str, token: &str, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| {
            let body = json!({ "ehr_number": p.ehr, "purpose": { "reason": "bench" },
                               "data_types": DATA_TYPES });
            one_call(
                Method::Post,
                format!("{base}/v1/hcp/record-views"),
                token,
                Some(body),
            )
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

/// Each patient reads their own `path` of the app (`/v1/app/consents`, ...).
pub fn app_reads(base: &str, path: &str, patients: &[Patient]) -> Vec<Call> {
    patients
        .iter()
        .map(|p| one_call(Method::Get, format!("{base}{path}"), &p.app_token, None))
        .collect()
}
