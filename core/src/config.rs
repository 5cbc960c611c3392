//! Configuration: defaults, then a TOML file, then the environment (the environment wins),
//! layered by `figment` (`sources`). Every setting has the environment name
//! `EHEALTH_SECTION__KEY`, derived from these structs (`keys`); docs/configuration.md
//! lists every one, checked by a test.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::CoreError;
use crate::rules::LockoutPolicy;
use crate::secret::Argon2Cost;

pub mod keys;
pub mod sources;
mod webauthn;
pub use webauthn::{AndroidApp, WebauthnConfig};

const DEFAULT_CODE_KEY: &str = "insecure-development-key-change-me";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub mode: Mode,
    pub database: DatabaseConfig,
    pub api: ApiConfig,
    pub ivr: IvrConfig,
    pub twilio: TwilioConfig,
    pub smtp: SmtpConfig,
    pub fcm: FcmConfig,
    pub notifier: NotifierConfig,
    pub security: SecurityConfig,
    /// Passkeys of the patient app (issue 3).
    pub webauthn: WebauthnConfig,
    /// The verifiable access log (issue 12).
    pub audit: crate::tlog::config::AuditConfig,
    /// Load the demo providers, accounts and patient on first start (development only).
    pub demo_on_first_start: bool,
    /// Who may read `/metrics` (issue 11).
    pub metrics: MetricsConfig,
    /// Providers' supporting documents and professionals' registrations (issue 16).
    pub providers: ProvidersConfig,
}

/// When providers are reminded (issue 16). Days are Hong Kong days before the expiry.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvidersConfig {
    /// Days before a supporting document expires at which the provider is reminded (each
    /// once); on the expiry day the provider is suspended.
    pub document_reminder_days: Vec<u32>,
    /// Days before a professional's registration expires at which the user administrators
    /// are reminded.
    pub registration_reminder_days: u32,
    /// Days an applicant has to activate the first user administrator's account after
    /// approval.
    pub activation_days: u32,
    /// Tries of the public application form (and of adding documents to an application)
    /// per client address per hour.
    pub form_tries_per_hour: u32,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        Self {
            document_reminder_days: vec![60, 30],
            registration_reminder_days: 30,
            activation_days: 14,
            form_tries_per_hour: 10,
        }
    }
}

/// `/metrics` of every service: open when no token is set (development); with a token,
/// only for `Authorization: Bearer <token>` (the scraper's), so the public listener does
/// not show it. Production needs a token.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    pub token: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    pub addr: String,
    /// Take the client's address from the last `X-Forwarded-For` entry (the one the load
    /// balancer added), not the peer: only behind a load balancer that sets it.
    pub trust_forwarded_for: bool,
    /// The eHR portal (`/counter`) signs a professional out after this many seconds
    /// without a page or form (issue 18); each request restarts the count.
    pub portal_idle_secs: i64,
    /// However busy, a portal session ends this many hours after sign-in (a shift).
    pub portal_session_max_hours: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IvrConfig {
    pub addr: String,
    /// The URL Twilio calls; signatures are computed over it.
    pub public_url: String,
    pub operator_number: Option<String>,
    /// The header a trusted proxy puts the client's address in (e.g. `X-Forwarded-For`,
    /// rightmost entry); without it, the TCP peer is the source of a refused webhook.
    pub forwarded_header: Option<String>,
    /// Refused (badly signed) webhooks from one source within the window: the first is
    /// audited, the repeats are counted into one entry; past the maximum, 429.
    pub refused_max_per_source: u32,
    pub refused_window_secs: i64,
    /// The `<Say>` voice of each language (issue 19).
    pub voices: IvrVoices,
}

/// A `<Say voice language>` pair; the voice must be one Twilio lists for the language.
/// Either may be left out (empty): it is then the default of its language's slot, so the
/// environment can change one voice without restating its language.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SayVoice {
    pub voice: String,
    pub language: String,
}

