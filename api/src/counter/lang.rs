//! The portal's two languages (issue 18): English and Traditional Chinese, chosen on every
//! page and remembered in a cookie; dates and times in Hong Kong time as each writes them;
//! errors in plain words, never a raw code.

use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDateTime, Utc};
use ehealth_core::domain::{DataType, NotificationMeans};
use ehealth_core::hong_kong_time::hong_kong_time;
use ehealth_core::CoreError;
use ehealth_core::ErrorCode;

pub const LANG_COOKIE: &str = "counter_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhHant,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "en" => Some(Self::En),
            "zh-Hant" => Some(Self::ZhHant),
            _ => None,
        }
    }

    /// The cookie's choice; else the browser's first preference for Chinese; else English.
    pub fn of(req: &HttpRequest) -> Self {
        let header_text = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
        let chosen = header_text(header::COOKIE).and_then(|c| {
            c.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == LANG_COOKIE).then(|| Self::parse(value)).flatten()
            })
        });
        chosen.unwrap_or_else(|| match header_text(header::ACCEPT_LANGUAGE) {
            Some(a) if a.trim_start().to_ascii_lowercase().starts_with("zh") => Self::ZhHant,
            _ => Self::En,
        })
    }

    /// The BCP 47 tag (`lang` attribute, cookie value).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhHant => "zh-Hant",
        }
    }

    /// The other language, offered by the switch on every page.
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::ZhHant,
            Self::ZhHant => Self::En,
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::ZhHant => "繁體中文",
        }
    }

    pub fn t(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Self::En => en,
            Self::ZhHant => zh,
        }
    }

    /// A moment in Hong Kong time, as the language writes dates.
    pub fn date_time(self, at: DateTime<Utc>) -> String {
        let local = hong_kong_time(at);
        match self {
            Self::En => local
                .format("%-d %B %Y, %H:%M (Hong Kong time)")
                .to_string(),
            Self::ZhHant => local.format("%Y年%-m月%-d日 %H:%M（香港時間）").to_string(),
        }
    }

    /// A stored (UTC) moment.
    pub fn stored_time(self, at: NaiveDateTime) -> String {
        self.date_time(at.and_utc())
    }

    pub fn data_type(self, t: DataType) -> &'static str {
        use DataType::*;
        match t {
            Demographics => self.t(
                "Personal identification and demographic data",
                "個人身份及人口資料",
            ),
            Encounters => self.t("Encounters and appointments", "就診及預約紀錄"),
            LabRadiologyReports => self.t("Laboratory and radiology reports", "化驗及放射報告"),
            ObservationsLifestyle => {
                self.t("Observation and lifestyle records", "觀察及生活習慣紀錄")
            }
            AllergiesAdrs => self.t("Allergies and adverse drug reactions", "過敏及藥物不良反應"),
            ClinicalNotes => self.t("Clinical notes and summaries", "臨床紀錄及摘要"),
            OtherInvestigations => self.t("Other investigation reports", "其他檢查報告"),
            MedicalCertificates => self.t("Medical certificates", "醫生證明書"),
            DiagnosisProceduresMedication => {
                self.t("Diagnosis, procedures and medication", "診斷、程序及藥物")
            }
            BirthImmunisation => self.t("Birth and immunisation records", "出生及防疫注射紀錄"),
            Referrals => self.t("Healthcare referrals", "醫療轉介"),
        }
    }

    pub fn consent_type(self, t: &str) -> &'static str {
        match t {
            "one_year" => self.t("one year", "一年"),
            "indefinite" => self.t("indefinite (until revoked)", "無限期（直至撤銷）"),
            "deemed" => self.t("deemed (public healthcare)", "當作已給予（公營醫療）"),
            _ => self.t("other", "其他"),
        }
    }

    pub fn consent_status(self, s: &str) -> &'static str {
        match s {
            "active" => self.t("active", "有效"),
            "superseded" => self.t("replaced", "已被取代"),
            "revoked" => self.t("revoked", "已撤銷"),
            _ => self.t("ended", "已終止"),
        }
    }

    /// The means a patient's confirmations go by, as a phrase ("SMS and email").
    pub fn means(self, means: &[NotificationMeans]) -> String {
        let names: Vec<&str> = means
            .iter()
            .map(|m| match m {
                NotificationMeans::Sms => self.t("SMS", "短訊"),
                NotificationMeans::Email => self.t("email", "電郵"),
                NotificationMeans::Post => self.t("post", "郵寄"),
            })
            .collect();
        names.join(self.t(" and ", "及"))
    }

    /// An error in plain words; the code picks the words, never shown itself.
    pub fn error(self, err: &CoreError) -> String {
        let plain = |en: &str, zh: &str| self.t_owned(en, zh);
        match err.code() {
            ErrorCode::InvalidInput => self.invalid(err),
            ErrorCode::WrongCredentials => plain(
                "The provider number, username, password or authenticator code is not right. Please try again.",
                "醫護提供者編號、用戶名稱、密碼或驗證碼不正確，請再試。",
            ),
            ErrorCode::WrongAccessKey => match tries_left(err) {
                Some(n) => match self {
                    Self::En => format!("The access key is not right. {n} more wrong tries will lock it."),
                    Self::ZhHant => format!("存取密碼不正確。再錯 {n} 次便會鎖上。"),
                },
                None => plain("The access key is not right.", "存取密碼不正確。"),
            },
            ErrorCode::AccessKeyLocked => plain(
                "The access key is locked after too many wrong tries. The patient must make a new one in the eHealth app or on the voice line.",
                "存取密碼因多次輸入錯誤已被鎖上。病人須在醫健通應用程式或電話熱線重新產生存取密碼。",
            ),
            ErrorCode::NoAccessKey => plain(
                "This patient has no access key yet.",
                "此病人尚未有存取密碼。",
            ),
            ErrorCode::PatientNotFound => plain(
                "No patient was found with these details.",
                "找不到符合資料的病人。",
            ),
            ErrorCode::RateLimited => plain(
                "Too many tries. Please wait a few minutes and try again.",
                "嘗試次數過多，請等候數分鐘後再試。",
            ),
            ErrorCode::NoConsent => plain(
                "Your clinic holds no sharing consent from this patient to renew, change or revoke.",
                "貴機構未有此病人的互通同意，無法續期、更改或撤銷。",
            ),
            ErrorCode::SameType => plain(
                "The consent is already of this type.",
                "互通同意已是此類別。",
            ),
            ErrorCode::PatientWithdrawn | ErrorCode::PatientNotRegistered => plain(
                "This patient is not registered with eHealth (or has withdrawn).",
                "此病人並未登記醫健通（或已退出）。",
            ),
            ErrorCode::ProviderNotRegistered => plain(
                "Your healthcare provider cannot act in eHealth at present. Please contact the eHR Registration Office.",
                "貴醫護提供者現時不能使用醫健通，請聯絡電子健康紀錄登記處。",
            ),
            ErrorCode::ApplicationNotFound | ErrorCode::ApplicationNotPending | ErrorCode::ApplicationChanged => plain(
                "The application was not found, or is already complete. Please find the patient again.",
                "找不到該申請，或申請已完成。請重新尋找病人。",
            ),
            ErrorCode::AlreadyRegistered | ErrorCode::ApplicationExists => plain(
                "This identity document is already registered with eHealth (one document, one participant).",
                "此身份證明文件已登記醫健通（一份文件只可登記一次）。",
            ),
            ErrorCode::IdDocumentMismatch => plain(
                "The identity document checked is not this patient's.",
                "所核對的身份證明文件並非此病人的。",
            ),
            ErrorCode::FormAlreadyRecorded => plain(
                "This signed form has already been recorded at your clinic.",
                "此已簽署的表格已在貴機構記錄。",
            ),
            ErrorCode::UsernameTaken => plain(
                "An account with this username already exists at your clinic.",
                "貴機構已有使用此用戶名稱的帳戶。",
            ),
            ErrorCode::AccountNotFound => plain(
                "No account of your clinic was found. Please reload the list.",
                "找不到貴機構的此帳戶，請重新載入列表。",
            ),
            ErrorCode::WrongRole => plain(
                "Your account cannot do this.",
                "你的帳戶不能進行此操作。",
            ),
            _ => plain(
                "This could not be done. Please check what you entered and try again.",
                "未能完成，請檢查輸入的資料後再試。",
            ),
        }
    }

    fn t_owned(self, en: &str, zh: &str) -> String {
        match self {
            Self::En => en.to_owned(),
            Self::ZhHant => zh.to_owned(),
        }
    }

    fn invalid(self, err: &CoreError) -> String {
        let CoreError::InvalidInput { field, .. } = err else {
            return String::new();
        };
        let label = match *field {
            "ehr_number" => self.t("eHR number", "電子健康紀錄號碼"),
            "access_key" => self.t("access key", "存取密碼"),
            "hcp_id" | "provider_id" => self.t("provider number", "醫護提供者編號"),
            f if f.starts_with("id_document") || f == "hkic" => {
                self.t("identity document", "身份證明文件")
            }
            "type" | "consent" | "consent.type" => self.t("consent type", "同意類別"),
            "name_en" => self.t("name in English", "英文姓名"),
            "name_zh" => self.t("name in Chinese", "中文姓名"),
            "date_of_birth" => self.t("date of birth", "出生日期"),
            "sex" => self.t("sex", "性別"),
            "mobile" => self.t("mobile number", "手提電話號碼"),
            "email" => self.t("email", "電郵"),
            "postal_address" => self.t("postal address", "郵寄地址"),
            "language" => self.t("language", "語言"),
            "notification_means" => self.t(
                "means of notification (one the contact details support)",
                "通知方式（須配合所提供的聯絡資料）",
            ),
            "card_data" => self.t("smart HKIC read", "智能身份證讀取資料"),
            "contact_confirmed" => self.t("confirmation of the contact details", "聯絡資料確認"),
            "document_checked" => self.t(
                "document check (tick that you checked it, or read the smart HKIC)",
                "文件核對（請剔選已核對，或讀取智能身份證）",
            ),
            "form_id" => self.t("form (please reload the page)", "表格（請重新載入網頁）"),
            "form.document_number" => {
                self.t("signed form's document number", "已簽署表格的文件編號")
            }
            "form.sha256" | "form" => self.t(
                "signed form's SHA-256 (64 hexadecimal characters)",
                "已簽署表格的 SHA-256（64個十六進位字元）",
            ),
            "channel" => self.t("way the consent was given", "給予同意的方式"),
            "data_type" => self.t("data type", "資料類別"),
            "username" => self.t(
                "username (3 to 64 characters: a-z, 0-9, dot, underscore, hyphen)",
                "用戶名稱（3至64個字元：a-z、0-9、點、底線、連字號）",
            ),
            "display_name" => self.t("name (1 to 200 characters)", "姓名（1至200個字元）"),
            "password" => self.t("password (12 to 128 characters)", "密碼（12至128個字元）"),
            "profession" => self.t("profession", "專業"),
            "registration_number" => self.t(
                "professional registration number (1 to 32 characters)",
                "專業註冊編號（1至32個字元）",
            ),
            "registration_expires_on" => self.t(
                "last day of the registration (YYYY-MM-DD)",
                "註冊的最後一天（年-月-日）",
            ),
            "action" => self.t("action", "操作"),
            _ => self.t("an entry", "一項資料"),
        };
        match self {
            Self::En => format!("Please check the {label}: it is not in the right form."),
            Self::ZhHant => format!("請檢查{label}：格式不正確。"),
        }
    }
}

