//! The eHR portal as a browser speaks to it, for the portal's tests: form posts that name
//! the page's origin, GETs with the session cookie, signing in, the one-time form ids the
//! pages render, and a form posted twice at once (a double click).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::actions::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};

use super::helpers::{clinic, code};
use crate::support::TestApp;

/// A client that shows redirects instead of following them.
pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(super) fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    // A browser names the page's origin on every form post; the portal refuses others.
    let req = client()
        .post(format!("{}{path}", app.api))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", &app.api)
        .body(encode(pairs));
    send(req, cookie).await
}

/// The same form posted twice at once, as a double click does: both pages' text (each
/// answered 200).
pub(super) async fn post_twice_at_once(
    app: &TestApp,
    path: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
) -> Vec<String> {
    let (a, b) = tokio::join!(
        post_form(app, path, Some(cookie), pairs),
        post_form(app, path, Some(cookie), pairs)
    );
    let mut texts = vec![];
    for r in [a, b] {
        assert_eq!(r.status(), 200);
        texts.push(r.text().await.unwrap());
    }
    texts
}

pub(super) async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    send(client().get(format!("{}{path}", app.api)), cookie).await
}

async fn send(req: reqwest::RequestBuilder, cookie: Option<&str>) -> reqwest::Response {
    match cookie {
        Some(c) => req.header("Cookie", c),
        None => req,
    }
    .send()
    .await
    .unwrap()
}

/// Signs an account of the clinic in (TOTP step 0): (where it is sent, the cookie pair).
pub(super) async fn portal_sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
    secret: &str,
) -> (String, String) {
    sign_in_at_step(app, username, password, secret, 0).await
}

/// Signs drchan in (TOTP step `step`, a code is used once) and returns the cookie pair.
pub(super) async fn sign_in(app: &TestApp, step: i64) -> String {
    let (home, cookie) =
        sign_in_at_step(app, "drchan", DEMO_PASSWORD, DEMO_TOTP_SECRET, step).await;
    assert_eq!(home, "/counter/find");
    cookie
}

async fn sign_in_at_step(
    app: &TestApp,
    username: &str,
    password: &str,
    secret: &str,
    step: i64,
) -> (String, String) {
    let r = post_form(
        app,
        "/counter/sign-in",
        None,
        &[
            ("hcp_id", &clinic()),
            ("username", username),
            ("password", password),
            ("totp_code", &code(secret, step)),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "{username} signs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (r.headers()["location"].to_str().unwrap().to_owned(), cookie)
}

/// The first form id the page rendered.
pub(super) fn form_id_in(page: &str) -> String {
    let at = page.find("name=\"form_id\" value=\"").expect("a form id") + 22;
    page[at..at + 43].to_owned()
}

/// The form id rendered inside the form with HTML id `form`.
pub(super) fn form_id_of(page: &str, form: &str) -> String {
    let start = page
        .find(&format!("id=\"{form}\""))
        .unwrap_or_else(|| panic!("{form} in {page}"));
    form_id_in(&page[start..])
}
