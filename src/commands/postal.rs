//! `ehealth postal batch --date YYYY-MM-DD`: prints the day's waiting letters as a new
//! numbered run (its own PDF plus a CSV manifest for the mail house); each letter is taken
//! by one run only. `ehealth postal reprint --run N` makes run N's files again.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_notifier::postal::{self, PrintedBatch};
use indicatif::{ProgressBar, ProgressStyle};

fn progress_bar(message: String) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} letters")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}

fn report(b: &PrintedBatch, what: &str) {
    println!(
        "run {}: {} letters for {what}: {} and {}",
        b.run_no,
        b.letters,
        b.pdf.display(),
        b.manifest.display()
    );
}

pub fn batch(config: Config, date: NaiveDate, out_dir: &Path) -> anyhow::Result<ExitCode> {
    let services = Services::start(config)?;
    let bar = progress_bar(format!("printing {date}"));
    let printed = postal::print_batch(&services, date, out_dir, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    match printed {
        None => println!("no letters waiting for {date}"),
        Some(b) => report(&b, &date.to_string()),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reprint(config: Config, run_no: i64, out_dir: &Path) -> anyhow::Result<ExitCode> {
    let services = Services::start(config)?;
    let bar = progress_bar(format!("reprinting run {run_no}"));
    let printed = postal::reprint(&services, run_no, out_dir, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    report(&printed, "a reprint");
    Ok(ExitCode::SUCCESS)
}
