//! Email over SMTP with lettre: one multipart message (plain text and HTML) in the
//! patient's language. `SMTP_URL` chooses the security: `smtps://` (TLS from the first
//! byte), `smtp://host?tls=required` (STARTTLS), plain `smtp://` for a local relay.

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};

use super::SendError;
use crate::messages::Message;

pub struct EmailClient {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailClient {
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .build();
        let from = from
            .parse()
            .map_err(|e| format!("smtp.from {from:?}: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends one message; returns its Message-ID. The id is the job's, so a retry after
    /// an unclear failure carries the same Message-ID and mail systems can tell it is
    /// the same message.
    pub async fn send(
        &self,
        job_id: &str,
        to_name: &str,
        to_address: &str,
        language: &str,
        message: &Message,
    ) -> Result<String, SendError> {
        let to: Mailbox = format!("{to_name} <{to_address}>")
            .parse()
            .or_else(|_| to_address.parse())
            .map_err(|e| SendError::permanent(format!("bad email address: {e}")))?;
        let message_id = format!("<{job_id}@notifier.ehealth>");
        let mail = Mail::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(message.body.clone()))
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html(language, message)),
                    ),
            )
            .map_err(|e| SendError::permanent(format!("cannot build the email: {e}")))?;
        self.transport
            .send(mail)
            .await
            .map_err(|e| classify(&e))
            .map(|_| message_id)
    }
}

/// A 5xx reply refuses this message for good (unknown mailbox); anything else may pass
/// on a later try.
fn classify(e: &SmtpError) -> SendError {
    if e.is_permanent() {
        SendError::permanent(format!("smtp refused: {e}"))
    } else {
        SendError::transient(format!("smtp: {e}"))
    }
}

fn html(language: &str, message: &Message) -> String {
    let paragraphs: String = message
        .body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect();
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{paragraphs}</body></html>",
        escape(language),
        escape(&message.subject)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_the_text_and_names_the_language() {
        let m = Message {
            subject: "A & B".into(),
            body: "line <1>\n\nline 2\n".into(),
        };
        let h = html("zh-Hant", &m);
        assert!(h.contains("<html lang=\"zh-Hant\">"));
        assert!(h.contains("<p>line &lt;1&gt;</p><p>line 2</p>"));
        assert!(h.contains("<title>A &amp; B</title>"));
    }
}
