//! The HTTP layer's contract (issue 11): control characters refused with a 400 naming
//! the field, `no-store` and `nosniff` on the answers, 405 for a wrong method, the
//! statuses and constraints the OpenAPI document shows, and `/metrics` behind a token.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use futures::future::join_all;
use serde_json::{json, Value};

use crate::app::helpers::{application_body, patient, post, HKIC_B, HKIC_D};
use crate::hcp::helpers::clinic;
use crate::support::{json, TestApp};

async fn error_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, json(r).await["error"].clone())
}

fn sign_in_body(username: &str) -> Value {
    json!({ "hcp_id": clinic(), "username": username, "password": "x", "totp_code": "123456" })
}

both_backends! {
    async fn nul_and_control_characters_are_refused_naming_the_field(app: TestApp) {
        // Anonymous callers, as the issue found them (500 on PostgreSQL before).
        let r = post(&app, "/v1/hcp/sessions", &sign_in_body("dr\u{0}chan"), None).await;
        let (status, error) = error_of(r).await;
        assert_eq!((status, error["code"].as_str(), error["field"].as_str()),
            (400, Some("invalid_input"), Some("username")), "{error}");
        let (status, error) = error_of(app.get(&format!("{}/v1/app/applications/%00", app.api)).await).await;
        assert_eq!((status, error["field"].as_str()), (400, Some("path")), "{error}");
        let (status, error) = error_of(app.get(&format!("{}/v1/app/providers?q=%00", app.api)).await).await;
        assert_eq!((status, error["field"].as_str()), (400, Some("q")), "{error}");

        // Names and nested ids: bidi overrides and line breaks have no place there.
        let base = application_body(HKIC_D, "+85268880001");
        for (key, value, field) in [
            ("name_en", json!("WONG\u{202E}gnoW"), "name_en"),
            ("name_zh", json!("黃\n小明"), "name_zh"),
            ("id_document", json!({ "type": "hkic", "number": "D123456(1)\u{7}" }), "id_document.number"),
        ] {
            let mut body = base.clone();
            body[key] = value;
            let (status, error) = error_of(post(&app, "/v1/app/applications", &body, None).await).await;
            assert_eq!((status, error["field"].as_str()), (400, Some(field)), "{key}: {error}");
        }
        // Nothing was stored: the same application, clean, is the first one.
        let r = post(&app, "/v1/app/applications", &base, None).await;
        assert_eq!(r.status(), 201);
    }

    async fn concurrent_bad_requests_all_get_the_same_400(app: TestApp) {
        let body = sign_in_body("\u{0}");
        let answers = join_all((0..8).map(|_| post(&app, "/v1/hcp/sessions", &body, None))).await;
        for r in answers {
            let (status, error) = error_of(r).await;
            assert_eq!((status, error["field"].as_str()), (400, Some("username")));
        }
    }

    async fn personal_answers_are_not_stored_and_nothing_is_sniffed(app: TestApp) {
        let app = app.with_demo();
        let (_, token, _) = patient(&app, HKIC_B, "+85268880002").await;
        let me = app.client.get(format!("{}/v1/app/me", app.api)).bearer_auth(&token)
            .send().await.unwrap();
        assert_eq!(me.status(), 200);
        let unknown = app.get(&format!("{}/v1/app/nothing-here", app.api)).await;
        for r in [&me, &unknown] {
            assert_eq!(r.headers()["cache-control"], "no-store", "{}", r.url());
            assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{}", r.url());
        }
        for base in [&app.api, &app.ivr] {
            let r = app.get(&format!("{base}/healthz")).await;
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        }
    }

    async fn a_wrong_method_on_a_known_path_is_405(app: TestApp) {
        let r = app.client.delete(format!("{}/v1/app/me", app.api)).send().await.unwrap();
        assert_eq!(r.headers()["allow"], "GET");
        let (status, error) = error_of(r).await;
        assert_eq!((status, error["code"].as_str()), (405, Some("method_not_allowed")));
        let r = app.client.put(format!("{}/v1/app/applications/abc", app.api)).send().await.unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(app.get(&format!("{}/v1/app/no-such", app.api)).await.status(), 404);
    }

    async fn the_openapi_document_lists_common_statuses_and_constraints(app: TestApp) {
        let doc = json(app.get(&format!("{}/openapi.json", app.api)).await).await;
        let me = &doc["paths"]["/v1/app/me"]["get"]["responses"];
        for status in ["400", "401", "403", "503"] {
            assert!(me[status].is_object(), "GET /v1/app/me lacks {status}");
        }
        assert!(doc["paths"]["/v1/app/applications/{id}"]["get"]["responses"]["404"].is_object());
        let schemas = &doc["components"]["schemas"];
        let types = schemas.as_object().unwrap().values()
            .filter_map(|s| s["properties"]["type"]["enum"].as_array())
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>();
        assert!(types.contains(&"one_year") && types.contains(&"hkic"), "{types:?}");
        let patterned = schemas.to_string();
        assert!(patterned.contains("\"pattern\":\"^[ -]*([0-9][ -]*){12}$\""), "no eHR number pattern");
    }
}

/// Production's `/metrics`, on the public listener, answers only the scraper's token.
async fn metrics_behind_a_token(backend: ehealth_core::db::Backend) {
    let token = "a-metrics-token-of-at-least-32-characters";
    let Some(app) = TestApp::start_with(backend, |c| {
        c.metrics.token = Some(token.into());
    })
    .await
    else {
        return;
    };
    let url = format!("{}/metrics", app.api);
    let r = app.get(&url).await;
    let (status, error) = error_of(r).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("a-metrics-token-of-at-least-32-characterz")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("ehealth_http_requests_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_behind_a_token_sqlite() {
    metrics_behind_a_token(ehealth_core::db::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_behind_a_token_postgres() {
    metrics_behind_a_token(ehealth_core::db::Backend::Postgres).await;
}
