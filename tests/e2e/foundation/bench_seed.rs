//! `ehealth bench seed` (issue 15): the synthetic population is one the application
//! accepts (valid HKIC and eHR numbers, one current access key, HA/DH deemed consents and
//! the clinic's), and its access log verifies; an append after it integrates as usual.

use std::process::Command;

use chrono::Utc;
use diesel::prelude::*;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::schema::{access_keys, audit_log, patients, sharing_consents};
use ehealth_core::db::{audit_tree, write_tx, Backend};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use ehealth_core::ids::{EhrNumber, Hkic};
use ehealth_core::synthetic::patient_id;
use ehealth_core::testing::{self, Start};

const PATIENTS: i64 = 250;
const ENTRIES: i64 = 1_200;

fn ehealth(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_SECURITY__ARGON2__MEMORY_KIB", "256")
        .env("EHEALTH_SECURITY__ARGON2__ITERATIONS", "1")
        .env_remove("EHEALTH_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap()
}

fn seeded_population_is_valid_and_verifies(backend: Backend) {
    let Some(db) = testing::open(backend, Start::Migrated) else {
        return;
    };
    let out = ehealth(
        "sqlite:///nonexistent-dir/not-this-one.sqlite3",
        &[
            "bench",
            "seed",
            "--patients",
            &PATIENTS.to_string(),
            "--audit-entries",
            &ENTRIES.to_string(),
            "--database-url",
            &db.url,
        ],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("audit_log") && said.contains("rows/s"),
        "{said}"
    );

    let mut conn = db.conn();
    let synthetic: Vec<(String, String, String)> = patients::table
        .filter(patients::id_doc_type.eq("hkic"))
        .select((patients::id, patients::ehr_number, patients::id_doc_number))
        .load(&mut conn)
        .unwrap();
    let ids: std::collections::HashSet<String> =
        (0..PATIENTS as u64).map(|i| patient_id(i).into()).collect();
    let synthetic: Vec<_> = synthetic
        .into_iter()
        .filter(|p| ids.contains(&p.0))
        .collect();
    assert_eq!(synthetic.len() as i64, PATIENTS);
    for (_, ehr, hkic) in &synthetic {
        EhrNumber::parse(ehr).unwrap();
        assert_eq!(Hkic::parse(hkic).unwrap().as_str(), hkic);
    }
    let keys: i64 = access_keys::table
        .filter(access_keys::patient_id.eq_any(&ids.iter().collect::<Vec<_>>()))
        .filter(access_keys::revoked_at.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(keys, PATIENTS, "one current access key each");
    let first = patient_id(0);
    let active: Vec<String> = sharing_consents::table
        .filter(sharing_consents::patient_id.eq(&first))
        .filter(sharing_consents::status.eq("active"))
        .select(sharing_consents::consent_type)
        .load(&mut conn)
        .unwrap();
    assert_eq!(active.len(), 5, "HA, DH and three providers: {active:?}");
    assert_eq!(active.iter().filter(|t| *t == "deemed").count(), 2);

    let logged: i64 = audit_log::table.count().get_result(&mut conn).unwrap();
    assert!(
        logged > ENTRIES,
        "the demo's entries and the generated ones"
    );
    assert_eq!(audit_tree::tree_size(&mut conn).unwrap() as i64, logged);
    let out = ehealth(&db.url, &["audit", "verify", "--full"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The application's next append is numbered after the generated log.
    let e = NewAuditEntry::new(
        AuditAction::SignIn,
        Actor::new(ActorKind::Patient, first),
        AuditOutcome::Succeeded,
    );
    let seq = write_tx(&mut conn, |c| Ok(audit::append(c, &e, Utc::now())?.seq)).unwrap();
    assert_eq!(seq, logged + 1);
    testing::assert_log_verifies(&mut conn);
}

#[test]
fn sqlite_bench_seed_makes_a_valid_population_whose_log_verifies() {
    seeded_population_is_valid_and_verifies(Backend::Sqlite);
}

#[test]
fn postgres_bench_seed_makes_a_valid_population_whose_log_verifies() {
    seeded_population_is_valid_and_verifies(Backend::Postgres);
}
