//! The foundation: every service answers health, readiness and metrics; unknown routes
//! get the JSON error shape; the binary runs on SQLite, verifies the audit log and stops
//! gracefully.

mod bench_seed;
mod cli;
mod connection_loss;
mod http_contract;
mod logging;
mod readme_layout;
mod sequencer_crash;
mod shutdown;

use crate::support::json;

both_backends! {
    async fn api_and_ivr_are_ready_on_the_database(app: TestApp) {
        for base in [&app.api, &app.ivr] {
            let r = app.get(&format!("{base}/readyz")).await;
            assert_eq!(r.status(), 200);
            let body = json(r).await;
            assert_eq!(body["status"], "ready");
            assert_eq!(body["database"], app.backend().name());
            assert_eq!(app.get(&format!("{base}/healthz")).await.status(), 200);
        }
    }

    async fn unknown_routes_answer_the_json_error_shape(app: TestApp) {
        let r = app.get(&format!("{}/v1/no-such-thing", app.api)).await;
        assert_eq!(r.status(), 404);
        let body = json(r).await;
        assert_eq!(body["error"]["code"], "not_found");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    async fn metrics_count_requests_by_route_pattern_and_status(app: TestApp) {
        // Labels come sorted by name.
        let route = "method=\"GET\",route=\"/v1/admin/audit/{seq}/proof\",service=\"api\",status=\"401\"";
        let count = |text: &str, labels: &str| -> u64 {
            let prefix = format!("ehealth_http_requests_total{{{labels}}} ");
            text.lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let metrics = || async { app.get(&format!("{}/metrics", app.api)).await.text().await.expect("text") };
        let before = metrics().await;
        for seq in ["4242", "777"] {
            let r = app.get(&format!("{}/v1/admin/audit/{seq}/proof", app.api)).await;
            assert_eq!(r.status(), 401);
        }
        app.get(&format!("{}/nope-91234567", app.api)).await;
        let text = metrics().await;
        // Counted under the pattern, twice; never under the path (the id is no label).
        assert!(count(&text, route) >= count(&before, route) + 2, "{text}");
        // Only the labels: a sample's value (a duration's sum) may hold any digits, and
        // under `cargo test` every test in this binary shares the registry.
        let labels = text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.rsplit_once(' ').map(|(k, _)| k));
        assert!(labels.clone().all(|k| !k.contains("4242") && !k.contains("91234567")), "{text}");
        assert!(labels.clone().any(|k| k.contains("/v1/admin/audit/{seq}/proof")), "{text}");
        let unmatched = "method=\"GET\",route=\"unmatched\",service=\"api\",status=\"404\"";
        assert!(count(&text, unmatched) > count(&before, unmatched), "{text}");
        assert!(text.contains(&format!("ehealth_http_request_duration_seconds_bucket{{{route},le=\"10\"}}")), "{text}");
        assert!(text.contains("ehealth_db_pool_connections{service=\"api\"}"));
    }

    async fn every_answer_carries_a_request_id(app: TestApp) {
        let r = app.get(&format!("{}/healthz", app.api)).await;
        let made = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("an id").to_owned();
        assert_eq!(made.len(), 32, "{made}");
        let again = app.get(&format!("{}/healthz", app.api)).await;
        assert_ne!(again.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some(made.as_str()));
        // The load balancer's id is kept; one that could forge a log line is replaced.
        for (sent, kept) in [("lb-7f3a.01", true), ("a b\"c", false)] {
            let r = app.client.get(format!("{}/v1/no-such-thing", app.ivr)).header("x-request-id", sent)
                .send().await.expect("sent");
            let back = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("an id").to_owned();
            assert_eq!(back == sent, kept, "{sent} -> {back}");
        }
    }

    async fn every_metric_the_monitoring_guide_names_is_exported(app: TestApp) {
        let doc = include_str!("../../docs/monitoring.md");
        let mut named: Vec<&str> = doc
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("ehealth_") && w.len() > "ehealth_".len())
            // The crates' names (`RUST_LOG=ehealth_notifier=debug`) are not metrics.
            .filter(|w| !matches!(*w, "ehealth_api" | "ehealth_core" | "ehealth_ivr" | "ehealth_notifier"))
            .map(|w| ["_bucket", "_sum", "_count"].iter().fold(w, |w, s| w.strip_suffix(s).unwrap_or(w)))
            .collect();
        named.sort_unstable();
        named.dedup();
        assert!(named.len() > 20, "{named:?}");
        // Exported: in a scrape of the api or of the notifier (with its database gauges),
        // or registered in the process's registry (a labelled series appears at its first
        // sample).
        app.get(&format!("{}/healthz", app.api)).await;
        let mut text = app.get(&format!("{}/metrics", app.api)).await.text().await.expect("text");
        text.push_str(&crate::notifier::harness::queue_metrics(&app).await);
        let registered = ehealth_core::metrics::metrics().names();
        for name in named {
            let scraped = text.contains(&format!("# TYPE {name} "));
            assert!(scraped || registered.iter().any(|n| n == name), "docs/monitoring.md names {name}, which is not exported");
        }
    }
}
