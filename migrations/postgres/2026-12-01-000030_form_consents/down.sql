DROP TABLE form_consents;
