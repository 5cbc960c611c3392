//! Running the services: all in one process, or one each.

use std::net::TcpListener;
use std::process::ExitCode;

use anyhow::Context;
use ehealth_core::actions::demo::DemoSummary;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy)]
pub struct Parts {
    api: bool,
    ivr: bool,
    notifier: bool,
}

impl Parts {
    pub const ALL: Self = Self {
        api: true,
        ivr: true,
        notifier: true,
    };
    pub const API: Self = Self {
        api: true,
        ivr: false,
        notifier: false,
    };
    pub const IVR: Self = Self {
        api: false,
        ivr: true,
        notifier: false,
    };
    pub const NOTIFIER: Self = Self {
        api: false,
        ivr: false,
        notifier: true,
    };
}

pub fn run(config: Config, parts: Parts) -> anyhow::Result<ExitCode> {
    let services = Services::start(config).context("cannot open the database")?;
    let demo = if services.config.demo_on_first_start && !services.config.is_production() {
        services.seed_demo().context("loading demo data")?
    } else {
        None
    };
    actix_web::rt::System::new().block_on(run_servers(services, parts, demo))?;
    Ok(ExitCode::SUCCESS)
}

async fn run_servers(
    services: Services,
    parts: Parts,
    demo: Option<DemoSummary>,
) -> anyhow::Result<()> {
    let c = services.config.clone();
    let mut servers = Vec::new();
    let mut lines = vec![format!(
        "eHealth is running (database: {})",
        services.db.backend().name()
    )];
    if parts.api {
        let l = TcpListener::bind(&c.api.addr)
            .with_context(|| format!("binding the api to {}", c.api.addr))?;
        lines.push(format!(
            "  api       http://{}  (/healthz, /readyz, /metrics)",
            l.local_addr()?
        ));
        let server = if parts.notifier {
            // One process: the api's /metrics also shows the notifier's queue.
            http_common::server(services.clone(), l, "api", |cfg| {
                ehealth_api::configure(cfg);
                ehealth_notifier::metrics::routes(cfg);
            })?
        } else {
            ehealth_api::serve(services.clone(), l)?
        };
        servers.push(server);
    }
    if parts.ivr {
        let l = TcpListener::bind(&c.ivr.addr)
            .with_context(|| format!("binding the ivr to {}", c.ivr.addr))?;
        lines.push(format!(
            "  ivr       http://{}  (Twilio calls {})",
            l.local_addr()?,
            c.ivr.public_url
        ));
        servers.push(ehealth_ivr::serve(services.clone(), l)?);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut worker = None;
    let mut housekeeping = None;
    let mut sequencer = None;
    if parts.notifier {
        // A channel configured but unusable stops the start, rather than a worker that
        // sends nothing behind a healthy /readyz.
        ehealth_notifier::channels::Channels::from_config(&services.config)
            .map_err(|e| anyhow::anyhow!("notifier channels: {e}"))?;
        let options = ehealth_notifier::WorkerOptions::from_services(&services);
        let outbox = std::path::absolute(&c.notifier.outbox_dir)
            .unwrap_or_else(|_| c.notifier.outbox_dir.clone());
        lines.push(format!(
            "  notifier  worker {}; messages for a channel with no provider configured are \
             written to {}/<channel>/",
            options.worker_id,
            outbox.display()
        ));
        worker = Some(actix_web::rt::spawn(ehealth_notifier::run(
            services.clone(),
            options,
            stop_rx.clone(),
        )));
        sequencer = Some(actix_web::rt::spawn(ehealth_notifier::sequencer::run(
            services.clone(),
            stop_rx.clone(),
        )));
        housekeeping = Some(actix_web::rt::spawn(ehealth_notifier::housekeeping::run(
            services.clone(),
            stop_rx,
        )));
        if !parts.api && !parts.ivr {
            let l = TcpListener::bind(c.notifier_addr())
                .context("binding the notifier's health port")?;
            lines.push(format!(
                "  notifier  http://{}  (/healthz, /readyz, /metrics)",
                l.local_addr()?
            ));
            servers.push(ehealth_notifier::serve_http(services.clone(), l)?);
        }
    }
    println!("{}", lines.join("\n"));
    if let Some(summary) = &demo {
        print!("{}", demo_banner(summary));
    }
    // Each server stops gracefully on SIGTERM/SIGINT; then the worker is told to stop
    // and releases what it had claimed but not started.
    let waits: Vec<_> = servers.into_iter().map(actix_web::rt::spawn).collect();
    for w in waits {
        let _ = w.await;
    }
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    if let Some(r) = housekeeping {
        let _ = r.await;
    }
    if let Some(s) = sequencer {
        let _ = s.await;
    }
    tracing::info!("stopped");
    Ok(())
}

pub fn demo_banner(s: &DemoSummary) -> String {
    let mut out = String::from("\nDemo data loaded (development only):\n  providers:\n");
    for (id, name) in &s.providers {
        out.push_str(&format!("    {id}  {name}\n"));
    }
    out.push_str("  accounts (provider id, username, role):\n");
    for (provider, user, role) in &s.accounts {
        out.push_str(&format!("    {provider}  {user}  ({role})\n"));
    }
    out.push_str(&format!(
        "  password for every demo account: {}\n  TOTP secret (base32) for every demo account: {}\n  \
         demo patient: CHAN Tai Man, HKIC A123456(3), born 1980-01-01, eHR number {}, access key {}\n\n\
         Try it: the README's walkthrough (curl), or the counter page at /counter on the api.\n\n",
        s.password, s.totp_secret, s.patient_ehr_number, s.patient_access_key
    ));
    out
}
