ALTER TABLE passkeys DROP COLUMN transports;
