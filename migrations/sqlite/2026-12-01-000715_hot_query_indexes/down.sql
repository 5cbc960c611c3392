DROP INDEX approvals_patient;
DROP INDEX app_devices_patient;
DROP INDEX audit_log_patient_views;
