//! FCM's error handling as its documentation asks, against a stand-in answering per
//! device token: a device failing for now is retried on its own, a 401 renews the OAuth2
//! token once, an invalid token drops the device, `Retry-After` and quota are honoured,
//! secrets never go by push, and the message carries the APNs headers and one collapse
//! key per kind. The JWT assertion is checked here (RS256) and, where it is installed, by
//! Google's own auth library (google-auth; mandatory under `EHEALTH_TEST_GOOGLE_AUTH=required`).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use ehealth_core::actions::notify::{notify_patient, PatientEvent};
use ehealth_core::db::{devices, jobs, write_tx};
use ehealth_core::domain::notice::AccessKeyIssuedFacts;
use ehealth_core::domain::{Notice, NotificationKind};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::harness::{self, SMS};
use super::push::{service_account, PROJECT};
use crate::support::TestApp;

/// How the stand-in answers one device token: the first `fail` sends get `status`
/// (with `retry_after` and the FCM `error_code` when set), later ones 200.
#[derive(Clone, Default)]
struct Plan {
    fail: usize,
    status: u16,
    retry_after: Option<&'static str>,
    error_code: &'static str,
    message: &'static str,
}

#[derive(Clone, Default)]
struct Fcm {
    plans: Arc<HashMap<&'static str, Plan>>,
    /// Sends per device token so far.
    seen: Arc<Mutex<HashMap<String, usize>>>,
    /// Bearer tokens this stand-in refuses with 401.
    refused_bearer: Option<&'static str>,
}

