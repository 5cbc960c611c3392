//! A batch run: take the waiting letters of a date as run N (one transaction), write
//! `ehealth-letters-<date>-run<N>.pdf` and `.csv` (never over an existing file), then mark
//! the run and its letters printed (one transaction). `reprint` writes a run's files again
//! from the database, and finishes a run that stopped before its letters were marked.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::postal_letters::{self, PostalLetter};
use ehealth_core::db::postal_runs::{self, PostalRun};
use ehealth_core::db::{to_db, write_tx, DbConn};
use ehealth_core::CoreError;
use printpdf::{OffsetDateTime, ParsedFont, PdfDocument, PdfPage, PdfSaveOptions};

use super::letter::{self, Office};
use super::letter_text;

/// What one run printed.
pub struct PrintedBatch {
    pub run_no: i64,
    pub letters: usize,
    pub pdf: PathBuf,
    pub manifest: PathBuf,
}

/// The reference printed on a letter and in the manifest: date, run and page.
fn reference(day: &str, run_no: i64, page: i32) -> String {
    format!("P{}-{run_no:04}-{page:04}", day.replace('-', ""))
}

/// Takes the letters of `date` that no run has taken as a new run, prints them into
/// `out_dir` and marks them printed; `progress(done, total)` is called after each letter.
/// `None` when no letter is waiting (and then no run number is used).
pub fn print_batch(
    services: &Services,
    date: NaiveDate,
    out_dir: &Path,
    progress: impl Fn(usize, usize),
) -> Result<Option<PrintedBatch>, CoreError> {
    let day = date.format("%Y-%m-%d").to_string();
    let font = read_font(services.config.notifier.postal_font.as_deref())?;
    let mut conn = services.db.get()?;
    let Some(run) = take_run(&mut conn, &day)? else {
        return Ok(None);
    };
    print_run(services, &mut conn, &run, &font, out_dir, &progress).map(Some)
}

/// Writes run `run_no`'s files again from the database (beside the first ones, under a
/// new name if those still exist) and marks whatever of it is still waiting printed.
pub fn reprint(
    services: &Services,
    run_no: i64,
    out_dir: &Path,
    progress: impl Fn(usize, usize),
) -> Result<PrintedBatch, CoreError> {
    let font = read_font(services.config.notifier.postal_font.as_deref())?;
    let mut conn = services.db.get()?;
    let run = postal_runs::find(&mut conn, run_no)?.ok_or(CoreError::NotFound("postal_run"))?;
    print_run(services, &mut conn, &run, &font, out_dir, &progress)
}

/// One transaction: the next run number, the run's row, and its letters. Rolled back
/// when there is nothing to take, so that run numbers have no gaps.
fn take_run(conn: &mut DbConn, day: &str) -> Result<Option<PostalRun>, CoreError> {
    let taken = write_tx(conn, |c| {
        let run_no = postal_runs::next_number(c)?;
        let letters = postal_letters::take_for_run(c, day, run_no, |p| reference(day, run_no, p))?;
        if letters == 0 {
            return Err(CoreError::NotFound("postal_letter"));
        }
        let run = PostalRun {
            run_no,
            mailing_date: day.to_owned(),
            letters: i32::try_from(letters).map_err(internal)?,
            created_at: to_db(Utc::now()),
            printed_at: None,
        };
        postal_runs::insert(c, &run)?;
        Ok(run)
    });
    match taken {
        Ok(run) => Ok(Some(run)),
        Err(CoreError::NotFound("postal_letter")) => Ok(None),
        Err(e) => Err(e),
    }
}

fn print_run(
    services: &Services,
    conn: &mut DbConn,
    run: &PostalRun,
    font: &[u8],
    out_dir: &Path,
    progress: &impl Fn(usize, usize),
) -> Result<PrintedBatch, CoreError> {
    let mut letters = postal_letters::of_run(conn, run.run_no)?;
    // Sealed at rest (the text may hold a first access key); opened in memory to print.
    postal_letters::open_bodies(services.hasher.sealer(), &mut letters)?;
    let date = NaiveDate::parse_from_str(&run.mailing_date, "%Y-%m-%d").map_err(internal)?;
    let notifier = &services.config.notifier;
    let office = Office {
        letterhead: &notifier.postal_letterhead,
        return_address: &notifier.postal_return_address,
    };
    let pdf_bytes = render_pdf(&letters, font, date, &office, progress)?;
    let manifest_bytes = manifest(run.run_no, &letters)?;
    std::fs::create_dir_all(out_dir).map_err(internal)?;
    let stem = format!("ehealth-letters-{}-run{:04}", run.mailing_date, run.run_no);
    let (pdf, manifest) = write_new_pair(out_dir, &stem, &pdf_bytes, &manifest_bytes)?;
    let now = Utc::now();
    write_tx(conn, |c| {
        postal_letters::mark_printed(c, run.run_no, now)?;
        postal_runs::mark_printed(c, run.run_no, now)?;
        Ok(())
    })?;
    Ok(PrintedBatch {
        run_no: run.run_no,
        letters: letters.len(),
        pdf,
        manifest,
    })
}

