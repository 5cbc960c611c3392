//! Push to each of a patient's app devices. Each device's delivery is its own unit: a
//! device that fails for now is retried (with the job's backoff, or as long as FCM asks)
//! while the devices already served are not sent to again; their outcome is kept in the
//! job's `progress`. A device FCM no longer knows (or whose token it calls invalid) is
//! dropped. The job is done when every device is settled; dead when none took it and
//! every device refused it for good.

use std::collections::BTreeMap;

use ehealth_core::context::Services;
use ehealth_core::db::devices;
use ehealth_core::db::jobs::Job;
use ehealth_core::domain::NotificationKind;
use mobile_bridge::fcm::{Push, PushError, PushOutcome, QUOTA_BACKOFF};
use serde::{Deserialize, Serialize};

use super::{blocking, Delivery};
use crate::channels::Channels;
use crate::messages::Message;

/// Devices settled on earlier tries of the job, by device id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Progress {
    /// FCM's message name for each device that took the message.
    #[serde(default)]
    sent: BTreeMap<String, String>,
    /// Why each device refused it for good.
    #[serde(default)]
    refused: BTreeMap<String, String>,
}

impl Progress {
    fn settled(&self, device_id: &str) -> bool {
        self.sent.contains_key(device_id) || self.refused.contains_key(device_id)
    }
}

/// One collapse key per kind, so a newer message of a kind replaces an older one on an
/// offline device and FCM's limit of four keys per device is never exceeded; none for
/// access notices, each of which the patient must see.
fn collapse_key(kind: NotificationKind) -> Option<&'static str> {
    (kind != NotificationKind::RecordAccessed).then(|| kind.as_str())
}

pub(super) async fn push(
    services: &Services,
    channels: &Channels,
    job: &Job,
    kind: NotificationKind,
    message: &Message,
) -> Delivery {
    let Some(fcm) = channels.push.clone() else {
        return super::failed("no fcm", true);
    };
    let mut progress: Progress = job
        .progress
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    let (s, patient_id) = (services.clone(), job.patient_id.clone());
    let found = blocking(move || {
        // A job for no patient (an applicant's) has no devices to reach.
        let Some(patient_id) = patient_id else {
            return Ok(Vec::new());
        };
        let mut conn = s.db.get()?;
        Ok(devices::for_patient(&mut conn, &patient_id)?)
    })
    .await;
    let devices = match found {
        Ok(d) => d,
        Err(e) => return super::failed(e.to_string(), false),
    };
    let mut waiting = Vec::new();
    let owed: Vec<_> = devices
        .into_iter()
        .filter(|d| !progress.settled(&d.id))
        .collect();
    for device in &owed {
        let push = Push {
            device_token: &device.fcm_token,
            title: &message.subject,
            body: &message.body,
            collapse_key: collapse_key(kind),
        };
        match fcm.send(&push).await {
            Ok(PushOutcome::Sent(name)) => {
                progress.sent.insert(device.id.clone(), name);
            }
            Ok(PushOutcome::Unregistered) => {
                if let Err(e) = drop_device(services, device.fcm_token.clone()).await {
                    waiting.push(PushError::Transient(e));
                }
            }
            Err(PushError::Permanent(e)) => {
                tracing::warn!(job = %job.id, device = %device.id, error = %e, "push refused");
                progress.refused.insert(device.id.clone(), e);
            }
            Err(e) => {
                tracing::warn!(job = %job.id, device = %device.id, error = %e, "push to a device failed for now");
                waiting.push(e);
            }
        }
    }
    outcome(&progress, &waiting)
}

fn outcome(progress: &Progress, waiting: &[PushError]) -> Delivery {
    if !waiting.is_empty() {
        return retry_later(progress, waiting);
    }
    if progress.sent.is_empty() && !progress.refused.is_empty() {
        // Every device refused for good (a wrong project, a revoked key, a bad message):
        // the job dies where the Office sees it, rather than pass for delivered.
        let reasons: Vec<&str> = progress.refused.values().map(String::as_str).collect();
        return super::failed(format!("fcm refused: {}", reasons.join("; ")), true);
    }
    let names: Vec<&str> = progress.sent.values().map(String::as_str).collect();
    Delivery::Sent {
        provider_ref: Some(if names.is_empty() {
            "fcm:no-device".to_owned()
        } else {
            format!("fcm:{}", names.join(","))
        }),
        scrubbed_payload: None,
    }
}

/// Some device is still owed the message: try again when FCM allows (its `Retry-After`,
/// exponential from a minute on quota), keeping what is settled.
fn retry_later(progress: &Progress, waiting: &[PushError]) -> Delivery {
    let wait = waiting
        .iter()
        .filter_map(|e| match e {
            PushError::Later { wait, .. } => Some(*wait),
            _ => None,
        })
        .max();
    let quota = waiting
        .iter()
        .any(|e| matches!(e, PushError::Later { quota: true, .. }));
    let errors: Vec<String> = waiting.iter().map(ToString::to_string).collect();
    Delivery::Failed {
        error: errors.join("; "),
        permanent: false,
        retry: super::Retry {
            at_least: wait,
            backoff_base: quota.then_some(QUOTA_BACKOFF),
        },
        progress: serde_json::to_string(progress).ok(),
    }
}

async fn drop_device(services: &Services, token: String) -> Result<(), String> {
    let s = services.clone();
    blocking(move || {
        let mut conn = s.db.get()?;
        devices::remove_token(&mut conn, &token)?;
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_device_failing_for_now_keeps_the_job_open_with_what_is_settled() {
        let mut progress = Progress::default();
        progress
            .sent
            .insert("a".into(), "projects/p/messages/1".into());
        let later = PushError::Later {
            message: "503".into(),
            wait: Duration::from_secs(20),
            quota: false,
        };
        let Delivery::Failed {
            permanent,
            retry,
            progress,
            ..
        } = outcome(&progress, &[later])
        else {
            panic!("must retry");
        };
        assert!(!permanent);
        assert_eq!(retry.at_least, Some(Duration::from_secs(20)));
        assert!(progress.unwrap().contains("projects/p/messages/1"));
    }

    #[test]
    fn access_notices_do_not_collapse_other_kinds_share_one_key() {
        assert_eq!(collapse_key(NotificationKind::RecordAccessed), None);
        assert_eq!(
            collapse_key(NotificationKind::ConsentGiven),
            Some("consent_given")
        );
    }
}
