//! What the two sharing-consent forms' posts share (by access key, `consent.rs`; by signed
//! form or smart HKIC, `form_consent.rs`): the action run once per form id, the note on
//! its outcome, and the page that answers the post with the form again. Each form keeps
//! its own fields, parsing and wording in a `ConsentPage`.

use actix_web::{web, HttpRequest, HttpResponse};
use ehealth_core::actions::accounts::Staff;
use ehealth_core::actions::counter_consent::{self, PatientRef};
use ehealth_core::context::Services;
use ehealth_core::db::consents::{self, SharingConsent};
use ehealth_core::db::{patients, DbConn};
use ehealth_core::domain::NotificationMeans;
use ehealth_core::ids::PatientId;
use ehealth_core::{CoreError, CoreResult};
use maud::{html, Markup};

use super::consent::consent_sentence;
use super::layout::{page as html_page, valid_form_id};
use super::staff_page;
use super::submission::{self, Turn};
use super::{Frame, Lang};
use crate::http::errors::ApiError;

/// What a consent form's post did.
pub enum ConsentDone {
    /// The consent the action left, and how the patient is told of it.
    Changed(SharingConsent, Vec<NotificationMeans>),
    /// A repeat of a form already sent: the consent as the first post left it.
    Repeat(Option<SharingConsent>),
}

/// The form id a consent form carries, as the page wrote it.
pub fn form_id_of(sent: &str) -> CoreResult<&str> {
    valid_form_id(sent).ok_or_else(|| CoreError::invalid("form_id", "reload the page"))
}

/// Runs `action` once for the form `form_id` (see `submission`); a repeat is shown this
/// clinic's consent of `who` as the first post left it.
pub fn once(
    services: &Services,
    staff: &Staff,
    form_id: &str,
    who: &PatientRef,
    action: impl FnOnce(&mut DbConn) -> CoreResult<SharingConsent>,
) -> CoreResult<ConsentDone> {
    let mut conn = services.db.get()?;
    if submission::claim(&mut conn, form_id, &staff.account.id)? == Turn::Repeat {
        return Ok(ConsentDone::Repeat(clinic_consent(&mut conn, staff, who)?));
    }
    let outcome = action(&mut conn);
    submission::finish(&mut conn, form_id)?;
    let consent = outcome?;
    let means = means_of(&mut conn, &consent.patient_id)?;
    Ok(ConsentDone::Changed(consent, means))
}

/// A consent form's page: where it answers, its title, its wording and the form itself.
pub struct ConsentPage {
    /// The menu entry the answer is shown under.
    pub path: &'static str,
    pub title: fn(Lang) -> &'static str,
    /// The note's first words on a change, before "This clinic's sharing consent: …".
    pub done: fn(Lang) -> &'static str,
    /// What the confirmation tells the patient besides the change (may be empty),
    /// after "… and in the eHealth app".
    pub also_told: fn(Lang) -> &'static str,
    /// The form again, with the patient's eHR number filled in.
    pub form: fn(Lang, &str) -> Markup,
}

impl ConsentPage {
    /// Answers a post of this form: `act` on the `body` posted, run for the signed-in
    /// HCProf; its outcome in a note, and the form again for `ehr`.
    pub async fn answer<B: Send + 'static>(
        &self,
        services: web::Data<Services>,
        req: &HttpRequest,
        ehr: String,
        body: B,
        act: fn(&Services, &Staff, &B) -> CoreResult<ConsentDone>,
    ) -> Result<HttpResponse, ApiError> {
        let lang = Lang::of(req);
        let acted = staff_page::as_staff(services, req, move |services, staff| {
            act(services, staff, &body)
        });
        let (name, outcome) = match acted.await? {
            Ok(acted) => acted,
            Err(answer) => return Ok(answer),
        };
        let (status, note) = staff_page::outcome_note(lang, outcome, |done| self.note(lang, done))?;
        let frame = Frame {
            lang,
            path: self.path,
            signed_in_as: Some(&name),
        };
        let body = html! { (note) ((self.form)(lang, &ehr)) };
        Ok(html_page(status, &frame, (self.title)(lang), body))
    }

    fn note(&self, lang: Lang, done: &ConsentDone) -> Markup {
        let also = (self.also_told)(lang);
        html! {
            @match done {
                ConsentDone::Changed(c, means) => {
                    p.ok #result role="status" {
                        ((self.done)(lang)) (lang.t(" This clinic's sharing consent: ", "本機構的互通同意："))
                        (consent_sentence(lang, c)) (lang.t(".", "。"))
                    }
                    p #confirmation {
                        @match lang {
                            Lang::En => { "The patient is sent a confirmation of this by " (lang.means(means)) ", and in the eHealth app" (also) "." }
                            Lang::ZhHant => { "病人會經" (lang.means(means)) "及醫健通應用程式收到確認通知" (also) "。" }
                        }
                    }
                }
                ConsentDone::Repeat(current) => { (repeat_note(lang, current.as_ref())) }
            }
        }
    }
}

/// The note for a consent form sent again: it was acted on once; the consent it left.
fn repeat_note(lang: Lang, current: Option<&SharingConsent>) -> Markup {
    html! {
        p.ok #result role="status" {
            (lang.t("This form was already sent; it was acted on once. This clinic's sharing consent now: ",
                "此表格已遞交，只會處理一次。本機構現時的互通同意："))
            @match current {
                Some(c) => { (consent_sentence(lang, c)) (lang.t(".", "。")) }
                None => { (lang.t("none.", "沒有。")) }
            }
        }
    }
}

/// This clinic's latest sharing consent of the patient, if the patient and one exist.
fn clinic_consent(
    conn: &mut DbConn,
    staff: &Staff,
    who: &PatientRef,
) -> CoreResult<Option<SharingConsent>> {
    let Some(p) = counter_consent::find_patient(conn, who)? else {
        return Ok(None);
    };
    Ok(consents::history(conn, &p.id)?
        .into_iter()
        .filter(|c| Some(c.provider_id.as_str()) == staff.provider_id())
        .max_by_key(|c| c.given_at))
}

/// How the patient is told of a change to their consent (none when not found).
fn means_of(conn: &mut DbConn, patient_id: &PatientId) -> CoreResult<Vec<NotificationMeans>> {
    Ok(patients::find(conn, patient_id)?
        .map(|p| p.notification_means())
        .unwrap_or_default())
}