/// WenQuanYi Micro Hei 0.2.0-beta (Latin, Traditional and Simplified Chinese), shipped under
/// the Apache License 2.0 (`notifier/fonts/`), so that a batch prints on any machine.
pub const BUILT_IN_FONT: &[u8] = include_bytes!("../../fonts/wqy-microhei.ttc");

fn read_font(path: Option<&Path>) -> Result<Cow<'static, [u8]>, CoreError> {
    let Some(path) = path else {
        return Ok(Cow::Borrowed(BUILT_IN_FONT));
    };
    std::fs::read(path)
        .map(Cow::Owned)
        .map_err(|e| CoreError::invalid("EHEALTH_POSTAL_FONT", format!("{}: {e}", path.display())))
}

fn internal(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(e.to_string())
}

/// Writes `<stem>.pdf` and `<stem>.csv`, or `<stem>-reprint<k>.*` with the first `k`
/// whose files do not exist: a file once written is never replaced.
fn write_new_pair(
    dir: &Path,
    stem: &str,
    pdf: &[u8],
    csv: &[u8],
) -> Result<(PathBuf, PathBuf), CoreError> {
    for k in 0..1000 {
        let name = if k == 0 {
            stem.to_owned()
        } else {
            format!("{stem}-reprint{k}")
        };
        let (p, m) = (
            dir.join(format!("{name}.pdf")),
            dir.join(format!("{name}.csv")),
        );
        if p.exists() || m.exists() {
            continue;
        }
        if write_new(&p, pdf)? && write_new(&m, csv)? {
            return Ok((p, m));
        }
    }
    Err(internal(format!(
        "{stem}: no free file name in {}",
        dir.display()
    )))
}

/// Writes `path` only if it does not exist: the bytes go to a private temporary file
/// first, which is then hard-linked to its name (atomic; fails if the name is taken), so
/// a reader never sees half a file and no file is overwritten. `false`: name taken.
fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, CoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(internal)?;
    std::fs::write(tmp.path(), bytes).map_err(internal)?;
    match std::fs::hard_link(tmp.path(), path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(internal(e)),
    }
}

/// One A4 page per letter; the document's creation date is now.
pub fn render_pdf(
    letters: &[PostalLetter],
    font: &[u8],
    date: NaiveDate,
    office: &Office,
    progress: &impl Fn(usize, usize),
) -> Result<Vec<u8>, CoreError> {
    let mut warnings = Vec::new();
    let parsed = ParsedFont::from_bytes(font, 0, &mut warnings)
        .ok_or_else(|| CoreError::invalid("EHEALTH_POSTAL_FONT", "not a usable TrueType font"))?;
    let mut doc = PdfDocument::new(&format!("eHealth letters {date}"));
    let now = OffsetDateTime::from_unix_timestamp(Utc::now().timestamp()).map_err(internal)?;
    doc.metadata.info.creation_date = now;
    doc.metadata.info.modification_date = now;
    doc.metadata.info.metadata_date = now;
    let font_id = doc.add_font(&parsed);
    let mut pages = Vec::with_capacity(letters.len());
    for (i, l) in letters.iter().enumerate() {
        let ops = letter::page_ops(l, &letter_text(l), date, office, &font_id);
        pages.push(PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops));
        progress(i + 1, letters.len());
    }
    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    Ok(doc.with_pages(pages).save(&options, &mut Vec::new()))
}

/// The mail house's manifest: one row per letter in page order, naming the run and each
/// letter's reference. UTF-8 with a byte-order mark, so that Excel reads the Chinese.
pub fn manifest(run_no: i64, letters: &[PostalLetter]) -> Result<Vec<u8>, CoreError> {
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    out.write_record([
        "run",
        "page",
        "reference",
        "job_id",
        "recipient",
        "address",
        "language",
        "mailing_date",
    ])
    .map_err(internal)?;
    let run = run_no.to_string();
    for l in letters {
        let page = l.page.unwrap_or_default().to_string();
        let reference = l.reference.clone().unwrap_or_default();
        let language = l.language.to_string();
        out.write_record([
            &run,
            &page,
            &reference,
            &l.job_id,
            &l.recipient_name,
            &l.address,
            &language,
            &l.mailing_date,
        ])
        .map_err(internal)?;
    }
    out.into_inner().map_err(internal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    /// The font that ships covers what letters print: Latin, Traditional and Simplified
    /// Chinese names and addresses, full-width punctuation and digits.
    #[test]
    fn the_built_in_font_covers_latin_and_both_chinese_scripts() {
        let font = read_font(None).expect("built in");
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&font, 0, &mut warnings).expect("a TrueType face");
        let text =
            "CHAN Tai Man, Flat A, 1/F 陳大文 陈大文 灣仔港灣道 湾仔港湾道 醫健通 医健通 （）、。";
        let missing: Vec<char> = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .filter(|c| parsed.lookup_glyph_index(u32::from(*c)).is_none())
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
        assert!(
            parsed.lookup_glyph_index(0x1F600).is_none(),
            "the check can fail: no emoji in this font"
        );
    }

    #[test]
    fn a_font_path_that_cannot_be_read_names_the_setting() {
        let err = read_font(Some(Path::new("/nonexistent/font.ttc"))).expect_err("no such file");
        assert!(err.to_string().contains("EHEALTH_POSTAL_FONT"), "{err}");
    }
}
