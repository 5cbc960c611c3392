//! The layering (issue 17): the structs' defaults, then the TOML file, then the
//! environment, merged by `figment`. Every setting has an environment name by one rule,
//! `EHEALTH_SECTION__KEY` (derived from the structs, [`super::keys`]); the names
//! documented before that rule stay as aliases, below the rule's names when both are set.

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::keys::{keys_of, Key, Kind};
use super::Config;
use crate::error::CoreError;

/// The names documented before `EHEALTH_SECTION__KEY`, and the key each sets.
pub const ALIASES: &[(&str, &str)] = &[
    ("DATABASE_URL", "database.url"),
    ("EHEALTH_DATABASE_POOL_SIZE", "database.pool_size"),
    ("EHEALTH_API_ADDR", "api.addr"),
    ("EHEALTH_TRUST_FORWARDED_FOR", "api.trust_forwarded_for"),
    ("EHEALTH_IVR_ADDR", "ivr.addr"),
    ("EHEALTH_IVR_PUBLIC_URL", "ivr.public_url"),
    ("EHEALTH_IVR_OPERATOR_NUMBER", "ivr.operator_number"),
    ("EHEALTH_IVR_FORWARDED_HEADER", "ivr.forwarded_header"),
    ("EHEALTH_IVR_VOICE_CANTONESE", "ivr.voices.cantonese.voice"),
    ("EHEALTH_IVR_VOICE_PUTONGHUA", "ivr.voices.putonghua.voice"),
    ("EHEALTH_IVR_VOICE_EN_GB", "ivr.voices.english_gb.voice"),
    ("EHEALTH_IVR_VOICE_EN_US", "ivr.voices.english_us.voice"),
    ("EHEALTH_IVR_ENGLISH", "ivr.voices.english"),
    ("TWILIO_ACCOUNT_SID", "twilio.account_sid"),
    ("TWILIO_AUTH_TOKEN", "twilio.auth_token"),
    ("TWILIO_WEBHOOK_SHARED_KEY", "twilio.webhook_shared_key"),
    ("TWILIO_API_BASE", "twilio.api_base"),
    ("TWILIO_FROM_NUMBER", "twilio.from_number"),
    ("TWILIO_FROM_NUMBERS", "twilio.from_numbers"),
    (
        "TWILIO_MESSAGING_SERVICE_SID",
        "twilio.messaging_service_sid",
    ),
    (
        "TWILIO_MESSAGING_SERVICE_SENDERS",
        "twilio.messaging_service_senders",
    ),
    ("SMTP_URL", "smtp.url"),
    ("EHEALTH_SMTP_FROM", "smtp.from"),
    ("FCM_PROJECT_ID", "fcm.project_id"),
    ("FCM_CREDENTIALS_FILE", "fcm.credentials_file"),
    ("FCM_API_BASE", "fcm.api_base"),
    ("EHEALTH_NOTIFIER_ADDR", "notifier.addr"),
    ("EHEALTH_OUTBOX_DIR", "notifier.outbox_dir"),
    ("EHEALTH_FOLD_WINDOW_SECS", "notifier.fold_window_secs"),
    (
        "EHEALTH_SMS_PER_SENDER_PER_SEC",
        "notifier.sms_per_sender_per_sec",
    ),
    (
        "EHEALTH_NOTIFIER_BACKOFF_BASE_MS",
        "notifier.backoff_base_ms",
    ),
    ("EHEALTH_POSTAL_FONT", "notifier.postal_font"),
    ("EHEALTH_POSTAL_LETTERHEAD", "notifier.postal_letterhead"),
    (
        "EHEALTH_POSTAL_RETURN_ADDRESS",
        "notifier.postal_return_address",
    ),
    ("EHEALTH_CODE_KEY", "security.code_key"),
    ("EHEALTH_SEAL_KEYS", "security.seal_keys"),
    ("EHEALTH_WEBAUTHN_RP_ID", "webauthn.rp_id"),
    ("EHEALTH_WEBAUTHN_RP_ORIGIN", "webauthn.rp_origins"),
    ("EHEALTH_WEBAUTHN_RP_ORIGINS", "webauthn.rp_origins"),
    ("EHEALTH_METRICS_TOKEN", "metrics.token"),
    ("EHEALTH_AUDIT_SIGNING_KEY", "audit.signing_key"),
    ("EHEALTH_AUDIT_ORIGIN", "audit.origin"),
    ("EHEALTH_DEMO", "demo_on_first_start"),
];

/// Field names the walk must not visit as fields of their own: serde lists a field's
/// aliases among the struct's fields (`rp_origin` is the old name of `rp_origins`).
pub(super) const FIELD_ALIASES: &[&str] = &["rp_origin"];

/// Leaves whose kind the walk cannot see (read through an untagged enum).
const KIND_OF: &[(&str, Kind)] = &[("webauthn.rp_origins", Kind::List)];

/// Every setting of [`Config`], with its kind.
pub fn keys() -> Vec<Key> {
    keys_of::<Config>()
        .into_iter()
        .map(|mut k| {
            let dotted = k.dotted();
            if let Some((_, kind)) = KIND_OF.iter().find(|(d, _)| *d == dotted) {
                k.kind = *kind;
            }
            k
        })
        .collect()
}

/// The environment's settings as a figment layer, and which variable set each key (to
/// name it in errors).
pub struct Environment {
    dict: Dict,
    set_by: BTreeMap<String, String>,
}

