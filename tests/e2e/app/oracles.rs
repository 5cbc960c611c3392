//! Issue 11, items 1, 4, 7 and 9: what an outsider could learn from the answers (a date of
//! birth, who is registered, a password) and the SMS they could make us send.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::config::Config;
use ehealth_core::db::schema::notification_jobs as nj;
use serde_json::{json, Value};

use super::helpers::*;
use crate::support::{json, TestApp};

/// Declares a test run on both backends over a configuration adjusted by `$adjust`.
macro_rules! both_backends_with {
    ($adjust:expr; $( async fn $name:ident ( $app:ident : TestApp ) $body:block )+) => {
        $( async fn $name($app: TestApp) $body )+

        mod sqlite_with {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = TestApp::start_with(ehealth_core::db::Backend::Sqlite, $adjust).await;
                    super::$name(app.expect("SQLite always runs")).await;
                }
            )+
            use crate::support::TestApp;
        }

        mod postgres_with {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = TestApp::start_with(ehealth_core::db::Backend::Postgres, $adjust).await {
                        super::$name(app).await;
                    }
                }
            )+
            use crate::support::TestApp;
        }
    };
}

/// An HKIC number `<letter>NNNNNN(c)` with its check digit.
fn hkic(letter: char, serial: u32) -> String {
    let digits = format!("{serial:06}");
    let mut sum = 36 * 9 + (letter as u32 - 'A' as u32 + 10) * 8;
    for (i, d) in digits.chars().enumerate() {
        sum += d.to_digit(10).unwrap() * (7 - u32::try_from(i).unwrap());
    }
    let check = match 11 - sum % 11 {
        10 => 'A',
        11 => '0',
        n => char::from_digit(n, 10).unwrap(),
    };
    format!("{letter}{digits}({check})")
}

/// A well-formed eHR number (Luhn check digit) that may or may not be anyone's.
fn ehr(serial: u64) -> String {
    let body = format!("{:011}", 90_000_000_000 + serial);
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn sign_in_body(ehr: &str, dob: &str) -> Value {
    json!({ "ehr_number": ehr, "date_of_birth": dob })
}

fn codes_sent_to(app: &TestApp, destination: &str) -> usize {
    let payloads: Vec<String> = nj::table
        .filter(nj::job_type.eq("verification_code"))
        .select(nj::payload)
        .load(&mut app.conn())
        .unwrap();
    payloads
        .iter()
        .filter(|p| serde_json::from_str::<Value>(p).unwrap()["destination"] == destination)
        .count()
}

fn jobs_of_kind(app: &TestApp, kind: &str) -> Vec<(Option<String>, String)> {
    let mut jobs: Vec<(Option<String>, String)> = nj::table
        .filter(nj::job_type.eq(kind))
        .select((nj::patient_id, nj::channel))
        .load(&mut app.conn())
        .unwrap();
    jobs.sort();
    jobs
}

async fn status_and_code(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, json(r).await["error"]["code"].clone())
}

const DEMO_MOBILE: &str = "+85291234567";
const DEMO_DOB: &str = "1980-01-01";

