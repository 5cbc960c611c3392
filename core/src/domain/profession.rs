use super::text_enum;

text_enum! {
    /// The 13 healthcare professions whose rows make up the access matrix.
    Profession, "profession" {
        MedicalPractitioner => "medical_practitioner",
        Dentist => "dentist",
        Midwife => "midwife",
        Nurse => "nurse",
        Pharmacist => "pharmacist",
        MedicalLaboratoryTechnologist => "medical_laboratory_technologist",
        OccupationalTherapist => "occupational_therapist",
        OptometristPartI => "optometrist_part_i",
        Radiographer => "radiographer",
        Physiotherapist => "physiotherapist",
        DentalHygienist => "dental_hygienist",
        Chiropractor => "chiropractor",
        ChineseMedicinePractitioner => "chinese_medicine_practitioner",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_professions_round_trip() {
        assert_eq!(Profession::ALL.len(), 13);
        for p in Profession::ALL {
            assert_eq!(Profession::parse(p.as_str()).expect("round trip"), *p);
        }
        assert_eq!(
            Profession::parse("wizard").expect_err("no").field(),
            Some("profession")
        );
    }
}
