//! The WebAuthn relying party (issues 3 and 19): the app's domain, every origin a passkey
//! ceremony may come from (the web page, the Android app's signing-key hash, ...), and what
//! `/.well-known/assetlinks.json` and `/.well-known/apple-app-site-association` say so that
//! the phones let the native apps use the domain's passkeys. The defaults suit a local run.

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebauthnConfig {
    pub rp_id: String,
    /// Every accepted origin. `rp_origin` (one string, the old name) is read as a list of
    /// one.
    #[serde(alias = "rp_origin", deserialize_with = "one_or_many")]
    pub rp_origins: Vec<String>,
    pub rp_name: String,
    /// Android apps that may use the domain's passkeys (Digital Asset Links).
    pub android_apps: Vec<AndroidApp>,
    /// iOS apps (`<team id>.<bundle id>`) that may use them (`webcredentials`).
    pub ios_apps: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AndroidApp {
    pub package_name: String,
    /// SHA-256 fingerprints of the app's signing certificate, `AA:BB:...` as `keytool`
    /// prints them.
    pub sha256_cert_fingerprints: Vec<String>,
}

impl Default for WebauthnConfig {
    fn default() -> Self {
        Self {
            rp_id: "localhost".to_owned(),
            rp_origins: vec!["http://localhost:8080".to_owned()],
            rp_name: "eHealth".to_owned(),
            android_apps: Vec::new(),
            ios_apps: Vec::new(),
        }
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_as_a_list_or_the_old_single_string() {
        let c: WebauthnConfig = toml::from_str("rp_origin = \"https://a.example\"").unwrap();
        assert_eq!(c.rp_origins, ["https://a.example"]);
        let c: WebauthnConfig =
            toml::from_str("rp_origins = [\"https://a.example\", \"android:apk-key-hash:x\"]")
                .unwrap();
        assert_eq!(c.rp_origins.len(), 2);
    }
}
