DROP INDEX sharing_consents_expiring;
DROP TABLE consent_reminders;
