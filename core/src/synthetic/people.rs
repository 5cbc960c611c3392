//! The people: providers, patients and what each patient holds (access key, consents,
//! shared records, an app session for one in ten).

use std::collections::HashSet;
use std::ops::Range;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{mix, patient_id, write_rows, Plan, Timings};
use crate::db::access_keys::AccessKeyRecord;
use crate::db::consents::SharingConsent;
use crate::db::patients::Patient;
use crate::db::providers::{self, Provider};
use crate::db::records::SharedRecord;
use crate::db::schema::{access_keys, patients, sessions, shared_records, sharing_consents};
use crate::db::{new_id, to_db, DbConn};
use crate::domain::{
    Actor, ActorKind, ConsentChannel, ConsentStatus, ConsentType, DataType, EstablishmentType,
    Language, PatientStatus, ProviderStatus, Sex,
};
use crate::error::CoreResult;
use crate::ids::{AccessKey, EhrNumber, Hkic, ProviderId};
use crate::secret::SecretHasher;

/// Distinct access keys, each hashed once with the configured (production) Argon2id
/// parameters; patient `i` holds key `i % KEYS` (docs/decisions.md, "Access keys of the
/// synthetic population").
const KEYS: usize = 64;
/// The consents each patient gives (besides HA's and DH's deemed ones).
pub const CONSENTS: usize = 3;
const RECORDS: u64 = 3;
const SURNAMES: [&str; 10] = [
    "CHAN", "WONG", "LEE", "CHEUNG", "LAU", "HO", "NG", "LEUNG", "CHOI", "YEUNG",
];
const GIVEN: [&str; 8] = [
    "Tai Man",
    "Siu Ming",
    "Ka Yan",
    "Wing Sze",
    "Chi Keung",
    "Mei Ling",
    "Ho Yin",
    "Hoi Ting",
];
const SURNAMES_ZH: [&str; 10] = ["陳", "黃", "李", "張", "劉", "何", "吳", "梁", "蔡", "楊"];
const GIVEN_ZH: [&str; 8] = [
    "大文", "小明", "嘉欣", "詠詩", "志強", "美玲", "浩然", "凱婷",
];

/// What every chunk of patients draws on.
pub struct Population {
    pub seed: u64,
    /// The demo clinic and the synthetic providers (ids).
    pub clinic: String,
    pub providers: Vec<String>,
    deemed: Vec<String>,
    key_hashes: Vec<String>,
    ehr_numbers: HashSet<u64>,
    pub now: DateTime<Utc>,
}

impl Population {
    /// Writes the synthetic providers and hashes the access keys.
    pub fn start(
        conn: &mut DbConn,
        hasher: &SecretHasher,
        clinic: &str,
        plan: &Plan,
        now: DateTime<Utc>,
        timings: &mut Timings,
    ) -> CoreResult<Self> {
        let count = (plan.patients / 1_000).clamp(10, 2_000);
        let rows = (0..count)
            .map(|k| synthetic_provider(k, now))
            .collect::<CoreResult<Vec<_>>>()?;
        timings.time("providers", rows.len(), || {
            crate::db::write_tx(conn, |c| {
                rows.iter().try_for_each(|p| providers::insert(c, p))?;
                Ok(())
            })
        })?;
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let key_hashes = timings.time("access key hashes (Argon2id)", KEYS, || {
            (0..KEYS)
                .map(|_| hasher.hash(AccessKey::generate(&mut rng).expose()))
                .collect::<CoreResult<Vec<_>>>()
        })?;
        Ok(Self {
            seed: plan.seed,
            clinic: clinic.to_owned(),
            providers: rows.into_iter().map(|p| p.id).collect(),
            deemed: providers::public_bodies(conn)?
                .into_iter()
                .map(|p| p.id)
                .collect(),
            key_hashes,
            ehr_numbers: HashSet::new(),
            now,
        })
    }

    /// Patient `i`'s consented providers: the clinic and two distinct synthetic ones.
    pub fn providers_of(&self, i: u64) -> [&str; CONSENTS] {
        let n = self.providers.len() as u64;
        let a = mix(i, 1) % n;
        let b = (a + 1 + mix(i, 2) % (n - 1)) % n;
        [
            &self.clinic,
            nth(&self.providers, a).as_str(),
            nth(&self.providers, b).as_str(),
        ]
    }

