//! The command line: every subcommand, flag and argument with its help text (a test
//! below checks that none is missing), and shell completions generated from it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ehealth",
    version,
    about = "eHealth consent platform: the api, the voice line and the notifier, and the operator commands",
    after_help = "Settings come from defaults, then the configuration file, then the \
                  environment (EHEALTH_SECTION__KEY); see docs/configuration.md."
)]
pub struct Cli {
    /// Configuration file (TOML). Default: $EHEALTH_CONFIG, or ./ehealth.toml if present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Measurements of this machine, for tuning the configuration.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Print a shell completion script, e.g. `ehealth completions bash >
    /// /etc/bash_completion.d/ehealth`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
pub enum PostalCommand {
    /// Print the letters waiting for DATE (YYYY-MM-DD) as a new numbered run: its own
    /// PDF and CSV manifest, `ehealth-letters-DATE-runNNNN.*`.
    Batch {
        /// The mailing date (Hong Kong), YYYY-MM-DD: usually yesterday's.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: chrono::NaiveDate,
        /// Where to write the PDF and the manifest.
        #[arg(long, default_value = ".", value_name = "DIR")]
        out: PathBuf,
    },
    /// Make run N's PDF and manifest again from the database (never over existing files).
    Reprint {
        /// The run number printed in the file names (`runNNNN`).
        #[arg(long, value_name = "N")]
        run: i64,
        /// Where to write the PDF and the manifest.
        #[arg(long, default_value = ".", value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time one Argon2id verification with the configured `security.argon2` (median of
    /// several), then a burst of concurrent ones through the bounded pool: its throughput,
    /// its busy refusals and the memory before and after.
    Argon2 {
        /// Concurrent verifications in the burst.
        #[arg(long, default_value_t = 100, value_name = "N")]
        burst: usize,
    },
    /// Fill a database with a synthetic population for measuring at scale (not in
    /// production): the demo data, then N patients with valid HKIC and eHR numbers,
    /// consents with several providers, access keys, shared records, app sessions and an
    /// access log with its Merkle tree and signed checkpoints (`ehealth audit verify`
    /// passes); prints the time taken per table.
    Seed {
        /// Patients to generate (1 to 26,000,000).
        #[arg(long, value_name = "N")]
        patients: u64,
        /// Access-log entries to generate (default: ten per patient).
        #[arg(long, value_name = "M")]
        audit_entries: Option<u64>,
        /// The database to fill, instead of the configured `database.url`.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the log against its signed checkpoints, from the last verified one (or from
    /// the start with --full); name the first problem and exit 1 if there is one.
    Verify {
        /// Recompute every leaf from the first entry, not only what came after the last
        /// verified checkpoint.
        #[arg(long)]
        full: bool,
    },
    /// Print the latest signed checkpoint (for witnesses and publication).
    Checkpoint,
    /// Integrate pending entries into the log: until stopped, or all of them with --once.
    Sequence {
        /// Integrate what is pending now and exit, instead of running until stopped.
        #[arg(long)]
        once: bool,
    },
}

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "ehealth", out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand at every depth, with its path (`ehealth postal batch`).
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.to_owned(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_subcommand_and_argument_has_help() {
        Cli::command().debug_assert();
        let mut all = Vec::new();
        walk(&Cli::command(), "ehealth", &mut all);
        assert!(all.len() > 12, "the walk found the subcommands");
        for (path, cmd) in &all {
            assert!(cmd.get_about().is_some(), "`{path}` has no help");
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "`{path}` argument `{id}` has no help"
                );
            }
        }
    }

    #[test]
    fn completions_name_every_subcommand() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let script = String::from_utf8(out).unwrap();
            for word in [
                "serve",
                "postal",
                "batch",
                "--date",
                "sequence",
                "completions",
            ] {
                let word = if shell == clap_complete::Shell::Fish {
                    word.trim_start_matches("--")
                } else {
                    word
                };
                assert!(script.contains(word), "{shell}: no {word}");
            }
        }
    }
}
