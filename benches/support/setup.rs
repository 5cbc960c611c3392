//! What the load benchmarks share to set up (`#[path]`-included by each bench binary): the
//! particulars of bench patient `i`, a patient registered at the clinic with its consent
//! and shared records, and a server process once it listens.
#![allow(dead_code)]

use std::process::Child;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use ehealth_core::actions::consent::{self, ConsentRequest};
use ehealth_core::actions::registration::{self, Particulars, Registered};
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::db::records::{self, SharedRecord};
use ehealth_core::db::{new_id, to_db, DbConn};
use ehealth_core::domain::{
    Actor, ActorKind, ConsentChannel, ConsentType, EmailAddress, Language, MobileNumber,
    NotificationMeans, PersonName, Sex,
};
use ehealth_core::ids::{IdentityDocument, ProviderId};
use serde_json::json;

/// The records each bench patient has shared at the clinic.
pub const DATA_TYPES: [&str; 3] = ["allergies_adrs", "lab_radiology_reports", "demographics"];

/// Bench patient `i`'s particulars: a passport, a mobile and an email of their own.
pub fn particulars(i: usize) -> Particulars {
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

/// Registers bench patient `i` at `clinic`, with a one-year consent for it and one shared
/// record of each of `DATA_TYPES`.
pub fn patient_at_clinic(
    conn: &mut DbConn,
    services: &Services,
    office: &Actor,
    clinic: &ProviderId,
    i: usize,
    now: DateTime<Utc>,
) -> Registered {
    let r = registration::register(
        conn,
        &services.hasher,
        &particulars(i),
        Some(clinic),
        office,
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
    consent::give(conn, &request, now).expect("consent");
    for t in DATA_TYPES {
        let record = SharedRecord {
            id: new_id(),
            patient_id: r.patient.id.clone(),
            provider_id: clinic.as_str().to_owned(),
            data_type: ehealth_core::domain::DataType::parse(t).expect("a data type"),
            document: json!({ "text": format!("bench {t}") }).to_string(),
            shared_by: None,
            created_at: to_db(now),
        };
        records::insert(conn, &record).expect("record");
    }
    r
}

/// The demo data, then bench patients `0..n` at `clinic` (`patient_at_clinic`); the
/// services, for more set-up.
pub fn demo_with_patients(
    config: Config,
    clinic: &ProviderId,
    n: usize,
) -> (Services, Vec<Registered>) {
    let services = Services::start(config).expect("services");
    services.seed_demo().expect("demo");
    let office = Actor::new(ActorKind::Office, "bench");
    let mut conn = services.db.get().expect("conn");
    let now = Utc::now();
    let patients = (0..n)
        .map(|i| patient_at_clinic(&mut conn, &services, &office, clinic, i, now))
        .collect();
    drop(conn);
    (services, patients)
}

/// `child` once it listens on `addr` (ten seconds at most); killed, and a panic naming
/// `what`, if it does not.
pub fn listening(mut child: Child, addr: &str, what: &str) -> Child {
    for _ in 0..100 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the {what} did not start on {addr}");
}

/// Runs `count` clients at once, client `n` being `client(n)`, and gathers what they return.
pub async fn clients<T, F, Fut>(count: usize, mut client: F) -> Vec<T>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Vec<T>> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..count).map(|n| tokio::spawn(client(n))).collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a client"));
    }
    all
}

/// pgbench running `sql` (written to a script named for `name`) at `clients` clients for
/// `seconds` against the database of `database_url`: its report, or why there is none.
pub fn pgbench_script(
    database_url: &str,
    name: &str,
    sql: &str,
    clients: usize,
    seconds: u64,
) -> Result<String, String> {
    let script = std::env::temp_dir().join(format!("{name}.sql"));
    std::fs::write(&script, sql).map_err(|e| format!("{}: {e}", script.display()))?;
    let db = database_url
        .rsplit('/')
        .next()
        .and_then(|d| d.split('?').next())
        .ok_or("no database name in the URL")?;
    let (clients, seconds) = (clients.to_string(), seconds.to_string());
    let out = std::process::Command::new("pgbench")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-n", "-r"])
        .args(["-c", &clients, "-j", "2", "-T", &seconds, "-f"])
        .arg(&script)
        .arg(db)
        .output()
        .map_err(|e| format!("pgbench not runnable: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
