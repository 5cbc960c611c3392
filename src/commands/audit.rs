//! `ehealth audit verify | checkpoint | sequence`: the verifiable access log.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use ehealth_core::actions::audit_verify;
use ehealth_core::actions::sequencer;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_core::db::audit_tree;

/// For the crash test only: when set, each batch writes this file just before it commits
/// and then waits, so the test can SIGKILL the sequencer mid-batch.
const STALL_FILE_ENV: &str = "EHEALTH_TEST_SEQUENCER_STALL_FILE";

pub fn verify(config: Config, full: bool) -> anyhow::Result<ExitCode> {
    let key = config.audit.signer()?.public();
    let services = Services::start(config)?;
    let mut conn = services.db.get()?;
    let report = audit_verify::verify(&mut conn, &key, full, Utc::now())?;
    let how = if report.full { "full" } else { "incremental" };
    match &report.problem {
        None => {
            println!(
                "audit log intact ({how}): tree of {} leaves matches its signed checkpoint; \
                 {} leaves recomputed from size {}",
                report.tree_size, report.leaves_checked, report.from_size
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(p) => {
            let at = match (p.leaf_index, p.seq) {
                (Some(l), Some(s)) => format!(" at leaf {l} (seq {s})"),
                (Some(l), None) => format!(" at leaf {l}"),
                (None, Some(s)) => format!(" at seq {s}"),
                (None, None) => String::new(),
            };
            println!("audit log BROKEN{at}: {} ({how})", p.what);
            Ok(ExitCode::from(1))
        }
    }
}

pub fn checkpoint(config: Config) -> anyhow::Result<ExitCode> {
    let services = Services::start(config)?;
    let mut conn = services.db.get()?;
    match audit_tree::latest_checkpoint(&mut conn)? {
        Some(cp) => {
            print!("{}", cp.note);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("no checkpoint yet: run `ehealth audit sequence --once` or the service");
            Ok(ExitCode::from(1))
        }
    }
}

/// Integrates pending entries: once (`--once`) or until killed.
pub fn sequence(config: Config, once: bool) -> anyhow::Result<ExitCode> {
    let signer = config.audit.signer()?;
    let (limit, pause) = (
        config.audit.batch_size,
        Duration::from_millis(config.audit.interval_ms),
    );
    let services = Services::start(config)?;
    let mut conn = services.db.get()?;
    let stall = std::env::var_os(STALL_FILE_ENV);
    let before_commit = move || {
        if let Some(path) = &stall {
            let _ = std::fs::write(path, b"in batch");
            std::thread::sleep(Duration::from_secs(3600));
        }
    };
    loop {
        let batch =
            sequencer::integrate_batch(&mut conn, &signer, limit, Utc::now(), &before_commit)
                .context("integrating a batch")?;
        let full = batch.is_some_and(|b| b.integrated as i64 == limit);
        if let Some(b) = batch.filter(|b| b.integrated > 0) {
            println!(
                "integrated {} entries; tree size {}",
                b.integrated, b.tree_size
            );
        }
        if once && !full {
            return Ok(ExitCode::SUCCESS);
        }
        if !full {
            std::thread::sleep(pause);
        }
    }
}
