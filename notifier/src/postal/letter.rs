//! One letter's page: the Office's letterhead, the return address and the address block
//! placed for a DL window envelope, the reference and date, salutation, subject, text,
//! closing and hotline, all in the letter's language.
//!
//! Placement follows DIN 5008 form B, which DL window envelopes (DIN 680 / ISO 269:
//! 220 x 110 mm, window 90 x 45 mm, 20 mm from the left and 15 mm from the bottom) are
//! made for: an A4 sheet folded in three shows the field 20 mm from the page's left edge
//! and 45 mm from its top, 85 x 45 mm, through the window.

use chrono::NaiveDate;
use ehealth_core::db::postal_letters::PostalLetter;
use ehealth_core::domain::Language;
use printpdf::{FontId, Line, LinePoint, Mm, Op, PdfFontHandle, Point, Pt, TextItem};

use crate::messages::HOTLINE;

/// The address field on the page (mm): left edge, top, width, height.
pub const ADDRESS_FIELD: (f32, f32, f32, f32) = (20.0, 45.0, 85.0, 45.0);
/// Lines of the address block (the name and the address) that fit the field at 10 pt.
const ADDRESS_LINES: usize = 7;
/// Width units (a CJK character counts two) per line: the address field at 10 pt, and
/// the body at 11 pt between 20 mm margins.
const ADDRESS_UNITS: usize = 40;
const BODY_UNITS: usize = 84;
const PAGE_HEIGHT_MM: f32 = 297.0;

/// What every letter of a batch has in common.
pub struct Office<'a> {
    pub letterhead: &'a str,
    pub return_address: &'a str,
}

/// The words of a letter in one language.
struct Wording {
    reference: &'static str,
    date: &'static str,
    closing: &'static [&'static str],
    hotline: &'static str,
}

fn wording(language: Language) -> Wording {
    match language {
        Language::English => Wording {
            reference: "Our reference: ",
            date: "Date: ",
            closing: &[
                "Yours sincerely,",
                "",
                "Electronic Health Record Registration Office",
            ],
            hotline: "Enquiries: eHR hotline ",
        },
        Language::TraditionalChinese => Wording {
            reference: "本處檔號：",
            date: "日期：",
            closing: &["電子健康紀錄登記處 謹啟"],
            hotline: "查詢熱線：",
        },
        Language::SimplifiedChinese => Wording {
            reference: "本处档号：",
            date: "日期：",
            closing: &["电子健康记录登记处 谨启"],
            hotline: "查询热线：",
        },
    }
}

/// The date as the letter's language writes it: "26 November 2026", "2026年11月26日".
pub fn written_date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::English => date.format("%-d %B %Y").to_string(),
        _ => date.format("%Y年%-m月%-d日").to_string(),
    }
}

fn salutation(name: &str, language: Language) -> String {
    match language {
        Language::English => format!("Dear {name},"),
        Language::TraditionalChinese => format!("{name}閣下："),
        Language::SimplifiedChinese => format!("{name}阁下："),
    }
}

/// A line of text at `(x, top)` mm from the page's left and top edges.
struct Placed {
    x: f32,
    top: f32,
    size: f32,
    text: String,
}

fn at(x: f32, top: f32, size: f32, text: impl Into<String>) -> Placed {
    Placed {
        x,
        top,
        size,
        text: text.into(),
    }
}

