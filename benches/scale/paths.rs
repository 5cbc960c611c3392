//! The measured paths, each with patients drawn at random from the whole population.

use chrono::Utc;
use diesel::prelude::*;
use ehealth_core::db::schema::{audit_log, audit_tree_head, patients};
use ehealth_core::db::{sessions, DbConn};
use ehealth_core::domain::SessionSubject;
use ehealth_core::ids::{PatientId, ProviderId};
use ehealth_core::synthetic::{frequent_patients, patient_id};
use rand::Rng;
use serde_json::json;

use crate::support::api::{self, Call, Method, Send, DATA_TYPES};
use crate::support::figures::Load;

/// Patients drawn per client (from the whole population; from the frequent ones for the
/// later page of access records).
const PER_CLIENT: usize = 100;

/// A row of an existence check: only how many rows came back is read.
#[derive(QueryableByName)]
#[allow(dead_code)]
pub struct Count {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub n: i32,
}

fn connect(url: &str) -> DbConn {
    DbConn::Postgres(PgConnection::establish(url).expect("the scale database"))
}

/// Whether `url` holds a whole population of `size` (its last patient and its tree).
pub fn is_seeded(url: &str, size: u64) -> bool {
    let Ok(pg) = PgConnection::establish(url) else {
        return false;
    };
    let mut conn = DbConn::Postgres(pg);
    let last = patients::table
        .find(patient_id(size - 1))
        .count()
        .get_result::<i64>(&mut conn)
        .unwrap_or(0);
    let tree = audit_tree_head::table
        .select(audit_tree_head::tree_size)
        .first::<i64>(&mut conn)
        .unwrap_or(0);
    last == 1 && tree as u64 >= size * 10
}

/// A drawn patient: eHR number and a fresh app session's token.
struct Drawn {
    ehr: String,
    token: String,
}

fn draw(conn: &mut DbConn, from: u64, count: usize) -> Vec<Drawn> {
    let mut rng = rand::thread_rng();
    let ids: Vec<PatientId> = (0..count)
        .map(|_| patient_id(rng.gen_range(0..from)))
        .collect();
    let found: Vec<(PatientId, String)> = patients::table
        .filter(patients::id.eq_any(&ids))
        .select((patients::id, patients::ehr_number))
        .load(conn)
        .expect("drawn patients");
    let ehr: std::collections::HashMap<PatientId, String> = found.into_iter().collect();
    ids.iter()
        .map(|id| {
            let (_, token) = sessions::start(
                conn,
                SessionSubject::Patient,
                id.as_str(),
                chrono::Duration::hours(4),
                Utc::now(),
            )
            .expect("session");
            Drawn {
                ehr: ehr[id].clone(),
                token,
            }
        })
        .collect()
}

/// One call per client: `send` makes the request for a drawn patient (and its turn).
fn calls(
    drawn: &[Drawn],
    clients: usize,
    method: Method,
    send: impl Fn(usize, &Drawn) -> Send,
) -> Vec<Call> {
    drawn
        .chunks(drawn.len() / clients)
        .take(clients)
        .map(|mine| Call {
            method,
            sends: mine.iter().enumerate().map(|(k, d)| send(k, d)).collect(),
        })
        .collect()
}

/// Each path under load for `seconds`, after a short warm-up.
pub fn measure(url: &str, size: u64, clients: usize, seconds: u64) -> Vec<(&'static str, Load)> {
    let mut conn = connect(url);
    let all = draw(&mut conn, size, clients * PER_CLIENT);
    let frequent = draw(&mut conn, frequent_patients(size), clients * PER_CLIENT);
    let last: Option<i64> = audit_log::table
        .select(diesel::dsl::max(audit_log::seq))
        .first(&mut conn)
        .expect("last seq");
    let middle = last.unwrap_or(2) / 2;
    let clinic = ProviderId::from_serial(1001).expect("clinic");
    let (_api, base) = api::start_api(url);
    let (rt, client) = api::runtime_and_client(clients);
    let doctor = rt.block_on(api::sign_in_doctor(&client, &base, &clinic));
    let app = |path: String| {
        let url = format!("{base}{path}");
        move |_: usize, d: &Drawn| Send {
            url: url.clone(),
            token: d.token.clone(),
            body: None,
        }
    };
    let paths: Vec<(&'static str, Vec<Call>)> = vec![
        (
            "GET /v1/app/consents",
            calls(&all, clients, Method::Get, app("/v1/app/consents".into())),
        ),
        (
            "GET /v1/app/access-records",
            calls(
                &all,
                clients,
                Method::Get,
                app("/v1/app/access-records".into()),
            ),
        ),
        (
            "GET /v1/app/access-records (later)",
            calls(
                &frequent,
                clients,
                Method::Get,
                app(format!("/v1/app/access-records?before={middle}")),
            ),
        ),
        (
            "GET /v1/app/me",
            calls(&all, clients, Method::Get, app("/v1/app/me".into())),
        ),
        (
            "POST /v1/hcp/record-views",
            calls(&all, clients, Method::Post, |_, d| Send {
                url: format!("{base}/v1/hcp/record-views"),
                token: doctor.clone(),
                body: Some(
                    json!({ "ehr_number": d.ehr, "purpose": { "reason": "bench" },
                                   "data_types": DATA_TYPES }),
                ),
            }),
        ),
        (
            "PUT /v1/app/consents/{hcp_id}",
            calls(&all, clients, Method::Put, |k, d| Send {
                url: format!("{base}/v1/app/consents/{}", clinic.as_str()),
                token: d.token.clone(),
                body: Some(json!({ "type": CONSENT_TYPES[k % 2] })),
            }),
        ),
    ];
    // Warm-up: the api opens its pool's connections on demand.
    rt.block_on(api::load(&client, paths[0].1.clone(), 2));
    paths
        .into_iter()
        .map(|(what, calls)| (what, rt.block_on(api::load(&client, calls, seconds))))
        .collect()
}

/// A consent change alternates between the two types a patient may choose.
const CONSENT_TYPES: [&str; 2] = ["indefinite", "one_year"];