impl Respond for Fcm {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let bearer = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if self
            .refused_bearer
            .is_some_and(|b| bearer == Some(&format!("Bearer {b}")))
        {
            return ResponseTemplate::new(401).set_body_json(json!({"error": {"code": 401,
                "message": "Request had invalid authentication credentials.",
                "status": "UNAUTHENTICATED"}}));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let token = body["message"]["token"].as_str().unwrap_or("").to_owned();
        let n = {
            let mut seen = self.seen.lock().unwrap();
            let n = seen.entry(token.clone()).or_insert(0);
            *n += 1;
            *n
        };
        match self.plans.get(token.as_str()) {
            Some(plan) if n <= plan.fail => {
                let mut answer =
                    ResponseTemplate::new(plan.status).set_body_json(json!({"error": {
                    "code": plan.status, "message": plan.message, "status": "X",
                    "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                 "errorCode": plan.error_code}]}}));
                if let Some(after) = plan.retry_after {
                    answer = answer.insert_header("Retry-After", after);
                }
                answer
            }
            _ => ResponseTemplate::new(200)
                .set_body_json(json!({"name": format!("projects/{PROJECT}/messages/{token}-{n}")})),
        }
    }
}

/// Token endpoint: a new access token per request (`ya29.token-1`, `-2`...), recording
/// each request's form.
#[derive(Clone, Default)]
struct TokenEndpoint {
    asked: Arc<Mutex<Vec<String>>>,
}

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut asked = self.asked.lock().unwrap();
        asked.push(String::from_utf8_lossy(&request.body).into_owned());
        ResponseTemplate::new(200).set_body_json(json!({"access_token":
            format!("ya29.token-{}", asked.len()), "expires_in": 3600, "token_type": "Bearer"}))
    }
}

async fn stand_in(fcm: Fcm, tokens: TokenEndpoint) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(tokens)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/projects/{PROJECT}/messages:send")))
        .respond_with(fcm)
        .mount(&server)
        .await;
    server
}

fn services(app: &TestApp, server: &MockServer, keys: &Path) -> ehealth_core::context::Services {
    let mut config = (*app.services.config).clone();
    config.fcm.project_id = Some(PROJECT.into());
    config.fcm.credentials_file = Some(service_account(keys, server));
    config.fcm.api_base = Some(server.uri());
    ehealth_core::context::Services::start(config).expect("services")
}

fn plans(list: &[(&'static str, Plan)]) -> Arc<HashMap<&'static str, Plan>> {
    Arc::new(list.iter().cloned().collect())
}

struct Running(tokio::sync::watch::Sender<bool>);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

fn start(services: ehealth_core::context::Services) -> Running {
    let (stop, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(ehealth_notifier::run(services, harness::fast_options(), rx));
    Running(stop)
}

fn push_jobs(
    conn: &mut ehealth_core::db::DbConn,
    p: &ehealth_core::db::patients::Patient,
) -> Vec<jobs::Job> {
    harness::all_jobs(conn, p)
        .into_iter()
        .filter(|j| j.channel == "push")
        .collect()
}

fn sends_to(fcm: &Fcm, token: &str) -> usize {
    fcm.seen.lock().unwrap().get(token).copied().unwrap_or(0)
}

both_backends! {
    async fn a_device_failing_for_now_gets_the_message_later_and_the_other_only_once(app: TestApp) {
        let unavailable = Plan { fail: 4, status: 503, error_code: "UNAVAILABLE", message: "down", ..Plan::default() };
        let fcm = Fcm { plans: plans(&[("device-b", unavailable)]), ..Fcm::default() };
        let server = stand_in(fcm.clone(), TokenEndpoint::default()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        for token in ["device-a", "device-b"] {
            devices::register(&mut conn, &patient.id, token, ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        }
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(30), "the push job to finish", || {
            push_jobs(&mut conn, &patient).iter().all(|j| j.status == jobs::DONE || j.status == jobs::DEAD)
        }).await;
        let job = &push_jobs(&mut conn, &patient)[0];
        assert_eq!(job.status, jobs::DONE, "{job:?}");
        assert!(job.attempts >= 2, "device B was retried with the job: {job:?}");
        assert_eq!(sends_to(&fcm, "device-a"), 1, "device A is not sent to again");
        assert_eq!(sends_to(&fcm, "device-b"), 5, "four refusals, then device B takes it");
        let r = job.provider_ref.as_deref().unwrap_or("");
        assert!(r.contains("device-a-1") && r.contains("device-b-5"), "{r}");
    }

    async fn a_401_renews_the_token_once_and_the_push_goes(app: TestApp) {
        let fcm = Fcm { refused_bearer: Some("ya29.token-1"), ..Fcm::default() };
        let tokens = TokenEndpoint::default();
        let server = stand_in(fcm.clone(), tokens.clone()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        devices::register(&mut conn, &patient.id, "device-a", ehealth_core::domain::DevicePlatform::Ios, Utc::now()).expect("device");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(15), "the push job to finish", || {
            push_jobs(&mut conn, &patient).iter().all(|j| j.status != jobs::PENDING && j.status != jobs::RUNNING)
        }).await;
        let job = &push_jobs(&mut conn, &patient)[0];
        assert_eq!(job.status, jobs::DONE, "{job:?}");
        assert_eq!(job.attempts, 1, "renewed within the send, not by a retry of the job");
        assert_eq!(tokens.asked.lock().unwrap().len(), 2, "the refused token was dropped and renewed");
        assert_eq!(sends_to(&fcm, "device-a"), 1, "one send with the new token");
        verify_assertion(&tokens.asked.lock().unwrap()[1], keys.path(), &server);
    }

    async fn an_invalid_registration_token_drops_the_device(app: TestApp) {
        let invalid = Plan { fail: 1, status: 400, error_code: "INVALID_ARGUMENT",
            message: "The registration token is not a valid FCM registration token", ..Plan::default() };
        let fcm = Fcm { plans: plans(&[("stale-token", invalid)]), ..Fcm::default() };
        let server = stand_in(fcm.clone(), TokenEndpoint::default()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        devices::register(&mut conn, &patient.id, "stale-token", ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(15), "the push job to finish", || {
            push_jobs(&mut conn, &patient).iter().all(|j| j.status != jobs::PENDING && j.status != jobs::RUNNING)
        }).await;
        let job = &push_jobs(&mut conn, &patient)[0];
        assert_eq!(job.status, jobs::DONE, "no device left to take it: {job:?}");
        assert!(devices::for_patient(&mut conn, &patient.id).expect("devices").is_empty(),
            "the invalid token is deleted, as for UNREGISTERED");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentRevoked, "ev-2");
        assert_eq!(push_jobs(&mut conn, &patient).len(), 1, "a later event pushes to no dead token");
    }

    async fn retry_after_and_quota_defer_the_job_instead_of_retrying_at_once(app: TestApp) {
        let busy = Plan { fail: 100, status: 503, retry_after: Some("120"), error_code: "UNAVAILABLE",
            message: "busy" };
        let quota = Plan { fail: 100, status: 429, error_code: "QUOTA_EXCEEDED", message: "quota", ..Plan::default() };
        let fcm = Fcm { plans: plans(&[("busy", busy), ("quota", quota)]), ..Fcm::default() };
        let server = stand_in(fcm.clone(), TokenEndpoint::default()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let (p1, p2) = (harness::patient(&mut conn, "en", SMS), harness::patient(&mut conn, "en", SMS));
        devices::register(&mut conn, &p1.id, "busy", ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        devices::register(&mut conn, &p2.id, "quota", ehealth_core::domain::DevicePlatform::Android, Utc::now()).expect("device");
        harness::notify(&mut conn, &p1, NotificationKind::ConsentGiven, "ev-1");
        harness::notify(&mut conn, &p2, NotificationKind::ConsentGiven, "ev-2");
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(15), "both pushes to be tried", || {
            [&p1, &p2].iter().all(|p| push_jobs(&mut conn, p).iter()
                .all(|j| j.status == jobs::PENDING && j.attempts == 1))
        }).await;
        for (patient, token, at_least) in [(&p1, "busy", 120), (&p2, "quota", 60)] {
            let job = &push_jobs(&mut conn, patient)[0];
            let deferred = (job.run_at - job.updated_at).num_seconds();
            assert!(deferred >= at_least - 1, "{token}: retried after {deferred} s: {job:?}");
            assert_eq!(sends_to(&fcm, token), 1, "{token}: no retry within the send");
        }
    }

    async fn a_new_access_key_never_goes_by_push(app: TestApp) {
        let fcm = Fcm::default();
        let server = stand_in(fcm.clone(), TokenEndpoint::default()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        devices::register(&mut conn, &patient.id, "device-a", ehealth_core::domain::DevicePlatform::Ios, Utc::now()).expect("device");
        let event = PatientEvent { event_id: "key-1".into(),
            notice: Notice::AccessKeyIssued(AccessKeyIssuedFacts {
                access_key: Some("87654321".into()), acted_by_sdm: None }) };
        write_tx(&mut conn, |c| notify_patient(c, &patient, &event, Utc::now())).expect("enqueued");
        let push = &push_jobs(&mut conn, &patient)[0];
        assert!(!push.payload.contains("87654321"), "not even kept for the push: {}", push.payload);
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(15), "the push to go", || {
            push_jobs(&mut conn, &patient)[0].status == jobs::DONE
        }).await;
        let requests = server.received_requests().await.expect("recorded");
        let pushed: Vec<String> = requests.iter().filter(|r| r.url.path().ends_with(":send"))
            .map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect();
        assert_eq!(pushed.len(), 1);
        assert!(!pushed[0].contains("87654321"), "{}", pushed[0]);
        assert!(pushed[0].contains("means you chose"), "{}", pushed[0]);
        let sms = harness::all_jobs(&mut conn, &patient).into_iter().find(|j| j.channel == "sms");
        assert!(sms.is_some(), "the key still goes by the patient's chosen means");
    }

    async fn pushes_carry_apns_headers_and_one_collapse_key_per_kind(app: TestApp) {
        let fcm = Fcm::default();
        let server = stand_in(fcm.clone(), TokenEndpoint::default()).await;
        let keys = tempfile::TempDir::new().expect("dir");
        let mut conn = app.conn();
        let patient = harness::patient(&mut conn, "en", SMS);
        devices::register(&mut conn, &patient.id, "device-a", ehealth_core::domain::DevicePlatform::Ios, Utc::now()).expect("device");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-1");
        harness::notify(&mut conn, &patient, NotificationKind::ConsentGiven, "ev-2");
        harness::notify(&mut conn, &patient, NotificationKind::RecordAccessed, "ev-3");
        let _worker = start(services(&app, &server, keys.path()));
        harness::wait_for(Duration::from_secs(15), "three pushes", || {
            push_jobs(&mut conn, &patient).iter().all(|j| j.status == jobs::DONE)
        }).await;
        let messages: Vec<Value> = server.received_requests().await.expect("recorded").iter()
            .filter(|r| r.url.path().ends_with(":send"))
            .map(|r| serde_json::from_slice::<Value>(&r.body).expect("json")["message"].clone())
            .collect();
        assert_eq!(messages.len(), 3);
        for m in &messages {
            assert_eq!(m["apns"]["headers"]["apns-push-type"], "alert", "{m}");
            assert_eq!(m["apns"]["headers"]["apns-priority"], "10", "{m}");
        }
        let keys_of = |m: &Value| (m["android"]["collapse_key"].clone(), m["apns"]["headers"]["apns-collapse-id"].clone());
        let is_notice = |m: &&Value| m["notification"]["title"].as_str().unwrap_or("").contains("accessed");
        let consent: Vec<_> = messages.iter().filter(|m| !is_notice(m)).map(keys_of).collect();
        let notice: Vec<_> = messages.iter().filter(is_notice).map(keys_of).collect();
        assert_eq!(consent, vec![(json!("consent_given"), json!("consent_given")); 2]);
        assert_eq!(notice, vec![(Value::Null, Value::Null)], "an access notice never replaces another");
    }
}

/// Whether python3 can import google-auth. Without it the check is skipped with a notice,
/// unless `EHEALTH_TEST_GOOGLE_AUTH=required` (CI), which fails the test instead.
fn google_auth_installed() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import google.auth.jwt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert_ne!(
            std::env::var("EHEALTH_TEST_GOOGLE_AUTH").as_deref(),
            Ok("required"),
            "EHEALTH_TEST_GOOGLE_AUTH=required but python3 cannot import google-auth (scripts/ci-deps.sh)"
        );
        eprintln!(
            "skipping the google-auth check of the JWT assertion: google-auth is not installed"
        );
    }
    found
}

/// Checks the JWT assertion our token client sent: here (RS256 signature by the key's
/// public half, header and claims), and with Google's own auth library when it is
/// installed: google-auth's `jwt.decode` picks the public key by the header's `kid` and
/// checks the signature, `iat`/`exp` and the audience (the key file's `token_uri`), and
/// must read the same header and claims.
fn verify_assertion(form: &str, keys: &Path, server: &MockServer) {
    let pairs: HashMap<String, String> = reqwest::Url::parse(&format!("http://x/?{form}"))
        .expect("form")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        pairs["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let audience = format!("{}/token", server.uri());
    let decoded = decode_rs256(&pairs["assertion"], &keys.join("public.pem"));
    if google_auth_installed() {
        let theirs = google_auth_decode(&pairs["assertion"], keys, &audience);
        assert_eq!(theirs, decoded, "google-auth reads the assertion as we do");
    }
    assert_eq!(
        decoded["header"],
        json!({"alg": "RS256", "typ": "JWT", "kid": "test-key"})
    );
    let claims = &decoded["claims"];
    assert_eq!(claims["aud"], audience.as_str());
    assert_eq!(
        claims["iss"],
        "notifier@ehealth-test.iam.gserviceaccount.com"
    );
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/firebase.messaging"
    );
    let now = Utc::now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    assert!(
        iat <= now + 60 && exp > now,
        "the assertion is valid now: {claims}"
    );
    let life = exp - iat;
    assert!(
        life > 0 && life <= 3600,
        "an assertion lives at most an hour: {life}"
    );
}

/// A compact JWS checked with RS256 (RSASSA-PKCS1-v1_5 with SHA-256) by `public_pem`;
/// its header and claims.
fn decode_rs256(jwt: &str, public_pem: &Path) -> Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::signature::Verifier;
    let pem = std::fs::read_to_string(public_pem).expect("public key");
    let key = rsa::RsaPublicKey::from_pkcs1_pem(&pem).expect("PKCS#1 PEM");
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
    let (signed, signature) = jwt.rsplit_once('.').expect("a signature");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).expect("signature");
    verifier
        .verify(signed.as_bytes(), &signature)
        .expect("the assertion is signed by the service account's key");
    let (header, claims) = signed.split_once('.').expect("header and claims");
    let part = |p: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
    };
    json!({"header": part(header), "claims": part(claims)})
}

/// The header and claims as google-auth decodes them (tests/e2e/notifier/verify_assertion.py).
fn google_auth_decode(jwt: &str, keys: &Path, audience: &str) -> Value {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/notifier/verify_assertion.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(keys.join("public.pem"))
        .arg("test-key")
        .arg(audience)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with google-auth (scripts/ci-deps.sh) starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(jwt.as_bytes())
        .expect("written");
    let out = child.wait_with_output().expect("verified");
    assert!(
        out.status.success(),
        "google-auth refused the assertion: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}
