//! `/openapi.json` is a valid OpenAPI 3 document listing every `/v1/app` route.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::support::json;

/// The patient app's routes as SPEC §7 fixes them (and the app's own additions).
const APP_ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/app/applications"),
    ("get", "/v1/app/applications/{id}"),
    ("post", "/v1/app/applications/{id}/verify-mobile"),
    ("post", "/v1/app/applications/{id}/resend-code"),
    ("post", "/v1/app/sessions/otp"),
    ("post", "/v1/app/sessions/otp/verify"),
    ("delete", "/v1/app/sessions/current"),
    ("post", "/v1/app/sessions/passkey/start"),
    ("post", "/v1/app/sessions/passkey/finish"),
    ("post", "/v1/app/passkeys/registration/start"),
    ("post", "/v1/app/passkeys/registration/finish"),
    ("get", "/v1/app/me"),
    ("patch", "/v1/app/me/preferences"),
    ("post", "/v1/app/me/contact-verification"),
    ("get", "/v1/app/consents"),
    ("put", "/v1/app/consents/{hcp_id}"),
    ("delete", "/v1/app/consents/{hcp_id}"),
    ("post", "/v1/app/access-key"),
    ("get", "/v1/app/access-records"),
    ("get", "/v1/app/notifications"),
    ("post", "/v1/app/devices"),
    ("delete", "/v1/app/devices/{id}"),
    ("get", "/v1/app/approvals"),
    ("post", "/v1/app/approvals/{id}/approve"),
    ("post", "/v1/app/approvals/{id}/deny"),
    ("post", "/v1/app/withdrawal"),
    ("get", "/v1/app/providers"),
    // issue 14: substitute decision makers
    ("post", "/v1/app/sdm-applications"),
    ("delete", "/v1/app/acting-for/{ehr_number}"),
    ("get", "/v1/hcp/sdm-applications/{id}"),
    ("post", "/v1/hcp/sdm-verifications"),
    ("post", "/v1/hcp/sdm-links/end"),
    ("get", "/v1/admin/patients/{ehr}/sdm-links"),
    ("post", "/v1/admin/sdm-links/{id}/{action}"),
];

both_backends! {
    async fn the_openapi_document_is_valid_and_lists_every_app_route(app: TestApp) {
        let r = app.get(&format!("{}/openapi.json", app.api)).await;
        assert_eq!(r.status(), 200);
        let doc = json(r).await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        for (method, path) in APP_ROUTES {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} missing");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
        }
        // Every $ref points at a schema that exists.
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(doc["components"]["schemas"][name].is_object(), "dangling $ref {name}");
        }
        assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }
}
