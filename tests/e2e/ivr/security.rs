//! Only Twilio may drive the voice line: a missing, forged or misdirected signature is
//! refused with 403 and audited.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::db::schema::{audit_log, voice_calls};

use super::call::{
    self, demo, ivr_tests, params, post_signed, Call, AUTH_TOKEN, CALLER, PUBLIC_URL,
};
use crate::support::{json, TestApp};

fn rejections(app: &TestApp) -> i64 {
    audit_log::table
        .filter(audit_log::event.eq("signature_rejected"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn calls(app: &TestApp) -> i64 {
    voice_calls::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

ivr_tests! {
    async fn unsigned_forged_and_misdirected_webhooks_are_refused_and_audited(app: TestApp) {
        let form = params(&[("CallSid", "CAforged"), ("From", CALLER), ("Digits", "1")]);
        let public = format!("{PUBLIC_URL}/ivr/voice");
        let attempts = [
            ("unsigned", None, public.clone()),
            ("forged with another token", Some("not-the-token"), public.clone()),
            // Signed for the address the service listens on, not the public one Twilio calls.
            ("signed over another URL", Some(AUTH_TOKEN), format!("{}/ivr/voice", app.ivr)),
        ];
        for (n, (what, token, url)) in attempts.iter().enumerate() {
            let response = post_signed(&app, "/ivr/voice", &form, *token, url).await;
            assert_eq!(response.status(), 403, "{what}");
            let body = json(response).await;
            assert_eq!(body["error"]["code"], "signature_invalid", "{what}");
            assert_eq!(rejections(&app), n as i64 + 1, "{what} is audited");
        }
        // A signature copied onto changed parameters (other digits) is refused too.
        let signature = ehealth_ivr::signature::expected(AUTH_TOKEN.as_bytes(), &public, &form);
        let mut changed = form.clone();
        changed[2].1 = "2".to_owned();
        let response = app.client.post(format!("{}/ivr/voice", app.ivr))
            .header("X-Twilio-Signature", signature)
            .form(&changed)
            .send().await.unwrap();
        assert_eq!(response.status(), 403);
        for path in ["/ivr/voice/menu?n=3", "/ivr/status", "/ivr/sms-status"] {
            let response = post_signed(&app, path, &form, None, "").await;
            assert_eq!(response.status(), 403, "{path}");
        }
        assert_eq!(rejections(&app), 7);
        assert_eq!(calls(&app), 0, "no refused request touched a call");
        let entry: (String, Option<String>, String) = audit_log::table
            .filter(audit_log::event.eq("signature_rejected"))
            .order(audit_log::seq.desc())
            .select((audit_log::actor_kind, audit_log::actor_id, audit_log::details))
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(entry.0, "caller");
        assert_eq!(entry.1.as_deref(), Some(CALLER));
        assert!(entry.2.contains("/ivr/sms-status"), "{}", entry.2);
    }

    async fn an_internal_error_is_an_apology_with_the_operator(app: TestApp) {
        let _demo = demo(&app);
        let mut call = Call::dial(&app, CALLER).await;
        call.press("2").await;
        // The call's stored state is damaged: the flow cannot go on.
        diesel::update(voice_calls::table.find(&call.sid))
            .set(voice_calls::state.eq("{not json"))
            .execute(&mut app.conn())
            .unwrap();
        call.press("1234").await;
        let said = call.said();
        assert!(said.contains("Sorry, something went wrong on our side."), "{said}");
        assert!(call.last_twiml.contains(&format!("<Dial>{}</Dial>", call::OPERATOR)), "{}", call.last_twiml);
        assert!(call.hung_up());
        insta::assert_snapshot!("internal_error_apology", call.last_twiml);
    }
}
