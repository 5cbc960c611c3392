//! `ehealth`: the one binary. `ehealth serve` (the default) runs the api, the ivr and the
//! notifier in one process; each can also run alone, and the rest are operator commands.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use cli::{AuditCommand, BenchCommand, Cli, Command, PostalCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Completions { shell }) = cli.command {
        cli::completions(shell, &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = ehealth_core::telemetry::init() {
        eprintln!("configuration error: {e}");
        return ExitCode::from(2);
    }
    let config = match ehealth_core::config::Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => commands::serve::run(config, commands::serve::Parts::ALL),
        Command::Api => commands::serve::run(config, commands::serve::Parts::API),
        Command::Ivr => commands::serve::run(config, commands::serve::Parts::IVR),
        Command::Notifier => commands::serve::run(config, commands::serve::Parts::NOTIFIER),
        Command::Migrate => commands::migrate(config),
        Command::Demo => commands::demo(config),
        Command::Postal {
            command: PostalCommand::Batch { date, out },
        } => commands::postal::batch(config, date, &out),
        Command::Postal {
            command: PostalCommand::Reprint { run, out },
        } => commands::postal::reprint(config, run, &out),
        Command::Audit { command } => match command {
            AuditCommand::Verify { full } => commands::audit::verify(config, full),
            AuditCommand::Checkpoint => commands::audit::checkpoint(config),
            AuditCommand::Sequence { once } => commands::audit::sequence(config, once),
        },
        Command::Bench {
            command: BenchCommand::Argon2 { burst },
        } => commands::bench::argon2(&config, burst),
        Command::Bench {
            command:
                BenchCommand::Seed {
                    patients,
                    audit_entries,
                    database_url,
                },
        } => commands::bench::seed(config, patients, audit_entries, database_url),
        Command::Totp { secret } => commands::totp(&secret),
        Command::Completions { .. } => Ok(ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