/// The page's lines; `text` is the letter's text (see `super::letter_text`).
fn lines(letter: &PostalLetter, text: &str, date: NaiveDate, office: &Office) -> Vec<Placed> {
    let language = letter.language;
    let words = wording(language);
    let (left, field_top, _, _) = ADDRESS_FIELD;
    let mut out = Vec::new();
    for (i, l) in office.letterhead.lines().enumerate() {
        out.push(at(left, 18.0 + 7.0 * i as f32, 14.0, l));
    }
    out.push(at(left, field_top + 4.0, 7.0, office.return_address));
    for (i, l) in address_block(letter).into_iter().enumerate() {
        out.push(at(left, field_top + 11.0 + 5.0 * i as f32, 10.0, l));
    }
    let reference = letter.reference.clone().unwrap_or_default();
    out.push(at(
        125.0,
        56.0,
        10.0,
        format!("{}{reference}", words.reference),
    ));
    out.push(at(
        125.0,
        62.0,
        10.0,
        format!("{}{}", words.date, written_date(date, language)),
    ));
    let mut body = vec![salutation(&letter.recipient_name, language), String::new()];
    body.push(letter.subject.clone());
    body.push(String::new());
    body.extend(text.lines().flat_map(|p| wrap(p, BODY_UNITS)));
    body.push(String::new());
    body.extend(words.closing.iter().map(|l| (*l).to_owned()));
    for (i, l) in body.into_iter().enumerate() {
        out.push(at(left, 103.0 + 6.0 * i as f32, 11.0, l));
    }
    out.push(at(
        left,
        280.0,
        9.0,
        format!(
            "{}{HOTLINE}    {}{reference}",
            words.hotline, words.reference
        ),
    ));
    out
}

/// The recipient's name and address lines: the address's own lines, each packed from its
/// comma-separated parts to the field's width; lines past what the field holds are
/// joined onto its last line so that nothing is lost.
pub fn address_block(letter: &PostalLetter) -> Vec<String> {
    let mut lines = vec![letter.recipient_name.trim().to_owned()];
    for line in letter
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        lines.extend(pack(line, ADDRESS_UNITS));
    }
    if lines.len() > ADDRESS_LINES {
        let rest = lines.split_off(ADDRESS_LINES - 1).join(", ");
        lines.push(rest);
    }
    lines
}

/// Fills lines of at most `units` with the comma-separated parts of `line` (a part
/// longer than a line is wrapped).
fn pack(line: &str, units: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in line.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match out.last_mut() {
            Some(last) if width(last) + 2 + width(part) <= units => {
                last.push_str(", ");
                last.push_str(part);
            }
            _ => out.extend(wrap(part, units)),
        }
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The drawing operations of a letter's page.
pub fn page_ops(
    letter: &PostalLetter,
    text: &str,
    date: NaiveDate,
    office: &Office,
    font: &FontId,
) -> Vec<Op> {
    let mut ops = fold_marks();
    for line in lines(letter, text, date, office) {
        ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(line.size),
            },
            Op::SetTextCursor {
                pos: point(line.x, line.top),
            },
            Op::ShowText {
                items: vec![TextItem::Text(line.text)],
            },
            Op::EndTextSection,
        ]);
    }
    ops
}

fn point(x: f32, top: f32) -> Point {
    Point {
        x: Mm(x).into(),
        y: Mm(PAGE_HEIGHT_MM - top).into(),
    }
}

/// Short marks at the left edge where the sheet is folded in three (105 and 210 mm).
fn fold_marks() -> Vec<Op> {
    [105.0, 210.0]
        .into_iter()
        .map(|top| Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: point(4.0, top),
                        bezier: false,
                    },
                    LinePoint {
                        p: point(9.0, top),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        })
        .collect()
}

/// Breaks a paragraph into lines of at most `units` (a wide, CJK character counts two).
pub fn wrap(paragraph: &str, units: usize) -> Vec<String> {
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
    fn address_parts_are_packed_to_the_field() {
        assert_eq!(
            pack(
                "Flat A, 12/F, Block 3, Harbour View Gardens, 1 Harbour Road, Wan Chai",
                44
            ),
            vec![
                "Flat A, 12/F, Block 3, Harbour View Gardens",
                "1 Harbour Road, Wan Chai"
            ]
        );
        assert_eq!(
            pack("香港灣仔港灣道1號", 8),
            vec!["香港灣仔", "港灣道1", "號"]
        );
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 6).unwrap_or_default();
        assert_eq!(written_date(d, Language::English), "6 November 2026");
        assert_eq!(
            written_date(d, Language::TraditionalChinese),
            "2026年11月6日"
        );
        assert_eq!(
            written_date(d, Language::SimplifiedChinese),
            "2026年11月6日"
        );
    }
}
