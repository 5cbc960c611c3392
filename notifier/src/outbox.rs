//! The local outbox: one file per message under `<dir>/<channel>/`. Written to a
//! temporary name and renamed, so a reader never sees half a message; named by job id, so
//! a retried job overwrites its own file instead of adding a second one.

use std::io::Write;
use std::path::{Path, PathBuf};

use ehealth_core::db::jobs::Job;
use ehealth_core::domain::{Channel, Language};

use crate::messages::Message;

#[derive(Debug, Clone)]
pub struct Recipient {
    pub name: String,
    pub address: String,
    pub language: Language,
}

pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn write(
        &self,
        job: &Job,
        channel: Channel,
        to: &Recipient,
        message: &Message,
    ) -> std::io::Result<PathBuf> {
        let dir = self.dir.join(channel.as_str());
        std::fs::create_dir_all(&dir)?;
        let stamp = job.created_at.format("%Y%m%dT%H%M%S");
        let path = dir.join(format!("{stamp}-{}-{}.txt", job.job_type, job.id));
        let tmp = dir.join(format!(".{}.tmp", job.id));
        let mut file = std::fs::File::create(&tmp)?;
        write!(
            file,
            "To: {} <{}>\nChannel: {}\nLanguage: {}\nSubject: {}\nJob: {}\n\n{}",
            to.name, to.address, channel, to.language, message.subject, job.id, message.body
        )?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }
}
