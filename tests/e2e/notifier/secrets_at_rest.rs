//! Secrets at rest (issue 11): after an access key and a code are delivered, and a
//! post-only patient's first key is queued as a letter, neither they nor the TOTP secrets
//! occur anywhere in the database: on SQLite in the main file, the WAL and the shared
//! memory file read as bytes; on PostgreSQL (whose data directory is out of reach) in a
//! `pg_dump` of the test database and in the rows.

use std::path::Path;
use std::time::Duration;

use diesel::prelude::*;
use ehealth_core::actions::demo::DEMO_TOTP_SECRET;
use ehealth_core::db::schema::{accounts, notification_jobs as nj, postal_letters as pl};
use ehealth_core::db::{jobs, Backend};
use serde_json::{json, Value};

use super::harness;
use crate::app::helpers::last_code;
use crate::hcp::helpers::{clinic_admin, demo, post, professional, walk_in};
use crate::support::TestApp;

const MOBILE: &str = "+85298765432";

/// Whether `needle` occurs in `hay` as a token of its own (not inside a longer run of
/// letters and digits): how a clear secret is stored (`"code":"123456"`, "is 12345678."),
/// and never by chance inside base64 or hex.
fn occurs(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).enumerate().any(|(i, w)| {
        let before = i.checked_sub(1).map(|j| hay[j]);
        let after = hay.get(i + n.len()).copied();
        w == n
            && ![before, after]
                .into_iter()
                .flatten()
                .any(|b| b.is_ascii_alphanumeric())
    })
}

fn database_bytes(app: &TestApp) -> Vec<u8> {
    match app.backend() {
        Backend::Sqlite => {
            let (_, path) = Backend::from_url(&app.db.url);
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{path}{suffix}");
                assert!(Path::new(&file).exists() || suffix == "-shm", "{file}");
                all.extend(std::fs::read(&file).unwrap_or_default());
            }
            all
        }
        Backend::Postgres => {
            let dump = match std::process::Command::new("pg_dump")
                .arg(&app.db.url)
                .output()
            {
                Ok(dump) => dump,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("no pg_dump (postgresql-client): every table read as rows instead");
                    return every_row_as_text(app);
                }
                Err(e) => panic!("pg_dump: {e}"),
            };
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            dump.stdout
        }
    }
}