impl SayVoice {
    fn new(voice: &str, language: &str) -> Self {
        Self {
            voice: voice.to_owned(),
            language: language.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IvrVoices {
    pub cantonese: SayVoice,
    pub putonghua: SayVoice,
    pub english_gb: SayVoice,
    pub english_us: SayVoice,
    /// Which English callers hear: `en-GB` (default) or `en-US`.
    pub english: String,
}

impl IvrVoices {
    /// Fills what the file and the environment left empty with the defaults.
    pub fn fill_defaults(&mut self) {
        let defaults = Self::default();
        let pairs = [
            (&mut self.cantonese, defaults.cantonese),
            (&mut self.putonghua, defaults.putonghua),
            (&mut self.english_gb, defaults.english_gb),
            (&mut self.english_us, defaults.english_us),
        ];
        for (slot, default) in pairs {
            if slot.voice.is_empty() {
                slot.voice = default.voice;
            }
            if slot.language.is_empty() {
                slot.language = default.language;
            }
        }
    }
}

impl Default for IvrVoices {
    fn default() -> Self {
        Self {
            cantonese: SayVoice::new("Google.yue-HK-Standard-A", "yue-HK"),
            putonghua: SayVoice::new("Polly.Zhiyu-Neural", "cmn-CN"),
            english_gb: SayVoice::new("Polly.Amy-Neural", "en-GB"),
            english_us: SayVoice::new("Polly.Joanna-Neural", "en-US"),
            english: "en-GB".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioConfig {
    pub account_sid: Option<String>,
    pub auth_token: Option<SecretString>,
    pub api_base: Option<String>,
    pub from_number: Option<String>,
    /// The secret of a Webhooks-Rule SharedKey, when Twilio signs the voice line's
    /// webhooks with it (HMAC-SHA256) instead of the auth token.
    pub webhook_shared_key: Option<SecretString>,
    /// A pool of sender numbers used in turn, each paced on its own (instead of
    /// `from_number`).
    pub from_numbers: Vec<String>,
    /// A Messaging Service (Twilio pools the senders); wins over the numbers.
    pub messaging_service_sid: Option<String>,
    /// How many senders the Messaging Service has: we pace at that many times the
    /// per-sender rate.
    pub messaging_service_senders: u32,
}

impl TwilioConfig {
    /// Whether SMS has someone to be sent as: a number, a pool, or a Messaging Service.
    pub fn has_sender(&self) -> bool {
        self.from_number.is_some()
            || !self.from_numbers.is_empty()
            || self.messaging_service_sid.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub url: Option<SecretString>,
    pub from: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FcmConfig {
    pub project_id: Option<String>,
    pub credentials_file: Option<PathBuf>,
    pub api_base: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifierConfig {
    /// Health and metrics of a notifier running alone.
    pub addr: String,
    pub outbox_dir: PathBuf,
    pub poll_interval_ms: u64,
    pub lease_secs: u64,
    pub fold_window_secs: u64,
    pub batch_size: u32,
    /// SMS pacing per sender number and notifier process; 0: none.
    pub sms_per_sender_per_sec: u32,
    /// First retry delay of a failed delivery; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Font (Latin + CJK, TrueType file or collection) embedded in the postal batch PDF;
    /// none: the WenQuanYi Micro Hei that ships inside the binary (`notifier/fonts/`).
    pub postal_font: Option<PathBuf>,
    /// The letterhead of postal letters, one line per `\n` (the Office's name).
    pub postal_letterhead: String,
    /// The return address printed above the address block (undeliverable mail comes back
    /// there), one line.
    pub postal_return_address: String,
    /// Days delivered notification jobs, delivery receipts and voice calls are kept.
    pub keep_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Key of the HMAC under which one-time codes are stored. Never the default in
    /// production.
    pub code_key: SecretString,
    /// AES-256-GCM keys sealing secrets kept for later (`id:base64,...`; the first
    /// seals, all open). Never the development keys in production.
    pub seal_keys: SecretString,
    pub argon2: Argon2Cost,
    /// Threads that run Argon2 (0: one per core) and tries that may wait for one (0: four
    /// per thread); beyond them a try is refused as busy (see `hash_pool`).
    pub argon2_threads: usize,
    pub argon2_queue: usize,
    pub session_ttl_minutes: i64,
    pub code_ttl_minutes: i64,
    pub access_key_max_failures: u32,
    pub account_max_failures: u32,
    pub account_window_secs: i64,
    pub account_lock_secs: i64,
    pub provider_max_failures: u32,
    /// Asking for a code (issue 11): per identifier typed, per client address, within
    /// `code_request_window_secs`; and in all, per minute.
    pub code_requests_per_identifier: u32,
    pub code_requests_per_client: u32,
    pub code_request_window_secs: i64,
    pub code_requests_global_per_minute: u32,
    /// Codes sent to one mobile number or email address an hour, whatever the subject.
    pub codes_per_destination_per_hour: u32,
    /// Country calling codes whose mobile numbers may receive codes by SMS.
    pub sms_code_countries: Vec<String>,
    /// Wrong identities on the voice line from all callers together within
    /// `account_window_secs` before the line stops checking identities for
    /// `account_lock_secs`: a ceiling on distributed guessing (issue 11).
    pub ivr_global_max_failures: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            database: DatabaseConfig::default(),
            api: ApiConfig::default(),
            ivr: IvrConfig::default(),
            twilio: TwilioConfig::default(),
            smtp: SmtpConfig::default(),
            fcm: FcmConfig::default(),
            notifier: NotifierConfig::default(),
            security: SecurityConfig::default(),
            webauthn: WebauthnConfig::default(),
            audit: Default::default(),
            demo_on_first_start: true,
            metrics: MetricsConfig::default(),
            providers: ProvidersConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/ehealth.db".to_owned(),
            pool_size: 8,
            connect_timeout_secs: 5,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".to_owned(),
            trust_forwarded_for: false,
            portal_idle_secs: 900,
            portal_session_max_hours: 12,
        }
    }
}

impl Default for IvrConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8081".to_owned(),
            public_url: "http://127.0.0.1:8081".to_owned(),
            operator_number: None,
            forwarded_header: None,
            refused_max_per_source: 30,
            refused_window_secs: 300,
            voices: IvrVoices::default(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            url: None,
            from: "eHealth <no-reply@ehealth.example>".to_owned(),
        }
    }
}

impl Default for NotifierConfig {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8082".to_owned(),
            outbox_dir: PathBuf::from("outbox"),
            poll_interval_ms: 1_000,
            lease_secs: 60,
            fold_window_secs: 300,
            batch_size: 32,
            sms_per_sender_per_sec: 10,
            backoff_base_ms: 5_000,
            postal_font: None,
            postal_letterhead: "Electronic Health Record Registration Office\n電子健康紀錄登記處"
                .to_owned(),
            postal_return_address: "eHR Registration Office, GPO Box 1000, Hong Kong".to_owned(),
            keep_days: 90,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            code_key: SecretString::from(DEFAULT_CODE_KEY),
            seal_keys: SecretString::from(crate::seal::DEVELOPMENT_KEYS),
            argon2: Argon2Cost::default(),
            argon2_threads: 0,
            argon2_queue: 0,
            session_ttl_minutes: 30,
            code_ttl_minutes: 10,
            access_key_max_failures: 5,
            account_max_failures: 10,
            account_window_secs: 600,
            account_lock_secs: 900,
            provider_max_failures: 50,
            code_requests_per_identifier: 5,
            code_requests_per_client: 20,
            code_request_window_secs: 900,
            code_requests_global_per_minute: 600,
            codes_per_destination_per_hour: 5,
            sms_code_countries: vec!["852".to_owned(), "853".to_owned(), "86".to_owned()],
            ivr_global_max_failures: 1000,
        }
    }
}

impl SecurityConfig {
    /// Wrong access keys lock the key until the patient makes a new one.
    pub fn access_key_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.access_key_max_failures,
            window: None,
            lock_for: None,
        }
    }

    /// Wrong guesses by one account (or caller) throttle it for a while.
    pub fn account_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.account_max_failures,
            window: Some(chrono::Duration::seconds(self.account_window_secs)),
            lock_for: Some(chrono::Duration::seconds(self.account_lock_secs)),
        }
    }

    pub fn provider_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.provider_max_failures,
            ..self.account_policy()
        }
    }
}