both_backends! {
    async fn a_wrong_date_of_birth_is_answered_and_limited_as_the_right_one(app: TestApp) {
        let app = app.with_demo();
        let demo_ehr: String = {
            use ehealth_core::db::schema::patients as p;
            p::table.select(p::ehr_number).first(&mut app.conn()).unwrap()
        };
        // Right and wrong dates alternate: every answer is 202 (the right one asked twice
        // within the resend gap used to answer 429), until the identifier's limit (5 in
        // the window) refuses the next, whichever the date.
        let dates = ["1980-01-02", DEMO_DOB, "1980-01-03", DEMO_DOB, "1979-12-31"];
        let mut challenges = Vec::new();
        for dob in dates {
            let r = post(&app, "/v1/app/sessions/otp", &sign_in_body(&demo_ehr, dob), None).await;
            assert_eq!(r.status(), 202, "{dob}");
            challenges.push(json(r).await["challenge_id"].as_str().unwrap().to_owned());
        }
        for dob in [DEMO_DOB, "1980-01-04"] {
            let r = post(&app, "/v1/app/sessions/otp", &sign_in_body(&demo_ehr, dob), None).await;
            assert_eq!(status_and_code(r).await, (429, json!("rate_limited")), "{dob}");
        }
        // Only the first right request sent an SMS; the second re-issued that code under
        // its own challenge, which the code received works with.
        assert_eq!(codes_sent_to(&app, DEMO_MOBILE), 1);
        let code = last_code(&app, DEMO_MOBILE);
        // A wrong date's challenge is refused as a real one is: a wrong code, tries left.
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenges[0], "code": code }), None).await;
        let body = json(r).await;
        assert_eq!(body["error"]["code"], "invalid_code", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("4 tries left"));
        let r = post(&app, "/v1/app/sessions/otp/verify", &json!({ "challenge_id": challenges[3], "code": code }), None).await;
        assert_eq!(r.status(), 201, "the re-issued challenge takes the code sent");
        // Another identifier is not held up by this one.
        let r = post(&app, "/v1/app/sessions/otp", &sign_in_body(&ehr(1), DEMO_DOB), None).await;
        assert_eq!(r.status(), 202);
    }

    async fn concurrent_sign_in_requests_send_one_code(app: TestApp) {
        let app = app.with_demo();
        let body = json!({ "id_document": { "type": "hkic", "number": "A123456(3)" }, "date_of_birth": DEMO_DOB });
        let answers = futures::future::join_all((0..4).map(|_| post(&app, "/v1/app/sessions/otp", &body, None))).await;
        assert!(answers.iter().all(|r| r.status() == 202));
        assert_eq!(codes_sent_to(&app, DEMO_MOBILE), 1);
    }

    async fn twelve_applications_to_one_mobile_send_five_codes(app: TestApp) {
        let mobile = "+85261112222";
        let answers = futures::future::join_all((0..12).map(|i| {
            let body = application_body(&hkic('K', 100 + i), mobile);
            let app = &app;
            async move { post(app, "/v1/app/applications", &body, None).await.status().as_u16() }
        }))
        .await;
        let created = answers.iter().filter(|s| **s == 201).count();
        let limited = answers.iter().filter(|s| **s == 429).count();
        assert_eq!((created, limited), (5, 7), "{answers:?}");
        assert_eq!(codes_sent_to(&app, mobile), 5);
    }

    async fn codes_go_only_to_the_countries_configured(app: TestApp) {
        for mobile in ["+44 7700 900123", "+1 202 555 0100"] {
            let r = post(&app, "/v1/app/applications", &application_body(HKIC_B, mobile), None).await;
            let status = r.status();
            let body = json(r).await;
            assert_eq!((status.as_u16(), &body["error"]["field"]), (400, &json!("mobile")), "{body}");
        }
        assert_eq!(codes_sent_to(&app, "+447700900123"), 0);
        let r = post(&app, "/v1/app/applications", &application_body(HKIC_B, "+853 6612 3456"), None).await;
        assert_eq!(r.status(), 201, "Macau is served by default");
    }

    async fn applying_with_a_registered_document_answers_as_a_new_application(app: TestApp) {
        let app = app.with_demo();
        let registered = post(&app, "/v1/app/applications", &application_body("A123456(3)", "+85262223333"), None).await;
        let fresh = post(&app, "/v1/app/applications", &application_body(HKIC_B, "+85262224444"), None).await;
        assert_eq!((registered.status(), fresh.status()), (reqwest::StatusCode::CREATED, reqwest::StatusCode::CREATED));
        let (registered, fresh) = (json(registered).await, json(fresh).await);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&registered), keys(&fresh));
        assert_eq!(registered["status"], fresh["status"]);
        // A code went to the applicant as for anyone; the registered person is told by
        // their selected means (the demo patient: SMS and email).
        assert_eq!(codes_sent_to(&app, "+85262223333"), 1);
        let told: Vec<String> = jobs_of_kind(&app, "applied_while_registered").into_iter().map(|(_, c)| c).collect();
        assert_eq!(told, vec!["email".to_owned(), "sms".to_owned()]);
        // A second application is refused the same way for both.
        let again = post(&app, "/v1/app/applications", &application_body("A123456(3)", "+85262225555"), None).await;
        assert_eq!(status_and_code(again).await, (409, json!("application_exists")));
        let again = post(&app, "/v1/app/applications", &application_body(HKIC_B, "+85262226666"), None).await;
        assert_eq!(status_and_code(again).await, (409, json!("application_exists")));
    }

    async fn a_used_totp_code_is_answered_as_wrong_credentials(app: TestApp) {
        use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
        app.services.seed_demo().unwrap();
        let hcp = clinic();
        let code = crate::hcp::helpers::code(DEMO_TOTP_SECRET, 0);
        let sign_in = |password: &'static str| {
            let body = json!({ "hcp_id": hcp, "username": "drchan", "password": password, "totp_code": code });
            let app = &app;
            async move { status_and_code(post(app, "/v1/hcp/sessions", &body, None).await).await }
        };
        assert_eq!(sign_in(DEMO_PASSWORD).await.0, 201);
        // The used code with the right password and with a wrong one: the same answer.
        let right = sign_in(DEMO_PASSWORD).await;
        let wrong = sign_in("not the password").await;
        assert_eq!(right, (401, json!("wrong_credentials")));
        assert_eq!(wrong, right);
    }

    async fn a_walk_in_is_parsed_as_an_application_is(app: TestApp) {
        use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
        app.services.seed_demo().unwrap();
        let doctor = crate::hcp::helpers::sign_in(&app, Some(&clinic()), "drchan", DEMO_PASSWORD, DEMO_TOTP_SECRET).await;
        let cases = [
            ("name_zh", json!("黃".repeat(10_000))),
            ("postal_address", json!("Flat A ".repeat(4_300))),
            ("email", json!("not-an-email")),
            ("name_en", json!("WONG\u{202E}gnim")),
            ("mobile", json!("call me")),
        ];
        for (field, value) in cases {
            let mut walk_in = crate::hcp::helpers::walk_in(&hkic('W', 1));
            walk_in["particulars"][field] = value.clone();
            let r = post(&app, "/v1/hcp/identity-verifications", &walk_in, Some(&doctor)).await;
            let status = r.status().as_u16();
            let body = json(r).await;
            assert_eq!((status, &body["error"]["field"]), (400, &json!(format!("particulars.{field}"))), "counter {field}: {body}");
            let mut application = application_body(&hkic('W', 2), "+85263334444");
            application[field] = value;
            let r = post(&app, "/v1/app/applications", &application, None).await;
            let status = r.status().as_u16();
            let body = json(r).await;
            assert_eq!((status, &body["error"]["field"]), (400, &json!(field)), "app {field}: {body}");
        }
        let patients: i64 = {
            use ehealth_core::db::schema::patients as p;
            p::table.count().get_result(&mut app.conn()).unwrap()
        };
        assert_eq!(patients, 1, "only the demo patient");
        // A local number is taken as Hong Kong's at the counter as in the app.
        let mut walk_in = crate::hcp::helpers::walk_in(&hkic('W', 3));
        walk_in["particulars"]["mobile"] = json!("9876 5432");
        let r = post(&app, "/v1/hcp/identity-verifications", &walk_in, Some(&doctor)).await;
        assert_eq!(r.status(), 201);
        let mobile: String = {
            use ehealth_core::db::schema::patients as p;
            p::table.filter(p::ehr_number.eq(json(r).await["ehr_number"].as_str().unwrap().to_owned()))
                .select(p::mobile).first(&mut app.conn()).unwrap()
        };
        assert_eq!(mobile, "+85298765432");
    }
}

