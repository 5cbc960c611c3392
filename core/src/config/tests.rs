use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn from_env(pairs: &[(&str, &str)]) -> Result<Config, CoreError> {
    Config::from_sources(Some(Path::new("/dev/null")), &vars(pairs))
}

fn with_file(text: &str, pairs: &[(&str, &str)]) -> Result<Config, CoreError> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ehealth.toml");
    std::fs::write(&path, text).expect("write");
    Config::from_sources(Some(&path), &vars(pairs))
}

#[test]
fn environment_wins_over_the_file_and_the_file_over_the_defaults() {
    let file =
        "[database]\nurl = \"sqlite://file.db\"\npool_size = 3\n[api]\naddr = \"0.0.0.0:1\"\n";
    let c = with_file(file, &[]).expect("file");
    assert_eq!(c.database.url, "sqlite://file.db");
    assert_eq!(c.database.pool_size, 3);
    assert_eq!(c.database.connect_timeout_secs, 5, "the default");
    let c = with_file(file, &[("DATABASE_URL", "postgres://x/y")]).expect("env");
    assert_eq!(c.database.url, "postgres://x/y");
    assert_eq!(c.api.addr, "0.0.0.0:1");
}

#[test]
fn every_setting_has_an_environment_name_by_the_one_rule() {
    let c = from_env(&[
        ("EHEALTH_DATABASE__CONNECT_TIMEOUT_SECS", "9"),
        ("EHEALTH_SECURITY__ARGON2__MEMORY_KIB", "65536"),
        ("EHEALTH_IVR__VOICES__CANTONESE__LANGUAGE", "zh-HK"),
        ("EHEALTH_SECURITY__SMS_CODE_COUNTRIES", "852, 1"),
        ("EHEALTH_API__TRUST_FORWARDED_FOR", "true"),
        ("EHEALTH_DEMO_ON_FIRST_START", "false"),
        ("EHEALTH_MODE", "production"),
        ("EHEALTH_METRICS__TOKEN", "t"),
        ("EHEALTH_NOTIFIER__POSTAL_LETTERHEAD", "One\\nTwo"),
    ])
    .expect("env");
    assert_eq!(c.database.connect_timeout_secs, 9);
    assert_eq!(c.security.argon2.memory_kib, 65536);
    assert_eq!(c.ivr.voices.cantonese.language, "zh-HK");
    assert_eq!(
        c.ivr.voices.cantonese.voice, "Google.yue-HK-Standard-A",
        "the rest stays"
    );
    assert_eq!(c.security.sms_code_countries, ["852", "1"]);
    assert!(c.api.trust_forwarded_for);
    assert!(!c.demo_on_first_start);
    assert_eq!(c.mode, Mode::Production);
    assert_eq!(
        c.metrics.token.as_ref().map(|t| t.expose_secret()),
        Some("t")
    );
    assert_eq!(c.notifier.postal_letterhead, "One\nTwo");
    // Every leaf the structs have gets a distinct name.
    let keys = sources::keys();
    assert!(keys.len() > 60, "the walk reached every section: {keys:?}");
    let mut names: Vec<String> = keys.iter().map(|k| k.env_name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), keys.len());
}

#[test]
fn the_rules_name_wins_over_the_old_alias() {
    let c = from_env(&[
        ("EHEALTH_API_ADDR", "0.0.0.0:1"),
        ("EHEALTH_API__ADDR", "0.0.0.0:2"),
        ("TWILIO_FROM_NUMBERS", "+85260000001,+85260000002"),
        ("EHEALTH_WEBAUTHN_RP_ORIGINS", "https://a, android:b"),
        ("EHEALTH_DEMO", "0"),
        ("EHEALTH_IVR_VOICE_EN_GB", "Polly.Brian-Neural"),
    ])
    .expect("env");
    assert_eq!(c.api.addr, "0.0.0.0:2");
    assert_eq!(c.ivr.voices.english_gb.voice, "Polly.Brian-Neural");
    assert_eq!(c.ivr.voices.english_gb.language, "en-GB");
    assert_eq!(c.twilio.from_numbers, ["+85260000001", "+85260000002"]);
    assert_eq!(c.webauthn.rp_origins, ["https://a", "android:b"]);
    assert!(!c.demo_on_first_start);
}

#[test]
fn bad_values_name_the_variable_and_never_echo_the_value() {
    let message = |pairs: &[(&str, &str)]| from_env(pairs).expect_err("refused").to_string();
    let m = message(&[("EHEALTH_DATABASE_POOL_SIZE", "eight")]);
    assert!(
        m.contains("EHEALTH_DATABASE_POOL_SIZE") && m.contains("whole number"),
        "{m}"
    );
    assert!(!m.contains("eight"), "{m}");
    let m = message(&[("EHEALTH_SECURITY__ACCOUNT_LOCK_SECS", "soon")]);
    assert!(m.contains("EHEALTH_SECURITY__ACCOUNT_LOCK_SECS"), "{m}");
    let m = message(&[("EHEALTH_MODE", "prod")]);
    assert!(m.contains("EHEALTH_MODE"), "{m}");
    let m = message(&[("EHEALTH_API__TRUST_FORWARDED_FOR", "maybe")]);
    assert!(m.contains("EHEALTH_API__TRUST_FORWARDED_FOR"), "{m}");
    let m = message(&[("EHEALTH_DATABASE__POOL_SIZ", "3")]);
    assert!(
        m.contains("EHEALTH_DATABASE__POOL_SIZ is not a setting"),
        "{m}"
    );
    // Out of range for the field's type: figment's error, still named.
    let m = message(&[("TWILIO_MESSAGING_SERVICE_SENDERS", "99999999999")]);
    assert!(m.contains("TWILIO_MESSAGING_SERVICE_SENDERS"), "{m}");
    let m = with_file("[database]\npool_size = \"x\"\n", &[])
        .expect_err("file")
        .to_string();
    assert!(m.contains("database.pool_size"), "{m}");
}

