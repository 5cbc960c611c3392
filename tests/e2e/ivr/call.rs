//! A simulated Twilio: places a call against the ivr service, signs every webhook as
//! Twilio would (over the configured public URL), follows each answer's `<Gather action>`
//! and keeps a transcript of what the caller heard.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use ehealth_core::actions::demo::DemoSummary;
use ehealth_core::config::Config;
use ehealth_core::db::Backend;
use ehealth_core::domain::{Actor, ActorKind};
use ehealth_core::ids::PatientId;

use crate::support::TestApp;

pub const AUTH_TOKEN: &str = "test-twilio-auth-token";
/// Twilio calls this proxy address; the service listens elsewhere.
pub const PUBLIC_URL: &str = "https://voice.ehealth.test";
pub const OPERATOR: &str = "+85228000000";
pub const CALLER: &str = "+85291234567";

/// Declares voice-line tests on both backends, with Twilio's token, a public URL behind
/// a proxy and an operator number configured.
macro_rules! ivr_tests {
    ($( async fn $name:ident ( $app:ident : TestApp ) $body:block )+) => {
        $( async fn $name($app: $crate::support::TestApp) $body )+

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = super::super::call::start(ehealth_core::db::Backend::Sqlite).await;
                    super::$name(app.expect("SQLite always runs")).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = super::super::call::start(ehealth_core::db::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}
pub(crate) use ivr_tests;

pub fn configure(config: &mut Config) {
    config.twilio.auth_token = Some(AUTH_TOKEN.into());
    config.ivr.public_url = format!("{PUBLIC_URL}/");
    config.ivr.operator_number = Some(OPERATOR.to_owned());
}

pub async fn start(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, configure).await
}

/// A second ivr service on the same database, with its own pool: another instance
/// behind the load balancer. Returns its base URL.
pub fn second_ivr(app: &TestApp) -> String {
    let config = (*app.services.config).clone();
    let services = ehealth_core::context::Services::start(config).expect("second instance starts");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(ehealth_ivr::serve(services, listener).expect("second ivr starts"));
    base
}

/// Loads the demo data: HA, DH, a clinic and a dental company, and a patient (born
/// 1 January 1980) with a one-year consent for the clinic.
pub fn demo(app: &TestApp) -> DemoSummary {
    app.services
        .seed_demo()
        .expect("demo seed")
        .expect("first seed")
}

pub const DEMO_BIRTH_DATE: &str = "01011980";

/// The demo providers' ids: the clinic and the dental company.
pub fn clinic(demo: &DemoSummary) -> String {
    demo.providers[2].0.clone()
}

pub fn dental(demo: &DemoSummary) -> String {
    demo.providers[3].0.clone()
}

pub fn patient_actor(id: &PatientId) -> Actor {
    Actor::new(ActorKind::Patient, id)
}

/// Posts form `params` to `path` (with query) signed with `token` over `signed_url`.
pub async fn post_signed(
    app: &TestApp,
    path: &str,
    params: &[(String, String)],
    token: Option<&str>,
    signed_url: &str,
) -> reqwest::Response {
    post_signed_to(app, &app.ivr, path, params, token, signed_url).await
}

/// As `post_signed`, to the ivr instance at `base`.
pub async fn post_signed_to(
    app: &TestApp,
    base: &str,
    path: &str,
    params: &[(String, String)],
    token: Option<&str>,
    signed_url: &str,
) -> reqwest::Response {
    let mut request = app.client.post(format!("{base}{path}")).form(params);
    if let Some(token) = token {
        let signature = ehealth_ivr::signature::expected(token.as_bytes(), signed_url, params);
        request = request.header("X-Twilio-Signature", signature);
    }
    request.send().await.expect("webhook sent")
}

/// Posts as Twilio would: signed with the right token over the public URL.
pub async fn post_as_twilio(
    app: &TestApp,
    path: &str,
    params: &[(String, String)],
) -> reqwest::Response {
    post_signed(
        app,
        path,
        params,
        Some(AUTH_TOKEN),
        &format!("{PUBLIC_URL}{path}"),
    )
    .await
}

pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub struct Call<'a> {
    app: &'a TestApp,
    pub sid: String,
    pub from: String,
    /// Path and query of the next webhook (from the last `<Gather action>`).
    pub next: Option<String>,
    pub last_twiml: String,
    pub last_request: Vec<(String, String)>,
    pub last_path: String,
    pub transcript: String,
}

