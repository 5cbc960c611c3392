-- The transports an authenticator reported at enrolment (JSON array of strings), offered
-- back in allowCredentials so the client knows where to look (issue 19).
ALTER TABLE passkeys ADD COLUMN transports TEXT;
