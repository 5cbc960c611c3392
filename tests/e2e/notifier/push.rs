//! Push through a local HTTP server speaking FCM HTTP v1, with OAuth2 tokens that the
//! production code (gcp_auth with a service-account key) fetches from a local token
//! endpoint named in the key file.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use ehealth_core::db::{devices, jobs};
use ehealth_core::domain::NotificationKind;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::harness::{self, SMS};
use crate::support::TestApp;

pub(crate) const PROJECT: &str = "ehealth-test";
const LIVE: &str = "live-device-token";
const GONE: &str = "uninstalled-device-token";
const REFUSED: &str = "refused-device-token";

/// A service-account key file like the one Google issues, with a fresh RSA key (made here,
/// its public half beside it as `public.pem`) and the token endpoint pointing at `server`.
pub(crate) fn service_account(dir: &Path, server: &MockServer) -> std::path::PathBuf {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("an RSA key");
    let private = key.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 PEM");
    // What google-auth verifies the assertion with (push_fcm::verify_assertion).
    let public = key
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .expect("PKCS#1 PEM");
    std::fs::write(dir.join("public.pem"), public).expect("public key");
    let account = json!({
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "test-key",
        "private_key": private.as_str(),
        "client_email": "notifier@ehealth-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{}/token", server.uri()),
    });
    let file = dir.join("service-account.json");
    std::fs::write(&file, account.to_string()).expect("key file");
    file
}

pub(crate) async fn fcm() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "ya29.test-token", "expires_in": 3600, "token_type": "Bearer"}),
        ))
        .mount(&server)
        .await;
    let send = format!("/v1/projects/{PROJECT}/messages:send");
    Mock::given(method("POST"))
        .and(path(send.clone()))
        .and(header("authorization", "Bearer ya29.test-token"))
        .and(body_string_contains(GONE))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "UNREGISTERED"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(send.clone()))
        .and(body_string_contains(REFUSED))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "code": 403, "message": "SenderId mismatch", "status": "PERMISSION_DENIED",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "SENDER_ID_MISMATCH"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(send))
        .and(header("authorization", "Bearer ya29.test-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": format!("projects/{PROJECT}/messages/0:1")})),
        )
        .mount(&server)
        .await;
    server
}

/// The app's services with FCM pointed at the stand-in (the key file lives in `keys`).
fn with_fcm(app: &TestApp, server: &MockServer, keys: &Path) -> ehealth_core::context::Services {
    let mut config = (*app.services.config).clone();
    config.fcm.project_id = Some(PROJECT.into());
    config.fcm.credentials_file = Some(service_account(keys, server));
    config.fcm.api_base = Some(server.uri());
    ehealth_core::context::Services::start(config).expect("services")
}

both_backends! {
    async fn a_push_every_device_refuses_for_good_ends_dead_not_delivered(app: TestApp) {
        let server = fcm().await;
        let keys = tempfile::TempDir::new().expect("dir");
        let services = with_fcm(&app, &server, keys.path());
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        devices::register(&mut conn, &patient.id, REFUSED, ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        let (stop, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(ehealth_notifier::run(services, harness::fast_options(), rx));
        harness::wait_for(Duration::from_secs(15), "the push job to finish", || {
            harness::all_jobs(&mut conn, &patient).iter()
                .any(|j| j.channel == "push" && j.status != jobs::PENDING && j.status != jobs::RUNNING)
        }).await;
        let _ = stop.send(true);
        let job = harness::all_jobs(&mut conn, &patient).into_iter()
            .find(|j| j.channel == "push").expect("push job");
        assert_eq!(job.status, jobs::DEAD, "{job:?}");
        assert!(job.last_error.as_deref().is_some_and(|e| e.contains("fcm refused")), "{job:?}");
        let devices = devices::for_patient(&mut conn, &patient.id).expect("devices");
        assert_eq!(devices.len(), 1, "a refusal is not an uninstall: the device stays");
    }

    async fn push_reaches_fcm_and_an_uninstalled_app_loses_its_device(app: TestApp) {
        let server = fcm().await;
        let keys = tempfile::TempDir::new().expect("dir");
        let services = with_fcm(&app, &server, keys.path());
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        for token in [LIVE, GONE] {
            devices::register(&mut conn, &patient.id, token, ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        }
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentRevoked, "ev-2");
        let (stop, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(ehealth_notifier::run(services, harness::fast_options(), rx));
        harness::wait_for(Duration::from_secs(15), "both push jobs to finish", || {
            harness::all_jobs(&mut conn, &patient).iter()
                .filter(|j| j.channel == "push").all(|j| j.status == jobs::DONE)
        }).await;
        let _ = stop.send(true);
        let left: Vec<String> = devices::for_patient(&mut conn, &patient.id).expect("devices")
            .into_iter().map(|d| d.fcm_token).collect();
        assert_eq!(left, vec![LIVE.to_owned()], "the unregistered token is dropped");
        let push_jobs: Vec<_> = harness::all_jobs(&mut conn, &patient).into_iter()
            .filter(|j| j.channel == "push").collect();
        assert_eq!(push_jobs.len(), 2);
        assert!(push_jobs.iter().all(|j| j.provider_ref.as_deref()
            .is_some_and(|r| r.contains("messages/0:1"))), "{push_jobs:?}");
        let requests = server.received_requests().await.expect("recorded");
        let tokens = requests.iter().filter(|r| r.url.path() == "/token").count();
        assert_eq!(tokens, 1, "the OAuth2 token is fetched once and cached");
        let live_sends = requests.iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains(LIVE)).count();
        assert_eq!(live_sends, 2, "one push per event to the live device");
        for job in &push_jobs {
            assert!(requests.iter().any(|r| String::from_utf8_lossy(&r.body)
                .contains(&format!("\"apns-collapse-id\":\"{}\"", job.job_type))),
                "one collapse key per kind: a newer push of a kind replaces the older");
        }
    }
}
