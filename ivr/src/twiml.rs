//! Our own TwiML writer. Every attribute and text is XML-escaped, so that a provider name
//! or a configured number can never break the document a caller's call depends on.

pub use ehealth_core::config::SayVoice;

/// One `<Say>`: text in a named voice and its language (`Polly.Amy-Neural`, `en-GB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    pub voice: SayVoice,
    pub text: String,
}

/// A `<Gather input="dtmf">` that posts the keyed digits to `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    pub action: String,
    pub num_digits: u8,
    pub timeout_secs: u8,
    pub finish_on_key: &'static str,
    pub prompts: Vec<Say>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Say(Say),
    Gather(Gather),
    Redirect(String),
    Dial(String),
    Hangup,
}

/// A TwiML `<Response>` built verb by verb.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    verbs: Vec<Verb>,
}

impl Response {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(mut self, verb: Verb) -> Self {
        self.verbs.push(verb);
        self
    }

    pub fn say(self, voice: &SayVoice, text: impl Into<String>) -> Self {
        self.push(Verb::Say(Say {
            voice: voice.clone(),
            text: text.into(),
        }))
    }

    pub fn verbs(&self) -> &[Verb] {
        &self.verbs
    }

    /// The XML document, with declaration, one verb per line for readable snapshots.
    pub fn render(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n");
        for verb in &self.verbs {
            render_verb(&mut out, verb);
        }
        out.push_str("</Response>\n");
        out
    }
}

fn render_say(out: &mut String, say: &Say, indent: &str) {
    out.push_str(&format!(
        "{indent}<Say voice=\"{}\" language=\"{}\">{}</Say>\n",
        escape(&say.voice.voice),
        escape(&say.voice.language),
        escape(&say.text)
    ));
}

fn render_verb(out: &mut String, verb: &Verb) {
    match verb {
        Verb::Say(say) => render_say(out, say, "  "),
        Verb::Gather(g) => {
            out.push_str(&format!(
                "  <Gather input=\"dtmf\" numDigits=\"{}\" timeout=\"{}\" finishOnKey=\"{}\" action=\"{}\" method=\"POST\">\n",
                g.num_digits,
                g.timeout_secs,
                escape(g.finish_on_key),
                escape(&g.action)
            ));
            for say in &g.prompts {
                render_say(out, say, "    ");
            }
            out.push_str("  </Gather>\n");
        }
        Verb::Redirect(url) => out.push_str(&format!(
            "  <Redirect method=\"POST\">{}</Redirect>\n",
            escape(url)
        )),
        Verb::Dial(number) => out.push_str(&format!("  <Dial>{}</Dial>\n", escape(number))),
        Verb::Hangup => out.push_str("  <Hangup/>\n"),
    }
}

/// Escapes the five XML special characters, for text and attribute values alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> SayVoice {
        SayVoice {
            voice: "Polly.Amy-Neural".to_owned(),
            language: "en-GB".to_owned(),
        }
    }

    #[test]
    fn escapes_the_five_special_characters() {
        assert_eq!(
            escape(r#"Tom & Jerry's <"Clinic">"#),
            "Tom &amp; Jerry&apos;s &lt;&quot;Clinic&quot;&gt;"
        );
        assert_eq!(escape("海景醫務中心"), "海景醫務中心");
    }

    #[test]
    fn hostile_text_and_urls_stay_inside_their_element() {
        let twiml = Response::new()
            .say(&english(), "</Say><Dial>+85200000000</Dial><Say>")
            .push(Verb::Gather(Gather {
                action: "https://ivr.example/ivr/voice/menu?a=1&b=\"2\"".to_owned(),
                num_digits: 1,
                timeout_secs: 6,
                finish_on_key: "#",
                prompts: vec![Say {
                    voice: english(),
                    text: "請按 1 & 2".to_owned(),
                }],
            }))
            .push(Verb::Hangup)
            .render();
        assert!(!twiml.contains("<Dial>"), "{twiml}");
        assert!(twiml.contains("menu?a=1&amp;b=&quot;2&quot;"), "{twiml}");
        assert!(twiml.contains("請按 1 &amp; 2"), "{twiml}");
        assert!(twiml.ends_with("  <Hangup/>\n</Response>\n"));
    }

    #[test]
    fn renders_every_verb() {
        let twiml = Response::new()
            .push(Verb::Redirect("https://x/ivr/voice/menu".to_owned()))
            .push(Verb::Dial("+85212345678".to_owned()))
            .render();
        assert_eq!(
            twiml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n  <Redirect method=\"POST\">https://x/ivr/voice/menu</Redirect>\n  <Dial>+85212345678</Dial>\n</Response>\n"
        );
    }
}
