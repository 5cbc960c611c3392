//! Post: the notifier queues each postal job as a letter (rendered in the patient's
//! language); `ehealth postal batch --date D` prints the day's waiting letters into one
//! PDF (address block, date, message; a subset of a CJK font is embedded so Chinese
//! renders on any printer) plus a CSV manifest for the mail house, then marks them
//! printed in one transaction so a re-run never prints a letter twice.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::jobs::Job;
use ehealth_core::db::postal_letters::{self, PostalLetter};
use ehealth_core::db::{to_db, write_tx};
use ehealth_core::CoreError;
use printpdf::{
    Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};

use crate::messages::Message;
use crate::outbox::Recipient;

/// Characters of width 1 per line (a CJK character counts 2) at 11 pt on A4.
const LINE_UNITS: usize = 88;

/// The Hong Kong date a letter queued at `now` is mailed on.
pub fn mailing_date(now: DateTime<Utc>) -> String {
    let hong_kong = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
    now.with_timezone(&hong_kong).format("%Y-%m-%d").to_string()
}

/// Queues the letter of a postal job (in the caller's worker, short transaction).
pub fn queue(
    services: &Services,
    job: &Job,
    to: &Recipient,
    message: &Message,
) -> Result<String, CoreError> {
    let now = Utc::now();
    let letter = PostalLetter {
        job_id: job.id.clone(),
        mailing_date: mailing_date(now),
        recipient_name: to.name.clone(),
        address: to.address.clone(),
        language: to.language.as_str().to_owned(),
        subject: message.subject.clone(),
        body: postal_letters::seal_body(services.hasher.sealer(), &job.id, &message.body)?,
        created_at: to_db(now),
        printed_at: None,
    };
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| Ok(postal_letters::queue(c, &letter)?))?;
    Ok(format!("postal:{}", letter.mailing_date))
}

/// What one batch printed.
pub struct PrintedBatch {
    pub letters: usize,
    pub pdf: PathBuf,
    pub manifest: PathBuf,
}

/// Prints the waiting letters of `date` into `out_dir`; `progress(done, total)` is
/// called after each letter. `None` when no letter is waiting.
pub fn print_batch(
    services: &Services,
    date: NaiveDate,
    out_dir: &Path,
    font_file: &Path,
    progress: impl Fn(usize, usize),
) -> Result<Option<PrintedBatch>, CoreError> {
    let day = date.format("%Y-%m-%d").to_string();
    let mut conn = services.db.get()?;
    let mut letters = postal_letters::waiting(&mut conn, &day)?;
    postal_letters::open_bodies(services.hasher.sealer(), &mut letters)?;
    if letters.is_empty() {
        return Ok(None);
    }
    let font = std::fs::read(font_file).map_err(|e| {
        CoreError::invalid(
            "EHEALTH_POSTAL_FONT",
            format!("{}: {e}", font_file.display()),
        )
    })?;
    let pdf_bytes = render_pdf(&letters, &font, &day, &progress)?;
    let manifest_bytes = manifest(&letters)?;
    std::fs::create_dir_all(out_dir).map_err(internal)?;
    let pdf = out_dir.join(format!("ehealth-letters-{day}.pdf"));
    let manifest = out_dir.join(format!("ehealth-letters-{day}.csv"));
    write_atomically(&pdf, &pdf_bytes)?;
    write_atomically(&manifest, &manifest_bytes)?;
    let ids: Vec<String> = letters.iter().map(|l| l.job_id.clone()).collect();
    write_tx(&mut conn, |c| {
        Ok(postal_letters::mark_printed(c, &ids, Utc::now())?)
    })?;
    Ok(Some(PrintedBatch {
        letters: letters.len(),
        pdf,
        manifest,
    }))
}

fn internal(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(e.to_string())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(internal)?;
    std::fs::rename(&tmp, path).map_err(internal)
}

/// One A4 page per letter.
pub fn render_pdf(
    letters: &[PostalLetter],
    font: &[u8],
    day: &str,
    progress: &impl Fn(usize, usize),
) -> Result<Vec<u8>, CoreError> {
    let mut warnings = Vec::new();
    let parsed = ParsedFont::from_bytes(font, 0, &mut warnings)
        .ok_or_else(|| CoreError::invalid("EHEALTH_POSTAL_FONT", "not a usable TrueType font"))?;
    let mut doc = PdfDocument::new(&format!("eHealth letters {day}"));
    let font_id = doc.add_font(&parsed);
    let mut pages = Vec::with_capacity(letters.len());
    for (i, letter) in letters.iter().enumerate() {
        pages.push(PdfPage::new(
            Mm(210.0),
            Mm(297.0),
            page(letter, day, &font_id),
        ));
        progress(i + 1, letters.len());
    }
    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    Ok(doc.with_pages(pages).save(&options, &mut Vec::new()))
}

fn page(letter: &PostalLetter, day: &str, font: &printpdf::FontId) -> Vec<Op> {
    let mut lines = vec![letter.recipient_name.clone()];
    lines.extend(
        letter
            .address
            .split([',', '\n'])
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty()),
    );
    lines.extend([
        String::new(),
        day.to_owned(),
        String::new(),
        letter.subject.clone(),
        String::new(),
    ]);
    for paragraph in letter.body.lines() {
        lines.extend(wrap(paragraph, LINE_UNITS));
    }
    let mut ops = vec![
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(11.0),
        },
        Op::SetLineHeight { lh: Pt(16.0) },
        Op::SetTextCursor {
            pos: Point {
                x: Mm(25.0).into(),
                y: Mm(260.0).into(),
            },
        },
    ];
    for line in lines {
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(line)],
        });
        ops.push(Op::AddLineBreak);
    }
    ops.push(Op::EndTextSection);
    ops
}

/// Breaks a paragraph into lines of at most `units` (a wide, CJK character counts two).
fn wrap(paragraph: &str, units: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in paragraph.chars() {
        let w = if c.is_ascii() { 1 } else { 2 };
        if used + w > units {
            lines.push(String::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}

/// The mail house's manifest: one row per letter, in PDF page order.
pub fn manifest(letters: &[PostalLetter]) -> Result<Vec<u8>, CoreError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "page",
        "job_id",
        "recipient",
        "address",
        "language",
        "mailing_date",
    ])
    .map_err(internal)?;
    for (i, l) in letters.iter().enumerate() {
        let page = (i + 1).to_string();
        out.write_record([
            page.as_str(),
            &l.job_id,
            &l.recipient_name,
            &l.address,
            &l.language,
            &l.mailing_date,
        ])
        .map_err(internal)?;
    }
    out.into_inner().map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_chinese_as_double_width() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("醫健通紀錄", 4), vec!["醫健", "通紀", "錄"]);
        assert_eq!(wrap("", 4), vec![""]);
    }

    #[test]
    fn the_mailing_date_is_the_hong_kong_date() {
        let late_utc = DateTime::parse_from_rfc3339("2026-11-25T17:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(late_utc.map(mailing_date).as_deref(), Some("2026-11-26"));
    }
}
