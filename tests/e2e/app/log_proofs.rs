//! The verifiable access log over HTTP: a patient's access records are pending until the
//! sequencer runs, then each has an inclusion proof that verifies against the signed
//! checkpoint with the test's own RFC 9162 verifier; the Office's consistency and
//! inclusion proofs verify likewise.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::Utc;
use ehealth_core::actions::sequencer;
use ehealth_core::db::audit::{self, NewAuditEntry};
use ehealth_core::db::{patients, write_tx};
use ehealth_core::domain::{Actor, ActorKind, AuditAction, AuditOutcome};
use reqwest::Method;
use serde_json::Value;

use super::helpers::*;
use super::rfc9162::{self, H};
use crate::support::{json, TestApp};

/// Granted views of the patient's record by the clinic, and one refused attempt; returns
/// the refused entry's seq.
fn views(app: &TestApp, ehr: &str, n: usize) -> i64 {
    let mut conn = app.conn();
    let patient = patients::find_by_ehr_number(&mut conn, ehr)
        .unwrap()
        .unwrap();
    for i in 0..n {
        let mut e = NewAuditEntry::new(
            AuditAction::RecordView,
            Actor::new(ActorKind::Hcprof, "dr-chan"),
            AuditOutcome::Granted,
        )
        .patient(&patient.id)
        .provider(clinic());
        e.purpose = Some(format!("visit {i} \"quoted\" 診所"));
        write_tx(&mut conn, |c| Ok(audit::append(c, &e, Utc::now())?)).unwrap();
    }
    let refused = NewAuditEntry::new(
        AuditAction::RecordView,
        Actor::new(ActorKind::Hcprof, "dr-x"),
        AuditOutcome::Refused,
    )
    .patient(&patient.id);
    write_tx(&mut conn, |c| Ok(audit::append(c, &refused, Utc::now())?))
        .unwrap()
        .seq
}

fn integrate(app: &TestApp) {
    let signer = app.services.config.audit.signer().unwrap();
    sequencer::drain(&mut app.conn(), &signer, 1_000).unwrap();
}

