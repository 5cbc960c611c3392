//! The binary's operator surface of issue 17: JSON logs with the request's span, bad
//! settings named, help and completions.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ehealth(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .args(args)
        .env_remove("EHEALTH_CONFIG")
        .envs(env.iter().copied())
        .output()
        .expect("run ehealth")
}

/// `EHEALTH_LOG_FORMAT=json`: one JSON object per line; the request's line carries its
/// id (the load balancer's), the route pattern and the status, and neither the path's
/// identifier nor the query string.
#[test]
fn json_logs_carry_the_request_span_and_no_path_or_query() {
    let dir = tempfile::TempDir::new().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ehealth"))
        .arg("api")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("e.db").display()),
        )
        .env("EHEALTH_API_ADDR", "127.0.0.1:0")
        .env("EHEALTH_DEMO", "0")
        .env("EHEALTH_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("EHEALTH_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ehealth api");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let addr = lines
        .by_ref()
        .find_map(|l| {
            let url = l
                .trim()
                .strip_prefix("api")?
                .split_whitespace()
                .next()?
                .to_owned();
            url.strip_prefix("http://").map(str::to_owned)
        })
        .expect("the api's address in the banner");
    let mut s = TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "GET /v1/admin/audit/424242/proof?token=secret-in-the-query HTTP/1.1\r\nHost: {addr}\r\n\
         x-request-id: lb-trace.0001\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-request-id: lb-trace.0001"),
        "{answer}"
    );
    let line = lines
        .find(|l| l.contains("\"answered\""))
        .expect("the request's log line");
    let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(event["message"], "answered", "{line}");
    assert_eq!(event["status"], 401, "{line}");
    assert_eq!(event["span"]["request_id"], "lb-trace.0001", "{line}");
    assert_eq!(
        event["span"]["route"], "/v1/admin/audit/{seq}/proof",
        "{line}"
    );
    assert!(
        !line.contains("424242") && !line.contains("secret-in-the-query"),
        "{line}"
    );
}

#[test]
fn a_bad_setting_stops_the_start_naming_the_variable_not_the_value() {
    let out = ehealth(
        &["migrate"],
        &[
            ("EHEALTH_DATABASE__POOL_SIZE", "eight"),
            ("DATABASE_URL", "sqlite://unused.db"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("EHEALTH_DATABASE__POOL_SIZE"), "{stderr}");
    assert!(!stderr.contains("eight"), "{stderr}");
    let out = ehealth(&["migrate"], &[("EHEALTH_LOG_FORMAT", "xml")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EHEALTH_LOG_FORMAT"));
}

#[test]
fn help_describes_the_flags_and_completions_are_generated() {
    let help = ehealth(&["postal", "batch", "--help"], &[]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{text}");
    assert!(
        text.contains("--date <YYYY-MM-DD>") && text.contains("mailing date"),
        "{text}"
    );
    for shell in ["bash", "zsh", "fish"] {
        // No configuration needed, even a broken one.
        let out = ehealth(&["completions", shell], &[("EHEALTH_MODE", "nonsense")]);
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{shell}");
        assert!(
            script.contains("ehealth") && script.contains("sequence"),
            "{shell}: {script}"
        );
    }
}