fn three_per_client(c: &mut Config) {
    c.security.code_requests_per_client = 3;
}

fn three_in_all(c: &mut Config) {
    c.security.code_requests_global_per_minute = 3;
}

fn behind_a_load_balancer(c: &mut Config) {
    c.security.code_requests_per_client = 2;
    c.api.trust_forwarded_for = true;
}

async fn otp_from(app: &TestApp, ehr: &str, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/v1/app/sessions/otp", app.api))
        .json(&sign_in_body(ehr, DEMO_DOB));
    if let Some(f) = forwarded_for {
        req = req.header("X-Forwarded-For", f);
    }
    status_and_code(req.send().await.unwrap()).await
}

mod per_client {
    use super::*;

    both_backends_with! { super::three_per_client;
        async fn wrong_particulars_count_against_the_client(app: TestApp) {
            // Three unknown numbers, one each: the client's fourth request is refused
            // whatever it names, and spoofing X-Forwarded-For does not help (not trusted).
            for n in 0..3 {
                assert_eq!(otp_from(&app, &ehr(10 + n), None).await.0, 202);
            }
            assert_eq!(otp_from(&app, &ehr(20), Some("203.0.113.9")).await, (429, json!("rate_limited")));
            // Applying to join asks for a code too: the same client limit.
            let r = post(&app, "/v1/app/applications", &application_body(HKIC_C, "+85264445555"), None).await;
            assert_eq!(r.status(), 429);
        }
    }
}

mod in_all {
    use super::*;

    both_backends_with! { super::three_in_all;
        async fn code_requests_are_limited_in_all(app: TestApp) {
            let answers = futures::future::join_all((0..6).map(|n| {
                let number = ehr(30 + n);
                let app = &app;
                async move { otp_from(app, &number, None).await.0 }
            }))
            .await;
            let mut sorted = answers.clone();
            sorted.sort();
            assert_eq!(sorted, vec![202, 202, 202, 429, 429, 429], "{answers:?}");
        }
    }
}

mod forwarded {
    use super::*;

    both_backends_with! { super::behind_a_load_balancer;
        async fn behind_a_trusted_load_balancer_the_forwarded_client_counts(app: TestApp) {
            // The last entry is the one the load balancer added; the first is the client's
            // own claim and changes nothing.
            for n in 0..2 {
                assert_eq!(otp_from(&app, &ehr(40 + n), Some("198.51.100.1, 192.0.2.10")).await.0, 202);
            }
            assert_eq!(otp_from(&app, &ehr(42), Some("198.51.100.2, 192.0.2.10")).await.0, 429);
            assert_eq!(otp_from(&app, &ehr(43), Some("192.0.2.11")).await.0, 202);
        }
    }
}
