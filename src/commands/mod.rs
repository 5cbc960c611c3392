//! The operator commands.

pub mod audit;
pub mod bench;
pub mod postal;
pub mod serve;

use std::process::ExitCode;

use anyhow::Context;
use ehealth_core::config::Config;
use ehealth_core::context::Services;

pub fn migrate(config: Config) -> anyhow::Result<ExitCode> {
    let services = Services::start(config).context("cannot open the database")?;
    println!("database ({}) is up to date", services.db.backend().name());
    Ok(ExitCode::SUCCESS)
}

pub fn demo(config: Config) -> anyhow::Result<ExitCode> {
    if config.is_production() {
        anyhow::bail!("demo data must not be loaded in production");
    }
    let services = Services::start(config)?;
    match services.seed_demo()? {
        Some(summary) => print!("{}", serve::demo_banner(&summary)),
        None => println!("the database already has providers; demo data not loaded"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn totp(secret: &str) -> anyhow::Result<ExitCode> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs();
    let code = mobile_bridge::totp::code_at(secret.trim(), now)
        .map_err(|e| anyhow::anyhow!("not a usable TOTP secret: {e}"))?;
    println!("{code}");
    Ok(ExitCode::SUCCESS)
}
