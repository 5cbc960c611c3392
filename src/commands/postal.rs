//! `ehealth postal batch --date YYYY-MM-DD`: prints the day's waiting letters into one
//! PDF plus a CSV manifest for the mail house; each letter is printed once.

use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;
use ehealth_core::config::Config;
use ehealth_core::context::Services;
use ehealth_notifier::postal;
use indicatif::{ProgressBar, ProgressStyle};

pub fn batch(config: Config, date: NaiveDate, out_dir: &Path) -> anyhow::Result<ExitCode> {
    let font = config.notifier.postal_font.clone();
    let services = Services::start(config)?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} letters")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("printing {date}"));
    let printed = postal::print_batch(&services, date, out_dir, &font, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    match printed {
        None => println!("no letters waiting for {date}"),
        Some(b) => println!(
            "{} letters for {date}: {} and {}",
            b.letters,
            b.pdf.display(),
            b.manifest.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
