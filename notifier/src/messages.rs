//! Message texts in the patient's language. They carry no clinical detail: who, when,
//! and the hotline. (The notifier issue replaces these with reviewed, snapshot-tested
//! templates.)

use ehealth_core::domain::{Language, NotificationKind};
use serde_json::Value;

pub const HOTLINE: &str = "3467 6300";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

fn fact<'a>(payload: &'a Value, key: &str) -> &'a str {
    payload
        .get("facts")
        .and_then(|f| f.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn provider_name(payload: &Value, language: Language) -> String {
    let zh = fact(payload, "provider_name_zh");
    match language {
        Language::English => fact(payload, "provider_name_en").to_owned(),
        _ if !zh.is_empty() => zh.to_owned(),
        _ => fact(payload, "provider_name_en").to_owned(),
    }
}

pub fn render(kind: NotificationKind, language: Language, payload: &Value) -> Message {
    let when = payload
        .get("occurred_at")
        .and_then(Value::as_str)
        .unwrap_or("");
    let provider = provider_name(payload, language);
    let (en, zh_hant, zh_hans) = texts(kind, payload, &provider);
    let (subject, line, footer) = match language {
        Language::English => (
            "eHealth",
            en,
            format!("Time: {when}. Enquiries: eHealth hotline {HOTLINE}."),
        ),
        Language::TraditionalChinese => (
            "醫健通",
            zh_hant,
            format!("時間：{when}。查詢請致電醫健通熱線 {HOTLINE}。"),
        ),
        Language::SimplifiedChinese => (
            "医健通",
            zh_hans,
            format!("时间：{when}。查询请致电医健通热线 {HOTLINE}。"),
        ),
    };
    Message {
        subject: format!("{subject}: {}", kind.as_str().replace('_', " ")),
        body: format!("{line}\n{footer}\n"),
    }
}

fn texts(kind: NotificationKind, payload: &Value, provider: &str) -> (String, String, String) {
    use NotificationKind as K;
    match kind {
        K::RegistrationCompleted => {
            let ehr = fact(payload, "ehr_number");
            (
                format!("You have joined eHealth. Your eHR number is {ehr}."),
                format!("閣下已登記參加醫健通，電子健康紀錄號碼為 {ehr}。"),
                format!("阁下已登记参加医健通，电子健康记录号码为 {ehr}。"),
            )
        }
        K::ConsentGiven => (
            format!("You gave sharing consent to {provider}."),
            format!("閣下已給予{provider}互通同意。"),
            format!("阁下已给予{provider}互通同意。"),
        ),
        K::ConsentRevoked => (
            format!("Your sharing consent to {provider} has been revoked."),
            format!("閣下給予{provider}的互通同意已撤銷。"),
            format!("阁下给予{provider}的互通同意已撤销。"),
        ),
        K::ConsentExpiring => (
            format!("Your one-year sharing consent to {provider} expires in 30 days."),
            format!("閣下給予{provider}的一年互通同意將於30日後屆滿。"),
            format!("阁下给予{provider}的一年互通同意将于30日后届满。"),
        ),
        K::AccessKeyIssued => {
            let key = fact(payload, "access_key");
            (
                format!("Your new eHealth access key is {key}. Keep it secret; the old key no longer works."),
                format!("閣下的新醫健通存取鑰匙為 {key}，請妥為保管；舊鑰匙已失效。"),
                format!("阁下的新医健通存取钥匙为 {key}，请妥为保管；旧钥匙已失效。"),
            )
        }
        K::AccessKeyLocked => (
            "Your access key was locked after too many wrong tries. Generate a new one in the app or on the voice line.".to_owned(),
            "閣下的存取鑰匙因多次輸入錯誤已被鎖定，請在應用程式或電話熱線產生新鑰匙。".to_owned(),
            "阁下的存取钥匙因多次输入错误已被锁定，请在应用程序或电话热线产生新钥匙。".to_owned(),
        ),
        K::RecordAccessed => (
            format!("Your eHealth record was accessed by {provider}."),
            format!("{provider}已查閱閣下的醫健通紀錄。"),
            format!("{provider}已查阅阁下的医健通记录。"),
        ),
        K::Withdrawal => (
            "You have withdrawn from eHealth. All sharing consents have ended.".to_owned(),
            "閣下已退出醫健通，所有互通同意已終止。".to_owned(),
            "阁下已退出医健通，所有互通同意已终止。".to_owned(),
        ),
        K::VerificationCode => {
            let code = fact(payload, "code");
            (
                format!("Your eHealth verification code is {code}. Do not share it."),
                format!("閣下的醫健通驗證碼為 {code}，切勿向他人透露。"),
                format!("阁下的医健通验证码为 {code}，切勿向他人透露。"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_renders_in_every_language_with_the_hotline() {
        let payload = json!({
            "occurred_at": "2026-11-25T10:00:00+08:00",
            "facts": { "provider_name_en": "Harbour Clinic", "provider_name_zh": "海港診所",
                       "ehr_number": "123456789012", "access_key": "12345678", "code": "654321" }
        });
        for kind in NotificationKind::ALL {
            for (language, provider) in [
                (Language::English, "Harbour Clinic"),
                (Language::TraditionalChinese, "海港診所"),
                (Language::SimplifiedChinese, "海港診所"),
            ] {
                let m = render(*kind, language, &payload);
                assert!(m.body.contains(HOTLINE), "{kind} {language}");
                assert!(m.body.contains("2026-11-25T10:00:00+08:00"));
                let names_provider = matches!(
                    kind,
                    NotificationKind::ConsentGiven
                        | NotificationKind::ConsentRevoked
                        | NotificationKind::ConsentExpiring
                        | NotificationKind::RecordAccessed
                );
                assert_eq!(
                    m.body.contains(provider),
                    names_provider,
                    "{kind} {language}: {}",
                    m.body
                );
            }
        }
    }
}