    /// Patients `range`, with everything they hold, written table by table.
    pub fn write_patients(
        &mut self,
        conn: &mut DbConn,
        range: Range<u64>,
        timings: &mut Timings,
    ) -> CoreResult<()> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ mix(range.start, 7));
        let people: Vec<Patient> = range
            .clone()
            .map(|i| self.patient(&mut rng, i))
            .collect::<CoreResult<_>>()?;
        let keys: Vec<AccessKeyRecord> = range
            .clone()
            .zip(&people)
            .map(|(i, p)| self.access_key(i, p))
            .collect();
        let consents: Vec<SharingConsent> = range
            .clone()
            .zip(&people)
            .flat_map(|(i, p)| self.consents(&mut rng, i, p))
            .collect();
        let records: Vec<SharedRecord> = range
            .clone()
            .zip(&people)
            .flat_map(|(i, p)| self.records(&mut rng, i, p))
            .collect();
        let sessions: Vec<_> = range
            .filter(|i| i.is_multiple_of(10))
            .map(|i| self.session(&mut rng, i))
            .collect();
        let n = people.len();
        timings.time("patients", n, || {
            Ok(write_rows!(conn, patients::table, &people)?)
        })?;
        timings.time("access_keys", n, || {
            Ok(write_rows!(conn, access_keys::table, &keys)?)
        })?;
        timings.time("sharing_consents", consents.len(), || {
            Ok(write_rows!(conn, sharing_consents::table, &consents)?)
        })?;
        timings.time("shared_records", records.len(), || {
            Ok(write_rows!(conn, shared_records::table, &records)?)
        })?;
        timings.time("sessions", sessions.len(), || {
            Ok(write_rows!(conn, sessions::table, &sessions)?)
        })?;
        Ok(())
    }

    fn patient(&mut self, rng: &mut StdRng, i: u64) -> CoreResult<Patient> {
        let letter = char::from(b'A' + u8::try_from(i / 1_000_000).unwrap_or(25).min(25));
        // Two letters, `X` first: never a single-letter number such as the demo patient's.
        let hkic = Hkic::with_check_digit(&format!("X{letter}{:06}", i % 1_000_000))?;
        let ehr = loop {
            let candidate = EhrNumber::random(rng);
            let digits: u64 = candidate.as_str().parse().unwrap_or_default();
            if self.ehr_numbers.insert(digits) {
                break candidate;
            }
        };
        let (surname, given) = (i, i / 10);
        let email = i.is_multiple_of(2).then(|| format!("p{i}@example.com"));
        let born = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap_or_default()
            + Duration::days(rng.gen_range(0..32_000));
        Ok(Patient {
            id: patient_id(i),
            ehr_number: ehr.as_str().to_owned(),
            id_doc_type: crate::ids::IdentityDocumentKind::Hkic,
            id_doc_number: hkic.as_str().to_owned(),
            id_doc_place: None,
            id_doc_key: format!("hkic:{}", hkic.as_str()),
            name_en: format!("{}, {}", nth(&SURNAMES, surname), nth(&GIVEN, given)),
            name_zh: Some(format!(
                "{}{}",
                nth(&SURNAMES_ZH, surname),
                nth(&GIVEN_ZH, given)
            )),
            date_of_birth: born,
            sex: [Sex::Female, Sex::Male][rng.gen_range(0..2)],
            mobile: format!("+852{}{:07}", nth(&[5, 6, 9], i), i % 10_000_000),
            notify_email: email.is_some(),
            email,
            postal_address: None,
            language: match rng.gen_range(0..20) {
                0..=15 => Language::TraditionalChinese,
                16..=18 => Language::English,
                _ => Language::SimplifiedChinese,
            },
            notify_sms: true,
            notify_post: false,
            status: PatientStatus::Registered,
            registered_at: self.before_now(rng, 3 * 365),
            registered_by_provider: Some(self.providers_of(i)[0].to_owned()),
            withdrawn_at: None,
        })
    }

    fn access_key(&self, i: u64, p: &Patient) -> AccessKeyRecord {
        AccessKeyRecord {
            id: new_id(),
            patient_id: p.id.clone(),
            key_hash: nth(&self.key_hashes, i).clone(),
            issued_at: p.registered_at,
            issued_channel: crate::domain::AccessKeyChannel::Registration,
            revoked_at: None,
            failed_attempts: 0,
            locked_at: None,
        }
    }

    /// HA's and DH's deemed consents, the three given ones, and for one patient in four
    /// the clinic's earlier consent that the current one superseded.
    fn consents(&self, rng: &mut StdRng, i: u64, p: &Patient) -> Vec<SharingConsent> {
        let row = |provider: &str, kind: ConsentType, given_at: NaiveDateTime| {
            let expires_at = (kind == ConsentType::OneYear).then(|| given_at + Duration::days(365));
            let system = Actor::system();
            let deemed = ConsentChannel::Deemed;
            SharingConsent::active(&p.id, provider, kind, deemed, &system, given_at, expires_at)
        };
        let mut out: Vec<SharingConsent> = self
            .deemed
            .iter()
            .map(|d| row(d, ConsentType::Deemed, p.registered_at))
            .collect();
        for (k, provider) in self.providers_of(i).into_iter().enumerate() {
            let kind = [ConsentType::OneYear, ConsentType::Indefinite][rng.gen_range(0..2)];
            let mut c = row(provider, kind, self.before_now(rng, 300));
            c.channel = [
                ConsentChannel::App,
                ConsentChannel::AccessKey,
                ConsentChannel::Form,
            ][rng.gen_range(0..3)];
            c.actor_kind = ActorKind::Patient;
            c.actor_id = Some(p.id.to_string());
            if k == 0 && i.is_multiple_of(4) {
                let mut earlier = row(provider, ConsentType::OneYear, c.given_at);
                earlier.given_at -= Duration::days(200);
                earlier.status = ConsentStatus::Superseded;
                earlier.superseded_by = Some(c.id.clone());
                earlier.ended_at = Some(c.given_at);
                out.push(earlier);
            }
            out.push(c);
        }
        out
    }

    fn records(&self, rng: &mut StdRng, i: u64, p: &Patient) -> Vec<SharedRecord> {
        let from = self.providers_of(i);
        (0..RECORDS)
            .map(|k| {
                let data_type = DataType::ALL[rng.gen_range(0..DataType::ALL.len())];
                SharedRecord {
                    id: new_id(),
                    patient_id: p.id.clone(),
                    provider_id: nth(&from, k).to_string(),
                    data_type,
                    document: format!(
                        r#"{{"resourceType":"DocumentReference","status":"current","description":"synthetic {} {k}"}}"#,
                        data_type.as_str()
                    ),
                    shared_by: None,
                    created_at: self.before_now(rng, 700),
                }
            })
            .collect()
    }

    /// An app session that nobody holds the token of (its digest is random).
    #[allow(clippy::type_complexity)]
    fn session(
        &self,
        rng: &mut StdRng,
        i: u64,
    ) -> (
        diesel::dsl::Eq<sessions::id, String>,
        diesel::dsl::Eq<sessions::token_hash, String>,
        diesel::dsl::Eq<sessions::subject_kind, &'static str>,
        diesel::dsl::Eq<sessions::subject_id, String>,
        diesel::dsl::Eq<sessions::created_at, NaiveDateTime>,
        diesel::dsl::Eq<sessions::expires_at, NaiveDateTime>,
    ) {
        let created = self.before_now(rng, 1);
        (
            sessions::id.eq(new_id()),
            sessions::token_hash.eq(hex::encode(rng.gen::<[u8; 32]>())),
            sessions::subject_kind.eq("patient"),
            sessions::subject_id.eq(String::from(patient_id(i))),
            sessions::created_at.eq(created),
            sessions::expires_at.eq(created + Duration::hours(4)),
        )
    }

    /// A time within the last `days` days.
    pub fn before_now(&self, rng: &mut StdRng, days: i64) -> NaiveDateTime {
        to_db(self.now - Duration::seconds(rng.gen_range(60..days.max(1) * 86_400)))
    }
}

/// Item `n` of `list`, counting round (the list is never empty).
fn nth<T>(list: &[T], n: u64) -> &T {
    let len = u64::try_from(list.len()).unwrap_or(u64::MAX);
    &list[usize::try_from(n % len).unwrap_or(0)]
}

fn synthetic_provider(k: u64, now: DateTime<Utc>) -> CoreResult<Provider> {
    let id = ProviderId::from_serial(u32::try_from(2_000_000 + k).unwrap_or(u32::MAX))?;
    let kind = [
        EstablishmentType::MedicalClinic,
        EstablishmentType::MedicalClinic,
        EstablishmentType::DentalCompany,
        EstablishmentType::PrivateHospital,
        EstablishmentType::NursingHome,
    ];
    let kind = *nth(&kind, k);
    Ok(Provider {
        id: id.as_str().to_owned(),
        name_en: format!("Synthetic {} {k}", kind.as_str()),
        name_zh: format!("模擬醫療機構 {k}"),
        establishment_type: kind,
        public_body: None,
        status: ProviderStatus::Registered,
        registered_at: to_db(now - Duration::days(2_000)),
        status_changed_at: to_db(now - Duration::days(2_000)),
    })
}
