//! A real SMTP server on loopback for the notifier's tests: the `mailin` crate's SMTP
//! session (command parser, state machine, replies, dot-unstuffing) over a TCP listener,
//! one thread per connection. What it accepts is parsed by `mail-parser` (MIME parts,
//! RFC 2047 headers, transfer encodings) into what a reader sees.
//!
//! Outage drill: `fail_next(n)` answers the DATA command of the next `n` messages 451 (try
//! later); `reject_all()` answers every DATA 550 (refused for good).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mail_parser::{Address, MessageParser, MimeHeaders};
use mailin::response::{self, Response};
use mailin::{Action, Handler, SessionBuilder};
use serde_json::{json, Value};

/// One accepted message: the envelope and the raw bytes as they arrived.
#[derive(Clone)]
struct Accepted {
    mail_from: String,
    rcpt_tos: Vec<String>,
    raw: Vec<u8>,
}

#[derive(Default)]
struct Mailbox {
    accepted: Vec<Accepted>,
    fail_next: u32,
    reject: bool,
}

/// The SMTP server; stopped (listener closed, threads joined) when dropped.
pub struct SmtpSink {
    pub port: u16,
    mailbox: Arc<Mutex<Mailbox>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("address").port();
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (mailbox, stop) = (mailbox.clone(), stop.clone());
            std::thread::spawn(move || accept(&listener, &mailbox, &stop))
        };
        Self {
            port,
            mailbox,
            stop,
            acceptor: Some(acceptor),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next `n` messages are answered "451 try later".
    pub fn fail_next(&self, n: u32) {
        self.mailbox.lock().expect("mailbox").fail_next = n;
    }

    /// Every message is answered "550 mailbox unavailable".
    pub fn reject_all(&self) {
        self.mailbox.lock().expect("mailbox").reject = true;
    }

    /// What was accepted, in order, as a reader sees it: envelope, decoded headers, and
    /// each leaf part's decoded text by its content type.
    pub fn messages(&self) -> Vec<Value> {
        let accepted = self.mailbox.lock().expect("mailbox").accepted.clone();
        accepted.iter().map(summary).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: &TcpListener, mailbox: &Arc<Mutex<Mailbox>>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let mailbox = mailbox.clone();
        std::thread::spawn(move || {
            let _ = serve(stream, mailbox);
        });
    }
}

/// One SMTP connection: greeting, then each line through the session, until QUIT or EOF.
fn serve(stream: TcpStream, mailbox: Arc<Mutex<Mailbox>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let remote = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    let mut session = SessionBuilder::new("sink.ehealth.test").build(remote, Sink::new(mailbox));
    session.greeting().write_to(&mut writer)?;
    writer.flush()?;
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let answer = session.process(&line);
        match answer.action {
            Action::NoReply => continue,
            Action::Reply | Action::UpgradeTls => answer.write_to(&mut writer)?,
            Action::Close => {
                answer.write_to(&mut writer)?;
                writer.flush()?;
                return Ok(());
            }
        }
        writer.flush()?;
    }
}

/// The session's handler: collects one message's envelope and data; answers DATA as the
/// outage drill says.
struct Sink {
    mailbox: Arc<Mutex<Mailbox>>,
    current: Accepted,
}

impl Sink {
    fn new(mailbox: Arc<Mutex<Mailbox>>) -> Self {
        let current = Accepted {
            mail_from: String::new(),
            rcpt_tos: Vec::new(),
            raw: Vec::new(),
        };
        Self { mailbox, current }
    }
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current = Accepted {
            mail_from: from.to_owned(),
            rcpt_tos: Vec::new(),
            raw: Vec::new(),
        };
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.current.rcpt_tos.push(to.to_owned());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.raw.extend_from_slice(buf);
        Ok(())
    }

    /// The outage drill answers the DATA command itself: after a failed end of data,
    /// `mailin` 0.6 stays in its data state and would read the client's RSET as message
    /// text, whereas a refused DATA leaves the session ready for RSET or QUIT.
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        let Ok(mut mailbox) = self.mailbox.lock() else {
            return response::INTERNAL_ERROR;
        };
        if mailbox.reject {
            return response::NO_MAILBOX;
        }
        if mailbox.fail_next > 0 {
            mailbox.fail_next -= 1;
            return Response::custom(451, "4.3.0 try again later".to_owned());
        }
        response::START_DATA
    }

    fn data_end(&mut self) -> Response {
        let Ok(mut mailbox) = self.mailbox.lock() else {
            return response::INTERNAL_ERROR;
        };
        mailbox.accepted.push(self.current.clone());
        response::OK
    }
}

fn summary(accepted: &Accepted) -> Value {
    let Some(message) = MessageParser::default().parse(&accepted.raw) else {
        return json!({ "mail_from": accepted.mail_from, "rcpt_tos": accepted.rcpt_tos });
    };
    let mut parts = serde_json::Map::new();
    for part in message.parts.iter().filter(|p| !p.is_multipart()) {
        if let (Some(kind), Some(text)) = (part.content_type(), part.text_contents()) {
            let name = format!("{}/{}", kind.ctype(), kind.subtype().unwrap_or_default());
            parts.insert(name, Value::String(text.to_owned()));
        }
    }
    let content_type = message
        .content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()));
    json!({
        "mail_from": accepted.mail_from,
        "rcpt_tos": accepted.rcpt_tos,
        "from": addresses(message.from()),
        "to": addresses(message.to()),
        "subject": message.subject(),
        "message_id": message.message_id().map(|id| format!("<{id}>")),
        "content_type": content_type,
        "parts": parts,
    })
}

/// `Name <address>, ...`, as a mail reader shows an address header.
fn addresses(list: Option<&Address>) -> String {
    let Some(list) = list else {
        return String::new();
    };
    list.iter()
        .map(|a| match (a.name(), a.address()) {
            (Some(name), Some(address)) => format!("{name} <{address}>"),
            (None, Some(address)) => address.to_owned(),
            (Some(name), None) => name.to_owned(),
            (None, None) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
