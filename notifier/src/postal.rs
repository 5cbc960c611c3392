//! Post: the notifier queues each postal job as a letter (rendered in the patient's
//! language); `ehealth postal batch --date D` takes the day's waiting letters as a new,
//! numbered run and prints them into that run's own PDF (the Office's letter, see
//! `letter`; a subset of a CJK font is embedded so Chinese renders on any printer) plus a
//! CSV manifest for the mail house, then marks them printed. A later run the same day
//! takes only letters no run took; `reprint` makes a run's files again from the database.

mod letter;
mod run;

pub use letter::{address_block, written_date, ADDRESS_FIELD};
pub use run::{print_batch, reprint, PrintedBatch, BUILT_IN_FONT};

use chrono::{DateTime, Utc};
use ehealth_core::context::Services;
use ehealth_core::db::jobs::Job;
use ehealth_core::db::postal_letters::{self, PostalLetter};
use ehealth_core::db::{to_db, write_tx};
use ehealth_core::CoreError;

use ehealth_core::domain::Language;
use ehealth_core::hong_kong_time::hong_kong_date;

use crate::messages::{Message, HOTLINE};
use crate::outbox::Recipient;

/// The Hong Kong date a letter queued at `now` is mailed on.
pub fn mailing_date(now: DateTime<Utc>) -> String {
    hong_kong_date(now).format("%Y-%m-%d").to_string()
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
        language: to.language,
        subject: message.subject.clone(),
        body: postal_letters::seal_body(services.hasher.sealer(), &job.id, &message.body)?,
        created_at: to_db(now),
        printed_at: None,
        run_no: None,
        page: None,
        reference: None,
    };
    let mut conn = services.db.get()?;
    write_tx(&mut conn, |c| Ok(postal_letters::queue(c, &letter)?))?;
    Ok(format!("postal:{}", letter.mailing_date))
}

/// The text printed in a letter: the place where a letter's text gets what it must
/// not keep once printed (an access key). A reprinted letter whose text was cleared
/// says so instead of printing an empty page.
pub fn letter_text(l: &PostalLetter) -> String {
    if !l.body.is_empty() {
        return l.body.clone();
    }
    match l.language {
        Language::English => format!("This is a copy of a letter already printed; its text is no longer held. Please call the eHR hotline {HOTLINE}."),
        Language::TraditionalChinese => format!("本信為已印發信件的副本，原文已不再保存。請致電電子健康紀錄熱線 {HOTLINE}。"),
        Language::SimplifiedChinese => format!("本信为已印发信件的副本，原文已不再保存。请致电电子健康记录热线 {HOTLINE}。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mailing_date_is_the_hong_kong_date() {
        let late_utc = DateTime::parse_from_rfc3339("2026-11-25T17:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(late_utc.map(mailing_date).as_deref(), Some("2026-11-26"));
    }
}
