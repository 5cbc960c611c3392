//! `ehealth`: the one binary. `ehealth serve` (the default) runs the api, the ivr and the
//! notifier in one process; each can also run alone, and the rest are operator commands.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ehealth", version, about = "eHealth consent platform")]
struct Cli {
    /// Configuration file (TOML). Default: $EHEALTH_CONFIG, or ./ehealth.toml if present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run api + ivr + notifier in one process (the default).
    Serve,
    /// Run the api service alone.
    Api,
    /// Run the voice-line service alone.
    Ivr,
    /// Run a notifier worker alone (with its health endpoints).
    Notifier,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo providers, accounts and patient (once) and print them.
    Demo,
    /// The daily postal print batch.
    Postal {
        #[command(subcommand)]
        command: PostalCommand,
    },
    /// Print the current six-digit code of a TOTP secret (base32), as an authenticator
    /// app would show it: for trying the demo accounts without one.
    Totp {
        /// The base32 secret, e.g. the demo accounts' secret printed at the first start.
        secret: String,
    },
    /// The access audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum PostalCommand {
    /// Print the letters waiting for DATE (YYYY-MM-DD) as a new numbered run: its own
    /// PDF and CSV manifest, `ehealth-letters-DATE-runNNNN.*`.
    Batch {
        #[arg(long)]
        date: chrono::NaiveDate,
        /// Where to write the PDF and the manifest.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Make run N's PDF and manifest again from the database (never over existing files).
    Reprint {
        #[arg(long)]
        run: i64,
        /// Where to write the PDF and the manifest.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the log against its signed checkpoints, from the last verified one (or from
    /// the start with --full); name the first problem and exit 1 if there is one.
    Verify {
        #[arg(long)]
        full: bool,
    },
    /// Print the latest signed checkpoint (for witnesses and publication).
    Checkpoint,
    /// Integrate pending entries into the log: until stopped, or all of them with --once.
    Sequence {
        #[arg(long)]
        once: bool,
    },
}

fn main() -> ExitCode {
    ehealth_core::telemetry::init();
    let cli = Cli::parse();
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
        Command::Totp { secret } => commands::totp(&secret),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
