-- Substitute decision makers (issue 14). An SDM's application for a patient keeps the
-- SDM's particulars and the relationship beside the patient's application; a link gains a
-- status (an Office can suspend it in a dispute), the documents checked, and why it ended.
CREATE TABLE sdm_applications (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications (id),
    sdm_doc_key TEXT NOT NULL,
    sdm_name_en TEXT NOT NULL,
    sdm_name_zh TEXT,
    sdm_date_of_birth DATE NOT NULL,
    sdm_mobile TEXT NOT NULL,
    sdm_email TEXT,
    sdm_language TEXT NOT NULL,
    basis TEXT NOT NULL,
    relationship TEXT NOT NULL,
    documents TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE substitute_decision_makers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE sdm_links ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE sdm_links ADD COLUMN documents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sdm_links ADD COLUMN ended_reason TEXT;
CREATE INDEX sdm_links_patient ON sdm_links (patient_id);
