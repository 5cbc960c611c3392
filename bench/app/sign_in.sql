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
UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1;
SELECT last_seq AS seq, last_hash FROM audit_head WHERE id = 1 \gset
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (:seq, now(), 'bench', 'patient', :pid, NULL, NULL, :pid, '', NULL, 'succeeded', NULL, '{"channel":"app"}', :last_hash, md5(random()::text) || md5(random()::text));
UPDATE audit_head SET last_hash = md5(random()::text) || md5(random()::text) WHERE id = 1;
UPDATE audit_head SET last_seq = last_seq + 1 WHERE id = 1;
SELECT last_seq AS seq, last_hash FROM audit_head WHERE id = 1 \gset
INSERT INTO audit_log (seq, occurred_at, event, actor_kind, actor_id, provider_id, profession, patient_id, data_types, purpose, outcome, reason, details, prev_hash, hash) VALUES (:seq, now(), 'bench', 'patient', :pid, NULL, NULL, :pid, '', NULL, 'succeeded', NULL, '{"channel":"app"}', :last_hash, md5(random()::text) || md5(random()::text));
UPDATE audit_head SET last_hash = md5(random()::text) || md5(random()::text) WHERE id = 1;
COMMIT;