impl Environment {
    /// Reads the settings among `vars`; empty values count as unset. Names that are not
    /// settings (`EHEALTH_CONFIG`, `EHEALTH_LOG_FORMAT`, other programs' variables) are
    /// left alone, except a name that looks like a setting (`EHEALTH_..__..`) and is not
    /// one: a typo is refused, not ignored.
    pub fn read(vars: &[(String, String)]) -> Result<Self, CoreError> {
        let keys = keys();
        let mut env = Self {
            dict: Dict::new(),
            set_by: BTreeMap::new(),
        };
        let present = |name: &str| {
            vars.iter()
                .find(|(n, v)| n == name && !v.is_empty())
                .map(|(_, v)| v.as_str())
        };
        // Aliases first, so the rule's own names win when both are set.
        for (name, dotted) in ALIASES {
            let Some(value) = present(name) else { continue };
            let key = keys.iter().find(|k| k.dotted() == *dotted).ok_or_else(|| {
                CoreError::Internal(format!("alias {name} names no setting {dotted}"))
            })?;
            env.set(key, name, value)?;
        }
        for (name, value) in vars.iter().filter(|(_, v)| !v.is_empty()) {
            if let Some(key) = keys.iter().find(|k| k.env_name() == *name) {
                env.set(key, name, value)?;
            } else if name.starts_with("EHEALTH_") && name.contains("__") {
                return Err(CoreError::invalid(
                    "config",
                    format!("{name} is not a setting (see docs/configuration.md)"),
                ));
            }
        }
        Ok(env)
    }

    fn set(&mut self, key: &Key, name: &str, raw: &str) -> Result<(), CoreError> {
        let value = parse(key, raw).map_err(|why| {
            // Never the value itself: it may be a secret.
            CoreError::invalid("config", format!("{name} (`{}`): {why}", key.dotted()))
        })?;
        insert(&mut self.dict, &key.path, value);
        self.set_by.insert(key.dotted(), name.to_owned());
        Ok(())
    }
}

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// An environment value as its key's kind reads it.
fn parse(key: &Key, raw: &str) -> Result<Value, String> {
    let raw = raw.trim();
    Ok(match key.kind {
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::from(true),
            "0" | "false" | "no" | "off" => Value::from(false),
            _ => return Err("must be true or false".to_owned()),
        },
        Kind::Integer => match (raw.parse::<u64>(), raw.parse::<i64>()) {
            (Ok(n), _) => Value::from(n),
            (_, Ok(n)) => Value::from(n),
            _ => return Err("must be a whole number".to_owned()),
        },
        Kind::Float => Value::from(raw.parse::<f64>().map_err(|_| "must be a number")?),
        // A list of tables (`webauthn.android_apps`) in TOML's inline syntax.
        Kind::List if raw.starts_with('[') => {
            let parsed: toml::Table = toml::from_str(&format!("v = {raw}"))
                .map_err(|_| "must be a TOML list, e.g. [\"a\", \"b\"] or [{ k = \"v\" }]")?;
            parsed
                .get("v")
                .map(Value::serialize)
                .and_then(Result::ok)
                .ok_or("must be a TOML list")?
        }
        Kind::List => Value::from(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::from(s.to_owned()))
                .collect::<Vec<_>>(),
        ),
        // The letterhead's lines: a newline is written `\n` in an environment variable.
        Kind::Text if key.dotted() == "notifier.postal_letterhead" => {
            Value::from(raw.replace("\\n", "\n"))
        }
        Kind::Text => Value::from(raw.to_owned()),
    })
}

fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        dict.insert((*first).to_owned(), value);
        return;
    }
    let entry = dict
        .entry((*first).to_owned())
        .or_insert_with(|| Value::from(Dict::new()));
    if entry.as_dict().is_none() {
        *entry = Value::from(Dict::new());
    }
    if let Value::Dict(_, inner) = entry {
        insert(inner, rest, value);
    }
}

/// Defaults, then the file (`text`, read from `origin`), then the environment.
pub fn layered(file: Option<(&Path, &str)>, env: Environment) -> Result<Config, CoreError> {
    let mut figment = Figment::new();
    if let Some((_, text)) = file {
        figment = figment.merge(Toml::string(text));
    }
    let set_by = env.set_by.clone();
    let figment = figment.merge(env);
    let mut config = figment.extract::<Config>().map_err(|errors| {
        let origin = file.map(|(p, _)| p.display().to_string());
        let lines: Vec<String> = errors
            .into_iter()
            .map(|e| describe(&e, &set_by, origin.as_deref()))
            .collect();
        CoreError::invalid("config", lines.join("; "))
    })?;
    config.ivr.voices.fill_defaults();
    Ok(config)
}

/// One figment error, naming the variable (or the file key) that holds the bad value.
fn describe(e: &figment::Error, set_by: &BTreeMap<String, String>, file: Option<&str>) -> String {
    let dotted = e.path.join(".");
    let from_env = e.metadata.as_ref().is_some_and(|m| m.name == "environment");
    let place = match (set_by.get(&dotted), from_env, file) {
        (Some(name), true, _) => format!("{name} (`{dotted}`)"),
        (_, _, Some(file)) if !dotted.is_empty() => format!("`{dotted}` in {file}"),
        _ if !dotted.is_empty() => format!("`{dotted}`"),
        _ => "configuration".to_owned(),
    };
    format!("{place}: {}", e.kind)
}
