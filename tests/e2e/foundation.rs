//! The foundation: every service answers health, readiness and metrics; unknown routes
//! get the JSON error shape; the binary runs on SQLite, verifies the audit log and stops
//! gracefully.

mod cli;
mod connection_loss;
mod http_contract;
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

    async fn metrics_count_requests_by_status_class(app: TestApp) {
        app.get(&format!("{}/healthz", app.api)).await;
        app.get(&format!("{}/nope", app.api)).await;
        let text = app.get(&format!("{}/metrics", app.api)).await.text().await.expect("text");
        let count = |class: &str| -> u64 {
            let prefix = format!("ehealth_http_requests_total{{service=\"api\",class=\"{class}\"}} ");
            text.lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {class} counter in:\n{text}"))
        };
        assert!(count("2xx") >= 1);
        assert_eq!(count("4xx"), 1);
        assert!(text.contains("ehealth_db_pool_connections{service=\"api\"}"));
    }
}