/// Every row of every table of the test database as JSON text: what `pg_dump` would show
/// of the data, where PostgreSQL's client tools are not installed.
fn every_row_as_text(app: &TestApp) -> Vec<u8> {
    #[derive(QueryableByName)]
    struct Text {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = app.conn();
    let tables: Vec<Text> = diesel::sql_query(
        "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS text \
         FROM information_schema.tables WHERE table_type = 'BASE TABLE' \
         AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .load(&mut *conn)
    .expect("tables");
    assert!(tables.len() > 5, "the schema's tables: {}", tables.len());
    let mut all = Vec::new();
    for table in tables {
        let rows: Vec<Text> = diesel::sql_query(format!(
            "SELECT row_to_json(t)::text AS text FROM {} t",
            table.text
        ))
        .load(&mut *conn)
        .expect("rows");
        for row in rows {
            all.extend(row.text.into_bytes());
            all.push(b'\n');
        }
    }
    all
}

fn outbox_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in walk(dir) {
        text.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
    }
    text
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

fn post_only(hkic: &str) -> Value {
    let mut body = walk_in(hkic);
    body["particulars"]["mobile"] = json!("+85291234567");
    body["particulars"]["postal_address"] = json!("Flat 3, 8 Harbour Road, Wan Chai");
    body["particulars"]["notification_means"] = json!(["post"]);
    body
}

both_backends! {
    async fn delivered_keys_codes_and_totp_secrets_are_nowhere_in_the_database(app: TestApp) {
        demo(&app);
        let admin = clinic_admin(&app).await;
        let (_, nurse, totp_secret) = professional(&app, &admin, "nurse.seal", "nurse").await;
        let (status, by_sms) = post(&app, "/v1/hcp/identity-verifications", Some(&nurse), walk_in("C246813(A)")).await;
        assert_eq!(status, 201, "{by_sms}");
        let key = by_sms["access_key"].as_str().unwrap().to_owned();
        let (status, by_post) = post(&app, "/v1/hcp/identity-verifications", Some(&nurse), post_only("D135792(2)")).await;
        assert_eq!(status, 201, "{by_post}");
        let letter_key = by_post["access_key"].as_str().unwrap().to_owned();
        let r = app.client.post(format!("{}/v1/app/sessions/otp", app.api))
            .json(&json!({"ehr_number": by_sms["ehr_number"], "date_of_birth": "1990-05-17"}))
            .send().await.unwrap();
        assert_eq!(r.status(), 202);
        let code = last_code(&app, MOBILE);

        let _worker = harness::start_worker(&app);
        let mut conn = app.conn();
        harness::wait_for(Duration::from_secs(20), "every job delivered", || {
            jobs::with_status(&mut conn, jobs::PENDING, 100).unwrap().is_empty()
                && jobs::with_status(&mut conn, jobs::RUNNING, 100).unwrap().is_empty()
        }).await;
        assert!(jobs::with_status(&mut conn, jobs::DEAD, 100).unwrap().is_empty());
        let delivered = outbox_text(&app.outbox_dir());
        assert!(delivered.contains(&key) && delivered.contains(&code), "delivered in clear: {delivered}");
        let letters: Vec<String> = pl::table.select(pl::body).load(&mut conn).unwrap();
        assert!(!letters.is_empty() && letters.iter().all(|l| l.starts_with("ehs1.")),
            "the waiting letters are sealed: {letters:?}");

        let bytes = database_bytes(&app);
        assert!(occurs(&bytes, "nurse.seal"), "the scan reads the data");
        for (what, secret) in [("access key", key.as_str()), ("letter's access key", &letter_key),
            ("code", &code), ("TOTP secret", &totp_secret), ("demo TOTP secret", DEMO_TOTP_SECRET)] {
            assert!(!occurs(&bytes, secret), "the {what} {secret} is in the database files");
        }
        // The rows themselves, on either backend.
        let payloads: Vec<String> = nj::table.select(nj::payload).load(&mut conn).unwrap();
        let totps: Vec<Option<String>> = accounts::table.select(accounts::totp_secret).load(&mut conn).unwrap();
        let rows = format!("{payloads:?}{totps:?}{letters:?}");
        for secret in [&key, &letter_key, &code, &totp_secret] {
            assert!(!occurs(rows.as_bytes(), secret), "{secret} in a row");
        }
        assert!(totps.iter().flatten().all(|t| t.starts_with("ehs1.")), "{totps:?}");
    }

    async fn clear_totp_secrets_are_sealed_at_start_up_and_resealed_after_a_rotation(app: TestApp) {
        demo(&app);
        let office = || accounts::table.filter(accounts::username.eq("office"));
        // A row as it was stored before sealing existed.
        diesel::update(office())
            .set(accounts::totp_secret.eq(Some(DEMO_TOTP_SECRET)))
            .execute(&mut app.conn())
            .unwrap();
        let stored = || office().select(accounts::totp_secret).first::<Option<String>>(&mut app.conn()).unwrap().unwrap();
        let restarted = ehealth_core::context::Services::start(app.db.config()).expect("start");
        let sealed = stored();
        assert!(sealed.starts_with("ehs1.dev."), "{sealed}");
        drop(restarted);
        crate::hcp::helpers::office(&app).await; // signs in with a code from the secret

        // Rotation: a new key first, the old one kept to open; a restart reseals.
        let mut config = app.db.config();
        config.security.seal_keys = format!("k2:{},{}", "Aw".repeat(21) + "A=", ehealth_core::seal::DEVELOPMENT_KEYS).into();
        let rotated = ehealth_core::context::Services::start(config).expect("start");
        let resealed = stored();
        assert!(resealed.starts_with("ehs1.k2."), "{resealed}");
        let id: ehealth_core::ids::AccountId = office().select(accounts::id).first(&mut app.conn()).unwrap();
        let opened = ehealth_core::db::account_factors::open_totp(rotated.hasher.sealer(), &id, &resealed).unwrap();
        assert_eq!(opened, DEMO_TOTP_SECRET);
        assert!(ehealth_core::db::account_factors::open_totp(app.services.hasher.sealer(), &id, &resealed).is_err(),
            "the old key set cannot open what the new key sealed");
    }

}

#[test]
fn a_secret_is_found_as_a_token_and_not_inside_base64() {
    assert!(occurs(br#"{"code":"123456"}"#, "123456"));
    assert!(occurs(b"key is 12345678.", "12345678"));
    assert!(!occurs(b"ehs1.k1.Ab123456Cd", "123456"));
    assert!(!occurs(b"1234567", "12345678"));
}