/// The tries left that core writes in a wrong key's message ("…; 3 tries left…").
fn tries_left(err: &CoreError) -> Option<u32> {
    let text = err.to_string();
    let digits: String = text
        .split(';')
        .nth(1)?
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_hong_kong_time_as_each_language_writes_them() {
        // 23:30 UTC is 07:30 the next morning in Hong Kong (UTC+8, no summer time).
        let at = Utc.with_ymd_and_hms(2027, 2, 28, 23, 30, 0).single();
        let Some(at) = at else { panic!("a valid time") };
        assert_eq!(
            Lang::En.date_time(at),
            "1 March 2027, 07:30 (Hong Kong time)"
        );
        assert_eq!(Lang::ZhHant.date_time(at), "2027年3月1日 07:30（香港時間）");
    }

    #[test]
    fn a_wrong_key_says_the_tries_left_in_each_language() {
        let e = CoreError::refused(
            ErrorCode::WrongAccessKey,
            "the access key is wrong; 2 tries left before it locks",
        );
        assert_eq!(
            Lang::En.error(&e),
            "The access key is not right. 2 more wrong tries will lock it."
        );
        assert_eq!(
            Lang::ZhHant.error(&e),
            "存取密碼不正確。再錯 2 次便會鎖上。"
        );
    }

    #[test]
    fn no_error_shows_its_code() {
        for e in [
            CoreError::invalid("ehr_number", "bad check digit"),
            CoreError::refused(ErrorCode::AccountNotActive, "internal words"),
            CoreError::RateLimited {
                retry_after_secs: 60,
            },
        ] {
            for lang in [Lang::En, Lang::ZhHant] {
                let text = lang.error(&e);
                assert!(
                    !text.contains(e.code().as_str()) && !text.is_empty(),
                    "{text}"
                );
            }
        }
    }
}
