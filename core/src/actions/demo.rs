//! Demo data for a first try: HA, DH, a clinic and a dental company; a user administrator,
//! a doctor and an Office account; one patient with a consent for the clinic. Loaded
//! once (it does nothing if providers exist). Development only: the passwords are public.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::consent::{self, ConsentRequest};
use super::registration::{self, Particulars};
use crate::db::accounts::{self, Account};
use crate::db::audit::{self, NewAuditEntry};
use crate::db::providers::{self, Provider};
use crate::db::{account_factors, matrix, to_db, write_tx, DbConn};
use crate::domain::{
    AccountRole, AccountStatus, Actor, ActorKind, AuditAction, AuditOutcome, ConsentChannel,
    ConsentType, EmailAddress, EstablishmentType, Language, MobileNumber, NotificationMeans,
    PersonName, PostalAddress, Profession, ProviderStatus, Sex,
};
use crate::error::CoreResult;
use crate::ids::AccountId;
use crate::ids::{IdentityDocument, ProviderId};
use crate::secret::SecretHasher;

pub const DEMO_PASSWORD: &str = "demo-password-2026";
/// Base32 TOTP secret of the demo doctor, to be added to an authenticator app.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub providers: Vec<(String, String)>,
    pub accounts: Vec<(String, String, String)>,
    pub patient_ehr_number: String,
    pub patient_access_key: String,
    pub password: &'static str,
    pub totp_secret: &'static str,
}

/// Seeds the access matrix if empty (always), and the demo data if there are no providers.
pub fn seed(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    now: DateTime<Utc>,
) -> CoreResult<Option<DemoSummary>> {
    let file = matrix::MatrixFile::parse(matrix::SEED)?;
    write_tx(conn, |c| matrix::seed_if_empty(c, &file))?;
    if providers::count(conn)? > 0 {
        return Ok(None);
    }
    let office = Actor::new(ActorKind::Office, "demo-seed");
    let list = [
        (
            1,
            "Hospital Authority",
            "醫院管理局",
            EstablishmentType::HospitalAuthority,
        ),
        (
            2,
            "Department of Health",
            "衞生署",
            EstablishmentType::DepartmentOfHealth,
        ),
        (
            1001,
            "Harbour View Medical Centre",
            "海景醫務中心",
            EstablishmentType::MedicalClinic,
        ),
        (
            1002,
            "Kowloon Dental Company",
            "九龍牙科有限公司",
            EstablishmentType::DentalCompany,
        ),
    ];
    let mut summary_providers = Vec::new();
    write_tx(conn, |c| {
        for (serial, en, zh, kind) in list {
            let id = ProviderId::from_serial(serial)?;
            providers::insert(
                c,
                &Provider {
                    id: id.as_str().to_owned(),
                    name_en: en.to_owned(),
                    name_zh: zh.to_owned(),
                    establishment_type: kind,
                    public_body: kind.public_body(),
                    status: ProviderStatus::Registered,
                    registered_at: to_db(now),
                    status_changed_at: to_db(now),
                },
            )?;
            let entry = NewAuditEntry::new(
                AuditAction::ProviderRegistered,
                office.clone(),
                AuditOutcome::Succeeded,
            )
            .provider(id.as_str());
            audit::append(c, &entry, now)?;
            // Where the Office writes to the clinic (issue 16).
            if serial == 1001 {
                crate::db::provider_changes::insert_particulars(
                    c,
                    &crate::db::provider_changes::ProviderParticulars {
                        provider_id: id.as_str().to_owned(),
                        address: Some("G/F, 8 Harbour Road, Wan Chai, Hong Kong".to_owned()),
                        contact_name: Some("Clinic administrator".to_owned()),
                        contact_email: Some("admin@harbourview.example".to_owned()),
                        contact_phone: Some("+85221234567".to_owned()),
                        language: Language::English,
                        updated_at: to_db(now),
                    },
                )?;
            }
            summary_providers.push((id.as_str().to_owned(), en.to_owned()));
        }
        Ok(())
    })?;
    let clinic = ProviderId::from_serial(1001)?;
    let accounts = seed_accounts(conn, hasher, &clinic, now)?;
    let particulars = Particulars {
        document: IdentityDocument::parse("hkic", "A123456(3)", None)?,
        name_en: PersonName::parse_english("CHAN, Tai Man")?,
        name_zh: Some(PersonName::parse_chinese("陳大文")?),
        date_of_birth: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default(),
        sex: Sex::Male,
        mobile: MobileNumber::parse("+85291234567")?,
        email: Some(EmailAddress::parse("chan.taiman@example.com")?),
        postal_address: Some(PostalAddress::parse(
            "Flat A, 10/F, 1 Harbour Road, Wan Chai, Hong Kong",
        )?),
        language: Language::English,
        means: vec![NotificationMeans::Sms, NotificationMeans::Email],
    };
    let registered =
        registration::register(conn, hasher, &particulars, Some(&clinic), &office, now)?;
    consent::give(
        conn,
        &ConsentRequest {
            patient_id: registered.patient.id.clone(),
            provider_id: clinic,
            consent_type: ConsentType::OneYear,
            channel: ConsentChannel::Form,
            actor: Actor::new(ActorKind::Patient, registered.patient.id.clone()),
        },
        now,
    )?;
    Ok(Some(DemoSummary {
        providers: summary_providers,
        accounts,
        patient_ehr_number: registered.patient.ehr_number.clone(),
        patient_access_key: registered.access_key.expose().to_owned(),
        password: DEMO_PASSWORD,
        totp_secret: DEMO_TOTP_SECRET,
    }))
}

fn seed_accounts(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    clinic: &ProviderId,
    now: DateTime<Utc>,
) -> CoreResult<Vec<(String, String, String)>> {
    let password_hash = hasher.hash(DEMO_PASSWORD)?;
    let specs = [
        (
            Some(clinic.as_str()),
            AccountRole::UserAdmin,
            "admin",
            "Clinic administrator",
            None,
        ),
        (
            Some(clinic.as_str()),
            AccountRole::Hcprof,
            "drchan",
            "Dr CHAN Siu Ming",
            Some(Profession::MedicalPractitioner),
        ),
        (
            None,
            AccountRole::Office,
            "office",
            "eHR Registration Office",
            None,
        ),
    ];
    write_tx(conn, |c| {
        let mut out = Vec::new();
        for (provider, role, username, name, profession) in specs {
            let id = AccountId::generate();
            let totp = account_factors::seal_totp(hasher.sealer(), &id, DEMO_TOTP_SECRET)?;
            accounts::insert(
                c,
                &Account {
                    id: id.clone(),
                    provider_id: provider.map(str::to_owned),
                    role,
                    username: username.to_owned(),
                    display_name: name.to_owned(),
                    password_hash: password_hash.clone(),
                    totp_secret: Some(totp),
                    totp_enabled: true,
                    totp_last_step: None,
                    profession,
                    registration_number: profession.map(|_| "M00001".to_owned()),
                    status: AccountStatus::Active,
                    created_at: to_db(now),
                    disabled_at: None,
                },
            )?;
            // The user administrator is written to about the clinic (issue 16).
            if role == AccountRole::UserAdmin {
                crate::db::registrations::set_email(
                    c,
                    &id,
                    Some("admin@harbourview.example"),
                    to_db(now),
                )?;
            }
            out.push((
                provider.unwrap_or("-").to_owned(),
                username.to_owned(),
                role.as_str().to_owned(),
            ));
        }
        Ok(out)
    })
}