impl<'a> Call<'a> {
    /// A call comes in: `POST /ivr/voice`.
    pub async fn dial(app: &'a TestApp, from: &str) -> Call<'a> {
        let mut call = Call {
            app,
            sid: format!("CA{}", uuid::Uuid::new_v4().simple()),
            from: from.to_owned(),
            next: None,
            last_twiml: String::new(),
            last_request: Vec::new(),
            last_path: String::new(),
            transcript: String::new(),
        };
        let params = call.params(None);
        call.exchange("/ivr/voice".to_owned(), params, "(call connects)")
            .await;
        call
    }

    fn params(&self, digits: Option<&str>) -> Vec<(String, String)> {
        let mut p = params(&[
            ("AccountSid", "ACtest0000000000000000000000000000"),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", &self.sid),
            ("CallStatus", "in-progress"),
            ("Direction", "inbound"),
            ("From", &self.from),
            ("To", "+85231234567"),
        ]);
        if let Some(d) = digits {
            p.push(("Digits".to_owned(), d.to_owned()));
            p.push(("FinishedOnKey".to_owned(), "#".to_owned()));
        }
        p
    }

    /// The caller keys `digits` (then `#`); the transcript shows them.
    pub async fn press(&mut self, digits: &str) -> &str {
        self.press_as(digits, digits).await
    }

    /// As `press`, with `shown` in the transcript instead of the digits (for numbers that
    /// differ from run to run, such as an eHR number).
    pub async fn press_as(&mut self, digits: &str, shown: &str) -> &str {
        let path = self.next.clone().expect("the last answer asks for input");
        let params = self.params(Some(digits));
        self.exchange(path, params, shown).await;
        &self.last_twiml
    }

    /// Nothing keyed: Twilio follows the `<Redirect>` after the `<Gather>` times out.
    pub async fn silence(&mut self) -> &str {
        let path = self.next.clone().expect("the last answer asks for input");
        let params = self.params(None);
        self.exchange(path, params, "(silence)").await;
        &self.last_twiml
    }

    /// Sends the last webhook again, byte for byte, as Twilio does on a timeout.
    pub async fn replay_last(&self) -> String {
        let response = post_as_twilio(self.app, &self.last_path, &self.last_request).await;
        assert_eq!(response.status(), 200);
        response.text().await.expect("body")
    }

    /// The caller keys `digits` once, but `copies` copies of the webhook arrive at once,
    /// spread over the ivr instances at `bases` (Twilio's retry on a timeout, a load
    /// balancer's retry at another instance). Returns each copy's status and body; the
    /// call goes on from the first copy's answer.
    pub async fn press_in_copies(
        &mut self,
        digits: &str,
        copies: usize,
        bases: &[String],
    ) -> Vec<(u16, String)> {
        let path = self.next.clone().expect("the last answer asks for input");
        let params = self.params(Some(digits));
        let signed = format!("{PUBLIC_URL}{path}");
        let app = self.app;
        let sends = (0..copies).map(|i| {
            let (path, params, signed) = (&path, &params, &signed);
            let base = &bases[i % bases.len()];
            async move {
                let response =
                    post_signed_to(app, base, path, params, Some(AUTH_TOKEN), signed).await;
                let status = response.status().as_u16();
                (status, response.text().await.expect("body"))
            }
        });
        let answers = futures::future::join_all(sends).await;
        let first = answers[0].1.clone();
        self.next = next_action(&first);
        self.transcript.push_str(&format!(
            "### {} <- {digits} (x{copies})\n{first}\n",
            path.split('?').next().unwrap_or(&path)
        ));
        self.last_twiml = first;
        self.last_request = params;
        self.last_path = path;
        answers
    }

    async fn exchange(&mut self, path: String, params: Vec<(String, String)>, shown: &str) {
        let response = post_as_twilio(self.app, &path, &params).await;
        assert_eq!(response.status(), 200, "webhook {path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/xml"), "{content_type}");
        let twiml = response.text().await.expect("body");
        self.next = next_action(&twiml);
        let step = path.split('?').next().unwrap_or(&path);
        self.transcript
            .push_str(&format!("### {step} <- {shown}\n{twiml}\n"));
        self.last_twiml = twiml;
        self.last_request = params;
        self.last_path = path;
    }

    /// Everything said in the last answer, one line per `<Say>`.
    pub fn said(&self) -> String {
        says(&self.last_twiml).join("\n")
    }

    pub fn hung_up(&self) -> bool {
        let doc = roxmltree::Document::parse(&self.last_twiml).expect("well-formed TwiML");
        doc.root_element()
            .children()
            .any(|n| n.has_tag_name("Hangup"))
    }
}

/// Parses TwiML (failing the test if it is not well-formed XML with a `<Response>` root)
/// and returns the path and query of its `<Gather action>`, made local.
pub fn next_action(twiml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(twiml)
        .unwrap_or_else(|e| panic!("TwiML is not well-formed XML ({e}):\n{twiml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Response", "{twiml}");
    for verb in root.children().filter(roxmltree::Node::is_element) {
        assert!(
            ["Say", "Gather", "Redirect", "Dial", "Hangup"].contains(&verb.tag_name().name()),
            "unexpected verb in {twiml}"
        );
    }
    let gather = root.children().find(|n| n.has_tag_name("Gather"))?;
    assert_eq!(gather.attribute("input"), Some("dtmf"));
    assert_eq!(gather.attribute("finishOnKey"), Some("#"));
    let action = gather.attribute("action").expect("Gather has an action");
    let local = action
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("action {action} is not under the public URL"));
    Some(local.to_owned())
}

/// The texts of every `<Say>`, in order, with their language.
pub fn says(twiml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(twiml).expect("well-formed TwiML");
    doc.descendants()
        .filter(|n| n.has_tag_name("Say"))
        .map(|n| {
            format!(
                "[{}] {}",
                n.attribute("language").unwrap_or("?"),
                n.text().unwrap_or("")
            )
        })
        .collect()
}

/// Chooses `language` (1 Cantonese, 2 English, 3 Putonghua) and identifies as the demo
/// patient with `key`.
pub async fn identify(call: &mut Call<'_>, language: &str, demo: &DemoSummary, key: &str) {
    call.press(language).await;
    call.press_as(&demo.patient_ehr_number, "<eHR number>")
        .await;
    call.press(DEMO_BIRTH_DATE).await;
    call.press_as(key, "<access key>").await;
}
