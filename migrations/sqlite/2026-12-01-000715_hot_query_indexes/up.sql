-- Indexes for the hot queries at national scale (issue 15; docs/performance.md, "Plans of
-- the hot queries at 10^6 patients").

-- The app's access-records page: a patient's granted record views, newest first, a page
-- at a time. On (patient_id, seq) alone every entry of the patient is fetched, filtered by
-- event and outcome and sorted before the LIMIT, so the page costs grow with the patient's
-- whole log; here the index holds only what the page shows, in its order, and the page
-- reads its 21 rows.
CREATE INDEX audit_log_patient_views ON audit_log (patient_id, seq)
    WHERE event = 'record_view' AND outcome = 'granted';

-- Every granted record view looks up the patient's app devices (the push) and, for
-- restricted data types, the patient's approvals: both tables were read whole.
CREATE INDEX app_devices_patient ON app_devices (patient_id);
CREATE INDEX approvals_patient ON approvals (patient_id, provider_id);
