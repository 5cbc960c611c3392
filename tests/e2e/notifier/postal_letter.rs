//! The Office's letter, read back from the PDF with lopdf: the address block inside the
//! window of a DL envelope (DIN 5008 form B field: 20 mm from the left, 45 mm from the
//! top, 85 x 45 mm), the letterhead and return address, a reference on the page that is
//! the manifest's, the patient's name and the date in the letter's language, the hotline,
//! a real creation date, and a manifest with a byte-order mark.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use ehealth_core::db::{jobs, postal_letters};
use ehealth_core::domain::NotificationKind;
use ehealth_notifier::postal::{address_block, written_date, ADDRESS_FIELD};
use lopdf::{Document, Object};

use super::harness::{self, Means};
use super::postal_runs::{ehealth, manifest_rows, run_ok};

const PT_PER_MM: f32 = 72.0 / 25.4;

/// A line of text on a page: mm from the left edge, mm from the top (its baseline),
/// font size in mm, and the text.
#[derive(Debug)]
struct Placed {
    x: f32,
    top: f32,
    size: f32,
    text: String,
}

fn number(o: &Object) -> f32 {
    o.as_float().expect("a number")
}

/// Walks the page's content stream, tracking the text position (BT, Td, Tm, Tf) and
/// decoding each shown string with its font's encoding (the ToUnicode map).
fn placed_text(doc: &Document, page: u32) -> Vec<Placed> {
    let pages = doc.get_pages();
    let page_id = pages[&page];
    let fonts = doc.get_page_fonts(page_id).expect("fonts");
    let content = doc.get_and_decode_page_content(page_id).expect("content");
    let (mut x, mut y, mut size, mut font) = (0.0f32, 0.0f32, 0.0f32, Vec::new());
    let mut out = Vec::new();
    for op in content.operations {
        match op.operator.as_str() {
            "BT" => (x, y) = (0.0, 0.0),
            "Td" => {
                x += number(&op.operands[0]);
                y += number(&op.operands[1]);
            }
            "Tm" => (x, y) = (number(&op.operands[4]), number(&op.operands[5])),
            "Tf" => {
                font = op.operands[0].as_name().expect("font name").to_vec();
                size = number(&op.operands[1]);
            }
            "Tj" | "TJ" => {
                let encoding = fonts[&font].get_font_encoding(doc).expect("encoding");
                let mut text = String::new();
                let strings = match &op.operands[0] {
                    Object::Array(items) => items.clone(),
                    other => vec![other.clone()],
                };
                for s in strings {
                    if let Object::String(bytes, _) = s {
                        text.push_str(&Document::decode_text(&encoding, &bytes).expect("decoded"));
                    }
                }
                out.push(Placed {
                    x: x / PT_PER_MM,
                    top: 297.0 - y / PT_PER_MM,
                    size: size / PT_PER_MM,
                    text,
                });
            }
            _ => {}
        }
    }
    out
}

fn find<'a>(lines: &'a [Placed], needle: &str) -> &'a Placed {
    lines
        .iter()
        .find(|l| l.text.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} on the page: {lines:#?}"))
}

/// Inside the address field: the glyphs (baseline minus the font size) within its top
/// and bottom, starting at its left edge or right of it, within its width at most.
fn in_window(l: &Placed) -> bool {
    let (left, top, width, height) = ADDRESS_FIELD;
    let chars: f32 = l
        .text
        .chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum();
    l.x >= left
        && l.x + chars * l.size <= left + width
        && l.top - l.size >= top
        && l.top <= top + height
}

fn check_page(lines: &[Placed], letter: &postal_letters::PostalLetter, day: NaiveDate, name: &str) {
    let block = address_block(letter);
    assert_eq!(block[0], name, "the name in the letter's language");
    for part in &block {
        let l = find(lines, part);
        assert!(in_window(l), "{part:?} inside the DL window: {l:?}");
    }
    let shown: Vec<&Placed> = lines.iter().filter(|l| in_window(l)).collect();
    assert_eq!(
        shown.len(),
        block.len() + 1,
        "only the address and the return address show: {shown:#?}"
    );
    assert!(
        in_window(find(lines, "GPO Box 1000")),
        "the return address above the address"
    );
    assert!(
        find(lines, "Electronic Health Record Registration Office").top < 40.0,
        "letterhead"
    );
    let reference = letter.reference.as_deref().expect("a reference");
    find(lines, reference);
    let language = letter.language;
    find(lines, &written_date(day, language));
    find(lines, "3467 6300");
}

both_backends! {
    async fn letters_are_the_offices_letter_placed_for_a_dl_window_envelope(app: TestApp) {
        let mut conn = app.conn();
        let chinese = harness::patient(&mut conn, "zh-Hant", Means { sms: false, email: false, post: true });
        let english = harness::patient(&mut conn, "en", Means { sms: false, email: false, post: true });
        harness::notify(&mut conn, &chinese, NotificationKind::ConsentGiven, "ev-zh");
        harness::notify(&mut conn, &english, NotificationKind::ConsentRevoked, "ev-en");
        let _worker = harness::start_worker(&app);
        harness::wait_for(Duration::from_secs(10), "both letters queued", || {
            [&chinese, &english].iter().all(|p| harness::all_jobs(&mut conn, p)[0].status == jobs::DONE)
        }).await;
        let day = ehealth_notifier::postal::mailing_date(Utc::now());
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("date");
        let out = tempfile::TempDir::new().expect("dir");
        run_ok(ehealth(&app, &["postal", "batch", "--date", &day], out.path()));
        let stem = out.path().join(format!("ehealth-letters-{day}-run0001"));

        let csv = std::fs::read(stem.with_extension("csv")).expect("manifest");
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte-order mark for Excel");
        let rows = manifest_rows(&stem.with_extension("csv"));
        let doc = Document::load(stem.with_extension("pdf")).expect("pdf");
        for (patient, name) in [(&chinese, "陳大文"), (&english, "CHAN Tai Man")] {
            let job = &harness::all_jobs(&mut conn, patient)[0];
            let letter = postal_letters::find(&mut conn, &job.id).expect("q").expect("letter");
            let row = rows.iter().find(|r| r.3 == job.id).expect("in the manifest");
            let page: u32 = row.1.parse().expect("a page number");
            assert_eq!(Some(page as i32), letter.page, "the manifest's page is the letter's");
            assert_eq!(Some(row.2.as_str()), letter.reference.as_deref(), "the page's reference is the manifest's");
            check_page(&placed_text(&doc, page), &letter, date, name);
        }

        let info = doc.trailer.get(b"Info").and_then(|i| doc.get_object(i.as_reference()?)).expect("Info");
        let created = info.as_dict().expect("dict").get(b"CreationDate").expect("CreationDate");
        let created = String::from_utf8_lossy(created.as_str().expect("a string")).into_owned();
        let today = Utc::now().date_naive();
        let expected: Vec<String> = [today, today.pred_opt().expect("yesterday")].iter().map(|d| d.format("D:%Y%m%d").to_string()).collect();
        assert!(expected.iter().any(|e| created.starts_with(e)), "created now, not 1970: {created}");
    }
}