#[test]
fn unknown_keys_in_the_file_are_refused() {
    assert!(Config::from_toml("[database]\nulr = \"typo\"\n").is_err());
    assert!(Config::from_toml("[database]\nurl = \"ok\"\n").is_ok());
}

#[test]
fn other_variables_are_left_alone() {
    let c = from_env(&[
        ("EHEALTH_CONFIG", "/elsewhere.toml"),
        ("EHEALTH_LOG_FORMAT", "json"),
        ("EHEALTH_TEST_POSTGRES", "required"),
        ("PATH", "/usr/bin"),
        ("DATABASE_URL", ""),
    ])
    .expect("ignored");
    assert_eq!(
        c.database.url,
        DatabaseConfig::default().url,
        "empty is unset"
    );
}

#[test]
fn production_refuses_default_secrets_and_demo_data() {
    let mut env = vec![("EHEALTH_MODE", "production")];
    let check = |env: &[(&str, &str)]| from_env(env).expect("env").check();
    assert_eq!(
        check(&env).expect_err("default key").field(),
        Some("EHEALTH_CODE_KEY")
    );
    env.push(("EHEALTH_CODE_KEY", "0123456789abcdef0123456789abcdef"));
    assert_eq!(
        check(&env).expect_err("dev seal keys").field(),
        Some("EHEALTH_SEAL_KEYS")
    );
    // The development key under another id is refused too.
    let dev_key = crate::seal::DEVELOPMENT_KEYS.replacen("dev:", "k1:", 1);
    env.push(("EHEALTH_SEAL_KEYS", &dev_key));
    assert_eq!(
        check(&env).expect_err("dev key renamed").field(),
        Some("EHEALTH_SEAL_KEYS")
    );
    env.pop();
    env.push((
        "EHEALTH_SEAL_KEYS",
        "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ));
    assert_eq!(check(&env).expect_err("demo").field(), Some("EHEALTH_DEMO"));
    env.push(("EHEALTH_DEMO", "0"));
    // Every channel's provider, one at a time, then the public voice-line address.
    let channels = [
        ("TWILIO_ACCOUNT_SID", "AC123"),
        ("TWILIO_AUTH_TOKEN", "token"),
        ("TWILIO_FROM_NUMBER", "+85260000000"),
        ("SMTP_URL", "smtps://user:pass@mail.example:465"),
        ("FCM_PROJECT_ID", "ehealth-hk"),
        ("FCM_CREDENTIALS_FILE", "/etc/ehealth/fcm.json"),
    ];
    for (name, value) in channels {
        assert_eq!(check(&env).expect_err(name).field(), Some(name));
        env.push((name, value));
    }
    assert_eq!(
        check(&env).expect_err("public url").field(),
        Some("EHEALTH_IVR_PUBLIC_URL")
    );
    env.push(("EHEALTH_IVR_PUBLIC_URL", "https://ivr.ehealth.example"));
    assert_eq!(
        check(&env).expect_err("audit key").field(),
        Some("EHEALTH_AUDIT_SIGNING_KEY")
    );
    env.push((
        "EHEALTH_AUDIT_SIGNING_KEY",
        "cHJvZHVjdGlvbi1rZXktMzItYnl0ZXMtbG9uZy0wMDA=",
    ));
    assert_eq!(
        check(&env).expect_err("metrics token").field(),
        Some("EHEALTH_METRICS_TOKEN")
    );
    env.push(("EHEALTH_METRICS_TOKEN", "fedcba9876543210fedcba9876543210"));
    assert!(check(&env).is_ok());
    assert!(
        Config::default().check().is_ok(),
        "development accepts defaults"
    );
}

/// docs/configuration.md lists every setting by its file key and environment name, and
/// every name it lists is real.
#[test]
fn the_documentation_lists_every_setting_and_only_real_names() {
    let doc = include_str!("../../../docs/configuration.md");
    let keys = sources::keys();
    for key in &keys {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", key.dotted())));
        let row = row
            .unwrap_or_else(|| panic!("docs/configuration.md has no row for `{}`", key.dotted()));
        assert!(
            row.contains(&format!("`{}`", key.env_name())),
            "the row of `{}` names {}",
            key.dotted(),
            key.env_name()
        );
    }
    for (alias, dotted) in sources::ALIASES {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{dotted}` |")))
            .unwrap_or_else(|| panic!("no row for `{dotted}`"));
        assert!(
            row.contains(&format!("`{alias}`")),
            "the row of `{dotted}` names {alias}"
        );
    }
    // Every backquoted upper-case name in the tables is a setting, an alias or one of the
    // few variables read outside the configuration.
    let outside = [
        "EHEALTH_CONFIG",
        "EHEALTH_LOG_FORMAT",
        "RUST_LOG",
        "NO_COLOR",
    ];
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        for name in line.split('`').skip(1).step_by(2) {
            let is_name = name.len() > 3
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !is_name {
                continue;
            }
            let real = keys.iter().any(|k| k.env_name() == name)
                || sources::ALIASES.iter().any(|(a, _)| *a == name)
                || outside.contains(&name);
            assert!(
                real,
                "docs/configuration.md names {name}, which nothing reads"
            );
        }
    }
}
