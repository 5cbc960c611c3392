//! Only Twilio may drive the voice line: a missing, forged or misdirected signature is
//! refused with 403 and audited.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::actions::ivr_refusals::{self, Refusal, RefusalPolicy};
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
            // The first refusal from this source is audited; repeats are counted.
            assert_eq!(rejections(&app), 1, "{what} (refusal {n})");
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
        assert_eq!(rejections(&app), 1);
        assert_eq!(calls(&app), 0, "no refused request touched a call");
        let entry: (String, Option<String>, String) = audit_log::table
            .filter(audit_log::event.eq("signature_rejected"))
            .order(audit_log::seq.desc())
            .select((audit_log::actor_kind, audit_log::actor_id, audit_log::details))
            .first(&mut app.conn())
            .unwrap();
        // The source is the peer address, never the forgeable From.
        assert_eq!(entry.0, "caller");
        assert_eq!(entry.1.as_deref(), Some("source:127.0.0.1"));
        assert!(entry.2.contains("/ivr/voice") && !entry.2.contains(CALLER), "{}", entry.2);
    }

    async fn a_flood_of_forged_webhooks_is_one_audit_entry_with_a_count(app: TestApp) {
        let public = format!("{PUBLIC_URL}/ivr/voice");
        let posts = (0..60).map(|i| {
            let form = params(&[("CallSid", "CAflood"), ("From", &format!("+8529{i:07}")), ("Digits", "1")]);
            let (app, public) = (&app, &public);
            async move {
                let response = post_signed(app, "/ivr/voice", &form, Some("forged"), public).await;
                let status = response.status().as_u16();
                (status, json(response).await["error"]["code"].as_str().unwrap_or("").to_owned())
            }
        });
        let answers = futures::future::join_all(posts).await;
        let refused = answers.iter().filter(|(s, c)| *s == 403 && c == "signature_invalid").count();
        let limited = answers.iter().filter(|(s, c)| *s == 429 && c == "too_many_refused_webhooks").count();
        assert_eq!((refused, limited), (30, 30), "{answers:?}");
        assert_eq!(rejections(&app), 1, "sixty forged posts, one audit entry");
        // The source's next window: the repeats are audited as one entry with their count.
        let policy = RefusalPolicy { max_per_window: 30, window: chrono::Duration::seconds(300) };
        let later = chrono::Utc::now() + chrono::Duration::seconds(301);
        let outcome = ivr_refusals::refused(&mut app.conn(), &policy, "127.0.0.1", "/ivr/voice", later).unwrap();
        assert_eq!(outcome, Refusal::Refused);
        assert_eq!(rejections(&app), 3);
        let repeats: String = audit_log::table
            .filter(audit_log::reason.eq("twilio_signature_repeated"))
            .select(audit_log::details)
            .first(&mut app.conn())
            .unwrap();
        assert!(repeats.contains("\"repeats\":59"), "{repeats}");
        ehealth_core::testing::assert_log_verifies(&mut app.conn());
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
