use super::text_enum;

text_enum! {
    /// The eleven types of sharable data; no other type is accepted.
    DataType, "data_type" {
        Demographics => "demographics",
        Encounters => "encounters",
        LabRadiologyReports => "lab_radiology_reports",
        ObservationsLifestyle => "observations_lifestyle",
        AllergiesAdrs => "allergies_adrs",
        ClinicalNotes => "clinical_notes",
        OtherInvestigations => "other_investigations",
        MedicalCertificates => "medical_certificates",
        DiagnosisProceduresMedication => "diagnosis_procedures_medication",
        BirthImmunisation => "birth_immunisation",
        Referrals => "referrals",
    }
}

impl DataType {
    /// A comma-separated list as kept in the audit log, in a stable order.
    pub fn join(types: &[DataType]) -> String {
        let mut sorted: Vec<_> = types.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A list from a request body; a bad name is reported against the list's `field`.
    pub fn parse_list<C: FromIterator<DataType>>(
        field: &'static str,
        names: &[String],
    ) -> Result<C, crate::error::CoreError> {
        names
            .iter()
            .map(|n| {
                DataType::parse(n).map_err(|_| {
                    crate::error::CoreError::invalid(
                        field,
                        format!(
                            "{n:?} is not a data type; each must be one of: {}",
                            DataType::ALL
                                .iter()
                                .map(|t| t.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })
            })
            .collect()
    }

    pub fn split(list: &str) -> Result<Vec<DataType>, crate::error::CoreError> {
        list.split(',')
            .filter(|s| !s.is_empty())
            .map(DataType::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_types_and_list_round_trip() {
        assert_eq!(DataType::ALL.len(), 11);
        let joined = DataType::join(&[
            DataType::Referrals,
            DataType::AllergiesAdrs,
            DataType::Referrals,
        ]);
        assert_eq!(joined, "allergies_adrs,referrals");
        assert_eq!(DataType::split(&joined).expect("split").len(), 2);
        assert!(DataType::split("allergies_adrs,genome").is_err());
    }
}
