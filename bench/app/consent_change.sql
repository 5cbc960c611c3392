-- The SQL of one consent change in the app (PUT /v1/app/consents/{hcp_id}): the session
-- lookup, then one transaction: patient, provider, current consent superseded, new row,
-- audit entry, SMS job, inbox entry.
-- Each client keeps to its own patients (as the HTTP load does), so no two clients
-- change one patient at once.
\set n :client_id + 50 * random(0, 5)
SELECT id AS pid FROM patients WHERE name_en LIKE 'BENCH%' ORDER BY id OFFSET :n LIMIT 1 \gset
SELECT id, subject_kind, subject_id FROM sessions WHERE token_hash = md5(random()::text) AND revoked_at IS NULL;
BEGIN;
SELECT * FROM patients WHERE id = :pid FOR UPDATE;
SELECT * FROM providers WHERE id = '000010017';
SELECT id AS prev FROM sharing_consents WHERE patient_id = :pid AND provider_id = '000010017' AND status = 'active' LIMIT 1 \gset
UPDATE sharing_consents SET status = 'superseded', ended_at = now() WHERE patient_id = :pid AND provider_id = '000010017' AND status = 'active';
INSERT INTO sharing_consents (id, patient_id, provider_id, consent_type, channel, actor_kind, actor_id, given_at, expires_at, status) VALUES (md5(random()::text), :pid, '000010017', 'indefinite', 'app', 'patient', :pid, now(), NULL, 'active');
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'bench', 'patient', :pid, NULL, NULL, :pid, '', NULL, 'succeeded', NULL, '{"channel":"app"}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
SELECT EXISTS (SELECT 1 FROM app_devices WHERE patient_id = :pid);
INSERT INTO notification_jobs (id, job_type, channel, patient_id, dedupe_key, payload, status, attempts, max_attempts, run_at, created_at, updated_at) VALUES (md5(random()::text), 'consent_given', 'sms', :pid, md5(random()::text), '{"kind":"consent_given"}', 'pending', 0, 12, now(), now(), now()) ON CONFLICT (dedupe_key) DO NOTHING;
INSERT INTO notifications (id, patient_id, kind, payload, created_at) VALUES (md5(random()::text), :pid, 'consent_given', '{"kind":"consent_given"}', now());
COMMIT;
