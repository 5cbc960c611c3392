DROP INDEX sdm_links_patient;
ALTER TABLE sdm_links DROP COLUMN ended_reason;
ALTER TABLE sdm_links DROP COLUMN documents;
ALTER TABLE sdm_links DROP COLUMN status;
ALTER TABLE substitute_decision_makers DROP COLUMN language;
DROP TABLE sdm_applications;
