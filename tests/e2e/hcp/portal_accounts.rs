//! The user administrator's portal pages (issue 18) on both databases: an HCProf is
//! refused in plain words; creating an account double-posted at once creates one; the
//! authenticator enrolled on screen (QR code and secret) signs the new professional in; a
//! repeat makes no new secret; disabling ends the account's sessions; bad input is 4xx.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use diesel::prelude::*;
use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
use ehealth_core::db::schema::accounts;

use super::helpers::*;
use super::portal_http::{form_id_of, get, portal_sign_in, post_form, post_twice_at_once, sign_in};
use crate::support::TestApp;

fn account_id(app: &TestApp, username: &str) -> String {
    accounts::table
        .filter(accounts::username.eq(username))
        .select(accounts::id)
        .first(&mut app.conn())
        .unwrap()
}

fn new_account<'a>(
    form_id: &'a str,
    username: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("display_name", "Nurse LAM"),
        ("password", password),
        ("profession", "nurse"),
        ("registration_number", "N12345"),
        ("registration_expires_on", ""),
        ("email", ""),
        ("form_id", form_id),
    ]
}

both_backends! {
    async fn only_a_user_administrator_sees_the_account_pages(app: TestApp) {
        demo(&app);
        let cookie = sign_in(&app, 0).await;
        let r = get(&app, "/counter/accounts", Some(&cookie)).await;
        assert_eq!(r.status(), 403);
        let text = r.text().await.unwrap();
        assert!(text.contains("Only your clinic's user administrator can manage the accounts") && !text.contains("wrong_role"), "{text}");
        assert!(!text.contains("id=\"new-account\""), "no form for an HCProf");
        let form_id = "A".repeat(43);
        for (path, pairs) in [
            ("/counter/accounts", new_account(&form_id, "sneaky", "long enough password")),
            ("/counter/accounts/disable", vec![("account_id", "x"), ("form_id", &form_id)]),
            ("/counter/accounts/totp", vec![("account_id", "x"), ("form_id", &form_id)]),
        ] {
            let r = post_form(&app, path, Some(&cookie), &pairs).await;
            assert_eq!(r.status(), 403, "{path}");
        }
        let made: i64 = accounts::table.filter(accounts::username.eq("sneaky")).count().get_result(&mut app.conn()).unwrap();
        assert_eq!(made, 0);
        // Nothing without sign-in.
        let r = get(&app, "/counter/accounts", None).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/counter");
    }

    async fn an_administrator_creates_an_account_once_and_enrols_its_authenticator_on_screen(app: TestApp) {
        demo(&app);
        let (home, admin) = portal_sign_in(&app, "admin", DEMO_PASSWORD, DEMO_TOTP_SECRET).await;
        assert_eq!(home, "/counter/accounts");
        let page = get(&app, "/counter/accounts", Some(&admin)).await.text().await.unwrap();
        assert!(page.contains("id=\"accounts\"") && page.contains("drchan"), "the clinic's accounts: {page}");
        let id = form_id_of(&page, "new-account");
        let pairs = new_account(&id, "nurselam", PASSWORD);
        // A double click: the same form, twice at once.
        let texts = post_twice_at_once(&app, "/counter/accounts", &admin, &pairs).await;
        assert_eq!(texts.iter().filter(|t| t.contains("Account created: nurselam")).count(), 1, "{texts:?}");
        assert_eq!(texts.iter().filter(|t| t.contains("already sent; it was acted on once")).count(), 1, "{texts:?}");
        let made: i64 = accounts::table.filter(accounts::username.eq("nurselam")).count().get_result(&mut app.conn()).unwrap();
        assert_eq!(made, 1, "one account");

        // Enrol: the QR code and the secret on screen; the secret's code signs the nurse in.
        let page = get(&app, "/counter/accounts", Some(&admin)).await.text().await.unwrap();
        let enrol = [("account_id", account_id(&app, "nurselam")), ("form_id", form_id_of(&page, "enrol-nurselam"))];
        let enrol: Vec<(&str, &str)> = enrol.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_form(&app, "/counter/accounts/totp", Some(&admin), &enrol).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let text = r.text().await.unwrap();
        assert!(text.contains("id=\"qr\" src=\"data:image/svg+xml;base64,") && text.contains("alt=\"QR code for the authenticator of nurselam\""), "{text}");
        let at = text.find("<code id=\"totp-secret\">").unwrap() + 23;
        let secret = text[at..].split('<').next().unwrap().to_owned();
        assert_eq!(secret.len(), 32, "a 160-bit base32 secret: {secret}");
        // A repeat of the same form makes no new secret: the one shown still works.
        let r = post_form(&app, "/counter/accounts/totp", Some(&admin), &enrol).await;
        let again = r.text().await.unwrap();
        assert!(again.contains("already sent") && !again.contains("totp-secret"), "{again}");
        let (home, nurse) = portal_sign_in(&app, "nurselam", PASSWORD, &secret).await;
        assert_eq!(home, "/counter/find");

        // Disable: the nurse's session ends at once.
        let page = get(&app, "/counter/accounts", Some(&admin)).await.text().await.unwrap();
        let id = account_id(&app, "nurselam");
        let r = post_form(&app, "/counter/accounts/disable", Some(&admin), &[("account_id", &id), ("form_id", &form_id_of(&page, "disable-nurselam"))]).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Disabled: nurselam"));
        let r = get(&app, "/counter/find", Some(&nurse)).await;
        assert_eq!(r.status(), 303, "a disabled account's session ends");
    }

    async fn bad_account_input_is_told_in_plain_words(app: TestApp) {
        demo(&app);
        let (_, admin) = portal_sign_in(&app, "admin", DEMO_PASSWORD, DEMO_TOTP_SECRET).await;
        let cases = [
            ("nurselam", "short", "nurse", 400, "password (12 to 128 characters)"),
            ("Bad Name!", PASSWORD, "nurse", 400, "username (3 to 64 characters"),
            ("drchan", PASSWORD, "nurse", 409, "already exists at your clinic"),
            ("nurselam", PASSWORD, "wizard", 400, "Please check the profession"),
        ];
        for (username, password, profession, status, words) in cases {
            let page = get(&app, "/counter/accounts", Some(&admin)).await.text().await.unwrap();
            let id = form_id_of(&page, "new-account");
            let mut pairs = new_account(&id, username, password);
            pairs[3] = ("profession", profession);
            let r = post_form(&app, "/counter/accounts", Some(&admin), &pairs).await;
            assert_eq!(r.status().as_u16(), status, "{username} {profession}");
            let text = r.text().await.unwrap();
            assert!(text.contains(words) && text.contains("role=\"alert\""), "{words}: {text}");
            assert!(!text.contains(PASSWORD), "the password is not echoed");
        }
        // An account of nobody, a form the page did not render: 4xx in words, in Chinese.
        let zh = format!("{admin}; counter_lang=zh-Hant");
        let page = get(&app, "/counter/accounts", Some(&admin)).await.text().await.unwrap();
        let r = post_form(&app, "/counter/accounts/disable", Some(&zh), &[("account_id", "nobody"), ("form_id", &form_id_of(&page, "new-account"))]).await;
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("找不到貴機構的此帳戶"));
        let r = post_form(&app, "/counter/accounts/totp", Some(&zh), &[("account_id", "nobody"), ("form_id", "")]).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("請重新載入網頁"));
    }
}