impl Config {
    /// Defaults, then `path` (or `EHEALTH_CONFIG`, or `ehealth.toml` if present), then the
    /// process environment; then the checks.
    pub fn load(path: Option<&Path>) -> Result<Self, CoreError> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let config = Self::from_sources(path, &vars)?;
        config.check()?;
        Ok(config)
    }

    /// The layering of [`Config::load`] over the given environment `vars` (tests pass
    /// their own), without the checks.
    pub fn from_sources(path: Option<&Path>, vars: &[(String, String)]) -> Result<Self, CoreError> {
        let named = |name: &str| {
            vars.iter()
                .find(|(n, v)| n == name && !v.is_empty())
                .map(|(_, v)| PathBuf::from(v))
        };
        let file = path
            .map(Path::to_path_buf)
            .or_else(|| named("EHEALTH_CONFIG"))
            .or_else(|| Some(PathBuf::from("ehealth.toml")).filter(|p| p.exists()));
        let text = match &file {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                CoreError::invalid("config", format!("cannot read {}: {e}", p.display()))
            })?),
            None => None,
        };
        let env = sources::Environment::read(vars)?;
        sources::layered(file.as_deref().zip(text.as_deref()), env)
    }

    /// The defaults and a TOML file's settings (no environment).
    pub fn from_toml(text: &str) -> Result<Self, CoreError> {
        sources::layered(
            Some((Path::new("the configuration file"), text)),
            sources::Environment::read(&[])?,
        )
    }

    /// Refuses settings that must never reach production.
    pub fn check(&self) -> Result<(), CoreError> {
        if self.database.pool_size == 0 {
            return Err(CoreError::invalid(
                "database.pool_size",
                "must be at least 1",
            ));
        }
        if !matches!(self.ivr.voices.english.as_str(), "en-GB" | "en-US") {
            return Err(CoreError::invalid("EHEALTH_IVR_ENGLISH", "en-GB or en-US"));
        }
        let seal_keys = crate::seal::parse_keys(self.security.seal_keys.expose_secret())?;
        self.audit.check(false)?;
        if self.mode != Mode::Production {
            return Ok(());
        }
        if self.security.code_key.expose_secret() == DEFAULT_CODE_KEY
            || self.security.code_key.expose_secret().len() < 32
        {
            return Err(CoreError::invalid(
                "EHEALTH_CODE_KEY",
                "production mode needs a secret code key of at least 32 characters",
            ));
        }
        if seal_keys.iter().any(|(id, key)| {
            id == crate::seal::DEVELOPMENT_KEY_ID || crate::seal::is_development_key(key)
        }) {
            return Err(CoreError::invalid(
                "EHEALTH_SEAL_KEYS",
                "production mode needs sealing keys of its own, not the development key",
            ));
        }
        if self.demo_on_first_start {
            return Err(CoreError::invalid(
                "EHEALTH_DEMO",
                "demo data must not be loaded in production",
            ));
        }
        self.check_production_channels()?;
        if self.security.argon2.memory_kib < Argon2Cost::default().memory_kib {
            return Err(CoreError::invalid(
                "security.argon2.memory_kib",
                "production needs at least the default Argon2 cost",
            ));
        }
        self.audit.check(true)?;
        self.check_production_metrics()
    }

    /// The public listener must not show `/metrics` in production (issue 11).
    fn check_production_metrics(&self) -> Result<(), CoreError> {
        match &self.metrics.token {
            Some(t) if t.expose_secret().len() >= 32 => Ok(()),
            _ => Err(CoreError::invalid(
                "EHEALTH_METRICS_TOKEN",
                "production mode needs a metrics token of at least 32 characters",
            )),
        }
    }

    /// Production delivers through the real providers: without them the notifier would
    /// fall back to the local outbox, writing access keys and sign-in codes to files and
    /// marking them sent. And Twilio must be able to reach the voice line and the SMS
    /// status callback at a public HTTPS address.
    fn check_production_channels(&self) -> Result<(), CoreError> {
        let needed: [(&'static str, bool); 6] = [
            ("TWILIO_ACCOUNT_SID", self.twilio.account_sid.is_some()),
            ("TWILIO_AUTH_TOKEN", self.twilio.auth_token.is_some()),
            ("TWILIO_FROM_NUMBER", self.twilio.has_sender()),
            ("SMTP_URL", self.smtp.url.is_some()),
            ("FCM_PROJECT_ID", self.fcm.project_id.is_some()),
            ("FCM_CREDENTIALS_FILE", self.fcm.credentials_file.is_some()),
        ];
        if let Some(&(name, _)) = needed.iter().find(|(_, set)| !set) {
            return Err(CoreError::invalid(
                name,
                "production mode needs every notification channel configured; \
                 the local outbox is for development",
            ));
        }
        if !self.ivr.public_url.starts_with("https://") {
            return Err(CoreError::invalid(
                "EHEALTH_IVR_PUBLIC_URL",
                "production mode needs the public https:// address Twilio calls",
            ));
        }
        Ok(())
    }

    /// Where `ehealth notifier` alone serves its health endpoints.
    pub fn notifier_addr(&self) -> String {
        self.notifier.addr.clone()
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }
}

#[cfg(test)]
mod tests;