/// The log's key as `/v1/log/key` gives it, its key ID checked.
async fn log_key(app: &TestApp) -> (String, [u8; 32]) {
    let key = json(app.get(&format!("{}/v1/log/key", app.api)).await).await;
    let public: [u8; 32] = B64
        .decode(key["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let name = key["origin"].as_str().unwrap().to_owned();
    let id = &rfc9162::sha(&[name.as_bytes(), b"\n", &[1], &public])[..4];
    assert_eq!(key["key_id"], hex::encode(id));
    (name, public)
}

async fn checkpoint(app: &TestApp, key: &(String, [u8; 32])) -> (String, u64, H) {
    let r = app.get(&format!("{}/v1/log/checkpoint", app.api)).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let note = r.text().await.unwrap();
    let (origin, size, root) =
        rfc9162::open_checkpoint(&note, &key.0, &key.1).expect("signed by the log's key");
    assert_eq!(origin, key.0);
    (note, size, root)
}

/// Checks an inclusion proof answer with the test's verifier; returns the leaf as JSON.
fn check_inclusion(proof: &Value, key: &(String, [u8; 32])) -> Value {
    let leaf = proof["leaf"].as_str().unwrap().as_bytes();
    let hash = rfc9162::leaf_hash(leaf);
    assert_eq!(proof["leaf_hash"], hex::encode(hash));
    let (_, size, root) =
        rfc9162::open_checkpoint(proof["checkpoint"].as_str().unwrap(), &key.0, &key.1).unwrap();
    assert_eq!(proof["tree_size"].as_u64(), Some(size));
    let index = proof["leaf_index"].as_u64().unwrap();
    let path = rfc9162::hashes(&proof["inclusion_proof"]);
    assert_eq!(
        rfc9162::root_from_inclusion(index, size, hash, &path),
        Some(root),
        "inclusion verifies"
    );
    // The verifier is not blind: another leaf does not verify.
    assert_ne!(
        rfc9162::root_from_inclusion(index, size, rfc9162::leaf_hash(b"x"), &path),
        Some(root)
    );
    serde_json::from_slice(leaf).unwrap()
}

both_backends! {
    async fn access_records_carry_inclusion_proofs_that_verify_independently(app: TestApp) {
        let app = app.with_demo();
        let (ehr, token, _) = patient(&app, HKIC_C, "+85261234000").await;
        let refused_seq = views(&app, &ehr, 3);
        let r = send(&app, Method::GET, "/v1/app/access-records", Some(&token), None).await;
        let records = json(r).await["records"].as_array().unwrap().clone();
        assert_eq!(records.len(), 3);
        assert!(records.iter().all(|r| r["log_status"] == "pending" && r["leaf_index"].is_null()));
        let seq = records[0]["seq"].as_i64().unwrap();
        let r = send(&app, Method::GET, &format!("/v1/app/access-records/{seq}/proof"), Some(&token), None).await;
        assert_eq!(r.status(), 409);
        assert_eq!(json(r).await["error"]["code"], "log_entry_pending");

        integrate(&app);
        let key = log_key(&app).await;
        let (note, size, _) = checkpoint(&app, &key).await;
        let r = send(&app, Method::GET, "/v1/app/access-records", Some(&token), None).await;
        for record in json(r).await["records"].as_array().unwrap() {
            assert_eq!(record["log_status"], "integrated");
            let seq = record["seq"].as_i64().unwrap();
            let r = send(&app, Method::GET, &format!("/v1/app/access-records/{seq}/proof"), Some(&token), None).await;
            assert_eq!(r.status(), 200);
            let proof = json(r).await;
            assert_eq!(proof["checkpoint"].as_str(), Some(note.as_str()));
            assert_eq!(proof["leaf_index"], record["leaf_index"]);
            let leaf = check_inclusion(&proof, &key);
            assert_eq!((leaf[0].as_str(), leaf[1].as_i64()), (Some("ehealth-audit-leaf/v1"), Some(seq)));
            assert_eq!(leaf[10], record["purpose"], "the leaf is the access the patient was shown");
        }
        // Not this patient's access record: not found, for them.
        let (_, other, _) = patient(&app, HKIC_D, "+85261234001").await;
        let r = send(&app, Method::GET, &format!("/v1/app/access-records/{seq}/proof"), Some(&other), None).await;
        assert_eq!(r.status(), 404);
        let r = send(&app, Method::GET, "/v1/app/access-records/abc/proof", Some(&token), None).await;
        assert_eq!(r.status(), 400);

        // The Office: any entry's inclusion, and consistency between two checkpoints.
        let office = crate::hcp::helpers::office(&app).await;
        let r = send(&app, Method::GET, &format!("/v1/admin/audit/{refused_seq}/proof"), Some(&office), None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(check_inclusion(&json(r).await, &key)[11], "refused");
        views(&app, &ehr, 5);
        integrate(&app);
        let (_, new_size, new_root) = checkpoint(&app, &key).await;
        assert!(new_size > size);
        let r = send(&app, Method::GET, &format!("/v1/admin/log/consistency?from={size}&to={new_size}"), Some(&office), None).await;
        assert_eq!(r.status(), 200);
        let body = json(r).await;
        let (_, _, old_root) = rfc9162::open_checkpoint(body["from_checkpoint"].as_str().unwrap(), &key.0, &key.1).unwrap();
        let proof = rfc9162::hashes(&body["consistency_proof"]);
        assert!(rfc9162::consistent(size, new_size, &old_root, &new_root, &proof), "consistency verifies");
        assert!(!rfc9162::consistent(size, new_size, &rfc9162::leaf_hash(b"x"), &new_root, &proof));
        let r = send(&app, Method::GET, &format!("/v1/admin/log/consistency?from={}", new_size + 1), Some(&office), None).await;
        assert_eq!(r.status(), 400);
        let r = send(&app, Method::GET, "/v1/admin/log/consistency?from=1", Some(&token), None).await;
        assert!(matches!(r.status().as_u16(), 401 | 403), "a patient is not the Office");
    }
}
