-- The SQL of one app sign-in by code (POST /v1/app/sessions/otp/verify): read the code,
-- consume it, start a session, two audit entries (the code try and the sign-in).
-- Each client keeps to its own patients (as the HTTP load does), so no two clients
-- change one patient at once.
\set n :client_id + 50 * random(0, 5)
SELECT id AS pid FROM patients WHERE name_en LIKE 'BENCH%' ORDER BY id OFFSET :n LIMIT 1 \gset
SELECT id AS cid FROM one_time_codes WHERE subject_id = :pid LIMIT 1 \gset
BEGIN;
SELECT id, purpose, subject_id, destination, code_hash, attempts, created_at, expires_at, consumed_at FROM one_time_codes WHERE id = :cid;
UPDATE one_time_codes SET attempts = attempts WHERE id = :cid AND consumed_at IS NOT NULL;
INSERT INTO sessions (id, token_hash, subject_kind, subject_id, created_at, expires_at) VALUES (md5(random()::text), md5(random()::text) || md5(random()::text), 'patient', :pid, now(), now() + interval '30 minutes');
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'bench', 'patient', :pid, NULL, NULL, :pid, '', NULL, 'succeeded', NULL, '{"channel":"app"}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (nextval('audit_log_seq'), now(), 'bench', 'patient', :pid, NULL, NULL, :pid, '', NULL, 'succeeded', NULL, '{"channel":"app"}', '', '');
INSERT INTO audit_pending (seq) VALUES (currval('audit_log_seq'));
COMMIT;
