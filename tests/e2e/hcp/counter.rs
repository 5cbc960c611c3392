//! The counter web page over plain HTTP (the headless-Chromium run is
//! `scripts/counter-browser-test.sh`): sign in with a TOTP code, take consent with the
//! access key, see errors in the page, and nothing without the session cookie.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};

use super::helpers::*;
use super::portal_http::{client, encode, form_id_in, post_form};

both_backends! {
    async fn the_counter_page_signs_in_and_takes_consent_with_the_access_key(app: TestApp) {
        let summary = demo(&app);
        let r = client().get(format!("{}/counter", app.api)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(r.text().await.unwrap().contains("action=\"/counter/sign-in\""));

        let r = client().get(format!("{}/counter/consent", app.api)).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/counter"));

        let r = post_form(&app, "/counter/sign-in", None, &[("hcp_id", &clinic()), ("username", "drchan"),
            ("password", "wrong password"), ("totp_code", &code(DEMO_TOTP_SECRET, 0))]).await;
        assert_eq!(r.status(), 401);
        let text = r.text().await.unwrap();
        assert!(text.contains("id=\"error\"") && text.contains("value=\"drchan\""), "{text}");

        let r = post_form(&app, "/counter/sign-in", None, &[("hcp_id", &clinic()), ("username", "drchan"),
            ("password", DEMO_PASSWORD), ("totp_code", &code(DEMO_TOTP_SECRET, 0))]).await;
        assert_eq!(r.status(), 303);
        let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();

        let r = client().get(format!("{}/counter/consent", app.api)).header("Cookie", &cookie).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("Dr CHAN Siu Ming"));

        let ehr = summary.patient_ehr_number.clone();
        let r = post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", &ehr),
            ("access_key", &wrong_key(&summary.patient_access_key)), ("action", "renew"), ("type", "indefinite"),
            ("form_id", &form_id_in(&text))]).await;
        assert_eq!(r.status(), 403);
        let text = r.text().await.unwrap();
        assert!(text.contains("The access key is not right. 4 more wrong tries will lock it."), "{text}");

        let r = post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", &ehr),
            ("access_key", &summary.patient_access_key), ("action", "change"), ("type", "indefinite"),
            ("form_id", &form_id_in(&text))]).await;
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("id=\"result\"") && text.contains("sharing consent: active, indefinite"), "{text}");

        let r = post_form(&app, "/counter/sign-out", Some(&cookie), &[]).await;
        assert_eq!(r.status(), 303);
        let r = post_form(&app, "/counter/consent", Some(&cookie), &[("ehr_number", &ehr),
            ("access_key", &summary.patient_access_key), ("action", "revoke"), ("type", "one_year"),
            ("form_id", &"c".repeat(43))]).await;
        // The old cookie no longer signs in: the session has ended.
        assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/counter?ended=1"), "signed out");
    }

    async fn forms_posted_from_another_site_are_refused(app: TestApp) {
        demo(&app);
        let form = encode(&[("hcp_id", &clinic()), ("username", "drchan"),
            ("password", DEMO_PASSWORD), ("totp_code", &code(DEMO_TOTP_SECRET, 0))]);
        let url = format!("{}/counter/sign-in", app.api);
        let forged = |origin: Option<(&'static str, String)>| {
            let mut req = client().post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded").body(form.clone());
            if let Some((name, value)) = origin {
                req = req.header(name, value);
            }
            req.send()
        };
        for origin in [Some(("Origin", "https://evil.example".to_owned())),
            Some(("Origin", "null".to_owned())),
            Some(("Referer", "https://evil.example/counter".to_owned())), None] {
            let r = forged(origin.clone()).await.unwrap();
            assert_eq!(r.status(), 403, "{origin:?}");
            assert!(r.headers().get("set-cookie").is_none(), "{origin:?} signed in");
        }
        // A page of another site cannot make the browser say same-origin.
        let r = client().post(&url).header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "null").header("Sec-Fetch-Site", "cross-site")
            .body(form.clone()).send().await.unwrap();
        assert_eq!(r.status(), 403, "null origin from another site");
        // The page's own Referer is enough for a browser that sends no Origin.
        let r = forged(Some(("Referer", format!("{}/counter", app.api)))).await.unwrap();
        assert_eq!(r.status(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        // What Chromium sends from the counter's own no-referrer page: Origin null and
        // Fetch Metadata saying same-origin (the next TOTP step: a code is used once).
        let next = encode(&[("hcp_id", &clinic()), ("username", "drchan"),
            ("password", DEMO_PASSWORD), ("totp_code", &code(DEMO_TOTP_SECRET, 1))]);
        let r = client().post(&url).header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "null").header("Sec-Fetch-Site", "same-origin")
            .body(next).send().await.unwrap();
        assert_eq!(r.status(), 303, "the counter's own page under no-referrer");
        // A forged sign-out or consent does nothing either.
        let r = client().post(format!("{}/counter/sign-out", app.api)).header("Cookie", &cookie)
            .header("Origin", "https://evil.example").send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = client().get(format!("{}/counter/consent", app.api)).header("Cookie", &cookie)
            .send().await.unwrap();
        assert_eq!(r.status(), 200, "still signed in");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    }

    async fn the_cookie_is_secure_over_https(app: TestApp) {
        demo(&app);
        let https = app.api.replace("http://", "https://");
        let r = client().post(format!("{}/counter/sign-in", app.api))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Forwarded-Proto", "https")
            .header("Origin", &https)
            .body(encode(&[("hcp_id", &clinic()), ("username", "drchan"),
                ("password", DEMO_PASSWORD), ("totp_code", &code(DEMO_TOTP_SECRET, 0))]))
            .send().await.unwrap();
        assert_eq!(r.status(), 303);
        let set_cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert!(set_cookie.contains("; Secure"), "{set_cookie}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        let plain = post_form(&app, "/counter/sign-in", None, &[("hcp_id", &clinic()), ("username", "drchan"),
            ("password", DEMO_PASSWORD), ("totp_code", &code(DEMO_TOTP_SECRET, 1))]).await;
        assert_eq!(plain.status(), 303);
        assert!(!plain.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
    }
}
