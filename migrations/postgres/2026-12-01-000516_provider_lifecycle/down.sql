DROP TABLE account_activations;
DROP TABLE provider_document_reminders;
DROP TABLE provider_documents;
DROP TABLE provider_applications;
DROP TABLE professional_registrations;
DROP TABLE staff_contacts;
DROP TABLE provider_status_changes;
DROP TABLE provider_particulars;
